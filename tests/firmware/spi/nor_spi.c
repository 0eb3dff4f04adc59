/* Our SPI NOR loader for the STM32F4 SPI boards (docs/serial-nor.md 11): SPI1 (PA5 SCK, PA6
 * MISO, PA7 MOSI, AF5) in master mode, 8-bit frames, one byte at a time through DR (TXE, then
 * RXNE), and a GPIO chip select (BOARD_F446: PB9, MX25L6433F; BOARD_F411: PA4, W25Q64JV).
 * Written register-level from RM0383/RM0390 facts (no vendor code). Init: clocks, pins, SPI1,
 * RSTEN/RST, RDID must be the board's part. Write: WREN + PP 0x02 per 256-byte page;
 * SectorErase: WREN + SE 0x20 per 4 KiB; MassErase: WREN + CE 0xC7; each waits for WIP = 0
 * reading SR repeatedly under one chip select. Read: READ 0x03; CheckSum and Verify: FAST_READ
 * 0x0B (one dummy byte). Runs on the reset clock (HSI 16 MHz). */
#include "../loader.h"

#define REG32(a) (*(volatile uint32_t *)(a))

/* RCC (0x40023800): AHB1ENR 0x30 (GPIOAEN b0, GPIOBEN b1), APB2RSTR 0x24 / APB2ENR 0x44
 * (SPI1 b12). */
#define RCC_AHB1ENR REG32(0x40023830u)
#define RCC_APB2RSTR REG32(0x40023824u)
#define RCC_APB2ENR REG32(0x40023844u)
#define RCC_SPI1 (1u << 12)

#define GPIOA 0x40020000u
#define GPIOB 0x40020400u
#define GPIO_MODER(p) REG32((p) + 0x00u)
#define GPIO_OSPEEDR(p) REG32((p) + 0x08u)
#define GPIO_BSRR(p) REG32((p) + 0x18u)
#define GPIO_AFRL(p) REG32((p) + 0x20u)

#if defined(BOARD_F446)
#define CS_PORT GPIOB
#define CS_PIN 9u
#define JEDEC_ID 0x1720C2u /* MX25L6433F: C2 20 17 */
#elif defined(BOARD_F411)
#define CS_PORT GPIOA
#define CS_PIN 4u
#define JEDEC_ID 0x1740EFu /* W25Q64JV: EF 40 17 */
#else
#error "BOARD_F446 or BOARD_F411"
#endif

/* SPI1 (0x40013000) */
#define SPI1_CR1 REG32(0x40013000u)
#define SPI1_SR REG32(0x40013008u)
#define SPI1_DR REG32(0x4001300Cu)
#define CR1_MSTR (1u << 2)
#define CR1_BR_DIV4 (1u << 3)
#define CR1_SPE (1u << 6)
#define CR1_SSI (1u << 8)
#define CR1_SSM (1u << 9)
#define SR_RXNE (1u << 0)
#define SR_TXE (1u << 1)
#define SR_BSY (1u << 7)

#define DEV_BASE 0x90000000u
#define M_SIZE 0x00800000u
#define M_PAGE 0x100u
#define M_SECTOR 0x1000u

#define CMD_WREN 0x06u
#define CMD_RDSR 0x05u
#define CMD_RDID 0x9Fu
#define CMD_READ 0x03u
#define CMD_FAST_READ 0x0Bu
#define CMD_PP 0x02u
#define CMD_SE 0x20u
#define CMD_CE 0xC7u
#define CMD_RSTEN 0x66u
#define CMD_RST 0x99u
#define SR_WIP 0x01u
#define SR_WEL 0x02u

#define T_BYTE 0x10000u
#define T_PAGE 0x100000u
#define T_SECTOR 0x1000000u
#define T_CHIP 0x40000000u

static int g_fail; /* a byte that never came: the call fails */

static uint8_t xfer(uint8_t out)
{
    uint32_t n = T_BYTE;
    while (!(SPI1_SR & SR_TXE))
        if (!--n) {
            g_fail = 1;
            return 0xFFu;
        }
    *(volatile uint8_t *)&SPI1_DR = out;
    n = T_BYTE;
    while (!(SPI1_SR & SR_RXNE))
        if (!--n) {
            g_fail = 1;
            return 0xFFu;
        }
    return (uint8_t)SPI1_DR;
}

static void cs_low(void) { GPIO_BSRR(CS_PORT) = 1u << (CS_PIN + 16u); }

static void cs_high(void)
{
    uint32_t n = T_BYTE;
    while ((SPI1_SR & SR_BSY) && --n) /* the last byte out before the edge */
        ;
    GPIO_BSRR(CS_PORT) = 1u << CS_PIN;
}

static void cmd(uint8_t op)
{
    cs_low();
    (void)xfer(op);
    cs_high();
}

static void cmd_addr(uint8_t op, uint32_t a)
{
    (void)xfer(op);
    (void)xfer((uint8_t)(a >> 16));
    (void)xfer((uint8_t)(a >> 8));
    (void)xfer((uint8_t)a);
}

/* SR read again and again under one chip select until WIP clears. */
static int wait_ready(uint32_t rounds)
{
    cs_low();
    (void)xfer(CMD_RDSR);
    uint8_t sr;
    do
        sr = xfer(0xFFu);
    while ((sr & SR_WIP) && --rounds && !g_fail);
    cs_high();
    return !(sr & SR_WIP) && !g_fail;
}

static int write_enable(void)
{
    cmd(CMD_WREN);
    cs_low();
    (void)xfer(CMD_RDSR);
    uint8_t sr = xfer(0xFFu);
    cs_high();
    return (sr & SR_WEL) != 0;
}

static uint32_t read_id(void)
{
    cs_low();
    (void)xfer(CMD_RDID);
    uint32_t id = xfer(0xFFu);
    id |= (uint32_t)xfer(0xFFu) << 8;
    id |= (uint32_t)xfer(0xFFu) << 16;
    cs_high();
    return id;
}

int Init(void)
{
    loader_zero_bss();
    RCC_AHB1ENR |= 3u; /* GPIOA, GPIOB */
    RCC_APB2ENR |= RCC_SPI1;
    (void)RCC_APB2ENR;
    RCC_APB2RSTR |= RCC_SPI1;
    RCC_APB2RSTR &= ~RCC_SPI1;
    /* chip select high first, then an output */
    GPIO_BSRR(CS_PORT) = 1u << CS_PIN;
    GPIO_MODER(CS_PORT) = (GPIO_MODER(CS_PORT) & ~(3u << (2u * CS_PIN))) | 1u << (2u * CS_PIN);
    GPIO_OSPEEDR(CS_PORT) |= 2u << (2u * CS_PIN);
    /* PA5..PA7 alternate function 5 */
    GPIO_AFRL(GPIOA) = (GPIO_AFRL(GPIOA) & ~0xFFF00000u) | 0x55500000u;
    GPIO_MODER(GPIOA) = (GPIO_MODER(GPIOA) & ~(0x3Fu << 10)) | (0x2Au << 10);
    SPI1_CR1 = CR1_MSTR | CR1_BR_DIV4 | CR1_SSM | CR1_SSI; /* mode 0, 8-bit, MSB first */
    SPI1_CR1 |= CR1_SPE;
    cmd(CMD_RSTEN);
    cmd(CMD_RST);
    if (!wait_ready(T_PAGE))
        return 0;
    return read_id() == JEDEC_ID && !g_fail;
}

int DeInit(void)
{
    SPI1_CR1 &= ~CR1_SPE;
    return 1;
}

static int dev_range(uint32_t addr, uint32_t size, uint32_t *off)
{
    uint32_t o = addr >= DEV_BASE ? addr - DEV_BASE : addr;
    if (o > M_SIZE || size > M_SIZE - o)
        return 0;
    *off = o;
    return 1;
}

static int program_page(uint32_t off, uint32_t n, const uint8_t *src)
{
    if (!write_enable())
        return 0;
    cs_low();
    cmd_addr(CMD_PP, off);
    for (uint32_t i = 0; i < n; i++)
        (void)xfer(src[i]);
    cs_high();
    return wait_ready(T_PAGE);
}

int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    g_fail = 0;
    if (!dev_range(Address, Size, &off))
        return 0;
    while (Size) {
        uint32_t n = M_PAGE - (off & (M_PAGE - 1u));
        if (n > Size)
            n = Size;
        if (!program_page(off, n, buffer))
            return 0;
        off += n;
        buffer += n;
        Size -= n;
    }
    return 1;
}

int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    uint32_t s, e;
    g_fail = 0;
    if (!dev_range(EraseStartAddress, 1u, &s) || !dev_range(EraseEndAddress, 1u, &e) || e < s)
        return 0;
    for (uint32_t a = s & ~(M_SECTOR - 1u); a <= e; a += M_SECTOR) {
        if (!write_enable())
            return 0;
        cs_low();
        cmd_addr(CMD_SE, a);
        cs_high();
        if (!wait_ready(T_SECTOR))
            return 0;
    }
    return 1;
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    g_fail = 0;
    if (!write_enable())
        return 0;
    cmd(CMD_CE);
    return wait_ready(T_CHIP);
}

/* n bytes from off: READ (no dummy) or FAST_READ (one dummy byte). */
static void read_start(uint32_t off, int fast)
{
    cs_low();
    cmd_addr(fast ? CMD_FAST_READ : CMD_READ, off);
    if (fast)
        (void)xfer(0xFFu);
}

int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    g_fail = 0;
    if (!dev_range(Address, Size, &off))
        return 0;
    read_start(off, 0);
    for (uint32_t i = 0; i < Size; i++)
        buffer[i] = xfer(0xFFu);
    cs_high();
    return !g_fail;
}

uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    uint32_t off;
    g_fail = 0;
    if (!dev_range(StartAddress, Size, &off))
        return 0;
    read_start(off, 1);
    for (uint32_t i = 0; i < Size; i++)
        InitVal += xfer(0xFFu);
    cs_high();
    return InitVal;
}

uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    const uint32_t skip = missalignement & 0xFu;
    const uint32_t drop = (missalignement >> 16) & 0xFu;
    uint32_t off, n, first_diff = 0, sum = 0;
    g_fail = 0;
    if (Size > M_SIZE / 4u)
        return 0xFFFFFFFFu;
    n = Size * 4u;
    n = n > skip + drop ? n - skip - drop : 0u;
    if (!dev_range(MemoryAddr, skip + n, &off))
        return 0xFFFFFFFFu;
    const uint8_t *b = (const uint8_t *)RAMBufferAddr;
    read_start(off + skip, 1);
    for (uint32_t k = skip; k < skip + n; k++) {
        uint8_t v = xfer(0xFFu);
        sum += v;
        if (!first_diff && v != b[k])
            first_diff = DEV_BASE + off + k;
    }
    cs_high();
    if (g_fail)
        return 0xFFFFFFFFu;
    return ((uint64_t)sum << 32) | first_diff;
}
