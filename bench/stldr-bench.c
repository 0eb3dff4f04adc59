/* stldr-bench: the speed and memory figures of stldr-emu, each measured several times in one
 * run and printed as median, min and max, with ratios taken from the same run (this machine
 * is noisy, so only same-run ratios mean anything).
 *
 *   emulation overhead   guest instructions/s of the same RAM-bound loader code under bare
 *                        Unicorn (no hooks) as Debian ships it, bare Unicorn with our
 *                        store-path fix (emu/ucfix.c), stldr-emu with TrustZone off, and
 *                        with it on; and an MMIO-heavy workload (the HAL-style loader's Write:
 *                        flag polls and byte-wide DR writes) under bare Unicorn with the fix
 *                        and a trivial MMIO callback against stldr-emu with every model
 *   start-up             `stldr-emu run <reference loader> --init-only`, wall time
 *   program throughput   erase + program + verify through the DMA reference loader and the
 *                        HAL-style loader (-Os, -O0), via the CLI, for 1, 8 and 64 MiB, with
 *                        the child's peak RSS and, per phase (Erase, Write, Read, Verify,
 *                        CheckSum), device time / host time from its --json call lines;
 *                        TrustZone on / off at the largest size
 *   fuzzing              stldr-emu fuzz's cases (short call sequences, each from the post-Init
 *                        snapshot) per second through the reference and the HAL-style loader,
 *                        on one core
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <unicorn/unicorn.h>

#include "emu/machine.h"
#include "emu/ucfix.h"
#include "fuzz/engine.h"
#include "loader/host.h"
#include "loader/stldr.h"

#define MAX_RUNS 16

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct stats {
    double med, min, max;
} stats;

static stats summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    stats s = {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
    return s;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "stldr-bench: %s: %s\n", what, msg);
    exit(1);
}

static const char *fw(const char *name)
{
    static char buf[4][512];
    static int i;
    char *b = buf[i++ & 3];
    snprintf(b, 512, "%s/%s.stldr", SE_FIRMWARE_DIR, name);
    return b;
}

/* ---- emulation overhead ------------------------------------------------------------------ */

/* The workload: the SRAM test loader's Write over its whole 32 KiB device (a load/and/store
 * loop) followed by CheckSum over it (a load/add loop), called `reps` times. */
#define DEV 0x20038000u
#define DEV_SIZE 0x8000u

typedef struct workload {
    se_stldr *l;
    uint32_t write, checksum; /* entry addresses (Thumb bit set) */
} workload;

static void load_workload(workload *w, const char *name)
{
    se_error err;
    if (se_stldr_open_file(fw(name), &w->l, &err))
        die(name, err.msg);
    if (!se_stldr_entry(w->l, SE_EP_WRITE, &w->write) ||
        !se_stldr_entry(w->l, SE_EP_CHECKSUM, &w->checksum))
        die(name, "no Write/CheckSum");
}

/* ucfix.c part 2 for bare Unicorn, as the machine applies it: stores to RAM pages that hold
 * no code (here: outside the downloaded image, the only code) take the fast path. */
typedef struct bare_code {
    uint32_t lo, hi; /* the image */
    void *cpu;
} bare_code;

static bool bare_store_fast(void *ctx, uint32_t page)
{
    const bare_code *b = ctx;
    return page - 0x20000000u < 0x40000u && (page + 0x400u <= b->lo || page >= b->hi);
}

/* (a) bare Unicorn: the same image and calls, no hooks at all. */
static double run_bare(const workload *w, const se_profile *p, int reps)
{
    uc_engine *uc;
    static uint8_t ram[0x40000];
    if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &uc) ||
        uc_mem_map_ptr(uc, 0x20000000u, sizeof ram, UC_PROT_ALL, ram))
        die("unicorn", "open/map failed");
    se_ram_window win = {p->bkpt_addr, p->load_base, p->ram_end, 0, 0};
    se_image img;
    se_error err;
    if (se_stldr_plan(w->l, &win, SE_PLACE_LINK, false, &img, &err))
        die("plan", err.msg);
    memcpy(ram + (img.base - 0x20000000u), img.bytes, img.size);
    uint32_t bkpt = 0xBE00u;
    memcpy(ram + (p->bkpt_addr - 0x20000000u), &bkpt, 4);
    uint32_t buf = (p->bkpt_addr + img.size + 0x800u) & ~3u;
    memset(ram + (buf - 0x20000000u), 0x5A, DEV_SIZE);
    double t0 = now_s();
    for (int r = 0; r < reps; r++) {
        uint32_t calls[2][4] = {{DEV, DEV_SIZE, buf, 0}, {DEV, DEV_SIZE, 0, 0}};
        uint32_t entries[2] = {w->write, w->checksum};
        for (int k = 0; k < 2; k++) {
            uint32_t sp = p->bkpt_addr + img.size + 0x400u, lr = p->bkpt_addr | 1u,
                     xpsr = 0x01000000u;
            for (int i = 0; i < 4; i++)
                uc_reg_write(uc, UC_ARM_REG_R0 + i, &calls[k][i]);
            uc_reg_write(uc, UC_ARM_REG_SP, &sp);
            uc_reg_write(uc, UC_ARM_REG_LR, &lr);
            uc_reg_write(uc, UC_ARM_REG_XPSR, &xpsr);
            bare_code bc = {img.base, img.base + img.size, NULL};
            se_ucfix_enter(bare_store_fast, &bc, &bc.cpu);
            uc_err ue = uc_emu_start(uc, entries[k] | 1u, p->bkpt_addr, 0, 0);
            se_ucfix_leave();
            if (ue)
                die("unicorn", "emulation failed");
        }
    }
    double t = now_s() - t0;
    se_image_free(&img);
    uc_close(uc);
    return t;
}

/* The machine side of (b)/(c) and of the MMIO workload: a machine with every model, the loader
 * placed at its link address and through Init, `len` bytes of 0x5A in the host's buffer. */
static se_host *machine_setup(const workload *w, const se_profile *p, size_t len, se_machine **mp)
{
    se_machine *m;
    se_host *h;
    se_error err;
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    if (se_machine_new(p, &mo, &m, &err))
        die("machine", err.msg);
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.place = SE_PLACE_LINK;
    if (se_host_new(w->l, m, &ho, &h, &err))
        die("host", err.msg);
    if (se_host_init_only(h, &err))
        die("init", err.msg);
    uint8_t *fill = malloc(len);
    if (!fill)
        die("machine", "out of memory");
    memset(fill, 0x5A, len);
    if (se_machine_write(m, se_host_buffer(h), fill, len, &err))
        die("machine", err.msg);
    free(fill);
    *mp = m;
    return h;
}

/* (b)/(c) stldr-emu: the machine with every model, tracing off. */
static double run_machine(const workload *w, const se_profile *p, int reps, uint64_t *instr)
{
    se_machine *m;
    se_host *h = machine_setup(w, p, DEV_SIZE, &m);
    uint32_t buf = se_host_buffer(h);
    uint64_t n = 0;
    se_call_result r;
    double t0 = now_s();
    for (int i = 0; i < reps; i++) {
        se_call c1 = {.entry = w->write,
                      .args = {DEV, DEV_SIZE, buf, 0},
                      .sp = se_host_sp(h),
                      .bkpt_addr = p->bkpt_addr};
        se_machine_call(m, &c1, &r);
        n += r.instructions;
        if (r.status)
            die("Write", r.reason);
        se_call c2 = {.entry = w->checksum,
                      .args = {DEV, DEV_SIZE, 0, 0},
                      .sp = se_host_sp(h),
                      .bkpt_addr = p->bkpt_addr};
        se_machine_call(m, &c2, &r);
        n += r.instructions;
        if (r.status)
            die("CheckSum", r.reason);
    }
    double t = now_s() - t0;
    *instr = n;
    se_host_free(h);
    se_machine_free(m);
    return t;
}

/* ---- MMIO-heavy overhead -----------------------------------------------------------------
 * The HAL-style loader's Write of MMIO_BYTES: per byte an SR.FTF poll (with its tick compare)
 * and a byte-wide DR write, per page WREN, PP4B and two automatic polls. (a') runs it under bare
 * Unicorn with the store-path fix, the peripheral space and the SCS mapped to a trivial MMIO
 * callback whose SR reads say "FIFO free, transfer complete, match, not busy", so every poll
 * passes at once; (b) under stldr-emu with every model, after Init. Both execute the same
 * guest loop; the figure is time per written MiB. */
#define MMIO_BYTES 0x10000u

static uint64_t trivial_read(uc_engine *uc, uint64_t off, unsigned size, void *user)
{
    (void)uc;
    (void)size;
    (void)user;
    return off == 0x4021020u ? 0x0Eu : 0u; /* OCTOSPI1 SR (0x44021020): TCF FTF SMF */
}

static void trivial_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t v, void *user)
{
    (void)uc;
    (void)off;
    (void)size;
    (void)v;
    (void)user;
}

static double run_mmio_bare(const workload *w, const se_profile *p, int reps)
{
    uc_engine *uc;
    static uint8_t ram[0x40000];
    if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &uc) ||
        uc_mem_map_ptr(uc, 0x20000000u, sizeof ram, UC_PROT_ALL, ram) ||
        uc_mmio_map(uc, 0x40000000u, 0x10000000u, trivial_read, NULL, trivial_write, NULL) ||
        uc_mmio_map(uc, 0xE000E000u, 0x1000u, trivial_read, NULL, trivial_write, NULL))
        die("unicorn", "open/map failed");
    se_ram_window win = {p->bkpt_addr, p->load_base, p->ram_end, 0, 0};
    se_image img;
    se_error err;
    if (se_stldr_plan(w->l, &win, SE_PLACE_LINK, false, &img, &err))
        die("plan", err.msg);
    memcpy(ram + (img.base - 0x20000000u), img.bytes, img.size);
    uint32_t bkpt = 0xBE00u;
    memcpy(ram + (p->bkpt_addr - 0x20000000u), &bkpt, 4);
    uint32_t buf = (p->bkpt_addr + img.size + 0x800u) & ~3u;
    memset(ram + (buf - 0x20000000u), 0x5A, MMIO_BYTES);
    double t0 = now_s();
    for (int r = 0; r < reps; r++) {
        uint32_t args[3] = {0x90000000u + (uint32_t)r * MMIO_BYTES, MMIO_BYTES, buf};
        uint32_t sp = p->bkpt_addr + img.size + 0x400u, lr = p->bkpt_addr | 1u, xpsr = 0x01000000u;
        for (int i = 0; i < 3; i++)
            uc_reg_write(uc, UC_ARM_REG_R0 + i, &args[i]);
        uc_reg_write(uc, UC_ARM_REG_SP, &sp);
        uc_reg_write(uc, UC_ARM_REG_LR, &lr);
        uc_reg_write(uc, UC_ARM_REG_XPSR, &xpsr);
        bare_code bc = {img.base, img.base + img.size, NULL};
        se_ucfix_enter(bare_store_fast, &bc, &bc.cpu);
        uc_err ue = uc_emu_start(uc, w->write | 1u, p->bkpt_addr, 0, 0);
        se_ucfix_leave();
        if (ue)
            die("unicorn", "emulation failed");
        uint32_t r0;
        uc_reg_read(uc, UC_ARM_REG_R0, &r0);
        if (r0 != 1u)
            die("mmio (bare)", "Write returned 0");
    }
    double t = now_s() - t0;
    se_image_free(&img);
    uc_close(uc);
    return t;
}

static double run_mmio_machine(const workload *w, const se_profile *p, int reps, uint64_t *instr)
{
    se_machine *m;
    se_host *h = machine_setup(w, p, MMIO_BYTES, &m);
    uint32_t buf = se_host_buffer(h);
    uint64_t n = 0;
    se_call_result r;
    double t0 = now_s();
    for (int i = 0; i < reps; i++) {
        se_call c = {.entry = w->write,
                     .args = {0x90000000u + (uint32_t)i * MMIO_BYTES, MMIO_BYTES, buf, 0},
                     .sp = se_host_sp(h),
                     .bkpt_addr = p->bkpt_addr};
        se_machine_call(m, &c, &r);
        n += r.instructions;
        if (r.status || r.r0 != 1u)
            die("mmio (stldr-emu)", "Write failed");
    }
    double t = now_s() - t0;
    *instr = n;
    se_host_free(h);
    se_machine_free(m);
    return t;
}

/* ---- fuzzing ------------------------------------------------------------------------------ */

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One campaign of `cases` cases, seed 1, set up as stldr-emu fuzz does; cases per second of
 * wall time, and *per_cpu cases per CPU second (user + sys of this process: the figure that
 * holds on a shared machine). */
static double run_fuzz(const char *name, uint64_t cases, double *per_cpu)
{
    se_error err;
    se_stldr *l;
    se_machine *m;
    se_host *h;
    se_machine_opts mo;
    se_host_opts ho;
    se_fuzz_options(&mo, &ho, 5000000); /* as stldr-emu fuzz */
    if (se_stldr_open_file(fw(name), &l, &err) ||
        se_machine_new(se_profile_find("stm32l562e-dk", false), &mo, &m, &err) ||
        se_host_new(l, m, &ho, &h, &err))
        die(name, err.msg);
    se_fuzz_opts fo = {.seed = 1, .runs = cases};
    se_fuzz_stats st;
    se_fuzz_finding found[SE_FUZZ_MAX_BUCKETS];
    unsigned nf;
    double c0 = cpu_s();
    if (se_fuzz_run(h, m, l, &fo, &st, found, &nf, &err))
        die("fuzz", err.msg);
    *per_cpu = st.cases / (cpu_s() - c0);
    if (nf) {
        fprintf(stderr, "stldr-bench: fuzz %s: %s in %s: %s\n", name, found[0].kind, found[0].where,
                found[0].msg);
        die("fuzz", "a test loader gave a finding");
    }
    se_host_free(h);
    se_machine_free(m);
    se_stldr_free(l);
    return st.cases / st.seconds;
}

/* ---- child processes ---------------------------------------------------------------------- */

/* Run argv (stdout into out, or /dev/null), return wall seconds; *rss_kib = the child's peak
 * RSS. */
static double child_cpu_s; /* user + sys of the last run_child */

static double run_child(char *const argv[], const char *out, long *rss_kib, int *status)
{
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        die("fork", strerror(errno));
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 2);
        if (out)
            fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            dup2(fd, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0)
        die("wait", strerror(errno));
    double t = now_s() - t0;
    if (rss_kib)
        *rss_kib = ru.ru_maxrss;
    child_cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                  (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return t;
}

/* ---- program throughput ------------------------------------------------------------------- */

typedef struct bench_loader {
    const char *name, *tz_name, *what;
    double target_64; /* seconds for 64 MiB */
} bench_loader;

#define NPHASES 5
static const char *const phase_fn[NPHASES] = {"SectorErase", "Write", "Read", "Verify", "CheckSum"};

/* Device time / host time per phase from a --json call log; 0 where a phase took no host
 * time worth measuring. */
static void phase_ratios(const char *path, double ratio[NPHASES])
{
    double dev[NPHASES] = {0}, host[NPHASES] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, strerror(errno));
    static char line[1 << 16];
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "\"event\":\"call\""))
            continue;
        const char *fn = strstr(line, "\"function\":\"");
        const char *dn = strstr(line, "\"device_ns\":");
        const char *hu = strstr(line, "\"host_us\":");
        if (!fn || !dn || !hu)
            continue;
        fn += 12;
        for (int k = 0; k < NPHASES; k++) {
            size_t len = strlen(phase_fn[k]);
            if (!strncmp(fn, phase_fn[k], len) && fn[len] == '"') {
                dev[k] += strtod(dn + 12, NULL) * 1e-9;
                host[k] += strtod(hu + 10, NULL) * 1e-6;
            }
        }
    }
    fclose(f);
    for (int k = 0; k < NPHASES; k++)
        ratio[k] = host[k] > 0 ? dev[k] / host[k] : 0;
}

/* n runs of erase + program + verify of path (mib MiB); with detail, the per-phase ratios
 * and, when the loader has a TrustZone build, the same run under --tz on. */
static void bench_program(const bench_loader *bl, const char *path, int mib, int n, const char *dir,
                          bool detail)
{
    char arg[96], json[96];
    snprintf(arg, sizeof arg, "%s@0x90000000", path);
    snprintf(json, sizeof json, "%s/calls.json", dir);
    char *argv_off[] = {SE_TOOL_PATH, "run", (char *)fw(bl->name), "--write", arg, "--verify",
                        "--json",     NULL};
    char *argv_on[] = {SE_TOOL_PATH, "run",      (char *)fw(bl->tz_name ? bl->tz_name : bl->name),
                       "--tz",       "on",       "--write",
                       arg,          "--verify", "--quiet",
                       NULL};
    bool tz = detail && bl->tz_name;
    double tw[MAX_RUNS], rss[MAX_RUNS], ttz[MAX_RUNS], rtz[MAX_RUNS];
    double ph[NPHASES][MAX_RUNS];
    int st;
    for (int r = 0; r < n; r++) {
        long kib;
        tw[r] = run_child(argv_off, json, &kib, &st);
        rss[r] = kib / 1024.0;
        if (st != 0)
            die(bl->name, "stldr-emu --write --verify failed");
        double ratio[NPHASES];
        phase_ratios(json, ratio);
        for (int k = 0; k < NPHASES; k++)
            ph[k][r] = ratio[k];
        if (tz) { /* interleaved with the --tz off runs, so drift hits both alike */
            ttz[r] = run_child(argv_on, NULL, NULL, &st);
            if (st != 0)
                die(bl->tz_name, "stldr-emu --tz on --write --verify failed");
            rtz[r] = ttz[r] / tw[r];
        }
    }
    unlink(json);
    stats sw = summarize(tw, n), sr = summarize(rss, n);
    char target[64] = "";
    if (mib == 64)
        snprintf(target, sizeof target, "   targets <= %.1f s, <= 200 MiB", bl->target_64);
    printf("    %2d MiB  %7.2f s  %7.1f MB/s  [%.2f .. %.2f s]  peak RSS %6.1f MiB%s\n", mib,
           sw.med, mib * 1.048576 / sw.med, sw.min, sw.max, sr.max, target);
    if (!detail)
        return;
    printf("    device/host per phase at %d MiB (target >= 10):", mib);
    for (int k = 0; k < NPHASES; k++) {
        stats sp = summarize(ph[k], n);
        printf("%s %s %.1f [%.1f .. %.1f]", k ? "," : "", phase_fn[k], sp.med, sp.min, sp.max);
    }
    printf("\n");
    if (tz) {
        stats st_tz = summarize(ttz, n), sq = summarize(rtz, n);
        printf("    --tz on (%s): %.2f s [%.2f .. %.2f]; on/off %.2f [%.2f .. %.2f]   target <= "
               "1.10\n",
               bl->tz_name, st_tz.med, st_tz.min, st_tz.max, sq.med, sq.min, sq.max);
    }
}

static void write_random(const char *path, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path, strerror(errno));
    uint64_t x = 0x9E3779B97F4A7C15ull;
    uint8_t block[65536];
    for (size_t done = 0; done < n; done += sizeof block) {
        for (size_t i = 0; i < sizeof block; i += 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            memcpy(block + i, &x, 8);
        }
        fwrite(block, 1, n - done < sizeof block ? n - done : sizeof block, f);
    }
    fclose(f);
}

static void bench_overhead(int runs, int reps)
{
    /* Emulation overhead */
    workload off, on;
    load_workload(&off, "sram_loader");
    load_workload(&on, "sram_loader_tz");
    const se_profile *poff = se_profile_find("stm32l562e-dk", false);
    const se_profile *pon = se_profile_find("stm32l562e-dk", true);
    double ta[MAX_RUNS], tf[MAX_RUNS], tb[MAX_RUNS], tc[MAX_RUNS];
    double ra[MAX_RUNS], rf[MAX_RUNS], rb[MAX_RUNS], rc[MAX_RUNS];
    double rba[MAX_RUNS], rca[MAX_RUNS], rbf[MAX_RUNS], rcf[MAX_RUNS], rcb[MAX_RUNS];
    uint64_t instr = 0, instr_on = 0;
    for (int r = 0; r < runs; r++) { /* interleaved, so drift hits all four alike */
        se_ucfix_set(false);         /* Unicorn's own store path, as Debian ships it */
        ta[r] = run_bare(&off, poff, reps);
        se_ucfix_set(true);
        tf[r] = run_bare(&off, poff, reps);
        tb[r] = run_machine(&off, poff, reps, &instr);
        tc[r] = run_machine(&on, pon, reps, &instr_on);
        ra[r] = instr / ta[r] / 1e6;
        rf[r] = instr / tf[r] / 1e6;
        rb[r] = instr / tb[r] / 1e6;
        rc[r] = instr_on / tc[r] / 1e6;
        rba[r] = tb[r] / ta[r];
        rca[r] = tc[r] / ta[r];
        rbf[r] = tb[r] / tf[r];
        rcf[r] = tc[r] / tf[r];
        rcb[r] = tc[r] / tb[r];
    }
    stats sa = summarize(ra, runs), sf = summarize(rf, runs), sb = summarize(rb, runs);
    stats sc = summarize(rc, runs), sba = summarize(rba, runs), sca = summarize(rca, runs);
    stats sbf = summarize(rbf, runs), scf = summarize(rcf, runs), scb = summarize(rcb, runs);
    printf("emulation overhead (%" PRIu64
           " guest instructions per run: Write+CheckSum over 32 KiB x %d)\n",
           instr, reps);
    printf("  (a) bare Unicorn, no hooks      %8.1f M instr/s  [%.1f .. %.1f]   (Debian's 2.0.1 as "
           "shipped)\n",
           sa.med, sa.min, sa.max);
    printf(
        "  (a') the same, store-path fix   %8.1f M instr/s  [%.1f .. %.1f]   (emu/ucfix.c, %s)\n",
        sf.med, sf.min, sf.max, se_ucfix_active() ? "active" : "inactive: not Unicorn 2.0.x");
    printf("  (b) stldr-emu, --tz off         %8.1f M instr/s  [%.1f .. %.1f]\n", sb.med, sb.min,
           sb.max);
    printf("  (c) stldr-emu, --tz on          %8.1f M instr/s  [%.1f .. %.1f]\n", sc.med, sc.min,
           sc.max);
    printf("  ratio b/a (time)                %8.2f            [%.2f .. %.2f]   target <= 1.3\n",
           sba.med, sba.min, sba.max);
    printf("  ratio c/a (time)                %8.2f            [%.2f .. %.2f]   target <= 1.4\n",
           sca.med, sca.min, sca.max);
    /* against the fixed store path: what the hooks and models cost by themselves */
    printf("  ratio b/a' (time)               %8.2f            [%.2f .. %.2f]\n", sbf.med, sbf.min,
           sbf.max);
    printf("  ratio c/a' (time)               %8.2f            [%.2f .. %.2f]\n", scf.med, scf.min,
           scf.max);
    /* (c) runs on the enforcing --tz on profile (ST template, Non-secure loader): the
     * loop's pages are all allowed, the refused ones are carved out as MMIO. */
    printf("  ratio c/b (time, TrustZone)     %8.2f            [%.2f .. %.2f]   target <= 1.10\n\n",
           scb.med, scb.min, scb.max);
    se_stldr_free(off.l);
    se_stldr_free(on.l);

    /* MMIO-heavy overhead: the HAL-style loader's Write, byte-wide DR writes behind flag polls */
    workload hal;
    load_workload(&hal, "hal_mx25_l562");
    double tm_a[MAX_RUNS], tm_b[MAX_RUNS], rm[MAX_RUNS];
    uint64_t minstr = 0;
    int mreps = reps < 8 ? reps : 8;
    for (int r = 0; r < runs; r++) {
        tm_a[r] = run_mmio_bare(&hal, poff, mreps);
        tm_b[r] = run_mmio_machine(&hal, poff, mreps, &minstr);
        rm[r] = tm_b[r] / tm_a[r];
        double mib = mreps * (MMIO_BYTES / 1048576.0);
        tm_a[r] = tm_a[r] / mib * 1e3;
        tm_b[r] = tm_b[r] / mib * 1e3;
    }
    stats sma = summarize(tm_a, runs), smb = summarize(tm_b, runs), smr = summarize(rm, runs);
    printf("MMIO-heavy overhead (hal_mx25_l562 Write, %d x %u KiB, %" PRIu64
           " guest instructions under stldr-emu;\n"
           "an FTF poll and a byte-wide DR write per byte)\n",
           mreps, MMIO_BYTES / 1024u, minstr);
    printf("  (a') bare Unicorn + fix, trivial MMIO callback %8.1f ms/MiB  [%.1f .. %.1f]\n",
           sma.med, sma.min, sma.max);
    printf("  (b) stldr-emu, every model, --tz off           %8.1f ms/MiB  [%.1f .. %.1f]\n",
           smb.med, smb.min, smb.max);
    printf("  ratio b/a' (time)                              %8.2f         [%.2f .. %.2f]\n\n",
           smr.med, smr.min, smr.max);
    se_stldr_free(hal.l);
}

static void bench_startup(int runs)
{
    /* Start-up */
    char *init_argv[] = {SE_TOOL_PATH,  "run",     (char *)fw("ref_mx25_l562"),
                         "--init-only", "--quiet", NULL};
    double ts[MAX_RUNS], tc[MAX_RUNS];
    int st;
    for (int r = 0; r < runs; r++) {
        ts[r] = run_child(init_argv, NULL, NULL, &st) * 1e3;
        tc[r] = child_cpu_s * 1e3;
        if (st != 0)
            die("start-up", "stldr-emu --init-only failed");
    }
    stats ss = summarize(ts, runs), sc = summarize(tc, runs);
    printf("start-up: stldr-emu run ref_mx25_l562 --init-only\n");
    printf("  wall time                       %8.1f ms         [%.1f .. %.1f]   target <= 10 ms\n",
           ss.med, ss.min, ss.max);
    /* what the wall time is on a machine where the child waits for no core */
    printf("  CPU time (user + sys)           %8.1f ms         [%.1f .. %.1f]\n\n", sc.med, sc.min,
           sc.max);
}

static void bench_programs(int runs, int max_mib, const char *only)
{
    /* Program throughput and memory */
    char dir[] = "/tmp/stldr-bench-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp", strerror(errno));
    printf("program throughput: erase + program + verify, stldr-emu run LOADER --write "
           "FILE@0x90000000\n--verify --json (read back, Verify, CheckSum); per phase: device "
           "time / host time\nof its calls, summed over the run\n");
    static const bench_loader loaders[] = {
        {"ref_mx25_l562", "ref_mx25_l562_tz", "DMA reference", 1.5},
        {"hal_mx25_l562", "hal_mx25_l562_tz", "HAL-style -Os", 3.0},
        {"hal_mx25_l562_o0", NULL, "HAL-style -O0", 6.0},
    };
    int sizes[] = {1, 8, 64};
    int top = 0;
    for (size_t k = 0; k < 3; k++)
        if (sizes[k] <= max_mib)
            top = sizes[k];
    for (size_t li = 0; li < sizeof loaders / sizeof loaders[0]; li++) {
        const bench_loader *bl = &loaders[li];
        if (only && !strstr(bl->name, only))
            continue;
        printf("  %s (%s)\n", bl->name, bl->what);
        for (size_t k = 0; k < 3; k++) {
            if (sizes[k] > max_mib)
                continue;
            char path[64];
            snprintf(path, sizeof path, "%s/r%d.bin", dir, sizes[k]);
            write_random(path, (size_t)sizes[k] << 20);
            int n = sizes[k] >= 64 ? (runs < 3 ? runs : 3) : runs;
            bench_program(bl, path, sizes[k], n, dir, sizes[k] == top);
            unlink(path);
        }
    }
    rmdir(dir);
}

static void bench_fuzz(int runs)
{
    /* Fuzzing */
    double fz[MAX_RUNS], fc[MAX_RUNS];
    /* 10000: shorter campaigns of seed 1 swing with their mix (1000 cases ran at 7500/s,
     * 3000 at 5100/s, on the same build and machine); the HAL-style loader's 1000 hold about
     * 16 MassErase calls, 150,000 SysTick wake-ups each, which are most of its time */
    static const char *const fuzzed[2] = {"ref_mx25_l562", "hal_mx25_l562"};
    static const uint64_t fuzz_cases[2] = {10000, 1000};
    static const double fuzz_target[2] = {20000, 5000};
    printf("\nfuzzing: cases (one host operation each, from the post-Init snapshot) per second of "
           "wall time\nand per CPU second (user + sys), stldr-emu fuzz, seed 1, one core\n");
    for (int k = 0; k < 2; k++) {
        for (int r = 0; r < runs; r++)
            fz[r] = run_fuzz(fuzzed[k], fuzz_cases[k], &fc[r]);
        stats sz = summarize(fz, runs), sq = summarize(fc, runs);
        printf("  %-16s %5" PRIu64 " cases  %8.0f/s wall [%.0f .. %.0f]  %8.0f/s CPU [%.0f .. %.0f]"
               "   target >= %.0f/s/core\n",
               fuzzed[k], fuzz_cases[k], sz.med, sz.min, sz.max, sq.med, sq.min, sq.max,
               fuzz_target[k]);
    }
}

int main(int argc, char **argv)
{
    int runs = 5, reps = 20;
    int max_mib = 64;
    const char *only = NULL; /* --only NAME: program throughput of the loaders matching NAME */
    const char *part = NULL; /* --part NAME: only that part of the figures */
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            if (!se_parse_u64(argv[++i], 1, MAX_RUNS, &v)) {
                fprintf(stderr, "stldr-bench: --runs takes 1..%d, not '%s'\n", MAX_RUNS, argv[i]);
                return 2;
            }
            runs = (int)v;
        } else if (!strcmp(argv[i], "--max-mib") && i + 1 < argc) {
            if (!se_parse_u64(argv[++i], 1, 64, &v)) {
                fprintf(stderr, "stldr-bench: --max-mib takes 1..64, not '%s'\n", argv[i]);
                return 2;
            }
            max_mib = (int)v;
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
            part = argv[++i];
            if (strcmp(part, "overhead") && strcmp(part, "startup") && strcmp(part, "program") &&
                strcmp(part, "fuzz")) {
                fprintf(stderr,
                        "stldr-bench: --part takes overhead, startup, program or fuzz, "
                        "not '%s'\n",
                        part);
                return 2;
            }
        } else if (!strcmp(argv[i], "--quick")) {
            runs = 3;
            reps = 5;
            max_mib = 8;
        } else {
            fprintf(stderr, "usage: stldr-bench [--runs N] [--max-mib 1|8|64] [--only LOADER] "
                            "[--part overhead|startup|program|fuzz] [--quick]\n");
            return 2;
        }
    }
    printf("stldr-bench: %d runs per figure; median [min .. max]\n\n", runs);

    if (!part || !strcmp(part, "overhead"))
        bench_overhead(runs, reps);
    if (!part || !strcmp(part, "startup"))
        bench_startup(runs);
    if (!part || !strcmp(part, "program"))
        bench_programs(runs, max_mib, only);
    if (!part || !strcmp(part, "fuzz"))
        bench_fuzz(runs);
    return 0;
}
