/* stldr-emu fuzz: the planted-bug loaders are found within a fixed seed and budget, the
 * correct loader gives nothing, results are deterministic, and reproducers replay. */
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
    if (rc != 1 || !strstr(text, kind))
        fail_msg("%s: exit %d, expected a %s finding:\n%s", fw, rc, kind, text);
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
    rc = fuzz("ref_mx25_l562", 60, NULL, &text);
    if (rc != 0 || !strstr(text, "\n0 findings"))
        fail_msg("ref_mx25_l562: exit %d\n%s", rc, text);
    free(text);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_off_by_one_at_device_end),
        cmocka_unit_test(test_finds_erase_skipping_last_sector),
        cmocka_unit_test(test_finds_write_ignoring_page_boundaries),
        cmocka_unit_test(test_finds_hang_on_unaligned_address),
        cmocka_unit_test(test_correct_loaders_give_nothing),
        cmocka_unit_test(test_same_seed_same_result),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
