#include "base/datafile.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/input_limits.h"

/* ---- names --------------------------------------------------------------------------- */

const char *se_df_format_name(se_df_format f)
{
    switch (f) {
    case SE_DF_BIN: return "raw binary";
    case SE_DF_IHEX: return "Intel HEX";
    case SE_DF_SREC: return "S-record";
    case SE_DF_ELF: return "ELF";
    default: return "auto";
    }
}

bool se_df_format_parse(const char *s, se_df_format *out)
{
    static const struct {
        const char *name;
        se_df_format f;
    } names[] = {{"auto", SE_DF_AUTO},
                 {"bin", SE_DF_BIN},
                 {"hex", SE_DF_IHEX},
                 {"srec", SE_DF_SREC},
                 {"elf", SE_DF_ELF}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].f;
            return true;
        }
    return false;
}

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    return dot ? dot + 1 : "";
}

static bool ext_in(const char *ext, const char *const *list)
{
    for (; *list; list++)
        if (!strcasecmp(ext, *list))
            return true;
    return false;
}

static const char *const hex_exts[] = {"hex", "ihex", "ihx", NULL};
/* S-record extensions: .srec and .s19 are CubeProgrammer's (docs/cube.md); .s28/.s37/.mot
 * are the usual others. */
static const char *const srec_exts[] = {"srec", "s19", "s28", "s37", "mot", "s", NULL};
static const char *const elf_exts[] = {"elf", "axf", "out", NULL};
static const char *const bin_exts[] = {"bin", NULL};

se_df_format se_df_from_extension(const char *path)
{
    const char *ext = extension(path);
    if (ext_in(ext, hex_exts))
        return SE_DF_IHEX;
    if (ext_in(ext, srec_exts))
        return SE_DF_SREC;
    if (ext_in(ext, elf_exts))
        return SE_DF_ELF;
    if (ext_in(ext, bin_exts))
        return SE_DF_BIN;
    return SE_DF_AUTO;
}

se_df_format se_df_output_format(const char *path)
{
    const char *ext = extension(path);
    if (ext_in(ext, hex_exts))
        return SE_DF_IHEX;
    if (ext_in(ext, srec_exts))
        return SE_DF_SREC;
    return SE_DF_BIN;
}

/* ---- lines and hex digits ------------------------------------------------------------ */

/* One record line: at most ':' or 'S', 1 type digit, 255 + 5 bytes as hex, then blanks. */
#define MAX_LINE 600u

typedef struct cursor {
    const uint8_t *p, *end;
    unsigned line; /* 1-based number of the line last taken */
} cursor;

/* The next line without its end ('\n', "\r\n") or trailing blanks; false at the end. */
static bool next_line(cursor *c, const char **s, size_t *n)
{
    if (c->p >= c->end)
        return false;
    const uint8_t *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const uint8_t *e = nl ? nl : c->end;
    *s = (const char *)c->p;
    size_t len = (size_t)(e - c->p);
    while (len && ((*s)[len - 1] == '\r' || (*s)[len - 1] == ' ' || (*s)[len - 1] == '\t'))
        len--;
    *n = len;
    c->p = nl ? nl + 1 : c->end;
    c->line++;
    return true;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* n hex characters (even) into n/2 bytes; the index of the first bad character, or -1. */
static long unhex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0)
            return (long)i;
        if (lo < 0)
            return (long)i + 1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return -1;
}

static bool blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

/* A printable excerpt of a line for messages. */
static const char *excerpt(const char *s, size_t n, char *buf, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < len && i < 24; i++)
        buf[k++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    if (n > 24 && k + 4 < len) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

/* ---- the segment builder ------------------------------------------------------------- */

typedef struct run {
    uint32_t addr, len;
    size_t off;    /* in the pool */
    unsigned line; /* where it started (ELF: the program header index) */
} run;

typedef struct builder {
    const se_df_limits *lim;
    const char *label, *unit; /* "line" or "program header" */
    run *runs;
    size_t nruns, cap;
    uint8_t *pool;
    size_t used, pool_cap;
} builder;

static se_err add(builder *b, uint64_t addr, const uint8_t *data, uint32_t len, unsigned where,
                  se_error *err)
{
    const se_df_limits *l = b->lim;
    if (len == 0)
        return SE_OK;
    if (addr + len > 0x100000000ull)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: %s %u: 0x%" PRIx32 " bytes at 0x%08" PRIx64 " pass the end of the "
                            "32-bit address space",
                            b->label, b->unit, where, len, addr);
    if (addr < l->lo || addr + len > l->hi)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: %s %u: 0x%" PRIx32 " bytes at 0x%08" PRIx64
                            " are outside %s (0x%08" PRIx32 "..0x%08" PRIx64 ")",
                            b->label, b->unit, where, len, addr, l->what ? l->what : "the device",
                            l->lo, l->hi);
    if (b->used + len > l->max_bytes)
        return se_error_set(err, SE_ERR_DATA, "%s: %s %u: more than %" PRIu64 " bytes of data (%s)",
                            b->label, b->unit, where, l->max_bytes,
                            l->what ? l->what : "the device");
    run *last = b->nruns ? &b->runs[b->nruns - 1] : NULL;
    if (last && (uint64_t)last->addr + last->len == addr && last->off + last->len == b->used) {
        last->len += len;
    } else {
        if (b->nruns >= l->max_runs)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: %s %u: more than %zu discontiguous runs of data", b->label,
                                b->unit, where, l->max_runs);
        if (b->nruns == b->cap) {
            size_t nc = b->cap ? b->cap * 2 : 16;
            run *r = realloc(b->runs, nc * sizeof *r);
            if (!r)
                return se_error_set(err, SE_ERR_NOMEM, "out of memory reading %s", b->label);
            b->runs = r;
            b->cap = nc;
        }
        b->runs[b->nruns++] = (run){(uint32_t)addr, len, b->used, where};
    }
    if (b->used + len > b->pool_cap) {
        size_t nc = b->pool_cap ? b->pool_cap : 4096;
        while (nc < b->used + len)
            nc *= 2;
        if (nc > l->max_bytes)
            nc = (size_t)l->max_bytes;
        uint8_t *p = realloc(b->pool, nc);
        if (!p)
            return se_error_set(err, SE_ERR_NOMEM, "out of memory reading %s", b->label);
        b->pool = p;
        b->pool_cap = nc;
    }
    memcpy(b->pool + b->used, data, len);
    b->used += len;
    return SE_OK;
}

static int by_addr(const void *a, const void *b)
{
    const run *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static void builder_free(builder *b)
{
    free(b->runs);
    free(b->pool);
    b->runs = NULL;
    b->pool = NULL;
}

/* Sorted, overlaps refused, touching runs merged, the bytes in address order. */
static se_err finish(builder *b, se_df_format fmt, se_datafile *out, se_error *err)
{
    if (b->nruns == 0)
        return se_error_set(err, SE_ERR_DATA, "%s: no data in the file", b->label);
    qsort(b->runs, b->nruns, sizeof *b->runs, by_addr);
    for (size_t i = 1; i < b->nruns; i++) {
        const run *p = &b->runs[i - 1], *r = &b->runs[i];
        if ((uint64_t)p->addr + p->len > r->addr)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: %s %u writes 0x%08" PRIx32 ", which %s %u already wrote "
                                "(overlapping records)",
                                b->label, b->unit, r->line, r->addr, b->unit, p->line);
    }
    size_t nseg = 1;
    for (size_t i = 1; i < b->nruns; i++)
        if ((uint64_t)b->runs[i - 1].addr + b->runs[i - 1].len != b->runs[i].addr)
            nseg++;
    uint8_t *bytes = malloc(b->used);
    se_df_segment *segs = calloc(nseg, sizeof *segs);
    if (!bytes || !segs) {
        free(bytes);
        free(segs);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory reading %s", b->label);
    }
    size_t k = 0, at = 0;
    for (size_t i = 0; i < b->nruns; i++) {
        const run *r = &b->runs[i];
        memcpy(bytes + at, b->pool + r->off, r->len);
        if (i && (uint64_t)segs[k].addr + segs[k].len == r->addr) {
            segs[k].len += r->len;
        } else {
            if (i)
                k++;
            segs[k] = (se_df_segment){r->addr, r->len, bytes + at};
        }
        at += r->len;
    }
    out->format = fmt;
    out->nsegs = nseg;
    out->segs = segs;
    out->bytes = b->used;
    out->pool = bytes;
    builder_free(b);
    return SE_OK;
}

/* ---- Intel HEX ----------------------------------------------------------------------- */

/* One record line ":LLAAAATT<data>CC" into rec (5 + LL bytes); an error message in why. */
static bool ihex_record(const char *s, size_t n, uint8_t *rec, size_t *nrec, char *why, size_t wlen)
{
    if (n < 11 || s[0] != ':') {
        snprintf(why, wlen,
                 n && s[0] == ':' ? "too short for a record" : "does not start with ':'");
        return false;
    }
    if ((n - 1) % 2) {
        snprintf(why, wlen, "odd number of hex digits");
        return false;
    }
    long bad = unhex(s + 1, n - 1, rec);
    if (bad >= 0) {
        snprintf(why, wlen, "'%c' at column %ld is not a hex digit", s[1 + bad], bad + 2);
        return false;
    }
    size_t nb = (n - 1) / 2;
    if (nb != (size_t)rec[0] + 5) {
        snprintf(why, wlen, "byte count 0x%02X says %u bytes, the line has %zu", rec[0],
                 rec[0] + 5u, nb);
        return false;
    }
    uint8_t sum = 0;
    for (size_t i = 0; i < nb; i++)
        sum = (uint8_t)(sum + rec[i]);
    if (sum) {
        snprintf(why, wlen, "checksum 0x%02X is wrong (0x%02X expected)", rec[nb - 1],
                 (uint8_t)(rec[nb - 1] - sum));
        return false;
    }
    *nrec = nb;
    return true;
}

static se_err ihex_parse(builder *b, const uint8_t *buf, size_t len, se_datafile *out,
                         se_error *err)
{
    cursor c = {buf, buf + len, 0};
    const char *s;
    size_t n;
    uint32_t base = 0; /* from an 02 (segment << 4) or 04 (upper << 16) record */
    bool eof = false;
    uint8_t rec[MAX_LINE / 2];
    char why[120], ex[40];
    while (next_line(&c, &s, &n)) {
        if (blank_line(s, n))
            continue;
        if (eof)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: line %u: '%s' after the end-of-file record (01)", b->label,
                                c.line, excerpt(s, n, ex, sizeof ex));
        if (n > MAX_LINE)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: line %u: %zu characters, longer than any "
                                "Intel HEX record",
                                b->label, c.line, n);
        size_t nrec;
        if (!ihex_record(s, n, rec, &nrec, why, sizeof why))
            return se_error_set(err, SE_ERR_DATA, "%s: line %u: not an Intel HEX record: %s ('%s')",
                                b->label, c.line, why, excerpt(s, n, ex, sizeof ex));
        uint8_t count = rec[0], type = rec[3];
        uint32_t off = (uint32_t)rec[1] << 8 | rec[2];
        const uint8_t *d = rec + 4;
        static const uint8_t want[6] = {0xFF, 0, 2, 4, 2, 4}; /* data length per type */
        if (type > 5)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: line %u: record type 0x%02X is not Intel HEX (00-05)",
                                b->label, c.line, type);
        if (type != 0 && count != want[type])
            return se_error_set(err, SE_ERR_DATA,
                                "%s: line %u: a type 0x%02X record carries %u bytes, not %u",
                                b->label, c.line, type, count, want[type]);
        se_err e;
        switch (type) {
        case 0:
            /* The spec wraps a record that passes its 64 KiB base (offset 0xFFFF + 1 = 0);
             * a file meaning that is almost always a generator's bug: refused (policy). */
            if (off + count > 0x10000u)
                return se_error_set(err, SE_ERR_DATA,
                                    "%s: line %u: 0x%02X bytes at offset 0x%04" PRIX32 " cross "
                                    "the 64 KiB boundary of base 0x%08" PRIX32 " (the format "
                                    "would wrap them to the base)",
                                    b->label, c.line, count, off, base);
            if ((e = add(b, (uint64_t)base + off, d, count, c.line, err)))
                return e;
            break;
        case 1: eof = true; break;
        case 2: base = ((uint32_t)d[0] << 8 | d[1]) << 4; break;
        case 3: /* CS:IP */
            out->has_entry = true;
            out->entry = (((uint32_t)d[0] << 8 | d[1]) << 4) + ((uint32_t)d[2] << 8 | d[3]);
            break;
        case 4: base = ((uint32_t)d[0] << 8 | d[1]) << 16; break;
        case 5:
            out->has_entry = true;
            out->entry = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
            break;
        }
    }
    if (!eof)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: no end-of-file record (:00000001FF): the file is truncated",
                            b->label);
    return SE_OK;
}

/* ---- S-record ------------------------------------------------------------------------ */

/* Address bytes of each S-record type; 0 for S4 (reserved). */
static const uint8_t srec_abytes[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};

static bool srec_record(const char *s, size_t n, uint8_t *rec, size_t *nrec, char *why, size_t wlen)
{
    if (n < 2 || s[0] != 'S' || s[1] < '0' || s[1] > '9') {
        snprintf(why, wlen, "does not start with S0-S9");
        return false;
    }
    if (s[1] == '4') {
        snprintf(why, wlen, "S4 is a reserved record type");
        return false;
    }
    if (n < 4 || (n - 2) % 2) {
        snprintf(why, wlen, n < 4 ? "too short for a record" : "odd number of hex digits");
        return false;
    }
    long bad = unhex(s + 2, n - 2, rec);
    if (bad >= 0) {
        snprintf(why, wlen, "'%c' at column %ld is not a hex digit", s[2 + bad], bad + 3);
        return false;
    }
    size_t nb = (n - 2) / 2; /* count byte + what it counts */
    unsigned ab = srec_abytes[s[1] - '0'];
    if (nb != (size_t)rec[0] + 1) {
        snprintf(why, wlen, "byte count 0x%02X says %u bytes follow, the line has %zu", rec[0],
                 rec[0], nb - 1);
        return false;
    }
    if (rec[0] < ab + 1) {
        snprintf(why, wlen,
                 "byte count 0x%02X leaves no room for the %u-byte address and the "
                 "checksum",
                 rec[0], ab);
        return false;
    }
    uint8_t sum = 0;
    for (size_t i = 0; i + 1 < nb; i++)
        sum = (uint8_t)(sum + rec[i]);
    if ((uint8_t)(sum + rec[nb - 1]) != 0xFFu) {
        snprintf(why, wlen, "checksum 0x%02X is wrong (0x%02X expected)", rec[nb - 1],
                 (uint8_t)~sum);
        return false;
    }
    *nrec = nb;
    return true;
}

static se_err srec_parse(builder *b, const uint8_t *buf, size_t len, se_datafile *out,
                         se_error *err)
{
    cursor c = {buf, buf + len, 0};
    const char *s;
    size_t n;
    bool end = false;
    uint64_t ndata = 0; /* S1-S3 records so far, for S5/S6 */
    uint8_t rec[MAX_LINE / 2];
    char why[120], ex[40];
    while (next_line(&c, &s, &n)) {
        if (blank_line(s, n))
            continue;
        if (end)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: line %u: '%s' after the termination record (S7-S9)", b->label,
                                c.line, excerpt(s, n, ex, sizeof ex));
        if (n > MAX_LINE)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: line %u: %zu characters, longer than any "
                                "S-record",
                                b->label, c.line, n);
        size_t nrec;
        if (!srec_record(s, n, rec, &nrec, why, sizeof why))
            return se_error_set(err, SE_ERR_DATA, "%s: line %u: not an S-record: %s ('%s')",
                                b->label, c.line, why, excerpt(s, n, ex, sizeof ex));
        unsigned type = (unsigned)(s[1] - '0'), ab = srec_abytes[type];
        uint32_t addr = 0;
        for (unsigned i = 0; i < ab; i++)
            addr = addr << 8 | rec[1 + i];
        uint32_t dlen = (uint32_t)(nrec - 2 - ab); /* minus count, address, checksum */
        se_err e;
        switch (type) {
        case 0: break; /* header: text, not programmed */
        case 1:
        case 2:
        case 3:
            if ((e = add(b, addr, rec + 1 + ab, dlen, c.line, err)))
                return e;
            ndata++;
            break;
        case 5:
        case 6:
            if (dlen)
                return se_error_set(err, SE_ERR_DATA,
                                    "%s: line %u: an S%u count record carries "
                                    "data",
                                    b->label, c.line, type);
            if (addr != ndata)
                return se_error_set(err, SE_ERR_DATA,
                                    "%s: line %u: the S%u record counts %" PRIu32 " data records, "
                                    "the file has %" PRIu64 " before it (records lost?)",
                                    b->label, c.line, type, addr, ndata);
            break;
        default: /* 7, 8, 9 */
            if (dlen)
                return se_error_set(err, SE_ERR_DATA,
                                    "%s: line %u: an S%u termination record "
                                    "carries data",
                                    b->label, c.line, type);
            out->has_entry = true;
            out->entry = addr;
            end = true;
            break;
        }
    }
    if (!end)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: no termination record (S7, S8 or S9): the file is truncated",
                            b->label);
    return SE_OK;
}

/* ---- ELF ----------------------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

#define PT_LOAD_TYPE 1u
#define ELF32_EHDR 52u
#define ELF32_PHDR 32u

/* The ELF header and program headers by hand (no libelf: base/ has no dependency, and the
 * reading is bounded here): PT_LOAD segments' file bytes at p_paddr, the load address, as
 * objcopy -O binary and CubeProgrammer use it (docs/cube.md "Data files"); .bss (memsz
 * beyond filesz) is not programmed; sections are not looked at. */
static se_err elf_parse(builder *b, const uint8_t *buf, size_t len, se_datafile *out, se_error *err)
{
    if (len < 16 || memcmp(buf,
                           "\x7f"
                           "ELF",
                           4))
        return se_error_set(err, SE_ERR_DATA, "%s: not an ELF file", b->label);
    if (buf[4] != 1)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: a %s ELF file: only 32-bit ELF (ELFCLASS32) "
                            "is programmed",
                            b->label, buf[4] == 2 ? "64-bit" : "bad-class");
    if (buf[5] != 1)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: a big-endian (or bad) ELF file: STM32 images "
                            "are little-endian",
                            b->label);
    if (len < ELF32_EHDR)
        return se_error_set(err, SE_ERR_DATA, "%s: %zu bytes, shorter than an ELF header", b->label,
                            len);
    uint32_t phoff = le32(buf + 28);
    uint16_t phentsize = le16(buf + 42), phnum = le16(buf + 44);
    if (phnum == 0)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: an ELF file with no program headers (an "
                            "object file, not a linked image?)",
                            b->label);
    if (phnum == 0xFFFF)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: extended program header numbering (PN_XNUM) "
                            "is not supported",
                            b->label);
    if (phentsize < ELF32_PHDR)
        return se_error_set(err, SE_ERR_DATA, "%s: program header size %u, less than %u", b->label,
                            phentsize, ELF32_PHDR);
    if ((uint64_t)phoff + (uint64_t)phnum * phentsize > len)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: %u program headers at 0x%" PRIx32 " pass the end of the file "
                            "(%zu bytes): truncated",
                            b->label, phnum, phoff, len);
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = buf + phoff + (size_t)i * phentsize;
        if (le32(ph) != PT_LOAD_TYPE)
            continue;
        uint32_t off = le32(ph + 4), paddr = le32(ph + 12), filesz = le32(ph + 16),
                 memsz = le32(ph + 20);
        if (filesz == 0)
            continue; /* .bss alone: nothing to program */
        if (filesz > memsz)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: program header %u: file size 0x%" PRIx32 " over memory "
                                "size 0x%" PRIx32,
                                b->label, i, filesz, memsz);
        if ((uint64_t)off + filesz > len)
            return se_error_set(err, SE_ERR_DATA,
                                "%s: program header %u: 0x%" PRIx32 " bytes at file offset "
                                "0x%" PRIx32 " pass the end of the file (%zu bytes): truncated",
                                b->label, i, filesz, off, len);
        se_err e = add(b, paddr, buf + off, filesz, i, err);
        if (e)
            return e;
    }
    if (b->nruns == 0)
        return se_error_set(err, SE_ERR_DATA,
                            "%s: no PT_LOAD segment with file bytes: nothing "
                            "to program",
                            b->label);
    out->has_entry = true;
    out->entry = le32(buf + 24);
    return SE_OK;
}

/* ---- parsing ------------------------------------------------------------------------- */

se_err se_df_parse(const uint8_t *buf, size_t len, se_df_format fmt, const char *label,
                   const se_df_limits *lim, se_datafile *out, se_error *err)
{
    memset(out, 0, sizeof *out);
    builder b = {.lim = lim, .label = label, .unit = fmt == SE_DF_ELF ? "program header" : "line"};
    se_err e;
    switch (fmt) {
    case SE_DF_IHEX: e = ihex_parse(&b, buf, len, out, err); break;
    case SE_DF_SREC: e = srec_parse(&b, buf, len, out, err); break;
    case SE_DF_ELF: e = elf_parse(&b, buf, len, out, err); break;
    default:
        return se_error_set(err, SE_ERR_USAGE, "%s: se_df_parse takes HEX, S-record or ELF", label);
    }
    if (!e)
        e = finish(&b, fmt, out, err);
    if (e) {
        builder_free(&b);
        memset(out, 0, sizeof *out);
    }
    return e;
}

se_err se_df_from_binary(uint8_t *buf, size_t len, uint32_t addr, const char *label,
                         const se_df_limits *lim, se_datafile *out, se_error *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0) {
        free(buf);
        return se_error_set(err, SE_ERR_USAGE, "%s is empty: nothing to write", label);
    }
    if (len > lim->max_bytes || (uint64_t)addr + len > lim->hi || addr < lim->lo) {
        free(buf);
        return se_error_set(
            err, SE_ERR_USAGE,
            "range 0x%08" PRIx32 "+0x%zx (%s) is outside %s (0x%08" PRIx32 "..0x%08" PRIx64 ")",
            addr, len, label, lim->what ? lim->what : "the device", lim->lo, lim->hi);
    }
    se_df_segment *s = malloc(sizeof *s);
    if (!s) {
        free(buf);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
    *s = (se_df_segment){addr, (uint32_t)len, buf};
    *out = (se_datafile){.format = SE_DF_BIN, .nsegs = 1, .segs = s, .bytes = len, .pool = buf};
    return SE_OK;
}

void se_df_free(se_datafile *df)
{
    if (!df)
        return;
    free(df->segs);
    free(df->pool);
    memset(df, 0, sizeof *df);
}

/* ---- sniffing ------------------------------------------------------------------------ */

se_df_format se_df_sniff(const uint8_t *buf, size_t len)
{
    if (len >= 4 && !memcmp(buf,
                            "\x7f"
                            "ELF",
                            4))
        return SE_DF_ELF;
    cursor c = {buf, buf + len, 0};
    const char *s;
    size_t n;
    /* the first line that is not blank, within the first few lines */
    for (int k = 0; k < 8 && next_line(&c, &s, &n); k++) {
        if (blank_line(s, n))
            continue;
        uint8_t rec[MAX_LINE / 2];
        size_t nrec;
        char why[120];
        if (n > MAX_LINE)
            return SE_DF_BIN;
        if (ihex_record(s, n, rec, &nrec, why, sizeof why))
            return SE_DF_IHEX;
        if (srec_record(s, n, rec, &nrec, why, sizeof why))
            return SE_DF_SREC;
        return SE_DF_BIN;
    }
    return SE_DF_BIN;
}

/* ---- loading a file ------------------------------------------------------------------ */

/* The first line that is not blank starts like a HEX (':' and 10 hex digits) or S-record
 * ('S', a digit, 4 hex digits) record, valid or not. */
static bool looks_like_records(const uint8_t *buf, size_t len)
{
    cursor c = {buf, buf + len, 0};
    const char *s;
    size_t n;
    for (int k = 0; k < 8 && next_line(&c, &s, &n); k++) {
        if (blank_line(s, n))
            continue;
        size_t i = 0;
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        size_t from, need;
        if (i < n && s[i] == ':')
            from = i + 1, need = 10;
        else if (i + 1 < n && s[i] == 'S' && isdigit((unsigned char)s[i + 1]))
            from = i + 2, need = 4;
        else
            return false;
        size_t h = 0;
        while (from + h < n && hexval(s[from + h]) >= 0)
            h++;
        return h >= need;
    }
    return false;
}

static se_err read_all(int fd, size_t n, const char *what, const char *path, uint8_t **out,
                       se_error *err)
{
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory reading %s", path);
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, b + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = errno;
            free(b);
            return se_error_set(err, SE_ERR_IO, "cannot read %s %s: %s", what, path,
                                r < 0 ? strerror(e) : "the file shrank while it was read");
        }
        got += (size_t)r;
    }
    *out = b;
    return SE_OK;
}

se_err se_df_load(const char *path, const char *what, se_df_format fmt, bool has_addr,
                  uint32_t addr, const se_df_limits *lim, se_datafile *out, se_error *err)
{
    memset(out, 0, sizeof *out);
    int fd;
    size_t size;
    se_err e = se_open_input(path, what, SE_LIMIT_DATAFILE_BYTES, &fd, &size, err);
    if (e)
        return e;
    /* What the content is, from its first bytes, before a large file is read whole. */
    uint8_t head[1024];
    size_t nhead = size < sizeof head ? size : sizeof head;
    uint8_t *hb;
    if ((e = read_all(fd, nhead, what, path, &hb, err))) {
        close(fd);
        return e;
    }
    memcpy(head, hb, nhead);
    free(hb);
    se_df_format content = se_df_sniff(head, nhead);
    se_df_format ext = se_df_from_extension(path);
    const char *ename = extension(path);
    if (fmt == SE_DF_AUTO) {
        if (content == SE_DF_IHEX || content == SE_DF_SREC) {
            /* HEX/S-record text must never reach the flash as bytes (issue 17) */
            if (has_addr || ext == SE_DF_BIN || ext == SE_DF_ELF) {
                close(fd);
                return se_error_set(err, SE_ERR_DATA,
                                    "%s %s reads as %s text, which carries its own addresses: "
                                    "refused %s (it would program the text); %s, or --format "
                                    "bin if it really is raw bytes",
                                    what, path, se_df_format_name(content),
                                    has_addr ? "with an address" : "under its name",
                                    has_addr ? "drop the address" : "rename it");
            }
            if (ext != SE_DF_AUTO && ext != content) {
                close(fd);
                return se_error_set(err, SE_ERR_DATA,
                                    "%s %s is named .%s but reads as %s: refused; --format %s "
                                    "to take it as that",
                                    what, path, ename, se_df_format_name(content),
                                    content == SE_DF_IHEX ? "hex" : "srec");
            }
        } else if (content == SE_DF_ELF) {
            if (ext == SE_DF_BIN || ext == SE_DF_IHEX || ext == SE_DF_SREC) {
                close(fd);
                return se_error_set(err, SE_ERR_DATA,
                                    "%s %s is named .%s but is an ELF file: refused; --format "
                                    "elf (its segments) or --format bin (its bytes)",
                                    what, path, ename);
            }
        } else if (ext == SE_DF_IHEX || ext == SE_DF_SREC || ext == SE_DF_ELF) {
            content = ext; /* its parser names what is wrong, line by line */
        } else if (looks_like_records(head, nhead)) {
            close(fd);
            return se_error_set(err, SE_ERR_DATA,
                                "%s %s looks like Intel HEX or S-record text but its first "
                                "record is not valid: refused, never written as text; "
                                "--format hex or srec names the error, --format bin takes "
                                "the bytes",
                                what, path);
        }
        fmt = content;
    }
    if (fmt == SE_DF_BIN && !has_addr) {
        close(fd);
        return se_error_set(err, SE_ERR_USAGE,
                            "%s %s is a raw binary: it needs an address (FILE@ADDR, or -d FILE "
                            "ADDR)",
                            what, path);
    }
    if (fmt != SE_DF_BIN && has_addr) {
        close(fd);
        return se_error_set(err, SE_ERR_USAGE,
                            "%s %s is %s, which carries its own addresses: give no address", what,
                            path, se_df_format_name(fmt));
    }
    if (fmt == SE_DF_BIN && size > lim->max_bytes) {
        close(fd);
        return se_error_set(err, SE_ERR_USAGE,
                            "%s %s is %zu bytes, over the limit of %" PRIu64 " bytes (%s)", what,
                            path, size, lim->max_bytes, lim->what ? lim->what : "the device");
    }
    uint8_t *buf;
    e = read_all(fd, size, what, path, &buf, err);
    close(fd);
    if (e)
        return e;
    char label[600];
    snprintf(label, sizeof label, "%s %s", what, path);
    if (fmt == SE_DF_BIN)
        return se_df_from_binary(buf, size, addr, label, lim, out, err);
    e = se_df_parse(buf, size, fmt, label, lim, out, err);
    free(buf);
    return e;
}

/* ---- writing ------------------------------------------------------------------------- */

static size_t put_hex(char *p, const uint8_t *b, size_t n)
{
    static const char d[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        p[2 * i] = d[b[i] >> 4];
        p[2 * i + 1] = d[b[i] & 15];
    }
    return 2 * n;
}

/* ":" + LL AAAA TT data CC + "\n", or "S" + type + count address data checksum + "\n". */
static size_t ihex_line(char *p, uint8_t type, uint16_t off, const uint8_t *d, uint8_t n)
{
    uint8_t rec[4 + 255 + 1];
    rec[0] = n;
    rec[1] = (uint8_t)(off >> 8);
    rec[2] = (uint8_t)off;
    rec[3] = type;
    if (n)
        memcpy(rec + 4, d, n);
    uint8_t sum = 0;
    for (unsigned i = 0; i < 4u + n; i++)
        sum = (uint8_t)(sum + rec[i]);
    rec[4 + n] = (uint8_t)-sum;
    p[0] = ':';
    size_t k = 1 + put_hex(p + 1, rec, 5u + n);
    p[k++] = '\n';
    return k;
}

static size_t srec_line(char *p, unsigned type, uint32_t addr, unsigned ab, const uint8_t *d,
                        uint8_t n)
{
    uint8_t rec[1 + 4 + 255];
    rec[0] = (uint8_t)(ab + n + 1);
    for (unsigned i = 0; i < ab; i++)
        rec[1 + i] = (uint8_t)(addr >> (8 * (ab - 1 - i)));
    if (n)
        memcpy(rec + 1 + ab, d, n);
    uint8_t sum = 0;
    for (unsigned i = 0; i < 1 + ab + n; i++)
        sum = (uint8_t)(sum + rec[i]);
    rec[1 + ab + n] = (uint8_t)~sum;
    p[0] = 'S';
    p[1] = (char)('0' + type);
    size_t k = 2 + put_hex(p + 2, rec, 2u + ab + n);
    p[k++] = '\n';
    return k;
}

#define REC_BYTES 16u

se_err se_df_format_text(se_df_format fmt, uint32_t addr, const uint8_t *data, size_t len,
                         char **out, size_t *outlen, se_error *err)
{
    *out = NULL;
    *outlen = 0;
    if ((uint64_t)addr + len > 0x100000000ull)
        return se_error_set(err, SE_ERR_USAGE, "0x%zx bytes at 0x%08" PRIx32 " pass 4 GiB", len,
                            addr);
    if (fmt != SE_DF_IHEX && fmt != SE_DF_SREC)
        return se_error_set(err, SE_ERR_USAGE, "only Intel HEX and S-record are written as text");
    /* records: one per 16 bytes and at most one more at each 64 KiB boundary (HEX: the
     * 04 record; the data record is split there); each line at most 2 * (5 + 16) + 4 */
    uint64_t recs = len / REC_BYTES + 2 * (len / 0x10000u) + 8;
    uint64_t cap = recs * (2u * (6 + REC_BYTES) + 4) + 64;
    if (cap > SIZE_MAX)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    char *p = malloc((size_t)cap);
    if (!p)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    size_t k = 0;
    if (fmt == SE_DF_IHEX) {
        uint32_t upper = 0;
        bool first = true;
        for (size_t done = 0; done < len;) {
            uint32_t a = addr + (uint32_t)done;
            if (first || a >> 16 != upper) {
                upper = a >> 16;
                uint8_t u[2] = {(uint8_t)(upper >> 8), (uint8_t)upper};
                k += ihex_line(p + k, 4, 0, u, 2);
                first = false;
            }
            uint32_t room = 0x10000u - (a & 0xFFFFu);
            size_t n = len - done < REC_BYTES ? len - done : REC_BYTES;
            if (n > room)
                n = room;
            k += ihex_line(p + k, 0, (uint16_t)a, data + done, (uint8_t)n);
            done += n;
        }
        k += ihex_line(p + k, 1, 0, NULL, 0);
    } else {
        static const uint8_t hdr[] = "stldr-emu";
        k += srec_line(p + k, 0, 0, 2, hdr, (uint8_t)(sizeof hdr - 1));
        uint32_t count = 0;
        for (size_t done = 0; done < len; count++) {
            size_t n = len - done < REC_BYTES ? len - done : REC_BYTES;
            k += srec_line(p + k, 3, addr + (uint32_t)done, 4, data + done, (uint8_t)n);
            done += n;
        }
        if (count <= 0xFFFFu)
            k += srec_line(p + k, 5, count, 2, NULL, 0);
        else if (count <= 0xFFFFFFu)
            k += srec_line(p + k, 6, count, 3, NULL, 0);
        k += srec_line(p + k, 7, 0, 4, NULL, 0);
    }
    *out = p;
    *outlen = k;
    return SE_OK;
}
