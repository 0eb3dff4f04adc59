/* A register file: a 1 KiB device of registers with reset values (TZEN-dependent where needed),
 * write masks and write-1-to-clear bits, for peripherals a loader configures but whose function
 * does not matter here. The only behaviour is a table of "follow" rules: a field that copies
 * another at once (a ready flag its enable, SWS the SW field), so that the clock and power
 * blocks of a family can be data (emu/boards/stm32u5.c). No other flag is ever set. */
#ifndef SE_REGFILE_H
#define SE_REGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peripherals/periph.h"

#define SE_REGFILE_SIZE 0x400u
#define SE_REGFILE_NWORDS (SE_REGFILE_SIZE / 4u)

/* Bits of one register, by offset (a write-1-to-clear mask, or a reset value). */
typedef struct se_regfile_bits {
    uint16_t off;
    uint32_t bits;
} se_regfile_bits;

/* A field that follows another at once: after reset and every write, the bits dst_mask of
 * dst_off become the bits src_mask of src_off moved by shift (left when positive). */
typedef struct se_regfile_follow {
    uint16_t src_off;
    uint32_t src_mask;
    uint16_t dst_off;
    int8_t shift;
} se_regfile_follow;

/* What a register file holds. regs gives each register's access, reset value (TZEN=0) and the
 * bits a write changes; w1c the bits a written 1 clears (a written 0 leaves them); tzen_reset
 * the reset values that differ when FLASH_OPTR.TZEN = 1. Offsets are below SE_REGFILE_SIZE. */
typedef struct se_regfile_desc {
    const se_reg *regs;
    size_t nregs;
    const se_regfile_bits *w1c;
    size_t nw1c;
    const se_regfile_bits *tzen_reset;
    size_t ntzen_reset;
} se_regfile_desc;

typedef struct se_regfile {
    /* Configuration, kept across reset (set by se_regfile_setup). */
    const se_periph_host *host;
    const se_regfile_desc *desc; /* NULL before setup: every offset is unknown */
    uint32_t base;
    bool tzen;
    const se_regfile_follow *follow; /* se_regfile_set_follow; NULL = none */
    size_t nfollow;
    char name[24];
    uint32_t r[SE_REGFILE_NWORDS]; /* by offset / 4 */
    uint32_t unknown_seen[8];      /* report-once bitmap, one bit per word */
} se_regfile;

extern const se_periph_class se_regfile_class;

/* Configure s (normally the state se_bus_attach returned) and reset it. name is copied. */
void se_regfile_setup(se_regfile *s, const char *name, uint32_t base, const se_regfile_desc *desc,
                      const se_periph_host *host, bool tzen);
/* Give s follow rules (kept across reset) and apply them. */
void se_regfile_set_follow(se_regfile *s, const se_regfile_follow *rules, size_t n);
/* Reapply the table (and the TZEN=1 values if tzen); forget which unknown offsets were seen. */
void se_regfile_reset(se_regfile *s);
uint32_t se_regfile_read(se_regfile *s, uint32_t offset, unsigned size);
void se_regfile_write(se_regfile *s, uint32_t offset, uint32_t value, unsigned size);

#endif
