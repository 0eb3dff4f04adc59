/* Where a fuzz target finds the fixed files it opens (the test loaders).
 *
 * The CMake build compiles their paths in (FUZZ_LOADER_DIR, FUZZ_DEFAULT_LOADER: the source
 * and build trees). An OSS-Fuzz / ClusterFuzzLite build (.clusterfuzzlite/build.sh) cannot:
 * its binaries run on another machine that has only the output directory, so build.sh
 * installs the loaders into $OUT/stldr_loaders/ and a target built without those macros
 * looks for them beside its own executable. */
#ifndef STLDR_FUZZ_FILES_H
#define STLDR_FUZZ_FILES_H

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_LOADERS_SUBDIR "stldr_loaders"

/* "<directory of this executable>/stldr_loaders/NAME" into buf (NAME alone when the
 * executable's path cannot be read, so the open fails with that name in its message). */
static inline const char *fuzz_beside_exe(const char *name, char *buf, size_t n)
{
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *slash = NULL;
    if (k > 0) {
        exe[k] = '\0';
        slash = strrchr(exe, '/');
    }
    if (!slash) {
        snprintf(buf, n, "%s", name);
        return buf;
    }
    snprintf(buf, n, "%.*s/" FUZZ_LOADERS_SUBDIR "/%s", (int)(slash - exe), exe, name);
    return buf;
}

#endif
