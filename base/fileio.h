/* Whole-file reading and durable writing (temporary file, fsync, rename, fsync of the
 * directory), so a killed run never leaves a half-written output in place. */
#ifndef SE_FILEIO_H
#define SE_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Read a whole regular file of at most max bytes; *buf is malloc'ed (free it). */
se_err se_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, se_error *err);
se_err se_write_file_durable(const char *path, const void *buf, size_t len, se_error *err);

#endif
