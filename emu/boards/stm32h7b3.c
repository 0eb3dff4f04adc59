/* The STM32H7B3 SoC as data (emu/boards/stm32h7b3.h). Bases, offsets and bits: stm32h7b3xx.h
 * (ST CMSIS device header) and RM0455 (docs/modelled.md). Policies where RM0455 was not
 * read (docs/modelled.md "Boards"): the clock tree is not computed; reset values marked
 * [uncertain] are chosen so that the HAL's read-modify-writes and polls behave; PWR_CR3 is
 * not write-once (the supply configuration lock is not modelled); OCTOSPIM's reset routing
 * is port n to OCTOSPIn with every signal enabled; the delay blocks report a valid length. */
#include "emu/boards/stm32h7b3.h"

#include "peripherals/mx25lm51245g.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RCC @ 0x58024400: CR resets with HSI on and ready, HSIDIVF and the CPU/CD clock-ready flags
 * set (0xC025) [uncertain]; each RDY follows its ON bit; CFGR.SWS [5:3] follows SW [2:0]. The
 * PLL registers reset as RM0455 lists them [uncertain]. */
static const se_soc_reg rcc_regs[] = {
    {0x000, 0x0000C025u, ~0x2A02E124u}, /* CR: RDY bits read-only */
    {0x010, 0x00000000u, ~0x00000038u}, /* CFGR: SWS read-only */
    {0x028, 0x02020200u, 0xFFFFFFFFu},  /* PLLCKSELR */
    {0x02C, 0x01FF0000u, 0xFFFFFFFFu},  /* PLLCFGR */
    {0x030, 0x01010280u, 0xFFFFFFFFu},  /* PLL1DIVR */
    {0x038, 0x01010280u, 0xFFFFFFFFu},  /* PLL2DIVR */
    {0x040, 0x01010280u, 0xFFFFFFFFu},  /* PLL3DIVR */
};
static const se_regfile_follow rcc_follow[] = {
    {0x000, 1u << 0, 0x000, 2},  /* HSION -> HSIRDY */
    {0x000, 1u << 7, 0x000, 1},  /* CSION -> CSIRDY */
    {0x000, 1u << 12, 0x000, 1}, /* HSI48ON -> HSI48RDY */
    {0x000, 1u << 16, 0x000, 1}, /* HSEON -> HSERDY */
    {0x000, 1u << 24, 0x000, 1}, /* PLL1ON -> PLL1RDY */
    {0x000, 1u << 26, 0x000, 1}, /* PLL2ON -> PLL2RDY */
    {0x000, 1u << 28, 0x000, 1}, /* PLL3ON -> PLL3RDY */
    {0x010, 7u << 0, 0x010, 3},  /* CFGR.SW -> SWS */
};

/* PWR @ 0x58024800: CSR1.ACTVOSRDY b13 and SRDCR.VOSRDY b13 read 1 (the regulator is always
 * ready), CSR1.ACTVOS [15:14] follows SRDCR.VOS [15:14]; CR3 resets with LDOEN | SMPSEN
 * [uncertain]. */
static const se_soc_reg pwr_regs[] = {
    {0x004, 0x00002000u, 0u},          /* CSR1 */
    {0x00C, 0x00000006u, 0xFFFFFFFFu}, /* CR3 */
    {0x018, 0x00002000u, 0x0000C000u}, /* SRDCR: VOS only */
};
static const se_regfile_follow pwr_follow[] = {
    {0x018, 3u << 14, 0x004, 0}, /* SRDCR.VOS -> CSR1.ACTVOS */
};

/* FLASH @ 0x52002000: ACR resets LATENCY 3, WRHIGHFREQ 1 (0x13) [uncertain]. */
static const se_soc_reg flash_regs[] = {{0x000, 0x00000013u, 0x0000003Fu}};

/* SYSCFG @ 0x58000400: CCCSR.READY b8 follows EN b0 (HAL_EnableCompensationCell waits). */
static const se_soc_reg syscfg_regs[] = {{0x020, 0x00000000u, ~0x00000100u}};
static const se_regfile_follow syscfg_follow[] = {{0x020, 1u << 0, 0x020, 8}};

/* DBGMCU @ 0x5C001000: IDCODE DEV_ID 0x480 (H7A3/B3), REV_ID 0x1000 [uncertain: revision]. */
static const se_soc_reg dbgmcu_regs[] = {{0x000, 0x10000480u, 0u}};

/* OCTOSPIM @ 0x5200B400: PCR1/PCR2 route port n to OCTOSPIn with CLK/DQS/NCS/IO enabled, as
 * on the U5 [uncertain: the DK's BSP works without a mux call]. */
static const se_soc_reg ospim_regs[] = {
    {0x004, 0x01010111u, 0xFFFFFFFFu},
    {0x008, 0x07050333u, 0xFFFFFFFFu},
};

/* FMC @ 0x52004000: registers only (no external memory behind it); BCR1 resets 0x000030DB
 * (SystemInit writes 0x000030D2 to stop the core's speculative reads of bank 1). */
static const se_soc_reg fmc_regs[] = {{0x000, 0x000030DBu, 0xFFFFFFFFu}};

/* DLYB CFGR: LNGF b31 with a length (policy). */
static const se_soc_reg dlyb_regs[] = {{0x004, 0x8F000000u, 0x00007F0Fu}};

static const se_soc_block blocks[] = {
    {"RCC", 0x58024400u, 0x180u / 4, rcc_regs, N(rcc_regs), rcc_follow, N(rcc_follow)},
    {"PWR", 0x58024800u, 0x40u / 4, pwr_regs, N(pwr_regs), pwr_follow, N(pwr_follow)},
    {"FLASH", 0x52002000u, 0x200u / 4, flash_regs, N(flash_regs), NULL, 0},
    {"SYSCFG", 0x58000400u, 0x40u / 4, syscfg_regs, N(syscfg_regs), syscfg_follow,
     N(syscfg_follow)},
    {"EXTI", 0x58000000u, 0x100u / 4, NULL, 0, NULL, 0},
    {"DBGMCU", 0x5C001000u, 0x60u / 4, dbgmcu_regs, N(dbgmcu_regs), NULL, 0},
    {"OCTOSPIM", 0x5200B400u, 0x10u / 4, ospim_regs, N(ospim_regs), NULL, 0},
    {"DLYB1", 0x52006000u, 0x8u / 4, dlyb_regs, N(dlyb_regs), NULL, 0},
    {"DLYB2", 0x5200B000u, 0x8u / 4, dlyb_regs, N(dlyb_regs), NULL, 0},
    {"FMC", 0x52004000u, 0x200u / 4, fmc_regs, N(fmc_regs), NULL, 0},
    /* AXI interconnect GPV: SystemInit of early revisions writes AXI_TARG7_FN_MOD (0x108) to
     * limit the AXI SRAM's read issuing; storage only */
    {"AXI", 0x51008000u, 0x110u / 4, NULL, 0, NULL, 0},
};

const se_soc_data se_stm32h7b3_soc = {
    .family = "STM32H7",
    .blocks = blocks,
    .nblocks = N(blocks),
    .gpio_base = 0x58020000u,
    .gpio_stride = 0x400u,
    .ngpio = 11, /* A..K */
    .ospi_base = {SE_H7_OCTOSPI1_BASE, SE_H7_OCTOSPI2_BASE},
    .ospi_name = {"OCTOSPI1", "OCTOSPI2"},
    .ospi_dcr3_more = 0x000000FFu, /* MAXTRAN [7:0] */
};

/* Both boards: the MX25LM51245G on OCTOSPI1, its kernel clock fixed (SE_H7_KERNEL_HZ). */
static void clock_changed(void *ctx, uint32_t hz)
{
    (void)hz;
    se_octospi_memctl.set_kernel_hz(ctx, SE_H7_KERNEL_HZ);
}

se_err se_h7b3_build(se_soc *soc, const se_profile *p, se_error *err)
{
    se_soc_parts *parts = se_soc_data_build(soc, &se_stm32h7b3_soc, false, err);
    if (!parts)
        return err->code;
    se_octospi *o = parts->ospi[0];
    o->kernel_hz = SE_H7_KERNEL_HZ;
    se_soc_on_clock(soc, clock_changed, o);
    se_extmem x = {
        .name = "OCTOSPI1",
        .ctl = o,
        .ops = &se_octospi_memctl,
        .ctl_base = SE_H7_OCTOSPI1_BASE,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = &se_mx25lm51245g_class,
    };
    return se_soc_add_extmem(soc, &x, err);
}
