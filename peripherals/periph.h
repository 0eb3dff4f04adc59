/* The device-model interface: every model in peripherals/ is plain state in one struct
 * plus reset and register read/write by offset, so a snapshot is a copy of the state and a
 * test can build a device without a CPU. Side effects go through se_periph_host. Also the
 * helpers every model shares: one register-table form (se_reg), sub-word lanes, report-once
 * and the log line of a register access. Nothing here knows a board or the CPU. */
#ifndef SE_PERIPH_H
#define SE_PERIPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/flashcmd.h"
#include "base/log.h"

/* What the machine offers a device. All callbacks may be NULL in unit tests. */
typedef struct se_periph_host {
    void *opaque;
    /* Virtual time since the machine started, in nanoseconds. */
    uint64_t (*now_ns)(void *opaque);
    /* A diagnostic line from the device; counted in the run summary. */
    void (*log)(void *opaque, int level, const char *msg);
    /* Address of the instruction that is accessing the device (0 if unknown). */
    uint32_t (*pc)(void *opaque);
    /* The core clock (HCLK) changed: virtual time and SysTick follow it. */
    void (*set_core_hz)(void *opaque, uint32_t hz);
    /* The register value just read will not change before virtual time ns unless the CPU
     * writes to the device: a CPU that keeps reading it is only waiting, and the machine
     * may advance virtual time to ns instead of running the loop (policy: --no-idle-skip
     * turns this off). */
    void (*idle_until)(void *opaque, uint64_t ns);
    /* A flash part's command, as data (--log-flash). NULL: the part logs its text line. */
    void (*flash_cmd)(void *opaque, const se_flash_cmd *c);
    /* Whether the register access in progress is Secure (TrustZone-aware devices such as the
     * DMA let only Secure software set their security bits). NULL: Non-secure. */
    bool (*secure_access)(void *opaque);
} se_periph_host;

typedef struct se_periph_class {
    const char *name;
    size_t state_size;
    void (*reset)(void *state);
    uint32_t (*read)(void *state, uint32_t offset, unsigned size);
    void (*write)(void *state, uint32_t offset, uint32_t value, unsigned size);
} se_periph_class;

/* Define `const se_periph_class cls` for a model whose typed functions are
 * prefix_reset(type *), prefix_read(type *, offset, size) and prefix_write(type *, offset,
 * value, size): the untyped adapters are generated here, once for every model. */
#define SE_PERIPH_CLASS(cls, label, type, prefix)                                            \
    static void prefix##_cls_reset(void *st) { prefix##_reset((type *)st); }                 \
    static uint32_t prefix##_cls_read(void *st, uint32_t offset, unsigned size)              \
    {                                                                                        \
        return prefix##_read((type *)st, offset, size);                                      \
    }                                                                                        \
    static void prefix##_cls_write(void *st, uint32_t offset, uint32_t value, unsigned size) \
    {                                                                                        \
        prefix##_write((type *)st, offset, value, size);                                     \
    }                                                                                        \
    const se_periph_class cls = {                                                            \
        .name = label,                                                                       \
        .state_size = sizeof(type),                                                          \
        .reset = prefix##_cls_reset,                                                         \
        .read = prefix##_cls_read,                                                           \
        .write = prefix##_cls_write,                                                         \
    }

/* ---- registers: the one table form every model uses ------------------------------------ */

/* One register of a model's map: how software may access it, its reset value, the bits a
 * write may change, and model-specific flags (e.g. SE_REGF_LOCKED_BUSY). */
typedef enum { SE_ACC_RW, SE_ACC_RO, SE_ACC_WO } se_reg_access;
#define SE_REGF_LOCKED_BUSY 1u /* writes are ignored while the device is busy (OCTOSPI) */
typedef struct se_reg {
    uint16_t off;
    uint8_t access; /* se_reg_access */
    uint32_t reset;
    uint32_t wmask;
    uint8_t flags; /* SE_REG_* */
    const char *name;
} se_reg;

/* A table with a word index built at its first lookup, for models on the hot path. */
typedef struct se_reg_table {
    const se_reg *regs;
    uint16_t n;
    uint16_t nwords; /* words of the register map the index covers */
    uint16_t *index; /* per word: position in regs + 1; 0 = no register */
    bool built;
} se_reg_table;
/* static se_reg_table name over the array regs_array (a map of map_bytes bytes). */
#define SE_REG_TABLE(name, regs_array, map_bytes)                                         \
    static uint16_t name##_index[(map_bytes) / 4u];                                       \
    static se_reg_table name = {regs_array,                                               \
                                (uint16_t)(sizeof(regs_array) / sizeof((regs_array)[0])), \
                                (uint16_t)((map_bytes) / 4u), name##_index, false}

/* The register at word offset off (a multiple of 4), or NULL. */
const se_reg *se_reg_find(const se_reg *tab, size_t n, uint32_t off);
const se_reg *se_reg_lookup(se_reg_table *t, uint32_t off);
/* The lanes of a 32-bit register a size-byte access at offset touches, as a bit mask. */
uint32_t se_reg_lanes(uint32_t offset, unsigned size);
/* value moved to its lanes (zeros elsewhere), for a write of size bytes at offset. */
uint32_t se_reg_lane_value(uint32_t offset, uint32_t value, unsigned size);
/* The size-byte part of reg that an access at offset reads. */
uint32_t se_reg_lane_read(uint32_t reg, uint32_t offset, unsigned size);
/* seen has one bit per 32-bit register of a 1 KiB block (8 words): true the first time
 * offset is passed, and marks it. */
bool se_reg_once(uint32_t seen[8], uint32_t offset);

/* ---- messages ------------------------------------------------------------------------ */

/* Log "<dev> <register address>: <what>, pc ..." through host (no-op when host or its log
 * is NULL). base 0 prints the offset only. */
void se_periph_log(const se_periph_host *host, int level, const char *dev, uint32_t base,
                   uint32_t offset, const char *what);
/* The standard report of an access to an offset the model does not know (once per offset). */
void se_periph_unknown(const se_periph_host *host, uint32_t seen[8], const char *dev, uint32_t base,
                       uint32_t offset, bool write, uint32_t value);

#endif
