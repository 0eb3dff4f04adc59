/* The QUADSPI of the STM32F4/F7/L4 and pre-OCTOSPI H7 (RM0386/RM0385/RM0351; docs/serial-nor.md
 * 7): CR, DCR, SR, FCR, DLR, CCR (the instruction inside), AR, ABR, DR, PSMKR, PSMAR, PIR, LPTR;
 * indirect read/write, automatic status polling and the memory-mapped window. The block is the
 * OCTOSPI's ancestor: this model keeps the QUADSPI register map and runs the transfers on the
 * OCTOSPI v1 engine (peripherals/octospi.c), translating each write (CR.PRESCALER -> DCR2,
 * DCR -> DCR1, CCR -> CCR/TCR/IR, DDRM -> the DTR bits), so frames, FIFO, polling and DMA
 * behave as there. Not modelled: interrupts, dual-flash mode (DFM: reported, bank 1 only),
 * the 16-byte FIFO of the L4 (the engine's is 32 bytes); the engine's messages name the OCTOSPI
 * register offsets. */
#ifndef SE_QUADSPI_H
#define SE_QUADSPI_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/flashbus.h"
#include "peripherals/octospi.h"
#include "peripherals/periph.h"

#define SE_QUADSPI_SIZE 0x400u

/* Register offsets (RM0351/RM0385; docs/serial-nor.md 7). */
enum {
    QSPI_CR = 0x00,
    QSPI_DCR = 0x04,
    QSPI_SR = 0x08,
    QSPI_FCR = 0x0C,
    QSPI_DLR = 0x10,
    QSPI_CCR = 0x14,
    QSPI_AR = 0x18,
    QSPI_ABR = 0x1C,
    QSPI_DR = 0x20,
    QSPI_PSMKR = 0x24,
    QSPI_PSMAR = 0x28,
    QSPI_PIR = 0x2C,
    QSPI_LPTR = 0x30,
};
#define QSPI_CR_EN (1u << 0)
#define QSPI_CR_ABORT (1u << 1)
#define QSPI_CR_SSHIFT (1u << 4)
#define QSPI_CR_DFM (1u << 6)
#define QSPI_CR_APMS (1u << 22)
#define QSPI_CR_PRESCALER(n) ((uint32_t)(n) << 24)
#define QSPI_CCR_IMODE(l) ((uint32_t)(l) << 8) /* 0 none, 1/2/3 = 1/2/4 lines */
#define QSPI_CCR_ADMODE(l) ((uint32_t)(l) << 10)
#define QSPI_CCR_ADSIZE(b) ((uint32_t)((b)-1u) << 12) /* bytes 1..4 */
#define QSPI_CCR_ABMODE(l) ((uint32_t)(l) << 14)
#define QSPI_CCR_ABSIZE(b) ((uint32_t)((b)-1u) << 16)
#define QSPI_CCR_DCYC(n) ((uint32_t)(n) << 18)
#define QSPI_CCR_DMODE(l) ((uint32_t)(l) << 24)
#define QSPI_CCR_FMODE(m) ((uint32_t)(m) << 26) /* 0 write, 1 read, 2 poll, 3 mapped */
#define QSPI_CCR_SIOO (1u << 28)
#define QSPI_CCR_DHHC (1u << 30)
#define QSPI_CCR_DDRM (1u << 31)
#define QSPI_SR_TCF (1u << 1)
#define QSPI_SR_FTF (1u << 2)
#define QSPI_SR_SMF (1u << 3)
#define QSPI_SR_BUSY (1u << 5)

typedef struct se_quadspi {
    se_octospi core;       /* the transfer engine (its registers hold the translation) */
    uint32_t cr, dcr, ccr; /* the QUADSPI registers as software wrote them */
    bool dfm_reported;
    uint32_t unknown_seen[8];
} se_quadspi;

extern const se_periph_class se_quadspi_class;
void se_quadspi_reset(se_quadspi *s);
uint32_t se_quadspi_read(se_quadspi *s, uint32_t offset, unsigned size);
void se_quadspi_write(se_quadspi *s, uint32_t offset, uint32_t value, unsigned size);
/* Configuration (kept across reset): the host, the register base and window for messages, the
 * RCC enable bit as the machine tracks it (NULL = unchecked), the kernel clock. */
void se_quadspi_configure(se_quadspi *s, const se_periph_host *host, uint32_t base,
                          uint32_t mem_base, bool *clock_enabled, uint32_t kernel_hz);

/* The controller as the machine drives it (window, DMA data register, bus figures). */
extern const se_memctl_ops se_quadspi_memctl;

#endif
