/* What stldr-emu prints for people and for programs (docs/output.md, docs/install.md): help
 * and version for every command from the one option table, one line per error, the JUnit
 * report, the JSON events (--read data, --log-flash commands, fuzz findings), the progress
 * line, folded chunk calls, and the man pages and completion scripts generated from the same
 * table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/harness.h"
#include "util/json_check.h"

#define REF "ref_mx25_l562"

static const char *const commands[] = {"run", "trace", "info", "lint", "gdb", "fuzz", "cube"};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char *tmp(const char *name)
{
    static char paths[8][400];
    static unsigned k;
    char *p = paths[k++ % 8];
    snprintf(p, 400, "%s/%s", th_tmpdir(), name);
    return p;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static unsigned count(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- help and version -------------------------------------------------------------------- */

static void test_every_command_has_the_same_help_three_ways(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char *a, *b, *c, usage[64];
        assert_int_equal(th_run_toolf(&a, "help %s", commands[i]), 0);
        assert_int_equal(th_run_toolf(&b, "%s --help", commands[i]), 0);
        assert_int_equal(th_run_toolf(&c, "%s -h", commands[i]), 0);
        snprintf(usage, sizeof usage, "usage: stldr-emu %s ", commands[i]);
        if (strcmp(a, b) || strcmp(b, c) || !strstr(a, usage) || !strstr(a, "--help"))
            fail_msg("%s: help differs or lacks its usage:\n%s\n---\n%s", commands[i], a, b);
        free(a);
        free(b);
        free(c);
    }
}

static void test_global_help_lists_every_command(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "help"), 0);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char line[32];
        snprintf(line, sizeof line, "\n  %-6s ", commands[i]);
        if (!strstr(out, line))
            fail_msg("'%s' missing from:\n%s", commands[i], out);
    }
    free(out);
    assert_int_equal(th_run_toolf(&out, "help nosuch"), 2);
    free(out);
}

static void test_version_names_the_tool(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        char *out;
        assert_int_equal(th_run_toolf(&out, i ? "cube --version" : "--version"), 0);
        assert_int_equal(strncmp(out, "stldr-emu ", 10), 0);
        assert_int_equal(count(out, "\n"), 1);
        free(out);
    }
}

/* A pasted CubeProgrammer option given to run: one line that says what to type instead. */
static void test_an_error_is_one_line(void **state)
{
    (void)state;
    static const char *const bad[] = {"run '%s' -w img.bin 0x90000000",
                                      "run '%s' --nosuch",
                                      "info '%s' --chunk 1",
                                      "gdb '%s' --port 0",
                                      "fuzz '%s' --runs -1",
                                      "run '%s' --tz maybe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out;
        int rc = th_run_toolf(&out, bad[i], th_firmware(REF));
        if (rc != 2 || count(out, "\n") != 1 || strncmp(out, "stldr-emu: ", 11))
            fail_msg("'%s': exit %d, want one line and 2:\n%s", bad[i], rc, out);
        free(out);
    }
    char *out;
    th_run_toolf(&out, "run '%s' -w img.bin 0x90000000", th_firmware(REF));
    assert_non_null(strstr(out, "STM32_Programmer_CLI syntax: stldr-emu -c port=SWD -el LOADER"));
    free(out);
}

/* docs/cube.md's table holds every spelling of the help's (tools/cli.c's) table. */
static void test_cube_docs_table_names_every_option_of_the_help(void **state)
{
    (void)state;
    char root[4096];
    snprintf(root, sizeof root, "%s", __FILE__);
    *strrchr(root, '/') = '\0';
    *strrchr(root, '/') = '\0';
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/cube.md", root);
    char *doc = slurp(path), *help;
    assert_int_equal(th_run_toolf(&help, "cube --help"), 0);
    unsigned n = 0;
    for (const char *p = help; (p = strstr(p, "\n  -")); p++) {
        const char *q = p + 3;
        for (;;) { /* "-d, --download, -w, --write FILE [ADDR]" */
            size_t k = strcspn(q, ", \n");
            char name[64], tick[70];
            snprintf(name, sizeof name, "%.*s", (int)k, q);
            if (name[0] != '-')
                break;
            snprintf(tick, sizeof tick, "`%s`", name);
            if (!strstr(doc, tick))
                fail_msg("docs/cube.md lacks %s", tick);
            n++;
            q += k;
            if (q[0] != ',')
                break;
            q += 2;
        }
    }
    assert_true(n > 40);
    free(help);
    free(doc);
}

/* ---- JUnit ------------------------------------------------------------------------------ */

/* Tags open and close in order, attributes quoted, entities known: enough XML to parse. */
static void expect_well_formed_xml(const char *x)
{
    const char *stack[32];
    size_t stackn[32];
    int depth = 0;
    for (const char *p = x; *p; p++) {
        if (*p == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            bool ok = false;
            for (int i = 0; i < 5; i++)
                ok |= !strncmp(p, ents[i], strlen(ents[i]));
            if (!ok)
                fail_msg("bad entity at: %.20s", p);
        }
        if (*p != '<')
            continue;
        if (p[1] == '?') {
            p = strstr(p, "?>");
            assert_non_null(p);
            continue;
        }
        bool close = p[1] == '/';
        const char *name = p + 1 + close;
        size_t n = strcspn(name, " />");
        const char *end = strchr(p, '>');
        assert_non_null(end);
        for (const char *a = p; a < end; a++)
            if (*a == '<' && a != p)
                fail_msg("'<' inside a tag: %.40s", p);
        if (close) {
            if (depth == 0 || stackn[depth - 1] != n || strncmp(stack[depth - 1], name, n))
                fail_msg("</%.*s> closes nothing open", (int)n, name);
            depth--;
        } else if (end[-1] != '/') {
            assert_true(depth < 32);
            stack[depth] = name;
            stackn[depth++] = n;
        }
        p = end;
    }
    assert_int_equal(depth, 0);
}

static void test_junit_has_a_case_per_call_and_the_failure_text(void **state)
{
    (void)state;
    const char *xml = tmp("j.xml");
    char *out;
    assert_int_equal(
        th_run_toolf(&out, "run '%s' --junit '%s' --last 4", th_firmware("fault_unmapped"), xml),
        33);
    free(out);
    char *x = slurp(xml);
    expect_well_formed_xml(x);
    assert_int_equal(count(x, "<testcase "), 2); /* Init, and the session */
    assert_non_null(strstr(x, "<testsuites tests=\"2\" failures=\"2\""));
    assert_non_null(strstr(x, "name=\"1 Init(0x1)\""));
    assert_non_null(strstr(x, "<failure type=\"lockup\" message=\"BusFault PRECISERR"));
    assert_non_null(strstr(x, "last 4 instructions (oldest first):"));
    assert_non_null(strstr(x, "ldr r3, [r3]"));
    free(x);

    assert_int_equal(th_run_toolf(&out, "run '%s' --junit '%s'", th_firmware("sram_loader"), xml),
                     0);
    free(out);
    x = slurp(xml);
    expect_well_formed_xml(x);
    assert_int_equal(count(x, "<testcase "), 10); /* 9 calls and the session */
    assert_null(strstr(x, "<failure"));
    free(x);
}

static void test_junit_fails_the_session_when_only_the_data_is_wrong(void **state)
{
    (void)state;
    const char *xml = tmp("v.xml"), *bin = tmp("v.bin");
    FILE *f = fopen(bin, "wb");
    assert_non_null(f);
    fputs("not written by this loader", f);
    fclose(f);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90000000' --verify --junit '%s'",
                                  th_firmware("ref_bug_no_wren"), bin, xml),
                     31);
    free(out);
    char *x = slurp(xml);
    expect_well_formed_xml(x);
    assert_non_null(strstr(x, "name=\"session\" time=\"0.000000\">\n      <failure "
                              "type=\"verify-mismatch\""));
    free(x);
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void test_read_json_carries_the_data(void **state)
{
    (void)state;
    const char *bin = tmp("d.bin");
    FILE *f = fopen(bin, "wb");
    assert_non_null(f);
    fwrite("\x01\x23\xab\xcd", 1, 4, f);
    fclose(f);
    char *out;
    assert_int_equal(th_run_toolf(&out,
                                  "run '%s' --write '%s@0x20038000' --read 0x20038000:4 "
                                  "--json",
                                  th_firmware("sram_loader"), bin),
                     0);
    int bad = 0;
    if (json_lines_valid(out, &bad) < 0)
        fail_msg("line %d is not JSON:\n%s", bad, out);
    assert_non_null(strstr(out, "{\"event\":\"read\",\"address\":537100288,\"length\":4,"
                                "\"encoding\":\"hex\",\"data\":\"0123abcd\"}\n"));
    free(out);
}

static void test_log_flash_json_is_one_structured_event_per_command(void **state)
{
    (void)state;
    const char *bin = tmp("page.bin");
    FILE *f = fopen(bin, "wb");
    assert_non_null(f);
    for (int i = 0; i < 256; i++)
        fputc(i, f);
    fclose(f);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90000000' --log-flash --json",
                                  th_firmware(REF), bin),
                     0);
    int bad = 0;
    if (json_lines_valid(out, &bad) < 0)
        fail_msg("line %d is not JSON", bad);
    assert_int_equal(count(out, "\"message\":\"flash "), 0); /* no free text any more */
    unsigned events = count(out, "{\"event\":\"flash\",");
    assert_true(events > 10);
    /* the summary's command count is the number of events */
    char want[64];
    snprintf(want, sizeof want, "\"flash\":{\"commands\":%u,", events);
    assert_non_null(strstr(out, want));
    /* a page program and a sector erase, with the range each affects */
    const char *pp = strstr(out, "\"name\":\"PP4B\",\"address\":0,");
    assert_non_null(pp);
    assert_non_null(strstr(pp, "\"effect\":\"program\",\"affected\":[{\"first\":0,\"last\":255}]"));
    const char *se =
        strstr(out, "\"effect\":\"erase\",\"affected\":[{\"first\":0,\"last\":65535}]");
    assert_non_null(se);
    for (const char *key = "\"mode\":\0\"opcode\":\0\"dummy\":\0\"length\":\0\"text\":\0"; *key;
         key += strlen(key) + 1)
        assert_int_equal(count(out, key), events);
    free(out);
}

static void test_fuzz_json_is_findings_then_the_summary(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "fuzz '%s' --runs 300 --json", th_firmware("bug_erase_last"));
    assert_int_equal(rc, 1);
    int bad = 0;
    if (json_lines_valid(out, &bad) != 2)
        fail_msg("want 2 JSON lines (line %d):\n%s", bad, out);
    static const char first[] = "{\"event\":\"finding\",\"index\":1,\"kind\":\"erase-incomplete\"";
    assert_int_equal(strncmp(out, first, sizeof first - 1), 0);
    assert_non_null(strstr(out, "\n{\"event\":\"summary\",\"ok\":true,\"cases\":300,"));
    assert_non_null(strstr(out, "\"findings\":1}\n"));
    free(out);
}

/* ---- progress and folded calls ----------------------------------------------------------------- */

static const char *big_bin(void)
{
    const char *bin = tmp("big.bin");
    FILE *f = fopen(bin, "wb");
    assert_non_null(f);
    for (int i = 0; i < 64 * 1024; i++)
        fputc((i * 7) & 0xFF, f);
    fclose(f);
    return bin;
}

static void test_progress_always_draws_percent_rate_eta_and_device_time(void **state)
{
    (void)state;
    const char *bin = big_bin();
    char *p;
    assert_int_equal(th_run_toolf(&p,
                                  "run '%s' --write '%s@0x90000000' --verify --chunk 0x2000 "
                                  "--progress always",
                                  th_firmware(REF), bin),
                     0);
    assert_non_null(strstr(p, "write   100%  64.0 KiB / 64.0 KiB  "));
    assert_non_null(strstr(p, "verify  100%"));
    assert_non_null(strstr(p, " MB/s  ETA "));
    assert_non_null(strstr(p, "  device "));
    free(p);
}

static void test_no_progress_on_a_pipe_or_when_never(void **state)
{
    (void)state;
    const char *bin = big_bin();
    for (int i = 0; i < 2; i++) {
        char *out;
        assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90000000' --chunk 0x2000 %s",
                                      th_firmware(REF), bin, i ? "--progress never" : ""),
                         0);
        assert_null(strstr(out, "%  "));
        free(out);
    }
}

static void test_a_large_write_folds_its_chunk_calls_into_one_line(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90000000' --chunk 0x2000",
                                  th_firmware(REF), big_bin()),
                     0);
    assert_int_equal(count(out, "Write(0x9"), 1);
    assert_non_null(strstr(out, "... and 7 more Write calls, all ok (0x90002000..0x90010000)"));
    free(out);
    assert_int_equal(th_run_toolf(&out,
                                  "run '%s' --write '%s@0x90000000' --chunk 0x2000 "
                                  "--verbose",
                                  th_firmware(REF), big_bin()),
                     0);
    assert_int_equal(count(out, "Write(0x9"), 8);
    free(out);
}

/* ---- generated pages -------------------------------------------------------------------- */

static void test_man_pages_hold_every_option_of_their_command(void **state)
{
    (void)state;
    const char *dir = tmp("man");
    char cmd[600], *out;
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(th_run_toolf(&out, "--man '%s'", dir), 0);
    free(out);
    char path[600];
    snprintf(path, sizeof path, "%s/stldr-emu.1", dir);
    char *top = slurp(path);
    assert_non_null(strstr(top, ".TH STLDR\\-EMU 1"));
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char ref[64];
        snprintf(ref, sizeof ref, ".BR stldr\\-emu\\-%s (1)", commands[i]);
        assert_non_null(strstr(top, ref));
        snprintf(path, sizeof path, "%s/stldr-emu-%s.1", dir, commands[i]);
        char *page = slurp(path);
        /* every option the command's help lists is in its page */
        char *help;
        assert_int_equal(th_run_toolf(&help, "%s --help", commands[i]), 0);
        for (const char *p = help; (p = strstr(p, "\n  --")); p++) {
            char name[64], roff[80];
            size_t k = strcspn(p + 5, " \n");
            snprintf(name, sizeof name, "%.*s", (int)k, p + 5);
            snprintf(roff, sizeof roff, ".B \\-\\-");
            size_t m = strlen(roff);
            for (const char *c = name; *c && m + 3 < sizeof roff; c++) {
                if (*c == '-')
                    roff[m++] = '\\';
                roff[m++] = *c;
            }
            roff[m] = '\0';
            if (!strstr(page, roff))
                fail_msg("stldr-emu-%s.1 lacks %s", commands[i], roff);
        }
        free(help);
        free(page);
    }
    free(top);
}

static void test_completion_scripts_parse_and_name_the_options(void **state)
{
    (void)state;
    const char *bash = tmp("c.bash"), *zsh = tmp("c.zsh");
    char *out;
    assert_int_equal(th_run_toolf(&out, "--completion bash '%s'", bash), 0);
    free(out);
    assert_int_equal(th_run_toolf(&out, "--completion zsh '%s'", zsh), 0);
    free(out);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "bash -n '%s'", bash);
    assert_int_equal(system(cmd), 0);
    char *b = slurp(bash), *z = slurp(zsh);
    assert_non_null(strstr(b, "complete -o filenames -F _stldr_emu stldr-emu"));
    assert_non_null(strstr(b, " --write"));
    assert_non_null(strstr(b, " --skipErase"));
    assert_non_null(strstr(z, "#compdef stldr-emu"));
    assert_non_null(strstr(z, "'cube:"));
    free(b);
    free(z);
    assert_int_equal(th_run_toolf(&out, "--completion fish"), 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_command_has_the_same_help_three_ways),
        cmocka_unit_test(test_global_help_lists_every_command),
        cmocka_unit_test(test_version_names_the_tool),
        cmocka_unit_test(test_an_error_is_one_line),
        cmocka_unit_test(test_cube_docs_table_names_every_option_of_the_help),
        cmocka_unit_test(test_junit_has_a_case_per_call_and_the_failure_text),
        cmocka_unit_test(test_junit_fails_the_session_when_only_the_data_is_wrong),
        cmocka_unit_test(test_read_json_carries_the_data),
        cmocka_unit_test(test_log_flash_json_is_one_structured_event_per_command),
        cmocka_unit_test(test_fuzz_json_is_findings_then_the_summary),
        cmocka_unit_test(test_progress_always_draws_percent_rate_eta_and_device_time),
        cmocka_unit_test(test_no_progress_on_a_pipe_or_when_never),
        cmocka_unit_test(test_a_large_write_folds_its_chunk_calls_into_one_line),
        cmocka_unit_test(test_man_pages_hold_every_option_of_their_command),
        cmocka_unit_test(test_completion_scripts_parse_and_name_the_options),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
