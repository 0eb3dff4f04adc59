/* Reference external loader: Macronix MX25R6435F (8 MiB quad NOR) on the QUADSPI of the
 * 32L496GDISCOVERY (docs/serial-nor.md 5, 7, 8). Written register-level from those facts (no
 * vendor code). Init: QUADSPI clock and reset, RSTEN/RST, RDID must be C2 28 17, then one
 * three-byte WRSR (SR with QE, CR1, CR2 with the high-performance bit) read back, then
 * memory-mapped 0xEB (1-4-4, 24-bit address, mode byte 0xAA on 4 lines, 4 dummy cycles).
 * Write: WREN + 0x38 (1-4-4) per 256-byte page, WIP by automatic polling, then the security
 * register's P_FAIL. SectorErase: 0x20 per 4 KiB sector (E_FAIL checked); MassErase: 0x60.
 * Read, CheckSum, Verify: through the window. Runs on the reset clock (MSI 4 MHz).
 * CHIP_N25Q: the same loader for a Micron N25Q128A (16 MiB; docs/serial-nor.md,
 * RM0385) as on the STM32F7508-DK: RDID 20 BA 18, no QE bit to set, program 0x32 (1-1-4),
 * 64 KiB erase 0xD8, the flag status register's program/erase error bits, memory-mapped 0xEB
 * (1-4-4) with the reset VCR's 10 dummy cycles and no mode byte. F7_RWPI: Init also stores
 * and reloads a word through R9 as Keil's RWPI code addresses its data (R9 = 0 as the host
 * leaves it: the Cortex-M7's ITCM RAM at 0 holds it). */
#include "../loader.h"

#define REG32(a) (*(volatile uint32_t *)(a))
#define REG8(a) (*(volatile uint8_t *)(a))

#ifdef RCC_F4
/* F4 RCC (0x40023800): AHB3RSTR 0x18 / AHB3ENR 0x38, QSPI bit 1 (docs/serial-nor.md 9). */
#define RCC_AHB3RSTR REG32(0x40023818u)
#define RCC_AHB3ENR REG32(0x40023838u)
#define RCC_AHB3_QSPI (1u << 1)
#else
/* RCC (0x40021000): AHB3RSTR 0x30 / AHB3ENR 0x50, QSPI bit 8 (docs/serial-nor.md 8). */
#define RCC_AHB3RSTR REG32(0x40021030u)
#define RCC_AHB3ENR REG32(0x40021050u)
#define RCC_AHB3_QSPI (1u << 8)
#endif

/* QUADSPI (0xA0001000; docs/serial-nor.md 7) and its window. */
#define Q_BASE 0xA0001000u
#define Q_CR REG32(Q_BASE + 0x00u)
#define Q_DCR REG32(Q_BASE + 0x04u)
#define Q_SR REG32(Q_BASE + 0x08u)
#define Q_FCR REG32(Q_BASE + 0x0Cu)
#define Q_DLR REG32(Q_BASE + 0x10u)
#define Q_CCR REG32(Q_BASE + 0x14u)
#define Q_AR REG32(Q_BASE + 0x18u)
#define Q_ABR REG32(Q_BASE + 0x1Cu)
#define Q_DR32 REG32(Q_BASE + 0x20u)
#define Q_DR8 REG8(Q_BASE + 0x20u)
#define Q_PSMKR REG32(Q_BASE + 0x24u)
#define Q_PSMAR REG32(Q_BASE + 0x28u)
#define Q_PIR REG32(Q_BASE + 0x2Cu)
#define Q_MEM 0x90000000u

#define CR_EN (1u << 0)
#define CR_ABORT (1u << 1)
#define CR_FTHRES(n) (((n)-1u) << 8)
#define CR_APMS (1u << 22)
#define CR_PRESCALER(n) ((n) << 24)
#define DCR_CSHT(n) (((n)-1u) << 8)
#define DCR_FSIZE(log2) (((log2)-1u) << 16)
#define SR_TCF (1u << 1)
#define SR_FTF (1u << 2)
#define SR_SMF (1u << 3)
#define SR_BUSY (1u << 5)
#define FCR_ALL 0x1Bu
#define FCR_CTCF (1u << 1)
#define FCR_CSMF (1u << 3)
/* CCR: instruction [7:0]; modes 1 = 1 line, 3 = 4 lines */
#define IMODE(l) ((l) << 8)
#define ADMODE(l) ((l) << 10)
#define ADSIZE_24 (2u << 12)
#define ABMODE(l) ((l) << 14)
#define ABSIZE_8 (0u << 16)
#define DCYC(n) ((n) << 18)
#define DMODE(l) ((l) << 24)
#define FMODE_WRITE (0u << 26)
#define FMODE_READ (1u << 26)
#define FMODE_POLL (2u << 26)
#define FMODE_MMAP (3u << 26)
#define L1 1u
#define L4 3u

#ifdef CHIP_N25Q
#define M_SIZE 0x01000000u
#define M_FSIZE 24u
#define M_SECTOR 0x10000u
#define CMD_SE 0xD8u     /* 64 KiB sector erase */
#define CMD_4PP 0x32u    /* quad input fast program: 1-1-4 */
#define CMD_RDSCUR 0x70u /* read flag status register */
#define CMD_CLFSR 0x50u
#define SECR_P_FAIL (1u << 4)
#define SECR_E_FAIL (1u << 5)
#define C_4PP_ADDR ADMODE(L1)
#define C_4READ_MODE DCYC(10u)
#else
#define M_SIZE 0x00800000u
#define M_FSIZE 23u
#define M_SECTOR 0x1000u
#define CMD_SE 0x20u
#define CMD_4PP 0x38u
#define CMD_RDSCUR 0x2Bu
#define SECR_P_FAIL (1u << 5)
#define SECR_E_FAIL (1u << 6)
#define C_4PP_ADDR ADMODE(L4)
#define C_4READ_MODE (ABMODE(L4) | ABSIZE_8 | DCYC(4u))
#endif
#define M_PAGE 0x100u

#define CMD_WREN 0x06u
#define CMD_RDSR 0x05u
#define CMD_RDCR 0x15u
#define CMD_WRSR 0x01u
#define CMD_RDID 0x9Fu
#define CMD_CE 0x60u
#define CMD_RSTEN 0x66u
#define CMD_RST 0x99u
#define CMD_4READ 0xEBu
#define SR_WIP 0x01u
#define SR_QE 0x40u
#define CR2_HIGH_PERF 0x02u

#define C_CMD (FMODE_WRITE | IMODE(L1))
#define C_CMD_ADDR (C_CMD | ADMODE(L1) | ADSIZE_24)
#define C_RDREG (FMODE_READ | IMODE(L1) | DMODE(L1))
#define C_WRREG (FMODE_WRITE | IMODE(L1) | DMODE(L1))
#define C_4PP (FMODE_WRITE | IMODE(L1) | C_4PP_ADDR | ADSIZE_24 | DMODE(L4))
#define C_4READ (FMODE_MMAP | IMODE(L1) | ADMODE(L4) | ADSIZE_24 | C_4READ_MODE | DMODE(L4))

#define T_XFER (1u << 16)
#define POLL_ROUND (1u << 20)
#define ROUNDS_REG 8u
#define ROUNDS_SE 16u
#define ROUNDS_CE 1024u

static int reg_wait(volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t n)
{
    do {
        if ((*reg & mask) == want)
            return 1;
    } while (--n);
    return 0;
}

static int sr_wait(uint32_t mask, uint32_t want) { return reg_wait(&Q_SR, mask, want, T_XFER); }

static int q_abort(void)
{
    if (Q_SR & SR_BUSY) {
        Q_CR |= CR_ABORT;
        if (!sr_wait(SR_TCF, SR_TCF))
            return 0;
        Q_FCR = FCR_CTCF;
    }
    return sr_wait(SR_BUSY, 0);
}

static int done(void)
{
    if (!sr_wait(SR_TCF, SR_TCF))
        return 0;
    Q_FCR = FCR_CTCF;
    return 1;
}

/* A frame: CCR starts it when it has no address phase, AR when it has (an indirect write
 * with data waits for DR). */
static int frame(uint32_t ccr, uint32_t ar, uint32_t dlr)
{
    if (!sr_wait(SR_BUSY, 0))
        return 0;
    Q_FCR = FCR_ALL;
    Q_DLR = dlr;
    Q_CCR = ccr;
    if (ccr & ADMODE(3u))
        Q_AR = ar;
    return 1;
}

static int cmd(uint32_t ccr, uint32_t ar) { return frame(ccr, ar, 0u) && done(); }

static int32_t read_reg(uint32_t op, uint32_t n)
{
    if (!frame(C_RDREG | op, 0u, n - 1u) || !done())
        return -1;
    uint32_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v |= (uint32_t)Q_DR8 << (8u * i);
    return (int32_t)(v & 0x7FFFFFFFu);
}

static int poll_sr(uint32_t mask, uint32_t match, uint32_t rounds)
{
    if (!sr_wait(SR_BUSY, 0))
        return 0;
    Q_PSMKR = mask;
    Q_PSMAR = match;
    Q_PIR = 0x10u;
    Q_CR |= CR_APMS;
    if (!frame(FMODE_POLL | IMODE(L1) | DMODE(L1) | CMD_RDSR, 0u, 0u))
        return 0;
    do {
        if (reg_wait(&Q_SR, SR_SMF, SR_SMF, POLL_ROUND)) {
            Q_FCR = FCR_CSMF;
            return 1;
        }
    } while (--rounds);
    (void)q_abort();
    return 0;
}

static int write_enable(void) { return cmd(C_CMD | CMD_WREN, 0u); }

static int mm_enter(void)
{
    if (!q_abort())
        return 0;
    Q_ABR = 0xAAu; /* not 0xA5: no performance-enhance (continuous) mode */
    Q_CCR = C_4READ | CMD_4READ;
    return 1;
}

static int mm_ensure(void) { return (Q_CCR & FMODE_MMAP) == FMODE_MMAP || mm_enter(); }

static int flash_init(void)
{
    if (!cmd(C_CMD | CMD_RSTEN, 0u) || !cmd(C_CMD | CMD_RST, 0u) ||
        !poll_sr(SR_WIP, 0u, ROUNDS_REG))
        return 0;
#ifdef CHIP_N25Q
    /* Micron: no QE bit (quad commands always on); clear the flag status register */
    return read_reg(CMD_RDID, 3u) == 0x18BA20 && cmd(C_CMD | CMD_CLFSR, 0u);
#endif
    if (read_reg(CMD_RDID, 3u) != 0x1728C2)
        return 0; /* not an MX25R6435F */
    int32_t sr = read_reg(CMD_RDSR, 1u), cr = read_reg(CMD_RDCR, 2u);
    if (sr < 0 || cr < 0)
        return 0;
    /* SR with QE, CR1 as it is, CR2 with the high-performance switch: one WRSR */
    if (!write_enable() || !frame(C_WRREG | CMD_WRSR, 0u, 2u) || !sr_wait(SR_FTF, SR_FTF))
        return 0;
    Q_DR8 = (uint8_t)(sr | SR_QE);
    Q_DR8 = (uint8_t)cr;
    Q_DR8 = (uint8_t)((cr >> 8) | CR2_HIGH_PERF);
    if (!done() || !poll_sr(SR_WIP, 0u, ROUNDS_REG))
        return 0;
    return ((uint32_t)read_reg(CMD_RDSR, 1u) & SR_QE) &&
           ((uint32_t)read_reg(CMD_RDCR, 2u) >> 8 & CR2_HIGH_PERF);
}

int Init(void)
{
    loader_zero_bss();
    if (RCC_AHB3ENR & RCC_AHB3_QSPI)
        (void)q_abort();
    RCC_AHB3ENR |= RCC_AHB3_QSPI;
    (void)RCC_AHB3ENR;
    RCC_AHB3RSTR |= RCC_AHB3_QSPI;
    RCC_AHB3RSTR &= ~RCC_AHB3_QSPI;
#ifdef F7_RWPI
    /* Keil RWPI: the data's address is R9 + its offset */
    uint32_t back;
    __asm volatile("movs r1, #0x40\n\tadd r1, r9\n\tstr %1, [r1]\n\tldr %0, [r1]"
                   : "=r"(back)
                   : "r"(0x5A5AA5A5u)
                   : "r1", "memory");
    if (back != 0x5A5AA5A5u)
        return 0;
#endif
    Q_DCR = DCR_FSIZE(M_FSIZE) | DCR_CSHT(2u);
    Q_CR = CR_PRESCALER(1u) | CR_FTHRES(4u) | CR_EN;
    return flash_init() && mm_enter();
}

#define WIN_BASE Q_MEM
#define WIN_SIZE M_SIZE
#include "window_host.h"

int DeInit(void)
{
    (void)q_abort();
    return 1;
}

/* The end of a program or erase: WIP = 0, then the fail bit of the security register. */
static int finish(uint32_t rounds, uint32_t fail_bit)
{
    if (!poll_sr(SR_WIP, 0u, rounds))
        return 0;
    int32_t secr = read_reg(CMD_RDSCUR, 1u);
    return secr >= 0 && !((uint32_t)secr & fail_bit);
}

static int program_page(uint32_t off, uint32_t n, const uint8_t *src)
{
    if (!write_enable() || !frame(C_4PP | CMD_4PP, off, n - 1u))
        return 0;
    uint32_t i = 0;
    if (!((uint32_t)src & 3u))
        for (; n - i >= 4u; i += 4u) {
            if (!sr_wait(SR_FTF, SR_FTF))
                return 0;
            Q_DR32 = *(const uint32_t *)(src + i);
        }
    for (; i < n; i++) {
        if (!sr_wait(SR_FTF, SR_FTF))
            return 0;
        Q_DR8 = src[i];
    }
    return done() && finish(ROUNDS_REG, SECR_P_FAIL);
}

int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    int ok = 1;
    if (!dev_range(Address, Size, &off) || !q_abort())
        return 0;
    while (ok && Size) {
        uint32_t n = M_PAGE - (off & (M_PAGE - 1u));
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
        !q_abort())
        return 0;
    for (uint32_t a = s & ~(M_SECTOR - 1u); ok && a <= e; a += M_SECTOR)
        ok = write_enable() && cmd(C_CMD_ADDR | CMD_SE, a) && finish(ROUNDS_SE, SECR_E_FAIL);
    return mm_enter() && ok;
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    if (!q_abort())
        return 0;
    int ok = write_enable() && cmd(C_CMD | CMD_CE, 0u) && finish(ROUNDS_CE, SECR_E_FAIL);
    return mm_enter() && ok;
}
