#include "peripherals/periph.h"

#include <inttypes.h>
#include <stdio.h>

const se_reg *se_reg_find(const se_reg *tab, size_t n, uint32_t off)
{
    for (size_t i = 0; i < n; i++)
        if (tab[i].off == off)
            return &tab[i];
    return NULL;
}

const se_reg *se_reg_lookup(se_reg_table *t, uint32_t off)
{
    if (!t->built) {
        for (uint16_t i = 0; i < t->n; i++)
            if (t->regs[i].off / 4u < t->nwords)
                t->index[t->regs[i].off / 4u] = (uint16_t)(i + 1u);
        t->built = true;
    }
    uint32_t w = off >> 2;
    return (off & 3u) == 0 && w < t->nwords && t->index[w] ? &t->regs[t->index[w] - 1u] : NULL;
}

uint32_t se_reg_lanes(uint32_t offset, unsigned size)
{
    if (size >= 4)
        return 0xFFFFFFFFu;
    uint32_t m = size == 1 ? 0xFFu : 0xFFFFu;
    return m << ((offset & 3u) * 8u);
}

uint32_t se_reg_lane_value(uint32_t offset, uint32_t value, unsigned size)
{
    if (size >= 4)
        return value;
    return (value << ((offset & 3u) * 8u)) & se_reg_lanes(offset, size);
}

uint32_t se_reg_lane_read(uint32_t reg, uint32_t offset, unsigned size)
{
    uint32_t v = reg >> ((offset & 3u) * 8u);
    if (size == 1)
        return v & 0xFFu;
    if (size == 2)
        return v & 0xFFFFu;
    return v;
}

bool se_reg_once(uint32_t seen[8], uint32_t offset)
{
    uint32_t i = (offset & 0x3FFu) >> 2;
    uint32_t bit = 1u << (i & 31u);
    if (seen[i >> 5] & bit)
        return false;
    seen[i >> 5] |= bit;
    return true;
}

void se_periph_log(const se_periph_host *host, int level, const char *dev, uint32_t base,
                   uint32_t offset, const char *what)
{
    if (!host || !host->log)
        return;
    char where[48];
    if (base)
        snprintf(where, sizeof where, "0x%08" PRIx32 " (+0x%03" PRIx32 ")", base + offset, offset);
    else
        snprintf(where, sizeof where, "+0x%03" PRIx32, offset);
    uint32_t pc = host->pc ? host->pc(host->opaque) : 0;
    char msg[256];
    if (pc)
        snprintf(msg, sizeof msg, "%s %s: %s, pc 0x%08" PRIx32, dev, where, what, pc);
    else
        snprintf(msg, sizeof msg, "%s %s: %s", dev, where, what);
    host->log(host->opaque, level, msg);
}

void se_periph_unknown(const se_periph_host *host, uint32_t seen[8], const char *dev, uint32_t base,
                       uint32_t offset, bool write, uint32_t value)
{
    if (!se_reg_once(seen, offset & ~3u))
        return;
    char what[96];
    if (write)
        snprintf(what, sizeof what, "write of 0x%08" PRIx32 " to an unmodelled register ignored",
                 value);
    else
        snprintf(what, sizeof what, "read of an unmodelled register returns 0");
    se_periph_log(host, SE_LOG_WARN, dev, base, offset, what);
}
