/* The peripheral bus: device models from peripherals/ are attached at a base address and
 * reached through both the non-secure and the secure alias. Accesses that hit no model are
 * read as zero, writes ignored, and reported once per register address. */
#ifndef SE_BUS_H
#define SE_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/periph.h"

#define SE_BUS_MAX_DEVICES 64

typedef struct se_bus_device {
    const se_periph_class *cls;
    void *state;
    uint32_t base; /* non-secure alias */
    uint32_t size;
    char name[24];
    uint8_t reach; /* SE_BUS_REACH_*: which of the two ranges reach it */
} se_bus_device;

/* The bus's two address ranges: the window and its alias (TrustZone's secure alias, or the
 * second peripheral window of an F4/L4 board). A device is reached through both unless the
 * board says otherwise. */
#define SE_BUS_REACH_BASE 1u
#define SE_BUS_REACH_ALIAS 2u

typedef struct se_bus se_bus;

/* Notification of an access to an unmodelled register: returns nothing; the machine logs
 * it (once per address) and, in strict mode, stops the call. */
typedef void (*se_bus_unmodelled_fn)(void *opaque, uint32_t addr, bool write, uint32_t value,
                                     unsigned size);

se_bus *se_bus_new(uint32_t window_base, uint32_t window_size, uint32_t alias_base);
void se_bus_free(se_bus *b);
void se_bus_set_unmodelled(se_bus *b, se_bus_unmodelled_fn fn, void *opaque);
/* Attach a device: base must be 1 KiB aligned and inside the window; size multiple of
 * 1 KiB. The bus owns a zeroed state buffer of cls->state_size (reset is called). Returns
 * the state pointer, or NULL if it does not fit or overlaps another device. */
void *se_bus_attach(se_bus *b, const se_periph_class *cls, const char *name, uint32_t base,
                    uint32_t size);
const se_bus_device *se_bus_find(const se_bus *b, uint32_t addr);
/* Let only the ranges in reach (SE_BUS_REACH_*) reach the device whose state is state (e.g.
 * the QUADSPI at 0xA0001000, not at TIM6's 0x40001000). false if state is no device. */
bool se_bus_set_reach(se_bus *b, const void *state, unsigned reach);
size_t se_bus_ndevices(const se_bus *b);
const se_bus_device *se_bus_device_at(const se_bus *b, size_t i);
void se_bus_reset(se_bus *b);

/* Access by absolute address (either alias). */
uint32_t se_bus_read(se_bus *b, uint32_t addr, unsigned size);
void se_bus_write(se_bus *b, uint32_t addr, uint32_t value, unsigned size);

#endif
