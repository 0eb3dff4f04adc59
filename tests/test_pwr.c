/* The PWR model (peripherals/pwr.c): reset range, VOSF, the SMPS flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/pwr.h"
#include "peripherals/pwr_regs.h"
#include "peripherals/rcc.h"
#include "peripherals/rcc_regs.h"

static se_pwr *new_pwr(void)
{
    se_pwr *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_pwr_reset(s);
    return s;
}

static void test_pwr_reset_selects_range_2(void **state)
{
    (void)state;
    se_pwr *p = new_pwr();
    assert_int_equal(se_pwr_read(p, PWR_CR1, 4), 0x00000400u);
    assert_int_equal(se_pwr_vos(p), 2);
    free(p);
}

static void test_vosf_clear_after_vos_change(void **state)
{
    (void)state;
    se_pwr *p = new_pwr();
    se_pwr_write(p, PWR_CR1, se_pwr_read(p, PWR_CR1, 4) & ~0x600u, 4); /* range 0 */
    assert_int_equal(se_pwr_vos(p), 0);
    assert_int_equal(se_pwr_read(p, PWR_SR2, 4) & (1u << 10), 0);
    se_pwr_write(p, PWR_CR1, 0x200u, 4); /* range 1 */
    assert_int_equal(se_pwr_read(p, PWR_SR2, 4) & (1u << 10), 0);
    free(p);
}

static void test_smpshprdy_set_after_reset(void **state)
{
    (void)state;
    se_pwr *p = new_pwr();
    assert_int_equal(se_pwr_read(p, PWR_SR1, 4), 0x00008000u);
    se_pwr_write(p, PWR_SR1, 0, 4); /* read-only */
    assert_int_equal(se_pwr_read(p, PWR_SR1, 4), 0x00008000u);
    se_pwr_write(p, 0x0C, 1u << 12, 4); /* CR4.SMPSBYP: bypass ready instead */
    assert_int_equal(se_pwr_read(p, PWR_SR1, 4), 0x00001000u);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pwr_reset_selects_range_2),
        cmocka_unit_test(test_vosf_clear_after_vos_change),
        cmocka_unit_test(test_smpshprdy_set_after_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
