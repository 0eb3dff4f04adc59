/* One call: the host's set-up of the core, the block hook that keeps virtual time and the
 * scheduled events, the stops Unicorn returns with and what each means, and the one path
 * that ends a call (end_call). Also the --trace observer's glue and the coverage hook. */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/trace.h" /* --trace / --last */
#include "emu/ucfix.h" /* code pages */

/* ---- scheduling ------------------------------------------------------------------------ */

void mc_schedule(se_machine *m)
{
    uint64_t n = m->st.systick_at;
    if (m->st.budget_at < n)
        n = m->st.budget_at;
    if (m->st.wall_at < n)
        n = m->st.wall_at;
    m->st.next_event = n;
}

void mc_reschedule_systick(se_machine *m, uint64_t now)
{
    m->st.systick_at = se_systick_next_event(&m->st.scs, now);
    mc_schedule(m);
}

/* ---- blocks ---------------------------------------------------------------------------- */

/* Thumb instructions in the size bytes at p: 32-bit when the first halfword's top five
 * bits are 0b11101, 0b11110 or 0b11111. */
uint32_t mc_count_insns_raw(const uint8_t *p, uint32_t size)
{
    uint32_t n = 0;
    for (uint32_t off = 0; off + 1 < size;) {
        uint16_t hw = (uint16_t)(p[off] | (p[off + 1] << 8));
        off += ((hw >> 11) >= 0x1D) ? 4 : 2;
        n++;
    }
    return n;
}

/* ---- pages that hold code (ucfix.c part 2) ---------------------------------------------- */

/* A page's key in codepg: SRAM pages by their offset in SRAM (bit 31 set), so that a page and
 * its alias are one entry; any other page by its page number. */
static uint32_t codepg_key(const se_machine *m, uint32_t addr)
{
    const se_profile *p = m->prof;
    if (!mc_in_sram(m, addr))
        return addr >> 10;
    uint32_t off = addr - p->sram.base < p->sram.size ? addr - p->sram.base : addr - p->sram_alias;
    return 0x80000000u | (off >> 10);
}

static uint32_t *codepg_slot(se_machine *m, uint32_t key)
{
    uint32_t i = (key * 0x9E3779B1u) >> 23;
    for (;; i++) {
        uint32_t *s = &m->codepg[i & (CODEPG_SLOTS - 1)];
        if (*s == key + 1u || *s == 0)
            return s;
    }
}

/* ucfix.c part 2: may stores to this page skip Unicorn's checks? Only in SRAM (mapped read-write
 * with no other permission to check: Unicorn checks a region's permissions on the slow path
 * only, so read-only flash and in-place window blocks keep it), only while it holds no code, and
 * never under the debugger or --trace (a store hook is called on the slow path only, and a
 * watchpoint set while stopped in a block must see the stores of blocks translated before). */
bool mc_store_fast(void *ctx, uint32_t page_addr)
{
    se_machine *m = ctx;
    return mc_in_sram(m, page_addr) && !m->dbg.nwatch && !m->obs.insn &&
           m->ncodepg < CODEPG_SLOTS / 2 && *codepg_slot(m, codepg_key(m, page_addr)) == 0;
}

/* The pages of [addr, addr + size) (and so their SRAM alias) hold code from now on: their TLB
 * entries are dropped so that they come back with Unicorn's self-modifying-code check. */
static void mark_code(se_machine *m, uint32_t addr, uint32_t size)
{
    bool added = false;
    uint32_t first = addr >> 10, last = (addr + (size ? size - 1u : 0u)) >> 10;
    for (uint32_t pg = first; pg - first <= last - first && m->ncodepg < CODEPG_SLOTS / 2; pg++) {
        uint32_t key = codepg_key(m, pg << 10), *s = codepg_slot(m, key);
        if (!*s) {
            *s = key + 1u;
            m->ncodepg++;
            added = true;
        }
    }
    if (added)
        se_ucfix_flush_tlb(m->uc_cpu);
}

/* Instructions of the block [addr, addr+size), cached per block. */
uint32_t mc_count_insns(se_machine *m, uint32_t addr, uint32_t size)
{
    icache_slot *s = &m->icache[(addr >> 1) & (ICACHE_SLOTS - 1)];
    if (s->addr == addr && s->size == size)
        return s->count;
    const uint8_t *p = mc_host_ptr(m, addr, size);
    uint32_t n = p ? mc_count_insns_raw(p, size) : (size + 3) / 4 + 1;
    if (n == 0)
        n = 1;
    s->addr = addr;
    s->size = size;
    s->count = n;
    s->flags = 0;
    mark_code(m, addr, size);
    return n;
}

/* Everything but the common case: a fetch TrustZone may refuse, an instruction-count cache
 * miss, a due event, an exception waiting for PRIMASK, a block outside the image, the SP
 * check. */
static __attribute__((noinline)) void hook_block_slow(se_machine *m, uint32_t address,
                                                      uint32_t size)
{
    /* TrustZone: one load unless some page refuses fetches */
    if (m->tz_fetch_any && mc_tz_fetch_refused(m, address)) {
        m->stop_block = address;
        uc_emu_stop(m->uc);
        return;
    }
    if (m->probe.on && mc_probe_block(m, address)) /* cause.c */
        return;
    uint32_t n = mc_count_insns(m, address, size);
    if (m->st.cycles + n >= m->st.next_event) {
        m->stop = STOP_EVENT;
        m->stop_n = n;
        m->stop_block = address; /* --trace */
        uc_emu_stop(m->uc);
        return;
    }
    if (m->poll_mask) {
        uint32_t pm = mc_reg(m, UC_ARM_REG_PRIMASK), fm = mc_reg(m, UC_ARM_REG_FAULTMASK);
        uint32_t bp = mc_reg(m, UC_ARM_REG_BASEPRI);
        if (!(pm & 1u) && !(fm & 1u) && !bp) {
            m->stop = STOP_IRQ;
            m->stop_n = 0;
            m->stop_block = address; /* --trace */
            uc_emu_stop(m->uc);
            return;
        }
    }
    /* run-time diagnoses (diag.c): one flag per block, SP every SP_CHECK_EVERY */
    icache_slot *slot = &m->icache[(address >> 1) & (ICACHE_SLOTS - 1)];
    bool outside = m->image_end && !mc_in_range_or_alias(m, address, m->image_base, m->image_end);
    slot->flags = (outside ? SLOT_OUTSIDE : 0u) | (m->tz_fetch_any ? SLOT_FETCH_OK : 0u);
    if (outside)
        mc_exec_check(m, address);
    if (m->sp_tick == 0 || --m->sp_tick == 0) {
        m->sp_tick = SP_CHECK_EVERY;
        if (m->image_end)
            mc_stack_check(m, address);
    }
    m->st.cycles += n;
    m->ring[m->ring_pos++ & (RING - 1)].addr = address; /* --last */
    m->ring[(m->ring_pos - 1) & (RING - 1)].size = size;
}

/* The slot flags hook_block's common case expects: a TrustZone-checked fetch when some page
 * refuses fetches, and none at all (an impossible value) while an exception waits only for
 * PRIMASK/BASEPRI, which hook_block_slow checks at every block. */
void mc_update_block_want(se_machine *m)
{
    m->block_want = (m->poll_mask || m->probe.on) ? UINT32_MAX
                    : m->tz_fetch_any             ? SLOT_FETCH_OK
                                                  : 0u;
}

/* Runs before every translated block: virtual time, the scheduled events, the last blocks
 * for reports. The common case is one cache slot compared and two fields stored; anything
 * else goes to hook_block_slow. */
static void hook_block(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)uc;
    se_machine *m = user;
    uint32_t a = (uint32_t)address;
    const icache_slot *s = &m->icache[(a >> 1) & (ICACHE_SLOTS - 1)];
    uint64_t c = m->st.cycles + s->count;
    if (((s->addr ^ a) | (s->size ^ size) | (s->flags ^ m->block_want)) == 0 &&
        c < m->st.next_event && --m->sp_tick != 0) {
        m->st.cycles = c;
        m->ring[m->ring_pos++ & (RING - 1)] = (typeof(m->ring[0])){a, size}; /* --last */
        return;
    }
    hook_block_slow(m, a, size);
}

/* ---- --trace / --last ---------------------------------------------------------------- */

_Static_assert(RING >= SE_LAST_MAX && (RING & (RING - 1)) == 0, "ring too small for --last");

/* Installed only while an observer is set: observes, never stops or moves PC (stopping
 * inside an IT block corrupts Unicorn 2.0.1's state). An instruction of a block the block
 * hook refused to run (a stop is pending) is not reported. */
static void hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)uc;
    se_machine *m = user;
    if (m->stop == STOP_NONE && m->obs.insn && !m->dbg.pc_set) {
        m->dbg.where = DBG_INSN; /* the debugger may move PC from here (debug.c) */
        m->obs.insn(m->obs.ctx, (uint32_t)address, size);
        m->dbg.where = DBG_NONE;
    }
}

/* The newest ring block stopped at pc: it ran up to pc, and pc itself when `inclusive`
 * (the faulting instruction). Nothing when pc is not inside that block. */
void mc_ring_cut(se_machine *m, uint32_t pc, bool inclusive)
{
    if (m->ring_pos == 0)
        return;
    unsigned i = (m->ring_pos - 1) & (RING - 1);
    uint32_t off = pc - m->ring[i].addr;
    if (off >= m->ring[i].size)
        return;
    uint32_t len = 0;
    if (inclusive) {
        const uint8_t *p = mc_host_ptr(m, pc, 2);
        len = (p && (((p[0] | (p[1] << 8)) >> 11) >= 0x1D)) ? 4 : 2;
    }
    if (off + len < m->ring[i].size)
        m->ring[i].size = off + len;
}

void se_machine_set_srcline(se_machine *m, se_srcline_fn fn, void *ctx)
{
    m->srcline = fn;
    m->src_ctx = ctx;
}

const char *se_machine_symbolize(se_machine *m, uint32_t addr, char *buf, size_t len)
{
    return mc_fmt_addr(m, addr, buf, len);
}

bool se_machine_srcline(se_machine *m, uint32_t addr, char *buf, size_t len)
{
    return m->srcline && m->srcline(m->src_ctx, addr, buf, len);
}

const uint8_t *se_machine_code_ptr(se_machine *m, uint32_t addr, uint32_t len)
{
    return mc_host_ptr(m, addr, len);
}

unsigned se_machine_recent_blocks(const se_machine *m, uint32_t *addr, uint32_t *size, unsigned max)
{
    unsigned n = m->ring_pos < RING ? m->ring_pos : RING;
    if (n > max)
        n = max;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = (m->ring_pos - n + k) & (RING - 1);
        addr[k] = m->ring[i].addr;
        size[k] = m->ring[i].size;
    }
    return n;
}

se_err se_machine_set_observer(se_machine *m, const se_insn_observer *o, se_error *err)
{
    m->tlb_stale = true; /* mc_store_fast's answers change */
    if (m->obs.insn) {
        uc_hook_del(m->uc, m->code_hook);
        memset(&m->obs, 0, sizeof m->obs);
    }
    if (!o || !o->insn)
        return SE_OK;
    uc_err ue = uc_hook_add(m->uc, &m->code_hook, UC_HOOK_CODE, (void *)hook_code, m, 1, 0);
    if (ue != UC_ERR_OK)
        return se_error_set(err, SE_ERR_EMU, "unicorn: add code hook: %s", uc_strerror(ue));
    m->obs = *o;
    return SE_OK;
}

/* ---- coverage (stldr-emu fuzz) --------------------------------------------------------- */

/* A second block hook, installed only while a map is set, so that without one hook_block
 * and every block cost exactly what they did (Unicorn calls each block hook in turn). */
static void hook_cov(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)uc;
    (void)size;
    se_machine *m = user;
    m->cov[((uint32_t)address >> 1) & m->cov_mask]++;
}

se_err se_machine_set_coverage(se_machine *m, uint8_t *map, size_t size, se_error *err)
{
    if (map && (size == 0 || (size & (size - 1)) || size > 0x100000000ull))
        return se_error_set(err, SE_ERR_USAGE, "coverage map of %zu bytes: not a power of two",
                            size);
    if (map && !m->cov_hook) {
        uc_err ue = uc_hook_add(m->uc, &m->cov_hook, UC_HOOK_BLOCK, (void *)hook_cov, m, 1, 0);
        if (ue != UC_ERR_OK) {
            m->cov_hook = 0;
            return se_error_set(err, SE_ERR_EMU, "unicorn: add coverage hook: %s", uc_strerror(ue));
        }
    } else if (!map && m->cov_hook) {
        uc_hook_del(m->uc, m->cov_hook);
        m->cov_hook = 0;
    }
    /* Unicorn 2.0.1 decides at translation which block hooks a block calls: blocks
     * translated before the hook came (or went) are dropped so that every block counts. */
    if ((map != NULL) != (m->cov != NULL)) {
        const se_profile *p = m->prof;
        uc_ctl_remove_cache(m->uc, p->sram.base, (uint64_t)p->sram.base + p->sram.size);
        uc_ctl_remove_cache(m->uc, p->sram_alias, (uint64_t)p->sram_alias + p->sram.size);
        uc_ctl_remove_cache(m->uc, p->iflash.base, (uint64_t)p->iflash.base + p->iflash.size);
        uc_ctl_remove_cache(m->uc, p->iflash_alias, (uint64_t)p->iflash_alias + p->iflash.size);
    }
    m->cov = map;
    m->cov_mask = map ? (uint32_t)(size - 1) : 0;
    return SE_OK;
}

/* ---- the CPU's exceptions and faults, as Unicorn reports them ---------------------------- */

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    se_machine *m = user;
    m->stop = STOP_INTR;
    m->intno = intno;
    m->intr_pc = mc_reg(m, UC_ARM_REG_PC);
    uc_emu_stop(uc);
}

static bool hook_invalid(uc_engine *uc, void *user)
{
    se_machine *m = user;
    m->stop = STOP_UNDEF;
    m->intr_pc = mc_reg(m, UC_ARM_REG_PC);
    uc_emu_stop(uc);
    return false;
}

static bool hook_memfault(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                          int64_t value, void *user)
{
    (void)uc;
    (void)value;
    se_machine *m = user;
    bool in_place = type == UC_MEM_WRITE_PROT && m->ext && se_window_in_place(m->ext->win, address);
    m->stop = in_place ? STOP_WINDOW : STOP_MEMFAULT;
    m->mem_type = type;
    m->mem_addr = (uint32_t)address;
    m->mem_size = (unsigned)size;
    m->mem_pc = (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT)
                    ? (uint32_t)address
                    : mc_reg(m, UC_ARM_REG_PC);
    return false;
}

se_err mc_add_hooks(se_machine *m, se_error *err)
{
    uc_hook h;
    uc_err ue;
    if ((ue = uc_hook_add(m->uc, &h, UC_HOOK_BLOCK, (void *)hook_block, m, 1, 0)) ||
        (ue = uc_hook_add(m->uc, &h, UC_HOOK_INTR, (void *)hook_intr, m, 1, 0)) ||
        (ue = uc_hook_add(m->uc, &h, UC_HOOK_INSN_INVALID, (void *)hook_invalid, m, 1, 0)) ||
        (ue = uc_hook_add(m->uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, (void *)hook_memfault,
                          m, 1, 0)))
        return mc_uc_fail(err, ue, "add hooks");
    return SE_OK;
}

/* ---- the end of a call ------------------------------------------------------------------ */

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A call in progress: what it was asked, where its result goes, where it started. */
typedef struct call {
    const se_call *c;
    se_call_result *r;
    uint64_t c0, sk0; /* cycles and skipped cycles at entry */
    double t0;        /* host time at entry */
    bool done;
} call;

/* The one way a call ends: its reason (fmt, or as already set when fmt is NULL), the
 * figures, this call's run-time notes first in the reason, the flash made durable, the last
 * instructions of a failure, the observer told. */
static void end_call(se_machine *m, call *k, se_err st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void end_call(se_machine *m, call *k, se_err st, const char *fmt, ...)
{
    se_call_result *r = k->r;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->reason, sizeof r->reason, fmt, ap);
        va_end(ap);
    }
    k->done = true;
    mc_probe_stop(m); /* cause.c */
    r->status = st;
    r->r0 = mc_reg(m, UC_ARM_REG_R0);
    r->r1 = mc_reg(m, UC_ARM_REG_R1);
    r->pc = mc_reg(m, UC_ARM_REG_PC);
    r->sp = mc_reg(m, UC_ARM_REG_SP);
    r->xpsr = mc_reg(m, UC_ARM_REG_XPSR);
    r->cycles = m->st.cycles - k->c0;
    r->instructions = r->cycles - (m->st.skipped - k->sk0);
    r->vtime_ns = se_machine_now_ns(m) -
                  mc_cycles_to_ns(m, k->c0 < m->st.cycles_base ? m->st.cycles_base : k->c0);
    r->host_seconds = wall_now() - k->t0 - m->dbg.halted;
    r->exceptions = m->st.exceptions;
    snprintf(r->detail, sizeof r->detail, "%s", m->chain);
    /* cause.c: a variable the loader never initialised, named first */
    char bss[400];
    if (st != SE_OK && st != SE_ERR_STOPPED && st != SE_ERR_USAGE &&
        mc_bss_cause(m, bss, sizeof bss)) {
        char old[sizeof r->reason];
        snprintf(old, sizeof old, "%s", r->reason);
        snprintf(r->reason, sizeof r->reason, "%.400s; %.600s", bss, old);
    }
    /* a warning this call gave already, cited first when the call fails (issue 14 item 12) */
    if (st != SE_OK && st != SE_ERR_STOPPED && m->call_warn[0] &&
        !strstr(r->reason, m->call_warn) && (!m->diag[0] || !strstr(m->call_warn, m->diag))) {
        char old[sizeof r->reason];
        snprintf(old, sizeof old, "%s", r->reason);
        snprintf(r->reason, sizeof r->reason, "after the warning \"%.300s\": %.700s", m->call_warn,
                 old);
    }
    /* run-time diagnoses: this call's notes come first in its reason */
    if (m->diag[0] && !strstr(r->reason, m->diag)) {
        char old[sizeof r->reason];
        snprintf(old, sizeof old, "%s", r->reason);
        snprintf(r->reason, sizeof r->reason, "%.640s%s%.380s", m->diag, old[0] ? "; " : "", old);
    }
    /* What this call programmed reaches the disk before the host sees the result. */
    se_error e;
    if (se_machine_sync_flash(m, &e) != SE_OK) {
        r->status = SE_ERR_IO;
        snprintf(r->reason, sizeof r->reason, "flash image: %s", e.msg);
    }
    /* --last / --trace */
    if (r->status != SE_OK)
        r->nlast = se_last_insns(m, m->opts.last_insns, r->last);
    se_machine_flush_warnings(m); /* one line per kind, with its count */
    if (m->obs.call_end)
        m->obs.call_end(m->obs.ctx, r);
}

/* The blocks most recently executed: the address range of the loop a hung call spins in. */
static void describe_loop(se_machine *m, char *buf, size_t len)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    unsigned n = m->ring_pos < RING ? m->ring_pos : RING;
    for (unsigned i = 0; i < n && i < 16; i++) {
        uint32_t a = m->ring[(m->ring_pos - 1 - i) & (RING - 1)].addr;
        if (a < lo)
            lo = a;
        if (a > hi)
            hi = a;
    }
    char s1[100], s2[100];
    if (n == 0)
        snprintf(buf, len, "no instructions executed");
    else if (lo == hi)
        snprintf(buf, len, "spinning at %s (0x%08" PRIx32 ")", mc_fmt_addr(m, lo, s1, sizeof s1),
                 lo);
    else
        snprintf(buf, len, "spinning in %s..%s (0x%08" PRIx32 "..0x%08" PRIx32 ")",
                 mc_fmt_addr(m, lo, s1, sizeof s1), mc_fmt_addr(m, hi, s2, sizeof s2), lo, hi);
}

/* A lockup ends the call: one line, what went wrong first, then why the core locked up. */
static void end_lockup(se_machine *m, call *k)
{
    se_call_result *r = k->r;
    if (!strncmp(m->first_cause, "lockup: ", 8))
        snprintf(r->reason, sizeof r->reason, "%.700s%s%.200s", m->first_cause,
                 m->vec_note[0] ? "; " : "", m->vec_note);
    else /* TrustZone: first_cause may be long */
        snprintf(r->reason, sizeof r->reason, "%.600s; then lockup: %.200s%s%.150s", m->first_cause,
                 m->lockup_why, m->vec_note[0] ? "; " : "", m->vec_note);
    end_call(m, k, SE_ERR_LOCKUP, NULL);
}

/* ---- the call -------------------------------------------------------------------------- */

/* The host halts the core and writes R0-R12, SP, LR, PC, xPSR, MSP, PSP (docs/protocol.md
 * 2.1 step 5). Exception state is left behind: Thread mode. The interrupt mask follows the
 * host's policy (se_irq_mask). */
static void host_setup(se_machine *m, const se_call *c)
{
    for (int i = 0; i < 4; i++)
        mc_set_reg(m, UC_ARM_REG_R0 + i, c->args[i]);
    for (int id = UC_ARM_REG_R4; id <= UC_ARM_REG_R12; id++)
        mc_set_reg(m, id, 0);
    if (c->set_r9) /* docs/flm.md: the static base of a position-independent algorithm */
        mc_set_reg(m, UC_ARM_REG_R9, c->r9);
    mc_set_reg(m, UC_ARM_REG_XPSR, 0x01000000u);
    mc_set_reg(m, UC_ARM_REG_CONTROL, mc_reg(m, UC_ARM_REG_CONTROL) & ~6u);
    /* MSP/PSP bits [1:0] are RES0: the core holds what the host writes word-aligned */
    mc_set_reg(m, UC_ARM_REG_MSP, c->sp & ~3u);
    mc_set_reg(m, UC_ARM_REG_PSP, c->sp & ~3u);
    mc_set_reg(m, UC_ARM_REG_LR, c->bkpt_addr | 1u);
    memset(m->st.scs.active, 0, sizeof m->st.scs.active);
    m->st.nest = 0;
    mc_set_running_secure(m, m->st.scs.home_secure); /* a call may have ended in a handler */
    m->st.scs.vectactive = 0;
    m->st.scs.dhcsr &= ~SE_DHCSR_S_LOCKUP;
    if (m->opts.irq_mask == SE_MASK_MASKINTS)
        m->st.scs.dhcsr |= SE_DHCSR_C_MASKINTS;
    else
        m->st.scs.dhcsr &= ~SE_DHCSR_C_MASKINTS;
    mc_set_reg(m, UC_ARM_REG_PRIMASK, m->opts.irq_mask == SE_MASK_PRIMASK ? 1u : 0u);
    m->st.exceptions = 0;
}

/* The call's scratch state, and the run-time notes on its entry state. */
static void call_reset(se_machine *m, const se_call *c)
{
    se_machine_flush_warnings(m); /* anything a call left unsaid */
    m->wk_in_call = true;         /* this call's warnings: one line per kind at its end */
    m->chain[0] = '\0';
    m->chain_len = 0;
    m->first_cause[0] = '\0';
    m->cause_suffix[0] = '\0';
    m->vec_note[0] = '\0';
    m->lockup_why[0] = '\0';
    m->ring_pos = 0;
    m->poll_addr = m->poll_block = m->poll_count = 0;
    m->sp_tick = SP_CHECK_EVERY;
    m->stack_noted = m->exec_noted = m->trap_noted = m->sp_noted = false;
    m->diag[0] = '\0';
    m->call_warn[0] = '\0';
    m->dbg.halted = 0;
    m->dbg.pc_set = false;
    m->call_sp = c->sp;
    mc_probe_stop(m);
    if (c->sp == 0 || (c->sp - m->prof->sram.base > m->prof->sram.size &&
                       c->sp - m->prof->sram_alias > m->prof->sram.size)) {
        /* As on the target (the field case "MSP is set to zero"): said, then run. */
        char sym[128];
        const char *what =
            c->sp == 0 ? "the stack pointer is zero" : "the stack pointer is outside RAM";
        m->sp_noted = true;
        mc_diag_add(m,
                    "%s at entry: MSP 0x%08" PRIx32 " set by the host before %s (running as "
                    "the target would)",
                    what, c->sp, mc_fmt_addr(m, c->entry, sym, sizeof sym));
        mc_log(m, SE_LOG_WARN, "%s", m->diag);
    }
}

/* Take every exception that can be taken now (after a return this is tail-chaining);
 * false when that locked up the core (the call has ended). */
static bool take_pending(se_machine *m, call *k, uint32_t *pc)
{
    for (unsigned exc; (exc = mc_takeable(m)) != 0;) {
        if (mc_exc_enter(m, exc, *pc) == ENTRY_LOCKUP) {
            end_lockup(m, k);
            return false;
        }
        *pc = mc_reg(m, UC_ARM_REG_PC);
    }
    return true;
}

/* What must be in place before the core runs on: TrustZone pages after an SAU/GTZC change,
 * window blocks to read in place, trap hooks after CCR or the image changed. */
static bool prepare_run(se_machine *m, call *k)
{
    se_error e;
    if (m->tz_dirty && mc_tz_remap(m, &e) != SE_OK) {
        end_call(m, k, SE_ERR_EMU, "%s", e.msg);
        return false;
    }
    if (m->ext && se_window_apply(m->ext->win, &e) != SE_OK) {
        end_call(m, k, SE_ERR_EMU, "%s", e.msg);
        return false;
    }
    if (m->traps->dirty && mc_traps_sync(m, &e) != SE_OK) {
        end_call(m, k, SE_ERR_EMU, "%s", e.msg);
        return false;
    }
    return true;
}

/* The core stopped at the host's breakpoint with no stop of ours pending. */
static void at_breakpoint(se_machine *m, call *k)
{
    const se_call *c = k->c;
    uint32_t w = 0;
    uint32_t want = c->bkpt_word ? c->bkpt_word : BKPT_WORD;
    mc_mem_rd32(m, c->bkpt_addr, &w);
    if (w != want) {
        end_call(m, k, SE_ERR_BKPT_CLOBBERED,
                 "the host's breakpoint word at 0x%08" PRIx32 " was overwritten (0x%08" PRIx32
                 ", expected 0x%08" PRIx32 "): on the target the return would execute that "
                 "instead of halting",
                 c->bkpt_addr, w, want);
        return;
    }
    if (m->st.nest) {
        const char *active = mc_exc_str(m->st.stack[m->st.nest - 1]);
        mc_chain_add(m, "returned to the breakpoint inside %s", active);
        end_call(m, k, SE_ERR_FAULT, "reached the breakpoint in Handler mode (%s active): %s",
                 active, m->first_cause[0] ? m->first_cause : "a handler returned to it");
        return;
    }
    /* TrustZone: a refusal that did not fault (GTZC read as zero / write ignored) is the
     * call's first cause; the host reports it if it judges the call failed from its results. */
    if (m->first_cause[0])
        snprintf(k->r->reason, sizeof k->r->reason, "%s", m->first_cause);
    /* run-time diagnoses: a call that returned despite them */
    if (m->stack_noted || m->exec_noted || m->trap_noted)
        mc_log(m, SE_LOG_WARN, "%s", m->diag);
    end_call(m, k, SE_OK, NULL);
}

/* A scheduled event is due: the budget, the wall clock, SysTick. */
static void on_event(se_machine *m, call *k)
{
    const se_call *c = k->c;
    char why[512];
    uint64_t now = m->st.cycles + m->stop_n;
    if (now >= m->st.budget_at) {
        describe_loop(m, why, sizeof why);
        end_call(m, k, SE_ERR_HANG, "instruction budget of %" PRIu64 " exhausted: %s%s%s",
                 c->max_instructions, why, m->first_cause[0] ? "; earlier: " : "", m->first_cause);
        return;
    }
    if (now >= m->st.wall_at) {
        if (c->max_seconds > 0 && wall_now() - k->t0 - m->dbg.halted > c->max_seconds) {
            describe_loop(m, why, sizeof why);
            end_call(m, k, SE_ERR_HANG,
                     "wall-clock limit of %.1f s reached after %" PRIu64 " instructions: %s%s%s",
                     c->max_seconds, m->st.cycles - k->c0, why,
                     m->first_cause[0] ? "; earlier: " : "", m->first_cause);
            return;
        }
        m->st.wall_at = now + WALL_CHECK_EVERY;
        mc_schedule(m);
        mc_probe_start(m, m->stop_block); /* cause.c: is it a loop that cannot end? */
    }
    if (now >= m->st.systick_at) {
        se_systick_fire(&m->st.scs, m->st.systick_at);
        mc_reschedule_systick(m, now);
    }
    mc_schedule(m);
}

/* UC_HOOK_INTR / an invalid instruction: exception return, SVC, BKPT, the CPU's faults. */
static entry_result on_intr(se_machine *m, call *k, enum stop_kind st)
{
    char why[512] = "", sym[128];
    if (st == STOP_UNDEF)
        m->intno = 1;
    uint32_t ipc = m->intr_pc;
    bool svc = st == STOP_INTR && m->intno == 2; /* SVC: ipc is the next instruction */
    mc_ring_cut(m, ipc, !svc);                   /* --last */
    if (st == STOP_INTR && m->intno == 8) {      /* a branch to EXC_RETURN */
        if (mc_exc_return(m, ipc | 1u, why, sizeof why))
            return ENTRY_OK;
        if (m->st.nest == 0 && strstr(why, "Thread mode"))
            return mc_fault(m, SE_EXC_MEMMANAGE, SE_CFSR_IACCVIOL, ipc, why);
        return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_INVPC, ipc, why);
    }
    bool halted = false;
    entry_result er = mc_intr_fault(m, ipc, &halted, why, sizeof why);
    if (halted)
        end_call(m, k, SE_ERR_FAULT, "%s (%s)", why, mc_fmt_addr(m, ipc, sym, sizeof sym));
    return er;
}

/* What a stop means, and what happens next; the call may end here (k->done). */
static entry_result on_stop(se_machine *m, call *k, enum stop_kind st, uint32_t pc)
{
    char why[512], sym[128];
    switch (st) {
    case STOP_NONE:
        if (pc == k->c->bkpt_addr)
            at_breakpoint(m, k);
        else
            end_call(m, k, SE_ERR_EMU, "emulation stopped unexpectedly at %s",
                     mc_fmt_addr(m, pc, sym, sizeof sym));
        return ENTRY_OK;
    case STOP_EVENT: on_event(m, k); return ENTRY_OK;
    case STOP_IRQ: return ENTRY_OK;
    case STOP_STRICT:
        end_call(m, k, SE_ERR_STRICT, "--strict: %s of unmodelled register 0x%08" PRIx32 " near %s",
                 m->strict_write ? "write" : "read", m->strict_addr,
                 mc_fmt_addr(m, pc, sym, sizeof sym));
        return ENTRY_OK;
    case STOP_RESET:
        end_call(m, k, SE_ERR_FAULT,
                 "the loader requested a system reset (AIRCR.SYSRESETREQ) near %s",
                 mc_fmt_addr(m, pc, sym, sizeof sym));
        return ENTRY_OK;
    case STOP_MEMFAULT: return mc_mem_fault(m);
    case STOP_WINDOW:
        if (!mc_window_replay(m, why, sizeof why))
            end_call(m, k, SE_ERR_EMU, "%s", why);
        return ENTRY_OK;
    case STOP_TRAP: return mc_trap_fault(m);
    case STOP_PROBE:
        if (mc_probe_check(m, why, sizeof why))
            end_call(m, k, SE_ERR_HANG, "%s", why);
        return ENTRY_OK;
    case STOP_UNDEF:
    case STOP_INTR: return on_intr(m, k, st);
    }
    return ENTRY_OK;
}

/* A debugger ended the calls (se_machine_stop_calls): true when this one ended here. */
static bool stopped_by_debugger(se_machine *m, call *k, uint32_t pc)
{
    if (!mc_debug_stopping(m))
        return false;
    char sym[128];
    end_call(m, k, SE_ERR_STOPPED, "stopped by the debugger at %s",
             mc_fmt_addr(m, pc, sym, sizeof sym));
    return true;
}

void se_machine_call(se_machine *m, const se_call *c, se_call_result *r)
{
    memset(r, 0, sizeof *r);
    call k = {c, r, m->st.cycles, m->st.skipped, wall_now(), false};
    host_setup(m, c);
    call_reset(m, c);
    if (m->obs.call_begin) { /* --trace, the debugger (which may move PC here) */
        m->dbg.where = DBG_BEGIN;
        m->obs.call_begin(m->obs.ctx, c);
        m->dbg.where = DBG_NONE;
    }

    m->st.budget_at = c->max_instructions ? m->st.cycles + c->max_instructions : UINT64_MAX;
    m->st.wall_at = m->st.cycles + WALL_CHECK_EVERY;
    mc_reschedule_systick(m, m->st.cycles);

    uint32_t pc = (m->dbg.pc_set ? m->dbg.pc : c->entry) | 1u, bkpt_word_now;
    m->dbg.pc_set = false;
    if (!mc_mem_rd32(m, c->bkpt_addr, &bkpt_word_now)) {
        end_call(m, &k, SE_ERR_USAGE, "breakpoint address 0x%08" PRIx32 " is not mapped",
                 c->bkpt_addr);
        return;
    }
    /* Something may already be pending (a previous call's SysTick, say). */
    if (!take_pending(m, &k, &pc))
        return;
    for (;;) {
        m->stop = STOP_NONE;
        m->stop_n = 0;
        if (stopped_by_debugger(m, &k, pc) || !prepare_run(m, &k))
            return;
        if (m->tlb_stale) {
            m->tlb_stale = false;
            se_ucfix_flush_tlb(m->uc_cpu);
        }
        se_ucfix_enter(mc_store_fast, m, &m->uc_cpu);
        uc_err ue = uc_emu_start(m->uc, pc | 1u, c->bkpt_addr, 0, 0);
        se_ucfix_leave();
        mc_probe_after_run(m); /* cause.c */
        if (m->obs.paused)     /* --trace */
            m->obs.paused(m->obs.ctx);
        if (m->dbg.pc_set) { /* the debugger moved PC (debug.c): that instruction did not run */
            m->dbg.pc_set = false;
            m->stop = STOP_NONE;
            pc = m->dbg.pc;
            continue;
        }
        if (stopped_by_debugger(m, &k, mc_reg(m, UC_ARM_REG_PC)))
            return;
        /* Unicorn 2.0.1 puts PC back to the start of a block the block hook refused only
         * while no code hook is in its list (cpu-exec.c, HOOK_EXISTS(UC_HOOK_CODE)); with
         * --trace's hook or a trap hook, PC stays where a hooked instruction last synced
         * it, in the middle of an earlier block. The block hook stopped before the block
         * ran, so its start is where to resume, hooks or not. */
        if (m->stop == STOP_EVENT || m->stop == STOP_IRQ || m->stop == STOP_PROBE)
            mc_set_reg(m, UC_ARM_REG_PC, m->stop_block | 1u);
        pc = mc_reg(m, UC_ARM_REG_PC);
        enum stop_kind st = m->stop;
        if (ue != UC_ERR_OK && st == STOP_NONE) {
            /* An error Unicorn raised without calling one of our hooks. */
            if (ue != UC_ERR_INSN_INVALID && ue != UC_ERR_EXCEPTION) {
                char sym[128];
                end_call(m, &k, SE_ERR_EMU, "emulator error at %s: %s",
                         mc_fmt_addr(m, pc, sym, sizeof sym), uc_strerror(ue));
                return;
            }
            m->intr_pc = pc;
            st = STOP_UNDEF;
        }
        entry_result er = on_stop(m, &k, st, pc);
        if (k.done)
            return;
        if (er == ENTRY_LOCKUP) {
            end_lockup(m, &k);
            return;
        }
        pc = mc_reg(m, UC_ARM_REG_PC);
        if (!take_pending(m, &k, &pc))
            return;
    }
}
