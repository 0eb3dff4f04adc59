/* The SPI of the STM32F4 (RM0383/RM0390 "SPI"; docs/serial-nor.md 11) in master mode as an
 * external-flash controller: CR1, CR2, SR, DR, CRCPR, RXCRCR, TXCRCR, I2SCFGR, I2SPR. Each
 * frame written to DR is shifted at once (TXE stays 1, RXNE set, BSY reads 0; OVR when RXNE
 * was still set); a chip select (a GPIO pin the board wires, or NSS driven by SPE with
 * SSOE) frames the bytes into flash frames (peripherals/flashbus.h), with the chip saying how
 * its command is shaped. Not modelled: interrupts, DMA requests, CRC, I2S, slave and
 * bidirectional/receive-only modes (reported), 16-bit frames beyond two bytes MSB first. */
#ifndef SE_SPI_H
#define SE_SPI_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/flashbus.h"
#include "peripherals/periph.h"

#define SE_SPI_SIZE 0x400u

/* Register offsets (RM0383 "SPI register map"). */
enum {
    SPI_CR1 = 0x00,
    SPI_CR2 = 0x04,
    SPI_SR = 0x08,
    SPI_DR = 0x0C,
    SPI_CRCPR = 0x10,
    SPI_RXCRCR = 0x14,
    SPI_TXCRCR = 0x18,
    SPI_I2SCFGR = 0x1C,
    SPI_I2SPR = 0x20,
};
#define SPI_CR1_CPHA (1u << 0)
#define SPI_CR1_MSTR (1u << 2)
#define SPI_CR1_BR(n) ((uint32_t)(n) << 3) /* f_PCLK / 2^(n+1) */
#define SPI_CR1_SPE (1u << 6)
#define SPI_CR1_LSBFIRST (1u << 7)
#define SPI_CR1_SSI (1u << 8)
#define SPI_CR1_SSM (1u << 9)
#define SPI_CR1_RXONLY (1u << 10)
#define SPI_CR1_DFF (1u << 11)
#define SPI_CR1_CRCEN (1u << 13)
#define SPI_CR1_BIDIMODE (1u << 15)
#define SPI_CR2_SSOE (1u << 2)
#define SPI_SR_RXNE (1u << 0)
#define SPI_SR_TXE (1u << 1)
#define SPI_SR_MODF (1u << 5)
#define SPI_SR_OVR (1u << 6)
#define SPI_SR_BSY (1u << 7)

#define SE_SPI_WBUF 4096u /* write data buffered under one chip select */
#define SE_SPI_RBUF 256u  /* array bytes read ahead in one frame */

typedef struct se_spi_counters {
    uint64_t bytes, frames;
    uint64_t overruns;       /* a byte received while RXNE was still set: lost (OVR) */
    uint64_t no_chip_select; /* bytes shifted with the chip deselected: nobody answers */
    uint64_t write_overflow; /* write data beyond SE_SPI_WBUF in one frame: dropped */
} se_spi_counters;

typedef struct se_spi {
    /* Configuration, kept across reset. */
    const se_periph_host *host;
    uint32_t base;
    const char *label;   /* "SPI1" */
    bool *clock_enabled; /* RCC SPI1EN as the machine tracks it; NULL = unchecked */
    uint32_t pclk_hz;    /* APB clock ahead of the baud-rate prescaler */
    se_flash_port port;
    /* A second SPI wired to the same chip and chip select (a board whose loaders use either
     * instance), or NULL: the board drives both (the model only keeps the pointer). */
    struct se_spi *peer;
    /* The GPIO pin the board's wiring found to be the chip select (the board's state, kept
     * here so a snapshot holds it): valid when cs_bound. */
    bool cs_bound;
    uint8_t cs_port, cs_pin;

    uint32_t cr1, cr2, crcpr, i2scfgr, i2spr;
    uint32_t sr; /* RXNE, TXE, MODF, OVR */
    uint16_t rx; /* the received frame DR returns */
    bool gpio_cs_low, cs_low;
    bool ovr_dr_read;  /* OVR is cleared by an SR read after a DR read */
    bool modf_sr_read; /* MODF is cleared by a CR1 write after an SR read */

    /* The frame under the chip select. */
    uint32_t nbytes; /* bytes since the chip select fell */
    uint8_t op;
    bool shaped; /* the chip knows op: shape holds its phases */
    se_flash_stream_shape shape;
    uint32_t addr;
    uint8_t addr_got;
    bool read_issued;    /* a read frame went to the chip: nothing left at the rising edge */
    uint32_t consumed;   /* read data bytes handed out so far */
    uint32_t rpos, rlen; /* read-ahead position and length in rbuf */
    uint32_t wlen;       /* write data bytes in wbuf */
    uint8_t rbuf[SE_SPI_RBUF];
    uint8_t wbuf[SE_SPI_WBUF];

    se_spi_counters counters; /* not cleared by reset */
    bool warned_mode;
    uint32_t unknown_seen[8];
} se_spi;

extern const se_periph_class se_spi_class;
void se_spi_reset(se_spi *s);
uint32_t se_spi_read(se_spi *s, uint32_t offset, unsigned size);
void se_spi_write(se_spi *s, uint32_t offset, uint32_t value, unsigned size);
/* Configuration (kept across reset). */
void se_spi_configure(se_spi *s, const se_periph_host *host, uint32_t base, const char *label,
                      bool *clock_enabled, uint32_t pclk_hz);
/* The GPIO chip-select line the board wires: low = selected. A rising edge ends the frame. */
void se_spi_set_gpio_cs(se_spi *s, bool low);
/* One byte both ways, as a DR write then DR read would move it (tests, DMA). */
uint8_t se_spi_exchange(se_spi *s, uint8_t out);

/* The controller as the machine drives it: no memory-mapped window (every access to the
 * board's window is refused), the bus for --vcd. */
extern const se_memctl_ops se_spi_memctl;

#endif
