/* Unit tests of peripherals/spinor.c and spinor_parts.c: the serial-NOR family model driven
 * frame by frame the way a QUADSPI/OCTOSPI/SPI controller puts them on the wire, with no CPU.
 * Each test builds one part of the table on a sparse image and checks one behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/mx25lm51245g.h"
#include "peripherals/spinor.h"

#define T0 1000000ull
#define MS 1000000ull

#define MAXLOG 64
typedef struct fx {
    se_flash_image *img;
    se_spinor *chip;
    se_periph_host host;
    uint64_t now;
    unsigned nwarn;
    char last[512];
} fx;

static void capture(void *opaque, int level, const char *msg)
{
    fx *f = opaque;
    if (level == SE_LOG_WARN) {
        f->nwarn++;
        snprintf(f->last, sizeof f->last, "%s", msg);
    }
}

static fx *mk(const char *part)
{
    const se_spinor_part *p = se_spinor_part_find(part);
    assert_non_null(p);
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->img = se_flash_image_new(p->size, 0xFF);
    f->host.opaque = f;
    f->host.log = capture;
    f->chip = se_spinor_new(p, &f->host, f->img);
    assert_non_null(f->chip);
    f->now = T0;
    return f;
}

static void rm(fx *f)
{
    se_spinor_free(f->chip);
    se_flash_image_free(f->img);
    free(f);
}

/* A frame: instruction on il lines, address of ab bytes on al lines (ab 0: none), dummy
 * cycles, data on dl lines (dl 0: none). */
typedef struct shape {
    uint8_t il, ab, al, dl;
    uint8_t dummy;
    uint8_t alt_lines; /* a 1-byte mode (alternate) byte, 0 = none */
    uint8_t alt;
} shape;

static void xfer(fx *f, shape sh, uint8_t op, uint32_t addr, uint8_t *buf, uint32_t len, bool write)
{
    se_flash_frame fr = {0};
    fr.inst = (se_flash_phase){sh.il ? sh.il : 1, false, 1};
    fr.inst_value = op;
    if (sh.ab) {
        fr.addr = (se_flash_phase){sh.al ? sh.al : 1, false, sh.ab};
        fr.addr_value = addr;
    }
    if (sh.alt_lines) {
        fr.alt = (se_flash_phase){sh.alt_lines, false, 1};
        fr.alt_value = sh.alt;
    }
    fr.dummy_cycles = sh.dummy;
    if (sh.dl && len) {
        fr.data = (se_flash_phase){sh.dl, false, 0};
        fr.len = len;
        fr.buf = buf;
        fr.write = write;
    }
    se_spinor_transfer(f->chip, &fr, f->now);
}

#define SPI1 ((shape){1, 0, 0, 0, 0, 0, 0})
#define SPI_RD1 ((shape){1, 0, 0, 1, 0, 0, 0})
#define A3 ((shape){1, 3, 1, 1, 0, 0, 0})
#define A4 ((shape){1, 4, 1, 1, 0, 0, 0})

static void cmd(fx *f, uint8_t op) { xfer(f, SPI1, op, 0, NULL, 0, false); }

static uint8_t rdreg(fx *f, uint8_t op)
{
    uint8_t v = 0;
    xfer(f, SPI_RD1, op, 0, &v, 1, false);
    return v;
}

static void wrreg(fx *f, uint8_t op, const uint8_t *v, uint32_t n)
{
    xfer(f, SPI_RD1, op, 0, (uint8_t *)v, n, true);
}

static void wait_ready(fx *f)
{
    uint64_t t = se_spinor_busy_until(f->chip);
    if (t > f->now)
        f->now = t;
}

static void program(fx *f, shape sh, uint8_t op, uint32_t a, const uint8_t *d, uint32_t n)
{
    cmd(f, 0x06);
    xfer(f, sh, op, a, (uint8_t *)d, n, true);
    wait_ready(f);
}

static void read_at(fx *f, shape sh, uint8_t op, uint32_t a, uint8_t *d, uint32_t n)
{
    xfer(f, sh, op, a, d, n, false);
}

/* ---- the table ------------------------------------------------------------------------- */

static void test_every_part_has_a_class_matching_its_row(void **state)
{
    (void)state;
    const char *const want[] = {"W25Q80",     "W25Q64JV",   "W25Q128JV",  "W25Q256JV", "N25Q128A",
                                "MT25QL512A", "MT25QL256A", "MX25R6435F", "MX25L6433F"};
    unsigned n = 0;
    for (const se_spinor_part *const *p = se_spinor_parts(); *p; p++, n++) {
        const se_flash_chip_class *c = se_spinor_class(*p);
        assert_non_null(c);
        assert_string_equal(c->name, (*p)->name);
        assert_int_equal(c->size, (*p)->size);
        assert_true((*p)->page <= 512 && ((*p)->page & ((*p)->page - 1)) == 0);
        assert_ptr_equal(se_flash_chip_find((*p)->name), c);
    }
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (unsigned i = 0; i < n; i++)
        assert_non_null(se_spinor_part_find(want[i]));
    assert_ptr_equal(se_flash_chip_find("mx25lm51245g"), &se_mx25lm51245g_class);
    assert_null(se_flash_chip_find("W25Q999"));
    assert_null(se_flash_chip_find(NULL));
}

static void test_rdid_answers_each_parts_jedec_id(void **state)
{
    (void)state;
    static const struct {
        const char *part;
        uint8_t id[3];
    } ids[] = {{"W25Q80", {0xEF, 0x40, 0x14}},     {"W25Q256JV", {0xEF, 0x40, 0x19}},
               {"W25Q128JV", {0xEF, 0x40, 0x18}},  {"N25Q128A", {0x20, 0xBA, 0x18}},
               {"MT25QL512A", {0x20, 0xBA, 0x20}}, {"MT25QL256A", {0x20, 0xBA, 0x19}},
               {"MX25R6435F", {0xC2, 0x28, 0x17}}, {"MX25L6433F", {0xC2, 0x20, 0x17}}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        fx *f = mk(ids[i].part);
        uint8_t b[4] = {0};
        read_at(f, SPI_RD1, 0x9F, 0, b, 4);
        assert_memory_equal(b, ids[i].id, 3);
        assert_int_equal(f->nwarn, 0);
        rm(f);
    }
}

static void test_rems_90_gives_manufacturer_and_device_id(void **state)
{
    (void)state;
    fx *f = mk("W25Q256JV");
    uint8_t b[2];
    read_at(f, A3, 0x90, 0, b, 2);
    assert_int_equal(b[0], 0xEF);
    assert_int_equal(b[1], 0x18);
    read_at(f, A3, 0x90, 1, b, 2);
    assert_int_equal(b[0], 0x18);
    rm(f);
}

/* ---- programming and erasing ----------------------------------------------------------- */

static void test_page_program_needs_wren_and_holds_wip_for_the_typical_time(void **state)
{
    (void)state;
    fx *f = mk("W25Q128JV");
    uint8_t d[4] = {1, 2, 3, 4}, b[4];
    xfer(f, A3, 0x02, 0x100, d, 4, true);
    assert_int_equal(f->chip->counters.no_wel, 1);
    assert_non_null(strstr(f->last, "WEL=0"));
    read_at(f, A3, 0x03, 0x100, b, 4);
    assert_int_equal(b[0], 0xFF);
    cmd(f, 0x06);
    assert_int_equal(rdreg(f, 0x05) & 3, SE_SPINOR_SR_WEL);
    xfer(f, A3, 0x02, 0x100, d, 4, true);
    assert_int_equal(rdreg(f, 0x05) & 3, 3); /* WIP and WEL */
    assert_int_equal(se_spinor_busy_until(f->chip), T0 + 700000ull);
    f->now += 700000ull;
    assert_int_equal(rdreg(f, 0x05) & 3, 0);
    read_at(f, A3, 0x03, 0x100, b, 4);
    assert_memory_equal(b, d, 4);
    rm(f);
}

static void test_page_program_wraps_within_the_page(void **state)
{
    (void)state;
    fx *f = mk("W25Q80");
    uint8_t d[8] = {0, 1, 2, 3, 4, 5, 6, 7}, b[8];
    program(f, A3, 0x02, 0x1FC, d, 8); /* 4 bytes to the page end, then wrap to 0x100 */
    read_at(f, A3, 0x03, 0x1FC, b, 4);
    assert_memory_equal(b, d, 4);
    read_at(f, A3, 0x03, 0x100, b, 4);
    assert_memory_equal(b, d + 4, 4);
    read_at(f, A3, 0x03, 0x200, b, 1);
    assert_int_equal(b[0], 0xFF);
    rm(f);
}

static void test_programming_unerased_bytes_keeps_the_and_and_warns(void **state)
{
    (void)state;
    fx *f = mk("W25Q80");
    uint8_t a = 0x0F, c = 0xF0, b;
    program(f, A3, 0x02, 0x10, &a, 1);
    assert_int_equal(f->nwarn, 0);
    program(f, A3, 0x02, 0x10, &c, 1);
    read_at(f, A3, 0x03, 0x10, &b, 1);
    assert_int_equal(b, 0x00);
    assert_int_equal(f->chip->counters.unerased_program, 1);
    assert_non_null(strstr(f->last, "not erased"));
    rm(f);
}

static void test_sector_32k_64k_and_chip_erase_clear_their_units(void **state)
{
    (void)state;
    fx *f = mk("W25Q80");
    uint8_t z = 0, b;
    const uint32_t at[] = {0x00000, 0x00FFF, 0x01000, 0x08000, 0x0FFFF, 0x10000, 0x20000};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        program(f, A3, 0x02, at[i], &z, 1);
    shape er = {1, 3, 1, 0, 0, 0, 0};
    cmd(f, 0x06);
    xfer(f, er, 0x20, 0x00ABC, NULL, 0, false); /* 4 KiB: 0..0xFFF */
    assert_int_equal(se_spinor_busy_until(f->chip), f->now + 45 * MS);
    wait_ready(f);
    read_at(f, A3, 0x03, 0x00FFF, &b, 1);
    assert_int_equal(b, 0xFF);
    read_at(f, A3, 0x03, 0x01000, &b, 1);
    assert_int_equal(b, 0x00);
    cmd(f, 0x06);
    xfer(f, er, 0x52, 0x01000, NULL, 0, false); /* 32 KiB: 0..0x7FFF */
    wait_ready(f);
    read_at(f, A3, 0x03, 0x01000, &b, 1);
    assert_int_equal(b, 0xFF);
    read_at(f, A3, 0x03, 0x08000, &b, 1);
    assert_int_equal(b, 0x00);
    cmd(f, 0x06);
    xfer(f, er, 0xD8, 0x0FFFF, NULL, 0, false); /* 64 KiB: 0..0xFFFF */
    wait_ready(f);
    read_at(f, A3, 0x03, 0x0FFFF, &b, 1);
    assert_int_equal(b, 0xFF);
    read_at(f, A3, 0x03, 0x10000, &b, 1);
    assert_int_equal(b, 0x00);
    cmd(f, 0x06);
    cmd(f, 0xC7);
    assert_int_equal(se_spinor_busy_until(f->chip), f->now + 2000 * MS);
    wait_ready(f);
    read_at(f, A3, 0x03, 0x20000, &b, 1);
    assert_int_equal(b, 0xFF);
    assert_int_equal(f->nwarn, 0);
    rm(f);
}

static void test_read_while_busy_floats_and_commands_are_refused(void **state)
{
    (void)state;
    fx *f = mk("W25Q80");
    uint8_t z = 0, b = 0;
    cmd(f, 0x06);
    xfer(f, A3, 0x02, 0, &z, 1, true);
    read_at(f, A3, 0x03, 0, &b, 1);
    assert_int_equal(b, 0xFF);
    assert_int_equal(f->chip->counters.read_while_busy, 1);
    cmd(f, 0x06);
    assert_int_equal(f->chip->counters.cmd_while_busy, 1);
    assert_int_equal(rdreg(f, 0x05) & 1, 1); /* RDSR works while busy */
    wait_ready(f);
    read_at(f, A3, 0x03, 0, &b, 1);
    assert_int_equal(b, 0x00);
    rm(f);
}

/* ---- quad enable, by family ------------------------------------------------------------ */

static void test_winbond_quad_commands_need_qe_in_sr2(void **state)
{
    (void)state;
    fx *f = mk("W25Q128JV");
    uint8_t d[4] = {0xDE, 0xAD, 0xBE, 0xEF}, b[4];
    shape q114 = {1, 3, 1, 4, 0, 0, 0}, r114 = {1, 3, 1, 4, 8, 0, 0};
    program(f, q114, 0x32, 0x40, d, 4);
    assert_int_equal(f->chip->counters.quad_disabled, 1);
    assert_non_null(strstr(f->last, "QE=0"));
    assert_non_null(strstr(f->last, "SR2"));
    assert_int_equal(rdreg(f, 0x35) & 2, 0);
    /* WRSR with two bytes: SR1 then SR2 (QE = SR2 bit 1) */
    const uint8_t sr[2] = {0x00, 0x02};
    cmd(f, 0x06);
    wrreg(f, 0x01, sr, 2);
    assert_int_equal(rdreg(f, 0x05) & 1, 1); /* non-volatile write: WIP */
    wait_ready(f);
    assert_int_equal(rdreg(f, 0x35), 0x02);
    program(f, q114, 0x32, 0x40, d, 4);
    read_at(f, r114, 0x6B, 0x40, b, 4);
    assert_memory_equal(b, d, 4);
    /* 0x31 writes SR2 alone; 0x50 makes it volatile (no WREN, no WIP) */
    const uint8_t zero = 0;
    cmd(f, 0x50);
    wrreg(f, 0x31, &zero, 1);
    assert_int_equal(rdreg(f, 0x05) & 3, 0);
    assert_int_equal(rdreg(f, 0x35) & 2, 0);
    rm(f);
}

static void test_winbond_reads_in_every_bus_width(void **state)
{
    (void)state;
    fx *f = mk("W25Q80");
    uint8_t d[16], b[16];
    for (int i = 0; i < 16; i++)
        d[i] = (uint8_t)(0x30 + i);
    program(f, A3, 0x02, 0x2000, d, 16);
    const uint8_t sr[2] = {0, 2};
    cmd(f, 0x06);
    wrreg(f, 0x01, sr, 2);
    wait_ready(f);
    const struct {
        uint8_t op;
        shape sh;
    } r[] = {
        {0x0B, {1, 3, 1, 1, 8, 0, 0}},    {0x3B, {1, 3, 1, 2, 8, 0, 0}},
        {0xBB, {1, 3, 2, 2, 0, 2, 0x00}}, /* mode byte on 2 lines = 4 cycles */
        {0x6B, {1, 3, 1, 4, 8, 0, 0}},    {0xEB, {1, 3, 4, 4, 4, 4, 0x00}},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        memset(b, 0, sizeof b);
        read_at(f, r[i].sh, r[i].op, 0x2000, b, 16);
        assert_memory_equal(b, d, 16);
    }
    assert_int_equal(f->nwarn, 0);
    rm(f);
}

static void test_wrong_dummy_cycles_shift_the_read_data(void **state)
{
    (void)state;
    fx *f = mk("W25Q80");
    uint8_t d[2] = {0x12, 0x34}, b[2];
    program(f, A3, 0x02, 0, d, 2);
    read_at(f, (shape){1, 3, 1, 1, 4, 0, 0}, 0x0B, 0, b, 2);
    assert_int_equal(f->chip->counters.wrong_dummy, 1);
    assert_non_null(strstr(f->last, "expected 8 dummy cycles"));
    /* 4 cycles early on 1 line: four floating 1s, then the data */
    assert_int_equal(b[0], 0xF1);
    assert_int_equal(b[1], 0x23);
    rm(f);
}

static void test_macronix_qe_is_sr_bit6_and_quad_program_is_1_4_4(void **state)
{
    (void)state;
    fx *f = mk("MX25R6435F");
    uint8_t d[4] = {9, 8, 7, 6}, b[4];
    shape pp144 = {1, 3, 4, 4, 0, 0, 0};
    shape rd144 = {1, 3, 4, 4, 4, 4, 0xAA}; /* the L496 BSP's read: 0xAA, 4 dummies */
    program(f, (shape){1, 3, 1, 4, 0, 0, 0}, 0x32, 0, d, 4);
    assert_int_equal(f->chip->counters.unknown_command, 1);
    assert_non_null(strstr(f->last, "MX25R6435F has no such opcode"));
    program(f, pp144, 0x38, 0, d, 4);
    assert_int_equal(f->chip->counters.quad_disabled, 1);
    /* WRSR: SR (QE b6), CR1, CR2 (L/H switch) in one command */
    const uint8_t regs[3] = {0x40, 0x00, 0x02};
    cmd(f, 0x06);
    wrreg(f, 0x01, regs, 3);
    wait_ready(f);
    assert_int_equal(rdreg(f, 0x05), 0x40);
    uint8_t cr[2];
    read_at(f, (shape){1, 0, 0, 1, 0, 0, 0}, 0x15, 0, cr, 2);
    assert_int_equal(cr[1], 0x02);
    program(f, pp144, 0x38, 0, d, 4);
    read_at(f, rd144, 0xEB, 0, b, 4);
    assert_memory_equal(b, d, 4);
    assert_int_equal(rdreg(f, 0x2B) & (SE_SPINOR_SECR_P_FAIL | SE_SPINOR_SECR_E_FAIL), 0);
    assert_true(se_spinor_reads_array(f->chip,
                                      &(se_flash_frame){.inst = {1, false, 1},
                                                        .inst_value = 0xEB,
                                                        .addr = {4, false, 3},
                                                        .alt = {4, false, 1},
                                                        .alt_value = 0xAA,
                                                        .dummy_cycles = 4,
                                                        .data = {4, false, 0},
                                                        .len = 4},
                                      f->now));
    rm(f);
}

static void test_micron_quad_needs_no_qe_and_vcr_sets_the_dummies(void **state)
{
    (void)state;
    fx *f = mk("N25Q128A");
    uint8_t d[4] = {1, 3, 5, 7}, b[4];
    program(f, (shape){1, 3, 1, 4, 0, 0, 0}, 0x32, 0x1000, d, 4);
    assert_int_equal(f->nwarn, 0);
    read_at(f, (shape){1, 3, 1, 4, 8, 0, 0}, 0x6B, 0x1000, b, 4);
    assert_memory_equal(b, d, 4);
    assert_int_equal(rdreg(f, 0x85), 0xFB);
    /* the F7508-DK BSP: VCR dummy = 10 */
    uint8_t vcr = (uint8_t)((10 << 4) | 0x0B);
    cmd(f, 0x06);
    wrreg(f, 0x81, &vcr, 1);
    assert_int_equal(rdreg(f, 0x85), vcr);
    assert_int_equal(se_spinor_read_dummy(f->chip, 0x6B), 10);
    read_at(f, (shape){1, 3, 1, 4, 10, 0, 0}, 0x6B, 0x1000, b, 4);
    assert_memory_equal(b, d, 4);
    assert_int_equal(f->nwarn, 0);
    /* 0x38 is 1-4-4 program on Micron too */
    program(f, (shape){1, 3, 4, 4, 0, 0, 0}, 0x38, 0x2000, d, 4);
    read_at(f, (shape){1, 3, 4, 4, 10, 0, 0}, 0xEB, 0x2000, b, 4);
    assert_memory_equal(b, d, 4);
    /* no 32 KiB erase on the N25Q128A */
    cmd(f, 0x06);
    xfer(f, (shape){1, 3, 1, 0, 0, 0, 0}, 0x52, 0, NULL, 0, false);
    assert_int_equal(f->chip->counters.unknown_command, 1);
    rm(f);
}

static void test_micron_flag_status_reports_ready_and_4_byte_mode(void **state)
{
    (void)state;
    fx *f = mk("MT25QL512A");
    assert_int_equal(rdreg(f, 0x70), SE_SPINOR_FSR_READY);
    cmd(f, 0xB7);
    assert_int_equal(rdreg(f, 0x70), SE_SPINOR_FSR_READY | SE_SPINOR_FSR_ADDR4);
    uint8_t z = 0;
    program(f, A4, 0x02, 0x03000000, &z, 1);
    cmd(f, 0x06);
    xfer(f, (shape){1, 4, 1, 0, 0, 0, 0}, 0xD8, 0x03000000, NULL, 0, false);
    assert_int_equal(rdreg(f, 0x70) & SE_SPINOR_FSR_READY, 0);
    wait_ready(f);
    assert_int_equal(rdreg(f, 0x70) & SE_SPINOR_FSR_READY, SE_SPINOR_FSR_READY);
    rm(f);
}

/* ---- 3- and 4-byte addressing ---------------------------------------------------------- */

static void test_w25q256_en4b_switches_the_address_length(void **state)
{
    (void)state;
    fx *f = mk("W25Q256JV");
    uint8_t d = 0x5A, b = 0;
    program(f, A4, 0x12, 0x01800000, &d, 1); /* PP4B: always 4 bytes */
    read_at(f, A4, 0x13, 0x01800000, &b, 1);
    assert_int_equal(b, 0x5A);
    /* 3-byte mode: a 4-byte frame for 0x03 is refused */
    read_at(f, A4, 0x03, 0x01800000, &b, 1);
    assert_int_equal(f->chip->counters.bad_frame, 1);
    assert_non_null(strstr(f->last, "3-byte address expected"));
    /* the extended address register picks the upper 16 MiB in 3-byte mode */
    uint8_t ear = 1;
    cmd(f, 0x06);
    wrreg(f, 0xC5, &ear, 1);
    assert_int_equal(rdreg(f, 0xC8), 1);
    read_at(f, A3, 0x03, 0x800000, &b, 1);
    assert_int_equal(b, 0x5A);
    cmd(f, 0xB7);
    assert_int_equal(rdreg(f, 0x15) & 1, 1); /* SR3.ADS */
    read_at(f, A4, 0x03, 0x01800000, &b, 1);
    assert_int_equal(b, 0x5A);
    read_at(f, A3, 0x03, 0x800000, &b, 1);
    assert_int_equal(f->chip->counters.bad_frame, 2);
    assert_non_null(strstr(f->last, "4-byte address expected"));
    cmd(f, 0xE9);
    assert_int_equal(rdreg(f, 0x15) & 1, 0);
    rm(f);
}

static void test_4_byte_opcodes_exist_only_on_parts_over_16_mib(void **state)
{
    (void)state;
    fx *f = mk("W25Q128JV");
    cmd(f, 0xB7);
    assert_int_equal(f->chip->counters.unknown_command, 1);
    assert_non_null(strstr(f->last, "unknown command 0xB7"));
    uint8_t b;
    read_at(f, A4, 0x13, 0, &b, 1);
    assert_int_equal(f->chip->counters.unknown_command, 2);
    rm(f);
}

/* ---- reset, modes, power --------------------------------------------------------------- */

static void test_rsten_rst_restores_the_volatile_state(void **state)
{
    (void)state;
    fx *f = mk("W25Q256JV");
    cmd(f, 0xB7);
    cmd(f, 0x06);
    cmd(f, 0x99);
    assert_int_equal(f->chip->counters.bad_sequence, 1);
    assert_non_null(strstr(f->last, "RST not immediately after RSTEN"));
    assert_true(f->chip->addr4);
    cmd(f, 0x66);
    cmd(f, 0x99);
    assert_false(f->chip->addr4);
    assert_int_equal(rdreg(f, 0x05) & SE_SPINOR_SR_WEL, 0);
    rm(f);
}

static void test_micron_qpi_mode_takes_4_4_4_frames_only(void **state)
{
    (void)state;
    fx *f = mk("MT25QL512A");
    uint8_t d[2] = {0xAB, 0xCD}, b[2];
    cmd(f, 0x35);
    assert_true(f->chip->qpi);
    cmd(f, 0x06);
    assert_int_equal(f->chip->counters.wrong_mode, 1);
    assert_non_null(strstr(f->last, "QPI"));
    shape q = {4, 3, 4, 4, 0, 0, 0};
    xfer(f, (shape){4, 0, 0, 0, 0, 0, 0}, 0x06, 0, NULL, 0, false);
    xfer(f, q, 0x02, 0x10, d, 2, true);
    wait_ready(f);
    read_at(f, (shape){4, 3, 4, 4, 10, 0, 0}, 0xEB, 0x10, b, 2);
    assert_memory_equal(b, d, 2);
    /* RSTEN/RST in SPI shape while in QPI: expected, silent */
    unsigned w = f->nwarn;
    cmd(f, 0x66);
    assert_int_equal(f->nwarn, w);
    xfer(f, (shape){4, 0, 0, 0, 0, 0, 0}, 0xF5, 0, NULL, 0, false);
    assert_false(f->chip->qpi);
    rm(f);
}

static void test_deep_power_down_ignores_all_but_release(void **state)
{
    (void)state;
    fx *f = mk("MX25L6433F");
    cmd(f, 0xB9);
    uint8_t b = 0;
    b = rdreg(f, 0x05);
    assert_int_equal(f->chip->counters.deep_power_down, 1);
    assert_int_equal(b, 0xFF);
    read_at(f, (shape){1, 0, 0, 1, 24, 0, 0}, 0xAB, 0, &b, 1);
    assert_int_equal(b, 0x16);
    assert_false(f->chip->deep_power_down);
    rm(f);
}

static void test_sfdp_has_the_signature_and_the_density(void **state)
{
    (void)state;
    fx *f = mk("W25Q256JV");
    uint8_t b[0x38];
    read_at(f, (shape){1, 3, 1, 1, 8, 0, 0}, 0x5A, 0, b, sizeof b);
    assert_memory_equal(b, "SFDP", 4);
    assert_int_equal(b[12], 0x30);
    uint32_t dw2 = b[0x34] | b[0x35] << 8 | b[0x36] << 16 | (uint32_t)b[0x37] << 24;
    assert_int_equal(dw2, 0x02000000u * 8u - 1u);
    assert_int_equal(b[0x31], 0x20);         /* 4 KiB erase opcode */
    assert_int_equal((b[0x32] >> 1) & 3, 1); /* 3- or 4-byte addressing */
    rm(f);
}

static void test_reads_array_only_when_a_read_would_return_the_array(void **state)
{
    (void)state;
    fx *f = mk("W25Q256JV");
    se_flash_frame rd4 = {.inst = {1, false, 1},
                          .inst_value = 0x0C,
                          .addr = {1, false, 4},
                          .dummy_cycles = 8,
                          .data = {1, false, 0},
                          .len = 4};
    se_flash_frame rd3 = rd4;
    rd3.inst_value = 0x0B;
    rd3.addr.size = 3;
    assert_true(se_spinor_reads_array(f->chip, &rd4, f->now));
    /* a 3-byte read cannot reach the upper 16 MiB */
    assert_false(se_spinor_reads_array(f->chip, &rd3, f->now));
    rd4.dummy_cycles = 6;
    assert_false(se_spinor_reads_array(f->chip, &rd4, f->now));
    rd4.dummy_cycles = 8;
    uint8_t z = 0;
    cmd(f, 0x06);
    xfer(f, A4, 0x12, 0, &z, 1, true);
    assert_false(se_spinor_reads_array(f->chip, &rd4, f->now)); /* busy */
    wait_ready(f);
    assert_true(se_spinor_reads_array(f->chip, &rd4, f->now));
    rm(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_part_has_a_class_matching_its_row),
        cmocka_unit_test(test_rdid_answers_each_parts_jedec_id),
        cmocka_unit_test(test_rems_90_gives_manufacturer_and_device_id),
        cmocka_unit_test(test_page_program_needs_wren_and_holds_wip_for_the_typical_time),
        cmocka_unit_test(test_page_program_wraps_within_the_page),
        cmocka_unit_test(test_programming_unerased_bytes_keeps_the_and_and_warns),
        cmocka_unit_test(test_sector_32k_64k_and_chip_erase_clear_their_units),
        cmocka_unit_test(test_read_while_busy_floats_and_commands_are_refused),
        cmocka_unit_test(test_winbond_quad_commands_need_qe_in_sr2),
        cmocka_unit_test(test_winbond_reads_in_every_bus_width),
        cmocka_unit_test(test_wrong_dummy_cycles_shift_the_read_data),
        cmocka_unit_test(test_macronix_qe_is_sr_bit6_and_quad_program_is_1_4_4),
        cmocka_unit_test(test_micron_quad_needs_no_qe_and_vcr_sets_the_dummies),
        cmocka_unit_test(test_micron_flag_status_reports_ready_and_4_byte_mode),
        cmocka_unit_test(test_w25q256_en4b_switches_the_address_length),
        cmocka_unit_test(test_4_byte_opcodes_exist_only_on_parts_over_16_mib),
        cmocka_unit_test(test_rsten_rst_restores_the_volatile_state),
        cmocka_unit_test(test_micron_qpi_mode_takes_4_4_4_frames_only),
        cmocka_unit_test(test_deep_power_down_ignores_all_but_release),
        cmocka_unit_test(test_sfdp_has_the_signature_and_the_density),
        cmocka_unit_test(test_reads_array_only_when_a_read_would_return_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
