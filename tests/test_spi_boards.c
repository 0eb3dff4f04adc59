/* The SPI boards (emu/boards/stm32f4_spi.c): our SPI NOR loaders (tests/firmware/spi/nor_spi.c)
 * on NUCLEO-F446RE + MX25L6433F and the F411 black pill + W25Q64JV, a byte loop through SPI1's
 * DR under a GPIO chip select: the standard session, a 1 MiB round trip, --target auto, the
 * flash_chip= key, and the chip-select pin found from the loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/profile.h"
#include "util/harness.h"

#define F446 SE_FIRMWARE_DIR "/spi_nor_f446.stldr"
#define F411 SE_FIRMWARE_DIR "/spi_nor_f411.stldr"

static void test_standard_session_on_the_f446_nucleo_shows_the_spi_frames(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" F446 "' --target stm32f446re-nucleo --log-flash", &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    assert_non_null(strstr(out, " commands, 0 warnings\n"));
    assert_non_null(strstr(out, "flash SPI 0x9F RDID len 3 -> 0xc2 0x20 0x17"));
    assert_non_null(strstr(out, "flash SPI 0x20 SE addr 0x00000000 dummy 0 erase"));
    assert_non_null(strstr(out, "flash SPI 0x02 PP addr 0x00000000 dummy 0 len 256"));
    assert_non_null(strstr(out, "flash SPI 0x03 READ addr 0x00000000 dummy 0 len 256"));
    assert_non_null(strstr(out, "flash SPI 0x0B FAST_READ addr 0x00000000 dummy 8 len 256"));
    free(out);
}

static void test_target_auto_picks_each_spi_board_by_name(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" F446 "' --target auto", &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "on NUCLEO-F446RE + SPI NOR"));
    free(out);
    rc = th_run_tool("run '" F411 "' --target auto", &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "on STM32F411CE black pill + SPI NOR"));
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
    snprintf(in, sizeof in, "%s/spi_random.bin", th_tmpdir());
    snprintf(rb, sizeof rb, "%s/spi_readback.bin", th_tmpdir());
    snprintf(img, sizeof img, "%s/spi_flash.img", th_tmpdir());
    remove(img);
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, N, f), N);
    fclose(f);
    char *out;
    int rc = th_run_toolf(&out,
                          "run '%s' --target %s --write '%s@0x90100000' --verify "
                          "--read 0x90100000:%u@'%s' --flash-image '%s' --quiet",
                          loader, target, in, N, rb, img);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, " commands, 0 warnings\n"));
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

static void test_one_mib_random_round_trip_on_the_f411_black_pill(void **state)
{
    (void)state;
    round_trip(F411, "stm32f411-blackpill", 0x2545F491u);
}

static void test_one_mib_random_round_trip_on_the_f446_nucleo(void **state)
{
    (void)state;
    round_trip(F446, "stm32f446re-nucleo", 0x9E3779B9u);
}

static void write_profile(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", th_tmpdir(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* flash_chip= puts a W25Q64JV on the Nucleo: the MX25L6433F loader's RDID check fails. */
static void test_flash_chip_key_swaps_the_part_on_the_f446(void **state)
{
    (void)state;
    char prof[300];
    write_profile("f446w.profile", "base=stm32f446re-nucleo\nflash_chip=W25Q64JV\n", prof,
                  sizeof prof);
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --profile '%s'", F446, prof);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "Init returned 0"));
    free(out);
}

/* The F446 loader selects the flash with PB9; on the black pill (board pin PA4) with an
 * MX25L6433F put there, PB9 is the first pin it makes an output: the chip select, said once. */
static void test_chip_select_is_the_first_output_pin_when_not_the_boards(void **state)
{
    (void)state;
    char prof[300];
    write_profile("f411m.profile", "base=stm32f411-blackpill\nflash_chip=MX25L6433F\n", prof,
                  sizeof prof);
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --profile '%s' --verbose", F446, prof);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "OK: 9 calls"));
    const char *cs = strstr(out, "flash chip select is PB9 (the first pin the loader made an "
                                 "output");
    assert_non_null(cs);
    assert_null(strstr(cs + 1, "flash chip select is"));
    free(out);
}

/* No window: a CPU read of the device address faults, and the host reads through Read. */
static void test_the_spi_flash_has_no_window(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_tool("run '" F411 "' --target stm32f411-blackpill --read 0x90000000:16", &out);
    if (rc != 0)
        fail_msg("exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "Read(0x90000000, 0x10"));
    free(out);
}

static void wr32(th_session *s, uint32_t a, uint32_t v)
{
    assert_int_equal(se_machine_write(s->m, a, &v, 4, &s->err), SE_OK);
}
static uint32_t rd32(th_session *s, uint32_t a)
{
    uint32_t v = 0;
    assert_int_equal(se_machine_read(s->m, a, &v, 4, &s->err), SE_OK);
    return v;
}

/* The Nucleo's chip is also on SPI2 (ST's contributed loader's wiring): PB9 low, then RDID
 * through SPI2's DR answers the MX25L6433F's ID; SPI1 saw nothing of it. */
static void test_f446_chip_answers_on_spi2_under_pb9(void **state)
{
    (void)state;
    th_session s;
    th_open_profile(&s, "spi_nor_f446", se_profile_find_tz("stm32f446re-nucleo", "off"), NULL,
                    NULL);
    const uint32_t gpiob = 0x40020400u, spi2 = 0x40003800u;
    wr32(&s, gpiob + 0x18, 1u << 9);                                      /* BSRR: PB9 high */
    wr32(&s, gpiob + 0x00, (rd32(&s, gpiob) & ~(3u << 18)) | 1u << 18);   /* PB9 output */
    wr32(&s, spi2 + 0x00, (1u << 2) | (1u << 8) | (1u << 9) | (1u << 6)); /* MSTR SSI SSM SPE */
    wr32(&s, gpiob + 0x18, 1u << 25);                                     /* PB9 low */
    uint8_t id[4];
    for (int i = 0; i < 4; i++) {
        wr32(&s, spi2 + 0x0C, i ? 0xFF : 0x9F);
        assert_true(rd32(&s, spi2 + 0x08) & 1u); /* RXNE */
        id[i] = (uint8_t)rd32(&s, spi2 + 0x0C);
    }
    wr32(&s, gpiob + 0x18, 1u << 9);
    assert_int_equal(id[1], 0xC2);
    assert_int_equal(id[2], 0x20);
    assert_int_equal(id[3], 0x17);
    assert_int_equal(rd32(&s, 0x40013008u) & 1u, 0); /* SPI1: no RXNE */
    th_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_session_on_the_f446_nucleo_shows_the_spi_frames),
        cmocka_unit_test(test_target_auto_picks_each_spi_board_by_name),
        cmocka_unit_test(test_one_mib_random_round_trip_on_the_f411_black_pill),
        cmocka_unit_test(test_one_mib_random_round_trip_on_the_f446_nucleo),
        cmocka_unit_test(test_flash_chip_key_swaps_the_part_on_the_f446),
        cmocka_unit_test(test_chip_select_is_the_first_output_pin_when_not_the_boards),
        cmocka_unit_test(test_the_spi_flash_has_no_window),
        cmocka_unit_test(test_f446_chip_answers_on_spi2_under_pb9),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
