/* Two STM32F4 boards with a serial NOR on SPI1 (docs/serial-nor.md 11): NUCLEO-F446RE with a
 * Macronix MX25L6433F, and an STM32F411CE "black pill" (WeAct) with a Winbond W25Q64JV
 * (docs/serial-nor.md 11). The SoC as data (emu/boards/socdata.h): RCC, PWR, FLASH, SYSCFG and
 * EXTI as register files whose ready flags follow their enables, GPIOA..H at 0x40020000, the
 * peripheral bit-band alias, SPI1 at 0x40013000 (peripherals/spi.h) and, on the Nucleo, SPI2 at
 * 0x40003800 wired to the same chip and chip select (ST's contributed loader uses SPI2). Policies
 * (docs/modelled.md "Boards"): clocks are not computed (the core and APB2 stay at the reset
 * HSI 16 MHz); the flash has no memory-mapped window: the profile's window 0x90000000 is the
 * device address loaders give StorageInfo, and the CPU's accesses there fault; the chip select
 * is the board's pin when the loader makes it an output, else the first pin the loader makes
 * a general-purpose output (logged) [uncertain: the black pill's wiring is not read from a
 * schematic; the Nucleo's PB9 is ST's contributed loader's], or NSS driven by SPE (SSM = 0, SSOE = 1). */
#include <stdio.h>

#include "emu/board.h"
#include "emu/boards/bitband.h"
#include "emu/boards/socdata.h"
#include "peripherals/gpio_regs.h"
#include "peripherals/spi.h"
#include "peripherals/spinor.h"

extern const se_board se_board_stm32f446re_nucleo;
extern const se_board se_board_stm32f411_blackpill;

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define F4_SPI1 0x40013000u
#define F4_SPI2 0x40003800u /* on APB1 */
#define F4_SPI_WINDOW 0x90000000u
#define F4_RESET_HZ 16000000u /* HSI */

/* RCC @ 0x40023800 as on the F469 board (emu/boards/stm32f469i_eval.c): CR resets HSION |
 * HSIRDY | HSITRIM 16 [uncertain]; each RDY follows its ON bit; CFGR.SWS follows SW. */
static const se_soc_reg rcc_regs[] = {
    {0x00, 0x00000083u, ~0x2A020002u}, /* CR: RDY bits read-only */
    {0x04, 0x24003010u, 0xFFFFFFFFu},  /* PLLCFGR */
    {0x08, 0x00000000u, ~0x0000000Cu}, /* CFGR: SWS read-only */
};
static const se_regfile_follow rcc_follow[] = {
    {0x00, 1u << 0, 0x00, 1},  /* HSION -> HSIRDY */
    {0x00, 1u << 16, 0x00, 1}, /* HSEON -> HSERDY */
    {0x00, 1u << 24, 0x00, 1}, /* PLLON -> PLLRDY */
    {0x00, 1u << 26, 0x00, 1}, /* PLLI2SON -> PLLI2SRDY */
    {0x00, 1u << 28, 0x00, 1}, /* PLLSAION -> PLLSAIRDY (F446) */
    {0x08, 3u << 0, 0x08, 2},  /* SW -> SWS */
};
/* PWR @ 0x40007000: CSR.VOSRDY b14 set; the F446's ODRDY/ODSWRDY follow ODEN/ODSWEN (the
 * F411 has no over-drive: its loaders do not set them). */
static const se_soc_reg pwr_regs[] = {
    {0x00, 0x0000C000u, 0xFFFFFFFFu}, /* CR: VOS [uncertain reset] */
    {0x04, 0x00004000u, 0x00000300u}, /* CSR */
};
static const se_regfile_follow pwr_follow[] = {
    {0x00, 3u << 16, 0x04, 0}, /* ODEN, ODSWEN -> ODRDY, ODSWRDY */
};

static const se_soc_block blocks[] = {
    {"RCC", 0x40023800u, 0x90u / 4, rcc_regs, N(rcc_regs), rcc_follow, N(rcc_follow)},
    {"PWR", 0x40007000u, 0x8u / 4, pwr_regs, N(pwr_regs), pwr_follow, N(pwr_follow)},
    {"FLASH", 0x40023C00u, 0x20u / 4, NULL, 0, NULL, 0},
    {"SYSCFG", 0x40013800u, 0x30u / 4, NULL, 0, NULL, 0},
    {"EXTI", 0x40013C00u, 0x18u / 4, NULL, 0, NULL, 0},
};

static const se_soc_data f4_soc = {
    .family = "STM32F4",
    .blocks = blocks,
    .nblocks = N(blocks),
    .gpio_base = 0x40020000u,
    .gpio_stride = 0x400u,
    .ngpio = 8, /* A..H (the F411 has no F and G: their blocks answer as plain registers) */
};

/* What differs between the two boards. */
typedef struct spi_board {
    const char *part; /* the flash part */
    bool spi2;        /* the chip is also on SPI2 (0x40003800) */
    uint8_t cs_port;  /* the board's chip-select pin: 0 = A ... */
    uint8_t cs_pin;
} spi_board;

/* F446: PB9, as ST's contributed MX25L6433F loader for the board has it (with SPI2; ours uses
 * SPI1); F411: PA4 [uncertain]. */
static const spi_board f446_wiring = {"MX25L6433F", true, 1, 9};
static const spi_board f411_wiring = {"W25Q64JV", false, 0, 4};

static unsigned pin_mode(const se_gpio *g, unsigned pin)
{
    return (g->r[GPIO_MODER / 4] >> (2u * pin)) & 3u;
}

static void bind(se_spi *s, const se_gpio *g, unsigned pin, const char *why)
{
    s->cs_bound = true;
    s->cs_port = g->port;
    s->cs_pin = (uint8_t)pin;
    char msg[160];
    snprintf(msg, sizeof msg, "flash chip select is P%c%u (%s)", 'A' + g->port, pin, why);
    se_periph_log(s->host, SE_LOG_INFO, s->label, s->base, 0, msg);
}

/* After every GPIO write: find the chip-select pin, and follow its level (an output pin
 * drives its ODR bit; any other mode leaves the line to its pull-up: deselected). */
static void gpio_wrote(se_spi *s, const spi_board *w, se_gpio *g)
{
    bool board_pin = g->port == w->cs_port && pin_mode(g, w->cs_pin) == 1u;
    if (board_pin && !(s->cs_bound && s->cs_port == w->cs_port && s->cs_pin == w->cs_pin))
        bind(s, g, w->cs_pin, "the board's pin");
    for (unsigned pin = 0; !s->cs_bound && pin < 16; pin++)
        if (pin_mode(g, pin) == 1u)
            bind(s, g, pin, "the first pin the loader made an output; the board's is not one");
    if (s->cs_bound && s->cs_port == g->port) {
        bool low = pin_mode(g, s->cs_pin) == 1u && !(g->r[GPIO_ODR / 4] & (1u << s->cs_pin));
        se_spi_set_gpio_cs(s, low);
        if (s->peer)
            se_spi_set_gpio_cs(s->peer, low);
    }
}

static void gpio_wrote_f446(void *ctx, se_gpio *g) { gpio_wrote(ctx, &f446_wiring, g); }
static void gpio_wrote_f411(void *ctx, se_gpio *g) { gpio_wrote(ctx, &f411_wiring, g); }

static se_err build_spi_board(se_soc *soc, const se_profile *p, const spi_board *w,
                              void (*on_gpio)(void *, se_gpio *), se_error *err)
{
    const se_flash_chip_class *chip = se_spinor_class(se_spinor_part_find(w->part));
    if (p->flash_chip && !(chip = se_flash_chip_find(p->flash_chip)))
        return se_error_set(err, SE_ERR_USAGE, "unknown flash chip '%s'", p->flash_chip);
    se_soc_parts *parts = se_soc_data_build(soc, &f4_soc, false, err);
    if (!parts)
        return err->code;
    se_err e = se_bitband_attach(soc, err);
    if (e)
        return e;
    se_spi *spi = se_soc_attach(soc, &se_spi_class, "SPI1", F4_SPI1, SE_SPI_SIZE, err);
    if (!spi)
        return err->code;
    se_spi_configure(spi, se_soc_host(soc), F4_SPI1, "SPI1", NULL, F4_RESET_HZ);
    se_spi_reset(spi);
    for (unsigned i = 0; i < f4_soc.ngpio; i++) {
        parts->gpio[i]->on_write = on_gpio;
        parts->gpio[i]->on_write_ctx = spi;
    }
    se_extmem x = {
        .name = "SPI1",
        .ctl = spi,
        .ops = &se_spi_memctl,
        .ctl_base = F4_SPI1,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = chip,
    };
    if ((e = se_soc_add_extmem(soc, &x, err)) || !w->spi2)
        return e;
    se_spi *spi2 = se_soc_attach(soc, &se_spi_class, "SPI2", F4_SPI2, SE_SPI_SIZE, err);
    if (!spi2)
        return err->code;
    se_spi_configure(spi2, se_soc_host(soc), F4_SPI2, "SPI2", NULL, F4_RESET_HZ / 2u);
    spi2->port = spi->port; /* the chip, or the --vcd tap in front of it */
    se_spi_reset(spi2);
    spi->peer = spi2;
    return SE_OK;
}

static se_err build_f446(se_soc *soc, const se_profile *p, se_error *err)
{
    return build_spi_board(soc, p, &f446_wiring, gpio_wrote_f446, err);
}

static se_err build_f411(se_soc *soc, const se_profile *p, se_error *err)
{
    return build_spi_board(soc, p, &f411_wiring, gpio_wrote_f411, err);
}

/* Both: 128 KiB of SRAM at 0x20000000 (F446: SRAM1 112 KiB + SRAM2 16 KiB; F411: 128 KiB
 * [uncertain]) and 512 KiB of flash; the aliases are addresses the machine maps for every
 * board and these parts leave unused. */
#define F4_SPI_PROFILE(tgt, brd, desc)                                                             \
    {                                                                                              \
        .target = tgt, .board = &brd, .description = desc, .sram = {0x20000000u, 0x20000u},        \
        .sram_alias = 0x30000000u, .iflash = {0x08000000u, 0x80000u}, .iflash_alias = 0x0C000000u, \
        .periph = {0x40000000u, 0x20000000u}, .periph_alias = 0xA0000000u,                         \
        .ext_window = {F4_SPI_WINDOW, 0x10000000u}, .bkpt_addr = 0x20000000u,                      \
        .load_base = 0x20000004u, .ram_end = 0x20020000u, .stack_gap = 0x400u,                     \
        .reset_core_hz = F4_RESET_HZ, .vtor = 0x08000000u,                                         \
    }

static const se_profile f446_off =
    F4_SPI_PROFILE("stm32f446re-nucleo", se_board_stm32f446re_nucleo,
                   "NUCLEO-F446RE + SPI NOR: loader at 0x20000004, BKPT at 0x20000000");
static const se_profile f411_off =
    F4_SPI_PROFILE("stm32f411-blackpill", se_board_stm32f411_blackpill,
                   "STM32F411CE black pill + SPI NOR: loader at 0x20000004, BKPT at 0x20000000");

const se_board se_board_stm32f446re_nucleo = {
    .name = "stm32f446re-nucleo",
    .description = "NUCLEO-F446RE: STM32F446RE, MX25L6433F serial NOR on SPI1 (GPIO chip select)",
    .mcu = "STM32F446RET6",
    .core = "Cortex-M4F",
    .flash = "MX25L6433F (8 MiB) on SPI1",
    .profiles = {&f446_off, NULL, NULL},
    .build = build_f446,
};

const se_board se_board_stm32f411_blackpill = {
    .name = "stm32f411-blackpill",
    .description = "STM32F411CE black pill: W25Q64JV serial NOR on SPI1 (GPIO chip select)",
    .mcu = "STM32F411CEU6",
    .core = "Cortex-M4F",
    .flash = "W25Q64JV (8 MiB) on SPI1",
    .profiles = {&f411_off, NULL, NULL},
    .build = build_f411,
};
