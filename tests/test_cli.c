/* The stldr-emu command line end to end: the standard session, file round trips, JSON,
 * and one distinct exit status per refusal and failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader/lint.h"
#include "util/harness.h"

static void write_file(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[1500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_standard_session_succeeds(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s'", th_firmware("sram_loader"));
    assert_int_equal(rc, 0);
    for (const char *fn = "Init(0x1)\0SectorErase(\0Write(\0Read(\0Verify(\0CheckSum(\0"; *fn;
         fn += strlen(fn) + 1)
        assert_non_null(strstr(out, fn));
    assert_non_null(strstr(out, "OK: 9 calls"));
    free(out);
}

static void test_write_verify_read_round_trip(void **state)
{
    (void)state;
    uint8_t data[8192 + 5];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 8));
    char in[300], back[300];
    snprintf(in, sizeof in, "%s/in.bin", th_tmpdir());
    snprintf(back, sizeof back, "%s/back.bin", th_tmpdir());
    write_file(in, data, sizeof data);
    char *out;
    int rc = th_run_toolf(
        &out, "run '%s' --write '%s@0x20038003' --verify --read 0x20038003:%zu@'%s' --chunk 0x1000",
        th_firmware("sram_loader"), in, sizeof data, back);
    assert_int_equal(rc, 0);
    free(out);
    FILE *f = fopen(back, "rb");
    assert_non_null(f);
    uint8_t got[sizeof data + 1];
    assert_int_equal(fread(got, 1, sizeof got, f), sizeof data);
    fclose(f);
    assert_memory_equal(got, data, sizeof data);
}

static void test_json_lines_end_with_summary(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --tz on --json", th_firmware("sram_loader_tz"));
    assert_int_equal(rc, 0);
    assert_non_null(
        strstr(out, "{\"event\":\"call\",\"op\":\"erase\",\"function\":\"Init\",\"args\":[1]"));
    assert_non_null(
        strstr(out, "{\"event\":\"summary\",\"ok\":true,\"status\":\"ok\",\"calls\":9"));
    free(out);
}

static void test_info_shows_storage_and_entries(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "info '%s'", th_firmware("sram_loader"));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "SRAM2-TEST_STM32L562E-DK"));
    assert_non_null(strstr(out, "8 x 0x1000"));
    assert_non_null(strstr(out, "SectorErase"));
    assert_non_null(strstr(out, "not downloaded"));
    free(out);
}

/* A loader as large as real ones (0x2000+ bytes): lint is clean and --strict runs it with
 * TrustZone off; with --tz on the 0x1000 of docs/protocol.md 2.8 is a warning citing it,
 * and --strict still runs (it is an observation, not a limit). */
static void test_real_sized_loader_passes_lint_and_strict(void **state)
{
    (void)state;
    const char *fw = th_firmware("sram_loader_big");
    char *out;
    /* (its SRAM "device" in the host's window is a start-address warning of its own) */
    int rc = th_run_toolf(&out, "lint '%s'", fw);
    if (!strstr(out, "info    download-limit   image is 0x") || strstr(out, "over the 0x"))
        fail_msg("lint: exit %d\n%s", rc, out);
    free(out);
    rc = th_run_toolf(&out, "run '%s' --strict --quiet", fw);
    if (rc != 0)
        fail_msg("run --strict: exit %d\n%s", rc, out);
    free(out);
    fw = th_firmware("sram_loader_big_tz");
    rc = th_run_toolf(&out, "info '%s' --tz on", fw);
    assert_int_equal(rc, 0);
    if (!strstr(out, "over the 0x1000 bytes seen to work once with TrustZone on "
                     "(docs/protocol.md 2.8"))
        fail_msg("info --tz on:\n%s", out);
    free(out);
    rc = th_run_toolf(&out, "run '%s' --tz on --strict --init-only", fw);
    if (rc != 0 || !strstr(out, "docs/protocol.md 2.8"))
        fail_msg("run --tz on --strict: exit %d\n%s", rc, out);
    free(out);
}

static unsigned occurrences(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* A warning that repeats (ST's BSP touches OCTOSPI with its clock off before each DeInit):
 * one line per kind, said once with its count in the call, and the summary lists the kind
 * with its total and the calls it occurred in. */
static void test_repeated_warnings_are_one_line_per_kind(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s'", th_firmware("sram_loader_warn"));
    if (rc != 0 || occurrences(out, "OCTOSPI accessed with RCC OSPI1EN=0") != 2 ||
        !strstr(out, "stldr-emu: warning: OCTOSPI 0x44021000 (+0x000): OCTOSPI accessed with "
                     "RCC OSPI1EN=0") ||
        !strstr(out, "(3 times in this call)") ||
        !strstr(out, " calls): OCTOSPI: OCTOSPI accessed with RCC OSPI1EN=0"))
        fail_msg("exit %d\n%s", rc, out);
    /* x12 in 4 calls: the count is every occurrence, the calls those with one */
    const char *s = strstr(out, "  warning x");
    assert_non_null(s);
    unsigned long count = strtoul(s + 11, NULL, 10);
    const char *p = strchr(s, '(');
    assert_non_null(p);
    unsigned long calls = strtoul(p + 1, NULL, 10);
    assert_true(calls >= 2);
    assert_int_equal(count, 3 * calls);
    free(out);
    rc = th_run_toolf(&out, "run '%s' --json", th_firmware("sram_loader_warn"));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\"warning_kinds\":[{\"kind\":\"OCTOSPI: OCTOSPI accessed with RCC "
                                "OSPI1EN=0"));
    free(out);
}

/* SysTick becomes pending (interrupt on, --irq-mask none) while an erase is polled: with the
 * idle skip it is taken inside SectorErase at the same virtual time as without it (before:
 * the call returned and the next call's Init locked up at 0 instructions). */
static void test_systick_pending_during_idle_skip_is_taken_in_time(void **state)
{
    (void)state;
    char *skip, *noskip;
    const char *fw = th_firmware("ref_systick_erase");
    int r1 = th_run_toolf(&skip, "run '%s' --irq-mask none", fw);
    int r2 = th_run_toolf(&noskip, "run '%s' --irq-mask none --no-idle-skip", fw);
    const char *call = "SectorErase(0x90000000, 0x90010000)            -> lockup";
    const char *a = strstr(skip, call), *b = strstr(noskip, call);
    if (r1 != 33 || r2 != 33 || !a || !b)
        fail_msg("exit %d / %d\n%s\n--no-idle-skip:\n%s", r1, r2, skip, noskip);
    /* the same device time at the lockup: "... instr    596.5 us device" */
    const char *da = strstr(a, " device"), *db = strstr(b, " device");
    assert_non_null(da);
    assert_non_null(db);
    char ta[24], tb[24];
    snprintf(ta, sizeof ta, "%.12s", da - 12);
    snprintf(tb, sizeof tb, "%.12s", db - 12);
    assert_string_equal(ta, tb);
    assert_non_null(strstr(a, "SysTick taken at poll_sr+0x"));
    free(skip);
    free(noskip);
}

static void test_faulty_loaders_have_distinct_exit_codes(void **state)
{
    (void)state;
    static const struct {
        const char *fw;
        int code;
        const char *words;
    } cases[] = {
        {"fault_unmapped", 33, "BusFault PRECISERR"},
        {"fault_udf", 33, "UNDEFINSTR"},
        {"hang_loader", 34, "spinning"},
        {"bkpt_clobber", 35, "breakpoint word"},
        {"systick_erased", 34, "erased internal flash"},
        {"fault_div0", 33,
         "UsageFault DIVBYZERO: udiv r0, r1, r2 divides by zero (r2 = 0, "
         "CCR.DIV_0_TRP is set) at Init+0x"},
        {"fault_unaligned", 33, "UsageFault UNALIGNED: 4-byte read of 0x"},
        {"fault_unaligned_ldrd", 33, "UsageFault UNALIGNED: 8-byte read of 0x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out;
        int rc = th_run_toolf(&out, "run '%s' --budget 500000", th_firmware(cases[i].fw));
        if (rc != cases[i].code || !strstr(out, cases[i].words))
            fail_msg("%s: exit %d, output:\n%s", cases[i].fw, rc, out);
        assert_non_null(strstr(out, "stldr-emu: error: Init:"));
        free(out);
    }
}

static void test_bad_files_are_refused_with_one_line(void **state)
{
    (void)state;
    char path[300], *out;
    snprintf(path, sizeof path, "%s/text.stldr", th_tmpdir());
    write_file(path, "hello, world\n", 13);
    assert_int_equal(th_run_toolf(&out, "run '%s'", path), 10);
    assert_non_null(strstr(out, "not an ELF"));
    free(out);

    /* a real loader cut short */
    FILE *f = fopen(th_firmware("sram_loader"), "rb");
    assert_non_null(f);
    uint8_t buf[200];
    assert_int_equal(fread(buf, 1, sizeof buf, f), sizeof buf);
    fclose(f);
    snprintf(path, sizeof path, "%s/cut.stldr", th_tmpdir());
    write_file(path, buf, sizeof buf);
    assert_int_equal(th_run_toolf(&out, "info '%s'", path), 14);
    free(out);

    assert_int_equal(th_run_toolf(&out, "run '%s/missing.stldr'", th_tmpdir()), 3);
    free(out);
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(th_run_toolf(&out, "run '%s' --tz maybe", th_firmware("sram_loader")), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "run '%s' --erase 5:1", th_firmware("sram_loader")), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "run '%s' --verify", th_firmware("sram_loader")), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "frobnicate x"), 2);
    free(out);
    assert_int_equal(th_run_toolf(&out, "--help"), 0);
    assert_non_null(strstr(out, "usage: stldr-emu"));
    free(out);
}

/* Every numeric option goes through one parser with a range (issue 11 item 4): a bad value
 * is a usage error, at once (`fuzz --runs -1` used to run for ever, under `timeout` here). */
static int run_bounded(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run_bounded(char **out, const char *fmt, ...)
{
    char args[1000], log[400], cmd[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(log, sizeof log, "%s/bounded.log", th_tmpdir());
    snprintf(cmd, sizeof cmd, "timeout 20 '%s' %s >'%s' 2>&1", SE_TOOL_PATH, args, log);
    int st = system(cmd);
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    *out = text;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_bad_numbers_are_usage_errors_in_every_command(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "fuzz --runs -1",     "fuzz --runs abc",    "fuzz --runs 0",
        "fuzz --time 0",      "fuzz --time -5",     "fuzz --seed 18446744073709551616",
        "fuzz --budget 0",    "run --budget -1",    "run --budget 0",
        "run --budget 2x",    "run --timeout 0",    "run --timeout nan",
        "run --chunk 0",      "run --chunk 4G",     "run --last 129",
        "run --ram-fill 256", "run --vcd-limit -1", "trace --budget -1",
        "gdb --port 3333abc", "gdb --port 0",       "gdb --port 65536",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[32], *out;
        const char *sp = strchr(bad[i], ' ');
        snprintf(cmd, sizeof cmd, "%.*s", (int)(sp - bad[i]), bad[i]);
        int rc = run_bounded(&out, "%s '%s' %s", cmd, th_firmware("sram_loader"), sp + 1);
        if (rc != 2 || !strstr(out, " takes "))
            fail_msg("'%s': exit %d, expected a usage error:\n%s", bad[i], rc, out);
    }
}

/* info and lint take no number: run's options are refused there, not silently ignored. */
static void test_options_of_another_command_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"info --chunk -1", "lint --last abc", "info --write x@0",
                                      "fuzz --port 1", "gdb --seed 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[32], *out;
        const char *sp = strchr(bad[i], ' ');
        snprintf(cmd, sizeof cmd, "%.*s", (int)(sp - bad[i]), bad[i]);
        int rc = run_bounded(&out, "%s '%s' %s", cmd, th_firmware("sram_loader"), sp + 1);
        if (rc != 2 || !strstr(out, "unknown option '--"))
            fail_msg("'%s': exit %d, expected an unknown option:\n%s", bad[i], rc, out);
    }
}

/* Every command's --help is its own, made from the option table: exit 0, the command's
 * usage line, the options it takes and none it does not. */
static void test_each_command_has_its_own_help(void **state)
{
    (void)state;
    static const struct {
        const char *cmd, *has, *lacks;
    } want[] = {
        {"run", "--write FILE[@ADDR]", "--port"}, {"trace", "--trace-func NAME", "--seed"},
        {"info", "--target T", "--write"},        {"lint", "--json", "--budget"},
        {"gdb", "--port N", "--write"},           {"fuzz", "--seed N", "--port"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *out, usage[64];
        int rc = th_run_toolf(&out, "%s --help", want[i].cmd);
        snprintf(usage, sizeof usage, "usage: stldr-emu %s LOADER", want[i].cmd);
        if (rc != 0 || !strstr(out, usage) || !strstr(out, want[i].has) ||
            strstr(out, want[i].lacks))
            fail_msg("%s --help: exit %d:\n%s", want[i].cmd, rc, out);
        free(out);
    }
    char *out;
    assert_int_equal(th_run_toolf(&out, "--version"), 0);
    assert_non_null(strstr(out, "stldr-emu "));
    free(out);
}

/* lint's summary in the usage and --help states the statuses lint returns (loader/lint.h). */
static void test_lint_help_states_its_exit_statuses(void **state)
{
    (void)state;
    char want[64], *out;
    snprintf(want, sizeof want, "exit %d on warnings, %d on errors", SE_LINT_EXIT_WARN,
             SE_LINT_EXIT_ERROR);
    assert_int_equal(th_run_toolf(&out, "lint --help"), 0);
    if (!strstr(out, want))
        fail_msg("lint --help does not say '%s':\n%s", want, out);
    free(out);
}

static void test_budget_takes_suffixes_and_exponents(void **state)
{
    (void)state;
    for (const char *b = "2e9\0"
                         "5M\0"
                         "512K\0"
                         "0x100000\0";
         *b; b += strlen(b) + 1) {
        char *out;
        int rc = th_run_toolf(&out, "run '%s' --quiet --budget %s", th_firmware("sram_loader"), b);
        if (rc != 0)
            fail_msg("--budget %s: exit %d\n%s", b, rc, out);
        free(out);
    }
    char *out;
    assert_int_equal(run_bounded(&out, "fuzz '%s' --runs 3 --seed 18446744073709551615",
                                 th_firmware("sram_loader")),
                     0);
    assert_non_null(strstr(out, "fuzz: 3 cases"));
}

/* Input files are checked with fstat before a byte is read (issue 11 items 5 and 6): a FIFO
 * is refused, not waited on; /dev/zero is refused, not read for ever; a file over its limit
 * (base/input_limits.h) is refused without reading it. */
static void test_fifo_and_device_inputs_are_refused_at_once(void **state)
{
    (void)state;
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/in.fifo", th_tmpdir());
    assert_int_equal(mkfifo(fifo, 0600), 0);
    static const struct {
        const char *fmt;
        const char *what;
    } uses[] = {
        {"run '%2$s'", "loader"},
        {"info '%2$s'", "loader"},
        {"run '%1$s' --write '%2$s@0'", "--write file"},
        {"run '%1$s' --profile '%2$s'", "profile"},
        {"run '%1$s' --internal-flash '%2$s'", "internal flash image"},
        {"run '%1$s' --replay '%2$s'", "reproducer"},
        {"fuzz '%1$s' --from-input '%2$s'", "fuzz input"},
    };
    for (int dev = 0; dev < 2; dev++)
        for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
            if (dev && !strcmp(uses[i].fmt, "run '%1$s' --write '%2$s@0'"))
                continue; /* /dev/zero is as long as the device allows: same check as the FIFO */
            char args[900], want[400], *out;
            const char *path = dev ? "/dev/zero" : fifo;
            snprintf(args, sizeof args, uses[i].fmt, th_firmware("sram_loader"), path);
            snprintf(want, sizeof want, "%s %s is %s: give a regular file", uses[i].what, path,
                     dev ? "a character device" : "a FIFO");
            int rc = run_bounded(&out, "%s", args);
            if ((rc != 3 && rc != 2) || !strstr(out, want))
                fail_msg("%s: exit %d, expected \"%s\":\n%s", args, rc, want, out);
        }
}

static void test_a_huge_sparse_loader_is_refused_without_reading_it(void **state)
{
    (void)state;
    char big[300], *out;
    snprintf(big, sizeof big, "%s/big.stldr", th_tmpdir());
    FILE *f = fopen(big, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(big, 2147483648LL), 0); /* sparse: no disk used */
    int rc = run_bounded(&out, "info '%s'", big);
    if (rc != 2 || !strstr(out, "is 2147483648 bytes, over the limit of 67108864 bytes"))
        fail_msg("exit %d:\n%s", rc, out);
    unlink(big);
}

/* Messages that said something else than the cause (issue 11 item 7). */
static void test_write_of_an_empty_file_says_it_is_empty(void **state)
{
    (void)state;
    char in[300], *out;
    snprintf(in, sizeof in, "%s/empty.bin", th_tmpdir());
    write_file(in, "", 0);
    int rc = th_run_toolf(&out, "run '%s' --write '%s@0x20038000'", th_firmware("sram_loader"), in);
    if (rc != 2 || !strstr(out, "empty.bin is empty: nothing to write") ||
        strstr(out, "outside the device"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
}

static void test_read_with_nothing_after_the_at_sign_is_a_usage_error(void **state)
{
    (void)state;
    char *out;
    int rc = run_bounded(&out, "run '%s' --read 0:16@", th_firmware("sram_loader"));
    if (rc != 2 || !strstr(out, "--read 0:16@: no FILE after '@'"))
        fail_msg("exit %d:\n%s", rc, out);
}

/* With the host's chunk at 1 byte the reference loader pads each byte to a DTR pair with
 * 0xFF: programming as intended, so no flash warning (there were thousands). */
static void test_one_byte_chunks_give_no_false_flash_warnings(void **state)
{
    (void)state;
    char in[300], *out;
    snprintf(in, sizeof in, "%s/d40.bin", th_tmpdir());
    uint8_t d[40];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i * 37 + 11);
    write_file(in, d, sizeof d);
    int rc = th_run_toolf(&out, "run '%s' --chunk 1 --write '%s@0x90000001' --verify --quiet",
                          th_firmware("ref_mx25_l562"), in);
    if (rc != 0 || !strstr(out, "commands, 0 warnings") || strstr(out, "not erased"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
}

/* A --flash-image on a read-only file system (issue 11 item 8), for real: a read-only bind
 * mount in a private mount namespace (unshare -m; the tests run as root). --read works on
 * the image; a write is refused in one line (exit 3) and the image is unchanged. */
static void test_flash_image_on_a_read_only_mount_reads_and_refuses_writes(void **state)
{
    (void)state;
    char src[300], dst[300], data[320], back[320], log[320], *out;
    snprintf(src, sizeof src, "%s/rw", th_tmpdir());
    snprintf(dst, sizeof dst, "%s/ro", th_tmpdir());
    snprintf(data, sizeof data, "%s/data.bin", th_tmpdir());
    snprintf(back, sizeof back, "%s/back.bin", th_tmpdir());
    snprintf(log, sizeof log, "%s/ro.log", th_tmpdir());
    assert_int_equal(mkdir(src, 0755), 0);
    assert_int_equal(mkdir(dst, 0755), 0);
    uint8_t d[256];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i * 29 + 3);
    write_file(data, d, sizeof d);
    int rc = th_run_toolf(&out, "run '%s' --write '%s@0x90000000' --flash-image '%s/flash.img'",
                          th_firmware("ref_mx25_l562"), data, src);
    assert_int_equal(rc, 0);
    free(out);
    rc = sh("unshare -m sh -c \"mount --bind '%s' '%s' && mount -o remount,ro,bind '%s'\" "
            ">'%s' 2>&1",
            src, dst, dst, log);
    if (rc != 0)
        fail_msg("a read-only bind mount needs root (unshare -m, mount); exit %d", rc);
    const char *ro = "unshare -m sh -c \"mount --bind '%s' '%s' && mount -o remount,ro,bind '%s' "
                     "&& '%s' run '%s' %s --flash-image '%s/flash.img'\" >'%s' 2>&1";
    char op[400];
    snprintf(op, sizeof op, "--read 0x90000000:256@'%s'", back);
    rc = sh(ro, src, dst, dst, SE_TOOL_PATH, th_firmware("ref_mx25_l562"), op, dst, log);
    char text[4096] = "";
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    if (rc != 0 || !strstr(text, "is read-only (Read-only file system): opened for reading"))
        fail_msg("--read: exit %d\n%s", rc, text);
    f = fopen(back, "rb");
    assert_non_null(f);
    uint8_t got[sizeof d];
    assert_int_equal(fread(got, 1, sizeof got, f), sizeof got);
    fclose(f);
    assert_memory_equal(got, d, sizeof d);
    snprintf(op, sizeof op, "--write '%s@0x90001000'", data);
    rc = sh(ro, src, dst, dst, SE_TOOL_PATH, th_firmware("ref_mx25_l562"), op, dst, log);
    f = fopen(log, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    if (rc != 3 || !strstr(text, "stldr-emu: error: flash image ") ||
        !strstr(text, "is read-only (Read-only file system): erase refused"))
        fail_msg("--write: exit %d\n%s", rc, text);
    struct stat st;
    char img[320];
    snprintf(img, sizeof img, "%s/flash.img", src);
    assert_int_equal(stat(img, &st), 0);
    assert_int_equal(st.st_size, 0x1000); /* the first program's chunk, nothing more */
}

static void test_write_outside_device_is_a_usage_error(void **state)
{
    (void)state;
    char in[300], *out;
    snprintf(in, sizeof in, "%s/small.bin", th_tmpdir());
    write_file(in, "0123456789abcdef", 16);
    assert_int_equal(
        th_run_toolf(&out, "run '%s' --write '%s@0x2003FFF8'", th_firmware("sram_loader"), in), 2);
    assert_non_null(strstr(out, "outside the device"));
    free(out);
}

/* --read ADDR:LEN@PATH (issue 11 item 2): only a new path or a regular file is replaced
 * (temporary file + rename); a FIFO, a character device or a symbolic link must not be
 * replaced by a regular file. */
#define READ16 "run '%s' --read 0x20038000:16@"

static void test_read_to_dash_writes_the_data_alone_to_stdout(void **state)
{
    (void)state;
    char got[300];
    snprintf(got, sizeof got, "%s/dash.bin", th_tmpdir());
    for (int i = 0; i < 2; i++) { /* "-", and a path naming standard output */
        int rc = sh("'%s' " READ16 "%s 2>/dev/null >'%s'", SE_TOOL_PATH, th_firmware("sram_loader"),
                    i ? "/proc/self/fd/1" : "-", got);
        assert_int_equal(rc, 0);
        struct stat st;
        assert_int_equal(stat(got, &st), 0);
        assert_int_equal(st.st_size, 16); /* the data, no log line */
    }
}

static void test_read_to_a_symlink_keeps_the_link_and_writes_its_target(void **state)
{
    (void)state;
    char target[300], link[300], *out;
    snprintf(target, sizeof target, "%s/target.bin", th_tmpdir());
    snprintf(link, sizeof link, "%s/link.bin", th_tmpdir());
    write_file(target, "old", 3);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(th_run_toolf(&out, READ16 "'%s'", th_firmware("sram_loader"), link), 0);
    free(out);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_size, 16);
}

static void test_read_to_a_full_device_reports_enospc_and_keeps_the_device(void **state)
{
    (void)state;
    char link[300], *out;
    snprintf(link, sizeof link, "%s/full", th_tmpdir());
    assert_int_equal(symlink("/dev/full", link), 0);
    int rc = th_run_toolf(&out, READ16 "'%s'", th_firmware("sram_loader"), link);
    if (rc != 3 || !strstr(out, "No space left on device"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode)); /* not replaced by a regular file */
}

static void test_read_to_a_fifo_writes_into_it(void **state)
{
    (void)state;
    char fifo[300], *out;
    snprintf(fifo, sizeof fifo, "%s/fifo", th_tmpdir());
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* no reader: refused at once, not a wait */
    int rc = th_run_toolf(&out, READ16 "'%s'", th_firmware("sram_loader"), fifo);
    if (rc != 3 || !strstr(out, "no process has it open for reading"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(th_run_toolf(&out, READ16 "'%s'", th_firmware("sram_loader"), fifo), 0);
    free(out);
    uint8_t buf[32];
    assert_int_equal(read(rd, buf, sizeof buf), 16);
    assert_int_equal(buf[0], 0xA5); /* the device (SRAM2) holds power-on fill */
    close(rd);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
}

static void test_read_to_a_directory_is_refused(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, READ16 "'%s'", th_firmware("sram_loader"), th_tmpdir());
    if (rc != 3 || !strstr(out, "is a directory: the data goes to a regular file"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
}

/* --sp 0 (docs/protocol.md 2.1, bad run P7: "MSP is set to zero") runs the loader with SP = 0
 * and says so first; the reference loader's Init pushes at once: a BusFault that cannot be
 * stacked, lockup. */
/* A push that leaves RAM mid-call (here SP just above the start of SRAM) is named as the stack
 * leaving RAM, with SP, not only as an unmapped write. */
static void test_push_below_ram_says_the_stack_left_it(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --sp 0x20000008 --init-only --last 0",
                          th_firmware("ref_mx25_l562"));
    if (!strstr(out, "(unmapped); the stack has left RAM (SP 0x20000008) at Init"))
        fail_msg("exit %d, output:\n%s", rc, out);
    assert_int_equal(rc, 33);
    free(out);
}

static void test_sp_zero_runs_with_msp_zero_and_says_so(void **state)
{
    (void)state;
    char *out;
    /* the data buffer stays where the default SP puts it */
    int rc = th_run_toolf(&out, "run '%s' --init-only", th_firmware("ref_mx25_l562"));
    const char *b = strstr(out, ", buffer 0x");
    assert_non_null(b);
    char buffer_at[64];
    snprintf(buffer_at, sizeof buffer_at, ", SP 0x00000000%.*s", (int)strcspn(b, "\n"), b);
    free(out);
    rc = th_run_toolf(&out, "run '%s' --sp 0 --init-only --last 0", th_firmware("ref_mx25_l562"));
    const char *want[] = {
        buffer_at,
        "stldr-emu: warning: the stack pointer is zero at entry: MSP 0x00000000 set by the host "
        "before Init (running as the target would)\n",
        "stldr-emu: error: Init: the stack pointer is zero at entry: MSP 0x00000000 set by the "
        "host before Init (running as the target would); BusFault PRECISERR: 4-byte write of "
        "0xffffffe0 (system region, execute-never) at Init; then lockup: HardFault entry could "
        "not push its frame: MSP=0x00000000 (write to 0xffffffe0 failed); the stack pointer is "
        "zero\n",
        "FAILED: 1 calls, 6 instructions",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("\"%s\" not in the output (exit %d):\n%s", want[i], rc, out);
    assert_int_equal(rc, 33); /* lockup */
    free(out);

    /* A loader whose Init pushes nothing returns from it (said as a warning) and fails at
     * the first call that pushes. */
    rc = th_run_toolf(&out, "run '%s' --sp 0 --last 0", th_firmware("sram_loader"));
    if (!strstr(out, "stldr-emu: error: SectorErase: the stack pointer is zero at entry: MSP "
                     "0x00000000 set by the host before SectorErase (running as the target "
                     "would); BusFault PRECISERR: 4-byte write of 0xfffffff0"))
        fail_msg("exit %d, output:\n%s", rc, out);
    assert_int_equal(rc, 33);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_session_succeeds),
        cmocka_unit_test(test_write_verify_read_round_trip),
        cmocka_unit_test(test_json_lines_end_with_summary),
        cmocka_unit_test(test_info_shows_storage_and_entries),
        cmocka_unit_test(test_faulty_loaders_have_distinct_exit_codes),
        cmocka_unit_test(test_bad_files_are_refused_with_one_line),
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_write_outside_device_is_a_usage_error),
        cmocka_unit_test(test_bad_numbers_are_usage_errors_in_every_command),
        cmocka_unit_test(test_options_of_another_command_are_refused),
        cmocka_unit_test(test_each_command_has_its_own_help),
        cmocka_unit_test(test_lint_help_states_its_exit_statuses),
        cmocka_unit_test(test_budget_takes_suffixes_and_exponents),
        cmocka_unit_test(test_real_sized_loader_passes_lint_and_strict),
        cmocka_unit_test(test_repeated_warnings_are_one_line_per_kind),
        cmocka_unit_test(test_systick_pending_during_idle_skip_is_taken_in_time),
        cmocka_unit_test(test_fifo_and_device_inputs_are_refused_at_once),
        cmocka_unit_test(test_a_huge_sparse_loader_is_refused_without_reading_it),
        cmocka_unit_test(test_write_of_an_empty_file_says_it_is_empty),
        cmocka_unit_test(test_read_with_nothing_after_the_at_sign_is_a_usage_error),
        cmocka_unit_test(test_one_byte_chunks_give_no_false_flash_warnings),
        cmocka_unit_test(test_flash_image_on_a_read_only_mount_reads_and_refuses_writes),
        cmocka_unit_test(test_sp_zero_runs_with_msp_zero_and_says_so),
        cmocka_unit_test(test_push_below_ram_says_the_stack_left_it),
        cmocka_unit_test(test_read_to_dash_writes_the_data_alone_to_stdout),
        cmocka_unit_test(test_read_to_a_symlink_keeps_the_link_and_writes_its_target),
        cmocka_unit_test(test_read_to_a_full_device_reports_enospc_and_keeps_the_device),
        cmocka_unit_test(test_read_to_a_fifo_writes_into_it),
        cmocka_unit_test(test_read_to_a_directory_is_refused),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
