/* emu/window.c: the OCTOSPI window read in place. Every test runs the same thing twice, with
 * in-place reads and with every access on the model (se_machine_opts.exact_window), and
 * checks that the loader cannot tell: same results, same instruction counts, same faults and
 * flash warnings; and that the in-place path was really taken, left and taken again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/window.h"
#include "peripherals/mx25lm51245g.h"
#include "util/harness.h"
#include "emu/inspect.h"

#define MEM 0x90000000u
#define OSPI_CR_ADDR 0x44021000u
#define PROG 0x20030000u /* a free spot in SRAM2 for the small programs below */

/* In place after 64 model reads of a block (default 16384), so short reads show it. */
static void open_ref(th_session *s, bool exact)
{
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    mo.exact_window = exact;
    mo.window_after = 64;
    th_open(s, "ref_mx25_l562", false, &mo, NULL);
}

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
}

/* Program, read back with Read, Verify and CheckSum: what the loader sees. */
typedef struct outcome {
    uint8_t back[0x3000];
    uint32_t verify_r0, verify_r1, sum;
    uint64_t instructions;
    se_window_stats st;
} outcome;

static void session(bool exact, outcome *o)
{
    th_session s;
    open_ref(&s, exact);
    static uint8_t data[0x3000];
    fill(data, sizeof data, 7);
    uint32_t at = MEM + 0x3FF123u; /* crosses into the second 4 MiB block, unaligned */
    assert_int_equal(se_host_erase(s.h, at, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, at, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_read(s.h, at, o->back, sizeof o->back, &s.err), SE_OK);
    assert_memory_equal(o->back, data, sizeof data);
    assert_int_equal(se_host_verify(s.h, at, data, sizeof data, &s.err), SE_OK);
    uint32_t sargs[4] = {at - 0x100u, 0x2000u, 5, 0};
    se_call_record rec;
    assert_int_equal(se_host_raw(s.h, "verify", SE_EP_CHECKSUM, 3, sargs, NULL, 0, &rec, &s.err),
                     SE_OK);
    o->sum = rec.res.r0;
    o->instructions = se_host_instructions(s.h);
    const se_call_record *v = th_last_call(&s, "Verify");
    assert_non_null(v);
    o->verify_r0 = v->res.r0;
    o->verify_r1 = v->res.r1;
    se_machine_window_stats(s.m, &o->st);
    th_close(&s);
}

static void test_in_place_reads_match_the_model(void **state)
{
    (void)state;
    static outcome a, b;
    session(false, &a);
    session(true, &b);
    assert_memory_equal(a.back, b.back, sizeof a.back);
    assert_int_equal(a.verify_r0, b.verify_r0);
    assert_int_equal(a.verify_r1, b.verify_r1);
    assert_int_equal(a.sum, b.sum);
    /* the loader executes exactly the same instructions either way */
    assert_true(a.instructions == b.instructions);
    /* the in-place path was taken, left at the next operation's Init (ABORT), and taken
     * again by Verify and CheckSum */
    assert_true(a.st.enabled >= 4); /* both 4 MiB blocks the range touches, twice */
    assert_true(a.st.reverted >= 2);
    assert_int_equal(b.st.enabled, 0);
    assert_int_equal(b.st.mapped, 0);
}

/* ldr r4,[r0]; str r3,[r1]; str r2,[r1]; ldr r4,[r0]; bx lr -- r0 = a window address,
 * r1 = OCTOSPI CR, r3 = CR with ABORT, r2 = CR with FMODE = 00: the second read of the same
 * block, in the same translated block, must see the controller out of memory-mapped mode
 * (docs/hardware.md D.8: a BusFault). */
static const uint16_t prog_leave_then_read[] = {0x6804, 0x600b, 0x600a, 0x6804, 0x4770};

/* CheckSum reads the window with the CPU: 256 word reads of block 0, in place after 64. */
static void map_block0(th_session *s)
{
    uint32_t args[4] = {MEM, 0x400u, 0, 0};
    se_call_record rec;
    assert_int_equal(se_host_raw(s->h, "verify", SE_EP_CHECKSUM, 3, args, NULL, 0, &rec, &s->err),
                     SE_OK);
}

/* A session with block 0 read in place and the small program `prog` at PROG. */
static void open_with_prog(th_session *s, bool exact, const uint16_t *prog, size_t size)
{
    open_ref(s, exact);
    map_block0(s);
    assert_int_equal(se_machine_write(s->m, PROG, prog, (uint32_t)size, &s->err), SE_OK);
}

/* Call the program at PROG with r0..r3 = args (at most 1000 instructions). */
static void call_prog(th_session *s, const uint32_t args[4], se_call_result *r)
{
    se_call c = {.entry = PROG | 1u,
                 .args = {args[0], args[1], args[2], args[3]},
                 .sp = se_host_sp(s->h),
                 .bkpt_addr = se_machine_profile(s->m)->bkpt_addr,
                 .max_instructions = 1000};
    se_machine_call(s->m, &c, r);
}

static void leave_then_read(bool exact, se_call_result *r, se_window_stats *st)
{
    th_session s;
    open_with_prog(&s, exact, prog_leave_then_read, sizeof prog_leave_then_read);
    uint32_t cr;
    assert_int_equal(se_machine_read(s.m, OSPI_CR_ADDR, &cr, 4, &s.err), SE_OK);
    assert_int_equal(cr >> 28, 3u); /* memory-mapped */
    const uint32_t args[4] = {MEM + 0x40u, OSPI_CR_ADDR, cr & ~(3u << 28), cr | 2u /* ABORT */};
    call_prog(&s, args, r);
    se_machine_window_stats(s.m, st);
    th_close(&s);
}

static void test_read_after_leaving_mapped_mode_faults_as_on_the_model(void **state)
{
    (void)state;
    se_call_result a, b;
    se_window_stats sa, sb;
    leave_then_read(false, &a, &sa);
    leave_then_read(true, &b, &sb);
    assert_int_not_equal(a.status, SE_OK);
    assert_int_equal(a.status, b.status);
    assert_string_equal(a.reason, b.reason);
    assert_non_null(strstr(a.reason, "0x90000040"));
    assert_int_equal(sa.enabled, 1);
    assert_int_equal(sa.reverted, 1); /* at the ABORT: the next read went to the model */
}

/* ldr r2,[r0]; str r3,[r0]; bx lr -- a memory-mapped write into a block read in place: it
 * must reach the model (a PP4B frame; without WREN the chip ignores it and says so). */
static const uint16_t prog_read_then_write[] = {0x6802, 0x6003, 0x4770};

static uint64_t mapped_write_warnings(bool exact, se_window_stats *st, uint64_t *instructions)
{
    th_session s;
    open_with_prog(&s, exact, prog_read_then_write, sizeof prog_read_then_write);
    se_flash_stats fst;
    se_machine_flash_stats(s.m, &fst);
    uint64_t before = se_flash_stats_count(&fst, "no_wel");
    const uint32_t args[4] = {MEM + 0x80u, 0, 0, 0x12345678u};
    se_call_result r;
    call_prog(&s, args, &r);
    assert_int_equal(r.status, SE_OK);
    *instructions = r.instructions;
    se_machine_flash_stats(s.m, &fst);
    uint64_t n = se_flash_stats_count(&fst, "no_wel") - before;
    se_machine_window_stats(s.m, st);
    th_close(&s);
    return n;
}

static void test_mapped_write_reaches_the_model(void **state)
{
    (void)state;
    se_window_stats sa, sb;
    uint64_t ia, ib;
    uint64_t a = mapped_write_warnings(false, &sa, &ia);
    uint64_t b = mapped_write_warnings(true, &sb, &ib);
    assert_int_equal(a, 1);
    assert_int_equal(a, b);
    assert_int_equal(sa.reverted, 1); /* the store was replayed on the model */
    assert_int_equal(ia, 3);          /* ldr, str, bx: the replayed store counted once */
    assert_int_equal(ia, ib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_place_reads_match_the_model),
        cmocka_unit_test(test_read_after_leaving_mapped_mode_faults_as_on_the_model),
        cmocka_unit_test(test_mapped_write_reaches_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
