/* Reading a CubeProgrammer external loader (.stldr): see stldr.h.
 *
 * Every size and offset in the file is untrusted. The ELF header, the program header table
 * and the section header table are bounds-checked from the raw bytes before libelf sees the
 * file, so that each refusal gets its own code; libelf then reads a private copy of the
 * file (elf_memory) and every section, segment and symbol it returns is checked again
 * against the file size, in 64-bit arithmetic. */
#include "loader/stldr.h"
#include "loader/stldr_impl.h"

#include "base/fileio.h"
#include "base/input_limits.h"

#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const entry_names[SE_EP__COUNT] = {
    [SE_EP_INIT] = "Init",
    [SE_EP_WRITE] = "Write",
    [SE_EP_SECTOR_ERASE] = "SectorErase",
    [SE_EP_MASS_ERASE] = "MassErase",
    [SE_EP_READ] = "Read",
    [SE_EP_VERIFY] = "Verify",
    [SE_EP_CHECKSUM] = "CheckSum",
    [SE_EP_DEINIT] = "DeInit",
};

const char *se_entry_name(se_entry_id id)
{
    if ((unsigned)id >= SE_EP__COUNT)
        return "?";
    return entry_names[id];
}

/* ---- little helpers ------------------------------------------------------------------ */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* NUL-terminated string at off inside [base, base+size), or NULL. */
static const char *str_at(const char *base, size_t size, uint64_t off)
{
    if (!base || off >= size)
        return NULL;
    if (!memchr(base + off, '\0', size - (size_t)off))
        return NULL;
    return base + off;
}

/* "0x%08x" for an address computed in 64 bits that may have left the 32-bit space. */
static const char *fmt64(char buf[24], int64_t v)
{
    if (v < 0)
        snprintf(buf, 24, "-0x%" PRIx64, (uint64_t)(-(v + 1)) + 1u);
    else
        snprintf(buf, 24, "0x%08" PRIx64, (uint64_t)v);
    return buf;
}

/* ---- raw header checks --------------------------------------------------------------- */

static se_err check_ident(const uint8_t *b, size_t len, const char *label, se_error *err)
{
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    if (len < 4 || memcmp(b, magic, 4) != 0)
        return se_error_set(err, SE_ERR_NOT_ELF, "%s: not an ELF file (%zu bytes, no ELF magic)",
                            label, len);
    if (len < EI_NIDENT)
        return se_error_set(err, SE_ERR_TRUNCATED,
                            "%s: truncated: %zu bytes, shorter than the ELF identification", label,
                            len);
    if (b[EI_CLASS] == ELFCLASS64)
        return se_error_set(err, SE_ERR_ELF64,
                            "%s: 64-bit ELF (ELFCLASS64): a loader is a 32-bit ARM ELF", label);
    if (b[EI_CLASS] != ELFCLASS32)
        return se_error_set(err, SE_ERR_NOT_ELF, "%s: unknown ELF class %u in e_ident", label,
                            b[EI_CLASS]);
    if (b[EI_DATA] == ELFDATA2MSB)
        return se_error_set(err, SE_ERR_BIG_ENDIAN,
                            "%s: big-endian ELF (ELFDATA2MSB): a loader is little-endian", label);
    if (b[EI_DATA] != ELFDATA2LSB)
        return se_error_set(err, SE_ERR_NOT_ELF, "%s: unknown ELF data encoding %u in e_ident",
                            label, b[EI_DATA]);
    if (b[EI_VERSION] != EV_CURRENT)
        return se_error_set(err, SE_ERR_NOT_ELF, "%s: unknown ELF version %u in e_ident", label,
                            b[EI_VERSION]);
    if (len < sizeof(Elf32_Ehdr))
        return se_error_set(err, SE_ERR_TRUNCATED,
                            "%s: truncated: %zu bytes, shorter than the %zu-byte ELF header", label,
                            len, sizeof(Elf32_Ehdr));
    uint16_t machine = rd16(b + offsetof(Elf32_Ehdr, e_machine));
    if (machine != EM_ARM)
        return se_error_set(err, SE_ERR_NOT_ARM,
                            "%s: e_machine is %u, not EM_ARM (40): not an ARM loader", label,
                            machine);
    return SE_OK;
}

static se_err check_tables(const uint8_t *b, size_t len, const char *label, raw_hdr *h,
                           se_error *err)
{
    const size_t ehsz = sizeof(Elf32_Ehdr);
    uint32_t phoff = rd32(b + offsetof(Elf32_Ehdr, e_phoff));
    uint32_t shoff = rd32(b + offsetof(Elf32_Ehdr, e_shoff));
    uint16_t phentsize = rd16(b + offsetof(Elf32_Ehdr, e_phentsize));
    uint16_t shentsize = rd16(b + offsetof(Elf32_Ehdr, e_shentsize));
    size_t phnum = rd16(b + offsetof(Elf32_Ehdr, e_phnum));
    size_t shnum = rd16(b + offsetof(Elf32_Ehdr, e_shnum));
    size_t shstrndx = rd16(b + offsetof(Elf32_Ehdr, e_shstrndx));

    memset(h, 0, sizeof *h);
    /* Section header table first: extended numbering keeps counts in section 0. */
    if (shoff != 0) {
        if (shentsize != sizeof(Elf32_Shdr))
            return se_error_set(err, SE_ERR_NOT_ELF, "%s: e_shentsize is %u, expected %zu", label,
                                shentsize, sizeof(Elf32_Shdr));
        if (shoff < ehsz || !in_file(shoff, sizeof(Elf32_Shdr), len))
            return se_error_set(err, SE_ERR_TRUNCATED,
                                "%s: bogus e_shoff 0x%x: section headers outside the %zu-byte "
                                "file",
                                label, shoff, len);
        const uint8_t *sh0 = b + shoff;
        if (shnum == 0)
            shnum = rd32(sh0 + offsetof(Elf32_Shdr, sh_size));
        if (shstrndx == SHN_XINDEX)
            shstrndx = rd32(sh0 + offsetof(Elf32_Shdr, sh_link));
        if (phnum == PN_XNUM)
            phnum = rd32(sh0 + offsetof(Elf32_Shdr, sh_info));
        if (!in_file(shoff, (uint64_t)shnum * sizeof(Elf32_Shdr), len))
            return se_error_set(err, SE_ERR_TRUNCATED,
                                "%s: truncated: %zu section headers at 0x%x run past the end of "
                                "the %zu-byte file",
                                label, shnum, shoff, len);
        if (shnum > 0 && shstrndx >= shnum)
            return se_error_set(err, SE_ERR_TRUNCATED,
                                "%s: e_shstrndx %zu is not one of the %zu sections", label,
                                shstrndx, shnum);
    } else if (shnum != 0) {
        return se_error_set(err, SE_ERR_TRUNCATED, "%s: bogus e_shoff 0 with e_shnum %zu", label,
                            shnum);
    } else {
        shstrndx = 0;
        if (phnum == PN_XNUM)
            return se_error_set(err, SE_ERR_TRUNCATED,
                                "%s: e_phnum is PN_XNUM but there is no section 0", label);
    }

    if (phnum > 0) {
        if (phentsize != sizeof(Elf32_Phdr))
            return se_error_set(err, SE_ERR_NOT_ELF, "%s: e_phentsize is %u, expected %zu", label,
                                phentsize, sizeof(Elf32_Phdr));
        if (phoff < ehsz || !in_file(phoff, (uint64_t)phnum * sizeof(Elf32_Phdr), len))
            return se_error_set(err, SE_ERR_TRUNCATED,
                                "%s: bogus e_phoff 0x%x: %zu program headers do not fit in the "
                                "%zu-byte file",
                                label, phoff, phnum, len);
    }
    h->phoff = phoff;
    h->shoff = shoff;
    h->phnum = phnum;
    h->phnum_xnum = rd16(b + offsetof(Elf32_Ehdr, e_phnum)) == PN_XNUM;
    h->shnum = shnum;
    h->shstrndx = shstrndx;
    return SE_OK;
}

/* ---- sections ------------------------------------------------------------------------ */

typedef struct sec_range {
    uint64_t off, size;
    size_t idx;
} sec_range;

static int cmp_sec_range(const void *a, const void *b)
{
    const sec_range *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static const char *sec_label(const sec_info *s, size_t idx, char buf[32])
{
    if (s->name && s->name[0])
        return s->name;
    snprintf(buf, 32, "#%zu", idx);
    return buf;
}

static se_err read_sections(open_ctx *c)
{
    se_stldr *l = c->l;
    size_t n = c->h.shnum;
    if (n == 0)
        return SE_OK;
    c->secs = calloc(n, sizeof *c->secs);
    if (!c->secs)
        return se_error_set(c->err, SE_ERR_NOMEM, "%s: out of memory", c->label);
    for (size_t i = 0; i < n; i++) {
        Elf_Scn *scn = elf_getscn(c->elf, i);
        if (!scn || !gelf_getshdr(scn, &c->secs[i].sh))
            return se_error_set(c->err, SE_ERR_NOT_ELF, "%s: libelf cannot read section %zu: %s",
                                c->label, i, elf_errmsg(-1));
        const GElf_Shdr *sh = &c->secs[i].sh;
        if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL &&
            !in_file(sh->sh_offset, sh->sh_size, l->len))
            return se_error_set(c->err, SE_ERR_TRUNCATED,
                                "%s: truncated: section %zu (offset 0x%" PRIx64 ", size 0x%" PRIx64
                                ") runs past the end of the %zu-byte file",
                                c->label, i, (uint64_t)sh->sh_offset, (uint64_t)sh->sh_size,
                                l->len);
    }
    /* Section names (bounded lookups in the section header string table). */
    const GElf_Shdr *strsh = c->h.shstrndx ? &c->secs[c->h.shstrndx].sh : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        if (strsh && has_file_bytes(strsh))
            name = str_at((const char *)l->buf + strsh->sh_offset, strsh->sh_size,
                          c->secs[i].sh.sh_name);
        c->secs[i].name = name ? name : "";
    }
    /* File bytes of two sections must not overlap. */
    sec_range *order = malloc(n * sizeof *order);
    if (!order)
        return se_error_set(c->err, SE_ERR_NOMEM, "%s: out of memory", c->label);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (has_file_bytes(&c->secs[i].sh))
            order[m++] = (sec_range){c->secs[i].sh.sh_offset, c->secs[i].sh.sh_size, i};
    qsort(order, m, sizeof *order, cmp_sec_range);
    se_err rc = SE_OK;
    for (size_t k = 1; k < m; k++) {
        const sec_range *a = &order[k - 1], *b = &order[k];
        if (a->off + a->size > b->off) {
            char ba[32], bb[32];
            rc = se_error_set(c->err, SE_ERR_OVERLAP,
                              "%s: the file bytes of sections %s (0x%" PRIx64 "+0x%" PRIx64
                              ") and %s (0x%" PRIx64 "+0x%" PRIx64 ") overlap",
                              c->label, sec_label(&c->secs[a->idx], a->idx, ba), a->off, a->size,
                              sec_label(&c->secs[b->idx], b->idx, bb), b->off, b->size);
            break;
        }
    }
    free(order);
    return rc;
}

/* ---- segments ------------------------------------------------------------------------ */

static se_err read_segments(open_ctx *c)
{
    se_stldr *l = c->l;
    size_t n = c->h.phnum;
    l->phnum = n;
    l->phnum_xnum = c->h.phnum_xnum;
    if (n == 0)
        return SE_OK;
    l->segs = calloc(n, sizeof *l->segs);
    if (!l->segs)
        return se_error_set(c->err, SE_ERR_NOMEM, "%s: out of memory", c->label);
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(c->elf, (int)i, &ph))
            return se_error_set(c->err, SE_ERR_NOT_ELF,
                                "%s: libelf cannot read program header %zu: %s", c->label, i,
                                elf_errmsg(-1));
        if (ph.p_type == PT_NULL)
            continue;
        if (ph.p_filesz > 0 && !in_file(ph.p_offset, ph.p_filesz, l->len))
            return se_error_set(c->err, SE_ERR_TRUNCATED,
                                "%s: truncated: segment %zu (offset 0x%" PRIx64
                                ", file size 0x%" PRIx64 ") runs past the end of the %zu-byte "
                                "file",
                                c->label, i, (uint64_t)ph.p_offset, (uint64_t)ph.p_filesz, l->len);
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_filesz > ph.p_memsz)
            return se_error_set(c->err, SE_ERR_TRUNCATED,
                                "%s: segment %zu has 0x%" PRIx64 " file bytes but only 0x%" PRIx64
                                " bytes in memory",
                                c->label, i, (uint64_t)ph.p_filesz, (uint64_t)ph.p_memsz);
        if (ph.p_vaddr + ph.p_memsz > UINT64_C(0x100000000))
            return se_error_set(c->err, SE_ERR_TRUNCATED,
                                "%s: segment %zu (0x%08" PRIx64 ", 0x%" PRIx64
                                " bytes) runs past the end of the 32-bit address space",
                                c->label, i, (uint64_t)ph.p_vaddr, (uint64_t)ph.p_memsz);
        se_segment *s = &l->segs[l->nsegs++];
        s->vaddr = (uint32_t)ph.p_vaddr;
        s->paddr = (uint32_t)ph.p_paddr;
        s->memsz = (uint32_t)ph.p_memsz;
        s->filesz = (uint32_t)ph.p_filesz;
        s->offset = (uint32_t)ph.p_offset;
        s->flags = (uint32_t)ph.p_flags;
    }
    return SE_OK;
}

/* A PT_LOAD is metadata when the only section with file bytes in its file range is the
 * section holding StorageInfo. */
void se_stldr_mark_metadata(open_ctx *c, size_t si_shndx)
{
    se_stldr *l = c->l;
    for (size_t i = 0; i < l->nsegs; i++) {
        se_segment *s = &l->segs[i];
        if (s->filesz == 0)
            continue;
        uint64_t lo = s->offset, hi = (uint64_t)s->offset + s->filesz;
        size_t count = 0;
        bool has_si = false;
        for (size_t k = 0; k < c->h.shnum; k++) {
            const GElf_Shdr *sh = &c->secs[k].sh;
            if (!has_file_bytes(sh))
                continue;
            if (sh->sh_offset < hi && sh->sh_offset + sh->sh_size > lo) {
                count++;
                if (k == si_shndx)
                    has_si = true;
            }
        }
        s->metadata = count == 1 && has_si;
    }
}

/* Keep a read-only copy of the section headers, with each allocated section's load
 * address from the PT_LOAD segment that holds it. Names point into l->buf. */
static se_err keep_sections(open_ctx *c)
{
    se_stldr *l = c->l;
    size_t n = c->h.shnum;
    if (n == 0)
        return SE_OK;
    l->secs = calloc(n, sizeof *l->secs);
    if (!l->secs)
        return se_error_set(c->err, SE_ERR_NOMEM, "%s: out of memory", c->label);
    l->nsecs = n;
    for (size_t i = 0; i < n; i++) {
        const GElf_Shdr *sh = &c->secs[i].sh;
        se_section *o = &l->secs[i];
        o->name = c->secs[i].name;
        o->type = (uint32_t)sh->sh_type;
        o->flags = (uint32_t)sh->sh_flags;
        o->addr = (uint32_t)sh->sh_addr;
        o->size = (uint32_t)sh->sh_size;
        o->offset = (uint32_t)sh->sh_offset;
        o->lma = o->addr;
        o->segment = -1;
        if (!(sh->sh_flags & SHF_ALLOC) || sh->sh_size == 0)
            continue;
        for (size_t k = 0; k < l->nsegs; k++) {
            const se_segment *s = &l->segs[k];
            uint64_t rel;
            if (has_file_bytes(sh)) {
                if (sh->sh_offset < s->offset ||
                    sh->sh_offset + sh->sh_size > (uint64_t)s->offset + s->filesz)
                    continue;
                rel = sh->sh_offset - s->offset;
            } else {
                if (sh->sh_addr < s->vaddr ||
                    sh->sh_addr + sh->sh_size > (uint64_t)s->vaddr + s->memsz)
                    continue;
                rel = sh->sh_addr - s->vaddr;
            }
            o->lma = (uint32_t)(s->paddr + rel);
            o->segment = (int)k;
            break;
        }
    }
    return SE_OK;
}

/* ---- symbols ------------------------------------------------------------------------- */

static int cmp_sym(const void *a, const void *b)
{
    const se_symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->is_func != y->is_func)
        return x->is_func ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Rank of a symbol as an entry point: higher is better, 0 = not eligible. */
static int entry_rank(const GElf_Sym *s)
{
    int type = GELF_ST_TYPE(s->st_info), bind = GELF_ST_BIND(s->st_info);
    bool global = bind == STB_GLOBAL || bind == STB_WEAK;
    if (type == STT_FUNC)
        return global ? 4 : 3;
    if (type == STT_NOTYPE)
        return global ? 2 : 1;
    return 0;
}

static int storage_rank(const GElf_Sym *s)
{
    int type = GELF_ST_TYPE(s->st_info), bind = GELF_ST_BIND(s->st_info);
    bool global = bind == STB_GLOBAL || bind == STB_WEAK;
    if (type == STT_OBJECT)
        return global ? 4 : 3;
    if (type == STT_NOTYPE)
        return global ? 2 : 1;
    return 0;
}

static int entry_for_name(const char *name)
{
    for (int i = 0; i < (int)SE_EP__COUNT; i++)
        if (strcmp(name, entry_names[i]) == 0)
            return i;
    if (strcmp(name, "Checksum") == 0)
        return SE_EP_CHECKSUM;
    return -1;
}

static se_err decode_storage(open_ctx *c, const GElf_Sym *sym, size_t shndx);

static se_err read_symbols(open_ctx *c)
{
    se_stldr *l = c->l;
    size_t symndx = 0;
    for (size_t i = 1; i < c->h.shnum; i++)
        if (c->secs[i].sh.sh_type == SHT_SYMTAB) {
            symndx = i;
            break;
        }
    if (symndx == 0)
        return se_error_set(c->err, SE_ERR_NO_STORAGEINFO,
                            "%s: no symbol table (stripped?): cannot find StorageInfo (or an "
                            "FLM's FlashDevice) or the entry points",
                            c->label);
    const GElf_Shdr *symsh = &c->secs[symndx].sh;
    if (symsh->sh_size % sizeof(Elf32_Sym) != 0)
        return se_error_set(c->err, SE_ERR_TRUNCATED,
                            "%s: truncated symbol table: size 0x%" PRIx64
                            " is not a multiple of %zu",
                            c->label, (uint64_t)symsh->sh_size, sizeof(Elf32_Sym));
    size_t strndx = symsh->sh_link;
    if (strndx == 0 || strndx >= c->h.shnum || !has_file_bytes(&c->secs[strndx].sh))
        return se_error_set(c->err, SE_ERR_TRUNCATED,
                            "%s: the symbol table's string table (section %zu) is missing",
                            c->label, strndx);
    const GElf_Shdr *strsh = &c->secs[strndx].sh;
    const char *strtab = (const char *)l->buf + strsh->sh_offset;
    size_t strsize = (size_t)strsh->sh_size;

    Elf_Data *data = elf_getdata(elf_getscn(c->elf, symndx), NULL);
    size_t nsym = (size_t)(symsh->sh_size / sizeof(Elf32_Sym));
    if (nsym > 0 && (!data || data->d_size < nsym * sizeof(Elf32_Sym)))
        return se_error_set(c->err, SE_ERR_NOT_ELF, "%s: libelf cannot read the symbol table: %s",
                            c->label, elf_errmsg(-1));

    l->syms = calloc(nsym ? nsym : 1, sizeof *l->syms);
    if (!l->syms)
        return se_error_set(c->err, SE_ERR_NOMEM, "%s: out of memory", c->label);

    int best_entry[SE_EP__COUNT] = {0};
    int best_si = 0;
    GElf_Sym si_sym;
    memset(&si_sym, 0, sizeof si_sym);

    for (size_t i = 1; i < nsym; i++) {
        GElf_Sym s;
        if (!gelf_getsym(data, (int)i, &s))
            return se_error_set(c->err, SE_ERR_NOT_ELF, "%s: libelf cannot read symbol %zu: %s",
                                c->label, i, elf_errmsg(-1));
        const char *name = str_at(strtab, strsize, s.st_name);
        if (!name)
            return se_error_set(c->err, SE_ERR_TRUNCATED,
                                "%s: symbol %zu: name offset 0x%x is past the end of the string "
                                "table",
                                c->label, i, (unsigned)s.st_name);
        if (s.st_shndx == SHN_UNDEF)
            continue;
        if (s.st_shndx < SHN_LORESERVE && s.st_shndx >= c->h.shnum)
            return se_error_set(c->err, SE_ERR_TRUNCATED,
                                "%s: symbol %s refers to section %u, but the file has %zu sections",
                                c->label, name[0] ? name : "(unnamed)", (unsigned)s.st_shndx,
                                c->h.shnum);
        if (!name[0])
            continue;

        int ep = entry_for_name(name);
        if (ep >= 0) {
            int r = entry_rank(&s);
            if (r > best_entry[ep]) {
                best_entry[ep] = r;
                l->entry[ep] = (uint32_t)s.st_value;
                l->has_entry[ep] = true;
            }
        }
        int fe = se_flm_entry_for_name(name);
        if (fe >= 0) {
            int r = entry_rank(&s);
            if (r > c->flm_rank[fe]) {
                c->flm_rank[fe] = r;
                c->flm_entry[fe] = (uint32_t)s.st_value;
            }
        }
        if (strcmp(name, "FlashDevice") == 0) {
            int r = storage_rank(&s);
            if (r > c->fd_rank) {
                c->fd_rank = r;
                c->fd_sym = s;
            }
        }
        if (strcmp(name, "StorageInfo") == 0) {
            int r = storage_rank(&s);
            if (r > best_si) {
                best_si = r;
                si_sym = s;
            }
        }

        int type = GELF_ST_TYPE(s.st_info);
        if ((type == STT_FUNC || type == STT_OBJECT) && (s.st_value != 0 || s.st_size != 0)) {
            se_symbol *o = &l->syms[l->nsyms];
            o->name = strdup(name);
            if (!o->name)
                return se_error_set(c->err, SE_ERR_NOMEM, "%s: out of memory", c->label);
            l->nsyms++;
            o->is_func = type == STT_FUNC;
            o->addr = (uint32_t)s.st_value & (o->is_func ? ~1u : ~0u);
            o->size = (uint32_t)s.st_size;
        }
    }
    qsort(l->syms, l->nsyms, sizeof *l->syms, cmp_sym);

    if (best_si == 0) {
        /* No StorageInfo: a CMSIS-Pack flash algorithm, or neither. */
        bool stldr_like = l->has_entry[SE_EP_INIT] && l->has_entry[SE_EP_WRITE];
        uint32_t entry[SE_EP__COUNT];
        bool has_entry[SE_EP__COUNT];
        memcpy(entry, l->entry, sizeof entry);
        memcpy(has_entry, l->has_entry, sizeof has_entry);
        memset(l->entry, 0, sizeof l->entry);
        memset(l->has_entry, 0, sizeof l->has_entry);
        se_err fr = se_flm_decode(c);
        if (fr != SE_ERR_NO_STORAGEINFO)
            return fr;
        /* Field failure mode 10: a loader (it has Init and Write) whose 200-byte StorageInfo
         * object and its section are gone was linked with --gc-sections and no KEEP. */
        bool devinfo = false;
        for (size_t i = 1; i < c->h.shnum && !devinfo; i++) {
            const char *sn = c->secs[i].name;
            bool named = false;
            for (size_t k = 0; sn && sn[k] && !named; k++)
                named = !strncasecmp(sn + k, "dev_info", 8);
            devinfo = named && c->secs[i].sh.sh_size >= 200;
        }
        if (stldr_like && !devinfo) {
            snprintf(l->storage_missing, sizeof l->storage_missing,
                     "%s: no StorageInfo symbol and no 200-byte device-info section, though it "
                     "has Init and Write: a loader linked with --gc-sections drops StorageInfo "
                     "unless the linker script keeps it (KEEP(*(.Dev_info)) for a section "
                     ".Dev_info); CubeProgrammer lists such a loader as unknown or not at all "
                     "(field failure mode 10)",
                     c->label);
            if (!c->lenient)
                return se_error_set(c->err, SE_ERR_NO_STORAGEINFO, "%s", l->storage_missing);
            /* info and lint show and check the rest (issue 14 item 6) */
            memcpy(l->entry, entry, sizeof entry);
            memcpy(l->has_entry, has_entry, sizeof has_entry);
            memset(&l->storage, 0, sizeof l->storage);
            snprintf(l->storage.name, sizeof l->storage.name, "(no StorageInfo)");
            return SE_OK;
        }
        return se_error_set(c->err, SE_ERR_NO_STORAGEINFO,
                            "%s: no StorageInfo symbol and no FlashDevice (DevDscr): neither "
                            "a CubeProgrammer external loader nor a CMSIS flash algorithm",
                            c->label);
    }
    se_err rc = decode_storage(c, &si_sym, si_sym.st_shndx);
    if (rc)
        return rc;
    se_stldr_mark_metadata(c, si_sym.st_shndx);

    for (int req = SE_EP_INIT; req <= SE_EP_WRITE; req++)
        if (!l->has_entry[req])
            return se_error_set(c->err, SE_ERR_NO_ENTRY,
                                "%s: no %s entry point (no function symbol named \"%s\")", c->label,
                                entry_names[req], entry_names[req]);
    return SE_OK;
}

/* ---- StorageInfo --------------------------------------------------------------------- */

static se_err decode_storage(open_ctx *c, const GElf_Sym *sym, size_t shndx)
{
    se_stldr *l = c->l;
    se_storage_info *si = &l->storage;
    const char *lab = c->label;
    se_error *err = c->err;

    if (sym->st_size != 0 && sym->st_size != SE_STORAGEINFO_SIZE)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo is %" PRIu64 " bytes, expected %u", lab,
                            (uint64_t)sym->st_size, SE_STORAGEINFO_SIZE);
    if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || shndx >= c->h.shnum)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo (section index 0x%zx) is not in a section of the "
                            "file: cannot read it",
                            lab, shndx);
    const sec_info *sec = &c->secs[shndx];
    const GElf_Shdr *sh = &sec->sh;
    char sb[32];
    if (sh->sh_type == SHT_NOBITS || sh->sh_type == SHT_NULL)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo is in section %s, which has no bytes in the file "
                            "(%s)",
                            lab, sec_label(sec, shndx, sb),
                            sh->sh_type == SHT_NOBITS ? "NOBITS" : "SHT_NULL");
    uint64_t value = sym->st_value;
    if (value < sh->sh_addr || value - sh->sh_addr > sh->sh_size ||
        sh->sh_size - (value - sh->sh_addr) < SE_STORAGEINFO_SIZE)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo at 0x%08" PRIx64 " (%u bytes) is not inside its "
                            "section %s (0x%08" PRIx64 ", 0x%" PRIx64 " bytes)",
                            lab, value, SE_STORAGEINFO_SIZE, sec_label(sec, shndx, sb),
                            (uint64_t)sh->sh_addr, (uint64_t)sh->sh_size);
    uint64_t off = sh->sh_offset + (value - sh->sh_addr);
    if (!in_file(off, SE_STORAGEINFO_SIZE, l->len)) /* cannot happen: section checked */
        return se_error_set(err, SE_ERR_TRUNCATED,
                            "%s: truncated: StorageInfo at file offset 0x%" PRIx64
                            " runs past the end of the file",
                            lab, off);
    const uint8_t *p = l->buf + off;

    memset(si, 0, sizeof *si);
    si->symbol_addr = (uint32_t)value;
    snprintf(si->section, sizeof si->section, "%s", sec_label(sec, shndx, sb));

    const uint8_t *nul = memchr(p, '\0', SE_STORAGEINFO_NAME_LEN);
    if (!nul)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo.DeviceName is not NUL-terminated within its %u bytes",
                            lab, SE_STORAGEINFO_NAME_LEN);
    if (nul == p)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO, "%s: StorageInfo.DeviceName is empty",
                            lab);
    memcpy(si->name, p, (size_t)(nul - p) + 1);

    si->type = rd16(p + 100);
    si->start = rd32(p + 104);
    si->size = rd32(p + 108);
    si->page_size = rd32(p + 112);
    si->erase_value = p[116];

    if (si->type < SE_DEV_MCU_FLASH || si->type > SE_DEV_I2C_EEPROM)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo.DeviceType is %u, expected 1..10", lab, si->type);
    if (si->size == 0)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO, "%s: StorageInfo.DeviceSize is 0", lab);
    if ((uint64_t)si->start + si->size > UINT32_MAX)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo.DeviceStartAddress 0x%08x + DeviceSize 0x%x "
                            "overflows 32 bits",
                            lab, si->start, si->size);
    if (si->page_size == 0)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO, "%s: StorageInfo.PageSize is 0", lab);
    if (si->page_size > si->size)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo.PageSize 0x%x is larger than DeviceSize 0x%x", lab,
                            si->page_size, si->size);

    uint64_t total = 0;
    for (unsigned g = 0; g < SE_MAX_SECTOR_GROUPS; g++) {
        uint32_t num = rd32(p + 120 + 8 * g), size = rd32(p + 124 + 8 * g);
        if (num == 0 && size == 0)
            break;
        if (num == 0 || size == 0)
            return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                                "%s: StorageInfo.sectors[%u] has SectorNum 0x%x and SectorSize "
                                "0x%x: only one of them is 0",
                                lab, g, num, size);
        si->sectors[g].num = num;
        si->sectors[g].size = size;
        si->ngroups = g + 1;
        total += (uint64_t)num * size;
    }
    if (si->ngroups == 0)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo.sectors is empty: no sector groups", lab);
    /* Inconsistent sectors are read (se_storage_policy): the device ends at DeviceSize or at
     * the sectors' end, whichever comes first. */
    si->declared_size = si->size;
    si->sectors_total = total;
    if (total < si->size)
        si->size = (uint32_t)total;
    if (si->page_size > si->size)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: StorageInfo.PageSize 0x%x is larger than the sectors (0x%x "
                            "bytes)",
                            lab, si->page_size, si->size);
    return SE_OK;
}

bool se_storage_policy(const se_storage_info *si, char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    if (si->sectors_total == si->declared_size)
        return false;
    if (si->sectors_total > si->declared_size)
        snprintf(buf, len,
                 "StorageInfo sectors add up to 0x%" PRIx64 " bytes but DeviceSize is 0x%" PRIx32
                 ": the device is taken to end at DeviceSize, 0x%08" PRIx32
                 " (sectors past it are not used)",
                 si->sectors_total, si->declared_size, si->start + si->size);
    else
        snprintf(buf, len,
                 "StorageInfo sectors add up to 0x%" PRIx64 " bytes but DeviceSize is 0x%" PRIx32
                 ": the device is taken to end where its sectors end, 0x%08" PRIx32
                 " (no sector to erase past it)",
                 si->sectors_total, si->declared_size, si->start + si->size);
    return true;
}

/* ---- open / free --------------------------------------------------------------------- */

void se_stldr_free(se_stldr *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nsyms; i++)
        free((char *)l->syms[i].name);
    free(l->syms);
    free(l->flm);
    free(l->secs);
    free(l->segs);
    free(l->buf);
    free(l->path);
    free(l);
}

/* Takes ownership of buf (malloc'ed, len bytes; may be NULL when len is 0). */
static se_err open_owned(uint8_t *buf, size_t len, const char *label, bool lenient, se_stldr **out,
                         se_error *err)
{
    se_stldr *l = calloc(1, sizeof *l);
    if (!l) {
        free(buf);
        return se_error_set(err, SE_ERR_NOMEM, "%s: out of memory", label);
    }
    l->buf = buf;
    l->len = len;
    l->path = strdup(label);
    if (!l->path) {
        se_stldr_free(l);
        return se_error_set(err, SE_ERR_NOMEM, "%s: out of memory", label);
    }

    open_ctx c = {.l = l, .label = label, .err = err, .lenient = lenient};
    se_err rc = check_ident(buf, len, label, err);
    if (!rc)
        rc = check_tables(buf, len, label, &c.h, err);
    if (!rc) {
        if (elf_version(EV_CURRENT) == EV_NONE)
            rc = se_error_set(err, SE_ERR_NOT_ELF, "%s: libelf is unusable: %s", label,
                              elf_errmsg(-1));
    }
    if (!rc) {
        c.elf = elf_memory((char *)buf, len);
        if (!c.elf || elf_kind(c.elf) != ELF_K_ELF)
            rc = se_error_set(err, SE_ERR_NOT_ELF, "%s: libelf cannot read it: %s", label,
                              elf_errmsg(-1));
    }
    if (!rc) {
        size_t n;
        GElf_Ehdr eh;
        if (elf_getshdrnum(c.elf, &n) != 0 || n != c.h.shnum || elf_getphdrnum(c.elf, &n) != 0 ||
            n != c.h.phnum || !gelf_getehdr(c.elf, &eh))
            rc = se_error_set(err, SE_ERR_NOT_ELF, "%s: libelf cannot read the ELF header: %s",
                              label, elf_errmsg(-1));
        else
            l->elf_entry = (uint32_t)eh.e_entry;
    }
    if (!rc)
        rc = read_sections(&c);
    if (!rc)
        rc = read_segments(&c);
    if (!rc)
        rc = read_symbols(&c);
    if (!rc)
        rc = keep_sections(&c);

    if (c.elf)
        elf_end(c.elf);
    free(c.secs);
    if (rc) {
        se_stldr_free(l);
        return rc;
    }
    se_error_clear(err);
    *out = l;
    return SE_OK;
}

se_err se_stldr_open_mem(const void *buf, size_t len, const char *label, se_stldr **out,
                         se_error *err)
{
    if (!label)
        label = "<memory>";
    if (!out || (!buf && len > 0))
        return se_error_set(err, SE_ERR_USAGE, "%s: se_stldr_open_mem: bad arguments", label);
    *out = NULL;
    if (len > SE_LIMIT_LOADER_BYTES)
        return se_error_set(err, SE_ERR_USAGE,
                            "%s: %zu bytes, over the limit of %u bytes for a "
                            "loader",
                            label, len, SE_LIMIT_LOADER_BYTES);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return se_error_set(err, SE_ERR_NOMEM, "%s: out of memory", label);
    if (len)
        memcpy(copy, buf, len);
    return open_owned(copy, len, label, false, out, err);
}

static se_err open_file(const char *path, bool lenient, se_stldr **out, se_error *err)
{
    if (!path || !out)
        return se_error_set(err, SE_ERR_USAGE, "se_stldr_open_file: bad arguments");
    *out = NULL;
    uint8_t *buf;
    size_t len;
    /* type and size first (emu/limits.h): a FIFO, /dev/zero or a 2 GB sparse file is refused
     * before a byte is read */
    se_err e = se_read_file(path, "loader", SE_LIMIT_LOADER_BYTES, &buf, &len, err);
    return e ? e : open_owned(buf, len, path, lenient, out, err);
}

se_err se_stldr_open_file(const char *path, se_stldr **out, se_error *err)
{
    return open_file(path, false, out, err);
}

se_err se_stldr_open_file_lenient(const char *path, se_stldr **out, se_error *err)
{
    return open_file(path, true, out, err);
}

const char *se_stldr_storage_missing(const se_stldr *l)
{
    return l && l->storage_missing[0] ? l->storage_missing : NULL;
}

/* ---- accessors ----------------------------------------------------------------------- */

const char *se_stldr_path(const se_stldr *l) { return l ? l->path : NULL; }

se_loader_kind se_stldr_kind(const se_stldr *l) { return l ? l->kind : SE_LOADER_STLDR; }

const char *se_stldr_entry_name(const se_stldr *l, se_entry_id id)
{
    return l && l->kind == SE_LOADER_FLM ? se_flm_entry_name(id) : se_entry_name(id);
}

const se_flm_info *se_stldr_flm(const se_stldr *l) { return l ? l->flm : NULL; }

const se_storage_info *se_stldr_storage(const se_stldr *l) { return l ? &l->storage : NULL; }

bool se_stldr_entry(const se_stldr *l, se_entry_id id, uint32_t *addr)
{
    if (!l || (unsigned)id >= SE_EP__COUNT || !l->has_entry[id])
        return false;
    if (addr)
        *addr = l->entry[id];
    return true;
}

uint32_t se_stldr_elf_entry(const se_stldr *l) { return l ? l->elf_entry : 0; }

size_t se_stldr_nsegments(const se_stldr *l) { return l ? l->nsegs : 0; }

const se_segment *se_stldr_segment(const se_stldr *l, size_t i)
{
    if (!l || i >= l->nsegs)
        return NULL;
    return &l->segs[i];
}

const uint8_t *se_stldr_segment_data(const se_stldr *l, size_t i)
{
    if (!l || i >= l->nsegs)
        return NULL;
    /* A segment without file bytes gets a valid pointer to zero bytes. */
    if (l->segs[i].filesz == 0)
        return l->buf;
    return l->buf + l->segs[i].offset;
}

size_t se_stldr_nsections(const se_stldr *l) { return l ? l->nsecs : 0; }

const se_section *se_stldr_section(const se_stldr *l, size_t i)
{
    if (!l || i >= l->nsecs)
        return NULL;
    return &l->secs[i];
}

size_t se_stldr_nsymbols(const se_stldr *l) { return l ? l->nsyms : 0; }

const se_symbol *se_stldr_symbol(const se_stldr *l, size_t i)
{
    if (!l || i >= l->nsyms)
        return NULL;
    return &l->syms[i];
}

const se_symbol *se_stldr_find_symbol(const se_stldr *l, const char *name)
{
    if (!l || !name)
        return NULL;
    for (size_t i = 0; i < l->nsyms; i++)
        if (strcmp(l->syms[i].name, name) == 0)
            return &l->syms[i];
    return NULL;
}

/* The symbol of the given kind containing addr; the innermost (highest start) wins. */
static const se_symbol *find_containing(const se_stldr *l, uint32_t addr, bool func)
{
    const se_symbol *best = NULL;
    for (size_t i = 0; i < l->nsyms; i++) {
        const se_symbol *s = &l->syms[i];
        if (s->is_func != func || s->addr > addr)
            continue;
        bool hit = s->size ? (uint64_t)addr < (uint64_t)s->addr + s->size : addr == s->addr;
        if (hit && (!best || s->addr > best->addr))
            best = s;
    }
    return best;
}

const se_symbol *se_stldr_symbolize(const se_stldr *l, uint32_t addr, uint32_t *offset)
{
    if (!l)
        return NULL;
    const se_symbol *s = find_containing(l, addr & ~1u, true);
    uint32_t a = addr & ~1u;
    if (!s) {
        s = find_containing(l, addr, false);
        a = addr;
    }
    if (s && offset)
        *offset = a - s->addr;
    return s;
}

const char *se_stldr_format_addr(const se_stldr *l, uint32_t addr, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    uint32_t off = 0;
    const se_symbol *s = se_stldr_symbolize(l, addr, &off);
    if (!s)
        snprintf(buf, len, "0x%08x", addr);
    else if (off == 0)
        snprintf(buf, len, "%s", s->name);
    else
        snprintf(buf, len, "%s+0x%x", s->name, off);
    return buf;
}

/* ---- download plan ------------------------------------------------------------------- */

static void warn(se_image *img, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(se_image *img, const char *fmt, ...)
{
    if (img->nwarnings >= SE_PLAN_MAX_WARNINGS) {
        snprintf(img->warnings[SE_PLAN_MAX_WARNINGS - 1],
                 sizeof img->warnings[SE_PLAN_MAX_WARNINGS - 1], "more warnings omitted");
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(img->warnings[img->nwarnings], sizeof img->warnings[0], fmt, ap);
    va_end(ap);
    img->nwarnings++;
}

void se_image_free(se_image *img)
{
    if (!img)
        return;
    free(img->bytes);
    memset(img, 0, sizeof *img);
}

static bool downloaded(const se_segment *s) { return !s->metadata && s->filesz > 0; }

/* What the host transfers of a segment: its file bytes; for an FLM also its zero-initialised
 * part (pyOCD and probe-rs download PrgData's ZI as zeros). */
static bool in_image(const se_stldr *l, const se_segment *s)
{
    return l->kind == SE_LOADER_FLM ? !s->metadata && s->memsz > 0 : downloaded(s);
}

static uint32_t image_bytes(const se_stldr *l, const se_segment *s)
{
    return l->kind == SE_LOADER_FLM ? s->memsz : s->filesz;
}

/* Section names of heap/stack reservations: ST's CubeIDE/GCC template's ._user_heap_stack,
 * and the usual .heap/.stack (with or without a leading '_' after the dot). */
static bool is_stack_reservation(const char *name)
{
    static const char *const names[] = {
        "._user_heap_stack", ".user_heap_stack", ".stack", "._stack", ".heap", "._heap",
        ".heap_stack"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

se_err se_stldr_plan(const se_stldr *l, const se_ram_window *win, se_place place, bool strict,
                     se_image *out, se_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!l || !win || !out || (place != SE_PLACE_LINK && place != SE_PLACE_PROFILE))
        return se_error_set(err, SE_ERR_USAGE, "se_stldr_plan: bad arguments");
    const char *lab = l->path;
    const int64_t bk = win->bkpt_addr, wend = win->end;
    char b1[24], b2[24], b3[24], b4[24];
    se_image img;
    memset(&img, 0, sizeof img);

    bool any = false;
    uint32_t link_base = 0;
    for (size_t i = 0; i < l->nsegs; i++)
        if (in_image(l, &l->segs[i]) && (!any || l->segs[i].vaddr < link_base)) {
            link_base = l->segs[i].vaddr;
            any = true;
        }
    if (!any)
        return se_error_set(err, SE_ERR_NO_SEGMENT,
                            "%s: no loadable segment with file bytes: nothing to download (%s)",
                            lab,
                            l->phnum_xnum && l->phnum == 0
                                ? "e_phnum is PN_XNUM (0xffff) and section 0's sh_info is 0: "
                                  "the file has no program header"
                            : l->phnum == 0 ? "the file has no program header (e_phnum 0)"
                                            : "every PT_LOAD is StorageInfo's or has no file "
                                              "bytes");
    uint32_t base = place == SE_PLACE_PROFILE ? win->load_base : link_base;
    int64_t delta = (int64_t)base - (int64_t)link_base;

    /* Every non-metadata PT_LOAD (downloaded, or .bss only) must sit inside the window. */
    int64_t file_end = base, mem_end = base;
    for (size_t i = 0; i < l->nsegs; i++) {
        const se_segment *s = &l->segs[i];
        if (s->metadata || s->memsz == 0)
            continue;
        int64_t lo = (int64_t)s->vaddr + delta, hi = lo + s->memsz, fhi = lo + image_bytes(l, s);
        if (fhi > lo && (fhi <= bk || lo >= wend))
            return se_error_set(err, SE_ERR_OUTSIDE_RAM,
                                "%s: segment %zu [%s, %s) is entirely outside the RAM window "
                                "[0x%08x, 0x%08x): the host would not download it",
                                lab, i, fmt64(b1, lo), fmt64(b2, fhi), win->bkpt_addr, win->end);
        if (lo < bk + 4 && hi > bk)
            return se_error_set(err, SE_ERR_COVERS_BKPT,
                                "%s: segment %zu [%s, %s) covers the host's breakpoint word at "
                                "0x%08x",
                                lab, i, fmt64(b1, lo), fmt64(b2, hi), win->bkpt_addr);
        if (lo < bk || hi > wend)
            return se_error_set(err, SE_ERR_OUTSIDE_RAM,
                                "%s: segment %zu [%s, %s) leaves the RAM window [0x%08x, 0x%08x)",
                                lab, i, fmt64(b1, lo), fmt64(b2, hi), win->bkpt_addr, win->end);
        if (hi > mem_end)
            mem_end = hi;
        if (fhi > lo && fhi > file_end)
            file_end = fhi;
    }
    /* ... and they must not overlap each other in memory. */
    for (size_t i = 0; i < l->nsegs; i++) {
        const se_segment *a = &l->segs[i];
        if (a->metadata || a->memsz == 0)
            continue;
        for (size_t k = i + 1; k < l->nsegs; k++) {
            const se_segment *b = &l->segs[k];
            if (b->metadata || b->memsz == 0)
                continue;
            int64_t alo = (int64_t)a->vaddr + delta, ahi = alo + a->memsz;
            int64_t blo = (int64_t)b->vaddr + delta, bhi = blo + b->memsz;
            if (alo < bhi && blo < ahi)
                return se_error_set(
                    err, SE_ERR_OVERLAP, "%s: segments %zu [%s, %s) and %zu [%s, %s) overlap", lab,
                    i, fmt64(b1, alo), fmt64(b2, ahi), k, fmt64(b3, blo), fmt64(b4, bhi));
        }
    }

    /* Both ends lie in the window, so size fits in 32 bits. */
    uint32_t size = (uint32_t)(file_end - base);
    uint64_t link_end = (uint64_t)link_base + size;
    /* Entry points must lie in the downloaded bytes. */
    for (int ep = 0; ep < (int)SE_EP__COUNT; ep++) {
        if (!l->has_entry[ep])
            continue;
        uint32_t a = l->entry[ep] & ~1u;
        if (a >= link_base && a < link_end)
            continue;
        /* An address outside the image is not moved with it: named as linked (moved, it
         * could even fall below 0), with the image's link and load ranges when they differ. */
        char where[200];
        if (delta == 0)
            snprintf(where, sizeof where,
                     "at 0x%08x is outside the downloaded image "
                     "[0x%08x, 0x%08x)",
                     a, base, base + size);
        else
            snprintf(where, sizeof where,
                     "at 0x%08x (link address) is outside the downloaded "
                     "image, linked at [0x%08x, 0x%08" PRIx64 ") and loaded at [0x%08x, 0x%08x)",
                     a, link_base, link_end, base, base + size);
        if (ep == SE_EP_INIT || ep == SE_EP_WRITE)
            return se_error_set(err, SE_ERR_OUTSIDE_RAM, "%s: entry point %s %s", lab,
                                entry_names[ep], where);
        warn(&img, "entry point %s %s: calling it will not run loader code", entry_names[ep],
             where);
    }
    /* CubeProgrammer's limit: FLM hosts place the algorithm in the RAM they are given */
    if (win->download_limit != 0 && size > win->download_limit && l->kind != SE_LOADER_FLM) {
        if (strict)
            return se_error_set(err, SE_ERR_TOO_LARGE,
                                "%s: image is 0x%x bytes, over the 0x%x download limit of this "
                                "target",
                                lab, size, win->download_limit);
        warn(&img,
             "image is 0x%x bytes, over the 0x%x download limit of this target: the host does "
             "not download it and still runs Init with SP = 0 (field failure mode 5), and so "
             "does the run",
             size, win->download_limit);
        img.over_limit = win->download_limit;
    }
    /* Field failure mode 14 (docs/protocol.md 5): a device at 0 is where on-chip memory is. */
    const se_storage_info *si = se_stldr_storage(l);
    if (si && si->start == 0 && !se_stldr_storage_missing(l)) {
        static const char zero[] =
            "StorageInfo.DeviceStartAddress 0 collides with on-chip memory (boot alias of "
            "internal flash): CubeProgrammer may erase internal flash instead (field failure "
            "mode 14); set it to where the device is mapped";
        if (strict)
            return se_error_set(err, SE_ERR_STRICT, "%s: --strict: %s", lab, zero);
        warn(&img, "%s", zero);
    }
    if (win->observed_limit != 0 && size > win->observed_limit && l->kind != SE_LOADER_FLM)
        warn(&img,
             "image is 0x%x bytes, over the 0x%x bytes seen to work once with TrustZone on "
             "(docs/protocol.md 2.8; unverified, so not a limit): if the host stops there it "
             "runs Init on a partial image",
             size, win->observed_limit);
    const se_flm_info *flm = l->flm;
    if (place == SE_PLACE_PROFILE && link_base != win->load_base && !(flm && !flm->absolute))
        warn(&img,
             "the loader is linked at 0x%08x but the host loads it at 0x%08x: absolute "
             "addresses in it will be wrong if it is relocated",
             link_base, win->load_base);
    img.reserve_lo = img.reserve_hi = (uint32_t)mem_end;
    /* The stack reservation at the top: NOBITS sections named for a heap or stack, ending at
     * mem_end (several in a row: ._user_heap_stack, or .heap then .stack). */
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < l->nsecs; i++) {
            const se_section *s = &l->secs[i];
            int64_t lo = (int64_t)s->addr + delta, hi = lo + s->size;
            if (s->type != SHT_NOBITS || !(s->flags & SHF_ALLOC) || s->size == 0 ||
                hi != img.reserve_lo || lo < base || !is_stack_reservation(s->name))
                continue;
            img.reserve_lo = (uint32_t)lo;
            img.reserve_name = s->name;
            more = true;
        }
    }
    /* .bss the host does not zero is not warned about here: every loader with .bss would
     * get the warning. A run names a .bss variable read before any write (emu/cause.c), and
     * lint checks whether Init appears to zero it (bss-not-zeroed). */

    img.bytes = calloc(size ? size : 1, 1);
    if (!img.bytes)
        return se_error_set(err, SE_ERR_NOMEM, "%s: out of memory for a 0x%x-byte image", lab,
                            size);
    for (size_t i = 0; i < l->nsegs; i++) {
        const se_segment *s = &l->segs[i];
        if (downloaded(s) || (in_image(l, s) && s->filesz > 0))
            memcpy(img.bytes + (s->vaddr - link_base), l->buf + s->offset, s->filesz);
    }
    img.link_base = link_base;
    img.base = base;
    img.delta = delta;
    img.size = size;
    img.mem_end = (uint32_t)mem_end;
    *out = img;
    se_error_clear(err);
    return SE_OK;
}

/* ---- Build attributes (ARM IHI 0045 "Addenda to the ABI", section 2) -------------------- */

static bool uleb(const uint8_t *p, size_t end, size_t *i, uint32_t *v)
{
    uint32_t r = 0;
    for (unsigned shift = 0; *i < end && shift < 35; shift += 7) {
        uint8_t b = p[(*i)++];
        r |= (uint32_t)(b & 0x7Fu) << shift;
        if (!(b & 0x80u)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* A NUL-terminated string at *i (inside end), skipped; its start, or NULL. */
static const char *ntbs(const uint8_t *p, size_t end, size_t *i)
{
    size_t s = *i;
    while (*i < end && p[*i])
        (*i)++;
    if (*i >= end)
        return NULL;
    (*i)++;
    return (const char *)p + s;
}

/* The attributes of one Tag_File sub-subsection: [i, end). */
static void file_attrs(const uint8_t *p, size_t i, size_t end, se_build_attrs *out)
{
    while (i < end) {
        uint32_t tag, v;
        if (!uleb(p, end, &i, &tag))
            return;
        /* Tags 4, 5, 67 and odd tags above 32 are strings; 32 (compatibility) is a number
         * and a string; every other tag is a ULEB128 number. */
        if (tag == 4 || tag == 5 || tag == 67 || (tag > 32 && (tag & 1u))) {
            const char *str = ntbs(p, end, &i);
            if (!str)
                return;
            if (tag == 5)
                snprintf(out->cpu_name, sizeof out->cpu_name, "%s", str);
            continue;
        }
        if (!uleb(p, end, &i, &v))
            return;
        if (tag == 32 && !ntbs(p, end, &i))
            return;
        if (tag == 6) {
            out->cpu_arch = v;
            out->has_arch = true;
        } else if (tag == 7) {
            out->profile = (char)v;
        } else if (tag == 10) {
            out->fp_arch = v;
        }
    }
}

void se_stldr_build_attrs(const se_stldr *l, se_build_attrs *out)
{
    memset(out, 0, sizeof *out);
    for (size_t k = 0; k < l->nsecs; k++) {
        const se_section *s = &l->secs[k];
        if (s->type != 0x70000003u /* SHT_ARM_ATTRIBUTES */ || !in_file(s->offset, s->size, l->len))
            continue;
        const uint8_t *p = l->buf + s->offset;
        size_t n = s->size, i = 1;
        if (n < 1 || p[0] != 'A')
            continue;
        while (i + 4 <= n) { /* vendor subsections: length, name, data */
            uint32_t len = rd32(p + i);
            if (len < 4 || len > n - i)
                break;
            size_t end = i + len, j = i + 4;
            const char *vendor = ntbs(p, end, &j);
            if (vendor && !strcmp(vendor, "aeabi")) {
                while (j + 5 <= end) { /* sub-subsections: tag, length, attributes */
                    uint8_t tag = p[j];
                    uint32_t sl = rd32(p + j + 1);
                    if (sl < 5 || sl > end - j)
                        break;
                    if (tag == 1) { /* Tag_File */
                        out->present = true;
                        file_attrs(p, j + 5, j + sl, out);
                    }
                    j += sl;
                }
            }
            i = end;
        }
    }
}
