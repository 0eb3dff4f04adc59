/* The machine's insides, shared by the files that make it up (and by nothing else):
 *   machine.c    construction, memory map, host access, time, logging, the board API (soc.h)
 *   run.c        one call: the block hook, stops, the one path that ends a call
 *   exception.c  exception entry and return, fault escalation, lockup
 *   mmio.c       the System Control Space and peripheral bus on the CPU; device services
 *   tzrun.c      TrustZone enforcement: SRAM/flash pages, refusals, the GTZC device
 *   extmem.c     the external memory: window, controller, flash part, DMA's view, --vcd
 *   traphook.c   DIVBYZERO and UNALIGNED checks (emu/traps.h) as bounded code hooks
 *   diag.c       run-time diagnoses (stack, execution outside the image)
 *   cause.c      causes of hangs: a loop proven endless ends the call early
 *   snapshot.c   save and restore, part by part
 *   debug.c      the debugger's stops: faults before entry, watched accesses, stopping
 *                calls, moving PC
 * State that a snapshot restores lives in se_machine.st (machine_state); everything else is
 * either a resource (kept by restores) or scratch of the call in progress (reset by calls). */
#ifndef SE_MACHINE_IMPL_H
#define SE_MACHINE_IMPL_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include "emu/machine.h"
#include "emu/bus.h"
#include "emu/family.h"
#include "emu/scs.h"
#include "emu/soc.h"
#include "emu/traps.h"
#include "emu/tz.h"
#include "emu/window.h"
#include "peripherals/dma.h"
#include "peripherals/flash_image.h"
#include "peripherals/flashbus.h"
#include "peripherals/vcd.h"

#define PPB_BASE 0xE0000000u
#define PPB_SIZE 0x00100000u
#define BKPT_WORD 0x0000BE00u /* BKPT #0, then a zero halfword (docs/protocol.md 2.1) */
#define ICACHE_SLOTS 4096u    /* per-block instruction-count cache */
#define TZ_OK_SLOTS 256u      /* allowed peripheral accesses remembered (tzrun.c) */
#define CODEPG_SLOTS 512u     /* pages holding code (run.c), open addressing */
#define RING 128u             /* recent blocks, for hang and fault reports (--last) */
#define WALL_CHECK_EVERY (1u << 22)
#define MAX_NEST 16u
#define ONCE_SLOTS 1024u
#define SP_CHECK_EVERY 64u /* blocks between two SP checks (diag.c) */
/* Model reads of a 4 MiB window block, in a row, before it is read in place: remapping
 * costs ~0.6 ms (emu/window.c), 16384 model reads ~0.7 ms. */
#define WINDOW_IN_PLACE_AFTER 16384u
#define MAX_AFTER_WRITE 4u /* services run after every peripheral write */

/* Why uc_emu_start returned, when we asked it to. */
enum stop_kind {
    STOP_NONE,
    STOP_EVENT,    /* block hook: a scheduled event (SysTick, budget, wall clock) is due */
    STOP_IRQ,      /* interrupt state changed: re-check pending exceptions */
    STOP_INTR,     /* UC_HOOK_INTR */
    STOP_MEMFAULT, /* unmapped or protected access */
    STOP_UNDEF,    /* invalid instruction */
    STOP_STRICT,   /* unmodelled register in strict mode */
    STOP_RESET,    /* AIRCR.SYSRESETREQ */
    STOP_WINDOW,   /* a write into a window block read in place: replay it on the model */
    STOP_TRAP,     /* a trap hook: DIVBYZERO or UNALIGNED at m->trap */
    STOP_PROBE,    /* cause.c: the probed loop's head, or a probe that ran too long */
};
/* Identical reads of one unmodelled register after which the hang detector (cause.c) watches
 * the loop, whatever the wall-clock check's schedule (docs/modelled.md "Loaders for another
 * chip"): ~0.3 s of host time. */
#define POLL_LIMIT (1u << 20)

typedef struct icache_slot {
    uint32_t addr;
    uint32_t size;
    uint32_t count;
    uint32_t flags; /* SLOT_*: what hook_block_slow found about the block */
} icache_slot;
#define SLOT_OUTSIDE 1u  /* starts outside the downloaded image (exec_check) */
#define SLOT_FETCH_OK 2u /* TrustZone: its fetch was checked and is allowed (until tz_remap) */

/* ---- TrustZone: SRAM and internal flash pages (1 KiB, Unicorn's ARM page) ---- */
#define TZ_PAGE_SHIFT 10u
#define TZ_PAGE (1u << TZ_PAGE_SHIFT)
#define TZ_PG_DATA 1u  /* some data access to the page is refused: carved out as MMIO */
#define TZ_PG_FETCH 2u /* some fetch from the page is refused: checked in the block hook */
struct se_machine;
typedef struct tz_ok_slot tz_ok_slot;
typedef struct tz_run {
    struct se_machine *m;
    uint32_t base; /* first address of the carved run */
    uint8_t *ptr;  /* its bytes */
    bool flash;    /* read-only to the CPU */
} tz_run;
typedef struct tz_area {
    uint32_t base, size, perms;
    uint8_t *ptr;
    uint8_t *flags; /* TZ_PG_* per page */
    uint16_t *run;  /* carved run length in pages, at the run's first page; 0 = none */
    tz_run *ctx;    /* per page: the context of a run starting there */
} tz_area;

/* ---- traps: DIVBYZERO, UNALIGNED (emu/traps.h) ---- */
/* Consecutive instructions of one kind, under one bounded code hook. */
typedef struct trap_run {
    struct se_machine *m;
    const se_trap_insn *first;
    unsigned n;
    uc_hook hook;
    bool on;
} trap_run;
typedef struct trap_state {
    se_trap_insn *insn; /* the image's instructions to check, by address */
    size_t n;
    trap_run *run;
    size_t nrun;
    unsigned nhooked; /* runs whose hook is installed */
    bool scan_due;    /* the image changed: decode it again */
    bool dirty;       /* sync the hooks with CCR before running on */
} trap_state;

/* The external memory (extmem.c): a controller's window and the flash part behind it. */
typedef struct extmem {
    se_extmem desc; /* as the board gave it */
    se_window *win; /* the window as mapped on the CPU */
    se_flash_image *img;
    void *chip;
    se_vcd *vcd; /* --vcd tap: a forwarding port between controller and chip */
    se_flash_chip_ops vcd_ops;
} extmem;

/* The debugger's part (debug.c): none of it is looked at on the paths a run takes unless a
 * debugger set it. */
typedef enum { DBG_NONE, DBG_INSN, DBG_BEGIN } dbg_where;
typedef struct debug_state {
    se_debug_hooks hooks;
    se_watch watch[SE_MAX_WATCHES];
    unsigned nwatch;
    uc_hook hook_rd, hook_wr; /* installed only while some watch needs them */
    atomic_bool stop_calls;   /* se_machine_stop_calls: any thread */
    dbg_where where;          /* which observer callback is running, for se_machine_set_pc */
    bool pc_set;              /* se_machine_set_pc from the insn callback: resume at pc */
    uint32_t pc;
    double halted; /* host seconds the debugger held the call in progress */
} debug_state;

/* The machine as a board file sees it while building (emu/soc.h). */
struct se_soc {
    struct se_machine *m;
};

/* A function run after every peripheral write (DMA service, the window's check). */
typedef struct after_write {
    void (*fn)(void *ctx);
    void *ctx;
} after_write;

/* cause.c: a loop being probed for an end it cannot reach (call scratch). */
#define PROBE_NREGS 20
#define PROBE_READS 64
#define PROBE_ITERS 8u
#define PROBE_CYCLES 200000u /* longer passes are not probed */
typedef struct probe_read {
    uint32_t addr, value;
    unsigned size;
    uint32_t pc;
} probe_read;
#define PROBE_HIST 16u   /* head visits kept */
#define PROBE_MAXP 8u    /* visits of the head per pass of the loop, at most */
#define PROBE_VISITS 96u /* visits before a probe gives up */
typedef struct probe_visit {
    uint32_t regs[PROBE_NREGS];
    uint64_t sram_hash;
    bool hashed; /* sram_hash was taken (cause.c: only when it can matter) */
    unsigned nrd;
    probe_read rd[PROBE_READS]; /* reads since the previous visit */
} probe_visit;
typedef struct probe_state {
    bool on, overflow;
    bool stale; /* the hook was deleted but Unicorn still lists it: retranslate after a run */
    struct probe_tried {
        uint32_t head;   /* a loop head probed before */
        uint32_t probes; /* probes of it that ended without a proof */
        uint32_t asked;  /* probes asked for since */
    } tried[16];
    uc_hook hook;
    uint32_t head;      /* the block the probe started at */
    uint32_t lo, hi;    /* the loop's code */
    uint64_t start, at; /* cycles at the probe's start, at the last visit */
    unsigned exceptions, nest;
    unsigned nvisit;        /* visits so far */
    unsigned period, equal; /* visits per pass; visits equal to the one a period before */
    probe_visit v[PROBE_HIST];
    probe_read rd[PROBE_READS]; /* reads since the last visit */
    unsigned nrd;
} probe_state;

/* Everything a snapshot restores besides the CPU, SRAM, the devices and the flash: what the
 * loader's execution changes and what outlives one call. A field added here is saved and
 * restored with no further code (snapshot.c copies the struct). */
typedef struct machine_state {
    /* time */
    uint64_t cycles;  /* virtual core cycles: executed instructions + skipped waits */
    uint64_t skipped; /* cycles advanced without executing (idle_until) */
    uint64_t hint_ns; /* last idle_until hint, and how often the same loop gave it */
    unsigned hint_hits;
    uint32_t core_hz;
    uint64_t ns_base; /* ns at cycles_base */
    uint64_t cycles_base;
    uint64_t next_event; /* min of the deadlines below */
    uint64_t systick_at;
    uint64_t budget_at;
    uint64_t wall_at;
    /* the core's system registers and exception state */
    se_scs scs;
    unsigned nest;
    unsigned stack[MAX_NEST]; /* active exceptions, innermost last */
    unsigned exceptions;
    /* TrustZone: TZEN, policies, the GTZC registers; the state our checks give the loader */
    se_tz_config tz;
    bool cpu_secure;
    /* reporting */
    unsigned warnings;
    uint32_t once[ONCE_SLOTS];
} machine_state;

struct se_machine {
    /* ---- resources: built once, kept by snapshot restores ---- */
    uc_engine *uc;
    const se_profile *prof;
    const se_family *fam; /* the board's STM32 family (emu/family.h), or NULL */
    se_machine_opts opts;
    uint8_t *sram;
    uint8_t *sram_poweron; /* SRAM at power-on when pseudo-random (ram_fill -1), else NULL */
    uint8_t *iflash;
    uint8_t *more_ram[SE_PROFILE_MAX_RAM]; /* profile->more_ram, NULL past its end */
    se_bus *bus;
    se_symbolize_fn symbolize;
    void *sym_ctx;
    se_srcline_fn srcline; /* --trace / --last */
    void *src_ctx;
    se_insn_observer obs; /* obs.insn set: code_hook installed */
    uc_hook code_hook;
    debug_state dbg; /* tools/gdbserver.c */
    uint8_t *cov;    /* coverage counters (se_machine_set_coverage), NULL = off */
    uint32_t cov_mask;
    uc_hook cov_hook;
    se_periph_host periph_host; /* what devices may call back into */
    struct se_soc soc;          /* the handle board files build with */
    void *board_data;           /* se_soc_board_data */
    void (*on_clock)(void *ctx, uint32_t hz);
    void *on_clock_ctx;
    after_write after[MAX_AFTER_WRITE];
    unsigned nafter;
    se_dma *dma; /* the DMA model, if the SoC has one */
    struct {     /* DMAMUX request lines served by a memory controller */
        unsigned line;
        const se_memctl_ops *ops;
        void *ctl;
    } dmareq[4];
    unsigned ndmareq;
    extmem *ext; /* the external memory, if the board has one */
    bool flash_sync_failed;
    tz_area tz_areas[4]; /* TrustZone page tables of SRAM and internal flash */
    bool tz_fetch_any;   /* some page has TZ_PG_FETCH */
    bool tz_dirty;       /* SAU/GTZC/state changed: recompute pages at the next stop */
    struct tz_ok_slot {
        uint32_t key;     /* 32-byte granule | 16 (never 0) | write << 1 | secure */
        uint32_t gen;     /* valid while equal to tz_gen */
    } tz_ok[TZ_OK_SLOTS]; /* peripheral accesses found allowed (tzrun.c) */
    uint32_t tz_gen;
    trap_state *traps;
    icache_slot icache[ICACHE_SLOTS]; /* a cache: cleared when the code may have changed */
    /* 1 KiB pages that have held translated code (run.c's key + 1; 0 = free): their stores keep
     * Unicorn's self-modifying-code check, every other RAM page's stores take the fast path
     * (ucfix.c part 2). Never cleared; when full, every page counts as code. */
    uint32_t codepg[CODEPG_SLOTS];
    unsigned ncodepg;
    void *uc_cpu;   /* Unicorn's CPU, as ucfix.c saw it fill the TLB */
    bool tlb_stale; /* mc_store_fast's answers changed: flush the TLB before the next run */

    /* Warnings by kind (mc_log): within a call the first of each kind is held and said once
     * at the call's end with its count; a kind said in an earlier call is only counted. */
    struct warn_kind {
        char text[200];   /* the kind: the message without where it happened */
        char first[512];  /* this call's first message of the kind */
        unsigned in_call; /* this call's count */
        uint64_t total;   /* the session's count */
        unsigned calls;   /* calls in which it occurred */
        bool shown;       /* said once already */
    } wk[32];
    unsigned nwk;
    bool wk_in_call;

    /* ---- configuration the host sets for a session ---- */
    uint32_t image_base, image_end;
    uint32_t reserve_lo, reserve_hi; /* the image's own stack reservation: SP in it is fine */
    uint32_t buf_base, buf_end;      /* the host's data buffer */
    uint32_t link_base;              /* where the image was linked (0: unknown), cause.c */
    char first_warn[300];            /* the session's first warning, for the host's reasons */
    struct {
        const char *name;
        uint32_t lo, hi;
    } region[SE_MAX_REGIONS]; /* the image's sections (diag.c) */
    unsigned nregion;

    /* ---- state: saved and restored by snapshots ---- */
    machine_state st;

    /* ---- the call in progress: reset by every call ---- */
    enum stop_kind stop;
    uint32_t stop_n;     /* instructions of the block that was not run */
    uint32_t stop_block; /* --trace: that block's address */
    uint32_t intno;
    uint32_t intr_pc;
    uc_mem_type mem_type;
    uint32_t mem_addr;
    uint32_t mem_pc;
    unsigned mem_size;
    uint32_t strict_addr;
    bool strict_write;
    bool poll_mask;      /* a pending exception waits only for PRIMASK/BASEPRI */
    uint32_t block_want; /* mc_update_block_want: the slot flags of hook_block's fast path */
    char chain[1536];    /* what happened, in order, for the report */
    size_t chain_len;
    char first_cause[704];
    char cause_suffix[300]; /* TrustZone: what to change, after the next fault's location */
    char vec_note[200];
    char lockup_why[512]; /* a vector into erased flash, named in a lockup reason */
    struct {
        uint32_t addr, size;
    } ring[RING]; /* --last: blocks and bytes of them run */
    unsigned ring_pos;
    unsigned sp_tick;    /* blocks until the next SP check */
    bool stack_noted;    /* this call: stack overflow recorded */
    bool exec_noted;     /* this call: execution outside the image recorded */
    bool sp_noted;       /* this call: SP zero or outside RAM at entry, said */
    bool trap_noted;     /* this call: a trap inside an IT block recorded */
    char diag[640];      /* this call's notes, put before the reason by the end of call */
    char call_warn[300]; /* this call's first warning, cited by its reason if it fails */
    uint32_t poll_addr;  /* the unmodelled register read last, from block poll_block */
    uint32_t poll_block;
    uint32_t poll_count; /* identical reads of it in a row (the probe starts at POLL_LIMIT) */
    uint32_t mmio_addr;  /* the peripheral access in progress, for mc_host_pc() */
    bool mmio_write;
    bool tz_direct; /* host/debug access in progress: no TrustZone checks */
    bool host_read; /* se_machine_read in progress: the host's own read, not the loader */
    uint32_t host_read_addr;
    bool direct_failed; /* the window refused that access (extmem.c): an error, no fault */
    bool tz_fault;      /* tz_out waits for mc_mem_fault */
    se_tz_outcome tz_out;
    const se_trap_insn *trap; /* STOP_TRAP: the instruction */
    uint32_t trap_addr;       /* and its access's address */
    uint32_t call_sp;         /* SP at the call's entry */
    probe_state probe;        /* cause.c */
};

/* ---- machine.c ---- */
void mc_log(se_machine *m, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool mc_first_time(se_machine *m, uint32_t key);
const char *mc_fmt_addr(se_machine *m, uint32_t addr, char *buf, size_t len);
void mc_chain_add(se_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mc_set_cause(se_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t mc_reg(se_machine *m, int uc_reg);
void mc_set_reg(se_machine *m, int uc_reg, uint32_t v);
uint64_t mc_cycles_to_ns(const se_machine *m, uint64_t cycles);
const uint8_t *mc_host_ptr(se_machine *m, uint32_t addr, uint32_t len);
bool mc_in_sram(const se_machine *m, uint32_t addr);
bool mc_in_iflash(const se_machine *m, uint32_t addr);
bool mc_in_periph(const se_machine *m, uint32_t addr);
bool mc_mem_rd32(se_machine *m, uint32_t addr, uint32_t *v);
bool mc_mem_wr32(se_machine *m, uint32_t addr, uint32_t v);
se_err mc_uc_fail(se_error *err, uc_err e, const char *what);
void mc_after_write(se_machine *m);

/* ---- run.c ---- */
void mc_schedule(se_machine *m);
void mc_reschedule_systick(se_machine *m, uint64_t now);
uint32_t mc_count_insns_raw(const uint8_t *p, uint32_t size);
uint32_t mc_count_insns(se_machine *m, uint32_t addr, uint32_t size);
void mc_update_block_want(se_machine *m);
void mc_ring_cut(se_machine *m, uint32_t pc, bool inclusive);
se_err mc_add_hooks(se_machine *m, se_error *err);

/* ---- exception.c ---- */
typedef enum { ENTRY_OK, ENTRY_LOCKUP } entry_result;
int mc_exec_prio(se_machine *m, bool *by_mask);
bool mc_masked_by_debug(const se_machine *m, unsigned exc);
unsigned mc_takeable(se_machine *m);
entry_result mc_exc_enter(se_machine *m, unsigned exc, uint32_t ret_pc);
void mc_set_running_secure(se_machine *m, bool secure);
bool mc_exc_return(se_machine *m, uint32_t exc_ret, char *why, size_t whylen);
entry_result mc_fault(se_machine *m, unsigned exc, uint32_t cfsr_bits, uint32_t pc,
                      const char *desc);
entry_result mc_fault_at(se_machine *m, unsigned exc, uint32_t cfsr_bits, uint32_t pc,
                         const char *desc, const char *where);
entry_result mc_mem_fault(se_machine *m);
entry_result mc_intr_fault(se_machine *m, uint32_t pc, bool *halted, char *why, size_t wl);
const char *mc_exc_str(unsigned exc);

/* ---- mmio.c ---- */
se_err mc_map_system(se_machine *m, se_error *err);
void mc_init_periph_host(se_machine *m);
void mc_describe_poll(se_machine *m, char *buf, size_t len);
void mc_name_address(const se_machine *m, uint32_t addr, bool periph, char *buf, size_t len);
bool mc_exact_pc(se_machine *m, uint32_t block, uint32_t addr, bool write, uint32_t *exact);
uint32_t mc_host_pc(void *opaque);

/* ---- tzrun.c ---- */
void mc_tz_apply_profile(se_machine *m, const se_profile *p);
se_err mc_tz_init_pages(se_machine *m, se_error *err);
void mc_tz_free(se_machine *m);
se_err mc_tz_remap(se_machine *m, se_error *err);
bool mc_tz_periph_ok(se_machine *m, uint32_t addr, bool write, unsigned size);
void mc_tz_sau_written(se_machine *m);
bool mc_tz_fetch_refused(se_machine *m, uint32_t addr);
entry_result mc_tz_fault_enter(se_machine *m);
void mc_tz_hint(const se_machine *m, const se_tz_outcome *o, uint32_t addr, char *buf, size_t len);
bool mc_tz_window_ok(se_machine *m, uint32_t addr, uint32_t len);
/* A DMA master's access as the GTZC judges it. */
typedef enum { DMA_GO, DMA_RAZWI, DMA_BUSERR } dma_verdict;
dma_verdict mc_tz_dma(se_machine *m, uint32_t addr, bool write, bool secure);
bool mc_tz_dma_range_ok(se_machine *m, uint32_t addr, uint32_t len, bool write, bool secure);
void mc_tz_pend_gtzc_irq(se_machine *m);

/* ---- extmem.c ---- */
se_err mc_extmem_add(se_machine *m, const se_extmem *x, se_error *err);
void mc_extmem_free(se_machine *m);
/* The host's view of [addr, addr+len) of the window as the array, when a memory-mapped
 * read of it returns the array unchanged now (NULL otherwise). */
const uint8_t *mc_extmem_direct(se_machine *m, uint32_t addr, size_t len);
bool mc_window_replay(se_machine *m, char *why, size_t len);

/* ---- traphook.c ---- */
se_err mc_traps_sync(se_machine *m, se_error *err);
void mc_traps_changed(se_machine *m);
void mc_traps_free(se_machine *m);
entry_result mc_trap_fault(se_machine *m);
bool mc_trap_unaligned(se_machine *m, uint32_t pc, char *desc, size_t len);

/* ---- debug.c ---- */
void mc_debug_fault(se_machine *m, unsigned exc, uint32_t pc, const char *desc, const char *where);
bool mc_debug_stopping(se_machine *m);

/* ---- cause.c ---- */
void mc_probe_start(se_machine *m, uint32_t head);
bool mc_probe_block(se_machine *m, uint32_t address);
bool mc_probe_check(se_machine *m, char *why, size_t len);
void mc_probe_after_run(se_machine *m);
void mc_probe_stop(se_machine *m);
void mc_probe_mmio(se_machine *m, uint32_t addr, uint32_t value, unsigned size, uint32_t pc);
void mc_probe_free(se_machine *m);
bool mc_bss_cause(se_machine *m, char *buf, size_t len);

/* ---- diag.c ---- */
void mc_diag_add(se_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool mc_store_fast(void *m, uint32_t page_addr); /* run.c, for ucfix.c */
bool mc_in_range_or_alias(const se_machine *m, uint32_t addr, uint32_t base, uint32_t end);
void mc_stack_check(se_machine *m, uint32_t pc);
void mc_exec_check(se_machine *m, uint32_t addr);

#endif
