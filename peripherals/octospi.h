/* STM32L5 OCTOSPI1 (RM0438 OCTOSPI v1, docs/hardware.md B): the register map, indirect write and read
 * through the 32-byte FIFO, automatic status polling paced in virtual time, the memory-mapped
 * window and ABORT, each transaction sent as one se_flash_frame to the chip behind a port.
 * DMA: with CR.DMAEN the request line (se_octospi_dma_ready) is up while indirect data
 * can move; the DMA model moves it through DR. Not modelled: interrupts (enables stored,
 * reported once), HyperBus (HLCR stored),
 * wrap reads (WP* stored), CSBOUND/REFRESH splitting, prefetch, SIOO (the instruction is sent on
 * every mapped access) and MTYP byte order (frames carry bytes in address order). */
#ifndef SE_OCTOSPI_H
#define SE_OCTOSPI_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/flashbus.h"
#include "peripherals/periph.h"

#define SE_OCTOSPI_SIZE 0x400u
#define SE_OCTOSPI_MEM_SIZE 0x10000000u /* the memory-mapped window: 256 MB */
#define SE_OCTOSPI_NREGS (0x204u / 4u)
#define SE_OCTOSPI_FIFO_SIZE 32u
/* Largest frame the model hands the chip at once. A longer indirect transfer (DLR+1 above
 * this) reaches the chip as consecutive frames with the address advanced; reported once. */
#define SE_OCTOSPI_FRAME_MAX 4096u
/* Kernel clock assumed until the machine sets kernel_hz: SYSCLK of ST's L562E-DK loader
 * (docs/hardware.md B.1, C.7). */
#define SE_OCTOSPI_KERNEL_HZ 110000000u

typedef enum se_octospi_op {
    SE_OCTOSPI_IDLE,  /* BUSY = 0 */
    SE_OCTOSPI_WRITE, /* indirect write: collecting DLR+1 bytes from DR */
    SE_OCTOSPI_READ,  /* indirect read: the chip's bytes stream out through the FIFO */
    SE_OCTOSPI_POLL,  /* automatic status polling */
    SE_OCTOSPI_MMAP,  /* memory-mapped, from the first access until ABORT or timeout */
} se_octospi_op;

typedef struct se_octospi {
    /* Configuration, kept across reset (set after attach). */
    const se_periph_host *host;
    uint32_t base;       /* for messages; 0 = print offsets */
    uint32_t mem_base;   /* the memory-mapped window, for messages (0 = offsets) */
    se_flash_port port;  /* the chip; ops NULL = nothing wired (reads float to 0xFF) */
    bool *clock_enabled; /* RCC_AHB3ENR.OSPI1EN as the machine tracks it; NULL = unchecked */
    uint32_t kernel_hz;  /* OCTOSPI kernel clock ahead of DCR2.PRESCALER; 0 = default */
    /* The block's name in messages and its RCC enable bit, for a controller that runs on this
     * engine (the QUADSPI); NULL = "OCTOSPI", "OSPI1EN". */
    const char *label, *clock_bit;
    /* Family differences as parameters (docs/hardware.md): DCR3 bits the
     * family has beyond CSBOUND (the H7's MAXTRAN [7:0]: 0xFF; 0 on the L5/U5/H5). */
    uint32_t dcr3_more;
    /* Registers by offset / 4 (SVD reset values: all 0). SR holds only the latched flags
     * TEF, TCF, SMF, TOF; FTF, BUSY and FLEVEL are derived from the operation below. */
    uint32_t r[SE_OCTOSPI_NREGS];
    /* The operation in progress. */
    se_octospi_op op;
    uint64_t xfer_len;  /* indirect: bytes the operation moves (DLR+1, or to the device end) */
    uint64_t xfer_done; /* bytes software pushed (write) or popped (read) through DR */
    uint64_t buf_at;    /* stream position of buf[0] */
    uint32_t buf_len;   /* bytes held in buf */
    uint32_t xfer_addr; /* AR when the operation started */
    bool dev_done;      /* read: the last byte has entered the FIFO (TCF was set then) */
    uint8_t buf[SE_OCTOSPI_FRAME_MAX];
    uint32_t poll_status; /* last status read by auto-polling, unmasked (DR returns it) */
    bool poll_ftf;        /* auto-polling FTF: a status read completed, DR not read since */
    uint64_t poll_at_ns;  /* virtual time of the last status read */
    uint64_t mm_at_ns;    /* virtual time of the last memory-mapped access */
    /* Memory-mapped prefetch: the 32-byte line the last read fetched (RM0438: the OCTOSPI
     * prefetches after each access). Dropped by any register write or memory write. */
    uint8_t mm_line[32];
    uint32_t mm_line_addr;
    bool mm_line_valid;
    uint32_t reported;        /* one bit per once-only notice already given */
    uint32_t busy_seen[8];    /* registers whose write while BUSY was reported */
    uint32_t unknown_seen[8]; /* unknown offsets already reported */
} se_octospi;

extern const se_periph_class se_octospi_class;

void se_octospi_reset(se_octospi *s);
uint32_t se_octospi_read(se_octospi *s, uint32_t offset, unsigned size);
void se_octospi_write(se_octospi *s, uint32_t offset, uint32_t value, unsigned size);

/* Wire the chip (kept across reset). */
void se_octospi_connect(se_octospi *s, se_flash_port port);

/* The memory-mapped window: offset from the window base (mem_base), 1/2/4-byte accesses, little-
 * endian (byte 0 of the frame in bits 7:0). se_octospi_mem_ok tells whether an access at
 * offset would be answered: EN=1, FMODE=11 and offset inside 2^(DEVSIZE+1). If not, the machine
 * may raise a BusFault instead of calling mem_read/mem_write, which otherwise read 0 and
 * ignore the write, reported once (docs/hardware.md B.4, D.8: the silicon behaviour is open). */
bool se_octospi_mem_ok(const se_octospi *s, uint32_t offset);
uint32_t se_octospi_mem_read(se_octospi *s, uint32_t offset, unsigned size);
void se_octospi_mem_write(se_octospi *s, uint32_t offset, uint32_t value, unsigned size);

/* Memory-mapped reads now return the chip's array bytes at their offset, unchanged: EN=1,
 * FMODE=11, no timeout (TCEN=0), the clock on, and the chip says a frame of the read
 * configuration (CCR/TCR/IR/ABR) reads its array (se_flash_chip_ops.reads_array). The
 * machine then lets the CPU read the array in place. */
bool se_octospi_mem_direct(se_octospi *s);

/* The state a run of memory-mapped reads leaves when the machine served them from the array
 * in place (se_octospi_mem_direct was true): the controller is busy in memory-mapped mode
 * from now on, as after se_octospi_mem_read, and its prefetch line is dropped. */
void se_octospi_mem_touch(se_octospi *s);

/* The DMA request line (DMAMUX1 input 41 on the L5): 0 when down, else how many bytes may
 * move before it can change: CR.DMAEN and EN set and either an indirect write with a data
 * phase (the rest of the transfer, or the next one's DLR+1: the FIFO never fills in this
 * model, and a transfer that completes leaves the line up as FTF does) or an indirect read
 * with bytes left to deliver. */
uint32_t se_octospi_dma_ready(const se_octospi *s);
/* n bytes through DR in a row, as n byte writes (write) or reads would move them. */
void se_octospi_dr_stream(se_octospi *s, uint8_t *bytes, uint32_t n, bool write);

/* The controller as the machine drives it: window, DMA data register, bus figures. */
extern const se_memctl_ops se_octospi_memctl;
/* Bytes of the device per DCR1.DEVSIZE: 2^(DEVSIZE+1). */
uint64_t se_octospi_device_size(const se_octospi *s);

#endif
