/* The boards the octo test loader is built for (one BOARD_* macro): where the OCTOSPI and its
 * window are, the RCC bits that clock it, and the clock set-up's ready flags as each family's
 * CMSIS device header names them (stm32u585xx.h, stm32u5a9xx.h, stm32h573xx.h, stm32h7b3xx.h). */
#ifndef OCTO_BOARDS_H
#define OCTO_BOARDS_H

#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(a))

#if defined(BOARD_U585) || defined(BOARD_U5A9)
/* STM32U5: RCC 0x46020C00, PWR 0x46020800, FLASH 0x40022000 */
#define RCC_CR REG32(0x46020C00u)
#define RCC_CFGR1 REG32(0x46020C1Cu)
#define RCC_AHB2ENR1 REG32(0x46020C8Cu)
#define RCC_AHB2ENR2 REG32(0x46020C90u)
#define RCC_AHB3ENR REG32(0x46020C94u)
#define PWR_VOSR REG32(0x4602080Cu)
#define FLASH_ACR REG32(0x40022000u)
#define RCC_CR_PLL1ON (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)
#define RCC_CFGR1_SW_PLL 3u
#define RCC_CFGR1_SWS_MASK (3u << 2)
#define RCC_CFGR1_SWS_PLL (3u << 2)
#define PWR_VOSR_RANGE1_BOOST ((3u << 16) | (1u << 18)) /* VOS = 11, BOOSTEN */
#define PWR_VOSR_READY ((1u << 15) | (1u << 14))        /* VOSRDY, BOOSTRDY */
#define FLASH_LATENCY 4u
#if defined(BOARD_U585)
#define OSPI_BASE 0x420D2400u /* OCTOSPI2 */
#define OSPI_MEM_BASE 0x70000000u
#define OSPI_CLOCK() (RCC_AHB2ENR2 |= 1u << 8) /* OCTOSPI2EN */
#define DEV_NAME "MX25LM51245G_STM32U585I-IOT02A_STLDR-EMU"
#else
#define OSPI_BASE 0x420D1400u /* OCTOSPI1 */
#define OSPI_MEM_BASE 0x90000000u
#define OSPI_CLOCK() (RCC_AHB2ENR2 |= 1u << 4) /* OCTOSPI1EN */
#define DEV_NAME "MX25UM51245G_STM32U5A9J-DK_STLDR-EMU"
#endif
#define BOARD_CLOCK_PREP()                                           \
    do {                                                             \
        RCC_AHB3ENR |= 1u << 2;   /* PWREN */                        \
        RCC_AHB2ENR1 |= 1u << 21; /* OCTOSPIMEN */                   \
        PWR_VOSR = (PWR_VOSR & ~(3u << 16)) | PWR_VOSR_RANGE1_BOOST; \
    } while (0)
#define BOARD_VOS_READY() ((PWR_VOSR & PWR_VOSR_READY) == PWR_VOSR_READY)

#elif defined(BOARD_H573)
/* STM32H5: RCC 0x44020C00, PWR 0x44020800, FLASH 0x40022000 */
#define RCC_CR REG32(0x44020C00u)
#define RCC_CFGR1 REG32(0x44020C1Cu)
#define RCC_AHB4ENR REG32(0x44020C94u)
#define PWR_VOSCR REG32(0x44020810u)
#define PWR_VOSSR REG32(0x44020814u)
#define FLASH_ACR REG32(0x40022000u)
#define RCC_CR_PLL1ON (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)
#define RCC_CFGR1_SW_PLL 3u
#define RCC_CFGR1_SWS_MASK (3u << 3)
#define RCC_CFGR1_SWS_PLL (3u << 3)
#define FLASH_LATENCY 5u
#define OSPI_BASE 0x47001400u /* OCTOSPI1 */
#define OSPI_MEM_BASE 0x90000000u
#define OSPI_CLOCK() (RCC_AHB4ENR |= 1u << 20) /* OCTOSPI1EN */
#define DEV_NAME "MX25LM51245G_STM32H573I-DK_STLDR-EMU"
#define BOARD_CLOCK_PREP() (PWR_VOSCR = 3u << 4)          /* VOS0 */
#define BOARD_VOS_READY() ((PWR_VOSSR & (1u << 3)) != 0u) /* VOSRDY */

#elif defined(BOARD_H7B3_EVAL) || defined(BOARD_H7B3_DK)
/* STM32H7B3 (stm32h7b3xx.h): RCC 0x58024400, PWR 0x58024800, FLASH 0x52002000; a Cortex-M7 */
#define BOARD_M7
#define RCC_CR REG32(0x58024400u)
#define RCC_CFGR1 REG32(0x58024410u) /* RCC_CFGR: SW [2:0], SWS [5:3] */
#define RCC_AHB3ENR REG32(0x58024534u)
#define PWR_CSR1 REG32(0x58024804u)
#define PWR_CR3 REG32(0x5802480Cu)
#define PWR_SRDCR REG32(0x58024818u)
#define FLASH_ACR REG32(0x52002000u)
#define RCC_CR_PLL1ON (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)
#define RCC_CFGR1_SW_PLL 3u
#define RCC_CFGR1_SWS_MASK (7u << 3)
#define RCC_CFGR1_SWS_PLL (3u << 3)
#define FLASH_LATENCY 6u
#define OSPI_BASE 0x52005000u /* OCTOSPI1 */
#define OSPI_MEM_BASE 0x90000000u
#define OSPI_CLOCK() (RCC_AHB3ENR |= (1u << 14) | (1u << 21)) /* OSPI1EN, IOMNGREN */
/* direct SMPS supply (CR3: SMPSEN only), then VOS0 once ACTVOSRDY is up */
#define BOARD_CLOCK_PREP()                                            \
    do {                                                              \
        PWR_CR3 = (PWR_CR3 & ~0x3Fu) | (1u << 2);                     \
        for (uint32_t k = T_WAIT; k && !(PWR_CSR1 & (1u << 13)); k--) \
            ;                                                         \
        PWR_SRDCR = 3u << 14;                                         \
    } while (0)
#define BOARD_VOS_READY() ((PWR_SRDCR & (1u << 13)) != 0u) /* VOSRDY */
#if defined(BOARD_H7B3_EVAL)
#define DEV_NAME "MX25LM51245G_STM32H7B3I-EVAL_STLDR-EMU"
#else
#define DEV_NAME "MX25LM51245G_STM32H7B3I-DK_STLDR-EMU"
#endif

#else
#error "define BOARD_U585, BOARD_U5A9, BOARD_H573, BOARD_H7B3_EVAL or BOARD_H7B3_DK"
#endif

#if defined(GENERIC_NAME) /* a device name that names no board */
#undef DEV_NAME
#define DEV_NAME "MX25LM51245G_OCTOSPI_STLDR-EMU"
#endif

#endif
