/* The System Control Space and the peripheral bus as the CPU reaches them (MMIO regions),
 * and the services the machine offers device models (time, log, the PC of an access, the
 * core clock, idle hints). */
#include "emu/machine_impl.h"

#include "emu/faultpc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- MMIO: System Control Space and peripherals ---------------------------------------- */

static void report_unmodelled(se_machine *m, uint32_t addr, bool write, uint32_t value,
                              unsigned size, const char *where)
{
    char sym[128];
    uint32_t pc = mc_reg(m, UC_ARM_REG_PC);
    if (mc_first_time(m, addr))
        mc_log(m, SE_LOG_WARN, "unmodelled %s register 0x%08" PRIx32 ": %u-byte %s%s (first at %s)",
               where, addr, size, write ? "write" : "read", write ? "" : " reads as 0",
               mc_fmt_addr(m, pc, sym, sizeof sym));
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
