#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

se_err se_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, se_error *err)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return se_error_set(err, SE_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return se_error_set(err, SE_ERR_IO, "%s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return se_error_set(err, SE_ERR_IO, "%s is too large (%lld bytes, limit %zu)", path,
                            (long long)st.st_size, max);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        close(fd);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory reading %s", path);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(b);
            close(fd);
            return se_error_set(err, SE_ERR_IO, "cannot read %s: %s", path,
                                r < 0 ? strerror(errno) : "file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = n;
    return SE_OK;
}

se_err se_write_file_durable(const char *path, const void *buf, size_t len, se_error *err)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    char *dcopy = strdup(path);
    if (!tmp || !dcopy) {
        free(tmp);
        free(dcopy);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
    snprintf(tmp, pl + 16, "%s.tmp%ld", path, (long)getpid() % 100000);
    se_err e = SE_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    const uint8_t *p = buf;
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = se_error_set(err, SE_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot flush %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        e = se_error_set(err, SE_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
                         strerror(errno));
        unlink(tmp);
        goto out;
    }
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
out:
    free(tmp);
    free(dcopy);
    return e;
}
