/* Reference external loader: Winbond W25Q256JV (32 MiB quad NOR) on the OCTOSPI1 of an
 * STM32L552 in quad mode (docs/serial-nor.md 3, 6). Written register-level from those facts
 * (no vendor code). Init: reset (RSTEN/RST), RDID must be EF 40 19, QE set by a two-byte WRSR
 * (SR1, SR2) if needed, EN4B, then memory-mapped 0xEB 1-4-4 reads (mode byte 0x00 on 4 lines,
 * 4 dummy cycles). Write: WREN + 0x32 (1-1-4, 4-byte address after EN4B) per 256-byte page,
 * WIP by automatic polling. SectorErase: 0xD8 (64 KiB, 4-byte address). MassErase: 0xC7.
 * Read, CheckSum, Verify: through the window. Runs on the reset clock (MSI 4 MHz). */
#include "../loader.h"
#include "l562_regs.h"

#define W_START OSPI_MEM_BASE
#define W_SIZE 0x02000000u
#define W_PAGE 0x100u
#define W_BLOCK 0x10000u

#define CMD_WREN 0x06u
#define CMD_RDSR 0x05u
#define CMD_RDSR2 0x35u
#define CMD_RDSR3 0x15u
#define CMD_WRSR 0x01u
#define CMD_RDID 0x9Fu
#define CMD_EN4B 0xB7u
#define CMD_QPP 0x32u
#define CMD_BE 0xD8u
#define CMD_CE 0xC7u
#define CMD_RSTEN 0x66u
#define CMD_RST 0x99u
#define CMD_4READ 0xEBu

#define SR_WIP 0x01u
#define SR2_QE 0x02u
#define SR3_ADS 0x01u

/* OCTOSPI CCR fields for 4-line phases (RM0438; docs/hardware.md B.2): mode 3 = 4 lines. */
#define LINES_4 3u
#define CCR_ADSIZE_32 (3u << 12)
#define CCR_ABMODE(l) ((l) << 16)
#define CCR_ABSIZE_8 (0u << 20)
#define OSPI_ABR REG32(OSPI_BASE + 0x120u)
#define OSPI_TCR_DCYC(n) (n)

#define F_CMD OSPI_CCR_IMODE(OSPI_LINES_1)
#define F_READ1 (F_CMD | OSPI_CCR_DMODE(OSPI_LINES_1))
#define F_ADDR (F_CMD | OSPI_CCR_ADMODE(OSPI_LINES_1) | CCR_ADSIZE_32)
#define F_WRITE1 F_READ1
#define F_QPP (F_ADDR | OSPI_CCR_DMODE(LINES_4))
#define F_4READ                                                                              \
    (F_CMD | OSPI_CCR_ADMODE(LINES_4) | CCR_ADSIZE_32 | CCR_ABMODE(LINES_4) | CCR_ABSIZE_8 | \
     OSPI_CCR_DMODE(LINES_4))
#define DCYC_4READ 4u /* + 2 cycles of the mode byte = 6 */

#define FIFO_THRESHOLD 4u
/* 32 MiB: DEVSIZE = 24 (2^25 bytes), nCS high 2 cycles, Micron byte order (MTYP 0). */
#define DCR1_VALUE (OSPI_DCR1_DEVSIZE(25u) | OSPI_DCR1_CSHT(2u))

/* Bounded waits: a broken model shows as a failed call, not a hang. At 4 MHz a poll is at
 * least 1 us; automatic polling lets the emulator skip the wait in virtual time. */
#define T_XFER (1u << 16)
#define POLL_ROUND (1u << 20)
#define ROUNDS_REG 8u   /* >= 8 s */
#define ROUNDS_BE 32u   /* >= 32 s: 64 KiB erase is 150 ms typical, 2 s max */
#define ROUNDS_CE 1024u /* >= 1000 s: chip erase 80 s typical */

static int reg_wait(volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t n)
{
    do {
        if ((*reg & mask) == want)
            return 1;
    } while (--n);
    return 0;
}

static int sr_wait(uint32_t mask, uint32_t want) { return reg_wait(&OSPI_SR, mask, want, T_XFER); }

static int ospi_abort(void)
{
    if (OSPI_SR & OSPI_SR_BUSY) {
        OSPI_CR |= OSPI_CR_ABORT;
        if (!sr_wait(OSPI_SR_TCF, OSPI_SR_TCF))
            return 0;
        OSPI_FCR = OSPI_FCR_CTCF;
    }
    return sr_wait(OSPI_SR_BUSY, 0);
}

/* Configure one frame; the last register written starts it (IR without, AR with address). */
static int frame(uint32_t fmode, uint32_t ccr, uint32_t dcyc, uint32_t ir, uint32_t ar,
                 uint32_t dlr)
{
    if (!sr_wait(OSPI_SR_BUSY, 0))
        return 0;
    OSPI_FCR = OSPI_FCR_ALL;
    OSPI_CR = (OSPI_CR & ~(OSPI_CR_FMODE_MASK | OSPI_CR_APMS)) | fmode;
    OSPI_TCR = OSPI_TCR_DCYC(dcyc);
    OSPI_CCR = ccr;
    OSPI_DLR = dlr;
    OSPI_IR = ir;
    if (ccr & OSPI_CCR_ADMODE_MASK)
        OSPI_AR = ar;
    return 1;
}

static int done(void)
{
    if (!sr_wait(OSPI_SR_TCF, OSPI_SR_TCF))
        return 0;
    OSPI_FCR = OSPI_FCR_CTCF;
    return 1;
}

static int cmd(uint32_t ccr, uint32_t ir, uint32_t ar)
{
    return frame(OSPI_CR_FMODE_IWRITE, ccr, 0u, ir, ar, 0u) && done();
}

/* n (1..4) bytes of a register read, byte 0 in bits 7:0; -1 on failure. */
static int32_t read_reg(uint32_t ir, uint32_t n)
{
    if (!frame(OSPI_CR_FMODE_IREAD, F_READ1, 0u, ir, 0u, n - 1u) || !done())
        return -1;
    uint32_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v |= (uint32_t)OSPI_DR8 << (8u * i);
    return (int32_t)(v & 0x7FFFFFFFu);
}

/* Automatic polling of RDSR until (SR & mask) == match (APMS). */
static int poll_sr(uint32_t mask, uint32_t match, uint32_t rounds)
{
    if (!sr_wait(OSPI_SR_BUSY, 0))
        return 0;
    OSPI_PSMKR = mask;
    OSPI_PSMAR = match;
    OSPI_PIR = 0x10u;
    if (!frame(OSPI_CR_FMODE_POLL | OSPI_CR_APMS, F_READ1, 0u, CMD_RDSR, 0u, 0u))
        return 0;
    do {
        if (reg_wait(&OSPI_SR, OSPI_SR_SMF, OSPI_SR_SMF, POLL_ROUND)) {
            OSPI_FCR = OSPI_FCR_CSMF;
            return 1;
        }
    } while (--rounds);
    (void)ospi_abort();
    return 0;
}

static int write_enable(void) { return cmd(F_CMD, CMD_WREN, 0u); }

static int mm_enter(void)
{
    if (!ospi_abort())
        return 0;
    OSPI_CR &= ~(OSPI_CR_FMODE_MASK | OSPI_CR_APMS);
    OSPI_TCR = OSPI_TCR_DCYC(DCYC_4READ);
    OSPI_CCR = F_4READ;
    OSPI_ABR = 0x00u; /* M5-4 != 10: no continuous read */
    OSPI_IR = CMD_4READ;
    OSPI_CR |= OSPI_CR_FMODE_MMAP;
    return 1;
}

static int mm_ensure(void)
{
    return (OSPI_CR & OSPI_CR_FMODE_MASK) == OSPI_CR_FMODE_MMAP || mm_enter();
}

static int flash_init(void)
{
    if (!cmd(F_CMD, CMD_RSTEN, 0u) || !cmd(F_CMD, CMD_RST, 0u) || !poll_sr(SR_WIP, 0u, ROUNDS_REG))
        return 0;
    if (read_reg(CMD_RDID, 3u) != 0x1940EF)
        return 0; /* not a W25Q256 */
    int32_t sr1 = read_reg(CMD_RDSR, 1u), sr2 = read_reg(CMD_RDSR2, 1u);
    if (sr1 < 0 || sr2 < 0)
        return 0;
    if (!((uint32_t)sr2 & SR2_QE)) {
        /* WRSR with two bytes: SR1 as it is, SR2 with QE */
        if (!write_enable() || !frame(OSPI_CR_FMODE_IWRITE, F_WRITE1, 0u, CMD_WRSR, 0u, 1u) ||
            !sr_wait(OSPI_SR_FTF, OSPI_SR_FTF))
            return 0;
        OSPI_DR8 = (uint8_t)sr1;
        OSPI_DR8 = (uint8_t)(sr2 | SR2_QE);
        if (!done() || !poll_sr(SR_WIP, 0u, ROUNDS_REG))
            return 0;
        if (!((uint32_t)read_reg(CMD_RDSR2, 1u) & SR2_QE))
            return 0;
    }
    if (!cmd(F_CMD, CMD_EN4B, 0u))
        return 0;
    int32_t sr3 = read_reg(CMD_RDSR3, 1u);
    return sr3 >= 0 && ((uint32_t)sr3 & SR3_ADS);
}

int Init(void)
{
    loader_zero_bss();
    if (RCC_AHB3ENR & RCC_AHB3_OSPI1)
        (void)ospi_abort();
    RCC_AHB3ENR |= RCC_AHB3_OSPI1;
    (void)RCC_AHB3ENR;
    RCC_AHB3RSTR |= RCC_AHB3_OSPI1;
    RCC_AHB3RSTR &= ~RCC_AHB3_OSPI1;
    OSPI_DCR1 = DCR1_VALUE;
    OSPI_DCR2 = 0u;
    OSPI_CR = OSPI_CR_FTHRES(FIFO_THRESHOLD) | OSPI_CR_EN;
    return flash_init() && mm_enter();
}

#define WIN_BASE W_START
#define WIN_SIZE W_SIZE
#include "window_host.h"

int DeInit(void)
{
    (void)ospi_abort();
    return 1;
}

/* One quad page program inside a page: words through DR where the source allows. */
static int program_page(uint32_t off, uint32_t n, const uint8_t *src)
{
    if (!write_enable() || !frame(OSPI_CR_FMODE_IWRITE, F_QPP, 0u, CMD_QPP, off, n - 1u))
        return 0;
    uint32_t i = 0;
    if (!((uint32_t)src & 3u))
        for (; n - i >= 4u; i += 4u) {
            if (!sr_wait(OSPI_SR_FTF, OSPI_SR_FTF))
                return 0;
            OSPI_DR32 = *(const uint32_t *)(src + i);
        }
    for (; i < n; i++) {
        if (!sr_wait(OSPI_SR_FTF, OSPI_SR_FTF))
            return 0;
        OSPI_DR8 = src[i];
    }
    return done() && poll_sr(SR_WIP, 0u, ROUNDS_REG);
}

int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    int ok = 1;
    if (!dev_range(Address, Size, &off) || !ospi_abort())
        return 0;
    while (ok && Size) {
        uint32_t n = W_PAGE - (off & (W_PAGE - 1u));
        if (n > Size)
            n = Size;
        ok = program_page(off, n, buffer);
        off += n;
        buffer += n;
        Size -= n;
    }
    return mm_enter() && ok;
}

int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    uint32_t s, e;
    int ok = 1;
    if (!dev_range(EraseStartAddress, 1u, &s) || !dev_range(EraseEndAddress, 1u, &e) || e < s ||
        !ospi_abort())
        return 0;
    for (uint32_t b = s & ~(W_BLOCK - 1u); ok && b <= e; b += W_BLOCK)
        ok = write_enable() && cmd(F_ADDR, CMD_BE, b) && poll_sr(SR_WIP, 0u, ROUNDS_BE);
    return mm_enter() && ok;
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    if (!ospi_abort())
        return 0;
    int ok = write_enable() && cmd(F_CMD, CMD_CE, 0u) && poll_sr(SR_WIP, 0u, ROUNDS_CE);
    return mm_enter() && ok;
}
