/* The STM32L5 SoC (STM32L552/L562): the devices around the Cortex-M33 at their RM0438 bases
 * (docs/hardware.md C.1): RCC, PWR, the FLASH interface, GPIOA..H, DMA1/DMA2/DMAMUX1, the GTZC,
 * OCTOSPI1, and register files for EXTI, SYSCFG and ICACHE. Boards built on it
 * (stm32l562e_dk.c) add the external flash part and the host profiles. */
#ifndef SE_BOARDS_STM32L5_H
#define SE_BOARDS_STM32L5_H

#include <stdbool.h>

#include "emu/bus.h"
#include "emu/soc.h"
#include "peripherals/dma.h"
#include "peripherals/flashif.h"
#include "peripherals/gpio.h"
#include "peripherals/octospi.h"
#include "peripherals/pwr.h"
#include "peripherals/rcc.h"

/* Non-secure bases (docs/hardware.md C.1); the secure alias is +0x10000000 (the bus's job). */
#define SE_L5_PWR_BASE 0x40007000u
#define SE_L5_SYSCFG_BASE 0x40010000u
#define SE_L5_DMA_BASE 0x40020000u /* DMA1; DMA2 at +0x400, DMAMUX1 at +0x800 */
#define SE_L5_RCC_BASE 0x40021000u
#define SE_L5_FLASH_BASE 0x40022000u
#define SE_L5_EXTI_BASE 0x4002F400u
#define SE_L5_ICACHE_BASE 0x40030400u
#define SE_L5_GTZC_BASE 0x40032400u /* TZSC; TZIC +0x400, MPCBB1 +0x800, MPCBB2 +0xC00 */
#define SE_L5_GPIOA_BASE 0x42020000u
#define SE_L5_GPIO_STRIDE 0x400u
#define SE_L5_OCTOSPI1_BASE 0x44021000u
#define SE_L5_OCTOSPI1_WINDOW 0x90000000u /* memory-mapped window, 256 MiB, not aliased */
/* DMAMUX1 request input of OCTOSPI1 (HAL DMA_REQUEST_OCTOSPI1) */
#define SE_L5_DMAREQ_OCTOSPI1 41u
/* RCC_AHB3RSTR.OSPI1RST, RCC_AHB3ENR.OSPI1EN (docs/hardware.md C.7) */
#define SE_L5_AHB3_OSPI1 (1u << 8)

/* Ports A..H: the L562's SVD has no GPIOI, and 0x42022000 stays unassigned so that a stray
 * access there is reported by the bus. */
#define SE_L5_NGPIO 8

typedef struct se_stm32l5 {
    se_rcc *rcc;
    se_pwr *pwr;
    se_flashif *flash;
    se_gpio *gpio[SE_L5_NGPIO]; /* [0] = GPIOA */
    se_dma *dma;
    se_octospi *ospi1;
} se_stm32l5;

/* Attach every device of the SoC to soc; tzen is FLASH_OPTR.TZEN (C.6). OCTOSPI1 is attached
 * with no chip wired; the board adds the external memory. */
se_err se_stm32l5_build(se_soc *soc, bool tzen, se_stm32l5 *out, se_error *err);
/* RCC, PWR, FLASH and GPIOA..H alone on a bare bus (the SoC's system devices), for tests.
 * Returns 0, or -1 if one does not fit (out then partly filled). */
int se_stm32l5_attach_system(se_bus *bus, bool tzen, const se_periph_host *host, se_stm32l5 *out);
/* The register files alone (EXTI, SYSCFG, ICACHE) on a bare bus, for tests. Returns 0, or
 * -1 if one does not fit. A base already taken is skipped. */
int se_stm32l5_attach_regfiles(se_bus *bus, bool tzen, const se_periph_host *host);

/* A board made of this SoC and one flash part on OCTOSPI1 behind the window of profile p:
 * the SoC, RCC's OCTOSPI1 reset line, the kernel clock following SYSCLK, the external memory.
 * chip is the board's part unless the profile names another (flash_chip=). */
struct se_profile;
se_err se_stm32l5_board_build(se_soc *soc, const struct se_profile *p,
                              const se_flash_chip_class *chip, se_error *err);

#endif
