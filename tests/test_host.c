/* The CubeProgrammer host protocol (loader/host.c) driving our SRAM2-backed test loaders:
 * register conventions, image placement, chunking, sector rounding, Verify's arguments,
 * and the run-time diagnoses of the faulty loaders. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/flash_image.h"
#include "util/harness.h"
#include "emu/inspect.h"

#define DEV 0x20038000u
#define DEV_SIZE 0x8000u
#define DEV_OFF_IN_SRAM 0x38000u

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (uint8_t)(seed >> 24);
    }
}

static void test_init_gets_r0_1_and_sp_above_image(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_int_equal(r->args[0], 1);
    assert_true(r->ok);
    const se_image *img = se_host_image(s.h);
    assert_int_equal(img->base, 0x20000004u);
    /* SP = BKPT address + image size + 0x400 (docs/protocol.md 2.1) */
    assert_int_equal(se_host_sp(s.h), 0x20000000u + img->size + 0x400u);
    assert_int_equal(r->res.pc, 0x20000000u); /* stopped on the BKPT word */
    th_close(&s);
}

/* An image of odd size (0x..d bytes in the field) gives BKPT + size + 0x400 odd: MSP bits
 * [1:0] are RES0, so the host's SP is the word below, and the loader's pushes are aligned. */
static void test_sp_of_an_odd_sized_image_is_word_aligned(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader_odd", false, NULL, NULL);
    const se_image *img = se_host_image(s.h);
    assert_int_equal(img->size & 1u, 1u); /* the fixture is what it claims */
    uint32_t sum = 0x20000000u + img->size + 0x400u;
    assert_int_equal(se_host_sp(s.h), sum & ~3u);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_int_equal(r->res.sp, sum & ~3u); /* back at the BKPT: what the core held */
    th_close(&s);
}

static void test_image_and_bkpt_are_downloaded_before_every_operation(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    uint8_t *sram = se_machine_sram(s.m);
    memset(sram, 0x77, 0x200); /* scribble over BKPT and image */
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_int_equal(sram[0], 0x00);
    assert_int_equal(sram[1], 0xBE);
    assert_memory_equal(sram + 4, se_host_image(s.h)->bytes, 0x100);
    th_close(&s);
}

static void test_write_is_chunked_through_one_buffer(void **state)
{
    (void)state;
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.chunk = 0x400;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, &ho);
    uint8_t data[0x1803];
    fill(data, sizeof data, 1);
    assert_int_equal(se_host_erase(s.h, DEV, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, DEV, data, sizeof data, &s.err), SE_OK);
    unsigned writes = 0;
    uint32_t next = DEV;
    for (unsigned i = 0; i < s.ncalls; i++) {
        if (strcmp(s.calls[i].function, "Write"))
            continue;
        writes++;
        assert_int_equal(s.calls[i].args[0], next);
        assert_int_equal(s.calls[i].args[2], se_host_buffer(s.h));
        assert_true(s.calls[i].args[1] <= 0x400);
        next += s.calls[i].args[1];
    }
    assert_int_equal(writes, 7);
    assert_int_equal(next, DEV + sizeof data);
    assert_memory_equal(se_machine_sram(s.m) + DEV_OFF_IN_SRAM, data, sizeof data);
    th_close(&s);
}

static void test_device_offsets_become_absolute_addresses(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    uint8_t data[16];
    fill(data, sizeof data, 2);
    assert_int_equal(se_host_write(s.h, 0x100, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(th_last_call(&s, "Write")->args[0], DEV + 0x100);
    th_close(&s);
}

static void test_range_outside_device_is_refused_before_any_call(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    uint8_t data[32] = {0};
    assert_int_equal(se_host_write(s.h, DEV + DEV_SIZE - 16, data, sizeof data, &s.err),
                     SE_ERR_USAGE);
    assert_non_null(strstr(s.err.msg, "outside the device"));
    assert_int_equal(s.ncalls, 0);
    th_close(&s);
}

static void test_erase_passes_first_and_last_sector_starts(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    assert_int_equal(se_host_erase(s.h, DEV + 0x10, 0x1000, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "SectorErase");
    assert_int_equal(r->args[0], DEV);
    assert_int_equal(r->args[1], DEV + 0x1000);
    /* both sectors are erased, the third is not */
    uint8_t *dev = se_machine_sram(s.m) + DEV_OFF_IN_SRAM;
    for (uint32_t i = 0; i < 0x2000; i++)
        assert_int_equal(dev[i], 0xFF);
    assert_int_equal(dev[0x2000], 0xA5); /* untouched stale RAM */
    th_close(&s);
}

static void test_verify_finds_a_corrupted_byte(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    uint8_t data[300];
    fill(data, sizeof data, 3);
    assert_int_equal(se_host_erase(s.h, DEV, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, DEV, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_verify(s.h, DEV, data, sizeof data, &s.err), SE_OK);
    se_machine_sram(s.m)[DEV_OFF_IN_SRAM + 5] ^= 0x40;
    assert_int_equal(se_host_verify(s.h, DEV, data, sizeof data, &s.err), SE_ERR_VERIFY);
    assert_non_null(strstr(s.err.msg, "0x20038005"));
    th_close(&s);
}

static void test_verify_arguments_carry_misalignment(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    uint8_t data[10];
    fill(data, sizeof data, 4);
    assert_int_equal(se_host_erase(s.h, DEV, 0x1000, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, DEV + 1, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_verify(s.h, DEV + 1, data, sizeof data, &s.err), SE_OK);
    const se_call_record *v = th_last_call(&s, "Verify");
    assert_non_null(v);
    assert_int_equal(v->args[0], DEV);             /* word-aligned memory address */
    assert_int_equal(v->args[2], 3);               /* 1 + 10 bytes = 3 words */
    assert_int_equal(v->args[3], 1u | (1u << 16)); /* skip 1 at the start, drop 1 at the end */
    assert_int_equal(v->res.r0, 0);
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof data; i++)
        sum += data[i];
    assert_int_equal(v->res.r1, sum);
    const se_call_record *c = th_last_call(&s, "CheckSum");
    assert_non_null(c);
    assert_int_equal(c->res.r0, sum);
    th_close(&s);
}

/* Every Verify call's words fit the chunk (issue 11 item 1: the host copied words * 4
 * bytes into a chunk-sized buffer, 2 to 4 bytes past it when the chunk is not a multiple of
 * four or the start is unaligned). */
typedef struct verify_words {
    unsigned calls;
    uint32_t max_bytes;
} verify_words;

static void count_verify_words(void *ctx, const se_call_record *rec)
{
    verify_words *w = ctx;
    if (strcmp(rec->function, "Verify"))
        return;
    w->calls++;
    if (rec->args[2] * 4u > w->max_bytes)
        w->max_bytes = rec->args[2] * 4u;
}

static void verify_with_chunk(uint32_t chunk, uint32_t at, verify_words *w)
{
    th_session s;
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.chunk = chunk;
    th_open(&s, "sram_loader", false, NULL, &ho);
    uint8_t data[100];
    fill(data, sizeof data, 5);
    assert_int_equal(se_host_erase(s.h, DEV, 0x1000, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, at, data, sizeof data, &s.err), SE_OK);
    memset(w, 0, sizeof *w);
    se_host_set_logger(s.h, count_verify_words, w);
    if (se_host_verify(s.h, at, data, sizeof data, &s.err) != SE_OK)
        fail_msg("chunk %u at 0x%08x: %s", chunk, at, s.err.msg);
    th_close(&s);
}

static void test_verify_words_never_exceed_the_chunk(void **state)
{
    (void)state;
    static const struct {
        uint32_t chunk, at;
    } cases[] = {
        {10, DEV + 1}, {10, DEV + 3}, {6, DEV + 1}, {6, DEV + 2}, {9, DEV}, {11, DEV + 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        verify_words w;
        verify_with_chunk(cases[i].chunk, cases[i].at, &w);
        assert_true(w.calls > 0);
        if (w.max_bytes > cases[i].chunk)
            fail_msg("chunk %u at 0x%08x: a Verify of %u bytes", cases[i].chunk, cases[i].at,
                     w.max_bytes);
    }
}

static void test_verify_with_a_chunk_under_a_word_passes_one_word_per_call(void **state)
{
    (void)state;
    for (uint32_t chunk = 1; chunk < 4; chunk++) {
        verify_words w;
        verify_with_chunk(chunk, DEV + chunk - 1, &w);
        assert_true(w.calls >= 100 / 4);
        assert_int_equal(w.max_bytes, 4);
    }
}

/* A read-only --flash-image (issue 11 item 8; EROFS injected: tests run as root): reading,
 * Verify and CheckSum work on its contents; erase, write and mass-erase are refused in one
 * line before any call, and the file is unchanged. */
static void test_read_only_flash_image_serves_reads_and_refuses_writes(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_host_ro_%d.img", (int)getpid());
    uint8_t data[0x2000], back[sizeof data];
    fill(data, sizeof data, 7);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, sizeof data, fp), sizeof data);
    fclose(fp);
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    mo.flash_image = path;
    th_session s;
    se_flash_image_test_writable_open_fails(EROFS);
    th_open(&s, "ref_mx25_l562", false, &mo, NULL);
    se_flash_image_test_writable_open_fails(0);
    assert_true(se_machine_flash_read_only(s.m, NULL, 0));
    assert_true(s.nlogs > 0 && strstr(s.logs[0], "is read-only (Read-only file system): opened "
                                                 "for reading; erase, write and mass-erase are "
                                                 "refused"));
    assert_int_equal(se_host_read(s.h, 0x90000000u, back, sizeof back, &s.err), SE_OK);
    assert_memory_equal(back, data, sizeof data);
    if (se_host_verify(s.h, 0x90000000u, data, sizeof data, &s.err) != SE_OK)
        fail_msg("%s", s.err.msg);
    assert_non_null(th_last_call(&s, "CheckSum"));
    unsigned calls = s.ncalls;
    assert_int_equal(se_host_erase(s.h, 0x90000000u, 0x1000, &s.err), SE_ERR_IO);
    assert_non_null(strstr(s.err.msg, "is read-only (Read-only file system): erase refused"));
    assert_int_equal(se_host_write(s.h, 0x90000000u, data, 16, &s.err), SE_ERR_IO);
    assert_non_null(strstr(s.err.msg, ": write refused"));
    assert_int_equal(se_host_mass_erase(s.h, &s.err), SE_ERR_IO);
    assert_int_equal(s.ncalls, calls); /* no loader call ran */
    th_close(&s);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(back, 1, sizeof back, fp), sizeof back);
    fclose(fp);
    assert_memory_equal(back, data, sizeof data);
    unlink(path);
}

static void test_mass_erase_leaves_erase_value(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    uint8_t back[DEV_SIZE];
    assert_int_equal(se_host_mass_erase(s.h, &s.err), SE_OK);
    assert_int_equal(th_last_call(&s, "MassErase")->args[0], 0);
    assert_int_equal(se_host_read(s.h, DEV, back, sizeof back, &s.err), SE_OK);
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(back[i], 0xFF);
    th_close(&s);
}

static void test_tz_on_profile_uses_its_window(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader_tz", true, NULL, NULL);
    const se_image *img = se_host_image(s.h);
    assert_int_equal(img->base, 0x20018004u);
    assert_int_equal(img->delta, 0);
    assert_int_equal(se_host_sp(s.h), 0x20018000u + img->size + 0x400u);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_int_equal(th_last_call(&s, "Init")->res.pc, 0x20018000u);
    th_close(&s);
}

static void test_tz_off_build_is_moved_to_the_tz_on_base(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", true, NULL, NULL);
    const se_image *img = se_host_image(s.h);
    assert_int_equal(img->link_base, 0x20000004u);
    assert_int_equal(img->base, 0x20018004u);
    assert_int_equal(img->delta, 0x18000);
    bool warned = false;
    for (unsigned i = 0; i < img->nwarnings; i++)
        warned |= strstr(img->warnings[i], "0x20018004") != NULL;
    assert_true(warned);
    th_close(&s);
}

static void test_systick_delay_runs_on_virtual_time(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "systick_loader", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    /* HAL_Delay(10) waits 11 ticks of 1 ms at the 4 MHz reset clock */
    assert_true(r->res.vtime_ns >= 10500000u && r->res.vtime_ns <= 11600000u);
    assert_true(r->res.exceptions >= 11);
    const se_symbol *sym = se_stldr_find_symbol(s.l, "g_delay_ticks");
    assert_non_null(sym);
    uint32_t ticks = 0;
    assert_int_equal(se_machine_read(s.m, sym->addr, &ticks, 4, &s.err), SE_OK);
    assert_int_equal(ticks, 11);
    th_close(&s);
}

static void test_primask_policy_still_runs_a_loader_that_enables_irqs(void **state)
{
    (void)state;
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.max_instructions = 2000000;
    /* The loader clears C_MASKINTS and executes cpsie i: under the PRIMASK policy its
     * cpsie lets SysTick through too, so the delay still completes. */
    mo.irq_mask = SE_MASK_PRIMASK;
    th_session s;
    th_open(&s, "systick_loader", false, &mo, &ho);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    /* ... because SysTick was taken: its handler counted the delay's ticks */
    const se_symbol *sym = se_stldr_find_symbol(s.l, "g_delay_ticks");
    assert_non_null(sym);
    uint32_t ticks = 0;
    assert_int_equal(se_machine_read(s.m, sym->addr, &ticks, 4, &s.err), SE_OK);
    assert_int_equal(ticks, 11);
    th_close(&s);
}

static void test_systick_vector_into_erased_flash_is_named(void **state)
{
    (void)state;
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.max_instructions = 1000000;
    th_session s;
    th_open(&s, "systick_erased", false, NULL, &ho);
    assert_int_not_equal(se_host_init_only(s.h, &s.err), SE_OK);
    assert_non_null(strstr(s.err.msg, "SysTick vector"));
    assert_non_null(strstr(s.err.msg, "erased internal flash"));
    th_close(&s);
}

static void test_relocated_vector_table_is_named_as_stale_ram(void **state)
{
    (void)state;
    /* The TrustZone-off build of a loader that sets VTOR to its own table, downloaded at
     * the TrustZone-on base: VTOR still holds the link-time address. On the TZEN=1 reset
     * profile (Secure, everything Secure) nothing is refused, so the stale RAM shows. */
    th_session s;
    th_open_profile(&s, "systick_loader", se_profile_find_tz("stm32l562e-dk", "secure"), NULL,
                    NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_LOCKUP);
    assert_non_null(strstr(s.err.msg, "SysTick vector (VTOR 0x20000280"));
    assert_non_null(strstr(s.err.msg, "outside the downloaded image 0x20018004"));
    th_close(&s);
}

static void test_fault_is_reported_at_symbol_offset(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_unmapped", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_LOCKUP);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(strstr(r->res.reason, "BusFault PRECISERR"));
    assert_non_null(strstr(r->res.reason, "0x60000000"));
    assert_non_null(strstr(r->res.reason, "Init+0x"));
    assert_non_null(strstr(r->res.detail, "escalated to HardFault"));
    assert_non_null(strstr(r->res.detail, "lockup"));
    assert_int_equal(se_machine_scs(s.m)->bfar, 0x60000000u);
    th_close(&s);
}

static void test_undefined_instruction_is_usage_fault(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_udf", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_LOCKUP);
    assert_non_null(strstr(s.err.msg, "UNDEFINSTR"));
    assert_true(se_machine_scs(s.m)->cfsr & SE_CFSR_UNDEFINSTR);
    assert_true(se_machine_scs(s.m)->hfsr & SE_HFSR_FORCED);
    th_close(&s);
}

static void test_hang_names_the_loop(void **state)
{
    (void)state;
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.max_instructions = 300000;
    th_session s;
    th_open(&s, "hang_loader", false, NULL, &ho);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_HANG);
    assert_non_null(strstr(s.err.msg, "budget"));
    assert_non_null(strstr(s.err.msg, "spinning"));
    assert_non_null(strstr(s.err.msg, "Init+0x"));
    const se_call_record *r = th_last_call(&s, "Init");
    assert_true(r->res.instructions <= 300000 && r->res.instructions > 299000);
    th_close(&s);
}

static void test_clobbered_breakpoint_is_caught(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "bkpt_clobber", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_BKPT_CLOBBERED);
    assert_non_null(strstr(s.err.msg, "0x20000000"));
    th_close(&s);
}

static void test_stale_ram_is_not_zeroed(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    /* beyond the image, the stack and the host's zero block, RAM keeps its power-on
     * pattern */
    assert_int_equal(se_machine_sram(s.m)[0x30000], 0xA5);
    th_close(&s);
}

/* ---- run-time diagnoses ---- */

static void test_msp_zero_at_entry_is_said_before_running(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK); /* image downloaded */
    uint32_t entry;
    assert_true(se_stldr_entry(s.l, SE_EP_INIT, &entry));
    se_call c;
    memset(&c, 0, sizeof c);
    c.entry = (uint32_t)((int64_t)entry + se_host_image(s.h)->delta);
    c.args[0] = 1;
    c.sp = 0; /* the field case "MSP is set to zero" */
    c.bkpt_addr = se_machine_profile(s.m)->bkpt_addr;
    c.max_instructions = 100000;
    se_call_result r;
    unsigned w0 = se_machine_warnings(s.m);
    se_machine_call(s.m, &c, &r);
    /* Run faithfully: this Init pushes nothing and returns; the line still says it. */
    const char *want = "the stack pointer is zero at entry: MSP 0x00000000 set by the host "
                       "before Init (running as the target would)";
    assert_true(!strncmp(r.reason, want, strlen(want)));
    assert_non_null(strstr(r.detail, want));
    assert_true(se_machine_warnings(s.m) > w0);
    th_close(&s);
}

static void test_wild_pointer_write_is_a_bus_fault_line(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_wild_ptr", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_ERR_LOCKUP);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_true(!strncmp(
        r->res.reason, "BusFault PRECISERR: 4-byte write of 0x60001234 (unmapped) at Init+0x",
        strlen("BusFault PRECISERR: 4-byte write of 0x60001234 (unmapped) at Init+0x")));
    th_close(&s);
}

static void test_stack_into_image_is_a_warning_on_success(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "stack_into_image", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK); /* it still returns 1 */
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_true(r->ok);
    /* the section SP is in, by name, and what is there (field failure mode: it was named
     * ".bss/.data" whatever it hit) */
    const char *want = "stack overflowed into the loader image (.text, ";
    if (strncmp(r->res.reason, want, strlen(want)))
        print_error("reason: %s\n", r->res.reason);
    assert_true(!strncmp(r->res.reason, want, strlen(want)));
    assert_non_null(strstr(r->res.reason, " at Init+0x"));
    assert_non_null(strstr(r->res.detail, want));
    th_close(&s);
}

/* ST's CubeIDE/GCC template (tests/firmware/cubeide.ld.in): the host's SP lies in the
 * image's ._user_heap_stack, the stack it reserved; no call says the stack overflowed into
 * the image, and the plan does not call the reservation (or StorageInfo's addresses) .bss. */
static void test_cubeide_template_stack_is_not_an_overflow(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "cubeide_loader", false, NULL, NULL);
    const se_image *img = se_host_image(s.h);
    assert_string_equal(img->reserve_name, "._user_heap_stack");
    assert_true(se_host_sp(s.h) > img->reserve_lo && se_host_sp(s.h) < img->reserve_hi);
    for (unsigned i = 0; i < img->nwarnings; i++)
        if (strstr(img->warnings[i], ".bss"))
            fail_msg("plan warning: %s", img->warnings[i]);
    uint8_t data[0x100], back[0x100];
    fill(data, sizeof data, 7);
    assert_int_equal(se_host_erase(s.h, DEV, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, DEV, data, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_read(s.h, DEV, back, sizeof back, &s.err), SE_OK);
    assert_memory_equal(data, back, sizeof data);
    for (unsigned i = 0; i < s.ncalls; i++)
        if (strstr(s.calls[i].res.reason, "stack overflowed"))
            fail_msg("%s: %s", s.calls[i].function, s.calls[i].res.reason);
    th_close(&s);
}

/* Each unmodelled-register report names the exact instruction of its access (two loads in
 * one block, neither at its start), not the start of the translated block. */
static void test_unmodelled_access_names_its_exact_instruction(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader_unmod", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    uint32_t init;
    assert_true(se_stldr_entry(s.l, SE_EP_INIT, &init));
    const char *marks[2] = {"unmod_insn1", "unmod_insn2"};
    const uint32_t regs[2] = {0x40002800u, 0x40002804u};
    for (int i = 0; i < 2; i++) {
        const se_symbol *mark = se_stldr_find_symbol(s.l, marks[i]);
        assert_non_null(mark);
        char want[200];
        snprintf(want, sizeof want,
                 "unmodelled peripheral register 0x%08x: 4-byte read reads as 0 (first at "
                 "Init+0x%x)",
                 (unsigned)regs[i], (unsigned)(mark->addr - (init & ~1u)));
        bool found = false;
        for (unsigned k = 0; k < s.nlogs && !found; k++)
            found = strstr(s.logs[k], want) != NULL;
        if (!found) {
            for (unsigned k = 0; k < s.nlogs; k++)
                print_message("log: %s\n", s.logs[k]);
            fail_msg("no '%s'", want);
        }
    }
    th_close(&s);
}

/* --place link: the image at its link address, the SP and the buffer above it (not where the
 * profile's base would put them, inside the image), no link-address warning. */
static void test_place_link_moves_sp_and_buffer_with_the_image(void **state)
{
    (void)state;
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.place = SE_PLACE_LINK;
    th_session s;
    th_open(&s, "sram_loader_tz", false, NULL, &ho); /* linked at 0x20018004, TrustZone off */
    const se_image *img = se_host_image(s.h);
    assert_int_equal(img->base, 0x20018004u);
    assert_int_equal(se_host_sp(s.h), (0x20018000u + img->size + 0x400u) & ~3u);
    assert_true(se_host_buffer(s.h) > se_host_sp(s.h));
    for (unsigned i = 0; i < img->nwarnings; i++)
        if (strstr(img->warnings[i], "linked at"))
            fail_msg("plan warning: %s", img->warnings[i]);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_true(r->ok);
    assert_null(strstr(r->res.reason, "stack overflowed"));
    th_close(&s);
    char *out;
    int rc = th_run_toolf(&out, "run '%s' --place link --init-only", th_firmware("sram_loader_tz"));
    if (rc != 0 ||
        !strstr(out, "on stm32l562e-dk (--place link: loader at its link address 0x20018004, BKPT "
                     "still at 0x20000000)") ||
        strstr(out, "linked at"))
        fail_msg("exit %d\n%s", rc, out);
    free(out);
}

static void test_execution_from_stale_ram_is_noted(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "exec_stale_ram", false, NULL, NULL);
    assert_int_not_equal(se_host_init_only(s.h, &s.err), SE_OK);
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    char want[160];
    snprintf(
        want, sizeof want,
        "executing at 0x20030000 outside the downloaded image 0x20000004..0x%08x (from Init+0x",
        (unsigned)se_host_image(s.h)->mem_end);
    assert_true(!strncmp(r->res.reason, want, strlen(want)));
    assert_non_null(strstr(s.err.msg, "executing at 0x20030000 outside the downloaded image"));
    th_close(&s);
}

/* sp_set with sp = 0 is SP 0, not "the host's rule"; the buffer stays where the rule puts
 * it. */
static void test_sp_zero_override_keeps_the_rule_buffer(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "sram_loader", false, NULL, NULL);
    uint32_t rule_buffer = se_host_buffer(s.h);
    th_close(&s);
    se_host_opts ho;
    se_host_opts_default(&ho);
    ho.sp = 0;
    ho.sp_set = true;
    th_open(&s, "sram_loader", false, NULL, &ho);
    assert_int_equal(se_host_sp(s.h), 0);
    assert_int_equal(se_host_buffer(s.h), rule_buffer);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK); /* this Init pushes nothing */
    const se_call_record *r = th_last_call(&s, "Init");
    assert_non_null(r);
    assert_string_equal(r->res.reason, "the stack pointer is zero at entry: MSP 0x00000000 set "
                                       "by the host before Init (running as the target would)");
    th_close(&s);
}

/* ---- end run-time diagnoses ---- */

/* ---- traps: DIVBYZERO, UNALIGNED ---- */

/* Where the loader's marked instruction runs (tests/firmware/init_fault.c: fault_insn, an
 * object symbol) as the reports name it, and a data symbol's run-time address. */
static void marked_fault_at(const th_session *s, char *buf, size_t len)
{
    const se_symbol *mark = se_stldr_find_symbol(s->l, "fault_insn");
    uint32_t init;
    assert_non_null(mark);
    assert_true(se_stldr_entry(s->l, SE_EP_INIT, &init));
    snprintf(buf, len, "Init+0x%x", (unsigned)(mark->addr - (init & ~1u)));
}

static uint32_t data_addr(const th_session *s, const char *name)
{
    const se_symbol *sym = se_stldr_find_symbol(s->l, name);
    assert_non_null(sym);
    return (uint32_t)((int64_t)sym->addr + se_host_image(s->h)->delta);
}

/* The whole one-line reason of a UsageFault the loader does not handle: the cause, then
 * the lockup it ends in (no vector table: VTOR is the erased internal flash). */
static void expect_usagefault_lockup(th_session *s, const char *cause, uint32_t cfsr_bit)
{
    assert_int_equal(se_host_init_only(s->h, &s->err), SE_ERR_LOCKUP);
    const se_call_record *r = th_last_call(s, "Init");
    assert_non_null(r);
    char want[700];
    snprintf(want, sizeof want,
             "%s; then lockup: fault while in HardFault (execution priority -1): MemManage "
             "IACCVIOL: instruction fetch refused (execute-never or no memory); the HardFault "
             "vector 0xffffffff points into erased flash",
             cause);
    assert_string_equal(r->res.reason, want);
    char err[800];
    snprintf(err, sizeof err, "Init: %s", want);
    assert_string_equal(s->err.msg, err);
    const se_scs *scs = se_machine_scs(s->m);
    assert_int_equal(scs->cfsr & (SE_CFSR_DIVBYZERO | SE_CFSR_UNALIGNED), cfsr_bit);
    assert_true(scs->hfsr & SE_HFSR_FORCED);
}

static void test_divide_by_zero_with_div_0_trp_is_named_at_the_udiv(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_div0", false, NULL, NULL);
    char at[64], cause[300];
    marked_fault_at(&s, at, sizeof at);
    snprintf(cause, sizeof cause,
             "UsageFault DIVBYZERO: udiv r0, r1, r2 divides by zero (r2 = "
             "0, CCR.DIV_0_TRP is set) at %s",
             at);
    expect_usagefault_lockup(&s, cause, SE_CFSR_DIVBYZERO);
    th_close(&s);
}

static void test_unaligned_ldr_with_unalign_trp_is_named_with_its_address(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_unaligned", false, NULL, NULL);
    char at[64], cause[300];
    marked_fault_at(&s, at, sizeof at);
    snprintf(cause, sizeof cause,
             "UsageFault UNALIGNED: 4-byte read of 0x%08x (ldr r0, [r1]; "
             "CCR.UNALIGN_TRP is set) at %s",
             (unsigned)(data_addr(&s, "buf") + 1u), at);
    expect_usagefault_lockup(&s, cause, SE_CFSR_UNALIGNED);
    th_close(&s);
}

static void test_unaligned_ldrd_faults_without_unalign_trp(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "fault_unaligned_ldrd", false, NULL, NULL);
    char at[64], cause[300];
    marked_fault_at(&s, at, sizeof at);
    snprintf(cause, sizeof cause,
             "UsageFault UNALIGNED: 8-byte read of 0x%08x (ldrd r2, r3, "
             "[r1]: word-aligned whatever CCR.UNALIGN_TRP says) at %s",
             (unsigned)(data_addr(&s, "buf") + 2u), at);
    expect_usagefault_lockup(&s, cause, SE_CFSR_UNALIGNED);
    assert_int_equal(se_machine_scs(s.m)->ccr & 0x18u, 0); /* neither trap bit set */
    th_close(&s);
}

/* ---- end traps ---- */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_gets_r0_1_and_sp_above_image),
        cmocka_unit_test(test_sp_of_an_odd_sized_image_is_word_aligned),
        cmocka_unit_test(test_image_and_bkpt_are_downloaded_before_every_operation),
        cmocka_unit_test(test_write_is_chunked_through_one_buffer),
        cmocka_unit_test(test_device_offsets_become_absolute_addresses),
        cmocka_unit_test(test_range_outside_device_is_refused_before_any_call),
        cmocka_unit_test(test_erase_passes_first_and_last_sector_starts),
        cmocka_unit_test(test_verify_finds_a_corrupted_byte),
        cmocka_unit_test(test_verify_arguments_carry_misalignment),
        cmocka_unit_test(test_verify_words_never_exceed_the_chunk),
        cmocka_unit_test(test_verify_with_a_chunk_under_a_word_passes_one_word_per_call),
        cmocka_unit_test(test_mass_erase_leaves_erase_value),
        cmocka_unit_test(test_read_only_flash_image_serves_reads_and_refuses_writes),
        cmocka_unit_test(test_tz_on_profile_uses_its_window),
        cmocka_unit_test(test_tz_off_build_is_moved_to_the_tz_on_base),
        cmocka_unit_test(test_systick_delay_runs_on_virtual_time),
        cmocka_unit_test(test_primask_policy_still_runs_a_loader_that_enables_irqs),
        cmocka_unit_test(test_systick_vector_into_erased_flash_is_named),
        cmocka_unit_test(test_relocated_vector_table_is_named_as_stale_ram),
        cmocka_unit_test(test_fault_is_reported_at_symbol_offset),
        cmocka_unit_test(test_undefined_instruction_is_usage_fault),
        cmocka_unit_test(test_hang_names_the_loop),
        cmocka_unit_test(test_clobbered_breakpoint_is_caught),
        cmocka_unit_test(test_stale_ram_is_not_zeroed),
        cmocka_unit_test(test_msp_zero_at_entry_is_said_before_running),
        cmocka_unit_test(test_wild_pointer_write_is_a_bus_fault_line),
        cmocka_unit_test(test_stack_into_image_is_a_warning_on_success),
        cmocka_unit_test(test_place_link_moves_sp_and_buffer_with_the_image),
        cmocka_unit_test(test_unmodelled_access_names_its_exact_instruction),
        cmocka_unit_test(test_cubeide_template_stack_is_not_an_overflow),
        cmocka_unit_test(test_execution_from_stale_ram_is_noted),
        cmocka_unit_test(test_sp_zero_override_keeps_the_rule_buffer),
        cmocka_unit_test(test_divide_by_zero_with_div_0_trp_is_named_at_the_udiv),
        cmocka_unit_test(test_unaligned_ldr_with_unalign_trp_is_named_with_its_address),
        cmocka_unit_test(test_unaligned_ldrd_faults_without_unalign_trp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
