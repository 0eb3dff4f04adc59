#include "peripherals/flash_image.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK SE_FLASH_IMAGE_CHUNK
#define MALLOC_OVERHEAD 16u /* glibc's per-block header, rounded */

/* Journal layout (all integers little-endian):
 *   header  magic "SEFLJNL1", u32 version, u32 chunk size, u64 image size, u64 file length
 *           before the sync, u32 entry count, u32 zero
 *   entry   u64 offset, CHUNK bytes of data                  (count times, ascending offsets)
 *   trailer u64 FNV-1a-64 of everything before it, magic "SEFLEND1"
 * A journal is complete only when its length, both magics, the checksum and every offset
 * agree; anything else is what a killed sync left behind before touching the image. */
#define J_MAGIC "SEFLJNL1"
#define J_END "SEFLEND1"
#define J_VERSION 1u
#define J_HEADER 40u
#define J_ENTRY (8u + CHUNK)
#define J_TRAILER 16u

struct se_flash_image {
    uint64_t size;
    uint8_t erase_value;
    size_t nchunks;
    /* The bytes, in one reservation of `size` (mmap, no swap reserved): a chunk's memory
     * holds its bytes when it is present or valid; a never-touched chunk reads as 0x00 in
     * memory and as the erase value through the API. */
    uint8_t *mem;
    uint64_t *present; /* one bit per chunk: holds programmed data (absent = all erased) */
    uint64_t *valid;   /* one bit per chunk: its memory holds its bytes (se_flash_image_direct) */
    uint64_t *dirty;   /* one bit per chunk: changed since the last sync/open */
    size_t npresent;
    size_t ndirty;
    /* the backing file */
    int fd;
    char *path;
    char *jpath;
    uint64_t file_len;
    se_flash_journal_outcome outcome;
    se_flash_crash_point crash;
    /* The file could only be opened for reading (EROFS, EACCES, EPERM): why, else "". */
    char read_only[96];
    /* Undo log since se_flash_image_mark (snapshots): each chunk's contents before its
     * first change, NULL = it was absent (erased). */
    bool marking;
    uint64_t *logged;
    struct undo_ent {
        size_t c;
        uint8_t *orig;
    } * undo;
    size_t nundo, capundo;
};

/* ---- memory ---------------------------------------------------------------------------- */

static bool bit(const uint64_t *map, size_t c) { return (map[c / 64] >> (c % 64)) & 1u; }

static void set_bit(uint64_t *map, size_t c) { map[c / 64] |= (uint64_t)1 << (c % 64); }

static void clear_bit(uint64_t *map, size_t c) { map[c / 64] &= ~((uint64_t)1 << (c % 64)); }

static size_t map_words(const se_flash_image *img) { return (img->nchunks + 63) / 64; }

static uint8_t *chunk_mem(const se_flash_image *img, size_t c)
{
    return img->mem + (uint64_t)c * CHUNK;
}

static bool is_present(const se_flash_image *img, size_t c) { return bit(img->present, c); }

static bool is_dirty(const se_flash_image *img, size_t c) { return bit(img->dirty, c); }

static void mark_dirty(se_flash_image *img, size_t c)
{
    if (!is_dirty(img, c)) {
        set_bit(img->dirty, c);
        img->ndirty++;
    }
}

static void clear_dirty(se_flash_image *img)
{
    memset(img->dirty, 0, map_words(img) * sizeof img->dirty[0]);
    img->ndirty = 0;
}

/* Chunk c's memory holds its bytes from now on (erased ones filled in). */
static uint8_t *make_valid(se_flash_image *img, size_t c)
{
    uint8_t *p = chunk_mem(img, c);
    if (!bit(img->valid, c)) {
        if (!is_present(img, c))
            memset(p, img->erase_value, CHUNK);
        set_bit(img->valid, c);
    }
    return p;
}

/* Record chunk c's contents before its first change since the mark. */
static void before_change(se_flash_image *img, size_t c)
{
    if (!img->marking || bit(img->logged, c))
        return;
    if (img->nundo == img->capundo) {
        size_t cap = img->capundo ? img->capundo * 2 : 16;
        struct undo_ent *u = realloc(img->undo, cap * sizeof *u);
        if (!u)
            return; /* cannot log: rewind will miss this chunk (reported by rewind) */
        img->undo = u;
        img->capundo = cap;
    }
    uint8_t *orig = NULL;
    if (is_present(img, c)) {
        orig = malloc(CHUNK);
        if (!orig)
            return;
        memcpy(orig, chunk_mem(img, c), CHUNK);
    }
    img->undo[img->nundo++] = (struct undo_ent){c, orig};
    set_bit(img->logged, c);
}

/* Chunk c is all erased: absent from now on; valid memory is kept erased. */
static void drop_chunk(se_flash_image *img, size_t c)
{
    if (is_present(img, c)) {
        clear_bit(img->present, c);
        img->npresent--;
        if (bit(img->valid, c))
            memset(chunk_mem(img, c), img->erase_value, CHUNK);
    }
}

static void make_present(se_flash_image *img, size_t c)
{
    make_valid(img, c);
    if (!is_present(img, c)) {
        set_bit(img->present, c);
        img->npresent++;
    }
}

static void drop_all(se_flash_image *img)
{
    for (size_t c = 0; c < img->nchunks; c++)
        drop_chunk(img, c);
}

static bool all_erased(const uint8_t *p, size_t n, uint8_t ev)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ev)
            return false;
    return true;
}

se_flash_image *se_flash_image_new(uint64_t size, uint8_t erase_value)
{
    if (size == 0 || size % CHUNK != 0 || size > ((uint64_t)1 << 32))
        return NULL;
    se_flash_image *img = calloc(1, sizeof *img);
    if (!img)
        return NULL;
    img->size = size;
    img->erase_value = erase_value;
    img->nchunks = (size_t)(size / CHUNK);
    img->fd = -1;
    /* Pages are only backed once written: a 64 MiB image costs what it holds. */
    void *mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    img->mem = mem == MAP_FAILED ? NULL : mem;
    img->present = calloc(map_words(img), sizeof img->present[0]);
    img->valid = calloc(map_words(img), sizeof img->valid[0]);
    img->dirty = calloc(map_words(img), sizeof img->dirty[0]);
    if (!img->mem || !img->present || !img->valid || !img->dirty) {
        se_flash_image_free(img);
        return NULL;
    }
    return img;
}

void se_flash_image_free(se_flash_image *img)
{
    if (!img)
        return;
    if (img->mem)
        munmap(img->mem, (size_t)img->size);
    if (img->fd >= 0)
        close(img->fd); /* also releases the flock */
    for (size_t i = 0; i < img->nundo; i++)
        free(img->undo[i].orig);
    free(img->undo);
    free(img->logged);
    free(img->present);
    free(img->valid);
    free(img->dirty);
    free(img->path);
    free(img->jpath);
    free(img);
}

uint64_t se_flash_image_size(const se_flash_image *img) { return img->size; }

uint8_t se_flash_image_erase_value(const se_flash_image *img) { return img->erase_value; }

size_t se_flash_image_chunks_present(const se_flash_image *img) { return img->npresent; }

size_t se_flash_image_dirty_chunks(const se_flash_image *img) { return img->ndirty; }

size_t se_flash_image_memory_use(const se_flash_image *img)
{
    size_t maps = 3 * map_words(img) * sizeof img->present[0];
    size_t valid_only = 0;
    for (size_t w = 0; w < map_words(img); w++)
        valid_only += (size_t)__builtin_popcountll(img->valid[w] & ~img->present[w]);
    return sizeof *img + maps + 4 * MALLOC_OVERHEAD + (img->npresent + valid_only) * CHUNK;
}

se_flash_journal_outcome se_flash_image_journal_outcome(const se_flash_image *img)
{
    return img->outcome;
}

void se_flash_image_set_crash_point(se_flash_image *img, se_flash_crash_point p) { img->crash = p; }

/* Test hook (tests run as root, where a 0444 mode does not stop a write): opening for
 * writing fails with this errno, as on a read-only file system. */
static int test_open_errno;

void se_flash_image_test_writable_open_fails(int err_no) { test_open_errno = err_no; }

const char *se_flash_image_read_only(const se_flash_image *img)
{
    return img->read_only[0] ? img->read_only : NULL;
}

/* Clip [off, off+len) to the image; returns the length that is inside. */
static size_t clip(const se_flash_image *img, uint64_t off, size_t len)
{
    if (off >= img->size)
        return 0;
    return (uint64_t)len > img->size - off ? (size_t)(img->size - off) : len;
}

void se_flash_image_read(const se_flash_image *img, uint64_t off, void *buf, size_t len)
{
    uint8_t *out = buf;
    size_t in = clip(img, off, len);
    memset(out + in, img->erase_value, len - in);
    while (in > 0) {
        size_t c = (size_t)(off / CHUNK), at = (size_t)(off % CHUNK);
        size_t n = CHUNK - at < in ? CHUNK - at : in;
        if (is_present(img, c))
            memcpy(out, chunk_mem(img, c) + at, n);
        else
            memset(out, img->erase_value, n);
        out += n;
        off += n;
        in -= n;
    }
}

size_t se_flash_image_program(se_flash_image *img, uint64_t off, const void *buf, size_t len)
{
    const uint8_t *d = buf;
    size_t in = clip(img, off, len), unerased = 0;
    uint8_t ev = img->erase_value;
    while (in > 0) {
        size_t c = (size_t)(off / CHUNK), at = (size_t)(off % CHUNK);
        size_t n = CHUNK - at < in ? CHUNK - at : in;
        if (!is_present(img, c)) {
            bool changes = false;
            for (size_t i = 0; i < n; i++) {
                if (d[i] & (uint8_t)~ev)
                    unerased++;
                if ((uint8_t)(ev & d[i]) != ev)
                    changes = true;
            }
            if (changes) {
                before_change(img, c);
                make_present(img, c);
                uint8_t *p = chunk_mem(img, c);
                for (size_t i = 0; i < n; i++)
                    p[at + i] = ev & d[i];
                mark_dirty(img, c);
            }
        } else {
            uint8_t *p = chunk_mem(img, c);
            bool changed = false;
            before_change(img, c);
            for (size_t i = 0; i < n; i++) {
                uint8_t old = p[at + i], nw = old & d[i];
                if (d[i] & (uint8_t)~old)
                    unerased++;
                if (nw != old) {
                    p[at + i] = nw;
                    changed = true;
                }
            }
            if (changed)
                mark_dirty(img, c);
        }
        d += n;
        off += n;
        in -= n;
    }
    return unerased;
}

void se_flash_image_erase(se_flash_image *img, uint64_t off, uint64_t len)
{
    uint64_t in = off >= img->size ? 0 : (len > img->size - off ? img->size - off : len);
    while (in > 0) {
        size_t c = (size_t)(off / CHUNK), at = (size_t)(off % CHUNK);
        size_t n = CHUNK - at < in ? CHUNK - at : (size_t)in;
        if (is_present(img, c)) {
            uint8_t *p = chunk_mem(img, c);
            before_change(img, c);
            memset(p + at, img->erase_value, n);
            if (n == CHUNK || all_erased(p, CHUNK, img->erase_value))
                drop_chunk(img, c);
            mark_dirty(img, c);
        }
        off += n;
        in -= n;
    }
}

const uint8_t *se_flash_image_ptr_if_present(const se_flash_image *img, uint64_t off, size_t *avail)
{
    if (avail)
        *avail = 0;
    if (off >= img->size)
        return NULL;
    size_t c = (size_t)(off / CHUNK), at = (size_t)(off % CHUNK);
    if (!is_present(img, c))
        return NULL;
    if (avail)
        *avail = CHUNK - at;
    return chunk_mem(img, c) + at;
}

const uint8_t *se_flash_image_direct(se_flash_image *img, uint64_t off, uint64_t len)
{
    if (off > img->size || len > img->size - off)
        return NULL;
    if (len) {
        for (size_t c = (size_t)(off / CHUNK); c <= (size_t)((off + len - 1) / CHUNK); c++)
            make_valid(img, c);
    }
    return img->mem + off;
}

/* ---- file helpers ---------------------------------------------------------------------- */

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = pwrite(fd, p, len, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Reads up to len bytes at off; returns the count read (short only at end of file), -1 on
 * error. */
static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, p + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static void fsync_dir_of(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return;
    int dfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(d);
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Writes one journal entry's data in place. Bytes between the file's end and off are
 * filled with the erase value first, so the file never gets a hole (a hole reads as 0x00,
 * which is not erased). */
static int apply_entry(int fd, uint64_t *cur_len, uint64_t off, const uint8_t *data, uint8_t ev)
{
    if (off > *cur_len) {
        uint8_t fill[CHUNK];
        memset(fill, ev, sizeof fill);
        for (uint64_t at = *cur_len; at < off;) {
            size_t n = off - at < CHUNK ? (size_t)(off - at) : CHUNK;
            if (pwrite_all(fd, fill, n, at) != 0)
                return -1;
            at += n;
        }
    }
    if (pwrite_all(fd, data, CHUNK, off) != 0)
        return -1;
    if (off + CHUNK > *cur_len)
        *cur_len = off + CHUNK;
    return 0;
}

/* ---- journal replay on open ------------------------------------------------------------ */

typedef struct jinfo {
    uint64_t old_len;
    uint32_t count;
} jinfo;

/* 1 = complete and valid, 0 = incomplete or damaged, -1 = I/O error. */
static int journal_check(const se_flash_image *img, int jfd, jinfo *ji, se_error *err)
{
    struct stat st;
    if (fstat(jfd, &st) != 0) {
        se_error_set(err, SE_ERR_IO, "cannot stat %s: %s", img->jpath, strerror(errno));
        return -1;
    }
    uint8_t h[J_HEADER];
    if (pread_full(jfd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return 0;
    if (memcmp(h, J_MAGIC, 8) != 0 || get_u32(h + 8) != J_VERSION || get_u32(h + 12) != CHUNK)
        return 0;
    if (get_u64(h + 16) != img->size) {
        se_error_set(err, SE_ERR_IO,
                     "%s belongs to a flash image of %llu bytes, not %llu: refusing to apply "
                     "or delete it",
                     img->jpath, (unsigned long long)get_u64(h + 16),
                     (unsigned long long)img->size);
        return -1;
    }
    ji->old_len = get_u64(h + 24);
    ji->count = get_u32(h + 32);
    if ((uint64_t)st.st_size != J_HEADER + (uint64_t)ji->count * J_ENTRY + J_TRAILER)
        return 0;
    uint64_t sum = fnv1a(FNV_INIT, h, sizeof h);
    uint8_t e[J_ENTRY];
    for (uint32_t i = 0; i < ji->count; i++) {
        if (pread_full(jfd, e, sizeof e, J_HEADER + (uint64_t)i * J_ENTRY) != (ssize_t)sizeof e)
            return 0;
        uint64_t off = get_u64(e);
        if (off % CHUNK != 0 || off >= img->size)
            return 0;
        sum = fnv1a(sum, e, sizeof e);
    }
    uint8_t t[J_TRAILER];
    if (pread_full(jfd, t, sizeof t, J_HEADER + (uint64_t)ji->count * J_ENTRY) != (ssize_t)sizeof t)
        return 0;
    return get_u64(t) == sum && memcmp(t + 8, J_END, 8) == 0;
}

static se_err journal_recover(se_flash_image *img, se_error *err)
{
    img->outcome = SE_FLASH_JOURNAL_NONE;
    /* O_NONBLOCK: a FIFO in the journal's place must not wait for a writer */
    int jfd = open(img->jpath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (jfd < 0) {
        if (errno == ENOENT)
            return SE_OK;
        return se_error_set(err, SE_ERR_IO, "cannot open %s: %s", img->jpath, strerror(errno));
    }
    struct stat jst;
    if (fstat(jfd, &jst) != 0 || !S_ISREG(jst.st_mode)) {
        close(jfd);
        return se_error_set(err, SE_ERR_IO,
                            "%s is not a regular file: refusing to apply or "
                            "delete it",
                            img->jpath);
    }
    jinfo ji = {0, 0};
    int ok = journal_check(img, jfd, &ji, err);
    if (ok < 0) {
        close(jfd);
        return err ? err->code : SE_ERR_IO;
    }
    if (img->read_only[0]) {
        /* Neither applied nor deleted. An incomplete journal means the image was not
         * touched: it is read as it is. A complete one means the image is stale. */
        close(jfd);
        if (ok)
            return se_error_set(err, SE_ERR_IO,
                                "flash image %s is read-only (%s) and %s holds a sync that "
                                "was interrupted: open the image writable once to complete it",
                                img->path, img->read_only, img->jpath);
        return SE_OK;
    }
    if (ok) {
        uint8_t e[J_ENTRY];
        uint64_t cur = ji.old_len;
        for (uint32_t i = 0; i < ji.count; i++) {
            if (pread_full(jfd, e, sizeof e, J_HEADER + (uint64_t)i * J_ENTRY) !=
                    (ssize_t)sizeof e ||
                apply_entry(img->fd, &cur, get_u64(e), e + 8, img->erase_value) != 0) {
                close(jfd);
                return se_error_set(err, SE_ERR_IO, "cannot replay %s into %s: %s", img->jpath,
                                    img->path, strerror(errno));
            }
        }
        if (fsync(img->fd) != 0) {
            close(jfd);
            return se_error_set(err, SE_ERR_IO, "cannot flush %s: %s", img->path, strerror(errno));
        }
    }
    close(jfd);
    if (unlink(img->jpath) != 0)
        return se_error_set(err, SE_ERR_IO, "cannot delete %s: %s", img->jpath, strerror(errno));
    fsync_dir_of(img->jpath);
    img->outcome = ok ? SE_FLASH_JOURNAL_REPLAYED : SE_FLASH_JOURNAL_DISCARDED;
    return SE_OK;
}

/* ---- open ------------------------------------------------------------------------------ */

static se_err load_file(se_flash_image *img, se_error *err)
{
    drop_all(img);
    clear_dirty(img);
    /* Straight into the image's memory: those chunks hold their bytes from now on. */
    for (size_t c = 0; (uint64_t)c * CHUNK < img->file_len; c++) {
        uint8_t *p = chunk_mem(img, c);
        ssize_t r = pread_full(img->fd, p, CHUNK, (uint64_t)c * CHUNK);
        if (r < 0)
            return se_error_set(err, SE_ERR_IO, "cannot read %s: %s", img->path, strerror(errno));
        memset(p + r, img->erase_value, CHUNK - (size_t)r);
        set_bit(img->valid, c);
        if (!all_erased(p, CHUNK, img->erase_value)) {
            set_bit(img->present, c);
            img->npresent++;
        }
    }
    return SE_OK;
}

static void close_file(se_flash_image *img)
{
    if (img->fd >= 0)
        close(img->fd);
    img->fd = -1;
    free(img->path);
    free(img->jpath);
    img->path = img->jpath = NULL;
    img->file_len = 0;
    img->read_only[0] = '\0';
}

se_err se_flash_image_open_file(se_flash_image *img, const char *path, se_error *err)
{
    if (img->fd >= 0)
        return se_error_set(err, SE_ERR_USAGE, "flash image already backed by %s", img->path);
    size_t pl = strlen(path);
    img->path = strdup(path);
    img->jpath = malloc(pl + sizeof ".journal");
    if (!img->path || !img->jpath) {
        close_file(img);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
    snprintf(img->jpath, pl + sizeof ".journal", "%s.journal", path);

    bool existed = access(path, F_OK) == 0;
    img->read_only[0] = '\0';
    /* O_NONBLOCK: a FIFO is refused below, not waited on (regular files ignore it) */
    if (test_open_errno) {
        img->fd = -1;
        errno = test_open_errno;
    } else {
        img->fd = open(path, O_RDWR | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
    }
    if (img->fd < 0 && existed && (errno == EROFS || errno == EACCES || errno == EPERM)) {
        /* A file we may not write (read-only file system, mode, immutable): opened for
         * reading, so reading the flash works; sync refuses any change (docs/cli.md,
         * --flash-image). */
        snprintf(img->read_only, sizeof img->read_only, "%s", strerror(errno));
        img->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (img->fd < 0)
            img->read_only[0] = '\0';
    }
    if (img->fd < 0) {
        se_err e =
            se_error_set(err, SE_ERR_IO, "cannot open flash image %s: %s", path, strerror(errno));
        close_file(img);
        return e;
    }
    if (!existed)
        fsync_dir_of(path);
    se_err e = SE_OK;
    struct stat st;
    if (fstat(img->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        e = se_error_set(err, SE_ERR_IO, "flash image %s is not a regular file", path);
        goto fail;
    }
    /* read-only: a shared lock, so a writer is kept out and other readers are not */
    if (flock(img->fd, (img->read_only[0] ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        e = se_error_set(err, SE_ERR_IO, "flash image %s is in use by another process", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > img->size) {
        e = se_error_set(err, SE_ERR_IO,
                         "flash image %s is %lld bytes, longer than the %llu-byte flash", path,
                         (long long)st.st_size, (unsigned long long)img->size);
        goto fail;
    }
    if ((e = journal_recover(img, err)) != SE_OK)
        goto fail;
    if (fstat(img->fd, &st) != 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
        goto fail;
    }
    img->file_len = (uint64_t)st.st_size;
    if ((e = load_file(img, err)) != SE_OK) {
        drop_all(img);
        goto fail;
    }
    return SE_OK;
fail:
    close_file(img);
    return e;
}

/* ---- sync ------------------------------------------------------------------------------ */

/* The chunk data a sync writes for chunk c. */
static const uint8_t *chunk_data(const se_flash_image *img, size_t c, const uint8_t *erased)
{
    return is_present(img, c) ? chunk_mem(img, c) : erased;
}

/* A dirty chunk needs writing unless it is erased and lies wholly past the file's end
 * (which already means erased). */
static bool needs_write(const se_flash_image *img, size_t c)
{
    return is_dirty(img, c) && (is_present(img, c) || (uint64_t)c * CHUNK < img->file_len);
}

typedef struct jwriter {
    int fd;
    uint64_t sum;
    uint8_t buf[64 * 1024];
    size_t n;
    int failed;
} jwriter;

static void jw_put(jwriter *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    w->sum = fnv1a(w->sum, b, n);
    while (n > 0 && !w->failed) {
        size_t k = sizeof w->buf - w->n < n ? sizeof w->buf - w->n : n;
        memcpy(w->buf + w->n, b, k);
        w->n += k;
        b += k;
        n -= k;
        if (w->n == sizeof w->buf) {
            w->failed = write_all(w->fd, w->buf, w->n);
            w->n = 0;
        }
    }
}

static int jw_flush(jwriter *w)
{
    if (!w->failed && w->n > 0)
        w->failed = write_all(w->fd, w->buf, w->n);
    w->n = 0;
    return w->failed;
}

static se_err simulated_crash(se_error *err)
{
    return se_error_set(err, SE_ERR_IO, "simulated crash (test hook)");
}

se_err se_flash_image_sync(se_flash_image *img, se_error *err)
{
    if (img->fd < 0) {
        clear_dirty(img);
        return SE_OK;
    }
    uint32_t count = 0;
    for (size_t c = 0; c < img->nchunks; c++)
        count += needs_write(img, c);
    if (count == 0) {
        clear_dirty(img);
        return SE_OK;
    }
    if (img->read_only[0]) /* the file is left as it was; the changes stay dirty */
        return se_error_set(err, SE_ERR_IO,
                            "flash image %s is read-only (%s): %u changed 4 KiB chunk%s of the "
                            "flash cannot be saved",
                            img->path, img->read_only, count, count == 1 ? "" : "s");
    uint8_t *erased = malloc(CHUNK);
    jwriter *w = malloc(sizeof *w);
    if (!erased || !w) {
        free(erased);
        free(w);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory syncing %s", img->path);
    }
    memset(erased, img->erase_value, CHUNK);
    se_err e = SE_OK;

    /* 1. The journal, made durable before the image is touched. */
    w->fd = open(img->jpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    w->sum = FNV_INIT;
    w->n = 0;
    w->failed = 0;
    if (w->fd < 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot create %s: %s", img->jpath, strerror(errno));
        goto out;
    }
    uint8_t h[J_HEADER] = {0};
    memcpy(h, J_MAGIC, 8);
    put_u32(h + 8, J_VERSION);
    put_u32(h + 12, CHUNK);
    put_u64(h + 16, img->size);
    put_u64(h + 24, img->file_len);
    put_u32(h + 32, count);
    jw_put(w, h, sizeof h);
    uint32_t written = 0;
    for (size_t c = 0; c < img->nchunks; c++) {
        if (!needs_write(img, c))
            continue;
        if (img->crash == SE_FLASH_CRASH_IN_JOURNAL && written == count / 2) {
            jw_flush(w);
            close(w->fd);
            e = simulated_crash(err);
            goto out;
        }
        uint8_t o[8];
        put_u64(o, (uint64_t)c * CHUNK);
        jw_put(w, o, sizeof o);
        jw_put(w, chunk_data(img, c, erased), CHUNK);
        written++;
    }
    uint8_t t[J_TRAILER];
    put_u64(t, w->sum);
    memcpy(t + 8, J_END, 8);
    jw_put(w, t, sizeof t);
    if (jw_flush(w) != 0 || fsync(w->fd) != 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot write %s: %s", img->jpath, strerror(errno));
        close(w->fd);
        unlink(img->jpath);
        goto out;
    }
    close(w->fd);
    fsync_dir_of(img->jpath);
    if (img->crash == SE_FLASH_CRASH_AFTER_JOURNAL) {
        e = simulated_crash(err);
        goto out;
    }

    /* 2. In place. A failure from here on leaves the complete journal for the next open. */
    uint64_t cur = img->file_len;
    written = 0;
    for (size_t c = 0; c < img->nchunks; c++) {
        if (!needs_write(img, c))
            continue;
        if (img->crash == SE_FLASH_CRASH_IN_IMAGE && written == count / 2) {
            e = simulated_crash(err);
            goto out;
        }
        if (apply_entry(img->fd, &cur, (uint64_t)c * CHUNK, chunk_data(img, c, erased),
                        img->erase_value) != 0) {
            e = se_error_set(err, SE_ERR_IO,
                             "cannot write %s: %s (the journal %s keeps the "
                             "data; the next open applies it)",
                             img->path, strerror(errno), img->jpath);
            goto out;
        }
        written++;
    }
    if (fsync(img->fd) != 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot flush %s: %s", img->path, strerror(errno));
        goto out;
    }
    img->file_len = cur;

    /* 3. The journal is no longer needed. */
    if (unlink(img->jpath) != 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot delete %s: %s", img->jpath, strerror(errno));
        goto out;
    }
    fsync_dir_of(img->jpath);
    clear_dirty(img);
out:
    free(erased);
    free(w);
    return e;
}

/* ---- snapshots ----------------------------------------------------------------------------- */

static void clear_undo(se_flash_image *img)
{
    for (size_t i = 0; i < img->nundo; i++) {
        size_t c = img->undo[i].c;
        img->logged[c / 64] &= ~((uint64_t)1 << (c % 64));
        free(img->undo[i].orig);
    }
    img->nundo = 0;
}

bool se_flash_image_mark(se_flash_image *img)
{
    if (!img->logged) {
        img->logged = calloc((img->nchunks + 63) / 64, sizeof img->logged[0]);
        if (!img->logged)
            return false;
    }
    clear_undo(img);
    /* Snapshot users (the fuzzer) program chunks all over the array, one or two new ones a
     * case, each first touch a page fault and the chunk filled with the erase value
     * (make_valid): about a tenth of a reference-loader fuzz case. Huge pages take one
     * fault per 2 MiB instead of per 4 KiB (10,000 cases: 1067 page faults instead of 7165);
     * the array then costs its touched 2 MiB regions, not its touched chunks. Only advice:
     * where the kernel has no transparent huge pages nothing changes. */
    if (!img->marking)
        (void)madvise(img->mem, (size_t)img->size, MADV_HUGEPAGE);
    img->marking = true;
    return true;
}

void se_flash_image_rewind(se_flash_image *img)
{
    for (size_t i = img->nundo; i-- > 0;) {
        size_t c = img->undo[i].c;
        uint8_t *orig = img->undo[i].orig;
        if (!orig) {
            drop_chunk(img, c);
        } else {
            make_present(img, c);
            memcpy(chunk_mem(img, c), orig, CHUNK);
        }
        mark_dirty(img, c);
    }
    clear_undo(img);
}

size_t se_flash_image_undo_chunks(const se_flash_image *img) { return img->nundo; }
