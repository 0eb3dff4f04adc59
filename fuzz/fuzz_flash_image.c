/* libFuzzer target: the flash image file reader (peripherals/flash_image.c): an existing
 * image file and a "<image>.journal" left by a killed sync, opened (journal replayed or
 * discarded, file loaded) into a small image, then a program + sync + reopen round trip
 * whose contents must match.
 *
 * Input layout:
 *   byte 0   bits 0-2: image size in 4 KiB chunks - 1; bit 3: erase value 0x00 (else 0xFF);
 *            bit 4: a journal exists; bit 5: build the journal from compact entries with a
 *            correct header and checksum (else the journal is raw bytes)
 *   byte 1-2 image file length (little-endian, clipped to what follows and to the image)
 *   then     the image file bytes, then the journal:
 *            raw:     the journal file's bytes
 *            compact: u64 old file length, then entries of u64 offset + 16 pattern bytes
 *                     (repeated over the chunk) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "peripherals/flash_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHUNK SE_FLASH_IMAGE_CHUNK
#define MAX_ENTRIES 16u

static char dir[64];
static char path[128];
static char jpath[160];

static void cleanup(void)
{
    unlink(jpath);
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* tmpfs when there is one: sync's fsyncs would otherwise dominate the run time. */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || strlen(tmp) >= 40)
        tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/fuzzflashXXXXXX", tmp);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/flash.bin", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", path);
    atexit(cleanup);
    return 0;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void write_file(const char *p, const uint8_t *d, size_t n)
{
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    if (n && fwrite(d, 1, n, f) != n)
        abort();
    if (fclose(f) != 0)
        abort();
}

/* A journal in the format of flash_image.c's header comment, with a correct checksum. */
static uint8_t *build_journal(const uint8_t *d, size_t n, uint64_t img_size, size_t *out_len)
{
    uint64_t old_len = n >= 8 ? get_u64(d) : 0;
    if (n >= 8) {
        d += 8;
        n -= 8;
    } else {
        n = 0;
    }
    size_t count = n / 24;
    if (count > MAX_ENTRIES)
        count = MAX_ENTRIES;
    size_t len = 40 + count * (8 + CHUNK) + 16;
    uint8_t *j = calloc(1, len);
    if (!j)
        return NULL;
    memcpy(j, "SEFLJNL1", 8);
    j[8] = 1;                                 /* version */
    j[12] = CHUNK & 0xFF, j[13] = CHUNK >> 8; /* chunk size */
    put_u64(j + 16, img_size);
    put_u64(j + 24, old_len);
    j[32] = (uint8_t)count;
    for (size_t i = 0; i < count; i++) {
        uint8_t *e = j + 40 + i * (8 + CHUNK);
        memcpy(e, d + 24 * i, 8);
        for (size_t k = 0; k < CHUNK; k += 16)
            memcpy(e + 8 + k, d + 24 * i + 8, 16);
    }
    put_u64(j + len - 16, fnv1a(0xcbf29ce484222325ull, j, len - 16));
    memcpy(j + len - 8, "SEFLEND1", 8);
    *out_len = len;
    return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint8_t flags = data[0];
    uint64_t img_size = (uint64_t)((flags & 7u) + 1u) * CHUNK;
    uint8_t ev = (flags & 8u) ? 0x00 : 0xFF;
    size_t flen = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (flen > size)
        flen = size;
    write_file(path, data, flen);
    unlink(jpath);
    if (flags & 16u) {
        if (flags & 32u) {
            size_t jl = 0;
            uint8_t *j = build_journal(data + flen, size - flen, img_size, &jl);
            if (!j)
                return 0;
            write_file(jpath, j, jl);
            free(j);
        } else {
            write_file(jpath, data + flen, size - flen);
        }
    }

    se_flash_image *img = se_flash_image_new(img_size, ev);
    if (!img)
        abort();
    se_error err = {0};
    if (se_flash_image_open_file(img, path, &err) != SE_OK) {
        se_flash_image_free(img);
        return 0;
    }
    if (se_flash_image_dirty_chunks(img) != 0)
        abort(); /* documented: nothing is dirty after open */
    /* A replayed or discarded journal is gone. */
    if (se_flash_image_journal_outcome(img) != SE_FLASH_JOURNAL_NONE && access(jpath, F_OK) == 0)
        abort();

    uint8_t *a = malloc(img_size);
    uint8_t *b = malloc(img_size);
    if (!a || !b)
        abort();
    se_flash_image_read(img, 0, a, img_size);
    /* Program part of the input somewhere, sync, reopen: the file must hold what the
     * first image holds. */
    if (size) {
        uint64_t off = (uint64_t)data[0] * 97u % img_size;
        size_t n = size < 512 ? size : 512;
        se_flash_image_program(img, off, data, n);
        se_flash_image_erase(img, (off + n) % img_size, data[size - 1]);
    }
    se_flash_image_read(img, 0, a, img_size);
    if (se_flash_image_sync(img, &err) != SE_OK)
        abort();
    se_flash_image_free(img);

    se_flash_image *img2 = se_flash_image_new(img_size, ev);
    if (!img2)
        abort();
    if (se_flash_image_open_file(img2, path, &err) != SE_OK)
        abort();
    if (se_flash_image_journal_outcome(img2) != SE_FLASH_JOURNAL_NONE)
        abort(); /* a completed sync leaves no journal */
    se_flash_image_read(img2, 0, b, img_size);
    if (memcmp(a, b, img_size) != 0)
        abort();
    se_flash_image_free(img2);
    free(a);
    free(b);
    return 0;
}
