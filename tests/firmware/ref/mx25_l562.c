/* Reference external loader: MX25LM51245G (64 MiB octal NOR) on the STM32L562E-DK's OCTOSPI1.
 * Runs the flash in DOPI (8D-8D-8D) as ST's loader does (docs/hardware.md A.7) and leaves the
 * controller memory-mapped after every call so the host can read the window back.
 * Not covered: SOPI/SPI data paths, 4 KiB sector erase, suspend/resume, protection. */
#include <arm_acle.h> /* __usada8: byte sums four bytes at a time (DSP extension) */

#include "../loader.h"
#include "l562_regs.h"

/* A word at any byte address: the M33 does unaligned LDR/STR to Normal memory (SRAM, the
 * memory-mapped window) unless CCR.UNALIGN_TRP is set, which this loader never does. */
typedef struct __attribute__((packed)) {
    uint32_t v;
} unaligned_u32;

/* ---- the device (docs/hardware.md A.1) ----------------------------------------------------- */
#define MX_START OSPI_MEM_BASE
#define MX_SIZE 0x04000000u
#define MX_PAGE 0x100u
#define MX_BLOCK 0x10000u

/* SPI opcodes (A.3); in OPI every opcode is 16 bits: the opcode, then its complement (A.2). */
#define OPI(op) (((uint32_t)(op) << 8) | (~(uint32_t)(op)&0xFFu))
#define CMD_WREN 0x06u
#define CMD_RDSR 0x05u
#define CMD_RDCR2 0x71u
#define CMD_WRCR2 0x72u
#define CMD_RDSCUR 0x2Bu
#define CMD_PP4B 0x12u
#define CMD_BE4B 0xDCu
#define CMD_CE 0x60u
#define CMD_RSTEN 0x66u
#define CMD_RST 0x99u
#define CMD_8DTRD 0xEEu
_Static_assert(OPI(CMD_RDSR) == 0x05FAu && OPI(CMD_8DTRD) == 0xEE11u && OPI(CMD_PP4B) == 0x12EDu &&
                   OPI(CMD_CE) == 0x609Fu,
               "OPI opcode = op, ~op");

#define SR_WIP 0x01u
#define SR_WEL 0x02u
#define SECR_P_FAIL (1u << 5)
#define SECR_E_FAIL (1u << 6)
#define CR2_MODE 0x000u /* CR2 address 0: b1 DOPI */
#define CR2_DC 0x300u   /* CR2 address 0x300: dummy cycles of 8READ/8DTRD */
#define CR2_DOPI 0x02u
#define CR2_DC_6_CYCLES 0x07u /* DC = (20 - 6) / 2 */

/* ---- OCTOSPI frames (CCR), checked against the golden values of docs/hardware.md B.6 ----- */
#define F_SPI_CMD OSPI_CCR_IMODE(OSPI_LINES_1)
#define F_SPI_READ (F_SPI_CMD | OSPI_CCR_DMODE(OSPI_LINES_1))
#define F_SPI_WRITE_ADDR (F_SPI_READ | OSPI_CCR_ADMODE(OSPI_LINES_1) | OSPI_CCR_ADSIZE_32)
#define F_SOPI_CMD (OSPI_CCR_IMODE(OSPI_LINES_8) | OSPI_CCR_ISIZE_16)
/* DDTR without a data phase: what the HAL sets when DHQC is on (B.5), kept for fidelity. */
#define F_DOPI_CMD (F_SOPI_CMD | OSPI_CCR_IDTR | OSPI_CCR_DDTR)
#define F_DOPI_ADDR \
    (F_DOPI_CMD | OSPI_CCR_ADMODE(OSPI_LINES_8) | OSPI_CCR_ADDTR | OSPI_CCR_ADSIZE_32)
#define F_DOPI_WRITE (F_DOPI_ADDR | OSPI_CCR_DMODE(OSPI_LINES_8))
#define F_DOPI_READ (F_DOPI_WRITE | OSPI_CCR_DQSE)
_Static_assert(F_SPI_CMD == 0x00000001u && F_SPI_READ == 0x01000001u &&
                   F_SPI_WRITE_ADDR == 0x01003101u && F_SOPI_CMD == 0x00000014u &&
                   F_DOPI_CMD == 0x0800001Cu && F_DOPI_ADDR == 0x08003C1Cu &&
                   F_DOPI_WRITE == 0x0C003C1Cu && F_DOPI_READ == 0x2C003C1Cu,
               "CCR values of docs/hardware.md B.6");

#ifdef REF_BUG_POLL_DUMMY /* planted bug for the tests: too few dummy cycles */
#define DCYC_REG_DOPI 2u
#else
#define DCYC_REG_DOPI 5u /* register reads in DOPI (ST's DUMMY_CYCLES_REG_OCTAL_DTR) */
#endif
#ifdef REF_BUG_MM_DUMMY   /* planted bug (field failure mode 7): the mapped read's dummy cycles */
#define DCYC_READ_DOPI 4u /* 8DTRD with 4 cycles, while CR2 DC tells the chip 6 */
#else
#define DCYC_READ_DOPI 6u /* 8DTRD, matching CR2 DC = 6 cycles */
#endif
#define FIFO_THRESHOLD 4u /* FTF = at least this many bytes free */

#define OSPI_DCR1_VALUE (OSPI_DCR1_MTYP_MACRONIX | OSPI_DCR1_DEVSIZE(26) | OSPI_DCR1_CSHT(2))
_Static_assert(OSPI_DCR1_VALUE == 0x01190100u, "DCR1 of docs/hardware.md B.6");
_Static_assert((OSPI_CR_FTHRES(FIFO_THRESHOLD) | OSPI_CR_EN) == 0x301u, "CR of B.6");

/* ---- bounded waits --------------------------------------------------------------------------
 * Every wait counts polls, so a broken model shows as a failed call, not a hang. A poll loop
 * is at least 4 instructions (load SR, test-and-branch, decrement, branch; GCC 12 -Os emits 5
 * or 6), so at least 4 cycles: at 110 MHz n polls cover >= n * 36 ns of device time (the
 * emulator counts one cycle per instruction, so the same holds there).
 *  - T_XFER (2^16 polls >= 2.4 ms): controller flags (TCF, FTF, BUSY, RCC/PWR ready). The
 *    longest transfer is a 256-byte page at 110/3 MHz in DTR, about 4 us.
 *  - Flash busy: automatic polling, then the CPU waits for SMF in rounds of 2^21 polls
 *    (>= 76 ms). Bounds from the times of docs/hardware.md A.6 with a margin:
 *      register write tW 40 ms max, page program 1.5 ms max, reset during erase 100 ms
 *        -> 400 ms;
 *      64 KiB block erase 220 ms typical, 2 s max -> 6 s (27x typical, 3x max);
 *      chip erase 150 s typical, 300 s max (ST's BSP allows 460 s) -> 600 s (4x typical,
 *        2x max). */
#define T_XFER (1u << 16)
#define POLL_ROUND (1u << 21)
#define POLL_ROUND_MS 76u /* 2^21 * 4 cycles / 110 MHz, rounded down */
#define POLL_ROUNDS(ms) ((ms) / POLL_ROUND_MS + 1u)
#define ROUNDS_REG POLL_ROUNDS(400u)
#define ROUNDS_BE POLL_ROUNDS(6000u)
#define ROUNDS_CE POLL_ROUNDS(600000u)
/* Auto-polling intervals in OCTOSPI clocks (36.7 MHz): ST's 0x10 for short operations; longer
 * for erases, where a status read every ~0.1 ms (block) or ~1.8 ms (chip) is plenty. */
#define PIR_FAST 0x10u
#define PIR_BE 0x1000u
#define PIR_CE 0xFFFFu

static int reg_wait(volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t n)
{
    do {
        if ((*reg & mask) == want)
            return 1;
    } while (--n);
    return 0;
}

static int sr_wait(uint32_t mask, uint32_t want) { return reg_wait(&OSPI_SR, mask, want, T_XFER); }

static void spin(uint32_t n)
{
    do
        __asm__ volatile("" ::: "memory");
    while (--n);
}

/* ---- OCTOSPI ---------------------------------------------------------------------------- */

/* HAL_OSPI_Abort's order (B.5): only a busy controller is aborted; TCF marks the end. */
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

/* Programs one frame and, by the last register written, starts it (B.4): IR starts a frame
 * without address phase, AR one with it, unless FMODE = indirect write with a data phase,
 * which waits for the first DR write. Configuration is only written with BUSY = 0. */
static int ospi_frame(uint32_t fmode, uint32_t ccr, uint32_t ir, uint32_t ar, uint32_t dlr)
{
    if (!sr_wait(OSPI_SR_BUSY, 0))
        return 0;
    OSPI_FCR = OSPI_FCR_ALL;
    OSPI_CR = (OSPI_CR & ~(OSPI_CR_FMODE_MASK | OSPI_CR_APMS)) | fmode;
    OSPI_TCR = OSPI_TCR_DHQC | ((ccr & OSPI_CCR_DQSE) ? DCYC_REG_DOPI : 0u);
    OSPI_CCR = ccr;
    OSPI_DLR = dlr;
    OSPI_IR = ir;
    if (ccr & OSPI_CCR_ADMODE_MASK)
        OSPI_AR = ar;
    return 1;
}

static int ospi_done(void)
{
    if (!sr_wait(OSPI_SR_TCF, OSPI_SR_TCF))
        return 0;
    OSPI_FCR = OSPI_FCR_CTCF;
    return 1;
}

/* A command without data phase (instruction, optionally an address). */
static int ospi_cmd(uint32_t ccr, uint32_t ir, uint32_t ar)
{
    return ospi_frame(OSPI_CR_FMODE_IWRITE, ccr, ir, ar, 0u) && ospi_done();
}

/* Memory-mapped mode: reads as 8DTRD (6 dummy cycles, DQS), writes as PP4B (B.6), no timeout
 * (TCEN = 0). Configured with FMODE = 00, where these writes start nothing (B.4). */
static int mm_enter(void)
{
#ifdef REF_BUG_NO_MMAP /* planted bug (field failure mode 7): memory-mapped mode never set */
    return ospi_abort();
#endif
    if (!ospi_abort())
        return 0;
    OSPI_CR &= ~(OSPI_CR_FMODE_MASK | OSPI_CR_APMS);
    OSPI_TCR = OSPI_TCR_DHQC | DCYC_READ_DOPI;
    OSPI_CCR = F_DOPI_READ;
    OSPI_IR = OPI(CMD_8DTRD);
    OSPI_WTCR = 0u;
    OSPI_WCCR = F_DOPI_WRITE;
    OSPI_WIR = OPI(CMD_PP4B);
    OSPI_CR |= OSPI_CR_FMODE_MMAP;
    return 1;
}

static int mm_ensure(void)
{
    return (OSPI_CR & OSPI_CR_FMODE_MASK) == OSPI_CR_FMODE_MMAP || mm_enter();
}

/* ---- flash commands ------------------------------------------------------------------- */

/* Automatic polling of RDSR until (SR & mask) == match, stopping at the match (APMS). In DOPI
 * RDSR has a 4-byte address (0), 5 dummy cycles, DQS and 2 data bytes carrying the same
 * value; only byte 0 is compared (B.4). */
static int dopi_read_reg(uint32_t ir, uint32_t addr);

static int poll_sr(int dopi, uint32_t mask, uint32_t match, uint32_t pir, uint32_t rounds)
{
    if (!sr_wait(OSPI_SR_BUSY, 0))
        return 0;
#ifdef REF_POLL_INDIRECT
    /* Test variant: poll like ST's BSP does, with indirect RDSCUR + RDSR reads in a loop
     * instead of the controller's automatic polling. */
    if (dopi) {
        (void)pir;
        for (uint64_t n = (uint64_t)rounds * 32768u; n; n--) { /* >= 256 cycles a pass */
            int secr = dopi_read_reg(OPI(CMD_RDSCUR), 0u);
            int v = dopi_read_reg(OPI(CMD_RDSR), 0u);
            if (secr < 0 || v < 0)
                return 0;
            if (((uint32_t)v & mask) == match)
                return 1;
        }
        return 0;
    }
#endif
    OSPI_PSMKR = mask;
    OSPI_PSMAR = match;
    OSPI_PIR = pir;
    if (!ospi_frame(OSPI_CR_FMODE_POLL | OSPI_CR_APMS, dopi ? F_DOPI_READ : F_SPI_READ,
                    dopi ? OPI(CMD_RDSR) : CMD_RDSR, 0u, dopi ? 1u : 0u))
        return 0;
    do {
        if (reg_wait(&OSPI_SR, OSPI_SR_SMF, OSPI_SR_SMF, POLL_ROUND)) {
            OSPI_FCR = OSPI_FCR_CSMF;
            return 1;
        }
    } while (--rounds);
    (void)ospi_abort(); /* stop the polling so the next call finds the controller idle */
    return 0;
}

/* A register read in DOPI (RDCR2, RDSCUR): byte 0 of the 2 returned, or -1. */
static int dopi_read_reg(uint32_t ir, uint32_t addr)
{
    if (!ospi_frame(OSPI_CR_FMODE_IREAD, F_DOPI_READ, ir, addr, 1u) ||
        !sr_wait(OSPI_SR_TCF, OSPI_SR_TCF))
        return -1;
    int v = OSPI_DR16 & 0xFFu; /* both bytes: the FIFO is empty afterwards, BUSY falls */
    OSPI_FCR = OSPI_FCR_CTCF;
    return v;
}

static int write_enable(int dopi)
{
    return ospi_cmd(dopi ? F_DOPI_CMD : F_SPI_CMD, dopi ? OPI(CMD_WREN) : CMD_WREN, 0u) &&
           poll_sr(dopi, SR_WEL, SR_WEL, PIR_FAST, ROUNDS_REG);
}

static int wait_ready(int dopi, uint32_t pir, uint32_t rounds)
{
    return poll_sr(dopi, SR_WIP, 0u, pir, rounds);
}

/* WRCR2 in SPI: 4-byte CR2 address, one data byte (B.6 "SPI WRCR2"), then WIP = 0. */
static int spi_write_cr2(uint32_t addr, uint8_t value)
{
    if (!write_enable(0) ||
        !ospi_frame(OSPI_CR_FMODE_IWRITE, F_SPI_WRITE_ADDR, CMD_WRCR2, addr, 0u) ||
        !sr_wait(OSPI_SR_FTF, OSPI_SR_FTF))
        return 0;
    OSPI_DR8 = value;
    return ospi_done();
}

/* End of a program or erase: WIP = 0, then the fail bit of the security register. */
static int finish(uint32_t pir, uint32_t rounds, uint32_t fail_bit)
{
    if (!wait_ready(1, pir, rounds))
        return 0;
    int secr = dopi_read_reg(OPI(CMD_RDSCUR), 0u);
    return secr >= 0 && !((uint32_t)secr & fail_bit);
}

/* ---- DMA1: channel 1 feeds OCTOSPI1 DR on its request, channel 2 copies memory ------------ */
#define DMA_CH_DR 1u
#define DMA_CH_COPY 2u

/* Start a channel: byte items, so no alignment is needed anywhere. The channel asks to be
 * secure: with TrustZone, a Secure loader's transfers must be Secure to reach its secure
 * memory; a Non-secure loader's request is ignored by the DMA (RM0438), as is TZEN=0's. */
static void dma_start(uint32_t ch, uint32_t ccr, uint32_t par, uint32_t mar, uint32_t n)
{
    DMA1_CCR(ch) = 0u;
    DMA1_CNDTR(ch) = n;
    DMA1_CPAR(ch) = par;
    DMA1_CM0AR(ch) = mar;
    DMA1_CCR(ch) = ccr | DMA_CCR_SECURE | DMA_CCR_EN;
}

/* Wait for the end of a channel's transfer (TC, or TE: a refused or unmapped address), then
 * disable it and clear its flags. */
static int dma_done(uint32_t ch)
{
    uint32_t isr, n = T_XFER;
    while (!((isr = DMA1_ISR) & (DMA_ISR_TCIF(ch) | DMA_ISR_TEIF(ch))) && --n)
        ;
    DMA1_CCR(ch) = 0u;
    DMA1_IFCR = DMA_IFCR_CGIF(ch);
    return (isr & DMA_ISR_TCIF(ch)) && !(isr & DMA_ISR_TEIF(ch));
}

/* Memory to memory through DMA1 channel 2, in pieces of at most NDT's reach. */
static int __attribute__((unused)) dma_copy(uint32_t dst, uint32_t src, uint32_t n)
{
    while (n) {
        uint32_t k = n > DMA_CNDTR_MAX ? DMA_CNDTR_MAX : n;
        dma_start(DMA_CH_COPY, DMA_CCR_MEM2MEM | DMA_CCR_PINC | DMA_CCR_MINC, src, dst, k);
        if (!dma_done(DMA_CH_COPY))
            return 0;
        src += k;
        dst += k;
        n -= k;
    }
    return 1;
}

/* ---- Write's page programs -------------------------------------------------------------
 * The hot path of a whole-device download, so leaner than the helpers above: each frame ends
 * before the next is configured (TCF of a command or write, the APMS match of the status
 * poll, the drained FIFO of a register read), so BUSY = 0 without a poll; CR is written from
 * known values; PSMKR/PSMAR/PIR, CR.DMAEN and the DMA channel's peripheral address are set
 * once per call (DMAEN only raises a request while a frame has data to move, and the channel
 * is enabled only for the page's data). */
#define CR_BASE (OSPI_CR_FTHRES(FIFO_THRESHOLD) | OSPI_CR_EN | OSPI_CR_DMAEN)

static void pages_begin(void)
{
    OSPI_PSMKR = SR_WIP;
    OSPI_PSMAR = 0u;
    OSPI_PIR = PIR_FAST;
    OSPI_CR = CR_BASE | OSPI_CR_FMODE_IWRITE;
    DMA1_CCR(DMA_CH_DR) = 0u;
    DMA1_CPAR(DMA_CH_DR) = (uint32_t)&OSPI_DR8;
}

static void pages_end(void) { OSPI_CR &= ~OSPI_CR_DMAEN; }

/* WIP = 0 by automatic polling, then the P_FAIL bit of the security register. */
static int page_finish(void)
{
#ifdef REF_POLL_INDIRECT
    int ok = finish(PIR_FAST, ROUNDS_REG, SECR_P_FAIL);
    OSPI_CR = CR_BASE | OSPI_CR_FMODE_IWRITE;
    return ok;
#else
    OSPI_CR = CR_BASE | OSPI_CR_FMODE_POLL | OSPI_CR_APMS;
    OSPI_TCR = OSPI_TCR_DHQC | DCYC_REG_DOPI;
    OSPI_CCR = F_DOPI_READ;
    OSPI_DLR = 1u;
    OSPI_IR = OPI(CMD_RDSR);
    OSPI_AR = 0u;
    uint32_t rounds = ROUNDS_REG;
    while (!reg_wait(&OSPI_SR, OSPI_SR_SMF, OSPI_SR_SMF, POLL_ROUND))
        if (!--rounds) {
            (void)ospi_abort();
            return 0;
        }
    OSPI_FCR = OSPI_FCR_CSMF;
    OSPI_CR = CR_BASE | OSPI_CR_FMODE_IREAD; /* RDSCUR: the poll's CCR, TCR and DLR */
    OSPI_IR = OPI(CMD_RDSCUR);
    OSPI_AR = 0u;
    if (!sr_wait(OSPI_SR_TCF, OSPI_SR_TCF))
        return 0;
    uint32_t secr = OSPI_DR16 & 0xFFu; /* both bytes: the FIFO is empty, BUSY falls */
    OSPI_FCR = OSPI_FCR_CTCF;
    OSPI_CR = CR_BASE | OSPI_CR_FMODE_IWRITE;
    return !(secr & SECR_P_FAIL);
#endif
}

/* PP4B of [off, off + n) inside one 256-byte page, widened to an even start and length with
 * 0xFF pads (DTR moves 2 bytes per clock; 0xFF programs nothing, docs/hardware.md A.5 rules 4 and
 * 11). The CPU writes the pads, DMA1 channel 1 moves the data into DR on the OCTOSPI's
 * request, as HAL_OSPI_Transmit_DMA does. WREN without a WEL poll: the chip sets WEL when nCS
 * rises at the end of the WREN frame (docs/hardware.md A.5). Starts and ends with CR in indirect
 * write mode. */
static int program_page(uint32_t off, uint32_t n, const uint8_t *src)
{
    uint32_t p = off & ~1u, end = (off + n + 1u) & ~1u;

#ifndef REF_BUG_NO_WREN /* planted bug for the tests: page program without WREN */
    OSPI_TCR = OSPI_TCR_DHQC;
    OSPI_CCR = F_DOPI_CMD;
    OSPI_IR = OPI(CMD_WREN);
    if (!ospi_done())
        return 0;
#else
    OSPI_TCR = OSPI_TCR_DHQC;
#endif
    OSPI_CCR = F_DOPI_WRITE;
    OSPI_DLR = end - p - 1u;
    OSPI_IR = OPI(CMD_PP4B);
    OSPI_AR = p; /* the frame waits for its data */
    if (p < off)
        OSPI_DR8 = 0xFFu;
    DMA1_CNDTR(DMA_CH_DR) = n;
    DMA1_CM0AR(DMA_CH_DR) = (uint32_t)src;
    DMA1_CCR(DMA_CH_DR) = DMA_CCR_DIR | DMA_CCR_MINC | DMA_CCR_SECURE | DMA_CCR_EN;
    if (!dma_done(DMA_CH_DR)) {
        (void)ospi_abort(); /* the frame never completes: release nCS */
        return 0;
    }
    if (off + n < end)
        OSPI_DR8 = 0xFFu;
    return ospi_done() && page_finish();
}

static int erase(uint32_t ccr, uint32_t ir, uint32_t addr, uint32_t pir, uint32_t rounds)
{
    return write_enable(1) && ospi_cmd(ccr, ir, addr) && finish(pir, rounds, SECR_E_FAIL);
}

/* ---- Init ----------------------------------------------------------------------------- */

/* docs/hardware.md C.7: range 0, MSI 4 MHz -> PLL M1 N55 R2 = 110 MHz, latency 5, AHB/APB /1. */
static int clock_init(void)
{
    RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)RCC_APB1ENR1; /* read back: PWR is clocked before it is written */
    PWR_CR1 &= ~PWR_CR1_VOS_MASK;
    if (!reg_wait(&PWR_SR2, PWR_SR2_VOSF, 0u, T_XFER))
        return 0;

    /* Init runs before every operation: a previous one left SYSCLK on the PLL, which cannot be
     * stopped while in use. Run from MSI while the PLL is set up (latency 5 suits any clock). */
    RCC_CFGR = RCC_CFGR_SW_MSI;
    if (!reg_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, 0u, T_XFER))
        return 0;
    RCC_CR = (RCC_CR & ~RCC_CR_MSIRANGE_MASK) | RCC_CR_MSIRANGE_4MHZ | RCC_CR_MSIRGSEL;
    if (!reg_wait(&RCC_CR, RCC_CR_MSIRDY, RCC_CR_MSIRDY, T_XFER))
        return 0;
    RCC_CR &= ~RCC_CR_PLLON;
    if (!reg_wait(&RCC_CR, RCC_CR_PLLRDY, 0u, T_XFER))
        return 0;
    RCC_PLLCFGR = RCC_PLLCFGR_SRC_MSI | RCC_PLLCFGR_M(1u) | RCC_PLLCFGR_N(55u) | RCC_PLLCFGR_R2 |
                  RCC_PLLCFGR_REN;
    RCC_CR |= RCC_CR_PLLON;
    if (!reg_wait(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY, T_XFER))
        return 0;
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | 5u;
    if ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != 5u)
        return 0;
    /* RM0438 (as the HAL does it): above 80 MHz, switch with AHB /2 for at least 1 us. */
    RCC_CFGR = RCC_CFGR_HPRE_DIV2 | RCC_CFGR_SW_PLL;
    if (!reg_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL, T_XFER))
        return 0;
    spin(64u);
    RCC_CFGR = RCC_CFGR_SW_PLL;
    return 1;
}

/* OCTOSPI pins (docs/protocol.md 3.2): AF10 except PC0 (IO7, AF3), very-high speed, pull-up on
 * nCS and DQS. MODER last, so a pin leaves its reset mode already routed. */
struct port_pins {
    uint32_t base;
    uint32_t mask2; /* the pins' 2-bit fields in MODER/OSPEEDR/PUPDR */
    uint32_t afmask;
    uint32_t afrl;
    uint32_t pullup;
};

static const struct port_pins ospi_pins[] = {
    /* PA2 nCS (pull-up), PA3 CLK, PA6 IO3, PA7 IO2 */
    {GPIOA_BASE, 0x0000F0F0u, 0xFF00FF00u, 0xAA00AA00u, 0x00000010u},
    /* PB0 IO1, PB1 IO0, PB2 DQS (pull-up) */
    {GPIOB_BASE, 0x0000003Fu, 0x00000FFFu, 0x00000AAAu, 0x00000010u},
    /* PC0 IO7 (AF3), PC1..PC3 IO4..IO6 */
    {GPIOC_BASE, 0x000000FFu, 0x0000FFFFu, 0x0000AAA3u, 0x00000000u},
};

static void gpio_init(void)
{
    for (uint32_t i = 0; i < sizeof ospi_pins / sizeof ospi_pins[0]; i++) {
        const struct port_pins *g = &ospi_pins[i];
        REG32(g->base + GPIO_AFRL) = (REG32(g->base + GPIO_AFRL) & ~g->afmask) | g->afrl;
        REG32(g->base + GPIO_OSPEEDR) |= g->mask2;
        REG32(g->base + GPIO_PUPDR) = (REG32(g->base + GPIO_PUPDR) & ~g->mask2) | g->pullup;
        REG32(g->base + GPIO_MODER) =
            (REG32(g->base + GPIO_MODER) & ~g->mask2) | (g->mask2 & 0xAAAAAAAAu);
    }
}

/* RSTEN + RST in SPI, SOPI and DOPI (the device may be in any mode, A.2), then SPI -> DOPI
 * with 6 dummy cycles for 8DTRD (docs/hardware.md A.7 step 2.5, docs/protocol.md 3.2 step 6). */
#if defined(REF_BUG_POLL_NEVER) || defined(REF_BUG_APOLL_NEVER)
/* Planted bugs for the tests (field failure mode 18): a wait for "ready" that takes the
 * status register's bit 7 (SRWD, which nothing sets) for the ready bit, and has no limit.
 * REF_BUG_POLL_NEVER reads RDSR in software (indirect reads in a loop), REF_BUG_APOLL_NEVER
 * lets the controller poll (automatic polling, mask = match = 0x80) and spins on SR.SMF. */
static void wait_ready_bit7(void)
{
#ifdef REF_BUG_POLL_NEVER
    for (;;) {
        (void)ospi_frame(OSPI_CR_FMODE_IREAD, F_SPI_READ, CMD_RDSR, 0u, 0u);
        (void)sr_wait(OSPI_SR_TCF, OSPI_SR_TCF);
        uint32_t v = OSPI_DR8;
        OSPI_FCR = OSPI_FCR_CTCF;
        if (v & 0x80u)
            return;
    }
#else
    OSPI_PSMKR = 0x80u;
    OSPI_PSMAR = 0x80u;
    OSPI_PIR = PIR_FAST;
    (void)ospi_frame(OSPI_CR_FMODE_POLL | OSPI_CR_APMS, F_SPI_READ, CMD_RDSR, 0u, 0u);
    while (!(OSPI_SR & OSPI_SR_SMF)) {
    }
    OSPI_FCR = OSPI_FCR_CSMF;
#endif
}
#endif

static int flash_init(void)
{
    static const uint32_t reset_frames[] = {F_SPI_CMD, F_SOPI_CMD, F_DOPI_CMD};

#ifdef REF_BUG_NO_RESET /* planted bug (field failure mode 9): assumes the SPI power-on state */
    (void)reset_frames;
#else
    for (uint32_t i = 0; i < 3u; i++) {
        uint32_t ccr = reset_frames[i];
        if (!ospi_cmd(ccr, i ? OPI(CMD_RSTEN) : CMD_RSTEN, 0u) ||
            !ospi_cmd(ccr, i ? OPI(CMD_RST) : CMD_RST, 0u))
            return 0;
    }
#endif
    spin(0x1000u); /* reset recovery; WIP polling covers a reset that hit an erase */
#if defined(REF_BUG_POLL_NEVER) || defined(REF_BUG_APOLL_NEVER)
    wait_ready_bit7();
#endif
    if (!wait_ready(0, PIR_FAST, ROUNDS_REG) || !spi_write_cr2(CR2_DC, CR2_DC_6_CYCLES) ||
        !wait_ready(0, PIR_FAST, ROUNDS_REG) || !spi_write_cr2(CR2_MODE, CR2_DOPI))
        return 0;
    spin(0x1000u); /* the new mode applies at nCS high; ST waits here too */
    return wait_ready(1, PIR_FAST, ROUNDS_REG) &&
           dopi_read_reg(OPI(CMD_RDCR2), CR2_MODE) == (int)CR2_DOPI;
}

int Init(void)
{
    loader_zero_bss();
    if (!clock_init())
        return 0;
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOABC;
    (void)RCC_AHB2ENR; /* read back: the ports are clocked before they are written */
    gpio_init();
    RCC_AHB1ENR |= RCC_AHB1ENR_DMA1_DMAMUX1;
    (void)RCC_AHB1ENR;
    DMAMUX1_CCR(DMA_CH_DR - 1u) = DMAMUX_REQ_OCTOSPI1;
    if (RCC_AHB3ENR & RCC_AHB3_OSPI1)
        (void)ospi_abort(); /* a previous Init left it memory-mapped: release nCS first */
    RCC_AHB3ENR |= RCC_AHB3_OSPI1;
    (void)RCC_AHB3ENR;
    RCC_AHB3RSTR |= RCC_AHB3_OSPI1;
    RCC_AHB3RSTR &= ~RCC_AHB3_OSPI1;
    /* B.6: Macronix byte order (DTR), 64 MiB, nCS high 2 cycles, clock SYSCLK / 3. */
    OSPI_DCR1 = OSPI_DCR1_VALUE;
    OSPI_DCR2 = 3u - 1u;
    OSPI_TCR = OSPI_TCR_DHQC;
    OSPI_CR = OSPI_CR_FTHRES(FIFO_THRESHOLD) | OSPI_CR_EN;
    return flash_init() && mm_enter();
}

/* ---- the other entry points ----------------------------------------------------------- */

/* Absolute (0x9xxxxxxx) or offset address to an offset; 0 if [addr, addr + size) leaves the
 * device. */
static int dev_range(uint32_t addr, uint32_t size, uint32_t *off)
{
    uint32_t o = addr >= MX_START ? addr - MX_START : addr;

    if (o > MX_SIZE || size > MX_SIZE - o)
        return 0;
    *off = o;
    return 1;
}

static const volatile uint8_t *mapped(uint32_t off)
{
    return (const volatile uint8_t *)(MX_START + off);
}

int DeInit(void)
{
    (void)ospi_abort();
    return 1;
}

/* Splits at 256-byte pages (a PP wraps inside its page, A.5 rule 5). Leaves mapped mode for
 * the indirect frames and returns to it even after a failure. */
int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    int ok;

    if (!dev_range(Address, Size, &off) || !ospi_abort())
        return 0;
    pages_begin();
    for (ok = 1; ok && Size;) {
        uint32_t n = MX_PAGE - (off & (MX_PAGE - 1u));
        if (n > Size)
            n = Size;
        ok = program_page(off, n, buffer);
        off += n;
        buffer += n;
        Size -= n;
    }
    pages_end();
    return mm_enter() && ok;
}

/* Every 64 KiB block from the one holding the start through the one holding the end. */
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    uint32_t s, e;
    int ok = 1;

    if (!dev_range(EraseStartAddress, 1u, &s) || !dev_range(EraseEndAddress, 1u, &e) || e < s ||
        !ospi_abort())
        return 0;
#ifdef REF_SYSTICK_IRQ
    /* planted for the tests: SysTick with its interrupt on (TICKINT) while the erase is
     * polled, and no vector table of its own (VTOR stays on erased internal flash): run with
     * --irq-mask none, the first tick must be taken inside this call, idle skip or not */
    *(volatile uint32_t *)0xE000E014u = 0xFFFFu; /* SYST_RVR */
    *(volatile uint32_t *)0xE000E018u = 0u;      /* SYST_CVR */
    *(volatile uint32_t *)0xE000E010u = 7u;      /* SYST_CSR: ENABLE, TICKINT, CLKSOURCE */
#endif
    for (uint32_t b = s & ~(MX_BLOCK - 1u); ok && b <= e; b += MX_BLOCK)
        ok = erase(F_DOPI_ADDR, OPI(CMD_BE4B), b, PIR_BE, ROUNDS_BE);
    return mm_enter() && ok;
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    if (!ospi_abort())
        return 0;
    int ok = erase(F_DOPI_CMD, OPI(CMD_CE), 0u, PIR_CE, ROUNDS_CE);
    return mm_enter() && ok;
}

/* these have no Read: the host reads the memory-mapped window itself */
#if !defined(REF_BUG_NO_MMAP) && !defined(REF_BUG_MM_DUMMY) && !defined(REF_NO_READ)
/* The window into the buffer by a DMA memory-to-memory copy. */
int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;

    if (!dev_range(Address, Size, &off) || !mm_ensure())
        return 0;
    return dma_copy((uint32_t)buffer, MX_START + off, Size);
}
#endif

/* init + the byte sum of the window's [at, at + n): bytes up to a word boundary, then four
 * words at a time (USADA8 adds a word's four bytes; one branch per 16 bytes), then the tail.
 * The window has no read side effects, so it is read as plain memory. */
static uint32_t window_sum(uint32_t at, uint32_t n, uint32_t init)
{
    const uint8_t *m = (const uint8_t *)mapped(at);
    uint32_t i = 0;
    for (; i < n && ((at + i) & 3u); i++)
        init += m[i];
    for (; n - i >= 16u; i += 16u) {
        const uint32_t *w = (const uint32_t *)(m + i);
        init = __usada8(w[0], 0u, init);
        init = __usada8(w[1], 0u, init);
        init = __usada8(w[2], 0u, init);
        init = __usada8(w[3], 0u, init);
    }
    for (; n - i >= 4u; i += 4u)
        init = __usada8(*(const uint32_t *)(m + i), 0u, init);
    for (; i < n; i++)
        init += m[i];
    return init;
}

/* InitVal + the byte sum of [StartAddress, StartAddress + Size); 0 if the range leaves the
 * device. */
uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    uint32_t off;

    if (!dev_range(StartAddress, Size, &off) || !mm_ensure())
        return 0;
    return window_sum(off, Size, InitVal);
}

/* docs/protocol.md 1.3: Size in words; missalignement[3:0] bytes skipped at the start, [19:16]
 * dropped at the end. Low word 0, or the absolute address MemoryAddr + k of the first
 * differing byte (not ST's 2k + 1); 0xFFFFFFFF if the range leaves the device. High word:
 * byte sum of all compared device bytes. Compares a word at a time where the window is
 * word-aligned, and looks at the bytes only of a word that differs. */
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    const uint32_t skip = missalignement & 0xFu;
    const uint32_t drop = (missalignement >> 16) & 0xFu;
    uint32_t off, n, first_diff = 0;

    if (Size > MX_SIZE / 4u)
        return 0xFFFFFFFFu;
    n = Size * 4u;
    n = n > skip + drop ? n - skip - drop : 0u;
    if (!dev_range(MemoryAddr, skip + n, &off) || !mm_ensure())
        return 0xFFFFFFFFu;

    /* Equal spans of 16 bytes are found with one branch (XOR of the four word pairs); the
     * first differing byte is then looked for byte by byte, and the rest only summed. */
    const uint8_t *m = (const uint8_t *)mapped(off);
    const uint8_t *b = (const uint8_t *)RAMBufferAddr;
    uint32_t k = skip, end = skip + n;
    while (k < end && ((off + k) & 3u) && m[k] == b[k])
        k++;
    while (((off + k) & 3u) == 0u && end - k >= 16u) {
        const uint32_t *w = (const uint32_t *)(m + k);
        const unaligned_u32 *v = (const unaligned_u32 *)(b + k);
        if ((w[0] ^ v[0].v) | (w[1] ^ v[1].v) | (w[2] ^ v[2].v) | (w[3] ^ v[3].v))
            break;
        k += 16u;
    }
    while (k < end && m[k] == b[k])
        k++;
    if (k < end)
        first_diff = MX_START + off + k;
    return ((uint64_t)window_sum(off + skip, n, 0u) << 32) | first_diff;
}
