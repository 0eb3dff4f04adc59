/* DIVBYZERO and UNALIGNED, which Unicorn 2.0.1 never raises (emu/traps.h), checked by code
 * hooks bounded to the instructions of the image that can raise them. */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- traps: DIVBYZERO and UNALIGNED ---------------------------------------------------
 * Unicorn 2.0.1 never raises either (facts in emu/traps.h). The instructions that can are
 * found once by decoding the downloaded image; each run of them gets a UC_HOOK_CODE hook
 * bounded to it, installed only while the check can fire: always for the accesses that
 * must be aligned whatever CCR says, while CCR.DIV_0_TRP is set for SDIV/UDIV, while
 * CCR.UNALIGN_TRP is set for LDR/STR. Unicorn decides when it translates an instruction
 * whether to call the code hooks there, so an instruction outside every range costs
 * nothing; translated blocks are dropped whenever hooks come or go. A hook that finds the
 * fault stops the core before the instruction runs (PC is synced there), and the fault is
 * raised through mc_fault() like any other. Not checked: code outside the downloaded image,
 * or copied there at run time, and floating-point accesses. */

static uint32_t reg_n(se_machine *m, unsigned r)
{
    static const int ids[16] = {
        UC_ARM_REG_R0,  UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4,  UC_ARM_REG_R5,
        UC_ARM_REG_R6,  UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
        UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR, UC_ARM_REG_PC,
    };
    return r < 16 ? mc_reg(m, ids[r]) : 0;
}

/* The address the access makes with the registers as they are (before it runs). */
static uint32_t trap_access(se_machine *m, const se_trap_insn *t)
{
    return se_trap_address(t, t->rn == 15 ? 0 : reg_n(m, t->rn),
                           t->rm == SE_TRAP_NO_REG ? 0 : reg_n(m, t->rm));
}

/* Whether the instruction faults with the registers as they are; *addr is its access's
 * address. */
static bool trap_fires(se_machine *m, const se_trap_insn *t, uint32_t *addr)
{
    *addr = 0;
    if (t->kind == SE_TRAP_DIV)
        return (m->st.scs.ccr & SE_CCR_DIV_0_TRP) && reg_n(m, t->rm) == 0;
    if (t->kind == SE_TRAP_ALIGN_TRP && !(m->st.scs.ccr & SE_CCR_UNALIGN_TRP))
        return false;
    *addr = trap_access(m, t);
    return (*addr & (t->align - 1u)) != 0;
}

/* "UsageFault UNALIGNED: 4-byte read of 0x20003001 (ldr r0, [r1]; CCR.UNALIGN_TRP is set)" */
static void unaligned_desc(const se_trap_insn *t, uint32_t addr, char *buf, size_t len)
{
    if (t->kind == SE_TRAP_ALIGN_TRP)
        snprintf(buf, len,
                 "UsageFault UNALIGNED: %u-byte %s of 0x%08" PRIx32 " (%s; "
                 "CCR.UNALIGN_TRP is set)",
                 t->bytes, t->store ? "write" : "read", addr, t->text);
    else
        snprintf(buf, len,
                 "UsageFault UNALIGNED: %u-byte %s of 0x%08" PRIx32 " (%s: "
                 "%s-aligned whatever CCR.UNALIGN_TRP says)",
                 t->bytes, t->store ? "write" : "read", addr, t->text,
                 t->align == 4 ? "word" : "halfword");
}

static void hook_trap(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)size;
    trap_run *run = user;
    se_machine *m = run->m;
    if (m->stop != STOP_NONE)
        return;
    const se_trap_insn *t = NULL; /* never looked for past the run */
    for (unsigned i = 0; i < run->n && !t; i++)
        if (run->first[i].pc == (uint32_t)address)
            t = &run->first[i];
    uint32_t addr;
    if (!t || !trap_fires(m, t, &addr))
        return;
    if (t->in_it) {
        /* Unicorn 2.0.1 calls the hooks of an IT block's instructions only when their
         * condition passes, but defers a stop to the end of the block (#853/#880: stopping
         * inside one corrupts its state), so the fault cannot be raised at its PC: the
         * instruction runs as Unicorn does it, and the call says so. */
        if (!m->trap_noted) {
            char sym[128], desc[320];
            m->trap_noted = true;
            if (t->kind == SE_TRAP_DIV)
                snprintf(desc, sizeof desc,
                         "UsageFault DIVBYZERO: %s divides by zero (%s = 0, "
                         "CCR.DIV_0_TRP is set)",
                         t->text, se_trap_reg_name(t->rm));
            else
                unaligned_desc(t, addr, desc, sizeof desc);
            mc_diag_add(m,
                        "%s at %s, inside an IT block: not raised (Unicorn 2.0.1 cannot stop "
                        "there; the instruction ran as if the trap were off)",
                        desc, mc_fmt_addr(m, t->pc, sym, sizeof sym));
        }
        return;
    }
    m->stop = STOP_TRAP;
    m->trap = t;
    m->trap_addr = addr;
    uc_emu_stop(uc);
}

/* Remove every trap hook and the blocks translated with them. */
static void traps_unhook(se_machine *m)
{
    trap_state *ts = m->traps;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < ts->nrun; i++) {
        trap_run *r = &ts->run[i];
        if (!r->on)
            continue;
        uc_hook_del(m->uc, r->hook);
        r->on = false;
        if (r->first->pc < lo)
            lo = r->first->pc;
        if (r->first[r->n - 1].pc + 4u > hi)
            hi = r->first[r->n - 1].pc + 4u;
    }
    ts->nhooked = 0;
    if (hi > lo)
        uc_ctl_remove_cache(m->uc, lo, hi);
}

/* Decode the image again: its instructions to check, in runs. */
static se_err traps_scan(se_machine *m, se_error *err)
{
    trap_state *ts = m->traps;
    traps_unhook(m);
    free(ts->insn);
    free(ts->run);
    ts->insn = NULL;
    ts->run = NULL;
    ts->n = ts->nrun = 0;
    ts->scan_due = false;
    const uint8_t *code = m->image_end > m->image_base
                              ? mc_host_ptr(m, m->image_base, m->image_end - m->image_base)
                              : NULL;
    if (!code)
        return SE_OK;
    ts->insn = se_traps_scan(code, m->image_end - m->image_base, m->image_base, &ts->n);
    if (!ts->n)
        return SE_OK;
    ts->run = calloc(ts->n, sizeof *ts->run);
    if (!ts->run)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory for the trap checks");
    for (size_t i = 0; i < ts->n; i++) {
        const se_trap_insn *t = &ts->insn[i];
        trap_run *r = ts->nrun ? &ts->run[ts->nrun - 1] : NULL;
        if (r && r->first->kind == t->kind && t[-1].pc + t[-1].size == t->pc) {
            r->n++;
            continue;
        }
        ts->run[ts->nrun++] = (trap_run){m, t, 1, 0, false};
    }
    return SE_OK;
}

/* Hooks to match the image and CCR. Only between runs of the core. */
se_err mc_traps_sync(se_machine *m, se_error *err)
{
    trap_state *ts = m->traps;
    ts->dirty = false;
    if (ts->scan_due) {
        se_err e = traps_scan(m, err);
        if (e)
            return e;
    }
    bool want[3] = {
        [SE_TRAP_DIV] = (m->st.scs.ccr & SE_CCR_DIV_0_TRP) != 0,
        [SE_TRAP_ALIGN] = true,
        [SE_TRAP_ALIGN_TRP] = (m->st.scs.ccr & SE_CCR_UNALIGN_TRP) != 0,
    };
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < ts->nrun; i++) {
        trap_run *r = &ts->run[i];
        if (r->on == want[r->first->kind])
            continue;
        if (r->on) {
            uc_hook_del(m->uc, r->hook);
            ts->nhooked--;
        } else {
            const se_trap_insn *last = r->first + r->n - 1;
            uc_err ue = uc_hook_add(m->uc, &r->hook, UC_HOOK_CODE, (void *)hook_trap, r,
                                    r->first->pc, last->pc + last->size - 1u);
            if (ue != UC_ERR_OK)
                return mc_uc_fail(err, ue, "add a trap hook");
            ts->nhooked++;
        }
        r->on = !r->on;
        if (r->first->pc < lo)
            lo = r->first->pc;
        if (r->first[r->n - 1].pc + 4u > hi)
            hi = r->first[r->n - 1].pc + 4u;
    }
    /* Unicorn decided at translation whether each instruction calls the code hooks. */
    if (hi > lo)
        uc_ctl_remove_cache(m->uc, lo, hi);
    return SE_OK;
}

/* CCR's trap bits or the image changed: sync at the next block boundary (adding hooks and
 * dropping translated blocks is not safe from inside an MMIO callback). The new setting
 * takes effect from the next translated block: the ISB that ARM asks for after an SCB
 * write ends one. */
void mc_traps_changed(se_machine *m)
{
    m->traps->dirty = true;
    m->st.next_event = 0;
}

/* traps: the fault a trap hook found (STOP_TRAP), raised at its instruction. */
entry_result mc_trap_fault(se_machine *m)
{
    const se_trap_insn *t = m->trap;
    char desc[320];
    mc_ring_cut(m, t->pc, true); /* --last */
    if (t->kind == SE_TRAP_DIV) {
        snprintf(desc, sizeof desc,
                 "UsageFault DIVBYZERO: %s divides by zero (%s = 0, "
                 "CCR.DIV_0_TRP is set)",
                 t->text, se_trap_reg_name(t->rm));
        return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_DIVBYZERO, t->pc, desc);
    }
    unaligned_desc(t, m->trap_addr, desc, sizeof desc);
    return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNALIGNED, t->pc, desc);
}

/* An exclusive load Unicorn refused (interrupt 4) that is unaligned: its description. */
bool mc_trap_unaligned(se_machine *m, uint32_t pc, char *desc, size_t len)
{
    se_trap_insn t;
    const uint8_t *code = mc_host_ptr(m, pc, 4);
    if (!code || !se_trap_decode(code, 4, pc, &t) || t.kind != SE_TRAP_ALIGN)
        return false;
    uint32_t addr = trap_access(m, &t);
    if (!(addr & (t.align - 1u)))
        return false;
    unaligned_desc(&t, addr, desc, len);
    return true;
}

void mc_traps_free(se_machine *m)
{
    if (!m->traps)
        return;
    free(m->traps->insn);
    free(m->traps->run);
    free(m->traps);
    m->traps = NULL;
}
