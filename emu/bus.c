#include "emu/bus.h"

#include <stdlib.h>
#include <string.h>

#define SLOT_SHIFT 10u /* STM32 peripherals sit on 1 KiB boundaries */

struct se_bus {
    uint32_t base, size, alias;
    uint8_t *slot; /* per 1 KiB slot: device index + 1, 0 = none */
    se_bus_device dev[SE_BUS_MAX_DEVICES];
    size_t ndev;
    se_bus_unmodelled_fn unmodelled;
    void *opaque;
};

se_bus *se_bus_new(uint32_t window_base, uint32_t window_size, uint32_t alias_base)
{
    se_bus *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->base = window_base;
    b->size = window_size;
    b->alias = alias_base;
    b->slot = calloc((size_t)(window_size >> SLOT_SHIFT) + 1, 1);
    if (!b->slot) {
        free(b);
        return NULL;
    }
    return b;
}

void se_bus_free(se_bus *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ndev; i++)
        free(b->dev[i].state);
    free(b->slot);
    free(b);
}

void se_bus_set_unmodelled(se_bus *b, se_bus_unmodelled_fn fn, void *opaque)
{
    b->unmodelled = fn;
    b->opaque = opaque;
}

/* The offset of addr in the bus and the range it came through (SE_BUS_REACH_*), 0 if none. */
static unsigned to_offset(const se_bus *b, uint32_t addr, uint32_t *off)
{
    if (addr - b->base < b->size) {
        *off = addr - b->base;
        return SE_BUS_REACH_BASE;
    }
    if (b->alias && addr - b->alias < b->size) {
        *off = addr - b->alias;
        return SE_BUS_REACH_ALIAS;
    }
    return 0;
}

/* The device at addr, reachable from the range addr is in; its offset in *off. */
static const se_bus_device *find(const se_bus *b, uint32_t addr, uint32_t *off)
{
    unsigned via = to_offset(b, addr, off);
    if (!via)
        return NULL;
    uint8_t s = b->slot[*off >> SLOT_SHIFT];
    const se_bus_device *d = s ? &b->dev[s - 1] : NULL;
    return d && (d->reach & via) ? d : NULL;
}

void *se_bus_attach(se_bus *b, const se_periph_class *cls, const char *name, uint32_t base,
                    uint32_t size)
{
    uint32_t off;
    if (b->ndev >= SE_BUS_MAX_DEVICES || !to_offset(b, base, &off) || size == 0 ||
        (off & ((1u << SLOT_SHIFT) - 1)) || (size & ((1u << SLOT_SHIFT) - 1)) ||
        size > b->size - off)
        return NULL;
    for (uint32_t s = off >> SLOT_SHIFT; s < (off + size) >> SLOT_SHIFT; s++)
        if (b->slot[s])
            return NULL;
    se_bus_device *d = &b->dev[b->ndev];
    d->state = calloc(1, cls->state_size ? cls->state_size : 1);
    if (!d->state)
        return NULL;
    d->cls = cls;
    d->reach = SE_BUS_REACH_BASE | SE_BUS_REACH_ALIAS;
    d->base = b->base + off;
    d->size = size;
    strncpy(d->name, name ? name : cls->name, sizeof d->name - 1);
    b->ndev++;
    for (uint32_t s = off >> SLOT_SHIFT; s < (off + size) >> SLOT_SHIFT; s++)
        b->slot[s] = (uint8_t)b->ndev;
    if (cls->reset)
        cls->reset(d->state);
    return d->state;
}

const se_bus_device *se_bus_find(const se_bus *b, uint32_t addr)
{
    uint32_t off;
    return find(b, addr, &off);
}

bool se_bus_set_reach(se_bus *b, const void *state, unsigned reach)
{
    for (size_t i = 0; i < b->ndev; i++)
        if (b->dev[i].state == state) {
            b->dev[i].reach = (uint8_t)(reach & (SE_BUS_REACH_BASE | SE_BUS_REACH_ALIAS));
            return true;
        }
    return false;
}

size_t se_bus_ndevices(const se_bus *b) { return b->ndev; }

const se_bus_device *se_bus_device_at(const se_bus *b, size_t i)
{
    return i < b->ndev ? &b->dev[i] : NULL;
}

void se_bus_reset(se_bus *b)
{
    for (size_t i = 0; i < b->ndev; i++)
        if (b->dev[i].cls->reset)
            b->dev[i].cls->reset(b->dev[i].state);
}

uint32_t se_bus_read(se_bus *b, uint32_t addr, unsigned size)
{
    uint32_t off = 0;
    const se_bus_device *d = find(b, addr, &off);
    if (d && d->cls->read)
        return d->cls->read(d->state, off - (d->base - b->base), size);
    if (b->unmodelled)
        b->unmodelled(b->opaque, addr, false, 0, size);
    return 0;
}

void se_bus_write(se_bus *b, uint32_t addr, uint32_t value, unsigned size)
{
    uint32_t off = 0;
    const se_bus_device *d = find(b, addr, &off);
    if (d && d->cls->write) {
        d->cls->write(d->state, off - (d->base - b->base), value, size);
        return;
    }
    if (b->unmodelled)
        b->unmodelled(b->opaque, addr, true, value, size);
}
