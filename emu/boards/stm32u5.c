/* The STM32U5 SoC as data (emu/boards/stm32u5.h). Bases, offsets and bits: stm32u585xx.h and
 * stm32u5a9xx.h (ST CMSIS device headers). Policies where RM0456 was not read: the clock
 * tree is not computed (the core stays at the reset clock, docs/modelled.md "Other boards"),
 * OCTOSPIM's reset routing is port n to OCTOSPIn, and the delay blocks report a valid length
 * (LNGF with LNG 0x0F00) so that a HAL calibration loop ends. */
#include "emu/boards/stm32u5.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RCC @ 0x46020C00: CR resets with MSIS and MSIK on and ready (0x35); each oscillator's RDY
 * follows its ON bit, CFGR1.SWS [3:2] follows SW [1:0]. */
static const se_soc_reg rcc_regs[] = {
    {0x000, 0x00000035u, ~0x2A02A424u}, /* CR: RDY bits read-only */
    {0x01C, 0x00000000u, ~0x0000000Cu}, /* CFGR1: SWS read-only */
};
static const se_regfile_follow rcc_follow[] = {
    {0x000, 1u << 0, 0x000, 2},  /* MSISON -> MSISRDY */
    {0x000, 1u << 4, 0x000, 1},  /* MSIKON -> MSIKRDY */
    {0x000, 1u << 8, 0x000, 2},  /* HSION -> HSIRDY */
    {0x000, 1u << 12, 0x000, 1}, /* HSI48ON -> HSI48RDY */
    {0x000, 1u << 14, 0x000, 1}, /* SHSION -> SHSIRDY */
    {0x000, 1u << 16, 0x000, 1}, /* HSEON -> HSERDY */
    {0x000, 1u << 24, 0x000, 1}, /* PLL1ON -> PLL1RDY */
    {0x000, 1u << 26, 0x000, 1}, /* PLL2ON -> PLL2RDY */
    {0x000, 1u << 28, 0x000, 1}, /* PLL3ON -> PLL3RDY */
    {0x01C, 3u << 0, 0x01C, 2},  /* CFGR1.SW -> SWS */
};

/* PWR @ 0x46020800: VOSR.VOSRDY b15 always set, BOOSTRDY b14 follows BOOSTEN b18; SVMSR
 * ACTVOSRDY b15 set, ACTVOS [17:16] follows VOSR.VOS [17:16]. */
static const se_soc_reg pwr_regs[] = {
    {0x00C, 0x00008000u, ~0x0000C000u}, /* VOSR */
    {0x03C, 0x00008000u, 0u},           /* SVMSR */
};
static const se_regfile_follow pwr_follow[] = {
    {0x00C, 1u << 18, 0x00C, -4}, /* BOOSTEN -> BOOSTRDY */
    {0x00C, 3u << 16, 0x03C, 0},  /* VOS -> ACTVOS */
};

/* ICACHE @ 0x40030400: SR reads BSYENDF (the invalidation after reset has ended), as on the
 * L5 (emu/boards/stm32l5.c). */
static const se_soc_reg icache_regs[] = {{0x004, 0x00000002u, 0u}};

/* OCTOSPIM @ 0x420C4000: PCR1/PCR2 route port n to OCTOSPIn, CLK/DQS/NCS/IO enabled
 * [uncertain: reset routing not read in RM0456]. */
static const se_soc_reg ospim_regs[] = {
    {0x004, 0x01010111u, 0xFFFFFFFFu},
    {0x008, 0x07050333u, 0xFFFFFFFFu},
};

/* DLYB CFGR: LNGF b31 with a length (policy, see above). */
static const se_soc_reg dlyb_regs[] = {{0x004, 0x8F000000u, 0x00007F0Fu}};

static const se_soc_block blocks[] = {
    {"RCC", 0x46020C00u, 0x120u / 4, rcc_regs, N(rcc_regs), rcc_follow, N(rcc_follow)},
    {"PWR", 0x46020800u, 0x100u / 4, pwr_regs, N(pwr_regs), pwr_follow, N(pwr_follow)},
    {"FLASH", 0x40022000u, 0x100u / 4, NULL, 0, NULL, 0},
    {"SYSCFG", 0x46000400u, 0x40u / 4, NULL, 0, NULL, 0},
    {"EXTI", 0x46022000u, 0x100u / 4, NULL, 0, NULL, 0},
    {"ICACHE", 0x40030400u, 0x30u / 4, icache_regs, N(icache_regs), NULL, 0},
    {"OCTOSPIM", 0x420C4000u, 0x10u / 4, ospim_regs, N(ospim_regs), NULL, 0},
    {"DLYB1", 0x420CF000u, 0x8u / 4, dlyb_regs, N(dlyb_regs), NULL, 0},
    {"DLYB2", 0x420CF400u, 0x8u / 4, dlyb_regs, N(dlyb_regs), NULL, 0},
};

const se_soc_data se_stm32u5_soc = {
    .family = "STM32U5",
    .blocks = blocks,
    .nblocks = N(blocks),
    .gpio_base = 0x42020000u,
    .gpio_stride = 0x400u,
    .ngpio = 9, /* A..I */
    .gtzc_base = 0x40032400u,
    .ospi_base = {SE_U5_OCTOSPI1_BASE, SE_U5_OCTOSPI2_BASE},
    .ospi_name = {"OCTOSPI1", "OCTOSPI2"},
};
