/* The STM32L562 system devices around the core: RCC, PWR, the FLASH interface registers and
 * GPIOA..H, attached at their docs/hardware.md C.1 bases. Also the small register-access
 * helpers the models share (sub-word lanes, a register table, report-once). The OCTOSPI, GTZC
 * and the flash chip are elsewhere; EXTI, SYSCFG and the timers are not modelled. */
#ifndef SE_STM32L5_H
#define SE_STM32L5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../emu/bus.h"
#include "flashif.h"
#include "gpio.h"
#include "periph.h"
#include "pwr.h"
#include "rcc.h"

/* The STM32L562 has ports A..H: the SVD (docs/hardware.md S6) has no GPIOI, and 0x42022000 is
 * left unassigned so that a stray access there is reported by the bus. */
#define SE_STM32L5_NGPIO 8

typedef struct se_stm32l5 {
    se_rcc *rcc;
    se_pwr *pwr;
    se_flashif *flash;
    se_gpio *gpio[SE_STM32L5_NGPIO]; /* [0] = GPIOA */
} se_stm32l5;

/* Attach RCC, PWR, FLASH and GPIOA..H to bus (non-secure bases; the bus answers the secure
 * alias too). tzen is FLASH_OPTR.TZEN (docs/hardware.md C.6); host may be NULL. Returns 0, or -1
 * if a device does not fit on the bus (out is then partially filled). */
int se_stm32l5_attach(se_bus *bus, bool tzen, const se_periph_host *host, se_stm32l5 *out);

/* ---- helpers shared by the models in this folder ---------------------------------------- */

/* One register of a model's map: its reset value and the bits a write may change. */
typedef enum { SE_L5_RW, SE_L5_RO, SE_L5_WO } se_l5_access;
typedef struct se_l5_reg {
    uint16_t off;
    uint8_t access;
    uint32_t reset;
    uint32_t wmask;
} se_l5_reg;

const se_l5_reg *se_l5_reg_find(const se_l5_reg *tab, size_t n, uint32_t off);
/* The lanes of a 32-bit register a size-byte access at offset touches, as a bit mask. */
uint32_t se_l5_lanes(uint32_t offset, unsigned size);
/* value moved to its lanes (zeros elsewhere), for a write of size bytes at offset. */
uint32_t se_l5_lane_value(uint32_t offset, uint32_t value, unsigned size);
/* The size-byte part of reg that an access at offset reads. */
uint32_t se_l5_lane_read(uint32_t reg, uint32_t offset, unsigned size);
/* seen has one bit per 32-bit register of a 1 KiB block (8 words): true the first time
 * offset is passed, and marks it. */
bool se_l5_once(uint32_t seen[8], uint32_t offset);
/* Log "<dev> <what> <register address> ..." through host (no-op when host or its log is
 * NULL). base 0 prints the offset only. */
void se_l5_log(const se_periph_host *host, int level, const char *dev, uint32_t base,
               uint32_t offset, const char *what);
/* The standard report of an access to an offset the model does not know (once per offset). */
void se_l5_unknown(const se_periph_host *host, uint32_t seen[8], const char *dev, uint32_t base,
                   uint32_t offset, bool write, uint32_t value);

#endif
