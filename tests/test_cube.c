/* STM32_Programmer_CLI's syntax end to end (docs/cube.md) and the data files of `run
 * --write`/`--read`: a CubeProgrammer-syntax session leaves the same flash as `run --write`,
 * the checks CubeProgrammer makes before running, the log lines, exit 1 on every failure;
 * HEX/S-record/ELF files program their records and text never reaches the flash as bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/datafile.h"
#include "util/harness.h"

#define REF "ref_mx25_l562"

static const char *tmp(const char *name)
{
    static char paths[8][400];
    static unsigned k;
    char *p = paths[k++ % 8];
    snprintf(p, 400, "%s/%s", th_tmpdir(), name);
    return p;
}

static void write_file(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    uint8_t *b = malloc((size_t)len + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    b[len] = 0;
    *n = (size_t)len;
    return b;
}

static void pattern(uint8_t *b, size_t n, unsigned seed)
{
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        b[i] = (uint8_t)(x >> 24);
    }
}

/* Two segments of a HEX file: 70000 bytes at 0x90000000 (sectors 0-1) and 3000 at
 * 0x90030000 (sector 3): sector 2 is never touched. */
static const char *sparse_hex(void)
{
    static uint8_t a[70000], b[3000];
    pattern(a, sizeof a, 1);
    pattern(b, sizeof b, 2);
    char *t1, *t2;
    size_t n1, n2;
    se_error err;
    assert_int_equal(se_df_format_text(SE_DF_IHEX, 0x90000000u, a, sizeof a, &t1, &n1, &err), 0);
    assert_int_equal(se_df_format_text(SE_DF_IHEX, 0x90030000u, b, sizeof b, &t2, &n2, &err), 0);
    const char *path = tmp("sparse.hex");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(t1, 1, n1 - 12, f); /* without the first file's ":00000001FF\n" */
    fwrite(t2, 1, n2, f);
    fclose(f);
    free(t1);
    free(t2);
    return path;
}

static void expect_same_files(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *x = read_all(a, &na), *y = read_all(b, &nb);
    if (na != nb || memcmp(x, y, na))
        fail_msg("%s (%zu bytes) and %s (%zu bytes) differ", a, na, b, nb);
    free(x);
    free(y);
}

static void test_cube_session_leaves_the_flash_run_write_leaves(void **state)
{
    (void)state;
    const char *hex = sparse_hex();
    const char *a = tmp("run.img"), *b = tmp("cube.img");
    unlink(a);
    unlink(b);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s' --verify --flash-image '%s'",
                                  th_firmware(REF), hex, a),
                     0);
    free(out);
    int rc = th_run_toolf(&out, "-c port=SWD freq=4000 -el '%s' -d '%s' -v --flash-image '%s'",
                          th_firmware(REF), hex, b);
    if (rc != 0 || !strstr(out, "File download complete") ||
        !strstr(out, "Download verified successfully"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
    expect_same_files(a, b);
}

static void test_cube_binary_at_an_address_equals_run_write(void **state)
{
    (void)state;
    uint8_t data[5000];
    pattern(data, sizeof data, 7);
    const char *bin = tmp("fw.bin"), *a = tmp("runb.img"), *b = tmp("cubeb.img");
    write_file(bin, data, sizeof data);
    unlink(a);
    unlink(b);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90010000' --flash-image '%s'",
                                  th_firmware(REF), bin, a),
                     0);
    free(out);
    assert_int_equal(th_run_toolf(&out,
                                  "cube -c port=SWD -el '%s' -w '%s' 0x90010000 "
                                  "--flash-image '%s'",
                                  th_firmware(REF), bin, b),
                     0);
    free(out);
    expect_same_files(a, b);
}

static void test_sparse_file_erases_only_the_sectors_it_touches(void **state)
{
    (void)state;
    const char *hex = sparse_hex();
    char *out;
    assert_int_equal(
        th_run_toolf(&out, "-c port=SWD -el '%s' -d '%s' -vb 3", th_firmware(REF), hex), 0);
    if (!strstr(out, "Erasing external memory sectors [0 1]") ||
        !strstr(out, "Erasing external memory sector 3") ||
        !strstr(out, "SectorErase(0x90000000, 0x90010000)") ||
        !strstr(out, "SectorErase(0x90030000, 0x90030000)") || strstr(out, "0x90020000)"))
        fail_msg("%s", out);
    free(out);
}

static void test_verify_not_straight_after_the_write_is_wrong_verify_use(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "-c port=SWD -el '%s' -d '%s' --skipErase -v", th_firmware(REF),
                          sparse_hex());
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "Error: Wrong verify command use: it must be performed just "
                                "after write command or write 32-bit command"));
    free(out);
}

static void test_memory_operation_before_connect_is_refused(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "-el '%s' -e all", th_firmware(REF)), 1);
    assert_non_null(strstr(out, "before any -c"));
    assert_null(strstr(out, "Mass erase ..."));
    free(out);
}

static void test_probe_options_are_noted_in_one_line(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out,
                                  "-c port=SWD freq=24000 mode=UR reset=HWrst -el '%s' -rst "
                                  "-hardRst",
                                  th_firmware(REF)),
                     0);
    const char *p = strstr(out, "port=SWD freq=24000 mode=UR reset=HWrst: no probe");
    assert_non_null(p);
    assert_null(strstr(p + 50, "no probe")); /* one line */
    assert_non_null(strstr(out, "stldr-emu: -rst: "));
    assert_non_null(strstr(out, "stldr-emu: -hardRst: "));
    free(out);
}

static void test_erase_range_is_one_sector_erase(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "-c port=SWD -el '%s' -e [1 3] -vb 3", th_firmware(REF)),
                     0);
    assert_non_null(strstr(out, "Erasing external memory sectors [1 3]"));
    assert_non_null(strstr(out, "SectorErase(0x90010000, 0x90030000)"));
    free(out);
}

static void test_erase_list_is_one_sector_erase_per_run(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "-c port=SWD -el '%s' -e 4 5 9 -vb 3", th_firmware(REF)),
                     0);
    assert_non_null(strstr(out, "SectorErase(0x90040000, 0x90050000)"));
    assert_non_null(strstr(out, "SectorErase(0x90090000, 0x90090000)"));
    free(out);
}

static void test_erase_of_a_sector_past_the_device_exits_1(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "-c port=SWD -el '%s' -e [0 1024]", th_firmware(REF)), 1);
    assert_non_null(strstr(out, "Error: failed to erase memory"));
    assert_non_null(strstr(out, "sector 1024 does not exist"));
    assert_null(strstr(out, "SectorErase("));
    free(out);
}

static void test_erase_all_calls_mass_erase(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "-c port=SWD -el '%s' -e all -vb 3", th_firmware(REF)), 0);
    assert_non_null(strstr(out, "Mass erase ..."));
    assert_non_null(strstr(out, "MassErase(0x0)"));
    assert_non_null(strstr(out, "Mass erase successfully achieved"));
    free(out);
}

static void test_upload_writes_the_format_its_extension_names(void **state)
{
    (void)state;
    uint8_t data[600];
    pattern(data, sizeof data, 9);
    const char *bin = tmp("up.bin"), *img = tmp("up.img");
    write_file(bin, data, sizeof data);
    unlink(img);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90000100' --flash-image '%s'",
                                  th_firmware(REF), bin, img),
                     0);
    free(out);
    static const char *const names[] = {"up.hex", "up.srec", "up.s19"};
    for (int i = 0; i < 3; i++) {
        const char *f = tmp(names[i]);
        assert_int_equal(th_run_toolf(&out,
                                      "-c port=SWD -el '%s' -u 0x90000100 600 '%s' "
                                      "--flash-image '%s'",
                                      th_firmware(REF), f, img),
                         0);
        assert_non_null(strstr(out, "Data read successfully"));
        free(out);
        size_t n;
        uint8_t *text = read_all(f, &n);
        se_datafile df;
        se_error err;
        se_df_limits any = {0, 0x100000000ull, 1u << 20, 16, "4 GiB"};
        se_df_format want = i ? SE_DF_SREC : SE_DF_IHEX;
        assert_int_equal(se_df_sniff(text, n), want);
        assert_int_equal(se_df_parse(text, n, want, f, &any, &df, &err), 0);
        assert_int_equal(df.nsegs, 1);
        assert_int_equal(df.segs[0].addr, 0x90000100u);
        assert_int_equal(df.segs[0].len, sizeof data);
        assert_memory_equal(df.segs[0].data, data, sizeof data);
        se_df_free(&df);
        free(text);
    }
}

static void test_r32_prints_words(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(
        th_run_toolf(&out, "-c port=SWD -el '%s' -r32 0x90000000 32", th_firmware(REF)), 0);
    assert_non_null(strstr(out, "0x90000000 : FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF\n"));
    assert_non_null(strstr(out, "0x90000010 : FFFFFFFF"));
    free(out);
}

static void test_failing_loader_exits_1_with_the_diagnosis(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "-c port=SWD -el '%s' -e all", th_firmware("fault_unmapped"));
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "Error: Mass erase operation failed."));
    assert_non_null(strstr(out, "stldr-emu: lockup: Init: BusFault PRECISERR"));
    assert_non_null(strstr(out, "last ")); /* the failed call, whatever the verbosity */
    free(out);
}

static void test_verify_mismatch_names_the_first_byte(void **state)
{
    (void)state;
    uint8_t data[256];
    memset(data, 0x26, sizeof data);
    const char *bin = tmp("mm.bin");
    write_file(bin, data, sizeof data);
    char *out;
    int rc = th_run_toolf(&out, "-c port=SWD -el '%s' -d '%s' 0x90000000 -v",
                          th_firmware("ref_bug_no_wren"), bin);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "Error: Data mismatch found at address 0x90000000 (byte = 0xFF "
                                "instead of 0x26)\nError: Download verification failed\n"));
    free(out);
}

static void test_refused_options_say_why_before_anything_runs(void **state)
{
    (void)state;
    static const char *const refused[] = {"-ob displ", "-w32 0x90000000 1", "-elbl x.stldr",
                                          "-otp"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *out;
        int rc = th_run_toolf(&out, "-c port=SWD -el '%s' -e all %s", th_firmware(REF), refused[i]);
        if (rc != 1 || !strstr(out, "is refused here: ") || strstr(out, "Mass erase"))
            fail_msg("'%s': exit %d:\n%s", refused[i], rc, out);
        free(out);
    }
}

static void test_unknown_option_exits_1_in_one_line(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "-c port=SWD -el '%s' -frobnicate", th_firmware(REF)), 1);
    assert_string_equal(out, "stldr-emu: cube: unknown option '-frobnicate' (stldr-emu cube "
                             "--help)\n");
    free(out);
}

/* In this syntax every failure exits 1, stldr-emu's own options' errors too. */
static void test_bad_values_of_our_options_exit_1(void **state)
{
    (void)state;
    static const char *const bad[] = {"--chunk 0", "--tz maybe", "--target nosuch",
                                      "--progress sometimes"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out;
        int rc = th_run_toolf(&out, "-c port=SWD -el '%s' -e all %s", th_firmware(REF), bad[i]);
        if (rc != 1 || strstr(out, "Mass erase"))
            fail_msg("'%s': exit %d:\n%s", bad[i], rc, out);
        free(out);
    }
}

static void test_log_file_holds_every_call(void **state)
{
    (void)state;
    const char *log = tmp("trace.log");
    char *out;
    assert_int_equal(
        th_run_toolf(&out, "-c port=SWD -el '%s' -e [0 0] -log '%s'", th_firmware(REF), log), 0);
    assert_null(strstr(out, "SectorErase(")); /* -vb 1: not on the console */
    free(out);
    size_t n;
    char *text = (char *)read_all(log, &n);
    assert_non_null(strstr(text, "Erasing external memory sector 0"));
    assert_non_null(strstr(text, "SectorErase(0x90000000, 0x90000000)"));
    free(text);
}

static void test_skip_erase_writes_without_erasing(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "-c port=SWD -el '%s' --skipErase -d '%s' -vb 3",
                                  th_firmware(REF), sparse_hex()),
                     0);
    assert_null(strstr(out, "SectorErase("));
    assert_non_null(strstr(out, "Write(0x90000000"));
    free(out);
}

static void test_hex_given_an_address_is_refused_and_the_flash_untouched(void **state)
{
    (void)state;
    const char *img = tmp("untouched.img");
    unlink(img);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90000000' --flash-image '%s'",
                                  th_firmware(REF), sparse_hex(), img),
                     23);
    assert_non_null(strstr(out, "reads as Intel HEX text"));
    assert_null(strstr(out, "Write("));
    free(out);
    struct stat st;
    assert_int_not_equal(stat(img, &st), 0); /* refused before the flash was opened */
    assert_int_equal(th_run_toolf(&out, "-c port=SWD -el '%s' -d '%s' 0x90000000", th_firmware(REF),
                                  sparse_hex()),
                     1);
    assert_non_null(strstr(out, "Error: failed to download the File"));
    assert_non_null(strstr(out, "stldr-emu: bad-data-file: "));
    free(out);
}

static void test_hex_text_named_bin_is_refused_by_run(void **state)
{
    (void)state;
    size_t n;
    uint8_t *text = read_all(sparse_hex(), &n);
    const char *bin = tmp("looks.bin");
    write_file(bin, text, n);
    free(text);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x90000000'", th_firmware(REF), bin),
                     23);
    assert_null(strstr(out, "Write("));
    free(out);
}

static void test_run_write_of_hex_programs_its_records(void **state)
{
    (void)state;
    const char *hex = sparse_hex(), *back = tmp("back.bin");
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --write '%s' --verify --read 0x90030000:3000@'%s'",
                          th_firmware(REF), hex, back);
    if (rc)
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
    uint8_t want[3000];
    pattern(want, sizeof want, 2);
    size_t n;
    uint8_t *got = read_all(back, &n);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(got, want, sizeof want);
    free(got);
}

static void test_raw_binary_without_an_address_is_a_usage_error(void **state)
{
    (void)state;
    const char *bin = tmp("noaddr.bin");
    write_file(bin, "\x01\x02\x03", 3);
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s'", th_firmware(REF), bin), 2);
    assert_non_null(strstr(out, "needs an address"));
    free(out);
}

static void test_record_outside_the_device_is_refused(void **state)
{
    (void)state;
    const char *hex = tmp("outside.hex");
    /* 4 bytes at 0x80000000: not in the device at 0x90000000 */
    const char *t = ":0200000480007A\n:0400000001020304F2\n:00000001FF\n";
    write_file(hex, t, strlen(t));
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s'", th_firmware(REF), hex), 23);
    assert_non_null(strstr(out, "line 2: 0x4 bytes at 0x80000000 are outside the device"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cube_session_leaves_the_flash_run_write_leaves),
        cmocka_unit_test(test_cube_binary_at_an_address_equals_run_write),
        cmocka_unit_test(test_sparse_file_erases_only_the_sectors_it_touches),
        cmocka_unit_test(test_verify_not_straight_after_the_write_is_wrong_verify_use),
        cmocka_unit_test(test_memory_operation_before_connect_is_refused),
        cmocka_unit_test(test_probe_options_are_noted_in_one_line),
        cmocka_unit_test(test_erase_range_is_one_sector_erase),
        cmocka_unit_test(test_erase_list_is_one_sector_erase_per_run),
        cmocka_unit_test(test_erase_of_a_sector_past_the_device_exits_1),
        cmocka_unit_test(test_erase_all_calls_mass_erase),
        cmocka_unit_test(test_upload_writes_the_format_its_extension_names),
        cmocka_unit_test(test_r32_prints_words),
        cmocka_unit_test(test_failing_loader_exits_1_with_the_diagnosis),
        cmocka_unit_test(test_verify_mismatch_names_the_first_byte),
        cmocka_unit_test(test_refused_options_say_why_before_anything_runs),
        cmocka_unit_test(test_unknown_option_exits_1_in_one_line),
        cmocka_unit_test(test_bad_values_of_our_options_exit_1),
        cmocka_unit_test(test_log_file_holds_every_call),
        cmocka_unit_test(test_skip_erase_writes_without_erasing),
        cmocka_unit_test(test_hex_given_an_address_is_refused_and_the_flash_untouched),
        cmocka_unit_test(test_hex_text_named_bin_is_refused_by_run),
        cmocka_unit_test(test_run_write_of_hex_programs_its_records),
        cmocka_unit_test(test_raw_binary_without_an_address_is_a_usage_error),
        cmocka_unit_test(test_record_outside_the_device_is_refused),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
