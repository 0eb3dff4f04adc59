/* STM32F7508-DK: an STM32F750N8 (Cortex-M7, 64 KiB flash, 320 KiB RAM, 4 KiB L1 caches) with
 * a Micron N25Q128A (16 MiB quad NOR) on QUADSPI (RM0385, docs/serial-nor.md). The SoC as data
 * (emu/boards/socdata.h), the F4's map: RCC, PWR, FLASH, SYSCFG and EXTI as register files
 * whose ready flags follow their enables (HSE, PLLs, SWS, over-drive), GPIOA..K at 0x40020000,
 * the QUADSPI at 0xA0001000 reached through the second peripheral window as on the F469 board.
 * Memory: DTCM, SRAM1 and SRAM2 as one RAM at 0x20000000 (the host's), ITCM RAM at 0 (16 KiB):
 * ST's loader for the board is Keil RWPI code, whose data is addressed through R9, which the
 * host leaves 0, so it lives in ITCM RAM as on silicon. No bit-band (a Cortex-M7 has none).
 * Policies (docs/modelled.md "Other boards"): clocks are not computed (the core stays at HSI
 * 16 MHz, the QUADSPI kernel at 180 MHz, ST's loader's HCLK); RCC's QSPIRST does not reset
 * the model. */
#include "emu/board.h"
#include "emu/soc.h"
#include "emu/boards/socdata.h"
#include "peripherals/quadspi.h"
#include "peripherals/spinor.h"

extern const se_board se_board_stm32f7508_dk;

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define F7_QSPI_BUS 0x40001000u
#define F7_QSPI 0xA0001000u
#define F7_QSPI_WINDOW 0x90000000u
#define F750_KERNEL_HZ 180000000u

/* RCC @ 0x40023800: CR resets HSION | HSIRDY | HSITRIM 16 (0x83) [uncertain]; each RDY follows
 * its ON bit; CFGR.SWS [3:2] follows SW [1:0]; PLLCFGR resets 0x24003010 [uncertain]. */
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
    {0x00, 1u << 28, 0x00, 1}, /* PLLSAION -> PLLSAIRDY */
    {0x08, 3u << 0, 0x08, 2},  /* SW -> SWS */
};
/* PWR @ 0x40007000: CSR1.VOSRDY b14 set; ODRDY b16 / ODSWRDY b17 follow CR1.ODEN / ODSWEN. */
static const se_soc_reg pwr_regs[] = {
    {0x00, 0x0000C000u, 0xFFFFFFFFu}, /* CR1: VOS scale 1 [uncertain reset] */
    {0x04, 0x00004000u, 0x00000300u}, /* CSR1 */
};
static const se_regfile_follow pwr_follow[] = {
    {0x00, 3u << 16, 0x04, 0}, /* ODEN, ODSWEN -> ODRDY, ODSWRDY */
};

static const se_soc_block blocks[] = {
    {"RCC", 0x40023800u, 0x94u / 4, rcc_regs, N(rcc_regs), rcc_follow, N(rcc_follow)},
    {"PWR", 0x40007000u, 0x10u / 4, pwr_regs, N(pwr_regs), pwr_follow, N(pwr_follow)},
    {"FLASH", 0x40023C00u, 0x20u / 4, NULL, 0, NULL, 0},
    {"SYSCFG", 0x40013800u, 0x30u / 4, NULL, 0, NULL, 0},
    {"EXTI", 0x40013C00u, 0x18u / 4, NULL, 0, NULL, 0},
};

static const se_soc_data f750_soc = {
    .family = "STM32F7",
    .blocks = blocks,
    .nblocks = N(blocks),
    .gpio_base = 0x40020000u,
    .gpio_stride = 0x400u,
    .ngpio = 11, /* A..K */
};

static const se_profile tz_off = {
    .target = "stm32f7508-dk",
    .board = &se_board_stm32f7508_dk,
    .description = "STM32F7508-DK: loader at its link address (0x20000004), BKPT just below it",
    .sram = {0x20000000u, 0x50000u}, /* DTCM, SRAM1, SRAM2 */
    .sram_alias = 0x20000000u,       /* none */
    .iflash = {0x08000000u, 0x10000u},
    .iflash_alias = 0x08000000u, /* none */
    .more_ram = {{0x00000000u, 0x4000u, "ITCM RAM"}},
    .periph = {0x40000000u, 0x20000000u},
    .periph_alias = 0xA0000000u,
    .ext_window = {F7_QSPI_WINDOW, 0x10000000u},
    .bkpt_addr = 0x20000000u,
    .load_base = 0x20000004u,
    .ram_end = 0x20050000u,
    .stack_gap = 0x400u,
    .reset_core_hz = 16000000u, /* HSI */
    .vtor = 0x08000000u,
    .base_follows_link = true,
};

static se_err build(se_soc *soc, const se_profile *p, se_error *err)
{
    const se_flash_chip_class *chip = se_spinor_class(se_spinor_part_find("N25Q128A"));
    if (p->flash_chip && !(chip = se_flash_chip_find(p->flash_chip)))
        return se_error_set(err, SE_ERR_USAGE, "unknown flash chip '%s'", p->flash_chip);
    if (!se_soc_data_build(soc, &f750_soc, false, err))
        return err->code;
    se_quadspi *q =
        se_soc_attach(soc, &se_quadspi_class, "QUADSPI", F7_QSPI_BUS, SE_QUADSPI_SIZE, err);
    if (!q)
        return err->code;
    if (se_soc_alias_only(soc, q, err)) /* not TIM6 at 0x40001000 */
        return err->code;
    se_quadspi_configure(q, se_soc_host(soc), F7_QSPI, F7_QSPI_WINDOW, NULL, F750_KERNEL_HZ);
    se_quadspi_reset(q);
    se_extmem x = {
        .name = "QUADSPI",
        .ctl = q,
        .ops = &se_quadspi_memctl,
        .ctl_base = F7_QSPI,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = chip,
    };
    return se_soc_add_extmem(soc, &x, err);
}

const se_board se_board_stm32f7508_dk = {
    .name = "stm32f7508-dk",
    .description = "STM32F7508-DK discovery kit: STM32F750N8, N25Q128A quad-SPI NOR on QUADSPI",
    .mcu = "STM32F750N8H6",
    .core = "Cortex-M7",
    .flash = "N25Q128A (16 MiB) on QUADSPI",
    .profiles = {&tz_off, NULL, NULL},
    .build = build,
    .cpu = SE_CPU_M7,
    .l1_cache_kb = 4,
};
