#include "tools/report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/json.h"
#include "emu/trace.h" /* se_insn_format: --last */

struct report {
    cli *c;
    se_host *h;
    FILE *tee;
    bool calls_on;
    /* a run of successful calls of one function in one operation, after its first line */
    const char *last_op, *last_fn; /* the call printed last, when it succeeded */
    unsigned fold;
    uint64_t fold_instr, fold_vt;
    double fold_host;
    uint64_t fold_lo, fold_hi;
    /* --junit */
    const char *junit;
    FILE *jf;
    char *jbuf;
    size_t jlen;
    unsigned jtests, jfail;
    double jtime;
    /* --progress */
    se_progress_mode pm;
    se_progress_style ps;
    bool tty;
    bool scoped;
    const char *scope_op; /* the host operation a scope follows (not a second pass) */
    const char *label;
    uint64_t total, base, done;
    double t0, last;
    uint64_t vt0;
    bool drawn;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

report *report_new(cli *c, const char *junit, se_progress_mode pm, se_progress_style style)
{
    report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->c = c;
    r->calls_on = true;
    r->junit = junit;
    if (junit && !(r->jf = open_memstream(&r->jbuf, &r->jlen))) {
        free(r);
        return NULL;
    }
    r->ps = style;
    r->tty = isatty(style == SE_PROGRESS_BAR ? fileno(c->out) : STDERR_FILENO) == 1;
    /* auto: a terminal, and neither --quiet nor --json (whose readers are programs) */
    if (pm == SE_PROGRESS_AUTO && (c->json || c->quiet || !r->tty) && style == SE_PROGRESS_LINE)
        pm = SE_PROGRESS_NEVER;
    r->pm = pm;
    return r;
}

void report_free(report *r)
{
    if (!r)
        return;
    if (r->jf)
        fclose(r->jf);
    free(r->jbuf);
    free(r);
}

static void on_progress(void *ctx, const char *op, uint64_t done, uint64_t total);

void report_attach(report *r, se_host *h)
{
    r->h = h;
    se_host_set_logger(h, report_on_call, r);
    se_host_set_progress(h, on_progress, r);
}

void report_set_tee(report *r, FILE *tee, bool calls_on)
{
    r->tee = tee;
    r->calls_on = calls_on;
}

/* A line of the call log: onto the output (unless calls are off) and the tee. */
static void say(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(report *r, const char *fmt, ...)
{
    va_list ap;
    if (r->calls_on && r->drawn && r->tty && r->ps == SE_PROGRESS_LINE &&
        r->pm != SE_PROGRESS_NEVER)
        fputs("\r\033[K", stderr); /* the line goes above the progress line, redrawn later */
    if (r->calls_on) {
        va_start(ap, fmt);
        vfprintf(r->c->out, fmt, ap);
        va_end(ap);
    }
    if (r->tee) {
        va_start(ap, fmt);
        vfprintf(r->tee, fmt, ap);
        va_end(ap);
    }
}

/* ---- the call log ----------------------------------------------------------------------- */

/* --last: the instructions a failed call executed last (JSON: a "last" member). */
static void print_last(report *r, const se_call_result *res)
{
    if (res->nlast == 0)
        return;
    FILE *o = r->c->out;
    if (r->c->json) {
        fputs(",\"last\":[", o);
        for (unsigned i = 0; i < res->nlast; i++) {
            const se_insn_info *in = &res->last[i];
            fprintf(o, "%s{\"pc\":%" PRIu32 ",\"sym\":", i ? "," : "", in->pc);
            se_json_str(o, in->sym);
            fputs(",\"src\":", o);
            if (in->src[0])
                se_json_str(o, in->src);
            else
                fputs("null", o);
            fputs(",\"asm\":", o);
            se_json_str(o, in->text);
            fputs("}", o);
        }
        fputs("]", o);
        return;
    }
    say(r, "            last %u instructions (oldest first):\n", res->nlast);
    for (unsigned i = 0; i < res->nlast; i++) {
        char line[200];
        se_insn_format(&res->last[i], line, sizeof line);
        say(r, "              %s\n", line);
    }
}

static void json_call(report *r, const se_call_record *rec)
{
    FILE *o = r->c->out;
    fprintf(o, "{\"event\":\"call\",\"op\":\"%s\",\"function\":\"%s\",\"args\":[", rec->op,
            rec->function);
    for (unsigned i = 0; i < rec->nargs; i++)
        fprintf(o, "%s%" PRIu32, i ? "," : "", rec->args[i]);
    fprintf(o,
            "],\"r0\":%" PRIu32 ",\"r1\":%" PRIu32 ",\"ok\":%s,\"status\":\"%s\","
            "\"instructions\":%" PRIu64 ",\"device_ns\":%" PRIu64 ",\"host_us\":%.0f,"
            "\"exceptions\":%u",
            rec->res.r0, rec->res.r1, rec->ok ? "true" : "false", se_err_name(rec->res.status),
            rec->res.instructions, rec->res.vtime_ns, rec->res.host_seconds * 1e6,
            rec->res.exceptions);
    if (rec->res.status != SE_OK || rec->note[0]) {
        fputs(",\"reason\":", o);
        se_json_str(o, rec->res.status != SE_OK ? rec->res.reason : rec->note);
    }
    if (rec->res.detail[0]) {
        fputs(",\"detail\":", o);
        se_json_str(o, rec->res.detail);
    }
    print_last(r, &rec->res); /* --last */
    fputs("}\n", o);
}

/* The device range a chunk call covers: Write/Read (addr, len), Verify (addr, buf, words). */
static void call_range(const se_call_record *rec, uint64_t *lo, uint64_t *hi)
{
    *lo = rec->args[0];
    uint64_t len = !strcmp(rec->function, "Verify") ? (uint64_t)rec->args[2] * 4 : rec->args[1];
    *hi = *lo + len;
}

void report_flush(report *r)
{
    if (!r || !r->fold)
        return;
    char dev[32];
    cli_fmt_time(dev, sizeof dev, r->fold_vt);
    say(r,
        "            ... and %u more %s calls, all ok (0x%08" PRIx64 "..0x%08" PRIx64 "): %" PRIu64
        " instr, %s device, %.2f ms host\n",
        r->fold, r->last_fn, r->fold_lo, r->fold_hi, r->fold_instr, dev, r->fold_host * 1e3);
    r->fold = 0;
}

static void text_call(report *r, const se_call_record *rec)
{
    cli *c = r->c;
    if (c->quiet && rec->ok && !r->tee)
        return;
    /* A run of successful calls of one function in one operation (a large write's chunks)
     * is folded into one line after its first (not with --verbose). */
    if (rec->ok && !c->verbose && r->last_fn && !strcmp(r->last_fn, rec->function) &&
        !strcmp(r->last_op, rec->op)) {
        uint64_t lo, hi;
        call_range(rec, &lo, &hi);
        if (!r->fold || lo < r->fold_lo)
            r->fold_lo = lo;
        if (!r->fold || hi > r->fold_hi)
            r->fold_hi = hi;
        r->fold++;
        r->fold_instr += rec->res.instructions;
        r->fold_vt += rec->res.vtime_ns;
        r->fold_host += rec->res.host_seconds;
        return;
    }
    report_flush(r);
    r->fold_instr = r->fold_vt = 0;
    r->fold_host = 0;
    r->last_op = rec->ok ? rec->op : NULL;
    r->last_fn = rec->ok ? rec->function : NULL;
    if (c->quiet && rec->ok)
        return;
    bool calls_on = r->calls_on;
    if (!rec->ok) /* a failed call is shown whatever the verbosity */
        r->calls_on = true;
    char args[96] = "", res[48], dev[32];
    size_t n = 0;
    for (unsigned i = 0; i < rec->nargs; i++)
        n += (size_t)snprintf(args + n, sizeof args - n, "%s0x%" PRIx32, i ? ", " : "",
                              rec->args[i]);
    if (rec->res.status != SE_OK)
        snprintf(res, sizeof res, "%s", se_err_name(rec->res.status));
    else if (!strcmp(rec->function, "host-read")) /* the host's own read: no R0 */
        snprintf(res, sizeof res, "-");
    else if (rec->returns64)
        snprintf(res, sizeof res, "0x%08" PRIx32 "_%08" PRIx32, rec->res.r1, rec->res.r0);
    else
        snprintf(res, sizeof res, "0x%" PRIx32, rec->res.r0);
    cli_fmt_time(dev, sizeof dev, rec->res.vtime_ns);
    char call[160];
    snprintf(call, sizeof call, "%s(%s)", rec->function, args);
    say(r, "%-11s %-46s -> %-19s %-4s %10" PRIu64 " instr  %10s device  %8.2f ms host\n", rec->op,
        call, res, rec->ok ? "ok" : "FAIL", rec->res.instructions, dev,
        rec->res.host_seconds * 1e3);
    if (rec->res.status != SE_OK)
        say(r, "            %s\n", rec->res.reason);
    else if (rec->note[0])
        say(r, "            %s\n", rec->note);
    if (rec->res.status != SE_OK && rec->res.detail[0]) {
        const char *p = rec->res.detail;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            say(r, "            | %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
    }
    print_last(r, &rec->res); /* --last */
    r->calls_on = calls_on;
}

/* ---- JUnit --------------------------------------------------------------------------------- */

/* s as XML attribute or text: the five entities, controls (not allowed in XML 1.0) as '?' */
static void xml(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(ch < 0x20 && ch != '\n' && ch != '\t' ? '?' : ch, f);
        }
    }
}

static void junit_case(report *r, const char *classname, const char *name, double seconds,
                       const char *type, const char *msg, const se_call_result *res)
{
    FILE *f = r->jf;
    r->jtests++;
    r->jtime += seconds;
    fputs("    <testcase classname=\"", f);
    xml(f, classname);
    fputs("\" name=\"", f);
    xml(f, name);
    fprintf(f, "\" time=\"%.6f\"", seconds);
    if (!type) {
        fputs("/>\n", f);
        return;
    }
    r->jfail++;
    fputs(">\n      <failure type=\"", f);
    xml(f, type);
    fputs("\" message=\"", f);
    xml(f, msg);
    fputs("\">", f);
    xml(f, msg);
    if (res && res->detail[0]) {
        fputc('\n', f);
        xml(f, res->detail);
    }
    if (res && res->nlast) {
        fprintf(f, "\nlast %u instructions (oldest first):", res->nlast);
        for (unsigned i = 0; i < res->nlast; i++) {
            char line[200];
            se_insn_format(&res->last[i], line, sizeof line);
            fputs("\n  ", f);
            xml(f, line);
        }
    }
    fputs("</failure>\n    </testcase>\n", f);
}

static void junit_call(report *r, const se_call_record *rec)
{
    char name[200], args[96] = "", cls[64];
    size_t n = 0;
    for (unsigned i = 0; i < rec->nargs; i++)
        n += (size_t)snprintf(args + n, sizeof args - n, "%s0x%" PRIx32, i ? ", " : "",
                              rec->args[i]);
    snprintf(name, sizeof name, "%u %s(%s)", r->jtests + 1, rec->function, args);
    snprintf(cls, sizeof cls, "stldr-emu.%s", rec->op);
    const char *msg = rec->res.status != SE_OK ? rec->res.reason : rec->note;
    junit_case(r, cls, name, rec->res.host_seconds,
               rec->ok ? NULL
                       : (rec->res.status != SE_OK ? se_err_name(rec->res.status) : "call-failed"),
               msg, rec->ok ? NULL : &rec->res);
}

se_err report_write_junit(report *r, const char *suite, se_err e, const char *msg, se_error *err)
{
    if (!r->junit)
        return SE_OK;
    junit_case(r, "stldr-emu.session", "session", 0, e ? se_err_name(e) : NULL, msg, NULL);
    fflush(r->jf);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"%u\" "
            "failures=\"%u\" errors=\"0\" time=\"%.6f\">\n  <testsuite name=\"",
            r->jtests, r->jfail, r->jtime);
    xml(f, suite);
    fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\" time=\"%.6f\">\n",
            r->jtests, r->jfail, r->jtime);
    fwrite(r->jbuf, 1, r->jlen, f);
    fputs("  </testsuite>\n</testsuites>\n", f);
    fclose(f);
    se_err we = se_write_output(r->junit, out, len, err);
    free(out);
    return we;
}

void report_on_call(void *ctx, const se_call_record *rec)
{
    report *r = ctx;
    if (r->jf)
        junit_call(r, rec);
    if (r->c->json)
        json_call(r, rec);
    else
        text_call(r, rec);
}

/* ---- --log-flash --json ------------------------------------------------------------------ */

void report_on_flash_cmd(void *ctx, const se_flash_cmd *cmd)
{
    report *r = ctx;
    FILE *o = r->c->out;
    fprintf(o, "{\"event\":\"flash\",\"mode\":");
    se_json_str(o, cmd->mode);
    fprintf(o, ",\"opcode\":%" PRIu32 ",\"opcode_bytes\":%u,\"name\":", cmd->opcode,
            cmd->opcode_bytes);
    if (cmd->name)
        se_json_str(o, cmd->name);
    else
        fputs("null", o);
    if (cmd->has_addr)
        fprintf(o, ",\"address\":%" PRIu32, cmd->addr);
    else
        fputs(",\"address\":null", o);
    fprintf(o, ",\"dummy\":%u,\"length\":%" PRIu32 ",\"write\":%s,\"ignored\":%s,\"effect\":",
            cmd->dummy, cmd->len, cmd->write ? "true" : "false", cmd->ignored ? "true" : "false");
    if (cmd->effect)
        se_json_str(o, cmd->effect);
    else
        fputs("null", o);
    fputs(",\"affected\":[", o);
    for (unsigned i = 0; i < cmd->nranges; i++)
        fprintf(o, "%s{\"first\":%" PRIu32 ",\"last\":%" PRIu32 "}", i ? "," : "",
                cmd->range[i].first, cmd->range[i].last);
    fprintf(o, "],\"device_ns\":%" PRIu64 ",\"text\":", cmd->time_ns);
    se_json_str(o, cmd->text);
    fputs("}\n", o);
}

/* ---- --progress ------------------------------------------------------------------------ */

static void human_bytes(char *buf, size_t len, uint64_t n)
{
    if (n < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", n / 1024.0);
    else
        snprintf(buf, len, "%.1f MiB", n / (1024.0 * 1024.0));
}

#define BAR 50

static void draw(report *r, bool final)
{
    double t = now_s(), el = t - r->t0;
    uint64_t done = r->done > r->total ? r->total : r->done;
    unsigned pct = r->total ? (unsigned)(done * 100 / r->total) : 100;
    uint64_t vt = r->h ? se_host_vtime_ns(r->h) - r->vt0 : 0;
    if (r->c->json && r->ps == SE_PROGRESS_LINE) {
        fprintf(r->c->out,
                "{\"event\":\"progress\",\"op\":\"%s\",\"done\":%" PRIu64 ",\"total\":%" PRIu64
                ",\"host_s\":%.3f,\"device_ns\":%" PRIu64 "}\n",
                r->label, done, r->total, el, vt);
        r->drawn = true;
        return;
    }
    if (r->ps == SE_PROGRESS_BAR) {
        if (!r->tty && !final)
            return;
        unsigned k = pct * BAR / 100;
        char bar[BAR + 1];
        memset(bar, '=', k);
        memset(bar + k, ' ', BAR - k);
        bar[BAR] = '\0';
        fprintf(r->c->out, "%s[%s] %3u%%%s", r->tty ? "\r" : "", bar, pct, final ? "\n" : "");
        if (r->tee && final)
            fprintf(r->tee, "[%s] %3u%%\n", bar, pct);
        fflush(r->c->out);
        r->drawn = true;
        return;
    }
    char d[32], tot[32], eta[32] = "-", dev[32];
    human_bytes(d, sizeof d, done);
    human_bytes(tot, sizeof tot, r->total);
    double rate = el > 0 ? done / el : 0;
    if (rate > 0 && done < r->total)
        snprintf(eta, sizeof eta, "%.0f s", (r->total - done) / rate);
    cli_fmt_time(dev, sizeof dev, vt);
    fprintf(stderr, "%s%-7s %3u%%  %s / %s  %.1f MB/s  ETA %s  device %s%s", r->tty ? "\r" : "",
            r->label, pct, d, tot, rate / 1e6, eta, dev, r->tty ? "\033[K" : "\n");
    fflush(stderr);
    r->drawn = true;
}

static void start(report *r, const char *label, uint64_t total)
{
    r->label = label;
    r->total = total;
    r->base = r->done = 0;
    r->t0 = r->last = now_s();
    r->vt0 = r->h ? se_host_vtime_ns(r->h) : 0;
    r->drawn = false;
}

static void finish(report *r)
{
    if (r->ps == SE_PROGRESS_BAR) {
        if (r->pm != SE_PROGRESS_NEVER)
            draw(r, true);
    } else if (r->drawn && r->tty && !r->c->json) {
        fputs("\r\033[K", stderr); /* the log goes on where the line was */
        fflush(stderr);
    }
}

static void on_progress(void *ctx, const char *op, uint64_t done, uint64_t total)
{
    report *r = ctx;
    if (r->pm == SE_PROGRESS_NEVER)
        return;
    if (!r->scoped && (!r->label || strcmp(op, r->label) || total != r->total || done < r->done))
        start(r, op, total);
    if (r->scoped && !r->scope_op)
        r->scope_op = op;
    if (r->scoped && strcmp(op, r->scope_op))
        return; /* the Verify calls after a read-back: the scope counted those bytes */
    r->done = r->base + done;
    double t = now_s();
    bool last = r->done >= r->total;
    bool due = r->pm == SE_PROGRESS_ALWAYS || t - r->t0 >= 1.0; /* "over about a second" */
    if (due && (last || t - r->last >= 0.1 || !r->drawn)) {
        r->last = t;
        if (r->ps == SE_PROGRESS_LINE || !last)
            draw(r, false);
    }
    if (last && !r->scoped) {
        finish(r);
        r->label = NULL;
    }
}

void report_progress_begin(report *r, const char *label, uint64_t total)
{
    start(r, label, total);
    r->scoped = true;
    r->scope_op = NULL;
}

void report_progress_base(report *r, uint64_t base) { r->base = r->done = base; }

void report_progress_end(report *r)
{
    if (!r->scoped)
        return;
    finish(r);
    r->scoped = false;
    r->label = NULL;
}

bool report_progress_drawn(const report *r) { return r->drawn; }
