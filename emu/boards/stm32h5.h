/* The STM32H5 SoC (H563/H573; RM0481) as data (emu/boards/socdata.h): RCC, PWR, FLASH, SBS,
 * EXTI and the OCTOSPI1 delay block as register files whose ready flags follow their enables,
 * GPIOA..I, OCTOSPI1 (no OCTOSPIM on the H5). Board: stm32h573i_dk.c. */
#ifndef SE_BOARDS_STM32H5_H
#define SE_BOARDS_STM32H5_H

#include "emu/boards/socdata.h"

#define SE_H5_OCTOSPI1_BASE 0x47001400u
#define SE_H5_OCTOSPI1_WINDOW 0x90000000u
/* Core clock after reset: HSI 64 MHz divided by HSIDIV = 2, 32 MHz (RM0481). */
#define SE_H5_RESET_HZ 32000000u

extern const se_soc_data se_stm32h5_soc;

#endif
