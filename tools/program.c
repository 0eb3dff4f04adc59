#include "tools/program.h"

#include <stdio.h>

uint32_t se_sector_count(const se_storage_info *si)
{
    /* the sectors that start inside the device (se_storage_policy: an inconsistent table's
     * sectors past DeviceSize are not used) */
    uint64_t n = 0, base = 0;
    for (unsigned g = 0; g < si->ngroups && base < si->size; g++) {
        uint64_t sz = si->sectors[g].size, span = (uint64_t)si->sectors[g].num * sz;
        uint64_t k = base + span <= si->size ? si->sectors[g].num : (si->size - base + sz - 1) / sz;
        n += k;
        base += span;
    }
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

bool se_sector_at(const se_storage_info *si, uint32_t off, uint32_t *index, uint32_t *start,
                  uint32_t *size)
{
    uint64_t base = 0, idx = 0;
    for (unsigned g = 0; g < si->ngroups; g++) {
        uint64_t sz = si->sectors[g].size, span = (uint64_t)si->sectors[g].num * sz;
        if (sz && off < base + span) {
            uint64_t k = (off - base) / sz;
            *index = (uint32_t)(idx + k);
            *start = (uint32_t)(base + k * sz);
            *size = (uint32_t)sz;
            return true;
        }
        base += span;
        idx += si->sectors[g].num;
    }
    return false;
}

bool se_sector_by_index(const se_storage_info *si, uint32_t index, uint32_t *start, uint32_t *size)
{
    uint64_t base = 0, idx = 0;
    for (unsigned g = 0; g < si->ngroups; g++) {
        uint64_t sz = si->sectors[g].size;
        if (index < idx + si->sectors[g].num) {
            uint64_t at = base + (index - idx) * sz;
            if (at > UINT32_MAX)
                return false;
            *start = (uint32_t)at;
            *size = (uint32_t)sz;
            return true;
        }
        base += (uint64_t)si->sectors[g].num * sz;
        idx += si->sectors[g].num;
    }
    return false;
}

bool se_segment_sectors(const se_storage_info *si, const se_datafile *df, size_t i, uint32_t *first,
                        uint32_t *last)
{
    uint32_t s, z, f, l;
    const se_df_segment *g = &df->segs[i];
    if (!se_sector_at(si, g->addr - si->start, &f, &s, &z) ||
        !se_sector_at(si, g->addr - si->start + g->len - 1, &l, &s, &z))
        return false;
    if (i > 0) { /* what the segment before erased already */
        const se_df_segment *p = &df->segs[i - 1];
        uint32_t pl;
        if (se_sector_at(si, p->addr - si->start + p->len - 1, &pl, &s, &z) && pl >= f)
            f = pl + 1;
    }
    *first = f;
    *last = l;
    return f <= l;
}

se_df_limits se_device_limits(const se_storage_info *si, char *what, size_t len)
{
    snprintf(what, len, "the device %s", si->name);
    return (se_df_limits){si->start, (uint64_t)si->start + si->size, si->size, SE_DF_MAX_RUNS,
                          what};
}
