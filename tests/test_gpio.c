/* The GPIO model (peripherals/gpio.c): per-port reset values, TZEN security, BSRR, IDR, the
 * LCKR key sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/gpio.h"
#include "peripherals/gpio_regs.h"

static se_gpio *new_gpio(unsigned port, bool tzen)
{
    se_gpio *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_gpio_configure(s, port, tzen);
    return s;
}

static void test_gpio_moder_reset_values_per_port(void **state)
{
    (void)state;
    static const uint32_t moder[8] = {
        0xABFFFFFFu, 0xFFFFFEBFu, 0xFFFFFFFFu, 0xFFFFFFFFu,
        0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0x0000000Fu,
    };
    for (unsigned i = 0; i < 8; i++) {
        se_gpio *g = new_gpio(i, false);
        assert_int_equal(se_gpio_read(g, GPIO_MODER, 4), moder[i]);
        assert_int_equal(se_gpio_read(g, GPIO_SECCFGR, 4), 0);
        free(g);
    }
}

static void test_gpio_seccfgr_all_secure_when_tzen(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(2, true);
    assert_int_equal(se_gpio_read(g, GPIO_SECCFGR, 4), 0x0000FFFFu);
    se_gpio_reset(g); /* configuration survives a reset */
    assert_int_equal(se_gpio_read(g, GPIO_SECCFGR, 4), 0x0000FFFFu);
    free(g);
}

static void test_bsrr_sets_and_resets_odr(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(2, false);
    se_gpio_write(g, GPIO_BSRR, 0x00000005u, 4);
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x5u);
    se_gpio_write(g, GPIO_BSRR, 0x00010002u, 4); /* reset 0, set 1 */
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x6u);
    se_gpio_write(g, GPIO_BSRR, 0x00020002u, 4); /* both: set wins */
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x6u);
    se_gpio_write(g, GPIO_BSRR + 2, 0x0004u, 2); /* STRH to the BR half */
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x2u);
    se_gpio_write(g, GPIO_BRR, 0x2u, 4);
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0);
    assert_int_equal(se_gpio_read(g, GPIO_BSRR, 4), 0); /* write-only */
    free(g);
}

static void test_idr_shows_outputs_and_pull_ups(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(3, false);
    se_gpio_write(g, GPIO_MODER, 0xFFFFFFF1u, 4); /* pin 0 output, pin 1 input */
    se_gpio_write(g, 0x0C, 0x4u, 4);              /* pin 1 pull-up */
    se_gpio_write(g, GPIO_ODR, 0x1u, 4);
    assert_int_equal(se_gpio_read(g, GPIO_IDR, 4), 0x3u);
    free(g);
}

static void test_lckr_sequence_freezes_the_pin_configuration(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(4, false);
    se_gpio_write(g, GPIO_LCKR, 0x10001u, 4);
    se_gpio_write(g, GPIO_LCKR, 0x00001u, 4);
    se_gpio_write(g, GPIO_LCKR, 0x10001u, 4);
    (void)se_gpio_read(g, GPIO_LCKR, 4);
    assert_int_equal(se_gpio_read(g, GPIO_LCKR, 4), 0x10001u);
    se_gpio_write(g, GPIO_MODER, 0, 4);
    assert_int_equal(se_gpio_read(g, GPIO_MODER, 4), 0x3u); /* pin 0 kept analog */
    free(g);
}

static void count_write(void *ctx, se_gpio *g)
{
    unsigned *n = ctx;
    (*n)++;
    assert_non_null(g);
}

/* A board's wiring hears every write, after the register changed, and keeps hearing after a
 * reset. */
static void test_on_write_hook_follows_every_write_and_survives_reset(void **state)
{
    (void)state;
    unsigned n = 0;
    se_gpio *g = new_gpio(0, false);
    g->on_write = count_write;
    g->on_write_ctx = &n;
    se_gpio_write(g, GPIO_BSRR, 1u << 20, 4);
    se_gpio_write(g, GPIO_MODER, 0x55555555u, 4);
    assert_int_equal(n, 2);
    se_gpio_reset(g);
    se_gpio_write(g, GPIO_ODR, 1u, 4);
    assert_int_equal(n, 3);
    assert_ptr_equal(g->on_write_ctx, &n);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpio_moder_reset_values_per_port),
        cmocka_unit_test(test_gpio_seccfgr_all_secure_when_tzen),
        cmocka_unit_test(test_bsrr_sets_and_resets_odr),
        cmocka_unit_test(test_idr_shows_outputs_and_pull_ups),
        cmocka_unit_test(test_lckr_sequence_freezes_the_pin_configuration),
        cmocka_unit_test(test_on_write_hook_follows_every_write_and_survives_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
