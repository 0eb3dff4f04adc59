/* The System Control Space and the peripheral bus as the CPU reaches them (MMIO regions),
 * and the services the machine offers device models (time, log, the PC of an access, the
 * core clock, idle hints). */
#include "emu/machine_impl.h"

#include "emu/disasm.h"
#include "emu/faultpc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- MMIO: System Control Space and peripherals ---------------------------------------- */

/* "not an STM32L5 register; it is STM32F4/F7 RCC" or "STM32L5 CRC, not modelled": what an
 * address of the peripheral space (periph) or of memory is on this target and elsewhere. */
void mc_name_address(const se_machine *m, uint32_t addr, bool periph, char *buf, size_t len)
{
    char other[160] = "";
    const se_block *own = periph ? se_family_periph(m->fam, addr) : se_family_ram(m->fam, addr);
    if (!m->fam || (!own && periph && !m->fam->complete)) {
        snprintf(buf, len, "no model answers it");
        return;
    }
    if (own) {
        snprintf(buf, len, "%s %s%s", m->fam->name, own->name, periph ? ", not modelled" : "");
        return;
    }
    if (periph)
        se_family_foreign_periph(m->fam, addr, other, sizeof other);
    else
        se_family_foreign_ram(m->fam, addr, other, sizeof other);
    snprintf(buf, len, "not an %s %s%s%s", m->fam->name, periph ? "register" : "address",
             other[0] ? "; it is " : "", other);
}

/* A loop re-reading an unmodelled register reads 0 for ever: at every POLL_LIMIT reads of it
 * in a row (no other unmodelled register read, no write to it, between), the wall-clock check
 * is brought forward to the next block, where the one hang detector (cause.c's probe) starts
 * watching the loop; only its proof ends the call. The PC is not part of the key: inside an MMIO callback Unicorn 2.0.1 reports
 * the PC of the last synchronisation, which a loop of chained blocks around a call (HAL's
 * timeout loops: the read, then HAL_GetTick) does not keep constant. The last block seen is
 * kept for the report, which finds the instruction. */
static void count_poll(se_machine *m, uint32_t addr, bool write, uint32_t block)
{
    if (write) {
        if (addr == m->poll_addr)
            m->poll_count = 0;
        return;
    }
    m->poll_block = block;
    if (addr != m->poll_addr) {
        m->poll_addr = addr;
        m->poll_count = 1;
        return;
    }
    if ((++m->poll_count & (POLL_LIMIT - 1u)) == 0 && !m->probe.on) {
        m->st.wall_at = m->st.cycles;
        mc_schedule(m);
    }
}

/* The bit a polling loop tests in the register its load at pc put in a register: the
 * instructions after it, as compilers emit the test (TST/ANDS with one bit, LSLS #31-n,
 * LSRS #n+1 into the carry, UBFX #n, #1). -1 when none says. */
static int polled_bit(se_machine *m, uint32_t pc)
{
    const uint8_t *code = mc_host_ptr(m, pc, 24);
    csh h;
    if (!code || !se_cs_open(&h))
        return -1;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = NULL;
    size_t n = cs_disasm(h, code, 24, pc, 7, &in);
    int bit = -1;
    if (n >= 2 && in[0].detail->arm.op_count >= 1 &&
        in[0].detail->arm.operands[0].type == ARM_OP_REG) {
        int r = (int)in[0].detail->arm.operands[0].reg;
        for (size_t i = 1; i < n && bit < 0; i++) {
            const cs_arm *a = &in[i].detail->arm;
            const cs_arm_op *op = a->operands;
            int src = -1;
            int64_t imm = -1;
            if (a->op_count == 2 && op[0].type == ARM_OP_REG && op[1].type == ARM_OP_IMM) {
                src = (int)op[0].reg; /* tst r, #imm */
                imm = op[1].imm;
            } else if (a->op_count >= 3 && op[1].type == ARM_OP_REG && op[2].type == ARM_OP_IMM) {
                src = (int)op[1].reg; /* ands/lsls/lsrs/ubfx rd, r, #imm */
                imm = op[2].imm;
            } else if (a->op_count == 2 && op[0].type == ARM_OP_REG && op[1].type == ARM_OP_REG &&
                       (int)op[1].reg == r && in[i].id == ARM_INS_MOV) {
                r = (int)op[0].reg; /* the value moved on */
                continue;
            }
            if (src != r || imm < 0)
                continue;
            uint32_t u = (uint32_t)imm;
            switch (in[i].id) {
            case ARM_INS_TST:
            case ARM_INS_AND:
                if (u && !(u & (u - 1)))
                    bit = __builtin_ctz(u);
                break;
            case ARM_INS_LSL:
                if (u < 32)
                    bit = 31 - (int)u;
                break;
            case ARM_INS_LSR:
                if (u >= 1 && u <= 32)
                    bit = (int)u - 1;
                break;
            case ARM_INS_UBFX: bit = (int)u; break;
            default: break;
            }
        }
    }
    if (in)
        cs_free(in, n);
    cs_close(&h);
    return bit;
}

/* The reason of a loop proven endless (cause.c) that polls the unmodelled register read last. */
void mc_describe_poll(se_machine *m, char *buf, size_t len)
{
    char what[200], sym[128], bit[24] = "";
    uint32_t pc = m->poll_block, exact;
    if (mc_exact_pc(m, m->poll_block, m->poll_addr, false, &exact))
        pc = exact;
    int b = polled_bit(m, pc);
    if (b >= 0)
        snprintf(bit, sizeof bit, " bit %d", b);
    mc_name_address(m, m->poll_addr, true, what, sizeof what);
    const char *semi = strchr(what, ';');
    bool foreign = m->fam && m->fam->complete && !se_family_periph(m->fam, m->poll_addr);
    snprintf(buf, len,
             "polling 0x%08" PRIx32 "%s (%.*s): it can never change (no model behind it reads "
             "other than 0; proven endless after %u identical reads at %s)%s%s%s",
             m->poll_addr, bit, semi ? (int)(semi - what) : (int)strlen(what), what, m->poll_count,
             mc_fmt_addr(m, pc, sym, sizeof sym), semi ? ";" : "", semi ? semi + 1 : "",
             foreign && semi ? ": the loader was built for another chip" : "");
}

static void report_unmodelled(se_machine *m, uint32_t addr, bool write, uint32_t value,
                              unsigned size, const char *where)
{
    char sym[128];
    uint32_t pc = mc_reg(m, UC_ARM_REG_PC);
    bool periph = where[0] == 'p';
    if (periph)
        count_poll(m, addr, write, pc);
    if (mc_first_time(m, addr)) {
        /* the exact instruction, not the block's start (Unicorn 2.0.1 leaves PC there in an
         * MMIO callback): decoded only when a report is made */
        uint32_t exact;
        if (mc_exact_pc(m, pc, addr, write, &exact) ||
            (periph && m->mmio_addr != addr && mc_exact_pc(m, pc, m->mmio_addr, write, &exact)))
            pc = exact;
        if (periph && m->fam && m->fam->complete && !se_family_periph(m->fam, addr)) {
            char what[160] = "";
            se_family_foreign_periph(m->fam, addr, what, sizeof what);
            mc_log(m, SE_LOG_WARN,
                   "access to 0x%08" PRIx32 ", which does not exist on the %s%s%s%s: %u-byte "
                   "%s%s (first at %s)",
                   addr, m->fam->name, what[0] ? " (it is " : "", what, what[0] ? ")" : "", size,
                   write ? "write" : "read", write ? " ignored" : " reads as 0",
                   mc_fmt_addr(m, pc, sym, sizeof sym));
        } else {
            mc_log(m, SE_LOG_WARN,
                   "unmodelled %s register 0x%08" PRIx32 ": %u-byte %s%s (first at %s)", where,
                   addr, size, write ? "write" : "read", write ? "" : " reads as 0",
                   mc_fmt_addr(m, pc, sym, sizeof sym));
        }
    }
    (void)value;
    if (m->opts.strict && m->stop != STOP_STRICT) {
        m->stop = STOP_STRICT;
        m->strict_addr = addr;
        m->strict_write = write;
        uc_emu_stop(m->uc);
    }
}

static void scs_effects(se_machine *m, unsigned fx, uint32_t addr, bool write, uint32_t value,
                        unsigned size)
{
    if (fx & SE_SCS_FX_UNMODELLED)
        report_unmodelled(m, addr, write, value, size, "system");
    if (fx & SE_SCS_FX_IGNORED) {
        char sym[128];
        if (mc_first_time(m, addr ^ 0x80000000u))
            mc_log(m, SE_LOG_WARN,
                   "write of 0x%08" PRIx32 " to 0x%08" PRIx32
                   " ignored (read-only, missing key, or debugger-only field) at %s",
                   value, addr, mc_fmt_addr(m, mc_reg(m, UC_ARM_REG_PC), sym, sizeof sym));
    }
    if (fx & SE_SCS_FX_MPU) {
        if (mc_first_time(m, 0xE000ED94u ^ 0x40000000u))
            mc_log(m, SE_LOG_WARN, "loader enabled the MPU: regions are not enforced");
    }
    if (fx & SE_SCS_FX_TIMER)
        mc_reschedule_systick(m, m->st.cycles);
    if (fx & SE_SCS_FX_TRAPS)
        mc_traps_changed(m);
    if (fx & SE_SCS_FX_RESET) {
        m->stop = STOP_RESET;
        uc_emu_stop(m->uc);
        return;
    }
    /* Stopping inside an MMIO callback would leave PC at the start of the block (Unicorn
     * 2.0.1 does not sync it), so the exception is taken at the next block boundary: an
     * event deadline of 0 makes the block hook stop there. */
    if ((fx & SE_SCS_FX_IRQ) && mc_takeable(m))
        m->st.next_event = 0;
}

static uint64_t ppb_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    se_machine *m = user;
    unsigned fx;
    uint32_t addr = PPB_BASE + (uint32_t)offset;
    /* SAU registers are Secure-only: RAZ/WI for a Non-secure loader (docs/hardware.md C.3) */
    if (m->st.tz.tzen && !m->st.cpu_secure && !m->tz_direct && addr - 0xE000EDD0u < 0x14u)
        return 0;
    uint32_t v = se_scs_read(&m->st.scs, addr, m->st.cycles, &fx);
    scs_effects(m, fx, addr, false, 0, size);
    if (size < 4)
        v &= (1u << (8 * size)) - 1u;
    if (m->probe.on) /* cause.c */
        mc_probe_mmio(m, addr, v, size, mc_reg(m, UC_ARM_REG_PC));
    return v;
}

static void ppb_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    se_machine *m = user;
    unsigned fx;
    uint32_t addr = PPB_BASE + (uint32_t)offset;
    if (addr - 0xE000EDD0u < 0x14u) { /* SAU: Secure-only; a change remaps the pages */
        if (m->st.tz.tzen && !m->st.cpu_secure && !m->tz_direct)
            return;
        mc_tz_sau_written(m);
    }
    se_scs_write_n(&m->st.scs, addr, (uint32_t)value, size, m->st.cycles, &fx);
    scs_effects(m, fx, addr, true, (uint32_t)value, size);
}

static void bus_unmodelled(void *opaque, uint32_t addr, bool write, uint32_t value, unsigned size)
{
    report_unmodelled(opaque, addr, write, value, size, "peripheral");
}

static uint64_t periph_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph.base + (uint32_t)offset;
    m->mmio_write = false;
    if (!mc_tz_periph_ok(m, m->mmio_addr, false, size))
        return 0;
    uint32_t v = se_bus_read(m->bus, m->mmio_addr, size);
    if (m->probe.on) /* cause.c */
        mc_probe_mmio(m, m->mmio_addr, v, size, mc_host_pc(m));
    return v;
}

static void periph_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph.base + (uint32_t)offset;
    m->mmio_write = true;
    if (!mc_tz_periph_ok(m, m->mmio_addr, true, size))
        return;
    se_bus_write(m->bus, m->mmio_addr, (uint32_t)value, size);
    mc_after_write(m); /* a DMA request, the window's in-place state (one test each) */
}

static uint64_t periph_alias_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph_alias + (uint32_t)offset;
    m->mmio_write = false;
    if (!mc_tz_periph_ok(m, m->mmio_addr, false, size))
        return 0;
    uint32_t v = se_bus_read(m->bus, m->mmio_addr, size);
    if (m->probe.on) /* cause.c */
        mc_probe_mmio(m, m->mmio_addr, v, size, mc_host_pc(m));
    return v;
}

static void periph_alias_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                               void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph_alias + (uint32_t)offset;
    m->mmio_write = true;
    if (!mc_tz_periph_ok(m, m->mmio_addr, true, size))
        return;
    se_bus_write(m->bus, m->mmio_addr, (uint32_t)value, size);
    mc_after_write(m);
}

/* ---- services for the device models ---------------------------------------------------- */

static uint64_t host_now_ns(void *opaque) { return se_machine_now_ns(opaque); }

static void host_log(void *opaque, int level, const char *msg) { mc_log(opaque, level, "%s", msg); }

/* The instruction making the current peripheral access. Unicorn 2.0.1 reports the block
 * start inside MMIO callbacks; decoding the block finds the load/store (only done when a
 * device logs, so it costs nothing on the hot path). */
/* The instruction of the translated block at `block` that made the data access at addr:
 * Unicorn 2.0.1 leaves PC at the block's start when an access faults or an MMIO callback
 * runs, so the block is decoded (emu/faultpc.c). false when no single one explains it. */
bool mc_exact_pc(se_machine *m, uint32_t block, uint32_t addr, bool write, uint32_t *exact)
{
    const icache_slot *slot = &m->icache[(block >> 1) & (ICACHE_SLOTS - 1)];
    uint32_t blen = (slot->addr == block && slot->size) ? slot->size : 64;
    const uint8_t *code = mc_host_ptr(m, block, blen);
    return code && se_find_faulting_insn(m->uc, code, blen, block, addr, write, exact);
}

/* The loader's security state for TrustZone-aware registers (Non-secure when TZEN=0). */
static bool host_secure_access(void *opaque)
{
    se_machine *m = opaque;
    return m->st.tz.tzen && (m->st.cpu_secure || m->tz_direct);
}

uint32_t mc_host_pc(void *opaque)
{
    se_machine *m = opaque;
    if (!m->uc)
        return 0;
    uint32_t block = mc_reg(m, UC_ARM_REG_PC), exact;
    if (mc_exact_pc(m, block, m->mmio_addr, m->mmio_write, &exact))
        return exact;
    return block;
}

/* A device says the value the CPU just read stays as it is until ns. When IDLE_HITS reads
 * in a row (from the same polling loop, whatever blocks it spans: a status command may take
 * several register accesses) were answered with the same deadline, the CPU is only waiting:
 * advance virtual time to ns (or to the next timer event, whichever is first) instead of
 * running the loop. The instruction budget is shifted by the same amount: it counts
 * executed instructions. */
#define IDLE_HITS 4u
static void host_idle_until(void *opaque, uint64_t ns)
{
    se_machine *m = opaque;
    if (m->opts.no_idle_skip)
        return;
    if (ns != m->st.hint_ns) {
        m->st.hint_ns = ns;
        m->st.hint_hits = 1;
        return;
    }
    if (++m->st.hint_hits < IDLE_HITS)
        return;
    m->st.hint_hits = 0;
    /* An exception that can be taken now is taken now, not after a skip: stop at the next
     * block boundary (an MMIO callback cannot stop the core in place). */
    if (mc_takeable(m)) {
        m->st.next_event = 0;
        return;
    }
    uint64_t now_ns = se_machine_now_ns(m);
    if (ns <= now_ns)
        return;
    uint64_t target =
        m->st.cycles +
        (uint64_t)(((unsigned __int128)(ns - now_ns) * m->st.core_hz + 999999999u) / 1000000000u);
    /* A SysTick interrupt that could be taken must run at its time; one that is masked
     * (C_MASKINTS, PRIMASK, or TICKINT off) only sets COUNTFLAG/pending, which the jump
     * reproduces. */
    bool tick_irq = (m->st.scs.syst_csr & 2u) && !mc_masked_by_debug(m, SE_EXC_SYSTICK) &&
                    !(mc_reg(m, UC_ARM_REG_PRIMASK) & 1u);
    if (tick_irq && target > m->st.systick_at)
        target = m->st.systick_at;
    if (target <= m->st.cycles)
        return;
    uint64_t delta = target - m->st.cycles;
    m->st.cycles = target;
    m->st.skipped += delta;
    if (m->st.budget_at != UINT64_MAX)
        m->st.budget_at += delta;
    m->st.wall_at += delta;
    if (m->st.systick_at <= target) {
        se_systick_fire(&m->st.scs, target);
        m->st.systick_at = se_systick_next_event(&m->st.scs, target);
    }
    mc_schedule(m);
    /* The skip ended at the tick: its exception is taken at that virtual time, at the next
     * block boundary, before the polling loop reads again. */
    if (mc_takeable(m))
        m->st.next_event = 0;
}

static void host_set_core_hz(void *opaque, uint32_t hz)
{
    se_machine *m = opaque;
    se_machine_set_core_hz(m, hz);
    if (m->on_clock) /* the board's wiring: clocks derived from it (a controller's kernel) */
        m->on_clock(m->on_clock_ctx, hz);
    mc_log(m, SE_LOG_INFO, "core clock now %" PRIu32 " Hz", hz);
}

void mc_init_periph_host(se_machine *m)
{
    m->periph_host = (se_periph_host){
        .opaque = m,
        .now_ns = host_now_ns,
        .log = host_log,
        .pc = mc_host_pc,
        .secure_access = host_secure_access,
        .set_core_hz = host_set_core_hz,
        .idle_until = host_idle_until,
    };
    se_bus_set_unmodelled(m->bus, bus_unmodelled, m);
}

/* The System Control Space and the peripheral space (both aliases) as MMIO regions. */
se_err mc_map_system(se_machine *m, se_error *err)
{
    const se_profile *p = m->prof;
    uc_err ue;
    if ((ue = uc_mmio_map(m->uc, PPB_BASE, PPB_SIZE, ppb_read, m, ppb_write, m)) ||
        (ue =
             uc_mmio_map(m->uc, p->periph.base, p->periph.size, periph_read, m, periph_write, m)) ||
        (p->periph_alias && (ue = uc_mmio_map(m->uc, p->periph_alias, p->periph.size,
                                              periph_alias_read, m, periph_alias_write, m))))
        return mc_uc_fail(err, ue, "map MMIO");
    return SE_OK;
}
