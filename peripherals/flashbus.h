/* The serial-flash bus between a controller (OCTOSPI, QUADSPI, SPI) and a
 * flash chip model: one frame = one chip-select-low..high transaction with its phases, as
 * the controller put it on the wire. The chip decides what the frame means in its current
 * mode; the controller never interprets commands. */
#ifndef SE_FLASHBUS_H
#define SE_FLASHBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct se_flash_phase {
    uint8_t lines; /* 0 = phase absent, else 1, 2, 4 or 8 */
    bool dtr;      /* both clock edges */
    uint8_t size;  /* instruction/address/alternate bytes: 1..4 (unused for data) */
} se_flash_phase;

typedef struct se_flash_frame {
    se_flash_phase inst;
    uint32_t inst_value; /* sent MSB first: a 16-bit 0x05FA goes out 0x05, 0xFA */
    se_flash_phase addr;
    uint32_t addr_value;
    se_flash_phase alt;
    uint32_t alt_value;
    uint8_t dummy_cycles; /* clock cycles between address/alternate and data */
    se_flash_phase data;  /* lines 0 = no data phase */
    bool dqs;             /* controller samples read data with DQS */
    bool write;           /* data goes controller -> chip */
    uint32_t len;         /* data bytes */
    uint8_t *buf;         /* len bytes: source for writes, filled by the chip for reads */
} se_flash_frame;

/* A command as a byte-stream controller (SPI under a chip select) must frame it: the chip's
 * answer to stream_shape below. Every phase is on one line, single data rate. */
typedef struct se_flash_stream_shape {
    uint8_t addr_bytes;  /* address bytes after the instruction (0, 3 or 4) */
    uint8_t dummy_bytes; /* dummy bytes (dummy cycles / 8) before the data */
    bool read;           /* data flows chip -> controller */
    bool array;          /* read: consecutive bytes come from consecutive addresses */
    uint8_t reg_len;     /* read of a register: bytes it answers (then it repeats) */
} se_flash_stream_shape;

typedef struct se_flash_chip_ops {
    const char *name;
    /* One whole transaction at virtual time now_ns. For a read the chip fills buf[0..len)
     * (what the data lines carry: a chip that does not answer leaves the bus floating,
     * modelled as 0xFF). */
    void (*transfer)(void *chip, se_flash_frame *f, uint64_t now_ns);
    /* When the chip's status next changes on its own (an operation ends), or 0 if nothing
     * is running. Optional: lets a controller tell the machine that polling is only
     * waiting. */
    uint64_t (*busy_until)(const void *chip);
    /* Optional: true when a read frame shaped like f (any address, any length) would now
     * return the array's bytes at its address unchanged, with no warning and no change of
     * the chip's state; a controller may then let the CPU read the array in place. */
    bool (*reads_array)(void *chip, const se_flash_frame *f, uint64_t now_ns);
    /* Optional, for byte-stream controllers: the shape of the command whose instruction byte
     * is op, as the chip would take it now in 1-1-1 mode. false: the chip has no such 1-line
     * command now (the controller then passes the rest of the stream on as data). */
    bool (*stream_shape)(void *chip, uint8_t op, se_flash_stream_shape *out);
} se_flash_chip_ops;

typedef struct se_flash_port {
    const se_flash_chip_ops *ops;
    void *chip;
} se_flash_port;

/* ---- a flash part, as a board names it ------------------------------------------------ */

struct se_flash_image;
struct se_periph_host;

/* One kind of warning a chip counts, by a stable name (also a JSON key). */
typedef struct se_flash_stat {
    const char *kind;
    uint64_t count;
} se_flash_stat;

/* How long the chip stays busy (WIP=1) for each program/erase, in virtual nanoseconds: the
 * times the model holds it, so a caller can tell how long an operation may legitimately
 * wait (the fuzzer's per-call budget, docs/fuzzing.md). */
typedef struct se_flash_times {
    uint64_t page_ns;      /* one page program */
    uint32_t page;         /* page-program buffer, bytes */
    uint64_t erase_4k_ns;  /* 4 KiB sector erase */
    uint64_t erase_64k_ns; /* 64 KiB block erase */
    uint64_t chip_ns;      /* chip (bulk) erase */
} se_flash_times;

typedef struct se_flash_chip_class {
    const char *name;  /* "MX25LM51245G" */
    uint32_t size;     /* bytes of the array (the flash image's size) */
    size_t state_size; /* the chip's plain state, which snapshots copy */
    const se_flash_chip_ops *ops;
    /* A chip over img (size bytes) at power-on reset; host may be NULL. NULL: no memory. */
    void *(*create)(const struct se_periph_host *host, struct se_flash_image *img);
    void (*destroy)(void *chip);
    /* One log line per frame; at most warn_log_limit lines per warning kind (0 = all). */
    void (*configure)(void *chip, bool log_commands, unsigned warn_log_limit);
    /* Frames so far, warnings so far, and up to max kinds with their counts (all of them,
     * zero or not, in a fixed order); returns how many kinds were written. */
    unsigned (*stats)(const void *chip, uint64_t *frames, uint64_t *warnings, se_flash_stat *kinds,
                      unsigned max);
    /* The busy times the model holds (see se_flash_times). */
    void (*times)(const void *chip, se_flash_times *t);
    /* Optional: frames at or after since_ns were ignored because the chip is still in a mode
     * it entered before since_ns: true, with phrases (len bytes each) naming the mode and
     * how it was entered, and the frames it ignored. *entered_ns (always written): when
     * the chip entered its current mode (0: power-on). */
    bool (*mode_cause)(const void *chip, uint64_t since_ns, char *mode, char *frames, size_t len,
                       uint64_t *entered_ns);
    /* Optional: an array read at or after since_ns returned other bytes than the array
     * holds, for a reason of the frame (wrong dummy cycles): true, with that reason in buf. */
    bool (*read_cause)(const void *chip, uint64_t since_ns, char *buf, size_t len);
} se_flash_chip_class;

/* ---- the controller side: what a memory controller offers the machine ------------------ */

/* A serial-memory controller with a memory-mapped window (OCTOSPI; QUADSPI later): the
 * machine maps its window, lets DMA reach its data register, and records its bus. Offsets
 * are from the window's base. */
typedef struct se_memctl_ops {
    void (*connect)(void *ctl, se_flash_port port);
    void (*reset)(void *ctl);
    /* An access at off would be answered (memory-mapped mode, inside the device). */
    bool (*mem_ok)(const void *ctl, uint32_t off);
    /* Optional: why an access at off is not answered ("in indirect-write mode (CR.FMODE=00)"),
     * for the reason of a host read of the window that failed. */
    void (*mem_why_not)(const void *ctl, uint32_t off, char *buf, size_t len);
    uint32_t (*mem_read)(void *ctl, uint32_t off, unsigned size);
    void (*mem_write)(void *ctl, uint32_t off, uint32_t value, unsigned size);
    /* Memory-mapped reads return the array's bytes unchanged now; mem_touch: the state a
     * run of such reads leaves when the machine served them from the array in place. */
    bool (*mem_direct)(void *ctl);
    void (*mem_touch)(void *ctl);
    /* The DMA request line: 0 when down, else the bytes that may move before it changes. */
    uint32_t (*dma_ready)(const void *ctl);
    /* n bytes through the data register (at dr_offset in the register block). */
    void (*dr_stream)(void *ctl, uint8_t *bytes, uint32_t n, bool write);
    uint32_t dr_offset;
    /* The clock feeding the controller changed (its kernel clock, ahead of the prescaler). */
    void (*set_kernel_hz)(void *ctl, uint32_t hz);
    /* The bus as a waveform shows it (--vcd): the wire clock and chip-select high time. */
    uint32_t (*bus_hz)(const void *ctl);
    unsigned (*cs_high_cycles)(const void *ctl);
} se_memctl_ops;

#endif
