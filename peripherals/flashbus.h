/* The serial-flash bus between a controller (OCTOSPI today; QUADSPI or FMC later) and a
 * flash chip model: one frame = one chip-select-low..high transaction with its phases, as
 * the controller put it on the wire. The chip decides what the frame means in its current
 * mode; the controller never interprets commands. */
#ifndef SE_FLASHBUS_H
#define SE_FLASHBUS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct se_flash_phase {
    uint8_t lines;   /* 0 = phase absent, else 1, 2, 4 or 8 */
    bool dtr;        /* both clock edges */
    uint8_t size;    /* instruction/address/alternate bytes: 1..4 (unused for data) */
} se_flash_phase;

typedef struct se_flash_frame {
    se_flash_phase inst;
    uint32_t inst_value;     /* sent MSB first: a 16-bit 0x05FA goes out 0x05, 0xFA */
    se_flash_phase addr;
    uint32_t addr_value;
    se_flash_phase alt;
    uint32_t alt_value;
    uint8_t dummy_cycles;    /* clock cycles between address/alternate and data */
    se_flash_phase data;     /* lines 0 = no data phase */
    bool dqs;                /* controller samples read data with DQS */
    bool write;              /* data goes controller -> chip */
    uint32_t len;            /* data bytes */
    uint8_t *buf;            /* len bytes: source for writes, filled by the chip for reads */
} se_flash_frame;

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
} se_flash_chip_ops;

typedef struct se_flash_port {
    const se_flash_chip_ops *ops;
    void *chip;
} se_flash_port;

#endif
