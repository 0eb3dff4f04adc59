/* STM32H573I-DK: an STM32H573II (Cortex-M33, 2 MB flash, 640 KB SRAM) with a Macronix
 * MX25LM51245G on OCTOSPI1, window 0x90000000. ST's public loader source links at
 * 0x20000004 while the loader shipped with CubeProgrammer 2.14 is linked at 0x20003004
 * (BKPT at 0x20003000): the host's base follows the ELF's link address (profile
 * base_follows_link). TrustZone stays off (TZEN=0, as ST's loaders are run). */
#include "emu/board.h"
#include "emu/boards/stm32h5.h"
#include "peripherals/mx25lm51245g.h"

extern const se_board se_board_stm32h573i_dk;

/* Policy: the OCTOSPI kernel clock is the 250 MHz SYSCLK ST's loader sets. */
#define H573_KERNEL_HZ 250000000u

static const se_profile tz_off = {
    .target = "stm32h573i-dk",
    .board = &se_board_stm32h573i_dk,
    .description = "STM32H573I-DK, TZEN=0: loader at its link address (0x20000004 or "
                   "0x20003004), BKPT just below it",
    .tz = false,
    .sram = {0x20000000u, 0xA0000u},
    .sram_alias = 0x30000000u,
    .iflash = {0x08000000u, 0x200000u},
    .iflash_alias = 0x0C000000u,
    .periph = {0x40000000u, 0x10000000u},
    .periph_alias = 0x50000000u,
    .ext_window = {SE_H5_OCTOSPI1_WINDOW, 0x10000000u},
    .bkpt_addr = 0x20000000u,
    .load_base = 0x20000004u,
    .ram_end = 0x20040000u,
    .download_limit = 0,
    .stack_gap = 0x400u,
    .reset_core_hz = SE_H5_RESET_HZ,
    .vtor = 0x08000000u,
    .secure = false,
    .base_follows_link = true,
};

static void clock_changed(void *ctx, uint32_t hz)
{
    (void)hz;
    se_octospi_memctl.set_kernel_hz(ctx, H573_KERNEL_HZ);
}

static se_err build(se_soc *soc, const se_profile *p, se_error *err)
{
    se_soc_parts *parts = se_soc_data_build(soc, &se_stm32h5_soc, p->tz, err);
    if (!parts)
        return err->code;
    se_octospi *o = parts->ospi[0];
    o->kernel_hz = H573_KERNEL_HZ;
    se_soc_on_clock(soc, clock_changed, o);
    se_extmem x = {
        .name = "OCTOSPI1",
        .ctl = o,
        .ops = &se_octospi_memctl,
        .ctl_base = SE_H5_OCTOSPI1_BASE,
        .window_base = p->ext_window.base,
        .window_size = p->ext_window.size,
        .chip = &se_mx25lm51245g_class,
    };
    return se_soc_add_extmem(soc, &x, err);
}

const se_board se_board_stm32h573i_dk = {
    .name = "stm32h573i-dk",
    .description = "STM32H573I-DK discovery kit: STM32H573II, MX25LM51245G octal flash on "
                   "OCTOSPI1",
    .mcu = "STM32H573IIK3Q",
    .core = "Cortex-M33",
    .flash = "MX25LM51245G (64 MiB) on OCTOSPI1",
    .profiles = {&tz_off, NULL, NULL},
    .build = build,
};
