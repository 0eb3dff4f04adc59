/* Coverage-guided fuzzing of a loader (stldr-emu fuzz's oracle, driven by libFuzzer or
 * AFL++): each input decodes into a call sequence (fuzz/engine.h, se_fuzz_decode), run as
 * one host operation from the post-Init snapshot; the loader's basic blocks are the
 * feedback. A finding of the oracle or the machine is printed and aborts, so the fuzzer
 * keeps the input; `stldr-emu fuzz LOADER --from-input CRASH --out DIR` turns it into a
 * reproducer for `stldr-emu run LOADER --replay`.
 *
 * Environment: STLDR_FUZZ_LOADER (default: the reference loader of this build's
 * tests/firmware; in an OSS-Fuzz build, stldr_loaders/ref_mx25_l562.stldr beside the
 * executable, fuzz_files.h), STLDR_FUZZ_TZ=on (the TrustZone-on profile), STLDR_FUZZ_BUDGET
 * (instructions per call before it counts as a hang, default 5000000, as `stldr-emu fuzz`).
 * Under AFL++ (afl-clang-fast) the block counters go into AFL's shared map instead, mixed
 * with the edges of the (instrumented) emulator. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/machine.h"
#include "fuzz/engine.h"
#include "loader/host.h"

#include "fuzz/fuzz_files.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef __AFL_COMPILER
#include <sys/shm.h>
/* AFL++'s shared coverage map, attached a second time here: naming __afl_area_ptr in an
 * instrumented file clashes with the variable afl-clang-fast's pass declares (4.04c). */
static uint8_t *afl_map;
static size_t afl_map_size;

static void afl_attach(void)
{
    const char *id = getenv("__AFL_SHM_ID");
    struct shmid_ds ds;
    if (!id || shmctl(atoi(id), IPC_STAT, &ds) != 0)
        return; /* not under afl-fuzz: no feedback needed */
    void *p = shmat(atoi(id), NULL, 0);
    if (p == (void *)-1)
        return;
    afl_map = p;
    for (afl_map_size = 1; afl_map_size * 2 <= ds.shm_segsz; afl_map_size *= 2) {
    }
}
#else
/* libFuzzer adds these 8-bit counters to its own (and clears them before every input). */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t guest_cov[1u << 16];
#endif

static const char *loader_path;
static se_stldr *ldr;
static se_machine *mach;
static se_host *host;
static se_fuzz_session *session;

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_loader: %s: %s\n", what, msg);
    exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    loader_path = getenv("STLDR_FUZZ_LOADER");
    if (!loader_path || !*loader_path) {
#ifdef FUZZ_DEFAULT_LOADER
        loader_path = FUZZ_DEFAULT_LOADER;
#else
        static char beside[PATH_MAX + 64];
        loader_path = fuzz_beside_exe("ref_mx25_l562.stldr", beside, sizeof beside);
#endif
    }
    const char *tz = getenv("STLDR_FUZZ_TZ"), *budget = getenv("STLDR_FUZZ_BUDGET");
    const se_profile *prof = se_profile_find("stm32l562e-dk", tz && !strcmp(tz, "on"));
    se_machine_opts mo;
    se_host_opts ho;
    uint64_t b = 5000000u;
    if (budget && !se_parse_u64(budget, 1, UINT64_MAX, &b))
        die("STLDR_FUZZ_BUDGET", "not an instruction count 1..2^64-1");
    se_fuzz_options(&mo, &ho, b);
    se_error err;
    if (!prof)
        die("profile", "stm32l562e-dk not found");
    if (se_stldr_open_file(loader_path, &ldr, &err))
        die(loader_path, err.msg);
    if (se_machine_new(prof, &mo, &mach, &err) || se_host_new(ldr, mach, &ho, &host, &err) ||
        se_fuzz_session_new(host, mach, ldr, &session, &err))
        die(loader_path, err.msg);
#ifdef __AFL_COMPILER
    afl_attach();
    if (se_machine_set_coverage(mach, afl_map, afl_map_size, &err))
#else
    if (se_machine_set_coverage(mach, guest_cov, sizeof guest_cov, &err))
#endif
        die("coverage", err.msg);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    se_fuzz_case c;
    se_fuzz_finding f;
    se_fuzz_decode(session, data, size, &c);
    if (se_fuzz_session_run(session, &c, &f)) {
        fprintf(stderr, "fuzz_loader: finding: %s in %s: %s\n", f.kind, f.where, f.msg);
        fprintf(stderr,
                "fuzz_loader: reproducer: stldr-emu fuzz %s --from-input <this input> "
                "--out DIR\n",
                loader_path);
        abort();
    }
    return 0;
}
