/* The RCC model (peripherals/rcc.c): reset values, ready flags that follow their enables, the
 * clock switch and the sub-word lanes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/rcc.h"
#include "peripherals/rcc_regs.h"

typedef struct logbook {
    int n;
    char last[256];
} logbook;

static void book_log(void *opaque, int level, const char *msg)
{
    (void)level;
    logbook *b = opaque;
    b->n++;
    snprintf(b->last, sizeof b->last, "%s", msg);
}

static se_rcc *new_rcc(void)
{
    se_rcc *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_rcc_reset(s);
    return s;
}

static void rcc_set(se_rcc *s, uint32_t off, uint32_t bits)
{
    se_rcc_write(s, off, se_rcc_read(s, off, 4) | bits, 4);
}

static void rcc_clear(se_rcc *s, uint32_t off, uint32_t bits)
{
    se_rcc_write(s, off, se_rcc_read(s, off, 4) & ~bits, 4);
}

static void test_rcc_reset_values_match_the_svd(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    assert_int_equal(se_rcc_read(r, RCC_CR, 4), 0x00000063u);
    assert_int_equal(se_rcc_read(r, RCC_ICSCR, 4), 0x40000000u);
    assert_int_equal(se_rcc_read(r, RCC_CFGR, 4), 0);
    assert_int_equal(se_rcc_read(r, RCC_PLLCFGR, 4), 0x00001000u);
    assert_int_equal(se_rcc_read(r, RCC_AHB1ENR, 4), 0x00000100u);
    assert_int_equal(se_rcc_read(r, RCC_APB1ENR1, 4), 0);
    assert_int_equal(se_rcc_read(r, RCC_CSR, 4), 0x0C000600u);
    assert_int_equal(se_rcc_hclk(r), 4000000u); /* MSI range 6 from CSR.MSISRANGE */
    assert_int_equal(r->hclk, 4000000u);
    free(r);
}

static void test_ready_flags_follow_their_enables(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    rcc_set(r, RCC_CR, RCC_CR_HSION);
    assert_true(se_rcc_read(r, RCC_CR, 4) & RCC_CR_HSIRDY);
    rcc_clear(r, RCC_CR, RCC_CR_HSION);
    assert_false(se_rcc_read(r, RCC_CR, 4) & RCC_CR_HSIRDY);

    se_rcc_write(r, RCC_PLLCFGR, 0x01000000u | (40u << 8) | 1u, 4); /* MSI, N=40, REN */
    rcc_set(r, RCC_CR, RCC_CR_PLLON);
    assert_true(se_rcc_read(r, RCC_CR, 4) & RCC_CR_PLLRDY);
    rcc_clear(r, RCC_CR, RCC_CR_PLLON);
    assert_false(se_rcc_read(r, RCC_CR, 4) & RCC_CR_PLLRDY);

    se_rcc_write(r, 0x10, (24u << 8) | 1u, 4); /* PLLSAI1 from MSI */
    rcc_set(r, RCC_CR, RCC_CR_PLLSAI1ON);
    assert_true(se_rcc_read(r, RCC_CR, 4) & RCC_CR_PLLSAI1RDY);
    free(r);
}

static void test_hse_never_ready_without_a_crystal(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_rcc *r = new_rcc();
    r->host = &host;
    rcc_set(r, RCC_CR, RCC_CR_HSEON);
    assert_false(se_rcc_read(r, RCC_CR, 4) & RCC_CR_HSERDY);
    assert_int_equal(book.n, 1);
    assert_non_null(strstr(book.last, "HSE"));

    r->hse_hz = 16000000u; /* a board with a crystal */
    se_rcc_reset(r);
    rcc_set(r, RCC_CR, RCC_CR_HSEON);
    assert_true(se_rcc_read(r, RCC_CR, 4) & RCC_CR_HSERDY);
    free(r);
}

static void test_pll_from_a_stopped_source_does_not_lock_and_is_reported(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_rcc *r = new_rcc();
    r->host = &host;
    se_rcc_write(r, RCC_PLLCFGR, (40u << 8) | 2u, 4); /* HSI16, which is off */
    rcc_set(r, RCC_CR, RCC_CR_PLLON);
    assert_false(se_rcc_read(r, RCC_CR, 4) & RCC_CR_PLLRDY);
    assert_int_equal(book.n, 1);
    assert_non_null(strstr(book.last, "PLLRDY stays 0"));
    rcc_set(r, RCC_CR, RCC_CR_HSION); /* the PLL locks once its input runs */
    assert_true(se_rcc_read(r, RCC_CR, 4) & RCC_CR_PLLRDY);
    free(r);
}

static void test_sws_follows_sw_only_when_the_source_is_ready(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_rcc *r = new_rcc();
    r->host = &host;
    se_rcc_write(r, RCC_CFGR, 1u, 4);                           /* SW = HSI16, HSI off */
    assert_int_equal(se_rcc_read(r, RCC_CFGR, 4) & 0xFu, 0x1u); /* SWS still MSI */
    assert_int_equal(book.n, 1);
    assert_int_equal(se_rcc_hclk(r), 4000000u);

    rcc_set(r, RCC_CR, RCC_CR_HSION); /* the pending switch completes */
    assert_int_equal(se_rcc_read(r, RCC_CFGR, 4) & 0xFu, 0x5u);
    assert_int_equal(se_rcc_hclk(r), 16000000u);
    assert_int_equal(r->hclk, 16000000u);

    /* RM0438: the oscillator driving SYSCLK cannot be stopped */
    rcc_clear(r, RCC_CR, RCC_CR_HSION);
    assert_true(se_rcc_read(r, RCC_CR, 4) & RCC_CR_HSIRDY);
    free(r);
}

static void test_msi_range_from_cr_only_after_msirgsel(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    /* MSIRANGE = 8 (16 MHz) without MSIRGSEL: CSR.MSISRANGE (4 MHz) still rules */
    se_rcc_write(r, RCC_CR, (se_rcc_read(r, RCC_CR, 4) & ~0xF0u) | 0x80u, 4);
    assert_int_equal(se_rcc_msi_hz(r), 4000000u);
    rcc_set(r, RCC_CR, RCC_CR_MSIRGSEL);
    assert_int_equal(se_rcc_msi_hz(r), 16000000u);
    assert_int_equal(se_rcc_hclk(r), 16000000u);
    rcc_clear(r, RCC_CR, RCC_CR_MSIRGSEL); /* set-only */
    assert_true(se_rcc_read(r, RCC_CR, 4) & RCC_CR_MSIRGSEL);
    free(r);
}

static void test_byte_write_merges_into_its_lane(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    se_rcc_write(r, RCC_APB1ENR1 + 3, 0x10u, 1); /* PWREN (bit 28) by a STRB */
    assert_int_equal(se_rcc_read(r, RCC_APB1ENR1, 4), 0x10000000u);
    assert_int_equal(se_rcc_read(r, RCC_APB1ENR1 + 3, 1), 0x10u);
    assert_int_equal(se_rcc_read(r, RCC_CSR + 2, 2), 0x0C00u);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rcc_reset_values_match_the_svd),
        cmocka_unit_test(test_ready_flags_follow_their_enables),
        cmocka_unit_test(test_hse_never_ready_without_a_crystal),
        cmocka_unit_test(test_pll_from_a_stopped_source_does_not_lock_and_is_reported),
        cmocka_unit_test(test_sws_follows_sw_only_when_the_source_is_ready),
        cmocka_unit_test(test_msi_range_from_cr_only_after_msirgsel),
        cmocka_unit_test(test_byte_write_merges_into_its_lane),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
