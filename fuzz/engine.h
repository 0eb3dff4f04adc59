/* Fuzzing a loader's entry points against an oracle: call sequences with arguments drawn
 * from the loader's own StorageInfo (aligned and unaligned starts, page/sector/device-end
 * crossings, zero and maximal lengths, absolute and offset addresses). A case is one host
 * operation (docs/protocol.md 2.1): the post-Init snapshot of the machine restored, then its
 * calls back to back with no Init between them. The oracle knows what the device must hold
 * after every call and what Read/Verify/CheckSum must answer; the machine's own detectors
 * (faults, hangs, breakpoint clobbered, flash-model warnings) add findings. Findings are
 * bucketed by kind and place and saved as reproducers that `stldr-emu run --replay` runs. */
#ifndef SE_FUZZ_H
#define SE_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loader/host.h"

#define SE_FUZZ_MAX_OPS 6

typedef struct se_fuzz_op {
    se_entry_id id;
    uint32_t args[4];   /* as passed; args[2] of Write/Read/Verify is the buffer */
    uint32_t len;       /* data bytes written to the buffer (Write, Verify) */
    uint32_t data_seed; /* data = a generator seeded with this (Write/Verify) */
} se_fuzz_op;

typedef struct se_fuzz_case {
    unsigned nops;
    se_fuzz_op op[SE_FUZZ_MAX_OPS];
} se_fuzz_case;

typedef struct se_fuzz_finding {
    char kind[32];  /* "erase-incomplete", "fault", "hang", ... */
    char where[96]; /* function or symbol+offset */
    char msg[320];
    char file[512]; /* reproducer path ("" when not saved) */
    uint64_t count; /* cases that hit this bucket */
    uint64_t first_case;
} se_fuzz_finding;

typedef struct se_fuzz_stats {
    uint64_t cases, calls;
    double seconds;
    unsigned buckets;
    unsigned blocks; /* distinct basic blocks of the loader seen */
} se_fuzz_stats;

typedef struct se_fuzz_opts {
    uint64_t seed;
    uint64_t runs;       /* 0 = until seconds */
    double seconds;      /* 0 = until runs */
    const char *out_dir; /* reproducers; NULL = not saved */
    const char *loader_path, *target;
    const char *tz; /* --tz: "off", "on" or "secure" (NULL: "off") */
    FILE *progress; /* a progress line about once a second; NULL = none */
} se_fuzz_opts;

#define SE_FUZZ_MAX_BUCKETS 64

/* Run a campaign on a host whose machine is fresh. Returns SE_OK when it ran (findings or
 * not); *nfind buckets are filled in found[]. */
/* The machine and host options every campaign runs with (stldr-emu fuzz, fuzz/fuzz_loader,
 * stldr-bench): per-call warnings not logged (findings carry them), every window access on
 * the OCTOSPI model, a 16 KiB data buffer (the generator sizes transfers from it), `budget`
 * instructions and 10 s per call. */
void se_fuzz_options(se_machine_opts *mo, se_host_opts *ho, uint64_t budget);

se_err se_fuzz_run(se_host *h, se_machine *m, const se_stldr *l, const se_fuzz_opts *o,
                   se_fuzz_stats *st, se_fuzz_finding *found, unsigned *nfind, se_error *err);

/* Replay a reproducer file on h: download + Init, then its calls as one operation (with an
 * `operation` line; without one, as written before that: download + Init before every
 * call); the calls are logged through h's logger. Returns the first failure the oracle or
 * the machine reports, or SE_OK. */
se_err se_fuzz_replay(se_host *h, se_machine *m, const se_stldr *l, const char *path,
                      se_error *err);

/* Coverage-guided mode (fuzz/fuzz_loader.c, `stldr-emu fuzz --from-input`): one case at a
 * time, decoded from an input whose bytes stand in for the generator's random numbers (4
 * per choice), so every input is a valid case of the same kinds as a campaign's. A session
 * calls Init once and keeps the post-Init snapshot; every run restores it. */
typedef struct se_fuzz_session se_fuzz_session;
se_err se_fuzz_session_new(se_host *h, se_machine *m, const se_stldr *l, se_fuzz_session **out,
                           se_error *err);
void se_fuzz_session_free(se_fuzz_session *s);
void se_fuzz_decode(se_fuzz_session *s, const uint8_t *data, size_t size, se_fuzz_case *c);
/* Runs c from the snapshot; true when the oracle or the machine reported a finding (*f). */
bool se_fuzz_session_run(se_fuzz_session *s, se_fuzz_case *c, se_fuzz_finding *f);
/* Writes c as o->out_dir/finding-01-KIND.repro (f->file; "" when not written); origin goes
 * into the header ("input crash-1234"). */
void se_fuzz_save_repro(const se_fuzz_opts *o, const se_fuzz_case *c, const char *origin,
                        se_fuzz_finding *f);

#endif
