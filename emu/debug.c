/* What a debugger needs from the machine that an observer cannot do (docs/gdb.md 3): a
 * stop at a faulting instruction before exception entry, watched CPU accesses through memory
 * hooks that exist only while a watch does, ending calls from any thread, and moving PC.
 * Nothing here runs unless a debugger asked for it: a machine without one takes none of
 * these paths (run.c checks one flag per stop of emulation, never per block). */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void se_machine_set_debug_hooks(se_machine *m, const se_debug_hooks *h)
{
    if (h)
        m->dbg.hooks = *h;
    else
        memset(&m->dbg.hooks, 0, sizeof m->dbg.hooks);
}

/* Called by mc_fault_at once the fault status registers hold the fault, before the
 * exception is taken (or escalates, or locks the core up). */
void mc_debug_fault(se_machine *m, unsigned exc, uint32_t pc, const char *desc, const char *where)
{
    if (!m->dbg.hooks.fault)
        return;
    char sym[128], reason[1024];
    snprintf(reason, sizeof reason, "%s %s %s%s", desc, where, mc_fmt_addr(m, pc, sym, sizeof sym),
             m->cause_suffix);
    se_fault_stop f = {pc, exc, reason};
    m->dbg.hooks.fault(m->dbg.hooks.ctx, &f);
}

/* ---- watched accesses ---------------------------------------------------------------- */

static void hook_watch(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                       void *user)
{
    (void)uc;
    se_machine *m = user;
    bool write = type == UC_MEM_WRITE;
    uint32_t a = (uint32_t)address, n = size > 0 ? (uint32_t)size : 1u;
    for (unsigned i = 0; i < m->dbg.nwatch; i++) {
        const se_watch *w = &m->dbg.watch[i];
        if (!(write ? w->write : w->read) || a >= w->addr + (uint64_t)w->len ||
            (uint64_t)a + n <= w->addr)
            continue;
        if (!m->dbg.hooks.watch)
            return;
        se_watch_hit hit = {mc_reg(m, UC_ARM_REG_PC), a, n, write, (uint32_t)value};
        m->dbg.hooks.watch(m->dbg.hooks.ctx, &hit);
        return; /* one stop per access */
    }
}

/* One hook per direction, bounded to the lowest and highest watched address of that
 * direction (Unicorn compares the bounds before calling it); none when nothing is watched
 * that way. Unicorn 2.0.1 looks memory hooks up at each access, so no translated block
 * needs dropping, and a hook removed inside a hook is only marked and freed after the run
 * (docs/unicorn.md 6). */
static se_err sync_hook(se_machine *m, uc_hook *h, int type, bool write, se_error *err)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < m->dbg.nwatch; i++) {
        const se_watch *w = &m->dbg.watch[i];
        if (!(write ? w->write : w->read) || w->len == 0)
            continue;
        if (w->addr < lo)
            lo = w->addr;
        if ((uint64_t)w->addr + w->len - 1 > hi)
            hi = (uint64_t)w->addr + w->len - 1;
    }
    if (*h) {
        uc_hook_del(m->uc, *h);
        *h = 0;
    }
    if (lo > hi)
        return SE_OK;
    /* An access that starts below the range and reaches into it: a word at most below. */
    lo = lo >= 7 ? lo - 7 : 0;
    uc_err ue = uc_hook_add(m->uc, h, type, (void *)hook_watch, m, lo, hi);
    if (ue != UC_ERR_OK) {
        *h = 0;
        return se_error_set(err, SE_ERR_EMU, "unicorn: add watch hook: %s", uc_strerror(ue));
    }
    return SE_OK;
}

se_err se_machine_set_watches(se_machine *m, const se_watch *w, unsigned n, se_error *err)
{
    if (n > SE_MAX_WATCHES)
        return se_error_set(err, SE_ERR_USAGE, "%u watches: at most %d", n, SE_MAX_WATCHES);
    if (n)
        memcpy(m->dbg.watch, w, n * sizeof *w);
    m->dbg.nwatch = n;
    m->tlb_stale = true; /* run.c: stores take the slow path again, where hooks are called */
    se_err e = sync_hook(m, &m->dbg.hook_rd, UC_HOOK_MEM_READ, false, err);
    if (!e)
        e = sync_hook(m, &m->dbg.hook_wr, UC_HOOK_MEM_WRITE, true, err);
    return e;
}

/* ---- stopping calls, moving PC --------------------------------------------------------- */

void se_machine_stop_calls(se_machine *m, bool on)
{
    atomic_store(&m->dbg.stop_calls, on);
    /* Unicorn's own timeout calls uc_emu_stop from another thread; outside a run it does
     * nothing, and run.c checks the flag before each run. */
    if (on)
        uc_emu_stop(m->uc);
}

bool mc_debug_stopping(se_machine *m)
{
    return atomic_load_explicit(&m->dbg.stop_calls, memory_order_relaxed);
}

bool se_machine_set_pc(se_machine *m, uint32_t pc)
{
    if (m->dbg.where == DBG_NONE)
        return false;
    m->dbg.pc_set = true;
    m->dbg.pc = pc | 1u;
    /* From the code hook: the run stops before this instruction (PC synced to it), and
     * run.c resumes at pc. From call_begin nothing runs yet. */
    if (m->dbg.where == DBG_INSN)
        uc_emu_stop(m->uc);
    return true;
}

void se_machine_add_halted_time(se_machine *m, double seconds)
{
    if (seconds > 0)
        m->dbg.halted += seconds;
}

void se_machine_set_log_flash(se_machine *m, bool on)
{
    if (m->ext)
        m->ext->desc.chip->configure(m->ext->chip, on, 8); /* as extmem.c at creation */
}
