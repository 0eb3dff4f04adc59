#include "tools/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/parse.h"

#define ALL_RUN (CMD_RUN | CMD_TRACE)
#define TARGETED (CMD_INFO | CMD_LINT | CMD_RUN | CMD_TRACE | CMD_GDB | CMD_FUZZ)

const se_opt se_options[] = {
    /* the target */
    {"target", "T", OPT_TARGET, TARGETED, "built-in target (stm32l562e-dk)"},
    {"tz", "on|off|secure", OPT_TZ, TARGETED,
     "TrustZone: off (TZEN=0), on (ST's template partition, loader Non-secure), secure"},
    {"profile", "FILE", OPT_PROFILE, TARGETED & ~CMD_FUZZ,
     "the target from a profile file (key=value lines; docs/trustzone.md)"},
    /* output */
    {"json", NULL, OPT_JSON, CMD_INFO | CMD_LINT | ALL_RUN, "JSON (one object, or JSON lines)"},
    {"quiet", NULL, OPT_QUIET, ALL_RUN, "only failed calls and the summary"},
    {"verbose", NULL, OPT_VERBOSE, ALL_RUN, "also the notes of the machine and the host"},
    {"strict", NULL, OPT_STRICT, CMD_INFO | ALL_RUN,
     "warnings are errors: an unmodelled register stops the call"},
    {"place", "profile|link", OPT_PLACE, CMD_INFO | ALL_RUN,
     "download at the profile's load base (the host's) or at the link address"},
    /* operations */
    {"erase", "START:END", OPT_ERASE, ALL_RUN, "SectorErase over [START, END)"},
    {"mass-erase", NULL, OPT_MASS, ALL_RUN, "MassErase"},
    {"write", "FILE@ADDR", OPT_WRITE, ALL_RUN,
     "erase what FILE covers, then Write it at ADDR (repeatable, up to 16)"},
    {"no-erase", NULL, OPT_NOERASE, ALL_RUN, "--write without the erase before it"},
    {"read", "ADDR:LEN[@FILE]", OPT_READ, ALL_RUN,
     "read LEN bytes back (hex dump, or into FILE; - is standard output)"},
    {"verify", NULL, OPT_VERIFY, ALL_RUN, "after each --write: read back, Verify, CheckSum"},
    {"init-only", NULL, OPT_INITONLY, ALL_RUN, "only Init"},
    {"replay", "FILE", OPT_REPLAY, ALL_RUN, "the calls of a fuzz reproducer"},
    /* the host */
    {"chunk", "N", OPT_CHUNK, ALL_RUN, "bytes per Write/Read call (default: the buffer)"},
    {"buffer", "ADDR", OPT_BUFFER, ALL_RUN, "the host's data buffer"},
    {"sp", "ADDR", OPT_SP, ALL_RUN, "the stack pointer the host sets (0 too)"},
    {"budget", "N", OPT_BUDGET, ALL_RUN | CMD_FUZZ | CMD_GDB,
     "instructions per call before it counts as hung (2e9; fuzz: 5e6)"},
    {"timeout", "SECONDS", OPT_TIMEOUT, ALL_RUN | CMD_GDB,
     "host time per call before it counts as hung (60; gdb: time halted not counted)"},
    {"irq-mask", "maskints|primask|none", OPT_IRQ, ALL_RUN,
     "how the host keeps interrupts away (default maskints)"},
    /* the machine */
    {"internal-flash", "FILE", OPT_IFLASH, ALL_RUN, "the internal flash's contents"},
    {"ram-fill", "BYTE|random", OPT_FILL, ALL_RUN, "SRAM at power-on (default 0xA5)"},
    {"flash-image", "FILE", OPT_FIMG, ALL_RUN | CMD_GDB,
     "the external flash's contents, kept durably across runs"},
    {"no-idle-skip", NULL, OPT_NOSKIP, ALL_RUN, "run polling loops instruction by instruction"},
    {"exact-window", NULL, OPT_EXACTWIN, ALL_RUN,
     "every memory-mapped flash access through the controller model"},
    {"log-flash", NULL, OPT_LOGFLASH, ALL_RUN | CMD_GDB,
     "one line per flash command (gdb: on its console)"},
    {"vcd", "FILE", OPT_VCD, ALL_RUN, "the flash bus as a waveform (VCD)"},
    {"vcd-limit", "FRAMES", OPT_VCDLIMIT, ALL_RUN, "frames in the VCD (0 = all)"},
    /* forensics */
    {"last", "N", OPT_LAST, ALL_RUN, "instructions shown with a failure (default 64, max 128)"},
    {"trace", NULL, OPT_TRACE, ALL_RUN, "every instruction executed"},
    {"trace-func", "NAME", OPT_TFUNC, ALL_RUN, "trace inside one function"},
    {"trace-range", "A:B", OPT_TRANGE, ALL_RUN, "trace inside [A, B)"},
    {"trace-call", "NAME", OPT_TCALL, ALL_RUN, "trace one entry point's calls"},
    {"trace-file", "FILE", OPT_TFILE, ALL_RUN, "the trace into FILE"},
    /* gdb */
    {"call", "OP", OPT_CALL, CMD_GDB,
     "init|erase|write|read|verify|mass-erase, in order (repeatable; default init)"},
    {"port", "N", OPT_PORT, CMD_GDB, "TCP port (default 3333)"},
    {"bind", "ADDR", OPT_BIND, CMD_GDB, "IPv4 address to listen on (default 127.0.0.1)"},
    {"persist", NULL, OPT_PERSIST, CMD_GDB,
     "serve a new session after each one ends (default: one session)"},
    /* fuzz */
    {"seed", "N", OPT_SEED, CMD_FUZZ, "the generator's seed (default 1)"},
    {"time", "SECONDS", OPT_TIME, CMD_FUZZ, "fuzz this long (default 10)"},
    {"runs", "N", OPT_RUNS, CMD_FUZZ, "fuzz this many cases"},
    {"out", "DIR", OPT_OUT, CMD_FUZZ, "write a reproducer per finding into DIR"},
    {"from-input", "FILE", OPT_FROMINPUT, CMD_FUZZ, "run one coverage-guided input as a case"},
    {"help", NULL, OPT_HELP, TARGETED, "this help"},
    {NULL, NULL, 0, 0, NULL},
};

const se_command *se_command_find(const char *name)
{
    for (const se_command *c = se_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

void cli_help(FILE *f, const se_command *c)
{
    fprintf(f, "usage: stldr-emu %s %s [options]\n\n%s\n\noptions:\n", c->name, c->args,
            c->summary);
    for (const se_opt *o = se_options; o->name; o++) {
        if (!(o->cmds & c->bit))
            continue;
        char lhs[48];
        snprintf(lhs, sizeof lhs, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        if (strlen(lhs) > 26)
            fprintf(f, "  %s\n  %-26s  %s\n", lhs, "", o->help);
        else
            fprintf(f, "  %-26s  %s\n", lhs, o->help);
    }
    fputs("\nNumbers take 0x, K, M and a whole exponent (0x90000000, 64K, 1M, 2e9); each option\n"
          "has a range. Exit status: 0 ok, 2 usage, others per docs/cli.md.\n",
          f);
}

void cli_usage_exit(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "stldr-emu: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(stldr-emu %s%s--help for usage)\n", cmd ? cmd : "", cmd ? " " : "");
    va_end(ap);
    exit(se_err_exit_code(SE_ERR_USAGE));
}

/* ---- parsing ------------------------------------------------------------------------- */

void cli_begin(cli_parser *p, const se_command *c, int argc, char **argv)
{
    *p = (cli_parser){.cmd = c, .argc = argc, .argv = argv, .next = 2};
}

static const se_opt *find_opt(const se_command *c, const char *name, size_t len)
{
    for (const se_opt *o = se_options; o->name; o++)
        if ((o->cmds & c->bit) && strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    return NULL;
}

int cli_next(cli_parser *p, const char **arg)
{
    const char *cmd = p->cmd->name;
    *arg = NULL;
    while (p->next < p->argc) {
        char *a = p->argv[p->next++];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_help(stdout, p->cmd);
            exit(0);
        }
        if (!strcmp(a, "--")) { /* the rest are operands */
            while (p->next < p->argc) {
                if (p->operand)
                    cli_usage_exit(cmd, "unexpected argument '%s'", p->argv[p->next]);
                p->operand = p->argv[p->next++];
            }
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (p->operand)
                cli_usage_exit(cmd, "unexpected argument '%s'", a);
            p->operand = a;
            continue;
        }
        if (a[1] != '-')
            cli_usage_exit(cmd, "unknown option '%s'", a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const se_opt *o = find_opt(p->cmd, name, len);
        if (!o)
            cli_usage_exit(cmd, "unknown option '--%.*s'", (int)len, name);
        if (!o->arg) {
            if (eq)
                cli_usage_exit(cmd, "--%s takes no value", o->name);
            return o->id;
        }
        if (eq)
            *arg = eq + 1;
        else if (p->next < p->argc)
            *arg = p->argv[p->next++];
        else
            cli_usage_exit(cmd, "--%s takes %s", o->name, o->arg);
        return o->id;
    }
    if (!p->operand)
        cli_usage_exit(cmd, "missing %s", p->cmd->args);
    return OPT_END;
}

/* ---- numbers ------------------------------------------------------------------------- */

uint64_t cli_u64(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                 const char *what)
{
    uint64_t v;
    if (!se_parse_u64(s, min, max, &v))
        cli_usage_exit(cmd, "%s takes %s %" PRIu64 "..%" PRIu64 ", not '%s'", opt, what, min, max,
                       s);
    return v;
}

uint32_t cli_addr(const char *cmd, const char *opt, const char *s)
{
    uint32_t v;
    if (!se_parse_u32(s, &v))
        cli_usage_exit(cmd, "%s: bad address '%s'", opt, s);
    return v;
}

double cli_seconds(const char *cmd, const char *opt, const char *s, double max)
{
    double v;
    if (!se_parse_seconds(s, 0, max, &v) || !(v > 0))
        cli_usage_exit(cmd, "%s takes seconds, more than 0 and at most %g, not '%s'", opt, max, s);
    return v;
}

/* ---- the target ---------------------------------------------------------------------- */

void cli_target_default(cli_target *t)
{
    *t = (cli_target){.target = "stm32l562e-dk", .tz = "off", .profile = NULL};
}

bool cli_target_option(cli_target *t, const char *cmd, int id, const char *arg)
{
    switch (id) {
    case OPT_TARGET: t->target = arg; return true;
    case OPT_TZ:
        if (strcmp(arg, "on") && strcmp(arg, "off") && strcmp(arg, "secure"))
            cli_usage_exit(cmd, "--tz takes on, off or secure, not '%s'", arg);
        t->tz = arg;
        return true;
    case OPT_PROFILE: t->profile = arg; return true;
    default: return false;
    }
}

const se_profile *cli_profile(const cli_target *t, const char *cmd)
{
    const se_profile *p;
    if (t->profile) { /* a profile FILE (docs/trustzone.md) */
        char perr[600];
        if (!(p = se_profile_load(t->profile, perr, sizeof perr)))
            cli_usage_exit(NULL, "%s", perr); /* "FILE:LINE: ..." names where already */
        return p;
    }
    if (!(p = se_profile_find_tz(t->target, t->tz)))
        cli_usage_exit(cmd, "unknown target '%s' (stldr-emu info --target list)", t->target);
    return p;
}

/* ---- output -------------------------------------------------------------------------- */

void cli_on_log(void *ctx, int level, const char *msg)
{
    cli *c = ctx;
    if (c->json) {
        fprintf(c->out,
                "{\"event\":\"%s\",\"message\":", level >= SE_LOG_WARN ? "warning" : "info");
        se_json_str(c->out, msg);
        fputs("}\n", c->out);
    } else if (level >= SE_LOG_WARN || (c->verbose && !c->quiet)) {
        fprintf(stderr, "stldr-emu: %s: %s\n", level >= SE_LOG_WARN ? "warning" : "note", msg);
    }
}

void cli_fmt_time(char *buf, size_t len, uint64_t ns)
{
    if (ns < 1000000u)
        snprintf(buf, len, "%.1f us", ns / 1e3);
    else if (ns < 1000000000u)
        snprintf(buf, len, "%.3f ms", ns / 1e6);
    else
        snprintf(buf, len, "%.3f s", ns / 1e9);
}

se_stldr *cli_open_loader(const char *path, int *rc)
{
    se_error err;
    se_error_clear(&err);
    se_stldr *l = NULL;
    se_err e = se_stldr_open_file(path, &l, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        *rc = se_err_exit_code(e);
        return NULL;
    }
    *rc = 0;
    return l;
}
