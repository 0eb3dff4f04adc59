/* Which chip a loader was built for (loader/origin.h). */
#include "loader/origin.h"

#include "loader/flm.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Link bases known from published loaders: CubeProgrammer 2.14's MX25LM51245G_STM32H573I-DK
 * loader is linked at 0x20003004 while ST's public source links at 0x20000004. */
static const struct {
    uint32_t base;
    const char *family, *note;
} known_bases[] = {
    {0x20003004u, "STM32H5",
     "ST's H5 base: the STM32H573I-DK loader shipped with CubeProgrammer "
     "2.14 is linked there"},
};

static uint32_t word_at(const uint8_t *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/* Can v be a peripheral register address (any family's peripheral space)? */
static bool periph_space(uint32_t v)
{
    return (v >= 0x40000000u && v < 0x60000000u) || (v >= 0xA0000000u && v < 0xA0002000u);
}

typedef struct scan {
    const se_family *fam;
    se_origin *o;      /* NULL when only counting */
    uint32_t seen[64]; /* block keys already counted */
    unsigned nseen;
    unsigned own, foreign; /* blocks of fam / of others only */
} scan;

static bool seen_before(scan *s, uint32_t key)
{
    for (unsigned i = 0; i < s->nseen; i++)
        if (s->seen[i] == key)
            return true;
    if (s->nseen < sizeof s->seen / sizeof s->seen[0])
        s->seen[s->nseen++] = key;
    return false;
}

/* Every word-aligned word of the downloaded segments: the literal pools, and anything else
 * that happens to look like an address (only blocks a known family has are counted). */
static void scan_literals(const se_stldr *l, scan *s)
{
    for (size_t i = 0; i < se_stldr_nsegments(l); i++) {
        const se_segment *g = se_stldr_segment(l, i);
        const uint8_t *d = se_stldr_segment_data(l, i);
        if (g->metadata || !d)
            continue;
        for (uint32_t off = (4u - (g->vaddr & 3u)) & 3u; off + 4 <= g->filesz; off += 4) {
            uint32_t v = word_at(d + off);
            if (!periph_space(v))
                continue;
            const se_block *own = se_family_periph(s->fam, v);
            if (own) {
                if (!seen_before(s, own->base))
                    s->own++;
                continue;
            }
            char owners[120];
            if (!se_family_foreign_periph(s->fam, v, owners, sizeof owners))
                continue;
            if (seen_before(s, (v & ~0x3FFu) | 1u))
                continue;
            if (s->o && s->foreign < SE_ORIGIN_MAX_FOREIGN) {
                se_origin_lit *f = &s->o->foreign[s->foreign];
                f->value = v;
                f->at = g->vaddr + off;
                snprintf(f->owners, sizeof f->owners, "%s", owners);
            }
            s->foreign++;
        }
    }
}

uint32_t se_origin_link_base(const se_stldr *l)
{
    uint32_t lo = UINT32_MAX;
    for (size_t i = 0; i < se_stldr_nsegments(l); i++) {
        const se_segment *g = se_stldr_segment(l, i);
        if (!g->metadata && g->filesz && g->vaddr < lo)
            lo = g->vaddr;
    }
    return lo == UINT32_MAX ? 0 : lo;
}

void se_origin_analyse(const se_stldr *l, const se_family *fam, se_origin *o)
{
    memset(o, 0, sizeof *o);
    se_stldr_build_attrs(l, &o->attrs);
    const se_build_attrs *a = &o->attrs;
    if (!a->present || !a->has_arch) {
        snprintf(o->core, sizeof o->core, "unknown (no ARM build attributes: IAR writes none)");
    } else {
        const char *cores = se_arch_cores(a->cpu_arch);
        snprintf(o->core, sizeof o->core, "%s%s%s%s%s%s", se_arch_name(a->cpu_arch),
                 cores ? " (" : "", cores ? cores : "", cores ? ")" : "",
                 a->cpu_name[0] ? ", Tag_CPU_name " : "", a->cpu_name);
        o->core_mismatch = fam && a->cpu_arch != fam->arch;
    }
    scan s = {.fam = fam, .o = o};
    if (fam && fam->complete) /* else a block missing from the table is not "foreign" */
        scan_literals(l, &s);
    o->nforeign = s.foreign;
    o->nown = s.own;

    uint32_t b = o->link_base = se_origin_link_base(l);
    char other[120] = "";
    se_family_foreign_ram(fam, b, other, sizeof other);
    const char *note = NULL;
    for (size_t i = 0; i < sizeof known_bases / sizeof known_bases[0]; i++)
        if (known_bases[i].base == b)
            note = known_bases[i].note;
    const se_block *r = se_family_ram(fam, b);
    const se_flm_info *flm = se_stldr_flm(l);
    if (!b && flm && !flm->absolute) /* docs/flm.md */
        snprintf(o->link_ram, sizeof o->link_ram,
                 "linked at 0: a position-independent flash algorithm, placed by the host");
    else if (!b)
        snprintf(o->link_ram, sizeof o->link_ram, "no downloaded segment");
    else if (r)
        snprintf(o->link_ram, sizeof o->link_ram, "0x%08" PRIx32 " is %s %s%s%s", b, fam->name,
                 r->name, note ? "; " : "", note ? note : "");
    else {
        o->link_foreign = fam != NULL;
        snprintf(o->link_ram, sizeof o->link_ram, "0x%08" PRIx32 " is %s%s%s%s%s", b,
                 fam ? "not RAM on the " : "", fam ? fam->name : "",
                 other[0] ? (fam ? "; it is " : "") : (fam ? "" : "of no known family"), other,
                 note ? note : "");
    }
}

int se_origin_score(const se_stldr *l, const se_family *fam, char *why, size_t len)
{
    se_build_attrs a;
    se_stldr_build_attrs(l, &a);
    if (a.has_arch && a.cpu_arch != fam->arch) {
        snprintf(why, len, "built for %s, the %s is %s", se_arch_name(a.cpu_arch), fam->name,
                 se_arch_name(fam->arch));
        return 0;
    }
    uint32_t b = se_origin_link_base(l);
    scan s = {.fam = fam};
    scan_literals(l, &s);
    /* a position-independent flash algorithm is placed by the host: its link address says
     * nothing of the chip */
    const se_flm_info *flm = se_stldr_flm(l);
    bool placed = flm && !flm->absolute;
    if (!placed && !se_family_ram(fam, b)) {
        snprintf(why, len, "linked at 0x%08" PRIx32 ", not %s RAM", b, fam->name);
        return 0;
    }
    int score = 1 + (a.has_arch ? 4 : 0) + 3 * (int)s.own - 3 * (int)s.foreign;
    for (size_t i = 0; i < sizeof known_bases / sizeof known_bases[0]; i++)
        if (known_bases[i].base == b && !strcmp(known_bases[i].family, fam->name))
            score += 6;
    snprintf(why, len,
             "%s%s, %s 0x%08" PRIx32 ", %u of its peripheral blocks and %u "
             "foreign ones in the literal pools",
             a.has_arch ? "built for " : "no build attributes",
             a.has_arch ? se_arch_name(a.cpu_arch) : "",
             placed ? "position-independent, linked at" : "linked at", b, s.own, s.foreign);
    return score < 1 ? 1 : score;
}
