#include "peripherals/regfile.h"

#include <stdio.h>
#include <string.h>

#define R(s, off) ((s)->r[(off) >> 2])

static uint32_t w1c_mask(const se_regfile_desc *d, uint32_t off)
{
    for (size_t i = 0; i < d->nw1c; i++)
        if (d->w1c[i].off == off)
            return d->w1c[i].bits;
    return 0;
}

static void apply_follow(se_regfile *s)
{
    for (size_t i = 0; i < s->nfollow; i++) {
        const se_regfile_follow *f = &s->follow[i];
        if (f->src_off >= SE_REGFILE_SIZE || f->dst_off >= SE_REGFILE_SIZE)
            continue;
        uint32_t v = R(s, f->src_off) & f->src_mask, m = f->src_mask;
        if (f->shift >= 0) {
            v <<= f->shift;
            m <<= f->shift;
        } else {
            v >>= -f->shift;
            m >>= -f->shift;
        }
        R(s, f->dst_off) = (R(s, f->dst_off) & ~m) | v;
    }
}

void se_regfile_reset(se_regfile *s)
{
    memset(s->r, 0, sizeof s->r);
    memset(s->unknown_seen, 0, sizeof s->unknown_seen);
    const se_regfile_desc *d = s->desc;
    if (!d)
        return;
    for (size_t i = 0; i < d->nregs; i++)
        if (d->regs[i].off < SE_REGFILE_SIZE)
            R(s, d->regs[i].off) = d->regs[i].reset;
    if (s->tzen)
        for (size_t i = 0; i < d->ntzen_reset; i++)
            if (d->tzen_reset[i].off < SE_REGFILE_SIZE)
                R(s, d->tzen_reset[i].off) = d->tzen_reset[i].bits;
    apply_follow(s);
}

void se_regfile_set_follow(se_regfile *s, const se_regfile_follow *rules, size_t n)
{
    s->follow = rules;
    s->nfollow = rules ? n : 0;
    apply_follow(s);
}

void se_regfile_setup(se_regfile *s, const char *name, uint32_t base, const se_regfile_desc *desc,
                      const se_periph_host *host, bool tzen)
{
    snprintf(s->name, sizeof s->name, "%s", name ? name : se_regfile_class.name);
    s->base = base;
    s->desc = desc;
    s->host = host;
    s->tzen = tzen;
    se_regfile_reset(s);
}

static const se_reg *find(const se_regfile *s, uint32_t off)
{
    if (!s->desc || off >= SE_REGFILE_SIZE)
        return NULL;
    return se_reg_find(s->desc->regs, s->desc->nregs, off);
}

uint32_t se_regfile_read(se_regfile *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = find(s, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, s->name, s->base, off, false, 0);
        return 0;
    }
    if (d->access == SE_ACC_WO)
        return 0;
    return se_reg_lane_read(R(s, off), offset, size);
}

void se_regfile_write(se_regfile *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = find(s, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, s->name, s->base, off, true, value);
        return;
    }
    if (d->access == SE_ACC_RO) {
        if (se_reg_once(s->unknown_seen, off))
            se_periph_log(s->host, SE_LOG_WARN, s->name, s->base, off,
                          "write to a read-only register ignored");
        return;
    }
    uint32_t lanes = se_reg_lanes(offset, size);
    uint32_t v = se_reg_lane_value(offset, value, size);
    uint32_t w1c = w1c_mask(s->desc, off) & lanes;
    uint32_t m = d->wmask & ~w1c & lanes;
    R(s, off) = (R(s, off) & ~m & ~(v & w1c)) | (v & m);
    apply_follow(s);
}

SE_PERIPH_CLASS(se_regfile_class, "REGFILE", se_regfile, se_regfile);
