/* The STM32U5 SoC (U575/U585, U59x/U5Ax; RM0456) as data (emu/boards/socdata.h): RCC, PWR,
 * FLASH, SYSCFG, EXTI, ICACHE, OCTOSPIM and the two delay blocks as register files whose ready
 * flags follow their enables, GPIOA..I, the GTZC, OCTOSPI1 and OCTOSPI2. Boards:
 * stm32u585i_iot02a.c, stm32u5a9j_dk.c. */
#ifndef SE_BOARDS_STM32U5_H
#define SE_BOARDS_STM32U5_H

#include "emu/boards/socdata.h"

#define SE_U5_OCTOSPI1_BASE 0x420D1400u
#define SE_U5_OCTOSPI2_BASE 0x420D2400u
#define SE_U5_OCTOSPI1_WINDOW 0x90000000u
#define SE_U5_OCTOSPI2_WINDOW 0x70000000u
/* Core clock after reset: MSIS range 4 = 4 MHz (RM0456). */
#define SE_U5_RESET_HZ 4000000u

extern const se_soc_data se_stm32u5_soc;

#endif
