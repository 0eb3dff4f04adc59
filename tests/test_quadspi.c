/* Unit tests of peripherals/quadspi.c: the F4/F7/L4 QUADSPI register map driven as a loader
 * does, with a serial-NOR chip of the table behind it and a virtual clock, no CPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/quadspi.h"
#include "peripherals/spinor.h"

typedef struct fx {
    se_quadspi q;
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
    if (level == SE_LOG_WARN) {
        f->nwarn++;
        snprintf(f->last, sizeof f->last, "%s", msg);
    }
}

static fx *mk(const char *part)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const se_spinor_part *p = se_spinor_part_find(part);
    f->img = se_flash_image_new(p->size, 0xFF);
    f->host = (se_periph_host){.opaque = f, .now_ns = now_ns, .log = capture};
    f->chip = se_spinor_new(p, &f->host, f->img);
    se_quadspi_configure(&f->q, &f->host, 0xA0001000u, 0x90000000u, NULL, 80000000u);
    se_quadspi_reset(&f->q);
    se_quadspi_memctl.connect(&f->q, (se_flash_port){&se_spinor_ops, f->chip});
    f->now = 1000;
    return f;
}

static void rm(fx *f)
{
    se_spinor_free(f->chip);
    se_flash_image_free(f->img);
    free(f);
}

static uint32_t rd(fx *f, uint32_t off) { return se_quadspi_read(&f->q, off, 4); }
static void wr(fx *f, uint32_t off, uint32_t v) { se_quadspi_write(&f->q, off, v, 4); }

#define L1 1u
#define L4 3u
#define F_WRITE 0u
#define F_READ 1u
#define F_POLL 2u
#define F_MMAP 3u

static void init(fx *f, unsigned fsize_log2)
{
    wr(f, QSPI_DCR, (fsize_log2 - 1u) << 16 | 1u << 8);
    wr(f, QSPI_CR, QSPI_CR_PRESCALER(1) | 3u << 8 | QSPI_CR_EN);
}

static void test_registers_read_back_as_written(void **state)
{
    (void)state;
    fx *f = mk("N25Q128A");
    assert_int_equal(rd(f, QSPI_CR), 0);
    assert_int_equal(rd(f, QSPI_SR), 0);
    init(f, 24);
    assert_int_equal(rd(f, QSPI_CR), QSPI_CR_PRESCALER(1) | 3u << 8 | QSPI_CR_EN);
    assert_int_equal(rd(f, QSPI_DCR), 23u << 16 | 1u << 8);
    wr(f, QSPI_DLR, 0x1234);
    assert_int_equal(rd(f, QSPI_DLR), 0x1234);
    wr(f, QSPI_PIR, 0x10);
    assert_int_equal(rd(f, QSPI_PIR), 0x10);
    rd(f, 0x40);
    assert_non_null(strstr(f->last, "QUADSPI"));
    rm(f);
}

/* ST's F7508-DK loader resets the flash with raw CCR writes: 0x2166 then 0x2199 (S1f). */
static void test_ccr_write_without_address_starts_the_command(void **state)
{
    (void)state;
    fx *f = mk("N25Q128A");
    init(f, 24);
    wr(f, QSPI_CCR, 0x2106u); /* indirect write, 1-line instruction WREN, nothing else */
    assert_true(rd(f, QSPI_SR) & QSPI_SR_TCF);
    assert_int_equal(f->chip->sr & SE_SPINOR_SR_WEL, SE_SPINOR_SR_WEL);
    wr(f, QSPI_FCR, 2);
    assert_false(rd(f, QSPI_SR) & QSPI_SR_TCF);
    wr(f, QSPI_CCR, 0x2166u);
    wr(f, QSPI_CCR, 0x2199u);
    assert_int_equal(f->chip->sr & SE_SPINOR_SR_WEL, 0); /* reset */
    assert_int_equal(f->chip->counters.warnings, 0);
    rm(f);
}

static void test_indirect_read_of_rdid(void **state)
{
    (void)state;
    fx *f = mk("MT25QL512A");
    init(f, 26);
    wr(f, QSPI_DLR, 2);
    wr(f, QSPI_CCR, QSPI_CCR_FMODE(F_READ) | QSPI_CCR_DMODE(L1) | QSPI_CCR_IMODE(L1) | 0x9Fu);
    assert_int_equal(rd(f, QSPI_SR) & 0x3F00u, 3u << 8); /* FLEVEL */
    assert_int_equal(se_quadspi_read(&f->q, QSPI_DR, 1), 0x20);
    assert_int_equal(se_quadspi_read(&f->q, QSPI_DR, 1), 0xBA);
    assert_int_equal(se_quadspi_read(&f->q, QSPI_DR, 1), 0x20);
    assert_false(rd(f, QSPI_SR) & QSPI_SR_BUSY);
    rm(f);
}

static void test_quad_page_program_through_dr_then_auto_polling(void **state)
{
    (void)state;
    fx *f = mk("N25Q128A");
    init(f, 24);
    wr(f, QSPI_CCR, QSPI_CCR_IMODE(L1) | 0x06u);
    wr(f, QSPI_DLR, 7);
    wr(f, QSPI_CCR,
       QSPI_CCR_FMODE(F_WRITE) | QSPI_CCR_DMODE(L4) | QSPI_CCR_ADSIZE(3) | QSPI_CCR_ADMODE(L1) |
           QSPI_CCR_IMODE(L1) | 0x32u);
    wr(f, QSPI_AR, 0x123400);
    wr(f, QSPI_DR, 0x44332211u);
    wr(f, QSPI_DR, 0x88776655u);
    assert_true(rd(f, QSPI_SR) & QSPI_SR_TCF);
    uint8_t b[8];
    se_flash_image_read(f->img, 0x123400, b, 8);
    assert_int_equal(b[0], 0x11);
    assert_int_equal(b[7], 0x88);
    /* auto-polling RDSR for WIP = 0, stopping at the match */
    wr(f, QSPI_PSMKR, 1);
    wr(f, QSPI_PSMAR, 0);
    wr(f, QSPI_PIR, 0x10);
    wr(f, QSPI_DLR, 0);
    wr(f, QSPI_CR, rd(f, QSPI_CR) | QSPI_CR_APMS);
    wr(f, QSPI_CCR, QSPI_CCR_FMODE(F_POLL) | QSPI_CCR_DMODE(L1) | QSPI_CCR_IMODE(L1) | 0x05u);
    assert_false(rd(f, QSPI_SR) & QSPI_SR_SMF); /* WIP = 1 */
    f->now += 200000;                           /* the part's page program time */
    assert_true(rd(f, QSPI_SR) & QSPI_SR_SMF);
    assert_false(rd(f, QSPI_SR) & QSPI_SR_BUSY);
    assert_int_equal(f->chip->counters.warnings, 0);
    rm(f);
}

static void test_memory_mapped_quad_io_read_with_the_mode_byte(void **state)
{
    (void)state;
    fx *f = mk("MX25R6435F");
    const uint8_t d[4] = {0xCA, 0xFE, 0xBA, 0xBE};
    se_flash_image_program(f->img, 0x400, d, 4);
    f->chip->sr |= 0x40; /* QE */
    init(f, 23);
    assert_false(se_quadspi_memctl.mem_ok(&f->q, 0x400));
    /* the L496 BSP's read: 0xEB 1-4-4, 24-bit address, 0xAA on 4 lines, 4 dummy cycles */
    wr(f, QSPI_ABR, 0xAA);
    wr(f, QSPI_CCR,
       QSPI_CCR_FMODE(F_MMAP) | QSPI_CCR_DMODE(L4) | QSPI_CCR_DCYC(4) | QSPI_CCR_ABSIZE(1) |
           QSPI_CCR_ABMODE(L4) | QSPI_CCR_ADSIZE(3) | QSPI_CCR_ADMODE(L4) | QSPI_CCR_IMODE(L1) |
           0xEBu);
    assert_true(se_quadspi_memctl.mem_ok(&f->q, 0x400));
    assert_int_equal(se_quadspi_memctl.mem_read(&f->q, 0x400, 4), 0xBEBAFECAu);
    assert_true(se_quadspi_memctl.mem_direct(&f->q));
    assert_int_equal(f->chip->counters.warnings, 0);
    /* ABORT leaves memory-mapped mode busy state; EN stays */
    wr(f, QSPI_CR, rd(f, QSPI_CR) | QSPI_CR_ABORT);
    assert_false(rd(f, QSPI_SR) & QSPI_SR_BUSY);
    assert_int_equal(rd(f, QSPI_CR) & (QSPI_CR_ABORT | QSPI_CR_EN), QSPI_CR_EN);
    rm(f);
}

static void test_ddr_frames_reach_the_chip_as_dtr(void **state)
{
    (void)state;
    fx *f = mk("N25Q128A");
    init(f, 24);
    wr(f, QSPI_DLR, 0);
    wr(f, QSPI_CCR,
       QSPI_CCR_DDRM | QSPI_CCR_FMODE(F_READ) | QSPI_CCR_DMODE(L1) | QSPI_CCR_ADSIZE(3) |
           QSPI_CCR_ADMODE(L1) | QSPI_CCR_IMODE(L1) | QSPI_CCR_DCYC(8) | 0x0Bu);
    wr(f, QSPI_AR, 0);
    assert_int_equal(f->chip->counters.warnings, 1);
    assert_non_null(strstr(f->last, "DTR"));
    rm(f);
}

/* HAL_QSPI_Receive: read AR, set FMODE (which starts a command without address), write AR
 * back. The AR write meets BUSY and is dropped without a warning. */
static void test_hal_receive_rewriting_ar_is_silent(void **state)
{
    (void)state;
    fx *f = mk("MX25R6435F");
    init(f, 23);
    wr(f, QSPI_DLR, 2);
    wr(f, QSPI_CCR, QSPI_CCR_DMODE(L1) | QSPI_CCR_IMODE(L1) | 0x9Fu); /* HAL_QSPI_Command */
    uint32_t ar = rd(f, QSPI_AR);
    wr(f, QSPI_CCR, rd(f, QSPI_CCR) | QSPI_CCR_FMODE(F_READ)); /* starts RDID */
    wr(f, QSPI_AR, ar);
    assert_int_equal(f->nwarn, 0);
    assert_int_equal(se_quadspi_read(&f->q, QSPI_DR, 1), 0xC2);
    rm(f);
}

static void test_messages_name_the_quadspi_and_its_clock_bit(void **state)
{
    (void)state;
    fx *f = mk("MX25R6435F");
    bool off = false;
    se_quadspi_configure(&f->q, &f->host, 0xA0001000u, 0x90000000u, &off, 80000000u);
    init(f, 23);
    assert_non_null(strstr(f->last, "QUADSPI"));
    assert_non_null(strstr(f->last, "QSPIEN=0"));
    rm(f);
}

static void test_dual_flash_mode_is_reported(void **state)
{
    (void)state;
    fx *f = mk("N25Q128A");
    wr(f, QSPI_CR, QSPI_CR_DFM | QSPI_CR_EN);
    assert_non_null(strstr(f->last, "dual-flash"));
    rm(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registers_read_back_as_written),
        cmocka_unit_test(test_ccr_write_without_address_starts_the_command),
        cmocka_unit_test(test_indirect_read_of_rdid),
        cmocka_unit_test(test_quad_page_program_through_dr_then_auto_polling),
        cmocka_unit_test(test_memory_mapped_quad_io_read_with_the_mode_byte),
        cmocka_unit_test(test_ddr_frames_reach_the_chip_as_dtr),
        cmocka_unit_test(test_hal_receive_rewriting_ar_is_silent),
        cmocka_unit_test(test_messages_name_the_quadspi_and_its_clock_bit),
        cmocka_unit_test(test_dual_flash_mode_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
