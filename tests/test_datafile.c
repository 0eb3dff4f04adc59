/* The data-file parsers and writers (base/datafile.h) on crafted good and bad files: Intel
 * HEX, S-record and ELF become the right segments; every malformed file is refused with
 * SE_ERR_DATA and a message that names what and where; the policy of se_df_load (format by
 * content, extension as a hint, addresses) never lets text reach the flash as bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/datafile.h"
#include "util/harness.h"

static const se_df_limits any = {0, 0x100000000ull, 1u << 20, SE_DF_MAX_RUNS, "the window"};
static const se_df_limits dev = {0x90000000u, 0x94000000ull, 1u << 20, SE_DF_MAX_RUNS,
                                 "the device"};

static se_err parse(const char *text, se_df_format f, const se_df_limits *lim, se_datafile *df,
                    se_error *err)
{
    return se_df_parse((const uint8_t *)text, strlen(text), f, "t", lim, df, err);
}

static void expect_refused(const char *text, se_df_format f, const se_df_limits *lim,
                           const char *needle)
{
    se_datafile df;
    se_error err = {0};
    se_err e = parse(text, f, lim, &df, &err);
    if (e != SE_ERR_DATA || !strstr(err.msg, needle))
        fail_msg("expected SE_ERR_DATA with '%s', got %d: %s", needle, e, err.msg);
    assert_null(df.segs);
}

/* ---- Intel HEX ------------------------------------------------------------------------ */

static void test_ihex_extended_linear_address_places_data(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    /* 0x90000000: 01 02 03 04, then 0x90000004: 05 (merged), start address 0x90000101 */
    const char *t = ":0200000490006A\n"
                    ":0400000001020304F2\n"
                    ":0100040005F6\n"
                    ":040000059000010165\n"
                    ":00000001FF\n";
    assert_int_equal(parse(t, SE_DF_IHEX, &dev, &df, &err), SE_OK);
    assert_int_equal(df.nsegs, 1);
    assert_int_equal(df.segs[0].addr, 0x90000000u);
    assert_int_equal(df.segs[0].len, 5);
    assert_memory_equal(df.segs[0].data, "\x01\x02\x03\x04\x05", 5);
    assert_true(df.has_entry);
    assert_int_equal(df.entry, 0x90000101u);
    se_df_free(&df);
}

static void test_ihex_extended_segment_address_is_times_16(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    /* segment 0x1000 -> 0x10000, offset 0x0010 -> 0x10010; CS:IP 0x0001:0x0002 = 0x12 */
    const char *t = ":020000021000EC\n"
                    ":02001000AABB89\n"
                    ":0400000300010002F6\n"
                    ":00000001FF\n";
    assert_int_equal(parse(t, SE_DF_IHEX, &any, &df, &err), SE_OK);
    assert_int_equal(df.segs[0].addr, 0x10010u);
    assert_int_equal(df.entry, 0x12u);
    se_df_free(&df);
}

static void test_ihex_sparse_and_unordered_records_give_sorted_segments(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    /* 0x0100: 22, 0x0000: 11, 0x0101: 33 (joins 0x0100), CRLF, lower case, a blank line */
    const char *t = ":0101000022dc\r\n"
                    "\r\n"
                    ":0100000011EE\r\n"
                    ":0101010033CA\r\n"
                    ":00000001ff\r\n";
    assert_int_equal(parse(t, SE_DF_IHEX, &any, &df, &err), SE_OK);
    assert_int_equal(df.nsegs, 2);
    assert_int_equal(df.segs[0].addr, 0);
    assert_int_equal(df.segs[0].len, 1);
    assert_int_equal(df.segs[1].addr, 0x100);
    assert_int_equal(df.segs[1].len, 2);
    assert_memory_equal(df.segs[1].data, "\x22\x33", 2);
    assert_int_equal(df.bytes, 3);
    se_df_free(&df);
}

static void test_ihex_checksum_error_names_the_line(void **state)
{
    (void)state;
    expect_refused(":0200000490006A\n:0400000001020304F3\n:00000001FF\n", SE_DF_IHEX, &dev,
                   "line 2: not an Intel HEX record: checksum 0xF3 is wrong (0xF2 expected)");
}

static void test_ihex_record_outside_the_device_is_refused(void **state)
{
    (void)state;
    /* 0x80000000 is not in the device 0x90000000.. */
    expect_refused(":0200000480007A\n:0400000001020304F2\n:00000001FF\n", SE_DF_IHEX, &dev,
                   "line 2: 0x4 bytes at 0x80000000 are outside the device");
}

static void test_ihex_bad_hex_digit_names_its_column(void **state)
{
    (void)state;
    expect_refused(":02000004800G7A\n:00000001FF\n", SE_DF_IHEX, &dev,
                   "line 1: not an Intel HEX record: 'G' at column 13 is not a hex digit");
}

static void test_ihex_overlapping_records_are_refused(void **state)
{
    (void)state;
    expect_refused(":0400000001020304F2\n:0100020005F8\n:00000001FF\n", SE_DF_IHEX, &any,
                   "line 2 writes 0x00000002, which line 1 already wrote (overlapping records)");
}

static void test_ihex_without_end_of_file_is_truncated(void **state)
{
    (void)state;
    expect_refused(":0400000001020304F2\n", SE_DF_IHEX, &any, "no end-of-file record");
}

static void test_ihex_data_after_end_of_file_is_refused(void **state)
{
    (void)state;
    expect_refused(":00000001FF\n:0400000001020304F2\n", SE_DF_IHEX, &any,
                   "line 2: ':0400000001020304F2' after the end-of-file record");
}

static void test_ihex_unknown_record_type_is_refused(void **state)
{
    (void)state;
    expect_refused(":00000006FA\n:00000001FF\n", SE_DF_IHEX, &any, "record type 0x06");
}

static void test_ihex_byte_count_must_match_the_line(void **state)
{
    (void)state;
    expect_refused(":0500000001020304F1\n:00000001FF\n", SE_DF_IHEX, &any,
                   "byte count 0x05 says 10 bytes, the line has 9");
}

static void test_ihex_record_crossing_its_64k_base_is_refused(void **state)
{
    (void)state;
    expect_refused(":02FFFF00AABB9B\n:00000001FF\n", SE_DF_IHEX, &any, "cross the 64 KiB boundary");
}

static void test_ihex_extended_address_record_with_wrong_length_is_refused(void **state)
{
    (void)state;
    expect_refused(":0300000490000069\n:00000001FF\n", SE_DF_IHEX, &any,
                   "a type 0x04 record carries 3 bytes, not 2");
}

static void test_ihex_with_no_data_is_refused(void **state)
{
    (void)state;
    expect_refused(":00000001FF\n", SE_DF_IHEX, &any, "no data");
}

static void test_data_over_the_byte_limit_is_refused(void **state)
{
    (void)state;
    se_df_limits small = any;
    small.max_bytes = 4;
    expect_refused(":0400000001020304F2\n:0100040005F6\n:00000001FF\n", SE_DF_IHEX, &small,
                   "more than 4 bytes of data");
}

static void test_too_many_discontiguous_runs_are_refused(void **state)
{
    (void)state;
    se_df_limits few = any;
    few.max_runs = 1;
    expect_refused(":0100000011EE\n:0101000022DC\n:00000001FF\n", SE_DF_IHEX, &few,
                   "more than 1 discontiguous runs");
}

/* ---- S-record ------------------------------------------------------------------------- */

static void test_srec_s1_s2_s3_with_count_and_termination(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    /* S1 at 0x0000, S2 at 0x010000, S3 at 0x90000000, S5 count 3, S7 entry 0x90000101 */
    const char *good = "S00600004844521B\n"
                       "S1050000AABB95\n"
                       "S206010000CCDD4F\n"
                       "S3089000000011223301\n"
                       "S5030003F9\n"
                       "S7059000010168\n";
    assert_int_equal(parse(good, SE_DF_SREC, &any, &df, &err), SE_OK);
    assert_int_equal(df.nsegs, 3);
    assert_int_equal(df.segs[0].addr, 0);
    assert_int_equal(df.segs[1].addr, 0x10000u);
    assert_memory_equal(df.segs[1].data, "\xCC\xDD", 2);
    assert_int_equal(df.segs[2].addr, 0x90000000u);
    assert_memory_equal(df.segs[2].data, "\x11\x22\x33", 3);
    assert_int_equal(df.entry, 0x90000101u);
    se_df_free(&df);
}

static void test_srec_s8_and_s9_terminate(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(parse("S1050000AABB95\nS9030000FC\n", SE_DF_SREC, &any, &df, &err), SE_OK);
    se_df_free(&df);
    assert_int_equal(parse("S1050000AABB95\nS804000000FB\n", SE_DF_SREC, &any, &df, &err), SE_OK);
    se_df_free(&df);
}

static void test_srec_checksum_error_names_the_line(void **state)
{
    (void)state;
    expect_refused("S1050000AABB96\nS9030000FC\n", SE_DF_SREC, &any,
                   "line 1: not an S-record: checksum 0x96 is wrong (0x95 expected)");
}

static void test_srec_count_record_that_disagrees_is_refused(void **state)
{
    (void)state;
    expect_refused("S1050000AABB95\nS5030002FA\nS9030000FC\n", SE_DF_SREC, &any,
                   "the S5 record counts 2 data records, the file has 1");
}

static void test_srec_s4_is_reserved(void **state)
{
    (void)state;
    expect_refused("S4050000AABB95\nS9030000FC\n", SE_DF_SREC, &any, "S4 is a reserved");
}

static void test_srec_without_termination_is_truncated(void **state)
{
    (void)state;
    expect_refused("S1050000AABB95\n", SE_DF_SREC, &any, "no termination record");
}

static void test_srec_record_outside_the_device_is_refused(void **state)
{
    (void)state;
    expect_refused("S1050000AABB95\nS9030000FC\n", SE_DF_SREC, &dev,
                   "line 1: 0x2 bytes at 0x00000000 are outside the device");
}

static void test_srec_overlapping_records_are_refused(void **state)
{
    (void)state;
    expect_refused("S1050000AABB95\nS1040001CC2E\nS9030000FC\n", SE_DF_SREC, &any,
                   "overlapping records");
}

/* ---- ELF ----------------------------------------------------------------------------- */

typedef struct phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz;
} phdr;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* An ELF32 LE executable: header, n program headers at 52, then 256 bytes of data (byte i
 * = i) at offset 0x100. */
static size_t make_elf(uint8_t *buf, const phdr *ph, unsigned n, uint32_t entry)
{
    memset(buf, 0, 0x200);
    memcpy(buf,
           "\x7f"
           "ELF\x01\x01\x01",
           7);
    buf[16] = 2;  /* ET_EXEC */
    buf[18] = 40; /* EM_ARM */
    buf[20] = 1;
    put32(buf + 24, entry);
    put32(buf + 28, 52);
    buf[40] = 52;
    buf[42] = 32;
    buf[44] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = buf + 52 + 32 * i;
        put32(p, ph[i].type);
        put32(p + 4, ph[i].offset);
        put32(p + 8, ph[i].vaddr);
        put32(p + 12, ph[i].paddr);
        put32(p + 16, ph[i].filesz);
        put32(p + 20, ph[i].memsz);
    }
    for (unsigned i = 0; i < 0x100; i++)
        buf[0x100 + i] = (uint8_t)i;
    return 0x200;
}

static void test_elf_load_segments_go_at_their_physical_address(void **state)
{
    (void)state;
    uint8_t buf[0x200];
    /* .text at 0x90000000; .data runs at 0x20000000, loaded after .text (paddr); a .bss
     * segment (no file bytes); a PT_NOTE ignored */
    phdr ph[] = {{1, 0x100, 0x90000000u, 0x90000000u, 0x10, 0x10},
                 {1, 0x110, 0x20000000u, 0x90000010u, 0x8, 0x20},
                 {1, 0x118, 0x20000020u, 0x90000018u, 0, 0x100},
                 {4, 0x100, 0, 0, 0x4, 0x4}};
    size_t n = make_elf(buf, ph, 4, 0x90000009u);
    se_datafile df;
    se_error err;
    assert_int_equal(se_df_parse(buf, n, SE_DF_ELF, "e", &dev, &df, &err), SE_OK);
    assert_int_equal(df.nsegs, 1); /* .text and .data's load image touch */
    assert_int_equal(df.segs[0].addr, 0x90000000u);
    assert_int_equal(df.segs[0].len, 0x18);
    assert_int_equal(df.segs[0].data[0x17], 0x17);
    assert_int_equal(df.entry, 0x90000009u);
    se_df_free(&df);
}

static void expect_elf_refused(const phdr *ph, unsigned n, size_t cut, const char *needle)
{
    uint8_t buf[0x200];
    size_t len = make_elf(buf, ph, n, 0);
    se_datafile df;
    se_error err = {0};
    se_err e = se_df_parse(buf, cut ? cut : len, SE_DF_ELF, "e", &any, &df, &err);
    if (e != SE_ERR_DATA || !strstr(err.msg, needle))
        fail_msg("expected SE_ERR_DATA with '%s', got %d: %s", needle, e, err.msg);
}

static void test_elf_segment_past_the_end_of_the_file_is_truncated(void **state)
{
    (void)state;
    phdr ph[] = {{1, 0x100, 0, 0, 0x100, 0x100}};
    expect_elf_refused(ph, 1, 0x180, "pass the end of the file (384 bytes): truncated");
    expect_elf_refused(ph, 1, 60, "program headers at 0x34 pass the end of the file");
}

static void test_elf_overlapping_segments_are_refused(void **state)
{
    (void)state;
    phdr ph[] = {{1, 0x100, 0, 0x1000, 0x10, 0x10}, {1, 0x110, 0, 0x1008, 0x10, 0x10}};
    expect_elf_refused(ph, 2, 0, "program header 1 writes 0x00001008, which program header 0");
}

static void test_elf_without_file_bytes_is_refused(void **state)
{
    (void)state;
    phdr ph[] = {{1, 0x100, 0, 0x1000, 0, 0x10}};
    expect_elf_refused(ph, 1, 0, "no PT_LOAD segment with file bytes");
    expect_elf_refused(ph, 0, 0, "no program headers");
}

static void test_elf_filesz_over_memsz_is_refused(void **state)
{
    (void)state;
    phdr ph[] = {{1, 0x100, 0, 0x1000, 0x20, 0x10}};
    expect_elf_refused(ph, 1, 0, "file size 0x20 over memory size 0x10");
}

static void test_elf64_and_big_endian_are_refused(void **state)
{
    (void)state;
    uint8_t buf[0x200];
    phdr ph[] = {{1, 0x100, 0, 0, 0x10, 0x10}};
    size_t n = make_elf(buf, ph, 1, 0);
    se_datafile df;
    se_error err;
    buf[4] = 2;
    assert_int_equal(se_df_parse(buf, n, SE_DF_ELF, "e", &any, &df, &err), SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "64-bit"));
    buf[4] = 1;
    buf[5] = 2;
    assert_int_equal(se_df_parse(buf, n, SE_DF_ELF, "e", &any, &df, &err), SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "big-endian"));
}

/* ---- writing -------------------------------------------------------------------------- */

static void round_trip(se_df_format f)
{
    enum { N = 0x10000 + 77 };
    uint8_t *data = malloc(N);
    assert_non_null(data);
    for (size_t i = 0; i < N; i++)
        data[i] = (uint8_t)(i * 13 + (i >> 8));
    char *text;
    size_t len;
    se_error err;
    /* starts 3 bytes before a 64 KiB boundary: the HEX writer splits the record there */
    assert_int_equal(se_df_format_text(f, 0x9000FFFDu, data, N, &text, &len, &err), SE_OK);
    assert_int_equal(se_df_sniff((const uint8_t *)text, len), f);
    se_datafile df;
    assert_int_equal(se_df_parse((const uint8_t *)text, len, f, "rt", &dev, &df, &err), SE_OK);
    assert_int_equal(df.nsegs, 1);
    assert_int_equal(df.segs[0].addr, 0x9000FFFDu);
    assert_int_equal(df.segs[0].len, N);
    assert_memory_equal(df.segs[0].data, data, N);
    se_df_free(&df);
    free(text);
    free(data);
}

static void test_written_hex_parses_back_to_the_same_bytes(void **state)
{
    (void)state;
    round_trip(SE_DF_IHEX);
}

static void test_written_srec_parses_back_to_the_same_bytes(void **state)
{
    (void)state;
    round_trip(SE_DF_SREC);
}

static void test_output_format_follows_the_extension(void **state)
{
    (void)state;
    assert_int_equal(se_df_output_format("a.hex"), SE_DF_IHEX);
    assert_int_equal(se_df_output_format("a.S19"), SE_DF_SREC);
    assert_int_equal(se_df_output_format("a.srec"), SE_DF_SREC);
    assert_int_equal(se_df_output_format("a.bin"), SE_DF_BIN);
    assert_int_equal(se_df_output_format("-"), SE_DF_BIN);
    assert_int_equal(se_df_output_format("dir.hex/a"), SE_DF_BIN);
}

/* ---- the loading policy ------------------------------------------------------------------ */

static const char *tmpfile_with(const char *name, const void *buf, size_t n)
{
    static char path[400];
    snprintf(path, sizeof path, "%s/%s", th_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
    return path;
}

#define HEX1 ":0200000490006A\n:0400000001020304F2\n:00000001FF\n"

static se_err load(const char *name, const char *text, se_df_format f, bool has_addr,
                   se_datafile *df, se_error *err)
{
    const char *p = tmpfile_with(name, text, strlen(text));
    return se_df_load(p, "--write file", f, has_addr, 0x90000000u, &dev, df, err);
}

static void test_hex_text_given_an_address_is_refused(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(load("a.hex", HEX1, SE_DF_AUTO, true, &df, &err), SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "carries its own addresses"));
    assert_int_equal(load("a.txt", HEX1, SE_DF_AUTO, true, &df, &err), SE_ERR_DATA);
}

static void test_hex_text_named_bin_is_refused(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(load("a.bin", HEX1, SE_DF_AUTO, false, &df, &err), SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "reads as Intel HEX text"));
}

static void test_hex_is_found_by_content_whatever_the_name(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(load("image", HEX1, SE_DF_AUTO, false, &df, &err), SE_OK);
    assert_int_equal(df.format, SE_DF_IHEX);
    assert_int_equal(df.segs[0].addr, 0x90000000u);
    se_df_free(&df);
}

static void test_broken_hex_named_hex_reports_the_parser_error(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(
        load("bad.hex", ":0400000001020304F3\n:00000001FF\n", SE_DF_AUTO, false, &df, &err),
        SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "line 1: not an Intel HEX record: checksum"));
}

static void test_broken_hex_text_without_a_name_is_not_written_as_bytes(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(
        load("bad.txt", ":0400000001020304F3\n:00000001FF\n", SE_DF_AUTO, true, &df, &err),
        SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "looks like Intel HEX or S-record text"));
}

static void test_format_bin_takes_text_as_bytes_when_asked(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(load("a.hex", HEX1, SE_DF_BIN, true, &df, &err), SE_OK);
    assert_int_equal(df.segs[0].len, strlen(HEX1));
    se_df_free(&df);
}

static void test_binary_needs_an_address(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(load("a.bin", "\x01\x02", SE_DF_AUTO, false, &df, &err), SE_ERR_USAGE);
    assert_non_null(strstr(err.msg, "needs an address"));
    assert_int_equal(load("a.bin", "\x01\x02", SE_DF_AUTO, true, &df, &err), SE_OK);
    assert_int_equal(df.segs[0].addr, 0x90000000u);
    se_df_free(&df);
}

static void test_elf_given_an_address_or_named_bin_is_refused(void **state)
{
    (void)state;
    uint8_t buf[0x200];
    phdr ph[] = {{1, 0x100, 0, 0x90000000u, 0x10, 0x10}};
    size_t n = make_elf(buf, ph, 1, 0);
    se_datafile df;
    se_error err;
    const char *p = tmpfile_with("app.axf", buf, n);
    assert_int_equal(se_df_load(p, "f", SE_DF_AUTO, true, 0x90000000u, &dev, &df, &err),
                     SE_ERR_USAGE);
    assert_int_equal(se_df_load(p, "f", SE_DF_AUTO, false, 0, &dev, &df, &err), SE_OK);
    assert_int_equal(df.format, SE_DF_ELF);
    se_df_free(&df);
    p = tmpfile_with("app.bin", buf, n);
    assert_int_equal(se_df_load(p, "f", SE_DF_AUTO, true, 0x90000000u, &dev, &df, &err),
                     SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "is an ELF file"));
}

static void test_srec_named_hex_is_refused(void **state)
{
    (void)state;
    se_datafile df;
    se_error err;
    assert_int_equal(load("a.hex", "S1050000AABB95\nS9030000FC\n", SE_DF_AUTO, false, &df, &err),
                     SE_ERR_DATA);
    assert_non_null(strstr(err.msg, "named .hex but reads as S-record"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ihex_extended_linear_address_places_data),
        cmocka_unit_test(test_ihex_extended_segment_address_is_times_16),
        cmocka_unit_test(test_ihex_sparse_and_unordered_records_give_sorted_segments),
        cmocka_unit_test(test_ihex_checksum_error_names_the_line),
        cmocka_unit_test(test_ihex_record_outside_the_device_is_refused),
        cmocka_unit_test(test_ihex_bad_hex_digit_names_its_column),
        cmocka_unit_test(test_ihex_overlapping_records_are_refused),
        cmocka_unit_test(test_ihex_without_end_of_file_is_truncated),
        cmocka_unit_test(test_ihex_data_after_end_of_file_is_refused),
        cmocka_unit_test(test_ihex_unknown_record_type_is_refused),
        cmocka_unit_test(test_ihex_byte_count_must_match_the_line),
        cmocka_unit_test(test_ihex_record_crossing_its_64k_base_is_refused),
        cmocka_unit_test(test_ihex_extended_address_record_with_wrong_length_is_refused),
        cmocka_unit_test(test_ihex_with_no_data_is_refused),
        cmocka_unit_test(test_data_over_the_byte_limit_is_refused),
        cmocka_unit_test(test_too_many_discontiguous_runs_are_refused),
        cmocka_unit_test(test_srec_s1_s2_s3_with_count_and_termination),
        cmocka_unit_test(test_srec_s8_and_s9_terminate),
        cmocka_unit_test(test_srec_checksum_error_names_the_line),
        cmocka_unit_test(test_srec_count_record_that_disagrees_is_refused),
        cmocka_unit_test(test_srec_s4_is_reserved),
        cmocka_unit_test(test_srec_without_termination_is_truncated),
        cmocka_unit_test(test_srec_record_outside_the_device_is_refused),
        cmocka_unit_test(test_srec_overlapping_records_are_refused),
        cmocka_unit_test(test_elf_load_segments_go_at_their_physical_address),
        cmocka_unit_test(test_elf_segment_past_the_end_of_the_file_is_truncated),
        cmocka_unit_test(test_elf_overlapping_segments_are_refused),
        cmocka_unit_test(test_elf_without_file_bytes_is_refused),
        cmocka_unit_test(test_elf_filesz_over_memsz_is_refused),
        cmocka_unit_test(test_elf64_and_big_endian_are_refused),
        cmocka_unit_test(test_written_hex_parses_back_to_the_same_bytes),
        cmocka_unit_test(test_written_srec_parses_back_to_the_same_bytes),
        cmocka_unit_test(test_output_format_follows_the_extension),
        cmocka_unit_test(test_hex_text_given_an_address_is_refused),
        cmocka_unit_test(test_hex_text_named_bin_is_refused),
        cmocka_unit_test(test_hex_is_found_by_content_whatever_the_name),
        cmocka_unit_test(test_broken_hex_named_hex_reports_the_parser_error),
        cmocka_unit_test(test_broken_hex_text_without_a_name_is_not_written_as_bytes),
        cmocka_unit_test(test_format_bin_takes_text_as_bytes_when_asked),
        cmocka_unit_test(test_binary_needs_an_address),
        cmocka_unit_test(test_elf_given_an_address_or_named_bin_is_refused),
        cmocka_unit_test(test_srec_named_hex_is_refused),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
