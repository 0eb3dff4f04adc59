/* The machine: construction from a profile and its board, the memory map, host (debug port)
 * access, virtual time, logging, and the API board files build with (emu/soc.h). The rest
 * of the machine is in the files emu/machine_impl.h lists. */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "emu/board.h"
#include "emu/inspect.h"
#include "emu/ucfix.h" /* Unicorn 2.0.x store path */

/* ---- logging ------------------------------------------------------------------------- */

/* The kind of a warning: its text without where it happened, i.e. without a device's
 * "NAME 0xADDR (+0xOFF): " prefix, a ", pc 0x..." suffix or a " (first at ...)" part. */
static void warn_kind_of(const char *msg, char *kind, size_t len)
{
    const char *p = msg, *colon = strstr(msg, "): ");
    const char *sp = strchr(msg, ' ');
    if (colon && sp && sp[1] == '0' && sp[2] == 'x' &&
        colon - sp < 24) { /* "NAME 0x.. (+0x..): " */
        snprintf(kind, len, "%.*s: ", (int)(sp - msg), msg);
        p = colon + 3;
    } else {
        kind[0] = '\0';
    }
    size_t n = strlen(kind);
    const char *end = p + strlen(p), *cut;
    if ((cut = strstr(p, ", pc 0x")) != NULL && cut < end)
        end = cut;
    if ((cut = strstr(p, " (first at ")) != NULL && cut < end)
        end = cut;
    if ((cut = strstr(p, " (the host's own read of ")) != NULL && cut < end)
        end = cut;
    snprintf(kind + n, len - n, "%.*s", (int)(end - p), p);
}

static void warn_say(se_machine *m, const char *msg)
{
    if (m->opts.log)
        m->opts.log(m->opts.log_ctx, SE_LOG_WARN, msg);
}

void mc_log(se_machine *m, int level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (level < SE_LOG_WARN) {
        if (m->opts.log)
            m->opts.log(m->opts.log_ctx, level, buf);
        return;
    }
    if (m->host_read && !strstr(buf, "more warnings of this kind")) {
        /* the host's own read (issue 14 item 9): no loader PC to show */
        char *cut = strstr(buf, " (pc 0x");
        if (!cut)
            cut = strstr(buf, ", pc 0x");
        if (cut)
            *cut = '\0';
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n,
                 " (the host's own read of 0x%08" PRIx32 ", not the loader's code)",
                 m->host_read_addr);
    }
    m->st.warnings++;
    if (!m->call_warn[0]) /* the reason of a failed call cites it */
        snprintf(m->call_warn, sizeof m->call_warn, "%.299s", buf);
    if (!m->first_warn[0]) /* and the host's reasons */
        snprintf(m->first_warn, sizeof m->first_warn, "%.299s", buf);
    char kind[200];
    warn_kind_of(buf, kind, sizeof kind);
    unsigned i = 0;
    while (i < m->nwk && strcmp(m->wk[i].text, kind))
        i++;
    if (i == m->nwk) {
        if (m->nwk == sizeof m->wk / sizeof m->wk[0]) { /* too many kinds: said as they come */
            warn_say(m, buf);
            return;
        }
        memset(&m->wk[i], 0, sizeof m->wk[i]);
        snprintf(m->wk[i].text, sizeof m->wk[i].text, "%s", kind);
        m->nwk++;
    }
    struct warn_kind *w = &m->wk[i];
    w->total++;
    if (!m->wk_in_call) { /* outside a call: said now, once per kind */
        if (!w->shown)
            warn_say(m, buf);
        w->shown = true;
        return;
    }
    if (w->in_call++ == 0) {
        w->calls++;
        snprintf(w->first, sizeof w->first, "%s", buf);
    }
}

void se_machine_flush_warnings(se_machine *m)
{
    for (unsigned i = 0; i < m->nwk; i++) {
        struct warn_kind *w = &m->wk[i];
        if (w->in_call && !w->shown) {
            char line[600];
            if (w->in_call > 1)
                snprintf(line, sizeof line, "%s (%u times in this call)", w->first, w->in_call);
            else
                snprintf(line, sizeof line, "%s", w->first);
            warn_say(m, line);
            w->shown = true;
        }
        w->in_call = 0;
    }
    m->wk_in_call = false;
}

bool se_machine_warning_kind(const se_machine *m, unsigned i, const char **text, uint64_t *count,
                             unsigned *calls)
{
    if (i >= m->nwk)
        return false;
    *text = m->wk[i].text;
    *count = m->wk[i].total;
    *calls = m->wk[i].calls;
    return true;
}

/* True the first time a key is seen (open addressing; a full table reports again). */
bool mc_first_time(se_machine *m, uint32_t key)
{
    key |= 1u; /* 0 marks an empty slot */
    uint32_t h = (key * 2654435761u) >> 22;
    for (unsigned i = 0; i < ONCE_SLOTS; i++) {
        uint32_t *s = &m->st.once[(h + i) % ONCE_SLOTS];
        if (*s == key)
            return false;
        if (*s == 0) {
            *s = key;
            return true;
        }
    }
    return true;
}

const char *mc_fmt_addr(se_machine *m, uint32_t addr, char *buf, size_t len)
{
    if (m->symbolize)
        return m->symbolize(m->sym_ctx, addr, buf, len);
    snprintf(buf, len, "0x%08" PRIx32, addr);
    return buf;
}

void mc_chain_add(se_machine *m, const char *fmt, ...)
{
    if (m->chain_len >= sizeof m->chain - 2)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->chain + m->chain_len, sizeof m->chain - m->chain_len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    m->chain_len += (size_t)n;
    if (m->chain_len >= sizeof m->chain - 1)
        m->chain_len = sizeof m->chain - 1;
    else
        m->chain[m->chain_len++] = '\n';
    m->chain[m->chain_len] = '\0';
}

void mc_set_cause(se_machine *m, const char *fmt, ...)
{
    if (m->first_cause[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->first_cause, sizeof m->first_cause, fmt, ap);
    va_end(ap);
}

/* ---- registers ----------------------------------------------------------------------- */

uint32_t mc_reg(se_machine *m, int id)
{
    uint32_t v = 0;
    uc_reg_read(m->uc, id, &v);
    return v;
}

void mc_set_reg(se_machine *m, int id, uint32_t v) { uc_reg_write(m->uc, id, &v); }

/* ---- time ---------------------------------------------------------------------------- */

uint64_t se_machine_cycles(const se_machine *m) { return m->st.cycles; }

uint64_t se_machine_instructions(const se_machine *m) { return m->st.cycles - m->st.skipped; }

uint64_t mc_cycles_to_ns(const se_machine *m, uint64_t cycles)
{
    uint64_t d = cycles - m->st.cycles_base;
    /* The same quotient in 64 bits while d * 1e9 fits (d below ~1.8e10 cycles, minutes of
     * device time): every MMIO access asks the time, and the 128-bit division is a
     * library call (__udivti3, ~3% of a fuzz campaign's profile). */
    if (d <= UINT64_MAX / 1000000000u)
        return m->st.ns_base + d * 1000000000u / m->st.core_hz;
    return m->st.ns_base + (uint64_t)((unsigned __int128)d * 1000000000u / m->st.core_hz);
}

uint64_t se_machine_now_ns(const se_machine *m) { return mc_cycles_to_ns(m, m->st.cycles); }

uint32_t se_machine_core_hz(const se_machine *m) { return m->st.core_hz; }

uint64_t se_machine_tick_period_ns(const se_machine *m)
{
    uint64_t cyc = se_systick_irq_period(&m->st.scs);
    return cyc ? (uint64_t)((unsigned __int128)cyc * 1000000000u / m->st.core_hz) : 0;
}

void se_machine_set_core_hz(se_machine *m, uint32_t hz)
{
    if (hz == 0 || hz == m->st.core_hz)
        return;
    m->st.ns_base = se_machine_now_ns(m);
    m->st.cycles_base = m->st.cycles;
    m->st.core_hz = hz;
}

const uint8_t *mc_host_ptr(se_machine *m, uint32_t addr, uint32_t len)
{
    const se_profile *p = m->prof;
    if (addr - p->sram.base < p->sram.size && len <= p->sram.base + p->sram.size - addr)
        return m->sram + (addr - p->sram.base);
    if (addr - p->sram_alias < p->sram.size && len <= p->sram_alias + p->sram.size - addr)
        return m->sram + (addr - p->sram_alias);
    if (addr - p->iflash.base < p->iflash.size && len <= p->iflash.base + p->iflash.size - addr)
        return m->iflash + (addr - p->iflash.base);
    if (addr - p->iflash_alias < p->iflash.size && len <= p->iflash_alias + p->iflash.size - addr)
        return m->iflash + (addr - p->iflash_alias);
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM && p->more_ram[i].size; i++) {
        const se_ram_region *r = &p->more_ram[i];
        if (addr - r->base < r->size && len <= r->base + r->size - addr)
            return m->more_ram[i] + (addr - r->base);
    }
    return NULL;
}

bool mc_in_sram(const se_machine *m, uint32_t addr)
{
    const se_profile *p = m->prof;
    return addr - p->sram.base < p->sram.size || addr - p->sram_alias < p->sram.size;
}

bool mc_in_iflash(const se_machine *m, uint32_t addr)
{
    const se_profile *p = m->prof;
    return addr - p->iflash.base < p->iflash.size || addr - p->iflash_alias < p->iflash.size;
}

bool mc_in_periph(const se_machine *m, uint32_t a)
{
    const se_profile *p = m->prof;
    return a - p->periph.base < p->periph.size ||
           (p->periph_alias && a - p->periph_alias < p->periph.size);
}

/* A word read or written by the core's own bus (exception entry and return): no TrustZone
 * check (carved pages read their bytes directly). */
bool mc_mem_rd32(se_machine *m, uint32_t addr, uint32_t *v)
{
    m->tz_direct = true;
    m->direct_failed = false;
    bool ok = uc_mem_read(m->uc, addr, v, 4) == UC_ERR_OK && !m->direct_failed;
    m->tz_direct = false;
    return ok;
}

bool mc_mem_wr32(se_machine *m, uint32_t addr, uint32_t v)
{
    m->tz_direct = true;
    m->direct_failed = false;
    bool ok = uc_mem_write(m->uc, addr, &v, 4) == UC_ERR_OK && !m->direct_failed;
    m->tz_direct = false;
    return ok;
}

se_err mc_uc_fail(se_error *err, uc_err e, const char *what)
{
    return se_error_set(err, SE_ERR_EMU, "unicorn: %s: %s", what, uc_strerror(e));
}

/* After a peripheral write: the services that may react to it (a DMA request, the window's
 * in-place state), each one test when it has nothing to do. */
void mc_after_write(se_machine *m)
{
    for (unsigned i = 0; i < m->nafter; i++)
        m->after[i].fn(m->after[i].ctx);
}

/* ---- the API board files build with (emu/soc.h) ------------------------------------------ */

const se_periph_host *se_soc_host(se_soc *s) { return &s->m->periph_host; }

se_bus *se_soc_bus(se_soc *s) { return s->m->bus; }

void *se_soc_attach(se_soc *s, const se_periph_class *cls, const char *name, uint32_t base,
                    uint32_t size, se_error *err)
{
    void *st = se_bus_attach(s->m->bus, cls, name, base, size);
    if (!st)
        se_error_set(err, SE_ERR_EMU,
                     "cannot attach %s at 0x%08" PRIx32 " to the bus (taken or "
                     "outside the peripheral space)",
                     name, base);
    return st;
}

se_err se_soc_alias_only(se_soc *s, const void *state, se_error *err)
{
    if (!se_bus_set_reach(s->m->bus, state, SE_BUS_REACH_ALIAS))
        return se_error_set(err, SE_ERR_EMU, "alias-only: no such device on the bus");
    return SE_OK;
}

void *se_soc_board_data(se_soc *s, size_t size)
{
    se_machine *m = s->m;
    free(m->board_data);
    m->board_data = calloc(1, size ? size : 1);
    return m->board_data;
}

void se_soc_on_clock(se_soc *s, void (*fn)(void *ctx, uint32_t hz), void *ctx)
{
    s->m->on_clock = fn;
    s->m->on_clock_ctx = ctx;
}

/* ---- construction ------------------------------------------------------------------------ */

void se_machine_opts_default(se_machine_opts *o)
{
    memset(o, 0, sizeof *o);
    o->irq_mask = SE_MASK_MASKINTS;
    o->ram_fill = 0xA5;              /* stale RAM, so code that assumes zeroed .bss shows it */
    o->last_insns = SE_LAST_DEFAULT; /* --last */
}

void se_machine_opts_exact(se_machine_opts *o)
{
    o->no_idle_skip = true;
    o->exact_window = true;
    o->no_dma_span = true;
}

static se_err load_internal_flash(se_machine *m, const char *path, se_error *err)
{
    uint8_t *buf;
    size_t n;
    /* a regular file no larger than the flash (a shorter one leaves the rest erased) */
    se_err e = se_read_file(path, "internal flash image", m->prof->iflash.size, &buf, &n, err);
    if (e)
        return e;
    memcpy(m->iflash, buf, n);
    free(buf);
    return SE_OK;
}

/* SRAM with its power-on contents (the fill policy), internal flash erased or loaded. */
static se_err init_memory(se_machine *m, se_error *err)
{
    const se_profile *p = m->prof;
    m->sram = malloc(p->sram.size);
    m->iflash = malloc(p->iflash.size);
    if (!m->sram || !m->iflash)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    if (m->opts.ram_fill >= 0) {
        memset(m->sram, m->opts.ram_fill & 0xFF, p->sram.size);
    } else {
        uint32_t x = m->opts.seed ? m->opts.seed : 0x9E3779B9u;
        for (uint32_t i = 0; i < p->sram.size; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            m->sram[i] = (uint8_t)x;
        }
        m->sram_poweron = malloc(p->sram.size); /* cause.c: what was never written */
        if (m->sram_poweron)
            memcpy(m->sram_poweron, m->sram, p->sram.size);
    }
    memset(m->iflash, 0xFF, p->iflash.size);
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM && p->more_ram[i].size; i++) {
        if (!(m->more_ram[i] = malloc(p->more_ram[i].size)))
            return se_error_set(err, SE_ERR_NOMEM, "out of memory");
        /* the fill policy's stale bytes (a pseudo-random fill: the first SRAM bytes again) */
        for (uint32_t k = 0; k < p->more_ram[i].size; k++)
            m->more_ram[i][k] = m->opts.ram_fill >= 0 ? (uint8_t)(m->opts.ram_fill & 0xFF)
                                                      : m->sram[k % p->sram.size];
    }
    if (!m->opts.internal_flash)
        m->opts.internal_flash = p->internal_flash; /* the profile's image */
    if (m->opts.internal_flash)
        return load_internal_flash(m, m->opts.internal_flash, err);
    return SE_OK;
}

/* Unicorn: the Cortex-M core, SRAM and internal flash (both aliases), the hooks. */
static se_err init_cpu(se_machine *m, se_error *err)
{
    const se_profile *p = m->prof;
    (void)se_ucfix_active(); /* decided once, before the first store; links ucfix.o in */
    uc_err ue = uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &m->uc);
    if (ue != UC_ERR_OK) {
        m->uc = NULL;
        return mc_uc_fail(err, ue, "open");
    }
    /* the board's core; Unicorn's M-class default is the Cortex-M33, and 2.0.1 keeps it
     * whatever is asked (docs/unicorn.md 1): the call is made for a Unicorn that honours it */
    if (p->board->cpu == SE_CPU_M7 &&
        (ue = uc_ctl_set_cpu_model(m->uc, UC_CPU_ARM_CORTEX_M7)) != UC_ERR_OK)
        return mc_uc_fail(err, ue, "select the Cortex-M7");
    struct {
        uint32_t base, size, perms;
        uint8_t *ptr;
    } maps[] = {
        {p->sram.base, p->sram.size, UC_PROT_ALL, m->sram},
        {p->sram_alias, p->sram.size, UC_PROT_ALL, m->sram},
        {p->iflash.base, p->iflash.size, UC_PROT_READ | UC_PROT_EXEC, m->iflash},
        {p->iflash_alias, p->iflash.size, UC_PROT_READ | UC_PROT_EXEC, m->iflash},
    };
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        /* an alias equal to its base: the SoC has none (the page table is kept, unused) */
        bool none = (i == 1 && p->sram_alias == p->sram.base) ||
                    (i == 3 && p->iflash_alias == p->iflash.base);
        ue = none ? UC_ERR_OK
                  : uc_mem_map_ptr(m->uc, maps[i].base, maps[i].size, maps[i].perms, maps[i].ptr);
        if (ue != UC_ERR_OK)
            return mc_uc_fail(err, ue, "map memory");
        /* TrustZone: the page tables of each */
        m->tz_areas[i] =
            (tz_area){maps[i].base, maps[i].size, maps[i].perms, maps[i].ptr, NULL, NULL, NULL};
    }
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM && p->more_ram[i].size; i++)
        if ((ue = uc_mem_map_ptr(m->uc, p->more_ram[i].base, p->more_ram[i].size, UC_PROT_ALL,
                                 m->more_ram[i])) != UC_ERR_OK)
            return mc_uc_fail(err, ue, "map memory");
    se_err e = mc_map_system(m, err);
    if (e)
        return e;
    return mc_add_hooks(m, err);
}

se_err se_machine_new(const se_profile *p, const se_machine_opts *o, se_machine **out,
                      se_error *err)
{
    *out = NULL;
    if (!p->board)
        return se_error_set(err, SE_ERR_USAGE, "profile %s names no board", p->target);
    se_machine *m = calloc(1, sizeof *m);
    if (!m)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    m->prof = p;
    m->fam = se_family_of_mcu(p->board->mcu);
    m->soc.m = m;
    m->traps = calloc(1, sizeof *m->traps);
    if (o)
        m->opts = *o;
    else
        se_machine_opts_default(&m->opts);
    m->st.core_hz = p->reset_core_hz ? p->reset_core_hz : 4000000u;
    m->bus = se_bus_new(p->periph.base, p->periph.size, p->periph_alias);
    se_err e = SE_OK;
    if (!m->traps || !m->bus)
        e = se_error_set(err, SE_ERR_NOMEM, "out of memory");
    if (!e)
        e = init_memory(m, err);
    if (!e) {
        mc_init_periph_host(m);
        se_scs_reset(&m->st.scs, p->vtor);
        if (p->board->cpu == SE_CPU_M7)
            se_scs_set_core(&m->st.scs, SE_SCS_CORE_M7, p->board->l1_cache_kb);
        mc_tz_apply_profile(m, p);
        e = init_cpu(m, err);
    }
    if (!e) /* the SoC's devices and the external memory */
        e = p->board->build(&m->soc, p, err);
    if (!e)
        e = mc_tz_init_pages(m, err);
    if (e) {
        se_machine_free(m);
        return e;
    }
    m->st.systick_at = m->st.budget_at = m->st.wall_at = UINT64_MAX;
    mc_schedule(m);
    *out = m;
    return SE_OK;
}

void se_machine_free(se_machine *m)
{
    if (!m)
        return;
    if (m->uc)
        uc_close(m->uc);
    mc_extmem_free(m);
    se_bus_free(m->bus);
    mc_tz_free(m);
    mc_traps_free(m);
    mc_probe_free(m);
    free(m->sram_poweron);
    free(m->board_data);
    free(m->sram);
    free(m->iflash);
    for (unsigned i = 0; i < SE_PROFILE_MAX_RAM; i++)
        free(m->more_ram[i]);
    free(m);
}

const se_profile *se_machine_profile(const se_machine *m) { return m->prof; }
unsigned se_machine_warnings(const se_machine *m) { return m->st.warnings; }
uint8_t *se_machine_sram(se_machine *m) { return m->sram; }

void se_machine_set_stack_reserve(se_machine *m, uint32_t lo, uint32_t hi)
{
    m->reserve_lo = lo;
    m->reserve_hi = hi;
}

void se_machine_set_image(se_machine *m, uint32_t base, uint32_t end)
{
    m->image_base = base;
    m->image_end = end;
    memset(m->icache, 0, sizeof m->icache); /* the slots' `outside` flags follow the image */
    m->traps->scan_due = true;              /* traps: decoded before the next run */
    m->traps->dirty = true;
}

void se_machine_set_buffer(se_machine *m, uint32_t base, uint32_t end)
{
    m->buf_base = base;
    m->buf_end = end;
}

void se_machine_set_symbolizer(se_machine *m, se_symbolize_fn fn, void *ctx)
{
    m->symbolize = fn;
    m->sym_ctx = ctx;
}

/* ---- the host's (debug port's) access ------------------------------------------------------ */

se_err se_machine_write(se_machine *m, uint32_t addr, const void *buf, size_t len, se_error *err)
{
    if (len == 0)
        return SE_OK;
    /* The host re-sends the same image before every operation: bytes already in RAM need
     * neither the write nor dropping the translated code. */
    const uint8_t *now = len <= UINT32_MAX ? mc_host_ptr(m, addr, (uint32_t)len) : NULL;
    if (now && memcmp(now, buf, len) == 0)
        return SE_OK;
    m->tz_direct = true; /* TrustZone: the debug port is not the loader */
    m->direct_failed = false;
    bool ok = addr + (uint64_t)len <= 0x100000000ull &&
              uc_mem_write(m->uc, addr, buf, len) == UC_ERR_OK && !m->direct_failed;
    m->tz_direct = false;
    if (!ok)
        return se_error_set(err, SE_ERR_USAGE, "cannot write %zu bytes at 0x%08" PRIx32 ": %s", len,
                            addr,
                            m->direct_failed ? "the memory controller does not answer there now"
                                             : "not mapped on this target");
    /* Code may have changed under translated blocks. A block starting in [addr, addr+len)
     * sits in one of the slots from (addr >> 1) on (mc_count_insns): only those are looked at
     * (the fuzzer writes a short buffer before most calls). */
    uc_ctl_remove_cache(m->uc, addr, addr + len);
    if (addr < m->image_end && addr + len > m->image_base) { /* traps: decode it again */
        m->traps->scan_due = true;
        m->traps->dirty = true;
    }
    size_t nslots = len / 2 + 1 < ICACHE_SLOTS ? len / 2 + 1 : ICACHE_SLOTS;
    for (size_t k = 0; k < nslots; k++) {
        icache_slot *sl = &m->icache[((addr >> 1) + k) & (ICACHE_SLOTS - 1)];
        if (sl->addr - addr < len)
            sl->addr = 0;
    }
    return SE_OK;
}

se_err se_machine_read(se_machine *m, uint32_t addr, void *buf, size_t len, se_error *err)
{
    if (len == 0)
        return SE_OK;
    /* The host reading the memory-mapped window (docs/protocol.md 2.7): while a mapped read
     * returns the array unchanged, one copy of the array does what every access through the
     * model would (the debug port is not subject to the loader's TrustZone checks). */
    const uint8_t *direct = mc_extmem_direct(m, addr, len);
    if (direct) {
        memcpy(buf, direct, len);
        return SE_OK;
    }
    m->tz_direct = true; /* TrustZone: the debug port is not the loader */
    m->host_read = true;
    m->host_read_addr = addr;
    m->direct_failed = false;
    bool ok = addr + (uint64_t)len <= 0x100000000ull &&
              uc_mem_read(m->uc, addr, buf, len) == UC_ERR_OK && !m->direct_failed;
    m->tz_direct = false;
    m->host_read = false;
    char why[200];
    if (!ok && m->direct_failed && se_machine_window_off(m, addr, why, sizeof why))
        return se_error_set(err, SE_ERR_USAGE, "cannot read %zu bytes at 0x%08" PRIx32 ": %s", len,
                            addr, why);
    if (!ok)
        return se_error_set(err, SE_ERR_USAGE, "cannot read %zu bytes at 0x%08" PRIx32 ": %s", len,
                            addr,
                            m->direct_failed ? "the memory controller does not answer there now"
                                             : "not mapped on this target");
    return SE_OK;
}

const char *se_machine_first_warning(const se_machine *m) { return m->first_warn; }

bool se_machine_chip_read_cause(se_machine *m, uint64_t since_ns, char *buf, size_t len)
{
    const extmem *x = m->ext;
    return x && x->desc.chip && x->desc.chip->read_cause &&
           x->desc.chip->read_cause(x->chip, since_ns, buf, len);
}

bool se_machine_chip_mode_cause(se_machine *m, uint64_t since_ns, char *mode, char *frames,
                                size_t len, uint64_t *entered_ns)
{
    *entered_ns = 0;
    const extmem *x = m->ext;
    if (!x || !x->desc.chip || !x->desc.chip->mode_cause)
        return false;
    return x->desc.chip->mode_cause(x->chip, since_ns, mode, frames, len, entered_ns);
}

bool se_machine_window_off(se_machine *m, uint32_t addr, char *buf, size_t len)
{
    const extmem *x = m->ext;
    if (!x || !x->desc.ops->mem_why_not || addr - x->desc.window_base >= x->desc.window_size ||
        x->desc.ops->mem_ok(x->desc.ctl, addr - x->desc.window_base))
        return false;
    char why[160];
    x->desc.ops->mem_why_not(x->desc.ctl, addr - x->desc.window_base, why, sizeof why);
    snprintf(buf, len, "%s %s", x->desc.name, why);
    return true;
}

/* ---- debugger access (tools/gdbserver.c) ---------------------------------------------------- */

static int uc_id(se_cpu_reg r)
{
    static const int ids[SE_REG__COUNT] = {
        [SE_REG_R0] = UC_ARM_REG_R0,
        [SE_REG_R1] = UC_ARM_REG_R1,
        [SE_REG_R2] = UC_ARM_REG_R2,
        [SE_REG_R3] = UC_ARM_REG_R3,
        [SE_REG_R4] = UC_ARM_REG_R4,
        [SE_REG_R5] = UC_ARM_REG_R5,
        [SE_REG_R6] = UC_ARM_REG_R6,
        [SE_REG_R7] = UC_ARM_REG_R7,
        [SE_REG_R8] = UC_ARM_REG_R8,
        [SE_REG_R9] = UC_ARM_REG_R9,
        [SE_REG_R10] = UC_ARM_REG_R10,
        [SE_REG_R11] = UC_ARM_REG_R11,
        [SE_REG_R12] = UC_ARM_REG_R12,
        [SE_REG_SP] = UC_ARM_REG_SP,
        [SE_REG_LR] = UC_ARM_REG_LR,
        [SE_REG_PC] = UC_ARM_REG_PC,
        [SE_REG_XPSR] = UC_ARM_REG_XPSR,
        [SE_REG_MSP] = UC_ARM_REG_MSP,
        [SE_REG_PSP] = UC_ARM_REG_PSP,
        [SE_REG_CONTROL] = UC_ARM_REG_CONTROL,
        [SE_REG_PRIMASK] = UC_ARM_REG_PRIMASK,
        [SE_REG_BASEPRI] = UC_ARM_REG_BASEPRI,
        [SE_REG_FAULTMASK] = UC_ARM_REG_FAULTMASK,
    };
    return (unsigned)r < SE_REG__COUNT ? ids[r] : UC_ARM_REG_INVALID;
}

uint32_t se_machine_reg_read(se_machine *m, se_cpu_reg r) { return mc_reg(m, uc_id(r)); }

void se_machine_reg_write(se_machine *m, se_cpu_reg r, uint32_t value)
{
    mc_set_reg(m, uc_id(r), value);
}

void se_machine_core_regs(se_machine *m, uint32_t regs[SE_CORE_NREGS])
{
    static const se_cpu_reg ids[SE_CORE_NREGS] = {
        SE_REG_R0, SE_REG_R1, SE_REG_R2,  SE_REG_R3,  SE_REG_R4,  SE_REG_R5, SE_REG_R6, SE_REG_R7,
        SE_REG_R8, SE_REG_R9, SE_REG_R10, SE_REG_R11, SE_REG_R12, SE_REG_SP, SE_REG_LR, SE_REG_XPSR,
    };
    for (unsigned i = 0; i < SE_CORE_NREGS; i++)
        regs[i] = se_machine_reg_read(m, ids[i]);
}

bool se_machine_device_read(se_machine *m, uint32_t addr, void *buf, size_t len)
{
    const uint8_t *h = len <= UINT32_MAX ? mc_host_ptr(m, addr, (uint32_t)len) : NULL;
    if (!h && m->ext && addr - m->ext->desc.window_base < m->ext->desc.chip->size &&
        len <= m->ext->desc.chip->size - (addr - m->ext->desc.window_base)) {
        se_flash_image_read(m->ext->img, addr - m->ext->desc.window_base, buf, len);
        return true;
    }
    if (h) {
        memcpy(buf, h, len);
        return true;
    }
    return se_machine_read(m, addr, buf, len, NULL) == SE_OK;
}

/* ---- emu/inspect.h ---- */

se_bus *se_machine_bus(se_machine *m) { return m->bus; }
se_scs *se_machine_scs(se_machine *m) { return &m->st.scs; }
