/* The HAL-style loader of tests/firmware/hal (byte-wide DR moves behind FTF polls with a
 * SysTick-driven timeout) on the modelled STM32L562E-DK: its tick really runs on SysTick
 * interrupts, and the -Os and -O0 builds pass the standard session and a 1 MiB random round
 * trip under --tz off, the _tz build the standard session under --tz on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/harness.h"

static uint32_t rd32(th_session *s, uint32_t addr)
{
    uint32_t v = 0;
    assert_int_equal(se_machine_read(s->m, addr, &v, 4, &s->err), SE_OK);
    return v;
}

/* After Init: SysTick runs at 1 ms of the 110 MHz core with its interrupt, VTOR points at the
 * loader's own table (inside the image), and the tick counted the waits of Init. */
static void test_init_runs_a_systick_millisecond_tick(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "hal_mx25_l562", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_int_equal(rd32(&s, 0xE000E010u) & 7u, 7u); /* SYST_CSR: ENABLE TICKINT CLKSOURCE */
    assert_int_equal(rd32(&s, 0xE000E014u), 109999u); /* SYST_RVR: 1 ms at 110 MHz */
    uint32_t vtor = rd32(&s, 0xE000ED08u);
    assert_true(vtor > 0x20000004u && vtor < 0x20001000u);
    assert_int_equal(vtor & 0x7Fu, 0u);
    uint32_t systick_vector = rd32(&s, vtor + 15u * 4u);
    assert_true(systick_vector > 0x20000004u && systick_vector < 0x20001000u);
    assert_int_equal(rd32(&s, 0x44021000u) & 0x30000001u, 0x30000001u); /* CR: mapped, EN */
    assert_int_equal(rd32(&s, 0x44021100u), 0x2C003C1Cu);               /* CCR: 8DTRD */
    th_close(&s);
}

static void run_ok(const char *args)
{
    char *out;
    int rc = th_run_tool(args, &out);
    if (rc != 0)
        fail_msg("%s: exit %d\n%s", args, rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    assert_non_null(strstr(out, " commands, 0 warnings\n"));
    free(out);
}

static void test_standard_session_in_every_build(void **state)
{
    (void)state;
    run_ok("run '" SE_FIRMWARE_DIR "/hal_mx25_l562.stldr'");
    run_ok("run '" SE_FIRMWARE_DIR "/hal_mx25_l562_o0.stldr'");
    run_ok("run '" SE_FIRMWARE_DIR "/hal_mx25_l562_tz.stldr' --tz on");
}

static void round_trip(const char *loader)
{
    enum { N = 1u << 20 };
    uint8_t *data = malloc(N), *back = malloc(N + 1);
    assert_non_null(data);
    assert_non_null(back);
    uint32_t x = 0x5EED1234u;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (uint8_t)x;
    }
    char in[300], rb[300], img[300];
    snprintf(in, sizeof in, "%s/%s.bin", th_tmpdir(), loader);
    snprintf(rb, sizeof rb, "%s/%s.back", th_tmpdir(), loader);
    snprintf(img, sizeof img, "%s/%s.img", th_tmpdir(), loader);
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, N, f), N);
    fclose(f);
    /* Odd start and length: the DTR pads at both ends of a page program and of a read. */
    char *out;
    int rc = th_run_toolf(&out,
                          "run '%s/%s.stldr' --write '%s@0x90000001' --verify "
                          "--read 0x90000001:%u@'%s' --flash-image '%s' --quiet",
                          SE_FIRMWARE_DIR, loader, in, N, rb, img);
    if (rc != 0)
        fail_msg("%s: exit %d\n%s", loader, rc, out);
    free(out);
    f = fopen(rb, "rb");
    assert_non_null(f);
    assert_int_equal(fread(back, 1, N + 1, f), N);
    fclose(f);
    assert_memory_equal(back, data, N);
    f = fopen(img, "rb");
    assert_non_null(f);
    assert_int_equal(fread(back, 1, 1, f), 1);
    assert_int_equal(back[0], 0xFF); /* byte 0 was padded with 0xFF: still erased */
    assert_int_equal(fread(back, 1, N, f), N);
    fclose(f);
    assert_memory_equal(back, data, N);
    free(data);
    free(back);
}

static void test_one_mib_round_trip_os(void **state)
{
    (void)state;
    round_trip("hal_mx25_l562");
}

static void test_one_mib_round_trip_o0(void **state)
{
    (void)state;
    round_trip("hal_mx25_l562_o0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_runs_a_systick_millisecond_tick),
        cmocka_unit_test(test_standard_session_in_every_build),
        cmocka_unit_test(test_one_mib_round_trip_os),
        cmocka_unit_test(test_one_mib_round_trip_o0),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
