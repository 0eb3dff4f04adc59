/* Worst-case stack of an entry point from its code (loader/stackuse.h): each function is
 * decoded once (Capstone, Thumb), its frame and calls kept; the call graph is walked from
 * the entry, depth first. Literal pools inside a function's symbol range are skipped: the
 * words PC-relative loads read are data, not instructions. */
#include "loader/stackuse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#define MAX_FUNCS 2048u
#define MAX_CALLS 64u
#define MAX_LITS 256u

typedef struct fn {
    uint32_t addr, size;
    const char *name;
    bool decoded;
    uint32_t frame;
    unsigned ncalls;
    uint32_t call[MAX_CALLS]; /* callee addresses */
    bool tail[MAX_CALLS];     /* B to another function: starts at the caller's entry SP */
    char lower[96];           /* why this function alone is a lower bound, or "" */
    int state;                /* 0 not walked, 1 on the walk's path, 2 done */
    uint32_t worst;
    bool bounded;
    char why[160];
    int next; /* the callee on the worst path, or -1 */
    bool next_tail;
} fn;

typedef struct ctx {
    const uint8_t *code;
    uint32_t base, size;
    fn *f;
    unsigned n;
    csh h;
} ctx;

static int find_fn(const ctx *c, uint32_t a)
{
    for (unsigned i = 0; i < c->n; i++)
        if (a >= c->f[i].addr && a - c->f[i].addr < c->f[i].size)
            return (int)i;
    return -1;
}

static void at_text(const ctx *c, uint32_t a, char *buf, size_t len)
{
    int i = find_fn(c, a);
    if (i >= 0)
        snprintf(buf, len, "%s+0x%" PRIx32, c->f[i].name, a - c->f[i].addr);
    else
        snprintf(buf, len, "0x%08" PRIx32, a);
}

static void add_call(fn *f, uint32_t to, bool tail)
{
    for (unsigned i = 0; i < f->ncalls; i++)
        if (f->call[i] == to && f->tail[i] == tail)
            return;
    if (f->ncalls < MAX_CALLS) {
        f->call[f->ncalls] = to;
        f->tail[f->ncalls++] = tail;
    }
}

/* Frame and calls of f, one instruction at a time (a literal word is stepped over). */
static void decode(ctx *c, fn *f)
{
    f->decoded = true;
    uint32_t lits[MAX_LITS];
    unsigned nlits = 0;
    uint32_t end = f->addr + f->size;
    if (f->addr < c->base || end > c->base + c->size || end < f->addr)
        return;
    cs_insn *in = cs_malloc(c->h);
    if (!in)
        return;
    for (uint32_t a = f->addr; a + 2 <= end;) {
        bool lit = false;
        for (unsigned k = 0; k < nlits && !lit; k++)
            lit = a >= lits[k] && a < lits[k] + 4u;
        if (lit) {
            a += 2;
            continue;
        }
        const uint8_t *p = c->code + (a - c->base);
        size_t left = end - a;
        uint64_t addr = a;
        if (!cs_disasm_iter(c->h, &p, &left, &addr, in)) {
            a += 2;
            continue;
        }
        const cs_arm *d = &in->detail->arm;
        uint32_t next = (uint32_t)addr;
        switch (in->id) {
        case ARM_INS_PUSH: f->frame += 4u * d->op_count; break;
        case ARM_INS_VPUSH:
            for (unsigned k = 0; k < d->op_count; k++)
                f->frame += d->operands[k].type == ARM_OP_REG && d->operands[k].reg >= ARM_REG_D0 &&
                                    d->operands[k].reg <= ARM_REG_D31
                                ? 8u
                                : 4u;
            break;
        case ARM_INS_STMDB:
            if (d->op_count > 1 && d->operands[0].reg == ARM_REG_SP && d->writeback)
                f->frame += 4u * (d->op_count - 1u);
            break;
        case ARM_INS_SUB:
        case ARM_INS_SUBW:
            if (d->op_count >= 2 && d->operands[0].type == ARM_OP_REG &&
                d->operands[0].reg == ARM_REG_SP) {
                const cs_arm_op *last = &d->operands[d->op_count - 1];
                if (last->type == ARM_OP_IMM)
                    f->frame += (uint32_t)last->imm;
                else if (!f->lower[0])
                    snprintf(f->lower, sizeof f->lower, "SP lowered by a register at %s+0x%" PRIx32,
                             f->name, a - f->addr);
            }
            break;
        case ARM_INS_BL:
            if (d->op_count == 1 && d->operands[0].type == ARM_OP_IMM)
                add_call(f, (uint32_t)d->operands[0].imm, false);
            break;
        case ARM_INS_BLX:
            if (!f->lower[0])
                snprintf(f->lower, sizeof f->lower, "indirect call at %s+0x%" PRIx32, f->name,
                         a - f->addr);
            break;
        case ARM_INS_B:
            if (d->op_count == 1 && d->operands[0].type == ARM_OP_IMM) {
                uint32_t t = (uint32_t)d->operands[0].imm;
                if (t < f->addr || t >= end)
                    add_call(f, t, true);
            }
            break;
        case ARM_INS_BX:
            if (d->op_count == 1 && d->operands[0].type == ARM_OP_REG &&
                d->operands[0].reg != ARM_REG_LR && !f->lower[0])
                snprintf(f->lower, sizeof f->lower, "indirect jump at %s+0x%" PRIx32, f->name,
                         a - f->addr);
            break;
        case ARM_INS_LDR:
        case ARM_INS_LDRD:
        case ARM_INS_VLDR:
            for (unsigned k = 0; k < d->op_count; k++)
                if (d->operands[k].type == ARM_OP_MEM && d->operands[k].mem.base == ARM_REG_PC &&
                    nlits + 2 <= MAX_LITS) {
                    uint32_t l = ((a + 4u) & ~3u) + (uint32_t)d->operands[k].mem.disp;
                    lits[nlits++] = l;
                    if (in->id != ARM_INS_LDR)
                        lits[nlits++] = l + 4u;
                }
            break;
        default: break;
        }
        a = next;
    }
    cs_free(in, 1);
}

/* The worst case of f[i] and its callees, depth first; a recursion makes a lower bound. */
static void walk(ctx *c, int i, unsigned depth)
{
    fn *f = &c->f[i];
    if (!f->decoded)
        decode(c, f);
    f->state = 1;
    f->worst = f->frame;
    f->bounded = !f->lower[0];
    snprintf(f->why, sizeof f->why, "%s", f->lower);
    f->next = -1;
    for (unsigned k = 0; k < f->ncalls; k++) {
        int j = find_fn(c, f->call[k]);
        if (j < 0) {
            char at[96];
            at_text(c, f->call[k], at, sizeof at);
            if (f->bounded)
                snprintf(f->why, sizeof f->why, "a call from %s to %s, no function symbol", f->name,
                         at);
            f->bounded = false;
            continue;
        }
        fn *g = &c->f[j];
        if (g->state == 1 || depth > 64) {
            if (f->bounded)
                snprintf(f->why, sizeof f->why, "recursion: %s calls %s", f->name, g->name);
            f->bounded = false;
            continue;
        }
        if (g->state == 0)
            walk(c, j, depth + 1);
        uint32_t w = f->tail[k] ? g->worst : f->frame + g->worst;
        if (f->next < 0 ? w >= f->worst : w > f->worst) {
            f->worst = w;
            f->next = j;
            f->next_tail = f->tail[k];
        }
        if (!g->bounded && f->bounded) {
            f->bounded = false;
            snprintf(f->why, sizeof f->why, "%s", g->why);
        }
    }
    f->state = 2;
}

static int cmp_addr(const void *a, const void *b)
{
    const fn *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

bool se_stack_estimate(const se_stldr *l, const uint8_t *code, uint32_t base, uint32_t size,
                       uint32_t entry, se_stack_use *out)
{
    memset(out, 0, sizeof *out);
    ctx c = {.code = code, .base = base, .size = size};
    size_t ns = se_stldr_nsymbols(l);
    c.f = calloc(ns < MAX_FUNCS ? ns + 1 : MAX_FUNCS, sizeof *c.f);
    if (!c.f)
        return false;
    for (size_t i = 0; i < ns && c.n < MAX_FUNCS; i++) {
        const se_symbol *s = se_stldr_symbol(l, i);
        if (!s->is_func || !s->size || !s->name || !s->name[0])
            continue;
        bool dup = false;
        for (unsigned k = 0; k < c.n && !dup; k++)
            dup = c.f[k].addr == s->addr;
        if (!dup)
            c.f[c.n++] = (fn){.addr = s->addr, .size = s->size, .name = s->name, .next = -1};
    }
    qsort(c.f, c.n, sizeof *c.f, cmp_addr);
    int e = find_fn(&c, entry & ~1u);
    bool ok = e >= 0 && c.f[e].addr == (entry & ~1u) &&
              cs_open(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS | CS_MODE_V8, &c.h) == CS_ERR_OK;
    if (ok) {
        cs_option(c.h, CS_OPT_DETAIL, CS_OPT_ON);
        walk(&c, e, 0);
        out->bytes = c.f[e].worst;
        out->bounded = c.f[e].bounded;
        snprintf(out->why, sizeof out->why, "%s", c.f[e].why);
        size_t n = 0;
        bool tail = false;
        for (int i = e, hops = 0; i >= 0 && hops < 16 && n < sizeof out->chain; hops++) {
            int w = snprintf(out->chain + n, sizeof out->chain - n, "%s%s (0x%" PRIx32 ")",
                             hops ? (tail ? " => " : " -> ") : "", c.f[i].name, c.f[i].frame);
            n += w > 0 ? (size_t)w : 0;
            tail = c.f[i].next_tail;
            i = c.f[i].next;
        }
        cs_close(&c.h);
    }
    free(c.f);
    return ok;
}
