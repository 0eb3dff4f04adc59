/* The machine's part for a debugger (emu/machine.h, "the debugger"; emu/debug.c): a fault is
 * told at its instruction before exception entry, watched accesses are told before they are
 * done and only while watched, calls can be ended from another thread, and PC can be moved
 * from the observer's callbacks and nowhere else. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/harness.h"

#define CFSR 0xE000ED28u
#define PRECISERR (1u << 9)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- faults ------------------------------------------------------------------------------ */

typedef struct fault_seen {
    se_machine *m;
    unsigned n;
    uint32_t pc, exc, ipsr, cfsr;
    char reason[600];
} fault_seen;

static void on_fault(void *ctx, const se_fault_stop *f)
{
    fault_seen *fs = ctx;
    if (fs->n++)
        return; /* the first one */
    fs->pc = f->pc;
    fs->exc = f->exc;
    snprintf(fs->reason, sizeof fs->reason, "%s", f->reason);
    fs->ipsr = se_machine_reg_read(fs->m, SE_REG_XPSR) & 0x1FFu;
    se_machine_read(fs->m, CFSR, &fs->cfsr, 4, NULL);
}

static void test_a_fault_is_told_at_its_instruction_before_entry(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_unmapped", false, NULL, NULL);
    fault_seen fs = {.m = s.m};
    se_debug_hooks h = {.fault = on_fault, .ctx = &fs};
    se_machine_set_debug_hooks(s.m, &h);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_LOCKUP);
    assert_true(fs.n >= 1);
    assert_int_equal(fs.pc, 0x20000014); /* Init+0x10, the ldr */
    assert_int_equal(fs.exc, 5);         /* BusFault */
    assert_string_equal(fs.reason,
                        "BusFault PRECISERR: 4-byte read of 0x60000000 (unmapped) at Init+0x10");
    assert_int_equal(fs.ipsr, 0);                     /* still Thread mode: nothing stacked */
    assert_int_equal(fs.cfsr & PRECISERR, PRECISERR); /* the status is already there */
    th_close(&s);
}

/* ---- watches ------------------------------------------------------------------------------ */

typedef struct watch_seen {
    se_machine *m;
    unsigned n, nwrite;
    uint32_t addr;
    uint8_t byte_then; /* the watched byte when told */
} watch_seen;

static void on_watch(void *ctx, const se_watch_hit *w)
{
    watch_seen *ws = ctx;
    if (ws->n++ == 0) {
        ws->addr = w->addr;
        se_machine_read(ws->m, 0x20038010u, &ws->byte_then, 1, NULL);
    }
    ws->nwrite += w->write;
}

static void test_a_watched_write_is_told_before_memory_changes(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    watch_seen ws = {.m = s.m};
    se_debug_hooks h = {.watch = on_watch, .ctx = &ws};
    se_machine_set_debug_hooks(s.m, &h);
    se_watch w = {0x20038010u, 1, false, true};
    assert_int_equal(se_machine_set_watches(s.m, &w, 1, &s.err), SE_OK);
    static uint8_t data[0x100];
    memset(data, 0x73, sizeof data);
    assert_int_equal(se_host_write(s.h, 0x20038000u, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(ws.n, 1);
    assert_int_equal(ws.nwrite, 1);
    assert_int_equal(ws.addr, 0x20038010u);
    assert_int_equal(ws.byte_then, 0xA5); /* power-on contents: not written yet */
    uint8_t after;
    se_machine_read(s.m, 0x20038010u, &after, 1, NULL);
    assert_int_equal(after, 0xA5 & 0x73); /* this Write ANDs, as NOR flash */
    th_close(&s);
}

static void test_nothing_is_told_once_the_watches_are_removed(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    watch_seen ws = {.m = s.m};
    se_debug_hooks h = {.watch = on_watch, .ctx = &ws};
    se_machine_set_debug_hooks(s.m, &h);
    se_watch w = {0x20038000u, 0x100, true, true};
    assert_int_equal(se_machine_set_watches(s.m, &w, 1, &s.err), SE_OK);
    static uint8_t data[0x100];
    assert_int_equal(se_host_write(s.h, 0x20038000u, data, sizeof data, &s.err), SE_OK);
    assert_true(ws.n >= 0x100); /* each byte read and written */
    unsigned before = ws.n;
    assert_int_equal(se_machine_set_watches(s.m, NULL, 0, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, 0x20038000u, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(ws.n, before);
    th_close(&s);
}

static void test_reads_of_a_watched_peripheral_register_are_told(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "ref_mx25_l562", false, NULL, NULL);
    watch_seen ws = {.m = s.m};
    se_debug_hooks h = {.watch = on_watch, .ctx = &ws};
    se_machine_set_debug_hooks(s.m, &h);
    se_watch w = {0x44021020u, 4, true, false}; /* OCTOSPI SR: Init polls it */
    assert_int_equal(se_machine_set_watches(s.m, &w, 1, &s.err), SE_OK);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_true(ws.n > 0);
    assert_int_equal(ws.nwrite, 0);
    assert_int_equal(ws.addr, 0x44021020u);
    th_close(&s);
}

/* ---- ending calls, moving PC ------------------------------------------------------------- */

static void *stop_later(void *arg)
{
    usleep(100000);
    se_machine_stop_calls(arg, true);
    return NULL;
}

static void test_calls_are_ended_from_another_thread(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "hang_loader", false, NULL, NULL);
    se_host_set_limits(s.h, 1000000000000ull, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stop_later, s.m), 0);
    double t0 = now_s();
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_STOPPED);
    pthread_join(t, NULL);
    assert_true(now_s() - t0 < 5);
    assert_non_null(strstr(s.err.msg, "stopped by the debugger at Init"));
    /* turned off: calls run again (and hang, this loader's way) */
    se_machine_stop_calls(s.m, false);
    se_host_set_limits(s.h, 100000, 0);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_HANG);
    th_close(&s);
}

typedef struct pc_mover {
    se_machine *m;
    uint32_t to;
    bool at_begin, moved, refused_elsewhere;
} pc_mover;

static void mover_insn(void *ctx, uint32_t pc, uint32_t size)
{
    (void)size;
    pc_mover *p = ctx;
    if (!p->at_begin && !p->moved && pc == 0x20000004u)
        p->moved = se_machine_set_pc(p->m, p->to);
}

static void mover_begin(void *ctx, const se_call *c)
{
    (void)c;
    pc_mover *p = ctx;
    if (p->at_begin && !p->moved)
        p->moved = se_machine_set_pc(p->m, p->to);
}

static void mover_end(void *ctx, const se_call_result *r)
{
    (void)r;
    pc_mover *p = ctx;
    p->refused_elsewhere = !se_machine_set_pc(p->m, p->to);
}

/* Init of hang_loader never returns; moved to the host's breakpoint it returns at once, with
 * R0 still its argument. */
static void move_pc(bool at_begin)
{
    th_session s;
    th_open(&s, "hang_loader", false, NULL, NULL);
    se_host_set_limits(s.h, 1000000, 0);
    pc_mover p = {.m = s.m, .to = 0x20000000u, .at_begin = at_begin};
    se_insn_observer o = {
        .call_begin = mover_begin, .insn = mover_insn, .call_end = mover_end, .ctx = &p};
    assert_int_equal(se_machine_set_observer(s.m, &o, &s.err), SE_OK);
    assert_false(se_machine_set_pc(s.m, 0x20000000u)); /* no call */
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_true(p.moved);
    assert_true(p.refused_elsewhere);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_int_equal(r->res.r0, 1);
    assert_true(r->res.instructions < 100);
    se_machine_set_observer(s.m, NULL, &s.err);
    th_close(&s);
}

static void test_pc_moved_from_the_insn_callback_skips_the_instruction(void **state)
{
    (void)state;
    move_pc(false);
}

static void test_pc_moved_at_call_begin_starts_the_call_there(void **state)
{
    (void)state;
    move_pc(true);
}

/* The debugger reads the external flash window before Init has set up memory-mapped mode:
 * the read fails, and the CPU, stopped before an instruction, does not fault for it. */
typedef struct window_reader {
    se_machine *m;
    bool done;
    se_err read;
} window_reader;

static void reader_insn(void *ctx, uint32_t pc, uint32_t size)
{
    (void)pc;
    (void)size;
    window_reader *w = ctx;
    if (w->done)
        return;
    w->done = true;
    uint32_t v;
    w->read = se_machine_read(w->m, 0x90000000u, &v, 4, NULL);
}

static void test_a_refused_window_read_by_the_debugger_is_no_cpu_fault(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "ref_mx25_l562", false, NULL, NULL);
    window_reader w = {.m = s.m};
    se_insn_observer o = {.insn = reader_insn, .ctx = &w};
    assert_int_equal(se_machine_set_observer(s.m, &o, &s.err), SE_OK);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_true(w.done);
    assert_int_not_equal(w.read, SE_OK);
    se_machine_set_observer(s.m, NULL, &s.err);
    th_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_fault_is_told_at_its_instruction_before_entry),
        cmocka_unit_test(test_a_watched_write_is_told_before_memory_changes),
        cmocka_unit_test(test_nothing_is_told_once_the_watches_are_removed),
        cmocka_unit_test(test_reads_of_a_watched_peripheral_register_are_told),
        cmocka_unit_test(test_calls_are_ended_from_another_thread),
        cmocka_unit_test(test_pc_moved_from_the_insn_callback_skips_the_instruction),
        cmocka_unit_test(test_pc_moved_at_call_begin_starts_the_call_there),
        cmocka_unit_test(test_a_refused_window_read_by_the_debugger_is_no_cpu_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
