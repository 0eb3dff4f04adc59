/* stldr-emu run and trace: the loader's functions called as STM32CubeProgrammer calls them,
 * one line per call (or JSON lines), the standard session when no operation is given. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h> /* strcasecmp: --trace-call */

#include "base/fileio.h"
#include "base/json.h"
#include "base/parse.h"
#include "emu/machine.h"
#include "emu/trace.h" /* --trace / --last */
#include "fuzz/engine.h"
#include "loader/host.h"
#include "loader/stldr.h"
#include "tools/cli.h"

#define MAX_WRITES 16

static const char *cmd = "run";

#define usage_exit(...) cli_usage_exit(cmd, __VA_ARGS__)

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
            se_json_str(c->out, in->sym);
            fputs(",\"src\":", c->out);
            if (in->src[0])
                se_json_str(c->out, in->src);
            else
                fputs("null", c->out);
            fputs(",\"asm\":", c->out);
            se_json_str(c->out, in->text);
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
        fprintf(c->out,
                "],\"r0\":%" PRIu32 ",\"r1\":%" PRIu32 ",\"ok\":%s,\"status\":\"%s\","
                "\"instructions\":%" PRIu64 ",\"device_ns\":%" PRIu64 ",\"host_us\":%.0f,"
                "\"exceptions\":%u",
                r->res.r0, r->res.r1, r->ok ? "true" : "false", se_err_name(r->res.status),
                r->res.instructions, r->res.vtime_ns, r->res.host_seconds * 1e6, r->res.exceptions);
        if (r->res.status != SE_OK || r->note[0]) {
            fputs(",\"reason\":", c->out);
            se_json_str(c->out, r->res.status != SE_OK ? r->res.reason : r->note);
        }
        if (r->res.detail[0]) {
            fputs(",\"detail\":", c->out);
            se_json_str(c->out, r->res.detail);
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
    cli_fmt_time(dev, sizeof dev, r->res.vtime_ns);
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
    uint32_t lo, hi;                          /* --trace-range */
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

int se_run_main(int argc, char **argv)
{
    cmd = argv[1];
    trace_args ta = {.on = !strcmp(cmd, "trace")}; /* --trace */
    cli c = {.out = stdout};
    cli_target tg;
    cli_target_default(&tg);
    bool mass = false, verify = false, no_erase = false, have_erase = false;
    bool have_read = false, init_only = false;
    const char *replay = NULL;
    uint32_t erase_a = 0, erase_b = 0, read_addr = 0, read_len = 0;
    const char *read_file = NULL;
    write_req writes[MAX_WRITES];
    unsigned nwrites = 0;
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    se_host_opts ho;
    se_host_opts_default(&ho);

    cli_parser p;
    cli_begin(&p, se_command_find(cmd), argc, argv);
    const char *optarg;
    for (int ch; (ch = cli_next(&p, &optarg)) != OPT_END;) {
        if (cli_target_option(&tg, cmd, ch, optarg))
            continue;
        switch (ch) {
        case OPT_ERASE: {
            char *colon = strchr(optarg, ':');
            if (!colon)
                usage_exit("--erase takes START:END, got '%s'", optarg);
            *colon = '\0';
            if (!se_parse_u32(optarg, &erase_a) || !se_parse_u32(colon + 1, &erase_b) ||
                erase_b <= erase_a)
                usage_exit("--erase: START:END with END > START, got '%s:%s'", optarg, colon + 1);
            have_erase = true;
            break;
        }
        case OPT_MASS: mass = true; break;
        case OPT_WRITE: {
            char *at = strrchr(optarg, '@');
            if (!at || nwrites >= MAX_WRITES)
                usage_exit("--write takes FILE@ADDR (at most %d), got '%s'", MAX_WRITES, optarg);
            *at = '\0';
            writes[nwrites].addr = cli_addr(cmd, "--write", at + 1);
            writes[nwrites].file = optarg;
            writes[nwrites].data = NULL;
            nwrites++;
            break;
        }
        case OPT_NOERASE: no_erase = true; break;
        case OPT_READ: {
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
            if (!se_parse_u32(optarg, &read_addr) || !se_parse_u32(colon + 1, &read_len) ||
                !read_len)
                usage_exit("--read: bad ADDR:LEN '%s:%s'", optarg, colon + 1);
            have_read = true;
            break;
        }
        case OPT_VERIFY: verify = true; break;
        case OPT_JSON: c.json = true; break;
        case OPT_STRICT: mo.strict = ho.strict = true; break;
        case OPT_CHUNK:
            ho.chunk = (uint32_t)cli_u64(cmd, "--chunk", optarg, 1, UINT32_MAX, "a size in bytes");
            break;
        case OPT_BUFFER: ho.buffer = cli_addr(cmd, "--buffer", optarg); break;
        case OPT_SP:
            ho.sp = cli_addr(cmd, "--sp", optarg);
            ho.sp_set = true; /* 0 too: the field case "MSP is set to zero" */
            break;
        case OPT_BUDGET:
            ho.max_instructions =
                cli_u64(cmd, "--budget", optarg, 1, UINT64_MAX, "an instruction count per call");
            break;
        case OPT_TIMEOUT:
            ho.max_seconds = cli_seconds(cmd, "--timeout", optarg, SE_OPT_MAX_SECONDS);
            break;
        case OPT_IFLASH: mo.internal_flash = optarg; break;
        case OPT_IRQ:
            if (!strcmp(optarg, "maskints"))
                mo.irq_mask = SE_MASK_MASKINTS;
            else if (!strcmp(optarg, "primask"))
                mo.irq_mask = SE_MASK_PRIMASK;
            else if (!strcmp(optarg, "none"))
                mo.irq_mask = SE_MASK_NONE;
            else
                usage_exit("--irq-mask takes maskints, primask or none");
            break;
        case OPT_FILL:
            if (!strcmp(optarg, "random"))
                mo.ram_fill = -1;
            else
                mo.ram_fill =
                    (int)cli_u64(cmd, "--ram-fill", optarg, 0, 0xFF, "random or a byte value");
            break;
        case OPT_PLACE:
            if (!strcmp(optarg, "profile"))
                ho.place = SE_PLACE_PROFILE;
            else if (!strcmp(optarg, "link"))
                ho.place = SE_PLACE_LINK;
            else
                usage_exit("--place takes profile or link");
            break;
        case OPT_QUIET: c.quiet = true; break;
        case OPT_NOSKIP: mo.no_idle_skip = true; break;
        case OPT_EXACTWIN: mo.exact_window = true; break;
        case OPT_FIMG: mo.flash_image = optarg; break;
        case OPT_LOGFLASH: mo.log_flash = c.verbose = true; break;
        case OPT_VERBOSE: c.verbose = true; break;
        case OPT_INITONLY: init_only = true; break;
        case OPT_REPLAY: replay = optarg; break;
        case OPT_VCD: mo.vcd_path = optarg; break; /* --vcd */
        case OPT_VCDLIMIT: {
            uint64_t n =
                cli_u64(cmd, "--vcd-limit", optarg, 0, UINT64_MAX, "a frame count (0 = all)");
            mo.vcd_limit = n ? n : UINT64_MAX;
            break;
        }
        /* --trace / --last (a filter implies --trace) */
        case OPT_LAST:
            mo.last_insns =
                (unsigned)cli_u64(cmd, "--last", optarg, 0, SE_LAST_MAX, "an instruction count");
            break;
        case OPT_TRACE: ta.on = true; break;
        case OPT_TFUNC:
            ta.on = true;
            ta.func = optarg;
            break;
        case OPT_TCALL:
            ta.on = true;
            ta.call = optarg;
            break;
        case OPT_TFILE:
            ta.on = true;
            ta.file = optarg;
            break;
        case OPT_TRANGE: {
            char *colon = strchr(optarg, ':');
            if (colon)
                *colon = '\0';
            if (!colon || !se_parse_u32(optarg, &ta.lo) || !se_parse_u32(colon + 1, &ta.hi) ||
                ta.hi <= ta.lo)
                usage_exit("--trace-range takes A:B with B > A (addresses where the code runs)");
            ta.on = ta.has_range = true;
            break;
        }
        }
    }
    const char *path = p.operand;
    if (have_erase && mass)
        usage_exit("--erase and --mass-erase exclude each other");
    if (verify && !nwrites)
        usage_exit("--verify checks what --write wrote: give --write too");
    if (read_file && se_path_is_fd(read_file, fileno(stdout)))
        c.out = stderr; /* --read ...@-: standard output holds the data alone */

    const se_profile *prof = cli_profile(&tg, cmd);

    se_error err;
    se_error_clear(&err);
    se_stldr *l = NULL;
    se_err e = se_stldr_open_file(path, &l, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        return se_err_exit_code(e);
    }
    c.l = l;
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
        e = se_read_file(writes[i].file, "--write file", si->size, &writes[i].data, &writes[i].len,
                         &err);
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

    mo.log = cli_on_log;
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
            cli_on_log(&c, SE_LOG_WARN, img->warnings[i]);
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
    cli_fmt_time(dev, sizeof dev, h ? se_host_vtime_ns(h) : 0);
    unsigned warns = m ? se_machine_warnings(m) : 0;
    if (c.json) {
        fprintf(c.out,
                "{\"event\":\"summary\",\"ok\":%s,\"status\":\"%s\",\"calls\":%u,"
                "\"instructions\":%" PRIu64 ",\"device_ns\":%" PRIu64 ",\"warnings\":%u",
                e ? "false" : "true", se_err_name(e), h ? se_host_calls(h) : 0, instr,
                h ? se_host_vtime_ns(h) : 0, warns);
        if (e) {
            fputs(",\"error\":", c.out);
            se_json_str(c.out, err.msg);
        }
        if (fc && fc->frames) {
            fprintf(c.out, ",\"flash\":{\"commands\":%" PRIu64 ",\"warnings\":%" PRIu64, fc->frames,
                    fc->warnings);
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
