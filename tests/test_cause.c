/* The failure modes reported in the field (docs/protocol.md 5), one test loader of ours each
 * (tests/firmware): the failed call's reason begins with the cause and what to change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* 2: a flag in .bss assumed zero guards the set-up of a pointer; the host does not zero .bss:
 * the fault's reason begins with the variable read before any write. */
static void test_bss_read_before_write(void **state)
{
    (void)state;
    th_session s;
    const se_call_record *r = init_of(&s, "cause_bss");
    expect_begins(r->res.reason, "initialised (.bss, 0x");
    expect_contains(r->res.reason, ") read before any write (it still holds its power-on contents "
                                   "0xa5a5a5a5, address loaded at Init");
    expect_contains(r->res.reason, "the host does not zero .bss; zero it at the top of Init");
    expect_contains(r->res.reason, "BusFault PRECISERR: 4-byte write of 0xa5a5a5a5"); /* then */
    th_close(&s);
    /* no blanket warning for a loader that has .bss (sram_loader zeroes its own) */
    char *out = NULL;
    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("sram_loader")), 0);
    assert_null(strstr(out, ".bss"));
    free(out);
    /* a pseudo-random power-on RAM is compared with what it was */
    th_run_toolf(&out, "run '%s' --ram-fill random", th_firmware("cause_bss"));
    expect_contains(out, "            initialised (.bss, 0x");
    free(out);
}

/* 14: StorageInfo start address 0: info and run warn, --strict refuses. */
static void test_storageinfo_start_zero(void **state)
{
    (void)state;
    char *out = NULL;
    const char *w = "StorageInfo.DeviceStartAddress 0 collides with on-chip memory";
    assert_int_equal(th_run_toolf(&out, "info '%s'", th_firmware("cause_start_zero")), 0);
    expect_contains(out, w);
    free(out);
    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("cause_start_zero")), 0);
    expect_contains(out, w);
    free(out);
    assert_int_not_equal(th_run_toolf(&out, "run '%s' --strict", th_firmware("cause_start_zero")),
                         0);
    expect_contains(out, "--strict: StorageInfo.DeviceStartAddress 0 collides");
    free(out);
}

/* 10: StorageInfo dropped by --gc-sections (no KEEP): the error says so. */
static void test_storageinfo_dropped_by_gc_sections(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_not_equal(th_run_toolf(&out, "info '%s'", th_firmware("cause_gc_storageinfo")), 0);
    expect_contains(out, "no StorageInfo symbol and no 200-byte device-info section, though it "
                         "has Init and Write: a loader linked with --gc-sections drops "
                         "StorageInfo unless the linker script keeps it (KEEP(");
    /* info shows everything else (issue 14 item 6) */
    expect_contains(out, "\nentry       Init         0x2000");
    expect_contains(out, "\nimage       0x");
    expect_contains(out, "\nhost        BKPT at 0x20000000, SP 0x");
    free(out);
    /* lint reports it as an error and checks the rest */
    assert_int_not_equal(th_run_toolf(&out, "lint '%s'", th_firmware("cause_gc_storageinfo")), 0);
    expect_contains(out, "error   storage-info     no StorageInfo and no 200-byte device-info "
                         "section, though it has Init and Write: --gc-sections dropped it");
    expect_contains(out, "info    stack-room       SP 0x");
    free(out);
    /* run refuses it, with the same hint */
    assert_int_not_equal(th_run_toolf(&out, "run '%s'", th_firmware("cause_gc_storageinfo")), 0);
    expect_contains(out, "a loader linked with --gc-sections drops StorageInfo unless the linker "
                         "script keeps it");
    free(out);
}

/* 7: Init never leaves memory-mapped mode on and there is no Read: the host's read-back through
 * the window names the controller's mode, as its own step of the log. */
static void test_init_left_indirect_mode(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_not_equal(th_run_toolf(&out, "run '%s'", th_firmware("cause_no_mmap")), 0);
    expect_contains(out, "read        host-read(0x90000000, 0x");
    expect_contains(out,
                    "\n            Init left OCTOSPI1 in indirect-read mode (CR.FMODE=01), not "
                    "memory-mapped; the host reads the flash through the memory-mapped "
                    "window (the loader has no Read), so Init must enable memory-mapped mode");
    free(out);
}

/* 3: linked at 0x20004004, downloaded at 0x20000004: a pointer table read from the link range
 * (RAM the download never wrote) is named as such before the fault it leads to. */
static void test_link_address_is_not_load_address(void **state)
{
    (void)state;
    th_session s;
    const se_call_record *r = init_of(&s, "cause_link_base");
    expect_begins(r->res.reason, "0x2000");
    expect_contains(r->res.reason, " is the link address of steps, outside the image (linked at "
                                   "0x20004004, loaded at 0x20000004): the literal loaded at Init");
    expect_contains(r->res.reason, "link the loader at 0x20000004 or make it position-independent");
    th_close(&s);
}

/* 12: a warning printed earlier explains the failure: the reason cites it first (a loader that
 * never sends WREN: every page program is ignored, and the read-back finds 0xFF). */
static void test_reason_cites_the_earlier_warning(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_not_equal(th_run_toolf(&out, "run '%s'", th_firmware("ref_bug_no_wren")), 0);
    expect_contains(out, "error: after the warning \"flash: PP4B at 0x00000000 with WEL=0: "
                         "ignored (no WREN before it)");
    expect_contains(out, "\": read-back mismatch at 0x90000000: 0xff, expected 0x75");
    free(out);
}

/* 5 (field mode 9): Init switches the chip to DOPI and never resets it; the next operation's
 * Init sends SPI commands to a chip still in octal mode: the reason names the mode, the call
 * that entered it and what this Init sends, first. */
static void test_flash_left_in_octal_mode(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "cause_octal_left", false, NULL, NULL);
    assert_int_equal(se_host_erase(s.h, 0x90000000u, 0x1000u, &s.err), SE_OK);
    static const uint8_t data[16] = {1, 2, 3};
    assert_int_not_equal(se_host_write(s.h, 0x90000000u, data, sizeof data, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_false(r->ok);
    expect_begins(r->note, "the flash is still in DOPI mode, entered by WRCR2 (CR2 at 0x0) during "
                           "erase Init (call 1), and this Init sends SPI-mode commands (opcode "
                           "0x05 first, ");
    expect_contains(r->note, "without resetting it first: reset the chip from any mode at the "
                             "top of Init");
    expect_contains(s.err.msg, "Init: the flash is still in DOPI mode");
    th_close(&s);
    /* the reference loader resets the chip in every mode: no such cause */
    th_open(&s, "ref_mx25_l562", false, NULL, NULL);
    assert_int_equal(se_host_erase(s.h, 0x90000000u, 0x1000u, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, 0x90000000u, data, sizeof data, &s.err), SE_OK);
    th_close(&s);
}

/* 9 (field mode 7): the memory-mapped read uses 4 dummy cycles, the chip expects 6: the
 * read-back mismatch says why, first; the chip's warning names the host's own read, not the
 * breakpoint address as a PC. */
static void test_wrong_dummy_cycles(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_not_equal(th_run_toolf(&out, "run '%s'", th_firmware("cause_mm_dummy")), 0);
    expect_contains(out, "error: the memory-mapped read uses 4 dummy cycles (8DTRD in DOPI), the "
                         "chip expects 6: data shifted by 4 bytes (it arrives late");
    expect_contains(out, "set the read command's dummy cycles to what the chip expects (field "
                         "failure mode 7): read-back mismatch at 0x90000000: 0xff, expected");
    expect_contains(out, "warning: flash: 8DTRD in DOPI: expected 6 dummy cycles, got 4: the data "
                         "is shifted (the host's own read of 0x90000000, not the loader's code)");
    assert_null(strstr(out, "pc 0x20000000"));
    free(out);
}

/* 4: the host's read through the window is its own step of the log, also when it succeeds. */
static void test_host_read_is_a_step(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(th_run_toolf(&out, "run '%s'", th_firmware("ref_mx25_no_read")), 0);
    expect_contains(out, "\nread        host-read(0x90000000, 0x");
    expect_contains(out, "-> -                   ok");
    free(out);
}

/* 10 (field mode 5): an image over the profile's download limit: the host does not download
 * it and still runs Init with SP = 0; the run does the same and says so first. */
static void test_image_over_download_limit(void **state)
{
    (void)state;
    char prof[] = "/tmp/test_cause_profXXXXXX";
    int fd = mkstemp(prof);
    assert_true(fd >= 0);
    static const char text[] = "base=stm32l562e-dk\ndownload_limit=0x1000\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    char *out = NULL;
    assert_int_not_equal(
        th_run_toolf(&out, "run '%s' --profile '%s'", th_firmware("sram_loader_big"), prof), 0);
    expect_contains(out, "image is 0x21b8 bytes, over the 0x1000 download limit of this target: "
                         "the host does not download it and still runs Init with SP = 0");
    expect_contains(out, "SP 0x00000000");
    expect_contains(out, "\n            the image is 0x21b8 bytes, over the 0x1000-byte download "
                         "limit of this target: the host does not download it (no image, no "
                         "breakpoint word) and still runs Init with SP = 0, as this run does "
                         "(field failure mode 5); shrink the loader to at most 0x1000 bytes");
    free(out);
    /* --strict refuses it before anything runs */
    assert_int_not_equal(th_run_toolf(&out, "run '%s' --profile '%s' --strict",
                                      th_firmware("sram_loader_big"), prof),
                         0);
    expect_contains(out, "image is 0x21b8 bytes, over the 0x1000 download limit");
    assert_null(strstr(out, "Init(0x1)"));
    free(out);
    /* within the limit: downloaded and run as always */
    assert_int_equal(
        th_run_toolf(&out, "run '%s' --profile '%s'", th_firmware("sram_loader"), prof), 0);
    free(out);
    unlink(prof);
}

/* 11: lint estimates each entry point's worst-case stack from its code (frames from push/sub
 * sp, the call graph through BL, as -fstack-usage gives them: level2 776, level1 520, Init 8)
 * against the room the host leaves, and names the chain; an indirect call makes it a lower
 * bound. */
static void test_lint_stack_usage(void **state)
{
    (void)state;
    char *out = NULL;
    th_run_toolf(&out, "lint '%s'", th_firmware("cause_stack_deep"));
    expect_contains(out, "warning stack-usage      Init needs 0x518 bytes of stack, over the 0x3fc "
                         "the host leaves (SP 0x200005fc down to the image end): Init (0x8) -> "
                         "level1.constprop.0 (0x208) -> level2.constprop.0 (0x308)");
    free(out);
    th_run_toolf(&out, "lint '%s'", th_firmware("cause_link_base"));
    expect_contains(out, "info    stack-usage      Init needs at least 0x10 bytes of stack (Init "
                         "(0x10)); unknown beyond: indirect call at Init+0x");
    free(out);
    th_run_toolf(&out, "lint '%s'", th_firmware("ref_mx25_l562"));
    expect_contains(out, "info    stack-usage      worst-case stack from the code (frames and "
                         "calls): Init 0x");
    assert_null(strstr(out, "warning stack-usage"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masked_systick_delay),
        cmocka_unit_test(test_lint_warns_systick_without_vectors),
        cmocka_unit_test(test_software_poll_that_cannot_succeed),
        cmocka_unit_test(test_auto_poll_that_cannot_succeed),
        cmocka_unit_test(test_bss_read_before_write),
        cmocka_unit_test(test_storageinfo_start_zero),
        cmocka_unit_test(test_storageinfo_dropped_by_gc_sections),
        cmocka_unit_test(test_init_left_indirect_mode),
        cmocka_unit_test(test_link_address_is_not_load_address),
        cmocka_unit_test(test_reason_cites_the_earlier_warning),
        cmocka_unit_test(test_flash_left_in_octal_mode),
        cmocka_unit_test(test_wrong_dummy_cycles),
        cmocka_unit_test(test_host_read_is_a_step),
        cmocka_unit_test(test_image_over_download_limit),
        cmocka_unit_test(test_lint_stack_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
