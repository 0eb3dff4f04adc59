/* TrustZone end to end: the reference loader's two link variants and the TrustZone test
 * loaders under --tz on|secure|off and --profile FILE, through the stldr-emu binary. What
 * is asserted is the outcome (exit status) and the one-line reason: which access was
 * refused first, by which layer, and what to change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/harness.h"

#define REF_TZ SE_FIRMWARE_DIR "/ref_mx25_l562_tz.stldr"
#define REF_NOTZ SE_FIRMWARE_DIR "/ref_mx25_l562.stldr"

/* The "stldr-emu: error: ..." line of out (static copy), or fail. */
static const char *error_line(const char *out)
{
    static char line[2048];
    const char *p = strstr(out, "stldr-emu: error: ");
    if (!p)
        fail_msg("no error line in:\n%s", out);
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, p, n);
    line[n] = '\0';
    return line;
}

static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

/* Run the tool; fail with the output unless it exits with want. */
static char *run_expect(int want, const char *args)
{
    char *out = NULL;
    int rc = th_run_tool(args, &out);
    if (rc != want)
        fail_msg("stldr-emu %s: exit %d, expected %d\n%s", args, rc, want, out);
    return out;
}

/* A profile file in /tmp with the given text; the path is malloc'ed (unlink and free it). */
static char *write_profile(const char *text)
{
    char *path = strdup("/tmp/stldr-tz-profile-XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

static void drop_profile(char *path)
{
    unlink(path);
    free(path);
}

/* ---- the two link variants under the built-in TrustZone modes ---------------------- */

static void test_tz_build_passes_the_standard_session_under_tz_on(void **state)
{
    (void)state;
    char *out = run_expect(0, "run '" REF_TZ "' --tz on");
    expect_in(out, "TZEN=1, ST template partition: loader Non-secure at 0x20018004");
    expect_in(out, "OK: 9 calls");
    expect_in(out, " commands, 0 warnings\n");
    assert_null(strstr(out, "illegal access"));
    assert_null(strstr(out, "SecureFault"));
    free(out);
}

static void test_tz_off_build_under_tz_on_names_the_first_refused_access(void **state)
{
    (void)state;
    char *out = run_expect(33, "run '" REF_NOTZ "' --tz on");
    const char *e = error_line(out);
    /* Init's first absolute reference: the link address 0x2000xxxx, Secure in the template
     * SAU, read by the Non-secure loader. */
    /* the cause first (issue 14, field mode 3), then the refusal it leads to */
    expect_in(e, "stldr-emu: error: Init: 0x2000");
    expect_in(e, " is the link address of ");
    expect_in(e, "(linked at 0x20000004, loaded at 0x20018004)");
    expect_in(e, "; SecureFault AUVIOL: non-secure read from 0x2000");
    /* ... a literal inside the TZ-off image (0x20000004..0x20001000), wherever it lands */
    unsigned long lit = strtoul(strstr(e, "read from ") + 10, NULL, 16);
    assert_in_range(lit, 0x20000004ul, 0x20000FFFul);
    expect_in(e, "(SAU region none, IDAU non-secure) at Init+0x56");
    expect_in(e, "refused by the SAU/IDAU");
    expect_in(e, "outside the downloaded image");
    expect_in(e, "link the loader at the profile's load base (0x20018004)");
    expect_in(e, "then lockup:");
    /* and the relocation warning before it */
    expect_in(out, "linked at 0x20000004 but the host loads it at 0x20018004");
    expect_in(out, "FAILED: 1 calls");
    free(out);
}

/* --tz secure: TZEN=1 reset state, loader Secure, SAU off (everything Secure), GTZC at reset
 * (all SRAM secure): no TrustZone layer refuses anything a Secure loader does. */
static void test_tz_secure_runs_both_builds_as_secure(void **state)
{
    (void)state;
    char *out = run_expect(0, "run '" REF_TZ "' --tz secure");
    expect_in(out, "TZEN=1 reset state: loader Secure at 0x20018004");
    expect_in(out, "OK: 9 calls");
    free(out);
    /* The TZ-off build still runs relocated to 0x20018004: no SecureFault (Secure may read
     * anything), but its absolute addresses read stale RAM below the image, and it
     * dereferences the fill pattern: a plain BusFault, not a TrustZone refusal. */
    out = run_expect(33, "run '" REF_NOTZ "' --tz secure");
    const char *e = error_line(out);
    expect_in(e, "(linked at 0x20000004, loaded at 0x20018004)");
    expect_in(e, "; BusFault PRECISERR: 4-byte read of 0xa5a5a5c5 (unmapped) at Init+0x5a");
    assert_null(strstr(out, "SecureFault"));
    assert_null(strstr(out, "refused by"));
    free(out);
}

static void test_tz_off_is_unchanged(void **state)
{
    (void)state;
    char *out = run_expect(0, "run '" REF_NOTZ "' --tz off");
    expect_in(out, "TZEN=0");
    expect_in(out, "OK: 9 calls");
    free(out);
}

/* ---- --profile FILE ------------------------------------------------------------------- */

/* The TZ-off build, loaded at its link address with TZEN=1 and the loader Non-secure: an
 * SAU region over SRAM1 alone is not enough (the GTZC still makes SRAM1 secure: the first
 * fetch is refused by MPCBB1); opening the MPCBB blocks as well lets the session pass. */
static void test_profile_opening_sram1_changes_the_outcome(void **state)
{
    (void)state;
    const char *common = "tz=on\n"
                         "secure=off\n"
                         "bkpt=0x20000000\n"
                         "load_base=0x20000004\n"
                         "vtor=0x08040000\n"
                         "sau=st_template\n"
                         "sau_region=6,0x20000000,0x20017FFF,0   # SRAM1 low: non-secure\n"
                         "mpcwm_ns=0x90000000:0x94000000\n";
    char text[1024], args[1200];

    snprintf(text, sizeof text, "%s", common);
    char *sau_only = write_profile(text);
    snprintf(args, sizeof args, "run '" REF_NOTZ "' --profile '%s'", sau_only);
    char *out = run_expect(33, args);
    const char *e = error_line(out);
    expect_in(e, "Init: BusFault IBUSERR: non-secure fetch from 0x20000004 (GTZC MPCBB1: SRAM1 "
                 "block 0 secure");
    expect_in(e, "refused by the GTZC MPCBB");
    expect_in(e, "mpcbb_ns=");
    free(out);
    drop_profile(sau_only);

    snprintf(text, sizeof text, "%smpcbb_ns=0x20000000:0x20040000\n", common);
    char *open = write_profile(text);
    snprintf(args, sizeof args, "run '" REF_NOTZ "' --profile '%s'", open);
    out = run_expect(0, args);
    expect_in(out, "TZEN=1, loader Non-secure at 0x20000004");
    expect_in(out, "OK: 9 calls");
    free(out);
    drop_profile(open);
}

/* A refusal that does not fault (GTZC: read as zero, write ignored) but makes a later call
 * fail is named in the failure's one-line reason. */
static void test_read_as_zero_refusal_is_named_in_the_failure(void **state)
{
    (void)state;
    /* MPCBB opened only below 0x20018000: the host's buffer at 0x20000c80 runs on into
     * secure SRAM1, which Write reads as zero and Verify too: the checksum differs. */
    char *p = write_profile("tz=on\nsecure=off\nbkpt=0x20000000\nload_base=0x20000004\n"
                            "vtor=0x08040000\nsau=st_template\n"
                            "sau_region=6,0x20000000,0x20017FFF,0\n"
                            "mpcwm_ns=0x90000000:0x94000000\n"
                            "mpcbb_ns=0x20000000:0x20018000\n");
    char args[600];
    snprintf(args, sizeof args, "run '" REF_NOTZ "' --profile '%s'", p);
    char *out = run_expect(31, args);
    const char *e = error_line(out);
    /* Write's DMA reads the secure buffer as zeros: the bytes programmed are wrong, which
     * Verify finds; the failure names the refusal and the instruction that started it. */
    expect_in(e, "Verify checksum 0x");
    expect_in(e, " differs from the data's 0x00bfc696; earlier: write Write: DMA: GTZC illegal "
                 "access MPCBB1: non-secure read from 0x20018000 (SRAM1 block 384 secure, VCTR12 "
                 "bit 0; reads as zero; TZIC SR3 bit 4) in a transfer started at Write+0x");
    expect_in(e, "refused by the GTZC MPCBB: give the block the loader's security (profile "
                 "mpcbb_ns=)");
    /* logged once per instruction, not once per byte */
    expect_in(out, "FAILED: 8 calls");
    /* once per instruction: the DMA transfers of Write and Read, three reads in Verify */
    expect_in(out, " 5 warnings\n");
    free(out);
    drop_profile(p);

    /* No MPCWM window: the Non-secure Read sees the OCTOSPI memory as zeros. */
    p = write_profile("tz=on\nsecure=off\nvtor=0x08040000\nsau=st_template\n"
                      "mpcbb_ns=0x20018000:0x20040000\n");
    snprintf(args, sizeof args, "run '" REF_TZ "' --profile '%s'", p);
    out = run_expect(31, args);
    e = error_line(out);
    expect_in(e, "read-back mismatch at 0x90000000: 0x00, expected 0x75; earlier: read Read: "
                 "DMA: GTZC illegal access MPCWM1: non-secure read from 0x90000000");
    expect_in(e, "refused by the GTZC MPCWM: open a non-secure window over it (profile "
                 "mpcwm_ns=START:END) or run the loader Secure");
    free(out);
    drop_profile(p);
}

static void test_profile_with_a_bad_key_is_a_usage_error(void **state)
{
    (void)state;
    char *bad = write_profile("tz=on\n# comment\nmpcbb=0x20000000:0x20001000\n");
    char args[600];
    snprintf(args, sizeof args, "run '" REF_TZ "' --profile '%s'", bad);
    char *out = run_expect(2, args);
    char want[400];
    snprintf(want, sizeof want, "stldr-emu: %s:3: unknown key 'mpcbb'\n", bad);
    expect_in(out, want);
    /* one line (plus the usage hint), nothing run */
    assert_null(strstr(out, "Init("));
    free(out);
    drop_profile(bad);

    bad = write_profile("tz=on\nsau_region=9,0x20000000,0x2000FFFF,0\n");
    snprintf(args, sizeof args, "run '" REF_TZ "' --profile '%s'", bad);
    out = run_expect(2, args);
    snprintf(want, sizeof want, "stldr-emu: %s:2: bad value for sau_region", bad);
    expect_in(out, want);
    free(out);
    drop_profile(bad);

    out = run_expect(2, "run '" REF_TZ "' --profile /nonexistent/stldr.prof");
    expect_in(out, "cannot open profile /nonexistent/stldr.prof");
    free(out);
}

/* ---- SysTick through a security mismatch ----------------------------------------------- */

/* systick_tz_alias: linked at 0x20018004 for --tz on, VTOR written with the secure alias
 * 0x3001_xxxx of its own table. The Non-secure loader's first SysTick exception reads its
 * vector through the secure alias: the IDAU makes that Secure, and the core locks up. */
static void test_systick_vector_through_the_secure_alias(void **state)
{
    (void)state;
    char *out = run_expect(33, "run '" SE_FIRMWARE_DIR "/systick_tz_alias.stldr' --tz on");
    const char *e = error_line(out);
    expect_in(e, "Init: lockup: SysTick vector read from 0x300182bc (VTOR 0x30018280 + 0x3c) "
                 "refused, the vector table is in memory of the other security state");
    expect_in(e, "SecureFault AUVIOL: non-secure read from 0x300182bc");
    expect_in(e, "IDAU secure");
    free(out);
    /* Run Secure, the same alias is fine. */
    out = run_expect(0, "run '" SE_FIRMWARE_DIR "/systick_tz_alias.stldr' --tz secure");
    expect_in(out, "OK: 9 calls");
    free(out);
}

/* ---- fault routing (issue 13 item 1) -------------------------------------------------
 * The nsfault loaders point VTOR at a table whose fault handlers make Init return 1. */

#define NSFAULT_BUS SE_FIRMWARE_DIR "/nsfault_bus.stldr"
#define NSFAULT_BUS_TZ SE_FIRMWARE_DIR "/nsfault_bus_tz.stldr"
#define NSFAULT_SECURE_TZ SE_FIRMWARE_DIR "/nsfault_secure_tz.stldr"

/* TrustZone off: one state, the loader's table: its handler runs and Init returns 1. */
static void test_own_fault_handler_runs_with_tz_off(void **state)
{
    (void)state;
    char *out = run_expect(0, "run '" NSFAULT_BUS "' --tz off");
    expect_in(out, "Init(0x1)                                      -> 0x1 ");
    expect_in(out, "OK: 9 calls");
    free(out);
}

/* --tz on: the BusFault (and the HardFault it escalates to) target Secure while
 * AIRCR.BFHFNMINS = 0: taken through VTOR_S, the erased Secure image, never through the
 * loader's table. */
static void test_bus_fault_of_the_ns_loader_is_taken_in_secure_state(void **state)
{
    (void)state;
    char *out = run_expect(33, "run '" NSFAULT_BUS_TZ "' --tz on --last 0");
    const char *e = error_line(out);
    expect_in(e, "stldr-emu: error: Init: BusFault PRECISERR: 4-byte read of 0x60000000 (unmapped) "
                 "at Init+0x20; then lockup: HardFault (escalated from BusFault) from the "
                 "Non-secure loader is taken in Secure state (AIRCR.BFHFNMINS=0) through VTOR_S "
                 "0x0c000000, whose vector is erased (0xffffffff)");
    expect_in(out, "BusFault escalated to HardFault (handler not enabled in SHCSR_S)");
    expect_in(out, "HardFault taken in Secure state at Init+0x20: vector 0xffffffff from VTOR_S "
                   "0x0c000000+0xc");
    expect_in(out, "the loader's own vector table (VTOR_NS 0x2001");
    assert_null(strstr(out, "-> 0x1 "));
    free(out);
}

/* Every SecureFault is Secure: its HardFault too. */
static void test_secure_fault_of_the_ns_loader_is_taken_in_secure_state(void **state)
{
    (void)state;
    char *out = run_expect(33, "run '" NSFAULT_SECURE_TZ "' --tz on --last 0");
    const char *e = error_line(out);
    expect_in(e, "stldr-emu: error: Init: SecureFault AUVIOL: non-secure read from 0x20000100");
    expect_in(e, "then lockup: HardFault (escalated from SecureFault) from the Non-secure loader "
                 "is taken in Secure state (AIRCR.BFHFNMINS=0) through VTOR_S 0x0c000000, whose "
                 "vector is erased (0xffffffff)");
    assert_null(strstr(out, "-> 0x1 "));
    free(out);
}

/* A Secure image that set AIRCR.BFHFNMINS = 1 hands BusFault and HardFault to Non-secure:
 * the loader's handler runs; a profile's vtor_s names where the Secure table is. */
static void test_bfhfnmins_1_hands_the_fault_to_the_ns_loader(void **state)
{
    (void)state;
    static const char base[] = "tz=on\nsecure=off\nbkpt=0x20018000\nload_base=0x20018004\n"
                               "vtor=0x08040000\nsau=st_template\n"
                               "mpcbb_ns=0x20018000:0x20040000\n";
    char text[512], args[600];
    snprintf(text, sizeof text, "%sbfhfnmins=1\n", base);
    char *prof = write_profile(text);
    snprintf(args, sizeof args, "run '" NSFAULT_BUS_TZ "' --profile '%s'", prof);
    char *out = run_expect(0, args);
    expect_in(out, "Init(0x1)                                      -> 0x1 ");
    free(out);
    drop_profile(prof);
    /* BFHFNMINS = 1 changes nothing for a SecureFault; vtor_s moves the Secure table */
    snprintf(text, sizeof text, "%sbfhfnmins=1\nvtor_s=0x0C001000\n", base);
    prof = write_profile(text);
    snprintf(args, sizeof args, "run '" NSFAULT_SECURE_TZ "' --profile '%s'", prof);
    out = run_expect(33, args);
    expect_in(error_line(out), "HardFault (escalated from SecureFault) from the Non-secure loader "
                               "is taken in Secure state (it escalated from a Secure-targeted "
                               "fault) through VTOR_S 0x0c001000");
    free(out);
    drop_profile(prof);
}

/* A Secure image with a HardFault handler (internal flash at VTOR_S 0x0C000000): it runs in
 * Secure state (its fetch from the secure flash alias would be refused to Non-secure code),
 * puts 5 in the stacked R0 and returns to the stacked LR, the host's BKPT: Init "returns"
 * 5, which only the Secure handler can have written. */
static void test_secure_handler_of_the_secure_image_runs(void **state)
{
    (void)state;
    static const uint8_t handler[] = {
        0xEF, 0xF3, 0x08, 0x80, /* mrs r0, msp */
        0x05, 0x21,             /* movs r1, #5 */
        0x01, 0x60,             /* str r1, [r0] */
        0x41, 0x69,             /* ldr r1, [r0, #20] */
        0x21, 0xF0, 0x01, 0x01, /* bic r1, r1, #1 */
        0x81, 0x61,             /* str r1, [r0, #24] */
        0x70, 0x47,             /* bx lr */
    };
    uint8_t img[0x100];
    memset(img, 0xFF, sizeof img);
    const uint32_t vec = 0x0C000041u; /* HardFault: the handler at +0x40, Thumb */
    memcpy(img + 0x0C, &vec, 4);
    memcpy(img + 0x40, handler, sizeof handler);
    char path[] = "/tmp/stldr-tz-iflash-XXXXXX", args[600];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img, sizeof img), (ssize_t)sizeof img);
    close(fd);
    snprintf(args, sizeof args, "run '" NSFAULT_BUS_TZ "' --tz on --internal-flash '%s'", path);
    char *out = run_expect(30, args); /* a call failed by its result */
    expect_in(out, "Init(0x1)                                      -> 0x5 ");
    expect_in(error_line(out), "Init returned 0x00000005, not 1");
    free(out);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_build_passes_the_standard_session_under_tz_on),
        cmocka_unit_test(test_tz_off_build_under_tz_on_names_the_first_refused_access),
        cmocka_unit_test(test_tz_secure_runs_both_builds_as_secure),
        cmocka_unit_test(test_tz_off_is_unchanged),
        cmocka_unit_test(test_profile_opening_sram1_changes_the_outcome),
        cmocka_unit_test(test_read_as_zero_refusal_is_named_in_the_failure),
        cmocka_unit_test(test_profile_with_a_bad_key_is_a_usage_error),
        cmocka_unit_test(test_systick_vector_through_the_secure_alias),
        cmocka_unit_test(test_own_fault_handler_runs_with_tz_off),
        cmocka_unit_test(test_bus_fault_of_the_ns_loader_is_taken_in_secure_state),
        cmocka_unit_test(test_secure_fault_of_the_ns_loader_is_taken_in_secure_state),
        cmocka_unit_test(test_bfhfnmins_1_hands_the_fault_to_the_ns_loader),
        cmocka_unit_test(test_secure_handler_of_the_secure_image_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
