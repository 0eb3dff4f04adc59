/* STM32U5A9J-DK: an STM32U5A9NJ (Cortex-M33, 4 MB flash, 2.5 MB SRAM, TrustZone) with a
 * Macronix MX25UM51245G (the 1.8 V MX25LM51245G) on OCTOSPI1, window 0x90000000 (ST's BSP
 * for the board). ST ships no loader for it; community ones are linked at 0x20000004. */
#include "emu/board.h"
#include "emu/boards/stm32u5.h"
#include "peripherals/mx25lm51245g.h"

extern const se_board se_board_stm32u5a9j_dk;

/* Policy: the OCTOSPI kernel clock is 160 MHz, as on the U585 loader (no ST loader exists
 * for this board to say otherwise). */
#define U5A9_KERNEL_HZ 160000000u

#define U5A9_COMMON                                                                                \
    .target = "stm32u5a9j-dk", .board = &se_board_stm32u5a9j_dk, .sram = {0x20000000u, 0x270000u}, \
    .sram_alias = 0x30000000u, .iflash = {0x08000000u, 0x400000u}, .iflash_alias = 0x0C000000u,    \
    .periph = {0x40000000u, 0x10000000u}, .periph_alias = 0x50000000u,                             \
    .ext_window = {SE_U5_OCTOSPI1_WINDOW, 0x10000000u}, .download_limit = 0, .stack_gap = 0x400u,  \
    .reset_core_hz = SE_U5_RESET_HZ

/* As on the U585 (stm32u585i_iot02a.c), with the U5A9's SRAM3 (0x200D0000..0x2019FFFF) NS
 * [policy, as there]. */
#define U5A9_TEMPLATE_TZ                                                                      \
    .nsau = 6, .sau = {{0x0C1FE000u, 0x0C1FFFFFu, true},  {0x08200000u, 0x083FFFFFu, false},  \
                       {0x200D0000u, 0x2019FFFFu, false}, {0x40000000u, 0x4FFFFFFFu, false},  \
                       {0x60000000u, 0x9FFFFFFFu, false}, {0x0BF90000u, 0x0BFA8FFFu, false}}, \
    .nmpcbb_ns = 0, .nmpcwm_ns = 1, .mpcwm_ns = {{0x90000000u, 0x94000000u}}

static const se_profile tz_off = {
    U5A9_COMMON,
    .description = "STM32U5A9J-DK, TZEN=0: loader at 0x20000004, BKPT at 0x20000000",
    .tz = false,
    .bkpt_addr = 0x20000000u,
    .load_base = 0x20000004u,
    .ram_end = 0x200C0000u,
    .vtor = 0x08000000u,
    .secure = false,
};

static const se_profile tz_on = {
    U5A9_COMMON,
    .description = "STM32U5A9J-DK, TZEN=1, template-like partition: loader Non-secure at "
                   "0x200D0004 (SRAM3), BKPT at 0x200D0000",
    .tz = true,
    .bkpt_addr = 0x200D0000u,
    .load_base = 0x200D0004u,
    .ram_end = 0x201A0000u,
    .vtor = 0x08200000u,
    .secure = false,
    U5A9_TEMPLATE_TZ,
};

static const se_profile tz_secure = {
    U5A9_COMMON,
    .description = "STM32U5A9J-DK, TZEN=1 reset state: loader Secure at 0x200D0004, BKPT at "
                   "0x200D0000, SAU off (everything Secure)",
    .tz = true,
    .bkpt_addr = 0x200D0000u,
    .load_base = 0x200D0004u,
    .ram_end = 0x201A0000u,
    .vtor = 0x0C000000u,
    .secure = true,
};

static void clock_changed(void *ctx, uint32_t hz)
{
    (void)hz;
    se_octospi_memctl.set_kernel_hz(ctx, U5A9_KERNEL_HZ);
}

static se_err build(se_soc *soc, const se_profile *p, se_error *err)
{
    se_soc_parts *parts = se_soc_data_build(soc, &se_stm32u5_soc, p->tz, err);
    if (!parts)
        return err->code;
    se_octospi *o = parts->ospi[0];
    o->kernel_hz = U5A9_KERNEL_HZ;
    se_soc_on_clock(soc, clock_changed, o);
    se_extmem x = {
        .name = "OCTOSPI1",
        .ctl = o,
        .ops = &se_octospi_memctl,
        .ctl_base = SE_U5_OCTOSPI1_BASE,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = &se_mx25um51245g_class,
    };
    return se_soc_add_extmem(soc, &x, err);
}

const se_board se_board_stm32u5a9j_dk = {
    .name = "stm32u5a9j-dk",
    .description = "STM32U5A9J-DK discovery kit: STM32U5A9NJ, MX25UM51245G octal flash on "
                   "OCTOSPI1",
    .mcu = "STM32U5A9NJH6Q",
    .core = "Cortex-M33",
    .flash = "MX25UM51245G (64 MiB) on OCTOSPI1",
    .profiles = {&tz_off, &tz_on, &tz_secure},
    .build = build,
};
