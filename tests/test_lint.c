/* Tests of loader/lint.c (`stldr-emu lint`): one crafted loader per check, each named for
 * its defect, asserting the exact code and level; the firmware built by the project; the
 * section accessor of loader/stldr.c the checks rely on; and the command line. */
#include <elf.h>
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
#include "loader/lint.h"
#include "loader/stldr.h"
#include "util/elfgen.h"
#include "util/harness.h"

/* ---- a clean loader, and ways to break it --------------------------------------------- */

#define LINK 0x20000004u
#define TEXT_SIZE 0x200u
#define DATA_SIZE 0x10u
#define MAX_TEXT 0x1400u

enum { S_DEV, S_TEXT, S_DATA, S_BSS };
enum { P_IMAGE, P_DEV, P_EXTRA };
enum {
    Y_INIT,
    Y_WRITE,
    Y_SECTOR_ERASE,
    Y_MASS_ERASE,
    Y_READ,
    Y_VERIFY,
    Y_CHECKSUM,
    Y_DEINIT,
    Y_STORAGE,
    Y_COUNT
};

typedef struct fx {
    elfgen_section sec[6];
    size_t nsec;
    elfgen_segment seg[4];
    size_t nseg;
    elfgen_symbol sym[16];
    size_t nsym;
    uint32_t link;
    uint8_t text[MAX_TEXT];
    uint8_t data[DATA_SIZE];
    uint8_t si[SE_STORAGEINFO_SIZE];
} fx;

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* StorageInfo: name, type, start, size, page, erase value and one sector group. */
static void si_set(fx *f, uint16_t type, uint32_t start, uint32_t size, uint32_t page,
                   uint8_t erase, uint32_t nsect, uint32_t sect)
{
    uint8_t *p = f->si;
    memset(p, 0, SE_STORAGEINFO_SIZE);
    memcpy(p, "LINT_TEST_NOR", 13);
    put16(p + 100, type);
    put32(p + 104, start);
    put32(p + 108, size);
    put32(p + 112, page);
    p[116] = erase;
    put32(p + 120, nsect);
    put32(p + 124, sect);
}

static elfgen_symbol fsym(const char *name, uint32_t value, uint32_t size, int section)
{
    return (elfgen_symbol){.name = name,
                           .value = value,
                           .size = size,
                           .type = STT_FUNC,
                           .bind = STB_GLOBAL,
                           .section = section};
}

/* Link the image (text, data) at `link`: the code segment holds .text and .data; every
 * entry point is a Thumb function in .text. StorageInfo is in .Dev_info at 0, in a segment
 * of its own. NOR flash at 0x90000000, 16 MiB, page 0x100, 256 x 64 KiB, erased 0xFF. */
static void fx_make(fx *f, uint32_t link, uint32_t text_size)
{
    memset(f, 0, sizeof *f);
    f->link = link;
    si_set(f, SE_DEV_NOR_FLASH, 0x90000000u, 0x01000000u, 0x100u, 0xFF, 256, 0x10000u);
    f->sec[S_DEV] =
        (elfgen_section){".Dev_info", SHT_PROGBITS, SHF_ALLOC, 0, f->si, SE_STORAGEINFO_SIZE, 4};
    f->sec[S_TEXT] = (elfgen_section){
        ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, link, f->text, text_size, 4};
    f->sec[S_DATA] = (elfgen_section){
        ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, link + text_size, f->data, DATA_SIZE, 4};
    f->nsec = 3;
    f->seg[P_IMAGE] = (elfgen_segment){.type = PT_LOAD,
                                       .flags = PF_R | PF_W | PF_X,
                                       .vaddr = link,
                                       .first_section = S_TEXT,
                                       .nsections = 2};
    f->seg[P_DEV] = (elfgen_segment){
        .type = PT_LOAD, .flags = PF_R, .vaddr = 0, .first_section = S_DEV, .nsections = 1};
    f->nseg = 2;
    static const char *const names[] = {"Init", "Write",  "SectorErase", "MassErase",
                                        "Read", "Verify", "CheckSum",    "DeInit"};
    for (unsigned i = 0; i <= Y_DEINIT; i++)
        f->sym[i] = fsym(names[i], link + 0x10u * i + 1u, 0x10, S_TEXT);
    f->sym[Y_STORAGE] = (elfgen_symbol){.name = "StorageInfo",
                                        .value = 0,
                                        .size = SE_STORAGEINFO_SIZE,
                                        .type = STT_OBJECT,
                                        .bind = STB_GLOBAL,
                                        .section = S_DEV};
    f->nsym = Y_COUNT;
}

static void fx_default(fx *f) { fx_make(f, LINK, TEXT_SIZE); }

/* Add .bss (NOBITS) of `size` bytes after .data, inside the code segment. */
static void fx_add_bss(fx *f, uint32_t size)
{
    f->sec[S_BSS] = (elfgen_section){
        ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, f->link + f->sec[S_TEXT].size + DATA_SIZE, NULL,
        size,   4};
    f->nsec = 4;
    f->seg[P_IMAGE].nsections = 3;
}

static void fx_add_sym(fx *f, elfgen_symbol s)
{
    assert_true(f->nsym < sizeof f->sym / sizeof f->sym[0]);
    f->sym[f->nsym++] = s;
}

/* Store a word in .text at link address a. */
static void text_word(fx *f, uint32_t a, uint32_t v)
{
    assert_true(a >= f->link && a + 4 <= f->link + f->sec[S_TEXT].size);
    put32(f->text + (a - f->link), v);
}

static void text_half(fx *f, uint32_t a, uint16_t v)
{
    assert_true(a >= f->link && a + 2 <= f->link + f->sec[S_TEXT].size);
    put16(f->text + (a - f->link), v);
}

static se_err fx_open(const fx *f, se_stldr **l, se_error *err)
{
    elfgen_desc d = {.entry = f->link + 1,
                     .sections = f->sec,
                     .nsections = f->nsec,
                     .segments = f->seg,
                     .nsegments = f->nseg,
                     .symbols = f->sym,
                     .nsymbols = f->nsym};
    elfgen_file ef;
    assert_int_equal(elfgen_build(&d, &ef), 0);
    se_error_clear(err);
    *l = NULL;
    se_err rc = se_stldr_open_mem(ef.data, ef.len, "lint.stldr", l, err);
    elfgen_free(&ef);
    return rc;
}

#define MAX_FINDINGS 64

typedef struct lint_result {
    se_lint_finding f[MAX_FINDINGS];
    size_t n;
} lint_result;

static void lint_loader(const se_stldr *l, bool tz, lint_result *r)
{
    const se_profile *p = se_profile_find("stm32l562e-dk", tz);
    assert_non_null(p);
    r->n = se_lint(l, p, r->f, MAX_FINDINGS);
    assert_true(r->n <= MAX_FINDINGS);
    for (size_t i = 0; i < r->n; i++) {
        assert_true(r->f[i].code[0] != '\0');
        assert_true(r->f[i].msg[0] != '\0');
        assert_null(strchr(r->f[i].msg, '\n'));
    }
}

static void lint_fx(const fx *f, bool tz, lint_result *r)
{
    se_stldr *l;
    se_error err;
    se_err rc = fx_open(f, &l, &err);
    if (rc)
        fail_msg("open: %s", err.msg);
    lint_loader(l, tz, r);
    se_stldr_free(l);
}

static void dump(const lint_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        print_message("  %s %s: %s\n", se_lint_level_name(r->f[i].level), r->f[i].code,
                      r->f[i].msg);
}

static size_t count(const lint_result *r, const char *code, se_lint_level level)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += !strcmp(r->f[i].code, code) && r->f[i].level == level;
    return n;
}

static size_t count_level(const lint_result *r, se_lint_level level)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->f[i].level == level;
    return n;
}

/* The finding with this code and level; fails the test (listing all) if there is none.
 * `needle`, if not NULL, must appear in its message. */
static const se_lint_finding *expect(const lint_result *r, const char *code, se_lint_level level,
                                     const char *needle)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->f[i].code, code) && r->f[i].level == level &&
            (!needle || strstr(r->f[i].msg, needle)))
            return &r->f[i];
    dump(r);
    fail_msg("no %s %s finding%s%s", se_lint_level_name(level), code, needle ? " mentioning " : "",
             needle ? needle : "");
    return NULL;
}

static void expect_none(const lint_result *r, const char *code)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->f[i].code, code)) {
            dump(r);
            fail_msg("unexpected %s finding", code);
        }
}

/* ---- the clean loader ------------------------------------------------------------------ */

static void test_clean_loader_has_only_info(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    lint_result r;
    lint_fx(&f, false, &r);
    if (count_level(&r, SE_LINT_ERROR) || count_level(&r, SE_LINT_WARN)) {
        dump(&r);
        fail_msg("the clean loader has warnings or errors");
    }
    expect(&r, "download-limit", SE_LINT_INFO, "0x210 bytes");
    expect(&r, "stack-room", SE_LINT_INFO, "SP 0x20000610");
    /* the generated ELF has no .ARM.attributes (as IAR's have none) */
    expect(&r, "core", SE_LINT_INFO, "unknown (no ARM build attributes");
    /* its functions are tiny: the worst-case stack of each fits (issue 14 item 11) */
    expect(&r, "stack-usage", SE_LINT_INFO, "worst-case stack from the code");
    assert_int_equal(r.n, 4);
    assert_int_equal(se_lint_exit_code(r.f, r.n), 0);
}

static void test_count_beyond_max_and_exit_codes(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.sym[Y_WRITE].value &= ~1u; /* error */
    si_set(&f, SE_DEV_NOR_FLASH, 0x90000000u, 0x01000000u, 0x100u, 0x00, 256, 0x10000u);
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    const se_profile *p = se_profile_find("stm32l562e-dk", false);
    size_t total = se_lint(l, p, NULL, 0);
    se_lint_finding one[1];
    assert_int_equal(se_lint(l, p, one, 1), total);
    assert_true(total >= 3);
    lint_result r;
    lint_loader(l, false, &r);
    assert_int_equal(r.n, total);
    assert_int_equal(se_lint_exit_code(r.f, r.n), SE_LINT_EXIT_ERROR);
    se_stldr_free(l);

    se_lint_finding w[2] = {{.level = SE_LINT_INFO}, {.level = SE_LINT_WARN}};
    assert_int_equal(se_lint_exit_code(w, 2), SE_LINT_EXIT_WARN);
    assert_int_equal(se_lint_exit_code(w, 1), 0);
    assert_int_equal(se_lint_exit_code(w, 0), 0);
    assert_string_equal(se_lint_level_name(SE_LINT_ERROR), "error");
    assert_string_equal(se_lint_level_name(SE_LINT_WARN), "warning");
    assert_string_equal(se_lint_level_name(SE_LINT_INFO), "info");
}

/* ---- StorageInfo ----------------------------------------------------------------------- */

/* A sector table that does not add up (a published W25Q8 loader: 4096 x 4 KiB, DeviceSize
 * 1 MiB) is read, not refused: lint's sectors-sum is an error, with the policy run applies. */
static void test_sectors_sum_mismatch_is_a_lint_error(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0x90000000u, 0x00100000u, 0x100u, 0xFF, 4096, 0x1000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "sectors-sum", SE_LINT_ERROR,
           "StorageInfo sectors add up to 0x1000000 bytes but DeviceSize is 0x100000: the host's "
           "sector numbers and erase ranges will be wrong (run's policy: the device is taken to "
           "end at DeviceSize, 0x90100000 (sectors past it are not used))");
    assert_int_equal(se_lint_exit_code(r.f, r.n), SE_LINT_EXIT_ERROR);
    /* fewer sectors than DeviceSize: the device ends where they end */
    si_set(&f, SE_DEV_NOR_FLASH, 0x90000000u, 0x01000000u, 0x100u, 0xFF, 255, 0x10000u);
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    const se_storage_info *si = se_stldr_storage(l);
    assert_int_equal(si->declared_size, 0x01000000u);
    assert_int_equal(si->size, 0x00FF0000u);
    se_stldr_free(l);
}

/* The same loader on the command line: info shows all it decoded and warns (exit 0); lint
 * exits 5 on sectors-sum; run states its policy and goes on to call Init. */
static void test_inconsistent_storageinfo_on_the_command_line(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0x90000000u, 0x00100000u, 0x100u, 0xFF, 4096, 0x1000u);
    elfgen_desc d = {.entry = f.link + 1,
                     .sections = f.sec,
                     .nsections = f.nsec,
                     .segments = f.seg,
                     .nsegments = f.nseg,
                     .symbols = f.sym,
                     .nsymbols = f.nsym};
    elfgen_file ef;
    assert_int_equal(elfgen_build(&d, &ef), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/w25q8_like.stldr", th_tmpdir());
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(ef.data, 1, ef.len, fp), ef.len);
    fclose(fp);
    elfgen_free(&ef);
    char *out;
    int rc = th_run_toolf(&out, "info '%s'", path);
    if (rc != 0 || !strstr(out, "range       0x90000000..0x90100000 (1048576 bytes)") ||
        !strstr(out, "sectors     4096 x 0x1000") ||
        !strstr(out, "warning     StorageInfo sectors add up to 0x1000000 bytes but DeviceSize "
                     "is 0x100000: the device is taken to end at DeviceSize") ||
        !strstr(out, "entry       Init"))
        fail_msg("info: exit %d\n%s", rc, out);
    free(out);
    rc = th_run_toolf(&out, "lint '%s'", path);
    if (rc != 5 || !strstr(out, "sectors-sum"))
        fail_msg("lint: exit %d\n%s", rc, out);
    free(out);
    rc = th_run_toolf(&out, "run '%s' --init-only", path);
    if (!strstr(out, "stldr-emu: warning: StorageInfo sectors add up to 0x1000000 bytes but "
                     "DeviceSize is 0x100000: the device is taken to end at DeviceSize") ||
        !strstr(out, "Init(0x1)"))
        fail_msg("run: exit %d\n%s", rc, out);
    free(out);
}

static void test_page_size_not_power_of_two(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0x90000000u, 0x01000000u, 0x180u, 0xFF, 256, 0x10000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "page-size", SE_LINT_WARN, "power of two");
    assert_int_equal(count(&r, "page-size", SE_LINT_WARN), 1);
}

static void test_page_size_larger_than_sector(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0x90000000u, 0x01000000u, 0x20000u, 0xFF, 256, 0x10000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "page-size", SE_LINT_WARN, "smallest sector (0x10000)");
    assert_int_equal(count(&r, "page-size", SE_LINT_WARN), 1);
}

static void test_start_address_zero(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0, 0x01000000u, 0x100u, 0xFF, 256, 0x10000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "start-address", SE_LINT_ERROR, "failure mode 14");
    assert_int_equal(se_lint_exit_code(r.f, r.n), SE_LINT_EXIT_ERROR);
}

static void test_start_address_nor_in_internal_flash(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0x08000000u, 0x00080000u, 0x100u, 0xFF, 8, 0x10000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "start-address", SE_LINT_ERROR, "internal flash");
}

static void test_start_address_nor_outside_window(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0x60000000u, 0x01000000u, 0x100u, 0xFF, 256, 0x10000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "start-address", SE_LINT_WARN, "0x90000000");
    assert_int_equal(count(&r, "start-address", SE_LINT_ERROR), 0);
}

static void test_start_address_sram_device_in_host_window(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_SRAM, 0x20038000u, 0x8000u, 0x100u, 0xFF, 8, 0x1000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "start-address", SE_LINT_WARN, "RAM window");
    assert_int_equal(count(&r, "start-address", SE_LINT_ERROR), 0);
    /* The buffer stops below the device, as the emulated host's does. */
    expect(&r, "stack-room", SE_LINT_INFO, "..0x20038000");
}

static void test_erase_value_not_ff_for_nor(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    si_set(&f, SE_DEV_NOR_FLASH, 0x90000000u, 0x01000000u, 0x100u, 0x00, 256, 0x10000u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "erase-value", SE_LINT_WARN, "0x00");
    /* Not a flash type: no opinion. */
    si_set(&f, SE_DEV_SDRAM, 0x90000000u, 0x01000000u, 0x100u, 0x00, 256, 0x10000u);
    lint_fx(&f, false, &r);
    expect_none(&r, "erase-value");
}

static void test_storageinfo_symbol_without_size(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.sym[Y_STORAGE].size = 0; /* the reader accepts 0 (and refuses other sizes) */
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "storageinfo-size", SE_LINT_WARN, "200-byte");
}

/* ---- entry points ---------------------------------------------------------------------- */

/* Init and Write are required by the reader (no-entry): `lint` reports that as `info`. */
static void test_entry_missing_write_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.sym[Y_WRITE].name = "Write_";
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_ERR_NO_ENTRY);
}

static void test_entry_missing_sector_erase(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.sym[Y_SECTOR_ERASE].name = "SectorErase_";
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "entry-missing", SE_LINT_WARN, "SectorErase");
    assert_int_equal(count(&r, "entry-missing", SE_LINT_WARN), 1);
    assert_int_equal(count(&r, "entry-missing", SE_LINT_INFO), 0);
}

static void test_entry_missing_optional_is_info(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.sym[Y_MASS_ERASE].name = "x1";
    f.sym[Y_READ].name = "x2";
    f.sym[Y_VERIFY].name = "x3";
    f.sym[Y_CHECKSUM].name = "x4";
    f.sym[Y_DEINIT].name = "x5"; /* DeInit: no finding */
    lint_result r;
    lint_fx(&f, false, &r);
    assert_int_equal(count(&r, "entry-missing", SE_LINT_INFO), 4);
    expect(&r, "entry-missing", SE_LINT_INFO, "MassErase");
    expect(&r, "entry-missing", SE_LINT_INFO, "memory-mapped");
    expect(&r, "entry-missing", SE_LINT_INFO, "Verify");
    expect(&r, "entry-missing", SE_LINT_INFO, "CheckSum");
    assert_int_equal(se_lint_exit_code(r.f, r.n), 0);
}

static void test_entry_not_thumb(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.sym[Y_WRITE].value &= ~1u;
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "entry-not-thumb", SE_LINT_ERROR, "Write at 0x20000014");
    assert_int_equal(count(&r, "entry-not-thumb", SE_LINT_ERROR), 1);
}

static void test_entry_outside_image(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.sym[Y_VERIFY] = fsym("Verify", 0x20001001u, 0x10, ELFGEN_SEC_ABS);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "entry-outside", SE_LINT_WARN, "Verify");
    /* A required one outside: an error, and no download plan. */
    fx_default(&f);
    f.sym[Y_INIT] = fsym("Init", 0x20001001u, 0x10, ELFGEN_SEC_ABS);
    lint_fx(&f, false, &r);
    expect(&r, "entry-outside", SE_LINT_ERROR, "Init");
    expect_none(&r, "stack-room");
}

/* ---- segments and the image ------------------------------------------------------------ */

static void test_linked_at_bkpt_word(void **state)
{
    (void)state;
    fx f;
    fx_make(&f, 0x20000000u, TEXT_SIZE);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "bkpt-word", SE_LINT_ERROR, "failure mode 4");
    expect(&r, "link-base", SE_LINT_WARN, "0x20000000");
    assert_int_equal(se_lint_exit_code(r.f, r.n), SE_LINT_EXIT_ERROR);
}

static void test_segment_outside_ram_window(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    /* .data in a segment of its own, linked past the end of SRAM. */
    f.sec[S_DATA].addr = 0x20040000u;
    f.seg[P_IMAGE].nsections = 1;
    f.seg[P_EXTRA] = (elfgen_segment){.type = PT_LOAD,
                                      .flags = PF_R | PF_W,
                                      .vaddr = 0x20040000u,
                                      .first_section = S_DATA,
                                      .nsections = 1};
    f.nseg = 3;
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "ram-window", SE_LINT_ERROR, "segment 2");
    expect_none(&r, "stack-room");
}

static void test_segments_overlap(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    f.seg[P_IMAGE].nsections = 1;
    f.seg[P_EXTRA] = (elfgen_segment){.type = PT_LOAD,
                                      .flags = PF_R | PF_W,
                                      .vaddr = LINK + 0x100u,
                                      .first_section = S_DATA,
                                      .nsections = 1};
    f.nseg = 3;
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "segment-overlap", SE_LINT_ERROR, "segments 0");
}

/* Real loaders are 0x1950..0x19FF0 bytes: with TrustZone off the limit is the RAM window
 * (an info line); with TrustZone on the 0x1000 of docs/protocol.md 2.8 is a warning citing
 * its source. */
static void test_download_limit_is_the_ram_window(void **state)
{
    (void)state;
    fx f;
    fx_make(&f, LINK, 0x1200u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "download-limit", SE_LINT_INFO,
           "image is 0x1210 bytes, 0x3edec under the 0x3fffc download limit (the RAM window");
    assert_int_equal(count(&r, "download-limit", SE_LINT_WARN), 0);
    assert_int_equal(se_lint_exit_code(r.f, r.n), 0);
    fx_make(&f, 0x20018004u, 0x1200u);
    lint_fx(&f, true, &r);
    expect(&r, "download-limit", SE_LINT_WARN,
           "image is 0x1210 bytes, over the 0x1000 bytes seen to work once with TrustZone on "
           "(docs/protocol.md 2.8)");
}

static void test_link_base_differs_from_load_base(void **state)
{
    (void)state;
    fx f;
    fx_make(&f, 0x20000104u, TEXT_SIZE);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "link-base", SE_LINT_WARN,
           "linked at 0x20000104 but the host downloads it at 0x20000004");
    expect_none(&r, "bkpt-word");
    assert_int_equal(se_lint_exit_code(r.f, r.n), SE_LINT_EXIT_WARN);
}

static void test_bss_overlaps_stack(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    fx_add_bss(&f, 0x400u); /* image 0x210, SP = 0x20000610, .bss ends 0x20000614 */
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "stack-overlap", SE_LINT_ERROR, "SP 0x20000610");
    expect_none(&r, "stack-room");
    /* 0x300 bytes still leave 0xfc < 0x100: an error; 0x200 leaves 0x1fc: room. */
    fx_default(&f);
    fx_add_bss(&f, 0x300u);
    lint_fx(&f, false, &r);
    expect(&r, "stack-overlap", SE_LINT_ERROR, NULL);
    fx_default(&f);
    fx_add_bss(&f, 0x200u);
    lint_fx(&f, false, &r);
    expect_none(&r, "stack-overlap");
    expect(&r, "stack-room", SE_LINT_INFO, "0x1fc bytes of stack");
}

/* ---- sections -------------------------------------------------------------------------- */

static void test_bss_not_zeroed(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    fx_add_bss(&f, 0x40u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "bss-not-zeroed", SE_LINT_WARN, "0x40 bytes of NOBITS at 0x20000214..0x20000254");
    expect(&r, "bss-not-zeroed", SE_LINT_WARN, "make sure Init zeroes it");
}

static void test_bss_bounds_in_code_is_info(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    fx_add_bss(&f, 0x40u);
    text_word(&f, LINK + 0x100u, 0x20000214u); /* a literal pool with both bounds */
    text_word(&f, LINK + 0x104u, 0x20000254u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "bss-not-zeroed", SE_LINT_INFO, "make sure Init zeroes it");
    assert_int_equal(count(&r, "bss-not-zeroed", SE_LINT_WARN), 0);
}

static void test_data_lma_differs_from_vma(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    /* .data in its own segment, run address in RAM, load address in internal flash. */
    f.seg[P_IMAGE].nsections = 1;
    f.seg[P_EXTRA] = (elfgen_segment){.type = PT_LOAD,
                                      .flags = PF_R | PF_W,
                                      .vaddr = LINK + TEXT_SIZE,
                                      .paddr = 0x08000200u,
                                      .first_section = S_DATA,
                                      .nsections = 1};
    f.nseg = 3;
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "data-lma", SE_LINT_WARN, "runs at 0x20000204 but is loaded at 0x08000200");
    assert_int_equal(count(&r, "data-lma", SE_LINT_WARN), 1);
}

/* The section accessor added to loader/stldr for these checks. */
static void test_section_accessor(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    fx_add_bss(&f, 0x40u);
    f.seg[P_IMAGE].paddr = 0x08000000u; /* LMA = paddr + offset in the segment */
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    size_t n = se_stldr_nsections(l);
    assert_int_equal(n, 1 + 4 + 3); /* null, 4 user sections, .symtab .strtab .shstrtab */
    assert_null(se_stldr_section(l, n));
    const se_section *s0 = se_stldr_section(l, 0);
    assert_int_equal(s0->type, SHT_NULL);
    assert_int_equal(s0->segment, -1);
    const se_section *dev = se_stldr_section(l, elfgen_shndx(S_DEV));
    assert_string_equal(dev->name, ".Dev_info");
    assert_int_equal(dev->lma, 0);
    assert_int_equal(dev->segment, 1);
    assert_true(se_stldr_segment(l, 1)->metadata);
    const se_section *text = se_stldr_section(l, elfgen_shndx(S_TEXT));
    assert_string_equal(text->name, ".text");
    assert_int_equal(text->type, SHT_PROGBITS);
    assert_int_equal(text->flags, SHF_ALLOC | SHF_EXECINSTR);
    assert_int_equal(text->addr, LINK);
    assert_int_equal(text->size, TEXT_SIZE);
    assert_int_equal(text->lma, 0x08000000u);
    assert_int_equal(text->segment, 0);
    const se_section *data = se_stldr_section(l, elfgen_shndx(S_DATA));
    assert_int_equal(data->addr, LINK + TEXT_SIZE);
    assert_int_equal(data->lma, 0x08000000u + TEXT_SIZE);
    assert_int_equal(data->offset, text->offset + TEXT_SIZE);
    const se_section *bss = se_stldr_section(l, elfgen_shndx(S_BSS));
    assert_string_equal(bss->name, ".bss");
    assert_int_equal(bss->type, SHT_NOBITS);
    assert_int_equal(bss->lma, 0x08000000u + TEXT_SIZE + DATA_SIZE);
    assert_int_equal(bss->segment, 0);
    const se_section *symtab = se_stldr_section(l, elfgen_shndx(4));
    assert_string_equal(symtab->name, ".symtab");
    assert_int_equal(symtab->segment, -1);
    assert_int_equal(se_stldr_nsections(NULL), 0);
    assert_null(se_stldr_section(NULL, 0));
    se_stldr_free(l);
}

/* ---- vector table and VTOR ------------------------------------------------------------- */

#define VT_ADDR 0x20000080u /* 128-byte aligned, inside .text */

static void fx_vectors(fx *f, uint32_t at, const char *name)
{
    fx_default(f);
    fx_add_sym(f, (elfgen_symbol){.name = name,
                                  .value = at,
                                  .size = 16 * 4,
                                  .type = STT_OBJECT,
                                  .bind = STB_GLOBAL,
                                  .section = S_TEXT});
    text_word(f, at, 0x20040000u); /* initial SP: not a handler */
    for (uint32_t i = 1; i < 16; i++)
        text_word(f, at + 4 * i, (i == 8 || i == 9) ? 0u : LINK + 0x61u);
}

static void test_vector_table_plausible(void **state)
{
    (void)state;
    fx f;
    fx_vectors(&f, VT_ADDR, "g_pfnVectors");
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "vector-table", SE_LINT_INFO, "g_pfnVectors at 0x20000080: 15 handlers checked");
    assert_int_equal(se_lint_exit_code(r.f, r.n), 0);
}

static void test_vector_table_bad_handlers(void **state)
{
    (void)state;
    fx f;
    fx_vectors(&f, VT_ADDR, "__isr_vector");
    text_word(&f, VT_ADDR + 4 * 3, 0x08000201u);   /* HardFault in internal flash */
    text_word(&f, VT_ADDR + 4 * 15, LINK + 0x60u); /* SysTick without the Thumb bit */
    lint_result r;
    lint_fx(&f, false, &r);
    const se_lint_finding *v = expect(&r, "vector-table", SE_LINT_WARN, "2 of 15 handlers are bad");
    assert_non_null(strstr(v->msg, "[3] = 0x08000201 (outside the image)"));
    assert_non_null(strstr(v->msg, "[15] = 0x20000064 (no Thumb bit)"));
}

static void test_vector_table_misaligned(void **state)
{
    (void)state;
    fx f;
    fx_vectors(&f, VT_ADDR + 0x20u, "vector_table");
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "vector-table", SE_LINT_WARN, "not 128-byte aligned");
}

static void test_vector_table_section_outside_image(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    /* An .isr_vector section left in internal flash, in no downloaded segment. */
    f.sec[S_BSS] =
        (elfgen_section){".isr_vector", SHT_PROGBITS, SHF_ALLOC, 0x08000000u, NULL, 0x40, 4};
    f.nsec = 4;
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "vector-table", SE_LINT_WARN,
           ".isr_vector at 0x08000000 is not in the downloaded image");
}

static void test_vtor_write_literal(void **state)
{
    (void)state;
    fx f;
    fx_vectors(&f, VT_ADDR, "g_pfnVectors");
    text_word(&f, LINK + 0x1F0u, 0xE000ED08u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "vtor-write", SE_LINT_INFO, "the literal 0xE000ED08 at 0x200001f4");
    /* Without a table to check against, it says so. */
    fx_default(&f);
    text_word(&f, LINK + 0x1F0u, 0xE000ED08u);
    lint_fx(&f, false, &r);
    expect(&r, "vtor-write", SE_LINT_INFO, "no *vector* symbol");
}

static void test_vtor_write_through_scb_base(void **state)
{
    (void)state;
    fx f;
    fx_default(&f);
    /* CMSIS SCB->VTOR = x: ldr r3, [pc, #0x1c] (-> 0xE000ED00); str r0, [r3, #8]. */
    uint32_t a = LINK + 0x40u; /* 0x20000044: literal at align(a + 4, 4) + 0x1c = 0x20000064 */
    text_half(&f, a, 0x4B07u);
    text_half(&f, a + 2, 0x6098u);
    text_word(&f, 0x20000064u, 0xE000ED00u);
    lint_result r;
    lint_fx(&f, false, &r);
    expect(&r, "vtor-write", SE_LINT_INFO, "[SCB base, #8] at 0x20000046");
    /* The SCB base alone (another SCB register) is not a VTOR write. */
    text_half(&f, a + 2, 0x60D8u); /* str r0, [r3, #12] */
    lint_fx(&f, false, &r);
    expect_none(&r, "vtor-write");
}

/* ---- the project's firmware ------------------------------------------------------------ */

static void lint_firmware(const char *name, bool tz, lint_result *r)
{
    se_stldr *l;
    se_error err;
    if (se_stldr_open_file(th_firmware(name), &l, &err))
        fail_msg("open %s: %s", name, err.msg);
    lint_loader(l, tz, r);
    se_stldr_free(l);
}

static void expect_no_errors(const char *name, bool tz)
{
    lint_result r;
    lint_firmware(name, tz, &r);
    if (count_level(&r, SE_LINT_ERROR)) {
        dump(&r);
        fail_msg("%s (tz %s) has lint errors", name, tz ? "on" : "off");
    }
    expect_none(&r, "link-base");
}

/* A loader laid out as ST's CubeIDE/GCC template lays it out (tests/firmware/cubeide.ld.in):
 * the SP lies in ._user_heap_stack, the NOBITS stack reservation, not in .bss; the table
 * after .isr_vector's 0x1FC bytes of padding is checked from its own entry 1 (_estack, entry
 * 0, is the initial SP, not a handler). */
static void test_cubeide_template_layout_is_not_a_false_alarm(void **state)
{
    (void)state;
    lint_result r;
    lint_firmware("cubeide_loader", false, &r);
    expect_none(&r, "stack-overlap");
    expect(&r, "stack-room", SE_LINT_INFO,
           "lies in ._user_heap_stack 0x200004bc..0x20000abc, the image's own NOBITS stack "
           "reservation (not .bss)");
    expect(&r, "vector-table", SE_LINT_INFO,
           "vector table g_pfnVectors at 0x20000200: 15 handlers checked, all inside the image "
           "with the Thumb bit");
    assert_int_equal(count(&r, "vector-table", SE_LINT_WARN), 0);
    assert_int_equal(count(&r, "bss-not-zeroed", SE_LINT_WARN), 0);
    assert_int_equal(count_level(&r, SE_LINT_ERROR), 0);
}

static void test_firmware_lints_clean_on_its_target(void **state)
{
    (void)state;
    expect_no_errors("ref_mx25_l562", false);
    expect_no_errors("ref_mx25_l562_tz", true);
    expect_no_errors("sram_loader", false);
    expect_no_errors("sram_loader_tz", true);
    lint_result r;
    lint_firmware("ref_mx25_l562", false, &r);
    assert_int_equal(count_level(&r, SE_LINT_WARN), 0);
}

static void test_firmware_ref_loader_on_tz_reports_link_base(void **state)
{
    (void)state;
    lint_result r;
    lint_firmware("ref_mx25_l562", true, &r);
    expect(&r, "link-base", SE_LINT_WARN,
           "linked at 0x20000004 but the host downloads it at 0x20018004");
    assert_int_equal(count_level(&r, SE_LINT_ERROR), 0);
    assert_int_equal(se_lint_exit_code(r.f, r.n), SE_LINT_EXIT_WARN);
}

static void test_firmware_systick_loaders_vector_table(void **state)
{
    (void)state;
    lint_result r;
    lint_firmware("systick_loader", false, &r);
    expect(&r, "vector-table", SE_LINT_INFO, "vector_table");
    expect(&r, "vtor-write", SE_LINT_INFO, "Init+");
    expect(&r, "bss-not-zeroed", SE_LINT_INFO, NULL); /* its Init zeroes .bss */
    lint_firmware("systick_erased", false, &r);
    expect(&r, "vector-table", SE_LINT_WARN, "[15] = 0x08000201 (outside the image)");
}

/* ---- command line ---------------------------------------------------------------------- */

static void write_fx(const fx *f, const char *path)
{
    elfgen_desc d = {.entry = f->link + 1,
                     .sections = f->sec,
                     .nsections = f->nsec,
                     .segments = f->seg,
                     .nsegments = f->nseg,
                     .symbols = f->sym,
                     .nsymbols = f->nsym};
    elfgen_file ef;
    assert_int_equal(elfgen_build(&d, &ef), 0);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(ef.data, 1, ef.len, fp), ef.len);
    fclose(fp);
    elfgen_free(&ef);
}

static void assert_has(const char *out, const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("output does not contain \"%s\":\n%s", needle, out);
}

static void test_cli_exit_status_and_json(void **state)
{
    (void)state;
    char *out;
    const char *ref = th_firmware("ref_mx25_l562");
    assert_int_equal(th_run_toolf(&out, "lint '%s'", ref), 0);
    assert_has(out, "0 errors, 0 warnings");
    free(out);

    assert_int_equal(th_run_toolf(&out, "lint '%s' --tz on", ref), SE_LINT_EXIT_WARN);
    assert_has(out, "warning link-base");
    free(out);

    assert_int_equal(th_run_toolf(&out, "lint '%s' --tz on --json", ref), SE_LINT_EXIT_WARN);
    assert_true(out[0] == '{');
    assert_has(out, "\"findings\":[");
    assert_has(out,
               "{\"level\":\"warning\",\"code\":\"link-base\",\"message\":\"linked at 0x20000004");
    assert_has(out, "\"warnings\":1");
    assert_has(out, "\"exit\":1");
    assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1); /* one line */
    free(out);

    char path[300];
    snprintf(path, sizeof path, "%s/at_bkpt.stldr", th_tmpdir());
    fx f;
    fx_make(&f, 0x20000000u, TEXT_SIZE);
    write_fx(&f, path);
    assert_int_equal(th_run_toolf(&out, "lint '%s' --json", path), SE_LINT_EXIT_ERROR);
    assert_has(out, "{\"level\":\"error\",\"code\":\"bkpt-word\"");
    assert_has(out, "\"exit\":5");
    free(out);
}

/* A refused or unreadable file: the same one line and exit status as `info`. */
static void test_cli_refused_file_like_info(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/bad_sectors.stldr", th_tmpdir());
    fx f;
    fx_default(&f);
    si_set(&f, 11, 0x90000000u, 0x01000000u, 0x100u, 0xFF, 256, 0x10000u); /* DeviceType */
    write_fx(&f, path);
    char notelf[300];
    snprintf(notelf, sizeof notelf, "%s/not_elf.stldr", th_tmpdir());
    FILE *fp = fopen(notelf, "w");
    assert_non_null(fp);
    fputs("hello\n", fp);
    fclose(fp);
    const char *files[] = {path, notelf, "/nonexistent/x.stldr"};
    const int codes[] = {17, 10, 3};
    for (size_t i = 0; i < 3; i++) {
        char *a, *b;
        int ra = th_run_toolf(&a, "lint '%s'", files[i]);
        int rb = th_run_toolf(&b, "info '%s'", files[i]);
        assert_int_equal(ra, codes[i]);
        assert_int_equal(ra, rb);
        assert_string_equal(a, b);
        assert_true(strncmp(a, "stldr-emu: ", 11) == 0);
        assert_int_equal(strchr(a, '\n') - a, (long)strlen(a) - 1);
        free(a);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_loader_has_only_info),
        cmocka_unit_test(test_count_beyond_max_and_exit_codes),
        cmocka_unit_test(test_sectors_sum_mismatch_is_a_lint_error),
        cmocka_unit_test(test_inconsistent_storageinfo_on_the_command_line),
        cmocka_unit_test(test_page_size_not_power_of_two),
        cmocka_unit_test(test_page_size_larger_than_sector),
        cmocka_unit_test(test_start_address_zero),
        cmocka_unit_test(test_start_address_nor_in_internal_flash),
        cmocka_unit_test(test_start_address_nor_outside_window),
        cmocka_unit_test(test_start_address_sram_device_in_host_window),
        cmocka_unit_test(test_erase_value_not_ff_for_nor),
        cmocka_unit_test(test_storageinfo_symbol_without_size),
        cmocka_unit_test(test_entry_missing_write_is_refused),
        cmocka_unit_test(test_entry_missing_sector_erase),
        cmocka_unit_test(test_entry_missing_optional_is_info),
        cmocka_unit_test(test_entry_not_thumb),
        cmocka_unit_test(test_entry_outside_image),
        cmocka_unit_test(test_linked_at_bkpt_word),
        cmocka_unit_test(test_segment_outside_ram_window),
        cmocka_unit_test(test_segments_overlap),
        cmocka_unit_test(test_download_limit_is_the_ram_window),
        cmocka_unit_test(test_link_base_differs_from_load_base),
        cmocka_unit_test(test_bss_overlaps_stack),
        cmocka_unit_test(test_bss_not_zeroed),
        cmocka_unit_test(test_bss_bounds_in_code_is_info),
        cmocka_unit_test(test_data_lma_differs_from_vma),
        cmocka_unit_test(test_section_accessor),
        cmocka_unit_test(test_vector_table_plausible),
        cmocka_unit_test(test_vector_table_bad_handlers),
        cmocka_unit_test(test_vector_table_misaligned),
        cmocka_unit_test(test_vector_table_section_outside_image),
        cmocka_unit_test(test_vtor_write_literal),
        cmocka_unit_test(test_vtor_write_through_scb_base),
        cmocka_unit_test(test_firmware_lints_clean_on_its_target),
        cmocka_unit_test(test_cubeide_template_layout_is_not_a_false_alarm),
        cmocka_unit_test(test_firmware_ref_loader_on_tz_reports_link_base),
        cmocka_unit_test(test_firmware_systick_loaders_vector_table),
        cmocka_unit_test(test_cli_exit_status_and_json),
        cmocka_unit_test(test_cli_refused_file_like_info),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
