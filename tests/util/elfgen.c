/* elfgen: see elfgen.h. Written byte by byte (little-endian), independent of the host. */
#include "util/elfgen.h"

#include <assert.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* ---- growable byte buffer ------------------------------------------------------------ */

typedef struct gbuf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} gbuf;

static void gb_reserve(gbuf *b, size_t need)
{
    if (b->failed || need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *np = realloc(b->p, cap);
    if (!np) {
        b->failed = true;
        return;
    }
    memset(np + b->cap, 0, cap - b->cap);
    b->p = np;
    b->cap = cap;
}

/* Grow to at least len bytes (zero-filled). */
static void gb_extend(gbuf *b, size_t len)
{
    gb_reserve(b, len);
    if (!b->failed && len > b->len)
        b->len = len;
}

static void gb_align(gbuf *b, uint32_t align)
{
    if (align > 1)
        gb_extend(b, (b->len + align - 1) / align * align);
}

static void gb_bytes(gbuf *b, const void *data, size_t n)
{
    size_t at = b->len;
    gb_extend(b, at + n);
    if (!b->failed && data && n)
        memcpy(b->p + at, data, n);
}

/* Append a NUL-terminated string, return its offset. */
static uint32_t gb_str(gbuf *b, const char *s)
{
    uint32_t at = (uint32_t)b->len;
    gb_bytes(b, s ? s : "", strlen(s ? s : "") + 1);
    return at;
}

/* ---- accessors ----------------------------------------------------------------------- */

void elfgen_put8(uint8_t *buf, size_t len, size_t off, uint8_t v)
{
    assert(off < len);
    (void)len;
    buf[off] = v;
}

void elfgen_put16(uint8_t *buf, size_t len, size_t off, uint16_t v)
{
    assert(off + 2 <= len);
    (void)len;
    buf[off] = (uint8_t)v;
    buf[off + 1] = (uint8_t)(v >> 8);
}

void elfgen_put32(uint8_t *buf, size_t len, size_t off, uint32_t v)
{
    assert(off + 4 <= len);
    (void)len;
    for (int i = 0; i < 4; i++)
        buf[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

uint16_t elfgen_get16(const uint8_t *buf, size_t len, size_t off)
{
    assert(off + 2 <= len);
    (void)len;
    return (uint16_t)(buf[off] | (buf[off + 1] << 8));
}

uint32_t elfgen_get32(const uint8_t *buf, size_t len, size_t off)
{
    assert(off + 4 <= len);
    (void)len;
    return (uint32_t)buf[off] | ((uint32_t)buf[off + 1] << 8) | ((uint32_t)buf[off + 2] << 16) |
           ((uint32_t)buf[off + 3] << 24);
}

unsigned elfgen_shndx(unsigned i) { return i + 1; }

size_t elfgen_shdr_off(const elfgen_file *f, unsigned shndx)
{
    return (size_t)f->shoff + (size_t)shndx * sizeof(Elf32_Shdr);
}

size_t elfgen_phdr_off(const elfgen_file *f, unsigned i)
{
    return (size_t)f->phoff + (size_t)i * sizeof(Elf32_Phdr);
}

size_t elfgen_sym_off(const elfgen_file *f, unsigned user_symbol)
{
    return (size_t)f->symtab_off + (size_t)(user_symbol + 1) * sizeof(Elf32_Sym);
}

/* ---- writer -------------------------------------------------------------------------- */

static void put_shdr(gbuf *b, size_t at, uint32_t name, uint32_t type, uint32_t flags,
                     uint32_t addr, uint32_t offset, uint32_t size, uint32_t link, uint32_t info,
                     uint32_t align, uint32_t entsize)
{
    if (b->failed)
        return;
    const uint32_t v[10] = {name, type, flags, addr, offset, size, link, info, align, entsize};
    for (int i = 0; i < 10; i++)
        elfgen_put32(b->p, b->len, at + 4 * (size_t)i, v[i]);
}

void elfgen_free(elfgen_file *f)
{
    if (!f)
        return;
    free(f->data);
    free(f->sec_off);
    memset(f, 0, sizeof *f);
}

uint8_t *elfgen_dup(const elfgen_file *f)
{
    uint8_t *p = malloc(f->len ? f->len : 1);
    if (p && f->len)
        memcpy(p, f->data, f->len);
    return p;
}

int elfgen_build(const elfgen_desc *d, elfgen_file *f)
{
    memset(f, 0, sizeof *f);
    if (!d || (d->nsections && !d->sections) || (d->nsegments && !d->segments) ||
        (d->nsymbols && !d->symbols))
        return -1;
    for (size_t i = 0; i < d->nsegments; i++) {
        const elfgen_segment *s = &d->segments[i];
        if (s->nsections < 0 || s->first_section < 0 ||
            (s->nsections > 0 && (size_t)s->first_section + (size_t)s->nsections > d->nsections))
            return -1;
    }
    for (size_t i = 0; i < d->nsymbols; i++) {
        int sec = d->symbols[i].section;
        if (sec >= 0 && (size_t)sec >= d->nsections)
            return -1;
    }

    const size_t n = d->nsections;
    f->sec_off = calloc(n ? n : 1, sizeof *f->sec_off);
    if (!f->sec_off)
        return -1;
    f->nsec = n;

    gbuf b = {0};
    gbuf shstr = {0};
    gbuf str = {0};
    gb_str(&shstr, "");
    gb_str(&str, "");

    /* ELF header and program headers: filled in at the end. */
    gb_extend(&b, sizeof(Elf32_Ehdr));
    f->phnum = (unsigned)d->nsegments;
    f->phoff = d->nsegments ? (uint32_t)b.len : 0;
    gb_extend(&b, b.len + d->nsegments * sizeof(Elf32_Phdr));

    /* Section contents. */
    uint32_t *sec_name = calloc(n ? n : 1, sizeof *sec_name);
    if (!sec_name)
        b.failed = true;
    for (size_t i = 0; i < n && !b.failed; i++) {
        const elfgen_section *s = &d->sections[i];
        gb_align(&b, s->align ? s->align : 4);
        f->sec_off[i] = (uint32_t)b.len;
        if (s->type != SHT_NOBITS)
            gb_bytes(&b, s->data, s->size);
        sec_name[i] = gb_str(&shstr, s->name);
    }

    /* Symbol table and its strings. */
    unsigned idx = (unsigned)n + 1;
    uint32_t first_global = 1;
    if (!d->no_symtab) {
        gb_align(&b, 4);
        f->symtab_off = (uint32_t)b.len;
        gb_extend(&b, b.len + (d->nsymbols + 1) * sizeof(Elf32_Sym));
        for (size_t i = 0; i < d->nsymbols && !b.failed; i++) {
            const elfgen_symbol *s = &d->symbols[i];
            size_t at = f->symtab_off + (i + 1) * sizeof(Elf32_Sym);
            uint16_t shndx;
            if (s->section >= 0)
                shndx = (uint16_t)elfgen_shndx((unsigned)s->section);
            else if (s->section == ELFGEN_SEC_ABS)
                shndx = SHN_ABS;
            else if (s->section == ELFGEN_SEC_RAW)
                shndx = s->raw_shndx;
            else
                shndx = SHN_UNDEF;
            elfgen_put32(b.p, b.len, at + offsetof(Elf32_Sym, st_name), gb_str(&str, s->name));
            elfgen_put32(b.p, b.len, at + offsetof(Elf32_Sym, st_value), s->value);
            elfgen_put32(b.p, b.len, at + offsetof(Elf32_Sym, st_size), s->size);
            elfgen_put8(b.p, b.len, at + offsetof(Elf32_Sym, st_info),
                        (uint8_t)ELF32_ST_INFO(s->bind, s->type));
            elfgen_put16(b.p, b.len, at + offsetof(Elf32_Sym, st_shndx), shndx);
            if (s->bind == STB_LOCAL && first_global == i + 1)
                first_global = (uint32_t)i + 2;
        }
        f->strtab_off = (uint32_t)b.len;
        gb_bytes(&b, str.p, str.len);
        f->symtab_shndx = idx++;
        f->strtab_shndx = idx++;
    }
    uint32_t symtab_name = gb_str(&shstr, ".symtab");
    uint32_t strtab_name = gb_str(&shstr, ".strtab");
    uint32_t shstrtab_name = gb_str(&shstr, ".shstrtab");
    f->shstrtab_shndx = idx++;
    uint32_t shstrtab_off = (uint32_t)b.len;
    uint32_t shstrtab_size = (uint32_t)shstr.len;
    gb_bytes(&b, shstr.p, shstr.len);
    if (str.failed || shstr.failed)
        b.failed = true;

    /* Section header table. */
    gb_align(&b, 4);
    f->shnum = idx;
    f->shoff = (uint32_t)b.len;
    gb_extend(&b, b.len + (size_t)idx * sizeof(Elf32_Shdr));
    for (size_t i = 0; i < n && !b.failed; i++) {
        const elfgen_section *s = &d->sections[i];
        put_shdr(&b, elfgen_shdr_off(f, elfgen_shndx((unsigned)i)), sec_name[i], s->type, s->flags,
                 s->addr, f->sec_off[i], s->size, 0, 0, s->align ? s->align : 4, 0);
    }
    if (!d->no_symtab && !b.failed) {
        put_shdr(&b, elfgen_shdr_off(f, f->symtab_shndx), symtab_name, SHT_SYMTAB, 0, 0,
                 f->symtab_off, (uint32_t)((d->nsymbols + 1) * sizeof(Elf32_Sym)), f->strtab_shndx,
                 first_global, 4, sizeof(Elf32_Sym));
        put_shdr(&b, elfgen_shdr_off(f, f->strtab_shndx), strtab_name, SHT_STRTAB, 0, 0,
                 f->strtab_off, (uint32_t)str.len, 0, 0, 1, 0);
    }
    put_shdr(&b, elfgen_shdr_off(f, f->shstrtab_shndx), shstrtab_name, SHT_STRTAB, 0, 0,
             shstrtab_off, shstrtab_size, 0, 0, 1, 0);

    /* Program headers. */
    for (size_t i = 0; i < d->nsegments && !b.failed; i++) {
        const elfgen_segment *s = &d->segments[i];
        uint32_t offset = s->offset, filesz = s->filesz, memsz = s->memsz;
        if (s->nsections > 0) {
            size_t first = (size_t)s->first_section, last = first + (size_t)s->nsections;
            offset = f->sec_off[first];
            filesz = 0;
            uint32_t mem = 0;
            for (size_t k = first; k < last; k++) {
                const elfgen_section *sec = &d->sections[k];
                if (sec->type != SHT_NOBITS && f->sec_off[k] + sec->size - offset > filesz)
                    filesz = f->sec_off[k] + sec->size - offset;
                if (sec->addr + sec->size - s->vaddr > mem)
                    mem = sec->addr + sec->size - s->vaddr;
            }
            if (memsz == 0)
                memsz = mem > filesz ? mem : filesz;
        }
        size_t at = elfgen_phdr_off(f, (unsigned)i);
        const uint32_t v[8] = {s->type, offset, s->vaddr, s->paddr ? s->paddr : s->vaddr,
                               filesz,  memsz,  s->flags, s->align ? s->align : 4};
        for (int k = 0; k < 8; k++)
            elfgen_put32(b.p, b.len, at + 4 * (size_t)k, v[k]);
    }

    /* ELF header. */
    if (!b.failed) {
        uint8_t *e = b.p;
        static const uint8_t ident[8] = {0x7f,       'E',         'L',        'F',
                                         ELFCLASS32, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE};
        memcpy(e, ident, sizeof ident);
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_type), d->type ? d->type : ET_EXEC);
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_machine), d->machine ? d->machine : EM_ARM);
        elfgen_put32(e, b.len, offsetof(Elf32_Ehdr, e_version), EV_CURRENT);
        elfgen_put32(e, b.len, offsetof(Elf32_Ehdr, e_entry), d->entry);
        elfgen_put32(e, b.len, offsetof(Elf32_Ehdr, e_phoff), f->phoff);
        elfgen_put32(e, b.len, offsetof(Elf32_Ehdr, e_shoff), f->shoff);
        elfgen_put32(e, b.len, offsetof(Elf32_Ehdr, e_flags),
                     d->eflags ? d->eflags : EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_SOFT);
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_ehsize), sizeof(Elf32_Ehdr));
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_phentsize),
                     d->nsegments ? sizeof(Elf32_Phdr) : 0);
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_phnum), (uint16_t)d->nsegments);
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_shentsize), sizeof(Elf32_Shdr));
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_shnum), (uint16_t)idx);
        elfgen_put16(e, b.len, offsetof(Elf32_Ehdr, e_shstrndx), (uint16_t)f->shstrtab_shndx);
    }

    free(sec_name);
    free(str.p);
    free(shstr.p);
    if (b.failed) {
        free(b.p);
        elfgen_free(f);
        return -1;
    }
    f->data = b.p;
    f->len = b.len;
    return 0;
}
