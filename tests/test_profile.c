/* The profile-file parser (se_profile_load): every key with good values, unknown keys,
 * malformed lines and bad numbers, each refused with the file, line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/profile.h"

static char path[64];
static char err[600];

/* Write text to a fresh temporary file (path) and load it. */
static const se_profile *load(const char *text)
{
    snprintf(path, sizeof path, "/tmp/stldr-profile-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    err[0] = '\0';
    const se_profile *p = se_profile_load(path, err, sizeof err);
    unlink(path);
    return p;
}

/* Load text, expect a refusal whose message starts with "<path><suffix>". */
static void refused(const char *text, const char *suffix)
{
    const se_profile *p = load(text);
    if (p)
        fail_msg("accepted:\n%s", text);
    char want[700];
    snprintf(want, sizeof want, "%s%s", path, suffix);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error \"%s\"\n  expected \"%s\"", err, want);
}

static void test_every_key(void **state)
{
    (void)state;
    const se_profile *p = load("# a full profile\n"
                               "base=stm32l562e-dk\n"
                               "  tz = on\n" /* spaces around '=' are not allowed: see below */
                               "");
    /* "  tz = on": the key is "tz " -- refused as unknown. Leading blanks are skipped. */
    assert_null(p);
    assert_non_null(strstr(err, ":3: unknown key 'tz '"));

    p = load("# a full profile\n"
             "base=stm32l562e-dk\n"
             "tz=on            # trailing comment\n"
             "secure=off\n"
             "bkpt=0x20000000\n"
             "load_base=0x20000004\n"
             "ram_end=0x20040000\r\n"
             "download_limit=4096\n"
             "vtor=0x08040000\n"
             "stack_gap=0x400\n"
             "sau=st_template\n"
             "sau_region=6,0x20000000,0x20017FFF,0\n"
             "sau_region=7,0x0C03E000,0x0C03FFFF,1\n"
             "mpcbb_ns=0x20000000:0x20040000\n"
             "mpcwm_ns=0x90000000:0x94000000\n"
             "gtzc_illegal=buserr\n"
             "alias=illegal\n"
             "internal_flash=/tmp/flash.bin\n"
             "description=my board\n");
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->target, "stm32l562e-dk");
    assert_true(p->tz);
    assert_false(p->secure);
    assert_int_equal(p->bkpt_addr, 0x20000000u);
    assert_int_equal(p->load_base, 0x20000004u);
    assert_int_equal(p->ram_end, 0x20040000u);
    assert_int_equal(p->download_limit, 4096u);
    assert_int_equal(p->vtor, 0x08040000u);
    assert_int_equal(p->stack_gap, 0x400u);
    /* the template's six regions, then 6 and 7 */
    assert_int_equal(p->nsau, 8u);
    assert_int_equal(p->sau[2].base, 0x20018000u);
    assert_int_equal(p->sau[6].base, 0x20000000u);
    assert_int_equal(p->sau[6].limit, 0x20017FFFu);
    assert_false(p->sau[6].nsc);
    assert_true(p->sau[7].nsc);
    assert_int_equal(p->nmpcbb_ns, 1u);
    assert_int_equal(p->mpcbb_ns[0].start, 0x20000000u);
    assert_int_equal(p->mpcbb_ns[0].end, 0x20040000u);
    assert_int_equal(p->nmpcwm_ns, 1u);
    assert_int_equal(p->mpcwm_ns[0].end, 0x94000000u);
    assert_true(p->gtzc_buserr);
    assert_true(p->alias_illegal);
    assert_string_equal(p->internal_flash, "/tmp/flash.bin");
    assert_string_equal(p->description, "my board");
}

static void test_defaults(void **state)
{
    (void)state;
    /* Empty file: the TZEN=0 built-in. */
    const se_profile *p = load("\n# nothing\n\n");
    if (!p)
        fail_msg("%s", err);
    assert_false(p->tz);
    assert_false(p->secure);
    assert_int_equal(p->load_base, 0x20000004u);
    assert_non_null(strstr(p->description, "TZEN=0"));

    /* tz=on alone: the TZEN=1 reset state, Secure, SAU at reset, all SRAM secure. */
    p = load("tz=on\n");
    if (!p)
        fail_msg("%s", err);
    assert_true(p->tz);
    assert_true(p->secure);
    assert_int_equal(p->nsau, 0u);
    assert_int_equal(p->nmpcbb_ns, 0u);
    assert_int_equal(p->nmpcwm_ns, 0u);
    assert_int_equal(p->load_base, 0x20018004u);
    assert_false(p->gtzc_buserr);
    assert_false(p->alias_illegal);
    assert_non_null(strstr(p->description, "TZEN=1, loader Secure at 0x20018004"));

    /* secure= without tz=on: no TrustZone, so Non-secure is moot. */
    p = load("secure=on\n");
    if (!p)
        fail_msg("%s", err);
    assert_false(p->tz);
    assert_false(p->secure);

    /* sau=reset after the template empties the SAU; yes/no spellings */
    p = load("tz=yes\nsau=st_template\nsau=reset\nsecure=no\n");
    if (!p)
        fail_msg("%s", err);
    assert_int_equal(p->nsau, 0u);
    assert_false(p->secure);
    assert_true(p->tz);
}

static void test_bad_keys_and_lines(void **state)
{
    (void)state;
    refused("tz=on\nmpcbb=0x20000000:0x20001000\n", ":2: unknown key 'mpcbb'");
    refused("\n\nTZ=on\n", ":3: unknown key 'TZ'");
    refused("tz=on\nsecure\n", ":2: expected key=value");
    refused("=1\n", ":1: unknown key ''");
    refused("tz=maybe\n", ":1: tz takes on or off");
    refused("base=stm32f999\n", ": unknown base target 'stm32f999'");
    refused("sau=none\n", ":1: bad value for sau: 'none'");
    refused("gtzc_illegal=fault\n", ":1: bad value for gtzc_illegal: 'fault'");
    refused("alias=secure\n", ":1: bad value for alias: 'secure'");
    refused("secure=2\n", ":1: bad value for secure: '2'");
    assert_null(se_profile_load("/nonexistent/x.prof", err, sizeof err));
    assert_string_equal(err, "cannot open profile /nonexistent/x.prof: No such file or directory");
}

/* A host window outside the target's RAM is refused when the profile is read, naming the
 * key and why (before: it ran, and the call failed later with exit 2). */
static void test_host_window_outside_ram_is_refused(void **state)
{
    (void)state;
    refused("bkpt=0x10000000\n",
            ":1: bkpt 0x10000000 is not usable on stm32l562e-dk (RAM 0x20000000..0x20040000): "
            "the host's breakpoint word must be in the target's RAM");
    refused("bkpt=0x20000002\nload_base=0x20000006\n",
            ":1: bkpt 0x20000002 is not usable on stm32l562e-dk (RAM 0x20000000..0x20040000): "
            "the breakpoint word must be word-aligned");
    refused("# window\nload_base=0x60000000\n",
            ":2: load_base 0x60000000 is not usable on stm32l562e-dk (RAM 0x20000000..0x20040000): "
            "the image must be downloaded into RAM above the breakpoint word (0x20000000)");
    refused("ram_end=0x20050000\n", ":1: ram_end 0x20050000 is not usable on stm32l562e-dk");
    refused("bkpt=0x2003FC00\nload_base=0x2003FC04\n",
            ": stack_gap 0x400 (the base target's) is not usable on stm32l562e-dk");
    refused("bkpt=0x2003F000\nload_base=0x2003F004\nstack_gap=0x1000\n",
            ":3: stack_gap 0x1000 is not usable on stm32l562e-dk (RAM 0x20000000..0x20040000): the "
            "stack (SP = bkpt + image size + stack_gap) would be past the end of the window");
    /* the secure alias, used throughout, is RAM too */
    assert_non_null(load("tz=on\nbkpt=0x30018000\nload_base=0x30018004\nram_end=0x30040000\n"));
}

static void test_bad_numbers(void **state)
{
    (void)state;
    refused("bkpt=\n", ":1: bad value for bkpt: ''");
    refused("bkpt=0x2000zz00\n", ":1: bad value for bkpt: '0x2000zz00'");
    refused("bkpt=-4\n", ":1: bad value for bkpt: '-4'");
    refused("vtor=0x100000000\n", ":1: bad value for vtor: '0x100000000'");
    refused("stack_gap=4G\n", ":1: bad value for stack_gap: '4G'");
    refused("ram_end=4096M\n", ":1: bad value for ram_end: '4096M'"); /* > 4 GiB */
    refused("download_limit=99999999999999999999999\n",
            ":1: bad value for download_limit: '99999999999999999999999'");
    /* 2^44 MiB = 2^64: must not wrap to 0 */
    refused("bkpt=17592186044416M\n", ":1: bad value for bkpt: '17592186044416M'");
    refused("load_base=0x20000004 x\n", ":1: bad value for load_base: '0x20000004 x'");
    /* sau_region=N,base,limit,nsc: four fields, N < 8, nsc 0/1, limit >= base */
    refused("sau_region=1,0x20000000,0x2000FFFF\n",
            ":1: bad value for sau_region: '1,0x20000000,0x2000FFFF'"); /* as written */
    refused("sau_region=8,0x20000000,0x2000FFFF,0\n", ":1: bad value for sau_region:");
    refused("sau_region=1,0x20000000,0x2000FFFF,2\n", ":1: bad value for sau_region:");
    refused("sau_region=1,0x20010000,0x2000FFFF,0\n", ":1: bad value for sau_region:");
    refused("sau_region=1,0x20000000,0x2000FFFF,0,5\n", ":1: bad value for sau_region:");
    refused("sau_region=1,,0x2000FFFF,0\n", ":1: bad value for sau_region:");
    /* ranges: START:END, END > START */
    refused("mpcbb_ns=0x20000000\n", ":1: bad value for mpcbb_ns: '0x20000000'");
    refused("mpcbb_ns=0x20010000:0x20000000\n",
            ":1: bad value for mpcbb_ns: '0x20010000:0x20000000'");
    refused("mpcwm_ns=0x90000000:0x90000000\n", ":1: bad value for mpcwm_ns:");
    refused("mpcwm_ns=0x90000000:zz\n", ":1: bad value for mpcwm_ns:");
    /* at most 8 MPCBB and 4 MPCWM windows */
    refused("mpcwm_ns=0x90000000:0x90020000\nmpcwm_ns=0x90040000:0x90060000\n"
            "mpcwm_ns=0x90080000:0x900A0000\nmpcwm_ns=0x900C0000:0x900E0000\n"
            "mpcwm_ns=0x90100000:0x90120000\n",
            ":5: bad value for mpcwm_ns: '0x90100000:0x90120000'");
}

/* The one number parser of the command line and profiles (issue 11 item 4, issue 13 item
 * 14): suffixes, exponents, ranges, and no sign, blank, wrap-around or trailing text. */
static void test_numbers_parse_with_suffixes_exponents_and_ranges(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t v;
    } good[] = {
        {"0", 0},
        {"42", 42},
        {"0x1F", 31},
        {"010", 8},
        {"4K", 4096},
        {"2M", 2097152},
        {"0x10k", 16384},
        {"2e9", 2000000000ull},
        {"1.5e6", 1500000},
        {"2.5K", 0},
        {"18446744073709551615", UINT64_MAX},
        {"0xffffffffffffffff", UINT64_MAX},
        {"1e19", 10000000000000000000ull},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 12345;
        bool ok = se_parse_u64(good[i].s, 0, UINT64_MAX, &v);
        if (!strcmp(good[i].s, "2.5K")) { /* a fraction is taken only when the value is whole */
            assert_false(ok);
            continue;
        }
        if (!ok || v != good[i].v)
            fail_msg("'%s': ok %d, %llu", good[i].s, ok, (unsigned long long)v);
    }
    static const char *const bad[] = {
        "",
        "-1",
        "+1",
        " 1",
        "1 ",
        "abc",
        "3333abc",
        "0x",
        "1e",
        "1.5",
        "2.5e0",
        "1e20",
        "18446744073709551616",
        "0x10000000000000000",
        "17592186044416M",
        "1G",
        "inf",
        "nan",
        "0x1p3",
        ".",
        "1..2",
        "1e-1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v;
        if (se_parse_u64(bad[i], 0, UINT64_MAX, &v))
            fail_msg("'%s' taken as %llu", bad[i], (unsigned long long)v);
    }
    uint64_t v;
    assert_false(se_parse_u64("0", 1, 10, &v));  /* below the range */
    assert_false(se_parse_u64("11", 1, 10, &v)); /* above it */
    assert_true(se_parse_u64("10", 1, 10, &v));
    assert_int_equal(v, 10);
    uint32_t w;
    assert_false(se_parse_u32("4G", &w));
    assert_false(se_parse_u32("0x100000000", &w));
    assert_true(se_parse_u32("4095M", &w));
    double d;
    assert_true(se_parse_seconds("0.5", 0, 10, &d));
    assert_true(d == 0.5);
    assert_true(se_parse_seconds("2e1", 0, 100, &d));
    assert_true(d == 20);
    for (const char *b = "-1\0inf\0nan\0 1\0"
                         "1s\0"
                         "11\0";
         *b; b += strlen(b) + 1)
        if (se_parse_seconds(b, 0, 10, &d))
            fail_msg("seconds '%s' taken as %g", b, d);
}

/* A line longer than the parser's buffer is refused on its own line, not read as two. */
static void test_long_line(void **state)
{
    (void)state;
    char text[1400];
    memset(text, 0, sizeof text);
    strcpy(text, "tz=on\ndescription=");
    memset(text + strlen(text), 'x', 1000);
    strcat(text, "\n");
    refused(text, ":2: line longer than 510 characters");
    /* 500 characters is fine */
    memset(text, 0, sizeof text);
    strcpy(text, "description=");
    memset(text + strlen(text), 'y', 488);
    strcat(text, "\n");
    const se_profile *p = load(text);
    if (!p)
        fail_msg("%s", err);
    assert_int_equal(strlen(p->description), 319u); /* kept to its buffer */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_keys_and_lines),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_host_window_outside_ram_is_refused),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_numbers_parse_with_suffixes_exponents_and_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
