/* The serial-NOR family on boards: our W25Q256 reference loader (tests/firmware/ref/w25q_l552.c)
 * on the stm32l552-w25q256 target (OCTOSPI1 in quad mode), the flash_chip= profile key that puts
 * a part of the table on a board, what the log shows of quad frames, and the STM32F7508-DK
 * (Cortex-M7, QUADSPI + N25Q128A, ITCM RAM at 0 for Keil's RWPI data through R9 = 0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/board.h"
#include "emu/profile.h"
#include "util/harness.h"

#define W25Q SE_FIRMWARE_DIR "/ref_w25q_l552.stldr"
#define MX25R SE_FIRMWARE_DIR "/ref_mx25r_l496.stldr"
#define N25Q SE_FIRMWARE_DIR "/ref_n25q_f750.stldr"

static void test_standard_session_on_the_l552_w25q256_target(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" W25Q "' --target stm32l552-w25q256", &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    assert_non_null(strstr(out, " commands, 0 warnings\n"));
    free(out);
}

/* 1 MiB of random bytes written at base + 1 MiB, verified, read back, and found in the image
 * file at that offset. */
static void round_trip(const char *loader, const char *target, uint32_t seed)
{
    enum { N = 1u << 20 };
    uint8_t *data = malloc(N), *back = malloc(N + 1);
    assert_non_null(data);
    assert_non_null(back);
    uint32_t x = seed;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (uint8_t)x;
    }
    char in[300], rb[300], img[300];
    snprintf(in, sizeof in, "%s/w25q_random.bin", th_tmpdir());
    snprintf(rb, sizeof rb, "%s/w25q_readback.bin", th_tmpdir());
    snprintf(img, sizeof img, "%s/w25q_flash.img", th_tmpdir());
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, N, f), N);
    fclose(f);
    char *out;
    /* at 0x90100000: above the first MiB, so the address bytes above 16 bits matter */
    int rc = th_run_toolf(&out,
                          "run '%s' --target %s --write '%s@0x90100000' --verify "
                          "--read 0x90100000:%u@'%s' --flash-image '%s' --quiet",
                          loader, target, in, N, rb, img);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    free(out);
    f = fopen(rb, "rb");
    assert_non_null(f);
    assert_int_equal(fread(back, 1, N + 1, f), N);
    fclose(f);
    assert_memory_equal(back, data, N);
    f = fopen(img, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0x100000, SEEK_SET), 0);
    assert_int_equal(fread(back, 1, N, f), N);
    fclose(f);
    assert_memory_equal(back, data, N);
    free(data);
    free(back);
}

static void test_one_mib_random_round_trip_on_the_w25q256(void **state)
{
    (void)state;
    round_trip(W25Q, "stm32l552-w25q256", 0x2545F491u);
}

static void test_standard_session_on_the_l496_quadspi_mx25r(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" MX25R "' --target stm32l496g-disco --log-flash", &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    assert_non_null(strstr(out, " commands, 0 warnings\n"));
    assert_non_null(strstr(out, "0x01 WRSR len 3 SR=0x40"));
    assert_non_null(strstr(out, "0x38 4PP 1-4-4 addr 0x00000000"));
    assert_non_null(strstr(out, "0x20 SE addr 0x00000000"));
    free(out);
}

static void test_one_mib_random_round_trip_on_the_l496_quadspi(void **state)
{
    (void)state;
    round_trip(MX25R, "stm32l496g-disco", 0x9E3779B9u);
}

/* flash_chip= swaps the L496 board's MX25R6435F for a W25Q64JV: the MX25R loader's RDID check
 * (C2 28 17) then fails in Init. */
static void test_flash_chip_key_swaps_the_part_on_the_l496(void **state)
{
    (void)state;
    char prof[300];
    snprintf(prof, sizeof prof, "%s/l496w.profile", th_tmpdir());
    FILE *f = fopen(prof, "w");
    assert_non_null(f);
    fputs("base=stm32l496g-disco\nflash_chip=W25Q64JV\n", f);
    fclose(f);
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --profile '%s'", MX25R, prof);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "Init returned 0"));
    free(out);
}

/* The octal board's MX25LM51245G answers RDID with C2 85 3A: the W25Q loader's Init refuses
 * it. A profile that puts a W25Q256JV on the same board lets it run. */
static void test_flash_chip_key_puts_a_w25q256_on_the_l562_board(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" W25Q "'", &out);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "Init returned 0"));
    free(out);
    char prof[300];
    snprintf(prof, sizeof prof, "%s/w25q.profile", th_tmpdir());
    FILE *f = fopen(prof, "w");
    assert_non_null(f);
    fputs("base=stm32l562e-dk\nflash_chip=w25q256jv\n", f);
    fclose(f);
    rc = th_run_toolf(&out, "run '%s' --profile '%s'", W25Q, prof);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    free(out);
}

static void test_unknown_flash_chip_is_a_one_line_error_naming_the_parts(void **state)
{
    (void)state;
    char prof[300];
    snprintf(prof, sizeof prof, "%s/bad.profile", th_tmpdir());
    FILE *f = fopen(prof, "w");
    assert_non_null(f);
    fputs("base=stm32l562e-dk\nflash_chip=W25Q999\n", f);
    fclose(f);
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --profile '%s'", W25Q, prof);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "unknown flash_chip 'W25Q999'"));
    assert_non_null(strstr(out, "MT25QL512A"));
    assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
    free(out);
}

static void test_log_flash_shows_the_quad_frames(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" W25Q "' --target stm32l552-w25q256 --log-flash", &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "0x01 WRSR len 2"));
    assert_non_null(strstr(out, "0xB7 EN4B"));
    assert_non_null(strstr(out, "0xD8 BE addr 0x00000000"));
    assert_non_null(strstr(out, "0x32 QPP 1-1-4 addr 0x00000000"));
    free(out);
}

/* Verify's checksum disagrees with the data while the flash holds it: the loader's fault, and
 * the message says so (ST's L496 loader truncates the size in CheckSum). */
static void test_a_wrong_verify_checksum_is_blamed_on_the_loader(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool(
        "run '" SE_FIRMWARE_DIR "/ref_mx25r_bug_checksum.stldr' --target stm32l496g-disco", &out);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "the loader's CheckSum is wrong"));
    free(out);
}

/* The F4 HAL enables the PLL through the bit-band alias (RCC_CR_PLLON_BB = 0x42470060): the
 * F469 board's RCC sees PLLON, and PLLRDY follows it. */
static void test_f469_bit_band_alias_reaches_rcc(void **state)
{
    (void)state;
    th_session s;
    th_open_profile(&s, "ref_mx25r_l496", se_profile_find_tz("stm32f469i-eval", "off"), NULL, NULL);
    uint32_t one = 1, v = 0;
    assert_int_equal(se_machine_write(s.m, 0x42470060u, &one, 4, &s.err), SE_OK);
    assert_int_equal(se_machine_read(s.m, 0x40023800u, &v, 4, &s.err), SE_OK);
    assert_int_equal(v & (3u << 24), 3u << 24); /* PLLON, PLLRDY */
    assert_int_equal(se_machine_read(s.m, 0x42470064u, &v, 4, &s.err), SE_OK);
    assert_int_equal(v, 1); /* PLLRDY through the alias */
    th_close(&s);
}

/* Our MX25R loader built for the F4's RCC, on the F469 board with an MX25R6435F put there:
 * the QUADSPI at 0xA0001000 and the window work on the F4 map. */
static void test_f469_quadspi_runs_a_standard_session(void **state)
{
    (void)state;
    char prof[300];
    snprintf(prof, sizeof prof, "%s/f469.profile", th_tmpdir());
    FILE *f = fopen(prof, "w");
    assert_non_null(f);
    fputs("base=stm32f469i-eval\nflash_chip=MX25R6435F\n", f);
    fclose(f);
    char *out;
    int rc =
        th_run_toolf(&out, "run '%s/ref_mx25r_f469.stldr' --profile '%s'", SE_FIRMWARE_DIR, prof);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    assert_non_null(strstr(out, "device time, 0 warnings"));
    assert_non_null(strstr(out, " commands, 0 warnings\n"));
    free(out);
}

/* The STM32F7508-DK: our N25Q128A loader (Micron quad program 0x32, 64 KiB erase 0xD8, the flag
 * status register, memory-mapped 0xEB with 10 dummy cycles) through the standard session on
 * the Cortex-M7; its Init keeps a word at R9 + 0x40 as Keil's RWPI code does, which lands in
 * ITCM RAM at 0x40 on the F7 and in no memory on the F469 board. */
static void test_f7508_dk_standard_session_and_rwpi_data_in_itcm(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_tool("info --target list", &out), 0);
    assert_non_null(strstr(out, "stm32f7508-dk"));
    assert_non_null(
        strstr(out, "STM32F750N8H6 (Cortex-M7), N25Q128A (16 MiB) on QUADSPI; --tz off"));
    free(out);
    int rc = th_run_tool("run '" N25Q "' --target stm32f7508-dk --log-flash", &out);
    if (rc != 0 || !strstr(out, "OK: 9 calls") || !strstr(out, " commands, 0 warnings\n") ||
        !strstr(out, "0x32 QPP 1-1-4 addr 0x00000000") || !strstr(out, "0xD8 BE addr 0x00010000") ||
        strstr(out, "stldr-emu: warning"))
        fail_msg("exit %d\n%.6000s", rc, out);
    free(out);
    rc = th_run_tool("run '" N25Q "' --target stm32f469i-eval", &out);
    assert_int_equal(rc, 33);
    assert_non_null(
        strstr(out, "the loader addresses its data through R9 (Keil RWPI) and R9 is 0"));
    free(out);
    /* --target auto: the F4/F7 family's boards told apart by the device name */
    assert_int_equal(th_run_tool("info --target auto '" N25Q "'", &out), 0);
    assert_non_null(strstr(out, "--target auto chose stm32f7508-dk"));
    assert_non_null(strstr(out, "\"F750\" in the device name with \"DISCO\""));
    free(out);
}

static void test_one_mib_random_round_trip_on_the_f7508_dk(void **state)
{
    (void)state;
    round_trip(N25Q, "stm32f7508-dk", 0x7F4A7C15u);
}

/* The QUADSPI registers are reached at 0xA0001000 only: TIM6 at 0x40001000 (the same offset
 * of the first peripheral window) is not the QUADSPI, on every QUADSPI board. */
static void test_tim6_does_not_reach_the_quadspi(void **state)
{
    (void)state;
    static const char *const targets[] = {"stm32f469i-eval", "stm32l496g-disco", "stm32f7508-dk"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        const se_profile *p = se_profile_find_tz(targets[i], "off");
        if (!p)
            fail_msg("no target %s", targets[i]);
        th_session s;
        th_open_profile(&s, "ref_mx25r_l496", p, NULL, NULL);
        uint32_t dcr = 0x00170100u, v = 0;
        assert_int_equal(se_machine_write(s.m, 0x40001004u, &dcr, 4, &s.err), SE_OK);
        assert_int_equal(se_machine_read(s.m, 0xA0001004u, &v, 4, &s.err), SE_OK);
        if (v != 0)
            fail_msg("%s: a write to TIM6 (0x40001004) reached QUADSPI_DCR (0x%08x)", targets[i],
                     v);
        assert_int_equal(se_machine_write(s.m, 0xA0001004u, &dcr, 4, &s.err), SE_OK);
        assert_int_equal(se_machine_read(s.m, 0xA0001004u, &v, 4, &s.err), SE_OK);
        assert_int_equal(v, dcr); /* the QUADSPI itself answers at its own address */
        assert_int_equal(se_machine_read(s.m, 0x40001004u, &v, 4, &s.err), SE_OK);
        assert_int_equal(v, 0); /* TIM6 is not modelled: reads 0 */
        th_close(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_session_on_the_l552_w25q256_target),
        cmocka_unit_test(test_one_mib_random_round_trip_on_the_w25q256),
        cmocka_unit_test(test_flash_chip_key_puts_a_w25q256_on_the_l562_board),
        cmocka_unit_test(test_unknown_flash_chip_is_a_one_line_error_naming_the_parts),
        cmocka_unit_test(test_log_flash_shows_the_quad_frames),
        cmocka_unit_test(test_standard_session_on_the_l496_quadspi_mx25r),
        cmocka_unit_test(test_one_mib_random_round_trip_on_the_l496_quadspi),
        cmocka_unit_test(test_flash_chip_key_swaps_the_part_on_the_l496),
        cmocka_unit_test(test_a_wrong_verify_checksum_is_blamed_on_the_loader),
        cmocka_unit_test(test_f469_bit_band_alias_reaches_rcc),
        cmocka_unit_test(test_f469_quadspi_runs_a_standard_session),
        cmocka_unit_test(test_tim6_does_not_reach_the_quadspi),
        cmocka_unit_test(test_f7508_dk_standard_session_and_rwpi_data_in_itcm),
        cmocka_unit_test(test_one_mib_random_round_trip_on_the_f7508_dk),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
