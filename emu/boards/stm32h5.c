/* The STM32H5 SoC as data (emu/boards/stm32h5.h). Bases, offsets and bits: stm32h573xx.h (ST
 * CMSIS device header). Policies as for the U5 (docs/modelled.md "Other boards"): the clock
 * tree is not computed, the delay block reports a valid length, FLASH_OPTSR_CUR reads product
 * state 0xED, taken as OPEN [uncertain]. */
#include "emu/boards/stm32h5.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RCC @ 0x44020C00: CR resets with HSI on and ready, HSIDIV = 2 (0x2B); each RDY follows its
 * ON bit; CFGR1.SWS [4:3] follows SW [1:0]. */
static const se_soc_reg rcc_regs[] = {
    {0x000, 0x0000002Bu, ~0x2A022222u}, /* CR: RDY bits read-only */
    {0x01C, 0x00000000u, ~0x00000018u}, /* CFGR1: SWS read-only */
};
static const se_regfile_follow rcc_follow[] = {
    {0x000, 1u << 0, 0x000, 1},  /* HSION -> HSIRDY */
    {0x000, 1u << 8, 0x000, 1},  /* CSION -> CSIRDY */
    {0x000, 1u << 12, 0x000, 1}, /* HSI48ON -> HSI48RDY */
    {0x000, 1u << 16, 0x000, 1}, /* HSEON -> HSERDY */
    {0x000, 1u << 24, 0x000, 1}, /* PLL1ON -> PLL1RDY */
    {0x000, 1u << 26, 0x000, 1}, /* PLL2ON -> PLL2RDY */
    {0x000, 1u << 28, 0x000, 1}, /* PLL3ON -> PLL3RDY */
    {0x01C, 3u << 0, 0x01C, 3},  /* CFGR1.SW -> SWS */
};

/* PWR @ 0x44020800: VOSSR.VOSRDY b3 and ACTVOSRDY b13 read 1, ACTVOS [15:14] follows
 * VOSCR.VOS [5:4]. */
static const se_soc_reg pwr_regs[] = {
    {0x014, 0x00002008u, 0u}, /* VOSSR */
};
static const se_regfile_follow pwr_follow[] = {
    {0x010, 3u << 4, 0x014, 10}, /* VOS -> ACTVOS */
};

/* FLASH @ 0x40022000: OPTSR_CUR (0x050) PRODUCT_STATE [15:8] = 0xED. */
static const se_soc_reg flash_regs[] = {{0x050, 0x0000ED00u, 0u}};

/* DLYB CFGR: LNGF b31 with a length (policy). */
static const se_soc_reg dlyb_regs[] = {{0x004, 0x8F000000u, 0x00007F0Fu}};

static const se_soc_block blocks[] = {
    {"RCC", 0x44020C00u, 0x120u / 4, rcc_regs, N(rcc_regs), rcc_follow, N(rcc_follow)},
    {"PWR", 0x44020800u, 0x100u / 4, pwr_regs, N(pwr_regs), pwr_follow, N(pwr_follow)},
    {"FLASH", 0x40022000u, 0x100u / 4, flash_regs, N(flash_regs), NULL, 0},
    {"SBS", 0x44000400u, 0x100u / 4, NULL, 0, NULL, 0},
    {"EXTI", 0x44022000u, 0x100u / 4, NULL, 0, NULL, 0},
    {"DLYB_OCTOSPI1", 0x4600F000u, 0x8u / 4, dlyb_regs, N(dlyb_regs), NULL, 0},
};

const se_soc_data se_stm32h5_soc = {
    .family = "STM32H5",
    .blocks = blocks,
    .nblocks = N(blocks),
    .gpio_base = 0x42020000u,
    .gpio_stride = 0x400u,
    .ngpio = 9, /* A..I */
    .gtzc_base = 0,
    .ospi_base = {SE_H5_OCTOSPI1_BASE, 0},
    .ospi_name = {"OCTOSPI1", NULL},
};
