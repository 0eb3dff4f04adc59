/* A register-level external loader for the MX25LM51245G / MX25UM51245G on the OCTOSPI of the
 * STM32U5, STM32H5 and STM32H7B3 boards (octo/boards.h picks one): the flash in SPI mode with
 * 4-byte address commands (RM0456/RM0481/RM0455 OCTOSPI, the register offsets of
 * docs/hardware.md B.2), memory-mapped FAST_READ4B for Read, Verify and CheckSum; PP4B for
 * Write, BE4B for SectorErase, CE for MassErase, each followed by automatic status polling of
 * WIP. With OCTO_DTR the flash is switched to DOPI (8D-8D-8D) after reset and every command,
 * poll and the memory-mapped 8DTRD read run in octal DTR (the frames of docs/hardware.md B.6),
 * as ST's H7B3I-EVAL loader does. Init sets the clock tree up as the families' HAL does
 * (voltage scaling, PLL1, SYSCLK switch) and waits for each ready flag; on a Cortex-M7 it also
 * enables the FPU and the L1 caches with CMSIS's register sequences. */
#include <stddef.h>
#include <stdint.h>

#include "boards.h"

#define DEV_SIZE 0x04000000u
#define PAGE 0x100u
#define SECTOR 0x10000u

/* ---- OCTOSPI registers (the same offsets on L5, U5, H7 and H5) ---- */
#define OSPI_CR REG32(OSPI_BASE + 0x000u)
#define OSPI_DCR1 REG32(OSPI_BASE + 0x008u)
#define OSPI_DCR2 REG32(OSPI_BASE + 0x00Cu)
#define OSPI_SR REG32(OSPI_BASE + 0x020u)
#define OSPI_FCR REG32(OSPI_BASE + 0x024u)
#define OSPI_DLR REG32(OSPI_BASE + 0x040u)
#define OSPI_AR REG32(OSPI_BASE + 0x048u)
#define OSPI_DR8 (*(volatile uint8_t *)(OSPI_BASE + 0x050u))
#define OSPI_PSMKR REG32(OSPI_BASE + 0x080u)
#define OSPI_PSMAR REG32(OSPI_BASE + 0x088u)
#define OSPI_PIR REG32(OSPI_BASE + 0x090u)
#define OSPI_CCR REG32(OSPI_BASE + 0x100u)
#define OSPI_TCR REG32(OSPI_BASE + 0x108u)
#define OSPI_IR REG32(OSPI_BASE + 0x110u)

#define CR_EN (1u << 0)
#define CR_ABORT (1u << 1)
#define CR_FTHRES(n) (((n)-1u) << 8)
#define CR_APMS (1u << 22)
#define CR_FMODE_MASK (3u << 28)
#define FMODE_IWRITE (0u << 28)
#define FMODE_IREAD (1u << 28)
#define FMODE_POLL (2u << 28)
#define FMODE_MMAP (3u << 28)
#define SR_TEF (1u << 0)
#define SR_TCF (1u << 1)
#define SR_FTF (1u << 2)
#define SR_SMF (1u << 3)
#define SR_BUSY (1u << 5)
#define FCR_ALL 0x1Bu
#define CCR_1LINE_I 0x00000001u
#define CCR_1LINE_A32 0x00003100u /* ADMODE 1 line, ADSIZE 32 bits */
#define CCR_1LINE_D 0x01000000u

#define T_WAIT 20000000u

/* The frames of each mode: CCR and instruction (docs/hardware.md B.6). In DOPI an opcode is 16
 * bits, the opcode then its complement; the HAL's DHQC is set in TCR. */
#define OPI(o) ((((uint32_t)(o)) << 8) | (~(uint32_t)(o)&0xFFu))
#define D_CMD 0x0800001Cu   /* IMODE 8 lines DTR, 16-bit instruction, DDTR */
#define D_ADDR 0x08003C1Cu  /* + ADMODE 8 lines DTR, 32-bit address */
#define D_WRITE 0x0C003C1Cu /* + DMODE 8 lines */
#define D_READ 0x2C003C1Cu  /* + DQSE */
#define S_SOPI_CMD 0x00000014u
#define TCR_DHQC (1u << 28)
#define DCYC_REG_DOPI 5u  /* register reads in DOPI */
#define DCYC_READ_DOPI 6u /* 8DTRD with CR2 DC = 6 cycles */
#define DCR1_MTYP_MACRONIX (1u << 24)

int Init(void);
int Write(uint32_t Address, uint32_t Size, uint8_t *buffer);
int Read(uint32_t Address, uint32_t Size, uint8_t *buffer);
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress);
int MassErase(uint32_t Parallelism);
uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal);
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size,
                uint32_t missalignement);

extern uint8_t __bss_start__[];
extern uint8_t __bss_end__[];

static int dopi; /* the flash runs in DOPI (OCTO_DTR, after Init's switch) */

static int wait(volatile uint32_t *reg, uint32_t mask, uint32_t want)
{
    for (uint32_t n = T_WAIT; n; n--)
        if ((*reg & mask) == want)
            return 1;
    return 0;
}

static int abort_op(void)
{
    OSPI_CR |= CR_ABORT;
    return wait(&OSPI_SR, SR_BUSY, 0u);
}

/* One command frame: mode, CCR, instruction, TCR, address (when ccr has one), data length. */
static void frame(uint32_t fmode, uint32_t ccr, uint32_t ir, uint32_t tcr, uint32_t ar,
                  uint32_t dlr)
{
    OSPI_FCR = FCR_ALL;
    OSPI_CR = (OSPI_CR & ~CR_FMODE_MASK) | fmode;
    OSPI_DLR = dlr ? dlr - 1u : 0u;
    OSPI_TCR = tcr;
    OSPI_CCR = ccr;
    OSPI_IR = ir;
    if (ccr & 0x700u)
        OSPI_AR = ar;
}

static int done(void)
{
    if (!wait(&OSPI_SR, SR_TCF | SR_TEF, SR_TCF))
        return 0;
    OSPI_FCR = FCR_ALL;
    return 1;
}

/* A command without data in the flash's mode: op, with an address when addr_phase. */
static int cmd(uint8_t op, int addr_phase, uint32_t ar)
{
    if (dopi)
        frame(FMODE_IWRITE, addr_phase ? D_ADDR : D_CMD, OPI(op), TCR_DHQC, ar, 0u);
    else
        frame(FMODE_IWRITE, CCR_1LINE_I | (addr_phase ? CCR_1LINE_A32 : 0u), op, 0u, ar, 0u);
    return done();
}

/* WIP = 0 by automatic polling of RDSR (match 0 under mask 1); in DOPI RDSR has address 0,
 * dummy cycles, DQS and 2 data bytes. */
static int wait_ready(void)
{
    OSPI_PSMKR = 0x01u;
    OSPI_PSMAR = 0x00u;
    OSPI_PIR = 0x10u;
    OSPI_CR |= CR_APMS;
    if (dopi)
        frame(FMODE_POLL, D_READ, OPI(0x05u), TCR_DHQC | DCYC_REG_DOPI, 0u, 2u);
    else
        frame(FMODE_POLL, CCR_1LINE_I | CCR_1LINE_D, 0x05u, 0u, 0u, 1u);
    int ok = wait(&OSPI_SR, SR_SMF, SR_SMF);
    OSPI_FCR = FCR_ALL;
    OSPI_CR &= ~CR_APMS;
    return ok && wait(&OSPI_SR, SR_BUSY, 0u);
}

static int mm_enter(void)
{
    if ((OSPI_CR & CR_FMODE_MASK) == FMODE_MMAP)
        return 1;
    OSPI_FCR = FCR_ALL;
    OSPI_CR = (OSPI_CR & ~CR_FMODE_MASK) | FMODE_MMAP;
    if (dopi) { /* 8DTRD */
        OSPI_TCR = TCR_DHQC | DCYC_READ_DOPI;
        OSPI_CCR = D_READ;
        OSPI_IR = OPI(0xEEu);
    } else { /* FAST_READ4B: 8 dummy cycles in SPI */
        OSPI_TCR = 8u;
        OSPI_CCR = CCR_1LINE_I | CCR_1LINE_A32 | CCR_1LINE_D;
        OSPI_IR = 0x0Cu;
    }
    return 1;
}

static int mm_leave(void)
{
    if ((OSPI_CR & CR_FMODE_MASK) != FMODE_MMAP)
        return 1;
    if (!abort_op())
        return 0;
    OSPI_CR &= ~CR_FMODE_MASK;
    return 1;
}

static int offset_of(uint32_t addr, uint32_t size, uint32_t *off)
{
    uint32_t o = addr >= OSPI_MEM_BASE ? addr - OSPI_MEM_BASE : addr;
    if (o >= DEV_SIZE || size > DEV_SIZE - o)
        return 0;
    *off = o;
    return 1;
}

#ifdef OCTO_DTR
/* WRCR2 in SPI: WREN, the 4-byte CR2 address, one data byte, then WIP = 0. */
static int spi_write_cr2(uint32_t addr, uint8_t value)
{
    if (!cmd(0x06u, 0, 0u))
        return 0;
    frame(FMODE_IWRITE, CCR_1LINE_I | CCR_1LINE_A32 | CCR_1LINE_D, 0x72u, 0u, addr, 1u);
    if (!wait(&OSPI_SR, SR_FTF, SR_FTF))
        return 0;
    OSPI_DR8 = value;
    return done() && wait_ready();
}
#endif

#ifdef BOARD_M7
/* Cortex-M7: the FPU on (CPACR CP10/CP11), then CMSIS's SCB_EnableICache and SCB_EnableDCache
 * register sequences (ICIALLU; CSSELR/CCSIDR and DCISW by set and way; CCR.IC/DC), and one
 * FPU addition to show the FPU answers. */
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_CCR REG32(0xE000ED14u)
#define SCB_CCSIDR REG32(0xE000ED80u)
#define SCB_CSSELR REG32(0xE000ED84u)
#define SCB_ICIALLU REG32(0xE000EF50u)
#define SCB_DCISW REG32(0xE000EF60u)
#define SCB_DCCISW REG32(0xE000EF74u)

static int m7_core_init(void)
{
    SCB_CPACR |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" ::: "memory");
    uint32_t x = 0x3F800000u; /* 1.0f */
    __asm volatile(".fpu fpv5-d16\n\tvmov s0, %0\n\tvadd.f32 s0, s0, s0\n\tvmov %0, s0"
                   : "+r"(x)
                   :
                   : "s0");
    if (x != 0x40000000u) /* 2.0f */
        return 0;
#ifdef M7_DOUBLE /* a double-precision addition, which the H7's FPU has */
    __asm volatile(".fpu fpv5-d16\n\tvmov d1, %0, %0\n\tvadd.f64 d0, d1, d1" ::"r"(0u)
                   : "d0", "d1");
#endif
    if (!(SCB_CCR & (1u << 17))) {
        __asm volatile("dsb\n\tisb" ::: "memory");
        SCB_ICIALLU = 0u;
        __asm volatile("dsb\n\tisb" ::: "memory");
        SCB_CCR |= 1u << 17; /* IC */
        __asm volatile("dsb\n\tisb" ::: "memory");
    }
    if (SCB_CCR & (1u << 16)) { /* an earlier Init: clean and invalidate as CMSIS does */
        SCB_CSSELR = 0u;
        uint32_t id = SCB_CCSIDR, sets = (id >> 13) & 0x7FFFu;
        do {
            uint32_t ways = (id >> 3) & 0x3FFu;
            do
                SCB_DCCISW = (sets << 5) | (ways << 30);
            while (ways--);
        } while (sets--);
        return 1;
    }
    SCB_CSSELR = 0u;
    __asm volatile("dsb" ::: "memory");
    uint32_t id = SCB_CCSIDR, sets = (id >> 13) & 0x7FFFu;
    if (id == 0u)
        return 0; /* a Cortex-M7 always describes its data cache */
    do {
        uint32_t ways = (id >> 3) & 0x3FFu;
        do
            SCB_DCISW = (sets << 5) | (ways << 30);
        while (ways--);
    } while (sets--);
    __asm volatile("dsb" ::: "memory");
    SCB_CCR |= 1u << 16; /* DC */
    __asm volatile("dsb\n\tisb" ::: "memory");
    return 1;
}
#endif

int Init(void)
{
    for (volatile uint8_t *p = __bss_start__; p < __bss_end__; p++)
        *p = 0u;
    if ((OSPI_CR & CR_EN) && !abort_op()) /* memory-mapped from an earlier call */
        return 0;
#ifdef BOARD_M7
    if (!m7_core_init())
        return 0;
#endif
    BOARD_CLOCK_PREP();
    uint32_t n = T_WAIT;
    while (!BOARD_VOS_READY() && --n)
        ;
    if (!n)
        return 0;
    RCC_CR |= RCC_CR_PLL1ON;
    if (!wait(&RCC_CR, RCC_CR_PLL1RDY, RCC_CR_PLL1RDY))
        return 0;
    FLASH_ACR = (FLASH_ACR & ~0xFu) | FLASH_LATENCY;
    RCC_CFGR1 = (RCC_CFGR1 & ~3u) | RCC_CFGR1_SW_PLL;
    if (!wait(&RCC_CFGR1, RCC_CFGR1_SWS_MASK, RCC_CFGR1_SWS_PLL))
        return 0;
    OSPI_CLOCK();
    OSPI_CR = 0u;
    OSPI_DCR1 = (25u << 16) | (1u << 8); /* DEVSIZE 2^26 bytes, nCS high 2 cycles */
    OSPI_DCR2 = 3u;                      /* kernel / 4 */
    OSPI_CR = CR_FTHRES(4u) | CR_EN;
#ifdef OCTO_DTR
    /* the flash may be in DOPI from an earlier Init: reset it in SPI, SOPI and DOPI */
    static const uint32_t reset_ccr[] = {CCR_1LINE_I, S_SOPI_CMD, D_CMD};
    for (unsigned i = 0; i < 3u; i++) {
        frame(FMODE_IWRITE, reset_ccr[i], i ? OPI(0x66u) : 0x66u, i == 2u ? TCR_DHQC : 0u, 0u, 0u);
        if (!done())
            return 0;
        frame(FMODE_IWRITE, reset_ccr[i], i ? OPI(0x99u) : 0x99u, i == 2u ? TCR_DHQC : 0u, 0u, 0u);
        if (!done())
            return 0;
    }
#else
    if (!cmd(0x66u, 0, 0u) || !cmd(0x99u, 0, 0u)) /* RSTEN, RST */
        return 0;
#endif
    for (volatile uint32_t k = 0; k < 1000u; k++)
        ;
#ifdef OCTO_DTR
    /* 8DTRD with 6 dummy cycles (CR2 0x300: DC = (20 - 6) / 2), then DOPI (CR2 0x000) */
    if (!wait_ready() || !spi_write_cr2(0x300u, 0x07u))
        return 0;
    if (!cmd(0x06u, 0, 0u))
        return 0;
    frame(FMODE_IWRITE, CCR_1LINE_I | CCR_1LINE_A32 | CCR_1LINE_D, 0x72u, 0u, 0u, 1u);
    if (!wait(&OSPI_SR, SR_FTF, SR_FTF))
        return 0;
    OSPI_DR8 = 0x02u; /* DOPI */
    if (!done())
        return 0;
    dopi = 1;
    OSPI_CR &= ~CR_EN;
    OSPI_DCR1 |= DCR1_MTYP_MACRONIX;
    OSPI_CR |= CR_EN;
    for (volatile uint32_t k = 0; k < 1000u; k++)
        ;
    if (!wait_ready())
        return 0;
#endif
    return mm_enter();
}

int DeInit(void) { return mm_leave(); }

/* Page program (PP4B) of n bytes at off inside one page; in DOPI widened to an even start and
 * length with 0xFF pads (DTR moves 2 bytes per clock; 0xFF programs nothing). */
static int program(uint32_t off, uint32_t n, const uint8_t *buffer)
{
    if (!cmd(0x06u, 0, 0u)) /* WREN */
        return 0;
    uint32_t p = off, end = off + n;
    if (dopi) {
        p = off & ~1u;
        end = (off + n + 1u) & ~1u;
        frame(FMODE_IWRITE, D_WRITE, OPI(0x12u), TCR_DHQC, p, end - p);
    } else {
        frame(FMODE_IWRITE, CCR_1LINE_I | CCR_1LINE_A32 | CCR_1LINE_D, 0x12u, 0u, p, n);
    }
    for (uint32_t a = p; a < end; a++) {
        if (!wait(&OSPI_SR, SR_FTF, SR_FTF))
            return 0;
        OSPI_DR8 = (a < off || a >= off + n) ? 0xFFu : buffer[a - off];
    }
    return done() && wait_ready();
}

int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    if (!offset_of(Address, Size, &off) || !mm_leave())
        return 0;
    while (Size) {
        uint32_t n = PAGE - (off % PAGE);
        if (n > Size)
            n = Size;
        if (!program(off, n, buffer))
            return 0;
        off += n;
        buffer += n;
        Size -= n;
    }
    return mm_enter();
}

int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    uint32_t a, b;
    if (EraseEndAddress < EraseStartAddress || !offset_of(EraseStartAddress, 1u, &a) ||
        !offset_of(EraseEndAddress, 1u, &b) || !mm_leave())
        return 0;
    for (uint32_t s = a & ~(SECTOR - 1u); s <= b; s += SECTOR) {
        if (!cmd(0x06u, 0, 0u) || !cmd(0xDCu, 1, s) || !wait_ready()) /* WREN, BE4B */
            return 0;
    }
    return mm_enter();
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    if (!mm_leave() || !cmd(0x06u, 0, 0u) || !cmd(0x60u, 0, 0u) || !wait_ready()) /* CE */
        return 0;
    return mm_enter();
}

int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    if (!offset_of(Address, Size, &off) || !mm_enter())
        return 0;
    const volatile uint8_t *m = (const volatile uint8_t *)(OSPI_MEM_BASE + off);
    for (uint32_t i = 0; i < Size; i++)
        buffer[i] = m[i];
    return 1;
}

uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    uint32_t off;
    if (!offset_of(StartAddress, Size, &off) || !mm_enter())
        return 0;
    const volatile uint8_t *m = (const volatile uint8_t *)(OSPI_MEM_BASE + off);
    for (uint32_t i = 0; i < Size; i++)
        InitVal += m[i];
    return InitVal;
}

/* As tests/firmware/README.md says of every test loader's Verify. */
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    const uint32_t skip = missalignement & 0xFu, drop = (missalignement >> 16) & 0xFu;
    uint32_t off, n = Size * 4u, sum = 0, first = 0;
    n = n > skip + drop ? n - skip - drop : 0u;
    if (Size > DEV_SIZE / 4u || !offset_of(MemoryAddr, skip + n, &off) || !mm_enter())
        return 0xFFFFFFFFu;
    const volatile uint8_t *m = (const volatile uint8_t *)(OSPI_MEM_BASE + off);
    const volatile uint8_t *b = (const volatile uint8_t *)RAMBufferAddr;
    for (uint32_t k = skip; k < skip + n; k++) {
        uint8_t v = m[k];
        sum += v;
        if (!first && v != b[k])
            first = OSPI_MEM_BASE + off + k;
    }
    return ((uint64_t)sum << 32) | first;
}

struct storage_info {
    char DeviceName[100];
    uint16_t DeviceType;
    uint32_t DeviceStartAddress;
    uint32_t DeviceSize;
    uint32_t PageSize;
    uint8_t EraseValue;
    struct {
        uint32_t SectorNum, SectorSize;
    } sectors[10];
};
_Static_assert(sizeof(struct storage_info) == 200, "StorageInfo must be 200 bytes");

__attribute__((section(".Dev_info"), used)) const struct storage_info StorageInfo = {
    .DeviceName = DEV_NAME,
    .DeviceType = 3u, /* NOR_FLASH */
    .DeviceStartAddress = OSPI_MEM_BASE,
    .DeviceSize = DEV_SIZE,
    .PageSize = PAGE,
    .EraseValue = 0xFFu,
    .sectors = {{DEV_SIZE / SECTOR, SECTOR}, {0u, 0u}},
};
