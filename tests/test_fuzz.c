/* stldr-emu fuzz: the planted-bug loaders are found within a fixed seed and budget, the
 * correct loader gives nothing, results are deterministic, and reproducers replay; a case is
 * one host operation; coverage-guided inputs become reproducers; the machine's block
 * coverage counts blocks only while a map is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuzz/engine.h"
#include "util/harness.h"

static int fuzz(const char *fw, unsigned runs, const char *out, char **text)
{
    char args[700];
    snprintf(args, sizeof args, "fuzz '%s/%s.stldr' --seed 1 --runs %u --budget 2000000 %s%s%s",
             SE_FIRMWARE_DIR, fw, runs, out ? "--out '" : "", out ? out : "", out ? "'" : "");
    return th_run_tool(args, text);
}

static void expect_found(const char *fw, const char *kind)
{
    char out[300], *text;
    snprintf(out, sizeof out, "%s/%s", th_tmpdir(), fw);
    int rc = fuzz(fw, 400, out, &text);
    char want[64];
    snprintf(want, sizeof want, "finding 1: %s", kind);
    if (rc != 1 || !strstr(text, want))
        fail_msg("%s: exit %d, expected \"%s\":\n%s", fw, rc, want, text);
    /* the reproducer replays to the same failure */
    const char *rp = strstr(text, "reproducer: ");
    assert_non_null(rp);
    char path[512];
    assert_int_equal(sscanf(rp + 12, "%511s", path), 1);
    free(text);
    char args[900];
    snprintf(args, sizeof args, "run '%s/%s.stldr' --replay '%s' --budget 2000000", SE_FIRMWARE_DIR,
             fw, path);
    rc = th_run_tool(args, &text);
    assert_int_not_equal(rc, 0);
    if (!strstr(text, kind))
        fail_msg("replay of %s did not show %s:\n%s", path, kind, text);
    free(text);
}

static void test_finds_off_by_one_at_device_end(void **state)
{
    (void)state;
    expect_found("bug_dev_end", "lockup");
}

static void test_finds_erase_skipping_last_sector(void **state)
{
    (void)state;
    expect_found("bug_erase_last", "erase-incomplete");
}

static void test_finds_write_ignoring_page_boundaries(void **state)
{
    (void)state;
    expect_found("bug_page_wrap", "write-");
}

static void test_finds_hang_on_unaligned_address(void **state)
{
    (void)state;
    expect_found("bug_hang_unaligned", "hang");
}

static void test_correct_loaders_give_nothing(void **state)
{
    (void)state;
    char *text;
    int rc = fuzz("sram_loader", 1500, NULL, &text);
    if (rc != 0 || !strstr(text, "\n0 findings"))
        fail_msg("sram_loader: exit %d\n%s", rc, text);
    free(text);
    rc = fuzz("ref_mx25_l562", 1500, NULL, &text);
    if (rc != 0 || !strstr(text, "\n0 findings"))
        fail_msg("ref_mx25_l562: exit %d\n%s", rc, text);
    free(text);
}

/* The default budget (no --budget) leaves room for the waiting a legitimate call does: the
 * HAL-style loaders' MassErase polls a 150 s chip erase with SysTick ticking (5.7 M
 * instructions at -Os, 15.5 M at -O0; seed 1's case 8 is one), which the fixed 5e6 budget
 * reported as a hang. */
static void test_default_budget_lets_a_systick_paced_chip_erase_finish(void **state)
{
    (void)state;
    static const char *const fws[] = {"hal_mx25_l562", "hal_mx25_l562_o0"};
    for (unsigned i = 0; i < 2; i++) {
        char args[600], *text;
        snprintf(args, sizeof args, "fuzz '%s/%s.stldr' --seed 1 --runs 12", SE_FIRMWARE_DIR,
                 fws[i]);
        int rc = th_run_tool(args, &text);
        if (rc != 0 || !strstr(text, "\n0 findings"))
            fail_msg("%s: exit %d\n%s", fws[i], rc, text);
        free(text);
    }
}

static void test_same_seed_same_result(void **state)
{
    (void)state;
    char *a, *b;
    fuzz("bug_page_wrap", 300, NULL, &a);
    fuzz("bug_page_wrap", 300, NULL, &b);
    const char *fa = strstr(a, "finding 1:"), *fb = strstr(b, "finding 1:");
    assert_non_null(fa);
    assert_non_null(fb);
    assert_string_equal(fa, fb);
    free(a);
    free(b);
}

/* Occurrences of needle in hay. */
static unsigned count(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The reproducer at path without its `operation` line (as written before cases were one
 * operation) at out; returns the number of calls in it. */
static unsigned strip_operation(const char *path, const char *out)
{
    FILE *in = fopen(path, "r"), *o = fopen(out, "w");
    assert_non_null(in);
    assert_non_null(o);
    char line[512];
    unsigned calls = 0;
    while (fgets(line, sizeof line, in)) {
        if (!strcmp(line, "operation\n"))
            continue;
        if (line[0] != '#')
            calls++;
        fputs(line, o);
    }
    fclose(in);
    fclose(o);
    return calls;
}

static void test_a_case_is_one_operation_and_old_reproducers_replay_as_written(void **state)
{
    (void)state;
    char out[300], path[512], old[600], *text;
    snprintf(out, sizeof out, "%s/one-op", th_tmpdir());
    int rc = fuzz("bug_page_wrap", 50, out, &text);
    assert_int_equal(rc, 1);
    const char *rp = strstr(text, "reproducer: ");
    assert_non_null(rp);
    assert_int_equal(sscanf(rp + 12, "%511s", path), 1);
    free(text);
    /* one Init, then the calls back to back */
    rc = th_run_toolf(&text, "run '%s' --replay '%s' --budget 2000000",
                      th_firmware("bug_page_wrap"), path);
    assert_int_not_equal(rc, 0);
    if (count(text, "Init(") != 1 || !strstr(text, "write-"))
        fail_msg("one operation: expected a single Init and the write finding:\n%s", text);
    free(text);
    /* without the `operation` line: download + Init before every call */
    snprintf(old, sizeof old, "%s.old", path);
    unsigned calls = strip_operation(path, old);
    rc = th_run_toolf(&text, "run '%s' --replay '%s' --budget 2000000",
                      th_firmware("bug_page_wrap"), old);
    assert_int_not_equal(rc, 0);
    if (count(text, "Init(") != 1 + calls || !strstr(text, "write-"))
        fail_msg("old reproducer (%u calls): expected Init before each call:\n%s", calls, text);
    free(text);
}

/* An input that decodes to one SectorErase(start, start) (loader/fuzz.c gen_case: 4 bytes
 * per choice: 1 op; not MassErase; SectorErase; offset 0; end = offset; end kept; both
 * addresses absolute). */
static const uint8_t erase_first_sector[] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                             0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};

static void test_from_input_decodes_runs_and_writes_a_reproducer(void **state)
{
    (void)state;
    char in[300], outdir[300], path[512], *text;
    snprintf(in, sizeof in, "%s/erase-first-sector.bin", th_tmpdir());
    snprintf(outdir, sizeof outdir, "%s/from-input", th_tmpdir());
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    fwrite(erase_first_sector, 1, sizeof erase_first_sector, f);
    fclose(f);
    int rc = th_run_toolf(&text, "fuzz '%s' --from-input '%s' --out '%s'",
                          th_firmware("sram_loader"), in, outdir);
    if (rc != 0 || !strstr(text, "call 1: SectorErase(0x20038000, 0x20038000") ||
        !strstr(text, "no finding"))
        fail_msg("sram_loader: exit %d\n%s", rc, text);
    free(text);
    rc = th_run_toolf(&text, "fuzz '%s' --from-input '%s' --out '%s'",
                      th_firmware("bug_erase_last"), in, outdir);
    const char *rp = strstr(text, "reproducer: ");
    if (rc != 1 || !strstr(text, "finding: erase-incomplete") || !rp)
        fail_msg("bug_erase_last: exit %d\n%s", rc, text);
    assert_int_equal(sscanf(rp + 12, "%511s", path), 1);
    free(text);
    rc = th_run_toolf(&text, "run '%s' --replay '%s'", th_firmware("bug_erase_last"), path);
    if (rc == 0 || !strstr(text, "erase-incomplete"))
        fail_msg("replay of %s: exit %d\n%s", path, rc, text);
    free(text);
}

/* Non-zero counters in map. */
static unsigned hits(const uint8_t *map, size_t n)
{
    unsigned k = 0;
    for (size_t i = 0; i < n; i++)
        k += map[i] != 0;
    return k;
}

static void test_coverage_map_counts_blocks_only_while_set(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    static uint8_t map[4096];
    memset(map, 0, sizeof map);
    assert_int_not_equal(se_machine_set_coverage(s.m, map, 3000, &s.err), SE_OK);
    assert_int_equal(se_machine_set_coverage(s.m, map, sizeof map, &s.err), SE_OK);
    se_machine_snap *snap = se_machine_snap_take(s.m);
    assert_non_null(snap);
    uint32_t args[4] = {0x20038000u, 64, 0, 0}, entry;
    se_call_record rec;
    assert_int_equal(se_host_call_raw(s.h, "t", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                     SE_OK);
    assert_true(se_stldr_entry(s.l, SE_EP_CHECKSUM, &entry));
    uint32_t at = (uint32_t)(entry & ~1u) + (uint32_t)se_host_image(s.h)->delta;
    assert_true(map[(at >> 1) & (sizeof map - 1)] > 0); /* its first block */
    unsigned n1 = hits(map, sizeof map);
    assert_true(n1 >= 2);
    /* the map survives a snapshot restore */
    se_machine_snap_restore(s.m, snap);
    uint8_t before = map[(at >> 1) & (sizeof map - 1)];
    assert_int_equal(se_host_call_raw(s.h, "t", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                     SE_OK);
    assert_int_equal(map[(at >> 1) & (sizeof map - 1)], (uint8_t)(before + 1));
    /* unset: nothing is counted */
    assert_int_equal(se_machine_set_coverage(s.m, NULL, 0, &s.err), SE_OK);
    uint8_t copy[sizeof map];
    memcpy(copy, map, sizeof map);
    assert_int_equal(se_host_call_raw(s.h, "t", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                     SE_OK);
    assert_memory_equal(copy, map, sizeof map);
    se_machine_snap_free(snap);
    th_close(&s);
}

/* A reproducer is user input: a Write, Read or Verify that moves more bytes than the data
 * buffer holds is refused before anything runs (issue 11 item 1: the oracle copied them into
 * chunk-sized buffers). */
static void test_replay_refuses_a_call_larger_than_the_buffer(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "Write 0x20038000 0x00000100 BUF 0x00000000 0x100 0x00000001",
        "Read 0x20038000 0x00000100 BUF 0x00000000 0x0 0x00000000",
        "Verify 0x20038000 BUF 0x00000040 0x00000000 0x0 0x00000000",
        "Verify 0x20038000 BUF 0x40000001 0x00000000 0x0 0x00000000", /* words * 4 wraps */
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        th_session s;
        se_host_opts ho;
        se_host_opts_default(&ho);
        ho.chunk = 0x20;
        th_open(&s, "sram_loader", false, NULL, &ho);
        char path[400], buf[16], line[200];
        snprintf(path, sizeof path, "%s/big-%zu.repro", th_tmpdir(), i);
        snprintf(buf, sizeof buf, "0x%08x", se_host_buffer(s.h));
        const char *b = strstr(lines[i], "BUF");
        snprintf(line, sizeof line, "%.*s%s%s", (int)(b - lines[i]), lines[i], buf, b + 3);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "operation\n%s\n", line);
        fclose(f);
        se_err e = se_fuzz_replay(s.h, s.m, s.l, path, &s.err);
        if (e != SE_ERR_USAGE || !strstr(s.err.msg, "-byte data buffer"))
            fail_msg("%s: %s: %s", line, se_err_name(e), s.err.msg);
        assert_int_equal(s.ncalls, 0); /* refused before Init */
        th_close(&s);
    }
}

/* fuzz --tz takes the three variants run takes (it ran TrustZone off for anything but "on")
 * and the reproducer names the one used. */
static void test_tz_secure_is_the_secure_variant_and_a_bad_tz_is_refused(void **state)
{
    (void)state;
    char out[300], *text;
    int rc = th_run_toolf(&text, "fuzz '%s' --tz maybe --runs 1", th_firmware("sram_loader"));
    assert_int_equal(rc, 2);
    assert_non_null(strstr(text, "--tz takes on, off or secure, not 'maybe'"));
    free(text);
    snprintf(out, sizeof out, "%s/tz-secure", th_tmpdir());
    rc =
        th_run_toolf(&text, "fuzz '%s' --tz secure --seed 1 --runs 400 --budget 2000000 --out '%s'",
                     th_firmware("bug_erase_last"), out);
    assert_int_equal(rc, 1);
    const char *rp = strstr(text, "reproducer: ");
    assert_non_null(rp);
    char path[512], line[600] = "";
    assert_int_equal(sscanf(rp + 12, "%511s", path), 1);
    free(text);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) && !strstr(line, "# loader "))
        ;
    fclose(f);
    if (!strstr(line, ", tz secure, "))
        fail_msg("reproducer header: %s", line);
}

static void test_restore_recomputes_trustzone_pages_a_case_changed(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader_tz", true, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    se_machine_snap *snap = se_machine_snap_take(s.m);
    assert_non_null(snap);
    uint32_t args[4] = {0x20038000u, 64, 0, 0}, zero = 0;
    se_call_record rec;
    assert_int_equal(se_host_call_raw(s.h, "t", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                     SE_OK);
    /* SAU_CTRL = 0: everything Secure, so the Non-secure loader's fetch is refused */
    assert_int_equal(se_machine_write(s.m, 0xE000EDD0u, &zero, 4, &s.err), SE_OK);
    assert_int_not_equal(se_host_call_raw(s.h, "t", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                         SE_OK);
    /* back to the snapshot's SAU: the pages follow it again */
    se_machine_snap_restore(s.m, snap);
    assert_int_equal(se_host_call_raw(s.h, "t", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                     SE_OK);
    se_machine_snap_free(snap);
    th_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_off_by_one_at_device_end),
        cmocka_unit_test(test_finds_erase_skipping_last_sector),
        cmocka_unit_test(test_finds_write_ignoring_page_boundaries),
        cmocka_unit_test(test_finds_hang_on_unaligned_address),
        cmocka_unit_test(test_correct_loaders_give_nothing),
        cmocka_unit_test(test_default_budget_lets_a_systick_paced_chip_erase_finish),
        cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_a_case_is_one_operation_and_old_reproducers_replay_as_written),
        cmocka_unit_test(test_from_input_decodes_runs_and_writes_a_reproducer),
        cmocka_unit_test(test_coverage_map_counts_blocks_only_while_set),
        cmocka_unit_test(test_restore_recomputes_trustzone_pages_a_case_changed),
        cmocka_unit_test(test_replay_refuses_a_call_larger_than_the_buffer),
        cmocka_unit_test(test_tz_secure_is_the_secure_variant_and_a_bad_tz_is_refused),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
