/* peripherals/dma.c without a CPU: DMA1/DMA2/DMAMUX1 registers, memory-to-memory copies,
 * transfers paced by a peripheral's request line, data widths, flags, errors and the
 * configuration freeze while a channel runs. The bus is a 64 KiB RAM at 0x20000000 and a
 * one-register device at 0x40000000 whose request line stays up while it wants items. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/dma.h"

#define RAM 0x20000000u
#define DEV 0x40000000u
#define REQ 41u

typedef struct world {
    uint8_t ram[0x10000];
    uint32_t wants;   /* items the device still asks for (request line up while > 0) */
    uint32_t got[64]; /* values written to the device, with their sizes */
    unsigned got_size[64], ngot;
    uint32_t next_read; /* what the device register reads as (then increments) */
    bool spans;         /* offer plain-memory spans */
    bool streams;       /* the device register takes byte streams */
    unsigned nstream;
    unsigned logs;
} world;

static bool w_read(void *ctx, uint32_t a, unsigned size, bool secure, uint32_t *v)
{
    (void)secure;
    world *w = ctx;
    if (a - RAM < sizeof w->ram && size <= sizeof w->ram - (a - RAM)) {
        *v = 0;
        memcpy(v, w->ram + (a - RAM), size);
        return true;
    }
    if (a == DEV) {
        *v = w->next_read++;
        if (w->wants)
            w->wants--;
        return true;
    }
    return false;
}

static bool w_write(void *ctx, uint32_t a, unsigned size, bool secure, uint32_t v)
{
    (void)secure;
    world *w = ctx;
    if (a - RAM < sizeof w->ram && size <= sizeof w->ram - (a - RAM)) {
        memcpy(w->ram + (a - RAM), &v, size);
        return true;
    }
    if (a == DEV && w->ngot < 64) {
        w->got_size[w->ngot] = size;
        w->got[w->ngot++] = v;
        if (w->wants)
            w->wants--;
        return true;
    }
    return false;
}

static uint8_t *w_span(void *ctx, uint32_t a, uint32_t len, bool write, bool secure)
{
    (void)write;
    (void)secure;
    world *w = ctx;
    if (!w->spans || a - RAM >= sizeof w->ram || len > sizeof w->ram - (a - RAM))
        return NULL;
    return w->ram + (a - RAM);
}

static uint32_t w_request(void *ctx, unsigned req)
{
    world *w = ctx;
    if (req != REQ || !w->wants)
        return 0;
    return w->streams ? w->wants : 1u; /* bytes that may move now */
}

/* The device register as a FIFO: bytes in (write) or out (read, counting up). */
static bool w_stream(void *ctx, uint32_t a, unsigned size, uint8_t *buf, uint32_t n, bool write,
                     bool secure)
{
    (void)secure;
    world *w = ctx;
    if (a != DEV || !w->streams)
        return false;
    for (uint32_t i = 0; i < n * size; i++) {
        if (write && w->ngot < 64) {
            w->got_size[w->ngot] = 1;
            w->got[w->ngot++] = buf[i];
        } else if (!write) {
            buf[i] = (uint8_t)w->next_read++;
        }
    }
    w->wants -= n * size < w->wants ? n * size : w->wants;
    w->nstream++;
    return true;
}

static void w_log(void *opaque, int level, const char *msg)
{
    (void)level;
    (void)msg;
    ((world *)opaque)->logs++;
}

typedef struct fx {
    world w;
    se_periph_host host;
    se_dma d;
} fx;

static int setup(void **state)
{
    static fx f;
    memset(&f, 0, sizeof f);
    f.host = (se_periph_host){.opaque = &f.w, .log = w_log};
    f.d.host = &f.host;
    f.d.bus = (se_dma_bus_ops){w_read, w_write, w_span, w_stream, w_request, &f.w};
    se_dma_reset(&f.d);
    for (unsigned i = 0; i < sizeof f.w.ram; i++)
        f.w.ram[i] = (uint8_t)(i * 7u + 1u);
    *state = &f;
    return 0;
}

/* Offsets: DMA1 at 0, DMA2 at 0x400, DMAMUX1 at 0x800; channel n registers from 0x08. */
static uint32_t ch_reg(unsigned unit, unsigned n, unsigned r)
{
    return unit * 0x400u + 0x08u + 0x14u * (n - 1u) + r;
}
#define CCR 0x00u
#define CNDTR 0x04u
#define CPAR 0x08u
#define CM0AR 0x0Cu
#define SIZES(p, m) \
    (((uint32_t)(p) << SE_DMA_CCR_PSIZE_SHIFT) | ((uint32_t)(m) << SE_DMA_CCR_MSIZE_SHIFT))

static void test_reset_values_are_zero(void **state)
{
    fx *f = *state;
    for (uint32_t o = 0; o < 0xA8; o += 4)
        assert_int_equal(se_dma_read(&f->d, o, 4), 0);
    assert_int_equal(se_dma_read(&f->d, 0x800, 4), 0); /* DMAMUX1_C0CR */
    assert_int_equal(se_dma_read(&f->d, 0x900, 4), 0); /* RG0CR */
}

static void test_memory_to_memory_copies_at_enable_and_flags_tc(void **state)
{
    fx *f = *state;
    se_dma_write(&f->d, ch_reg(0, 2, CNDTR), 16, 4);
    se_dma_write(&f->d, ch_reg(0, 2, CPAR), RAM + 0x100, 4);  /* source (DIR = 0) */
    se_dma_write(&f->d, ch_reg(0, 2, CM0AR), RAM + 0x800, 4); /* destination */
    se_dma_write(
        &f->d, ch_reg(0, 2, CCR),
        SE_DMA_CCR_MEM2MEM | SE_DMA_CCR_PINC | SE_DMA_CCR_MINC | SIZES(2, 2) | SE_DMA_CCR_EN, 4);
    assert_memory_equal(f->w.ram + 0x800, f->w.ram + 0x100, 64);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 2, CNDTR), 4), 0);
    /* channel 2: bits 4..7 = GIF, TCIF, HTIF */
    assert_int_equal(se_dma_read(&f->d, 0x00, 4),
                     (SE_DMA_ISR_GIF | SE_DMA_ISR_TCIF | SE_DMA_ISR_HTIF) << 4);
    assert_int_equal(f->d.items, 16);
    /* CGIF2 clears the channel's four flags */
    se_dma_write(&f->d, 0x04, SE_DMA_ISR_GIF << 4, 4);
    assert_int_equal(se_dma_read(&f->d, 0x00, 4), 0);
}

static void test_span_copy_gives_the_same_result(void **state)
{
    fx *f = *state;
    f->w.spans = true;
    se_dma_write(&f->d, ch_reg(1, 8, CNDTR), 100, 4);
    se_dma_write(&f->d, ch_reg(1, 8, CPAR), RAM + 0x10, 4);
    se_dma_write(&f->d, ch_reg(1, 8, CM0AR), RAM + 0x4001, 4);
    se_dma_write(&f->d, ch_reg(1, 8, CCR),
                 SE_DMA_CCR_MEM2MEM | SE_DMA_CCR_PINC | SE_DMA_CCR_MINC | SE_DMA_CCR_EN, 4);
    assert_memory_equal(f->w.ram + 0x4001, f->w.ram + 0x10, 100);
    assert_int_equal(se_dma_read(&f->d, ch_reg(1, 8, CNDTR), 4), 0);
    assert_int_equal(se_dma_read(&f->d, 0x400, 4) >> 28,
                     SE_DMA_ISR_GIF | SE_DMA_ISR_TCIF | SE_DMA_ISR_HTIF);
}

static void test_peripheral_channel_moves_only_while_requested(void **state)
{
    fx *f = *state;
    /* DMA1 channel 1 <- DMAMUX1 channel 0 routes request 41 */
    se_dma_write(&f->d, 0x800, REQ, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CNDTR), 8, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CPAR), DEV, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CM0AR), RAM, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CCR), SE_DMA_CCR_DIR | SE_DMA_CCR_MINC | SE_DMA_CCR_EN, 4);
    assert_int_equal(f->w.ngot, 0); /* no request yet */
    f->w.wants = 3;
    se_dma_service(&f->d);
    assert_int_equal(f->w.ngot, 3);
    assert_int_equal(f->w.got[0], f->w.ram[0]);
    assert_int_equal(f->w.got[2], f->w.ram[2]);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 1, CNDTR), 4), 5);
    assert_int_equal(se_dma_read(&f->d, 0x00, 4), 0); /* neither half (4) nor done */
    f->w.wants = 100;
    se_dma_service(&f->d);
    assert_int_equal(f->w.ngot, 8); /* stops at CNDTR = 0 */
    assert_int_equal(se_dma_read(&f->d, 0x00, 4),
                     SE_DMA_ISR_GIF | SE_DMA_ISR_TCIF | SE_DMA_ISR_HTIF);
    /* an unrouted channel never moves */
    se_dma_write(&f->d, ch_reg(0, 3, CNDTR), 4, 4);
    se_dma_write(&f->d, ch_reg(0, 3, CPAR), DEV, 4);
    se_dma_write(&f->d, ch_reg(0, 3, CM0AR), RAM, 4);
    se_dma_write(&f->d, ch_reg(0, 3, CCR), SE_DMA_CCR_DIR | SE_DMA_CCR_EN, 4);
    se_dma_service(&f->d);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 3, CNDTR), 4), 4);
}

/* A FIFO register with contiguous memory: as many items as the request allows in one
 * stream, the rest at the next request, flags as item by item. */
static void test_streams_to_a_fifo_register(void **state)
{
    fx *f = *state;
    f->w.spans = f->w.streams = true;
    se_dma_write(&f->d, 0x800, REQ, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CNDTR), 40, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CPAR), DEV, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CM0AR), RAM + 0x33, 4);
    se_dma_write(&f->d, ch_reg(0, 1, CCR), SE_DMA_CCR_DIR | SE_DMA_CCR_MINC | SE_DMA_CCR_EN, 4);
    f->w.wants = 30;
    se_dma_service(&f->d);
    assert_int_equal(f->w.nstream, 1);
    assert_int_equal(f->w.ngot, 30);
    assert_int_equal(f->w.got[29], f->w.ram[0x33 + 29]);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 1, CNDTR), 4), 10);
    assert_int_equal(se_dma_read(&f->d, 0x00, 4), SE_DMA_ISR_GIF | SE_DMA_ISR_HTIF);
    f->w.wants = 64;
    se_dma_service(&f->d);
    assert_int_equal(f->w.ngot, 40);
    assert_int_equal(f->w.got[39], f->w.ram[0x33 + 39]);
    assert_int_equal(se_dma_read(&f->d, 0x00, 4),
                     SE_DMA_ISR_GIF | SE_DMA_ISR_HTIF | SE_DMA_ISR_TCIF);
    assert_int_equal(f->d.items, 40);
}

static void test_widths_zero_extend_and_truncate(void **state)
{
    fx *f = *state;
    se_dma_write(&f->d, 0x800 + 4 * 9, REQ, 4); /* DMAMUX1 channel 9 -> DMA2 channel 2 */
    f->w.wants = 2;
    f->w.next_read = 0x11223344u;
    /* peripheral 32-bit reads into 8-bit memory: truncated to the low byte */
    se_dma_write(&f->d, ch_reg(1, 2, CNDTR), 2, 4);
    se_dma_write(&f->d, ch_reg(1, 2, CPAR), DEV, 4);
    se_dma_write(&f->d, ch_reg(1, 2, CM0AR), RAM + 0x200, 4);
    se_dma_write(&f->d, ch_reg(1, 2, CCR), SE_DMA_CCR_MINC | SIZES(2, 0) | SE_DMA_CCR_EN, 4);
    assert_int_equal(f->w.ram[0x200], 0x44);
    assert_int_equal(f->w.ram[0x201], 0x45);
    /* 8-bit memory into a 32-bit peripheral: zero-extended, the DMA does not pack */
    se_dma_write(&f->d, ch_reg(1, 2, CCR), 0, 4);
    f->w.wants = 2;
    se_dma_write(&f->d, ch_reg(1, 2, CNDTR), 2, 4);
    se_dma_write(&f->d, ch_reg(1, 2, CM0AR), RAM + 0x300, 4);
    se_dma_write(&f->d, ch_reg(1, 2, CCR),
                 SE_DMA_CCR_DIR | SE_DMA_CCR_MINC | SIZES(2, 0) | SE_DMA_CCR_EN, 4);
    assert_int_equal(f->w.ngot, 2);
    assert_int_equal(f->w.got[0], f->w.ram[0x300]);
    assert_int_equal(f->w.got_size[0], 4);
}

static void test_bus_error_sets_teif_and_disables(void **state)
{
    fx *f = *state;
    se_dma_write(&f->d, ch_reg(0, 4, CNDTR), 4, 4);
    se_dma_write(&f->d, ch_reg(0, 4, CPAR), 0x60000000u, 4); /* nothing there */
    se_dma_write(&f->d, ch_reg(0, 4, CM0AR), RAM, 4);
    se_dma_write(&f->d, ch_reg(0, 4, CCR),
                 SE_DMA_CCR_MEM2MEM | SE_DMA_CCR_PINC | SE_DMA_CCR_MINC | SE_DMA_CCR_EN, 4);
    assert_int_equal(se_dma_read(&f->d, 0x00, 4) >> 12, SE_DMA_ISR_GIF | SE_DMA_ISR_TEIF);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 4, CCR), 4) & SE_DMA_CCR_EN, 0);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 4, CNDTR), 4), 4);
}

static void test_configuration_is_frozen_while_enabled(void **state)
{
    fx *f = *state;
    se_dma_write(&f->d, 0x800 + 4 * 4, REQ, 4); /* channel 5 */
    se_dma_write(&f->d, ch_reg(0, 5, CNDTR), 10, 4);
    se_dma_write(&f->d, ch_reg(0, 5, CPAR), DEV, 4);
    se_dma_write(&f->d, ch_reg(0, 5, CCR), SE_DMA_CCR_DIR | SE_DMA_CCR_EN, 4);
    se_dma_write(&f->d, ch_reg(0, 5, CNDTR), 99, 4);
    se_dma_write(&f->d, ch_reg(0, 5, CPAR), RAM, 4);
    se_dma_write(&f->d, ch_reg(0, 5, CCR), SE_DMA_CCR_MINC | SE_DMA_CCR_EN, 4);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 5, CNDTR), 4), 10);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 5, CPAR), 4), DEV);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 5, CCR), 4), SE_DMA_CCR_DIR | SE_DMA_CCR_EN);
    assert_int_equal(f->w.logs, 1); /* said once */
    /* clearing EN is always allowed, then the registers take writes again */
    se_dma_write(&f->d, ch_reg(0, 5, CCR), 0, 4);
    se_dma_write(&f->d, ch_reg(0, 5, CNDTR), 99, 4);
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 5, CNDTR), 4), 99);
}

static void test_circular_reloads(void **state)
{
    fx *f = *state;
    se_dma_write(&f->d, 0x800 + 4 * 5, REQ, 4); /* channel 6 */
    se_dma_write(&f->d, ch_reg(0, 6, CNDTR), 4, 4);
    se_dma_write(&f->d, ch_reg(0, 6, CPAR), DEV, 4);
    se_dma_write(&f->d, ch_reg(0, 6, CM0AR), RAM + 0x20, 4);
    se_dma_write(&f->d, ch_reg(0, 6, CCR),
                 SE_DMA_CCR_DIR | SE_DMA_CCR_MINC | SE_DMA_CCR_CIRC | SE_DMA_CCR_EN, 4);
    f->w.wants = 6;
    se_dma_service(&f->d);
    assert_int_equal(f->w.ngot, 6);
    assert_int_equal(f->w.got[4], f->w.ram[0x20]); /* back at the start of the buffer */
    assert_int_equal(se_dma_read(&f->d, ch_reg(0, 6, CNDTR), 4), 2);
    assert_true(se_dma_read(&f->d, 0x00, 4) & (SE_DMA_ISR_TCIF << 20));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reset_values_are_zero, setup),
        cmocka_unit_test_setup(test_memory_to_memory_copies_at_enable_and_flags_tc, setup),
        cmocka_unit_test_setup(test_span_copy_gives_the_same_result, setup),
        cmocka_unit_test_setup(test_peripheral_channel_moves_only_while_requested, setup),
        cmocka_unit_test_setup(test_streams_to_a_fifo_register, setup),
        cmocka_unit_test_setup(test_widths_zero_extend_and_truncate, setup),
        cmocka_unit_test_setup(test_bus_error_sets_teif_and_disables, setup),
        cmocka_unit_test_setup(test_configuration_is_frozen_while_enabled, setup),
        cmocka_unit_test_setup(test_circular_reloads, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
