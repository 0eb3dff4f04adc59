/* The device-model interface: every model in peripherals/ is plain state in one struct
 * plus reset and register read/write by offset, so a snapshot is a copy of the state and a
 * test can build a device without a CPU. Side effects go through se_periph_host. */
#ifndef SE_PERIPH_H
#define SE_PERIPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SE_LOG_INFO, SE_LOG_WARN, SE_LOG_ERROR };

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

#endif
