/* Instruction-level visibility into a call.
 *  - The last instructions before a failure (--last): always on and free while running.
 *    The machine records the start and length of each basic block it runs (it already
 *    counts instructions per block); only when a call fails are the last blocks decoded
 *    with Capstone and the last N instructions taken from them.
 *  - The full trace (--trace): a per-instruction observer, installed only when asked for,
 *    printing each instruction with symbol+offset, file:line, disassembly and the
 *    registers it changed, as text or JSON lines, optionally filtered by address range,
 *    function and call. */
#ifndef SE_TRACE_H
#define SE_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "emu/machine.h"

/* The last n (<= SE_LAST_MAX) instructions the current call executed, oldest first, into
 * out. Returns how many there were. */
unsigned se_last_insns(se_machine *m, unsigned n, se_insn_info *out);

/* "0x20000014  Init+0x10  init_fault.c:20  ldr r3, [r3]" (columns padded) into buf. */
void se_insn_format(const se_insn_info *i, char *buf, size_t len);

typedef struct se_trace_opts {
    FILE *out;
    bool json; /* JSON lines instead of text */
    /* Filters (all that are set must hold). Addresses are where the code runs. */
    bool has_range; /* --trace-range: lo <= pc < hi */
    uint32_t range_lo, range_hi;
    bool has_func; /* --trace-func: inside the function [func_lo, func_hi) */
    uint32_t func_lo, func_hi;
    bool has_call;       /* --trace-call: only during calls of this entry point */
    uint32_t call_entry; /* Thumb bit ignored */
} se_trace_opts;

typedef struct se_tracer se_tracer;

/* Install the observer on m (until se_tracer_stop). */
se_err se_tracer_start(se_machine *m, const se_trace_opts *o, se_tracer **out, se_error *err);
/* Remove it and free. Safe with NULL. */
void se_tracer_stop(se_tracer *t);
/* Instructions printed so far. */
uint64_t se_tracer_lines(const se_tracer *t);

#endif
