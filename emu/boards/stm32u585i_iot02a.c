/* B-U585I-IOT02A: an STM32U585AI (Cortex-M33, 2 MB flash, 768 KB SRAM, TrustZone) with a
 * Macronix MX25LM51245G on OCTOSPI2, window 0x70000000 (ST's loader for the board: StorageInfo
 * at 0x70000000, RAM 0x20000004..0x2003FFFF). The SoC is data (emu/boards/stm32u5.c). */
#include "emu/board.h"
#include "emu/boards/stm32u5.h"
#include "peripherals/mx25lm51245g.h"

extern const se_board se_board_stm32u585i_iot02a;

/* Policy: the OCTOSPI kernel clock is SYSCLK as ST's loader sets it, 160 MHz (the RCC model
 * does not compute clocks); the core runs at the reset clock. */
#define U585_KERNEL_HZ 160000000u

#define U585_COMMON                                                                               \
    .target = "stm32u585i-iot02a", .board = &se_board_stm32u585i_iot02a,                          \
    .sram = {0x20000000u, 0xC0000u}, .sram_alias = 0x30000000u,                                   \
    .iflash = {0x08000000u, 0x200000u}, .iflash_alias = 0x0C000000u,                              \
    .periph = {0x40000000u, 0x10000000u}, .periph_alias = 0x50000000u,                            \
    .ext_window = {SE_U5_OCTOSPI2_WINDOW, 0x10000000u}, .download_limit = 0, .stack_gap = 0x400u, \
    .reset_core_hz = SE_U5_RESET_HZ

/* The U585 partition template's regions 0..5 (partition_stm32u585xx.h; the template ships
 * them disabled, an application enables them): NSC veneers, flash bank 2, SRAM3, the
 * peripherals, the external memories, the system memory NS. The loader runs Non-secure in
 * SRAM3 [policy: no loader was seen under TZEN=1 on this board]. */
#define U585_TEMPLATE_TZ                                                                      \
    .nsau = 6, .sau = {{0x0C0FE000u, 0x0C0FFFFFu, true},  {0x08100000u, 0x081FFFFFu, false},  \
                       {0x20040000u, 0x200BFFFFu, false}, {0x40000000u, 0x4FFFFFFFu, false},  \
                       {0x60000000u, 0x9FFFFFFFu, false}, {0x0BF90000u, 0x0BFA8FFFu, false}}, \
    .nmpcbb_ns = 0

static const se_profile tz_off = {
    U585_COMMON,
    .description = "B-U585I-IOT02A, TZEN=0: loader at 0x20000004, BKPT at 0x20000000",
    .tz = false,
    .bkpt_addr = 0x20000000u,
    .load_base = 0x20000004u,
    .ram_end = 0x20040000u,
    .vtor = 0x08000000u,
    .secure = false,
};

static const se_profile tz_on = {
    U585_COMMON,
    .description = "B-U585I-IOT02A, TZEN=1, ST template partition: loader Non-secure at "
                   "0x20040004 (SRAM3), BKPT at 0x20040000",
    .tz = true,
    .bkpt_addr = 0x20040000u,
    .load_base = 0x20040004u,
    .ram_end = 0x200C0000u,
    .vtor = 0x08100000u,
    .secure = false,
    U585_TEMPLATE_TZ,
};

static const se_profile tz_secure = {
    U585_COMMON,
    .description = "B-U585I-IOT02A, TZEN=1 reset state: loader Secure at 0x20040004, BKPT at "
                   "0x20040000, SAU off (everything Secure)",
    .tz = true,
    .bkpt_addr = 0x20040000u,
    .load_base = 0x20040004u,
    .ram_end = 0x200C0000u,
    .vtor = 0x0C000000u,
    .secure = true,
};

static void clock_changed(void *ctx, uint32_t hz)
{
    (void)hz;
    se_octospi_memctl.set_kernel_hz(ctx, U585_KERNEL_HZ);
}

static se_err build(se_soc *soc, const se_profile *p, se_error *err)
{
    se_soc_parts *parts = se_soc_data_build(soc, &se_stm32u5_soc, p->tz, err);
    if (!parts)
        return err->code;
    se_octospi *o = parts->ospi[1];
    o->kernel_hz = U585_KERNEL_HZ;
    se_soc_on_clock(soc, clock_changed, o);
    se_extmem x = {
        .name = "OCTOSPI2",
        .ctl = o,
        .ops = &se_octospi_memctl,
        .ctl_base = SE_U5_OCTOSPI2_BASE,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = &se_mx25lm51245g_class,
    };
    return se_soc_add_extmem(soc, &x, err);
}

const se_board se_board_stm32u585i_iot02a = {
    .name = "stm32u585i-iot02a",
    .description = "B-U585I-IOT02A discovery kit: STM32U585AI, MX25LM51245G octal flash on "
                   "OCTOSPI2",
    .mcu = "STM32U585AII6Q",
    .core = "Cortex-M33",
    .flash = "MX25LM51245G (64 MiB) on OCTOSPI2",
    .profiles = {&tz_off, &tz_on, &tz_secure},
    .build = build,
};
