#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISDIR(m)  ? "a directory"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

se_err se_open_input(const char *path, const char *what, uint64_t max, int *fdp, size_t *size,
                     se_error *err)
{
    *fdp = -1;
    *size = 0;
    /* O_NONBLOCK: opening a FIFO with no writer would wait for one; the type check below
     * refuses it. It does nothing to a regular file's reads. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return se_error_set(err, SE_ERR_IO, "cannot open %s %s: %s", what, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return se_error_set(err, SE_ERR_IO, "cannot stat %s %s: %s", what, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return se_error_set(err, SE_ERR_IO, "%s %s is %s: give a regular file", what, path,
                            kind_of(st.st_mode));
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return se_error_set(err, SE_ERR_USAGE,
                            "%s %s is %lld bytes, over the limit of %" PRIu64 " bytes", what, path,
                            (long long)st.st_size, max);
    }
    *fdp = fd;
    *size = (size_t)st.st_size;
    return SE_OK;
}

se_err se_read_file(const char *path, const char *what, size_t max, uint8_t **buf, size_t *len,
                    se_error *err)
{
    *buf = NULL;
    *len = 0;
    int fd;
    size_t n;
    se_err e = se_open_input(path, what, max, &fd, &n, err);
    if (e)
        return e;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        close(fd);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory reading %s", path);
    }
    /* exactly the size fstat gave: a file that grows meanwhile is not read past it */
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int er = errno;
            free(b);
            close(fd);
            return se_error_set(err, SE_ERR_IO, "cannot read %s %s: %s", what, path,
                                r < 0 ? strerror(er) : "the file shrank while it was read");
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
    struct stat old;
    if (stat(path, &old) == 0 && S_ISREG(old.st_mode))
        (void)fchmod(fd, old.st_mode & 07777); /* the replacement keeps the file's mode */
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
        e = se_error_set(err, SE_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
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

bool se_path_is_fd(const char *path, int fd)
{
    struct stat a, b;
    if (!strcmp(path, "-"))
        return fd == STDOUT_FILENO;
    return stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

static se_err write_fd_all(int fd, const char *name, const void *buf, size_t len, se_error *err)
{
    const uint8_t *p = buf;
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return se_error_set(err, SE_ERR_IO, "cannot write %s: %s", name,
                                w < 0 ? strerror(errno) : "nothing written");
        done += (size_t)w;
    }
    return SE_OK;
}

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m)    ? "directory"
           : S_ISBLK(m)  ? "block device"
           : S_ISSOCK(m) ? "socket"
                         : "special file";
}

se_err se_write_output(const char *path, const void *buf, size_t len, se_error *err)
{
    if (se_path_is_fd(path, STDOUT_FILENO)) { /* "-", /dev/stdout, the file it is redirected to */
        fflush(stdout);
        return write_fd_all(STDOUT_FILENO, "standard output", buf, len, err);
    }
    struct stat lst, st;
    if (lstat(path, &lst) != 0) {
        if (errno == ENOENT)
            return se_write_file_durable(path, buf, len, err);
        return se_error_set(err, SE_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
    }
    if (stat(path, &st) != 0) /* a symbolic link to nothing (or to what we cannot reach) */
        return se_error_set(err, SE_ERR_IO,
                            "%s is a symbolic link whose target cannot be used (%s): give the "
                            "target's path",
                            path, strerror(errno));
    if (S_ISREG(st.st_mode)) {
        if (!S_ISLNK(lst.st_mode))
            return se_write_file_durable(path, buf, len, err);
        /* Policy: a symbolic link stays; the regular file it names is replaced durably. */
        char *real = realpath(path, NULL);
        if (!real)
            return se_error_set(err, SE_ERR_IO, "cannot resolve the symbolic link %s: %s", path,
                                strerror(errno));
        se_err e = se_write_file_durable(real, buf, len, err);
        free(real);
        return e;
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
        /* Written in place. O_NONBLOCK: a FIFO nobody reads is an error, not a wait. */
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return se_error_set(err, SE_ERR_IO,
                                errno == ENXIO && S_ISFIFO(st.st_mode)
                                    ? "cannot write the FIFO %s: no process has it open for "
                                      "reading (%s)"
                                    : "cannot open %s: %s",
                                path, strerror(errno));
        int fl = fcntl(fd, F_GETFL);
        if (fl != -1)
            (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK); /* then wait for the reader to drain */
        se_err e = write_fd_all(fd, path, buf, len, err);
        if (close(fd) != 0 && !e)
            e = se_error_set(err, SE_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        return e;
    }
    return se_error_set(err, SE_ERR_IO,
                        "%s is a %s: the data goes to a regular file (replaced durably), a "
                        "character device or FIFO (written in place) or - (standard output)",
                        path, file_kind(st.st_mode));
}
