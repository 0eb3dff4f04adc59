/* STM32L552 with a Winbond W25Q256JV (32 MiB quad NOR) on OCTOSPI1 in quad mode: the custom
 * board of docs/serial-nor.md 6 (community W25Q256 loaders for the L552). The L552 is the L562
 * without OTFDEC/AES/PKA (S8), none of which a loader touches, so the SoC is stm32l5.c's.
 * Pins per the community notes (CLK PA3, NCS PA2, IO0 PB1, IO1 PB0, IO2 PA7, IO3 PA6) are not
 * checked: the model does not route GPIO to OCTOSPI. Host facts as the L562E-DK's. */
#include "emu/board.h"
#include "emu/boards/stm32l5.h"
#include "peripherals/spinor.h"

extern const se_board se_board_stm32l552_w25q256;

#define L552_COMMON                                                                                \
    .target = "stm32l552-w25q256", .board = &se_board_stm32l552_w25q256,                           \
    .sram = {0x20000000u, 0x40000u}, .sram_alias = 0x30000000u, .iflash = {0x08000000u, 0x80000u}, \
    .iflash_alias = 0x0C000000u, .periph = {0x40000000u, 0x10000000u},                             \
    .periph_alias = 0x50000000u, .ext_window = {SE_L5_OCTOSPI1_WINDOW, 0x10000000u},               \
    .ram_end = 0x20040000u, .download_limit = 0 /* the RAM window */, .stack_gap = 0x400u,         \
    .reset_core_hz = 4000000u

static const se_profile tz_off = {
    L552_COMMON,
    .description = "STM32L552 + W25Q256JV on OCTOSPI1 (quad), TZEN=0: loader at 0x20000004, "
                   "BKPT at 0x20000000",
    .tz = false,
    .bkpt_addr = 0x20000000u,
    .load_base = 0x20000004u,
    .vtor = 0x08000000u,
};

/* TZEN=1 reset state (as the L562E-DK's "secure" profile): everything Secure. */
static const se_profile tz_secure = {
    L552_COMMON,
    .description = "STM32L552 + W25Q256JV, TZEN=1 reset state: loader Secure at 0x20018004, "
                   "BKPT at 0x20018000, SAU off",
    .tz = true,
    .bkpt_addr = 0x20018000u,
    .load_base = 0x20018004u,
    .vtor = 0x0C000000u,
    .secure = true,
    .observed_limit = 0x1000u, /* TrustZone on: docs/protocol.md 2.8 */
};

static se_err build(se_soc *soc, const se_profile *p, se_error *err)
{
    return se_stm32l5_board_build(soc, p, se_spinor_class(se_spinor_part_find("W25Q256JV")), err);
}

const se_board se_board_stm32l552_w25q256 = {
    .name = "stm32l552-w25q256",
    .description = "STM32L552 board with a W25Q256JV quad-SPI NOR on OCTOSPI1",
    .mcu = "STM32L552ZE",
    .core = "Cortex-M33",
    .flash = "W25Q256JV (32 MiB) on OCTOSPI1, quad",
    .profiles = {&tz_off, NULL, &tz_secure},
    .build = build,
};
