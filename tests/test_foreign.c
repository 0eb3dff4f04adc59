/* A loader built for another chip is recognised, not left to hang (issue 13 item 11): info
 * and lint name the core of its build attributes, the peripheral bases of other families in
 * its literal pools and the RAM its link address belongs to; run names accesses to addresses
 * the target does not have, ends a loop polling a register no model can change, and says
 * when a Keil RWPI loader's R9-relative access failed. The loaders are tests/firmware/foreign.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/family.h"
#include "util/harness.h"

static void expect(const char *out, const char *words)
{
    if (!strstr(out, words))
        fail_msg("expected \"%s\" in:\n%s", words, out);
}

static void reject(const char *out, const char *words)
{
    if (strstr(out, words))
        fail_msg("did not expect \"%s\" in:\n%s", words, out);
}

static void test_info_names_core_literals_and_link_ram(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "info '%s'", th_firmware("foreign_f4_poll")), 0);
    expect(out, "built for   v7E-M (Cortex-M4/M7)");
    expect(out, "not the core of the STM32L5");
    expect(out, "foreign     0x40023800 (literal at 0x2000");
    expect(out, "is STM32F4/F7 RCC, not an STM32L5 register");
    free(out);

    assert_int_equal(th_run_toolf(&out, "info '%s'", th_firmware("foreign_u5_poll")), 0);
    expect(out, "built for   v8-M.main");
    reject(out, "not the core");
    expect(out, "is STM32U5 RCC, not an STM32L5 register");
    free(out);

    assert_int_equal(th_run_toolf(&out, "info '%s'", th_firmware("foreign_h7_bss")), 0);
    expect(out, "link RAM    0x24000004 is not RAM on the STM32L5; it is STM32H7 AXI SRAM");
    free(out);

    /* our own L5 loader: its core, its RAM, nothing foreign */
    assert_int_equal(th_run_toolf(&out, "info '%s'", th_firmware("ref_mx25_l562")), 0);
    expect(out, "built for   v8-M.main (Cortex-M33/M35P)");
    expect(out, "link RAM    0x20000004 is STM32L5 SRAM1");
    reject(out, "foreign ");
    free(out);

    assert_int_equal(th_run_toolf(&out, "info --json '%s'", th_firmware("foreign_f4_poll")), 0);
    expect(out, "\"origin\":{\"core\":\"v7E-M");
    expect(out, "\"arch\":13,\"core_mismatch\":true");
    expect(out, "\"foreign\":[{\"value\":1073887232,");
    free(out);
}

static void test_lint_warns_on_another_chip(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "lint '%s'", th_firmware("foreign_f4_poll")), 1);
    expect(out, "warning core");
    expect(out, "a loader for another chip");
    expect(out, "warning foreign-periph   literal 0x40023800");
    free(out);
    assert_int_equal(th_run_toolf(&out, "lint '%s'", th_firmware("foreign_h7_bss")), 1);
    expect(out, "warning link-ram         link address 0x24000004 is not RAM on the STM32L5; it "
                "is STM32H7 AXI SRAM");
    free(out);
    assert_int_equal(th_run_toolf(&out, "lint '%s'", th_firmware("ref_mx25_l562")), 0);
    expect(out, "info    core             built for v8-M.main");
    reject(out, "foreign-periph");
    reject(out, "link-ram");
    free(out);
}

/* The loop polling RCC_CR.HSERDY of an F4 is proven endless by the hang detector (cause.c),
 * at the latest once POLL_LIMIT identical reads brought its check forward, not at the 2e9
 * instruction budget: a few million instructions. */
static void test_run_ends_a_poll_of_a_register_that_cannot_change(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("foreign_f4_poll")), 34);
    expect(out, "access to 0x40023800, which does not exist on the STM32L5 (it is STM32F4/F7 "
                "RCC): 4-byte read reads as 0");
    expect(out, "polling 0x40023800 bit 17 (not an STM32L5 register): it can never change");
    expect(out, "proven endless after 10485"); /* 2^20 reads and the passes watched */
    expect(out, " identical reads at Init+0x");
    expect(out, "it is STM32F4/F7 RCC: the loader was built for another chip");
    const char *n = strstr(out, "FAILED: 1 calls, ");
    assert_non_null(n);
    unsigned long insns = strtoul(n + strlen("FAILED: 1 calls, "), NULL, 10);
    assert_true(insns > 1000000ul && insns < 20000000ul);
    free(out);

    /* HAL style: HAL_GetTick between the reads (Unicorn's PC in the callback is not the
     * read's block there); the same end */
    /* (the run-time cause analysis of main may name the poll first, in its own words) */
    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("foreign_f4_hal")), 34);
    expect(out, "0x40023800");
    n = strstr(out, "FAILED: 1 calls, ");
    assert_non_null(n);
    insns = strtoul(n + strlen("FAILED: 1 calls, "), NULL, 10);
    assert_true(insns < 20000000ul);
    free(out);

    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("foreign_u5_poll")), 34);
    expect(out, "polling 0x46020c00 bit 25 (not an STM32L5 register): it can never change");
    expect(out, "it is STM32U5 RCC");
    free(out);
}

static void test_run_names_memory_the_target_does_not_have(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("foreign_h7_bss")), 33);
    expect(out, "1-byte write of 0x240001");
    expect(out, "(unmapped: no memory at this address on the STM32L5; it is STM32H7 AXI SRAM)");
    free(out);
}

static void test_run_diagnoses_rwpi_with_r9_zero(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("foreign_rwpi")), 33);
    expect(out, "4-byte write of 0x00000010");
    expect(out, "the loader addresses its data through R9 (Keil RWPI) and R9 is 0");
    free(out);
    /* a null-pointer write that does not involve R9 gets no such note */
    assert_int_equal(th_run_toolf(&out, "run '%s' --budget 500000", th_firmware("fault_unmapped")),
                     33);
    reject(out, "RWPI");
    free(out);
}

static void test_family_tables(void **state)
{
    (void)state;
    const se_family *l5 = se_family_of_mcu("STM32L562QEI6Q");
    assert_non_null(l5);
    assert_string_equal(l5->name, "STM32L5");
    assert_string_equal(se_family_of_mcu("STM32F750N8H6")->name, "STM32F4/F7");
    assert_null(se_family_of_mcu("GD32F303"));
    /* L5 blocks, both aliases; a reserved hole between CRC and TSC is none */
    assert_string_equal(se_family_periph(l5, 0x40021000u)->name, "RCC");
    assert_string_equal(se_family_periph(l5, 0x54021010u)->name, "OCTOSPI1");
    assert_null(se_family_periph(l5, 0x40023800u));
    char buf[160];
    assert_int_equal(se_family_foreign_periph(l5, 0x58024400u, buf, sizeof buf), 1);
    assert_string_equal(buf, "STM32H7 RCC");
    assert_int_equal(se_family_foreign_periph(l5, 0x44020C00u, buf, sizeof buf), 1);
    assert_string_equal(buf, "STM32H5 RCC");
    assert_int_equal(se_family_foreign_ram(l5, 0x24000004u, buf, sizeof buf), 1);
    assert_string_equal(buf, "STM32H7 AXI SRAM");
    assert_string_equal(se_arch_name(SE_ARCH_V7EM), "v7E-M");
    assert_string_equal(se_arch_name(SE_ARCH_V8M_MAIN), "v8-M.main");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_names_core_literals_and_link_ram),
        cmocka_unit_test(test_lint_warns_on_another_chip),
        cmocka_unit_test(test_run_ends_a_poll_of_a_register_that_cannot_change),
        cmocka_unit_test(test_run_names_memory_the_target_does_not_have),
        cmocka_unit_test(test_run_diagnoses_rwpi_with_r9_zero),
        cmocka_unit_test(test_family_tables),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
