/* CMSIS-Pack flash algorithms (.FLM): reading them (loader/flm.c; crafted files built with
 * tests/util/elfgen, then damaged) and calling them (loader/flmhost.c; our own algorithms of
 * tests/firmware/flm_mx25.c for the STM32L562E-DK's MX25LM51245G). docs/flm.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <elf.h>

#include "loader/flm.h"
#include "loader/host.h"
#include "loader/lint.h"
#include "loader/stldr.h"
#include "util/elfgen.h"
#include "util/harness.h"

#define MX 0x90000000u

/* ---- crafted files --------------------------------------------------------------------- */

enum { S_CODE, S_RW, S_ZI, S_DEV, S__N };

typedef struct fx {
    uint8_t code[0x40];
    uint8_t rw[8];
    uint8_t dev[160 + 8 * 3];
    elfgen_section sec[S__N + 1];
    size_t nsec;
    elfgen_segment seg[3];
    elfgen_symbol sym[12];
    size_t nsym;
    uint32_t dev_size; /* bytes of DevDscr */
} fx;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static elfgen_symbol fsym(const char *name, uint32_t value, uint8_t type, uint8_t bind, int sec)
{
    elfgen_symbol s = {.name = name, .value = value, .type = type, .bind = bind, .section = sec};
    return s;
}

/* A Keil-style algorithm: PrgCode at 0 (PI), PrgData RW + ZI (SB), DevDscr with a 64 KiB x 4
 * then 128 KiB x 2 sector list, for a 512 KiB device at 0x08000000. */
static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < sizeof f->code; i += 2) { /* bx lr */
        f->code[i] = 0x70;
        f->code[i + 1] = 0x47;
    }
    /* ldr.w r0, [r9, #4]: code that addresses its data through R9 */
    f->code[0x20] = 0xD9;
    f->code[0x21] = 0xF8;
    f->code[0x22] = 0x04;
    f->code[0x23] = 0x00;
    uint8_t *d = f->dev;
    d[0] = 0x01; /* Vers 0x0101 */
    d[1] = 0x01;
    strcpy((char *)d + 2, "Crafted 512kB Flash");
    d[130] = 1; /* ONCHIP */
    put32(d + 132, 0x08000000u);
    put32(d + 136, 0x80000u);
    put32(d + 140, 0x400u);
    d[148] = 0xFF;
    put32(d + 152, 100);
    put32(d + 156, 3000);
    put32(d + 160, 0x10000u);
    put32(d + 164, 0x0u);
    put32(d + 168, 0x20000u);
    put32(d + 172, 0x40000u);
    put32(d + 176, 0xFFFFFFFFu);
    put32(d + 180, 0xFFFFFFFFu);
    f->dev_size = sizeof f->dev;
    f->sec[S_CODE] = (elfgen_section){
        "PrgCode", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0, f->code, sizeof f->code, 4};
    f->sec[S_RW] =
        (elfgen_section){"PrgData", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0x40, f->rw, 8, 4};
    f->sec[S_ZI] =
        (elfgen_section){"PrgData", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0x48, NULL, 0x18, 4};
    f->sec[S_DEV] = (elfgen_section){"DevDscr", SHT_PROGBITS, SHF_ALLOC, 0x60, f->dev, 0, 4};
    f->nsec = S__N;
    f->seg[0] = (elfgen_segment){.type = PT_LOAD,
                                 .flags = PF_R | PF_X | SE_PF_ARM_PI,
                                 .vaddr = 0,
                                 .first_section = S_CODE,
                                 .nsections = 1};
    f->seg[1] = (elfgen_segment){.type = PT_LOAD,
                                 .flags = PF_R | PF_W | SE_PF_ARM_SB,
                                 .vaddr = 0x40,
                                 .first_section = S_RW,
                                 .nsections = 2};
    f->seg[2] = (elfgen_segment){
        .type = PT_LOAD, .flags = PF_R, .vaddr = 0x60, .first_section = S_DEV, .nsections = 1};
    f->sym[f->nsym++] = fsym("Init", 0x1, STT_FUNC, STB_GLOBAL, S_CODE);
    f->sym[f->nsym++] = fsym("UnInit", 0x5, STT_FUNC, STB_GLOBAL, S_CODE);
    f->sym[f->nsym++] = fsym("EraseSector", 0x9, STT_FUNC, STB_GLOBAL, S_CODE);
    f->sym[f->nsym++] = fsym("ProgramPage", 0xd, STT_FUNC, STB_GLOBAL, S_CODE);
    f->sym[f->nsym++] = fsym("Verify", 0x11, STT_FUNC, STB_GLOBAL, S_CODE);
    f->sym[f->nsym++] = fsym("FlashDevice", 0x60, STT_OBJECT, STB_GLOBAL, S_DEV);
}

static void fx_build(fx *f, elfgen_file *out)
{
    f->sec[S_DEV].size = f->dev_size;
    elfgen_desc desc = {.sections = f->sec,
                        .nsections = f->nsec,
                        .segments = f->seg,
                        .nsegments = 3,
                        .symbols = f->sym,
                        .nsymbols = f->nsym};
    assert_int_equal(elfgen_build(&desc, out), 0);
}

static se_err fx_open(fx *f, se_stldr **l, se_error *err)
{
    elfgen_file ef;
    fx_build(f, &ef);
    se_err e = se_stldr_open_mem(ef.data, ef.len, "crafted.FLM", l, err);
    elfgen_free(&ef);
    return e;
}

static void expect_refusal(fx *f, se_err code, const char *words)
{
    se_stldr *l = NULL;
    se_error err;
    se_err e = fx_open(f, &l, &err);
    if (e != code)
        fail_msg("expected error %d, got %d: %s", code, e, err.msg);
    assert_null(l);
    if (!strstr(err.msg, words))
        fail_msg("message lacks \"%s\": %s", words, err.msg);
    assert_null(strchr(err.msg, '\n'));
}

static void test_flashdevice_and_sections_are_decoded(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    assert_int_equal(se_stldr_kind(l), SE_LOADER_FLM);
    const se_flm_info *fi = se_stldr_flm(l);
    assert_non_null(fi);
    assert_int_equal(fi->dev.vers, 0x0101);
    assert_string_equal(fi->dev.name, "Crafted 512kB Flash");
    assert_int_equal(fi->dev.type, SE_FLM_ONCHIP);
    assert_int_equal(fi->dev.adr, 0x08000000u);
    assert_int_equal(fi->dev.size, 0x80000u);
    assert_int_equal(fi->dev.page, 0x400u);
    assert_int_equal(fi->dev.empty, 0xFF);
    assert_int_equal(fi->dev.to_prog, 100);
    assert_int_equal(fi->dev.to_erase, 3000);
    assert_int_equal(fi->dev.nsectors, 2);
    assert_int_equal(fi->dev.sectors[1].size, 0x20000u);
    assert_int_equal(fi->dev.sectors[1].addr, 0x40000u);
    assert_false(fi->dev.by_section);
    /* PrgData is both parts: RW 8 bytes and ZI 0x18 */
    assert_true(fi->has_code && fi->has_data);
    assert_int_equal(fi->code_size, 0x40);
    assert_int_equal(fi->data_addr, 0x40);
    assert_int_equal(fi->data_size, 0x20);
    assert_int_equal(fi->data_filesz, 8);
    assert_int_equal(se_flm_static_base(fi), 0x40);
    assert_true(fi->pi);
    assert_true(fi->sb);
    assert_false(fi->absolute);
    assert_false(fi->devdscr_exec);
    assert_int_equal(fi->r9_uses, 1);
    assert_int_equal(fi->r9_writes, 0);
    /* the storage description the host uses */
    const se_storage_info *si = se_stldr_storage(l);
    assert_int_equal(si->start, 0x08000000u);
    assert_int_equal(si->ngroups, 2);
    assert_int_equal(si->sectors[0].num, 4);
    assert_int_equal(si->sectors[0].size, 0x10000u);
    assert_int_equal(si->sectors[1].num, 2);
    assert_int_equal(si->type, SE_DEV_MCU_FLASH);
    /* FLM names of the entry slots; optional ones absent */
    uint32_t a;
    assert_true(se_stldr_entry(l, SE_EP_WRITE, &a));
    assert_int_equal(a, 0xd);
    assert_string_equal(se_stldr_entry_name(l, SE_EP_WRITE), "ProgramPage");
    assert_string_equal(se_stldr_entry_name(l, SE_EP_DEINIT), "UnInit");
    assert_string_equal(se_stldr_entry_name(l, SE_EP_CHECKSUM), "BlankCheck");
    assert_false(se_stldr_entry(l, SE_EP_MASS_ERASE, NULL));
    assert_false(se_stldr_entry(l, SE_EP_CHECKSUM, NULL));
    se_stldr_free(l);
}

static void test_zero_initialised_data_is_downloaded_as_zeros(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    memset(f.rw, 0x11, sizeof f.rw);
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    se_ram_window win = {0x20000000u, 0x20000004u, 0x20040000u, 0, 0};
    se_image img;
    assert_int_equal(se_stldr_plan(l, &win, SE_PLACE_PROFILE, false, &img, &err), SE_OK);
    assert_int_equal(img.base, 0x20000004u);
    assert_int_equal(img.size, 0x60); /* code, RW and ZI; not DevDscr */
    assert_int_equal(img.bytes[0x40], 0x11);
    for (unsigned i = 0x48; i < 0x60; i++)
        assert_int_equal(img.bytes[i], 0);
    for (unsigned i = 0; i < img.nwarnings; i++) /* relocating a PI algorithm is expected */
        assert_null(strstr(img.warnings[i], "linked at"));
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_hidden_local_symbols_are_found(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    for (size_t i = 0; i < f.nsym; i++)
        f.sym[i].bind = STB_LOCAL; /* a stripped-down file keeps them local */
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    assert_true(se_stldr_entry(l, SE_EP_INIT, NULL));
    assert_false(se_stldr_flm(l)->dev.by_section);
    se_stldr_free(l);
}

static void test_flashdevice_without_symbol_is_read_from_devdscr(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    f.nsym--; /* no FlashDevice symbol */
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    assert_true(se_stldr_flm(l)->dev.by_section);
    assert_int_equal(se_stldr_flm(l)->dev.size, 0x80000u);
    se_stldr_free(l);
}

static void test_devdscr_flagged_executable_is_accepted(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    f.sec[S_DEV].flags |= SHF_EXECINSTR; /* armclang */
    f.seg[2].flags |= PF_X;
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    assert_true(se_stldr_flm(l)->devdscr_exec);
    assert_true(se_stldr_segment(l, 2)->metadata); /* still never downloaded */
    se_stldr_free(l);
}

static void test_missing_mandatory_function_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    f.sym[1].name = "UnInitX";
    expect_refusal(&f, SE_ERR_NO_ENTRY, "no UnInit function");
}

static void test_short_devdscr_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    f.dev_size = 100;
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "FlashDevice needs 160 bytes");
}

static void test_sector_list_without_end_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    f.dev_size = 176; /* the 0xFFFFFFFF pair cut off */
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "not ended by 0xFFFFFFFF");
}

static void test_bad_fields_are_refused(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    put32(f.dev + 140, 0);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "szPage is 0");
    fx_init(&f);
    put32(f.dev + 136, 0);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "szDev is 0");
    fx_init(&f);
    memset(f.dev + 2, 'A', 128);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "not NUL-terminated");
    fx_init(&f);
    put32(f.dev + 172, 0x30000u); /* 64 KiB sectors end at 0x30000, not on a 128 KiB tile */
    put32(f.dev + 136, 0x70000u);
    put32(f.dev + 168, 0x30000u);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "does not tile");
    fx_init(&f);
    put32(f.dev + 164, 0x1000u);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "first sector is at offset 0x1000");
    fx_init(&f);
    put32(f.dev + 132, 0xFFFF0000u);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "past the 32-bit address space");
}

/* Every prefix of a good file, and every byte of DevDscr set to 0xFF in turn: a clean
 * refusal or a good open, never a crash (ASan/UBSan build). */
static void test_truncated_and_damaged_files_never_crash(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    for (size_t n = 0; n < ef.len; n += 3) {
        se_stldr *l = NULL;
        se_error err;
        se_err e = se_stldr_open_mem(ef.data, n, "cut.FLM", &l, &err);
        if (e == SE_OK)
            se_stldr_free(l);
        else
            assert_null(strchr(err.msg, '\n'));
    }
    for (size_t i = 0; i < f.dev_size; i++) {
        uint8_t *copy = elfgen_dup(&ef);
        copy[ef.sec_off[S_DEV] + i] = 0xFF;
        se_stldr *l = NULL;
        se_error err;
        if (se_stldr_open_mem(copy, ef.len, "hostile.FLM", &l, &err) == SE_OK)
            se_stldr_free(l);
        free(copy);
    }
    elfgen_free(&ef);
}

static void test_neither_stldr_nor_flm_says_so(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    f.nsym--;
    f.sec[S_DEV].name = "OtherSec";
    expect_refusal(&f, SE_ERR_NO_STORAGEINFO, "neither");
}

static size_t lint_count(const se_stldr *l, const char *code, se_lint_level level)
{
    se_lint_finding f[64];
    size_t n = se_lint(l, se_profile_find("stm32l562e-dk", false), f, 64), hits = 0;
    for (size_t i = 0; i < n && i < 64; i++)
        hits += !strcmp(f[i].code, code) && f[i].level == level;
    return hits;
}

static void test_lint_checks_functions_and_page_buffer(void **state)
{
    (void)state;
    fx f;
    fx_init(&f);
    se_stldr *l;
    se_error err;
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    assert_int_equal(lint_count(l, "flm-function-outside", SE_LINT_ERROR), 0);
    assert_int_equal(lint_count(l, "flm-page-buffer", SE_LINT_ERROR), 0);
    assert_int_equal(lint_count(l, "flm-stack-room", SE_LINT_INFO), 1);
    se_stldr_free(l);
    f.sym[4].value = 0x61;        /* Verify in DevDscr */
    put32(f.dev + 140, 0x40000u); /* a 256 KiB page cannot be buffered in SRAM */
    put32(f.dev + 160, 0x40000u);
    put32(f.dev + 168, 0x40000u);
    assert_int_equal(fx_open(&f, &l, &err), SE_OK);
    assert_int_equal(lint_count(l, "flm-function-outside", SE_LINT_WARN), 1);
    assert_int_equal(lint_count(l, "flm-page-buffer", SE_LINT_ERROR), 1);
    se_stldr_free(l);
}

static void test_lint_flags_r9_writes_of_a_pic_algorithm(void **state)
{
    (void)state;
    se_stldr *l;
    se_error err;
    assert_int_equal(se_stldr_open_file(th_firmware("flm_bug_r9.FLM"), &l, &err), SE_OK);
    assert_int_equal(lint_count(l, "flm-r9", SE_LINT_WARN), 1);
    se_stldr_free(l);
    assert_int_equal(se_stldr_open_file(th_firmware("flm_mx25_pic.FLM"), &l, &err), SE_OK);
    assert_int_equal(lint_count(l, "flm-r9", SE_LINT_WARN), 0);
    se_stldr_free(l);
}

/* ---- our algorithms --------------------------------------------------------------------- */

static void test_stldr_named_flm_is_read_as_stldr(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/renamed_sram_loader.FLM", th_tmpdir());
    FILE *in = fopen(th_firmware("sram_loader"), "rb"), *out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    int ch;
    while ((ch = fgetc(in)) != EOF)
        fputc(ch, out);
    fclose(in);
    fclose(out);
    se_stldr *l;
    se_error err;
    assert_int_equal(se_stldr_open_file(path, &l, &err), SE_OK);
    assert_int_equal(se_stldr_kind(l), SE_LOADER_STLDR);
    assert_null(se_stldr_flm(l));
    se_stldr_free(l);
    char *o = NULL;
    assert_int_equal(th_run_toolf(&o, "run --quiet '%s'", path), 0);
    assert_non_null(strstr(o, "OK:"));
    free(o);
}

static void test_our_pic_algorithm_uses_r9_and_is_relocated(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "flm_mx25_pic.FLM", false, NULL, NULL);
    const se_flm_info *fi = se_stldr_flm(s.l);
    assert_non_null(fi);
    assert_false(fi->absolute);
    assert_true(fi->r9_uses > 0);
    assert_int_equal(se_host_image(s.h)->base, 0x20000004u);
    assert_int_equal(se_host_image(s.h)->link_base, 0);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_int_equal(r->args[0], MX);
    assert_int_equal(r->args[2], 1);
    /* Init returns 2 when R9 does not point at PrgData's initialised data */
    assert_int_equal(r->res.r0, 0);
    assert_int_equal(r->res.pc, 0x20000000u);
    th_close(&s);
}

static void test_absolute_algorithm_runs_where_linked(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "flm_mx25_abs.FLM", false, NULL, NULL);
    const se_flm_info *fi = se_stldr_flm(s.l);
    assert_true(fi->absolute);
    assert_non_null(strstr(fi->extra_sections, ".algo_info"));
    assert_int_equal(se_flm_static_base(fi), fi->data_addr); /* R9 is set all the same */
    assert_int_equal(se_host_image(s.h)->base, 0x20000004u);
    assert_int_equal(se_host_image(s.h)->delta, 0);
    th_close(&s);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (uint8_t)(seed >> 24);
    }
}

/* Init/UnInit around each phase with fnc 1/2/3; EraseSector per sector; ProgramPage per
 * szPage; Verify returns adr+sz; ReadFlash for the read-back. */
static void session(const char *name, se_flm_host host)
{
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.flm_host = host;
    th_session s;
    th_open(&s, name, false, NULL, &ho);
    uint8_t data[0x280], back[0x280];
    fill(data, sizeof data, 7);
    assert_int_equal(se_host_erase(s.h, MX + 0x10000u, 0x10001u, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, MX + 0x10080u, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_verify(s.h, MX + 0x10080u, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_read(s.h, MX + 0x10080u, back, sizeof back, &s.err), SE_OK);
    assert_memory_equal(back, data, sizeof data);
    const char *want[] = {"Init",        "EraseSector", "EraseSector", "UnInit", "Init",
                          "ProgramPage", "ProgramPage", "ProgramPage", "UnInit"};
    if (host == SE_FLM_HOST_KEIL) /* sectors already blank are not erased */
        want[1] = want[2] = "BlankCheck";
    for (unsigned i = 0; i < 9; i++)
        assert_string_equal(s.calls[i].function, want[i]);
    assert_int_equal(s.calls[0].args[2], 1);
    assert_int_equal(s.calls[3].args[0], 1);
    assert_int_equal(s.calls[4].args[2], 2);
    if (host != SE_FLM_HOST_KEIL) {
        assert_int_equal(s.calls[1].args[0], MX + 0x10000u);
        assert_int_equal(s.calls[2].args[0], MX + 0x20000u);
    }
    /* pages: 0x80 up to the page end, then two whole pages */
    assert_int_equal(s.calls[5].args[0], MX + 0x10080u);
    assert_int_equal(s.calls[5].args[1], 0x80);
    assert_int_equal(s.calls[6].args[0], MX + 0x10100u);
    assert_int_equal(s.calls[6].args[1], 0x100);
    assert_int_equal(s.calls[7].args[1], 0x100);
    assert_int_equal(s.calls[8].args[0], 2); /* UnInit(2) */
    const se_call_record *v = th_last_call(&s, "Verify");
    assert_non_null(v);
    assert_int_equal(v->res.r0, MX + 0x10080u + sizeof data);
    assert_true(v->ok);
    if (!strcmp(name, "flm_mx25_pic.FLM"))
        assert_non_null(th_last_call(&s, "ReadFlash"));
    else
        assert_null(th_last_call(&s, "ReadFlash"));     /* memory-mapped read-back */
    assert_int_equal(s.calls[s.ncalls - 1].args[0], 3); /* UnInit(3) */
    th_close(&s);
}

static void test_pic_session_pyocd(void **state)
{
    (void)state;
    session("flm_mx25_pic.FLM", SE_FLM_HOST_PYOCD);
}

static void test_absolute_session_probe_rs(void **state)
{
    (void)state;
    session("flm_mx25_abs.FLM", SE_FLM_HOST_PROBE_RS);
}

static void test_keil_blank_checks_before_erasing(void **state)
{
    (void)state;
    session("flm_mx25_pic.FLM", SE_FLM_HOST_KEIL);
}

static void test_erase_chip_and_blank_check(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "flm_mx25_pic.FLM", false, NULL, NULL);
    uint8_t data[0x100];
    fill(data, sizeof data, 3);
    assert_int_equal(se_host_write(s.h, MX, data, sizeof data, &s.err), SE_OK);
    se_call_record rec;
    uint32_t args[4] = {MX, 0x100, 0xFF, 0};
    assert_int_equal(se_host_raw(s.h, "blank", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                     SE_OK);
    assert_int_equal(rec.res.r0, 1); /* not blank */
    assert_int_equal(se_host_mass_erase(s.h, &s.err), SE_OK);
    assert_non_null(th_last_call(&s, "EraseChip"));
    assert_int_equal(se_host_raw(s.h, "blank", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s.err),
                     SE_OK);
    assert_int_equal(rec.res.r0, 0); /* blank */
    th_close(&s);
}

/* Each planted mistake ends the session with its own diagnosis. */
static void expect_failure(const char *name, se_err code, const char *words)
{
    th_session s;
    th_open(&s, name, false, NULL, NULL);
    uint8_t data[0x300];
    fill(data, sizeof data, 5);
    se_err e = se_host_erase(s.h, MX, sizeof data, &s.err);
    if (!e)
        e = se_host_write(s.h, MX, data, sizeof data, &s.err);
    if (!e)
        e = se_host_verify(s.h, MX, data, sizeof data, &s.err);
    if (e != code)
        fail_msg("%s: expected %d, got %d: %s", name, code, e, s.err.msg);
    if (!strstr(s.err.msg, words))
        fail_msg("%s: message lacks \"%s\": %s", name, words, s.err.msg);
    th_close(&s);
}

static void test_nonzero_return_fails(void **state)
{
    (void)state;
    expect_failure("flm_bug_return.FLM", SE_ERR_CALL_FAILED, "ProgramPage returned 1");
}

static void test_verify_mismatch_fails(void **state)
{
    (void)state;
    expect_failure("flm_bug_verify.FLM", SE_ERR_VERIFY, "a mismatch at 0x90000005");
}

static void test_fault_is_diagnosed(void **state)
{
    (void)state;
    expect_failure("flm_bug_fault.FLM", SE_ERR_LOCKUP, "BusFault");
}

static void test_hang_ends_at_the_flashdevice_timeout(void **state)
{
    (void)state;
    expect_failure("flm_bug_hang.FLM", SE_ERR_HANG, "timeout for it: 100 ms");
}

static void test_r9_not_restored_is_diagnosed(void **state)
{
    (void)state;
    expect_failure("flm_bug_r9.FLM", SE_ERR_CALL_FAILED, "UnInit returned with R9 0x00000000");
}

static void test_sp_not_restored_is_diagnosed(void **state)
{
    (void)state;
    expect_failure("flm_bug_sp.FLM", SE_ERR_CALL_FAILED, "unbalanced by -16 bytes");
}

static void test_probe_rs_canary_catches_a_stack_overflow(void **state)
{
    (void)state;
    /* SP 8 bytes above the stack area's bottom: Init's frame runs below it */
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.flm_host = SE_FLM_HOST_PROBE_RS;
    th_session s;
    th_open(&s, "flm_mx25_pic.FLM", false, NULL, &ho);
    uint32_t low = (se_host_image(s.h)->mem_end + 7u) & ~7u;
    th_close(&s);
    ho.sp = low + 8;
    ho.sp_set = true;
    th_open(&s, "flm_mx25_pic.FLM", false, NULL, &ho);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_CALL_FAILED);
    assert_non_null(strstr(s.err.msg, "stack canary"));
    th_close(&s);
}

static void test_commands_on_an_flm(void **state)
{
    (void)state;
    char *o = NULL;
    assert_int_equal(th_run_toolf(&o, "info '%s'", th_firmware("flm_mx25_abs.FLM")), 0);
    assert_non_null(strstr(o, "function    ProgramPage  0x"));
    assert_non_null(strstr(o, "toErase 6000 ms"));
    assert_non_null(strstr(o, "linked at an absolute address"));
    free(o);
    o = NULL;
    assert_int_equal(th_run_toolf(&o, "lint '%s'", th_firmware("flm_mx25_pic.FLM")), 0);
    free(o);
    o = NULL;
    assert_int_equal(th_run_toolf(&o,
                                  "trace --trace-call EraseSector --erase 0x90000000:0x90000001 "
                                  "'%s'",
                                  th_firmware("flm_mx25_pic.FLM")),
                     0);
    assert_non_null(strstr(o, "EraseSector"));
    free(o);
    o = NULL;
    assert_int_equal(th_run_toolf(&o, "fuzz --runs 200 --flm-host probe-rs '%s'",
                                  th_firmware("flm_mx25_pic.FLM")),
                     0);
    assert_non_null(strstr(o, "0 findings"));
    free(o);
    o = NULL;
    /* the FLM oracle: Verify returns adr+sz on equal data */
    assert_int_not_equal(
        th_run_toolf(&o, "fuzz --runs 200 '%s'", th_firmware("flm_bug_verify.FLM")), 0);
    assert_non_null(strstr(o, "verify-false-mismatch"));
    free(o);
    o = NULL;
    assert_int_equal(th_run_toolf(&o, "run --quiet '%s'", th_firmware("flm_mx25_pic.FLM")), 0);
    assert_non_null(strstr(o, "OK:"));
    free(o);
    o = NULL;
    assert_int_equal(th_run_toolf(&o, "run --flm-host nope '%s'", th_firmware("flm_mx25_pic.FLM")),
                     se_err_exit_code(SE_ERR_USAGE));
    assert_non_null(strstr(o, "--flm-host takes pyocd, probe-rs or keil"));
    free(o);
}

/* --target auto on an FLM (issue 19 item 3): a position-independent algorithm's link address
 * (0) says nothing, FlashDevice's DevAdr, its DevName (family prefix, board token, flash part)
 * and the code's peripheral bases choose; a DevName naming an L552 board with the
 * MX25LM51245G goes to the board that has that chip, not to the L552 board with a W25Q256. */
static void test_target_auto_on_an_flm(void **state)
{
    (void)state;
    char *o = NULL;
    assert_int_equal(th_run_toolf(&o, "info --target auto '%s'", th_firmware("flm_mx25_pic.FLM")),
                     0);
    assert_non_null(strstr(o, "--target auto chose stm32l562e-dk: built for v8-M.main, "
                              "position-independent, linked at 0x00000000"));
    assert_non_null(strstr(o, "DevAdr 0x90000000 in its external window, \"STM32L5\" in "
                              "DevName, its MX25LM51245G in DevName, \"L562\" in the device "
                              "name with \"DK\""));
    assert_non_null(strstr(o, "stm32h7b3i-eval (0: built for v8-M.main, the STM32H7 is v7E-M)"));
    free(o);
    o = NULL;
    assert_int_equal(th_run_toolf(&o, "info --target auto '%s'", th_firmware("flm_l552_name.FLM")),
                     0);
    assert_non_null(strstr(o, "--target auto chose stm32l562e-dk"));
    assert_non_null(strstr(o, "\"L552\" in the device name"));
    assert_non_null(strstr(o, "DevName names the MX25LM51245G, not its W25Q256JV"));
    free(o);
    o = NULL;
    /* and it runs there */
    assert_int_equal(
        th_run_toolf(&o, "run --quiet --target auto '%s'", th_firmware("flm_l552_name.FLM")), 0);
    assert_non_null(strstr(o, "OK:"));
    free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flashdevice_and_sections_are_decoded),
        cmocka_unit_test(test_zero_initialised_data_is_downloaded_as_zeros),
        cmocka_unit_test(test_hidden_local_symbols_are_found),
        cmocka_unit_test(test_flashdevice_without_symbol_is_read_from_devdscr),
        cmocka_unit_test(test_devdscr_flagged_executable_is_accepted),
        cmocka_unit_test(test_missing_mandatory_function_is_refused),
        cmocka_unit_test(test_short_devdscr_is_refused),
        cmocka_unit_test(test_sector_list_without_end_is_refused),
        cmocka_unit_test(test_bad_fields_are_refused),
        cmocka_unit_test(test_truncated_and_damaged_files_never_crash),
        cmocka_unit_test(test_neither_stldr_nor_flm_says_so),
        cmocka_unit_test(test_lint_checks_functions_and_page_buffer),
        cmocka_unit_test(test_lint_flags_r9_writes_of_a_pic_algorithm),
        cmocka_unit_test(test_stldr_named_flm_is_read_as_stldr),
        cmocka_unit_test(test_target_auto_on_an_flm),
        cmocka_unit_test(test_our_pic_algorithm_uses_r9_and_is_relocated),
        cmocka_unit_test(test_absolute_algorithm_runs_where_linked),
        cmocka_unit_test(test_pic_session_pyocd),
        cmocka_unit_test(test_absolute_session_probe_rs),
        cmocka_unit_test(test_keil_blank_checks_before_erasing),
        cmocka_unit_test(test_erase_chip_and_blank_check),
        cmocka_unit_test(test_nonzero_return_fails),
        cmocka_unit_test(test_verify_mismatch_fails),
        cmocka_unit_test(test_fault_is_diagnosed),
        cmocka_unit_test(test_hang_ends_at_the_flashdevice_timeout),
        cmocka_unit_test(test_r9_not_restored_is_diagnosed),
        cmocka_unit_test(test_sp_not_restored_is_diagnosed),
        cmocka_unit_test(test_probe_rs_canary_catches_a_stack_overflow),
        cmocka_unit_test(test_commands_on_an_flm),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
