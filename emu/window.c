#include "emu/window.h"

#include <stdlib.h>
#include <string.h>

/* Unicorn 2.0.1 facts that shape this module (measured here, 2026-12):
 *  - uc_mem_unmap flushes the TLB page by page: 144 us for 1 MiB, 540 us for 4 MiB, 8.9 ms
 *    for 64 MiB. A block therefore goes in place only after many reads, so the remap is
 *    paid back; short reads stay on the model.
 *  - Mapping 256 regions one by one takes 32 ms (the memory map is rebuilt each time), 64
 *    take 1.9 ms; and every slow-path access (a store to RAM, any MMIO access) looks its
 *    region up by binary search, so regions cost every loader. The array is one region
 *    until a block first goes in place; then it is split once (about 9 ms for 64 MiB) into
 *    blocks of 4 MiB: 16 regions.
 *  - A region may be unmapped from inside another region's MMIO callback (accesses later in
 *    the same translated block then see the new map), not from inside its own, and not from
 *    a memory-fault hook (load_helper keeps TLB pointers across the hook: a crash).
 *  - Permissions are only checked when a TLB entry is filled, and uc_mem_protect does not
 *    flush: in-place blocks are mapped read-only once and unmapped to leave. */
#define MAX_IN_PLACE 16u /* blocks mapped in place at once (64 MiB) */

enum blk_state {
    BLK_MODEL,   /* MMIO: every access through the model */
    BLK_PENDING, /* MMIO, to be mapped in place at the next se_window_apply */
    BLK_DIRECT,  /* the array's memory, read-only */
};

typedef struct blk {
    struct se_window *w;
    uint32_t off; /* from the window base */
    uint8_t state;
    uint32_t reads; /* model reads in a row while in-place reads were allowed ... */
    uint64_t epoch; /* ... counted since this se_window_check */
    uint64_t used;  /* LRU stamp */
} blk;

struct se_window {
    uc_engine *uc;
    uint32_t base, size, dev_size, after;
    se_window_ops ops;
    unsigned nblk;
    blk *b;
    blk tail;  /* [dev_size, size) (or all of it): always MMIO */
    blk whole; /* [0, dev_size) as one region until the first block goes in place */
    bool split;
    unsigned in_place_now; /* blocks DIRECT */
    uint64_t clock;
    uint64_t epoch; /* se_window_check calls */
    bool any_pending;
    se_window_stats st;
};

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    blk *k = user;
    return k->w->ops.read(k->w->ops.ctx, k->off + (uint32_t)offset, size);
}

static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    blk *k = user;
    k->w->ops.write(k->w->ops.ctx, k->off + (uint32_t)offset, (uint32_t)value, size);
}

static uc_err map_model(se_window *w, blk *k, uint32_t len)
{
    return uc_mmio_map(w->uc, w->base + k->off, len, mmio_read, k, mmio_write, k);
}

se_err se_window_new(uc_engine *uc, uint32_t base, uint32_t size, uint32_t dev_size, uint32_t after,
                     const se_window_ops *ops, se_window **out, se_error *err)
{
    *out = NULL;
    if (dev_size % SE_WINDOW_BLOCK || dev_size > size)
        return se_error_set(err, SE_ERR_USAGE, "window: device size 0x%x does not fit", dev_size);
    se_window *w = calloc(1, sizeof *w);
    if (!w)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    w->uc = uc;
    w->base = base;
    w->size = size;
    w->after = after;
    w->dev_size = after ? dev_size : 0; /* nothing in place: one region, as cheap as it gets */
    w->ops = *ops;
    w->nblk = w->dev_size / SE_WINDOW_BLOCK;
    w->b = calloc(w->nblk ? w->nblk : 1, sizeof *w->b);
    if (!w->b) {
        free(w);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
    uc_err ue = UC_ERR_OK;
    for (unsigned i = 0; i < w->nblk; i++)
        w->b[i] = (blk){w, i * SE_WINDOW_BLOCK, BLK_MODEL, 0, 0, 0};
    w->whole = (blk){w, 0, BLK_MODEL, 0, 0, 0};
    if (w->dev_size)
        ue = map_model(w, &w->whole, w->dev_size);
    w->tail = (blk){w, w->dev_size, BLK_MODEL, 0, 0, 0};
    if (ue == UC_ERR_OK && size > w->dev_size)
        ue = map_model(w, &w->tail, size - w->dev_size);
    if (ue != UC_ERR_OK) {
        free(w->b);
        free(w);
        return se_error_set(err, SE_ERR_EMU, "unicorn: map the external memory window: %s",
                            uc_strerror(ue));
    }
    *out = w;
    return SE_OK;
}

void se_window_free(se_window *w)
{
    if (!w)
        return;
    free(w->b);
    free(w);
}

static blk *block_of(const se_window *w, uint64_t addr)
{
    if (!w || addr < w->base || addr - w->base >= w->dev_size)
        return NULL;
    return &w->b[(addr - w->base) / SE_WINDOW_BLOCK];
}

/* Back on the model. */
static void revert(se_window *w, blk *k)
{
    if (k->state != BLK_DIRECT)
        return;
    if (uc_mem_unmap(w->uc, w->base + k->off, SE_WINDOW_BLOCK) != UC_ERR_OK ||
        map_model(w, k, SE_WINDOW_BLOCK) != UC_ERR_OK)
        return; /* cannot happen for a block we mapped; it then stays in place */
    k->state = BLK_MODEL;
    k->reads = 0;
    w->in_place_now--;
    w->st.reverted++;
}

bool se_window_read_seen(se_window *w, uint32_t offset)
{
    blk *k = w ? block_of(w, (uint64_t)w->base + offset) : NULL;
    if (!k || k->state != BLK_MODEL)
        return false;
    if (k->epoch != w->epoch) {
        k->epoch = w->epoch;
        k->reads = 0;
    }
    if (++k->reads < w->after)
        return false;
    k->reads = 0;
    if (!w->ops.direct_ok(w->ops.ctx, k->off, SE_WINDOW_BLOCK))
        return false;
    k->state = BLK_PENDING;
    w->any_pending = true;
    return true;
}

/* The array as one region per block, from the first block that goes in place on. */
static uc_err split(se_window *w)
{
    uc_err ue = uc_mem_unmap(w->uc, w->base, w->dev_size);
    for (unsigned i = 0; i < w->nblk && ue == UC_ERR_OK; i++)
        ue = map_model(w, &w->b[i], SE_WINDOW_BLOCK);
    w->split = ue == UC_ERR_OK;
    return ue;
}

se_err se_window_apply(se_window *w, se_error *err)
{
    if (!w || !w->any_pending)
        return SE_OK;
    w->any_pending = false;
    uc_err se = w->split ? UC_ERR_OK : split(w);
    if (se != UC_ERR_OK)
        return se_error_set(err, SE_ERR_EMU, "unicorn: split the external memory window: %s",
                            uc_strerror(se));
    for (unsigned i = 0; i < w->nblk; i++) {
        blk *k = &w->b[i];
        if (k->state != BLK_PENDING)
            continue;
        k->state = BLK_MODEL;
        /* The state may have changed since the read that picked it. */
        if (!w->ops.direct_ok(w->ops.ctx, k->off, SE_WINDOW_BLOCK))
            continue;
        if (w->in_place_now >= MAX_IN_PLACE) { /* make room: the least recently used */
            blk *old = NULL;
            for (unsigned j = 0; j < w->nblk; j++)
                if (w->b[j].state == BLK_DIRECT && (!old || w->b[j].used < old->used))
                    old = &w->b[j];
            if (old)
                revert(w, old);
        }
        const uint8_t *p = w->ops.direct_ptr(w->ops.ctx, k->off, SE_WINDOW_BLOCK);
        if (!p)
            continue;
        uc_err ue = uc_mem_unmap(w->uc, w->base + k->off, SE_WINDOW_BLOCK);
        if (ue == UC_ERR_OK) {
            ue = uc_mem_map_ptr(w->uc, w->base + k->off, SE_WINDOW_BLOCK, UC_PROT_READ,
                                (void *)(uintptr_t)p);
            if (ue != UC_ERR_OK)
                map_model(w, k, SE_WINDOW_BLOCK);
        }
        if (ue != UC_ERR_OK)
            return se_error_set(err, SE_ERR_EMU, "unicorn: map 0x%08x in place: %s",
                                w->base + k->off, uc_strerror(ue));
        k->state = BLK_DIRECT;
        k->used = ++w->clock;
        w->in_place_now++;
        w->st.enabled++;
    }
    return SE_OK;
}

void se_window_check(se_window *w)
{
    if (!w)
        return;
    w->epoch++; /* "in a row": any register write starts the counts again */
    if (!w->in_place_now)
        return;
    for (unsigned i = 0; i < w->nblk; i++) {
        blk *k = &w->b[i];
        if (k->state == BLK_DIRECT && !w->ops.direct_ok(w->ops.ctx, k->off, SE_WINDOW_BLOCK))
            revert(w, k);
    }
}

bool se_window_in_place(const se_window *w, uint64_t addr)
{
    const blk *k = block_of(w, addr);
    return k && k->state == BLK_DIRECT;
}

void se_window_revert_at(se_window *w, uint64_t addr)
{
    blk *k = block_of(w, addr);
    if (k)
        revert(w, k);
}

void se_window_reset(se_window *w)
{
    if (!w)
        return;
    w->any_pending = false;
    for (unsigned i = 0; i < w->nblk; i++) {
        blk *k = &w->b[i];
        if (k->state == BLK_PENDING)
            k->state = BLK_MODEL;
        revert(w, k);
        k->reads = 0;
    }
}

void se_window_get_stats(const se_window *w, se_window_stats *st)
{
    *st = w->st;
    st->mapped = w->in_place_now;
}
