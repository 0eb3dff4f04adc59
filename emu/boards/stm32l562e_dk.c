/* STM32L562E-DK: an STM32L562QE (Cortex-M33, 512 KB flash, 256 KB SRAM, TrustZone) with a
 * Macronix MX25LM51245G (64 MiB octal NOR) on OCTOSPI1 (docs/hardware.md A, B.1, C.1). Host
 * facts: docs/protocol.md 2.1, 2.2 (breakpoint at 0x20000000, or 0x20018000 with TrustZone),
 * 2.8 (0x1000 bytes seen to work once with TrustZone on: a warning on the TZEN=1 profiles,
 * never a limit; the limit is the RAM window). */
#include "emu/board.h"
#include "emu/boards/stm32l5.h"
#include "peripherals/mx25lm51245g.h"

extern const se_board se_board_stm32l562e_dk;

#define L562_COMMON                                                                               \
    .target = "stm32l562e-dk", .board = &se_board_stm32l562e_dk, .sram = {0x20000000u, 0x40000u}, \
    .sram_alias = 0x30000000u, .iflash = {0x08000000u, 0x80000u}, .iflash_alias = 0x0C000000u,    \
    .periph = {0x40000000u, 0x10000000u}, .periph_alias = 0x50000000u,                            \
    .ext_window = {SE_L5_OCTOSPI1_WINDOW, 0x10000000u}, .ram_end = 0x20040000u,                   \
    .download_limit = 0 /* the RAM window */, .stack_gap = 0x400u,                                \
    .reset_core_hz = 4000000u /* MSI range 6 after reset (RCC_CR reset 0x63) */

/* ST's template partition (docs/hardware.md C.2; emu/tz.c se_tz_st_template_sau). */
#define L562_TEMPLATE_TZ                                                                      \
    .nsau = 6, .sau = {{0x0C03E000u, 0x0C03FFFFu, true},  {0x08040000u, 0x0807FFFFu, false},  \
                       {0x20018000u, 0x2003FFFFu, false}, {0x40000000u, 0x4FFFFFFFu, false},  \
                       {0x60000000u, 0x9FFFFFFFu, false}, {0x0BF90000u, 0x0BFA8FFFu, false}}, \
    .nmpcbb_ns = 1, .mpcbb_ns = {{0x20018000u, 0x20040000u}}, .nmpcwm_ns = 1,                 \
    .mpcwm_ns = {{0x90000000u, 0x94000000u}}

static const se_profile tz_off = {
    L562_COMMON,
    .description = "STM32L562E-DK, TZEN=0: loader at 0x20000004, BKPT at 0x20000000",
    .tz = false,
    .bkpt_addr = 0x20000000u,
    .load_base = 0x20000004u,
    .vtor = 0x08000000u, /* boot address of a TZEN=0 application */
    .secure = false,
};

/* TZEN=1 as ST's template TrustZone application leaves it (docs/hardware.md C.2, C.5): SAU
 * regions 0..5 of partition_stm32l562xx.h, SRAM1 blocks 0..383 secure, the rest of SRAM
 * non-secure; the loader runs Non-secure in the NS SRAM at 0x20018004 (why TZ loaders are
 * linked there). Unverified (docs/protocol.md 2.8): the state the host starts the loader in;
 * this profile says Non-secure. The application is taken to have opened an MPCWM1 window over
 * the board's 64 MiB OCTOSPI flash, without which no non-secure loader can verify through the
 * memory-mapped window (C.5). */
static const se_profile tz_on = {
    L562_COMMON,
    .description = "STM32L562E-DK, TZEN=1, ST template partition: loader Non-secure at "
                   "0x20018004, BKPT at 0x20018000",
    .tz = true,
    .bkpt_addr = 0x20018000u,
    .load_base = 0x20018004u,
    .vtor = 0x08040000u, /* the non-secure application in flash bank 2 (SAU region 1) */
    .secure = false,
    .observed_limit = 0x1000u, /* docs/protocol.md 2.8 */
    L562_TEMPLATE_TZ,
};

static const se_profile tz_secure = {
    L562_COMMON,
    .description = "STM32L562E-DK, TZEN=1 reset state: loader Secure at 0x20018004, "
                   "BKPT at 0x20018000, SAU off (everything Secure)",
    .tz = true, .bkpt_addr = 0x20018000u, .load_base = 0x20018004u,
    /* Uncertain (docs/hardware.md C.6): the secure boot address default is expected to be
     * 0x0C000000; we assume the application left VTOR there. */
    .vtor = 0x0C000000u, .secure = true, /* the core's reset state with TZEN=1 */
    .observed_limit = 0x1000u,           /* docs/protocol.md 2.8 */
};

static se_err build(se_soc *soc, const se_profile *p, se_error *err)
{
    return se_stm32l5_board_build(soc, p, &se_mx25lm51245g_class, err);
}

const se_board se_board_stm32l562e_dk = {
    .name = "stm32l562e-dk",
    .description = "STM32L562E-DK discovery kit: STM32L562QE, MX25LM51245G octal flash on OCTOSPI1",
    .mcu = "STM32L562QEI6Q",
    .core = "Cortex-M33",
    .flash = "MX25LM51245G (64 MiB) on OCTOSPI1",
    .profiles = {&tz_off, &tz_on, &tz_secure},
    .build = build,
};
