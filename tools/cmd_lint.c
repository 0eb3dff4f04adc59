/* stldr-emu lint: static checks of a loader against the target (loader/lint.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/json.h"
#include "loader/lint.h"
#include "tools/cli.h"

static int lint(cli *c, const se_stldr *l, const se_profile *p)
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
        se_json_str(o, se_stldr_path(l));
        fprintf(o,
                ",\"target\":\"%s\",\"tz\":%s,\"errors\":%u,\"warnings\":%u,\"infos\":%u,"
                "\"exit\":%d,\"findings\":[",
                p->target, p->tz ? "true" : "false", counts[SE_LINT_ERROR], counts[SE_LINT_WARN],
                counts[SE_LINT_INFO], rc);
        for (size_t i = 0; i < n; i++) {
            fprintf(o, "%s{\"level\":\"%s\",\"code\":", i ? "," : "",
                    se_lint_level_name(f[i].level));
            se_json_str(o, f[i].code);
            fputs(",\"message\":", o);
            se_json_str(o, f[i].msg);
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

int se_lint_main(int argc, char **argv)
{
    cli c = {.out = stdout};
    cli_target t;
    cli_target_default(&t);
    cli_parser p;
    cli_begin(&p, se_command_find("lint"), argc, argv);
    const char *arg;
    for (int id; (id = cli_next(&p, &arg)) != OPT_END;) {
        if (cli_target_option(&t, "lint", id, arg))
            continue;
        if (id == OPT_JSON)
            c.json = true;
    }
    int rc;
    se_stldr *l = cli_open_loader_lenient(p.operand, &rc);
    if (!l)
        return rc;
    char why[2000];
    const se_profile *prof = cli_profile_for(&t, "lint", l, why, sizeof why);
    if (why[0] && !c.json)
        fprintf(c.out, "target: %s\n", why);
    c.l = l;
    rc = lint(&c, l, prof);
    se_stldr_free(l);
    return rc;
}
