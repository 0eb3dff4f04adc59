/* The STM32H7B3 SoC (H7A3/H7B3; RM0455) as data (emu/boards/socdata.h): RCC, PWR, FLASH,
 * SYSCFG, EXTI, DBGMCU, OCTOSPIM and the two delay blocks as register files whose ready flags
 * follow their enables, GPIOA..K, OCTOSPI1 and OCTOSPI2 (the shared model with the H7's DCR3
 * MAXTRAN field). The core is a Cortex-M7 (emu/board.h SE_CPU_M7) with ITCM, DTCM, AXI SRAM,
 * AHB SRAM and SRD SRAM (the boards' profiles). Boards: stm32h7b3i_eval.c, stm32h7b3i_dk.c. */
#ifndef SE_BOARDS_STM32H7B3_H
#define SE_BOARDS_STM32H7B3_H

#include "emu/board.h"
#include "emu/boards/socdata.h"

#define SE_H7_OCTOSPI1_BASE 0x52005000u
#define SE_H7_OCTOSPI2_BASE 0x5200A000u
#define SE_H7_OCTOSPI1_WINDOW 0x90000000u
#define SE_H7_OCTOSPI2_WINDOW 0x70000000u
/* Core clock after reset: HSI 64 MHz (RM0455). */
#define SE_H7_RESET_HZ 64000000u
/* Policy: the OCTOSPI kernel clock is the 280 MHz HCLK ST's H7B3 loaders set
 * (docs/modelled.md); the RCC model does not compute clocks. */
#define SE_H7_KERNEL_HZ 280000000u

extern const se_soc_data se_stm32h7b3_soc;

/* The boards' build (emu/board.h): the SoC and the MX25LM51245G on OCTOSPI1. */
se_err se_h7b3_build(se_soc *soc, const se_profile *p, se_error *err);

/* The memory both boards' profiles share: AXI SRAM is the host's RAM (the loaders' link
 * address 0x24000004), ITCM at 0, DTCM, AHB SRAM and SRD SRAM beside it, no aliases. */
#define SE_H7B3_MEMORY                                                              \
    .sram = {0x24000000u, 0x100000u}, .sram_alias = 0x24000000u,                    \
    .iflash = {0x08000000u, 0x200000u}, .iflash_alias = 0x08000000u,                \
    .more_ram = {{0x00000000u, 0x10000u, "ITCM"},                                   \
                 {0x20000000u, 0x20000u, "DTCM"},                                   \
                 {0x30000000u, 0x20000u, "AHB SRAM"},                               \
                 {0x38000000u, 0x8000u, "SRD SRAM"}},                               \
    .periph = {0x40000000u, 0x20000000u}, .periph_alias = 0,                        \
    .ext_window = {SE_H7_OCTOSPI1_WINDOW, 0x10000000u}, .bkpt_addr = 0x24000000u,   \
    .load_base = 0x24000004u, .stack_gap = 0x400u, .reset_core_hz = SE_H7_RESET_HZ, \
    .vtor = 0x08000000u, .base_follows_link = true

#endif
