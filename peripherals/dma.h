/* STM32L5 DMA1 and DMA2 (8 channels each) and DMAMUX1 (16 request lines), one device over
 * 0x40020000..0x40020BFF (RM0438; register map and reset values from the ST SVD, request
 * numbers from STM32CubeL5's stm32l5xx_hal_dma.h). Channel registers, ISR/IFCR flags,
 * memory-to-memory transfers and peripheral requests (a device's request line is asked
 * through se_dma_bus_ops.request), item by item through the host's bus callbacks so devices
 * and TrustZone see every access; a transfer completes at once in virtual time.
 * TrustZone: SECM/SSEC/DSEC take writes from Secure software only, a Non-secure access to a
 * secure channel's registers reads zero and is ignored, and each access carries its side's
 * security to the bus callbacks. Not modelled: interrupts (flags only), double-buffer mode
 * (DBM), DMAMUX synchronisation and request generators (stored), channel priorities (the
 * lowest channel goes first), PRIV. */
#ifndef SE_DMA_H
#define SE_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/periph.h"

#define SE_DMA_SIZE 0xC00u /* DMA1, DMA2 at +0x400, DMAMUX1 at +0x800 */
#define SE_DMA_CHANNELS 8u
#define SE_DMAMUX_CHANNELS \
    16u /* DMAMUX1 channel n serves DMA1 channel n+1 (n < 8), else
                                 * DMA2 channel n-7 (HAL DMA_CalcDMAMUXChannelBaseAndMask) */

/* CCR bits (RM0438; SVD mask 0x001FFFFF) */
#define SE_DMA_CCR_EN (1u << 0)
#define SE_DMA_CCR_TCIE (1u << 1)
#define SE_DMA_CCR_HTIE (1u << 2)
#define SE_DMA_CCR_TEIE (1u << 3)
#define SE_DMA_CCR_DIR (1u << 4) /* 1: read from memory (CMAR), write the peripheral (CPAR) */
#define SE_DMA_CCR_CIRC (1u << 5)
#define SE_DMA_CCR_PINC (1u << 6)
#define SE_DMA_CCR_MINC (1u << 7)
#define SE_DMA_CCR_PSIZE_SHIFT 8 /* 00 8-bit, 01 16-bit, 10 32-bit */
#define SE_DMA_CCR_MSIZE_SHIFT 10
#define SE_DMA_CCR_MEM2MEM (1u << 14)
#define SE_DMA_CCR_DBM (1u << 15)
#define SE_DMA_CCR_SECM (1u << 17) /* secure channel (set by Secure software only) ... */
#define SE_DMA_CCR_SSEC (1u << 18) /* ... whose source transactions are Secure ... */
#define SE_DMA_CCR_DSEC (1u << 19) /* ... and destination ones; a Non-secure channel's are not */
#define SE_DMA_CCR_PRIV (1u << 20)
/* ISR/IFCR: 4 bits per channel, channel n (1..8) at 4*(n-1) */
#define SE_DMA_ISR_GIF 1u
#define SE_DMA_ISR_TCIF 2u
#define SE_DMA_ISR_HTIF 4u
#define SE_DMA_ISR_TEIF 8u

/* How the DMA reaches the rest of the chip (kept across reset). */
typedef struct se_dma_bus_ops {
    /* One data access of 1, 2 or 4 bytes as a Secure or Non-secure master; false = bus
     * error (unmapped, refused): TEIF, the channel stops. */
    bool (*read)(void *ctx, uint32_t addr, unsigned size, bool secure, uint32_t *value);
    bool (*write)(void *ctx, uint32_t addr, unsigned size, bool secure, uint32_t value);
    /* Optional: the bytes [addr, addr+len) as plain memory the DMA may copy in one go (no
     * device, no security check needed, code caches handled), or NULL. */
    uint8_t *(*span)(void *ctx, uint32_t addr, uint32_t len, bool write, bool secure);
    /* Optional: n items of `size` bytes between the fixed device register at addr and the
     * little-endian byte stream at buf, as n single accesses would move them (a FIFO data
     * register); false when addr is not such a register (the DMA then goes item by item). */
    bool (*stream)(void *ctx, uint32_t addr, unsigned size, uint8_t *buf, uint32_t n, bool write,
                   bool secure);
    /* Peripheral request line `req` (a DMAMUX1 input): 0 when down, else how many bytes
     * may move before it can change. */
    uint32_t (*request)(void *ctx, unsigned req);
    void *ctx;
} se_dma_bus_ops;

typedef struct se_dma_channel {
    uint32_t ccr, cndtr, cpar, cm0ar, cm1ar; /* as software sees them */
    uint32_t ndt;                            /* items programmed at enable (HT, CIRC reload) */
    uint32_t pa, ma;                         /* next peripheral / memory address */
} se_dma_channel;

typedef struct se_dma {
    /* Configuration, kept across reset. */
    const se_periph_host *host;
    uint32_t base; /* DMA1's address, for messages */
    se_dma_bus_ops bus;
    /* Registers */
    struct {
        uint32_t isr;
        se_dma_channel ch[SE_DMA_CHANNELS];
    } unit[2];
    uint32_t mux_ccr[SE_DMAMUX_CHANNELS];
    uint32_t mux_rgcr[4];
    /* Servicing */
    uint32_t active;             /* channels enabled with items left: bit 8*unit + channel */
    bool in_service, again;      /* a device access during a transfer asks to look again */
    uint64_t items;              /* data items moved, for tests and the log */
    uint32_t reported;           /* once-only notices */
    uint32_t unknown_seen[3][8]; /* DMA1, DMA2, DMAMUX1 */
} se_dma;

extern const se_periph_class se_dma_class;

void se_dma_reset(se_dma *d);
uint32_t se_dma_read(se_dma *d, uint32_t offset, unsigned size);
void se_dma_write(se_dma *d, uint32_t offset, uint32_t value, unsigned size);
/* Move every item that can move now: memory-to-memory channels to the end, peripheral
 * channels while their request line is asserted. Call after anything that may assert a
 * request (a device register write); re-entrant calls are folded into the running one. */
void se_dma_service(se_dma *d);

#endif
