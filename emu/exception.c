/* Exceptions as the Cortex-M33 takes them, done here because Unicorn 2.0.1 does neither
 * entry nor return: priorities and masking, the stacked frame, EXC_RETURN, fault escalation
 * to HardFault, lockup, and the architectural fault each of Unicorn's stops means. */
#include "emu/machine_impl.h"

#include "emu/board.h"
#include "emu/disasm.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- exception masking --------------------------------------------------------------- */

/* Execution priority: active exceptions, then PRIMASK (0), FAULTMASK (-1), BASEPRI. */
int mc_exec_prio(se_machine *m, bool *by_mask)
{
    int p = se_scs_active_prio(&m->st.scs);
    int pm = 256;
    if (mc_reg(m, UC_ARM_REG_FAULTMASK) & 1u)
        pm = -1;
    else if (mc_reg(m, UC_ARM_REG_PRIMASK) & 1u)
        pm = 0;
    else {
        uint32_t bp = mc_reg(m, UC_ARM_REG_BASEPRI) & 0xE0u;
        if (bp)
            pm = se_scs_group_prio(&m->st.scs, SE_EXC_SYSTICK) >= 0 ? (int)bp : 256;
    }
    if (by_mask)
        *by_mask = pm < p;
    return pm < p ? pm : p;
}

bool mc_masked_by_debug(const se_machine *m, unsigned exc)
{
    /* DHCSR.C_MASKINTS (with C_DEBUGEN) masks PendSV, SysTick and external interrupts. */
    if (!(m->st.scs.dhcsr & SE_DHCSR_C_MASKINTS) || !(m->st.scs.dhcsr & SE_DHCSR_C_DEBUGEN))
        return false;
    return exc == SE_EXC_PENDSV || exc == SE_EXC_SYSTICK || exc >= SE_EXC_IRQ0;
}

/* The exception to take now, or 0. Sets m->poll_mask when one waits only for PRIMASK,
 * FAULTMASK or BASEPRI, which the block hook then watches. */
static unsigned pick_takeable(se_machine *m)
{
    m->poll_mask = false;
    unsigned best = 0;
    int bp = 1000;
    for (unsigned e = 2; e < SE_NUM_EXC; e++) {
        if (!m->st.scs.pending[e] || !se_scs_is_enabled(&m->st.scs, e) || mc_masked_by_debug(m, e))
            continue;
        int p = se_scs_group_prio(&m->st.scs, e);
        /* Same group priority: the lower sub-priority wins, then the lower number. */
        if (p < bp ||
            (p == bp && e >= 4 && best >= 4 && m->st.scs.prio[e] < m->st.scs.prio[best])) {
            bp = p;
            best = e;
        }
    }
    if (!best)
        return 0;
    bool by_mask = false;
    int ep = mc_exec_prio(m, &by_mask);
    if (bp < ep)
        return best;
    if (by_mask && bp < se_scs_active_prio(&m->st.scs))
        m->poll_mask = true;
    return 0;
}

unsigned mc_takeable(se_machine *m)
{
    unsigned exc = pick_takeable(m);
    mc_update_block_want(m);
    return exc;
}

/* ---- exception entry and return ------------------------------------------------------ */

const char *mc_exc_str(unsigned exc)
{
    static char buf[4][16];
    static unsigned i;
    char *b = buf[i++ & 3];
    return se_exc_name(exc, b, 16);
}

static entry_result lockup(se_machine *m, const char *why)
{
    mc_chain_add(m, "lockup: %s", why);
    mc_set_cause(m, "lockup: %s", why);
    snprintf(m->lockup_why, sizeof m->lockup_why, "%s", why);
    m->st.scs.dhcsr |= SE_DHCSR_S_LOCKUP;
    return ENTRY_LOCKUP;
}

/* TrustZone: the security state our checks give the running code. A handler taken in the
 * other state runs in it; its exception return goes back (EXC_RETURN.S). The pages carved
 * for refusals follow before the core runs on. */
void mc_set_running_secure(se_machine *m, bool secure)
{
    m->st.scs.run_secure = secure;
    if (m->st.cpu_secure == secure)
        return;
    m->st.cpu_secure = secure;
    mc_tz_sau_written(m);
}

/* Why a fault raised by the Non-secure loader is taken in Secure state: "BusFault from the
 * Non-secure loader is taken in Secure state (AIRCR.BFHFNMINS=0)". */
static void routing_text(const se_machine *m, unsigned exc, unsigned origin, char *buf, size_t len)
{
    char from[48] = "";
    if (origin && origin != exc)
        snprintf(from, sizeof from, " (escalated from %s)", mc_exc_str(origin));
    const char *rule = exc == SE_EXC_SECUREFAULT ? "SecureFault always is"
                       : m->st.scs.bfhfnmins     ? "it escalated from a Secure-targeted fault"
                                                 : "AIRCR.BFHFNMINS=0";
    snprintf(buf, len, "%s%s from the Non-secure loader is taken in Secure state (%s)",
             mc_exc_str(exc), from, rule);
}

static bool is_fault(unsigned exc) { return exc >= SE_EXC_HARDFAULT && exc <= SE_EXC_SECUREFAULT; }

/* Take exception `exc` with return address ret_pc, in the Secure state when tsec (TrustZone;
 * the state the loader runs in otherwise). origin: the fault that escalated to it, or 0.
 * Pushes the basic frame on the stack in use, sets LR to EXC_RETURN, IPSR, and PC from the
 * vector table of the target state (VTOR_S or VTOR_NS). */
static entry_result exc_enter(se_machine *m, unsigned exc, uint32_t ret_pc, bool tsec,
                              unsigned origin)
{
    char sym[128];
    if (m->st.nest >= MAX_NEST)
        return lockup(m, "exceptions nested too deeply");
    se_scs *scs = &m->st.scs;
    bool tz = m->st.tz.tzen;
    bool bg_secure = m->st.cpu_secure; /* the state interrupted */
    uint32_t xpsr = mc_reg(m, UC_ARM_REG_XPSR);
    uint32_t control = mc_reg(m, UC_ARM_REG_CONTROL);
    bool handler = m->st.nest > 0;
    bool use_psp = !handler && (control & 2u);
    uint32_t sp = mc_reg(m, use_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP);
    uint32_t frame = (sp - 32u) & ~7u;
    bool realign = ((sp - 32u) & 4u) != 0;
    uint32_t vals[8] = {
        mc_reg(m, UC_ARM_REG_R0),
        mc_reg(m, UC_ARM_REG_R1),
        mc_reg(m, UC_ARM_REG_R2),
        mc_reg(m, UC_ARM_REG_R3),
        mc_reg(m, UC_ARM_REG_R12),
        mc_reg(m, UC_ARM_REG_LR),
        ret_pc & ~1u,
        (xpsr & ~(1u << 9)) | (realign ? 1u << 9 : 0),
    };
    for (unsigned i = 0; i < 8; i++) {
        if (!mc_mem_wr32(m, frame + 4 * i, vals[i])) {
            char why[512];
            snprintf(why, sizeof why,
                     "%s entry could not push its frame: %s=0x%08" PRIx32 " (write to 0x%08" PRIx32
                     " failed)%s",
                     mc_exc_str(exc), use_psp ? "PSP" : "MSP", sp, frame + 4 * i,
                     sp == 0 ? "; the stack pointer is zero" : "");
            if (exc == SE_EXC_HARDFAULT || handler)
                return lockup(m, why);
            mc_chain_add(m, "%s", why);
            mc_set_cause(m, "%s", why);
            /* STKERR is BusFault's; the HardFault it forces targets as escalation says */
            bool bsec = se_scs_targets_secure(scs, SE_EXC_BUSFAULT, bg_secure);
            *se_scs_bank_of(scs, bsec).cfsr |= SE_CFSR_STKERR;
            origin = exc;
            tsec = se_scs_targets_secure(scs, SE_EXC_HARDFAULT, tsec || bsec);
            *se_scs_bank_of(scs, tsec).hfsr |= SE_HFSR_FORCED;
            exc = SE_EXC_HARDFAULT;
            frame = sp; /* no frame was pushed */
            break;
        }
    }
    /* EXC_RETURN.S: the state interrupted (whose stack holds the frame); .ES: the state the
     * exception is taken in. With TZEN=0 both follow the profile. */
    bool s_bit = tz ? bg_secure : m->prof->secure, es_bit = tz ? tsec : m->prof->secure;
    uint32_t exc_return = 0xFFFFFF80u /* PREFIX and RES1 bits */ | (1u << 5) /* DCRS */ |
                          (1u << 4) /* no FP frame */ | (handler ? 0u : (1u << 3)) |
                          (use_psp ? (1u << 2) : 0u) | (s_bit ? (1u << 6) : 0u) |
                          (es_bit ? 1u : 0u);
    /* Switch to the main stack (CONTROL.SPSEL = 0), update the banked SP, enter Handler.
     * Policy (docs/trustzone.md "Faults"): a Secure handler taken from the Non-secure loader
     * runs on the same stack (MSP_S of the Secure image is not modelled). */
    if (use_psp) {
        mc_set_reg(m, UC_ARM_REG_PSP, frame);
        mc_set_reg(m, UC_ARM_REG_CONTROL, control & ~2u & ~4u);
    } else {
        mc_set_reg(m, UC_ARM_REG_CONTROL, control & ~4u);
        mc_set_reg(m, UC_ARM_REG_MSP, frame);
    }
    mc_set_reg(m, UC_ARM_REG_XPSR, (xpsr & 0xF80F0000u & ~(0x3u << 25)) | (1u << 24) | exc);
    mc_set_reg(m, UC_ARM_REG_LR, exc_return);

    scs->pending[exc] = false;
    scs->active[exc] = true;
    m->st.stack[m->st.nest++] = exc;
    scs->vectactive = exc;
    m->st.exceptions++;

    uint32_t vtor = *se_scs_bank_of(scs, tsec).vtor;
    /* "VTOR" is the loader's own (the register it writes); the other state's is named */
    const char *vname = !tz || tsec == scs->home_secure ? "VTOR" : tsec ? "VTOR_S" : "VTOR_NS";
    bool routed = tz && tsec && !bg_secure; /* the Non-secure loader's fault, taken Secure */
    uint32_t vaddr = vtor + 4u * exc, vec;
    if (tz) { /* TrustZone: the vector read is an access of the state the exception targets */
        se_tz_outcome o;
        if (se_tz_check(&m->st.tz, scs, tsec, vaddr, false, false, &o) != SE_TZ_OK) {
            se_tz_flag(&m->st.tz.gtzc, &o);
            char why[512];
            snprintf(why, sizeof why,
                     "%s vector read from 0x%08" PRIx32 " (%s 0x%08" PRIx32
                     " + 0x%x) refused, the vector table is in memory of the other security "
                     "state: %s",
                     mc_exc_str(exc), vaddr, vname, vtor, 4u * exc, o.reason);
            return lockup(m, why);
        }
    }
    if (!mc_mem_rd32(m, vaddr, &vec)) {
        char why[200];
        snprintf(why, sizeof why,
                 "%s vector fetch from 0x%08" PRIx32 " (%s 0x%08" PRIx32
                 ") failed: nothing mapped there",
                 mc_exc_str(exc), vaddr, vname, vtor);
        return lockup(m, why);
    }
    uint16_t first = 0;
    m->tz_direct = true;
    uc_mem_read(m->uc, vec & ~1u, &first, 2);
    m->tz_direct = false;
    mc_chain_add(m, "%s taken%s at %s: vector 0x%08" PRIx32 " from %s 0x%08" PRIx32 "+0x%x",
                 mc_exc_str(exc), routed ? " in Secure state" : "",
                 mc_fmt_addr(m, ret_pc, sym, sizeof sym), vec, vname, vtor, 4u * exc);
    bool erased = vec == 0xFFFFFFFFu || (mc_in_iflash(m, vec) && first == 0xFFFFu);
    if (erased && routed) {
        /* Architecturally the core would fetch the erased handler, fault in it at HardFault
         * priority and lock up: said with the routing, which is the point. */
        char route[160], why[300];
        routing_text(m, exc, origin, route, sizeof route);
        mc_chain_add(m, "  the loader's own vector table (VTOR_NS 0x%08" PRIx32 ") is not used",
                     *se_scs_bank_of(scs, false).vtor);
        /* at most 200 characters: the end of the call quotes that much */
        snprintf(why, sizeof why,
                 "%s through VTOR_S 0x%08" PRIx32 ", whose vector is erased (0x%08" PRIx32 ")",
                 route, vtor, vec);
        return lockup(m, why);
    }
    if (erased) {
        if (!m->vec_note[0])
            snprintf(m->vec_note, sizeof m->vec_note,
                     "the %s vector 0x%08" PRIx32 " points into erased flash", mc_exc_str(exc),
                     vec);
        mc_set_cause(m,
                     "%s vector (%s 0x%08" PRIx32 " + 0x%x) is 0x%08" PRIx32
                     ", which points into erased internal flash: no handler there",
                     mc_exc_str(exc), vname, vtor, 4u * exc, vec);
        mc_chain_add(m, "  the %s handler at 0x%08" PRIx32 " is erased flash (0xFFFF)",
                     mc_exc_str(exc), vec & ~1u);
    }
    bool in_sram = vaddr - m->prof->sram.base < m->prof->sram.size ||
                   vaddr - m->prof->sram_alias < m->prof->sram.size;
    bool in_image = vaddr - m->image_base < m->image_end - m->image_base ||
                    vaddr - (m->image_base + 0x10000000u) < m->image_end - m->image_base;
    if (in_sram && m->image_end && !in_image) {
        mc_set_cause(m,
                     "%s vector (%s 0x%08" PRIx32 " + 0x%x) is 0x%08" PRIx32
                     ", read from RAM outside the downloaded image 0x%08" PRIx32 "..0x%08" PRIx32
                     ": stale contents (VTOR set from a link-time address?)",
                     mc_exc_str(exc), vname, vtor, 4u * exc, vec, m->image_base, m->image_end);
        mc_chain_add(m, "  %s 0x%08" PRIx32 " is outside the downloaded image", vname, vtor);
    }
    if (!(vec & 1u)) {
        /* ARMv8-M: a vector without the Thumb bit faults (INVSTATE) on the first
         * instruction; the machine sees that as the next fault. */
        mc_chain_add(m, "  vector 0x%08" PRIx32 " has no Thumb bit", vec);
    }
    if (tz && tsec != bg_secure)
        mc_set_running_secure(m, tsec);
    mc_set_reg(m, UC_ARM_REG_PC, vec & ~1u);
    return ENTRY_OK;
}

/* An exception taken by its number: faults and SVCall in the state of the code that raised
 * them, interrupts, SysTick, PendSV and NMI as the loader's (ITNS, STTNS not modelled). */
entry_result mc_exc_enter(se_machine *m, unsigned exc, uint32_t ret_pc)
{
    bool from = is_fault(exc) || exc == SE_EXC_SVCALL ? m->st.cpu_secure : m->st.scs.home_secure;
    return exc_enter(m, exc, ret_pc, se_scs_targets_secure(&m->st.scs, exc, from), 0);
}

/* Return from the innermost exception. exc_return is the magic value branched to. */
bool mc_exc_return(se_machine *m, uint32_t exc_ret, char *why, size_t whylen)
{
    if (m->st.nest == 0) {
        snprintf(why, whylen,
                 "branch to 0x%08" PRIx32 " in Thread mode: an EXC_RETURN value used as an "
                 "address (corrupted LR or return address?)",
                 exc_ret);
        return false;
    }
    unsigned exc = m->st.stack[--m->st.nest];
    m->st.scs.active[exc] = false;
    m->st.scs.vectactive = m->st.nest ? m->st.stack[m->st.nest - 1] : 0;
    bool to_thread = exc_ret & (1u << 3);
    bool to_psp = to_thread && (exc_ret & (1u << 2));
    if (to_thread != (m->st.nest == 0)) {
        snprintf(why, whylen,
                 "EXC_RETURN 0x%08" PRIx32 " returns to %s mode but %u exception(s) remain active "
                 "(INVPC)",
                 exc_ret, to_thread ? "Thread" : "Handler", m->st.nest);
        return false;
    }
    uint32_t control = mc_reg(m, UC_ARM_REG_CONTROL);
    uint32_t sp = mc_reg(m, to_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP);
    uint32_t f[8];
    for (unsigned i = 0; i < 8; i++)
        if (!mc_mem_rd32(m, sp + 4 * i, &f[i])) {
            snprintf(why, whylen, "exception return could not pop its frame at 0x%08" PRIx32, sp);
            return false;
        }
    uint32_t new_sp = sp + 32u + ((f[7] & (1u << 9)) ? 4u : 0u);
    mc_set_reg(m, UC_ARM_REG_R0, f[0]);
    mc_set_reg(m, UC_ARM_REG_R1, f[1]);
    mc_set_reg(m, UC_ARM_REG_R2, f[2]);
    mc_set_reg(m, UC_ARM_REG_R3, f[3]);
    mc_set_reg(m, UC_ARM_REG_R12, f[4]);
    mc_set_reg(m, UC_ARM_REG_LR, f[5]);
    /* Order matters: IPSR first (leave Handler mode), then the stack selection. */
    uint32_t ipsr = m->st.nest ? m->st.stack[m->st.nest - 1] : 0;
    mc_set_reg(m, UC_ARM_REG_XPSR, (f[7] & 0xFF0FFC00u & ~0x1FFu) | (1u << 24) | ipsr);
    if (to_psp) {
        mc_set_reg(m, UC_ARM_REG_PSP, new_sp);
        mc_set_reg(m, UC_ARM_REG_CONTROL, control | 2u);
    } else {
        mc_set_reg(m, UC_ARM_REG_CONTROL, to_thread ? control & ~2u : control);
        mc_set_reg(m, UC_ARM_REG_MSP, new_sp);
    }
    mc_set_reg(m, UC_ARM_REG_PC, f[6] & ~1u);
    /* TrustZone: a Secure handler returns to the state EXC_RETURN.S names; a Non-secure one
     * stays Non-secure (a return to Secure from it is an INVER SecureFault, not modelled). */
    if (m->st.tz.tzen && m->st.cpu_secure)
        mc_set_running_secure(m, (exc_ret & (1u << 6)) != 0);
    return true;
}

/* A synchronous fault. Escalates to HardFault when the handler is disabled or cannot
 * preempt; locks up when HardFault itself cannot be taken. */
entry_result mc_fault_at(se_machine *m, unsigned exc, uint32_t cfsr_bits, uint32_t pc,
                         const char *desc, const char *where)
{
    char sym[128];
    mc_stack_check(m, pc); /* run-time diagnoses: the stack may be the root cause */
    se_scs *scs = &m->st.scs;
    /* The state each fault is taken in (TrustZone; the loader's otherwise), and its copy of
     * the status registers */
    bool tsec = se_scs_targets_secure(scs, exc, m->st.cpu_secure);
    *se_scs_bank_of(scs, tsec).cfsr |= cfsr_bits;
    mc_debug_fault(m, exc, pc, desc, where); /* the debugger stops here, before entry */
    mc_chain_add(m, "%s %s %s", desc, where, mc_fmt_addr(m, pc, sym, sizeof sym));
    mc_set_cause(m, "%s %s %s%s", desc, where, mc_fmt_addr(m, pc, sym, sizeof sym),
                 m->cause_suffix);
    m->cause_suffix[0] = '\0';
    int ep = mc_exec_prio(m, NULL);
    unsigned target = exc;
    if (exc != SE_EXC_HARDFAULT &&
        (!se_scs_is_enabled(scs, exc) || se_scs_group_prio(scs, exc) >= ep)) {
        target = SE_EXC_HARDFAULT;
        bool hsec = se_scs_targets_secure(scs, SE_EXC_HARDFAULT, tsec);
        *se_scs_bank_of(scs, hsec).hfsr |= SE_HFSR_FORCED;
        const char *bank = !m->st.tz.tzen ? "" : tsec ? "_S" : "_NS";
        mc_chain_add(m, "  %s escalated to HardFault (%s%s)", mc_exc_str(exc),
                     se_scs_is_enabled(scs, exc) ? "priority too low"
                                                 : "handler not enabled in SHCSR",
                     se_scs_is_enabled(scs, exc) ? "" : bank);
        tsec = hsec;
    }
    if (target == SE_EXC_HARDFAULT && ep <= -1) {
        char why[512];
        snprintf(why, sizeof why, "fault while in %s (execution priority %d): %s",
                 mc_exc_str(m->st.nest ? m->st.stack[m->st.nest - 1] : 0), ep, desc);
        return lockup(m, why);
    }
    return exc_enter(m, target, pc, tsec, exc);
}

entry_result mc_fault(se_machine *m, unsigned exc, uint32_t cfsr_bits, uint32_t pc,
                      const char *desc)
{
    return mc_fault_at(m, exc, cfsr_bits, pc, desc, "at");
}

/* A VFP instruction on coprocessor 11 (double precision) at pc: the data-processing,
 * load/store and register-transfer encodings whose second halfword has coproc [11:8] = 0xB. */
static bool dp_fpu_insn(se_machine *m, uint32_t pc)
{
    const uint8_t *c = mc_host_ptr(m, pc & ~1u, 4);
    if (!c)
        return false;
    uint16_t hw1 = (uint16_t)(c[0] | c[1] << 8), hw2 = (uint16_t)(c[2] | c[3] << 8);
    bool vfp = (hw1 & 0xEF00u) == 0xEE00u || (hw1 & 0xEE00u) == 0xEC00u;
    return vfp && (hw2 & 0x0F00u) == 0x0B00u;
}

static const char *mem_type_str(uc_mem_type t)
{
    switch (t) {
    case UC_MEM_READ_UNMAPPED:
    case UC_MEM_READ_PROT: return "read";
    case UC_MEM_WRITE_UNMAPPED:
    case UC_MEM_WRITE_PROT: return "write";
    case UC_MEM_FETCH_UNMAPPED:
    case UC_MEM_FETCH_PROT: return "instruction fetch";
    default: return "access";
    }
}

static const char *region_name(const se_machine *m, uint32_t a);

/* region_name, and for memory that does not exist on the target, what it is on the family
 * the loader may have been built for ("no memory there on the STM32L5; it is STM32H7 AXI
 * SRAM"). */
static const char *region_text(const se_machine *m, uint32_t a, char *buf, size_t len)
{
    const char *r = region_name(m, a);
    char other[160] = "";
    if (strcmp(r, "unmapped") || !m->fam || !se_family_foreign_ram(m->fam, a, other, sizeof other))
        return r;
    snprintf(buf, len, "unmapped: no memory at this address on the %s; it is %s", m->fam->name,
             other);
    return buf;
}

/* Keil RWPI: the loader reaches its data through R9 (static base), which CubeProgrammer
 * leaves 0 (docs/protocol.md). True when R9 is 0 and an instruction of the faulting block,
 * up to the faulting one, reads R9. */
static bool rwpi_access(se_machine *m, uint32_t block, uint32_t fault_pc)
{
    if (mc_reg(m, UC_ARM_REG_R9) != 0 || fault_pc < block || fault_pc - block > 256)
        return false;
    uint32_t len = fault_pc - block + 4;
    const uint8_t *code = mc_host_ptr(m, block, len);
    csh h;
    if (!code || !se_cs_open(&h))
        return false;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = NULL;
    size_t n = cs_disasm(h, code, len, block, 0, &in);
    bool found = false;
    for (size_t i = 0; i < n && !found && in[i].address <= fault_pc; i++) {
        const cs_arm *a = &in[i].detail->arm;
        for (int k = 0; k < a->op_count && !found; k++) {
            const cs_arm_op *op = &a->operands[k];
            found = (k > 0 && op->type == ARM_OP_REG && op->reg == ARM_REG_R9) ||
                    (op->type == ARM_OP_MEM &&
                     (op->mem.base == ARM_REG_R9 || op->mem.index == ARM_REG_R9));
        }
    }
    if (in)
        cs_free(in, n);
    cs_close(&h);
    return found;
}

static const char *region_name(const se_machine *m, uint32_t a)
{
    const se_profile *p = m->prof;
    if (a - p->ext_window.base < p->ext_window.size)
        return "external memory window, no memory-mapped device active";
    if (a - p->iflash.base < p->iflash.size || a - p->iflash_alias < p->iflash.size)
        return "internal flash, read-only to the CPU";
    if (a >= 0xE0000000u)
        return "system region, execute-never";
    if (a >= 0x40000000u && a < 0x60000000u)
        return "peripheral region, execute-never";
    if (a < 0x20)
        return "address near zero: null pointer?";
    return "unmapped";
}

entry_result mc_mem_fault(se_machine *m)
{
    char desc[512];
    uint32_t a = m->mem_addr;
    bool fetch = m->mem_type == UC_MEM_FETCH_UNMAPPED || m->mem_type == UC_MEM_FETCH_PROT;
    if (m->tz_fault) /* TrustZone: decided by se_tz_check */
        return mc_tz_fault_enter(m);
    if (fetch && m->st.tz.tzen) { /* a fetch from a carved page: the check says why */
        se_tz_outcome o;
        if (se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, a, false, true, &o) != SE_TZ_OK) {
            se_tz_flag(&m->st.tz.gtzc, &o);
            m->tz_out = o;
            m->mem_type = UC_MEM_FETCH_PROT;
            return mc_tz_fault_enter(m);
        }
    }
    bool xn = a >= 0xE0000000u || (a >= 0x40000000u && a < 0x60000000u);
    if (fetch && xn) {
        snprintf(desc, sizeof desc,
                 "MemManage IACCVIOL: instruction fetch from 0x%08" PRIx32 " (%s)", a,
                 region_name(m, a));
        return mc_fault(m, SE_EXC_MEMMANAGE, SE_CFSR_IACCVIOL, a, desc);
    }
    if (fetch) {
        char rtext[200];
        snprintf(desc, sizeof desc, "BusFault IBUSERR: instruction fetch from 0x%08" PRIx32 " (%s)",
                 a, region_text(m, a, rtext, sizeof rtext));
        return mc_fault(m, SE_EXC_BUSFAULT, SE_CFSR_IBUSERR, a, desc);
    }
    /* An access within 64 bytes of SP that leaves RAM is the stack leaving it (a push below
     * the start of SRAM, a frame above its end): said so, with SP. */
    uint32_t sp = mc_reg(m, UC_ARM_REG_SP);
    const se_profile *p = m->prof;
    bool stack = !m->sp_noted && a - (sp - 64u) <= 128u && a - p->sram.base >= p->sram.size &&
                 a - p->sram_alias >= p->sram.size; /* (an SP bad at entry is said already) */
    char sp_note[200] = "", rtext[200];
    if (stack)
        snprintf(sp_note, sizeof sp_note, "; the stack has left RAM (SP 0x%08" PRIx32 ")", sp);
    /* Unicorn 2.0.1 leaves PC at the start of the translated block when a data access
     * faults: find the instruction by decoding the block; if that fails, name the block
     * (and stack its start as the return address). */
    uint32_t block = m->mem_pc, exact;
    bool is_write = m->mem_type == UC_MEM_WRITE_UNMAPPED || m->mem_type == UC_MEM_WRITE_PROT;
    bool have_exact = mc_exact_pc(m, block, a, is_write, &exact);
    if (!stack && rwpi_access(m, block, have_exact ? exact : block + 64))
        snprintf(sp_note, sizeof sp_note,
                 "; the loader addresses its data through R9 (Keil RWPI) and R9 is 0, as "
                 "CubeProgrammer leaves it: rebuild it without RWPI (--apcs=/norwpi)");
    snprintf(desc, sizeof desc, "BusFault PRECISERR: %u-byte %s of 0x%08" PRIx32 " (%s)%s",
             m->mem_size, mem_type_str(m->mem_type), a, region_text(m, a, rtext, sizeof rtext),
             sp_note);
    *se_scs_bank_of(&m->st.scs,
                    se_scs_targets_secure(&m->st.scs, SE_EXC_BUSFAULT, m->st.cpu_secure))
         .bfar = a;
    if (have_exact) {
        mc_ring_cut(m, exact, true); /* --last */
        return mc_fault(m, SE_EXC_BUSFAULT, SE_CFSR_PRECISERR | SE_CFSR_BFARVALID, exact, desc);
    }
    return mc_fault_at(m, SE_EXC_BUSFAULT, SE_CFSR_PRECISERR | SE_CFSR_BFARVALID, block, desc,
                       "in the block at");
}

entry_result mc_intr_fault(se_machine *m, uint32_t pc, bool *halted, char *why, size_t wl)
{
    char desc[256];
    switch (m->intno) {
    case 2: { /* SVC: return address is the next instruction */
        int ep = mc_exec_prio(m, NULL);
        if (se_scs_group_prio(&m->st.scs, SE_EXC_SVCALL) < ep)
            return mc_exc_enter(m, SE_EXC_SVCALL, pc);
        return mc_fault(m, SE_EXC_HARDFAULT, 0, pc,
                        "SVC executed where SVCall cannot preempt (escalated to HardFault)");
    }
    case 7:
        *halted = true;
        snprintf(why, wl,
                 "the loader executed a BKPT instruction at 0x%08" PRIx32
                 " (not the host's breakpoint): the core halts there",
                 pc);
        return ENTRY_OK;
    case 4: /* Unicorn 2.0.1 raises this for an unaligned LDREX/LDREXH (emu/traps.h),
             * which outside the image no trap hook saw first */
        if (mc_trap_unaligned(m, pc, desc, sizeof desc))
            return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNALIGNED, pc, desc);
        /* fall through */
    case 3:
        snprintf(desc, sizeof desc, "MemManage %s",
                 m->intno == 3 ? "IACCVIOL: instruction fetch refused (execute-never or no memory)"
                               : "DACCVIOL: data access refused");
        return mc_fault(m, SE_EXC_MEMMANAGE, m->intno == 3 ? SE_CFSR_IACCVIOL : SE_CFSR_DACCVIOL,
                        pc, desc);
    case 17:
        return mc_fault(
            m, SE_EXC_USAGEFAULT, SE_CFSR_NOCP, pc,
            "UsageFault NOCP: coprocessor (FPU) instruction with the FPU disabled in CPACR");
    case 18:
        return mc_fault(
            m, SE_EXC_USAGEFAULT, SE_CFSR_INVSTATE, pc,
            "UsageFault INVSTATE: execution in ARM state (branch target without the Thumb bit)");
    case 19:
        return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_STKOF, pc,
                        "UsageFault STKOF: stack pointer below its limit register (MSPLIM/PSPLIM)");
    case 22:
        return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNALIGNED, pc,
                        "UsageFault UNALIGNED: unaligned access");
    case 1:
        if (m->prof->board->cpu == SE_CPU_M7 && dp_fpu_insn(m, pc))
            return mc_fault(
                m, SE_EXC_USAGEFAULT, SE_CFSR_UNDEFINSTR, pc,
                "UsageFault UNDEFINSTR: a double-precision FPU instruction; the board's Cortex-M7 "
                "has a double-precision FPU, but Unicorn 2.0.1 runs every M-profile model as its "
                "Cortex-M33, whose FPU is single-precision (docs/unicorn.md 1)");
        return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNDEFINSTR, pc,
                        "UsageFault UNDEFINSTR: undefined instruction");
    default:
        snprintf(desc, sizeof desc, "UsageFault: CPU exception %u (not modelled in detail)",
                 m->intno);
        return mc_fault(m, SE_EXC_USAGEFAULT, SE_CFSR_INVSTATE, pc, desc);
    }
}
