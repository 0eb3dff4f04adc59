#include "machine.h"

#include "fileio.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicorn/unicorn.h>

#include "../peripherals/dma.h"
#include "../peripherals/flash_image.h"
#include "../peripherals/mx25lm51245g.h"
#include "../peripherals/octospi.h"
#include "../peripherals/regfile.h"
#include "../peripherals/stm32l5.h"
#include "../peripherals/vcd.h" /* --vcd tap */
#include "faultpc.h"
#include "trace.h" /* --trace / --last */
#include "traps.h" /* DIVBYZERO, UNALIGNED */
#include "tz.h"    /* TrustZone */
#include "ucfix.h" /* Unicorn 2.0.x store path */
#include "window.h" /* the external-memory window, read in place when it can be */

#define PPB_BASE 0xE0000000u
#define PPB_SIZE 0x00100000u
#define BKPT_WORD 0x0000BE00u     /* BKPT #0, then a zero halfword (docs/protocol.md 2.1) */
#define ICACHE_SLOTS 4096u        /* per-block instruction-count cache */
#define RING 128u                 /* recent blocks, for hang and fault reports (--last) */
#define WALL_CHECK_EVERY (1u << 22)
#define MAX_NEST 16u
#define ONCE_SLOTS 1024u
/* Model reads of a 4 MiB window block, in a row, before it is read in place: remapping
 * costs ~0.6 ms (emu/window.c), 16384 model reads ~0.7 ms. */
#define WINDOW_IN_PLACE_AFTER 16384u

/* Why uc_emu_start returned, when we asked it to. */
enum stop_kind {
    STOP_NONE,
    STOP_EVENT,     /* block hook: a scheduled event (SysTick, budget, wall clock) is due */
    STOP_IRQ,       /* interrupt state changed: re-check pending exceptions */
    STOP_INTR,      /* UC_HOOK_INTR */
    STOP_MEMFAULT,  /* unmapped or protected access */
    STOP_UNDEF,     /* invalid instruction */
    STOP_STRICT,    /* unmodelled register in strict mode */
    STOP_RESET,     /* AIRCR.SYSRESETREQ */
    STOP_WINDOW,    /* a write into a window block read in place: replay it on the model */
    STOP_TRAP,      /* a trap hook: DIVBYZERO or UNALIGNED at m->trap */
};

typedef struct icache_slot {
    uint32_t addr;
    uint32_t size;
    uint32_t count;
    uint32_t flags;    /* SLOT_*: what hook_block_slow found about the block */
} icache_slot;
#define SLOT_OUTSIDE 1u  /* starts outside the downloaded image (exec_check) */
#define SLOT_FETCH_OK 2u /* TrustZone: its fetch was checked and is allowed (until tz_remap) */

/* ---- TrustZone: SRAM and internal flash pages (1 KiB, Unicorn's ARM page) ---- */
#define TZ_PAGE_SHIFT 10u
#define TZ_PAGE (1u << TZ_PAGE_SHIFT)
#define TZ_PG_DATA 1u  /* some data access to the page is refused: carved out as MMIO */
#define TZ_PG_FETCH 2u /* some fetch from the page is refused: checked in the block hook */
struct se_machine;
typedef struct tz_run {
    struct se_machine *m;
    uint32_t base;     /* first address of the carved run */
    uint8_t *ptr;      /* its bytes */
    bool flash;        /* read-only to the CPU */
} tz_run;
typedef struct tz_area {
    uint32_t base, size, perms;
    uint8_t *ptr;
    uint8_t *flags;    /* TZ_PG_* per page */
    uint16_t *run;     /* carved run length in pages, at the run's first page; 0 = none */
    tz_run *ctx;       /* per page: the context of a run starting there */
} tz_area;
/* ---- end TrustZone ---- */

/* ---- traps: DIVBYZERO, UNALIGNED (emu/traps.h) ---- */
struct se_machine;
/* Consecutive instructions of one kind, under one bounded code hook. */
typedef struct trap_run {
    struct se_machine *m;
    const se_trap_insn *first;
    unsigned n;
    uc_hook hook;
    bool on;
} trap_run;
/* Allocated apart from the machine, so a snapshot restore (which copies the machine's
 * fields) leaves the record of the hooks Unicorn really has alone. */
typedef struct trap_state {
    se_trap_insn *insn;       /* the image's instructions to check, by address */
    size_t n;
    trap_run *run;
    size_t nrun;
    unsigned nhooked;         /* runs whose hook is installed */
    bool scan_due;            /* the image changed: decode it again */
    bool dirty;               /* sync the hooks with CCR before running on */
} trap_state;
/* ---- end traps ---- */

typedef struct mapped_mmio {
    se_mmio_read_fn rd;
    se_mmio_write_fn wr;
    void *opaque;
} mapped_mmio;

struct se_machine {
    uc_engine *uc;
    const se_profile *prof;
    se_machine_opts opts;
    uint8_t *sram;
    uint8_t *iflash;
    se_bus *bus;
    se_scs scs;
    se_symbolize_fn symbolize;
    void *sym_ctx;

    /* time */
    uint64_t cycles;          /* virtual core cycles: executed instructions + skipped waits */
    uint64_t skipped;         /* cycles advanced without executing (idle_until) */
    uint64_t hint_ns;         /* last idle_until hint, and how often the same loop gave it */
    unsigned hint_hits;
    uint32_t core_hz;
    uint64_t ns_base;         /* ns at cycles_base */
    uint64_t cycles_base;
    uint64_t next_event;      /* min of the deadlines below */
    uint64_t systick_at;
    uint64_t budget_at;
    uint64_t wall_at;

    /* current call */
    enum stop_kind stop;
    uint32_t stop_n;          /* instructions of the block that was not run */
    uint32_t stop_block;      /* --trace: that block's address */
    uint32_t intno;
    uint32_t intr_pc;
    uc_mem_type mem_type;
    uint32_t mem_addr;
    uint32_t mem_pc;
    unsigned mem_size;
    uint32_t strict_addr;
    bool strict_write;
    bool poll_mask;           /* a pending exception waits only for PRIMASK/BASEPRI */
    uint32_t block_want;      /* update_block_want: the slot flags of hook_block's fast path */
    unsigned nest;
    unsigned stack[MAX_NEST]; /* active exceptions, innermost last */
    unsigned exceptions;
    char chain[1536];         /* what happened, in order, for the report */
    size_t chain_len;
    char first_cause[704];
    char cause_suffix[300];   /* TrustZone: what to change, after the next fault's location */
    char vec_note[200];
    char lockup_why[512];       /* a vector into erased flash, named in a lockup reason */

    /* blocks */
    uint8_t *cov;             /* coverage counters (se_machine_set_coverage), NULL = off */
    uint32_t cov_mask;
    uc_hook cov_hook;
    icache_slot icache[ICACHE_SLOTS];
    struct { uint32_t addr, size; } ring[RING]; /* --last: blocks and bytes of them run */
    unsigned ring_pos;

    /* --trace / --last */
    se_srcline_fn srcline;
    void *src_ctx;
    se_insn_observer obs;     /* obs.insn set: code_hook installed */
    uc_hook code_hook;

    /* reporting */
    unsigned warnings;
    uint32_t once[ONCE_SLOTS];

    mapped_mmio mmio[4];
    unsigned nmmio;
    uint32_t image_base, image_end;
    /* ---- run-time diagnoses ---- */
    uint32_t buf_base, buf_end;  /* the host's data buffer */
    unsigned sp_tick;            /* blocks until the next SP check */
    bool stack_noted;            /* this call: stack overflow recorded */
    bool exec_noted;             /* this call: execution outside the image recorded */
    bool sp_noted;               /* this call: SP zero or outside RAM at entry, said */
    bool trap_noted;             /* this call: a trap inside an IT block recorded */
    char diag[640];              /* this call's notes, put before the reason by finish() */
    /* ---- end run-time diagnoses ---- */
    uint32_t mmio_addr;       /* the peripheral access in progress, for host_pc() */
    bool mmio_write;
    se_periph_host periph_host; /* what devices may call back into */
    se_stm32l5 soc;
    se_octospi *ospi;
    se_window *win;           /* the OCTOSPI window as mapped on the CPU */
    se_dma *dma;              /* DMA1, DMA2, DMAMUX1 */
    se_flash_image *flash_img;
    se_mx25 *mx25;
    bool flash_sync_failed;
    /* --vcd tap: a forwarding port between OCTOSPI1 and the chip */
    se_vcd *vcd;
    se_flash_chip_ops vcd_ops;

    /* ---- TrustZone ---- */
    se_tz_config tz;          /* TZEN, policies, the GTZC registers (one state) */
    bool cpu_secure;          /* the state our checks give the loader (Unicorn's is Secure) */
    bool tz_dirty;            /* SAU/GTZC/state changed: recompute pages at the next stop */
    bool tz_fetch_any;        /* some page has TZ_PG_FETCH */
    bool tz_direct;           /* host/debug access in progress: no checks */
    bool tz_fault;            /* tz_out waits for mem_fault */
    se_tz_outcome tz_out;
    tz_area tz_areas[4];
    /* ---- end TrustZone ---- */

    /* ---- traps ---- */
    trap_state *traps;
    const se_trap_insn *trap;   /* STOP_TRAP: the instruction */
    uint32_t trap_addr;         /* and its access's address */
    /* ---- end traps ---- */
};

/* ---- logging ------------------------------------------------------------------------- */

static void mlog(se_machine *m, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void mlog(se_machine *m, int level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (level >= SE_LOG_WARN)
        m->warnings++;
    if (m->opts.log)
        m->opts.log(m->opts.log_ctx, level, buf);
}

/* True the first time a key is seen (open addressing; a full table reports again). */
static bool first_time(se_machine *m, uint32_t key)
{
    key |= 1u; /* 0 marks an empty slot */
    uint32_t h = (key * 2654435761u) >> 22;
    for (unsigned i = 0; i < ONCE_SLOTS; i++) {
        uint32_t *s = &m->once[(h + i) % ONCE_SLOTS];
        if (*s == key)
            return false;
        if (*s == 0) {
            *s = key;
            return true;
        }
    }
    return true;
}

static const char *fmt_addr(se_machine *m, uint32_t addr, char *buf, size_t len)
{
    if (m->symbolize)
        return m->symbolize(m->sym_ctx, addr, buf, len);
    snprintf(buf, len, "0x%08" PRIx32, addr);
    return buf;
}

static void chain_add(se_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void chain_add(se_machine *m, const char *fmt, ...)
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

static void set_cause(se_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_cause(se_machine *m, const char *fmt, ...)
{
    if (m->first_cause[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->first_cause, sizeof m->first_cause, fmt, ap);
    va_end(ap);
}

/* ---- registers ----------------------------------------------------------------------- */

static uint32_t reg(se_machine *m, int id)
{
    uint32_t v = 0;
    uc_reg_read(m->uc, id, &v);
    return v;
}

static void set_reg(se_machine *m, int id, uint32_t v)
{
    uc_reg_write(m->uc, id, &v);
}

/* ---- time ---------------------------------------------------------------------------- */

uint64_t se_machine_cycles(const se_machine *m)
{
    return m->cycles;
}

uint64_t se_machine_instructions(const se_machine *m)
{
    return m->cycles - m->skipped;
}

static uint64_t cycles_to_ns(const se_machine *m, uint64_t cycles)
{
    uint64_t d = cycles - m->cycles_base;
    return m->ns_base + (uint64_t)((unsigned __int128)d * 1000000000u / m->core_hz);
}

uint64_t se_machine_now_ns(const se_machine *m)
{
    return cycles_to_ns(m, m->cycles);
}

uint32_t se_machine_core_hz(const se_machine *m)
{
    return m->core_hz;
}

void se_machine_set_core_hz(se_machine *m, uint32_t hz)
{
    if (hz == 0 || hz == m->core_hz)
        return;
    m->ns_base = se_machine_now_ns(m);
    m->cycles_base = m->cycles;
    m->core_hz = hz;
}

static void schedule(se_machine *m)
{
    uint64_t n = m->systick_at;
    if (m->budget_at < n)
        n = m->budget_at;
    if (m->wall_at < n)
        n = m->wall_at;
    m->next_event = n;
}

static void reschedule_systick(se_machine *m, uint64_t now)
{
    m->systick_at = se_systick_next_event(&m->scs, now);
    schedule(m);
}

/* ---- exception masking --------------------------------------------------------------- */

/* Execution priority: active exceptions, then PRIMASK (0), FAULTMASK (-1), BASEPRI. */
static int exec_prio(se_machine *m, bool *by_mask)
{
    int p = se_scs_active_prio(&m->scs);
    int pm = 256;
    if (reg(m, UC_ARM_REG_FAULTMASK) & 1u)
        pm = -1;
    else if (reg(m, UC_ARM_REG_PRIMASK) & 1u)
        pm = 0;
    else {
        uint32_t bp = reg(m, UC_ARM_REG_BASEPRI) & 0xE0u;
        if (bp)
            pm = se_scs_group_prio(&m->scs, SE_EXC_SYSTICK) >= 0 ? (int)bp : 256;
    }
    if (by_mask)
        *by_mask = pm < p;
    return pm < p ? pm : p;
}

static bool masked_by_debug(const se_machine *m, unsigned exc)
{
    /* DHCSR.C_MASKINTS (with C_DEBUGEN) masks PendSV, SysTick and external interrupts. */
    if (!(m->scs.dhcsr & SE_DHCSR_C_MASKINTS) || !(m->scs.dhcsr & SE_DHCSR_C_DEBUGEN))
        return false;
    return exc == SE_EXC_PENDSV || exc == SE_EXC_SYSTICK || exc >= SE_EXC_IRQ0;
}

static void update_block_want(se_machine *m);

/* The exception to take now, or 0. Sets m->poll_mask when one waits only for PRIMASK,
 * FAULTMASK or BASEPRI, which the block hook then watches. */
static unsigned pick_takeable(se_machine *m)
{
    m->poll_mask = false;
    unsigned best = 0;
    int bp = 1000;
    for (unsigned e = 2; e < SE_NUM_EXC; e++) {
        if (!m->scs.pending[e] || !se_scs_is_enabled(&m->scs, e) || masked_by_debug(m, e))
            continue;
        int p = se_scs_group_prio(&m->scs, e);
        /* Same group priority: the lower sub-priority wins, then the lower number. */
        if (p < bp || (p == bp && e >= 4 && best >= 4 && m->scs.prio[e] < m->scs.prio[best])) {
            bp = p;
            best = e;
        }
    }
    if (!best)
        return 0;
    bool by_mask = false;
    int ep = exec_prio(m, &by_mask);
    if (bp < ep)
        return best;
    if (by_mask && bp < se_scs_active_prio(&m->scs))
        m->poll_mask = true;
    return 0;
}

static unsigned takeable(se_machine *m)
{
    unsigned exc = pick_takeable(m);
    update_block_want(m);
    return exc;
}

/* TrustZone (section "TrustZone" below) */
static bool tz_fetch_refused(se_machine *m, uint32_t addr);
static bool tz_periph_ok(se_machine *m, uint32_t addr, bool write, unsigned size);
static void tz_sau_written(se_machine *m);
static se_err uc_fail(se_error *err, uc_err e, const char *what);

/* ---- hooks --------------------------------------------------------------------------- */

static const uint8_t *host_ptr(se_machine *m, uint32_t addr, uint32_t len)
{
    const se_profile *p = m->prof;
    if (addr - p->sram.base < p->sram.size && len <= p->sram.base + p->sram.size - addr)
        return m->sram + (addr - p->sram.base);
    if (addr - p->sram_alias < p->sram.size && len <= p->sram_alias + p->sram.size - addr)
        return m->sram + (addr - p->sram_alias);
    if (addr - p->iflash.base < p->iflash.size && len <= p->iflash.base + p->iflash.size - addr)
        return m->iflash + (addr - p->iflash.base);
    if (addr - p->iflash_alias < p->iflash.size &&
        len <= p->iflash_alias + p->iflash.size - addr)
        return m->iflash + (addr - p->iflash_alias);
    return NULL;
}

/* Thumb instructions in the size bytes at p: 32-bit when the first halfword's top five
 * bits are 0b11101, 0b11110 or 0b11111. */
static uint32_t count_insns_raw(const uint8_t *p, uint32_t size)
{
    uint32_t n = 0;
    for (uint32_t off = 0; off + 1 < size;) {
        uint16_t hw = (uint16_t)(p[off] | (p[off + 1] << 8));
        off += ((hw >> 11) >= 0x1D) ? 4 : 2;
        n++;
    }
    return n;
}

/* Instructions of the block [addr, addr+size), cached per block. */
static uint32_t count_insns(se_machine *m, uint32_t addr, uint32_t size)
{
    icache_slot *s = &m->icache[(addr >> 1) & (ICACHE_SLOTS - 1)];
    if (s->addr == addr && s->size == size)
        return s->count;
    const uint8_t *p = host_ptr(m, addr, size);
    uint32_t n = 0;
    if (p) {
        n = count_insns_raw(p, size);
    } else {
        n = (size + 3) / 4 + 1;
    }
    if (n == 0)
        n = 1;
    s->addr = addr;
    s->size = size;
    s->count = n;
    s->flags = 0;
    return n;
}

/* ---- run-time diagnoses ---- */
#define SP_CHECK_EVERY 64u /* blocks between two SP checks */

/* A note for this call's reason (finish() puts the notes first) and its detail. */
static void diag_add(se_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diag_add(se_machine *m, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    chain_add(m, "%s", line);
    size_t n = strlen(m->diag);
    snprintf(m->diag + n, sizeof m->diag - n, "%s%s", n ? "; " : "", line);
}

/* addr in [base, end) or in its secure alias. */
static bool in_range_or_alias(const se_machine *m, uint32_t addr, uint32_t base, uint32_t end)
{
    uint32_t alias = m->prof->sram_alias - m->prof->sram.base;
    return addr - base < end - base || addr - (base + alias) < end - base;
}

/* The stack has grown into the loader image or the host's data buffer: recorded once per
 * call as a cause; the run goes on as on the target. */
static void stack_check(se_machine *m, uint32_t pc)
{
    if (m->stack_noted || !m->image_end)
        return;
    uint32_t sp = reg(m, UC_ARM_REG_SP);
    const char *what;
    if (in_range_or_alias(m, sp, m->image_base, m->image_end))
        what = "the loader image (.bss/.data)";
    else if (m->buf_end && in_range_or_alias(m, sp, m->buf_base, m->buf_end))
        what = "the host's data buffer";
    else
        return;
    char sym[128];
    m->stack_noted = true;
    diag_add(m, "stack overflowed into %s at 0x%08" PRIx32 ", SP 0x%08" PRIx32 " at %s", what,
             sp, sp, fmt_addr(m, pc, sym, sizeof sym));
}

/* A block outside the downloaded image and internal flash: recorded once per call. */
static void exec_check(se_machine *m, uint32_t addr)
{
    if (m->exec_noted)
        return;
    const se_profile *p = m->prof;
    if (addr - p->iflash.base < p->iflash.size || addr - p->iflash_alias < p->iflash.size)
        return;
    char sym[128];
    uint32_t from = m->ring_pos ? m->ring[(m->ring_pos - 1) & (RING - 1)].addr : 0;
    m->exec_noted = true;
    diag_add(m, "executing at 0x%08" PRIx32 " outside the downloaded image 0x%08" PRIx32
             "..0x%08" PRIx32 " (from %s)", addr, m->image_base, m->image_end,
             m->ring_pos ? fmt_addr(m, from, sym, sizeof sym) : "the entry point");
}
/* ---- end run-time diagnoses ---- */

/* Everything but the common case: a fetch TrustZone may refuse, an instruction-count cache
 * miss, a due event, an exception waiting for PRIMASK, a block outside the image, the SP
 * check. */
static __attribute__((noinline)) void hook_block_slow(se_machine *m, uint32_t address,
                                                      uint32_t size)
{
    /* TrustZone: one load unless some page refuses fetches */
    if (m->tz_fetch_any && tz_fetch_refused(m, address)) {
        m->stop_block = address;
        uc_emu_stop(m->uc);
        return;
    }
    uint32_t n = count_insns(m, address, size);
    if (m->cycles + n >= m->next_event) {
        m->stop = STOP_EVENT;
        m->stop_n = n;
        m->stop_block = address; /* --trace */
        uc_emu_stop(m->uc);
        return;
    }
    if (m->poll_mask) {
        uint32_t pm = reg(m, UC_ARM_REG_PRIMASK), fm = reg(m, UC_ARM_REG_FAULTMASK);
        uint32_t bp = reg(m, UC_ARM_REG_BASEPRI);
        if (!(pm & 1u) && !(fm & 1u) && !bp) {
            m->stop = STOP_IRQ;
            m->stop_n = 0;
            m->stop_block = address; /* --trace */
            uc_emu_stop(m->uc);
            return;
        }
    }
    /* ---- run-time diagnoses: one flag per block, SP every SP_CHECK_EVERY ---- */
    icache_slot *slot = &m->icache[(address >> 1) & (ICACHE_SLOTS - 1)];
    bool outside = m->image_end && !in_range_or_alias(m, address, m->image_base, m->image_end);
    slot->flags = (outside ? SLOT_OUTSIDE : 0u) | (m->tz_fetch_any ? SLOT_FETCH_OK : 0u);
    if (outside)
        exec_check(m, address);
    if (m->sp_tick == 0 || --m->sp_tick == 0) {
        m->sp_tick = SP_CHECK_EVERY;
        if (m->image_end)
            stack_check(m, address);
    }
    /* ---- end run-time diagnoses ---- */
    m->cycles += n;
    m->ring[m->ring_pos++ & (RING - 1)].addr = address; /* --last */
    m->ring[(m->ring_pos - 1) & (RING - 1)].size = size;
}

/* The slot flags hook_block's common case expects: a TrustZone-checked fetch when some page
 * refuses fetches, and none at all (an impossible value) while an exception waits only for
 * PRIMASK/BASEPRI, which hook_block_slow checks at every block. */
static void update_block_want(se_machine *m)
{
    m->block_want = m->poll_mask ? UINT32_MAX : m->tz_fetch_any ? SLOT_FETCH_OK : 0u;
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
    uint64_t c = m->cycles + s->count;
    if (((s->addr ^ a) | (s->size ^ size) | (s->flags ^ m->block_want)) == 0 &&
        c < m->next_event && --m->sp_tick != 0) {
        m->cycles = c;
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
    if (m->stop == STOP_NONE && m->obs.insn)
        m->obs.insn(m->obs.ctx, (uint32_t)address, size);
}

/* The newest ring block stopped at pc: it ran up to pc, and pc itself when `inclusive`
 * (the faulting instruction). Nothing when pc is not inside that block. */
static void ring_cut(se_machine *m, uint32_t pc, bool inclusive)
{
    if (m->ring_pos == 0)
        return;
    unsigned i = (m->ring_pos - 1) & (RING - 1);
    uint32_t off = pc - m->ring[i].addr;
    if (off >= m->ring[i].size)
        return;
    uint32_t len = 0;
    if (inclusive) {
        const uint8_t *p = host_ptr(m, pc, 2);
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
    return fmt_addr(m, addr, buf, len);
}

bool se_machine_srcline(se_machine *m, uint32_t addr, char *buf, size_t len)
{
    return m->srcline && m->srcline(m->src_ctx, addr, buf, len);
}

const uint8_t *se_machine_code_ptr(se_machine *m, uint32_t addr, uint32_t len)
{
    return host_ptr(m, addr, len);
}

unsigned se_machine_recent_blocks(const se_machine *m, uint32_t *addr, uint32_t *size,
                                  unsigned max)
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

void se_machine_core_regs(se_machine *m, uint32_t regs[SE_CORE_NREGS])
{
    static const int ids[SE_CORE_NREGS] = {
        UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4,
        UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9,
        UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR,
        UC_ARM_REG_XPSR,
    };
    for (unsigned i = 0; i < SE_CORE_NREGS; i++)
        regs[i] = reg(m, ids[i]);
}

se_err se_machine_set_observer(se_machine *m, const se_insn_observer *o, se_error *err)
{
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

/* ---- end --trace / --last ------------------------------------------------------------ */

/* ---- traps: DIVBYZERO and UNALIGNED ---------------------------------------------------
 * Unicorn 2.0.1 never raises either (facts in emu/traps.h). The instructions that can are
 * found once by decoding the downloaded image; each run of them gets a UC_HOOK_CODE hook
 * bounded to it, installed only while the check can fire: always for the accesses that
 * must be aligned whatever CCR says, while CCR.DIV_0_TRP is set for SDIV/UDIV, while
 * CCR.UNALIGN_TRP is set for LDR/STR. Unicorn decides when it translates an instruction
 * whether to call the code hooks there, so an instruction outside every range costs
 * nothing; translated blocks are dropped whenever hooks come or go. A hook that finds the
 * fault stops the core before the instruction runs (PC is synced there), and the fault is
 * raised through fault() like any other. Not checked: code outside the downloaded image,
 * or copied there at run time, and floating-point accesses. */

static uint32_t reg_n(se_machine *m, unsigned r)
{
    static const int ids[16] = {
        UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4,
        UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9,
        UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR,
        UC_ARM_REG_PC,
    };
    return r < 16 ? reg(m, ids[r]) : 0;
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
        return (m->scs.ccr & SE_CCR_DIV_0_TRP) && reg_n(m, t->rm) == 0;
    if (t->kind == SE_TRAP_ALIGN_TRP && !(m->scs.ccr & SE_CCR_UNALIGN_TRP))
        return false;
    *addr = trap_access(m, t);
    return (*addr & (t->align - 1u)) != 0;
}

/* "UsageFault UNALIGNED: 4-byte read of 0x20003001 (ldr r0, [r1]; CCR.UNALIGN_TRP is set)" */
static void unaligned_desc(const se_trap_insn *t, uint32_t addr, char *buf, size_t len)
{
    if (t->kind == SE_TRAP_ALIGN_TRP)
        snprintf(buf, len, "UsageFault UNALIGNED: %u-byte %s of 0x%08" PRIx32 " (%s; "
                 "CCR.UNALIGN_TRP is set)", t->bytes, t->store ? "write" : "read", addr, t->text);
    else
        snprintf(buf, len, "UsageFault UNALIGNED: %u-byte %s of 0x%08" PRIx32 " (%s: "
                 "%s-aligned whatever CCR.UNALIGN_TRP says)", t->bytes,
                 t->store ? "write" : "read", addr, t->text, t->align == 4 ? "word" : "halfword");
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
                snprintf(desc, sizeof desc, "UsageFault DIVBYZERO: %s divides by zero (%s = 0, "
                         "CCR.DIV_0_TRP is set)", t->text, se_trap_reg_name(t->rm));
            else
                unaligned_desc(t, addr, desc, sizeof desc);
            diag_add(m, "%s at %s, inside an IT block: not raised (Unicorn 2.0.1 cannot stop "
                     "there; the instruction ran as if the trap were off)", desc,
                     fmt_addr(m, t->pc, sym, sizeof sym));
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
                              ? host_ptr(m, m->image_base, m->image_end - m->image_base)
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
static se_err traps_sync(se_machine *m, se_error *err)
{
    trap_state *ts = m->traps;
    ts->dirty = false;
    if (ts->scan_due) {
        se_err e = traps_scan(m, err);
        if (e)
            return e;
    }
    bool want[3] = {
        [SE_TRAP_DIV] = (m->scs.ccr & SE_CCR_DIV_0_TRP) != 0,
        [SE_TRAP_ALIGN] = true,
        [SE_TRAP_ALIGN_TRP] = (m->scs.ccr & SE_CCR_UNALIGN_TRP) != 0,
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
                return uc_fail(err, ue, "add a trap hook");
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
static void traps_changed(se_machine *m)
{
    m->traps->dirty = true;
    m->next_event = 0;
}

/* ---- end traps ---- */

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    se_machine *m = user;
    m->stop = STOP_INTR;
    m->intno = intno;
    m->intr_pc = reg(m, UC_ARM_REG_PC);
    uc_emu_stop(uc);
}

static bool hook_invalid(uc_engine *uc, void *user)
{
    se_machine *m = user;
    m->stop = STOP_UNDEF;
    m->intr_pc = reg(m, UC_ARM_REG_PC);
    uc_emu_stop(uc);
    return false;
}

static bool hook_memfault(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                          int64_t value, void *user)
{
    (void)uc;
    (void)value;
    se_machine *m = user;
    m->stop = type == UC_MEM_WRITE_PROT && se_window_in_place(m->win, address) ? STOP_WINDOW
                                                                             : STOP_MEMFAULT;
    m->mem_type = type;
    m->mem_addr = (uint32_t)address;
    m->mem_size = (unsigned)size;
    m->mem_pc = (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT)
                    ? (uint32_t)address
                    : reg(m, UC_ARM_REG_PC);
    return false;
}

/* ---- MMIO: System Control Space and peripherals ---------------------------------------- */

static void report_unmodelled(se_machine *m, uint32_t addr, bool write, uint32_t value,
                              unsigned size, const char *where)
{
    char sym[128];
    uint32_t pc = reg(m, UC_ARM_REG_PC);
    if (first_time(m, addr))
        mlog(m, SE_LOG_WARN,
             "unmodelled %s register 0x%08" PRIx32 ": %u-byte %s%s (first at %s)", where, addr,
             size, write ? "write" : "read", write ? "" : " reads as 0",
             fmt_addr(m, pc, sym, sizeof sym));
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
        if (first_time(m, addr ^ 0x80000000u))
            mlog(m, SE_LOG_WARN,
                 "write of 0x%08" PRIx32 " to 0x%08" PRIx32
                 " ignored (read-only, missing key, or debugger-only field) at %s",
                 value, addr, fmt_addr(m, reg(m, UC_ARM_REG_PC), sym, sizeof sym));
    }
    if (fx & SE_SCS_FX_MPU) {
        if (first_time(m, 0xE000ED94u ^ 0x40000000u))
            mlog(m, SE_LOG_WARN, "loader enabled the MPU: regions are not enforced");
    }
    if (fx & SE_SCS_FX_TIMER)
        reschedule_systick(m, m->cycles);
    if (fx & SE_SCS_FX_TRAPS)
        traps_changed(m);
    if (fx & SE_SCS_FX_RESET) {
        m->stop = STOP_RESET;
        uc_emu_stop(m->uc);
        return;
    }
    /* Stopping inside an MMIO callback would leave PC at the start of the block (Unicorn
     * 2.0.1 does not sync it), so the exception is taken at the next block boundary: an
     * event deadline of 0 makes the block hook stop there. */
    if ((fx & SE_SCS_FX_IRQ) && takeable(m))
        m->next_event = 0;
}

static uint64_t ppb_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    se_machine *m = user;
    unsigned fx;
    uint32_t addr = PPB_BASE + (uint32_t)offset;
    /* SAU registers are Secure-only: RAZ/WI for a Non-secure loader (docs/hardware.md C.3) */
    if (m->tz.tzen && !m->cpu_secure && !m->tz_direct && addr - 0xE000EDD0u < 0x14u)
        return 0;
    uint32_t v = se_scs_read(&m->scs, addr, m->cycles, &fx);
    scs_effects(m, fx, addr, false, 0, size);
    if (size < 4)
        v &= (1u << (8 * size)) - 1u;
    return v;
}

static void ppb_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    se_machine *m = user;
    unsigned fx;
    uint32_t addr = PPB_BASE + (uint32_t)offset;
    if (addr - 0xE000EDD0u < 0x14u) { /* SAU: Secure-only; a change remaps the pages */
        if (m->tz.tzen && !m->cpu_secure && !m->tz_direct)
            return;
        tz_sau_written(m);
    }
    se_scs_write_n(&m->scs, addr, (uint32_t)value, size, m->cycles, &fx);
    scs_effects(m, fx, addr, true, (uint32_t)value, size);
}

static void bus_unmodelled(void *opaque, uint32_t addr, bool write, uint32_t value,
                           unsigned size)
{
    report_unmodelled(opaque, addr, write, value, size, "peripheral");
}

static uint64_t periph_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph.base + (uint32_t)offset;
    m->mmio_write = false;
    if (!tz_periph_ok(m, m->mmio_addr, false, size))
        return 0;
    return se_bus_read(m->bus, m->mmio_addr, size);
}

static void periph_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                         void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph.base + (uint32_t)offset;
    m->mmio_write = true;
    if (!tz_periph_ok(m, m->mmio_addr, true, size))
        return;
    se_bus_write(m->bus, m->mmio_addr, (uint32_t)value, size);
    se_window_check(m->win); /* an OCTOSPI write may end in-place reads (one test if none) */
    se_dma_service(m->dma);  /* ... or raise a DMA request (one test if no channel runs) */
}

static uint64_t periph_alias_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph_alias + (uint32_t)offset;
    m->mmio_write = false;
    if (!tz_periph_ok(m, m->mmio_addr, false, size))
        return 0;
    return se_bus_read(m->bus, m->mmio_addr, size);
}

static void periph_alias_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                               void *user)
{
    (void)uc;
    se_machine *m = user;
    m->mmio_addr = m->prof->periph_alias + (uint32_t)offset;
    m->mmio_write = true;
    if (!tz_periph_ok(m, m->mmio_addr, true, size))
        return;
    se_bus_write(m->bus, m->mmio_addr, (uint32_t)value, size);
    se_window_check(m->win);
    se_dma_service(m->dma);
}

static uint64_t mmio_read_tramp(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    mapped_mmio *mm = user;
    return mm->rd ? mm->rd(mm->opaque, (uint32_t)offset, size) : 0;
}

static void mmio_write_tramp(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                             void *user)
{
    (void)uc;
    mapped_mmio *mm = user;
    if (mm->wr)
        mm->wr(mm->opaque, (uint32_t)offset, (uint32_t)value, size);
}

/* ---- services for the device models ---------------------------------------------------- */

static uint64_t host_now_ns(void *opaque)
{
    return se_machine_now_ns(opaque);
}

static void host_log(void *opaque, int level, const char *msg)
{
    mlog(opaque, level, "%s", msg);
}

/* The instruction making the current peripheral access. Unicorn 2.0.1 reports the block
 * start inside MMIO callbacks; decoding the block finds the load/store (only done when a
 * device logs, so it costs nothing on the hot path). */
/* The instruction of the translated block at `block` that made the data access at addr:
 * Unicorn 2.0.1 leaves PC at the block's start when an access faults or an MMIO callback
 * runs, so the block is decoded (emu/faultpc.c). false when no single one explains it. */
static bool exact_pc(se_machine *m, uint32_t block, uint32_t addr, bool write, uint32_t *exact)
{
    const icache_slot *slot = &m->icache[(block >> 1) & (ICACHE_SLOTS - 1)];
    uint32_t blen = (slot->addr == block && slot->size) ? slot->size : 64;
    const uint8_t *code = host_ptr(m, block, blen);
    return code && se_find_faulting_insn(m->uc, code, blen, block, addr, write, exact);
}

/* The loader's security state for TrustZone-aware registers (Non-secure when TZEN=0). */
static bool host_secure_access(void *opaque)
{
    se_machine *m = opaque;
    return m->tz.tzen && (m->cpu_secure || m->tz_direct);
}

static uint32_t host_pc(void *opaque)
{
    se_machine *m = opaque;
    if (!m->uc)
        return 0;
    uint32_t block = reg(m, UC_ARM_REG_PC), exact;
    if (exact_pc(m, block, m->mmio_addr, m->mmio_write, &exact))
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
    if (ns != m->hint_ns) {
        m->hint_ns = ns;
        m->hint_hits = 1;
        return;
    }
    if (++m->hint_hits < IDLE_HITS)
        return;
    m->hint_hits = 0;
    uint64_t now_ns = se_machine_now_ns(m);
    if (ns <= now_ns)
        return;
    uint64_t target = m->cycles +
                      (uint64_t)(((unsigned __int128)(ns - now_ns) * m->core_hz + 999999999u) /
                                 1000000000u);
    /* A SysTick interrupt that could be taken must run at its time; one that is masked
     * (C_MASKINTS, PRIMASK, or TICKINT off) only sets COUNTFLAG/pending, which the jump
     * reproduces. */
    bool tick_irq = (m->scs.syst_csr & 2u) && !masked_by_debug(m, SE_EXC_SYSTICK) &&
                    !(reg(m, UC_ARM_REG_PRIMASK) & 1u);
    if (tick_irq && target > m->systick_at)
        target = m->systick_at;
    if (target <= m->cycles)
        return;
    uint64_t delta = target - m->cycles;
    m->cycles = target;
    m->skipped += delta;
    if (m->budget_at != UINT64_MAX)
        m->budget_at += delta;
    m->wall_at += delta;
    if (m->systick_at <= target) {
        se_systick_fire(&m->scs, target);
        m->systick_at = se_systick_next_event(&m->scs, target);
    }
    schedule(m);
}

static void host_set_core_hz(void *opaque, uint32_t hz)
{
    se_machine *m = opaque;
    se_machine_set_core_hz(m, hz);
    /* OCTOSPI kernel clock: RCC_CCIPR2.OSPISEL reset 00, taken as SYSCLK (docs/hardware.md B.1,
     * unverified). */
    if (m->ospi && m->soc.rcc)
        m->ospi->kernel_hz = m->soc.rcc->sysclk;
    mlog(m, SE_LOG_INFO, "core clock now %" PRIu32 " Hz", hz);
}

/* ---- TrustZone ------------------------------------------------------------------------
 * Unicorn's core is always Secure and cannot be switched to Non-secure through its API, so
 * the security state of the loader exists only in our checks: m->cpu_secure is what
 * se_tz_check is told for every access and fetch. With TZEN=0 nothing is checked. Peripherals
 * and the OCTOSPI window are MMIO already and check each access. SRAM and the internal flash
 * are checked per 1 KiB page: a page every access to which is allowed stays plain memory
 * (no cost); a page where something is refused is carved out as MMIO whose callbacks decide
 * each access; fetches are tested in the block hook with one load. The page table is
 * recomputed when the SAU or GTZC registers change, at the next block boundary. */

/* What to change, after a refusal's reason: "; layer X: ..." (one clause). */
static void tz_hint(const se_machine *m, const se_tz_outcome *o, uint32_t addr, char *buf,
                    size_t len)
{
    const se_profile *p = m->prof;
    bool sram = addr - p->sram.base < p->sram.size || addr - p->sram_alias < p->sram.size;
    /* Below the BKPT word or above the host's RAM window: not the image, its stack or the
     * host's buffer (those above the image are the host's, not a relocation's). */
    uint32_t na = addr - p->sram_alias < p->sram.size ? addr - p->sram_alias + p->sram.base : addr;
    bool outside = sram && m->image_end && (na < m->image_base - 4u || na >= p->ram_end);
    char rel[200] = "";
    if (outside)
        snprintf(rel, sizeof rel, " (outside the downloaded image: an absolute address from a "
                 "link address the host did not load at? link the loader at the profile's "
                 "load base (0x%08" PRIx32 "))", p->load_base);
    switch (o->layer) {
    case SE_TZ_LAYER_SAU:
        snprintf(buf, len, "; refused by the SAU/IDAU%s: %s", rel,
                 o->sfsr & (SE_SFSR_INVEP | SE_SFSR_AUVIOL)
                     ? "use memory the SAU makes non-secure, or run the loader Secure"
                     : "a Secure loader must not run from non-secure memory");
        break;
    case SE_TZ_LAYER_ALIAS:
        snprintf(buf, len, "; refused by the alias policy: use the secure alias (0x3..., "
                 "0x5...) or alias=pass");
        break;
    case SE_TZ_LAYER_MPCBB1: case SE_TZ_LAYER_MPCBB2:
        snprintf(buf, len, "; refused by the GTZC MPCBB%s: give the block the loader's "
                 "security (profile mpcbb_ns=)", rel);
        break;
    case SE_TZ_LAYER_MPCWM1: case SE_TZ_LAYER_MPCWM2: case SE_TZ_LAYER_MPCWM3:
        snprintf(buf, len, "; refused by the GTZC MPCWM: open a non-secure window over it "
                 "(profile mpcwm_ns=START:END) or run the loader Secure");
        break;
    case SE_TZ_LAYER_TZSC:
        snprintf(buf, len, "; refused by the GTZC TZSC: clear the peripheral's SECCFGR bit "
                 "or run the loader Secure");
        break;
    case SE_TZ_LAYER_GTZC:
        snprintf(buf, len, "; refused by the GTZC: only Secure code may do this");
        break;
    default:
        buf[0] = '\0';
    }
}

static void tz_log_refusal(se_machine *m, const se_tz_outcome *o, uint32_t addr)
{
    char sym[128];
    uint32_t pc = host_pc(m);
    fmt_addr(m, pc, sym, sizeof sym);
    char hint[300];
    tz_hint(m, o, addr, hint, sizeof hint);
    set_cause(m, "%s at %s%s", o->reason, sym, hint);
    /* Logged once per instruction and layer (not per address: a loop over a refused buffer
     * would log every byte). */
    if (first_time(m, (pc ^ ((uint32_t)o->layer << 27)) ^ 0xA0000000u))
        mlog(m, SE_LOG_WARN, "%s at %s%s", o->reason, sym, hint);
}

/* A refused data access in an MMIO callback (m->mmio_addr/mmio_write set). ILLEGAL: RAZ/WI,
 * TZIC flag, logged once, kept as the call's first cause. Faults: recorded and raised at the
 * block boundary (STOP_MEMFAULT), like the other MMIO-raised faults. */
static void tz_refuse(se_machine *m, const se_tz_outcome *o, uint32_t addr, bool write,
                      unsigned size)
{
    if (se_tz_flag(&m->tz.gtzc, o)) {
        m->scs.pending[SE_EXC_IRQ0 + SE_TZ_GTZC_IRQ] = true;
        if (takeable(m))
            m->next_event = 0;
    }
    if (o->verdict == SE_TZ_ILLEGAL) {
        tz_log_refusal(m, o, addr);
        return;
    }
    if (m->stop == STOP_MEMFAULT || m->tz_fault)
        return; /* the first one is raised */
    m->tz_fault = true;
    m->tz_out = *o;
    m->stop = STOP_MEMFAULT;
    m->mem_type = write ? UC_MEM_WRITE_PROT : UC_MEM_READ_PROT;
    m->mem_addr = addr;
    m->mem_size = size;
    m->mem_pc = reg(m, UC_ARM_REG_PC);
    uc_emu_stop(m->uc);
}

static bool tz_periph_ok(se_machine *m, uint32_t addr, bool write, unsigned size)
{
    if (!m->tz.tzen || m->tz_direct)
        return true;
    se_tz_outcome o;
    if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr, write, false, &o) == SE_TZ_OK)
        return true;
    tz_refuse(m, &o, addr, write, size);
    return false;
}

static void tz_sau_written(se_machine *m)
{
    if (!m->tz.tzen)
        return;
    m->tz_dirty = true;
    m->next_event = 0; /* stop at the next block boundary, where the pages are recomputed */
    if (m->win)
        se_window_check(m->win); /* the window's security may have changed with it */
}

/* Fetch check at a block start (pages with TZ_PG_FETCH only). */
static bool tz_fetch_refused(se_machine *m, uint32_t addr)
{
    uint8_t f = 0;
    for (unsigned i = 0; i < 4; i++) {
        const tz_area *a = &m->tz_areas[i];
        if (a->flags && addr - a->base < a->size) {
            f = a->flags[(addr - a->base) >> TZ_PAGE_SHIFT];
            break;
        }
    }
    if (!(f & TZ_PG_FETCH))
        return false;
    se_tz_outcome o;
    se_tz_verdict v = se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr, false, true, &o);
    if (v == SE_TZ_OK)
        return false;
    if (v == SE_TZ_SG_REQUIRED) {
        const uint8_t *p = host_ptr(m, addr, 4);
        if (p && se_tz_is_sg((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24))
            return false;
    }
    se_tz_flag(&m->tz.gtzc, &o);
    m->tz_fault = true;
    m->tz_out = o;
    m->stop = STOP_MEMFAULT;
    m->mem_type = UC_MEM_FETCH_PROT;
    m->mem_addr = addr;
    m->mem_size = 2;
    m->mem_pc = addr;
    return true;
}

static void tz_raw_read(const tz_run *r, uint32_t off, unsigned size, uint64_t *v)
{
    uint32_t x = 0;
    memcpy(&x, r->ptr + off, size <= 4 ? size : 4);
    *v = x;
}

static uint64_t tz_mem_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    tz_run *r = user;
    se_machine *m = r->m;
    uint32_t addr = r->base + (uint32_t)offset;
    uint64_t v = 0;
    if (!m->tz_direct) {
        m->mmio_addr = addr;
        m->mmio_write = false;
        se_tz_outcome o;
        if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr, false, false, &o) != SE_TZ_OK) {
            tz_refuse(m, &o, addr, false, size);
            return 0;
        }
    }
    tz_raw_read(r, (uint32_t)offset, size, &v);
    return v;
}

static void tz_mem_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                         void *user)
{
    (void)uc;
    tz_run *r = user;
    se_machine *m = r->m;
    uint32_t addr = r->base + (uint32_t)offset;
    if (!m->tz_direct) {
        m->mmio_addr = addr;
        m->mmio_write = true;
        se_tz_outcome o;
        if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr, true, false, &o) != SE_TZ_OK) {
            tz_refuse(m, &o, addr, true, size);
            return;
        }
        if (r->flash) { /* as on plain flash pages: the CPU cannot write the flash */
            if (m->stop != STOP_MEMFAULT) {
                m->stop = STOP_MEMFAULT;
                m->mem_type = UC_MEM_WRITE_PROT;
                m->mem_addr = addr;
                m->mem_size = size;
                m->mem_pc = reg(m, UC_ARM_REG_PC);
                uc_emu_stop(m->uc);
            }
            return;
        }
    }
    uint32_t x = (uint32_t)value;
    memcpy(r->ptr + offset, &x, size <= 4 ? size : 4);
}

/* Whether everything in [addr, addr + TZ_PAGE) is decided alike: no SAU region boundary and
 * no MPCBB block boundary with a different bit inside the page. */
/* Some enabled SAU region starts or ends strictly inside [addr, addr + len). */
static bool sau_boundary_inside(const se_machine *m, uint32_t addr, uint32_t len)
{
    if (!(m->scs.sau_ctrl & 1u))
        return false;
    for (unsigned i = 0; i < 8; i++) {
        uint32_t rlar = m->scs.sau_rlar[i];
        if (!(rlar & 1u))
            continue;
        uint32_t b = m->scs.sau_rbar[i] & ~0x1Fu, e = (rlar | 0x1Fu) + 1u;
        if ((b - addr - 1u) < len - 1u || (e && (e - addr - 1u) < len - 1u))
            return true;
    }
    return false;
}

static bool tz_page_uniform(const se_machine *m, uint32_t addr)
{
    if (sau_boundary_inside(m, addr, TZ_PAGE))
        return false;
    bool first = se_tz_mpcbb_secure(&m->tz.gtzc, addr);
    for (uint32_t off = 256; off < TZ_PAGE; off += 256)
        if (se_tz_mpcbb_secure(&m->tz.gtzc, addr + off) != first)
            return false;
    return true;
}

static uint8_t tz_page_flags(se_machine *m, uint32_t addr)
{
    if (!tz_page_uniform(m, addr))
        return TZ_PG_DATA | TZ_PG_FETCH;
    se_tz_outcome o;
    uint8_t f = 0;
    if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr, false, false, &o) != SE_TZ_OK ||
        se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr, true, false, &o) != SE_TZ_OK)
        f |= TZ_PG_DATA;
    if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr, false, true, &o) != SE_TZ_OK)
        f |= TZ_PG_FETCH;
    return f;
}

/* Recompute the page table and carve / restore pages to match. */
static se_err tz_remap(se_machine *m, se_error *err)
{
    m->tz_dirty = false;
    m->tz_fetch_any = false;
    memset(m->icache, 0, sizeof m->icache); /* SLOT_FETCH_OK was decided by the old state */
    for (unsigned i = 0; i < 4; i++) {
        tz_area *a = &m->tz_areas[i];
        if (!a->flags)
            continue;
        uint32_t np = a->size >> TZ_PAGE_SHIFT;
        bool changed = false;
        /* restore every carved run as plain memory */
        for (uint32_t p = 0; p < np; p++) {
            if (!a->run[p])
                continue;
            uint32_t b = a->base + (p << TZ_PAGE_SHIFT), len = (uint32_t)a->run[p] << TZ_PAGE_SHIFT;
            uc_err ue = uc_mem_unmap(m->uc, b, len);
            if (ue == UC_ERR_OK)
                ue = uc_mem_map_ptr(m->uc, b, len, a->perms, a->ptr + (p << TZ_PAGE_SHIFT));
            if (ue != UC_ERR_OK)
                return uc_fail(err, ue, "TrustZone: restore a page");
            a->run[p] = 0;
            changed = true;
        }
        for (uint32_t p = 0; p < np; p++) {
            a->flags[p] = m->tz.tzen ? tz_page_flags(m, a->base + (p << TZ_PAGE_SHIFT)) : 0;
            if (a->flags[p] & TZ_PG_FETCH)
                m->tz_fetch_any = true;
        }
        /* carve runs of pages with refused data accesses */
        for (uint32_t p = 0; p < np;) {
            if (!(a->flags[p] & TZ_PG_DATA)) {
                p++;
                continue;
            }
            uint32_t q = p;
            while (q < np && (a->flags[q] & TZ_PG_DATA) && q - p < 0xFFFFu)
                q++;
            uint32_t b = a->base + (p << TZ_PAGE_SHIFT), len = (q - p) << TZ_PAGE_SHIFT;
            tz_run *r = &a->ctx[p];
            *r = (tz_run){m, b, a->ptr + (p << TZ_PAGE_SHIFT), !(a->perms & UC_PROT_WRITE)};
            uc_err ue = uc_mem_unmap(m->uc, b, len);
            if (ue == UC_ERR_OK)
                ue = uc_mmio_map(m->uc, b, len, tz_mem_read, r, tz_mem_write, r);
            if (ue != UC_ERR_OK)
                return uc_fail(err, ue, "TrustZone: carve a page");
            a->run[p] = (uint16_t)(q - p);
            changed = true;
            p = q;
        }
        if (changed)
            uc_ctl_remove_cache(m->uc, a->base, (uint64_t)a->base + a->size);
    }
    update_block_want(m);
    return SE_OK;
}

/* The profile's TrustZone set-up: SAU regions, MPCBB and MPCWM non-secure ranges, policies. */
static void tz_apply_profile(se_machine *m, const se_profile *p)
{
    se_tz_config_reset(&m->tz, p->tz);
    m->cpu_secure = p->tz && p->secure;
    if (!p->tz)
        return;
    m->tz.alias = p->alias_illegal ? SE_TZ_ALIAS_ILLEGAL : SE_TZ_ALIAS_PASS;
    m->tz.illegal = p->gtzc_buserr ? SE_TZ_ILLEGAL_BUSERR : SE_TZ_ILLEGAL_RAZWI;
    if (p->nsau) {
        for (unsigned i = 0; i < 8; i++) {
            m->scs.sau_rbar[i] = m->scs.sau_rlar[i] = 0;
            if (i < p->nsau && p->sau[i].limit > p->sau[i].base) {
                m->scs.sau_rbar[i] = p->sau[i].base & ~0x1Fu;
                m->scs.sau_rlar[i] = (p->sau[i].limit & ~0x1Fu) | (p->sau[i].nsc ? 2u : 0u) | 1u;
            }
        }
        m->scs.sau_ctrl = 1u;
    }
    for (unsigned i = 0; i < p->nmpcbb_ns; i++)
        for (uint64_t a = p->mpcbb_ns[i].start & ~0xFFu; a < p->mpcbb_ns[i].end; a += 256) {
            unsigned b;
            int k = se_tz_mpcbb_block((uint32_t)a, &b);
            if (k >= 0)
                m->tz.gtzc.mpcbb[k].vctr[b / 32] &= ~(1u << (b % 32));
        }
    unsigned used[4] = {0, 0, 0, 0};
    for (unsigned i = 0; i < p->nmpcwm_ns; i++) {
        unsigned bank = se_tz_mpcwm_bank(p->mpcwm_ns[i].start);
        uint32_t off = p->mpcwm_ns[i].start & 0x0FFFFFFFu;
        uint64_t len = (uint64_t)p->mpcwm_ns[i].end - p->mpcwm_ns[i].start;
        uint32_t g0 = off / SE_TZ_MPCWM_GRANULE;
        uint32_t n = (uint32_t)((len + SE_TZ_MPCWM_GRANULE - 1) / SE_TZ_MPCWM_GRANULE);
        unsigned first = bank == 1 ? 0 : bank == 2 ? 2 : 4, max = bank == 3 ? 1 : 2;
        if (!bank || used[bank] >= max)
            continue;
        m->tz.gtzc.mpcwm[first + used[bank]++] = (g0 & 0x7FFu) | ((n & 0xFFFu) << 16);
    }
}

/* The GTZC registers on the bus: one device forwarding to m->tz.gtzc (the state the checks
 * read). Non-secure writes are refused before the bus (se_tz_check, GTZC_CFG). */
typedef struct gtzc_dev {
    se_machine *m;
} gtzc_dev;

static uint32_t gtzc_dev_read(void *state, uint32_t offset, unsigned size)
{
    gtzc_dev *d = state;
    uint32_t v = 0;
    if (!d->m)
        return 0;
    se_tz_gtzc_read(&d->m->tz.gtzc, SE_TZ_GTZC_TZSC + (offset & ~3u), &v);
    v >>= 8u * (offset & 3u);
    return size < 4 ? v & ((1u << (8 * size)) - 1u) : v;
}

static void gtzc_dev_write(void *state, uint32_t offset, uint32_t value, unsigned size)
{
    gtzc_dev *d = state;
    if (!d->m)
        return;
    uint32_t a = SE_TZ_GTZC_TZSC + (offset & ~3u), v = value;
    if (size < 4) { /* read-modify-write of the byte lanes */
        uint32_t old = 0, sh = 8u * (offset & 3u), mask = ((1u << (8 * size)) - 1u) << sh;
        se_tz_gtzc_read(&d->m->tz.gtzc, a, &old);
        v = (old & ~mask) | ((value << sh) & mask);
    }
    se_tz_gtzc_write(&d->m->tz.gtzc, a, v);
    tz_sau_written(d->m);
}

static const se_periph_class gtzc_dev_class = {
    .name = "GTZC",
    .state_size = sizeof(gtzc_dev),
    .read = gtzc_dev_read,
    .write = gtzc_dev_write,
};

/* ---- end TrustZone -------------------------------------------------------------------- */

/* ---- the external flash: OCTOSPI1 + MX25LM51245G (STM32L562E-DK) ------------------------ */

static void rcc_reset_line(void *ctx, uint32_t rstr_offset, uint32_t bits)
{
    se_machine *m = ctx;
    if (rstr_offset == 0x30u && (bits & (1u << 8)) && m->ospi) { /* AHB3RSTR.OSPI1RST */
        se_octospi_reset(m->ospi);
        se_window_check(m->win);
    }
}

static uint32_t ext_read(void *opaque, uint32_t offset, unsigned size)
{
    se_machine *m = opaque;
    m->mmio_addr = m->prof->ext_window.base + offset;
    m->mmio_write = false;
    if (!tz_periph_ok(m, m->mmio_addr, false, size))
        return 0;
    if (!se_octospi_mem_ok(m->ospi, offset)) {
        /* docs/hardware.md D.8: what silicon does here is open; policy: a BusFault. */
        m->stop = STOP_MEMFAULT;
        m->mem_type = UC_MEM_READ_UNMAPPED;
        m->mem_addr = m->prof->ext_window.base + offset;
        m->mem_size = size;
        m->mem_pc = reg(m, UC_ARM_REG_PC);
        uc_emu_stop(m->uc);
        return 0;
    }
    uint32_t v = se_octospi_mem_read(m->ospi, offset, size);
    /* Reads of this block may bypass the model from now on: remapped at the next block
     * boundary (a block hook stop; stopping here would leave PC at the block start). */
    if (se_window_read_seen(m->win, offset))
        m->next_event = 0;
    return v;
}

static void ext_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    se_machine *m = opaque;
    m->mmio_addr = m->prof->ext_window.base + offset;
    m->mmio_write = true;
    if (!tz_periph_ok(m, m->mmio_addr, true, size))
        return;
    if (!se_octospi_mem_ok(m->ospi, offset)) {
        m->stop = STOP_MEMFAULT;
        m->mem_type = UC_MEM_WRITE_UNMAPPED;
        m->mem_addr = m->prof->ext_window.base + offset;
        m->mem_size = size;
        m->mem_pc = reg(m, UC_ARM_REG_PC);
        uc_emu_stop(m->uc);
        return;
    }
    se_octospi_mem_write(m->ospi, offset, value, size);
    se_window_check(m->win);
}

/* ---- --vcd tap: records each frame the OCTOSPI sends, then hands it to the chip ---------- */

static void vcd_tap_transfer(void *chip, se_flash_frame *f, uint64_t now_ns)
{
    se_machine *m = chip;
    se_mx25_ops.transfer(m->mx25, f, now_ns); /* first: a read's data comes from the chip */
    if (se_vcd_full(m->vcd))
        return;
    /* Bus clock = kernel / (DCR2.PRESCALER + 1); NCS high >= DCR1.CSHT + 1 cycles (B.2). */
    uint32_t kernel = m->ospi->kernel_hz ? m->ospi->kernel_hz : SE_OCTOSPI_KERNEL_HZ;
    uint32_t presc = m->ospi->r[0x00Cu / 4u] & 0xFFu;
    se_vcd_set_cs_high(m->vcd, ((m->ospi->r[0x008u / 4u] >> 8) & 7u) + 1u);
    se_vcd_frame(m->vcd, f, now_ns, kernel / (presc + 1u));
    if (se_vcd_full(m->vcd) && m->opts.log) {
        char msg[600];
        snprintf(msg, sizeof msg,
                 "vcd: recorded the first %" PRIu64 " flash frames in %s; later ones are left "
                 "out (--vcd-limit N to change, 0 = all)",
                 se_vcd_frames(m->vcd), m->opts.vcd_path);
        m->opts.log(m->opts.log_ctx, SE_LOG_WARN, msg); /* about the output: not counted */
    }
}

static uint64_t vcd_tap_busy_until(const void *chip)
{
    const se_machine *m = chip;
    return se_mx25_ops.busy_until ? se_mx25_ops.busy_until(m->mx25) : 0;
}

/* ---- end of --vcd tap ------------------------------------------------------------------ */

/* ---- the DMA's view of the chip (peripherals/dma.h) ---- */

/* TrustZone for a DMA access: the GTZC judges the channel's transaction (no SAU: that sits
 * in the CPU). An illegal access reads as zero or is dropped, with its TZIC flag, as for the
 * CPU (docs/hardware.md D.2), logged once per target; under the bus-error policy it is a DMA
 * transfer error. */
typedef enum { DMA_GO, DMA_RAZWI, DMA_BUSERR } dma_verdict;

static dma_verdict dma_tz(se_machine *m, uint32_t addr, bool write, bool secure)
{
    if (!m->tz.tzen)
        return DMA_GO;
    se_tz_outcome o;
    se_tz_verdict v = se_tz_check_master(&m->tz, secure, addr, write, &o);
    if (v == SE_TZ_OK)
        return DMA_GO;
    if (se_tz_flag(&m->tz.gtzc, &o)) {
        m->scs.pending[SE_EXC_IRQ0 + SE_TZ_GTZC_IRQ] = true;
        if (takeable(m))
            m->next_event = 0;
    }
    /* Named like the CPU's refusals (the call's first cause, logged once per instruction and
     * layer), at the instruction whose register write started the transfer. */
    char sym[128], hint[300];
    uint32_t pc = host_pc(m);
    fmt_addr(m, pc, sym, sizeof sym);
    tz_hint(m, &o, addr, hint, sizeof hint);
    set_cause(m, "DMA: %s in a transfer started at %s%s", o.reason, sym, hint);
    if (first_time(m, (pc ^ ((uint32_t)o.layer << 27)) ^ 0xB0000000u))
        mlog(m, SE_LOG_WARN, "DMA: %s in a transfer started at %s%s", o.reason, sym, hint);
    return v == SE_TZ_ILLEGAL ? DMA_RAZWI : DMA_BUSERR;
}

static bool in_periph(const se_machine *m, uint32_t a)
{
    const se_profile *p = m->prof;
    return a - p->periph.base < p->periph.size ||
           (p->periph_alias && a - p->periph_alias < p->periph.size);
}

/* The code cache must not keep blocks the DMA wrote over. */
static void dma_wrote(se_machine *m, uint32_t addr, uint32_t len)
{
    /* anywhere in SRAM: a loader may copy code by DMA and run it (~33 ns a call, measured) */
    uc_ctl_remove_cache(m->uc, addr, (uint64_t)addr + len);
}

static bool dma_read(void *ctx, uint32_t addr, unsigned size, bool secure, uint32_t *v)
{
    se_machine *m = ctx;
    const se_profile *p = m->prof;
    dma_verdict tv = dma_tz(m, addr, false, secure);
    *v = 0;
    if (tv != DMA_GO)
        return tv == DMA_RAZWI;
    const uint8_t *h = host_ptr(m, addr, size);
    if (h) {
        *v = 0;
        memcpy(v, h, size);
        return true;
    }
    if (in_periph(m, addr)) {
        *v = se_bus_read(m->bus, addr, size);
        return true;
    }
    uint32_t off = addr - p->ext_window.base;
    if (m->ospi && off < p->ext_window.size && se_octospi_mem_ok(m->ospi, off)) {
        *v = se_octospi_mem_read(m->ospi, off, size);
        return true;
    }
    return false;
}

static bool dma_write(void *ctx, uint32_t addr, unsigned size, bool secure, uint32_t v)
{
    se_machine *m = ctx;
    const se_profile *p = m->prof;
    dma_verdict tv = dma_tz(m, addr, true, secure);
    if (tv != DMA_GO)
        return tv == DMA_RAZWI;
    if (addr - p->sram.base < p->sram.size || addr - p->sram_alias < p->sram.size) {
        uint8_t *h = (uint8_t *)host_ptr(m, addr, size);
        if (!h)
            return false;
        memcpy(h, &v, size);
        dma_wrote(m, addr, size);
        return true;
    }
    if (in_periph(m, addr)) {
        se_bus_write(m->bus, addr, v, size);
        se_window_check(m->win);
        return true;
    }
    uint32_t off = addr - p->ext_window.base;
    if (m->ospi && off < p->ext_window.size && se_octospi_mem_ok(m->ospi, off)) {
        se_octospi_mem_write(m->ospi, off, v, size);
        se_window_check(m->win);
        return true;
    }
    return false; /* internal flash (read-only to masters), unmapped */
}

/* Memory-mapped reads of [off, off+len) of the window return the array unchanged (len > 0). */
static bool window_reads_array(se_machine *m, uint32_t off, uint32_t len)
{
    return se_octospi_mem_ok(m->ospi, off) && se_octospi_mem_ok(m->ospi, off + len - 1u) &&
           se_octospi_mem_direct(m->ospi);
}

/* TrustZone lets the channel's transactions through everywhere in [addr, addr+len): checked
 * every 256 bytes (the MPCBB block; MPCWM granules are larger). */
static bool dma_range_ok(se_machine *m, uint32_t addr, uint32_t len, bool write, bool secure)
{
    if (!m->tz.tzen)
        return true;
    se_tz_outcome o;
    for (uint64_t a = addr & ~0xFFu; a < (uint64_t)addr + len; a += 0x100u)
        if (se_tz_check_master(&m->tz, secure, (uint32_t)a, write, &o) != SE_TZ_OK)
            return false;
    return true;
}

/* Plain memory the DMA may copy in one go: SRAM, or the OCTOSPI window while its reads
 * return the array unchanged, where TrustZone lets the channel through. */
static uint8_t *dma_span(void *ctx, uint32_t addr, uint32_t len, bool write, bool secure)
{
    se_machine *m = ctx;
    const se_profile *p = m->prof;
    if (!len || !dma_range_ok(m, addr, len, write, secure))
        return NULL; /* item by item: each refusal is then handled and named */
    if (addr - p->sram.base < p->sram.size || addr - p->sram_alias < p->sram.size) {
        uint8_t *h = (uint8_t *)host_ptr(m, addr, len);
        if (h && write)
            dma_wrote(m, addr, len);
        return h;
    }
    uint32_t off = addr - p->ext_window.base;
    if (!write && m->flash_img && m->ospi && off < SE_MX25_SIZE && len <= SE_MX25_SIZE - off &&
        window_reads_array(m, off, len)) {
        se_octospi_mem_touch(m->ospi); /* BUSY from now on, as item by item */
        return (uint8_t *)se_flash_image_direct(m->flash_img, off, len);
    }
    return NULL;
}

static uint32_t dma_request(void *ctx, unsigned req)
{
    se_machine *m = ctx;
    return req == SE_DMA_REQ_OCTOSPI1 && m->ospi ? se_octospi_dma_ready(m->ospi) : 0;
}

/* OCTOSPI1's DR (either alias, any byte lane of it) takes or gives a byte stream, when
 * TrustZone lets the channel reach it. */
static bool dma_stream(void *ctx, uint32_t addr, unsigned size, uint8_t *buf, uint32_t n,
                       bool write, bool secure)
{
    se_machine *m = ctx;
    const se_bus_device *d =
        m->ospi && dma_range_ok(m, addr, 1, write, secure) ? se_bus_find(m->bus, addr) : NULL;
    if (!d || d->state != m->ospi || (addr & (SE_OCTOSPI_SIZE - 1u) & ~3u) != 0x050u)
        return false;
    se_octospi_dr_stream(m->ospi, buf, n * size, write);
    return true;
}

static se_err attach_dma(se_machine *m, se_error *err)
{
    m->dma = se_bus_attach(m->bus, &se_dma_class, "DMA", SE_DMA_BASE, SE_DMA_SIZE);
    if (!m->dma)
        return se_error_set(err, SE_ERR_EMU, "cannot attach DMA1/DMA2/DMAMUX1 to the bus");
    m->dma->host = &m->periph_host;
    m->dma->bus = (se_dma_bus_ops){dma_read, dma_write, dma_span, dma_stream, dma_request, m};
    return SE_OK;
}

/* ---- in-place reads of the window (emu/window.h) ---- */

/* TrustZone: reads of [addr, addr+len) by the loader all pass the same checks: no SAU
 * region boundary inside, and each MPCWM granule (128 KiB) allowed. */
static bool tz_window_ok(se_machine *m, uint32_t addr, uint32_t len)
{
    if (!m->tz.tzen)
        return true;
    if (sau_boundary_inside(m, addr, len))
        return false;
    for (uint32_t g = 0; g < len; g += 0x20000u) {
        se_tz_outcome o;
        if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, addr + g, false, false, &o) != SE_TZ_OK)
            return false;
    }
    return true;
}

static bool window_direct_ok(void *ctx, uint32_t off, uint32_t len)
{
    se_machine *m = ctx;
    return tz_window_ok(m, m->prof->ext_window.base + off, len) && window_reads_array(m, off, len);
}

static const uint8_t *window_direct_ptr(void *ctx, uint32_t off, uint32_t len)
{
    se_machine *m = ctx;
    return se_flash_image_direct(m->flash_img, off, len);
}

static se_err attach_ext_flash(se_machine *m, se_error *err)
{
    const se_profile *p = m->prof;
    m->flash_img = se_flash_image_new(SE_MX25_SIZE, 0xFF);
    if (!m->flash_img)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory for the flash image");
    se_err e;
    if (m->opts.flash_image) {
        if ((e = se_flash_image_open_file(m->flash_img, m->opts.flash_image, err)))
            return e;
        se_flash_journal_outcome jo = se_flash_image_journal_outcome(m->flash_img);
        if (jo == SE_FLASH_JOURNAL_REPLAYED)
            mlog(m, SE_LOG_WARN, "flash image: completed an interrupted sync from %s.journal",
                 m->opts.flash_image);
        else if (jo == SE_FLASH_JOURNAL_DISCARDED)
            mlog(m, SE_LOG_INFO, "flash image: discarded an incomplete journal %s.journal",
                 m->opts.flash_image);
        const char *ro = se_flash_image_read_only(m->flash_img);
        if (ro)
            mlog(m, SE_LOG_WARN,
                 "flash image %s is read-only (%s): opened for reading; erase, write and "
                 "mass-erase are refused, reading, Verify and CheckSum work",
                 m->opts.flash_image, ro);
    }
    m->mx25 = se_mx25_new(&m->periph_host, m->flash_img);
    if (!m->mx25)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory for the flash model");
    m->mx25->log_commands = m->opts.log_flash;
    m->mx25->warn_log_limit = 8; /* per kind; every warning is still counted */
    m->ospi = se_bus_attach(m->bus, &se_octospi_class, "OCTOSPI1", SE_OCTOSPI_BASE,
                            SE_OCTOSPI_SIZE);
    if (!m->ospi)
        return se_error_set(err, SE_ERR_EMU, "cannot attach OCTOSPI1 to the bus");
    m->ospi->host = &m->periph_host;
    m->ospi->base = SE_OCTOSPI_BASE;
    m->ospi->clock_enabled = &m->soc.rcc->ospi1_en;
    m->ospi->kernel_hz = m->soc.rcc->sysclk;
    if (m->opts.vcd_path) { /* --vcd tap */
        if (!(m->vcd = se_vcd_open(m->opts.vcd_path, err)))
            return err ? err->code : SE_ERR_IO;
        se_vcd_set_limit(m->vcd, m->opts.vcd_limit ? m->opts.vcd_limit : SE_VCD_DEFAULT_LIMIT);
        m->vcd_ops = se_mx25_ops;
        m->vcd_ops.transfer = vcd_tap_transfer;
        m->vcd_ops.busy_until = vcd_tap_busy_until;
        se_octospi_connect(m->ospi, (se_flash_port){&m->vcd_ops, m});
    } else {
        se_octospi_connect(m->ospi, (se_flash_port){&se_mx25_ops, m->mx25});
    }
    m->soc.rcc->reset_line = rcc_reset_line;
    m->soc.rcc->reset_ctx = m;
    se_window_ops wo = {ext_read, ext_write, window_direct_ok, window_direct_ptr, m};
    bool in_place = !m->opts.exact_window && !m->opts.log_flash && !m->opts.vcd_path;
    uint32_t after = m->opts.window_after ? m->opts.window_after : WINDOW_IN_PLACE_AFTER;
    uint32_t dev = p->ext_window.size < SE_MX25_SIZE ? 0 : SE_MX25_SIZE;
    return se_window_new(m->uc, p->ext_window.base, p->ext_window.size, dev,
                         in_place ? after : 0, &wo, &m->win, err);
}

void se_machine_window_stats(const se_machine *m, se_window_stats *st)
{
    if (m->win)
        se_window_get_stats(m->win, st);
    else
        memset(st, 0, sizeof *st);
}

const struct se_mx25_counters *se_machine_flash_counters(const se_machine *m)
{
    return m->mx25 ? &m->mx25->counters : NULL;
}

bool se_machine_flash_read_only(const se_machine *m, char *why, size_t len)
{
    const char *ro = m->flash_img && m->opts.flash_image ? se_flash_image_read_only(m->flash_img)
                                                         : NULL;
    if (ro && why)
        snprintf(why, len, "flash image %s is read-only (%s)", m->opts.flash_image, ro);
    return ro != NULL;
}

se_err se_machine_sync_flash(se_machine *m, se_error *err)
{
    if (!m->flash_img || !m->opts.flash_image)
        return SE_OK;
    return se_flash_image_sync(m->flash_img, err);
}

/* ---- construction -------------------------------------------------------------------- */

void se_machine_opts_default(se_machine_opts *o)
{
    memset(o, 0, sizeof *o);
    o->irq_mask = SE_MASK_MASKINTS;
    o->ram_fill = 0xA5; /* stale RAM, so code that assumes zeroed .bss shows it */
    o->last_insns = SE_LAST_DEFAULT; /* --last */
}

static se_err uc_fail(se_error *err, uc_err e, const char *what)
{
    return se_error_set(err, SE_ERR_EMU, "unicorn: %s: %s", what, uc_strerror(e));
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

se_err se_machine_new(const se_profile *p, const se_machine_opts *o, se_machine **out,
                      se_error *err)
{
    *out = NULL;
    se_machine *m = calloc(1, sizeof *m);
    if (!m)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    m->prof = p;
    m->traps = calloc(1, sizeof *m->traps);
    if (!m->traps) {
        free(m);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
    if (o)
        m->opts = *o;
    else
        se_machine_opts_default(&m->opts);
    m->core_hz = p->reset_core_hz ? p->reset_core_hz : 4000000u;
    m->sram = malloc(p->sram.size);
    m->iflash = malloc(p->iflash.size);
    m->bus = se_bus_new(p->periph.base, p->periph.size, p->periph_alias);
    if (!m->sram || !m->iflash || !m->bus) {
        se_machine_free(m);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
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
    }
    memset(m->iflash, 0xFF, p->iflash.size);
    se_err e;
    if (!m->opts.internal_flash)
        m->opts.internal_flash = p->internal_flash; /* the profile's image */
    if (m->opts.internal_flash && (e = load_internal_flash(m, m->opts.internal_flash, err))) {
        se_machine_free(m);
        return e;
    }
    se_bus_set_unmodelled(m->bus, bus_unmodelled, m);
    m->periph_host = (se_periph_host){
        .opaque = m,
        .now_ns = host_now_ns,
        .log = host_log,
        .pc = host_pc,
        .secure_access = host_secure_access,
        .set_core_hz = host_set_core_hz,
        .idle_until = host_idle_until,
    };
    /* The STM32L5 system devices (RCC, PWR, FLASH interface, GPIO): the only SoC so far. */
    if (se_stm32l5_attach(m->bus, p->tz, &m->periph_host, &m->soc) != 0) {
        se_machine_free(m);
        return se_error_set(err, SE_ERR_EMU, "cannot attach the STM32L5 devices to the bus");
    }
    /* TrustZone: the GTZC registers are the checks' state, before the register files
     * (which skip taken bases). */
    gtzc_dev *gd = se_bus_attach(m->bus, &gtzc_dev_class, "GTZC", SE_TZ_GTZC_TZSC, 0x1000u);
    if (!gd) {
        se_machine_free(m);
        return se_error_set(err, SE_ERR_EMU, "cannot attach the GTZC to the bus");
    }
    gd->m = m;
    se_err de = attach_dma(m, err);
    if (de) {
        se_machine_free(m);
        return de;
    }
    /* GTZC, EXTI, SYSCFG, ICACHE: register files without behaviour. */
    if (se_regfile_attach_l5(m->bus, p->tz, &m->periph_host) != 0) {
        se_machine_free(m);
        return se_error_set(err, SE_ERR_EMU, "cannot attach the STM32L5 register files to the bus");
    }
    se_scs_reset(&m->scs, p->vtor);
    tz_apply_profile(m, p); /* TrustZone */

    (void)se_ucfix_active(); /* decided once, before the first store; links ucfix.o in */
    uc_err ue = uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &m->uc);
    if (ue != UC_ERR_OK) {
        m->uc = NULL;
        se_machine_free(m);
        return uc_fail(err, ue, "open");
    }
    struct {
        uint32_t base, size;
        uint32_t perms;
        void *ptr;
    } maps[] = {
        {p->sram.base, p->sram.size, UC_PROT_ALL, m->sram},
        {p->sram_alias, p->sram.size, UC_PROT_ALL, m->sram},
        {p->iflash.base, p->iflash.size, UC_PROT_READ | UC_PROT_EXEC, m->iflash},
        {p->iflash_alias, p->iflash.size, UC_PROT_READ | UC_PROT_EXEC, m->iflash},
    };
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        ue = uc_mem_map_ptr(m->uc, maps[i].base, maps[i].size, maps[i].perms, maps[i].ptr);
        if (ue != UC_ERR_OK) {
            se_machine_free(m);
            return uc_fail(err, ue, "map memory");
        }
    }
    if ((ue = uc_mmio_map(m->uc, PPB_BASE, PPB_SIZE, ppb_read, m, ppb_write, m)) ||
        (ue = uc_mmio_map(m->uc, p->periph.base, p->periph.size, periph_read, m, periph_write,
                          m)) ||
        (p->periph_alias && (ue = uc_mmio_map(m->uc, p->periph_alias, p->periph.size,
                                              periph_alias_read, m, periph_alias_write, m)))) {
        se_machine_free(m);
        return uc_fail(err, ue, "map MMIO");
    }
    uc_hook h;
    if ((ue = uc_hook_add(m->uc, &h, UC_HOOK_BLOCK, (void *)hook_block, m, 1, 0)) ||
        (ue = uc_hook_add(m->uc, &h, UC_HOOK_INTR, (void *)hook_intr, m, 1, 0)) ||
        (ue = uc_hook_add(m->uc, &h, UC_HOOK_INSN_INVALID, (void *)hook_invalid, m, 1, 0)) ||
        (ue = uc_hook_add(m->uc, &h,
                          UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, (void *)hook_memfault, m, 1,
                          0))) {
        se_machine_free(m);
        return uc_fail(err, ue, "add hooks");
    }
    se_err fe = attach_ext_flash(m, err);
    if (fe) {
        se_machine_free(m);
        return fe;
    }
    /* TrustZone: the page tables of SRAM and internal flash (both aliases) */
    for (size_t i = 0; i < 4; i++) {
        tz_area *a = &m->tz_areas[i];
        uint32_t np = maps[i].size >> TZ_PAGE_SHIFT;
        *a = (tz_area){maps[i].base, maps[i].size, maps[i].perms, maps[i].ptr,
                       calloc(np, 1), calloc(np, sizeof(uint16_t)), calloc(np, sizeof(tz_run))};
        if (!a->flags || !a->run || !a->ctx) {
            se_machine_free(m);
            return se_error_set(err, SE_ERR_NOMEM, "out of memory");
        }
    }
    if (p->tz && (fe = tz_remap(m, err)) != SE_OK) {
        se_machine_free(m);
        return fe;
    }
    m->systick_at = m->budget_at = m->wall_at = UINT64_MAX;
    schedule(m);
    *out = m;
    return SE_OK;
}

void se_machine_free(se_machine *m)
{
    if (!m)
        return;
    if (m->uc)
        uc_close(m->uc);
    if (m->vcd) { /* --vcd tap */
        se_error ve;
        if (se_vcd_close(m->vcd, &ve) != SE_OK)
            mlog(m, SE_LOG_WARN, "%s", ve.msg);
        m->vcd = NULL;
    }
    se_window_free(m->win);
    se_mx25_free(m->mx25);
    se_flash_image_free(m->flash_img);
    se_bus_free(m->bus);
    for (unsigned i = 0; i < 4; i++) { /* TrustZone */
        free(m->tz_areas[i].flags);
        free(m->tz_areas[i].run);
        free(m->tz_areas[i].ctx);
    }
    if (m->traps) {
        free(m->traps->insn);
        free(m->traps->run);
        free(m->traps);
    }
    free(m->sram);
    free(m->iflash);
    free(m);
}

const se_profile *se_machine_profile(const se_machine *m) { return m->prof; }
se_bus *se_machine_bus(se_machine *m) { return m->bus; }
se_scs *se_machine_scs(se_machine *m) { return &m->scs; }
uint8_t *se_machine_sram(se_machine *m) { return m->sram; }
unsigned se_machine_warnings(const se_machine *m) { return m->warnings; }

void se_machine_set_image(se_machine *m, uint32_t base, uint32_t end)
{
    m->image_base = base;
    m->image_end = end;
    memset(m->icache, 0, sizeof m->icache); /* the slots' `outside` flags follow the image */
    m->traps->scan_due = true; /* traps: decoded before the next run */
    m->traps->dirty = true;
}

/* ---- run-time diagnoses ---- */
void se_machine_set_buffer(se_machine *m, uint32_t base, uint32_t end)
{
    m->buf_base = base;
    m->buf_end = end;
}
/* ---- end run-time diagnoses ---- */

void se_machine_set_symbolizer(se_machine *m, se_symbolize_fn fn, void *ctx)
{
    m->symbolize = fn;
    m->sym_ctx = ctx;
}

se_err se_machine_map_mmio(se_machine *m, uint32_t base, uint32_t size, se_mmio_read_fn rd,
                           se_mmio_write_fn wr, void *opaque, se_error *err)
{
    if (m->nmmio >= sizeof m->mmio / sizeof m->mmio[0])
        return se_error_set(err, SE_ERR_USAGE, "too many MMIO windows");
    mapped_mmio *mm = &m->mmio[m->nmmio];
    mm->rd = rd;
    mm->wr = wr;
    mm->opaque = opaque;
    uc_err ue = uc_mmio_map(m->uc, base, size, mmio_read_tramp, mm, mmio_write_tramp, mm);
    if (ue != UC_ERR_OK)
        return uc_fail(err, ue, "map MMIO window");
    m->nmmio++;
    return SE_OK;
}

se_err se_machine_write(se_machine *m, uint32_t addr, const void *buf, size_t len,
                        se_error *err)
{
    if (len == 0)
        return SE_OK;
    /* The host re-sends the same image before every operation: bytes already in RAM need
     * neither the write nor dropping the translated code. */
    const uint8_t *now = len <= UINT32_MAX ? host_ptr(m, addr, (uint32_t)len) : NULL;
    if (now && memcmp(now, buf, len) == 0)
        return SE_OK;
    m->tz_direct = true; /* TrustZone: the debug port is not the loader */
    bool ok = addr + (uint64_t)len <= 0x100000000ull && uc_mem_write(m->uc, addr, buf, len) == UC_ERR_OK;
    m->tz_direct = false;
    if (!ok)
        return se_error_set(err, SE_ERR_USAGE,
                            "cannot write %zu bytes at 0x%08" PRIx32 ": not mapped on this target",
                            len, addr);
    /* Code may have changed under translated blocks. A block starting in [addr, addr+len)
     * sits in one of the slots from (addr >> 1) on (count_insns): only those are looked at
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
    uint32_t off = addr - m->prof->ext_window.base;
    if (m->flash_img && m->ospi && off < SE_MX25_SIZE && len <= SE_MX25_SIZE - off &&
        se_octospi_mem_ok(m->ospi, off) && se_octospi_mem_ok(m->ospi, off + (uint32_t)len - 1u) &&
        se_octospi_mem_direct(m->ospi)) {
        se_flash_image_read(m->flash_img, off, buf, len);
        return SE_OK;
    }
    m->tz_direct = true; /* TrustZone: the debug port is not the loader */
    bool ok = addr + (uint64_t)len <= 0x100000000ull && uc_mem_read(m->uc, addr, buf, len) == UC_ERR_OK;
    m->tz_direct = false;
    if (!ok)
        return se_error_set(err, SE_ERR_USAGE,
                            "cannot read %zu bytes at 0x%08" PRIx32 ": not mapped on this target",
                            len, addr);
    return SE_OK;
}

/* ---- exception entry and return ------------------------------------------------------ */

static bool mem_rd32(se_machine *m, uint32_t addr, uint32_t *v)
{
    m->tz_direct = true; /* TrustZone: carved pages read their bytes directly */
    bool ok = uc_mem_read(m->uc, addr, v, 4) == UC_ERR_OK;
    m->tz_direct = false;
    return ok;
}

static bool mem_wr32(se_machine *m, uint32_t addr, uint32_t v)
{
    m->tz_direct = true;
    bool ok = uc_mem_write(m->uc, addr, &v, 4) == UC_ERR_OK;
    m->tz_direct = false;
    return ok;
}

static const char *exc_str(unsigned exc)
{
    static char buf[4][16];
    static unsigned i;
    char *b = buf[i++ & 3];
    return se_exc_name(exc, b, 16);
}

static bool in_iflash(const se_machine *m, uint32_t addr)
{
    return addr - m->prof->iflash.base < m->prof->iflash.size ||
           addr - m->prof->iflash_alias < m->prof->iflash.size;
}

typedef enum { ENTRY_OK, ENTRY_LOCKUP } entry_result;

static entry_result lockup(se_machine *m, const char *why)
{
    chain_add(m, "lockup: %s", why);
    set_cause(m, "lockup: %s", why);
    snprintf(m->lockup_why, sizeof m->lockup_why, "%s", why);
    m->scs.dhcsr |= SE_DHCSR_S_LOCKUP;
    return ENTRY_LOCKUP;
}

/* Take exception `exc` with return address ret_pc. Pushes the basic frame on the stack in
 * use, sets LR to EXC_RETURN, IPSR, and PC from the vector table. */
static entry_result exc_enter(se_machine *m, unsigned exc, uint32_t ret_pc)
{
    char sym[128];
    if (m->nest >= MAX_NEST)
        return lockup(m, "exceptions nested too deeply");
    uint32_t xpsr = reg(m, UC_ARM_REG_XPSR);
    uint32_t control = reg(m, UC_ARM_REG_CONTROL);
    bool handler = m->nest > 0;
    bool use_psp = !handler && (control & 2u);
    uint32_t sp = reg(m, use_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP);
    uint32_t frame = (sp - 32u) & ~7u;
    bool realign = ((sp - 32u) & 4u) != 0;
    uint32_t vals[8] = {
        reg(m, UC_ARM_REG_R0), reg(m, UC_ARM_REG_R1), reg(m, UC_ARM_REG_R2),
        reg(m, UC_ARM_REG_R3), reg(m, UC_ARM_REG_R12), reg(m, UC_ARM_REG_LR),
        ret_pc & ~1u, (xpsr & ~(1u << 9)) | (realign ? 1u << 9 : 0),
    };
    for (unsigned i = 0; i < 8; i++) {
        if (!mem_wr32(m, frame + 4 * i, vals[i])) {
            char why[512];
            snprintf(why, sizeof why,
                     "%s entry could not push its frame: %s=0x%08" PRIx32
                     " (write to 0x%08" PRIx32 " failed)%s",
                     exc_str(exc), use_psp ? "PSP" : "MSP", sp, frame + 4 * i,
                     sp == 0 ? "; the stack pointer is zero" : "");
            if (exc == SE_EXC_HARDFAULT || handler)
                return lockup(m, why);
            chain_add(m, "%s", why);
            set_cause(m, "%s", why);
            m->scs.cfsr |= SE_CFSR_STKERR;
            m->scs.hfsr |= SE_HFSR_FORCED;
            exc = SE_EXC_HARDFAULT;
            frame = sp; /* no frame was pushed */
            break;
        }
    }
    bool secure = m->prof->secure;
    uint32_t exc_return = 0xFFFFFF80u /* PREFIX and RES1 bits */ | (1u << 5) /* DCRS */ | (1u << 4) /* no FP frame */ |
                          (handler ? 0u : (1u << 3)) | (use_psp ? (1u << 2) : 0u) |
                          (secure ? ((1u << 6) | 1u) : 0u);
    /* Switch to the main stack (CONTROL.SPSEL = 0), update the banked SP, enter Handler. */
    if (use_psp) {
        set_reg(m, UC_ARM_REG_PSP, frame);
        set_reg(m, UC_ARM_REG_CONTROL, control & ~2u & ~4u);
    } else {
        set_reg(m, UC_ARM_REG_CONTROL, control & ~4u);
        set_reg(m, UC_ARM_REG_MSP, frame);
    }
    set_reg(m, UC_ARM_REG_XPSR, (xpsr & 0xF80F0000u & ~(0x3u << 25)) | (1u << 24) | exc);
    set_reg(m, UC_ARM_REG_LR, exc_return);

    m->scs.pending[exc] = false;
    m->scs.active[exc] = true;
    m->stack[m->nest++] = exc;
    m->scs.vectactive = exc;
    m->exceptions++;

    uint32_t vaddr = m->scs.vtor + 4u * exc, vec;
    if (m->tz.tzen) { /* TrustZone: the vector read is the loader's state's access */
        se_tz_outcome o;
        if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, vaddr, false, false, &o) != SE_TZ_OK) {
            se_tz_flag(&m->tz.gtzc, &o);
            char why[512];
            snprintf(why, sizeof why, "%s vector read from 0x%08" PRIx32 " (VTOR 0x%08" PRIx32
                     " + 0x%x) refused, the vector table is in memory of the other security "
                     "state: %s",
                     exc_str(exc), vaddr, m->scs.vtor, 4u * exc, o.reason);
            return lockup(m, why);
        }
    }
    if (!mem_rd32(m, vaddr, &vec)) {
        char why[200];
        snprintf(why, sizeof why, "%s vector fetch from 0x%08" PRIx32 " (VTOR 0x%08" PRIx32
                 ") failed: nothing mapped there", exc_str(exc), vaddr, m->scs.vtor);
        return lockup(m, why);
    }
    uint16_t first = 0;
    m->tz_direct = true;
    uc_mem_read(m->uc, vec & ~1u, &first, 2);
    m->tz_direct = false;
    chain_add(m, "%s taken at %s: vector 0x%08" PRIx32 " from VTOR 0x%08" PRIx32 "+0x%x", exc_str(exc),
              fmt_addr(m, ret_pc, sym, sizeof sym), vec, m->scs.vtor, 4u * exc);
    if (vec == 0xFFFFFFFFu || (in_iflash(m, vec) && first == 0xFFFFu)) {
        if (!m->vec_note[0])
            snprintf(m->vec_note, sizeof m->vec_note,
                     "the %s vector 0x%08" PRIx32 " points into erased flash", exc_str(exc), vec);
        set_cause(m, "%s vector (VTOR 0x%08" PRIx32 " + 0x%x) is 0x%08" PRIx32
                  ", which points into erased internal flash: no handler there",
                  exc_str(exc), m->scs.vtor, 4u * exc, vec);
        chain_add(m, "  the %s handler at 0x%08" PRIx32 " is erased flash (0xFFFF)", exc_str(exc),
                  vec & ~1u);
    }
    bool in_sram = vaddr - m->prof->sram.base < m->prof->sram.size ||
                   vaddr - m->prof->sram_alias < m->prof->sram.size;
    bool in_image = vaddr - m->image_base < m->image_end - m->image_base ||
                    vaddr - (m->image_base + 0x10000000u) < m->image_end - m->image_base;
    if (in_sram && m->image_end && !in_image) {
        set_cause(m, "%s vector (VTOR 0x%08" PRIx32 " + 0x%x) is 0x%08" PRIx32
                  ", read from RAM outside the downloaded image 0x%08" PRIx32 "..0x%08" PRIx32
                  ": stale contents (VTOR set from a link-time address?)",
                  exc_str(exc), m->scs.vtor, 4u * exc, vec, m->image_base, m->image_end);
        chain_add(m, "  VTOR 0x%08" PRIx32 " is outside the downloaded image", m->scs.vtor);
    }
    if (!(vec & 1u)) {
        /* ARMv8-M: a vector without the Thumb bit faults (INVSTATE) on the first
         * instruction; the machine sees that as the next fault. */
        chain_add(m, "  vector 0x%08" PRIx32 " has no Thumb bit", vec);
    }
    set_reg(m, UC_ARM_REG_PC, vec & ~1u);
    return ENTRY_OK;
}

/* Return from the innermost exception. exc_return is the magic value branched to. */
static bool exc_return(se_machine *m, uint32_t exc_ret, char *why, size_t whylen)
{
    if (m->nest == 0) {
        snprintf(why, whylen,
                 "branch to 0x%08" PRIx32 " in Thread mode: an EXC_RETURN value used as an "
                 "address (corrupted LR or return address?)",
                 exc_ret);
        return false;
    }
    unsigned exc = m->stack[--m->nest];
    m->scs.active[exc] = false;
    m->scs.vectactive = m->nest ? m->stack[m->nest - 1] : 0;
    bool to_thread = exc_ret & (1u << 3);
    bool to_psp = to_thread && (exc_ret & (1u << 2));
    if (to_thread != (m->nest == 0)) {
        snprintf(why, whylen,
                 "EXC_RETURN 0x%08" PRIx32 " returns to %s mode but %u exception(s) remain active "
                 "(INVPC)",
                 exc_ret, to_thread ? "Thread" : "Handler", m->nest);
        return false;
    }
    uint32_t control = reg(m, UC_ARM_REG_CONTROL);
    uint32_t sp = reg(m, to_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP);
    uint32_t f[8];
    for (unsigned i = 0; i < 8; i++)
        if (!mem_rd32(m, sp + 4 * i, &f[i])) {
            snprintf(why, whylen, "exception return could not pop its frame at 0x%08" PRIx32, sp);
            return false;
        }
    uint32_t new_sp = sp + 32u + ((f[7] & (1u << 9)) ? 4u : 0u);
    set_reg(m, UC_ARM_REG_R0, f[0]);
    set_reg(m, UC_ARM_REG_R1, f[1]);
    set_reg(m, UC_ARM_REG_R2, f[2]);
    set_reg(m, UC_ARM_REG_R3, f[3]);
    set_reg(m, UC_ARM_REG_R12, f[4]);
    set_reg(m, UC_ARM_REG_LR, f[5]);
    /* Order matters: IPSR first (leave Handler mode), then the stack selection. */
    uint32_t ipsr = m->nest ? m->stack[m->nest - 1] : 0;
    set_reg(m, UC_ARM_REG_XPSR, (f[7] & 0xFF0FFC00u & ~0x1FFu) | (1u << 24) | ipsr);
    if (to_psp) {
        set_reg(m, UC_ARM_REG_PSP, new_sp);
        set_reg(m, UC_ARM_REG_CONTROL, control | 2u);
    } else {
        set_reg(m, UC_ARM_REG_CONTROL, to_thread ? control & ~2u : control);
        set_reg(m, UC_ARM_REG_MSP, new_sp);
    }
    set_reg(m, UC_ARM_REG_PC, f[6] & ~1u);
    return true;
}

/* A synchronous fault. Escalates to HardFault when the handler is disabled or cannot
 * preempt; locks up when HardFault itself cannot be taken. */
static entry_result fault_at(se_machine *m, unsigned exc, uint32_t cfsr_bits, uint32_t pc,
                             const char *desc, const char *where)
{
    char sym[128];
    stack_check(m, pc); /* run-time diagnoses: the stack may be the root cause */
    m->scs.cfsr |= cfsr_bits;
    chain_add(m, "%s %s %s", desc, where, fmt_addr(m, pc, sym, sizeof sym));
    set_cause(m, "%s %s %s%s", desc, where, fmt_addr(m, pc, sym, sizeof sym), m->cause_suffix);
    m->cause_suffix[0] = '\0';
    int ep = exec_prio(m, NULL);
    unsigned target = exc;
    if (exc != SE_EXC_HARDFAULT &&
        (!se_scs_is_enabled(&m->scs, exc) || se_scs_group_prio(&m->scs, exc) >= ep)) {
        target = SE_EXC_HARDFAULT;
        m->scs.hfsr |= SE_HFSR_FORCED;
        chain_add(m, "  %s escalated to HardFault (%s)", exc_str(exc),
                  se_scs_is_enabled(&m->scs, exc) ? "priority too low" : "handler not enabled in SHCSR");
    }
    if (target == SE_EXC_HARDFAULT && ep <= -1) {
        char why[512];
        snprintf(why, sizeof why, "fault while in %s (execution priority %d): %s",
                 exc_str(m->nest ? m->stack[m->nest - 1] : 0), ep, desc);
        return lockup(m, why);
    }
    return exc_enter(m, target, pc);
}

static entry_result fault(se_machine *m, unsigned exc, uint32_t cfsr_bits, uint32_t pc,
                          const char *desc)
{
    return fault_at(m, exc, cfsr_bits, pc, desc, "at");
}

/* traps: the fault a trap hook found (STOP_TRAP), raised at its instruction. */
static entry_result trap_fault(se_machine *m)
{
    const se_trap_insn *t = m->trap;
    char desc[320];
    ring_cut(m, t->pc, true); /* --last */
    if (t->kind == SE_TRAP_DIV) {
        snprintf(desc, sizeof desc, "UsageFault DIVBYZERO: %s divides by zero (%s = 0, "
                 "CCR.DIV_0_TRP is set)", t->text, se_trap_reg_name(t->rm));
        return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_DIVBYZERO, t->pc, desc);
    }
    unaligned_desc(t, m->trap_addr, desc, sizeof desc);
    return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNALIGNED, t->pc, desc);
}

/* ---- the call ------------------------------------------------------------------------ */

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *mem_type_str(uc_mem_type t)
{
    switch (t) {
    case UC_MEM_READ_UNMAPPED: case UC_MEM_READ_PROT: return "read";
    case UC_MEM_WRITE_UNMAPPED: case UC_MEM_WRITE_PROT: return "write";
    case UC_MEM_FETCH_UNMAPPED: case UC_MEM_FETCH_PROT: return "instruction fetch";
    default: return "access";
    }
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

/* TrustZone */
/* A fault se_tz_check decided (m->tz_out), raised at the instruction that made it. */
static entry_result tz_fault_enter(se_machine *m)
{
    se_tz_outcome o = m->tz_out;
    m->tz_fault = false;
    tz_hint(m, &o, m->mem_addr, m->cause_suffix, sizeof m->cause_suffix);
    unsigned exc = se_tz_fault_regs(&m->scs, &o);
    if (!exc)
        exc = SE_EXC_HARDFAULT;
    uint32_t a = m->mem_addr;
    if (m->mem_type == UC_MEM_FETCH_PROT)
        return fault(m, exc, 0, a, o.reason);
    uint32_t block = m->mem_pc, exact;
    if (exact_pc(m, block, a, m->mem_type == UC_MEM_WRITE_PROT, &exact)) {
        ring_cut(m, exact, true); /* --last */
        return fault(m, exc, 0, exact, o.reason);
    }
    return fault_at(m, exc, 0, block, o.reason, "in the block at");
}

/* Turn a memory fault into the architectural fault. */
static entry_result mem_fault(se_machine *m)
{
    char desc[320];
    uint32_t a = m->mem_addr;
    bool fetch = m->mem_type == UC_MEM_FETCH_UNMAPPED || m->mem_type == UC_MEM_FETCH_PROT;
    if (m->tz_fault) /* TrustZone: decided by se_tz_check */
        return tz_fault_enter(m);
    if (fetch && m->tz.tzen) { /* a fetch from a carved page: the check says why */
        se_tz_outcome o;
        if (se_tz_check(&m->tz, &m->scs, m->cpu_secure, a, false, true, &o) != SE_TZ_OK) {
            se_tz_flag(&m->tz.gtzc, &o);
            m->tz_out = o;
            m->mem_type = UC_MEM_FETCH_PROT;
            return tz_fault_enter(m);
        }
    }
    bool xn = a >= 0xE0000000u || (a >= 0x40000000u && a < 0x60000000u);
    if (fetch && xn) {
        snprintf(desc, sizeof desc, "MemManage IACCVIOL: instruction fetch from 0x%08" PRIx32 " (%s)",
                 a, region_name(m, a));
        return fault(m, SE_EXC_MEMMANAGE, SE_CFSR_IACCVIOL, a, desc);
    }
    if (fetch) {
        snprintf(desc, sizeof desc, "BusFault IBUSERR: instruction fetch from 0x%08" PRIx32 " (%s)", a,
                 region_name(m, a));
        return fault(m, SE_EXC_BUSFAULT, SE_CFSR_IBUSERR, a, desc);
    }
    /* An access within 64 bytes of SP that leaves RAM is the stack leaving it (a push below
     * the start of SRAM, a frame above its end): said so, with SP. */
    uint32_t sp = reg(m, UC_ARM_REG_SP);
    const se_profile *p = m->prof;
    bool stack = !m->sp_noted && a - (sp - 64u) <= 128u && a - p->sram.base >= p->sram.size &&
                 a - p->sram_alias >= p->sram.size; /* (an SP bad at entry is said already) */
    char sp_note[96] = "";
    if (stack)
        snprintf(sp_note, sizeof sp_note, "; the stack has left RAM (SP 0x%08" PRIx32 ")", sp);
    snprintf(desc, sizeof desc, "BusFault PRECISERR: %u-byte %s of 0x%08" PRIx32 " (%s)%s",
             m->mem_size, mem_type_str(m->mem_type), a, region_name(m, a), sp_note);
    m->scs.bfar = a;
    /* Unicorn 2.0.1 leaves PC at the start of the translated block when a data access
     * faults: find the instruction by decoding the block; if that fails, name the block
     * (and stack its start as the return address). */
    uint32_t block = m->mem_pc, exact;
    bool is_write = m->mem_type == UC_MEM_WRITE_UNMAPPED || m->mem_type == UC_MEM_WRITE_PROT;
    if (exact_pc(m, block, a, is_write, &exact)) {
        ring_cut(m, exact, true); /* --last */
        return fault(m, SE_EXC_BUSFAULT, SE_CFSR_PRECISERR | SE_CFSR_BFARVALID, exact, desc);
    }
    return fault_at(m, SE_EXC_BUSFAULT, SE_CFSR_PRECISERR | SE_CFSR_BFARVALID, block, desc,
                    "in the block at");
}

static entry_result intr_fault(se_machine *m, uint32_t pc, bool *halted, char *why, size_t wl)
{
    char desc[256];
    switch (m->intno) {
    case 2: { /* SVC: return address is the next instruction */
        int ep = exec_prio(m, NULL);
        if (se_scs_group_prio(&m->scs, SE_EXC_SVCALL) < ep)
            return exc_enter(m, SE_EXC_SVCALL, pc);
        return fault(m, SE_EXC_HARDFAULT, 0, pc,
                     "SVC executed where SVCall cannot preempt (escalated to HardFault)");
    }
    case 7:
        *halted = true;
        snprintf(why, wl, "the loader executed a BKPT instruction at 0x%08" PRIx32
                 " (not the host's breakpoint): the core halts there", pc);
        return ENTRY_OK;
    case 4: { /* Unicorn 2.0.1 raises this for an unaligned LDREX/LDREXH (emu/traps.h),
               * which outside the image no trap hook saw first */
        se_trap_insn t;
        const uint8_t *code = host_ptr(m, pc, 4);
        if (code && se_trap_decode(code, 4, pc, &t) && t.kind == SE_TRAP_ALIGN) {
            uint32_t addr = trap_access(m, &t);
            if (addr & (t.align - 1u)) {
                unaligned_desc(&t, addr, desc, sizeof desc);
                return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNALIGNED, pc, desc);
            }
        }
    }
        /* fall through */
    case 3:
        snprintf(desc, sizeof desc, "MemManage %s",
                 m->intno == 3 ? "IACCVIOL: instruction fetch refused (execute-never or no memory)"
                               : "DACCVIOL: data access refused");
        return fault(m, SE_EXC_MEMMANAGE, m->intno == 3 ? SE_CFSR_IACCVIOL : SE_CFSR_DACCVIOL, pc, desc);
    case 17:
        return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_NOCP, pc,
                     "UsageFault NOCP: coprocessor (FPU) instruction with the FPU disabled in CPACR");
    case 18:
        return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_INVSTATE, pc,
                     "UsageFault INVSTATE: execution in ARM state (branch target without the Thumb bit)");
    case 19:
        return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_STKOF, pc,
                     "UsageFault STKOF: stack pointer below its limit register (MSPLIM/PSPLIM)");
    case 22:
        return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNALIGNED, pc, "UsageFault UNALIGNED: unaligned access");
    case 1:
        return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_UNDEFINSTR, pc,
                     "UsageFault UNDEFINSTR: undefined instruction");
    default:
        snprintf(desc, sizeof desc, "UsageFault: CPU exception %u (not modelled in detail)", m->intno);
        return fault(m, SE_EXC_USAGEFAULT, SE_CFSR_INVSTATE, pc, desc);
    }
}

static void finish(se_machine *m, se_call_result *r, se_err st, uint64_t c0, uint64_t skipped0,
                   double t0)
{
    r->status = st;
    r->r0 = reg(m, UC_ARM_REG_R0);
    r->r1 = reg(m, UC_ARM_REG_R1);
    r->pc = reg(m, UC_ARM_REG_PC);
    r->sp = reg(m, UC_ARM_REG_SP);
    r->xpsr = reg(m, UC_ARM_REG_XPSR);
    r->cycles = m->cycles - c0;
    r->instructions = r->cycles - (m->skipped - skipped0);
    r->vtime_ns = se_machine_now_ns(m) - cycles_to_ns(m, c0 < m->cycles_base ? m->cycles_base : c0);
    r->host_seconds = wall_now() - t0;
    r->exceptions = m->exceptions;
    snprintf(r->detail, sizeof r->detail, "%s", m->chain);
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
        if (a < lo) lo = a;
        if (a > hi) hi = a;
    }
    char s1[100], s2[100];
    if (n == 0)
        snprintf(buf, len, "no instructions executed");
    else if (lo == hi)
        snprintf(buf, len, "spinning at %s (0x%08" PRIx32 ")", fmt_addr(m, lo, s1, sizeof s1), lo);
    else
        snprintf(buf, len, "spinning in %s..%s (0x%08" PRIx32 "..0x%08" PRIx32 ")",
                 fmt_addr(m, lo, s1, sizeof s1), fmt_addr(m, hi, s2, sizeof s2), lo, hi);
}

/* One line: what went wrong first, then why the core locked up. */
static void lockup_reason(se_machine *m, se_call_result *r)
{
    if (!strncmp(m->first_cause, "lockup: ", 8))
        snprintf(r->reason, sizeof r->reason, "%.700s%s%.200s", m->first_cause,
                 m->vec_note[0] ? "; " : "", m->vec_note);
    else /* TrustZone: first_cause may be long */
        snprintf(r->reason, sizeof r->reason, "%.600s; then lockup: %.200s%s%.150s", m->first_cause,
                 m->lockup_why, m->vec_note[0] ? "; " : "", m->vec_note);
}

/* A store into a window block read in place (mapped read-only) stopped Unicorn 2.0.1 with
 * the registers as they were at the store and PC at the start of its block. The block goes
 * back on the model and the store runs again, through the model, from its own instruction;
 * the instructions the block hook counted from there on are counted when they run. */
static bool window_replay(se_machine *m, char *why, size_t len)
{
    uint32_t block = m->mem_pc, exact, a = m->mem_addr;
    const icache_slot *slot = &m->icache[(block >> 1) & (ICACHE_SLOTS - 1)];
    se_window_revert_at(m->win, a);
    /* ICI/IT bits set: the store is inside an IT block, where a resume cannot start */
    if ((reg(m, UC_ARM_REG_XPSR) & 0x0600FC00u) || !exact_pc(m, block, a, true, &exact)) {
        snprintf(why, len,
                 "a write to 0x%08" PRIx32 " (memory-mapped flash read in place) could not be "
                 "replayed on the OCTOSPI model from the block at 0x%08" PRIx32
                 ": run again with --exact-window", a, block);
        return false;
    }
    if (slot->addr == block && exact - block < slot->size) {
        uint32_t n = block + slot->size - exact; /* the block's bytes from the store on */
        const uint8_t *rest = host_ptr(m, exact, n);
        if (rest)
            m->cycles -= count_insns_raw(rest, n);
    }
    ring_cut(m, exact, false); /* --last */
    set_reg(m, UC_ARM_REG_PC, exact | 1u);
    return true;
}

void se_machine_call(se_machine *m, const se_call *c, se_call_result *r)
{
    memset(r, 0, sizeof *r);
    double t0 = wall_now();
    uint64_t c0 = m->cycles, sk0 = m->skipped;
    char sym[128];

    /* The host halts the core and writes R0-R12, SP, LR, PC, xPSR, MSP, PSP
     * (docs/protocol.md 2.1 step 5). Exception state is left behind: Thread mode. */
    for (int i = 0; i < 4; i++)
        set_reg(m, UC_ARM_REG_R0 + i, c->args[i]);
    for (int id = UC_ARM_REG_R4; id <= UC_ARM_REG_R12; id++)
        set_reg(m, id, 0);
    set_reg(m, UC_ARM_REG_XPSR, 0x01000000u);
    set_reg(m, UC_ARM_REG_CONTROL, reg(m, UC_ARM_REG_CONTROL) & ~6u);
    set_reg(m, UC_ARM_REG_MSP, c->sp);
    set_reg(m, UC_ARM_REG_PSP, c->sp);
    set_reg(m, UC_ARM_REG_LR, c->bkpt_addr | 1u);
    memset(m->scs.active, 0, sizeof m->scs.active);
    m->nest = 0;
    m->scs.vectactive = 0;
    m->scs.dhcsr &= ~SE_DHCSR_S_LOCKUP;
    if (m->opts.irq_mask == SE_MASK_MASKINTS)
        m->scs.dhcsr |= SE_DHCSR_C_MASKINTS;
    else
        m->scs.dhcsr &= ~SE_DHCSR_C_MASKINTS;
    set_reg(m, UC_ARM_REG_PRIMASK, m->opts.irq_mask == SE_MASK_PRIMASK ? 1u : 0u);
    m->exceptions = 0;
    m->chain[0] = '\0';
    m->chain_len = 0;
    m->first_cause[0] = '\0';
    m->vec_note[0] = '\0';
    m->lockup_why[0] = '\0';
    m->ring_pos = 0;
    /* ---- run-time diagnoses ---- */
    m->sp_tick = SP_CHECK_EVERY;
    m->stack_noted = m->exec_noted = m->trap_noted = m->sp_noted = false;
    m->diag[0] = '\0';
    if (c->sp == 0 || (c->sp - m->prof->sram.base > m->prof->sram.size &&
                       c->sp - m->prof->sram_alias > m->prof->sram.size)) {
        /* As on the target (the field case "MSP is set to zero"): said, then run. */
        const char *what = c->sp == 0 ? "the stack pointer is zero" : "the stack pointer is outside RAM";
        m->sp_noted = true;
        diag_add(m, "%s at entry: MSP 0x%08" PRIx32 " set by the host before %s (running as "
                 "the target would)", what, c->sp, fmt_addr(m, c->entry, sym, sizeof sym));
        mlog(m, SE_LOG_WARN, "%s", m->diag);
    }
    /* ---- end run-time diagnoses ---- */
    if (m->obs.call_begin) /* --trace */
        m->obs.call_begin(m->obs.ctx, c);

    m->budget_at = c->max_instructions ? m->cycles + c->max_instructions : UINT64_MAX;
    m->wall_at = m->cycles + WALL_CHECK_EVERY;
    reschedule_systick(m, m->cycles);

    uint32_t pc = c->entry | 1u;
    uint32_t bkpt_word_now;
    if (!mem_rd32(m, c->bkpt_addr, &bkpt_word_now)) {
        snprintf(r->reason, sizeof r->reason, "breakpoint address 0x%08" PRIx32 " is not mapped",
                 c->bkpt_addr);
        finish(m, r, SE_ERR_USAGE, c0, sk0, t0);
        return;
    }
    /* Something may already be pending (a previous call's SysTick, say). */
    for (unsigned exc; (exc = takeable(m)) != 0;) {
        if (exc_enter(m, exc, pc) == ENTRY_LOCKUP) {
            lockup_reason(m, r);
            finish(m, r, SE_ERR_LOCKUP, c0, sk0, t0);
            return;
        }
        pc = reg(m, UC_ARM_REG_PC);
    }

    for (;;) {
        m->stop = STOP_NONE;
        m->stop_n = 0;
        if (m->tz_dirty) { /* TrustZone: SAU/GTZC changed */
            se_error te;
            if (tz_remap(m, &te) != SE_OK) {
                snprintf(r->reason, sizeof r->reason, "%s", te.msg);
                finish(m, r, SE_ERR_EMU, c0, sk0, t0);
                return;
            }
        }
        se_error we;
        if (se_window_apply(m->win, &we) != SE_OK) { /* blocks to read in place */
            snprintf(r->reason, sizeof r->reason, "%s", we.msg);
            finish(m, r, SE_ERR_EMU, c0, sk0, t0);
            return;
        }
        if (m->traps->dirty) { /* traps: CCR or the image changed */
            se_error te;
            if (traps_sync(m, &te) != SE_OK) {
                snprintf(r->reason, sizeof r->reason, "%s", te.msg);
                finish(m, r, SE_ERR_EMU, c0, sk0, t0);
                return;
            }
        }
        uc_err ue = uc_emu_start(m->uc, pc | 1u, c->bkpt_addr, 0, 0);
        if (m->obs.paused) /* --trace */
            m->obs.paused(m->obs.ctx);
        /* Unicorn 2.0.1 puts PC back to the start of a block the block hook refused only
         * while no code hook is in its list (cpu-exec.c, HOOK_EXISTS(UC_HOOK_CODE)); with
         * --trace's hook or a trap hook, PC stays where a hooked instruction last synced
         * it, in the middle of an earlier block. The block hook stopped before the block
         * ran, so its start is where to resume, hooks or not. */
        if (m->stop == STOP_EVENT || m->stop == STOP_IRQ)
            set_reg(m, UC_ARM_REG_PC, m->stop_block | 1u);
        pc = reg(m, UC_ARM_REG_PC);
        enum stop_kind st = m->stop;
        if (ue != UC_ERR_OK && st == STOP_NONE) {
            /* An error Unicorn raised without calling one of our hooks. */
            if (ue == UC_ERR_INSN_INVALID || ue == UC_ERR_EXCEPTION) {
                m->intr_pc = pc;
                st = STOP_UNDEF;
            } else {
                snprintf(r->reason, sizeof r->reason, "emulator error at %s: %s",
                         fmt_addr(m, pc, sym, sizeof sym), uc_strerror(ue));
                finish(m, r, SE_ERR_EMU, c0, sk0, t0);
                return;
            }
        }
        entry_result er = ENTRY_OK;
        char why[512];
        why[0] = '\0';
        switch (st) {
        case STOP_NONE:
            if (pc == c->bkpt_addr) {
                uint32_t w = 0;
                mem_rd32(m, c->bkpt_addr, &w);
                if (w != BKPT_WORD) {
                    snprintf(r->reason, sizeof r->reason,
                             "the host's breakpoint word at 0x%08" PRIx32 " was overwritten "
                             "(0x%08" PRIx32 ", expected 0x%08x): on the target the return "
                             "would execute that instead of halting",
                             c->bkpt_addr, w, BKPT_WORD);
                    finish(m, r, SE_ERR_BKPT_CLOBBERED, c0, sk0, t0);
                    return;
                }
                if (m->nest) {
                    chain_add(m, "returned to the breakpoint inside %s",
                              exc_str(m->stack[m->nest - 1]));
                    snprintf(r->reason, sizeof r->reason,
                             "reached the breakpoint in Handler mode (%s active): %s",
                             exc_str(m->stack[m->nest - 1]),
                             m->first_cause[0] ? m->first_cause : "a handler returned to it");
                    finish(m, r, SE_ERR_FAULT, c0, sk0, t0);
                    return;
                }
                /* TrustZone: a refusal that did not fault (GTZC read as zero / write
                 * ignored) is the call's first cause; the host reports it if it judges
                 * the call failed from its results. */
                if (m->first_cause[0])
                    snprintf(r->reason, sizeof r->reason, "%s", m->first_cause);
                /* run-time diagnoses: a call that returned despite them */
                if (m->stack_noted || m->exec_noted || m->trap_noted)
                    mlog(m, SE_LOG_WARN, "%s", m->diag);
                finish(m, r, SE_OK, c0, sk0, t0);
                return;
            }
            snprintf(r->reason, sizeof r->reason, "emulation stopped unexpectedly at %s",
                     fmt_addr(m, pc, sym, sizeof sym));
            finish(m, r, SE_ERR_EMU, c0, sk0, t0);
            return;

        case STOP_EVENT: {
            uint64_t now = m->cycles + m->stop_n;
            if (now >= m->budget_at) {
                describe_loop(m, why, sizeof why);
                snprintf(r->reason, sizeof r->reason,
                         "instruction budget of %" PRIu64 " exhausted: %s%s%s", c->max_instructions,
                         why, m->first_cause[0] ? "; earlier: " : "", m->first_cause);
                finish(m, r, SE_ERR_HANG, c0, sk0, t0);
                return;
            }
            if (now >= m->wall_at) {
                if (c->max_seconds > 0 && wall_now() - t0 > c->max_seconds) {
                    describe_loop(m, why, sizeof why);
                    snprintf(r->reason, sizeof r->reason,
                             "wall-clock limit of %.1f s reached after %" PRIu64
                             " instructions: %s%s%s",
                             c->max_seconds, m->cycles - c0, why,
                             m->first_cause[0] ? "; earlier: " : "", m->first_cause);
                    finish(m, r, SE_ERR_HANG, c0, sk0, t0);
                    return;
                }
                m->wall_at = now + WALL_CHECK_EVERY;
                schedule(m);
            }
            if (now >= m->systick_at) {
                se_systick_fire(&m->scs, m->systick_at);
                reschedule_systick(m, now);
            }
            schedule(m);
            break;
        }
        case STOP_IRQ:
            break;
        case STOP_STRICT:
            snprintf(r->reason, sizeof r->reason,
                     "--strict: %s of unmodelled register 0x%08" PRIx32 " near %s",
                     m->strict_write ? "write" : "read", m->strict_addr,
                     fmt_addr(m, pc, sym, sizeof sym));
            finish(m, r, SE_ERR_STRICT, c0, sk0, t0);
            return;
        case STOP_RESET:
            snprintf(r->reason, sizeof r->reason,
                     "the loader requested a system reset (AIRCR.SYSRESETREQ) near %s",
                     fmt_addr(m, pc, sym, sizeof sym));
            finish(m, r, SE_ERR_FAULT, c0, sk0, t0);
            return;
        case STOP_MEMFAULT:
            er = mem_fault(m);
            break;
        case STOP_WINDOW:
            if (!window_replay(m, why, sizeof why)) {
                snprintf(r->reason, sizeof r->reason, "%s", why);
                finish(m, r, SE_ERR_EMU, c0, sk0, t0);
                return;
            }
            break;
        case STOP_TRAP:
            er = trap_fault(m);
            break;
        case STOP_UNDEF:
            m->intno = 1;
            /* fall through */
        case STOP_INTR: {
            uint32_t ipc = (st == STOP_INTR) ? m->intr_pc : m->intr_pc;
            ring_cut(m, ipc, !(st == STOP_INTR && m->intno == 2)); /* --last; SVC: ipc is next */
            if (st == STOP_INTR && m->intno == 8) {
                if (!exc_return(m, ipc | 1u, why, sizeof why)) {
                    char desc[600];
                    snprintf(desc, sizeof desc, "%s", why);
                    if (m->nest == 0 && strstr(why, "Thread mode"))
                        er = fault(m, SE_EXC_MEMMANAGE, SE_CFSR_IACCVIOL, ipc, desc);
                    else
                        er = fault(m, SE_EXC_USAGEFAULT, SE_CFSR_INVPC, ipc, desc);
                }
                break;
            }
            bool halted = false;
            er = intr_fault(m, ipc, &halted, why, sizeof why);
            if (halted) {
                snprintf(r->reason, sizeof r->reason, "%s (%s)", why, fmt_addr(m, ipc, sym, sizeof sym));
                finish(m, r, SE_ERR_FAULT, c0, sk0, t0);
                return;
            }
            break;
        }
        }
        if (er == ENTRY_LOCKUP) {
            lockup_reason(m, r);
            finish(m, r, SE_ERR_LOCKUP, c0, sk0, t0);
            return;
        }
        /* Take pending interrupts (after a return this is tail-chaining). */
        pc = reg(m, UC_ARM_REG_PC);
        unsigned exc;
        while ((exc = takeable(m)) != 0) {
            if (exc_enter(m, exc, pc) == ENTRY_LOCKUP) {
                lockup_reason(m, r);
                finish(m, r, SE_ERR_LOCKUP, c0, sk0, t0);
                return;
            }
            pc = reg(m, UC_ARM_REG_PC);
        }
    }
}

/* ---- debugger access (tools/gdbserver.c) ------------------------------------------------ */

uint32_t se_machine_reg_read(se_machine *m, int uc_reg)
{
    return reg(m, uc_reg);
}

void se_machine_reg_write(se_machine *m, int uc_reg, uint32_t value)
{
    set_reg(m, uc_reg, value);
}

/* ---- snapshots (stldr-emu fuzz) --------------------------------------------------------- */

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
            return se_error_set(err, SE_ERR_EMU, "unicorn: add coverage hook: %s",
                                uc_strerror(ue));
        }
    } else if (!map && m->cov_hook) {
        uc_hook_del(m->uc, m->cov_hook);
        m->cov_hook = 0;
    }
    m->cov = map;
    m->cov_mask = map ? (uint32_t)(size - 1) : 0;
    return SE_OK;
}

struct se_machine_snap {
    struct se_machine m;       /* the machine's own fields (time, SCS, TrustZone, ...) */
    uc_context *ctx;           /* CPU registers */
    uint8_t *sram;
    size_t ndev;
    void **dev;                /* copies of every bus device's state */
    se_mx25 mx25;
};

se_machine_snap *se_machine_snap_take(se_machine *m)
{
    se_machine_snap *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->sram = malloc(m->prof->sram.size);
    s->ndev = se_bus_ndevices(m->bus);
    s->dev = calloc(s->ndev ? s->ndev : 1, sizeof *s->dev);
    if (!s->sram || !s->dev || uc_context_alloc(m->uc, &s->ctx) != UC_ERR_OK) {
        se_machine_snap_free(s);
        return NULL;
    }
    for (size_t i = 0; i < s->ndev; i++) {
        const se_bus_device *d = se_bus_device_at(m->bus, i);
        s->dev[i] = malloc(d->cls->state_size ? d->cls->state_size : 1);
        if (!s->dev[i]) {
            se_machine_snap_free(s);
            return NULL;
        }
        memcpy(s->dev[i], d->state, d->cls->state_size);
    }
    uc_context_save(m->uc, s->ctx);
    memcpy(s->sram, m->sram, m->prof->sram.size);
    memcpy(&s->m, m, sizeof *m);
    if (m->mx25)
        s->mx25 = *m->mx25;
    if (m->flash_img && !se_flash_image_mark(m->flash_img)) {
        se_machine_snap_free(s);
        return NULL;
    }
    return s;
}

/* Everything back as it was at the snapshot; the flash array through its undo log, so the
 * cost follows what changed, not the 64 MiB. */
void se_machine_snap_restore(se_machine *m, const se_machine_snap *s)
{
    const se_profile *p = m->prof;
    se_window_reset(m->win); /* its mapping is not part of the copy below */
    uint32_t lo = m->image_base > p->sram.base ? m->image_base - p->sram.base : 0;
    uint32_t hi = m->image_end > p->sram.base ? m->image_end - p->sram.base : 0;
    if (hi > p->sram.size)
        hi = p->sram.size;
    bool code_changed = hi > lo && memcmp(m->sram + lo, s->sram + lo, hi - lo) != 0;
    memcpy(m->sram, s->sram, p->sram.size);
    if (code_changed)
        uc_ctl_remove_cache(m->uc, p->sram.base + lo, p->sram.base + hi);
    uc_context_restore(m->uc, s->ctx);
    for (size_t i = 0; i < s->ndev; i++) {
        const se_bus_device *d = se_bus_device_at(m->bus, i);
        memcpy(d->state, s->dev[i], d->cls->state_size);
    }
    /* TrustZone: the page table (tz_areas) and the pages carved out on Unicorn are not in
     * the copy; when the case changed what decides them (SAU, GTZC, the loader's security
     * state), they are recomputed at the next call as after any such change */
    bool tz_changed = memcmp(&m->tz, &s->m.tz, sizeof m->tz) != 0 ||
                      m->cpu_secure != s->m.cpu_secure || m->scs.sau_ctrl != s->m.scs.sau_ctrl ||
                      memcmp(m->scs.sau_rbar, s->m.scs.sau_rbar, sizeof m->scs.sau_rbar) != 0 ||
                      memcmp(m->scs.sau_rlar, s->m.scs.sau_rlar, sizeof m->scs.sau_rlar) != 0;
    uint8_t *cov = m->cov; /* set by the fuzzer, not part of the machine's state */
    uint32_t cov_mask = m->cov_mask;
    uc_hook cov_hook = m->cov_hook;
    memcpy(m, &s->m, sizeof *m);
    /* traps: the hooks Unicorn has are m->traps' (not restored); CCR may differ now */
    m->traps->dirty = true;
    if (code_changed)
        m->traps->scan_due = true;
    m->cov = cov;
    m->cov_mask = cov_mask;
    m->cov_hook = cov_hook;
    if (tz_changed)
        m->tz_dirty = true;
    if (m->mx25)
        *m->mx25 = s->mx25;
    if (m->flash_img)
        se_flash_image_rewind(m->flash_img);
}

void se_machine_snap_free(se_machine_snap *s)
{
    if (!s)
        return;
    if (s->ctx)
        uc_context_free(s->ctx);
    for (size_t i = 0; s->dev && i < s->ndev; i++)
        free(s->dev[i]);
    free(s->dev);
    free(s->sram);
    free(s);
}

bool se_machine_device_read(se_machine *m, uint32_t addr, void *buf, size_t len)
{
    const se_profile *p = m->prof;
    if (m->flash_img && addr - p->ext_window.base < p->ext_window.size) {
        se_flash_image_read(m->flash_img, addr - p->ext_window.base, buf, len);
        return true;
    }
    const uint8_t *h = host_ptr(m, addr, (uint32_t)len);
    if (h) {
        memcpy(buf, h, len);
        return true;
    }
    return se_machine_read(m, addr, buf, len, NULL) == SE_OK;
}
