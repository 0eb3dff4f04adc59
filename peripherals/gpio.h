/* STM32L5 GPIO port (one state per port A..H): configuration registers with the SVD reset
 * values, ODR through ODR/BSRR/BRR, the LCKR lock sequence, SECCFGR by TZEN. Not modelled:
 * external pin levels (IDR shows outputs and pull-ups only), alternate functions' signals,
 * EXTI, and the masking of non-secure accesses to secure pins (that is the bus's job). */
#ifndef SE_GPIO_H
#define SE_GPIO_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/periph.h"

#define SE_GPIO_SIZE 0x400u
#define SE_GPIO_NREGS (0x34u / 4u)

typedef struct se_gpio {
    /* Configuration, kept across reset (set after attach). */
    const se_periph_host *host;
    uint32_t base;
    uint8_t port;              /* 0 = A ... 7 = H: selects the reset values */
    bool tzen;                 /* FLASH_OPTR.TZEN: all pins secure after reset */
    uint32_t r[SE_GPIO_NREGS]; /* by offset / 4 */
    uint8_t lock_step;         /* LCKR key sequence progress (0..2) */
    uint32_t unknown_seen[8];
    /* Configuration, kept across reset: called after every register write (a board wiring
     * a pin to another device, e.g. an SPI flash's chip select). NULL: none. */
    void (*on_write)(void *ctx, struct se_gpio *g);
    void *on_write_ctx;
} se_gpio;

extern const se_periph_class se_gpio_class;

/* Set the port index and TZEN, and reset. */
void se_gpio_configure(se_gpio *s, unsigned port, bool tzen);
void se_gpio_reset(se_gpio *s);
uint32_t se_gpio_read(se_gpio *s, uint32_t offset, unsigned size);
void se_gpio_write(se_gpio *s, uint32_t offset, uint32_t value, unsigned size);

#endif
