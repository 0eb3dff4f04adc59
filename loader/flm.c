/* CMSIS-Pack flash algorithms (.FLM): see flm.h.
 *
 * The ELF itself is read and checked by stldr.c (every offset and size bounds-checked); this
 * file decodes what is FLM-specific from those checked sections: FlashDevice (by symbol, else
 * the start of DevDscr), the sector list, PrgCode/PrgData, the entry points and the signs of
 * position independence. Every count and offset of FlashDevice is untrusted too. */
#include "loader/flm.h"

#include "loader/stldr_impl.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const flm_names[SE_EP__COUNT] = {
    [SE_EP_INIT] = "Init",
    [SE_EP_WRITE] = "ProgramPage",
    [SE_EP_SECTOR_ERASE] = "EraseSector",
    [SE_EP_MASS_ERASE] = "EraseChip",
    [SE_EP_READ] = "ReadFlash",
    [SE_EP_VERIFY] = "Verify",
    [SE_EP_CHECKSUM] = "BlankCheck",
    [SE_EP_DEINIT] = "UnInit",
};

const char *se_flm_entry_name(se_entry_id id)
{
    if ((unsigned)id >= SE_EP__COUNT)
        return "?";
    return flm_names[id];
}

bool se_flm_entry_required(se_entry_id id)
{
    return id == SE_EP_INIT || id == SE_EP_DEINIT || id == SE_EP_SECTOR_ERASE || id == SE_EP_WRITE;
}

int se_flm_entry_for_name(const char *name)
{
    for (int i = 0; i < (int)SE_EP__COUNT; i++)
        if (strcmp(name, flm_names[i]) == 0)
            return i;
    return -1;
}

const char *se_flm_type_name(uint16_t type)
{
    switch (type) {
    case SE_FLM_ONCHIP: return "On-chip";
    case SE_FLM_EXT8BIT: return "External 8-bit";
    case SE_FLM_EXT16BIT: return "External 16-bit";
    case SE_FLM_EXT32BIT: return "External 32-bit";
    case SE_FLM_EXTSPI: return "External SPI";
    default: return "unknown";
    }
}

uint32_t se_flm_static_base(const se_flm_info *f)
{
    if (f->has_data)
        return f->data_addr;
    return (uint32_t)(((uint64_t)f->code_addr + f->code_size + 3) & ~3u);
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- FlashDevice --------------------------------------------------------------------- */

/* FlashDevice field offsets (pyOCD's "<H128sHLLLLBxxxLL") */
enum {
    FD_VERS = 0,
    FD_NAME = 2,
    FD_TYPE = 130,
    FD_ADR = 132,
    FD_SZDEV = 136,
    FD_SZPAGE = 140,
    FD_RES = 144,
    FD_EMPTY = 148,
    FD_TOPROG = 152,
    FD_TOERASE = 156,
};
_Static_assert(FD_TOERASE + 4 == SE_FLM_DEVICE_FIXED, "FlashDevice fixed part is 160 bytes");

#define SECTOR_END 0xFFFFFFFFu

static se_err decode_device(open_ctx *c, const uint8_t *p, uint64_t room, se_flash_device *d)
{
    const char *lab = c->label;
    se_error *err = c->err;
    if (room < SE_FLM_DEVICE_FIXED)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: FlashDevice needs %u bytes but only %" PRIu64
                            " are left in section %s",
                            lab, SE_FLM_DEVICE_FIXED, room, d->section);
    const uint8_t *nul = memchr(p + FD_NAME, '\0', SE_FLM_NAME_LEN);
    if (!nul)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: FlashDevice.DevName is not NUL-terminated within its %u bytes",
                            lab, SE_FLM_NAME_LEN);
    memcpy(d->name, p + FD_NAME, (size_t)(nul - (p + FD_NAME)) + 1);
    d->vers = rd16(p + FD_VERS);
    d->type = rd16(p + FD_TYPE);
    d->adr = rd32(p + FD_ADR);
    d->size = rd32(p + FD_SZDEV);
    d->page = rd32(p + FD_SZPAGE);
    d->res = rd32(p + FD_RES);
    d->empty = p[FD_EMPTY];
    d->to_prog = rd32(p + FD_TOPROG);
    d->to_erase = rd32(p + FD_TOERASE);

    if (d->size == 0)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO, "%s: FlashDevice.szDev is 0", lab);
    if ((uint64_t)d->adr + d->size > UINT64_C(0x100000000))
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: FlashDevice.DevAdr 0x%08" PRIx32 " + szDev 0x%" PRIx32
                            " runs past the 32-bit address space",
                            lab, d->adr, d->size);
    if (d->page == 0)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO, "%s: FlashDevice.szPage is 0", lab);
    if (d->page > d->size)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                            "%s: FlashDevice.szPage 0x%" PRIx32 " is larger than szDev 0x%" PRIx32,
                            lab, d->page, d->size);

    /* The sector list: {szSector, AddrSector} pairs up to {0xFFFFFFFF, 0xFFFFFFFF}. */
    uint64_t off = SE_FLM_DEVICE_FIXED;
    for (;;) {
        if (room - off < 8)
            return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                                "%s: FlashDevice's sector list is not ended by 0xFFFFFFFF within "
                                "section %s (%u entries read)",
                                lab, d->section, d->nsectors);
        uint32_t size = rd32(p + off), addr = rd32(p + off + 4);
        off += 8;
        if (size == SECTOR_END)
            break;
        if (d->nsectors == SE_FLM_MAX_SECTORS)
            return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                                "%s: FlashDevice lists more than %u sector groups", lab,
                                SE_FLM_MAX_SECTORS);
        d->sectors[d->nsectors].size = size;
        d->sectors[d->nsectors].addr = addr;
        d->nsectors++;
    }
    if (d->nsectors == 0)
        return se_error_set(err, SE_ERR_BAD_STORAGEINFO, "%s: FlashDevice's sector list is empty",
                            lab);
    for (unsigned i = 0; i < d->nsectors; i++) {
        const se_flm_sector *s = &d->sectors[i];
        uint64_t end = i + 1 < d->nsectors ? d->sectors[i + 1].addr : d->size;
        if (s->size == 0)
            return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                                "%s: FlashDevice sector entry %u has szSector 0", lab, i);
        if (i == 0 && s->addr != 0)
            return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                                "%s: FlashDevice's first sector is at offset 0x%" PRIx32
                                ", not 0: the start of the device is in no sector",
                                lab, s->addr);
        if (end <= s->addr || (end - s->addr) % s->size != 0)
            return se_error_set(err, SE_ERR_BAD_STORAGEINFO,
                                "%s: FlashDevice sector entry %u (0x%" PRIx32
                                " bytes at offset 0x%" PRIx32 ") does not tile [0x%" PRIx32
                                ", 0x%" PRIx64 ") up to the %s",
                                lab, i, s->size, s->addr, s->addr, end,
                                i + 1 < d->nsectors ? "next entry" : "end of the device (szDev)");
    }
    return SE_OK;
}

/* The storage description the host code uses, from FlashDevice. */
static se_err to_storage(open_ctx *c, const se_flash_device *d, se_storage_info *si)
{
    memset(si, 0, sizeof *si);
    /* StorageInfo's name holds 100 characters, DevName 128: the rest is cut */
    const char *name = d->name[0] ? d->name : "(unnamed FLM device)";
    size_t n = strnlen(name, sizeof si->name - 1);
    memcpy(si->name, name, n);
    si->name[n] = '\0';
    switch (d->type) {
    case SE_FLM_ONCHIP: si->type = SE_DEV_MCU_FLASH; break;
    case SE_FLM_EXTSPI: si->type = SE_DEV_SPI_FLASH; break;
    default: si->type = SE_DEV_NOR_FLASH; break;
    }
    si->start = d->adr;
    si->size = d->size;
    si->page_size = d->page;
    si->erase_value = d->empty;
    for (unsigned i = 0; i < d->nsectors; i++) {
        uint64_t end = i + 1 < d->nsectors ? d->sectors[i + 1].addr : d->size;
        uint32_t num = (uint32_t)((end - d->sectors[i].addr) / d->sectors[i].size);
        if (si->ngroups > 0 && si->sectors[si->ngroups - 1].size == d->sectors[i].size) {
            si->sectors[si->ngroups - 1].num += num;
            continue;
        }
        if (si->ngroups == SE_MAX_SECTOR_GROUPS)
            return se_error_set(c->err, SE_ERR_BAD_STORAGEINFO,
                                "%s: FlashDevice has more than %u runs of different sector "
                                "sizes: not supported",
                                c->label, SE_MAX_SECTOR_GROUPS);
        si->sectors[si->ngroups].num = num;
        si->sectors[si->ngroups].size = d->sectors[i].size;
        si->ngroups++;
    }
    si->symbol_addr = d->symbol_addr;
    snprintf(si->section, sizeof si->section, "%s", d->section);
    return SE_OK;
}

/* ---- code scan ------------------------------------------------------------------------ */

/* Count the instructions of the code that name R9, and those that write it. */
static void scan_r9(const uint8_t *code, size_t len, uint32_t addr, se_flm_info *f)
{
    csh h;
    if (cs_open(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS | CS_MODE_V8, &h) != CS_ERR_OK)
        return;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = cs_malloc(h);
    const uint8_t *p = code;
    size_t n = len & ~(size_t)1;
    uint64_t a = addr;
    while (in && n >= 2) {
        if (!cs_disasm_iter(h, &p, &n, &a, in)) { /* data or an undecodable halfword */
            p += 2;
            n -= 2;
            a += 2;
            continue;
        }
        const cs_arm *arm = &in->detail->arm;
        bool uses = false, writes = false;
        for (int k = 0; k < arm->op_count; k++) {
            const cs_arm_op *op = &arm->operands[k];
            if (op->type == ARM_OP_REG && op->reg == ARM_REG_R9) {
                uses = true;
                if (op->access & CS_AC_WRITE)
                    writes = true;
            } else if (op->type == ARM_OP_MEM &&
                       (op->mem.base == ARM_REG_R9 || op->mem.index == ARM_REG_R9)) {
                uses = true;
            }
        }
        f->r9_uses += uses;
        f->r9_writes += writes;
    }
    if (in)
        cs_free(in, 1);
    cs_close(&h);
}

/* ---- decode --------------------------------------------------------------------------- */

static void add_extra(se_flm_info *f, const char *name)
{
    size_t n = strlen(f->extra_sections);
    if (n + strlen(name) + 3 >= sizeof f->extra_sections)
        return;
    snprintf(f->extra_sections + n, sizeof f->extra_sections - n, "%s%s", n ? ", " : "", name);
}

se_err se_flm_decode(open_ctx *c)
{
    se_stldr *l = c->l;
    const char *lab = c->label;
    size_t fd_shndx = 0;
    uint64_t fd_value = 0;
    if (c->fd_rank > 0 && c->fd_sym.st_shndx != SHN_UNDEF && c->fd_sym.st_shndx < c->h.shnum) {
        fd_shndx = c->fd_sym.st_shndx;
        fd_value = c->fd_sym.st_value;
    }
    size_t dev_shndx = 0;
    for (size_t i = 1; i < c->h.shnum; i++)
        if (!strcmp(c->secs[i].name, "DevDscr")) {
            dev_shndx = i;
            break;
        }
    bool by_section = false;
    if (!fd_shndx) {
        if (!dev_shndx)
            return c->fd_rank > 0
                       ? se_error_set(c->err, SE_ERR_BAD_STORAGEINFO,
                                      "%s: the FlashDevice symbol is not in a section of the "
                                      "file (index 0x%x): cannot read it",
                                      lab, (unsigned)c->fd_sym.st_shndx)
                       : SE_ERR_NO_STORAGEINFO;
        fd_shndx = dev_shndx;
        fd_value = c->secs[dev_shndx].sh.sh_addr;
        by_section = true;
    }

    se_flm_info *f = calloc(1, sizeof *f);
    if (!f)
        return se_error_set(c->err, SE_ERR_NOMEM, "%s: out of memory", lab);
    l->flm = f;
    l->kind = SE_LOADER_FLM;
    se_flash_device *d = &f->dev;
    const GElf_Shdr *sh = &c->secs[fd_shndx].sh;
    snprintf(d->section, sizeof d->section, "%s",
             c->secs[fd_shndx].name[0] ? c->secs[fd_shndx].name : "(unnamed)");
    d->by_section = by_section;
    d->symbol_addr = (uint32_t)fd_value;
    if (!has_file_bytes(sh))
        return se_error_set(c->err, SE_ERR_BAD_STORAGEINFO,
                            "%s: FlashDevice is in section %s, which has no bytes in the file", lab,
                            d->section);
    if (fd_value < sh->sh_addr || fd_value - sh->sh_addr >= sh->sh_size)
        return se_error_set(c->err, SE_ERR_BAD_STORAGEINFO,
                            "%s: FlashDevice at 0x%08" PRIx64 " is not inside its section %s "
                            "(0x%08" PRIx64 ", 0x%" PRIx64 " bytes)",
                            lab, fd_value, d->section, (uint64_t)sh->sh_addr,
                            (uint64_t)sh->sh_size);
    uint64_t rel = fd_value - sh->sh_addr;
    /* read_sections checked that the section's bytes lie inside the file */
    se_err e = decode_device(c, l->buf + sh->sh_offset + rel, sh->sh_size - rel, d);
    if (!e)
        e = to_storage(c, d, &l->storage);
    if (e)
        return e;
    f->devdscr_exec = (sh->sh_flags & SHF_EXECINSTR) != 0;
    se_stldr_mark_metadata(c, fd_shndx);

    /* PrgCode, PrgData (armlink emits PrgData twice: RW PROGBITS then ZI NOBITS), others. */
    uint64_t dlo = UINT64_MAX, dhi = 0;
    size_t code_shndx = 0;
    for (size_t i = 1; i < c->h.shnum; i++) {
        const GElf_Shdr *s = &c->secs[i].sh;
        const char *name = c->secs[i].name;
        if (!(s->sh_flags & SHF_ALLOC) || s->sh_size == 0)
            continue;
        if (!strcmp(name, "PrgCode") && !f->has_code) {
            f->has_code = true;
            code_shndx = i;
            f->code_addr = (uint32_t)s->sh_addr;
            f->code_size = (uint32_t)s->sh_size;
        } else if (!strcmp(name, "PrgData")) {
            f->has_data = true;
            if (s->sh_addr < dlo)
                dlo = s->sh_addr;
            if (s->sh_addr + s->sh_size > dhi)
                dhi = s->sh_addr + s->sh_size;
            if (s->sh_type != SHT_NOBITS)
                f->data_filesz += (uint32_t)s->sh_size;
        } else if (i != fd_shndx) {
            add_extra(f, name[0] ? name : "(unnamed)");
        }
    }
    if (f->has_data) {
        f->data_addr = (uint32_t)dlo;
        f->data_size = (uint32_t)(dhi - dlo);
    }
    if (code_shndx && has_file_bytes(&c->secs[code_shndx].sh)) {
        const GElf_Shdr *s = &c->secs[code_shndx].sh;
        scan_r9(l->buf + s->sh_offset, (size_t)s->sh_size, (uint32_t)s->sh_addr, f);
    }
    for (size_t i = 0; i < l->nsegs; i++) {
        const se_segment *s = &l->segs[i];
        if (s->metadata)
            continue;
        if (s->flags & SE_PF_ARM_PI)
            f->pi = true;
        if (s->flags & SE_PF_ARM_SB)
            f->sb = true;
        if (s->offset <= sh->sh_offset && sh->sh_offset < (uint64_t)s->offset + s->filesz &&
            (s->flags & PF_X))
            f->devdscr_exec = true;
    }
    for (size_t i = 0; i < l->nsegs; i++) /* DevDscr's own segment, flagged executable */
        if (l->segs[i].metadata && (l->segs[i].flags & PF_X))
            f->devdscr_exec = true;
    /* Absolute: the code is linked where it must run (GCC-built algorithms), not at 0. */
    uint32_t lowest = UINT32_MAX;
    for (size_t i = 0; i < l->nsegs; i++)
        if (!l->segs[i].metadata && l->segs[i].filesz > 0 && l->segs[i].vaddr < lowest)
            lowest = l->segs[i].vaddr;
    f->absolute = f->has_code ? f->code_addr != 0 : lowest != 0 && lowest != UINT32_MAX;

    for (int id = 0; id < (int)SE_EP__COUNT; id++) {
        if (c->flm_rank[id] > 0) {
            l->entry[id] = c->flm_entry[id];
            l->has_entry[id] = true;
        }
    }
    for (int id = 0; id < (int)SE_EP__COUNT; id++)
        if (se_flm_entry_required((se_entry_id)id) && !l->has_entry[id])
            return se_error_set(c->err, SE_ERR_NO_ENTRY,
                                "%s: no %s function: a CMSIS flash algorithm must export Init, "
                                "UnInit, EraseSector and ProgramPage",
                                lab, flm_names[id]);
    return SE_OK;
}
