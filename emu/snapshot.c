/* Snapshots: the machine saved and restored part by part. Each part below names what it
 * copies; the machine's own state is one struct (machine_state, emu/machine_impl.h), so a
 * field added there is saved with no further code, and the machine's resources (Unicorn,
 * hooks, page tables, the coverage map, the board's wiring) are never rolled back. */
#include "emu/machine_impl.h"

#include <stdlib.h>
#include <string.h>

struct se_machine_snap {
    uc_context *cpu;                       /* part "cpu": the core's registers */
    uint8_t *sram;                         /* part "sram" */
    uint8_t *more_ram[SE_PROFILE_MAX_RAM]; /* part "more RAM": the profile's more_ram */
    size_t ndev;
    void **dev;       /* part "devices": every bus device's state */
    void *chip;       /* part "flash part": the chip model's state */
    machine_state st; /* part "machine": time, SCS, exceptions, TrustZone, reports */
                      /* part "flash array": the image's undo log (mark / rewind) */
};

se_machine_snap *se_machine_snap_take(se_machine *m)
{
    se_machine_snap *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->sram = malloc(m->prof->sram.size);
    s->ndev = se_bus_ndevices(m->bus);
    s->dev = calloc(s->ndev ? s->ndev : 1, sizeof *s->dev);
    if (m->ext)
        s->chip = malloc(m->ext->desc.chip->state_size);
    bool ok = true;
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM && m->prof->more_ram[i].size; i++)
        ok = ok && (s->more_ram[i] = malloc(m->prof->more_ram[i].size)) != NULL;
    if (!ok || !s->sram || !s->dev || (m->ext && !s->chip) ||
        uc_context_alloc(m->uc, &s->cpu) != UC_ERR_OK) {
        se_machine_snap_free(s);
        return NULL;
    }
    for (size_t i = 0; i < s->ndev; i++) {
        const se_bus_device *d = se_bus_device_at(m->bus, i);
        s->dev[i] = malloc(d->cls->state_size ? d->cls->state_size : 1);
        if (!s->dev[i]) {
            se_machine_snap_free(s);
            return NULL;
        }
        memcpy(s->dev[i], d->state, d->cls->state_size);
    }
    uc_context_save(m->uc, s->cpu);
    memcpy(s->sram, m->sram, m->prof->sram.size);
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM && s->more_ram[i]; i++)
        memcpy(s->more_ram[i], m->more_ram[i], m->prof->more_ram[i].size);
    s->st = m->st;
    if (m->ext) {
        memcpy(s->chip, m->ext->chip, m->ext->desc.chip->state_size);
        if (!se_flash_image_mark(m->ext->img)) {
            se_machine_snap_free(s);
            return NULL;
        }
    }
    return s;
}

/* TrustZone: the page table and the pages carved out on Unicorn are resources recomputed
 * from what decides them (SAU, GTZC, the loader's security state): when restoring changes
 * that, they are recomputed at the next call, as after any such change. */
static bool tz_inputs_differ(const machine_state *a, const machine_state *b)
{
    return memcmp(&a->tz, &b->tz, sizeof a->tz) != 0 || a->cpu_secure != b->cpu_secure ||
           a->scs.sau_ctrl != b->scs.sau_ctrl ||
           memcmp(a->scs.sau_rbar, b->scs.sau_rbar, sizeof a->scs.sau_rbar) != 0 ||
           memcmp(a->scs.sau_rlar, b->scs.sau_rlar, sizeof a->scs.sau_rlar) != 0;
}

/* Everything back as it was at the snapshot; the flash array through its undo log, so the
 * cost follows what changed, not the whole array. */
void se_machine_snap_restore(se_machine *m, const se_machine_snap *s)
{
    const se_profile *p = m->prof;
    /* part "sram"; translated code of the image is dropped when the image's bytes differ */
    uint32_t lo = m->image_base > p->sram.base ? m->image_base - p->sram.base : 0;
    uint32_t hi = m->image_end > p->sram.base ? m->image_end - p->sram.base : 0;
    if (hi > p->sram.size)
        hi = p->sram.size;
    bool code_changed = hi > lo && memcmp(m->sram + lo, s->sram + lo, hi - lo) != 0;
    memcpy(m->sram, s->sram, p->sram.size);
    if (code_changed) {
        uc_ctl_remove_cache(m->uc, p->sram.base + lo, p->sram.base + hi);
        memset(m->icache, 0, sizeof m->icache);
        m->traps->scan_due = true;
    }
    /* part "more RAM"; code translated from it is dropped when it differs */
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM && s->more_ram[i]; i++) {
        const se_ram_region *r = &p->more_ram[i];
        if (memcmp(m->more_ram[i], s->more_ram[i], r->size) == 0)
            continue;
        memcpy(m->more_ram[i], s->more_ram[i], r->size);
        uc_ctl_remove_cache(m->uc, r->base, (uint64_t)r->base + r->size);
        memset(m->icache, 0, sizeof m->icache);
    }
    /* part "cpu" */
    uc_context_restore(m->uc, s->cpu);
    /* part "devices" */
    for (size_t i = 0; i < s->ndev; i++) {
        const se_bus_device *d = se_bus_device_at(m->bus, i);
        memcpy(d->state, s->dev[i], d->cls->state_size);
    }
    /* part "machine" */
    if (tz_inputs_differ(&m->st, &s->st))
        m->tz_dirty = true;
    m->st = s->st;
    m->traps->dirty = true; /* the hooks Unicorn has follow CCR, which may differ now */
    /* parts "flash part" and "flash array"; the window's mapping follows the controller's
     * restored state from scratch */
    if (m->ext) {
        se_window_reset(m->ext->win);
        memcpy(m->ext->chip, s->chip, m->ext->desc.chip->state_size);
        se_flash_image_rewind(m->ext->img);
    }
}

void se_machine_snap_free(se_machine_snap *s)
{
    if (!s)
        return;
    if (s->cpu)
        uc_context_free(s->cpu);
    for (size_t i = 0; s->dev && i < s->ndev; i++)
        free(s->dev[i]);
    free(s->dev);
    free(s->sram);
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM; i++)
        free(s->more_ram[i]);
    free(s->chip);
    free(s);
}
