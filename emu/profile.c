#include "profile.h"

#include <string.h>

/* STM32L562E-DK (STM32L562QE: 512 KB flash, 256 KB SRAM). Memory map: RM0438 via
 * hardware.md C.1. Host facts: protocol.md 2.1, 2.2 and the field report (breakpoint at
 * 0x20000000 / 0x20018000, image limit 0x1000 observed on this part). */
#define L562_COMMON                                                                   \
    .target = "stm32l562e-dk",                                                        \
    .sram = {0x20000000u, 0x40000u}, .sram_alias = 0x30000000u,                       \
    .iflash = {0x08000000u, 0x80000u}, .iflash_alias = 0x0C000000u,                   \
    .periph = {0x40000000u, 0x10000000u}, .periph_alias = 0x50000000u,                \
    .ext_window = {0x90000000u, 0x10000000u},                                         \
    .ram_end = 0x20040000u, .download_limit = 0x1000u, .stack_gap = 0x400u,           \
    .reset_core_hz = 4000000u /* MSI range 6 after reset (RCC_CR reset 0x63) */

static const se_profile profiles[] = {
    {
        L562_COMMON,
        .description = "STM32L562E-DK, TZEN=0: loader at 0x20000004, BKPT at 0x20000000",
        .tz = false,
        .bkpt_addr = 0x20000000u,
        .load_base = 0x20000004u,
        .vtor = 0x08000000u, /* boot address of a TZEN=0 application */
        .secure = false,
    },
    {
        L562_COMMON,
        .description = "STM32L562E-DK, TZEN=1: loader at 0x20018004, BKPT at 0x20018000",
        .tz = true,
        .bkpt_addr = 0x20018000u,
        .load_base = 0x20018004u,
        /* Uncertain (hardware.md C.6): the secure boot address default is expected to be
         * 0x0C000000; we assume the application left VTOR there. */
        .vtor = 0x0C000000u,
        /* Uncertain (protocol.md 2.8): the state the host starts the loader in with
         * TZEN=1. Policy: Secure, the core's reset state. */
        .secure = true,
    },
};

static const char *const target_names[] = {"stm32l562e-dk", NULL};

const se_profile *se_profile_find(const char *target, bool tz)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(profiles[i].target, target) == 0 && profiles[i].tz == tz)
            return &profiles[i];
    return NULL;
}

const char *const *se_profile_targets(void)
{
    return target_names;
}
