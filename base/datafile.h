/* The files a user programs or reads back (docs/cube.md "Data files"): raw binary, Intel
 * HEX, Motorola S-record and ELF, as STM32CubeProgrammer takes them. A file becomes a list
 * of segments (address, bytes), sorted, disjoint and merged where they touch. Every parser
 * treats its input as hostile: bounded line and record sizes, every address range checked
 * against the window it may land in before a byte is kept, a bounded number of bytes and of
 * discontiguous runs, one-line errors that name the line (or ELF segment) and the value.
 * Nothing here knows a loader or a device beyond the window it is given. */
#ifndef SE_DATAFILE_H
#define SE_DATAFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef enum se_df_format {
    SE_DF_AUTO, /* by content, the extension as a hint */
    SE_DF_BIN,  /* raw bytes: the address comes from the command line */
    SE_DF_IHEX, /* Intel HEX, record types 00-05 */
    SE_DF_SREC, /* Motorola S-record, S0-S3, S5-S9 */
    SE_DF_ELF,  /* ELF32 little-endian: PT_LOAD file bytes at their physical address */
} se_df_format;

typedef struct se_df_segment {
    uint32_t addr;
    uint32_t len; /* > 0 */
    const uint8_t *data;
} se_df_segment;

typedef struct se_datafile {
    se_df_format format;
    size_t nsegs;
    se_df_segment *segs; /* by address, disjoint, not adjacent */
    uint64_t bytes;      /* the sum of the segments' lengths */
    bool has_entry;      /* a start address record (HEX 03/05, S7-S9, ELF e_entry) */
    uint32_t entry;
    uint8_t *pool; /* owns the bytes */
} se_datafile;

/* Where a file's data may land and how much of it: [lo, hi) is the device (a record
 * elsewhere is refused, SE_ERR_DATA, naming the line), max_bytes the data in all,
 * max_runs the discontiguous runs (records that do not continue the one before). */
typedef struct se_df_limits {
    uint32_t lo;
    uint64_t hi;
    uint64_t max_bytes;
    size_t max_runs;
    const char *what; /* names [lo, hi) in messages: "the device MX25LM51245G" */
} se_df_limits;

#define SE_DF_MAX_RUNS 65536u /* a default for max_runs */

const char *se_df_format_name(se_df_format f); /* "Intel HEX" */
/* Short names, as --format takes them: "bin", "hex", "srec", "elf"; false when unknown. */
bool se_df_format_parse(const char *s, se_df_format *out);
/* The format an extension suggests (.bin, .hex/.ihex/.ihx, .srec/.s19/.s28/.s37/.mot,
 * .elf/.axf/.out), SE_DF_AUTO when none. */
se_df_format se_df_from_extension(const char *path);
/* The format the bytes are: ELF by its magic, HEX or S-record when the first line that is
 * not blank is one well-formed record of the kind (checksum included), else binary. */
se_df_format se_df_sniff(const uint8_t *buf, size_t len);

/* Parse buf (a HEX, S-record or ELF file; label names it in messages) into out. Refuses,
 * SE_ERR_DATA: bad syntax, a checksum error, a record type the format does not have, a
 * record outside [lo, hi) or crossing 4 GiB (or a HEX record crossing its 64 KiB base),
 * two records that write the same address, a count record (S5/S6) that disagrees, no
 * end record (HEX 01, S7-S9: a truncated file), anything after it, no data at all, more
 * than max_bytes of data or max_runs runs. */
se_err se_df_parse(const uint8_t *buf, size_t len, se_df_format fmt, const char *label,
                   const se_df_limits *lim, se_datafile *out, se_error *err);
/* A raw binary at addr: one segment. Takes ownership of buf (malloc'ed) in every case.
 * Refuses an empty file (SE_ERR_USAGE) and [addr, addr+len) outside [lo, hi) or over
 * max_bytes (SE_ERR_USAGE: the address is the command line's). */
se_err se_df_from_binary(uint8_t *buf, size_t len, uint32_t addr, const char *label,
                         const se_df_limits *lim, se_datafile *out, se_error *err);

/* A file as the user named it, with the policy of docs/cube.md "Data files": fmt forced
 * (SE_DF_AUTO: the content decides, the extension must agree); a raw binary needs an
 * address (has_addr), a self-addressed file refuses one (SE_ERR_USAGE); a file named
 * .bin or given an address that reads as HEX or S-record text is refused (SE_ERR_DATA),
 * never written as text; a file whose extension says HEX/S-record/ELF but whose content is
 * not that format is refused (SE_ERR_DATA). The file is opened as base/fileio.h does
 * (regular files only, fstat size limits: a raw binary at most max_bytes, a text or ELF
 * file at most SE_LIMIT_DATAFILE_BYTES). what names it ("--write file"). */
se_err se_df_load(const char *path, const char *what, se_df_format fmt, bool has_addr,
                  uint32_t addr, const se_df_limits *lim, se_datafile *out, se_error *err);
void se_df_free(se_datafile *df);

/* ---- writing ------------------------------------------------------------------------- */

/* The format an output path asks for by extension (.hex -> HEX, .srec/.s19/... -> S-record,
 * anything else, "-" included, raw binary). ELF is not written. */
se_df_format se_df_output_format(const char *path);
/* len bytes at addr as Intel HEX (16 bytes a record, an extended linear address record
 * where the upper half changes, 01 at the end) or S-record (S0 header, S3 records of 16
 * bytes, S5/S6 count, S7 end), into a malloc'ed buffer. SE_ERR_USAGE when addr + len
 * passes 4 GiB; SE_ERR_NOMEM. */
se_err se_df_format_text(se_df_format fmt, uint32_t addr, const uint8_t *data, size_t len,
                         char **out, size_t *outlen, se_error *err);

#endif
