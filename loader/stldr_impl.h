/* Private to loader/stldr.c and loader/flm.c: the loader object and the state of one open.
 * Not a public header. */
#ifndef SE_STLDR_IMPL_H
#define SE_STLDR_IMPL_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/flm.h"
#include "loader/stldr.h"

struct se_stldr {
    char *path;
    uint8_t *buf; /* private copy of the file; libelf reads it in place */
    size_t len;
    se_loader_kind kind;
    se_storage_info storage;
    se_flm_info *flm; /* FLM only */
    uint32_t entry[SE_EP__COUNT];
    bool has_entry[SE_EP__COUNT];
    uint32_t elf_entry;
    se_segment *segs;
    size_t nsegs;
    bool phnum_xnum; /* e_phnum was PN_XNUM: the count came from section 0's sh_info */
    size_t phnum;    /* program headers, PT_LOAD or not */
    se_symbol *syms;
    size_t nsyms;
    se_section *secs;
    size_t nsecs;
    /* Opened by se_stldr_open_file_lenient without StorageInfo: why (field failure mode 10),
     * storage all zero; "" when it has one. */
    char storage_missing[512];
};

/* Numbers read from the raw ELF header, already validated. */
typedef struct raw_hdr {
    uint32_t phoff, shoff;
    size_t phnum, shnum, shstrndx;
    bool phnum_xnum;
} raw_hdr;

typedef struct sec_info {
    GElf_Shdr sh;
    const char *name; /* points into the private buffer, or "" */
} sec_info;

static inline bool has_file_bytes(const GElf_Shdr *sh)
{
    return sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL && sh->sh_size > 0;
}

/* [off, off+size) lies inside a file of len bytes (no overflow possible: 64-bit). */
static inline bool in_file(uint64_t off, uint64_t size, size_t len)
{
    return off <= (uint64_t)len && size <= (uint64_t)len - off;
}

typedef struct open_ctx {
    se_stldr *l;
    bool lenient; /* a missing StorageInfo (field failure mode 10) is noted, not refused */
    Elf *elf;
    raw_hdr h;
    sec_info *secs;
    const char *label;
    se_error *err;
    /* FLM candidates, ranked as entry points are */
    uint32_t flm_entry[SE_EP__COUNT];
    int flm_rank[SE_EP__COUNT];
    GElf_Sym fd_sym; /* FlashDevice */
    int fd_rank;
} open_ctx;

/* stldr.c: a PT_LOAD whose only section with file bytes is shndx becomes metadata (never
 * downloaded). */
void se_stldr_mark_metadata(open_ctx *c, size_t shndx);
/* flm.c: the slot of an FLM function name, or -1. */
int se_flm_entry_for_name(const char *name);
/* flm.c: decode an FLM (called by the open when there is no StorageInfo): FlashDevice,
 * PrgCode/PrgData, position independence, entries, the storage description; marks the
 * segment holding only DevDscr as metadata. Returns SE_ERR_NO_STORAGEINFO when the file
 * has neither FlashDevice nor a DevDscr section (it is not an FLM either). */
se_err se_flm_decode(open_ctx *c);

#endif
