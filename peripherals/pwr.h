/* STM32L5 PWR: the RM0438 register map with SVD reset values; VOS changes complete at once
 * (VOSF = 0), SR1 shows the SMPS in high-power mode (a policy, see pwr.c), SCR clears flags.
 * Not modelled: low-power modes, PVD/PVM, wakeup pins, the backup-domain write protection
 * (DBP is stored only) and the effect of PUCRx/PDCRx on the pins. */
#ifndef SE_PWR_H
#define SE_PWR_H

#include <stdint.h>

#include "peripherals/periph.h"

#define SE_PWR_BASE 0x40007000u
#define SE_PWR_SIZE 0x400u
#define SE_PWR_NREGS (0x84u / 4u)

typedef struct se_pwr {
    /* Configuration, kept across reset (set after attach). */
    const se_periph_host *host;
    uint32_t base;
    uint32_t r[SE_PWR_NREGS]; /* by offset / 4 */
    uint32_t unknown_seen[8];
} se_pwr;

extern const se_periph_class se_pwr_class;

void se_pwr_reset(se_pwr *s);
uint32_t se_pwr_read(se_pwr *s, uint32_t offset, unsigned size);
void se_pwr_write(se_pwr *s, uint32_t offset, uint32_t value, unsigned size);

/* PWR_CR1.VOS: 0 = range 0, 1 = range 1, 2 = range 2. */
unsigned se_pwr_vos(const se_pwr *s);

#endif
