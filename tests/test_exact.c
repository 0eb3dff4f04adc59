/* Differential test of the shortcuts (--exact, docs/modelled.md "Shortcuts"): every test loader
 * of tests/firmware runs the same session (erase 1.5 sectors, write an odd-length pattern, read
 * back, Verify, CheckSum) with the shortcuts on and with them off, and what it did is compared.
 *
 *  - Window in place and DMA spans are exact: with them on or off (idle
 *    skip on in both) every call's result, status, instruction count, cycles and device time,
 *    the final core registers, the flash image and the --log-flash lines are the same.
 *  - The idle skip is not: it runs a polling loop a few times, then moves virtual time to the
 *    model's deadline instead of executing the rest of the loop, and the controller's automatic
 *    polling sends one status read for the whole wait instead of one per interval. So against
 *    --exact the instruction counts, the registers a loop counts polls in, the status frames of
 *    --log-flash and the device time (by up to one loop pass per wait) differ; call results,
 *    the data read and the flash image must not, and device time within 0.1%. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/machine.h"
#include "loader/host.h"
#include "loader/stldr.h"
#include "util/harness.h"

#define MAX_REC 32

typedef struct rec {
    char function[16];
    bool ok;
    int status;
    uint32_t r0, r1;
    uint64_t instructions, cycles, vtime_ns;
} rec;

typedef struct outcome {
    unsigned n;
    rec calls[MAX_REC];
    se_err ops[5];
    uint32_t regs[SE_CORE_NREGS];
    uint8_t *image;
    size_t image_len;
    uint8_t *readback;
    uint64_t log_hash;
    unsigned log_lines;
    uint64_t vtime_ns;
} outcome;

static void on_call(void *ctx, const se_call_record *r)
{
    outcome *o = ctx;
    if (o->n >= MAX_REC)
        return;
    rec *c = &o->calls[o->n++];
    snprintf(c->function, sizeof c->function, "%s", r->function);
    c->ok = r->ok;
    c->status = (int)r->res.status;
    c->r0 = r->res.r0;
    c->r1 = r->res.r1;
    c->instructions = r->res.instructions;
    c->cycles = r->res.cycles;
    c->vtime_ns = r->res.vtime_ns;
}

/* FNV-1a over every log line (flash commands with --log-flash, clock notes, warnings). */
static void on_log(void *ctx, int level, const char *msg)
{
    outcome *o = ctx;
    uint64_t h = o->log_hash ? o->log_hash : 1469598103934665603ull;
    h = (h ^ (uint64_t)level) * 1099511628211ull;
    for (const char *p = msg; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    o->log_hash = h;
    o->log_lines++;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1u);
    assert_non_null(b);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static void session(const char *name, bool exact_all, bool exact_but_skip, bool log_flash,
                    outcome *o)
{
    memset(o, 0, sizeof *o);
    se_error err;
    se_stldr *l;
    assert_int_equal(se_stldr_open_file(th_firmware(name), &l, &err), SE_OK);
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    if (exact_all || exact_but_skip)
        se_machine_opts_exact(&mo);
    if (exact_but_skip)
        mo.no_idle_skip = false;
    char img[300];
    snprintf(img, sizeof img, "%s/%s-%d%d%d.img", th_tmpdir(), name, exact_all, exact_but_skip,
             log_flash);
    remove(img);
    mo.flash_image = img;
    mo.log_flash = log_flash;
    mo.log = on_log;
    mo.log_ctx = o;
    se_machine *m;
    bool tz = strstr(name, "_tz") != NULL;
    assert_int_equal(se_machine_new(se_profile_find("stm32l562e-dk", tz), &mo, &m, &err), SE_OK);
    se_host_opts ho;
    se_host_opts_default(&ho);
    se_host *h;
    assert_int_equal(se_host_new(l, m, &ho, &h, &err), SE_OK);
    se_host_set_logger(h, on_call, o);
    /* Hung loaders stop at the budget, the same in both runs. */
    se_host_set_limits(h, 100000000u, 120.0);

    const se_storage_info *si = se_stldr_storage(l);
    uint32_t sector = si->sectors[0].size, len = sector + sector / 2u - 3u;
    uint8_t *data = malloc(len);
    o->readback = calloc(1, len);
    assert_non_null(data);
    assert_non_null(o->readback);
    for (uint32_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7u + (i >> 8));
    o->ops[0] = se_host_erase(h, si->start, len, &err);
    o->ops[1] = o->ops[0] ? o->ops[0] : se_host_write(h, si->start, data, len, &err);
    o->ops[2] = o->ops[1] ? o->ops[1] : se_host_read(h, si->start, o->readback, len, &err);
    o->ops[3] = o->ops[2] ? o->ops[2] : se_host_verify(h, si->start, data, len, &err);
    se_machine_core_regs(m, o->regs);
    o->vtime_ns = se_host_vtime_ns(h);
    free(data);
    se_host_free(h);
    se_machine_free(m);
    se_stldr_free(l);
    o->image = slurp(img, &o->image_len);
    remove(img);
}

static void outcome_free(outcome *o)
{
    free(o->image);
    free(o->readback);
}

static void same_data(const char *name, const outcome *a, const outcome *b, uint32_t len)
{
    for (int k = 0; k < 4; k++)
        if (a->ops[k] != b->ops[k])
            fail_msg("%s: operation %d: %d vs %d", name, k, a->ops[k], b->ops[k]);
    if (a->n != b->n)
        fail_msg("%s: %u calls vs %u", name, a->n, b->n);
    for (unsigned i = 0; i < a->n; i++) {
        const rec *x = &a->calls[i], *y = &b->calls[i];
        if (strcmp(x->function, y->function) || x->ok != y->ok || x->status != y->status ||
            x->r0 != y->r0 || x->r1 != y->r1)
            fail_msg("%s: call %u %s: ok %d status %d r0 %#x r1 %#x vs %s ok %d status %d r0 "
                     "%#x r1 %#x",
                     name, i, x->function, x->ok, x->status, x->r0, x->r1, y->function, y->ok,
                     y->status, y->r0, y->r1);
    }
    if (a->image_len != b->image_len || (a->image_len && memcmp(a->image, b->image, a->image_len)))
        fail_msg("%s: flash images differ", name);
    if (memcmp(a->readback, b->readback, len))
        fail_msg("%s: data read back differs", name);
}

static uint32_t session_len(const char *name)
{
    se_error err;
    se_stldr *l;
    assert_int_equal(se_stldr_open_file(th_firmware(name), &l, &err), SE_OK);
    uint32_t sector = se_stldr_storage(l)->sectors[0].size;
    se_stldr_free(l);
    return sector + sector / 2u - 3u;
}

/* Every .stldr the firmware target built. */
static unsigned loaders(char names[64][64])
{
    DIR *d = opendir(SE_FIRMWARE_DIR);
    assert_non_null(d);
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t k = strlen(e->d_name);
        /* cause_gc_storageinfo has no StorageInfo on purpose (tests/test_cause.c) */
        if (k > 6 && k < 64 && !strcmp(e->d_name + k - 6, ".stldr") &&
            strcmp(e->d_name, "cause_gc_storageinfo.stldr") != 0) {
            memcpy(names[n], e->d_name, k - 6);
            names[n][k - 6] = 0;
            /* a loader the reader refuses on purpose (cause_gc_storageinfo: no StorageInfo)
             * runs no session */
            se_error err;
            se_stldr *l;
            if (se_stldr_open_file(th_firmware(names[n]), &l, &err) != SE_OK)
                continue;
            se_stldr_free(l);
            n++;
        }
    }
    closedir(d);
    assert_true(n >= 30);
    return n;
}

static void test_exact_shortcuts_change_nothing(void **state)
{
    (void)state;
    static char names[64][64];
    unsigned n = loaders(names);
    for (unsigned i = 0; i < n; i++) {
        for (int log = 0; log < 2; log++) {
            outcome a, b;
            session(names[i], false, false, log, &a);
            session(names[i], false, true, log, &b);
            same_data(names[i], &a, &b, session_len(names[i]));
            for (unsigned k = 0; k < a.n; k++) {
                const rec *x = &a.calls[k], *y = &b.calls[k];
                if (x->instructions != y->instructions || x->cycles != y->cycles ||
                    x->vtime_ns != y->vtime_ns)
                    fail_msg("%s%s: %s: %llu instr %llu cycles %llu ns vs %llu %llu %llu", names[i],
                             log ? " (log)" : "", x->function, (unsigned long long)x->instructions,
                             (unsigned long long)x->cycles, (unsigned long long)x->vtime_ns,
                             (unsigned long long)y->instructions, (unsigned long long)y->cycles,
                             (unsigned long long)y->vtime_ns);
            }
            if (memcmp(a.regs, b.regs, sizeof a.regs))
                fail_msg("%s: final registers differ", names[i]);
            if (log && (a.log_hash != b.log_hash || a.log_lines != b.log_lines))
                fail_msg("%s: --log-flash output differs (%u lines vs %u)", names[i], a.log_lines,
                         b.log_lines);
            outcome_free(&a);
            outcome_free(&b);
        }
    }
}

static void test_idle_skip_keeps_results_data_and_time(void **state)
{
    (void)state;
    static char names[64][64];
    unsigned n = loaders(names);
    for (unsigned i = 0; i < n; i++) {
        outcome a, b;
        session(names[i], false, false, false, &a);
        session(names[i], true, false, false, &b);
        same_data(names[i], &a, &b, session_len(names[i]));
        uint64_t lo = a.vtime_ns < b.vtime_ns ? a.vtime_ns : b.vtime_ns;
        uint64_t hi = a.vtime_ns < b.vtime_ns ? b.vtime_ns : a.vtime_ns;
        if (hi - lo > lo / 1000u + 1000u)
            fail_msg("%s: device time %llu ns with the idle skip, %llu ns without", names[i],
                     (unsigned long long)a.vtime_ns, (unsigned long long)b.vtime_ns);
        outcome_free(&a);
        outcome_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_shortcuts_change_nothing),
        cmocka_unit_test(test_idle_skip_keeps_results_data_and_time),
    };
    return cmocka_run_group_tests(tests, th_tmpdir_setup, th_tmpdir_teardown);
}
