/* What a session prints besides its own lines, for run, trace and the CubeProgrammer syntax:
 * the call log (text, with runs of successful chunk calls folded into one line, or JSON
 * lines), the JUnit report (--junit), the progress line (--progress) and the flash command
 * events (--log-flash --json). */
#ifndef SE_TOOLS_REPORT_H
#define SE_TOOLS_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/flashcmd.h"
#include "loader/host.h"
#include "tools/cli.h"

typedef enum se_progress_mode {
    SE_PROGRESS_AUTO,   /* on a terminal (standard error), not with --quiet or --json */
    SE_PROGRESS_ALWAYS, /* every update, wherever standard error goes (JSON: events) */
    SE_PROGRESS_NEVER,
} se_progress_mode;

typedef enum se_progress_style {
    SE_PROGRESS_LINE, /* "write  45%  14.2/32.0 MiB  3.1 MB/s  ETA 6 s  device 2.431 s" */
    SE_PROGRESS_BAR,  /* CubeProgrammer's 50-character bar, on standard output */
} se_progress_style;

typedef struct report report;

/* c: where and how the log goes; junit: a path or NULL. */
report *report_new(cli *c, const char *junit, se_progress_mode pm, se_progress_style style);
void report_free(report *r);
/* The host whose calls and progress are reported (its logger and progress are set). */
void report_attach(report *r, se_host *h);
/* Also every call line into tee (the CubeProgrammer -log file), and at verbosity >= 3
 * (calls_on) onto c->out; calls_on = false: calls reach only the tee and the JUnit report. */
void report_set_tee(report *r, FILE *tee, bool calls_on);
/* se_host_call_fn: one loader call. */
void report_on_call(void *ctx, const se_call_record *rec);
/* Print the folded run of calls now (before a line of the caller's own). */
void report_flush(report *r);
/* se_flash_cmd_fn for --log-flash --json: one "flash" event. */
void report_on_flash_cmd(void *ctx, const se_flash_cmd *cmd);

/* A progress scope over total bytes (label: "write", "read", ...); the host's chunk updates
 * inside it count from base, which report_progress_base moves (one segment after another). */
void report_progress_begin(report *r, const char *label, uint64_t total);
void report_progress_base(report *r, uint64_t base);
void report_progress_end(report *r);
/* Whether a progress line or bar was drawn in the last scope (CubeProgrammer's bar is then
 * complete already). */
bool report_progress_drawn(const report *r);

/* The JUnit report: a test case per call so far and one for the session's outcome (e,
 * msg), written durably to the path given to report_new. suite names the loader. */
se_err report_write_junit(report *r, const char *suite, se_err e, const char *msg, se_error *err);

#endif
