/* The stldr-emu command line end to end: the standard session, file round trips, JSON,
 * and one distinct exit status per refusal and failure. */
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



static void write_file(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

static void test_standard_session_succeeds(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s'", th_firmware("sram_loader"));
    assert_int_equal(rc, 0);
    for (const char *fn = "Init(0x1)\0SectorErase(\0Write(\0Read(\0Verify(\0CheckSum(\0"; *fn;
         fn += strlen(fn) + 1)
        assert_non_null(strstr(out, fn));
    assert_non_null(strstr(out, "OK: 9 calls"));
    free(out);
}

static void test_write_verify_read_round_trip(void **state)
{
    (void)state;
    uint8_t data[8192 + 5];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 8));
    char in[300], back[300];
    snprintf(in, sizeof in, "%s/in.bin", th_tmpdir());
    snprintf(back, sizeof back, "%s/back.bin", th_tmpdir());
    write_file(in, data, sizeof data);
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --write '%s@0x20038003' --verify --read 0x20038003:%zu@'%s' --chunk 0x1000",
                 th_firmware("sram_loader"), in, sizeof data, back);
    assert_int_equal(rc, 0);
    free(out);
    FILE *f = fopen(back, "rb");
    assert_non_null(f);
    uint8_t got[sizeof data + 1];
    assert_int_equal(fread(got, 1, sizeof got, f), sizeof data);
    fclose(f);
    assert_memory_equal(got, data, sizeof data);
}

static void test_json_lines_end_with_summary(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --tz on --json", th_firmware("sram_loader_tz"));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "{\"event\":\"call\",\"op\":\"erase\",\"function\":\"Init\",\"args\":[1]"));
    assert_non_null(strstr(out, "{\"event\":\"summary\",\"ok\":true,\"status\":\"ok\",\"calls\":9"));
    free(out);
}

static void test_info_shows_storage_and_entries(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "info '%s'", th_firmware("sram_loader"));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "SRAM2-TEST_STM32L562E-DK"));
    assert_non_null(strstr(out, "8 x 0x1000"));
    assert_non_null(strstr(out, "SectorErase"));
    assert_non_null(strstr(out, "not downloaded"));
    free(out);
}

static void test_faulty_loaders_have_distinct_exit_codes(void **state)
{
    (void)state;
    static const struct {
        const char *fw;
        int code;
        const char *words;
    } cases[] = {
        {"fault_unmapped", 33, "BusFault PRECISERR"},
        {"fault_udf", 33, "UNDEFINSTR"},
        {"hang_loader", 34, "spinning"},
        {"bkpt_clobber", 35, "breakpoint word"},
        {"systick_erased", 34, "erased internal flash"},
        {"fault_div0", 33, "UsageFault DIVBYZERO: udiv r0, r1, r2 divides by zero (r2 = 0, "
                           "CCR.DIV_0_TRP is set) at Init+0x"},
        {"fault_unaligned", 33, "UsageFault UNALIGNED: 4-byte read of 0x"},
        {"fault_unaligned_ldrd", 33, "UsageFault UNALIGNED: 8-byte read of 0x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out;
        int rc = th_run_toolf(&out, "run '%s' --budget 500000", th_firmware(cases[i].fw));
        if (rc != cases[i].code || !strstr(out, cases[i].words))
            fail_msg("%s: exit %d, output:\n%s", cases[i].fw, rc, out);
        assert_non_null(strstr(out, "stldr-emu: error: Init:"));
        free(out);
    }
}

static void test_bad_files_are_refused_with_one_line(void **state)
{
    (void)state;
    char path[300], *out;
    snprintf(path, sizeof path, "%s/text.stldr", th_tmpdir());
    write_file(path, "hello, world\n", 13);
    assert_int_equal(th_run_toolf(&out, "run '%s'", path), 10);
    assert_non_null(strstr(out, "not an ELF"));
    free(out);

    /* a real loader cut short */
    FILE *f = fopen(th_firmware("sram_loader"), "rb");
    assert_non_null(f);
    uint8_t buf[200];
    assert_int_equal(fread(buf, 1, sizeof buf, f), sizeof buf);
    fclose(f);
    snprintf(path, sizeof path, "%s/cut.stldr", th_tmpdir());
    write_file(path, buf, sizeof buf);
    assert_int_equal(th_run_toolf(&out, "info '%s'", path), 14);
    free(out);

    assert_int_equal(th_run_toolf(&out, "run '%s/missing.stldr'", th_tmpdir()), 3);
    free(out);
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --tz maybe", th_firmware("sram_loader")), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "run '%s' --erase 5:1", th_firmware("sram_loader")), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "run '%s' --verify", th_firmware("sram_loader")), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "frobnicate x"), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "--help"), 0);
    assert_non_null(strstr(out, "usage: stldr-emu"));
    free(out);
}

static void test_write_outside_device_is_a_usage_error(void **state)
{
    (void)state;
    char in[300], *out;
    snprintf(in, sizeof in, "%s/small.bin", th_tmpdir());
    write_file(in, "0123456789abcdef", 16);
    assert_int_equal(th_run_toolf(&out, "run '%s' --write '%s@0x2003FFF8'", th_firmware("sram_loader"), in), 2);
    assert_non_null(strstr(out, "outside the device"));
    free(out);
}

/* --sp 0 (docs/protocol.md 2.1, bad run P7: "MSP is set to zero") runs the loader with SP = 0
 * and says so first; the reference loader's Init pushes at once: a BusFault that cannot be
 * stacked, lockup. */
/* A push that leaves RAM mid-call (here SP just above the start of SRAM) is named as the stack
 * leaving RAM, with SP, not only as an unmapped write. */
static void test_push_below_ram_says_the_stack_left_it(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --sp 0x20000008 --init-only --last 0",
                          th_firmware("ref_mx25_l562"));
    if (!strstr(out, "(unmapped); the stack has left RAM (SP 0x20000008) at Init"))
        fail_msg("exit %d, output:\n%s", rc, out);
    assert_int_equal(rc, 33);
    free(out);
}

static void test_sp_zero_runs_with_msp_zero_and_says_so(void **state)
{
    (void)state;
    char *out;
    /* the data buffer stays where the default SP puts it */
    int rc = th_run_toolf(&out, "run '%s' --init-only", th_firmware("ref_mx25_l562"));
    const char *b = strstr(out, ", buffer 0x");
    assert_non_null(b);
    char buffer_at[64];
    snprintf(buffer_at, sizeof buffer_at, ", SP 0x00000000%.*s", (int)strcspn(b, "\n"), b);
    free(out);
    rc = th_run_toolf(&out, "run '%s' --sp 0 --init-only --last 0", th_firmware("ref_mx25_l562"));
    const char *want[] = {
        buffer_at,
        "stldr-emu: warning: the stack pointer is zero at entry: MSP 0x00000000 set by the host "
        "before Init (running as the target would)\n",
        "stldr-emu: error: Init: the stack pointer is zero at entry: MSP 0x00000000 set by the "
        "host before Init (running as the target would); BusFault PRECISERR: 4-byte write of "
        "0xffffffe0 (system region, execute-never) at Init; then lockup: HardFault entry could "
        "not push its frame: MSP=0x00000000 (write to 0xffffffe0 failed); the stack pointer is "
        "zero\n",
        "FAILED: 1 calls, 6 instructions",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("\"%s\" not in the output (exit %d):\n%s", want[i], rc, out);
    assert_int_equal(rc, 33); /* lockup */
    free(out);

    /* A loader whose Init pushes nothing returns from it (said as a warning) and fails at
     * the first call that pushes. */
    rc = th_run_toolf(&out, "run '%s' --sp 0 --last 0", th_firmware("sram_loader"));
    if (!strstr(out, "stldr-emu: error: SectorErase: the stack pointer is zero at entry: MSP "
                     "0x00000000 set by the host before SectorErase (running as the target "
                     "would); BusFault PRECISERR: 4-byte write of 0xfffffff0"))
        fail_msg("exit %d, output:\n%s", rc, out);
    assert_int_equal(rc, 33);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_session_succeeds),
        cmocka_unit_test(test_write_verify_read_round_trip),
        cmocka_unit_test(test_json_lines_end_with_summary),
        cmocka_unit_test(test_info_shows_storage_and_entries),
        cmocka_unit_test(test_faulty_loaders_have_distinct_exit_codes),
        cmocka_unit_test(test_bad_files_are_refused_with_one_line),
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_write_outside_device_is_a_usage_error),
        cmocka_unit_test(test_sp_zero_runs_with_msp_zero_and_says_so),
        cmocka_unit_test(test_push_below_ram_says_the_stack_left_it),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
