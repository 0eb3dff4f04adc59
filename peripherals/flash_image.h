/* The contents of a NOR flash array: one address-space reservation whose 4 KiB chunks take
 * memory only once written (absent = erased), optionally backed by a raw image file that
 * sync updates through a journal so a killed process never leaves a torn or half-synced
 * image. se_flash_image_direct lets the CPU read ranges of it in place.
 * Not modelled here: timing, protection, page wrap (the chip model does those). */
#ifndef SE_FLASH_IMAGE_H
#define SE_FLASH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define SE_FLASH_IMAGE_CHUNK 4096u

typedef struct se_flash_image se_flash_image;

/* size: a non-zero multiple of SE_FLASH_IMAGE_CHUNK, at most 4 GiB. NULL if size is not
 * valid or memory runs out. Every byte starts at erase_value. */
se_flash_image *se_flash_image_new(uint64_t size, uint8_t erase_value);
/* Closes the file (without a sync: unsynced changes are lost, as in a crash). NULL is ok. */
void se_flash_image_free(se_flash_image *img);

uint64_t se_flash_image_size(const se_flash_image *img);
uint8_t se_flash_image_erase_value(const se_flash_image *img);

/* Ranges are clipped to the image: bytes past the end read as the erase value and are
 * never written. */
void se_flash_image_read(const se_flash_image *img, uint64_t off, void *buf, size_t len);
/* NOR programming: new = old & data. Returns how many bytes had a bit that would have had
 * to go from 0 to 1 (those bytes now differ from data). */
size_t se_flash_image_program(se_flash_image *img, uint64_t off, const void *buf, size_t len);
/* Sets the range to the erase value; whole chunks are freed. */
void se_flash_image_erase(se_flash_image *img, uint64_t off, uint64_t len);

/* Direct access for fast reads: a pointer to byte off inside its chunk, valid for *avail
 * bytes (to the chunk's end) until the next program or erase; NULL if the chunk is absent
 * (all erased) or off is past the end. */
const uint8_t *se_flash_image_ptr_if_present(const se_flash_image *img, uint64_t off,
                                             size_t *avail);
/* The bytes [off, off+len) in place, contiguous, erased chunks filled in: the pointer stays
 * valid and current (programs and erases change those bytes in place) until the image is
 * freed, so a CPU mapping of it always reads the array. NULL if the range leaves the image. */
const uint8_t *se_flash_image_direct(se_flash_image *img, uint64_t off, uint64_t len);

/* Chunks holding programmed data, chunks changed since the last sync or open, and the
 * memory the image uses (chunks written or filled in by se_flash_image_direct, the chunk
 * bitmaps, and malloc's overhead estimated at 16 bytes per block). */
size_t se_flash_image_chunks_present(const se_flash_image *img);
size_t se_flash_image_dirty_chunks(const se_flash_image *img);
size_t se_flash_image_memory_use(const se_flash_image *img);

/* Back the image with the raw file at path (byte i of the file = byte i of the flash).
 * A missing file is created empty; a shorter file means the rest is erased; a longer one is
 * refused (SE_ERR_IO). A complete journal "<path>.journal" left by a killed sync is
 * replayed first, an incomplete one discarded. Then the file replaces the contents in
 * memory and nothing is dirty. The file is locked (flock) while open. One file per image. */
se_err se_flash_image_open_file(se_flash_image *img, const char *path, se_error *err);
/* A file that exists but cannot be opened for writing (EROFS, EACCES, EPERM) is opened for
 * reading: the flash reads as the file, and a sync with changes fails (SE_ERR_IO) leaving
 * the file as it was; a complete journal beside it is refused (it cannot be applied). The
 * reason ("Read-only file system"), or NULL when the file is writable or absent. */
const char *se_flash_image_read_only(const se_flash_image *img);
/* Write every dirty chunk to the file: journal, fsync, write in place, fsync, unlink the
 * journal, fsync the directory. Without a file it only clears the dirty marks. */
se_err se_flash_image_sync(se_flash_image *img, se_error *err);

typedef enum se_flash_journal_outcome {
    SE_FLASH_JOURNAL_NONE,      /* no journal was found by open */
    SE_FLASH_JOURNAL_REPLAYED,  /* a complete journal was applied to the file */
    SE_FLASH_JOURNAL_DISCARDED, /* an incomplete journal was deleted */
} se_flash_journal_outcome;
/* What the last se_flash_image_open_file found (for a log line). */
se_flash_journal_outcome se_flash_image_journal_outcome(const se_flash_image *img);

/* Snapshots: mark the current contents; rewind brings them back. The cost of both is
 * proportional to the chunks changed in between, not to the image size. false = out of
 * memory. */
bool se_flash_image_mark(se_flash_image *img);
void se_flash_image_rewind(se_flash_image *img);
size_t se_flash_image_undo_chunks(const se_flash_image *img);

/* Test hook: make the next sync stop as if the process were killed at that point (it
 * returns SE_ERR_IO "simulated crash"; free the image without syncing, then reopen). */
typedef enum se_flash_crash_point {
    SE_FLASH_CRASH_NONE,
    SE_FLASH_CRASH_IN_JOURNAL,    /* half the journal written, no trailer */
    SE_FLASH_CRASH_AFTER_JOURNAL, /* journal complete and synced, image untouched */
    SE_FLASH_CRASH_IN_IMAGE,      /* journal complete, half of its chunks written in place */
} se_flash_crash_point;
void se_flash_image_set_crash_point(se_flash_image *img, se_flash_crash_point p);
/* Test hook, process-wide (tests run as root, where a 0444 mode does not stop writes): every
 * open of an image file for writing fails with errno err_no (EROFS, EACCES); 0 = off. */
void se_flash_image_test_writable_open_fails(int err_no);

#endif
