/* stldr-emu run and trace: the loader's functions called as STM32CubeProgrammer calls them,
 * one line per call (or JSON lines), the standard session when no operation is given. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h> /* strcasecmp: --trace-call */

#include "base/datafile.h"
#include "base/fileio.h"
#include "base/json.h"
#include "base/parse.h"
#include "emu/machine.h"
#include "emu/trace.h" /* --trace / --last */
#include "fuzz/engine.h"
#include "loader/host.h"
#include "loader/stldr.h"
#include "tools/cli.h"
#include "tools/program.h"
#include "tools/report.h"

#define MAX_WRITES 16

static const char *cmd = "run";

#define usage_exit(...) cli_usage_exit(cmd, __VA_ARGS__)

/* ---- run ---------------------------------------------------------------------------- */

typedef struct write_req {
    const char *file;
    bool has_addr;
    uint32_t addr;
    se_datafile df;
} write_req;

/* --read into FILE as its extension says (.hex, .srec/.s19: text with the device addresses;
 * else the raw bytes), with --json the data in a "read" event. */
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
        se_df_format of = se_df_output_format(file);
        if (of == SE_DF_BIN) {
            e = se_write_output(file, buf, len, err);
        } else {
            char *text;
            size_t tlen;
            if (!(e = se_df_format_text(of, abs, buf, len, &text, &tlen, err))) {
                e = se_write_output(file, text, tlen, err);
                free(text);
            }
        }
    }
    if (!e && c->json) {
        static const char hexd[] = "0123456789abcdef";
        fprintf(c->out, "{\"event\":\"read\",\"address\":%" PRIu32 ",\"length\":%" PRIu32, abs,
                len);
        if (file) {
            fputs(",\"file\":", c->out);
            se_json_str(c->out, file);
        } else {
            fputs(",\"encoding\":\"hex\",\"data\":\"", c->out);
            for (uint32_t i = 0; i < len; i++) {
                fputc(hexd[buf[i] >> 4], c->out);
                fputc(hexd[buf[i] & 15], c->out);
            }
            fputc('"', c->out);
        }
        fputs("}\n", c->out);
    } else if (!e && !file) {
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
    se_df_format format = SE_DF_AUTO;
    const char *junit = NULL;
    se_progress_mode pmode = SE_PROGRESS_AUTO;
    report *rep = NULL;
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
            if (nwrites >= MAX_WRITES)
                usage_exit("at most %d --write", MAX_WRITES);
            /* FILE@ADDR when what follows the last '@' is a number, else FILE alone */
            char *at = strrchr(optarg, '@');
            write_req *w = &writes[nwrites++];
            *w = (write_req){.file = optarg};
            if (at && se_parse_u32(at + 1, &w->addr)) {
                *at = '\0';
                w->has_addr = true;
            }
            if (!*w->file)
                usage_exit("--write takes FILE[@ADDR], got '%s'", optarg);
            break;
        }
        case OPT_FORMAT:
            if (!se_df_format_parse(optarg, &format))
                usage_exit("--format takes auto, bin, hex, srec or elf, not '%s'", optarg);
            break;
        case OPT_JUNIT: junit = optarg; break;
        case OPT_PROGRESS:
            if (!strcmp(optarg, "auto"))
                pmode = SE_PROGRESS_AUTO;
            else if (!strcmp(optarg, "always"))
                pmode = SE_PROGRESS_ALWAYS;
            else if (!strcmp(optarg, "never"))
                pmode = SE_PROGRESS_NEVER;
            else
                usage_exit("--progress takes auto, always or never, not '%s'", optarg);
            break;
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
        case OPT_FLMHOST:
            if (!se_flm_host_parse(optarg, &ho.flm_host))
                usage_exit("--flm-host takes pyocd, probe-rs or keil, not '%s'", optarg);
            break;
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
        case OPT_NODMASPAN: mo.no_dma_span = true; break;
        case OPT_EXACT: se_machine_opts_exact(&mo); break;
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

    se_error err;
    se_error_clear(&err);
    se_stldr *l = NULL;
    se_err e = se_stldr_open_file(path, &l, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        return se_err_exit_code(e);
    }
    c.l = l;
    char why[2000];
    const se_profile *prof = cli_profile_for(&tg, cmd, l, why, sizeof why);
    if (why[0] && !c.json && !c.quiet)
        fprintf(stderr, "stldr-emu: note: %s\n", why);
    if (ta.on) { /* --trace: names are checked before anything runs */
        const char *bad = NULL;
        if (!trace_resolve(&ta, l, &bad)) {
            se_stldr_free(l);
            usage_exit("--trace-%s: the loader has no function '%s'",
                       bad == ta.call ? "call" : "func", bad);
        }
    }

    const se_storage_info *si = se_stldr_storage(l);
    char what[160];
    se_df_limits lim = se_device_limits(si, what, sizeof what);
    for (unsigned i = 0; i < nwrites; i++) {
        write_req *w = &writes[i];
        /* an address below the device start is an offset into it, as elsewhere */
        if (w->has_addr && w->addr < si->start && (uint64_t)si->start + w->addr <= UINT32_MAX)
            w->addr += si->start;
        e = se_df_load(w->file, "--write file", format, w->has_addr, w->addr, &lim, &w->df, &err);
        if (e) {
            fprintf(stderr, "stldr-emu: %s\n", err.msg);
            for (unsigned j = 0; j < i; j++)
                se_df_free(&writes[j].df);
            se_stldr_free(l);
            return se_err_exit_code(e);
        }
    }

    if (!(rep = report_new(&c, junit, pmode, SE_PROGRESS_LINE))) {
        fprintf(stderr, "stldr-emu: out of memory\n");
        for (unsigned j = 0; j < nwrites; j++)
            se_df_free(&writes[j].df);
        se_stldr_free(l);
        return se_err_exit_code(SE_ERR_NOMEM);
    }
    if (mo.log_flash && c.json) { /* --log-flash --json: one event per command */
        mo.flash_cmd = report_on_flash_cmd;
        mo.flash_cmd_ctx = rep;
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
        char policy[300]; /* an inconsistent StorageInfo: the policy, then on */
        if (se_storage_policy(si, policy, sizeof policy))
            cli_on_log(&c, SE_LOG_WARN, policy);
        for (unsigned i = 0; i < img->nwarnings; i++)
            cli_on_log(&c, SE_LOG_WARN, img->warnings[i]);
        char desc[400]; /* --place link: where the image really is, not the profile's base */
        if (img->base != prof->load_base)
            snprintf(desc, sizeof desc,
                     "%s (--place link: loader at its link address 0x%08" PRIx32
                     ", BKPT still at 0x%08" PRIx32 ")",
                     prof->target, img->base, prof->bkpt_addr);
        else
            snprintf(desc, sizeof desc, "%s", prof->description);
        if (!c.json && !c.quiet)
            fprintf(c.out,
                    "loader \"%s\" on %s: image 0x%" PRIx32 " bytes at 0x%08" PRIx32
                    ", SP 0x%08" PRIx32 ", buffer 0x%08" PRIx32 " (chunk 0x%" PRIx32 ")\n",
                    si->name, desc, img->size, img->base, se_host_sp(h), se_host_buffer(h),
                    se_host_chunk(h));
        report_attach(rep, h);
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
        /* as CubeProgrammer's download: the sectors each segment touches, then every
         * segment, then (--verify) every segment read back and checked */
        const se_datafile *df = &writes[i].df;
        for (size_t k = 0; !e && !no_erase && !mass && !have_erase && k < df->nsegs; k++) {
            uint32_t first, last, fs, ls, z;
            if (se_segment_sectors(si, df, k, &first, &last) &&
                se_sector_by_index(si, first, &fs, &z) && se_sector_by_index(si, last, &ls, &z))
                e = se_host_erase(h, si->start + fs, ls + z - fs, &err);
        }
        for (int pass = 0; pass < (verify ? 2 : 1) && !e; pass++) {
            report_progress_begin(rep, pass ? "verify" : "write", df->bytes);
            uint64_t base = 0;
            for (size_t k = 0; !e && k < df->nsegs; k++) {
                const se_df_segment *g = &df->segs[k];
                report_progress_base(rep, base);
                e = pass ? se_host_verify(h, g->addr, g->data, g->len, &err)
                         : se_host_write(h, g->addr, g->data, g->len, &err);
                base += g->len;
            }
            report_progress_end(rep);
        }
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
    report_flush(rep);
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
        const char *kt;
        uint64_t kn;
        unsigned kc;
        for (unsigned i = 0; m && se_machine_warning_kind(m, i, &kt, &kn, &kc); i++) {
            fputs(i ? "," : ",\"warning_kinds\":[", c.out);
            fputs("{\"kind\":", c.out);
            se_json_str(c.out, kt);
            fprintf(c.out, ",\"count\":%" PRIu64 ",\"calls\":%u}", kn, kc);
        }
        if (m && se_machine_warning_kind(m, 0, &kt, &kn, &kc))
            fputs("]", c.out);
        fputs("}\n", c.out);
    } else {
        if (flash_sum[0])
            fprintf(c.out, "%s\n", flash_sum);
        if (e)
            fprintf(stderr, "stldr-emu: error: %s\n", err.msg);
        fprintf(c.out, "%s: %u calls, %" PRIu64 " instructions, %s device time, %u warnings\n",
                e ? "FAILED" : "OK", h ? se_host_calls(h) : 0, instr, dev, warns);
        /* the kinds: each said once (the first call it occurred in), counted everywhere */
        const char *kt;
        uint64_t kn;
        unsigned kc;
        for (unsigned i = 0; m && se_machine_warning_kind(m, i, &kt, &kn, &kc); i++)
            fprintf(c.out, "  warning x%" PRIu64 " (%u calls): %s\n", kn, kc, kt);
    }
    if (junit) { /* --junit: the calls and the session's outcome */
        char suite[200];
        snprintf(suite, sizeof suite, "%s on %s", si->name, prof->target);
        se_error je;
        se_err jr = report_write_junit(rep, suite, e, e ? err.msg : "", &je);
        if (jr) {
            fprintf(stderr, "stldr-emu: error: --junit: %s\n", je.msg);
            if (!e)
                e = jr;
        }
    }
    errno = 0;
    if (!e && (fflush(stdout) != 0 || ferror(stdout))) { /* the log or hex dump was lost */
        fprintf(stderr, "stldr-emu: error: cannot write standard output: %s\n",
                errno ? strerror(errno) : "write error");
        e = SE_ERR_IO;
    }
    free(pattern);
    for (unsigned i = 0; i < nwrites; i++)
        se_df_free(&writes[i].df);
    trace_stop(&ta); /* --trace */
    report_free(rep);
    se_host_free(h);
    se_machine_free(m);
    se_stldr_free(l);
    return se_err_exit_code(e);
}
