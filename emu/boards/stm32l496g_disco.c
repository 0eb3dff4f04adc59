/* 32L496GDISCOVERY: an STM32L496AG (Cortex-M4F, 1 MiB flash, 320 KiB SRAM) with a Macronix
 * MX25R6435F (8 MiB quad NOR) on QUADSPI (docs/serial-nor.md 7, 8). The L4's RCC, PWR and
 * FLASH_ACR keep the L5's offsets and the bits loaders use (MSI range, PLL M/N/R, VOS/VOSF,
 * LATENCY, QSPIEN = AHB3ENR bit 8 like OSPI1EN), so the L5 models serve at the L4's bases;
 * GPIOA..I sit at 0x48000000. Policies (docs/modelled.md "Boards"): the QUADSPI registers at
 * 0xA0001000 are reached through the profile's second peripheral window 0xA0000000, which
 * the bus maps onto its offsets from 0x40000000; the QUADSPI is reached through that window only
 * (TIM6 at 0x40001000, the same offset, is not the QUADSPI); SRAM and flash also appear at unused alias addresses (0x30000000,
 * 0x0C000000) the machine maps for every board. TrustZone: none on the L4. The core runs as
 * Unicorn's M-profile CPU (docs/unicorn.md), not a distinct Cortex-M4. */
#include <stdio.h>

#include "emu/board.h"
#include "emu/soc.h"
#include "peripherals/flashif.h"
#include "peripherals/gpio.h"
#include "peripherals/pwr.h"
#include "peripherals/quadspi.h"
#include "peripherals/rcc.h"
#include "peripherals/rcc_regs.h"
#include "peripherals/regfile.h"
#include "peripherals/spinor.h"

extern const se_board se_board_stm32l496g_disco;

#define L4_RCC 0x40021000u
#define L4_PWR 0x40007000u
#define L4_FLASH 0x40022000u
#define L4_GPIOA 0x48000000u
#define L4_NGPIO 9u             /* A..I */
#define L4_QSPI_BUS 0x40001000u /* where the bus holds it ... */
#define L4_QSPI 0xA0001000u     /* ... as the CPU addresses it (through periph_alias) */
#define L4_QSPI_WINDOW 0x90000000u
#define L4_AHB3_QSPI (1u << 8) /* RCC_AHB3ENR.QSPIEN / AHB3RSTR.QSPIRST */

/* Blocks HAL_GPIO_Init/DeInit configure (EXTI lines of the pins), as register files with no
 * behaviour: offsets from RM0351 (docs/serial-nor.md 8); reset values 0 but EXTI IMR1
 * 0xFF820000 and IMR2 0x87 (the direct lines unmasked) [uncertain: not read in RM0351]. */
#define N(a) (sizeof(a) / sizeof((a)[0]))
static const se_reg syscfg_regs[] = {
    {0x00, SE_ACC_RW, 0, 0x00000107u, 0, NULL}, /* MEMRMP */
    {0x04, SE_ACC_RW, 0, 0xFC3F0100u, 0, NULL}, /* CFGR1 */
    {0x08, SE_ACC_RW, 0, 0x0000FFFFu, 0, NULL}, /* EXTICR1 */
    {0x0C, SE_ACC_RW, 0, 0x0000FFFFu, 0, NULL}, /* EXTICR2 */
    {0x10, SE_ACC_RW, 0, 0x0000FFFFu, 0, NULL}, /* EXTICR3 */
    {0x14, SE_ACC_RW, 0, 0x0000FFFFu, 0, NULL}, /* EXTICR4 */
    {0x18, SE_ACC_RW, 0, 0x00000001u, 0, NULL}, /* SCSR */
    {0x1C, SE_ACC_RW, 0, 0x0000010Fu, 0, NULL}, /* CFGR2 */
    {0x20, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL}, /* SWPR */
    {0x24, SE_ACC_WO, 0, 0x000000FFu, 0, NULL}, /* SKR */
};
static const se_reg exti_regs[] = {
    {0x00, SE_ACC_RW, 0xFF820000u, 0xFFFFFFFFu, 0, NULL}, /* IMR1 */
    {0x04, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* EMR1 */
    {0x08, SE_ACC_RW, 0, 0x007DFFFFu, 0, NULL},           /* RTSR1 */
    {0x0C, SE_ACC_RW, 0, 0x007DFFFFu, 0, NULL},           /* FTSR1 */
    {0x10, SE_ACC_RW, 0, 0x007DFFFFu, 0, NULL},           /* SWIER1 */
    {0x14, SE_ACC_RW, 0, 0x007DFFFFu, 0, NULL},           /* PR1 */
    {0x20, SE_ACC_RW, 0x00000087u, 0x000000FFu, 0, NULL}, /* IMR2 */
    {0x24, SE_ACC_RW, 0, 0x000000FFu, 0, NULL},           /* EMR2 */
    {0x28, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* RTSR2 */
    {0x2C, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* FTSR2 */
    {0x30, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* SWIER2 */
    {0x34, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* PR2 */
};
static const se_regfile_bits exti_w1c[] = {{0x14, 0x007DFFFFu}, {0x34, 0x00000078u}};
static const se_regfile_desc syscfg_desc = {syscfg_regs, N(syscfg_regs), NULL, 0, NULL, 0};
static const se_regfile_desc exti_desc = {exti_regs, N(exti_regs), exti_w1c, N(exti_w1c), NULL, 0};

static const se_profile tz_off = {
    .target = "stm32l496g-disco",
    .board = &se_board_stm32l496g_disco,
    .description = "32L496GDISCOVERY: loader at 0x20000004, BKPT at 0x20000000",
    .sram = {0x20000000u, 0x50000u}, /* SRAM1 256 KiB + SRAM2 64 KiB, contiguous */
    .sram_alias = 0x30000000u,
    .iflash = {0x08000000u, 0x100000u},
    .iflash_alias = 0x0C000000u,
    .periph = {0x40000000u, 0x20000000u},
    .periph_alias = 0xA0000000u,
    .ext_window = {L4_QSPI_WINDOW, 0x10000000u},
    .bkpt_addr = 0x20000000u,
    .load_base = 0x20000004u,
    .ram_end = 0x20050000u,
    .download_limit = 0, /* none observed on the L4 */
    .stack_gap = 0x400u,
    .reset_core_hz = 4000000u, /* MSI range 6 after reset */
    .vtor = 0x08000000u,
};

typedef struct l496 {
    se_rcc *rcc;
    se_quadspi *qspi;
} l496;

static void reset_line(void *ctx, uint32_t rstr_offset, uint32_t bits)
{
    l496 *b = ctx;
    if (rstr_offset == RCC_AHB3RSTR && (bits & L4_AHB3_QSPI))
        se_quadspi_reset(b->qspi);
}

/* The QUADSPI kernel clock is HCLK (RM0351). */
static void clock_changed(void *ctx, uint32_t hz)
{
    (void)hz;
    l496 *b = ctx;
    se_quadspi_memctl.set_kernel_hz(b->qspi, b->rcc->hclk);
}

static se_err build(se_soc *soc, const se_profile *p, se_error *err)
{
    l496 *b = se_soc_board_data(soc, sizeof *b);
    if (!b)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    const se_flash_chip_class *chip = se_spinor_class(se_spinor_part_find("MX25R6435F"));
    if (p->flash_chip && !(chip = se_flash_chip_find(p->flash_chip)))
        return se_error_set(err, SE_ERR_USAGE, "unknown flash chip '%s'", p->flash_chip);
    const se_periph_host *host = se_soc_host(soc);
    if (!(b->rcc = se_soc_attach(soc, &se_rcc_class, "RCC", L4_RCC, SE_RCC_SIZE, err)))
        return err->code;
    b->rcc->host = host;
    b->rcc->base = L4_RCC;
    b->rcc->reset_line = reset_line;
    b->rcc->reset_ctx = b;
    se_pwr *pwr = se_soc_attach(soc, &se_pwr_class, "PWR", L4_PWR, SE_PWR_SIZE, err);
    if (!pwr)
        return err->code;
    pwr->host = host;
    pwr->base = L4_PWR;
    se_flashif *fl = se_soc_attach(soc, &se_flashif_class, "FLASH", L4_FLASH, SE_FLASHIF_SIZE, err);
    if (!fl)
        return err->code;
    fl->host = host;
    fl->base = L4_FLASH;
    se_flashif_configure(fl, false);
    for (unsigned i = 0; i < L4_NGPIO; i++) {
        char name[8];
        snprintf(name, sizeof name, "GPIO%c", 'A' + i);
        se_gpio *g =
            se_soc_attach(soc, &se_gpio_class, name, L4_GPIOA + 0x400u * i, SE_GPIO_SIZE, err);
        if (!g)
            return err->code;
        g->host = host;
        g->base = L4_GPIOA + 0x400u * i;
        se_gpio_configure(g, i, false);
    }
    static const struct {
        const char *name;
        uint32_t base;
        const se_regfile_desc *desc;
    } files[] = {{"SYSCFG", 0x40010000u, &syscfg_desc}, {"EXTI", 0x40010400u, &exti_desc}};
    for (size_t i = 0; i < N(files); i++) {
        se_regfile *r = se_soc_attach(soc, &se_regfile_class, files[i].name, files[i].base,
                                      SE_REGFILE_SIZE, err);
        if (!r)
            return err->code;
        se_regfile_setup(r, files[i].name, files[i].base, files[i].desc, host, false);
    }
    b->qspi = se_soc_attach(soc, &se_quadspi_class, "QUADSPI", L4_QSPI_BUS, SE_QUADSPI_SIZE, err);
    if (!b->qspi)
        return err->code;
    if (se_soc_alias_only(soc, b->qspi, err)) /* not TIM6 at 0x40001000 */
        return err->code;
    se_quadspi_configure(b->qspi, host, L4_QSPI, L4_QSPI_WINDOW, &b->rcc->ospi1_en, b->rcc->hclk);
    se_quadspi_reset(b->qspi);
    se_soc_on_clock(soc, clock_changed, b);
    se_extmem x = {
        .name = "QUADSPI",
        .ctl = b->qspi,
        .ops = &se_quadspi_memctl,
        .ctl_base = L4_QSPI,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = chip,
    };
    return se_soc_add_extmem(soc, &x, err);
}

const se_board se_board_stm32l496g_disco = {
    .name = "stm32l496g-disco",
    .description = "32L496GDISCOVERY: STM32L496AG, MX25R6435F quad-SPI NOR on QUADSPI",
    .mcu = "STM32L496AGI6",
    .core = "Cortex-M4F",
    .flash = "MX25R6435F (8 MiB) on QUADSPI",
    .profiles = {&tz_off, NULL, NULL},
    .build = build,
};
