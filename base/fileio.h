/* Whole-file reading and durable writing (temporary file, fsync, rename, fsync of the
 * directory), so a killed run never leaves a half-written output in place. */
#ifndef SE_FILEIO_H
#define SE_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Open an input file: refused at once, before a byte is read, when it is not a regular file
 * (SE_ERR_IO: a FIFO is not waited on) or longer than max bytes (SE_ERR_USAGE; the limits
 * are in emu/limits.h). what names it in messages ("profile", "--write file"). */
se_err se_open_input(const char *path, const char *what, uint64_t max, int *fd, size_t *size,
                     se_error *err);
/* se_open_input, then the whole file (exactly the size it had when opened); *buf is
 * malloc'ed (free it). */
se_err se_read_file(const char *path, const char *what, size_t max, uint8_t **buf, size_t *len,
                    se_error *err);
se_err se_write_file_durable(const char *path, const void *buf, size_t len, se_error *err);

/* An output file as the user named it (--read ADDR:LEN@PATH): "-", or a path naming the
 * file standard output is (/dev/stdout), goes to standard output; a new path or a regular
 * file is replaced durably (se_write_file_durable); a symbolic link to a regular file
 * keeps the link and replaces the file it names; a character device or FIFO is written in
 * place (a FIFO nobody reads is an error, not a wait); anything else is refused. Write
 * errors (ENOSPC from /dev/full) are reported. */
se_err se_write_output(const char *path, const void *buf, size_t len, se_error *err);
/* path names the file open on fd (same device and inode); "-" names standard output. */
bool se_path_is_fd(const char *path, int fd);

#endif
