/* STM32L5 RCC: every register of the RM0438 map with its SVD reset value; oscillator ready
 * flags follow their enables at once, SWS follows SW when the source is ready, SYSCLK/HCLK.
 * Not modelled: start-up delays, CSS, MCO, DBP
 * protection of BDCR, the clock-ready interrupts' delivery (CIFR flags are kept). RSTR
 * bits reach other devices through the reset_line callback. */
#ifndef SE_RCC_H
#define SE_RCC_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/periph.h"

#define SE_RCC_SIZE 0x400u
#define SE_RCC_NREGS (0x104u / 4u)

typedef struct se_rcc {
    /* Configuration, kept across reset (set after attach). */
    const se_periph_host *host;
    uint32_t base;   /* for messages; 0 = print offsets */
    uint32_t hse_hz; /* board crystal; 0 = none fitted (the L562E-DK default) */
    /* Registers by offset / 4. */
    uint32_t r[SE_RCC_NREGS];
    /* Reset lines: called with the RSTR offset and the bits that went from 0 to 1. */
    void (*reset_line)(void *ctx, uint32_t rstr_offset, uint32_t bits);
    void *reset_ctx;
    /* Derived clocks, updated by every write. */
    uint32_t sysclk;
    uint32_t hclk;
    bool ospi1_en; /* AHB3ENR.OSPI1EN */
    uint32_t unknown_seen[8];
} se_rcc;

extern const se_periph_class se_rcc_class;

void se_rcc_reset(se_rcc *s);
uint32_t se_rcc_read(se_rcc *s, uint32_t offset, unsigned size);
void se_rcc_write(se_rcc *s, uint32_t offset, uint32_t value, unsigned size);

/* Frequencies in Hz from the current register state. */
uint32_t se_rcc_msi_hz(const se_rcc *s);
uint32_t se_rcc_sysclk(const se_rcc *s);
uint32_t se_rcc_hclk(const se_rcc *s);

#endif
