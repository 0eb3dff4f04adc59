/* stldr-emu fuzz: the command around the engine (fuzz/engine.c). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/input_limits.h"
#include "base/json.h"
#include "emu/machine.h"
#include "fuzz/engine.h"
#include "loader/host.h"
#include "tools/cli.h"

/* --json: one finding as a JSON line */
static void json_finding(unsigned index, const se_fuzz_finding *f)
{
    printf("{\"event\":\"finding\",\"index\":%u,\"kind\":", index);
    se_json_str(stdout, f->kind);
    fputs(",\"where\":", stdout);
    se_json_str(stdout, f->where);
    printf(",\"cases\":%" PRIu64 ",\"first_case\":%" PRIu64 ",\"message\":", f->count,
           f->first_case);
    se_json_str(stdout, f->msg);
    fputs(",\"reproducer\":", stdout);
    if (f->file[0])
        se_json_str(stdout, f->file);
    else
        fputs("null", stdout);
    fputs("}\n", stdout);
}

/* --from-input: the case a coverage-guided input (fuzz/fuzz_loader.c) stands for, run once
 * and, with --out, saved as a reproducer. */
static int from_input_main(se_host *h, se_machine *m, const se_stldr *l, const se_fuzz_opts *fo,
                           const char *path, bool json)
{
    uint8_t *data;
    size_t n;
    se_error err;
    se_err e = se_read_file(path, "fuzz input", SE_LIMIT_FUZZ_INPUT_BYTES, &data, &n, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        return se_err_exit_code(e);
    }
    se_fuzz_session *s;
    if ((e = se_fuzz_session_new(h, m, l, &s, &err))) {
        free(data);
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        return se_err_exit_code(e);
    }
    se_fuzz_case c;
    se_fuzz_finding f;
    se_fuzz_decode(s, data, n, &c);
    for (unsigned i = 0; i < c.nops; i++)
        printf(json ? "{\"event\":\"call\",\"index\":%u,\"function\":\"%s\",\"args\":[%" PRIu32
                      ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 "]}\n"
                    : "call %u: %s(0x%08" PRIx32 ", 0x%08" PRIx32 ", 0x%08" PRIx32 ", 0x%08" PRIx32
                      ")\n",
               i + 1, se_entry_name(c.op[i].id), c.op[i].args[0], c.op[i].args[1], c.op[i].args[2],
               c.op[i].args[3]);
    bool hit = se_fuzz_session_run(s, &c, &f);
    if (hit) {
        char origin[600];
        snprintf(origin, sizeof origin, "input %s", path);
        se_fuzz_save_repro(fo, &c, origin, &f);
        if (json)
            json_finding(1, &f);
        else
            printf("finding: %s in %s: %s%s%s\n", f.kind, f.where, f.msg,
                   f.file[0] ? "\n  reproducer: " : "", f.file);
    } else if (!json) {
        printf("no finding\n");
    }
    if (json)
        printf("{\"event\":\"summary\",\"input\":true,\"findings\":%u}\n", hit ? 1u : 0u);
    se_fuzz_session_free(s);
    free(data);
    return hit ? 1 : 0;
}

int se_fuzz_main(int argc, char **argv)
{
    const char *from_input = NULL;
    bool json = false;
    se_fuzz_opts fo = {.seed = 1, .target = "stm32l562e-dk"};
    uint64_t budget = 5000000;
    se_flm_host flm_host = SE_FLM_HOST_PYOCD;
    cli_target t;
    cli_target_default(&t);
    cli_parser p;
    cli_begin(&p, se_command_find("fuzz"), argc, argv);
    const char *arg;
    for (int id; (id = cli_next(&p, &arg)) != OPT_END;) {
        if (cli_target_option(&t, "fuzz", id, arg))
            continue;
        switch (id) {
        case OPT_SEED: fo.seed = cli_u64("fuzz", "--seed", arg, 0, UINT64_MAX, "a seed"); break;
        case OPT_TIME: fo.seconds = cli_seconds("fuzz", "--time", arg, SE_OPT_MAX_SECONDS); break;
        case OPT_RUNS:
            fo.runs = cli_u64("fuzz", "--runs", arg, 1, UINT64_MAX, "a count of cases");
            break;
        case OPT_OUT: fo.out_dir = arg; break;
        case OPT_BUDGET:
            budget =
                cli_u64("fuzz", "--budget", arg, 1, UINT64_MAX, "an instruction count per call");
            break;
        case OPT_FROMINPUT: from_input = arg; break;
        case OPT_FLMHOST:
            if (!se_flm_host_parse(arg, &flm_host))
                cli_usage_exit("fuzz", "--flm-host takes pyocd, probe-rs or keil, not '%s'", arg);
            break;
        case OPT_JSON: json = true; break;
        }
    }
    fo.target = t.target;
    if (strcmp(t.tz, "off"))
        fo.tz = t.tz;
    if (!fo.runs && fo.seconds <= 0)
        fo.seconds = 10;
    fo.loader_path = p.operand;
    fo.progress = stderr;
    const se_profile *prof = cli_profile(&t, "fuzz");
    se_error err;
    se_stldr *l = NULL;
    se_machine *m = NULL;
    se_host *h = NULL;
    se_machine_opts mo;
    se_host_opts ho;
    se_fuzz_options(&mo, &ho, budget);
    ho.flm_host = flm_host;
    se_err e;
    if ((e = se_stldr_open_file(fo.loader_path, &l, &err)) ||
        (e = se_machine_new(prof, &mo, &m, &err)) || (e = se_host_new(l, m, &ho, &h, &err))) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        se_machine_free(m);
        se_stldr_free(l);
        return se_err_exit_code(e);
    }
    if (from_input) {
        int rc = from_input_main(h, m, l, &fo, from_input, json);
        se_host_free(h);
        se_machine_free(m);
        se_stldr_free(l);
        return rc;
    }
    se_fuzz_stats st;
    se_fuzz_finding found[SE_FUZZ_MAX_BUCKETS];
    unsigned nf = 0;
    e = se_fuzz_run(h, m, l, &fo, &st, found, &nf, &err);
    if (e)
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
    if (json) { /* --json: the findings, then the summary, as JSON lines */
        for (unsigned i = 0; i < nf; i++)
            json_finding(i + 1, &found[i]);
        printf("{\"event\":\"summary\",\"ok\":%s,\"cases\":%" PRIu64 ",\"calls\":%" PRIu64
               ",\"seconds\":%.3f,\"blocks\":%u,\"seed\":%" PRIu64 ",\"findings\":%u",
               e ? "false" : "true", st.cases, st.calls, st.seconds, st.blocks, fo.seed, nf);
        if (e) {
            fputs(",\"error\":", stdout);
            se_json_str(stdout, err.msg);
        }
        fputs("}\n", stdout);
        se_host_free(h);
        se_machine_free(m);
        se_stldr_free(l);
        return e ? se_err_exit_code(e) : nf ? 1 : 0;
    }
    printf("fuzz: %" PRIu64 " cases (%" PRIu64 " loader calls) in %.2f s: %.0f cases/s, "
           "%u blocks covered, seed %" PRIu64 "\n",
           st.cases, st.calls, st.seconds, st.seconds > 0 ? st.cases / st.seconds : 0.0, st.blocks,
           fo.seed);
    for (unsigned i = 0; i < nf; i++)
        printf("finding %u: %s in %s (%" PRIu64 " cases, first #%" PRIu64 "): %s%s%s\n", i + 1,
               found[i].kind, found[i].where, found[i].count, found[i].first_case, found[i].msg,
               found[i].file[0] ? "\n  reproducer: " : "", found[i].file);
    printf("%u findings\n", nf);
    se_host_free(h);
    se_machine_free(m);
    se_stldr_free(l);
    if (e)
        return se_err_exit_code(e);
    return nf ? 1 : 0;
}
