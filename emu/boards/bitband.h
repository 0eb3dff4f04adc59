/* The Cortex-M3/M4 peripheral bit-band alias (0x42000000-0x43FFFFFF: one word per bit of
 * 0x40000000-0x400FFFFF), which ST's F4 HAL writes (e.g. RCC_CR.PLLON through
 * RCC_CR_PLLON_BB). Unicorn's M-profile core has no bit-banding (docs/unicorn.md), so the board
 * attaches this device: a read returns the bit, a write read-modify-writes the word on the bus. */
#ifndef SE_BOARDS_BITBAND_H
#define SE_BOARDS_BITBAND_H

#include "emu/soc.h"

se_err se_bitband_attach(se_soc *soc, se_error *err);

#endif
