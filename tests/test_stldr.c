/* Tests of loader/stldr.c: reading and validating .stldr files, and the download plan.
 * The loaders are built in memory with tests/util/elfgen and then corrupted on purpose. */
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

#include "loader/stldr.h"
#include "util/elfgen.h"

/* ---- the reference loader ------------------------------------------------------------ */

#define LINK 0x20000004u
#define TEXT_SIZE 0x200u
#define DATA_ADDR (LINK + TEXT_SIZE) /* 0x20000204 */
#define DATA_SIZE 0x10u
#define BSS_ADDR (DATA_ADDR + DATA_SIZE) /* 0x20000214 */
#define BSS_SIZE 0x40u
#define GCC_SI_ADDR 0x20000104u      /* inside .text's address range */
#define IMAGE_SIZE (BSS_ADDR - LINK) /* 0x210 */

enum { S_TEXT, S_DATA, S_BSS, S_DEV };
enum { P_CODE, P_DATA, P_DEV };
enum {
    Y_INIT,
    Y_WRITE,
    Y_SECTOR_ERASE,
    Y_MASS_ERASE,
    Y_READ,
    Y_VERIFY,
    Y_CHECKSUM,
    Y_DEINIT,
    Y_HELPER,
    Y_STORAGE,
    Y_BUFFER,
    Y_COUNTER,
    Y_FILE,
};

#define SI_NAME "TEST_NOR_L562"
#define SI_START 0x90000000u
#define SI_SIZE 0x01000000u
#define SI_PAGE 0x100u

typedef struct fx {
    elfgen_section sec[10];
    size_t nsec;
    elfgen_segment seg[8];
    size_t nseg;
    elfgen_symbol sym[24];
    size_t nsym;
    uint32_t entry;
    uint8_t text[TEXT_SIZE];
    uint8_t data[DATA_SIZE];
    uint8_t si[256];
} fx;

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Write a 200-byte StorageInfo at p. */
static void si_make(uint8_t *p, const char *name, uint16_t type, uint32_t start, uint32_t size,
                    uint32_t page, uint8_t erase, const se_sector_group *g, unsigned ng)
{
    memset(p, 0, SE_STORAGEINFO_SIZE);
    memcpy(p, name, strlen(name));
    p[100] = (uint8_t)type;
    p[101] = (uint8_t)(type >> 8);
    p[102] = 0xAA; /* padding: must be ignored */
    p[103] = 0xAA;
    put32(p + 104, start);
    put32(p + 108, size);
    put32(p + 112, page);
    p[116] = erase;
    p[117] = p[118] = p[119] = 0x55; /* padding */
    for (unsigned i = 0; i < ng; i++) {
        put32(p + 120 + 8 * i, g[i].num);
        put32(p + 124 + 8 * i, g[i].size);
    }
}

static const se_sector_group default_groups[2] = {{16, 0x1000}, {0xFF, 0x10000}};

static void si_default(uint8_t *p)
{
    si_make(p, SI_NAME, SE_DEV_NOR_FLASH, SI_START, SI_SIZE, SI_PAGE, 0xFF, default_groups, 2);
}

static elfgen_symbol sym(const char *name, uint32_t value, uint32_t size, uint8_t type,
                         uint8_t bind, int section)
{
    elfgen_symbol s = {
        .name = name, .value = value, .size = size, .type = type, .bind = bind, .section = section};
    return s;
}

/* GCC / ST template layout: code+rodata, data+bss, and .Dev_info in a PT_LOAD of its own
 * whose address lies inside the code segment's range. */
static void fx_gcc(fx *f)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < TEXT_SIZE; i++)
        f->text[i] = (uint8_t)(0x40 + i);
    for (size_t i = 0; i < DATA_SIZE; i++)
        f->data[i] = (uint8_t)(0xD0 + i);
    si_default(f->si);

    f->sec[S_TEXT] = (elfgen_section){
        ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, LINK, f->text, TEXT_SIZE, 4};
    f->sec[S_DATA] = (elfgen_section){
        ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, DATA_ADDR, f->data, DATA_SIZE, 4};
    f->sec[S_BSS] =
        (elfgen_section){".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, BSS_ADDR, NULL, BSS_SIZE, 4};
    f->sec[S_DEV] = (elfgen_section){".Dev_info", SHT_PROGBITS,        SHF_ALLOC, GCC_SI_ADDR,
                                     f->si,       SE_STORAGEINFO_SIZE, 4};
    f->nsec = 4;

    f->seg[P_CODE] = (elfgen_segment){.type = PT_LOAD,
                                      .flags = PF_R | PF_X,
                                      .vaddr = LINK,
                                      .first_section = S_TEXT,
                                      .nsections = 1};
    f->seg[P_DATA] = (elfgen_segment){.type = PT_LOAD,
                                      .flags = PF_R | PF_W,
                                      .vaddr = DATA_ADDR,
                                      .first_section = S_DATA,
                                      .nsections = 2};
    f->seg[P_DEV] = (elfgen_segment){.type = PT_LOAD,
                                     .flags = PF_R,
                                     .vaddr = GCC_SI_ADDR,
                                     .first_section = S_DEV,
                                     .nsections = 1};
    f->nseg = 3;

    f->sym[Y_INIT] = sym("Init", LINK + 0x01, 0x20, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_WRITE] = sym("Write", LINK + 0x21, 0x30, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_SECTOR_ERASE] = sym("SectorErase", LINK + 0x51, 0x20, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_MASS_ERASE] = sym("MassErase", LINK + 0x71, 0x10, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_READ] = sym("Read", LINK + 0x81, 0x10, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_VERIFY] = sym("Verify", LINK + 0x91, 0x20, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_CHECKSUM] = sym("CheckSum", LINK + 0xB1, 0x20, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_DEINIT] = sym("DeInit", LINK + 0xD1, 0x08, STT_FUNC, STB_GLOBAL, S_TEXT);
    f->sym[Y_HELPER] = sym("helper", LINK + 0xE1, 0, STT_FUNC, STB_LOCAL, S_TEXT);
    f->sym[Y_STORAGE] =
        sym("StorageInfo", GCC_SI_ADDR, SE_STORAGEINFO_SIZE, STT_OBJECT, STB_GLOBAL, S_DEV);
    f->sym[Y_BUFFER] = sym("buffer", BSS_ADDR, BSS_SIZE, STT_OBJECT, STB_LOCAL, S_BSS);
    f->sym[Y_COUNTER] = sym("counter", DATA_ADDR + 1, 4, STT_OBJECT, STB_GLOBAL, S_DATA);
    f->sym[Y_FILE] = sym("loader.c", 0, 0, STT_FILE, STB_LOCAL, ELFGEN_SEC_ABS);
    f->nsym = 13;
    f->entry = LINK + 1;
}

/* IAR layout: StorageInfo in section "P3" at VMA 0, in a PT_LOAD of its own. */
static void fx_iar(fx *f)
{
    fx_gcc(f);
    f->sec[S_DEV].name = "P3";
    f->sec[S_DEV].addr = 0;
    f->seg[P_DEV].vaddr = 0;
    f->sym[Y_STORAGE].value = 0;
}

/* Keil layout: StorageInfo's section at the same address as .bss. */
static void fx_keil(fx *f)
{
    fx_gcc(f);
    f->sec[S_DEV].name = "DevInfo";
    f->sec[S_DEV].addr = BSS_ADDR;
    f->seg[P_DEV].vaddr = BSS_ADDR;
    f->sym[Y_STORAGE].value = BSS_ADDR;
}

static size_t fx_add_sym(fx *f, elfgen_symbol s)
{
    assert_true(f->nsym < sizeof f->sym / sizeof f->sym[0]);
    f->sym[f->nsym] = s;
    return f->nsym++;
}

static void fx_build(const fx *f, elfgen_file *out)
{
    elfgen_desc d = {.entry = f->entry,
                     .sections = f->sec,
                     .nsections = f->nsec,
                     .segments = f->seg,
                     .nsegments = f->nseg,
                     .symbols = f->sym,
                     .nsymbols = f->nsym};
    assert_int_equal(elfgen_build(&d, out), 0);
}

static se_err open_buf(const uint8_t *buf, size_t len, se_stldr **l, se_error *err)
{
    se_error_clear(err);
    *l = NULL;
    se_err rc = se_stldr_open_mem(buf, len, "test.stldr", l, err);
    if (rc == SE_OK)
        assert_non_null(*l);
    else
        assert_null(*l);
    return rc;
}

static se_err fx_open(const fx *f, se_stldr **l, se_error *err)
{
    elfgen_file ef;
    fx_build(f, &ef);
    se_err rc = open_buf(ef.data, ef.len, l, err);
    elfgen_free(&ef);
    return rc;
}

static void assert_msg_has(const se_error *err, const char *needle)
{
    if (!strstr(err->msg, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err->msg, needle);
}

/* Open f, expect refusal code, and a message mentioning needle (if not NULL). */
static void expect_refusal(const fx *f, se_err code, const char *needle)
{
    se_stldr *l;
    se_error err;
    se_err rc = fx_open(f, &l, &err);
    if (rc != code)
        fail_msg("expected %s, got %s: %s", se_err_name(code), se_err_name(rc), err.msg);
    assert_int_equal(err.code, code);
    assert_true(err.msg[0] != '\0');
    assert_null(strchr(err.msg, '\n'));
    if (needle)
        assert_msg_has(&err, needle);
}

/* Build, apply a 32-bit patch at off, expect refusal. */
static void expect_patched_refusal(const fx *f, size_t (*where)(const elfgen_file *),
                                   uint32_t value, int width, se_err code, const char *needle)
{
    elfgen_file ef;
    fx_build(f, &ef);
    size_t off = where(&ef);
    if (width == 1)
        elfgen_put8(ef.data, ef.len, off, (uint8_t)value);
    else if (width == 2)
        elfgen_put16(ef.data, ef.len, off, (uint16_t)value);
    else
        elfgen_put32(ef.data, ef.len, off, value);
    se_stldr *l;
    se_error err;
    se_err rc = open_buf(ef.data, ef.len, &l, &err);
    elfgen_free(&ef);
    if (rc != code)
        fail_msg("expected %s, got %s: %s", se_err_name(code), se_err_name(rc), err.msg);
    assert_int_equal(err.code, code);
    if (needle)
        assert_msg_has(&err, needle);
}

static se_stldr *fx_open_ok(const fx *f)
{
    se_stldr *l;
    se_error err;
    se_err rc = fx_open(f, &l, &err);
    if (rc != SE_OK)
        fail_msg("open failed: %s: %s", se_err_name(rc), err.msg);
    assert_int_equal(err.code, SE_OK);
    return l;
}

static const se_ram_window default_window = {
    .bkpt_addr = 0x20000000u, .load_base = 0x20000004u, .end = 0x20040000u, .download_limit = 0};

static bool has_warning(const se_image *img, const char *needle)
{
    for (unsigned i = 0; i < img->nwarnings; i++)
        if (strstr(img->warnings[i], needle))
            return true;
    return false;
}

static void expect_plan_refusal(const se_stldr *l, const se_ram_window *w, se_place place,
                                bool strict, se_err code, const char *needle)
{
    se_image img;
    se_error err;
    se_err rc = se_stldr_plan(l, w, place, strict, &img, &err);
    if (rc != code)
        fail_msg("expected %s, got %s: %s", se_err_name(code), se_err_name(rc), rc ? err.msg : "");
    assert_int_equal(err.code, code);
    assert_null(img.bytes);
    assert_int_equal(img.size, 0);
    if (needle)
        assert_msg_has(&err, needle);
}

static void plan_ok(const se_stldr *l, const se_ram_window *w, se_place place, bool strict,
                    se_image *img)
{
    se_error err;
    se_err rc = se_stldr_plan(l, w, place, strict, img, &err);
    if (rc != SE_OK)
        fail_msg("plan failed: %s: %s", se_err_name(rc), err.msg);
    assert_non_null(img->bytes);
}

/* Offsets into a built file, for patches. */
static size_t off_ident_class(const elfgen_file *f)
{
    (void)f;
    return EI_CLASS;
}
static size_t off_ident_data(const elfgen_file *f)
{
    (void)f;
    return EI_DATA;
}
static size_t off_machine(const elfgen_file *f)
{
    (void)f;
    return offsetof(Elf32_Ehdr, e_machine);
}
static size_t off_shoff(const elfgen_file *f)
{
    (void)f;
    return offsetof(Elf32_Ehdr, e_shoff);
}
static size_t off_phoff(const elfgen_file *f)
{
    (void)f;
    return offsetof(Elf32_Ehdr, e_phoff);
}
static size_t off_shnum(const elfgen_file *f)
{
    (void)f;
    return offsetof(Elf32_Ehdr, e_shnum);
}
static size_t off_text_size(const elfgen_file *f)
{
    return elfgen_shdr_off(f, elfgen_shndx(S_TEXT)) + offsetof(Elf32_Shdr, sh_size);
}
static size_t off_text_offset(const elfgen_file *f)
{
    return elfgen_shdr_off(f, elfgen_shndx(S_TEXT)) + offsetof(Elf32_Shdr, sh_offset);
}
static size_t off_symtab_size(const elfgen_file *f)
{
    return elfgen_shdr_off(f, f->symtab_shndx) + offsetof(Elf32_Shdr, sh_size);
}
static size_t off_symtab_link(const elfgen_file *f)
{
    return elfgen_shdr_off(f, f->symtab_shndx) + offsetof(Elf32_Shdr, sh_link);
}
static size_t off_code_filesz(const elfgen_file *f)
{
    return elfgen_phdr_off(f, P_CODE) + offsetof(Elf32_Phdr, p_filesz);
}
static size_t off_code_offset(const elfgen_file *f)
{
    return elfgen_phdr_off(f, P_CODE) + offsetof(Elf32_Phdr, p_offset);
}
static size_t off_code_memsz(const elfgen_file *f)
{
    return elfgen_phdr_off(f, P_CODE) + offsetof(Elf32_Phdr, p_memsz);
}
static size_t off_write_shndx(const elfgen_file *f)
{
    return elfgen_sym_off(f, Y_WRITE) + offsetof(Elf32_Sym, st_shndx);
}
static size_t off_write_name(const elfgen_file *f)
{
    return elfgen_sym_off(f, Y_WRITE) + offsetof(Elf32_Sym, st_name);
}

/* ---- refusals at open: the container ------------------------------------------------- */

static void test_refuses_empty_file(void **state)
{
    (void)state;
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(NULL, 0, &l, &err), SE_ERR_NOT_ELF);
    static const uint8_t zero[1] = {0};
    assert_int_equal(open_buf(zero, 0, &l, &err), SE_ERR_NOT_ELF);
}

static void test_refuses_three_byte_file(void **state)
{
    (void)state;
    static const uint8_t b[3] = {0x7f, 'E', 'L'};
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(b, sizeof b, &l, &err), SE_ERR_NOT_ELF);
    assert_msg_has(&err, "test.stldr");
}

static void test_refuses_file_without_elf_magic(void **state)
{
    (void)state;
    static const char text[] = "this is a text file, not a loader at all, no ELF here........";
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf((const uint8_t *)text, sizeof text, &l, &err), SE_ERR_NOT_ELF);
    assert_msg_has(&err, "not an ELF");
}

static void test_refuses_elf64(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_ident_class, ELFCLASS64, 1, SE_ERR_ELF64, "64-bit");
}

static void test_refuses_unknown_elf_class(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_ident_class, 7, 1, SE_ERR_NOT_ELF, "class 7");
}

static void test_refuses_big_endian(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_ident_data, ELFDATA2MSB, 1, SE_ERR_BIG_ENDIAN, "big-endian");
}

static void test_refuses_unknown_data_encoding(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_ident_data, 0, 1, SE_ERR_NOT_ELF, "encoding");
}

static void test_refuses_non_arm_machine(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_machine, EM_386, 2, SE_ERR_NOT_ARM, "e_machine is 3");
}

static void test_refuses_header_cut_short(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(ef.data, 40, &l, &err), SE_ERR_TRUNCATED);
    assert_int_equal(open_buf(ef.data, 10, &l, &err), SE_ERR_TRUNCATED);
    elfgen_free(&ef);
}

static void test_refuses_bogus_shoff(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_shoff, 0xFFFFFFF0u, 4, SE_ERR_TRUNCATED, "e_shoff");
    expect_patched_refusal(&f, off_shoff, 8, 4, SE_ERR_TRUNCATED, "e_shoff");
    expect_patched_refusal(&f, off_shoff, 0, 4, SE_ERR_TRUNCATED, "e_shoff");
}

static void test_refuses_section_table_past_end(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_shnum, 200, 2, SE_ERR_TRUNCATED, "section headers");
}

static void test_refuses_bogus_phoff(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_phoff, 0x7FFFFFFFu, 4, SE_ERR_TRUNCATED, "e_phoff");
    expect_patched_refusal(&f, off_phoff, 0, 4, SE_ERR_TRUNCATED, "e_phoff");
}

static void test_refuses_huge_section_size(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_text_size, 0xFFFFFFFFu, 4, SE_ERR_TRUNCATED, "section 1");
}

static void test_refuses_section_offset_wrapping_around(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_text_offset, 0xFFFFFF00u, 4, SE_ERR_TRUNCATED, "past the end");
}

static void test_refuses_segment_past_end(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_code_filesz, 0x10000000u, 4, SE_ERR_TRUNCATED, "segment 0");
    expect_patched_refusal(&f, off_code_offset, 0xFFFFFFF0u, 4, SE_ERR_TRUNCATED, "segment 0");
}

static void test_refuses_segment_with_more_file_bytes_than_memory(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_code_memsz, 0x10, 4, SE_ERR_TRUNCATED, "segment 0");
}

static void test_refuses_segment_wrapping_address_space(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.seg[P_CODE].vaddr = 0xFFFFFF00u;
    f.sec[S_TEXT].addr = 0xFFFFFF00u;
    f.seg[P_CODE].memsz = 0x200;
    expect_refusal(&f, SE_ERR_TRUNCATED, "32-bit address space");
}

/* e_phnum = PN_XNUM (0xffff) with section 0's sh_info = 0: no program header at all; the
 * refusal says so, not that a segment is outside the RAM window (issue 11 item 7). */
static void test_pn_xnum_with_no_program_headers_says_no_loadable_segment(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    elfgen_put16(ef.data, ef.len, offsetof(Elf32_Ehdr, e_phnum), 0xFFFF);
    se_stldr *l;
    se_error err;
    se_err rc = open_buf(ef.data, ef.len, &l, &err);
    elfgen_free(&ef);
    if (rc == SE_OK) {
        se_image img;
        rc = se_stldr_plan(l, &default_window, SE_PLACE_PROFILE, false, &img, &err);
        se_stldr_free(l);
    }
    if (rc != SE_ERR_NO_SEGMENT ||
        !strstr(err.msg, "no loadable segment with file bytes: nothing to download (e_phnum is "
                         "PN_XNUM (0xffff) and section 0's sh_info is 0"))
        fail_msg("%s: %s", se_err_name(rc), err.msg);
    assert_int_equal(se_err_exit_code(rc), 22); /* not 20, "a segment outside the RAM window" */
}

/* An entry point outside the image of a loader linked far from where the host loads it: the
 * message gives its link address and both ranges, never a negative address. */
static void test_entry_outside_a_relocated_image_is_named_at_its_link_address(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    const uint32_t high = 0xE0000004u;
    f.sec[S_TEXT].addr = f.seg[P_CODE].vaddr = high;
    f.sec[S_DATA].addr = f.seg[P_DATA].vaddr = high + TEXT_SIZE;
    f.sec[S_BSS].addr = high + TEXT_SIZE + DATA_SIZE;
    f.sec[S_DEV].addr = f.seg[P_DEV].vaddr = f.sym[Y_STORAGE].value = high + 0x100;
    for (int y = Y_INIT; y <= Y_HELPER; y++)
        f.sym[y].value += high - LINK;
    f.sym[Y_BUFFER].value = f.sec[S_BSS].addr;
    f.sym[Y_COUNTER].value = high + TEXT_SIZE + 1;
    f.sym[Y_INIT].value = 0x1009; /* not in the image */
    f.sym[Y_INIT].section = ELFGEN_SEC_ABS;
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    se_error err;
    assert_int_equal(se_stldr_plan(l, &default_window, SE_PLACE_PROFILE, false, &img, &err),
                     SE_ERR_OUTSIDE_RAM);
    if (strstr(err.msg, "-0x") ||
        !strstr(err.msg, "entry point Init at 0x00001008 (link address) is outside the "
                         "downloaded image, linked at [0xe0000004, 0xe0000214) and loaded at "
                         "[0x20000004, 0x20000214)"))
        fail_msg("%s", err.msg);
    se_stldr_free(l);
}

static void test_refuses_symbol_table_past_end(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_symtab_size, 0x100000u, 4, SE_ERR_TRUNCATED, NULL);
}

static void test_refuses_symbol_table_with_partial_entry(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    uint32_t size = elfgen_get32(ef.data, ef.len, off_symtab_size(&ef));
    elfgen_free(&ef);
    expect_patched_refusal(&f, off_symtab_size, size - 3, 4, SE_ERR_TRUNCATED, "multiple of 16");
}

static void test_refuses_symbol_table_without_string_table(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_symtab_link, 999, 4, SE_ERR_TRUNCATED, "string table");
}

static void test_refuses_symbol_name_past_string_table(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_write_name, 0x7FFFFFFFu, 4, SE_ERR_TRUNCATED, "string table");
}

static void test_refuses_symbol_section_index_out_of_range(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    expect_patched_refusal(&f, off_write_shndx, 77, 2, SE_ERR_TRUNCATED, "section 77");
}

static void test_refuses_overlapping_section_file_bytes(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    /* .data's bytes moved into the middle of .text's bytes. */
    elfgen_put32(ef.data, ef.len,
                 elfgen_shdr_off(&ef, elfgen_shndx(S_DATA)) + offsetof(Elf32_Shdr, sh_offset),
                 ef.sec_off[S_TEXT] + 8);
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_ERR_OVERLAP);
    assert_msg_has(&err, ".text");
    assert_msg_has(&err, ".data");
    /* By a single byte (touching sections, as built, are fine). */
    elfgen_put32(ef.data, ef.len,
                 elfgen_shdr_off(&ef, elfgen_shndx(S_DATA)) + offsetof(Elf32_Shdr, sh_offset),
                 ef.sec_off[S_TEXT] + TEXT_SIZE - 1);
    assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_ERR_OVERLAP);
    assert_int_equal(ef.sec_off[S_DATA], ef.sec_off[S_TEXT] + TEXT_SIZE);
    elfgen_free(&ef);
}

static void test_nobits_sections_may_share_file_offsets(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    /* .bss (NOBITS) claims the file offset of .text: no bytes, no overlap. */
    elfgen_put32(ef.data, ef.len,
                 elfgen_shdr_off(&ef, elfgen_shndx(S_BSS)) + offsetof(Elf32_Shdr, sh_offset),
                 ef.sec_off[S_TEXT]);
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_OK);
    se_stldr_free(l);
    elfgen_free(&ef);
}

/* ---- refusals at open: symbols ------------------------------------------------------- */

static void test_refuses_missing_storageinfo(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_STORAGE].name = "DeviceInfo";
    expect_refusal(&f, SE_ERR_NO_STORAGEINFO, "StorageInfo");
}

static void test_refuses_stripped_loader(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_desc d = {.sections = f.sec,
                     .nsections = f.nsec,
                     .segments = f.seg,
                     .nsegments = f.nseg,
                     .no_symtab = true};
    elfgen_file ef;
    assert_int_equal(elfgen_build(&d, &ef), 0);
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_ERR_NO_STORAGEINFO);
    assert_msg_has(&err, "symbol table");
    elfgen_free(&ef);
}

static void test_ignores_undefined_storageinfo(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_STORAGE].section = ELFGEN_SEC_UNDEF;
    expect_refusal(&f, SE_ERR_NO_STORAGEINFO, NULL);
}

static void test_refuses_missing_init(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_INIT].name = "init";
    expect_refusal(&f, SE_ERR_NO_ENTRY, "Init");
}

static void test_refuses_missing_write(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_WRITE].name = "WriteX";
    expect_refusal(&f, SE_ERR_NO_ENTRY, "Write");
}

static void test_ignores_undefined_entry_symbols(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_INIT].section = ELFGEN_SEC_UNDEF;
    expect_refusal(&f, SE_ERR_NO_ENTRY, "Init");
}

static void test_entry_must_be_a_function_not_an_object(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_WRITE].type = STT_OBJECT;
    expect_refusal(&f, SE_ERR_NO_ENTRY, "Write");
}

/* ---- StorageInfo: validation ---------------------------------------------------------- */

static void test_storageinfo_name_must_be_nul_terminated(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    memset(f.si, 'A', SE_STORAGEINFO_NAME_LEN);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "DeviceName");
}

static void test_storageinfo_name_of_99_chars_is_accepted(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    memset(f.si, 'A', SE_STORAGEINFO_NAME_LEN - 1);
    se_stldr *l = fx_open_ok(&f);
    assert_int_equal(strlen(se_stldr_storage(l)->name), 99);
    se_stldr_free(l);
}

static void test_storageinfo_name_must_not_be_empty(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.si[0] = '\0';
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "DeviceName is empty");
}

static void test_storageinfo_device_type_must_be_1_to_10(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.si[100] = 0;
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "DeviceType is 0");
    f.si[100] = 11;
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "DeviceType is 11");
    f.si[100] = 1;
    f.si[101] = 1; /* 0x101 */
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "DeviceType is 257");
    for (uint8_t t = 1; t <= 10; t++) {
        f.si[100] = t;
        f.si[101] = 0;
        se_stldr *l = fx_open_ok(&f);
        assert_int_equal(se_stldr_storage(l)->type, t);
        se_stldr_free(l);
    }
}

static void test_storageinfo_size_must_not_be_zero(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    put32(f.si + 108, 0);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "DeviceSize is 0");
}

static void test_storageinfo_start_plus_size_must_fit_32_bits(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    put32(f.si + 104, 0xFF800000u);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "0xff800000");
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "overflows");
}

static void test_storageinfo_page_size_must_not_be_zero(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    put32(f.si + 112, 0);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "PageSize is 0");
}

static void test_storageinfo_page_size_must_not_exceed_size(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    put32(f.si + 112, SI_SIZE + 1);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "PageSize 0x1000001");
}

static void test_storageinfo_needs_sector_groups(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    memset(f.si + 120, 0, 80);
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "no sector groups");
}

static void test_sector_group_with_only_num_zero_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    put32(f.si + 128, 0); /* group 1: num 0, size 0x10000 */
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "sectors[1]");
}

static void test_sector_group_with_only_size_zero_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    put32(f.si + 124, 0); /* group 0: num 16, size 0 */
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "sectors[0]");
}

/* Sectors that do not add up to DeviceSize are read, not refused (issue 13 item 9): the
 * device ends at DeviceSize, or where the sectors end when that comes first. */
static void test_sectors_not_adding_up_are_read_with_a_policy(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    put32(f.si + 120, 17); /* 17 * 0x1000 + 0xff * 0x10000 = 0x1001000 */
    se_stldr *l = fx_open_ok(&f);
    const se_storage_info *si = se_stldr_storage(l);
    assert_int_equal(si->declared_size, 0x1000000u);
    assert_int_equal(si->sectors_total, 0x1001000u);
    assert_int_equal(si->size, 0x1000000u);
    char why[300];
    assert_true(se_storage_policy(si, why, sizeof why));
    assert_string_equal(why, "StorageInfo sectors add up to 0x1001000 bytes but DeviceSize is "
                             "0x1000000: the device is taken to end at DeviceSize, 0x91000000 "
                             "(sectors past it are not used)");
    se_stldr_free(l);
    fx_gcc(&f); /* consistent: no policy */
    l = fx_open_ok(&f);
    assert_false(se_storage_policy(se_stldr_storage(l), why, sizeof why));
    assert_string_equal(why, "");
    se_stldr_free(l);
}

static void test_sectors_sum_is_computed_in_64_bits(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    /* 0x10001 * 0x10000 = 0x100010000, which is 0x10000 in 32 bits. */
    const se_sector_group g[1] = {{0x10001, 0x10000}};
    si_make(f.si, "X", SE_DEV_NOR_FLASH, 0, 0x10000, 0x100, 0xFF, g, 1);
    se_stldr *l = fx_open_ok(&f);
    const se_storage_info *si = se_stldr_storage(l);
    assert_int_equal(si->sectors_total, 0x100010000ull);
    assert_int_equal(si->size, 0x10000u);
    char why[300];
    assert_true(se_storage_policy(si, why, sizeof why));
    assert_non_null(strstr(why, "0x100010000"));
    se_stldr_free(l);
}

static void test_storageinfo_symbol_size_must_be_200(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_STORAGE].size = 196;
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "196");
}

static void test_storageinfo_symbol_size_zero_means_unknown(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_STORAGE].size = 0;
    se_stldr *l = fx_open_ok(&f);
    assert_string_equal(se_stldr_storage(l)->name, SI_NAME);
    se_stldr_free(l);
}

static void test_storageinfo_in_nobits_section_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_STORAGE].section = S_BSS;
    f.sym[Y_STORAGE].value = BSS_ADDR;
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "NOBITS");
}

static void test_storageinfo_past_end_of_its_section_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sec[S_DEV].size = 100;
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, ".Dev_info");
    fx_gcc(&f);
    f.sym[Y_STORAGE].value = GCC_SI_ADDR - 4; /* before its section */
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "not inside");
}

static void test_storageinfo_absolute_symbol_is_refused(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_STORAGE].section = ELFGEN_SEC_ABS;
    expect_refusal(&f, SE_ERR_BAD_STORAGEINFO, "not in a section");
}

static void test_storageinfo_section_cut_short_by_file_end_is_truncated(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    /* Move .Dev_info's bytes to the last 100 bytes of the file. */
    elfgen_put32(ef.data, ef.len,
                 elfgen_shdr_off(&ef, elfgen_shndx(S_DEV)) + offsetof(Elf32_Shdr, sh_offset),
                 (uint32_t)ef.len - 100);
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_ERR_TRUNCATED);
    elfgen_free(&ef);
}

/* ---- StorageInfo: decoding and placements --------------------------------------------- */

static void test_storageinfo_decodes_all_fields(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    const se_sector_group g[3] = {{4, 0x8000}, {1, 0x20000}, {3, 0x40000}};
    si_make(f.si, "MX25LM51245G_STM32L562E-DK", SE_DEV_SPI_FLASH, 0x90000000u, 0x100000u, 0x200u,
            0x00, g, 3);
    se_stldr *l = fx_open_ok(&f);
    const se_storage_info *si = se_stldr_storage(l);
    assert_string_equal(si->name, "MX25LM51245G_STM32L562E-DK");
    assert_int_equal(si->type, SE_DEV_SPI_FLASH);
    assert_int_equal(si->start, 0x90000000u);
    assert_int_equal(si->size, 0x100000u);
    assert_int_equal(si->page_size, 0x200u);
    assert_int_equal(si->erase_value, 0x00);
    assert_int_equal(si->ngroups, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(si->sectors[i].num, g[i].num);
        assert_int_equal(si->sectors[i].size, g[i].size);
    }
    assert_int_equal(si->sectors[3].num, 0);
    assert_int_equal(si->symbol_addr, GCC_SI_ADDR);
    assert_string_equal(si->section, ".Dev_info");
    se_stldr_free(l);
}

static void test_storageinfo_erase_value_is_any_byte(void **state)
{
    (void)state;
    static const uint8_t values[] = {0x00, 0xFF, 0x5A};
    for (size_t i = 0; i < sizeof values; i++) {
        fx f;
        fx_gcc(&f);
        f.si[116] = values[i];
        se_stldr *l = fx_open_ok(&f);
        assert_int_equal(se_stldr_storage(l)->erase_value, values[i]);
        se_stldr_free(l);
    }
}

static void test_storageinfo_ten_groups_without_terminator(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_sector_group g[10];
    for (unsigned i = 0; i < 10; i++)
        g[i] = (se_sector_group){1, 0x1000u << i};
    /* sum = 0x1000 * (2^10 - 1) = 0x3ff000 */
    si_make(f.si, "TEN", SE_DEV_NOR_FLASH, 0, 0x3FF000u, 0x100, 0xFF, g, 10);
    se_stldr *l = fx_open_ok(&f);
    assert_int_equal(se_stldr_storage(l)->ngroups, 10);
    assert_int_equal(se_stldr_storage(l)->sectors[9].size, 0x200000u);
    se_stldr_free(l);
}

static void test_storageinfo_groups_after_terminator_are_ignored(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    const se_sector_group g[4] = {{16, 0x1000}, {0xFF, 0x10000}, {0, 0}, {0, 0x1234}};
    si_make(f.si, SI_NAME, SE_DEV_NOR_FLASH, SI_START, SI_SIZE, SI_PAGE, 0xFF, g, 4);
    se_stldr *l = fx_open_ok(&f);
    assert_int_equal(se_stldr_storage(l)->ngroups, 2);
    se_stldr_free(l);
}

static void test_storageinfo_padding_bytes_are_ignored(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f); /* si_make fills the padding with 0xAA / 0x55 */
    se_stldr *l = fx_open_ok(&f);
    assert_int_equal(se_stldr_storage(l)->type, SE_DEV_NOR_FLASH);
    assert_int_equal(se_stldr_storage(l)->erase_value, 0xFF);
    se_stldr_free(l);
}

static void test_storageinfo_at_vma_zero_iar_style(void **state)
{
    (void)state;
    fx f;
    fx_iar(&f);
    se_stldr *l = fx_open_ok(&f);
    const se_storage_info *si = se_stldr_storage(l);
    assert_string_equal(si->name, SI_NAME);
    assert_int_equal(si->size, SI_SIZE);
    assert_int_equal(si->symbol_addr, 0);
    assert_string_equal(si->section, "P3");
    assert_true(se_stldr_segment(l, P_DEV)->metadata);
    assert_int_equal(se_stldr_segment(l, P_DEV)->vaddr, 0);
    /* The segment at 0 is never downloaded, so it is not "outside RAM". */
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, true, &img);
    assert_int_equal(img.size, IMAGE_SIZE);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_storageinfo_inside_code_range_gcc_style(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    /* Read through the section's file bytes, not the code segment's padding at that VA. */
    assert_string_equal(se_stldr_storage(l)->name, SI_NAME);
    assert_string_equal(se_stldr_storage(l)->section, ".Dev_info");
    assert_true(se_stldr_segment(l, P_DEV)->metadata);
    assert_false(se_stldr_segment(l, P_CODE)->metadata);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, true, &img);
    /* The image holds the code bytes at that address, not StorageInfo. */
    assert_int_equal(img.bytes[GCC_SI_ADDR - LINK], f.text[GCC_SI_ADDR - LINK]);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_storageinfo_at_bss_address_keil_style(void **state)
{
    (void)state;
    fx f;
    fx_keil(&f);
    se_stldr *l = fx_open_ok(&f);
    assert_string_equal(se_stldr_storage(l)->name, SI_NAME);
    assert_string_equal(se_stldr_storage(l)->section, "DevInfo");
    assert_int_equal(se_stldr_storage(l)->symbol_addr, BSS_ADDR);
    assert_true(se_stldr_segment(l, P_DEV)->metadata);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, true, &img);
    assert_int_equal(img.mem_end, BSS_ADDR + BSS_SIZE);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_storageinfo_not_at_start_of_its_section(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    uint8_t sec[208];
    memset(sec, 0xEE, 8);
    si_default(sec + 8);
    f.sec[S_DEV].data = sec;
    f.sec[S_DEV].size = sizeof sec;
    f.sym[Y_STORAGE].value = GCC_SI_ADDR + 8;
    se_stldr *l = fx_open_ok(&f);
    assert_string_equal(se_stldr_storage(l)->name, SI_NAME);
    assert_int_equal(se_stldr_storage(l)->symbol_addr, GCC_SI_ADDR + 8);
    se_stldr_free(l);
}

/* ---- entry points --------------------------------------------------------------------- */

static void test_entry_points_keep_thumb_bit(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    uint32_t a = 0;
    assert_true(se_stldr_entry(l, SE_EP_INIT, &a));
    assert_int_equal(a, LINK + 1);
    assert_true(se_stldr_entry(l, SE_EP_WRITE, &a));
    assert_int_equal(a, LINK + 0x21);
    assert_true(se_stldr_entry(l, SE_EP_SECTOR_ERASE, &a));
    assert_int_equal(a, LINK + 0x51);
    assert_true(se_stldr_entry(l, SE_EP_MASS_ERASE, &a));
    assert_int_equal(a, LINK + 0x71);
    assert_true(se_stldr_entry(l, SE_EP_READ, &a));
    assert_int_equal(a, LINK + 0x81);
    assert_true(se_stldr_entry(l, SE_EP_VERIFY, &a));
    assert_int_equal(a, LINK + 0x91);
    assert_true(se_stldr_entry(l, SE_EP_CHECKSUM, &a));
    assert_int_equal(a, LINK + 0xB1);
    assert_true(se_stldr_entry(l, SE_EP_DEINIT, &a));
    assert_int_equal(a, LINK + 0xD1);
    assert_false(se_stldr_entry(l, SE_EP__COUNT, &a));
    se_stldr_free(l);
}

static void test_checksum_symbol_either_spelling(void **state)
{
    (void)state;
    static const char *const spellings[] = {"CheckSum", "Checksum"};
    for (size_t i = 0; i < 2; i++) {
        fx f;
        fx_gcc(&f);
        f.sym[Y_CHECKSUM].name = spellings[i];
        se_stldr *l = fx_open_ok(&f);
        uint32_t a = 0;
        assert_true(se_stldr_entry(l, SE_EP_CHECKSUM, &a));
        assert_int_equal(a, LINK + 0xB1);
        se_stldr_free(l);
    }
    fx f;
    fx_gcc(&f);
    f.sym[Y_CHECKSUM].name = "checksum";
    se_stldr *l = fx_open_ok(&f);
    assert_false(se_stldr_entry(l, SE_EP_CHECKSUM, NULL));
    se_stldr_free(l);
}

static void test_optional_entry_points_may_be_missing(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_SECTOR_ERASE].name = "x1";
    f.sym[Y_MASS_ERASE].name = "x2";
    f.sym[Y_READ].name = "x3";
    f.sym[Y_VERIFY].name = "x4";
    f.sym[Y_CHECKSUM].name = "x5";
    f.sym[Y_DEINIT].name = "x6";
    se_stldr *l = fx_open_ok(&f);
    uint32_t a = 0xDEADBEEF;
    for (int id = SE_EP_SECTOR_ERASE; id < SE_EP__COUNT; id++)
        assert_false(se_stldr_entry(l, (se_entry_id)id, &a));
    assert_int_equal(a, 0xDEADBEEF);
    assert_true(se_stldr_entry(l, SE_EP_INIT, NULL));
    se_stldr_free(l);
}

static void test_entry_prefers_global_function_symbol(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    /* A local label named Init before the real one. */
    f.sym[Y_FILE] = sym("Init", LINK + 0x100, 0, STT_NOTYPE, STB_LOCAL, S_TEXT);
    se_stldr *l = fx_open_ok(&f);
    uint32_t a = 0;
    assert_true(se_stldr_entry(l, SE_EP_INIT, &a));
    assert_int_equal(a, LINK + 1);
    se_stldr_free(l);
}

static void test_entry_name_spells_every_entry(void **state)
{
    (void)state;
    assert_string_equal(se_entry_name(SE_EP_INIT), "Init");
    assert_string_equal(se_entry_name(SE_EP_WRITE), "Write");
    assert_string_equal(se_entry_name(SE_EP_SECTOR_ERASE), "SectorErase");
    assert_string_equal(se_entry_name(SE_EP_MASS_ERASE), "MassErase");
    assert_string_equal(se_entry_name(SE_EP_READ), "Read");
    assert_string_equal(se_entry_name(SE_EP_VERIFY), "Verify");
    assert_string_equal(se_entry_name(SE_EP_CHECKSUM), "CheckSum");
    assert_string_equal(se_entry_name(SE_EP_DEINIT), "DeInit");
    assert_non_null(se_entry_name(SE_EP__COUNT));
}

static void test_elf_entry_is_e_entry(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.entry = 0x20000081u;
    se_stldr *l = fx_open_ok(&f);
    assert_int_equal(se_stldr_elf_entry(l), 0x20000081u);
    se_stldr_free(l);
}

/* ---- segments ------------------------------------------------------------------------- */

static void test_every_pt_load_is_recorded(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.seg[3] = (elfgen_segment){.type = PT_NOTE, .first_section = S_TEXT, .nsections = 1};
    f.nseg = 4;
    se_stldr *l = fx_open_ok(&f);
    assert_int_equal(se_stldr_nsegments(l), 3);
    const se_segment *code = se_stldr_segment(l, P_CODE);
    assert_int_equal(code->vaddr, LINK);
    assert_int_equal(code->paddr, LINK);
    assert_int_equal(code->filesz, TEXT_SIZE);
    assert_int_equal(code->memsz, TEXT_SIZE);
    assert_int_equal(code->flags, PF_R | PF_X);
    assert_memory_equal(se_stldr_segment_data(l, P_CODE), f.text, TEXT_SIZE);
    const se_segment *data = se_stldr_segment(l, P_DATA);
    assert_int_equal(data->vaddr, DATA_ADDR);
    assert_int_equal(data->filesz, DATA_SIZE);
    assert_int_equal(data->memsz, DATA_SIZE + BSS_SIZE);
    assert_false(data->metadata);
    assert_memory_equal(se_stldr_segment_data(l, P_DATA), f.data, DATA_SIZE);
    assert_memory_equal(se_stldr_segment_data(l, P_DEV), f.si, SE_STORAGEINFO_SIZE);
    assert_null(se_stldr_segment(l, 3));
    assert_null(se_stldr_segment_data(l, 3));
    se_stldr_free(l);
}

static void test_segment_with_storageinfo_and_other_bytes_is_not_metadata(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    /* The devinfo segment's file range now starts at .data: two sections. */
    size_t ph = elfgen_phdr_off(&ef, P_DEV);
    uint32_t end = ef.sec_off[S_DEV] + SE_STORAGEINFO_SIZE;
    elfgen_put32(ef.data, ef.len, ph + offsetof(Elf32_Phdr, p_offset), ef.sec_off[S_DATA]);
    elfgen_put32(ef.data, ef.len, ph + offsetof(Elf32_Phdr, p_filesz), end - ef.sec_off[S_DATA]);
    elfgen_put32(ef.data, ef.len, ph + offsetof(Elf32_Phdr, p_memsz), end - ef.sec_off[S_DATA]);
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_OK);
    assert_false(se_stldr_segment(l, P_DEV)->metadata);
    assert_false(se_stldr_segment(l, P_CODE)->metadata);
    se_stldr_free(l);
    elfgen_free(&ef);
}

static void test_bss_only_segment_is_not_metadata(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.seg[P_DATA].first_section = S_BSS;
    f.seg[P_DATA].nsections = 1;
    f.seg[P_DATA].vaddr = BSS_ADDR;
    f.seg[P_CODE].nsections = 2; /* .text + .data */
    se_stldr *l = fx_open_ok(&f);
    assert_int_equal(se_stldr_segment(l, P_DATA)->filesz, 0);
    assert_int_equal(se_stldr_segment(l, P_DATA)->memsz, BSS_SIZE);
    assert_false(se_stldr_segment(l, P_DATA)->metadata);
    assert_non_null(se_stldr_segment_data(l, P_DATA));
    se_stldr_free(l);
}

/* ---- symbols -------------------------------------------------------------------------- */

static void test_symbols_sorted_with_thumb_bit_cleared(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    size_t n = se_stldr_nsymbols(l);
    /* 9 functions + StorageInfo + buffer + counter; the STT_FILE symbol is left out. */
    assert_int_equal(n, 12);
    for (size_t i = 1; i < n; i++)
        assert_true(se_stldr_symbol(l, i - 1)->addr <= se_stldr_symbol(l, i)->addr);
    assert_null(se_stldr_symbol(l, n));
    const se_symbol *init = se_stldr_find_symbol(l, "Init");
    assert_non_null(init);
    assert_true(init->is_func);
    assert_int_equal(init->addr, LINK);
    assert_int_equal(init->size, 0x20);
    const se_symbol *counter = se_stldr_find_symbol(l, "counter");
    assert_non_null(counter);
    assert_false(counter->is_func);
    assert_int_equal(counter->addr, DATA_ADDR + 1); /* objects keep bit 0 */
    assert_null(se_stldr_find_symbol(l, "loader.c"));
    assert_null(se_stldr_find_symbol(l, "nope"));
    se_stldr_free(l);
}

static void test_symbols_leave_out_undefined_and_empty(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    fx_add_sym(&f, sym("memcpy", 0, 0, STT_FUNC, STB_GLOBAL, ELFGEN_SEC_UNDEF));
    fx_add_sym(&f, sym("zero", 0, 0, STT_OBJECT, STB_GLOBAL, ELFGEN_SEC_ABS));
    fx_add_sym(&f, sym(".text", LINK, 0, STT_SECTION, STB_LOCAL, S_TEXT));
    se_stldr *l = fx_open_ok(&f);
    assert_null(se_stldr_find_symbol(l, "memcpy"));
    assert_null(se_stldr_find_symbol(l, "zero"));
    assert_null(se_stldr_find_symbol(l, ".text"));
    assert_int_equal(se_stldr_nsymbols(l), 12);
    se_stldr_free(l);
}

static void test_symbolize_finds_containing_function(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    uint32_t off = 99;
    const se_symbol *s = se_stldr_symbolize(l, LINK + 0x21 + 0x1c, &off);
    assert_non_null(s);
    assert_string_equal(s->name, "Write");
    assert_int_equal(off, 0x1c);
    s = se_stldr_symbolize(l, LINK + 0x4F, &off); /* last byte of Write, odd: Thumb bit */
    assert_string_equal(s->name, "Write");
    assert_int_equal(off, 0x2e);
    s = se_stldr_symbolize(l, LINK + 0x51, &off); /* Thumb bit ignored: SectorErase+0 */
    assert_string_equal(s->name, "SectorErase");
    assert_int_equal(off, 0);
    se_stldr_free(l);
}

static void test_symbolize_prefers_functions_over_objects(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    /* An object overlapping Init (a literal pool, say). */
    fx_add_sym(&f, sym("pool", LINK + 4, 8, STT_OBJECT, STB_LOCAL, S_TEXT));
    se_stldr *l = fx_open_ok(&f);
    uint32_t off;
    const se_symbol *s = se_stldr_symbolize(l, LINK + 6, &off);
    assert_string_equal(s->name, "Init");
    assert_int_equal(off, 6);
    s = se_stldr_symbolize(l, BSS_ADDR + 0x11, &off);
    assert_string_equal(s->name, "buffer");
    assert_int_equal(off, 0x11); /* objects: no Thumb bit to strip */
    se_stldr_free(l);
}

static void test_symbolize_size_zero_matches_exactly(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    uint32_t off = 5;
    const se_symbol *s = se_stldr_symbolize(l, LINK + 0xE0, &off);
    assert_non_null(s);
    assert_string_equal(s->name, "helper");
    assert_int_equal(off, 0);
    assert_null(se_stldr_symbolize(l, LINK + 0xE2, &off));
    assert_null(se_stldr_symbolize(l, 0x08000000u, &off));
    assert_null(se_stldr_symbolize(NULL, LINK, &off));
    se_stldr_free(l);
}

static void test_format_addr(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    char buf[64];
    assert_string_equal(se_stldr_format_addr(l, LINK + 0x1c, buf, sizeof buf), "Init+0x1c");
    assert_string_equal(se_stldr_format_addr(l, LINK + 1, buf, sizeof buf), "Init");
    assert_string_equal(se_stldr_format_addr(l, LINK, buf, sizeof buf), "Init");
    assert_string_equal(se_stldr_format_addr(l, 0x20000300u, buf, sizeof buf), "0x20000300");
    assert_string_equal(se_stldr_format_addr(l, DATA_ADDR + 2, buf, sizeof buf), "counter+0x1");
    char small[5];
    assert_string_equal(se_stldr_format_addr(l, LINK + 0x1c, small, sizeof small), "Init");
    assert_ptr_equal(se_stldr_format_addr(l, LINK, small, 0), small);
    assert_string_equal(se_stldr_format_addr(NULL, 0x1234, buf, sizeof buf), "0x00001234");
    se_stldr_free(l);
}

/* ---- download plan -------------------------------------------------------------------- */

static void test_plan_link_downloads_at_link_address(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, false, &img);
    assert_int_equal(img.link_base, LINK);
    assert_int_equal(img.base, LINK);
    assert_int_equal(img.delta, 0);
    assert_int_equal(img.size, IMAGE_SIZE);
    assert_int_equal(img.mem_end, BSS_ADDR + BSS_SIZE);
    assert_memory_equal(img.bytes, f.text, TEXT_SIZE);
    assert_memory_equal(img.bytes + TEXT_SIZE, f.data, DATA_SIZE);
    se_image_free(&img);
    assert_null(img.bytes);
    se_stldr_free(l);
}

static void test_plan_relocates_to_profile_base(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = {.bkpt_addr = 0x20001000u, .load_base = 0x20001004u, .end = 0x20008000u};
    se_image img;
    plan_ok(l, &w, SE_PLACE_PROFILE, false, &img);
    assert_int_equal(img.link_base, LINK);
    assert_int_equal(img.base, 0x20001004u);
    assert_int_equal(img.delta, 0x1000);
    assert_int_equal(img.size, IMAGE_SIZE);
    assert_int_equal(img.mem_end, BSS_ADDR + BSS_SIZE + 0x1000);
    assert_memory_equal(img.bytes, f.text, TEXT_SIZE);
    assert_true(has_warning(&img, "linked at 0x20000004"));
    assert_true(has_warning(&img, "0x20001004"));
    se_image_free(&img);

    /* Downward relocation gives a negative delta. */
    f.seg[P_CODE].vaddr = f.sec[S_TEXT].addr = 0x20010004u;
    f.seg[P_DATA].vaddr = f.sec[S_DATA].addr = 0x20010204u;
    f.sec[S_BSS].addr = 0x20010214u;
    for (int i = Y_INIT; i <= Y_HELPER; i++)
        f.sym[i].value += 0x10000u;
    se_stldr_free(l);
    l = fx_open_ok(&f);
    plan_ok(l, &default_window, SE_PLACE_PROFILE, false, &img);
    assert_int_equal(img.delta, -0x10000);
    assert_int_equal(img.base, LINK);
    assert_int_equal(img.mem_end, BSS_ADDR + BSS_SIZE);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_profile_checks_relocated_addresses(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    /* Linked inside this window, but relocated to its top the image no longer fits. */
    se_ram_window w = {.bkpt_addr = 0x20000000u, .load_base = 0x20000100u, .end = 0x20000320u};
    expect_plan_refusal(l, &w, SE_PLACE_PROFILE, false, SE_ERR_OUTSIDE_RAM, "0x20000350");
    se_stldr_free(l);
}

static void test_plan_excludes_metadata_segment(void **state)
{
    (void)state;
    fx f;
    fx_iar(&f);
    f.sec[S_DEV].addr = f.seg[P_DEV].vaddr = 0x20030000u; /* far above the image */
    f.sym[Y_STORAGE].value = 0x20030000u;
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, false, &img);
    assert_int_equal(img.size, IMAGE_SIZE); /* not up to 0x20030000 + 200 */
    assert_int_equal(img.mem_end, BSS_ADDR + BSS_SIZE);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_fills_gaps_with_zero(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    /* .data moved 0x100 bytes above the end of .text. */
    f.seg[P_DATA].vaddr = f.sec[S_DATA].addr = DATA_ADDR + 0x100;
    f.sec[S_BSS].addr = BSS_ADDR + 0x100;
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, false, &img);
    assert_int_equal(img.size, IMAGE_SIZE + 0x100);
    for (uint32_t i = 0; i < 0x100; i++)
        assert_int_equal(img.bytes[TEXT_SIZE + i], 0);
    assert_memory_equal(img.bytes + TEXT_SIZE + 0x100, f.data, DATA_SIZE);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_bss_only_segment_counts_for_mem_end(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.seg[P_DATA].first_section = S_BSS;
    f.seg[P_DATA].nsections = 1;
    f.seg[P_DATA].vaddr = BSS_ADDR;
    f.seg[P_CODE].nsections = 2;
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, false, &img);
    assert_int_equal(img.size, IMAGE_SIZE);
    assert_int_equal(img.mem_end, BSS_ADDR + BSS_SIZE);
    assert_false(has_warning(&img, "does not zero .bss"));
    se_image_free(&img);
    se_stldr_free(l);
}

/* .bss is not warned about by the plan (every loader with .bss would be): a run names a .bss
 * variable read before any write (tests/test_cause.c). */
static void test_plan_warns_bss_not_zeroed(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, true, &img);
    assert_int_equal(img.nwarnings, 0);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_no_warnings_for_a_clean_loader(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sec[S_BSS].size = 0;
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, true, &img);
    assert_int_equal(img.nwarnings, 0);
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_warns_link_base_differs_from_load_base(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = default_window;
    w.bkpt_addr = 0x1FFFFF00u;
    w.load_base = 0x1FFFFF04u;
    se_image img;
    plan_ok(l, &w, SE_PLACE_PROFILE, false, &img);
    assert_int_equal(img.base, 0x1FFFFF04u);
    assert_true(has_warning(&img, "linked at 0x20000004 but the host loads it at 0x1fffff04"));
    assert_true(has_warning(&img, "wrong if it is relocated"));
    se_image_free(&img);
    /* --place link: nothing is relocated, so nothing to warn about */
    plan_ok(l, &w, SE_PLACE_LINK, false, &img);
    assert_int_equal(img.base, LINK);
    assert_false(has_warning(&img, "linked at"));
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_refuses_segment_covering_breakpoint(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = {.bkpt_addr = 0x20000100u, .load_base = 0x20000104u, .end = 0x20040000u};
    expect_plan_refusal(l, &w, SE_PLACE_LINK, false, SE_ERR_COVERS_BKPT, "0x20000100");
    /* Linked exactly at the breakpoint word. */
    w.bkpt_addr = LINK;
    w.load_base = LINK + 4;
    expect_plan_refusal(l, &w, SE_PLACE_LINK, false, SE_ERR_COVERS_BKPT, "segment 0");
    /* Only the last byte of the word. */
    w.bkpt_addr = LINK - 3;
    expect_plan_refusal(l, &w, SE_PLACE_LINK, false, SE_ERR_COVERS_BKPT, NULL);
    se_stldr_free(l);
}

static void test_plan_refuses_profile_base_on_breakpoint(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = {.bkpt_addr = 0x20000000u, .load_base = 0x20000002u, .end = 0x20040000u};
    expect_plan_refusal(l, &w, SE_PLACE_PROFILE, false, SE_ERR_COVERS_BKPT, NULL);
    se_stldr_free(l);
}

static void test_plan_refuses_segment_beyond_window_end(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = default_window;
    w.end = 0x20000240u; /* .data fits, .bss does not */
    expect_plan_refusal(l, &w, SE_PLACE_LINK, false, SE_ERR_OUTSIDE_RAM, "segment 1");
    expect_plan_refusal(l, &w, SE_PLACE_LINK, false, SE_ERR_OUTSIDE_RAM, "0x20000240");
    se_stldr_free(l);
}

static void test_plan_refuses_bss_segment_below_window(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sec[4] =
        (elfgen_section){".noinit", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0x1FFF0000u, NULL, 0x100, 4};
    f.nsec = 5;
    f.seg[3] = (elfgen_segment){.type = PT_LOAD,
                                .flags = PF_R | PF_W,
                                .vaddr = 0x1FFF0000u,
                                .first_section = 4,
                                .nsections = 1};
    f.nseg = 4;
    se_stldr *l = fx_open_ok(&f);
    expect_plan_refusal(l, &default_window, SE_PLACE_LINK, false, SE_ERR_OUTSIDE_RAM, "segment 3");
    se_stldr_free(l);
}

static void test_plan_refuses_segment_the_host_would_not_download(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = {.bkpt_addr = 0x20001000u, .load_base = 0x20001004u, .end = 0x20008000u};
    expect_plan_refusal(l, &w, SE_PLACE_LINK, false, SE_ERR_OUTSIDE_RAM,
                        "the host would not download it");
    se_stldr_free(l);
}

static void test_plan_refuses_overlapping_segments(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    elfgen_put32(ef.data, ef.len, elfgen_phdr_off(&ef, P_DATA) + offsetof(Elf32_Phdr, p_vaddr),
                 DATA_ADDR - 4);
    se_stldr *l;
    se_error err;
    assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_OK);
    elfgen_free(&ef);
    expect_plan_refusal(l, &default_window, SE_PLACE_LINK, false, SE_ERR_OVERLAP, "segments 0");
    se_stldr_free(l);
}

static void test_plan_warns_over_download_limit(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = default_window;
    w.download_limit = 0x100;
    se_image img;
    plan_ok(l, &w, SE_PLACE_LINK, false, &img);
    assert_int_equal(img.size, IMAGE_SIZE);
    assert_true(has_warning(&img, "image is 0x210 bytes, over the 0x100 download limit of this "
                                  "target: the host does not download it and still runs Init "
                                  "with SP = 0 (field failure mode 5), and so does the run"));
    assert_int_equal(img.over_limit, 0x100u); /* the host reproduces the refusal */
    se_image_free(&img);
    /* Exactly at the limit: fine. */
    w.download_limit = IMAGE_SIZE;
    plan_ok(l, &w, SE_PLACE_LINK, true, &img);
    assert_false(has_warning(&img, "download limit"));
    assert_int_equal(img.over_limit, 0u);
    se_image_free(&img);
    se_stldr_free(l);
}

/* The TrustZone-on observation (docs/protocol.md 2.8) is a warning even when strict. */
static void test_plan_observed_limit_is_a_warning_even_strict(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = default_window;
    w.observed_limit = 0x100;
    se_image img;
    plan_ok(l, &w, SE_PLACE_LINK, true, &img);
    assert_true(has_warning(&img, "image is 0x210 bytes, over the 0x100 bytes seen to work once "
                                  "with TrustZone on (docs/protocol.md 2.8"));
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_strict_refuses_over_download_limit(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = default_window;
    w.download_limit = 0x100;
    expect_plan_refusal(l, &w, SE_PLACE_LINK, true, SE_ERR_TOO_LARGE, "0x210");
    se_stldr_free(l);
}

static void test_plan_refuses_init_outside_image(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_INIT].value = BSS_ADDR + 1; /* in .bss: not downloaded */
    se_stldr *l = fx_open_ok(&f);
    expect_plan_refusal(l, &default_window, SE_PLACE_LINK, false, SE_ERR_OUTSIDE_RAM, "Init");
    se_stldr_free(l);
    fx_gcc(&f);
    f.sym[Y_WRITE].value = 0x08000001u;
    l = fx_open_ok(&f);
    expect_plan_refusal(l, &default_window, SE_PLACE_LINK, false, SE_ERR_OUTSIDE_RAM, "Write");
    se_stldr_free(l);
}

static void test_plan_warns_optional_entry_outside_image(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_DEINIT].value = 0x08000001u;
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    plan_ok(l, &default_window, SE_PLACE_LINK, false, &img);
    assert_true(has_warning(&img, "DeInit"));
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_refuses_when_nothing_is_downloaded(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.seg[0] = f.seg[P_DEV];
    f.nseg = 1;
    se_stldr *l = fx_open_ok(&f);
    expect_plan_refusal(l, &default_window, SE_PLACE_LINK, false, SE_ERR_NO_SEGMENT,
                        "nothing to download (every PT_LOAD is StorageInfo's");
    se_stldr_free(l);
}

static void test_plan_keeps_at_most_eight_warnings(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    f.sym[Y_SECTOR_ERASE].value = 0x08000001u;
    f.sym[Y_MASS_ERASE].value = 0x08000001u;
    f.sym[Y_READ].value = 0x08000001u;
    f.sym[Y_VERIFY].value = 0x08000001u;
    f.sym[Y_CHECKSUM].value = 0x08000001u;
    f.sym[Y_DEINIT].value = 0x08000001u;
    si_make(f.si, SI_NAME, SE_DEV_NOR_FLASH, 0, SI_SIZE, SI_PAGE, 0xFF, default_groups, 2);
    se_stldr *l = fx_open_ok(&f);
    se_ram_window w = default_window;
    w.download_limit = 0x10;
    w.load_base = 0x20000010;
    se_image img;
    plan_ok(l, &w, SE_PLACE_PROFILE, false, &img); /* 6 + limit + base + start 0 = 9 */
    assert_int_equal(img.nwarnings, SE_PLAN_MAX_WARNINGS);
    assert_true(has_warning(&img, "more warnings"));
    se_image_free(&img);
    se_stldr_free(l);
}

static void test_plan_refuses_bad_arguments(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    se_stldr *l = fx_open_ok(&f);
    se_image img;
    se_error err;
    assert_int_equal(se_stldr_plan(l, NULL, SE_PLACE_LINK, false, &img, &err), SE_ERR_USAGE);
    assert_int_equal(se_stldr_plan(NULL, &default_window, SE_PLACE_LINK, false, &img, &err),
                     SE_ERR_USAGE);
    assert_int_equal(se_stldr_plan(l, &default_window, SE_PLACE_LINK, false, NULL, &err),
                     SE_ERR_USAGE);
    assert_int_equal(se_stldr_plan(l, &default_window, (se_place)7, false, &img, &err),
                     SE_ERR_USAGE);
    se_image_free(NULL);
    se_stldr_free(l);
}

/* ---- files and memory ----------------------------------------------------------------- */

static void test_open_file_reads_a_loader(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    char path[] = "/tmp/test_stldr_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, ef.data, ef.len), (ssize_t)ef.len);
    close(fd);
    elfgen_free(&ef);
    se_stldr *l = NULL;
    se_error err;
    assert_int_equal(se_stldr_open_file(path, &l, &err), SE_OK);
    assert_string_equal(se_stldr_path(l), path);
    assert_string_equal(se_stldr_storage(l)->name, SI_NAME);
    se_stldr_free(l);
    unlink(path);
}

static void test_open_file_missing_is_io_error(void **state)
{
    (void)state;
    se_stldr *l = (se_stldr *)1;
    se_error err;
    assert_int_equal(se_stldr_open_file("/nonexistent/dir/x.stldr", &l, &err), SE_ERR_IO);
    assert_null(l);
    assert_msg_has(&err, "/nonexistent/dir/x.stldr");
}

static void test_open_mem_copies_the_buffer(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    uint8_t *copy = elfgen_dup(&ef);
    se_stldr *l;
    se_error err;
    assert_int_equal(se_stldr_open_mem(copy, ef.len, "copy", &l, &err), SE_OK);
    memset(copy, 0, ef.len);
    free(copy);
    assert_string_equal(se_stldr_path(l), "copy");
    assert_string_equal(se_stldr_storage(l)->name, SI_NAME);
    assert_memory_equal(se_stldr_segment_data(l, P_CODE), f.text, TEXT_SIZE);
    assert_string_equal(se_stldr_find_symbol(l, "Write")->name, "Write");
    se_stldr_free(l);
    elfgen_free(&ef);
    se_stldr_free(NULL);
}

static void test_open_mem_refuses_bad_arguments(void **state)
{
    (void)state;
    se_stldr *l;
    se_error err;
    assert_int_equal(se_stldr_open_mem(NULL, 10, "x", &l, &err), SE_ERR_USAGE);
    assert_int_equal(se_stldr_open_mem("abc", 3, "x", NULL, &err), SE_ERR_USAGE);
}

/* ---- robustness ----------------------------------------------------------------------- */

static bool is_refusal(se_err rc)
{
    return rc == SE_ERR_NOT_ELF || rc == SE_ERR_NOT_ARM || rc == SE_ERR_ELF64 ||
           rc == SE_ERR_BIG_ENDIAN || rc == SE_ERR_TRUNCATED || rc == SE_ERR_OVERLAP ||
           rc == SE_ERR_NO_STORAGEINFO || rc == SE_ERR_BAD_STORAGEINFO || rc == SE_ERR_NO_ENTRY;
}

/* Open a (corrupt) buffer; whatever the result, use everything the API offers. */
static void exercise(const uint8_t *buf, size_t len)
{
    se_stldr *l;
    se_error err;
    se_err rc = open_buf(buf, len, &l, &err);
    if (rc != SE_OK) {
        if (!is_refusal(rc))
            fail_msg("unexpected code %s: %s", se_err_name(rc), err.msg);
        assert_int_equal(err.code, rc);
        assert_true(err.msg[0] != '\0');
        return;
    }
    char b[64];
    for (size_t i = 0; i < se_stldr_nsegments(l); i++) {
        const se_segment *s = se_stldr_segment(l, i);
        const uint8_t *d = se_stldr_segment_data(l, i);
        volatile uint8_t sum = 0;
        for (uint32_t k = 0; k < s->filesz; k++)
            sum = (uint8_t)(sum + d[k]);
    }
    for (size_t i = 0; i < se_stldr_nsymbols(l); i++) {
        const se_symbol *s = se_stldr_symbol(l, i);
        assert_non_null(s->name);
        se_stldr_format_addr(l, s->addr + 2, b, sizeof b);
    }
    static const se_ram_window wins[2] = {
        {0x20000000u, 0x20000004u, 0x20040000u, 0x100, 0},
        {0x1F000000u, 0x1F000004u, 0x21000000u, 0, 0x80},
    };
    for (int w = 0; w < 2; w++)
        for (int p = 0; p < 2; p++) {
            se_image img;
            rc = se_stldr_plan(l, &wins[w], (se_place)p, p == 1, &img, &err);
            if (rc == SE_OK) {
                assert_true(img.size == 0 || img.bytes != NULL);
                se_image_free(&img);
            } else {
                assert_null(img.bytes);
                assert_true(err.msg[0] != '\0');
            }
        }
    se_stldr_free(l);
}

static void test_truncation_at_every_length_is_refused_cleanly(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    for (size_t len = 0; len < ef.len; len++) {
        /* A fresh allocation of exactly len bytes so ASan sees any overread. */
        uint8_t *p = malloc(len ? len : 1);
        memcpy(p, ef.data, len);
        se_stldr *l;
        se_error err;
        se_err rc = open_buf(p, len, &l, &err);
        if (!is_refusal(rc))
            fail_msg("length %zu: got %s: %s", len, se_err_name(rc), err.msg);
        free(p);
    }
    elfgen_free(&ef);
}

static void flip_region(const elfgen_file *ef, size_t from, size_t to)
{
    static const uint8_t masks[] = {0x01, 0x02, 0x10, 0x80, 0xFF};
    uint8_t *p = malloc(ef->len);
    for (size_t off = from; off < to && off < ef->len; off++)
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(p, ef->data, ef->len);
            p[off] ^= masks[m];
            exercise(p, ef->len);
        }
    free(p);
}

static void test_byte_flips_in_headers_are_handled_cleanly(void **state)
{
    (void)state;
    fx f;
    fx_gcc(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    flip_region(&ef, 0, sizeof(Elf32_Ehdr));
    flip_region(&ef, ef.phoff, ef.phoff + ef.phnum * sizeof(Elf32_Phdr));
    flip_region(&ef, ef.shoff, ef.shoff + ef.shnum * sizeof(Elf32_Shdr));
    elfgen_free(&ef);
}

static void test_byte_flips_in_symbols_and_storageinfo_are_handled_cleanly(void **state)
{
    (void)state;
    fx f;
    fx_iar(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    flip_region(&ef, ef.symtab_off, ef.strtab_off);
    flip_region(&ef, ef.sec_off[S_DEV], ef.sec_off[S_DEV] + SE_STORAGEINFO_SIZE);
    elfgen_free(&ef);
}

static void test_random_header_words_are_handled_cleanly(void **state)
{
    (void)state;
    fx f;
    fx_keil(&f);
    elfgen_file ef;
    fx_build(&f, &ef);
    uint8_t *p = malloc(ef.len);
    uint32_t x = 0x12345678u;
    static const uint32_t specials[] = {0,           1,           0x7FFFFFFFu, 0x80000000u,
                                        0xFFFFFFFFu, 0xFFFFFFF0u, 0x10000u};
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(p, ef.data, ef.len);
        for (int k = 0; k < 3; k++) {
            x = x * 1664525u + 1013904223u;
            size_t nhdr =
                sizeof(Elf32_Ehdr) + ef.phnum * sizeof(Elf32_Phdr) + ef.shnum * sizeof(Elf32_Shdr);
            size_t pick = (x >> 8) % nhdr, off;
            if (pick < sizeof(Elf32_Ehdr))
                off = pick;
            else if (pick < sizeof(Elf32_Ehdr) + ef.phnum * sizeof(Elf32_Phdr))
                off = ef.phoff + (pick - sizeof(Elf32_Ehdr));
            else
                off = ef.shoff + (pick - sizeof(Elf32_Ehdr) - ef.phnum * sizeof(Elf32_Phdr));
            off &= ~(size_t)3;
            uint32_t v = specials[(x >> 3) % (sizeof specials / sizeof specials[0])];
            if (off + 4 <= ef.len)
                elfgen_put32(p, ef.len, off, v ? v : x);
        }
        exercise(p, ef.len);
    }
    free(p);
    elfgen_free(&ef);
}

static void test_good_loaders_pass_the_exercise(void **state)
{
    (void)state;
    fx f;
    elfgen_file ef;
    void (*layouts[3])(fx *) = {fx_gcc, fx_iar, fx_keil};
    for (int i = 0; i < 3; i++) {
        layouts[i](&f);
        fx_build(&f, &ef);
        se_stldr *l;
        se_error err;
        assert_int_equal(open_buf(ef.data, ef.len, &l, &err), SE_OK);
        se_stldr_free(l);
        exercise(ef.data, ef.len);
        elfgen_free(&ef);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_empty_file),
        cmocka_unit_test(test_refuses_three_byte_file),
        cmocka_unit_test(test_refuses_file_without_elf_magic),
        cmocka_unit_test(test_refuses_elf64),
        cmocka_unit_test(test_refuses_unknown_elf_class),
        cmocka_unit_test(test_refuses_big_endian),
        cmocka_unit_test(test_refuses_unknown_data_encoding),
        cmocka_unit_test(test_refuses_non_arm_machine),
        cmocka_unit_test(test_refuses_header_cut_short),
        cmocka_unit_test(test_refuses_bogus_shoff),
        cmocka_unit_test(test_refuses_section_table_past_end),
        cmocka_unit_test(test_refuses_bogus_phoff),
        cmocka_unit_test(test_refuses_huge_section_size),
        cmocka_unit_test(test_refuses_section_offset_wrapping_around),
        cmocka_unit_test(test_refuses_segment_past_end),
        cmocka_unit_test(test_refuses_segment_with_more_file_bytes_than_memory),
        cmocka_unit_test(test_refuses_segment_wrapping_address_space),
        cmocka_unit_test(test_pn_xnum_with_no_program_headers_says_no_loadable_segment),
        cmocka_unit_test(test_entry_outside_a_relocated_image_is_named_at_its_link_address),
        cmocka_unit_test(test_refuses_symbol_table_past_end),
        cmocka_unit_test(test_refuses_symbol_table_with_partial_entry),
        cmocka_unit_test(test_refuses_symbol_table_without_string_table),
        cmocka_unit_test(test_refuses_symbol_name_past_string_table),
        cmocka_unit_test(test_refuses_symbol_section_index_out_of_range),
        cmocka_unit_test(test_refuses_overlapping_section_file_bytes),
        cmocka_unit_test(test_nobits_sections_may_share_file_offsets),
        cmocka_unit_test(test_refuses_missing_storageinfo),
        cmocka_unit_test(test_refuses_stripped_loader),
        cmocka_unit_test(test_ignores_undefined_storageinfo),
        cmocka_unit_test(test_refuses_missing_init),
        cmocka_unit_test(test_refuses_missing_write),
        cmocka_unit_test(test_ignores_undefined_entry_symbols),
        cmocka_unit_test(test_entry_must_be_a_function_not_an_object),
        cmocka_unit_test(test_storageinfo_name_must_be_nul_terminated),
        cmocka_unit_test(test_storageinfo_name_of_99_chars_is_accepted),
        cmocka_unit_test(test_storageinfo_name_must_not_be_empty),
        cmocka_unit_test(test_storageinfo_device_type_must_be_1_to_10),
        cmocka_unit_test(test_storageinfo_size_must_not_be_zero),
        cmocka_unit_test(test_storageinfo_start_plus_size_must_fit_32_bits),
        cmocka_unit_test(test_storageinfo_page_size_must_not_be_zero),
        cmocka_unit_test(test_storageinfo_page_size_must_not_exceed_size),
        cmocka_unit_test(test_storageinfo_needs_sector_groups),
        cmocka_unit_test(test_sector_group_with_only_num_zero_is_refused),
        cmocka_unit_test(test_sector_group_with_only_size_zero_is_refused),
        cmocka_unit_test(test_sectors_not_adding_up_are_read_with_a_policy),
        cmocka_unit_test(test_sectors_sum_is_computed_in_64_bits),
        cmocka_unit_test(test_storageinfo_symbol_size_must_be_200),
        cmocka_unit_test(test_storageinfo_symbol_size_zero_means_unknown),
        cmocka_unit_test(test_storageinfo_in_nobits_section_is_refused),
        cmocka_unit_test(test_storageinfo_past_end_of_its_section_is_refused),
        cmocka_unit_test(test_storageinfo_absolute_symbol_is_refused),
        cmocka_unit_test(test_storageinfo_section_cut_short_by_file_end_is_truncated),
        cmocka_unit_test(test_storageinfo_decodes_all_fields),
        cmocka_unit_test(test_storageinfo_erase_value_is_any_byte),
        cmocka_unit_test(test_storageinfo_ten_groups_without_terminator),
        cmocka_unit_test(test_storageinfo_groups_after_terminator_are_ignored),
        cmocka_unit_test(test_storageinfo_padding_bytes_are_ignored),
        cmocka_unit_test(test_storageinfo_at_vma_zero_iar_style),
        cmocka_unit_test(test_storageinfo_inside_code_range_gcc_style),
        cmocka_unit_test(test_storageinfo_at_bss_address_keil_style),
        cmocka_unit_test(test_storageinfo_not_at_start_of_its_section),
        cmocka_unit_test(test_entry_points_keep_thumb_bit),
        cmocka_unit_test(test_checksum_symbol_either_spelling),
        cmocka_unit_test(test_optional_entry_points_may_be_missing),
        cmocka_unit_test(test_entry_prefers_global_function_symbol),
        cmocka_unit_test(test_entry_name_spells_every_entry),
        cmocka_unit_test(test_elf_entry_is_e_entry),
        cmocka_unit_test(test_every_pt_load_is_recorded),
        cmocka_unit_test(test_segment_with_storageinfo_and_other_bytes_is_not_metadata),
        cmocka_unit_test(test_bss_only_segment_is_not_metadata),
        cmocka_unit_test(test_symbols_sorted_with_thumb_bit_cleared),
        cmocka_unit_test(test_symbols_leave_out_undefined_and_empty),
        cmocka_unit_test(test_symbolize_finds_containing_function),
        cmocka_unit_test(test_symbolize_prefers_functions_over_objects),
        cmocka_unit_test(test_symbolize_size_zero_matches_exactly),
        cmocka_unit_test(test_format_addr),
        cmocka_unit_test(test_plan_link_downloads_at_link_address),
        cmocka_unit_test(test_plan_relocates_to_profile_base),
        cmocka_unit_test(test_plan_profile_checks_relocated_addresses),
        cmocka_unit_test(test_plan_excludes_metadata_segment),
        cmocka_unit_test(test_plan_fills_gaps_with_zero),
        cmocka_unit_test(test_plan_bss_only_segment_counts_for_mem_end),
        cmocka_unit_test(test_plan_warns_bss_not_zeroed),
        cmocka_unit_test(test_plan_no_warnings_for_a_clean_loader),
        cmocka_unit_test(test_plan_warns_link_base_differs_from_load_base),
        cmocka_unit_test(test_plan_refuses_segment_covering_breakpoint),
        cmocka_unit_test(test_plan_refuses_profile_base_on_breakpoint),
        cmocka_unit_test(test_plan_refuses_segment_beyond_window_end),
        cmocka_unit_test(test_plan_refuses_bss_segment_below_window),
        cmocka_unit_test(test_plan_refuses_segment_the_host_would_not_download),
        cmocka_unit_test(test_plan_refuses_overlapping_segments),
        cmocka_unit_test(test_plan_warns_over_download_limit),
        cmocka_unit_test(test_plan_observed_limit_is_a_warning_even_strict),
        cmocka_unit_test(test_plan_strict_refuses_over_download_limit),
        cmocka_unit_test(test_plan_refuses_init_outside_image),
        cmocka_unit_test(test_plan_warns_optional_entry_outside_image),
        cmocka_unit_test(test_plan_refuses_when_nothing_is_downloaded),
        cmocka_unit_test(test_plan_keeps_at_most_eight_warnings),
        cmocka_unit_test(test_plan_refuses_bad_arguments),
        cmocka_unit_test(test_open_file_reads_a_loader),
        cmocka_unit_test(test_open_file_missing_is_io_error),
        cmocka_unit_test(test_open_mem_copies_the_buffer),
        cmocka_unit_test(test_open_mem_refuses_bad_arguments),
        cmocka_unit_test(test_truncation_at_every_length_is_refused_cleanly),
        cmocka_unit_test(test_byte_flips_in_headers_are_handled_cleanly),
        cmocka_unit_test(test_byte_flips_in_symbols_and_storageinfo_are_handled_cleanly),
        cmocka_unit_test(test_random_header_words_are_handled_cleanly),
        cmocka_unit_test(test_good_loaders_pass_the_exercise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
