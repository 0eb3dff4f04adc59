/* STM32H7B3I-DK: an STM32H7B3LI (Cortex-M7, 2 MB flash, 1.4 MB RAM) with a Macronix
 * MX25LM51245G on OCTOSPI1 through OCTOSPIM port 1, window 0x90000000; ST's loader for the
 * board drives it in SPI STR from AXI SRAM 0x24000004..0x2407FFFF, StorageInfo at 0x2407FF00
 * (docs/modelled.md "Other boards").
 * The SoC is data (emu/boards/stm32h7b3.c); the two H7B3 boards differ in pins and in the
 * RAM their loaders use. */
#include "emu/board.h"
#include "emu/boards/stm32h7b3.h"

extern const se_board se_board_stm32h7b3i_dk;

static const se_profile tz_off = {
    .target = "stm32h7b3i-dk",
    .board = &se_board_stm32h7b3i_dk,
    .description = "STM32H7B3I-DK: loader at its link address in AXI SRAM (0x24000004), BKPT "
                   "just below it",
    SE_H7B3_MEMORY,
    .ram_end = 0x24080000u,
};

const se_board se_board_stm32h7b3i_dk = {
    .name = "stm32h7b3i-dk",
    .description = "STM32H7B3I-DK discovery kit: STM32H7B3LI, MX25LM51245G octal flash on OCTOSPI1",
    .mcu = "STM32H7B3LIH6Q",
    .core = "Cortex-M7",
    .flash = "MX25LM51245G (64 MiB) on OCTOSPI1",
    .profiles = {&tz_off, NULL, NULL},
    .build = se_h7b3_build,
    .cpu = SE_CPU_M7,
    .l1_cache_kb = 16,
};
