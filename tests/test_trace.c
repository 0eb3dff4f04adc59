/* Instruction-level visibility: source lines from DWARF, the last instructions reported
 * with every failed call (tracing off), and the full trace (`stldr-emu trace`, --trace)
 * with its filters, as text and as JSON lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader/dwarf.h"
#include "util/harness.h"

/* The next line of *p (without its newline) into buf; false at the end. */
static bool next_line(const char **p, char *buf, size_t len)
{
    if (!**p)
        return false;
    const char *nl = strchr(*p, '\n');
    size_t n = nl ? (size_t)(nl - *p) : strlen(*p);
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), *p);
    *p += n + (nl ? 1 : 0);
    return true;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Trace lines and last-instruction lines start with the address. */
static bool is_insn_line(const char *l)
{
    while (*l == ' ')
        l++;
    return starts_with(l, "0x");
}

static uint32_t line_pc(const char *l) { return (uint32_t)strtoul(l, NULL, 16); }

/* The instruction lines under "last N instructions": their count, and a copy of them. */
static unsigned last_block(const char *out, char lines[][200], unsigned max, unsigned *header_n)
{
    const char *p = strstr(out, "last ");
    while (p && !strstr(p, "instructions (oldest first)"))
        p = strstr(p + 1, "last ");
    if (!p)
        return 0;
    *header_n = (unsigned)strtoul(p + 5, NULL, 10);
    char buf[300];
    next_line(&p, buf, sizeof buf);
    unsigned n = 0;
    while (next_line(&p, buf, sizeof buf) && is_insn_line(buf) && n < max) {
        const char *s = buf;
        while (*s == ' ')
            s++;
        snprintf(lines[n++], 200, "%.199s", s);
    }
    return n;
}

/* ---- a minimal JSON checker (one value per line) ---------------------------------------- */

static const char *j_value(const char *s);

static const char *j_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static const char *j_string(const char *s)
{
    if (*s++ != '"')
        return NULL;
    while (*s && *s != '"') {
        if ((unsigned char)*s < 0x20)
            return NULL;
        if (*s == '\\') {
            s++;
            if (!*s)
                return NULL;
        }
        s++;
    }
    return *s == '"' ? s + 1 : NULL;
}

static const char *j_value(const char *s)
{
    s = j_ws(s);
    if (*s == '"')
        return j_string(s);
    if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']';
        bool obj = *s == '{';
        s = j_ws(s + 1);
        if (*s == close)
            return s + 1;
        for (;;) {
            if (obj) {
                s = j_string(j_ws(s));
                if (!s || *(s = j_ws(s)) != ':')
                    return NULL;
                s++;
            }
            s = j_value(s);
            if (!s)
                return NULL;
            s = j_ws(s);
            if (*s == close)
                return s + 1;
            if (*s++ != ',')
                return NULL;
        }
    }
    if (!strncmp(s, "true", 4))
        return s + 4;
    if (!strncmp(s, "false", 5))
        return s + 5;
    if (!strncmp(s, "null", 4))
        return s + 4;
    char *end;
    strtod(s, &end);
    return end == s ? NULL : end;
}

static bool json_line_ok(const char *l)
{
    const char *e = j_value(l);
    return e && *j_ws(e) == '\0';
}

/* ---- DWARF ------------------------------------------------------------------------------ */

static void test_dwarf_maps_init_to_its_source_file(void **state)
{
    (void)state;
    se_stldr *l;
    se_error err;
    assert_int_equal(se_stldr_open_file(th_firmware("sram_loader"), &l, &err), SE_OK);
    const se_symbol *init = se_stldr_find_symbol(l, "Init");
    const se_symbol *write = se_stldr_find_symbol(l, "Write");
    assert_non_null(init);
    assert_non_null(write);
    se_dwarf *d = se_dwarf_open(th_firmware("sram_loader"));
    assert_non_null(d);
    /* Init's body (after the inlined loader_zero_bss of loader.h) is init_plain.c. */
    bool found = false;
    for (uint32_t a = init->addr; a < init->addr + init->size && !found; a += 2) {
        const char *file;
        int line;
        if (se_dwarf_line(d, a, &file, &line) && !strcmp(file, "init_plain.c")) {
            assert_true(line > 0);
            found = true;
        }
    }
    assert_true(found);
    const char *file;
    int line;
    assert_true(se_dwarf_line(d, write->addr | 1u, &file, &line)); /* Thumb bit ignored */
    assert_string_equal(file, "storage.c");
    /* Nothing covers the StorageInfo area at 0. */
    assert_false(se_dwarf_line(d, 0x10000000u, &file, &line));
    se_dwarf_close(d);
    se_stldr_free(l);
}

static void test_dwarf_absent_or_garbage_gives_no_handle(void **state)
{
    (void)state;
    assert_null(se_dwarf_open(NULL));
    char path[300];
    snprintf(path, sizeof path, "%s/missing.stldr", th_tmpdir());
    assert_null(se_dwarf_open(path));
    snprintf(path, sizeof path, "%s/garbage.stldr", th_tmpdir());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++)
        fputc((i * 131) & 0xFF, f);
    fclose(f);
    assert_null(se_dwarf_open(path));
    /* Lookups on no handle are simply unknown. */
    const char *file;
    int line;
    assert_false(se_dwarf_line(NULL, 0x20000004u, &file, &line));
}

/* ---- the last instructions (tracing off) ------------------------------------------------ */

static void test_fault_result_holds_the_last_instructions(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_unmapped", false, NULL, NULL);
    assert_int_not_equal(se_host_init_only(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_true(r->res.nlast >= 3);
    assert_true(r->res.nlast <= SE_LAST_DEFAULT);
    const se_insn_info *last = &r->res.last[r->res.nlast - 1];
    assert_string_equal(last->text, "ldr r3, [r3]");
    assert_string_equal(last->sym, "Init+0x10");
    assert_true(starts_with(last->src, "init_fault.c:"));
    /* Oldest first: the instructions before it, in order, end right before it. */
    for (unsigned i = 1; i < r->res.nlast; i++)
        assert_true(r->res.last[i - 1].pc < r->res.last[i].pc);
    assert_string_equal(r->res.last[r->res.nlast - 2].text, "movs r0, #1");
    th_close(&s);
}

static void test_run_prints_last_instructions_under_a_fault(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s'", th_firmware("fault_unmapped"));
    assert_int_not_equal(rc, 0);
    char lines[SE_LAST_MAX][200];
    unsigned hdr = 0;
    unsigned n = last_block(out, lines, SE_LAST_MAX, &hdr);
    assert_true(n >= 3);
    assert_int_equal(n, hdr);
    /* After the failure reason; the last one is the faulting load. */
    assert_true(strstr(out, "BusFault PRECISERR") < strstr(out, "instructions (oldest first)"));
    assert_non_null(strstr(lines[n - 1], "Init+0x10"));
    assert_non_null(strstr(lines[n - 1], "ldr r3, [r3]"));
    assert_non_null(strstr(lines[n - 1], "init_fault.c:"));
    assert_non_null(strstr(lines[n - 2], "movs r0, #1"));
    for (unsigned i = 1; i < n; i++)
        assert_true(line_pc(lines[i - 1]) < line_pc(lines[i]));
    assert_non_null(strstr(lines[0], "Init "));
    free(out);
}

static void test_hang_prints_the_loop(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --budget 20000 --last 8", th_firmware("hang_loader"));
    assert_int_not_equal(rc, 0);
    char lines[SE_LAST_MAX][200];
    unsigned hdr = 0;
    unsigned n = last_block(out, lines, SE_LAST_MAX, &hdr);
    assert_int_equal(n, 8);
    /* for (;;) hang_counter++: load, add, store, branch back, twice. */
    const char *body[] = {"ldr r3, [r2]", "adds r3, #1", "str r3, [r2]", "b #"};
    for (unsigned i = 0; i < n; i++) {
        assert_non_null(strstr(lines[i], body[i % 4]));
        assert_non_null(strstr(lines[i], "Init+0x"));
        assert_non_null(strstr(lines[i], "init_fault.c:"));
    }
    assert_int_equal(line_pc(lines[0]), line_pc(lines[4]));
    free(out);
}

static void test_last_option_sets_the_count(void **state)
{
    (void)state;
    char *out;
    char lines[SE_LAST_MAX][200];
    unsigned hdr = 0;
    th_run_toolf(&out, "run '%s' --last 2", th_firmware("fault_udf"));
    assert_int_equal(last_block(out, lines, SE_LAST_MAX, &hdr), 2);
    assert_non_null(strstr(lines[1], "udf #0"));
    free(out);
    th_run_toolf(&out, "run '%s' --last 0", th_firmware("fault_udf"));
    assert_null(strstr(out, "instructions (oldest first)"));
    free(out);
    assert_int_equal(th_run_toolf(&out, "run '%s' --last 100000", th_firmware("fault_udf")), 2);
    free(out);
    /* A call that succeeds reports none. */
    th_run_toolf(&out, "run '%s'", th_firmware("sram_loader"));
    assert_null(strstr(out, "instructions (oldest first)"));
    free(out);
}

/* ---- the full trace --------------------------------------------------------------------- */

static void test_trace_shows_disassembly_symbols_sources_and_changes(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "trace '%s'", th_firmware("sram_loader")), 0);
    assert_non_null(strstr(out, "--- call Init (0x"));
    /* Write returns 1: r0 held the address before. */
    const char *p = out;
    char l[300];
    bool seen_movs = false, seen_init_src = false;
    while (next_line(&p, l, sizeof l)) {
        if (strstr(l, "movs r0, #1") && strstr(l, "Write+0x")) {
            assert_non_null(strstr(l, "storage.c:"));
            assert_non_null(strstr(l, "r0=0x00000001"));
            seen_movs = true;
        }
        if (starts_with(l, "0x") && strstr(l, "Init+") && strstr(l, "init_plain.c:"))
            seen_init_src = true;
    }
    assert_true(seen_movs);
    assert_true(seen_init_src);
    /* The call lines still follow each traced call. */
    assert_non_null(strstr(out, "Write(0x"));
    free(out);
}

static void test_trace_has_every_counted_instruction(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "trace '%s'", th_firmware("sram_loader")), 0);
    /* Verify's IT blocks: a failed condition is shown, not silently dropped. */
    assert_non_null(strstr(out, "(condition false: not executed)"));
    const char *p = out;
    char l[300];
    unsigned calls = 0, n = 0;
    while (next_line(&p, l, sizeof l)) {
        if (starts_with(l, "--- call")) {
            n = 0;
        } else if (starts_with(l, "--- end:")) {
            const char *c = strrchr(l, ',');
            assert_non_null(c);
            assert_int_equal(strtoul(c + 1, NULL, 10), n);
            calls++;
        } else if (starts_with(l, "0x")) {
            n++;
        }
    }
    assert_true(calls >= 6);
    free(out);
}

static void test_trace_func_keeps_only_that_function(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(
        th_run_toolf(&out, "trace '%s' --trace-func dev_range", th_firmware("sram_loader")), 0);
    const char *p = out;
    char l[300];
    unsigned n = 0;
    while (next_line(&p, l, sizeof l))
        if (starts_with(l, "0x")) {
            assert_non_null(strstr(l, " dev_range"));
            n++;
        }
    assert_true(n > 10);
    /* Init never calls dev_range: no header for it. */
    assert_null(strstr(out, "--- call Init"));
    free(out);
    assert_int_equal(
        th_run_toolf(&out, "trace '%s' --trace-func NoSuchFunction", th_firmware("sram_loader")),
        2);
    free(out);
}

static void test_trace_range_keeps_only_those_addresses(void **state)
{
    (void)state;
    se_stldr *ld;
    se_error err;
    assert_int_equal(se_stldr_open_file(th_firmware("sram_loader"), &ld, &err), SE_OK);
    const se_symbol *w = se_stldr_find_symbol(ld, "Write");
    assert_non_null(w);
    uint32_t lo = w->addr, hi = w->addr + 8; /* sram_loader runs where it is linked */
    se_stldr_free(ld);
    char *out;
    assert_int_equal(th_run_toolf(&out, "trace '%s' --trace-range 0x%x:0x%x",
                                  th_firmware("sram_loader"), lo, hi),
                     0);
    const char *p = out;
    char l[300];
    unsigned n = 0;
    while (next_line(&p, l, sizeof l))
        if (starts_with(l, "0x")) {
            uint32_t pc = line_pc(l);
            assert_true(pc >= lo && pc < hi);
            n++;
        }
    assert_true(n >= 4);
    free(out);
    assert_int_equal(
        th_run_toolf(&out, "trace '%s' --trace-range 0x20:0x10", th_firmware("sram_loader")), 2);
    free(out);
}

static void test_trace_call_keeps_only_that_entry_point(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --trace-call Write", th_firmware("sram_loader")),
                     0);
    assert_non_null(strstr(out, "--- call Write"));
    assert_null(strstr(out, "--- call Init"));
    assert_null(strstr(out, "--- call SectorErase"));
    const char *p = out;
    char l[300];
    unsigned n = 0;
    while (next_line(&p, l, sizeof l))
        if (starts_with(l, "0x")) {
            assert_true(strstr(l, " Write") || strstr(l, " dev_range"));
            n++;
        }
    assert_true(n > 100);
    free(out);
}

static void test_trace_json_lines_parse(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(
        th_run_toolf(&out, "trace '%s' --json --trace-call Verify", th_firmware("sram_loader")), 0);
    const char *p = out;
    char l[600];
    unsigned insns = 0, skipped = 0, with_regs = 0;
    bool begin = false, end = false;
    while (next_line(&p, l, sizeof l)) {
        if (!l[0])
            continue;
        assert_true(json_line_ok(l));
        if (strstr(l, "\"event\":\"trace_call\""))
            begin = true;
        if (strstr(l, "\"event\":\"trace_end\""))
            end = true;
        if (!strstr(l, "\"event\":\"insn\""))
            continue;
        insns++;
        assert_non_null(strstr(l, "\"pc\":"));
        assert_true(strstr(l, "\"sym\":\"Verify") || strstr(l, "\"sym\":\"dev_range"));
        assert_non_null(strstr(l, "\"src\":\"storage.c:"));
        assert_non_null(strstr(l, "\"asm\":\""));
        assert_non_null(strstr(l, "\"regs\":{"));
        if (strstr(l, "\"skipped\":true"))
            skipped++;
        if (!strstr(l, "\"regs\":{}"))
            with_regs++;
    }
    assert_true(begin && end);
    assert_true(insns > 1000);
    assert_true(skipped > 0);
    assert_true(with_regs > 0);
    free(out);
    /* A failed call's JSON has the last instructions as an array. */
    th_run_toolf(&out, "run '%s' --json", th_firmware("fault_unmapped"));
    const char *call = strstr(out, "{\"event\":\"call\"");
    assert_non_null(call);
    char line[8192];
    p = call;
    next_line(&p, line, sizeof line);
    assert_true(json_line_ok(line));
    assert_non_null(strstr(line, "\"last\":[{\"pc\":"));
    assert_non_null(strstr(line, "\"sym\":\"Init+0x10\",\"src\":\"init_fault.c:"));
    assert_non_null(strstr(line, "\"asm\":\"ldr r3, [r3]\"}]"));
    free(out);
}

static void test_trace_file_takes_the_trace(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/init.trace", th_tmpdir());
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --init-only --trace-file '%s'",
                                  th_firmware("sram_loader"), path),
                     0);
    assert_null(strstr(out, "--- call"));
    assert_non_null(strstr(out, "Init(0x1)"));
    free(out);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "--- call Init"));
    assert_non_null(strstr(buf, "movs r0, #1"));
    assert_non_null(strstr(buf, "--- end: ok"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dwarf_maps_init_to_its_source_file),
        cmocka_unit_test(test_dwarf_absent_or_garbage_gives_no_handle),
        cmocka_unit_test(test_fault_result_holds_the_last_instructions),
        cmocka_unit_test(test_run_prints_last_instructions_under_a_fault),
        cmocka_unit_test(test_hang_prints_the_loop),
        cmocka_unit_test(test_last_option_sets_the_count),
        cmocka_unit_test(test_trace_shows_disassembly_symbols_sources_and_changes),
        cmocka_unit_test(test_trace_has_every_counted_instruction),
        cmocka_unit_test(test_trace_func_keeps_only_that_function),
        cmocka_unit_test(test_trace_range_keeps_only_those_addresses),
        cmocka_unit_test(test_trace_call_keeps_only_that_entry_point),
        cmocka_unit_test(test_trace_json_lines_parse),
        cmocka_unit_test(test_trace_file_takes_the_trace),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
