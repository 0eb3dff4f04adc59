/* The register-file device (peripherals/regfile) and the STM32L562 tables that use it
 * (peripherals/l5_regfiles.c): reset values from the SVD, TZEN=1 values, write masks, w1c,
 * sub-word writes, report-once for unknown offsets, and attachment through the bus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/bus.h"
#include "emu/boards/stm32l5.h"
#include "peripherals/regfile.h"

typedef struct logbook {
    int n;
    int level;
    char last[256];
} logbook;

static void book_log(void *opaque, int level, const char *msg)
{
    logbook *b = opaque;
    b->n++;
    b->level = level;
    snprintf(b->last, sizeof b->last, "%s", msg);
}

/* A small table of our own, so each behaviour is tested apart from the L5 data. */
static const se_reg demo_regs[] = {
    {0x00, SE_ACC_RW, 0x12345678u, 0xFFFFFFFFu, 0, NULL},
    {0x04, SE_ACC_RW, 0xA5000000u, 0x000000FFu, 0, NULL}, /* bits 31..8 read-only */
    {0x08, SE_ACC_RW, 0x000000F0u, 0x0000000Fu, 0, NULL}, /* bits 7..4 w1c, 3..0 plain */
    {0x0C, SE_ACC_RO, 0x00000001u, 0, 0, NULL},
    {0x10, SE_ACC_WO, 0, 0xFFFFFFFFu, 0, NULL},
    {0x14, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
};
static const se_regfile_bits demo_w1c[] = {{0x08, 0x000000F0u}};
static const se_regfile_bits demo_tzen[] = {{0x14, 0xFFFFFFFFu}};
static const se_regfile_desc demo = {
    demo_regs, sizeof demo_regs / sizeof demo_regs[0], demo_w1c, 1, demo_tzen, 1};

typedef struct fixture {
    se_regfile rf;
    logbook book;
    se_periph_host host;
} fixture;

static void setup_demo(fixture *f, bool tzen)
{
    memset(f, 0, sizeof *f);
    f->host.opaque = &f->book;
    f->host.log = book_log;
    se_regfile_setup(&f->rf, "DEMO", 0x40001000u, &demo, &f->host, tzen);
}

/* The L5 register files on a bus, and the state of the one at base. */
static se_bus *l5_bus(bool tzen, const se_periph_host *host)
{
    se_bus *b = se_bus_new(0x40000000u, 0x10000000u, 0x50000000u);
    assert_non_null(b);
    assert_int_equal(se_stm32l5_attach_regfiles(b, tzen, host), 0);
    return b;
}

static se_regfile *l5_file(se_bus *b, uint32_t base)
{
    const se_bus_device *d = se_bus_find(b, base);
    assert_non_null(d);
    assert_int_equal(d->base, base);
    return d->state;
}

static void test_reset_values_from_the_table(void **state)
{
    (void)state;
    fixture f;
    setup_demo(&f, false);
    assert_int_equal(se_regfile_read(&f.rf, 0x00, 4), 0x12345678u);
    assert_int_equal(se_regfile_read(&f.rf, 0x04, 4), 0xA5000000u);
    assert_int_equal(se_regfile_read(&f.rf, 0x14, 4), 0);
    se_regfile_write(&f.rf, 0x00, 0, 4);
    se_regfile_reset(&f.rf);
    assert_int_equal(se_regfile_read(&f.rf, 0x00, 4), 0x12345678u);
}

static void test_l5_reset_values_match_the_svd(void **state)
{
    (void)state;
    se_bus *b = l5_bus(false, NULL);
    /* STM32L562 SVD resetValue of each register read. */
    assert_int_equal(se_bus_read(b, 0x4002F400u + 0x80, 4), 0xFF9E0000u); /* EXTI_IMR1 */
    assert_int_equal(se_bus_read(b, 0x4002F400u + 0x90, 4), 0x00000787u); /* EXTI_IMR2 */
    assert_int_equal(se_bus_read(b, 0x40010000u + 0x08, 4), 0x0000001Fu); /* SYSCFG_FPUIMR */
    assert_int_equal(se_bus_read(b, 0x40030400u + 0x00, 4), 0x00000004u); /* ICACHE_CR */
    assert_int_equal(se_bus_read(b, 0x40030400u + 0x20, 4), 0x00000200u); /* ICACHE_CRR0 */
    se_bus_free(b);
}

static void test_icache_reports_invalidation_finished(void **state)
{
    (void)state;
    se_bus *b = l5_bus(false, NULL);
    /* BUSYF = 0 and BSYENDF = 1, and clearing BSYENDF through FCR does not hold the HAL up. */
    assert_int_equal(se_bus_read(b, 0x40030404u, 4), 0x2u);
    se_bus_write(b, 0x4003040Cu, 0x2u, 4);
    assert_int_equal(se_bus_read(b, 0x40030404u, 4), 0x2u);
    se_bus_write(b, 0x40030400u, 0x3u, 4); /* EN | CACHEINV */
    assert_int_equal(se_bus_read(b, 0x40030400u, 4), 0x1u);
    se_bus_free(b);
}

static void test_tzen_reset_values_override_the_table(void **state)
{
    (void)state;
    fixture f;
    setup_demo(&f, false);
    assert_int_equal(se_regfile_read(&f.rf, 0x14, 4), 0);
    setup_demo(&f, true);
    assert_int_equal(se_regfile_read(&f.rf, 0x14, 4), 0xFFFFFFFFu);
    se_regfile_write(&f.rf, 0x14, 0, 4);
    se_regfile_reset(&f.rf);
    assert_int_equal(se_regfile_read(&f.rf, 0x14, 4), 0xFFFFFFFFu);
}

static void test_write_leaves_read_only_bits(void **state)
{
    (void)state;
    fixture f;
    setup_demo(&f, false);
    se_regfile_write(&f.rf, 0x04, 0x0000003Cu, 4);
    assert_int_equal(se_regfile_read(&f.rf, 0x04, 4), 0xA500003Cu);
    se_regfile_write(&f.rf, 0x0C, 0xFFFFFFFFu, 4);
    assert_int_equal(se_regfile_read(&f.rf, 0x0C, 4), 1);
    assert_int_equal(f.book.n, 1); /* the read-only register write is reported */
    se_regfile_write(&f.rf, 0x0C, 0xFFFFFFFFu, 4);
    assert_int_equal(f.book.n, 1);
}

static void test_l5_write_mask_from_the_svd(void **state)
{
    (void)state;
    se_bus *b = l5_bus(false, NULL);
    se_bus_write(b, 0x4002F490u, 0, 4); /* EXTI_IMR2: bit 7 has no field */
    assert_int_equal(se_bus_read(b, 0x4002F490u, 4), 0x00000080u);
    se_bus_free(b);
}

static void test_write_one_clears_w1c_bits(void **state)
{
    (void)state;
    fixture f;
    setup_demo(&f, false);
    /* 0x30 clears bits 5 and 4, leaves 7 and 6, and sets nothing there; 0x5 writes 3..0. */
    se_regfile_write(&f.rf, 0x08, 0x00000035u, 4);
    assert_int_equal(se_regfile_read(&f.rf, 0x08, 4), 0x000000C5u);
    se_regfile_write(&f.rf, 0x08, 0, 4);
    assert_int_equal(se_regfile_read(&f.rf, 0x08, 4), 0x000000C0u);
}

static void test_l5_exti_pending_is_w1c(void **state)
{
    (void)state;
    se_bus *b = l5_bus(false, NULL);
    /* Nothing sets RPR1; writing 1s (the HAL's clear) must not set it either. */
    se_bus_write(b, 0x4002F40Cu, 0x0000FFFFu, 4);
    assert_int_equal(se_bus_read(b, 0x4002F40Cu, 4), 0);
    se_bus_free(b);
}

static void test_sub_word_writes_merge(void **state)
{
    (void)state;
    fixture f;
    setup_demo(&f, false);
    se_regfile_write(&f.rf, 0x01, 0xAB, 1);
    assert_int_equal(se_regfile_read(&f.rf, 0x00, 4), 0x1234AB78u);
    se_regfile_write(&f.rf, 0x02, 0xCDEF, 2);
    assert_int_equal(se_regfile_read(&f.rf, 0x00, 4), 0xCDEFAB78u);
    assert_int_equal(se_regfile_read(&f.rf, 0x03, 1), 0xCDu);
    assert_int_equal(se_regfile_read(&f.rf, 0x00, 2), 0xAB78u);
    /* A byte write to the read-only lane changes nothing. */
    se_regfile_write(&f.rf, 0x07, 0x00, 1);
    assert_int_equal(se_regfile_read(&f.rf, 0x04, 4), 0xA5000000u);
}

static void test_write_only_register_reads_zero(void **state)
{
    (void)state;
    fixture f;
    setup_demo(&f, false);
    se_regfile_write(&f.rf, 0x10, 0xFFFFFFFFu, 4);
    assert_int_equal(se_regfile_read(&f.rf, 0x10, 4), 0);
    assert_int_equal(f.book.n, 0);
}

static void test_unknown_offset_reads_zero_and_is_logged_once(void **state)
{
    (void)state;
    fixture f;
    setup_demo(&f, false);
    assert_int_equal(se_regfile_read(&f.rf, 0x40, 4), 0);
    assert_int_equal(f.book.n, 1);
    assert_int_equal(f.book.level, SE_LOG_WARN);
    assert_non_null(strstr(f.book.last, "DEMO"));
    assert_non_null(strstr(f.book.last, "0x40001040"));
    assert_int_equal(se_regfile_read(&f.rf, 0x42, 2), 0);
    se_regfile_write(&f.rf, 0x40, 1, 4);
    assert_int_equal(se_regfile_read(&f.rf, 0x40, 4), 0);
    assert_int_equal(f.book.n, 1);
    /* Another register is reported on its own. */
    se_regfile_write(&f.rf, 0x3FC, 1, 4);
    assert_int_equal(f.book.n, 2);
    assert_non_null(strstr(f.book.last, "0x400013fc"));
}

static void test_attach_reaches_each_file_through_the_secure_alias(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_bus *b = l5_bus(false, &host);
    const se_bus_device *d = se_bus_find(b, 0x5002F400u);
    assert_non_null(d);
    assert_string_equal(d->name, "EXTI");
    se_bus_write(b, 0x5002F460u, 0x00000102u, 4); /* EXTI_EXTICR1 */
    assert_int_equal(se_bus_read(b, 0x4002F460u, 4), 0x00000102u);
    assert_int_equal(l5_file(b, 0x4002F400u)->r[0x60 / 4], 0x00000102u);
    /* Every register file is at its SVD base, with a name for the log. (The GTZC is the
     * TrustZone model's own device, emu/tzrun.c; DMA1/2 and DMAMUX1 are peripherals/dma.c.) */
    static const struct {
        uint32_t base;
        const char *name;
    } want[] = {
        {0x40010000u, "SYSCFG"},
        {0x4002F400u, "EXTI"},
        {0x40030400u, "ICACHE"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(se_bus_find(b, want[i].base)->name, want[i].name);
        assert_string_equal(l5_file(b, want[i].base)->name, want[i].name);
    }
    assert_int_equal(se_bus_ndevices(b), 3);
    /* An unknown SYSCFG offset is reported by the register file with its address. */
    assert_int_equal(se_bus_read(b, 0x50010028u, 4), 0);
    assert_int_equal(book.n, 1);
    assert_non_null(strstr(book.last, "SYSCFG 0x40010028"));
    se_bus_free(b);
}

static void test_attach_skips_a_base_already_modelled(void **state)
{
    (void)state;
    se_bus *b = se_bus_new(0x40000000u, 0x10000000u, 0x50000000u);
    assert_non_null(b);
    assert_non_null(se_bus_attach(b, &se_regfile_class, "MYEXTI", 0x4002F400u, 0x400u));
    assert_int_equal(se_stm32l5_attach_regfiles(b, false, NULL), 0);
    assert_string_equal(se_bus_find(b, 0x4002F400u)->name, "MYEXTI");
    assert_int_equal(se_bus_ndevices(b), 3);
    se_bus_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_values_from_the_table),
        cmocka_unit_test(test_l5_reset_values_match_the_svd),
        cmocka_unit_test(test_icache_reports_invalidation_finished),
        cmocka_unit_test(test_tzen_reset_values_override_the_table),
        cmocka_unit_test(test_write_leaves_read_only_bits),
        cmocka_unit_test(test_l5_write_mask_from_the_svd),
        cmocka_unit_test(test_write_one_clears_w1c_bits),
        cmocka_unit_test(test_l5_exti_pending_is_w1c),
        cmocka_unit_test(test_sub_word_writes_merge),
        cmocka_unit_test(test_write_only_register_reads_zero),
        cmocka_unit_test(test_unknown_offset_reads_zero_and_is_logged_once),
        cmocka_unit_test(test_attach_reaches_each_file_through_the_secure_alias),
        cmocka_unit_test(test_attach_skips_a_base_already_modelled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
