/* Causes of hangs: a loop that provably cannot end is ended early, with what it waits for.
 *
 * This is the one hang detector. Nothing here runs on the normal path. At the wall-clock
 * check (every WALL_CHECK_EVERY cycles, already a slow path; mmio.c brings it forward after
 * POLL_LIMIT identical reads of one unmodelled register) a call whose recent blocks stay
 * inside a small address range is probed: at each visit of the block it stopped at, the core's registers, a hash of SRAM
 * and every memory read since the previous visit (a temporary Unicorn read hook for SRAM, the
 * MMIO callbacks for devices) are kept. When the visits repeat with a period of at most
 * PROBE_MAXP and PROBE_ITERS whole passes are each the same as the one before, no exception
 * can be taken, no read depends on time alone (SysTick, DWT) and the flash part runs nothing
 * that ends by itself, then every further pass is that same pass: the loop cannot end. The
 * reason then says what it reads and why nothing can change it, first (a register no model
 * answers is named as mmio.c names it: "polling 0x40023800 bit 17 (not an STM32L5
 * register) ..."), and the call ends with SE_ERR_HANG. Any difference stops the probe and the call runs on as before. */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/disasm.h"

#define LOOP_SPAN 0x2000u /* recent blocks within this many bytes: a loop worth probing */
#define LOOP_BLOCKS 32u   /* ... over this many recent blocks */
/* OCTOSPI register offsets (docs/hardware.md B.4), for naming what a loop polls */
#define OSPI_CR 0x000u
#define OSPI_SR 0x020u
#define OSPI_DR 0x050u
#define OSPI_PSMKR 0x080u
#define OSPI_PSMAR 0x088u
#define OSPI_IR 0x110u

static const int probe_regs[PROBE_NREGS] = {
    UC_ARM_REG_R0,      UC_ARM_REG_R1,      UC_ARM_REG_R2,        UC_ARM_REG_R3,
    UC_ARM_REG_R4,      UC_ARM_REG_R5,      UC_ARM_REG_R6,        UC_ARM_REG_R7,
    UC_ARM_REG_R8,      UC_ARM_REG_R9,      UC_ARM_REG_R10,       UC_ARM_REG_R11,
    UC_ARM_REG_R12,     UC_ARM_REG_SP,      UC_ARM_REG_LR,        UC_ARM_REG_XPSR,
    UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK, UC_ARM_REG_CONTROL,
};

static void read_regs(se_machine *m, uint32_t *out)
{
    for (unsigned i = 0; i < PROBE_NREGS; i++)
        out[i] = mc_reg(m, probe_regs[i]);
}

static void record(se_machine *m, uint32_t addr, uint32_t value, unsigned size, uint32_t pc)
{
    probe_state *p = &m->probe;
    if (p->nrd >= PROBE_READS) {
        p->overflow = true;
        return;
    }
    p->rd[p->nrd++] = (probe_read){addr, value, size, pc};
}

static bool in_sram(const se_machine *m, uint32_t a)
{
    return mc_in_range_or_alias(m, a, m->prof->sram.base, m->prof->sram.base + m->prof->sram.size);
}

/* Every SRAM read while probing (a read hook runs before the access: the value is read here,
 * which has no side effect in RAM); device reads come from the MMIO callbacks. */
static void hook_read(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                      void *user)
{
    (void)uc;
    (void)type;
    (void)value;
    se_machine *m = user;
    uint32_t a = (uint32_t)address, v = 0;
    if (!in_sram(m, a) || size > 4)
        return;
    uint32_t off = (a - m->prof->sram.base < m->prof->sram.size) ? a - m->prof->sram.base
                                                                 : a - m->prof->sram_alias;
    if (off + (uint32_t)size > m->prof->sram.size)
        return;
    memcpy(&v, m->sram + off, (size_t)size);
    record(m, a, v, (unsigned)size, mc_reg(m, UC_ARM_REG_PC));
}

void mc_probe_mmio(se_machine *m, uint32_t addr, uint32_t value, unsigned size, uint32_t pc)
{
    record(m, addr, value, size, pc);
}

/* The recent blocks stay inside LOOP_SPAN bytes: [lo, hi) holds them. */
static bool looks_like_loop(const se_machine *m, uint32_t *lo, uint32_t *hi)
{
    if (m->ring_pos < LOOP_BLOCKS)
        return false;
    *lo = UINT32_MAX;
    *hi = 0;
    for (unsigned i = 0; i < LOOP_BLOCKS; i++) {
        unsigned k = (m->ring_pos - 1 - i) & (RING - 1);
        uint32_t a = m->ring[k].addr, e = a + m->ring[k].size;
        *lo = a < *lo ? a : *lo;
        *hi = e > *hi ? e : *hi;
    }
    return *hi - *lo < LOOP_SPAN;
}

/* Unicorn 2.0.1 decides at translation whether a block's loads call memory hooks: the
 * loop's blocks are translated again when the probe's hook comes and when it goes. */
static void retranslate(se_machine *m)
{
    uint32_t lo = m->probe.lo, hi = m->probe.hi;
    if (m->image_end && m->image_base < lo)
        lo = m->image_base;
    if (m->image_end > hi)
        hi = m->image_end;
    uc_ctl_remove_cache(m->uc, lo, hi);
}

/* The entry of tried[] for head (a free or the least probed one when new). */
static struct probe_tried *tried_of(probe_state *p, uint32_t head)
{
    struct probe_tried *t = &p->tried[0];
    for (unsigned i = 0; i < sizeof p->tried / sizeof p->tried[0]; i++) {
        if (p->tried[i].head == head)
            return &p->tried[i];
        if (p->tried[i].probes < t->probes)
            t = &p->tried[i];
    }
    *t = (struct probe_tried){head, 0, 0};
    return t;
}

void mc_probe_stop(se_machine *m)
{
    probe_state *p = &m->probe;
    if (!p->on)
        return;
    if (p->hook)
        uc_hook_del(m->uc, p->hook);
    p->hook = 0;
    p->on = false;
    p->stale = true;
    tried_of(p, p->head)->probes++;
    retranslate(m);
    mc_update_block_want(m);
}

/* Unicorn 2.0.1's uc_hook_del only marks a hook: it stays in the hook list, and so keeps every
 * block translated meanwhile on the slow memory path (HOOK_EXISTS(UC_HOOK_MEM_READ) is checked
 * when a block is translated), until the end of the next uc_emu_start, which clears the list.
 * The loop translated again during that run would stay slow for its whole life (a HAL-style
 * loader ran every load and store of its FIFO loop through load_helper/store_helper): after
 * that run, the loop is translated once more, now without the hook. */
void mc_probe_after_run(se_machine *m)
{
    if (!m->probe.stale || m->probe.on)
        return;
    m->probe.stale = false;
    retranslate(m);
}

void mc_probe_free(se_machine *m) { (void)m; }

/* A loop already probed twice without a proof (one that moves data, say) is probed again only at
 * the 1st, 2nd, 4th, 8th ... chance: each probe translates the loader's code twice more, and the
 * space of dropped translations is not given back (Unicorn's 1 GiB code buffer: the RSS grew with
 * the run, 307 MiB for a 64 MiB -O0 HAL-style session). An endless loop is proven by its first
 * probe; later probes only cover loops that change, at a logarithmic cost. */
void mc_probe_start(se_machine *m, uint32_t head)
{
    probe_state *p = &m->probe;
    if (p->on || m->obs.insn || m->dbg.nwatch)
        return;
    struct probe_tried *t = tried_of(p, head);
    if (t->probes >= 2) {
        uint32_t k = ++t->asked;
        if (k & (k - 1))
            return;
    }
    if (!looks_like_loop(m, &p->lo, &p->hi))
        return;
    if (uc_hook_add(m->uc, &p->hook, UC_HOOK_MEM_READ, (void *)hook_read, m, 1, 0) != UC_ERR_OK) {
        p->hook = 0;
        return;
    }
    p->on = true;
    p->head = head;
    p->start = p->at = m->st.cycles;
    p->nrd = 0;
    p->nvisit = p->period = p->equal = 0;
    p->overflow = false;
    p->exceptions = m->st.exceptions;
    p->nest = m->st.nest;
    retranslate(m);
    mc_update_block_want(m);
}

/* hook_block_slow while probing: true when the block must not run yet (the call stops to
 * compare, or to give up a probe that ran too long). */
bool mc_probe_block(se_machine *m, uint32_t address)
{
    probe_state *p = &m->probe;
    if ((address == p->head && m->st.cycles != p->at) || m->st.cycles - p->start > PROBE_CYCLES) {
        m->stop = STOP_PROBE;
        m->stop_n = 0;
        m->stop_block = address;
        uc_emu_stop(m->uc);
        return true;
    }
    return false;
}

/* Reads whose value may change with time alone: SysTick's CSR/CVR, DWT's CYCCNT. */
static bool time_source(uint32_t a)
{
    return (a >= 0xE000E010u && a < 0xE000E020u) || (a >= 0xE0001000u && a < 0xE0001008u);
}

/* Nothing outside the loop can change what it reads: no exception can ever be taken, the
 * flash part is idle. Else why (a short phrase) is left empty and false returned. */
static bool nothing_pending(se_machine *m)
{
    uint32_t pm = mc_reg(m, UC_ARM_REG_PRIMASK) & 1u;
    const se_scs *s = &m->st.scs;
    for (unsigned e = 2; e < SE_NUM_EXC; e++) {
        bool could = s->pending[e] || (e == SE_EXC_SYSTICK && (s->syst_csr & 3u) == 3u) ||
                     (e >= SE_EXC_IRQ0 && s->irq_enabled[e - SE_EXC_IRQ0]);
        if (!could || !se_scs_is_enabled(s, e))
            continue;
        if (!pm && !mc_masked_by_debug(m, e) && !m->poll_mask)
            return false; /* it may be taken at its time */
    }
    if (m->ext && m->ext->desc.chip && m->ext->desc.chip->ops->busy_until) {
        uint64_t t = m->ext->desc.chip->ops->busy_until(m->ext->chip);
        if (t && t > se_machine_now_ns(m))
            return false;
    }
    return true;
}

/* The mask the code after a read tests its value with (tst/ands #imm, lsls #n into N). */
static bool loop_mask(se_machine *m, uint32_t lo, uint32_t hi, uint32_t *mask)
{
    const uint8_t *code = hi > lo ? mc_host_ptr(m, lo, hi - lo) : NULL;
    csh h;
    if (!code || !se_cs_open(&h))
        return false;
    cs_insn *in = NULL;
    size_t n = cs_disasm(h, code, hi - lo, lo, 0, &in);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
        char text[64];
        se_insn_text(&in[i], text, sizeof text);
        const char *imm = strchr(text, '#');
        if (!imm)
            continue;
        if (!strncmp(text, "tst", 3) || !strncmp(text, "ands", 4)) {
            *mask = (uint32_t)strtoul(imm + 1, NULL, 0);
            found = *mask != 0;
        } else if (!strncmp(text, "lsls", 4)) {
            unsigned k = (unsigned)strtoul(imm + 1, NULL, 0);
            if (k && k < 32) {
                *mask = 1u << (31 - k);
                found = true;
            }
        }
    }
    cs_free(in, n);
    cs_close(&h);
    return found;
}

static int bit_of(uint32_t mask)
{
    if (!mask || (mask & (mask - 1)))
        return -1;
    int b = 0;
    while (!(mask & 1u)) {
        mask >>= 1;
        b++;
    }
    return b;
}

/* The reason of a loop proven endless. */
static void explain(se_machine *m, char *why, size_t len)
{
    probe_state *p = &m->probe;
    char sym[128], at[128], name[160];
    uint32_t lo = UINT32_MAX, hi = 0;
    for (unsigned i = 0; i < LOOP_BLOCKS && i < m->ring_pos; i++) {
        unsigned k = (m->ring_pos - 1 - i) & (RING - 1);
        lo = m->ring[k].addr < lo ? m->ring[k].addr : lo;
        hi = m->ring[k].addr + m->ring[k].size > hi ? m->ring[k].addr + m->ring[k].size : hi;
    }
    mc_fmt_addr(m, lo, at, sizeof at);
    /* A device register it polls: the memory controller's data register (a status read in
     * software) when read, else the last read outside SRAM. */
    const probe_read *dev = NULL, *ram = NULL;
    const se_extmem *x = m->ext ? &m->ext->desc : NULL;
    bool ospi = x && !strncmp(x->name, "OCTOSPI", 7);
    uint32_t sp = mc_reg(m, UC_ARM_REG_SP);
    unsigned passes = p->equal / p->period;
    for (unsigned k = p->period; k > 0; k--) {
        const probe_visit *v = &p->v[(p->nvisit - k) % PROBE_HIST];
        for (unsigned i = 0; i < v->nrd; i++) {
            const probe_read *r = &v->rd[i];
            if (!in_sram(m, r->addr)) {
                bool is_dr = ospi && ((r->addr ^ x->ctl_base) & 0x0FFFFFFFu) == OSPI_DR;
                if (!dev || is_dr ||
                    !(ospi && ((dev->addr ^ x->ctl_base) & 0x0FFFFFFFu) == OSPI_DR))
                    dev = r;
            } else if (!(r->addr >= sp && r->addr < m->call_sp) && !ram)
                ram = r; /* not the stack */
        }
    }
    if (dev && m->poll_count && dev->addr == m->poll_addr) { /* no model behind it (mmio.c) */
        mc_describe_poll(m, why, len);
        return;
    }
    if (dev) {
        uint32_t pc = dev->pc, mask = 0;
        mc_exact_pc(m, dev->pc, dev->addr, false, &pc);
        uint32_t val = dev->value & (dev->size >= 4 ? 0xFFFFFFFFu : (1u << (dev->size * 8)) - 1u);
        char what[96] = "";
        if (loop_mask(m, pc, pc + 16u, &mask)) {
            int b = bit_of(mask);
            if (b >= 0)
                snprintf(what, sizeof what, " bit %d for %d", b, (val & mask) ? 0 : 1);
            else
                snprintf(what, sizeof what, " mask 0x%" PRIx32, mask);
        }
        mc_fmt_addr(m, pc, sym, sizeof sym);
        const char *chip = x ? x->chip->name : "the device";
        uint32_t off = ospi ? (dev->addr ^ x->ctl_base) & 0x0FFFFFFFu : UINT32_MAX;
        if (ospi && off == OSPI_DR) {
            uint32_t ir = se_bus_read(m->bus, x->ctl_base + OSPI_IR, 4);
            snprintf(why, len,
                     "a poll that can never succeed: polls the %s's status (command 0x%02" PRIx32
                     " through %s DR)%s at %s: the chip returned 0x%02" PRIx32
                     " at each of %u passes watched, it is idle and nothing pending can set it; "
                     "check the bit and value the loop waits for against the chip's status "
                     "register, and bound every wait (field failure mode 18)",
                     chip, ir & 0xFFFFu, x->name, what, sym, val, passes);
            return;
        }
        uint32_t cr = ospi ? se_bus_read(m->bus, x->ctl_base + OSPI_CR, 4) : 0;
        if (ospi && off == OSPI_SR && ((cr >> 28) & 3u) == 2u) {
            uint32_t ir = se_bus_read(m->bus, x->ctl_base + OSPI_IR, 4);
            uint32_t mk = se_bus_read(m->bus, x->ctl_base + OSPI_PSMKR, 4);
            uint32_t ma = se_bus_read(m->bus, x->ctl_base + OSPI_PSMAR, 4);
            snprintf(why, len,
                     "a poll that can never succeed: %s auto-polls the %s (command 0x%02" PRIx32
                     ") for (status & 0x%02" PRIx32 ") == 0x%02" PRIx32
                     ", which the idle chip never returns, and the loop at %s waits for SR.SMF "
                     "(read 0x%02" PRIx32 " at each of %u passes watched); nothing pending can "
                     "change it: check PSMKR/PSMAR against the chip's status register, and bound "
                     "every wait (field failure mode 18)",
                     x->name, chip, ir & 0xFFFFu, mk, ma, sym, val, passes);
            return;
        }
        const se_bus_device *d = se_bus_find(m->bus, dev->addr);
        if (d)
            snprintf(name, sizeof name, "%s+0x%" PRIx32 " (0x%08" PRIx32 ")", d->name,
                     dev->addr - d->base, dev->addr);
        else
            snprintf(name, sizeof name, "register 0x%08" PRIx32, dev->addr);
        snprintf(why, len,
                 "a poll that can never succeed: polls %s%s at %s: it returned 0x%0*" PRIx32
                 " at each of %u passes watched, and nothing pending can change it; check the "
                 "register, bit and value the loop waits for, and bound every wait",
                 name, what, sym, (int)dev->size * 2, val, passes);
        return;
    }
    const se_scs *s = &m->st.scs;
    bool tick = (s->syst_csr & 3u) == 3u;
    if (ram && tick) {
        char var[128], vec[160];
        mc_fmt_addr(m, ram->addr, var, sizeof var);
        const char *mask_by = mc_masked_by_debug(m, SE_EXC_SYSTICK)
                                  ? "the host's DHCSR.C_MASKINTS (docs/protocol.md 2.6)"
                              : (mc_reg(m, UC_ARM_REG_PRIMASK) & 1u) ? "PRIMASK"
                                                                     : "its priority";
        uint32_t v = 0, vaddr = s->vtor + 4u * SE_EXC_SYSTICK;
        if (mc_mem_rd32(m, vaddr, &v))
            snprintf(
                vec, sizeof vec, "its vector (VTOR 0x%08" PRIx32 " + 0x3c) is 0x%08" PRIx32 "%s",
                s->vtor, v,
                (v == 0xFFFFFFFFu || mc_in_iflash(m, v)) ? " (internal flash, erased)"
                : (m->image_end && !mc_in_range_or_alias(m, v & ~1u, m->image_base, m->image_end))
                    ? " (outside the image)"
                    : "");
        else
            snprintf(vec, sizeof vec, "its vector at 0x%08" PRIx32 " is not readable", vaddr);
        snprintf(why, len,
                 "waits for %s (0x%08" PRIx32 ") to change, which only the SysTick interrupt "
                 "handler would write: SysTick is %s but masked by %s, and %s; point VTOR at a "
                 "vector table with your SysTick_Handler, clear C_MASKINTS and enable interrupts "
                 "in Init, or do not wait on ticks (HAL_Delay, HAL timeouts) in a loader (field "
                 "failure mode 1); loop at %s reads 0x%08" PRIx32 " unchanged at each of %u passes",
                 var, ram->addr, s->pending[SE_EXC_SYSTICK] ? "pending" : "enabled (TICKINT)",
                 mask_by, vec, at, ram->value, passes);
        return;
    }
    if (ram) {
        char var[128];
        snprintf(why, len,
                 "waits for %s (0x%08" PRIx32 ") to change, which nothing can write: no "
                 "interrupt can be taken and no device writes RAM; loop at %s reads 0x%08" PRIx32
                 " unchanged at each of %u passes",
                 mc_fmt_addr(m, ram->addr, var, sizeof var), ram->addr, at, ram->value, passes);
        return;
    }
    snprintf(why, len,
             "a loop that cannot end at %s: registers and memory are the same at each of %u "
             "passes and nothing pending can change them",
             at, passes);
}

static uint64_t sram_hash(const se_machine *m)
{
    uint64_t h = 0xcbf29ce484222325ull, w;
    for (uint32_t i = 0; i + 8 <= m->prof->sram.size; i += 8) {
        memcpy(&w, m->sram + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}

/* Registers and reads equal (what decides whether SRAM needs hashing at all). */
static bool same_regs(const probe_visit *a, const probe_visit *b)
{
    return a->nrd == b->nrd && memcmp(a->regs, b->regs, sizeof a->regs) == 0 &&
           memcmp(a->rd, b->rd, a->nrd * sizeof a->rd[0]) == 0;
}

/* SRAM is hashed (256 KiB) only at visits whose registers and reads equal an earlier visit's
 * within PROBE_MAXP: a loop that moves data changes a pointer at every visit and never pays for
 * it; an endless one is proven one period later than if every visit were hashed. */
static bool same_visit(const probe_visit *a, const probe_visit *b)
{
    return a->hashed && b->hashed && a->sram_hash == b->sram_hash && a->nrd == b->nrd &&
           memcmp(a->regs, b->regs, sizeof a->regs) == 0 &&
           memcmp(a->rd, b->rd, a->nrd * sizeof a->rd[0]) == 0;
}

/* One visit of the head: the loop is proven endless when PROBE_ITERS whole passes (period
 * visits each) were each the same as the pass before. */
bool mc_probe_check(se_machine *m, char *why, size_t len)
{
    probe_state *p = &m->probe;
    bool ok = m->st.cycles - p->start <= PROBE_CYCLES && p->nvisit < PROBE_VISITS &&
              m->st.exceptions == p->exceptions && m->st.nest == p->nest && !p->overflow;
    for (unsigned i = 0; ok && i < p->nrd; i++)
        if (time_source(p->rd[i].addr))
            ok = false;
    if (!ok) {
        mc_probe_stop(m);
        return false;
    }
    unsigned n = p->nvisit++;
    probe_visit *v = &p->v[n % PROBE_HIST];
    read_regs(m, v->regs);
    v->nrd = p->nrd;
    memcpy(v->rd, p->rd, p->nrd * sizeof p->rd[0]);
    p->nrd = 0;
    v->hashed = false;
    for (unsigned q = 1; q <= PROBE_MAXP && q <= n && !v->hashed; q++)
        if (same_regs(v, &p->v[(n - q) % PROBE_HIST])) {
            v->sram_hash = sram_hash(m);
            v->hashed = true;
        }
    p->at = m->st.cycles;
    if (p->period && n >= p->period && same_visit(v, &p->v[(n - p->period) % PROBE_HIST])) {
        p->equal++;
    } else {
        p->period = 0;
        p->equal = 0;
        for (unsigned q = 1; q <= PROBE_MAXP && q <= n; q++)
            if (same_visit(v, &p->v[(n - q) % PROBE_HIST])) {
                p->period = q;
                p->equal = 1;
                break;
            }
    }
    if (!p->period || p->equal < PROBE_ITERS * p->period)
        return false;
    if (!nothing_pending(m)) {
        mc_probe_stop(m);
        return false;
    }
    explain(m, why, len);
    mc_probe_stop(m);
    return true;
}

/* ---- .bss read before any write (field failure mode 2) ---------------------------------- */

/* The 4 bytes at addr (SRAM) still hold what they held at power-on. */
static bool never_written(se_machine *m, uint32_t addr)
{
    const se_profile *pr = m->prof;
    uint32_t off = addr - pr->sram.base;
    if (off > pr->sram.size - 4u)
        return false;
    if (m->opts.ram_fill >= 0) {
        for (unsigned i = 0; i < 4; i++)
            if (m->sram[off + i] != (uint8_t)m->opts.ram_fill)
                return false;
        return true;
    }
    return m->sram_poweron && memcmp(m->sram + off, m->sram_poweron + off, 4) == 0;
}

/* A failed call whose last blocks load, through a literal pool, the address of a word of the
 * image (its .bss: the download wrote everything else) that still holds its power-on
 * contents: the loader used a variable it never initialised, assuming the host zeroes .bss.
 * The oldest such load is named (it decided what came after). False when there is none. */
bool mc_bss_cause(se_machine *m, char *buf, size_t len)
{
    if (!m->image_end)
        return false;
    uint32_t addr[RING], size[RING];
    unsigned n = se_machine_recent_blocks(m, addr, size, RING);
    csh h;
    if (!n || !se_cs_open(&h))
        return false;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    bool found = false;
    for (unsigned b = 0; b < n && !found; b++) {
        const uint8_t *code = mc_host_ptr(m, addr[b], size[b]);
        if (!code)
            continue;
        cs_insn *in = NULL;
        size_t k = cs_disasm(h, code, size[b], addr[b], 0, &in);
        for (size_t i = 0; i < k && !found; i++) {
            const cs_arm *a = &in[i].detail->arm;
            if (in[i].id != ARM_INS_LDR || a->op_count != 2 || a->operands[1].type != ARM_OP_MEM ||
                a->operands[1].mem.base != ARM_REG_PC)
                continue;
            uint32_t lit =
                (((uint32_t)in[i].address + 4u) & ~3u) + (uint32_t)a->operands[1].mem.disp;
            uint32_t var;
            if (!mc_mem_rd32(m, lit, &var))
                continue;
            int64_t delta = (int64_t)m->image_base - (int64_t)m->link_base;
            if (m->link_base && delta && var >= m->link_base &&
                var < m->link_base + (m->image_end - m->image_base) &&
                !mc_in_range_or_alias(m, var, m->image_base, m->image_end)) {
                /* field failure mode 3: an address of the link range, outside the image */
                uint32_t v = 0, run = (uint32_t)((int64_t)var + delta);
                bool rd = mc_mem_rd32(m, var, &v);
                char sym[128], at[128];
                mc_fmt_addr(m, run, sym, sizeof sym);
                mc_fmt_addr(m, (uint32_t)in[i].address, at, sizeof at);
                char held[48] = "";
                if (rd)
                    snprintf(held, sizeof held, ", where RAM holds 0x%08" PRIx32, v);
                snprintf(buf, len,
                         "0x%08" PRIx32 " is the link address of %s, outside the image (linked at "
                         "0x%08" PRIx32 ", loaded at 0x%08" PRIx32 "): the literal loaded at %s "
                         "still points there%s; link the loader at 0x%08" PRIx32
                         " or make it position-independent (field failure mode 3)",
                         var, sym, m->link_base, m->image_base, at, held, m->image_base);
                found = true;
                break;
            }
            if (var < m->image_base || var >= m->image_end || !never_written(m, var))
                continue;
            uint32_t v = 0;
            mc_mem_rd32(m, var, &v);
            char sym[128], at[128];
            mc_fmt_addr(m, var, sym, sizeof sym);
            mc_fmt_addr(m, (uint32_t)in[i].address, at, sizeof at);
            snprintf(buf, len,
                     "%s (.bss, 0x%08" PRIx32 ") read before any write (it still holds its "
                     "power-on contents 0x%08" PRIx32 ", address loaded at %s): the host does not "
                     "zero .bss; zero it at the top of Init (field failure mode 2)",
                     sym, var, v, at);
            found = true;
        }
        cs_free(in, k);
    }
    cs_close(&h);
    return found;
}
