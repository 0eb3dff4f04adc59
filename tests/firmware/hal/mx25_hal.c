/* HAL-style external loader: the MX25LM51245G on the STM32L562E-DK's OCTOSPI1, moving data the
 * way loaders built on ST's HAL do (docs/hardware.md B.5 lists the register sequences of those
 * functions; this file is written from that table, RM0438 and the datasheet facts, not from the
 * HAL's sources):
 *  - a millisecond tick counted by a SysTick interrupt (its own vector table, VTOR written at
 *    every entry), read as HAL_GetTick does; every flag wait compares it with a timeout;
 *  - the controller and the flash re-initialised at every Init (reset pulse, RSTEN/RST in SPI,
 *    SOPI and DOPI, CR2 in SPI, then octal DTR);
 *  - commands configured with FMODE = indirect write, a data phase started by the first DR write
 *    (transmit) or by writing AR again (receive, automatic polling);
 *  - page program: one byte-wide DR write per byte, each after an SR.FTF poll with a timeout;
 *  - WREN (WEL) and WIP waits by automatic polling with timeouts;
 *  - Read: indirect 8DTRD reads, one byte-wide DR read per byte after an (FTF | TCF) poll;
 *    Verify and CheckSum: byte loads from the memory-mapped window.
 * Built at -Os and at -O0 (ST builds its loaders without optimisation). */
#include "../loader.h"
#include "../ref/l562_regs.h"

/* ---- the core: SysTick, VTOR, DHCSR (Armv8-M) --------------------------------------------- */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SCB_VTOR REG32(0xE000ED08u)
#define DHCSR REG32(0xE000EDF0u)
#define SYST_CSR_RUN 7u        /* ENABLE, TICKINT, CLKSOURCE = core clock */
#define DHCSR_KEY 0xA05F0000u  /* debug key, control bits 0: C_MASKINTS cleared */
#define CORE_HZ_RESET 4000000u /* MSI 4 MHz after reset */
#define CORE_HZ_RUN 110000000u /* PLL, docs/hardware.md C.7 */

/* ---- the device (docs/hardware.md A.1) ---------------------------------------------------- */
#define MX_START OSPI_MEM_BASE
#define MX_SIZE 0x04000000u
#define MX_PAGE 0x100u
#define MX_BLOCK 0x10000u

#define OPI(op) (((uint32_t)(op) << 8) | (~(uint32_t)(op)&0xFFu))
#define CMD_WREN 0x06u
#define CMD_RDSR 0x05u
#define CMD_RDCR2 0x71u
#define CMD_WRCR2 0x72u
#define CMD_PP4B 0x12u
#define CMD_BE4B 0xDCu
#define CMD_CE 0x60u
#define CMD_RSTEN 0x66u
#define CMD_RST 0x99u
#define CMD_8DTRD 0xEEu

#define SR_WIP 0x01u
#define SR_WEL 0x02u
#define CR2_MODE 0x000u
#define CR2_DC 0x300u
#define CR2_DOPI 0x02u
#define CR2_DC_6_CYCLES 0x07u

/* CCR frames (docs/hardware.md B.6). */
#define F_SPI_CMD OSPI_CCR_IMODE(OSPI_LINES_1)
#define F_SPI_READ (F_SPI_CMD | OSPI_CCR_DMODE(OSPI_LINES_1))
#define F_SPI_WRITE_ADDR (F_SPI_READ | OSPI_CCR_ADMODE(OSPI_LINES_1) | OSPI_CCR_ADSIZE_32)
#define F_SOPI_CMD (OSPI_CCR_IMODE(OSPI_LINES_8) | OSPI_CCR_ISIZE_16)
#define F_DOPI_CMD (F_SOPI_CMD | OSPI_CCR_IDTR | OSPI_CCR_DDTR)
#define F_DOPI_ADDR \
    (F_DOPI_CMD | OSPI_CCR_ADMODE(OSPI_LINES_8) | OSPI_CCR_ADDTR | OSPI_CCR_ADSIZE_32)
#define F_DOPI_WRITE (F_DOPI_ADDR | OSPI_CCR_DMODE(OSPI_LINES_8))
#define F_DOPI_READ (F_DOPI_WRITE | OSPI_CCR_DQSE)
#define DCYC_REG_DOPI 5u
#define DCYC_READ_DOPI 6u
#define OSPI_SR_TEF (1u << 0)
#define OSPI_FCR_ALL 0x1Bu

/* Timeouts in ms of the tick: ST's default for controller flags; page program and register
 * writes well above their maximum (A.6); block erase 2 s max -> 5 s; chip erase as ST's BSP. */
#define T_DEFAULT 5000u
#define T_ERASE_BLOCK 5000u
#define T_ERASE_CHIP 460000u

/* ---- the tick ----------------------------------------------------------------------------- */
/* In .data, so the downloaded image holds it (Init zeroes it anyway). */
static volatile uint32_t tick_ms __attribute__((section(".data")));

void SysTick_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void) { tick_ms++; }
void Fault_Handler(void)
{
    for (;;) {
    }
}

static uint32_t get_tick(void) { return tick_ms; }

typedef void (*vector_t)(void);
__attribute__((aligned(128))) const vector_t hal_vectors[16] = {
    (vector_t)0x20040000u,
    (vector_t)Init,
    Fault_Handler,
    Fault_Handler,
    Fault_Handler,
    Fault_Handler,
    Fault_Handler,
    Fault_Handler,
    0,
    0,
    0,
    Fault_Handler,
    Fault_Handler,
    0,
    Fault_Handler,
    SysTick_Handler,
};

/* Every entry point: its own vector table, interrupts unmasked (the host masks them with
 * C_MASKINTS, docs/modelled.md "The host"); ST's loaders clear PRIMASK at entry too. */
static void irq_enter(void)
{
    SCB_VTOR = (uint32_t)hal_vectors;
    DHCSR = DHCSR_KEY;
    __asm volatile("cpsie i" ::: "memory");
}

static void irq_leave(void) { __asm volatile("cpsid i" ::: "memory"); }

static void tick_start(uint32_t core_hz)
{
    SYST_CSR = 0u;
    SYST_RVR = core_hz / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_RUN;
}

/* HAL-style flag wait: until (SR & flag) != 0 equals state, or the timeout passes. */
static int wait_flag(uint32_t flag, int state, uint32_t tickstart, uint32_t timeout)
{
    while (((OSPI_SR & flag) != 0u) != (state != 0)) {
        if ((get_tick() - tickstart) > timeout || timeout == 0u)
            return 0;
    }
    return 1;
}

static int wait_reg(volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t timeout)
{
    uint32_t tickstart = get_tick();
    while ((*reg & mask) != want) {
        if ((get_tick() - tickstart) > timeout)
            return 0;
    }
    return 1;
}

/* ---- OCTOSPI, HAL-shaped ------------------------------------------------------------------ */
struct cmd {
    uint32_t ccr;
    uint32_t dcyc;
    uint32_t ir;
    uint32_t ar;
    uint32_t nbytes; /* 0: no data phase */
};

static int ospi_abort(void)
{
    uint32_t tickstart = get_tick();
    if (OSPI_SR & OSPI_SR_BUSY) {
        OSPI_CR |= OSPI_CR_ABORT;
        if (!wait_flag(OSPI_SR_TCF, 1, tickstart, T_DEFAULT))
            return 0;
        OSPI_FCR = OSPI_FCR_CTCF;
        if (!wait_flag(OSPI_SR_BUSY, 0, tickstart, T_DEFAULT))
            return 0;
    }
    return 1;
}

/* B.5 "HAL_OSPI_Command": BUSY = 0, FMODE = indirect write, the frame; without a data phase
 * it runs at once (IR or AR write) and TCF is awaited. */
static int ospi_command(const struct cmd *c)
{
    uint32_t tickstart = get_tick();
    if (!wait_flag(OSPI_SR_BUSY, 0, tickstart, T_DEFAULT))
        return 0;
    OSPI_CR &= ~OSPI_CR_FMODE_MASK;
    OSPI_TCR = OSPI_TCR_DHQC | c->dcyc;
    if (c->nbytes)
        OSPI_DLR = c->nbytes - 1u;
    OSPI_CCR = c->ccr;
    OSPI_IR = c->ir;
    if (c->ccr & OSPI_CCR_ADMODE_MASK)
        OSPI_AR = c->ar;
    if (c->nbytes)
        return 1;
    if (!wait_flag(OSPI_SR_TCF, 1, tickstart, T_DEFAULT))
        return 0;
    OSPI_FCR = OSPI_FCR_CTCF;
    return 1;
}

/* B.5 "HAL_OSPI_Transmit": DLR + 1 bytes, each an 8-bit DR write after FTF; then TCF.
 * pad_lo / pad_hi: an 0xFF byte before / after the data (DTR moves byte pairs). */
static int ospi_transmit(const uint8_t *p, uint32_t n, int pad_lo, int pad_hi)
{
    uint32_t tickstart = get_tick();
    uint32_t count = OSPI_DLR + 1u;
    OSPI_CR &= ~OSPI_CR_FMODE_MASK;
    for (uint32_t i = 0; i < count; i++) {
        if (!wait_flag(OSPI_SR_FTF, 1, tickstart, T_DEFAULT))
            return 0;
        uint8_t v = 0xFFu;
        if (!(pad_lo && i == 0u) && !(pad_hi && i == count - 1u) && n) {
            v = *p++;
            n--;
        }
        OSPI_DR8 = v;
    }
    if (!wait_flag(OSPI_SR_TCF, 1, tickstart, T_DEFAULT))
        return 0;
    OSPI_FCR = OSPI_FCR_CTCF;
    return 1;
}

/* B.5 "HAL_OSPI_Receive": FMODE = indirect read, AR (or IR) written again to start; DLR + 1
 * bytes, each an 8-bit DR read after (FTF | TCF); then TCF. Bytes [skip, skip + n) are kept. */
static int ospi_receive(uint8_t *p, uint32_t skip, uint32_t n)
{
    uint32_t tickstart = get_tick();
    uint32_t count = OSPI_DLR + 1u, ar = OSPI_AR, ir = OSPI_IR;
    OSPI_CR = (OSPI_CR & ~OSPI_CR_FMODE_MASK) | OSPI_CR_FMODE_IREAD;
    if (OSPI_CCR & OSPI_CCR_ADMODE_MASK)
        OSPI_AR = ar;
    else
        OSPI_IR = ir;
    for (uint32_t i = 0; i < count; i++) {
        if (!wait_flag(OSPI_SR_FTF | OSPI_SR_TCF, 1, tickstart, T_DEFAULT))
            return 0;
        uint8_t v = OSPI_DR8;
        if (i >= skip && i - skip < n)
            *p++ = v;
    }
    if (!wait_flag(OSPI_SR_TCF, 1, tickstart, T_DEFAULT))
        return 0;
    OSPI_FCR = OSPI_FCR_CTCF;
    return 1;
}

/* B.5 "HAL_OSPI_AutoPolling" (automatic stop): the status-read command must be configured. */
static int ospi_autopoll(uint32_t mask, uint32_t match, uint32_t timeout)
{
    uint32_t tickstart = get_tick();
    if (!wait_flag(OSPI_SR_BUSY, 0, tickstart, T_DEFAULT))
        return 0;
    uint32_t ar = OSPI_AR, ir = OSPI_IR;
    OSPI_PSMAR = match;
    OSPI_PSMKR = mask;
    OSPI_PIR = 0x10u;
    OSPI_CR = (OSPI_CR & ~OSPI_CR_FMODE_MASK) | OSPI_CR_APMS | OSPI_CR_FMODE_POLL;
    if (OSPI_CCR & OSPI_CCR_ADMODE_MASK)
        OSPI_AR = ar;
    else
        OSPI_IR = ir;
    if (!wait_flag(OSPI_SR_SMF, 1, tickstart, timeout)) {
        (void)ospi_abort();
        return 0;
    }
    OSPI_FCR = OSPI_FCR_CSMF;
    return 1;
}

/* ---- flash commands (BSP-shaped) ---------------------------------------------------------- */
static int poll_status(int dopi, uint32_t mask, uint32_t match, uint32_t timeout)
{
    struct cmd c = {dopi ? F_DOPI_READ : F_SPI_READ, dopi ? DCYC_REG_DOPI : 0u,
                    dopi ? OPI(CMD_RDSR) : CMD_RDSR, 0u, dopi ? 2u : 1u};
    return ospi_command(&c) && ospi_autopoll(mask, match, timeout);
}

static int write_enable(int dopi)
{
    struct cmd c = {dopi ? F_DOPI_CMD : F_SPI_CMD, 0u, dopi ? OPI(CMD_WREN) : CMD_WREN, 0u, 0u};
    return ospi_command(&c) && poll_status(dopi, SR_WEL, SR_WEL, T_DEFAULT);
}

static int simple_cmd(uint32_t ccr, uint32_t ir)
{
    struct cmd c = {ccr, 0u, ir, 0u, 0u};
    return ospi_command(&c);
}

static int spi_write_cr2(uint32_t addr, uint8_t value)
{
    struct cmd c = {F_SPI_WRITE_ADDR, 0u, CMD_WRCR2, addr, 1u};
    return write_enable(0) && ospi_command(&c) && ospi_transmit(&value, 1u, 0, 0);
}

static int dopi_read_cr2(uint32_t addr, uint8_t *value)
{
    struct cmd c = {F_DOPI_READ, DCYC_REG_DOPI, OPI(CMD_RDCR2), addr, 2u};
    return ospi_command(&c) && ospi_receive(value, 0u, 1u);
}

/* ---- memory-mapped mode ------------------------------------------------------------------- */
static int mm_enter(void)
{
    uint32_t tickstart = get_tick();
    if (!ospi_abort() || !wait_flag(OSPI_SR_BUSY, 0, tickstart, T_DEFAULT))
        return 0;
    OSPI_CR &= ~OSPI_CR_FMODE_MASK;
    OSPI_TCR = OSPI_TCR_DHQC | DCYC_READ_DOPI; /* READ_CFG */
    OSPI_CCR = F_DOPI_READ;
    OSPI_IR = OPI(CMD_8DTRD);
    OSPI_WTCR = 0u; /* WRITE_CFG */
    OSPI_WCCR = F_DOPI_WRITE;
    OSPI_WIR = OPI(CMD_PP4B);
    if (!wait_flag(OSPI_SR_BUSY, 0, tickstart, T_DEFAULT))
        return 0;
    OSPI_CR |= OSPI_CR_FMODE_MMAP;
    return 1;
}

static int mm_leave(void) { return ospi_abort(); }

/* ---- Init --------------------------------------------------------------------------------- */
static int clock_init(void)
{
    RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)RCC_APB1ENR1;
    PWR_CR1 &= ~PWR_CR1_VOS_MASK;
    if (!wait_reg(&PWR_SR2, PWR_SR2_VOSF, 0u, T_DEFAULT))
        return 0;
    RCC_CFGR = RCC_CFGR_SW_MSI; /* a previous Init left SYSCLK on the PLL */
    if (!wait_reg(&RCC_CFGR, RCC_CFGR_SWS_MASK, 0u, T_DEFAULT))
        return 0;
    tick_start(CORE_HZ_RESET);
    RCC_CR = (RCC_CR & ~RCC_CR_MSIRANGE_MASK) | RCC_CR_MSIRANGE_4MHZ | RCC_CR_MSIRGSEL;
    if (!wait_reg(&RCC_CR, RCC_CR_MSIRDY, RCC_CR_MSIRDY, T_DEFAULT))
        return 0;
    RCC_CR &= ~RCC_CR_PLLON;
    if (!wait_reg(&RCC_CR, RCC_CR_PLLRDY, 0u, T_DEFAULT))
        return 0;
    RCC_PLLCFGR = RCC_PLLCFGR_SRC_MSI | RCC_PLLCFGR_M(1u) | RCC_PLLCFGR_N(55u) | RCC_PLLCFGR_R2 |
                  RCC_PLLCFGR_REN;
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_reg(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY, T_DEFAULT))
        return 0;
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | 5u;
    if ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != 5u)
        return 0;
    RCC_CFGR = RCC_CFGR_HPRE_DIV2 | RCC_CFGR_SW_PLL; /* AHB /2 for the switch above 80 MHz */
    if (!wait_reg(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL, T_DEFAULT))
        return 0;
    uint32_t t = get_tick();
    tick_start(CORE_HZ_RUN);
    while (get_tick() == t) /* >= 1 us at AHB /2: wait for a tick */
        ;
    RCC_CFGR = RCC_CFGR_SW_PLL;
    return 1;
}

/* OCTOSPI pins: AF10 except PC0 (AF3), very high speed, pull-up on nCS and DQS. */
static void gpio_pins(uint32_t base, uint32_t mask2, uint32_t afmask, uint32_t afrl,
                      uint32_t pullup)
{
    REG32(base + GPIO_AFRL) = (REG32(base + GPIO_AFRL) & ~afmask) | afrl;
    REG32(base + GPIO_OSPEEDR) |= mask2;
    REG32(base + GPIO_PUPDR) = (REG32(base + GPIO_PUPDR) & ~mask2) | pullup;
    REG32(base + GPIO_MODER) = (REG32(base + GPIO_MODER) & ~mask2) | (mask2 & 0xAAAAAAAAu);
}

static int flash_init(void)
{
    static const uint32_t frames[3] = {F_SPI_CMD, F_SOPI_CMD, F_DOPI_CMD};
    for (uint32_t i = 0; i < 3u; i++)
        if (!simple_cmd(frames[i], i ? OPI(CMD_RSTEN) : CMD_RSTEN) ||
            !simple_cmd(frames[i], i ? OPI(CMD_RST) : CMD_RST))
            return 0;
    uint32_t t = get_tick();
    while (get_tick() - t < 2u) /* reset recovery, as HAL_Delay(1) */
        ;
    if (!poll_status(0, SR_WIP, 0u, T_DEFAULT) || !spi_write_cr2(CR2_DC, CR2_DC_6_CYCLES) ||
        !poll_status(0, SR_WIP, 0u, T_DEFAULT) || !spi_write_cr2(CR2_MODE, CR2_DOPI))
        return 0;
    t = get_tick();
    while (get_tick() - t < 2u) /* the new mode applies at nCS high */
        ;
    uint8_t cr2 = 0u;
    return poll_status(1, SR_WIP, 0u, T_DEFAULT) && dopi_read_cr2(CR2_MODE, &cr2) &&
           cr2 == CR2_DOPI;
}

static int init_all(void)
{
    tick_ms = 0u;
    if (!clock_init())
        return 0;
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOABC;
    (void)RCC_AHB2ENR;
    gpio_pins(GPIOA_BASE, 0x0000F0F0u, 0xFF00FF00u, 0xAA00AA00u, 0x00000010u);
    gpio_pins(GPIOB_BASE, 0x0000003Fu, 0x00000FFFu, 0x00000AAAu, 0x00000010u);
    gpio_pins(GPIOC_BASE, 0x000000FFu, 0x0000FFFFu, 0x0000AAA3u, 0x00000000u);
    if (RCC_AHB3ENR & RCC_AHB3_OSPI1)
        (void)ospi_abort(); /* HAL_OSPI_DeInit of the previous Init's handle */
    RCC_AHB3ENR |= RCC_AHB3_OSPI1;
    (void)RCC_AHB3ENR;
    RCC_AHB3RSTR |= RCC_AHB3_OSPI1;
    RCC_AHB3RSTR &= ~RCC_AHB3_OSPI1;
    /* B.5 "HAL_OSPI_Init" with B.6's values. */
    OSPI_DCR1 = OSPI_DCR1_MTYP_MACRONIX | OSPI_DCR1_DEVSIZE(26) | OSPI_DCR1_CSHT(2);
    OSPI_CR = OSPI_CR_FTHRES(4u);
    if (!wait_reg(&OSPI_SR, OSPI_SR_BUSY, 0u, T_DEFAULT))
        return 0;
    OSPI_DCR2 = 3u - 1u;
    OSPI_TCR = OSPI_TCR_DHQC;
    OSPI_CR |= OSPI_CR_EN;
    return flash_init() && mm_enter();
}

int Init(void)
{
    loader_zero_bss();
    irq_enter();
    int ok = init_all();
    irq_leave();
    return ok;
}

/* ---- the other entry points --------------------------------------------------------------- */
static int dev_range(uint32_t addr, uint32_t size, uint32_t *off)
{
    uint32_t o = addr >= MX_START ? addr - MX_START : addr;
    if (o > MX_SIZE || size > MX_SIZE - o)
        return 0;
    *off = o;
    return 1;
}

int DeInit(void)
{
    irq_enter();
    (void)ospi_abort();
    irq_leave();
    return 1;
}

/* PP4B of [off, off + n) inside one page, widened to an even start and length (DTR). */
static int program_page(uint32_t off, uint32_t n, const uint8_t *src)
{
    uint32_t p = off & ~1u, end = (off + n + 1u) & ~1u;
    struct cmd c = {F_DOPI_WRITE, 0u, OPI(CMD_PP4B), p, end - p};
    return write_enable(1) && ospi_command(&c) && ospi_transmit(src, n, p < off, off + n < end) &&
           poll_status(1, SR_WIP, 0u, T_DEFAULT);
}

static int do_write(uint32_t Address, uint32_t Size, const uint8_t *buffer)
{
    uint32_t off;
    int ok;
    if (!dev_range(Address, Size, &off) || !mm_leave())
        return 0;
    for (ok = 1; ok && Size;) {
        uint32_t n = MX_PAGE - (off & (MX_PAGE - 1u));
        if (n > Size)
            n = Size;
        ok = program_page(off, n, buffer);
        off += n;
        buffer += n;
        Size -= n;
    }
    return mm_enter() && ok;
}

int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    irq_enter();
    int ok = do_write(Address, Size, buffer);
    irq_leave();
    return ok;
}

static int erase_one(uint32_t ccr, uint32_t ir, uint32_t addr, uint32_t timeout)
{
    struct cmd c = {ccr, 0u, ir, addr, 0u};
    return write_enable(1) && ospi_command(&c) && poll_status(1, SR_WIP, 0u, timeout);
}

static int do_sector_erase(uint32_t start, uint32_t end)
{
    uint32_t s, e;
    int ok = 1;
    if (!dev_range(start, 1u, &s) || !dev_range(end, 1u, &e) || e < s || !mm_leave())
        return 0;
    for (uint32_t b = s & ~(MX_BLOCK - 1u); ok && b <= e; b += MX_BLOCK)
        ok = erase_one(F_DOPI_ADDR, OPI(CMD_BE4B), b, T_ERASE_BLOCK);
    return mm_enter() && ok;
}

int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    irq_enter();
    int ok = do_sector_erase(EraseStartAddress, EraseEndAddress);
    irq_leave();
    return ok;
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    irq_enter();
    int ok = mm_leave() && erase_one(F_DOPI_CMD, OPI(CMD_CE), 0u, T_ERASE_CHIP);
    ok = mm_enter() && ok;
    irq_leave();
    return ok;
}

/* Indirect 8DTRD reads of an even range covering [off, off + n), in frames of at most 64 KiB. */
static int do_read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    int ok = 1;
    if (!dev_range(Address, Size, &off) || !mm_leave())
        return 0;
    while (ok && Size) {
        uint32_t n = Size > 0x10000u ? 0x10000u : Size;
        uint32_t p = off & ~1u, end = (off + n + 1u) & ~1u;
        struct cmd c = {F_DOPI_READ, DCYC_READ_DOPI, OPI(CMD_8DTRD), p, end - p};
        ok = ospi_command(&c) && ospi_receive(buffer, off - p, n);
        off += n;
        buffer += n;
        Size -= n;
    }
    return mm_enter() && ok;
}

int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    irq_enter();
    int ok = do_read(Address, Size, buffer);
    irq_leave();
    return ok;
}

static int mm_ensure(void)
{
    return (OSPI_CR & OSPI_CR_FMODE_MASK) == OSPI_CR_FMODE_MMAP || mm_enter();
}

/* InitVal + the byte sum of the window's range, a byte load at a time. */
uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    uint32_t off;
    irq_enter();
    if (!dev_range(StartAddress, Size, &off) || !mm_ensure()) {
        irq_leave();
        return 0;
    }
    const volatile uint8_t *m = (const volatile uint8_t *)(MX_START + off);
    for (uint32_t i = 0; i < Size; i++)
        InitVal += m[i];
    irq_leave();
    return InitVal;
}

/* docs/protocol.md 1.3, as the reference loader: low word 0 or MemoryAddr + k of the first
 * differing byte, high word the byte sum of the compared device bytes; byte loads from the
 * window. */
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    const uint32_t skip = missalignement & 0xFu;
    const uint32_t drop = (missalignement >> 16) & 0xFu;
    uint32_t off, n, first_diff = 0, sum = 0;

    if (Size > MX_SIZE / 4u)
        return 0xFFFFFFFFu;
    n = Size * 4u;
    n = n > skip + drop ? n - skip - drop : 0u;
    irq_enter();
    if (!dev_range(MemoryAddr, skip + n, &off) || !mm_ensure()) {
        irq_leave();
        return 0xFFFFFFFFu;
    }
    const volatile uint8_t *m = (const volatile uint8_t *)(MX_START + off);
    const uint8_t *b = (const uint8_t *)RAMBufferAddr;
    for (uint32_t k = skip; k < skip + n; k++) {
        uint8_t v = m[k];
        sum += v;
        if (v != b[k] && !first_diff)
            first_diff = MX_START + off + k;
    }
    irq_leave();
    return ((uint64_t)sum << 32) | first_diff;
}
