/* stldr-emu: run an STM32CubeProgrammer external loader (.stldr) on an emulated
 * Cortex-M33, calling it the way CubeProgrammer does. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h> /* strcasecmp: --trace-call */

#include "base/fileio.h"
#include "tools/options.h" /* numeric options: one parser, a range each */
#include "tools/gdbserver.h"
#include "emu/machine.h"
#include "emu/trace.h" /* --trace / --last */
#include "loader/fuzz.h"
#include "loader/host.h"
#include "loader/lint.h"
#include "loader/stldr.h"

#define MAX_WRITES 16

static const char usage_text[] =
    "usage: stldr-emu info LOADER [--target T] [--tz on|off|secure] [--profile FILE] [--json]\n"
    "       stldr-emu gdb  LOADER [--call init|erase|write|read|verify|mass-erase]...\n"
    "                      [--port 3333] [--bind 127.0.0.1] [--tz on|off|secure] [--profile FILE]\n"
    "       stldr-emu lint LOADER [--target T] [--tz on|off|secure] [--profile FILE] [--json]\n"
    "       stldr-emu run  LOADER [--target T] [--tz on|off|secure] [--profile FILE]\n"
    "                      [--erase START:END | --mass-erase] [--write FILE@ADDR]...\n"
    "                      [--no-erase] [--read ADDR:LEN[@FILE]] [--verify] [--json]\n"
    "                      [--strict] [--chunk N] [--buffer ADDR] [--sp ADDR]\n"
    "                      [--budget N] [--timeout SECONDS] [--internal-flash FILE]\n"
    "                      [--irq-mask maskints|primask|none] [--ram-fill BYTE|random]\n"
    "                      [--place profile|link] [--no-idle-skip] [--exact-window] [--quiet]\n"
    "                      [--flash-image FILE] [--log-flash] [--verbose] [--init-only]\n"
    "                      [--replay FUZZ_REPRODUCER]\n"
    "                      [--vcd FILE] [--vcd-limit FRAMES]\n"
    "                      [--last N] [--trace] [--trace-func NAME] [--trace-range A:B]\n"
    "                      [--trace-call NAME] [--trace-file FILE]\n"
    "       stldr-emu trace LOADER [run options]   (run with --trace)\n"
    "\n"
    "Runs each loader function on an emulated STM32 exactly as STM32CubeProgrammer calls it\n"
    "and prints one line per call. With no operation, runs the standard session: erase,\n"
    "write, read back and verify a generated pattern over the first sectors of the device.\n"
    "Numbers take 0x, K, M and a whole exponent (0x90000000, 64K, 1M, 2e9); each option has\n"
    "a range. Device addresses may be absolute or offsets into the device. See README.md\n"
    "for every option.\n";

static void usage_exit(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void usage_exit(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "stldr-emu: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(stldr-emu --help for usage)\n");
    va_end(ap);
    exit(se_err_exit_code(SE_ERR_USAGE));
}

/* ---- output ------------------------------------------------------------------------- */

typedef struct cli {
    bool json, quiet, verbose;
    FILE *out;
    const se_stldr *l;
} cli;

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void on_log(void *ctx, int level, const char *msg)
{
    cli *c = ctx;
    if (c->json) {
        fprintf(c->out, "{\"event\":\"%s\",\"message\":", level >= SE_LOG_WARN ? "warning" : "info");
        json_str(c->out, msg);
        fputs("}\n", c->out);
    } else if (level >= SE_LOG_WARN || (c->verbose && !c->quiet)) {
        fprintf(stderr, "stldr-emu: %s: %s\n", level >= SE_LOG_WARN ? "warning" : "note", msg);
    }
}

static void fmt_time(char *buf, size_t len, uint64_t ns)
{
    if (ns < 1000000u)
        snprintf(buf, len, "%.1f us", ns / 1e3);
    else if (ns < 1000000000u)
        snprintf(buf, len, "%.3f ms", ns / 1e6);
    else
        snprintf(buf, len, "%.3f s", ns / 1e9);
}

/* --last: the instructions a failed call executed last (JSON: a "last" member). */
static void print_last(cli *c, const se_call_result *res)
{
    if (res->nlast == 0)
        return;
    if (c->json) {
        fputs(",\"last\":[", c->out);
        for (unsigned i = 0; i < res->nlast; i++) {
            const se_insn_info *in = &res->last[i];
            fprintf(c->out, "%s{\"pc\":%" PRIu32 ",\"sym\":", i ? "," : "", in->pc);
            json_str(c->out, in->sym);
            fputs(",\"src\":", c->out);
            if (in->src[0])
                json_str(c->out, in->src);
            else
                fputs("null", c->out);
            fputs(",\"asm\":", c->out);
            json_str(c->out, in->text);
            fputs("}", c->out);
        }
        fputs("]", c->out);
        return;
    }
    fprintf(c->out, "            last %u instructions (oldest first):\n", res->nlast);
    for (unsigned i = 0; i < res->nlast; i++) {
        char line[200];
        se_insn_format(&res->last[i], line, sizeof line);
        fprintf(c->out, "              %s\n", line);
    }
}

static void on_call(void *ctx, const se_call_record *r)
{
    cli *c = ctx;
    if (c->json) {
        fprintf(c->out, "{\"event\":\"call\",\"op\":\"%s\",\"function\":\"%s\",\"args\":[", r->op,
                r->function);
        for (unsigned i = 0; i < r->nargs; i++)
            fprintf(c->out, "%s%" PRIu32, i ? "," : "", r->args[i]);
        fprintf(c->out, "],\"r0\":%" PRIu32 ",\"r1\":%" PRIu32 ",\"ok\":%s,\"status\":\"%s\","
                        "\"instructions\":%" PRIu64 ",\"device_ns\":%" PRIu64 ",\"host_us\":%.0f,"
                        "\"exceptions\":%u",
                r->res.r0, r->res.r1, r->ok ? "true" : "false", se_err_name(r->res.status),
                r->res.instructions, r->res.vtime_ns, r->res.host_seconds * 1e6, r->res.exceptions);
        if (r->res.status != SE_OK || r->note[0]) {
            fputs(",\"reason\":", c->out);
            json_str(c->out, r->res.status != SE_OK ? r->res.reason : r->note);
        }
        if (r->res.detail[0]) {
            fputs(",\"detail\":", c->out);
            json_str(c->out, r->res.detail);
        }
        print_last(c, &r->res); /* --last */
        fputs("}\n", c->out);
        return;
    }
    if (c->quiet && r->ok)
        return;
    char args[96] = "", res[48], dev[32];
    size_t n = 0;
    for (unsigned i = 0; i < r->nargs; i++)
        n += (size_t)snprintf(args + n, sizeof args - n, "%s0x%" PRIx32, i ? ", " : "", r->args[i]);
    if (r->res.status != SE_OK)
        snprintf(res, sizeof res, "%s", se_err_name(r->res.status));
    else if (r->returns64)
        snprintf(res, sizeof res, "0x%08" PRIx32 "_%08" PRIx32, r->res.r1, r->res.r0);
    else
        snprintf(res, sizeof res, "0x%" PRIx32, r->res.r0);
    fmt_time(dev, sizeof dev, r->res.vtime_ns);
    char call[160];
    snprintf(call, sizeof call, "%s(%s)", r->function, args);
    fprintf(c->out, "%-11s %-46s -> %-19s %-4s %10" PRIu64 " instr  %10s device  %8.2f ms host\n",
            r->op, call, res, r->ok ? "ok" : "FAIL", r->res.instructions, dev,
            r->res.host_seconds * 1e3);
    if (r->res.status != SE_OK)
        fprintf(c->out, "            %s\n", r->res.reason);
    else if (r->note[0])
        fprintf(c->out, "            %s\n", r->note);
    if (r->res.status != SE_OK && r->res.detail[0]) {
        const char *p = r->res.detail;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(c->out, "            | %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
    }
    print_last(c, &r->res); /* --last */
}

/* ---- info --------------------------------------------------------------------------- */

static const char *dev_type_name(unsigned t)
{
    static const char *const names[] = {"?", "MCU_FLASH", "NAND_FLASH", "NOR_FLASH", "SRAM",
                                        "PSRAM", "PC_CARD", "SPI_FLASH", "I2C_FLASH", "SDRAM",
                                        "I2C_EEPROM"};
    return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static int cmd_info(cli *c, const se_stldr *l, const se_profile *p, se_place place, bool strict)
{
    const se_storage_info *si = se_stldr_storage(l);
    se_ram_window win = {p->bkpt_addr, p->load_base, p->ram_end, p->download_limit};
    se_image img;
    se_error err;
    se_err pe = se_stldr_plan(l, &win, place, strict, &img, &err);
    FILE *o = c->out;
    if (c->json) {
        fputs("{\"name\":", o);
        json_str(o, si->name);
        fprintf(o, ",\"type\":%u,\"type_name\":\"%s\",\"start\":%" PRIu32 ",\"size\":%" PRIu32
                   ",\"page_size\":%" PRIu32 ",\"erase_value\":%u,\"sectors\":[",
                si->type, dev_type_name(si->type), si->start, si->size, si->page_size,
                si->erase_value);
        for (unsigned g = 0; g < si->ngroups; g++)
            fprintf(o, "%s{\"num\":%" PRIu32 ",\"size\":%" PRIu32 "}", g ? "," : "",
                    si->sectors[g].num, si->sectors[g].size);
        fputs("],\"entries\":{", o);
        bool first = true;
        for (int id = 0; id < SE_EP__COUNT; id++) {
            uint32_t a;
            if (se_stldr_entry(l, (se_entry_id)id, &a)) {
                fprintf(o, "%s\"%s\":%" PRIu32, first ? "" : ",", se_entry_name((se_entry_id)id), a);
                first = false;
            }
        }
        fputs("},\"segments\":[", o);
        for (size_t i = 0; i < se_stldr_nsegments(l); i++) {
            const se_segment *s = se_stldr_segment(l, i);
            fprintf(o, "%s{\"vaddr\":%" PRIu32 ",\"filesz\":%" PRIu32 ",\"memsz\":%" PRIu32
                       ",\"flags\":%" PRIu32 ",\"metadata\":%s}",
                    i ? "," : "", s->vaddr, s->filesz, s->memsz, s->flags,
                    s->metadata ? "true" : "false");
        }
        fputs("]", o);
        if (!pe) {
            fprintf(o, ",\"image\":{\"base\":%" PRIu32 ",\"link_base\":%" PRIu32 ",\"size\":%" PRIu32
                       ",\"mem_end\":%" PRIu32 ",\"warnings\":[",
                    img.base, img.link_base, img.size, img.mem_end);
            for (unsigned i = 0; i < img.nwarnings; i++) {
                fputs(i ? "," : "", o);
                json_str(o, img.warnings[i]);
            }
            fputs("]}", o);
        } else {
            fputs(",\"plan_error\":", o);
            json_str(o, err.msg);
        }
        fputs("}\n", o);
    } else {
        fprintf(o, "loader      %s\n", se_stldr_path(l));
        fprintf(o, "device      \"%s\" type %u (%s)\n", si->name, si->type, dev_type_name(si->type));
        fprintf(o, "range       0x%08" PRIx32 "..0x%08" PRIx32 " (%" PRIu32 " bytes), page 0x%" PRIx32
                   ", erase value 0x%02x\n",
                si->start, si->start + si->size, si->size, si->page_size, si->erase_value);
        for (unsigned g = 0; g < si->ngroups; g++)
            fprintf(o, "sectors     %" PRIu32 " x 0x%" PRIx32 "\n", si->sectors[g].num,
                    si->sectors[g].size);
        fprintf(o, "StorageInfo symbol at 0x%08" PRIx32 " in section %s\n", si->symbol_addr,
                si->section);
        for (int id = 0; id < SE_EP__COUNT; id++) {
            uint32_t a;
            if (se_stldr_entry(l, (se_entry_id)id, &a))
                fprintf(o, "entry       %-12s 0x%08" PRIx32 "%s\n", se_entry_name((se_entry_id)id), a,
                        (a & 1u) ? "" : "  (no Thumb bit)");
            else
                fprintf(o, "entry       %-12s -\n", se_entry_name((se_entry_id)id));
        }
        for (size_t i = 0; i < se_stldr_nsegments(l); i++) {
            const se_segment *s = se_stldr_segment(l, i);
            fprintf(o, "segment %zu   0x%08" PRIx32 " file 0x%" PRIx32 " mem 0x%" PRIx32 " %c%c%c%s\n", i,
                    s->vaddr, s->filesz, s->memsz, (s->flags & 4) ? 'R' : '-',
                    (s->flags & 2) ? 'W' : '-', (s->flags & 1) ? 'X' : '-',
                    s->metadata ? "  StorageInfo (not downloaded)" : "");
        }
        fprintf(o, "target      %s\n", p->description);
        if (!pe) {
            fprintf(o, "image       0x%" PRIx32 " bytes downloaded at 0x%08" PRIx32
                       " (linked at 0x%08" PRIx32 "), ends at 0x%08" PRIx32 " with .bss\n",
                    img.size, img.base, img.link_base, img.mem_end);
            uint32_t sp = p->bkpt_addr + img.size + p->stack_gap;
            fprintf(o, "host        BKPT at 0x%08" PRIx32 ", SP 0x%08" PRIx32 ", download limit 0x%" PRIx32 "\n",
                    p->bkpt_addr, sp, p->download_limit);
            for (unsigned i = 0; i < img.nwarnings; i++)
                fprintf(o, "warning     %s\n", img.warnings[i]);
        } else {
            fprintf(o, "error       %s\n", err.msg);
        }
    }
    if (!pe)
        se_image_free(&img);
    return pe ? se_err_exit_code(pe) : 0;
}

/* ---- lint (static checks; see loader/lint.h) ----------------------------------------- */

static int cmd_lint(cli *c, const se_stldr *l, const se_profile *p)
{
    size_t n = se_lint(l, p, NULL, 0);
    se_lint_finding *f = calloc(n ? n : 1, sizeof *f);
    if (!f) {
        fprintf(stderr, "stldr-emu: out of memory\n");
        return se_err_exit_code(SE_ERR_NOMEM);
    }
    size_t m = se_lint(l, p, f, n);
    if (m < n)
        n = m;
    unsigned counts[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        counts[f[i].level]++;
    int rc = se_lint_exit_code(f, n);
    FILE *o = c->out;
    if (c->json) {
        fputs("{\"loader\":", o);
        json_str(o, se_stldr_path(l));
        fprintf(o, ",\"target\":\"%s\",\"tz\":%s,\"errors\":%u,\"warnings\":%u,\"infos\":%u,"
                   "\"exit\":%d,\"findings\":[",
                p->target, p->tz ? "true" : "false", counts[SE_LINT_ERROR], counts[SE_LINT_WARN],
                counts[SE_LINT_INFO], rc);
        for (size_t i = 0; i < n; i++) {
            fprintf(o, "%s{\"level\":\"%s\",\"code\":", i ? "," : "", se_lint_level_name(f[i].level));
            json_str(o, f[i].code);
            fputs(",\"message\":", o);
            json_str(o, f[i].msg);
            fputs("}", o);
        }
        fputs("]}\n", o);
    } else {
        fprintf(o, "lint %s on %s\n", se_stldr_path(l), p->description);
        for (size_t i = 0; i < n; i++)
            fprintf(o, "%-7s %-16s %s\n", se_lint_level_name(f[i].level), f[i].code, f[i].msg);
        fprintf(o, "%u errors, %u warnings, %u infos\n", counts[SE_LINT_ERROR],
                counts[SE_LINT_WARN], counts[SE_LINT_INFO]);
    }
    free(f);
    return rc;
}

/* ---- run ---------------------------------------------------------------------------- */

typedef struct write_req {
    const char *file;
    uint32_t addr;
    uint8_t *data;
    size_t len;
} write_req;

static se_err do_read(se_host *h, uint32_t addr, uint32_t len, const char *file, cli *c,
                      se_error *err)
{
    uint32_t abs;
    if (!se_host_device_range(h, addr, len, &abs)) /* before allocating len bytes */
        return se_host_read(h, addr, NULL, len, err);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    se_err e = se_host_read(h, addr, buf, len, err);
    if (!e && file) {
        e = se_write_output(file, buf, len, err);
    } else if (!e && !c->json) {
        for (uint32_t i = 0; i < len; i += 16) {
            fprintf(c->out, "%08" PRIx32 ": ", abs + i);
            for (uint32_t j = i; j < i + 16 && j < len; j++)
                fprintf(c->out, "%02x ", buf[j]);
            fputc('\n', c->out);
        }
    }
    free(buf);
    return e;
}

/* ---- --trace ------------------------------------------------------------------------ */

typedef struct trace_args {
    bool on;
    const char *func, *call, *file;
    bool has_range;
    uint32_t lo, hi;             /* --trace-range */
    uint32_t func_addr, func_size, call_addr; /* link addresses, from trace_resolve */
    FILE *f;
    se_tracer *t;
} trace_args;

/* Entry point (by its name as in `info`, any case) or function symbol. */
static bool find_function(const se_stldr *l, const char *name, uint32_t *addr, uint32_t *size)
{
    for (int id = 0; id < SE_EP__COUNT; id++)
        if (!strcasecmp(name, se_entry_name((se_entry_id)id)) &&
            se_stldr_entry(l, (se_entry_id)id, addr)) {
            *addr &= ~1u;
            uint32_t off;
            const se_symbol *s = se_stldr_symbolize(l, *addr, &off);
            *size = s && off == 0 && s->size ? s->size : 2;
            return true;
        }
    const se_symbol *s = se_stldr_find_symbol(l, name);
    if (!s)
        return false;
    *addr = s->addr & ~1u;
    *size = s->size ? s->size : 2;
    return true;
}

static bool trace_resolve(trace_args *ta, const se_stldr *l, const char **bad)
{
    uint32_t size;
    if (ta->func && !find_function(l, ta->func, &ta->func_addr, &ta->func_size)) {
        *bad = ta->func;
        return false;
    }
    if (ta->call && !find_function(l, ta->call, &ta->call_addr, &size)) {
        *bad = ta->call;
        return false;
    }
    return true;
}

static se_err trace_start(trace_args *ta, cli *c, se_host *h, se_machine *m, se_error *err)
{
    int64_t delta = se_host_image(h)->delta;
    se_trace_opts o = {.out = c->out, .json = c->json};
    if (ta->file) {
        if (!(ta->f = fopen(ta->file, "w")))
            return se_error_set(err, SE_ERR_IO, "--trace-file: cannot create %s: %s", ta->file,
                                strerror(errno));
        o.out = ta->f;
    }
    o.has_range = ta->has_range;
    o.range_lo = ta->lo;
    o.range_hi = ta->hi;
    if (ta->func) {
        o.has_func = true;
        o.func_lo = (uint32_t)(ta->func_addr + delta);
        o.func_hi = o.func_lo + ta->func_size;
    }
    if (ta->call) {
        o.has_call = true;
        o.call_entry = (uint32_t)(ta->call_addr + delta);
    }
    return se_tracer_start(m, &o, &ta->t, err);
}

static void trace_stop(trace_args *ta)
{
    se_tracer_stop(ta->t);
    ta->t = NULL;
    if (ta->f && fclose(ta->f) != 0)
        fprintf(stderr, "stldr-emu: warning: --trace-file %s: %s\n", ta->file, strerror(errno));
    ta->f = NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return argc < 2 ? se_err_exit_code(SE_ERR_USAGE) : 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep the call log in order with stderr lines */
    const char *cmd = argv[1];
    if (!strcmp(cmd, "gdb"))
        return se_gdb_main(argc, argv);
    if (!strcmp(cmd, "fuzz")) {
        extern int se_fuzz_main(int, char **);
        return se_fuzz_main(argc, argv);
    }
    if (strcmp(cmd, "info") && strcmp(cmd, "run") && strcmp(cmd, "lint") &&
        strcmp(cmd, "trace"))
        usage_exit("unknown command '%s'", cmd);

    enum {
        O_TARGET = 256, O_TZ, O_ERASE, O_MASS, O_WRITE, O_NOERASE, O_READ, O_VERIFY, O_JSON,
        O_STRICT, O_CHUNK, O_BUFFER, O_SP, O_BUDGET, O_TIMEOUT, O_IFLASH, O_IRQ, O_FILL,
        O_PLACE, O_QUIET, O_HELP, O_NOSKIP, O_EXACTWIN, O_FIMG, O_LOGFLASH, O_VERBOSE, O_INITONLY, O_REPLAY,
        O_VCD, O_VCDLIMIT, /* --vcd */
        O_LAST, O_TRACE, O_TFUNC, O_TRANGE, O_TCALL, O_TFILE, /* --trace / --last */
        O_PROFILE /* TrustZone: --profile FILE */
    };
    static const struct option opts[] = {
        {"target", required_argument, 0, O_TARGET}, {"tz", required_argument, 0, O_TZ},
        {"profile", required_argument, 0, O_PROFILE},
        {"erase", required_argument, 0, O_ERASE}, {"mass-erase", no_argument, 0, O_MASS},
        {"write", required_argument, 0, O_WRITE}, {"no-erase", no_argument, 0, O_NOERASE},
        {"read", required_argument, 0, O_READ}, {"verify", no_argument, 0, O_VERIFY},
        {"json", no_argument, 0, O_JSON}, {"strict", no_argument, 0, O_STRICT},
        {"chunk", required_argument, 0, O_CHUNK}, {"buffer", required_argument, 0, O_BUFFER},
        {"sp", required_argument, 0, O_SP}, {"budget", required_argument, 0, O_BUDGET},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"internal-flash", required_argument, 0, O_IFLASH},
        {"irq-mask", required_argument, 0, O_IRQ}, {"ram-fill", required_argument, 0, O_FILL},
        {"place", required_argument, 0, O_PLACE}, {"quiet", no_argument, 0, O_QUIET},
        {"no-idle-skip", no_argument, 0, O_NOSKIP},
        {"exact-window", no_argument, 0, O_EXACTWIN},
        {"flash-image", required_argument, 0, O_FIMG}, {"log-flash", no_argument, 0, O_LOGFLASH},
        {"verbose", no_argument, 0, O_VERBOSE}, {"init-only", no_argument, 0, O_INITONLY},
        {"replay", required_argument, 0, O_REPLAY},
        {"vcd", required_argument, 0, O_VCD}, {"vcd-limit", required_argument, 0, O_VCDLIMIT},
        {"last", required_argument, 0, O_LAST}, {"trace", no_argument, 0, O_TRACE},
        {"trace-func", required_argument, 0, O_TFUNC},
        {"trace-range", required_argument, 0, O_TRANGE},
        {"trace-call", required_argument, 0, O_TCALL},
        {"trace-file", required_argument, 0, O_TFILE},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0}};

    const char *target = "stm32l562e-dk";
    const char *tz_mode = "off", *profile_file = NULL; /* TrustZone */
    bool tz = false, mass = false, verify = false, no_erase = false, have_erase = false;
    bool have_read = false, init_only = false;
    const char *replay = NULL;
    uint32_t erase_a = 0, erase_b = 0, read_addr = 0, read_len = 0;
    const char *read_file = NULL;
    write_req writes[MAX_WRITES];
    unsigned nwrites = 0;
    trace_args ta = {.on = !strcmp(cmd, "trace")}; /* --trace */
    cli c = {.out = stdout};
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    se_host_opts ho;
    se_host_opts_default(&ho);

    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case O_TARGET: target = optarg; break;
        case O_TZ:
            if (!strcmp(optarg, "on") || !strcmp(optarg, "off") || !strcmp(optarg, "secure"))
                tz_mode = optarg;
            else usage_exit("--tz takes on, off or secure, not '%s'", optarg);
            tz = strcmp(optarg, "off") != 0;
            break;
        case O_PROFILE: profile_file = optarg; break;
        case O_ERASE: {
            char *colon = strchr(optarg, ':');
            if (!colon)
                usage_exit("--erase takes START:END, got '%s'", optarg);
            *colon = '\0';
            if (!se_parse_u32(optarg, &erase_a) || !se_parse_u32(colon + 1, &erase_b) || erase_b <= erase_a)
                usage_exit("--erase: START:END with END > START, got '%s:%s'", optarg, colon + 1);
            have_erase = true;
            break;
        }
        case O_MASS: mass = true; break;
        case O_WRITE: {
            char *at = strrchr(optarg, '@');
            if (!at || nwrites >= MAX_WRITES)
                usage_exit("--write takes FILE@ADDR (at most %d), got '%s'", MAX_WRITES, optarg);
            *at = '\0';
            if (!se_parse_u32(at + 1, &writes[nwrites].addr))
                usage_exit("--write: bad address '%s'", at + 1);
            writes[nwrites].file = optarg;
            writes[nwrites].data = NULL;
            nwrites++;
            break;
        }
        case O_NOERASE: no_erase = true; break;
        case O_READ: {
            char *at = strchr(optarg, '@');
            if (at) {
                *at = '\0';
                read_file = at + 1;
                if (!*read_file)
                    usage_exit("--read %s@: no FILE after '@' (use - for standard output)", optarg);
            }
            char *colon = strchr(optarg, ':');
            if (!colon)
                usage_exit("--read takes ADDR:LEN[@FILE], got '%s'", optarg);
            *colon = '\0';
            if (!se_parse_u32(optarg, &read_addr) || !se_parse_u32(colon + 1, &read_len) || !read_len)
                usage_exit("--read: bad ADDR:LEN '%s:%s'", optarg, colon + 1);
            have_read = true;
            break;
        }
        case O_VERIFY: verify = true; break;
        case O_JSON: c.json = true; break;
        case O_STRICT: mo.strict = ho.strict = true; break;
        case O_CHUNK:
            ho.chunk = (uint32_t)se_opt_u64(cmd, "--chunk", optarg, 1, UINT32_MAX, "a size in bytes");
            break;
        case O_BUFFER:
            if (!se_parse_u32(optarg, &ho.buffer)) usage_exit("--buffer: bad address '%s'", optarg);
            break;
        case O_SP:
            if (!se_parse_u32(optarg, &ho.sp)) usage_exit("--sp: bad address '%s'", optarg);
            ho.sp_set = true; /* 0 too: the field case "MSP is set to zero" */
            break;
        case O_BUDGET:
            ho.max_instructions = se_opt_u64(cmd, "--budget", optarg, 1, UINT64_MAX,
                                             "an instruction count per call");
            break;
        case O_TIMEOUT:
            ho.max_seconds = se_opt_seconds(cmd, "--timeout", optarg, SE_OPT_MAX_SECONDS);
            break;
        case O_IFLASH: mo.internal_flash = optarg; break;
        case O_IRQ:
            if (!strcmp(optarg, "maskints")) mo.irq_mask = SE_MASK_MASKINTS;
            else if (!strcmp(optarg, "primask")) mo.irq_mask = SE_MASK_PRIMASK;
            else if (!strcmp(optarg, "none")) mo.irq_mask = SE_MASK_NONE;
            else usage_exit("--irq-mask takes maskints, primask or none");
            break;
        case O_FILL:
            if (!strcmp(optarg, "random")) mo.ram_fill = -1;
            else mo.ram_fill = (int)se_opt_u64(cmd, "--ram-fill", optarg, 0, 0xFF,
                                               "random or a byte value");
            break;
        case O_PLACE:
            if (!strcmp(optarg, "profile")) ho.place = SE_PLACE_PROFILE;
            else if (!strcmp(optarg, "link")) ho.place = SE_PLACE_LINK;
            else usage_exit("--place takes profile or link");
            break;
        case O_QUIET: c.quiet = true; break;
        case O_NOSKIP: mo.no_idle_skip = true; break;
        case O_EXACTWIN: mo.exact_window = true; break;
        case O_FIMG: mo.flash_image = optarg; break;
        case O_LOGFLASH: mo.log_flash = c.verbose = true; break;
        case O_VERBOSE: c.verbose = true; break;
        case O_INITONLY: init_only = true; break;
        case O_REPLAY: replay = optarg; break;
        case O_VCD: mo.vcd_path = optarg; break; /* --vcd */
        case O_VCDLIMIT: {
            uint64_t n = se_opt_u64(cmd, "--vcd-limit", optarg, 0, UINT64_MAX,
                                    "a frame count (0 = all)");
            mo.vcd_limit = n ? n : UINT64_MAX;
            break;
        }
        /* --trace / --last (a filter implies --trace) */
        case O_LAST:
            mo.last_insns = (unsigned)se_opt_u64(cmd, "--last", optarg, 0, SE_LAST_MAX,
                                                 "an instruction count");
            break;
        case O_TRACE: ta.on = true; break;
        case O_TFUNC: ta.on = true; ta.func = optarg; break;
        case O_TCALL: ta.on = true; ta.call = optarg; break;
        case O_TFILE: ta.on = true; ta.file = optarg; break;
        case O_TRANGE: {
            char *colon = strchr(optarg, ':');
            if (colon)
                *colon = '\0';
            if (!colon || !se_parse_u32(optarg, &ta.lo) || !se_parse_u32(colon + 1, &ta.hi) ||
                ta.hi <= ta.lo)
                usage_exit("--trace-range takes A:B with B > A (addresses where the code runs)");
            ta.on = ta.has_range = true;
            break;
        }
        case O_HELP: fputs(usage_text, stdout); return 0;
        default: usage_exit("bad option");
        }
    }
    if (optind != argc - 1)
        usage_exit(optind >= argc ? "missing LOADER" : "unexpected argument '%s'", argv[optind + (optind < argc - 1)]);
    const char *path = argv[optind];
    if (have_erase && mass)
        usage_exit("--erase and --mass-erase exclude each other");
    if (verify && !nwrites)
        usage_exit("--verify checks what --write wrote: give --write too");
    if (read_file && se_path_is_fd(read_file, fileno(stdout)))
        c.out = stderr; /* --read ...@-: standard output holds the data alone */

    (void)tz;
    const se_profile *prof;
    if (profile_file) { /* TrustZone: a profile FILE (README "TrustZone") */
        char perr[600];
        if (!(prof = se_profile_load(profile_file, perr, sizeof perr)))
            usage_exit("%s", perr);
    } else if (!(prof = se_profile_find_tz(target, tz_mode)))
        usage_exit("unknown target '%s' (known: stm32l562e-dk)", target);

    se_error err;
    se_error_clear(&err);
    se_stldr *l = NULL;
    se_err e = se_stldr_open_file(path, &l, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        return se_err_exit_code(e);
    }
    c.l = l;
    if (!strcmp(cmd, "info")) {
        int rc = cmd_info(&c, l, prof, ho.place, ho.strict);
        se_stldr_free(l);
        return rc;
    }
    if (!strcmp(cmd, "lint")) {
        int rc = cmd_lint(&c, l, prof);
        se_stldr_free(l);
        return rc;
    }
    if (ta.on) { /* --trace: names are checked before anything runs */
        const char *bad = NULL;
        if (!trace_resolve(&ta, l, &bad)) {
            se_stldr_free(l);
            usage_exit("--trace-%s: the loader has no function '%s'",
                       bad == ta.call ? "call" : "func", bad);
        }
    }

    const se_storage_info *si = se_stldr_storage(l);
    for (unsigned i = 0; i < nwrites; i++) {
        e = se_read_file(writes[i].file, "--write file", si->size, &writes[i].data, &writes[i].len, &err);
        if (!e && writes[i].len == 0) {
            free(writes[i].data);
            e = se_error_set(&err, SE_ERR_USAGE, "--write file %s is empty: nothing to write",
                             writes[i].file);
        }
        if (e) {
            fprintf(stderr, "stldr-emu: %s\n", err.msg);
            for (unsigned j = 0; j < i; j++)
                free(writes[j].data);
            se_stldr_free(l);
            return se_err_exit_code(e);
        }
    }

    mo.log = on_log;
    mo.log_ctx = &c;
    se_machine *m = NULL;
    se_host *h = NULL;
    uint8_t *pattern = NULL;
    e = se_machine_new(prof, &mo, &m, &err);
    if (!e)
        e = se_host_new(l, m, &ho, &h, &err);
    if (!e) {
        const se_image *img = se_host_image(h);
        for (unsigned i = 0; i < img->nwarnings; i++)
            on_log(&c, SE_LOG_WARN, img->warnings[i]);
        if (!c.json && !c.quiet)
            fprintf(c.out,
                    "loader \"%s\" on %s: image 0x%" PRIx32 " bytes at 0x%08" PRIx32
                    ", SP 0x%08" PRIx32 ", buffer 0x%08" PRIx32 " (chunk 0x%" PRIx32 ")\n",
                    si->name, prof->description, img->size, img->base, se_host_sp(h),
                    se_host_buffer(h), se_host_chunk(h));
        se_host_set_logger(h, on_call, &c);
        if (ta.on) /* --trace */
            e = trace_start(&ta, &c, h, m, &err);
    }

    if (init_only && (have_erase || mass || nwrites || have_read))
        usage_exit("--init-only runs Init alone: no other operation");
    if (!e && init_only)
        e = se_host_init_only(h, &err);
    if (!e && replay)
        e = se_fuzz_replay(h, m, l, replay, &err);
    bool standard = !replay && !init_only && !have_erase && !mass && !nwrites && !have_read;
    if (!e && standard) {
        /* The standard session: a pattern over the first sector and a half, odd length, so
         * writes end mid-sector and mid-word. */
        uint32_t s0 = si->sectors[0].size;
        uint32_t len = s0 + s0 / 2 + 3;
        if (len > si->size)
            len = si->size;
        pattern = malloc(len);
        if (!pattern) {
            e = se_error_set(&err, SE_ERR_NOMEM, "out of memory");
        } else {
            uint32_t x = 0x12345678u;
            for (uint32_t i = 0; i < len; i++) {
                x = x * 1664525u + 1013904223u;
                pattern[i] = (uint8_t)(x >> 24);
            }
            if (!(e = se_host_erase(h, si->start, len, &err)) &&
                !(e = se_host_write(h, si->start, pattern, len, &err)))
                e = se_host_verify(h, si->start, pattern, len, &err);
        }
    }
    if (!e && mass)
        e = se_host_mass_erase(h, &err);
    if (!e && have_erase)
        e = se_host_erase(h, erase_a, erase_b - erase_a, &err);
    for (unsigned i = 0; !e && i < nwrites; i++) {
        if (!no_erase && !mass && !have_erase)
            e = se_host_erase(h, writes[i].addr, (uint32_t)writes[i].len, &err);
        if (!e)
            e = se_host_write(h, writes[i].addr, writes[i].data, (uint32_t)writes[i].len, &err);
        if (!e && verify)
            e = se_host_verify(h, writes[i].addr, writes[i].data, (uint32_t)writes[i].len, &err);
    }
    if (!e && have_read)
        e = do_read(h, read_addr, read_len, read_file, &c, &err);

    se_flash_stats fst = {0};
    if (m)
        se_machine_flash_stats(m, &fst);
    const se_flash_stats *fc = fst.present ? &fst : NULL;
    char flash_sum[600] = "";
    if (fc && fc->frames) {
        size_t n = (size_t)snprintf(flash_sum, sizeof flash_sum,
                                    "flash: %" PRIu64 " commands, %" PRIu64 " warnings", fc->frames,
                                    fc->warnings);
        const char *sep = " (";
        for (size_t i = 0; i < fc->nkinds && n < sizeof flash_sum; i++)
            if (fc->kinds[i].count) {
                n += (size_t)snprintf(flash_sum + n, sizeof flash_sum - n, "%s%s %" PRIu64, sep,
                                      fc->kinds[i].kind, fc->kinds[i].count);
                sep = ", ";
            }
        if (*sep == ',' && n < sizeof flash_sum - 1)
            snprintf(flash_sum + n, sizeof flash_sum - n, ")");
    }
    char dev[32];
    uint64_t instr = h ? se_host_instructions(h) : 0;
    fmt_time(dev, sizeof dev, h ? se_host_vtime_ns(h) : 0);
    unsigned warns = m ? se_machine_warnings(m) : 0;
    if (c.json) {
        fprintf(c.out, "{\"event\":\"summary\",\"ok\":%s,\"status\":\"%s\",\"calls\":%u,"
                       "\"instructions\":%" PRIu64 ",\"device_ns\":%" PRIu64 ",\"warnings\":%u",
                e ? "false" : "true", se_err_name(e), h ? se_host_calls(h) : 0, instr,
                h ? se_host_vtime_ns(h) : 0, warns);
        if (e) {
            fputs(",\"error\":", c.out);
            json_str(c.out, err.msg);
        }
        if (fc && fc->frames) {
            fprintf(c.out, ",\"flash\":{\"commands\":%" PRIu64 ",\"warnings\":%" PRIu64,
                    fc->frames, fc->warnings);
            for (size_t i = 0; i < fc->nkinds; i++)
                fprintf(c.out, ",\"%s\":%" PRIu64, fc->kinds[i].kind, fc->kinds[i].count);
            fputs("}", c.out);
        }
        fputs("}\n", c.out);
    } else {
        if (flash_sum[0])
            fprintf(c.out, "%s\n", flash_sum);
        if (e)
            fprintf(stderr, "stldr-emu: error: %s\n", err.msg);
        fprintf(c.out, "%s: %u calls, %" PRIu64 " instructions, %s device time, %u warnings\n",
                    e ? "FAILED" : "OK", h ? se_host_calls(h) : 0, instr, dev, warns);
    }
    errno = 0;
    if (!e && (fflush(stdout) != 0 || ferror(stdout))) { /* the log or hex dump was lost */
        fprintf(stderr, "stldr-emu: error: cannot write standard output: %s\n",
                errno ? strerror(errno) : "write error");
        e = SE_ERR_IO;
    }
    free(pattern);
    for (unsigned i = 0; i < nwrites; i++)
        free(writes[i].data);
    trace_stop(&ta); /* --trace */
    se_host_free(h);
    se_machine_free(m);
    se_stldr_free(l);
    return se_err_exit_code(e);
}
