/* STM32L5 FLASH interface registers: ACR (wait states read back), the unlock keys, NSCR/SECCR
 * locks, the option-byte registers (OPTR.TZEN from the board, DBANK = 1) and watermarks.
 * Not modelled: programming or erasing the internal flash (PG/STRT are stored, reported once
 * and complete at once without effect), option-byte loading, ECC, RDP, HDP enforcement. */
#ifndef SE_FLASHIF_H
#define SE_FLASHIF_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/periph.h"

#define SE_FLASHIF_BASE 0x40022000u
#define SE_FLASHIF_SIZE 0x400u
#define SE_FLASHIF_NREGS (0xC8u / 4u)

typedef struct se_flashif {
    /* Configuration, kept across reset (set after attach). */
    const se_periph_host *host;
    uint32_t base;
    bool tzen; /* FLASH_OPTR.TZEN as programmed on the board (docs/hardware.md C.6) */
    uint32_t r[SE_FLASHIF_NREGS];                 /* by offset / 4 */
    uint8_t nskey_step, seckey_step, optkey_step; /* keys accepted so far (0..2) */
    bool nskey_fail, seckey_fail, optkey_fail;    /* wrong key: locked until reset */
    uint32_t reported; /* one bit per "not modelled" notice already given */
    uint32_t unknown_seen[8];
} se_flashif;

extern const se_periph_class se_flashif_class;

/* Set TZEN and reset (OPTR and the defaults that depend on it). */
void se_flashif_configure(se_flashif *s, bool tzen);
void se_flashif_reset(se_flashif *s);
uint32_t se_flashif_read(se_flashif *s, uint32_t offset, unsigned size);
void se_flashif_write(se_flashif *s, uint32_t offset, uint32_t value, unsigned size);

/* FLASH_ACR.LATENCY, in wait states. */
unsigned se_flashif_latency(const se_flashif *s);

#endif
