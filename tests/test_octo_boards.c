/* The STM32U5, STM32H5 and STM32H7B3 boards (issue 15): built-in targets, our own loader
 * (tests/firmware/octo/) through the standard session and a 1 MiB round trip on each, the U585
 * with TrustZone on, the H573's base following the ELF, the H7B3's Cortex-M7 (caches, FPU,
 * octal DTR), and --target auto. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/regfile.h"
#include "util/harness.h"

static void expect(const char *out, const char *words)
{
    if (!strstr(out, words))
        fail_msg("expected \"%s\" in:\n%s", words, out);
}

static void test_the_boards_are_listed(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "info --target list"), 0);
    expect(out, "stm32u585i-iot02a");
    expect(out,
           "STM32U585AII6Q (Cortex-M33), MX25LM51245G (64 MiB) on OCTOSPI2; --tz off on secure");
    expect(out, "stm32u5a9j-dk");
    expect(out, "MX25UM51245G (64 MiB) on OCTOSPI1; --tz off on secure");
    expect(out, "stm32h573i-dk");
    expect(out, "STM32H573IIK3Q (Cortex-M33), MX25LM51245G (64 MiB) on OCTOSPI1; --tz off\n");
    expect(out, "stm32h7b3i-eval");
    expect(out, "stm32h7b3i-dk");
    expect(out, "STM32H7B3LIH6Q (Cortex-M7), MX25LM51245G (64 MiB) on OCTOSPI1; --tz off\n");
    free(out);
}

/* The standard session, with the flash part's command log clean. */
static void session(const char *fw, const char *args, const char *header)
{
    char *out;
    int rc = th_run_toolf(&out, "run '%s' %s", th_firmware(fw), args);
    if (rc != 0 || !strstr(out, "OK: 9 calls") || !strstr(out, " commands, 0 warnings\n") ||
        !strstr(out, header))
        fail_msg("%s %s: exit %d\n%s", fw, args, rc, out);
    free(out);
}

static void test_standard_session_on_each_board(void **state)
{
    (void)state;
    session("octo_u585", "--target stm32u585i-iot02a",
            "on B-U585I-IOT02A, TZEN=0: loader at 0x20000004");
    session("octo_u585_tz", "--target stm32u585i-iot02a --tz on", "bytes at 0x20040004, SP 0x2004");
    session("octo_u585", "--target stm32u585i-iot02a --tz secure", "TZEN=1 reset state");
    session("octo_u5a9", "--target stm32u5a9j-dk", "on STM32U5A9J-DK, TZEN=0");
    session("octo_h573", "--target stm32h573i-dk", "bytes at 0x20000004, SP 0x2000");
    session("octo_h573_3004", "--target stm32h573i-dk", "bytes at 0x20003004, SP 0x2000");
    session("octo_h7b3_eval", "--target stm32h7b3i-eval", "bytes at 0x24000004, SP 0x2400");
    session("octo_h7b3_dk", "--target stm32h7b3i-dk", "on STM32H7B3I-DK: loader at its link");
}

/* The H7B3 EVAL loader runs the flash in octal DTR: the reads through the window are 8DTRD
 * frames, and its Init enabled the FPU and both caches with CMSIS's register sequences on the
 * Cortex-M7 (Init returns 0 if the FPU addition or CCSIDR is wrong) without a warning. */
static void test_h7b3_octal_dtr_and_cortex_m7(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --target stm32h7b3i-eval --log-flash",
                          th_firmware("octo_h7b3_eval"));
    if (rc != 0 || !strstr(out, "flash DOPI 0xEE11 8DTRD addr 0x00000000 dummy 6") ||
        !strstr(out, "flash DOPI 0x12ED PP4B") || strstr(out, "stldr-emu: warning"))
        fail_msg("exit %d\n%.4000s", rc, out);
    free(out);
    /* a double-precision FPU instruction (the H7's FPU has them) is said to be Unicorn's limit */
    rc = th_run_toolf(&out, "run '%s' --target stm32h7b3i-dk", th_firmware("octo_h7b3_dp"));
    if (rc == 0 || !strstr(out, "UsageFault UNDEFINSTR: a double-precision FPU instruction") ||
        !strstr(out, "Unicorn 2.0.1 runs every M-profile model as its Cortex-M33"))
        fail_msg("exit %d\n%s", rc, out);
    free(out);
    /* the same loader on a Cortex-M33 board's map fails at once (no AXI SRAM there) */
    rc = th_run_toolf(&out, "run '%s' --target stm32h573i-dk", th_firmware("octo_h7b3_eval"));
    assert_int_not_equal(rc, 0);
    free(out);
}

/* 1 MiB of random bytes written, verified and read back through the loader, and found in the
 * flash image. */
static void round_trip(const char *fw, const char *target, uint32_t window)
{
    enum { N = 1u << 20 };
    uint8_t *data = malloc(N), *back = malloc(N + 1);
    assert_non_null(data);
    assert_non_null(back);
    uint32_t x = 0x1234ABCDu ^ window;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (uint8_t)x;
    }
    char in[300], rb[300], img[300];
    snprintf(in, sizeof in, "%s/%s.in", th_tmpdir(), fw);
    snprintf(rb, sizeof rb, "%s/%s.back", th_tmpdir(), fw);
    snprintf(img, sizeof img, "%s/%s.img", th_tmpdir(), fw);
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, N, f), N);
    fclose(f);
    char *out;
    int rc = th_run_toolf(&out,
                          "run '%s' --target %s --write '%s@0x%08x' --verify --read "
                          "0x%08x:%u@'%s' --flash-image '%s' --quiet",
                          th_firmware(fw), target, in, window, window, N, rb, img);
    if (rc != 0)
        fail_msg("%s: exit %d\n%s", fw, rc, out);
    free(out);
    const char *files[] = {rb, img};
    for (int k = 0; k < 2; k++) {
        f = fopen(files[k], "rb");
        assert_non_null(f);
        size_t got = fread(back, 1, N + 1, f);
        fclose(f);
        assert_true(got >= N);
        assert_memory_equal(back, data, N);
    }
    free(data);
    free(back);
}

static void test_one_mib_round_trip_on_each_board(void **state)
{
    (void)state;
    round_trip("octo_u585", "stm32u585i-iot02a", 0x70000000u);
    round_trip("octo_u5a9", "stm32u5a9j-dk", 0x90000000u);
    round_trip("octo_h573_3004", "stm32h573i-dk", 0x90000000u);
    round_trip("octo_h7b3_eval", "stm32h7b3i-eval", 0x90000000u);
    round_trip("octo_h7b3_dk", "stm32h7b3i-dk", 0x90000000u);
}

static void test_round_trip_with_trustzone_on(void **state)
{
    (void)state;
    enum { N = 1u << 20 };
    char in[300];
    snprintf(in, sizeof in, "%s/tz.in", th_tmpdir());
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    for (unsigned i = 0; i < N; i++)
        fputc((int)((i * 7u) ^ (i >> 9)) & 0xFF, f);
    fclose(f);
    char *out;
    int rc = th_run_toolf(&out,
                          "run '%s' --target stm32u585i-iot02a --tz on --write '%s@0x70000000' "
                          "--verify --quiet",
                          th_firmware("octo_u585_tz"), in);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    free(out);
}

static void test_target_auto_chooses_and_says_why(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "info --target auto '%s'", th_firmware("octo_u5a9")), 0);
    expect(out, "choice      --target auto chose stm32u5a9j-dk: built for v8-M.main");
    expect(out, "\"U5A9\" in the device name");
    expect(out, "target      STM32U5A9J-DK");
    free(out);
    /* with no --target: the device name moves the default off the L562 */
    assert_int_equal(th_run_toolf(&out, "info '%s'", th_firmware("octo_h573_3004")), 0);
    expect(out, "choice      the device name chose stm32h573i-dk");
    expect(out, "BKPT at 0x20003000");
    free(out);
    /* the L562's loaders stay on the L562 */
    assert_int_equal(th_run_toolf(&out, "info --target auto '%s'", th_firmware("ref_mx25_l562")),
                     0);
    expect(out, "--target auto chose stm32l562e-dk");
    free(out);
    /* nothing tells the two U5 boards apart: an error listing the candidates */
    assert_int_equal(th_run_toolf(&out, "info --target auto '%s'", th_firmware("octo_u5_noname")),
                     2);
    expect(out, "--target auto: 2 targets fit this loader equally, name one with --target");
    expect(out, "stm32u585i-iot02a (17: ");
    expect(out, "stm32u5a9j-dk (17: ");
    free(out);
    /* a Cortex-M7 loader linked in the H7's AXI SRAM fits both H7B3 boards and nothing else */
    assert_int_equal(th_run_toolf(&out, "info --target auto '%s'", th_firmware("foreign_h7_bss")),
                     2);
    expect(out, "--target auto: 2 targets fit this loader equally");
    expect(out, "stm32h7b3i-eval (5: built for v7E-M, linked at 0x24000004");
    expect(out, "stm32h7b3i-dk (5: built for v7E-M, linked at 0x24000004");
    expect(out, "stm32h573i-dk (0: built for v7E-M, the STM32H5 is v8-M.main)");
    free(out);
    /* the device name's board kind tells the two H7B3 boards apart */
    assert_int_equal(th_run_toolf(&out, "info --target auto '%s'", th_firmware("octo_h7b3_eval")),
                     0);
    expect(out, "--target auto chose stm32h7b3i-eval: built for v7E-M, linked at 0x24000004");
    expect(out, "\"H7B3\" in the device name with \"EVAL\"");
    free(out);
    assert_int_equal(th_run_toolf(&out, "info '%s'", th_firmware("octo_h7b3_dk")), 0);
    expect(out, "choice      the device name chose stm32h7b3i-dk");
    expect(out, "BKPT at 0x24000000");
    free(out);
}

/* A follow rule copies a field at reset and after every write (the RCC ready flags). */
static void test_regfile_follow_rules(void **state)
{
    (void)state;
    static const se_reg regs[] = {
        {0x00, SE_ACC_RW, 0x1u, 0xFFFFFFFDu, 0, NULL},
        {0x04, SE_ACC_RW, 0, 0xFFFFFFF3u, 0, NULL},
    };
    static const se_regfile_desc desc = {regs, 2, NULL, 0, NULL, 0};
    static const se_regfile_follow follow[] = {
        {0x00, 1u << 0, 0x00, 1}, /* ON b0 -> RDY b1 */
        {0x04, 3u << 0, 0x04, 2}, /* SW -> SWS */
    };
    se_regfile s;
    memset(&s, 0, sizeof s);
    se_regfile_setup(&s, "RCC", 0, &desc, NULL, false);
    assert_int_equal(se_regfile_read(&s, 0, 4), 0x1u); /* before the rules */
    se_regfile_set_follow(&s, follow, 2);
    assert_int_equal(se_regfile_read(&s, 0, 4), 0x3u);
    se_regfile_write(&s, 0, 0x0u, 4);
    assert_int_equal(se_regfile_read(&s, 0, 4), 0x0u);
    se_regfile_write(&s, 0x04, 0x3u, 4);
    assert_int_equal(se_regfile_read(&s, 0x04, 4), 0xFu);
    se_regfile_reset(&s);
    assert_int_equal(se_regfile_read(&s, 0, 4), 0x3u);
    assert_int_equal(se_regfile_read(&s, 0x04, 4), 0x0u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_boards_are_listed),
        cmocka_unit_test(test_standard_session_on_each_board),
        cmocka_unit_test(test_one_mib_round_trip_on_each_board),
        cmocka_unit_test(test_round_trip_with_trustzone_on),
        cmocka_unit_test(test_target_auto_chooses_and_says_why),
        cmocka_unit_test(test_h7b3_octal_dtr_and_cortex_m7),
        cmocka_unit_test(test_regfile_follow_rules),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
