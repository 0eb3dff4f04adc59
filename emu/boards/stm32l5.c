/* The STM32L5 SoC: its devices at their bases (docs/hardware.md C.1), and the register files
 * for the blocks a loader configures but whose function does not matter here (EXTI, SYSCFG,
 * ICACHE), with the reset values and writable bits of the ST SVD. */
#include "emu/boards/stm32l5.h"

#include <stdio.h>

#include "emu/board.h"
#include "peripherals/rcc_regs.h"
#include "peripherals/regfile.h"
#include "peripherals/spinor.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Source of every offset, reset value and write mask below: the ST SVD STM32L562.svd
 * (modm-io/cmsis-svd-stm32 @ c97f752f, stm32l5/STM32L562.svd; docs/hardware.md S6). A write
 * mask is the union of the register's writable fields. SYSCFG is 0x30 bytes in the SVD,
 * attached as the 1 KiB slot the bus maps. Not modelled: EXTI interrupts. */

/* ---- EXTI @ 0x4002F400 ----------------------------------------------------------------- */

/* STM32L562 SVD: EXTI. Configurable lines 0..16, 21, 22 in the *1 registers, 35..38 in the *2
 * registers. IMR1 resets to 0xFF9E0000 and IMR2 to 0x00000787 (the direct lines unmasked);
 * IMR2 bit 7 has no field in the SVD, so it stays 1. */
static const se_reg exti_regs[] = {
    {0x00, SE_ACC_RW, 0, 0x0061FFFFu, 0, NULL},           /* RTSR1 */
    {0x04, SE_ACC_RW, 0, 0x0061FFFFu, 0, NULL},           /* FTSR1 */
    {0x08, SE_ACC_RW, 0, 0x0061FFFFu, 0, NULL},           /* SWIER1 */
    {0x0C, SE_ACC_RW, 0, 0x0061FFFFu, 0, NULL},           /* RPR1 */
    {0x10, SE_ACC_RW, 0, 0x0061FFFFu, 0, NULL},           /* FPR1 */
    {0x14, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* SECCFGR1 */
    {0x18, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* PRIVCFGR1 */
    {0x20, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* RTSR2 */
    {0x24, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* FTSR2 */
    {0x28, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* SWIER2 */
    {0x2C, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* RPR2 */
    {0x30, SE_ACC_RW, 0, 0x00000078u, 0, NULL},           /* FPR2 */
    {0x34, SE_ACC_RW, 0, 0x000007FFu, 0, NULL},           /* PRIVCFGR2 */
    {0x38, SE_ACC_RW, 0, 0x000007FFu, 0, NULL},           /* SECCFGR2 */
    {0x60, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* EXTICR1 */
    {0x64, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* EXTICR2 */
    {0x68, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* EXTICR3 */
    {0x6C, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* EXTICR4 */
    {0x70, SE_ACC_RW, 0, 0x00000001u, 0, NULL},           /* LOCKRG */
    {0x80, SE_ACC_RW, 0xFF9E0000u, 0xFFFFFFFFu, 0, NULL}, /* IMR1 */
    {0x84, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},           /* EMR1 */
    {0x90, SE_ACC_RW, 0x00000787u, 0x0000077Fu, 0, NULL}, /* IMR2 */
    {0x94, SE_ACC_RW, 0, 0x0000077Fu, 0, NULL},           /* EMR2 */
};

/* The SVD marks the pending registers read-write; the HAL clears a pending line by writing its
 * bit (__HAL_GPIO_EXTI_CLEAR_RISING_IT: EXTI->RPR1 = line), i.e. they are write-1-to-clear. */
static const se_regfile_bits exti_w1c[] = {
    {0x0C, 0x0061FFFFu}, /* RPR1 */
    {0x10, 0x0061FFFFu}, /* FPR1 */
    {0x2C, 0x00000078u}, /* RPR2 */
    {0x30, 0x00000078u}, /* FPR2 */
};

/* ---- SYSCFG @ 0x40010000 --------------------------------------------------------------- */

/* STM32L562 SVD: SYSCFG. CFGR2 and SCSR have no register-level access in the SVD; their fields
 * are write-only (CLL, SPL, PVDL, ECCL), read-write (SPF, SRAM2ER) and read-only (SRAM2BSY,
 * never busy here). The lock bits are kept readable, and a written 0 clears them (the silicon
 * clears them only at reset). */
static const se_reg syscfg_regs[] = {
    {0x00, SE_ACC_RW, 0, 0x0000000Fu, 0, NULL},           /* SECCFGR */
    {0x04, SE_ACC_RW, 0, 0x00FF0300u, 0, NULL},           /* CFGR1: BOOSTEN, ANASWVDD, I2C FMP */
    {0x08, SE_ACC_RW, 0x0000001Fu, 0x0000003Fu, 0, NULL}, /* FPUIMR */
    {0x0C, SE_ACC_RW, 0, 0x00000003u, 0, NULL},           /* CNSLCKR */
    {0x10, SE_ACC_RW, 0, 0x00000007u, 0, NULL},           /* CSLOCKR */
    {0x14, SE_ACC_RW, 0, 0x0000010Fu, 0, NULL}, /* CFGR2: SPF b8, ECCL/PVDL/SPL/CLL b3..0 */
    {0x18, SE_ACC_RW, 0, 0x00000001u, 0, NULL}, /* SCSR: SRAM2ER b0; SRAM2BSY b1 read-only */
    {0x1C, SE_ACC_WO, 0, 0x000000FFu, 0, NULL}, /* SKR */
    {0x20, SE_ACC_WO, 0, 0xFFFFFFFFu, 0, NULL}, /* SWPR */
    {0x24, SE_ACC_WO, 0, 0xFFFFFFFFu, 0, NULL}, /* SWPR2 */
    {0x2C, SE_ACC_RW, 0, 0x000000FFu, 0, NULL}, /* RSSCMDR */
};

/* The HAL clears the SRAM2 parity error flag by writing 1 to it (__HAL_SYSCFG_CLEAR_FLAG:
 * SET_BIT(SYSCFG->CFGR2, SYSCFG_CFGR2_SPF)). */
static const se_regfile_bits syscfg_w1c[] = {
    {0x14, 0x00000100u}, /* CFGR2.SPF */
};

/* ---- ICACHE @ 0x40030400 --------------------------------------------------------------- */

/* STM32L562 SVD: ICache. Two deliberate departures, because a register file has no time in
 * which an operation could finish: SR reads 0x2 (BSYENDF: the last invalidation has ended,
 * BUSYF = 0) where the SVD's 0x1 is BUSYF during the invalidation that follows reset, so the
 * HAL's "no ongoing operation" checks and its wait for BSYENDF succeed at once (FCR does not
 * clear it); and CR's CACHEINV b1, HITMRST b18, MISSMRST b19, which the hardware clears when
 * the operation is done, are not stored (write mask 0x00030005 instead of 0x000F0007). */
static const se_reg icache_regs[] = {
    {0x00, SE_ACC_RW, 0x00000004u, 0x00030005u, 0,
     NULL},                                     /* CR: EN, WAYSEL (reset 1), HITMEN, MISSMEN */
    {0x04, SE_ACC_RO, 0x00000002u, 0, 0, NULL}, /* SR: BUSYF, BSYENDF, ERRF */
    {0x08, SE_ACC_RW, 0, 0x00000006u, 0, NULL}, /* IER: BSYENDIE, ERRIE */
    {0x0C, SE_ACC_WO, 0, 0x00000006u, 0, NULL}, /* FCR: CBSYENDF, CERRF */
    {0x10, SE_ACC_RO, 0, 0, 0, NULL},           /* HMONR */
    {0x14, SE_ACC_RO, 0, 0, 0, NULL},           /* MMONR */
    {0x20, SE_ACC_RW, 0x00000200u, 0x97FF8EFFu, 0, NULL}, /* CRR0: RSIZE reset 1 */
    {0x24, SE_ACC_RW, 0x00000200u, 0x97FF8EFFu, 0, NULL}, /* CRR1 */
    {0x28, SE_ACC_RW, 0x00000200u, 0x97FF8EFFu, 0, NULL}, /* CRR2 */
    {0x2C, SE_ACC_RW, 0x00000200u, 0x97FF8EFFu, 0, NULL}, /* CRR3 */
};

/* ---- the SoC --------------------------------------------------------------------------- */

static const se_regfile_desc exti_desc = {exti_regs, N(exti_regs), exti_w1c, N(exti_w1c), NULL, 0};
static const se_regfile_desc syscfg_desc = {syscfg_regs,   N(syscfg_regs), syscfg_w1c,
                                            N(syscfg_w1c), NULL,           0};
static const se_regfile_desc icache_desc = {icache_regs, N(icache_regs), NULL, 0, NULL, 0};

/* The DBGMCU (0xE0044000) is on the PPB, not this bus. */
static const struct {
    const char *name;
    uint32_t base;
    const se_regfile_desc *desc;
} regfiles[] = {
    {"SYSCFG", SE_L5_SYSCFG_BASE, &syscfg_desc},
    {"EXTI", SE_L5_EXTI_BASE, &exti_desc},
    {"ICACHE", SE_L5_ICACHE_BASE, &icache_desc},
};

int se_stm32l5_attach_regfiles(se_bus *bus, bool tzen, const se_periph_host *host)
{
    for (size_t i = 0; i < N(regfiles); i++) {
        if (se_bus_find(bus, regfiles[i].base))
            continue;
        se_regfile *s = se_bus_attach(bus, &se_regfile_class, regfiles[i].name, regfiles[i].base,
                                      SE_REGFILE_SIZE);
        if (!s)
            return -1;
        se_regfile_setup(s, regfiles[i].name, regfiles[i].base, regfiles[i].desc, host, tzen);
    }
    return 0;
}

int se_stm32l5_attach_system(se_bus *bus, bool tzen, const se_periph_host *host, se_stm32l5 *out)
{
    if (!(out->rcc = se_bus_attach(bus, &se_rcc_class, "RCC", SE_L5_RCC_BASE, SE_RCC_SIZE)))
        return -1;
    out->rcc->host = host;
    out->rcc->base = SE_L5_RCC_BASE;
    if (!(out->pwr = se_bus_attach(bus, &se_pwr_class, "PWR", SE_L5_PWR_BASE, SE_PWR_SIZE)))
        return -1;
    out->pwr->host = host;
    out->pwr->base = SE_L5_PWR_BASE;
    out->flash = se_bus_attach(bus, &se_flashif_class, "FLASH", SE_L5_FLASH_BASE, SE_FLASHIF_SIZE);
    if (!out->flash)
        return -1;
    out->flash->host = host;
    out->flash->base = SE_L5_FLASH_BASE;
    se_flashif_configure(out->flash, tzen);
    for (unsigned i = 0; i < SE_L5_NGPIO; i++) {
        char name[8];
        snprintf(name, sizeof name, "GPIO%c", 'A' + i);
        uint32_t base = SE_L5_GPIOA_BASE + i * SE_L5_GPIO_STRIDE;
        se_gpio *g = se_bus_attach(bus, &se_gpio_class, name, base, SE_GPIO_SIZE);
        if (!g)
            return -1;
        g->host = host;
        g->base = base;
        se_gpio_configure(g, i, tzen);
        out->gpio[i] = g;
    }
    return 0;
}

se_err se_stm32l5_build(se_soc *soc, bool tzen, se_stm32l5 *out, se_error *err)
{
    const se_periph_host *host = se_soc_host(soc);
    if (se_stm32l5_attach_system(se_soc_bus(soc), tzen, host, out) != 0)
        return se_error_set(err, SE_ERR_EMU, "cannot attach the STM32L5 system devices to the bus");
    /* TrustZone: the GTZC registers are the checks' state */
    se_err e = se_soc_attach_gtzc(soc, SE_L5_GTZC_BASE, err);
    if (e)
        return e;
    if (!(out->dma = se_soc_attach_dma(soc, SE_L5_DMA_BASE, SE_DMA_SIZE, err)))
        return err->code;
    out->ospi1 = se_soc_attach(soc, &se_octospi_class, "OCTOSPI1", SE_L5_OCTOSPI1_BASE,
                               SE_OCTOSPI_SIZE, err);
    if (!out->ospi1)
        return err->code;
    out->ospi1->host = host;
    out->ospi1->base = SE_L5_OCTOSPI1_BASE;
    out->ospi1->clock_enabled = &out->rcc->ospi1_en;
    out->ospi1->kernel_hz = out->rcc->sysclk;
    se_soc_dma_request(soc, SE_L5_DMAREQ_OCTOSPI1, &se_octospi_memctl, out->ospi1);
    if (se_stm32l5_attach_regfiles(se_soc_bus(soc), tzen, host) != 0)
        return se_error_set(err, SE_ERR_EMU, "cannot attach the STM32L5 register files to the bus");
    return SE_OK;
}

/* ---- a board: the SoC and its OCTOSPI1 flash ------------------------------------------- */

typedef struct l5_board {
    se_stm32l5 soc;
} l5_board;

/* RCC_AHB3RSTR.OSPI1RST resets OCTOSPI1 (the window follows at the bus's next check). */
static void reset_line(void *ctx, uint32_t rstr_offset, uint32_t bits)
{
    l5_board *b = ctx;
    if (rstr_offset == RCC_AHB3RSTR && (bits & SE_L5_AHB3_OSPI1))
        se_octospi_reset(b->soc.ospi1);
}

/* The OCTOSPI kernel clock: RCC_CCIPR2.OSPISEL resets to 00, taken as SYSCLK
 * (docs/hardware.md B.1, unverified). */
static void clock_changed(void *ctx, uint32_t hz)
{
    (void)hz;
    l5_board *b = ctx;
    se_octospi_memctl.set_kernel_hz(b->soc.ospi1, b->soc.rcc->sysclk);
}

se_err se_stm32l5_board_build(se_soc *soc, const se_profile *p, const se_flash_chip_class *chip,
                              se_error *err)
{
    l5_board *b = se_soc_board_data(soc, sizeof *b);
    if (!b)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    if (p->flash_chip && !(chip = se_flash_chip_find(p->flash_chip)))
        return se_error_set(err, SE_ERR_USAGE, "unknown flash chip '%s'", p->flash_chip);
    se_err e = se_stm32l5_build(soc, p->tz, &b->soc, err);
    if (e)
        return e;
    b->soc.rcc->reset_line = reset_line;
    b->soc.rcc->reset_ctx = b;
    se_soc_on_clock(soc, clock_changed, b);
    se_extmem x = {
        .name = "OCTOSPI1",
        .ctl = b->soc.ospi1,
        .ops = &se_octospi_memctl,
        .ctl_base = SE_L5_OCTOSPI1_BASE,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = chip,
    };
    return se_soc_add_extmem(soc, &x, err);
}
