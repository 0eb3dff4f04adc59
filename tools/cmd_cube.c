/* STM32_Programmer_CLI's command line on the emulated target (docs/cube.md): a command line
 * that starts with -c or -el (or `stldr-emu cube ...`) runs the same operations in the same
 * order as CubeProgrammer (a download erases the sectors each segment touches unless
 * --skipErase, then writes; -v reads back and compares), prints CubeProgrammer's log lines
 * (docs/cube.md "Log lines and exit status", from public logs) with stldr-emu's diagnoses as "stldr-emu:"
 * lines, and exits 0 or 1. The options are the table in tools/cli.c. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "base/datafile.h"
#include "base/fileio.h"
#include "base/parse.h"
#include "emu/machine.h"
#include "loader/host.h"
#include "loader/stldr.h"
#include "tools/cli.h"
#include "tools/program.h"
#include "tools/report.h"

#ifndef SE_VERSION
#define SE_VERSION "0.0.0"
#endif

#define MAX_OPS 64
/* Policy (docs/cube.md "Log lines and exit status"): CubeProgrammer's documented statuses are 0 and
 * non-zero; public notes record 1 after an error. Every failure here exits 1, the reason
 * being the "stldr-emu:" line. */
#define CUBE_FAIL 1

typedef struct cube_op {
    const se_cube_opt *opt;
    int at;    /* argv index of the option */
    int nargs; /* its arguments, argv[at + 1 ..] */
} cube_op;

typedef struct cube {
    int argc;
    char **argv;
    cli c;
    FILE *log;
    const char *log_path;
    int verbosity;
    bool quiet, skip_erase;
    const char *loader;
    int nloaders;
    /* stldr-emu's own options */
    cli_target tg;
    se_machine_opts mo;
    se_host_opts ho;
    se_df_format format;
    const char *junit;
    se_progress_mode pm;
    /* the session */
    const se_profile *prof;
    se_stldr *l;
    se_machine *m;
    se_host *h;
    report *rep;
    se_error err;
    se_err failed;
    se_datafile last; /* the last download, for -v */
    bool have_last;
    cube_op ops[MAX_OPS];
    unsigned nops;
} cube;

/* A line of CubeProgrammer's log: standard output and the -log file. */
static void out(cube *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(cube *k, const char *fmt, ...)
{
    va_list ap;
    report_flush(k->rep);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    if (k->log) {
        va_start(ap, fmt);
        vfprintf(k->log, fmt, ap);
        va_end(ap);
    }
}

/* A command-line error: one line, exit 1 (nothing has run yet). */
static void cube_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void cube_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("stldr-emu: cube: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (stldr-emu cube --help)\n", stderr);
    va_end(ap);
    exit(CUBE_FAIL);
}

/* A failed operation: CubeProgrammer's error line(s), then stldr-emu's reason. */
static int fail(cube *k, se_err e, const char *lines)
{
    if (!k->failed)
        k->failed = e ? e : SE_ERR_USAGE;
    const char *p = lines;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        out(k, "Error: %.*s\n", n, p);
        p += n + (nl ? 1 : 0);
    }
    if (k->err.msg[0])
        out(k, "stldr-emu: %s: %s\n", se_err_name(e), k->err.msg);
    return CUBE_FAIL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "Time elapsed during ...: 00:00:01.234" */
static void elapsed(char *buf, size_t len, double s)
{
    uint64_t ms = (uint64_t)(s * 1000 + 0.5);
    snprintf(buf, len, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64, ms / 3600000,
             ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

/* "590.28 KB", "10.00 B" (CubeProgrammer v2.15 and later) */
static void size_text(char *buf, size_t len, uint64_t n)
{
    if (n < 1024)
        snprintf(buf, len, "%.2f B", (double)n);
    else if (n < 1024 * 1024)
        snprintf(buf, len, "%.2f KB", n / 1024.0);
    else
        snprintf(buf, len, "%.2f MB", n / (1024.0 * 1024.0));
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- the command line --------------------------------------------------------------- */

/* An option, not an argument: '-' then a letter or a second '-'. */
static bool is_option(const char *a)
{
    return a[0] == '-' && (a[1] == '-' || isalpha((unsigned char)a[1]) || a[1] == '?');
}

static void our_option(cube *k, const se_opt *o, const char *arg)
{
    if (cli_target_option(&k->tg, "cube", o->id, arg))
        return;
    switch (o->id) {
    case OPT_STRICT: k->mo.strict = k->ho.strict = true; break;
    case OPT_CHUNK:
        k->ho.chunk = (uint32_t)cli_u64("cube", "--chunk", arg, 1, UINT32_MAX, "a size in bytes");
        break;
    case OPT_BUFFER: k->ho.buffer = cli_addr("cube", "--buffer", arg); break;
    case OPT_FLMHOST:
        if (!se_flm_host_parse(arg, &k->ho.flm_host))
            cli_usage_exit("cube", "--flm-host takes pyocd, probe-rs or keil, not '%s'", arg);
        break;
    case OPT_SP:
        k->ho.sp = cli_addr("cube", "--sp", arg);
        k->ho.sp_set = true;
        break;
    case OPT_BUDGET:
        k->ho.max_instructions =
            cli_u64("cube", "--budget", arg, 1, UINT64_MAX, "an instruction count per call");
        break;
    case OPT_TIMEOUT:
        k->ho.max_seconds = cli_seconds("cube", "--timeout", arg, SE_OPT_MAX_SECONDS);
        break;
    case OPT_IRQ:
        if (!strcmp(arg, "maskints"))
            k->mo.irq_mask = SE_MASK_MASKINTS;
        else if (!strcmp(arg, "primask"))
            k->mo.irq_mask = SE_MASK_PRIMASK;
        else if (!strcmp(arg, "none"))
            k->mo.irq_mask = SE_MASK_NONE;
        else
            cli_usage_exit("cube", "--irq-mask takes maskints, primask or none");
        break;
    case OPT_IFLASH: k->mo.internal_flash = arg; break;
    case OPT_FILL:
        k->mo.ram_fill = !strcmp(arg, "random") ? -1
                                                : (int)cli_u64("cube", "--ram-fill", arg, 0, 0xFF,
                                                               "random or a byte value");
        break;
    case OPT_FIMG: k->mo.flash_image = arg; break;
    case OPT_NOSKIP: k->mo.no_idle_skip = true; break;
    case OPT_EXACTWIN: k->mo.exact_window = true; break;
    case OPT_NODMASPAN: k->mo.no_dma_span = true; break;
    case OPT_EXACT: se_machine_opts_exact(&k->mo); break;
    case OPT_LOGFLASH: k->mo.log_flash = k->c.verbose = true; break;
    case OPT_VCD: k->mo.vcd_path = arg; break;
    case OPT_VCDLIMIT: {
        uint64_t n = cli_u64("cube", "--vcd-limit", arg, 0, UINT64_MAX, "a frame count (0 = all)");
        k->mo.vcd_limit = n ? n : UINT64_MAX;
        break;
    }
    case OPT_LAST:
        k->mo.last_insns =
            (unsigned)cli_u64("cube", "--last", arg, 0, SE_LAST_MAX, "an instruction count");
        break;
    case OPT_FORMAT:
        if (!se_df_format_parse(arg, &k->format))
            cli_usage_exit("cube", "--format takes auto, bin, hex, srec or elf, not '%s'", arg);
        break;
    case OPT_JUNIT: k->junit = arg; break;
    case OPT_PROGRESS:
        if (!strcmp(arg, "auto"))
            k->pm = SE_PROGRESS_AUTO;
        else if (!strcmp(arg, "always"))
            k->pm = SE_PROGRESS_ALWAYS;
        else if (!strcmp(arg, "never"))
            k->pm = SE_PROGRESS_NEVER;
        else
            cli_usage_exit("cube", "--progress takes auto, always or never, not '%s'", arg);
        break;
    }
}

/* stldr-emu's --option[=value] taken in this syntax, or NULL. */
static const se_opt *find_ours(const char *a, const char **value)
{
    if (a[0] != '-' || a[1] != '-')
        return NULL;
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (const se_opt *o = se_options; o->name; o++)
        if ((o->cmds & CMD_CUBE) && strlen(o->name) == len && !strncmp(o->name, name, len)) {
            *value = eq ? eq + 1 : NULL;
            return o;
        }
    return NULL;
}

static void parse(cube *k, int first)
{
    char **argv = k->argv;
    for (int i = first; i < k->argc;) {
        const char *a = argv[i], *value;
        const se_opt *ours = find_ours(a, &value);
        if (ours && ours->id != OPT_HELP) {
            i++;
            if (ours->arg && !value) {
                if (i >= k->argc)
                    cube_usage("--%s takes %s", ours->name, ours->arg);
                value = argv[i++];
            } else if (!ours->arg && value) {
                cube_usage("--%s takes no value", ours->name);
            }
            our_option(k, ours, value);
            continue;
        }
        const se_cube_opt *o = se_cube_find(a);
        if (!o)
            cube_usage("unknown option '%s'", a);
        if (k->nops == MAX_OPS)
            cube_usage("more than %d operations", MAX_OPS);
        cube_op *op = &k->ops[k->nops++];
        *op = (cube_op){o, i, 0};
        i++;
        int avail = 0; /* the arguments up to the next option */
        while (i + avail < k->argc && !is_option(argv[i + avail]))
            avail++;
        switch (o->id) {
        case CUBE_HELP: cli_help(stdout, se_command_find("cube")); exit(0);
        case CUBE_VERSION: printf("stldr-emu %s\n", SE_VERSION); exit(0);
        case CUBE_EXTLOAD:
            if (avail < 1)
                cube_usage("%s takes the loader's path", a);
            op->nargs = 1;
            k->loader = argv[i];
            k->nloaders++;
            break;
        case CUBE_DOWNLOAD: {
            if (avail < 1)
                cube_usage("%s takes FILE [ADDR]", a);
            op->nargs = 1;
            uint32_t addr;
            if (avail >= 2 && se_parse_u32(argv[i + 1], &addr))
                op->nargs = 2;
            if (avail > op->nargs && !strcasecmp(argv[i + op->nargs], "incremental"))
                op->nargs++;
            break;
        }
        case CUBE_VERIFY:
            if (avail >= 1 && !strcasecmp(argv[i], "fast"))
                op->nargs = 1;
            break;
        case CUBE_ERASE:
            if (avail < 1)
                cube_usage("%s takes all, [FIRST LAST] or sector numbers", a);
            op->nargs = avail;
            break;
        case CUBE_UPLOAD:
            if (avail < 3)
                cube_usage("%s takes ADDR SIZE FILE", a);
            op->nargs = 3;
            break;
        case CUBE_READ_WORDS:
            if (avail < 2)
                cube_usage("%s takes ADDR SIZE", a);
            op->nargs = 2;
            break;
        case CUBE_VERBOSITY: {
            uint64_t v;
            if (avail < 1 || !se_parse_u64(argv[i], 1, 3, &v))
                cube_usage("%s takes 1, 2 or 3", a);
            op->nargs = 1;
            k->verbosity = (int)v;
            break;
        }
        case CUBE_LOG:
            op->nargs = avail >= 1 ? 1 : 0;
            k->log_path = avail >= 1 ? argv[i] : NULL;
            if (!k->log_path) { /* CubeProgrammer's default (UM2237) */
                static char def[4096];
                const char *home = getenv("HOME");
                snprintf(def, sizeof def, "%s/.STM32Programmer/trace.log",
                         home && *home ? home : ".");
                k->log_path = def;
            }
            break;
        case CUBE_QUIET: k->quiet = true; break;
        case CUBE_SKIPERASE: k->skip_erase = true; break;
        case CUBE_START:
        case CUBE_LIST: op->nargs = avail >= 1 ? 1 : 0; break;
        case CUBE_CONNECT: op->nargs = avail; break;
        default:
            op->nargs = avail;
            if (o->support == CUBE_REFUSED)
                cube_usage("%s is refused here: %s", a, o->help);
            break;
        }
        i += op->nargs;
    }
}

/* Checks of the whole line before anything runs, as CubeProgrammer's own. */
static void validate(cube *k)
{
    bool connected = false;
    for (unsigned i = 0; i < k->nops; i++) {
        const cube_op *op = &k->ops[i];
        int id = op->opt->id;
        if (id == CUBE_CONNECT)
            connected = true;
        bool memory = id == CUBE_DOWNLOAD || id == CUBE_ERASE || id == CUBE_UPLOAD ||
                      id == CUBE_READ_WORDS || id == CUBE_VERIFY;
        if (memory && !connected)
            cube_usage("%s before any -c: CubeProgrammer connects first (-c port=SWD)",
                       k->argv[op->at]);
        /* UM2237 / S12: "Wrong verify command use: it must be performed just after write
         * command or write 32-bit command" */
        if (id == CUBE_VERIFY && (i == 0 || k->ops[i - 1].opt->id != CUBE_DOWNLOAD)) {
            fprintf(stdout, "Error: Wrong verify command use: it must be performed just after "
                            "write command or write 32-bit command\n");
            cube_usage("%s must come straight after -d/-w FILE", k->argv[op->at]);
        }
    }
    if (k->nloaders == 0)
        cube_usage("no external loader: give -el LOADER.stldr (stldr-emu runs external loaders)");
    if (k->nloaders > 1)
        cube_usage("one -el per command line here (%d given)", k->nloaders);
}

/* ---- operations ----------------------------------------------------------------------- */

static char *arg(const cube *k, const cube_op *op, int i) { return k->argv[op->at + 1 + i]; }

static void progress_begin(cube *k, const char *title, uint64_t total)
{
    out(k, "%s\n", title);
    report_progress_begin(k->rep, "bar", total);
}

static void connect_block(cube *k, const cube_op *op)
{
    char params[512] = "";
    size_t n = 0;
    for (int i = 0; i < op->nargs && n < sizeof params; i++)
        n += (size_t)snprintf(params + n, sizeof params - n, " %s", arg(k, op, i));
    const se_storage_info *si = se_stldr_storage(k->l);
    char sz[32], sec[32];
    size_text(sz, sizeof sz, si->size);
    size_text(sec, sizeof sec, si->ngroups ? si->sectors[0].size : 0);
    out(k, "stldr-emu: %s%s: no probe, the target is emulated (probe parameters ignored)\n",
        k->argv[op->at], params);
    out(k, "Target      : %s\n", k->prof->target);
    out(k, "Device name : %s\n", k->prof->description);
    out(k, "External loader: %s\n", base_name(k->loader));
    out(k, "  Memory    : %s at 0x%08" PRIx32 ", %s, %" PRIu32 " sectors of %s\n\n", si->name,
        si->start, sz, se_sector_count(si), sec);
    char policy[300]; /* an inconsistent StorageInfo: the policy, then on */
    if (se_storage_policy(si, policy, sizeof policy))
        out(k, "stldr-emu: warning: %s\n", policy);
}

static int load_file(cube *k, const cube_op *op, se_datafile *df)
{
    const se_storage_info *si = se_stldr_storage(k->l);
    char what[160];
    se_df_limits lim = se_device_limits(si, what, sizeof what);
    bool has_addr = op->nargs >= 2 && strcasecmp(arg(k, op, 1), "incremental");
    uint32_t addr = 0;
    if (has_addr) {
        se_parse_u32(arg(k, op, 1), &addr);
        if (addr < si->start && (uint64_t)si->start + addr <= UINT32_MAX)
            addr += si->start; /* an offset into the device, as elsewhere */
    }
    se_err e = se_df_load(arg(k, op, 0), "file", k->format, has_addr, addr, &lim, df, &k->err);
    if (e)
        return fail(k, e, "failed to download the File");
    return 0;
}

static int download(cube *k, const cube_op *op)
{
    const se_storage_info *si = se_stldr_storage(k->l);
    const char *file = arg(k, op, 0);
    out(k, "\nMemory Programming ...\nOpening and parsing file: %s\n", base_name(file));
    if (k->have_last)
        se_df_free(&k->last);
    k->have_last = false;
    se_datafile df;
    if (load_file(k, op, &df))
        return CUBE_FAIL;
    char sz[32];
    size_text(sz, sizeof sz, df.bytes);
    out(k, "  File          : %s\n  Size          : %s\n  Address       : 0x%08" PRIX32 "\n\n",
        base_name(file), sz, df.segs[0].addr);
    if (op->nargs >= 2 && !strcasecmp(arg(k, op, op->nargs - 1), "incremental"))
        out(k, "stldr-emu: incremental: every touched sector is written (no comparison)\n");
    double t0 = now_s();
    se_err e = SE_OK;
    for (size_t i = 0; !e && !k->skip_erase && i < df.nsegs; i++) {
        uint32_t first, last, fs, ls, z;
        if (!se_segment_sectors(si, &df, i, &first, &last))
            continue; /* its sectors were erased for the segment before */
        out(k, "Erasing memory corresponding to segment %zu:\n", i);
        if (first == last)
            out(k, "Erasing external memory sector %" PRIu32 "\n", first);
        else
            out(k, "Erasing external memory sectors [%" PRIu32 " %" PRIu32 "]\n", first, last);
        se_sector_by_index(si, first, &fs, &z);
        se_sector_by_index(si, last, &ls, &z);
        e = se_host_erase(k->h, si->start + fs, ls + z - fs, &k->err);
    }
    if (e) {
        se_df_free(&df);
        return fail(k, e, "failed to erase memory");
    }
    progress_begin(k, "Download in Progress:", df.bytes);
    uint64_t base = 0;
    size_t bad = 0;
    for (size_t i = 0; !e && i < df.nsegs; i++) {
        report_progress_base(k->rep, base);
        e = se_host_write(k->h, df.segs[i].addr, df.segs[i].data, df.segs[i].len, &k->err);
        bad = i;
        base += df.segs[i].len;
    }
    if (e) {
        report_progress_end(k->rep);
        char lines[120];
        snprintf(lines, sizeof lines,
                 "failed to download Segment[%zu]\nfailed to download the File", bad);
        se_df_free(&df);
        return fail(k, e, lines);
    }
    report_progress_end(k->rep);
    char t[32];
    elapsed(t, sizeof t, now_s() - t0);
    out(k, "\nFile download complete\nTime elapsed during download operation: %s\n", t);
    k->last = df;
    k->have_last = true;
    return 0;
}

static int verify(cube *k)
{
    out(k, "\nVerifying ...\n\n");
    progress_begin(k, "Read progress:", k->last.bytes);
    se_err e = SE_OK;
    uint64_t base = 0;
    size_t bad = 0;
    for (size_t i = 0; !e && i < k->last.nsegs; i++) {
        report_progress_base(k->rep, base);
        e = se_host_verify(k->h, k->last.segs[i].addr, k->last.segs[i].data, k->last.segs[i].len,
                           &k->err);
        bad = i;
        base += k->last.segs[i].len;
    }
    report_progress_end(k->rep);
    if (!e) {
        out(k, "\nDownload verified successfully\n");
        return 0;
    }
    if (e == SE_ERR_VERIFY) { /* CubeProgrammer names the first byte that differs */
        const se_df_segment *g = &k->last.segs[bad];
        uint8_t *got = malloc(g->len);
        se_error re;
        se_host_set_progress(k->h, NULL, NULL); /* no second bar for the diagnosis */
        se_err ge = got ? se_host_read(k->h, g->addr, got, g->len, &re) : SE_ERR_NOMEM;
        report_attach(k->rep, k->h);
        if (ge == SE_OK) {
            for (uint32_t i = 0; i < g->len; i++)
                if (got[i] != g->data[i]) {
                    out(k,
                        "Error: Data mismatch found at address 0x%08" PRIX32
                        " (byte = 0x%02X instead of 0x%02X)\n",
                        g->addr + i, got[i], g->data[i]);
                    break;
                }
        }
        free(got);
    }
    return fail(k, e, "Download verification failed");
}

/* -e: all, [FIRST LAST] (one or several words) or sector numbers. */
static int erase(cube *k, const cube_op *op)
{
    const se_storage_info *si = se_stldr_storage(k->l);
    char spec[512] = "";
    size_t n = 0;
    for (int i = 0; i < op->nargs && n < sizeof spec; i++)
        n += (size_t)snprintf(spec + n, sizeof spec - n, "%s%s", i ? " " : "", arg(k, op, i));
    se_err e;
    if (!strcasecmp(spec, "all")) {
        out(k, "\nMass erase ...\n");
        uint32_t entry;
        if (se_stldr_entry(k->l, SE_EP_MASS_ERASE, &entry)) {
            e = se_host_mass_erase(k->h, &k->err);
        } else {
            out(k, "stldr-emu: the loader exports no MassErase: SectorErase over the whole "
                   "device\n");
            e = se_host_erase(k->h, si->start, si->size, &k->err);
        }
        if (e)
            return fail(k, e, "Mass erase operation failed.");
        out(k, "\nMass erase successfully achieved\n");
        return 0;
    }
    /* the sector numbers, in the order given */
    uint32_t idx[256];
    unsigned cnt = 0;
    bool range = strchr(spec, '[') != NULL;
    for (char *p = spec; *p;) {
        while (*p == ' ' || *p == '[' || *p == ']')
            p++;
        if (!*p)
            break;
        char *end = p;
        while (*end && *end != ' ' && *end != '[' && *end != ']')
            end++;
        char save = *end;
        *end = '\0';
        uint32_t v;
        if (!se_parse_u32(p, &v)) {
            snprintf(k->err.msg, sizeof k->err.msg, "-e: '%s' is not a sector number", p);
            return fail(k, SE_ERR_USAGE, "failed to erase memory");
        }
        if (cnt == 256) {
            snprintf(k->err.msg, sizeof k->err.msg, "-e: more than 256 sector numbers");
            return fail(k, SE_ERR_USAGE, "failed to erase memory");
        }
        idx[cnt++] = v;
        *end = save;
        p = end;
    }
    if (range && (cnt != 2 || idx[1] < idx[0])) {
        snprintf(k->err.msg, sizeof k->err.msg,
                 "-e [FIRST LAST] takes two sector numbers, FIRST <= LAST ('%s')", spec);
        return fail(k, SE_ERR_USAGE, "failed to erase memory");
    }
    if (cnt == 0) {
        snprintf(k->err.msg, sizeof k->err.msg, "-e: no sector given");
        return fail(k, SE_ERR_USAGE, "failed to erase memory");
    }
    uint32_t nsec = se_sector_count(si);
    for (unsigned i = 0; i < cnt; i++)
        if (idx[i] >= nsec) {
            snprintf(k->err.msg, sizeof k->err.msg,
                     "sector %" PRIu32 " does not exist: the loader's device %s has %" PRIu32
                     " sectors (0..%" PRIu32 ")",
                     idx[i], si->name, nsec, nsec - 1);
            return fail(k, SE_ERR_USAGE, "failed to erase memory");
        }
    out(k, "\nErase sector(s) ...\n");
    /* Policy (docs/cube.md): [FIRST LAST] is one SectorErase over the range; a list is one
     * SectorErase per run of consecutive numbers, in the order given. */
    for (unsigned i = 0; i < cnt;) {
        uint32_t first = idx[i], last = range ? idx[1] : idx[i];
        unsigned j = range ? cnt : i + 1;
        while (!range && j < cnt && idx[j] == last + 1)
            last = idx[j++];
        if (first == last)
            out(k, "Erasing external memory sector %" PRIu32 "\n", first);
        else
            out(k, "Erasing external memory sectors [%" PRIu32 " %" PRIu32 "]\n", first, last);
        uint32_t fs, ls, z;
        se_sector_by_index(si, first, &fs, &z);
        se_sector_by_index(si, last, &ls, &z);
        if ((e = se_host_erase(k->h, si->start + fs, ls + z - fs, &k->err)))
            return fail(k, e, "failed to erase memory");
        i = j;
    }
    out(k, "stldr-emu: erase done\n");
    return 0;
}

static int parse_addr_size(cube *k, const cube_op *op, uint32_t *addr, uint32_t *size)
{
    if (!se_parse_u32(arg(k, op, 0), addr) || !se_parse_u32(arg(k, op, 1), size) || !*size) {
        snprintf(k->err.msg, sizeof k->err.msg, "%s takes ADDR SIZE (numbers, SIZE > 0): '%s %s'",
                 k->argv[op->at], arg(k, op, 0), arg(k, op, 1));
        return fail(k, SE_ERR_USAGE, "failed to read the requested memory content");
    }
    uint32_t abs;
    if (!se_host_device_range(k->h, *addr, *size, &abs)) {
        se_host_read(k->h, *addr, NULL, *size, &k->err); /* its one-line refusal */
        return fail(k, SE_ERR_USAGE, "failed to read the requested memory content");
    }
    *addr = abs;
    return 0;
}

static int upload(cube *k, const cube_op *op)
{
    uint32_t addr, size;
    if (parse_addr_size(k, op, &addr, &size))
        return CUBE_FAIL;
    const char *file = arg(k, op, 2);
    char sz[32];
    snprintf(sz, sizeof sz, "%" PRIu32 " Bytes", size);
    out(k, "\nUPLOADING ...\n\n  Size          : %s\n  Address       : 0x%08" PRIX32 "\n\n", sz,
        addr);
    uint8_t *buf = malloc(size);
    if (!buf) {
        snprintf(k->err.msg, sizeof k->err.msg, "out of memory for %" PRIu32 " bytes", size);
        return fail(k, SE_ERR_NOMEM, "failed to read the requested memory content");
    }
    double t0 = now_s();
    progress_begin(k, "Read progress:", size);
    se_err e = se_host_read(k->h, addr, buf, size, &k->err);
    report_progress_end(k->rep);
    if (!e) {
        se_df_format of = se_df_output_format(file);
        if (of == SE_DF_BIN) {
            e = se_write_output(file, buf, size, &k->err);
        } else {
            char *text;
            size_t tlen;
            if (!(e = se_df_format_text(of, addr, buf, size, &text, &tlen, &k->err))) {
                e = se_write_output(file, text, tlen, &k->err);
                free(text);
            }
        }
    }
    free(buf);
    if (e)
        return fail(k, e, "failed to read the requested memory content");
    char t[32];
    elapsed(t, sizeof t, now_s() - t0);
    out(k, "\nData read successfully\nTime elapsed during the read operation is: %s\n", t);
    return 0;
}

/* -r8/-r16/-r32: "0x90000000 : 00000001 00000002 ..." (v2.15), 16 bytes a line */
static int read_words(cube *k, const cube_op *op)
{
    uint32_t addr, size;
    if (parse_addr_size(k, op, &addr, &size))
        return CUBE_FAIL;
    const char *name = k->argv[op->at];
    unsigned w = !strcmp(name, "-r8") ? 1 : !strcmp(name, "-r16") ? 2 : 4;
    uint32_t n = (size + w - 1) / w * w;
    uint8_t *buf = malloc(n);
    if (!buf) {
        snprintf(k->err.msg, sizeof k->err.msg, "out of memory for %" PRIu32 " bytes", n);
        return fail(k, SE_ERR_NOMEM, "failed to read the requested memory content");
    }
    se_err e = se_host_read(k->h, addr, buf, n, &k->err);
    if (e) {
        free(buf);
        return fail(k, e, "failed to read the requested memory content");
    }
    out(k,
        "\nReading %u-bit memory content\n  Size          : %" PRIu32 " Bytes\n  Address       "
        ": 0x%08" PRIX32 "\n\n",
        8 * w, size, addr);
    for (uint32_t i = 0; i < n; i += 16) {
        char line[128];
        size_t m = (size_t)snprintf(line, sizeof line, "0x%08" PRIX32 " :", addr + i);
        for (uint32_t j = i; j < i + 16 && j < n; j += w) {
            uint32_t v = 0;
            for (unsigned b = 0; b < w; b++)
                v |= (uint32_t)buf[j + b] << (8 * b);
            m += (size_t)snprintf(line + m, sizeof line - m, " %0*" PRIX32, (int)(2 * w), v);
        }
        out(k, "%s\n", line);
    }
    free(buf);
    return 0;
}

static int run_op(cube *k, const cube_op *op)
{
    switch (op->opt->id) {
    case CUBE_CONNECT: connect_block(k, op); return 0;
    case CUBE_DOWNLOAD: return download(k, op);
    case CUBE_VERIFY: return verify(k);
    case CUBE_ERASE: return erase(k, op);
    case CUBE_UPLOAD: return upload(k, op);
    case CUBE_READ_WORDS: return read_words(k, op);
    case CUBE_EXTLOAD:
    case CUBE_QUIET:
    case CUBE_VERBOSITY:
    case CUBE_LOG:
    case CUBE_SKIPERASE: return 0; /* settings of the whole line */
    default:
        if (op->opt->support == CUBE_IGNORED)
            out(k, "stldr-emu: %s: %s (ignored)\n", k->argv[op->at], op->opt->help);
        return 0;
    }
}

/* ---- the session ---------------------------------------------------------------------- */

static se_err open_log(cube *k)
{
    if (!k->log_path)
        return SE_OK;
    /* the default's directory, as CubeProgrammer makes it */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", k->log_path);
    char *slash = strrchr(dir, '/');
    if (slash && strstr(dir, "/.STM32Programmer/")) {
        *slash = '\0';
        mkdir(dir, 0755);
    }
    if (!(k->log = fopen(k->log_path, "w")))
        return se_error_set(&k->err, SE_ERR_IO, "-log: cannot create %s: %s", k->log_path,
                            strerror(errno));
    fprintf(k->log, "stldr-emu %s, STM32CubeProgrammer syntax:", SE_VERSION);
    for (int i = 0; i < k->argc; i++)
        fprintf(k->log, " %s", k->argv[i]);
    fputc('\n', k->log);
    return SE_OK;
}

int se_cube_main(int argc, char **argv, int first)
{
    static cube k; /* the session; static: its op table and error buffer are large */
    memset(&k, 0, sizeof k);
    cli_usage_status = CUBE_FAIL; /* our options' errors too: 0 or 1 in this syntax */
    k.argc = argc;
    k.argv = argv;
    k.c.out = stdout;
    k.verbosity = 1;
    cli_target_default(&k.tg);
    se_machine_opts_default(&k.mo);
    se_host_opts_default(&k.ho);
    parse(&k, first);
    validate(&k);
    if (k.quiet)
        k.pm = SE_PROGRESS_NEVER;
    k.prof = cli_profile(&k.tg, "cube");

    out(&k,
        "      -------------------------------------------------------------------\n"
        "                 stldr-emu %s, STM32CubeProgrammer syntax\n"
        "      -------------------------------------------------------------------\n\n",
        SE_VERSION);
    int rc = 0;
    se_err e = open_log(&k);
    if (!e)
        e = se_stldr_open_file(k.loader, &k.l, &k.err);
    if (e) {
        fail(&k, e, "flash loader cannot be loaded.");
        goto done;
    }
    k.rep = report_new(&k.c, k.junit, k.pm, SE_PROGRESS_BAR);
    if (!k.rep) {
        se_error_set(&k.err, SE_ERR_NOMEM, "out of memory");
        fail(&k, SE_ERR_NOMEM, "flash loader cannot be loaded.");
        goto done;
    }
    /* -vb 3: every loader call, as `stldr-emu run` prints it; the -log file has them all */
    report_set_tee(k.rep, k.log, k.verbosity >= 3);
    k.mo.log = cli_on_log;
    k.mo.log_ctx = &k.c;
    if ((e = se_machine_new(k.prof, &k.mo, &k.m, &k.err)) ||
        (e = se_host_new(k.l, k.m, &k.ho, &k.h, &k.err))) {
        fail(&k, e, "flash loader cannot be loaded.");
        goto done;
    }
    const se_image *img = se_host_image(k.h);
    for (unsigned i = 0; i < img->nwarnings; i++)
        cli_on_log(&k.c, SE_LOG_WARN, img->warnings[i]);
    report_attach(k.rep, k.h);
    for (unsigned i = 0; i < k.nops && !rc; i++)
        rc = run_op(&k, &k.ops[i]);
    report_flush(k.rep);

done:
    if (k.rep && k.junit) {
        char suite[200];
        snprintf(suite, sizeof suite, "%s on %s", k.l ? se_stldr_storage(k.l)->name : "?",
                 k.prof->target);
        se_error je;
        if (report_write_junit(k.rep, suite, k.failed, k.failed ? k.err.msg : "", &je)) {
            fprintf(stderr, "stldr-emu: --junit: %s\n", je.msg);
            rc = CUBE_FAIL;
        }
    }
    if (k.log && fclose(k.log) != 0) {
        fprintf(stderr, "stldr-emu: -log %s: %s\n", k.log_path, strerror(errno));
        rc = CUBE_FAIL;
    }
    if (rc || k.failed)
        rc = CUBE_FAIL;
    if (k.have_last)
        se_df_free(&k.last);
    report_free(k.rep);
    se_host_free(k.h);
    se_machine_free(k.m);
    se_stldr_free(k.l);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "stldr-emu: cannot write standard output: %s\n",
                errno ? strerror(errno) : "write error");
        rc = CUBE_FAIL;
    }
    return rc;
}

int se_cube_cmd_main(int argc, char **argv) { return se_cube_main(argc, argv, 2); }
