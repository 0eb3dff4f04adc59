/* libFuzzer target: the profile file reader, se_profile_load (emu/profile.c;
 * docs/trustzone.md "Profile files"), then the download plan and the lint checks of two fixed loaders (the
 * debug-stripped test loaders of fuzz/corpus/fuzz_stldr/, or of stldr_loaders/ beside the
 * executable in an OSS-Fuzz build: fuzz_files.h) against whatever profile it accepted.
 * Input: the bytes of a profile file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "emu/profile.h"
#include "loader/lint.h"
#include "loader/stldr.h"

#include "fuzz/fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[64];
static char path[128];
static se_stldr *loaders[2];
static volatile uint32_t sink;

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
    for (int i = 0; i < 2; i++)
        se_stldr_free(loaders[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || strlen(tmp) >= 40)
        tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/fuzzprofXXXXXX", tmp);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/p.profile", dir);
    const char *names[2] = {"sram_loader.stldr", "ref_mx25_l562.stldr"};
    for (int i = 0; i < 2; i++) {
        se_error err = {0};
        char buf[PATH_MAX + 64];
#ifdef FUZZ_LOADER_DIR
        snprintf(buf, sizeof buf, "%s/%s", FUZZ_LOADER_DIR, names[i]);
#else
        fuzz_beside_exe(names[i], buf, sizeof buf);
#endif
        if (se_stldr_open_file(buf, &loaders[i], &err) != SE_OK) {
            fprintf(stderr, "fuzz_profile: %s\n", err.msg);
            exit(1);
        }
    }
    atexit(cleanup);
    return 0;
}

static void touch_str(const char *s)
{
    if (!s)
        return;
    uint32_t acc = 0;
    for (const volatile char *p = s; *p; p++)
        acc += (uint8_t)*p;
    sink += acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
    char err[512];
    err[0] = '\0';
    const se_profile *p = se_profile_load(path, err, sizeof err);
    if (!p) {
        if (!memchr(err, 0, sizeof err) || !err[0])
            abort(); /* a refusal comes with a message */
        return 0;
    }
    touch_str(p->target);
    touch_str(p->description);
    touch_str(p->internal_flash);
    if (p->nsau > 8 || p->nmpcbb_ns > 8 || p->nmpcwm_ns > 4)
        abort();
    se_ram_window w = {p->bkpt_addr, p->load_base, p->ram_end, p->download_limit,
                       p->observed_limit};
    for (int i = 0; i < 2; i++) {
        for (int place = SE_PLACE_LINK; place <= SE_PLACE_PROFILE; place++) {
            se_image img;
            memset(&img, 0, sizeof img);
            se_error e = {0};
            if (se_stldr_plan(loaders[i], &w, (se_place)place, false, &img, &e) == SE_OK)
                for (uint32_t k = 0; k < img.size; k += 64)
                    sink += img.bytes[k];
            se_image_free(&img);
        }
        se_lint_finding fs[64];
        size_t n = se_lint(loaders[i], p, fs, 64);
        for (size_t k = 0; k < n && k < 64; k++)
            touch_str(fs[k].msg);
    }
    return 0;
}
