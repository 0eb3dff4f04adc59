/* The emulated microcontroller: a Unicorn Cortex-M33 with the memory map of a target
 * profile (SRAM and its secure alias, internal flash, peripheral bus, System Control
 * Space), exception entry and return done here (Unicorn does neither), SysTick driven by
 * a virtual clock counted from executed instructions, HardFault escalation and lockup.
 * One call = run from an entry point until the host's breakpoint word is reached.
 * Not here: ELF parsing and the host protocol (loader/), device behaviour (peripherals/). */
#ifndef SE_MACHINE_H
#define SE_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/flashcmd.h"
#include "base/log.h"
#include "emu/profile.h"

/* How the host keeps interrupts away from the loader (docs/protocol.md 2.6 and 7, question
 * 1): CubeProgrammer does it with DHCSR.C_MASKINTS or with PRIMASK; which one is not known.
 * Default SE_MASK_MASKINTS, because ST's GCC template writes DHCSR to undo exactly that. */
typedef enum se_irq_mask {
    SE_MASK_MASKINTS,
    SE_MASK_PRIMASK,
    SE_MASK_NONE,
} se_irq_mask;

typedef void (*se_log_fn)(void *ctx, int level, const char *msg);
/* Format addr as "symbol+offset" into buf; return buf. */
typedef const char *(*se_symbolize_fn)(void *ctx, uint32_t addr, char *buf, size_t len);

/* ---- --trace / --last (emu/trace.h) ---- */
/* Format the source line of addr ("file.c:120") into buf; false when unknown. */
typedef bool (*se_srcline_fn)(void *ctx, uint32_t addr, char *buf, size_t len);

#define SE_LAST_DEFAULT 64u /* instructions kept for failure reports */
#define SE_LAST_MAX 128u

/* One executed instruction, as a failure report shows it. */
typedef struct se_insn_info {
    uint32_t pc;
    char sym[40];  /* "Init+0x10", or the address */
    char src[32];  /* "init_fault.c:20", or "" */
    char text[48]; /* Capstone disassembly, "ldr r3, [r3]" */
} se_insn_info;
/* ---- end --trace / --last ---- */

typedef struct se_machine_opts {
    se_irq_mask irq_mask;
    int ram_fill;               /* power-on SRAM contents: byte value, or -1 = pseudo-random */
    uint32_t seed;              /* for ram_fill = -1 */
    const char *internal_flash; /* image loaded at the internal flash base; NULL = erased */
    bool strict;                /* unmodelled register accesses stop the call */
    bool no_idle_skip;          /* run polling loops instruction by instruction */
    bool no_dma_span;           /* DMA moves item by item (no whole-span copies or streams) */
    const char *flash_image;    /* external flash contents file (durable); NULL = memory */
    bool log_flash;             /* one log line per flash command */
    /* with log_flash: each command as data instead of its log line (NULL: the line) */
    se_flash_cmd_fn flash_cmd;
    void *flash_cmd_ctx;
    /* Keep every external-memory window access on the OCTOSPI model. Default: while memory-
     * mapped reads return the array unchanged, the CPU reads it in place (emu/window.h);
     * also off with --log-flash and --vcd, which need each bus frame. */
    bool exact_window;
    uint32_t window_after; /* model reads of a block before it goes in place; 0 = default */
    /* --vcd: the flash bus as a waveform (peripherals/vcd.h); NULL = none */
    const char *vcd_path;
    uint64_t vcd_limit; /* frames recorded; 0 = SE_VCD_DEFAULT_LIMIT, UINT64_MAX = all */
    /* --last: instructions reported with a failed call (default SE_LAST_DEFAULT, at most
     * SE_LAST_MAX, 0 = none) */
    unsigned last_insns;
    se_log_fn log;
    void *log_ctx;
} se_machine_opts;

void se_machine_opts_default(se_machine_opts *o);
/* Every shortcut off (--exact): idle skip, window in place, DMA spans (a new shortcut gets
 * its switch here too).
 * tests/test_exact.c runs every test loader both ways and compares what they do. */
void se_machine_opts_exact(se_machine_opts *o);

typedef struct se_machine se_machine;

se_err se_machine_new(const se_profile *p, const se_machine_opts *o, se_machine **out,
                      se_error *err);
void se_machine_free(se_machine *m);

const se_profile *se_machine_profile(const se_machine *m);
void se_machine_set_symbolizer(se_machine *m, se_symbolize_fn fn, void *ctx);

/* Debug-port style access by the host (no CPU involved; MMIO regions see the access). */
se_err se_machine_write(se_machine *m, uint32_t addr, const void *buf, size_t len, se_error *err);
se_err se_machine_read(se_machine *m, uint32_t addr, void *buf, size_t len, se_error *err);
/* addr is in the external memory's window and the controller does not answer there now:
 * true, with why in buf ("OCTOSPI1 in indirect-write mode (CR.FMODE=00), not
 * memory-mapped"). */
bool se_machine_window_off(se_machine *m, uint32_t addr, char *buf, size_t len);
/* The flash part ignored frames since since_ns because it is still in a mode it entered
 * before (se_flash_chip_class.mode_cause): true, with the mode and how it was entered in
 * mode, the frames it ignored in frames (len bytes each). *entered_ns: when
 * it entered its current mode (0: power-on or no such part). */
bool se_machine_chip_mode_cause(se_machine *m, uint64_t since_ns, char *mode, char *frames,
                                size_t len, uint64_t *entered_ns);
/* The flash part returned other bytes than its array holds to a read at or after since_ns,
 * for a reason of the frame (se_flash_chip_class.read_cause): true, with it in buf. */
bool se_machine_chip_read_cause(se_machine *m, uint64_t since_ns, char *buf, size_t len);
/* Host pointer to SRAM (size profile->sram.size), for tests and snapshots. */
uint8_t *se_machine_sram(se_machine *m);

/* Virtual time. Cycles are the master clock (one instruction = one cycle); nanoseconds
 * follow the core clock in force, which the clock model sets. */
uint64_t se_machine_cycles(const se_machine *m);
/* Instructions executed so far (cycles minus waiting skipped by idle_until hints). */
uint64_t se_machine_instructions(const se_machine *m);
uint64_t se_machine_now_ns(const se_machine *m);
uint32_t se_machine_core_hz(const se_machine *m);
/* Virtual nanoseconds between SysTick interrupts as SysTick is programmed now; 0 when it
 * raises none. */
uint64_t se_machine_tick_period_ns(const se_machine *m);
void se_machine_set_core_hz(se_machine *m, uint32_t hz);

/* The downloaded image's address range [base, end), for diagnoses (a vector read from RAM
 * outside it is stale). */
void se_machine_set_image(se_machine *m, uint32_t base, uint32_t end);
/* The image's own stack reservation [lo, hi) inside it (ST's CubeIDE/GCC template's
 * ._user_heap_stack): an SP there is the stack it was linked for, not an overflow into the
 * image. lo == hi: none. */
void se_machine_set_stack_reserve(se_machine *m, uint32_t lo, uint32_t hi);
/* ---- run-time diagnoses ---- */
/* The image's sections where they run (name, [lo, hi)), to name the one a stack overflowed
 * into; name must outlive the machine's use of it. At most SE_MAX_REGIONS are kept. */
#define SE_MAX_REGIONS 16
/* Where the image was linked, when the host loads it elsewhere (a pointer from the link range
 * named as such). */
void se_machine_set_link_base(se_machine *m, uint32_t link_base);
void se_machine_add_region(se_machine *m, const char *name, uint32_t lo, uint32_t hi);
/* The host's data buffer [base, end), for diagnoses (the stack growing into it). */
void se_machine_set_buffer(se_machine *m, uint32_t base, uint32_t end);
/* ---- end run-time diagnoses ---- */

/* The external flash part's figures, whatever the part: frames (commands) it received,
 * warnings, and the count of each kind of warning by a stable name (a JSON key), in the
 * part's fixed order. present = false when the target has no external flash. */
#define SE_FLASH_KINDS_MAX 32
typedef struct se_flash_stats {
    bool present;
    const char *part; /* "MX25LM51245G" */
    uint64_t frames, warnings;
    unsigned nkinds;
    struct {
        const char *kind;
        uint64_t count;
    } kinds[SE_FLASH_KINDS_MAX];
} se_flash_stats;
void se_machine_flash_stats(const se_machine *m, se_flash_stats *out);
/* The external flash chip's program/erase busy times (virtual time, as its model holds them);
 * false when the machine has no external flash. */
typedef struct se_flash_busy {
    uint64_t page_ns;
    uint32_t page;
    uint64_t erase_4k_ns, erase_64k_ns, chip_ns;
} se_flash_busy;
bool se_machine_flash_busy(const se_machine *m, se_flash_busy *out);
/* The count of one kind (0 when the part has no such kind). */
uint64_t se_flash_stats_count(const se_flash_stats *s, const char *kind);
/* Write the external flash's changed bytes durably (also done at the end of every call). */
se_err se_machine_sync_flash(se_machine *m, se_error *err);
/* The --flash-image file could only be opened for reading (peripherals/flash_image.h):
 * true, with "flash image PATH is read-only (REASON)" in why. */
bool se_machine_flash_read_only(const se_machine *m, char *why, size_t len);

/* The first warning reported ("" when none), which a later failure's reason may cite. */
const char *se_machine_first_warning(const se_machine *m);
/* Warnings reported so far (unmodelled registers, ignored writes, ...). */
unsigned se_machine_warnings(const se_machine *m);
/* The kinds of the session's warnings (the message without where it happened), i from 0:
 * false past the last. *count: how many, *calls: in how many calls (0: outside calls). */
bool se_machine_warning_kind(const se_machine *m, unsigned i, const char **text, uint64_t *count,
                             unsigned *calls);
/* The end of a call: each warning kind of the call said once, with its count (run.c calls it;
 * exposed for callers that run the core themselves). */
void se_machine_flush_warnings(se_machine *m);

typedef struct se_call {
    uint32_t entry;            /* function address (Thumb bit optional) */
    uint32_t args[4];          /* R0-R3 */
    uint32_t sp;               /* MSP (and SP) at entry */
    uint32_t bkpt_addr;        /* the host's BKPT word; LR = bkpt_addr | 1 */
    uint64_t max_instructions; /* 0 = no budget */
    double max_seconds;        /* host wall-clock limit; 0 = none */
    uint32_t bkpt_word;        /* the word the host wrote there; 0 = 0x0000BE00 (.stldr) */
    bool set_r9;               /* R9 = r9 (a CMSIS flash algorithm's static base), else 0 */
    uint32_t r9;
} se_call;

typedef struct se_call_result {
    se_err status; /* SE_OK when the call returned to the breakpoint */
    uint32_t r0, r1;
    uint32_t pc, sp, xpsr; /* where the core stopped */
    uint64_t instructions;
    uint64_t cycles;   /* virtual cycles: instructions plus skipped waiting */
    uint64_t vtime_ns; /* device time the call took */
    double host_seconds;
    unsigned exceptions; /* exceptions taken during the call */
    char reason[1024];   /* one line: why it did not succeed; for a call that returned,
                                   a refusal that did not fault (TrustZone), else "" */
    char detail[2048];   /* further lines (exception chain, registers) */
    /* --last: the instructions executed last, oldest first (failed calls only) */
    unsigned nlast;
    se_insn_info last[SE_LAST_MAX];
} se_call_result;

/* Run one call. Never returns before the breakpoint is reached, a fault the loader does
 * not handle, lockup, or a limit; never crashes on anything the guest does. */
void se_machine_call(se_machine *m, const se_call *c, se_call_result *r);

/* ---- --trace / --last: what emu/trace.c needs from the machine ---- */
void se_machine_set_srcline(se_machine *m, se_srcline_fn fn, void *ctx);
/* "symbol+offset" (or the address) and "file:line" (false when unknown) of addr. */
const char *se_machine_symbolize(se_machine *m, uint32_t addr, char *buf, size_t len);
bool se_machine_srcline(se_machine *m, uint32_t addr, char *buf, size_t len);
/* Host pointer to len bytes of code at addr (SRAM or internal flash), or NULL. */
const uint8_t *se_machine_code_ptr(se_machine *m, uint32_t addr, uint32_t len);
/* The basic blocks this call ran, oldest first, up to max (the machine keeps the last
 * SE_LAST_MAX): start address and bytes executed (a block cut short by a fault ends with
 * the faulting instruction). Returns how many. */
unsigned se_machine_recent_blocks(const se_machine *m, uint32_t *addr, uint32_t *size,
                                  unsigned max);
/* R0-R12, SP, LR, xPSR, in that order. */
#define SE_CORE_NREGS 16
void se_machine_core_regs(se_machine *m, uint32_t regs[SE_CORE_NREGS]);

/* An instruction observer. Installing one adds a per-instruction Unicorn hook (about 8x
 * slower), so it exists only while tracing; it only observes (never stops or moves PC).
 * insn: before each instruction runs. paused: emulation stopped (an exception, a timer
 * event, the end of the call), so the last instruction has completed. */
typedef struct se_insn_observer {
    void (*call_begin)(void *ctx, const se_call *c);
    void (*insn)(void *ctx, uint32_t pc, uint32_t size);
    void (*paused)(void *ctx);
    void (*call_end)(void *ctx, const se_call_result *r);
    void *ctx;
} se_insn_observer;
/* NULL removes the observer (and the hook). */
se_err se_machine_set_observer(se_machine *m, const se_insn_observer *o, se_error *err);
/* ---- end --trace / --last ---- */

/* The core's registers by name, for the debugger, e.g. from an observer's insn callback.
 * Writing PC there is not supported by Unicorn 2.0.1. */
typedef enum se_cpu_reg {
    SE_REG_R0,
    SE_REG_R1,
    SE_REG_R2,
    SE_REG_R3,
    SE_REG_R4,
    SE_REG_R5,
    SE_REG_R6,
    SE_REG_R7,
    SE_REG_R8,
    SE_REG_R9,
    SE_REG_R10,
    SE_REG_R11,
    SE_REG_R12,
    SE_REG_SP,
    SE_REG_LR,
    SE_REG_PC,
    SE_REG_XPSR,
    SE_REG_MSP,
    SE_REG_PSP,
    SE_REG_CONTROL,
    SE_REG_PRIMASK,
    SE_REG_BASEPRI,
    SE_REG_FAULTMASK,
    SE_REG__COUNT
} se_cpu_reg;
uint32_t se_machine_reg_read(se_machine *m, se_cpu_reg r);
void se_machine_reg_write(se_machine *m, se_cpu_reg r, uint32_t value);

/* ---- the debugger (tools/gdbserver.c; emu/debug.c) ---- */
/* A synchronous fault, told before exception entry: the core is as at the faulting
 * instruction (its fault status registers set), except PC, which is `pc`. */
typedef struct se_fault_stop {
    uint32_t pc;        /* the faulting instruction (a fetch: the address fetched) */
    unsigned exc;       /* what it raises before any escalation: 3 HardFault, 4 MemManage,
                           5 BusFault, 6 UsageFault, 7 SecureFault */
    const char *reason; /* as the call's reason has it: "BusFault PRECISERR: ... at Init+0x10" */
} se_fault_stop;
/* A watched CPU access, told before it is done (a write has not changed memory yet). */
typedef struct se_watch_hit {
    uint32_t pc; /* the accessing instruction while an observer is installed (its code hook
                    syncs PC); else the start of its block (docs/unicorn.md 4) */
    uint32_t addr;
    unsigned size;
    bool write;
    uint32_t value; /* a write's value */
} se_watch_hit;
typedef struct se_debug_hooks {
    /* Returning lets the core take the exception, as it would. */
    void (*fault)(void *ctx, const se_fault_stop *f);
    void (*watch)(void *ctx, const se_watch_hit *w);
    void *ctx;
} se_debug_hooks;
/* NULL removes them. Nothing is hooked for them: they cost nothing. */
void se_machine_set_debug_hooks(se_machine *m, const se_debug_hooks *h);

/* CPU accesses to watch: [addr, addr+len) for reads, writes or both. n = 0 removes them.
 * Memory hooks exist only while some watch is set, bounded to the watched addresses, so a
 * machine without watches runs exactly as before; a change takes effect at the next access,
 * also when made from inside a hook (Unicorn checks memory hooks at each access). */
typedef struct se_watch {
    uint32_t addr, len;
    bool read, write;
} se_watch;
#define SE_MAX_WATCHES 16
se_err se_machine_set_watches(se_machine *m, const se_watch *w, unsigned n, se_error *err);

/* From any thread or callback: while on, the call in progress and every call after it end
 * at once (at the next instruction boundary the machine sees) with SE_ERR_STOPPED. */
void se_machine_stop_calls(se_machine *m, bool on);

/* Move PC, as a debugger writing it. From an observer's insn callback: that instruction
 * does not run, execution goes on at pc (inside an IT block Unicorn 2.0.1 may run to the
 * block's end first, docs/unicorn.md 5); from call_begin: the call starts at pc. False
 * anywhere else (a fault or watch stop, no call), and PC is unchanged. */
bool se_machine_set_pc(se_machine *m, uint32_t pc);

/* Host seconds a debugger kept the call in progress halted: counted neither against
 * se_call.max_seconds nor in se_call_result.host_seconds. */
void se_machine_add_halted_time(se_machine *m, double seconds);

/* --log-flash from now on: one log line per external flash command (no effect without an
 * external flash). Each frame reaches the part only with opts.exact_window. */
void se_machine_set_log_flash(se_machine *m, bool on);
/* ---- end the debugger ---- */

/* Snapshots of the whole machine (CPU, RAM, every device, the flash array by undo log). A
 * snapshot belongs to the machine it was taken from; restore it any number of times. */
typedef struct se_machine_snap se_machine_snap;
se_machine_snap *se_machine_snap_take(se_machine *m);
void se_machine_snap_restore(se_machine *m, const se_machine_snap *s);
void se_machine_snap_free(se_machine_snap *s);
/* Block coverage for coverage-guided fuzzing: while map is set (size a power of two), every
 * basic block the loader enters adds one to map[(address >> 1) & (size - 1)] (8-bit
 * counters that wrap, as libFuzzer's; a block a due event interrupts counts again when it
 * runs). NULL turns it off, and then it costs nothing. The map stays set across snapshot
 * restores. */
se_err se_machine_set_coverage(se_machine *m, uint8_t *map, size_t size, se_error *err);
/* The device's bytes as they are (the flash array or RAM), with no bus side effects: the
 * fuzzer's ground truth. */
bool se_machine_device_read(se_machine *m, uint32_t addr, void *buf, size_t len);

#endif
