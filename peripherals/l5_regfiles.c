/* The STM32L562 peripherals that are register files: GTZC (TZSC, TZIC, MPCBB1/2), EXTI, SYSCFG
 * and ICACHE, with the reset values and writable bits of the ST SVD (DMA1/2 and DMAMUX1 are a
 * model of their own, peripherals/dma.c). Not modelled: EXTI interrupts. */
#include <stddef.h>

#include "regfile.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Source of every offset, reset value and write mask below: the ST SVD STM32L562.svd
 * (modm-io/cmsis-svd-stm32 @ c97f752f, stm32l5/STM32L562.svd; docs/hardware.md S6). A write mask is
 * the union of the register's writable fields. Every block is 1 KiB in the SVD except SYSCFG
 * (0x30, attached as the 1 KiB slot the bus maps). */

/* ---- GTZC_TZSC @ 0x40032400 ------------------------------------------------------------ */

/* STM32L562 SVD: GTZC_TZSC, all resets 0 (docs/hardware.md C.5 agrees). */
static const se_l5_reg tzsc_regs[] = {
    {0x00, SE_L5_RW, 0, 0x00000001u}, /* CR: LCK */
    {0x10, SE_L5_RW, 0, 0xFFFFFFFFu}, /* SECCFGR1 */
    {0x14, SE_L5_RW, 0, 0x0007FFFFu}, /* SECCFGR2: TIM8SEC .. OCTOSPI1_REGSEC */
    {0x20, SE_L5_RW, 0, 0xFFFFFFFFu}, /* PRIVCFGR1 */
    {0x24, SE_L5_RW, 0, 0x0007FFFFu}, /* PRIVCFGR2 */
    {0x30, SE_L5_RW, 0, 0x0FFF07FFu}, /* MPCWM1_NSWMR1: STRT[10:0], LGTH[27:16] */
    {0x34, SE_L5_RW, 0, 0x0FFF07FFu}, /* MPCWM1_NSWMR2 */
    {0x38, SE_L5_RW, 0, 0x0FFF07FFu}, /* MPCWM2_NSWMR1 */
    {0x3C, SE_L5_RW, 0, 0x0FFF07FFu}, /* MPCWM2_NSWMR2 */
    {0x40, SE_L5_RW, 0, 0x0FFF07FFu}, /* MPCWM3_NSWMR1 */
};

/* ---- GTZC_TZIC @ 0x40032800 ------------------------------------------------------------ */

/* STM32L562 SVD: GTZC_TZIC, all resets 0. The SVD marks SR1 read-only and FCR1 write-only but
 * SR2/SR3/FCR2/FCR3 read-write; all SRx are taken as status (read-only) and all FCRx as clear
 * (write-only), as docs/hardware.md C.5 describes them. No flag is ever set, so FCR has no
 * effect. */
static const se_l5_reg tzic_regs[] = {
    {0x00, SE_L5_RW, 0, 0xFFFFFFFFu}, /* IER1 */
    {0x04, SE_L5_RW, 0, 0x3FFFFFFFu}, /* IER2: TIM8IE .. OTFDEC1IE */
    {0x08, SE_L5_RW, 0, 0x000000FFu}, /* IER3: TZSCIE .. MPCBB2_REGIE */
    {0x10, SE_L5_RO, 0, 0},           /* SR1 */
    {0x14, SE_L5_RO, 0, 0},           /* SR2 */
    {0x18, SE_L5_RO, 0, 0},           /* SR3 */
    {0x20, SE_L5_WO, 0, 0xFFFFFFFFu}, /* FCR1 */
    {0x24, SE_L5_WO, 0, 0x3FFFFFFFu}, /* FCR2 */
    {0x28, SE_L5_WO, 0, 0x000000FFu}, /* FCR3 */
};

/* ---- GTZC_MPCBB1 @ 0x40032C00, GTZC_MPCBB2 @ 0x40033000 --------------------------------- */

/* STM32L562 SVD: both MPCBBs have the same map in a 1 KiB block: CR, LCKVTR1/2 and 64 VCTRs
 * (0x100..0x1FC) with reset 0xFFFFFFFF. The silicon uses VCTR0..23 (SRAM1, 192 KB / 256 B
 * blocks) and VCTR0..7 (SRAM2) (docs/hardware.md C.5); the SVD's 64 are kept. */
#define VCTR(n) {(uint16_t)(0x100u + 4u * (n)), SE_L5_RW, 0xFFFFFFFFu, 0xFFFFFFFFu}
#define VCTR8(n)                                                                                \
    VCTR(n), VCTR((n) + 1), VCTR((n) + 2), VCTR((n) + 3), VCTR((n) + 4), VCTR((n) + 5),          \
        VCTR((n) + 6), VCTR((n) + 7)
static const se_l5_reg mpcbb_regs[] = {
    {0x00, SE_L5_RW, 0, 0xC0000001u}, /* CR: SRWILADIS b31, INVSECSTATE b30, LCK b0 */
    {0x10, SE_L5_RW, 0, 0xFFFFFFFFu}, /* LCKVTR1 */
    {0x14, SE_L5_RW, 0, 0xFFFFFFFFu}, /* LCKVTR2 */
    VCTR8(0),  VCTR8(8),  VCTR8(16), VCTR8(24),
    VCTR8(32), VCTR8(40), VCTR8(48), VCTR8(56),
};

/* docs/hardware.md C.6: with TZEN=1 every SRAM block is secure after reset (VCTR = 0xFFFFFFFF).
 * The SVD's reset value is the same, so the two settings agree today; this keeps C.6 true if
 * the TZEN=0 value is ever changed (docs/hardware.md C.5 has "TZEN=0: VCTR reset 0" unverified). */
#define VCTR_TZ(n) {(uint16_t)(0x100u + 4u * (n)), 0xFFFFFFFFu}
#define VCTR_TZ8(n)                                                                             \
    VCTR_TZ(n), VCTR_TZ((n) + 1), VCTR_TZ((n) + 2), VCTR_TZ((n) + 3), VCTR_TZ((n) + 4),          \
        VCTR_TZ((n) + 5), VCTR_TZ((n) + 6), VCTR_TZ((n) + 7)
static const se_regfile_bits mpcbb_tzen[] = {
    VCTR_TZ8(0),  VCTR_TZ8(8),  VCTR_TZ8(16), VCTR_TZ8(24),
    VCTR_TZ8(32), VCTR_TZ8(40), VCTR_TZ8(48), VCTR_TZ8(56),
};

/* ---- EXTI @ 0x4002F400 ----------------------------------------------------------------- */

/* STM32L562 SVD: EXTI. Configurable lines 0..16, 21, 22 in the *1 registers, 35..38 in the *2
 * registers. IMR1 resets to 0xFF9E0000 and IMR2 to 0x00000787 (the direct lines unmasked);
 * IMR2 bit 7 has no field in the SVD, so it stays 1. */
static const se_l5_reg exti_regs[] = {
    {0x00, SE_L5_RW, 0, 0x0061FFFFu},           /* RTSR1 */
    {0x04, SE_L5_RW, 0, 0x0061FFFFu},           /* FTSR1 */
    {0x08, SE_L5_RW, 0, 0x0061FFFFu},           /* SWIER1 */
    {0x0C, SE_L5_RW, 0, 0x0061FFFFu},           /* RPR1 */
    {0x10, SE_L5_RW, 0, 0x0061FFFFu},           /* FPR1 */
    {0x14, SE_L5_RW, 0, 0xFFFFFFFFu},           /* SECCFGR1 */
    {0x18, SE_L5_RW, 0, 0xFFFFFFFFu},           /* PRIVCFGR1 */
    {0x20, SE_L5_RW, 0, 0x00000078u},           /* RTSR2 */
    {0x24, SE_L5_RW, 0, 0x00000078u},           /* FTSR2 */
    {0x28, SE_L5_RW, 0, 0x00000078u},           /* SWIER2 */
    {0x2C, SE_L5_RW, 0, 0x00000078u},           /* RPR2 */
    {0x30, SE_L5_RW, 0, 0x00000078u},           /* FPR2 */
    {0x34, SE_L5_RW, 0, 0x000007FFu},           /* PRIVCFGR2 */
    {0x38, SE_L5_RW, 0, 0x000007FFu},           /* SECCFGR2 */
    {0x60, SE_L5_RW, 0, 0xFFFFFFFFu},           /* EXTICR1 */
    {0x64, SE_L5_RW, 0, 0xFFFFFFFFu},           /* EXTICR2 */
    {0x68, SE_L5_RW, 0, 0xFFFFFFFFu},           /* EXTICR3 */
    {0x6C, SE_L5_RW, 0, 0xFFFFFFFFu},           /* EXTICR4 */
    {0x70, SE_L5_RW, 0, 0x00000001u},           /* LOCKRG */
    {0x80, SE_L5_RW, 0xFF9E0000u, 0xFFFFFFFFu}, /* IMR1 */
    {0x84, SE_L5_RW, 0, 0xFFFFFFFFu},           /* EMR1 */
    {0x90, SE_L5_RW, 0x00000787u, 0x0000077Fu}, /* IMR2 */
    {0x94, SE_L5_RW, 0, 0x0000077Fu},           /* EMR2 */
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
static const se_l5_reg syscfg_regs[] = {
    {0x00, SE_L5_RW, 0, 0x0000000Fu},           /* SECCFGR */
    {0x04, SE_L5_RW, 0, 0x00FF0300u},           /* CFGR1: BOOSTEN, ANASWVDD, I2C FMP */
    {0x08, SE_L5_RW, 0x0000001Fu, 0x0000003Fu}, /* FPUIMR */
    {0x0C, SE_L5_RW, 0, 0x00000003u},           /* CNSLCKR */
    {0x10, SE_L5_RW, 0, 0x00000007u},           /* CSLOCKR */
    {0x14, SE_L5_RW, 0, 0x0000010Fu},           /* CFGR2: SPF b8, ECCL/PVDL/SPL/CLL b3..0 */
    {0x18, SE_L5_RW, 0, 0x00000001u},           /* SCSR: SRAM2ER b0; SRAM2BSY b1 read-only */
    {0x1C, SE_L5_WO, 0, 0x000000FFu},           /* SKR */
    {0x20, SE_L5_WO, 0, 0xFFFFFFFFu},           /* SWPR */
    {0x24, SE_L5_WO, 0, 0xFFFFFFFFu},           /* SWPR2 */
    {0x2C, SE_L5_RW, 0, 0x000000FFu},           /* RSSCMDR */
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
static const se_l5_reg icache_regs[] = {
    {0x00, SE_L5_RW, 0x00000004u, 0x00030005u}, /* CR: EN, WAYSEL (reset 1), HITMEN, MISSMEN */
    {0x04, SE_L5_RO, 0x00000002u, 0},           /* SR: BUSYF, BSYENDF, ERRF */
    {0x08, SE_L5_RW, 0, 0x00000006u},           /* IER: BSYENDIE, ERRIE */
    {0x0C, SE_L5_WO, 0, 0x00000006u},           /* FCR: CBSYENDF, CERRF */
    {0x10, SE_L5_RO, 0, 0},                     /* HMONR */
    {0x14, SE_L5_RO, 0, 0},                     /* MMONR */
    {0x20, SE_L5_RW, 0x00000200u, 0x97FF8EFFu}, /* CRR0: RSIZE reset 1 */
    {0x24, SE_L5_RW, 0x00000200u, 0x97FF8EFFu}, /* CRR1 */
    {0x28, SE_L5_RW, 0x00000200u, 0x97FF8EFFu}, /* CRR2 */
    {0x2C, SE_L5_RW, 0x00000200u, 0x97FF8EFFu}, /* CRR3 */
};

/* ---- the list ---------------------------------------------------------------------------- */

static const se_regfile_desc tzsc_desc = {tzsc_regs, N(tzsc_regs), NULL, 0, NULL, 0};
static const se_regfile_desc tzic_desc = {tzic_regs, N(tzic_regs), NULL, 0, NULL, 0};
static const se_regfile_desc mpcbb_desc = {mpcbb_regs, N(mpcbb_regs), NULL, 0,
                                           mpcbb_tzen, N(mpcbb_tzen)};
static const se_regfile_desc exti_desc = {exti_regs, N(exti_regs), exti_w1c, N(exti_w1c),
                                          NULL, 0};
static const se_regfile_desc syscfg_desc = {syscfg_regs, N(syscfg_regs), syscfg_w1c,
                                            N(syscfg_w1c), NULL, 0};
static const se_regfile_desc icache_desc = {icache_regs, N(icache_regs), NULL, 0, NULL, 0};

/* Non-secure bases, STM32L562 SVD baseAddress (the same as docs/hardware.md C.1). The DBGMCU
 * (0xE0044000) is on the PPB, not this bus. */
static const struct {
    const char *name;
    uint32_t base;
    const se_regfile_desc *desc;
} l5_files[] = {
    {"SYSCFG", 0x40010000u, &syscfg_desc},
    {"EXTI", 0x4002F400u, &exti_desc},
    {"ICACHE", 0x40030400u, &icache_desc},
    {"GTZC_TZSC", 0x40032400u, &tzsc_desc},
    {"GTZC_TZIC", 0x40032800u, &tzic_desc},
    {"GTZC_MPCBB1", 0x40032C00u, &mpcbb_desc},
    {"GTZC_MPCBB2", 0x40033000u, &mpcbb_desc},
};

int se_regfile_attach_l5(se_bus *bus, bool tzen, const se_periph_host *host)
{
    for (size_t i = 0; i < N(l5_files); i++) {
        if (se_bus_find(bus, l5_files[i].base))
            continue;
        se_regfile *s = se_bus_attach(bus, &se_regfile_class, l5_files[i].name, l5_files[i].base,
                                      SE_REGFILE_SIZE);
        if (!s)
            return -1;
        se_regfile_setup(s, l5_files[i].name, l5_files[i].base, l5_files[i].desc, host, tzen);
    }
    return 0;
}
