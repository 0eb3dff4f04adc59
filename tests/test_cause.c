/* The failure modes reported in the field (docs/protocol.md 5), one test loader of ours each
 * (tests/firmware): the failed call's reason begins with the cause and what to change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/harness.h"

/* The reason starts with want. */
static void expect_begins(const char *reason, const char *want)
{
    if (strncmp(reason, want, strlen(want)) != 0)
        print_error("reason does not begin with \"%s\":\n%s\n", want, reason);
    assert_int_equal(strncmp(reason, want, strlen(want)), 0);
}

static void expect_contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        print_error("\"%s\" not found in:\n%s\n", want, text);
    assert_non_null(strstr(text, want));
}

/* Download + Init of name with the default options; Init's record. */
static const se_call_record *init_of(th_session *s, const char *name)
{
    th_open(s, name, false, NULL, NULL);
    se_error err;
    se_err e = se_host_init_only(s->h, &err);
    assert_int_not_equal(e, SE_OK);
    const se_call_record *r = th_last_call(s, "Init");
    assert_non_null(r);
    return r;
}

/* 1: HAL_Delay on a SysTick whose interrupt the host masks, no vector table, VTOR at reset:
 * the loop reads a RAM word only a handler would write; ended long before the budget. */
static void test_masked_systick_delay(void **state)
{
    (void)state;
    th_session s;
    const se_call_record *r = init_of(&s, "cause_systick_masked");
    assert_int_equal(r->res.status, SE_ERR_HANG);
    expect_begins(r->res.reason, "waits for uwTick (0x");
    expect_contains(r->res.reason, "to change, which only the SysTick interrupt handler would "
                                   "write: SysTick is pending but masked by the host's "
                                   "DHCSR.C_MASKINTS");
    expect_contains(r->res.reason, "its vector (VTOR 0x08000000 + 0x3c) is 0xffffffff");
    assert_true(r->res.instructions < 100000000u); /* not the 2e9 budget */
    th_close(&s);
}

/* 1, statically: SysTick's CSR written, no vector table, no VTOR write. */
static void test_lint_warns_systick_without_vectors(void **state)
{
    (void)state;
    char *out = NULL;
    th_run_toolf(&out, "lint '%s'", th_firmware("cause_systick_masked"));
    expect_contains(out, "warning systick-irq      code writes SysTick's CSR (at 0x2000");
    free(out);
    /* a loader with its own vector table and VTOR write is not warned */
    th_run_toolf(&out, "lint '%s'", th_firmware("systick_loader"));
    assert_null(strstr(out, "systick-irq"));
    free(out);
}

/* 8: a software RDSR loop waiting for bit 7, which the chip never sets. */
static void test_software_poll_that_cannot_succeed(void **state)
{
    (void)state;
    th_session s;
    const se_call_record *r = init_of(&s, "cause_poll_never");
    assert_int_equal(r->res.status, SE_ERR_HANG);
    expect_begins(r->res.reason,
                  "a poll that can never succeed: polls the MX25LM51245G's status (command 0x05 "
                  "through OCTOSPI1 DR) bit 7 for 1 at ");
    expect_contains(r->res.reason, ": the chip returned 0x00 at each of ");
    assert_true(r->res.instructions < 100000000u);
    th_close(&s);
}

/* 8: automatic polling with a mask/match the chip's status never produces. */
static void test_auto_poll_that_cannot_succeed(void **state)
{
    (void)state;
    th_session s;
    const se_call_record *r = init_of(&s, "cause_apoll_never");
    assert_int_equal(r->res.status, SE_ERR_HANG);
    expect_begins(r->res.reason, "a poll that can never succeed: OCTOSPI1 auto-polls the "
                                 "MX25LM51245G (command 0x05) for (status & 0x80) == 0x80");
    assert_true(r->res.instructions < 100000000u);
    th_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masked_systick_delay),
        cmocka_unit_test(test_lint_warns_systick_without_vectors),
        cmocka_unit_test(test_software_poll_that_cannot_succeed),
        cmocka_unit_test(test_auto_poll_that_cannot_succeed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
