/* Our reference loader (tests/firmware/ref) on the modelled STM32L562E-DK: OCTOSPI1 and the
 * MX25LM51245G in octal DTR. The register values the board's set-up must reach
 * (docs/hardware.md B.6), a 1 MiB random round trip through --write/--read and the image file,
 * and the planted mistakes the flash model must explain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/dma.h"
#include "peripherals/mx25lm51245g.h"
#include "util/harness.h"
#include "emu/boards/stm32l5.h"
#include "emu/inspect.h"

#define OSPI 0x44021000u

static uint32_t rd32(th_session *s, uint32_t addr)
{
    uint32_t v = 0;
    assert_int_equal(se_machine_read(s->m, addr, &v, 4, &s->err), SE_OK);
    return v;
}

static void test_init_reaches_the_b6_register_values(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "ref_mx25_l562", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_int_equal(rd32(&s, OSPI + 0x008), 0x01190100u); /* DCR1 */
    assert_int_equal(rd32(&s, OSPI + 0x00C), 0x00000002u); /* DCR2 */
    assert_int_equal(rd32(&s, OSPI + 0x000) & 0x30001F01u,
                     0x30000301u);                         /* CR: mapped, FTHRES 3, EN */
    assert_int_equal(rd32(&s, OSPI + 0x100), 0x2C003C1Cu); /* CCR: 8DTRD frame */
    assert_int_equal(rd32(&s, OSPI + 0x108) & 0x1000001Fu, 0x10000006u); /* TCR: DHQC, 6 dummy */
    assert_int_equal(rd32(&s, OSPI + 0x110), 0xEE11u);                   /* IR */
    assert_int_equal(rd32(&s, OSPI + 0x180), 0x0C003C1Cu);               /* WCCR */
    assert_int_equal(rd32(&s, OSPI + 0x190), 0x12EDu);                   /* WIR */
    assert_int_equal((rd32(&s, 0x40021008u) >> 2) & 3u, 3u);             /* RCC_CFGR.SWS = PLL */
    assert_int_equal(se_machine_core_hz(s.m), 110000000u);
    assert_int_equal(rd32(&s, 0x40022000u) & 0xFu, 5u); /* FLASH_ACR latency */
    th_close(&s);
}

static void test_standard_session_in_both_link_variants(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" SE_FIRMWARE_DIR "/ref_mx25_l562.stldr'", &out);
    if (rc != 0)
        fail_msg("tz off: exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    assert_non_null(strstr(out, "flash: "));
    assert_non_null(strstr(out, " commands, 0 warnings\n"));
    free(out);
    rc = th_run_tool("run '" SE_FIRMWARE_DIR "/ref_mx25_l562_tz.stldr' --tz on", &out);
    if (rc != 0)
        fail_msg("tz on: exit %d\n%s", rc, out);
    free(out);
}

static void test_one_mib_random_round_trip_through_write_read_and_image(void **state)
{
    (void)state;
    enum { N = 1u << 20 };
    uint8_t *data = malloc(N), *back = malloc(N + 1);
    assert_non_null(data);
    assert_non_null(back);
    uint32_t x = 0xC0FFEE11u;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (uint8_t)x;
    }
    char in[300], rb[300], img[300], args[1200];
    snprintf(in, sizeof in, "%s/random.bin", th_tmpdir());
    snprintf(rb, sizeof rb, "%s/readback.bin", th_tmpdir());
    snprintf(img, sizeof img, "%s/flash.img", th_tmpdir());
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, N, f), N);
    fclose(f);
    snprintf(args, sizeof args,
             "run '%s/ref_mx25_l562.stldr' --write '%s@0x90000000' --verify "
             "--read 0x90000000:%u@'%s' --flash-image '%s' --quiet",
             SE_FIRMWARE_DIR, in, N, rb, img);
    char *out;
    int rc = th_run_tool(args, &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
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
    /* The image keeps what was programmed: a second run reads it back from the file. */
    snprintf(args, sizeof args,
             "run '%s/ref_mx25_l562.stldr' --read 0x90080000:16 --flash-image '%s' --quiet",
             SE_FIRMWARE_DIR, img);
    rc = th_run_tool(args, &out);
    assert_int_equal(rc, 0);
    char first[8];
    snprintf(first, sizeof first, "%02x ", data[0x80000]);
    assert_non_null(strstr(out, first));
    free(out);
    free(data);
    free(back);
}

/* Write feeds DR through DMA1 channel 1 on OCTOSPI1's request (DMAMUX1 input 41); Read is a
 * DMA memory-to-memory copy from the window: each byte is one item, and the data arrives. */
static void test_write_and_read_move_the_data_by_dma(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "ref_mx25_l562", false, NULL, NULL);
    const se_dma *d = se_bus_find(se_machine_bus(s.m), SE_L5_DMA_BASE)->state;
    static uint8_t data[0x1234], back[0x1234];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 37u + 5u);
    uint32_t at = 0x90020011u; /* odd: the frames get 0xFF pads, written by the CPU */
    assert_int_equal(se_host_erase(s.h, at, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, at, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(d->items, sizeof data);
    assert_int_equal(se_host_read(s.h, at, back, sizeof back, &s.err), SE_OK);
    assert_memory_equal(back, data, sizeof data);
    assert_int_equal(d->items, 2 * sizeof data);
    se_flash_stats fst;
    se_machine_flash_stats(s.m, &fst);
    assert_int_equal(fst.warnings, 0);
    th_close(&s);
}

/* Read's DMA copy from the window leaves OCTOSPI1 busy in memory-mapped mode, as CPU reads
 * do, whether the machine moved the bytes in one span or item by item (TrustZone on checks
 * the channel per 256-byte block and then also moves them in one span). The next Init then
 * aborts a busy controller the same way in both link variants. */
static void test_dma_read_of_the_window_leaves_the_controller_busy(void **state)
{
    (void)state;
    for (int tz = 0; tz < 2; tz++) {
        th_session s;
        th_open(&s, tz ? "ref_mx25_l562_tz" : "ref_mx25_l562", tz, NULL, NULL);
        uint32_t sr = (tz ? 0x54021000u : OSPI) + 0x020u;
        static uint8_t data[0x800], back[0x800];
        memset(data, 0x5A, sizeof data);
        assert_int_equal(se_host_erase(s.h, 0x90000000u, sizeof data, &s.err), SE_OK);
        assert_int_equal(se_host_write(s.h, 0x90000000u, data, sizeof data, &s.err), SE_OK);
        assert_int_equal(rd32(&s, sr) & 0x20u, 0);
        assert_int_equal(se_host_read(s.h, 0x90000000u, back, sizeof back, &s.err), SE_OK);
        assert_memory_equal(back, data, sizeof data);
        assert_int_equal(rd32(&s, sr) & 0x20u, 0x20u); /* SR.BUSY */
        th_close(&s);
    }
}

static void test_forgotten_wren_is_explained(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" SE_FIRMWARE_DIR "/ref_bug_no_wren.stldr' --quiet", &out);
    assert_int_equal(rc, 31); /* the read-back finds the bytes missing */
    assert_non_null(strstr(out, "PP4B at 0x00000000 with WEL=0: ignored"));
    assert_non_null(strstr(out, "read-back mismatch at 0x90000000"));
    free(out);
}

static void test_wrong_poll_dummy_cycles_are_explained(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" SE_FIRMWARE_DIR "/ref_bug_poll_dummy.stldr' --quiet", &out);
    assert_int_equal(rc, 30); /* Init gives up and returns 0 */
    assert_non_null(strstr(out, "RDSR in DOPI: expected at least 4 dummy cycles, got 2"));
    free(out);
}

static void test_mass_erase_takes_device_seconds_not_host_seconds(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "ref_mx25_l562", false, NULL, NULL);
    assert_int_equal(se_host_mass_erase(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "MassErase");
    assert_non_null(r);
    assert_true(r->res.vtime_ns >= 100000000000ull); /* chip erase: ~150 s typical */
    assert_true(r->res.host_seconds < 5.0);
    th_close(&s);
}

/* ST's BSP polls with indirect RDSCUR + RDSR reads rather than automatic polling: the
 * flash tells the machine the answers hold until the erase ends, so the loop is skipped. */
static void test_indirect_status_polling_is_skipped_too(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "ref_poll_indirect", false, NULL, NULL);
    assert_int_equal(se_host_mass_erase(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "MassErase");
    assert_non_null(r);
    assert_true(r->res.vtime_ns >= 100000000000ull);
    assert_true(r->res.instructions < 10000000u);
    th_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_reaches_the_b6_register_values),
        cmocka_unit_test(test_standard_session_in_both_link_variants),
        cmocka_unit_test(test_one_mib_random_round_trip_through_write_read_and_image),
        cmocka_unit_test(test_write_and_read_move_the_data_by_dma),
        cmocka_unit_test(test_dma_read_of_the_window_leaves_the_controller_busy),
        cmocka_unit_test(test_forgotten_wren_is_explained),
        cmocka_unit_test(test_wrong_poll_dummy_cycles_are_explained),
        cmocka_unit_test(test_mass_erase_takes_device_seconds_not_host_seconds),
        cmocka_unit_test(test_indirect_status_polling_is_skipped_too),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
