/* Unit tests of peripherals/spi.c: the F4 SPI1 registers driven as a loader does, a GPIO chip
 * select (or NSS driven by SPE) framing the byte stream into flash frames, with a serial-NOR
 * chip of the table behind it and a virtual clock, no CPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/spi.h"
#include "peripherals/spinor.h"

typedef struct fx {
    se_spi s;
    se_flash_image *img;
    se_spinor *chip;
    se_periph_host host;
    uint64_t now;
    unsigned nwarn;
    char last[512];
} fx;

static uint64_t now_ns(void *o) { return ((fx *)o)->now; }
static void capture(void *o, int level, const char *msg)
{
    fx *f = o;
    if (level == SE_LOG_WARN)
        f->nwarn++;
    snprintf(f->last, sizeof f->last, "%s", msg);
}

static fx *mk(const char *part)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const se_spinor_part *p = se_spinor_part_find(part);
    assert_non_null(p);
    f->img = se_flash_image_new(p->size, 0xFF);
    f->host = (se_periph_host){.opaque = f, .now_ns = now_ns, .log = capture};
    f->chip = se_spinor_new(p, &f->host, f->img);
    se_spi_configure(&f->s, &f->host, 0x40013000u, "SPI1", NULL, 16000000u);
    se_spi_reset(&f->s);
    se_spi_memctl.connect(&f->s, (se_flash_port){&se_spinor_ops, f->chip});
    f->now = 1000;
    return f;
}

static void rm(fx *f)
{
    se_spinor_free(f->chip);
    se_flash_image_free(f->img);
    free(f);
}

static uint32_t rd(fx *f, uint32_t off) { return se_spi_read(&f->s, off, 4); }
static void wr(fx *f, uint32_t off, uint32_t v) { se_spi_write(&f->s, off, v, 4); }

/* Master, soft NSS high, f_PCLK/4, enabled. */
static void enable(fx *f)
{
    wr(f, SPI_CR1, SPI_CR1_MSTR | SPI_CR1_BR(1) | SPI_CR1_SSM | SPI_CR1_SSI);
    wr(f, SPI_CR1, rd(f, SPI_CR1) | SPI_CR1_SPE);
}

/* One byte as a loader moves it: wait TXE, write DR, wait RXNE, read DR. */
static uint8_t xfer(fx *f, uint8_t out)
{
    assert_true(rd(f, SPI_SR) & SPI_SR_TXE);
    wr(f, SPI_DR, out);
    assert_true(rd(f, SPI_SR) & SPI_SR_RXNE);
    return (uint8_t)rd(f, SPI_DR);
}

static void cs(fx *f, bool low) { se_spi_set_gpio_cs(&f->s, low); }

static void command(fx *f, const uint8_t *b, size_t n)
{
    cs(f, true);
    for (size_t i = 0; i < n; i++)
        (void)xfer(f, b[i]);
    cs(f, false);
}

static void test_registers_reset_as_the_reference_manual_says(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    assert_int_equal(rd(f, SPI_CR1), 0);
    assert_int_equal(rd(f, SPI_SR), SPI_SR_TXE);
    assert_int_equal(rd(f, SPI_CRCPR), 7);
    assert_int_equal(rd(f, SPI_I2SPR), 2);
    wr(f, SPI_CR2, 0xFFFFFFFFu);
    assert_int_equal(rd(f, SPI_CR2), 0xF7u);
    rm(f);
}

static void test_rdid_answers_under_the_gpio_chip_select(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    enable(f);
    cs(f, true);
    assert_int_equal(xfer(f, 0x9F), 0xFF); /* the instruction byte: nothing driven */
    assert_int_equal(xfer(f, 0xFF), 0xEF);
    assert_int_equal(xfer(f, 0xFF), 0x40);
    assert_int_equal(xfer(f, 0xFF), 0x17);
    cs(f, false);
    assert_int_equal(f->s.counters.frames, 1);
    assert_int_equal(f->chip->counters.frames, 1);
    assert_int_equal(f->nwarn, 0);
    rm(f);
}

static void test_bytes_without_chip_select_reach_no_chip(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    enable(f);
    assert_int_equal(xfer(f, 0x9F), 0xFF);
    assert_int_equal(xfer(f, 0xFF), 0xFF);
    assert_int_equal(f->s.counters.no_chip_select, 2);
    assert_int_equal(f->chip->counters.frames, 0);
    rm(f);
}

static void test_nothing_shifts_while_the_spi_is_disabled(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    cs(f, true);
    wr(f, SPI_DR, 0x9F);
    assert_int_equal(rd(f, SPI_SR) & SPI_SR_RXNE, 0);
    cs(f, false);
    assert_int_equal(f->chip->counters.frames, 0);
    rm(f);
}

/* RM0383: the byte received while RXNE is set is lost, DR keeps the first; a DR read then an
 * SR read clears OVR. */
static void test_overrun_keeps_the_first_byte_and_clears_by_dr_then_sr(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    enable(f);
    cs(f, true);
    wr(f, SPI_DR, 0x9F); /* answer 0xFF, not read */
    wr(f, SPI_DR, 0xFF); /* answer 0xEF: lost */
    assert_true(rd(f, SPI_SR) & SPI_SR_OVR);
    assert_int_equal(rd(f, SPI_DR), 0xFF);
    assert_true(rd(f, SPI_SR) & SPI_SR_OVR); /* this SR read clears it */
    assert_false(rd(f, SPI_SR) & SPI_SR_OVR);
    assert_int_equal(xfer(f, 0xFF), 0x40); /* the chip went on: the lost byte was shifted */
    cs(f, false);
    assert_int_equal(f->s.counters.overruns, 1);
    rm(f);
}

/* A page program reaches the chip at the rising edge, with every byte under the select. */
static void test_page_program_is_one_frame_at_the_rising_edge(void **state)
{
    (void)state;
    fx *f = mk("MX25L6433F");
    enable(f);
    command(f, (const uint8_t[]){0x06}, 1);
    cs(f, true);
    const uint8_t pp[] = {0x02, 0x00, 0x12, 0x34, 0xA5, 0x5A, 0x00};
    for (size_t i = 0; i < sizeof pp; i++)
        (void)xfer(f, pp[i]);
    uint8_t b[3];
    se_flash_image_read(f->img, 0x1234, b, 3);
    assert_int_equal(b[0], 0xFF); /* nothing yet: the frame has not ended */
    cs(f, false);
    se_flash_image_read(f->img, 0x1234, b, 3);
    assert_memory_equal(b, ((const uint8_t[]){0xA5, 0x5A, 0x00}), 3);
    f->now += 10000000; /* past the page program time */
    cs(f, true);
    const uint8_t rdcmd[] = {0x0B, 0x00, 0x12, 0x34, 0x00}; /* FAST_READ: one dummy byte */
    for (size_t i = 0; i < sizeof rdcmd; i++)
        assert_int_equal(xfer(f, rdcmd[i]), 0xFF);
    assert_int_equal(xfer(f, 0xFF), 0xA5);
    assert_int_equal(xfer(f, 0xFF), 0x5A);
    assert_int_equal(xfer(f, 0xFF), 0x00);
    assert_int_equal(xfer(f, 0xFF), 0xFF);
    cs(f, false);
    assert_int_equal(f->nwarn, 0);
    assert_int_equal(f->chip->counters.wrong_dummy, 0);
    rm(f);
}

/* A read longer than the read-ahead continues at the next address. */
static void test_long_read_runs_across_read_ahead_frames(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    uint8_t pat[600];
    for (size_t i = 0; i < sizeof pat; i++)
        pat[i] = (uint8_t)(i * 7u + 3u);
    se_flash_image_program(f->img, 0x10000, pat, sizeof pat);
    enable(f);
    cs(f, true);
    const uint8_t rdcmd[] = {0x03, 0x01, 0x00, 0x00};
    for (size_t i = 0; i < sizeof rdcmd; i++)
        (void)xfer(f, rdcmd[i]);
    for (size_t i = 0; i < sizeof pat; i++)
        assert_int_equal(xfer(f, 0xFF), pat[i]);
    cs(f, false);
    assert_int_equal(f->chip->counters.frames, (sizeof pat + SE_SPI_RBUF - 1) / SE_SPI_RBUF);
    assert_int_equal(f->nwarn, 0);
    rm(f);
}

/* RDSR read again and again under one chip select follows the chip: WIP clears once the erase
 * time has passed. */
static void test_status_polled_under_one_select_follows_the_chip(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    enable(f);
    command(f, (const uint8_t[]){0x06}, 1);
    command(f, (const uint8_t[]){0x20, 0x00, 0x00, 0x00}, 4);
    cs(f, true);
    (void)xfer(f, 0x05);
    assert_int_equal(xfer(f, 0xFF) & 1u, 1u);
    assert_int_equal(xfer(f, 0xFF) & 1u, 1u);
    f->now += 1000000000ull; /* a second: past the 4 KiB erase */
    assert_int_equal(xfer(f, 0xFF) & 1u, 0u);
    cs(f, false);
    assert_int_equal(f->nwarn, 0);
    rm(f);
}

static void test_an_unknown_command_reaches_the_chip_as_one_frame(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    enable(f);
    command(f, (const uint8_t[]){0xEE, 0x01, 0x02}, 3);
    assert_int_equal(f->chip->counters.frames, 1);
    assert_int_equal(f->chip->counters.unknown_command, 1);
    rm(f);
}

/* A quad command cannot go over a one-line bus: the chip sees a 1-line frame and says so. */
static void test_a_quad_command_is_refused_by_the_chip(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    enable(f);
    command(f, (const uint8_t[]){0x6B, 0x00, 0x00, 0x00, 0x00, 0xFF}, 6);
    assert_int_equal(f->chip->counters.frames, 1);
    assert_int_equal(f->chip->counters.quad_disabled + f->chip->counters.bad_frame, 1);
    rm(f);
}

/* NSS as an output (SSM = 0, SSOE = 1) is low while SPE = 1: SPE frames the command. */
static void test_nss_output_frames_commands_by_spe(void **state)
{
    (void)state;
    fx *f = mk("MX25L6433F");
    wr(f, SPI_CR2, SPI_CR2_SSOE);
    wr(f, SPI_CR1, SPI_CR1_MSTR | SPI_CR1_SPE);
    assert_int_equal(xfer(f, 0x9F), 0xFF);
    assert_int_equal(xfer(f, 0xFF), 0xC2);
    assert_int_equal(xfer(f, 0xFF), 0x20);
    assert_int_equal(xfer(f, 0xFF), 0x17);
    wr(f, SPI_CR1, SPI_CR1_MSTR);
    assert_int_equal(f->s.counters.frames, 1);
    assert_int_equal(f->nwarn, 0);
    rm(f);
}

/* RM0383 "Mode fault": master with software NSS low drops MSTR and SPE. */
static void test_mode_fault_clears_master_and_enable(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    wr(f, SPI_CR1, SPI_CR1_MSTR | SPI_CR1_SSM | SPI_CR1_SPE);
    assert_true(rd(f, SPI_SR) & SPI_SR_MODF);
    assert_int_equal(rd(f, SPI_CR1) & (SPI_CR1_MSTR | SPI_CR1_SPE), 0);
    assert_int_equal(f->nwarn, 1);
    wr(f, SPI_CR1, SPI_CR1_MSTR | SPI_CR1_SSM | SPI_CR1_SSI); /* SR read, then CR1 write */
    assert_false(rd(f, SPI_SR) & SPI_SR_MODF);
    rm(f);
}

/* 16-bit frames (DFF) go out as two bytes, the high one first. */
static void test_sixteen_bit_frames_shift_high_byte_first(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    wr(f, SPI_CR1, SPI_CR1_MSTR | SPI_CR1_SSM | SPI_CR1_SSI | SPI_CR1_DFF | SPI_CR1_SPE);
    cs(f, true);
    wr(f, SPI_DR, 0x9FFF);
    assert_int_equal(rd(f, SPI_DR), 0xFFEF);
    wr(f, SPI_DR, 0xFFFF);
    assert_int_equal(rd(f, SPI_DR), 0x4017);
    cs(f, false);
    rm(f);
}

static void test_reset_keeps_the_wiring_and_ends_nothing(void **state)
{
    (void)state;
    fx *f = mk("W25Q64JV");
    enable(f);
    f->s.cs_bound = true;
    f->s.cs_port = 1;
    f->s.cs_pin = 6;
    se_spi_reset(&f->s);
    assert_true(f->s.cs_bound);
    assert_int_equal(f->s.cs_pin, 6);
    assert_int_equal(rd(f, SPI_CR1), 0);
    assert_ptr_equal(f->s.port.chip, f->chip);
    rm(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registers_reset_as_the_reference_manual_says),
        cmocka_unit_test(test_rdid_answers_under_the_gpio_chip_select),
        cmocka_unit_test(test_bytes_without_chip_select_reach_no_chip),
        cmocka_unit_test(test_nothing_shifts_while_the_spi_is_disabled),
        cmocka_unit_test(test_overrun_keeps_the_first_byte_and_clears_by_dr_then_sr),
        cmocka_unit_test(test_page_program_is_one_frame_at_the_rising_edge),
        cmocka_unit_test(test_long_read_runs_across_read_ahead_frames),
        cmocka_unit_test(test_status_polled_under_one_select_follows_the_chip),
        cmocka_unit_test(test_an_unknown_command_reaches_the_chip_as_one_frame),
        cmocka_unit_test(test_a_quad_command_is_refused_by_the_chip),
        cmocka_unit_test(test_nss_output_frames_commands_by_spe),
        cmocka_unit_test(test_mode_fault_clears_master_and_enable),
        cmocka_unit_test(test_sixteen_bit_frames_shift_high_byte_first),
        cmocka_unit_test(test_reset_keeps_the_wiring_and_ends_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
