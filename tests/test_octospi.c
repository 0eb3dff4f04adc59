/* The STM32L5 OCTOSPI model (peripherals/octospi): reset values, the transfer-start rules, the
 * frames of docs/hardware.md B.6, indirect write/read through the FIFO, auto-polling in virtual time,
 * the memory-mapped window, ABORT/EN and the HAL call sequences of B.5, against a mock chip
 * that records every frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/flashbus.h"
#include "peripherals/octospi.h"
#include "peripherals/octospi_regs.h"

/* docs/hardware.md B.6: the L562E-DK loader's values. */
#define DCR1_DK 0x01190100u /* MTYP Macronix, DEVSIZE 25 (64 MiB), CSHT 1 */
#define DCR2_DK 0x00000002u /* PRESCALER 2 */
#define CR_DK 0x00000301u   /* FTHRES 3 (4 bytes), EN */
#define TCR_DHQC 0x10000000u
#define CCR_SPI_INST 0x00000001u
#define CCR_SPI_RDSR 0x01000001u
#define CCR_SPI_WRCR2 0x01003101u
#define CCR_OPI_STR_INST 0x00000014u
#define CCR_OPI_DTR_INST 0x0800001Cu
#define CCR_OPI_DTR_ADDR 0x08003C1Cu
#define CCR_OPI_DTR_READ 0x2C003C1Cu
#define WCCR_OPI_DTR_WRITE 0x0C003C1Cu

/* ---- mock chip: records every frame; answers reads from a pattern or a status list ------ */

#define MAX_FRAMES 64
#define MAX_DATA 4200

typedef struct rec {
    se_flash_frame f; /* buf points into the model: use data[] */
    uint8_t data[MAX_DATA];
    uint64_t at_ns;
} rec;

typedef struct mock {
    unsigned n;
    rec fr[MAX_FRAMES];
    uint32_t status[8]; /* answers for status reads; the last one repeats */
    unsigned nstatus, status_i;
} mock;

static uint8_t pattern(uint32_t addr) { return (uint8_t)(addr * 7u + 3u); }

/* RDSR (0x05 in SPI, 0x05FA in OPI) and frames without an address read the status list;
 * other reads with an address read pattern(address). */
static bool is_status_read(const se_flash_frame *f)
{
    return !f->addr.lines || f->inst_value == 0x05u || f->inst_value == 0x05FAu;
}

static void mock_transfer(void *chip, se_flash_frame *f, uint64_t now_ns)
{
    mock *m = chip;
    if (!f->write && f->len) {
        if (is_status_read(f)) {
            if (m->nstatus) {
                unsigned i = m->status_i < m->nstatus ? m->status_i : m->nstatus - 1;
                m->status_i++;
                for (uint32_t k = 0; k < f->len; k++)
                    f->buf[k] = k < 4 ? (uint8_t)(m->status[i] >> (8 * k)) : 0;
            }
        } else {
            for (uint32_t k = 0; k < f->len; k++)
                f->buf[k] = pattern(f->addr_value + k);
        }
    }
    assert_true(m->n < MAX_FRAMES);
    rec *r = &m->fr[m->n++];
    r->f = *f;
    r->at_ns = now_ns;
    assert_non_null(f->buf);
    if (f->len)
        memcpy(r->data, f->buf, f->len < MAX_DATA ? f->len : MAX_DATA);
}

static const se_flash_chip_ops mock_ops = {.name = "mock", .transfer = mock_transfer};

/* ---- fixture ---------------------------------------------------------------------------- */

typedef struct fx {
    se_octospi o;
    se_periph_host host;
    uint64_t now;
    int nlog;
    char log[32][256];
    mock chip;
    bool clock;
} fx;

static uint64_t fx_now(void *opaque) { return ((fx *)opaque)->now; }

static void fx_log(void *opaque, int level, const char *msg)
{
    (void)level;
    fx *x = opaque;
    if (x->nlog < 32)
        snprintf(x->log[x->nlog], sizeof x->log[0], "%s", msg);
    x->nlog++;
}

static int logs_with(const fx *x, const char *needle)
{
    int n = 0;
    for (int i = 0; i < x->nlog && i < 32; i++)
        if (strstr(x->log[i], needle))
            n++;
    return n;
}

static int setup(void **state)
{
    fx *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->host = (se_periph_host){.opaque = x, .now_ns = fx_now, .log = fx_log};
    x->o.host = &x->host;
    x->o.base = 0x44021000u; /* OCTOSPI1 on the L5 */
    x->o.mem_base = 0x90000000u;
    se_octospi_class.reset(&x->o);
    se_octospi_connect(&x->o, (se_flash_port){&mock_ops, &x->chip});
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void wr(fx *x, uint32_t off, uint32_t v) { se_octospi_write(&x->o, off, v, 4); }

static uint32_t rd(fx *x, uint32_t off) { return se_octospi_read(&x->o, off, 4); }

static void set_bits(fx *x, uint32_t off, uint32_t clear, uint32_t set)
{
    wr(x, off, (rd(x, off) & ~clear) | set);
}

/* HAL_OSPI_Init with the DK's values (docs/hardware.md B.5, B.6). */
static void dk_init(fx *x)
{
    wr(x, OSPI_DCR1, DCR1_DK);
    wr(x, OSPI_DCR2, DCR2_DK);
    wr(x, OSPI_CR, OSPI_CR_FTHRES(4));
    wr(x, OSPI_TCR, TCR_DHQC);
    set_bits(x, OSPI_CR, 0, OSPI_CR_EN);
    assert_int_equal(rd(x, OSPI_CR), CR_DK);
}

static void set_fmode(fx *x, unsigned m)
{
    set_bits(x, OSPI_CR, OSPI_CR_FMODE_MASK, OSPI_CR_FMODE(m));
}

static void assert_phase(se_flash_phase p, unsigned lines, bool dtr, unsigned size)
{
    assert_int_equal(p.lines, lines);
    assert_int_equal(p.dtr, dtr);
    assert_int_equal(p.size, size);
}

/* Reads OSPI_SR until (OSPI_SR & mask) != 0 is want, advancing virtual time 50 ns a look; as the HAL's
 * OSPI_WaitFlagStateUntilTimeout, but failing instead of spinning forever. */
static void wait_flag(fx *x, uint32_t mask, bool want)
{
    for (int i = 0; i < 10000; i++) {
        if (((rd(x, OSPI_SR) & mask) != 0) == want)
            return;
        x->now += 50;
    }
    fail_msg("SR flag 0x%x never became %d", mask, want);
}

/* ---- HAL-like helpers (docs/hardware.md B.5) ------------------------------------------------- */

typedef struct cmd {
    uint32_t ccr, dcyc, ir, ar, nbdata;
    bool write_cfg;
} cmd;

static void hal_command(fx *x, const cmd *c)
{
    wait_flag(x, OSPI_SR_BUSY, false);
    set_fmode(x, 0);
    uint32_t ccr_reg = c->write_cfg ? OSPI_WCCR : OSPI_CCR;
    wr(x, ccr_reg, c->ccr & (OSPI_CCR_DQSE | OSPI_CCR_SIOO));
    set_bits(x, ccr_reg + 8, 0x1Fu, c->dcyc);
    bool data = (c->ccr & OSPI_CCR_DMODE_MASK) != 0;
    if (data && !c->write_cfg)
        wr(x, OSPI_DLR, c->nbdata - 1);
    wr(x, ccr_reg, c->ccr);
    wr(x, ccr_reg + 0x10, c->ir);
    if (c->ccr & OSPI_CCR_ADMODE_MASK)
        wr(x, OSPI_AR, c->ar);
    if (!data) {
        wait_flag(x, OSPI_SR_TCF, true);
        wr(x, OSPI_FCR, OSPI_SR_TCF);
    }
}

static void hal_autopoll(fx *x, uint32_t match, uint32_t mask, uint32_t interval)
{
    wait_flag(x, OSPI_SR_BUSY, false);
    wr(x, OSPI_PSMAR, match);
    wr(x, OSPI_PSMKR, mask);
    wr(x, OSPI_PIR, interval);
    set_bits(x, OSPI_CR, OSPI_CR_PMM | OSPI_CR_APMS | OSPI_CR_FMODE_MASK,
             OSPI_CR_APMS | OSPI_CR_FMODE(2));
    if (rd(x, OSPI_CCR) & OSPI_CCR_ADMODE_MASK)
        wr(x, OSPI_AR, rd(x, OSPI_AR));
    else
        wr(x, OSPI_IR, rd(x, OSPI_IR));
    wait_flag(x, OSPI_SR_SMF, true);
    wr(x, OSPI_FCR, OSPI_SR_SMF);
}

static void hal_receive(fx *x, uint8_t *buf)
{
    uint32_t ar = rd(x, OSPI_AR), ir = rd(x, OSPI_IR);
    uint32_t n = rd(x, OSPI_DLR) + 1;
    set_fmode(x, 1);
    if (rd(x, OSPI_CCR) & OSPI_CCR_ADMODE_MASK)
        wr(x, OSPI_AR, ar);
    else
        wr(x, OSPI_IR, ir);
    for (uint32_t i = 0; i < n; i++) {
        wait_flag(x, OSPI_SR_FTF | OSPI_SR_TCF, true);
        buf[i] = (uint8_t)se_octospi_read(&x->o, OSPI_DR, 1);
    }
    wait_flag(x, OSPI_SR_TCF, true);
    wr(x, OSPI_FCR, OSPI_SR_TCF);
}

static void hal_transmit(fx *x, const uint8_t *buf)
{
    uint32_t n = rd(x, OSPI_DLR) + 1;
    set_fmode(x, 0);
    for (uint32_t i = 0; i < n; i++) {
        wait_flag(x, OSPI_SR_FTF, true);
        se_octospi_write(&x->o, OSPI_DR, buf[i], 1);
    }
    wait_flag(x, OSPI_SR_TCF, true);
    wr(x, OSPI_FCR, OSPI_SR_TCF);
}

static void hal_memory_mapped(fx *x)
{
    wait_flag(x, OSPI_SR_BUSY, false);
    set_bits(x, OSPI_CR, OSPI_CR_TCEN | OSPI_CR_FMODE_MASK, OSPI_CR_FMODE(3));
}

static void hal_abort(fx *x)
{
    if (rd(x, OSPI_SR) & OSPI_SR_BUSY) {
        set_bits(x, OSPI_CR, 0, OSPI_CR_ABORT);
        wait_flag(x, OSPI_SR_TCF, true);
        wr(x, OSPI_FCR, OSPI_SR_TCF);
        wait_flag(x, OSPI_SR_BUSY, false);
    }
}

/* ---- reset and register file ------------------------------------------------------------ */

static void test_reset_values_are_all_zero(void **state)
{
    fx *x = *state;
    static const uint32_t offs[] = {
        OSPI_CR,    OSPI_DCR1, OSPI_DCR2, OSPI_DCR3,  OSPI_DCR4,  OSPI_SR,    OSPI_FCR,
        OSPI_DLR,   OSPI_AR,   OSPI_DR,   OSPI_PSMKR, OSPI_PSMAR, OSPI_PIR,   OSPI_CCR,
        OSPI_TCR,   OSPI_IR,   OSPI_ABR,  OSPI_LPTR,  OSPI_WPCCR, OSPI_WPTCR, OSPI_WPIR,
        OSPI_WPABR, OSPI_WCCR, OSPI_WTCR, OSPI_WIR,   OSPI_WABR,  OSPI_HLCR};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        assert_int_equal(rd(x, offs[i]), 0);
    assert_int_equal(x->chip.n, 0);
    assert_int_equal(x->o.kernel_hz, SE_OCTOSPI_KERNEL_HZ);
}

static void test_unknown_offset_reads_zero_and_is_logged_once(void **state)
{
    fx *x = *state;
    assert_int_equal(rd(x, 0x004), 0);
    wr(x, 0x004, 0x12345678u);
    assert_int_equal(rd(x, 0x004), 0);
    assert_int_equal(rd(x, 0x3FC), 0);
    assert_int_equal(logs_with(x, "0x44021004"), 1);
    assert_int_equal(logs_with(x, "0x440213fc"), 1);
}

static void test_sub_word_register_access_uses_its_lanes(void **state)
{
    fx *x = *state;
    se_octospi_class.write(&x->o, OSPI_DCR1 + 2, 0x19, 1); /* DEVSIZE */
    se_octospi_class.write(&x->o, OSPI_DCR1 + 1, 0x01, 1); /* CSHT */
    assert_int_equal(se_octospi_class.read(&x->o, OSPI_DCR1, 4), 0x00190100u);
    assert_int_equal(se_octospi_class.read(&x->o, OSPI_DCR1 + 2, 2), 0x0019u);
    wr(x, OSPI_CCR, 0xFFFFFFFFu); /* reserved bits stay 0 */
    assert_int_equal(rd(x, OSPI_CCR), 0xAF3F3F3Fu);
    wr(x, OSPI_SR, 0xFFFFFFFFu); /* read-only */
    assert_int_equal(rd(x, OSPI_SR), 0);
    assert_int_equal(se_octospi_device_size(&x->o), 64u << 20);
}

/* ---- transfer-start rules (docs/hardware.md B.4) --------------------------------------------- */

static void test_ir_write_starts_a_command_without_address_or_data(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_CCR, CCR_SPI_INST);
    assert_int_equal(x->chip.n, 0);
    wr(x, OSPI_IR, 0x66);
    assert_int_equal(x->chip.n, 1);
    assert_int_equal(x->chip.fr[0].f.inst_value, 0x66);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TCF | OSPI_SR_BUSY), OSPI_SR_TCF);
}

static void test_ar_write_starts_a_command_with_an_address(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_CCR, 0x00003101u); /* SPI, 32-bit address, no data */
    wr(x, OSPI_IR, 0x21);
    assert_int_equal(x->chip.n, 0);
    wr(x, OSPI_AR, 0x2000);
    assert_int_equal(x->chip.n, 1);
    assert_int_equal(x->chip.fr[0].f.addr_value, 0x2000);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_TCF);
}

static void test_ir_and_ar_writes_with_fmode00_and_dmode_set_send_nothing(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_DLR, 0);
    wr(x, OSPI_CCR, CCR_SPI_WRCR2);
    wr(x, OSPI_IR, 0x72);
    wr(x, OSPI_AR, 0x300);
    wr(x, OSPI_CCR, CCR_SPI_RDSR); /* no address: the OSPI_IR write is the candidate */
    wr(x, OSPI_IR, 0x05);
    assert_int_equal(x->chip.n, 0);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TCF | OSPI_SR_BUSY), 0);
}

static void test_first_dr_write_starts_an_indirect_write(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_DLR, 1);
    wr(x, OSPI_CCR, CCR_SPI_WRCR2);
    wr(x, OSPI_IR, 0x72);
    wr(x, OSPI_AR, 0x300);
    se_octospi_write(&x->o, OSPI_DR, 0xAA, 1);
    assert_int_equal(x->chip.n, 0);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
    se_octospi_write(&x->o, OSPI_DR, 0xBB, 1);
    assert_int_equal(x->chip.n, 1);
    assert_false(rd(x, OSPI_SR) & OSPI_SR_BUSY);
}

static void test_ir_write_starts_a_read_without_address_in_fmode01(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.status[0] = 0x00C2853Au;
    x->chip.nstatus = 1;
    set_fmode(x, 1);
    wr(x, OSPI_DLR, 2);
    wr(x, OSPI_CCR, CCR_SPI_RDSR);
    assert_int_equal(x->chip.n, 0);
    wr(x, OSPI_IR, 0x9F);
    assert_int_equal(x->chip.n, 1);
    assert_int_equal(x->chip.fr[0].f.len, 3);
    assert_false(x->chip.fr[0].f.write);
    assert_int_equal(OSPI_SR_FLEVEL(rd(x, OSPI_SR)), 3);
}

static void test_ar_write_starts_auto_polling_with_an_address(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.nstatus = 1; /* status 0: WIP clear */
    set_bits(x, OSPI_CR, 0, OSPI_CR_APMS | OSPI_CR_FMODE(2));
    wr(x, OSPI_PSMKR, 0x01);
    wr(x, OSPI_DLR, 1);
    wr(x, OSPI_CCR, CCR_OPI_DTR_READ);
    wr(x, OSPI_IR, 0x05FA);
    assert_int_equal(x->chip.n, 0);
    wr(x, OSPI_AR, 0);
    assert_int_equal(x->chip.n, 1);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_SMF);
}

static void test_trigger_with_en_0_sends_nothing_and_is_logged(void **state)
{
    fx *x = *state;
    wr(x, OSPI_DCR1, DCR1_DK);
    wr(x, OSPI_CCR, CCR_SPI_INST);
    wr(x, OSPI_IR, 0x66);
    assert_int_equal(x->chip.n, 0);
    assert_int_equal(rd(x, OSPI_SR) & OSPI_SR_TCF, 0);
    assert_int_equal(logs_with(x, "CR.EN=0: nothing is sent"), 1);
}

/* ---- B.6 golden frames ------------------------------------------------------------------ */

static void test_golden_spi_instruction_only_frame(void **state)
{
    fx *x = *state;
    dk_init(x);
    hal_command(x, &(cmd){.ccr = CCR_SPI_INST, .ir = 0x66});
    const se_flash_frame *f = &x->chip.fr[0].f;
    assert_int_equal(x->chip.n, 1);
    assert_phase(f->inst, 1, false, 1);
    assert_int_equal(f->inst_value, 0x66);
    assert_int_equal(f->addr.lines, 0);
    assert_int_equal(f->alt.lines, 0);
    assert_int_equal(f->data.lines, 0);
    assert_int_equal(f->dummy_cycles, 0);
    assert_false(f->dqs);
    assert_int_equal(f->len, 0);
    assert_int_equal(rd(x, OSPI_SR) & OSPI_SR_TCF, 0); /* cleared by the command's OSPI_FCR write */
}

static void test_golden_spi_rdsr_poll_frame(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.nstatus = 1;
    hal_command(x, &(cmd){.ccr = CCR_SPI_RDSR, .ir = 0x05, .nbdata = 1});
    assert_int_equal(x->chip.n, 0);
    hal_autopoll(x, 0x00, 0x01, 0x10);
    const se_flash_frame *f = &x->chip.fr[0].f;
    assert_phase(f->inst, 1, false, 1);
    assert_int_equal(f->inst_value, 0x05);
    assert_int_equal(f->addr.lines, 0);
    assert_phase(f->data, 1, false, 0);
    assert_false(f->write);
    assert_int_equal(f->len, 1);
}

static void test_golden_spi_wrcr2_frame(void **state)
{
    fx *x = *state;
    dk_init(x);
    hal_command(x, &(cmd){.ccr = CCR_SPI_WRCR2, .ir = 0x72, .ar = 0x300, .nbdata = 1});
    assert_int_equal(x->chip.n, 0);
    hal_transmit(x, (const uint8_t[]){0x07});
    const rec *r = &x->chip.fr[0];
    assert_int_equal(x->chip.n, 1);
    assert_phase(r->f.inst, 1, false, 1);
    assert_int_equal(r->f.inst_value, 0x72);
    assert_phase(r->f.addr, 1, false, 4);
    assert_int_equal(r->f.addr_value, 0x300);
    assert_phase(r->f.data, 1, false, 0);
    assert_true(r->f.write);
    assert_int_equal(r->f.len, 1);
    assert_int_equal(r->data[0], 0x07);
}

static void test_golden_opi_instruction_only_frames(void **state)
{
    fx *x = *state;
    dk_init(x);
    hal_command(x, &(cmd){.ccr = CCR_OPI_STR_INST, .ir = 0x6699});
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_INST, .ir = 0x06F9});
    assert_int_equal(x->chip.n, 2);
    assert_phase(x->chip.fr[0].f.inst, 8, false, 2);
    assert_int_equal(x->chip.fr[0].f.inst_value, 0x6699);
    const se_flash_frame *f = &x->chip.fr[1].f;
    assert_phase(f->inst, 8, true, 2);
    assert_int_equal(f->inst_value, 0x06F9);
    assert_int_equal(f->addr.lines, 0);
    assert_int_equal(f->data.lines, 0); /* DDTR from the DHQC rule, but no data phase */
    assert_false(f->data.dtr);
    assert_int_equal(f->len, 0);
}

static void test_golden_opi_dtr_address_only_frame(void **state)
{
    fx *x = *state;
    dk_init(x);
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_ADDR, .ir = 0xDC23, .ar = 0x00010000});
    const se_flash_frame *f = &x->chip.fr[0].f;
    assert_int_equal(x->chip.n, 1);
    assert_phase(f->inst, 8, true, 2);
    assert_int_equal(f->inst_value, 0xDC23);
    assert_phase(f->addr, 8, true, 4);
    assert_int_equal(f->addr_value, 0x00010000);
    assert_int_equal(f->data.lines, 0);
    assert_int_equal(f->dummy_cycles, 0);
}

static void test_golden_opi_dtr_register_read_frame(void **state)
{
    fx *x = *state;
    dk_init(x);
    uint8_t id[3];
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_READ, .dcyc = 5, .ir = 0x8E71, .ar = 0, .nbdata = 2});
    assert_int_equal(rd(x, OSPI_TCR), 0x10000005u);
    uint8_t cr2[2];
    hal_receive(x, cr2);
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_READ, .dcyc = 5, .ir = 0x9F60, .ar = 0, .nbdata = 3});
    hal_receive(x, id);
    assert_int_equal(x->chip.n, 2);
    const se_flash_frame *f = &x->chip.fr[0].f;
    assert_phase(f->inst, 8, true, 2);
    assert_int_equal(f->inst_value, 0x8E71);
    assert_phase(f->addr, 8, true, 4);
    assert_int_equal(f->addr_value, 0);
    assert_int_equal(f->alt.lines, 0);
    assert_int_equal(f->dummy_cycles, 5);
    assert_phase(f->data, 8, true, 0);
    assert_true(f->dqs);
    assert_false(f->write);
    assert_int_equal(f->len, 2);
    assert_int_equal(cr2[0], pattern(0));
    assert_int_equal(cr2[1], pattern(1));
    assert_int_equal(x->chip.fr[1].f.len, 3);
    assert_int_equal(id[2], pattern(2));
}

static void test_golden_memory_mapped_frames(void **state)
{
    fx *x = *state;
    dk_init(x);
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_READ, .dcyc = 6, .ir = 0xEE11, .nbdata = 1});
    hal_command(x, &(cmd){.ccr = WCCR_OPI_DTR_WRITE, .ir = 0x12ED, .nbdata = 1, .write_cfg = true});
    assert_int_equal(rd(x, OSPI_CCR), CCR_OPI_DTR_READ);
    assert_int_equal(rd(x, OSPI_WCCR), WCCR_OPI_DTR_WRITE);
    assert_int_equal(x->chip.n, 0);
    hal_memory_mapped(x);
    assert_int_equal(x->chip.n, 0);
    assert_true(se_octospi_mem_ok(&x->o, 0x100));
    uint32_t v = se_octospi_mem_read(&x->o, 0x100, 4);
    se_octospi_mem_write(&x->o, 0x200, 0xA5, 1);
    assert_int_equal(x->chip.n, 2);
    const se_flash_frame *r = &x->chip.fr[0].f;
    assert_phase(r->inst, 8, true, 2);
    assert_int_equal(r->inst_value, 0xEE11);
    assert_phase(r->addr, 8, true, 4);
    assert_int_equal(r->addr_value, 0x100);
    assert_int_equal(r->dummy_cycles, 6);
    assert_phase(r->data, 8, true, 0);
    assert_true(r->dqs);
    assert_false(r->write);
    assert_int_equal(r->len, 32); /* the prefetched 32-byte line */
    assert_int_equal(v, (uint32_t)pattern(0x100) | (uint32_t)pattern(0x101) << 8 |
                            (uint32_t)pattern(0x102) << 16 | (uint32_t)pattern(0x103) << 24);
    const rec *w = &x->chip.fr[1];
    assert_int_equal(w->f.inst_value, 0x12ED);
    assert_phase(w->f.addr, 8, true, 4);
    assert_int_equal(w->f.addr_value, 0x200);
    assert_int_equal(w->f.dummy_cycles, 0);
    assert_phase(w->f.data, 8, true, 0);
    assert_false(w->f.dqs);
    assert_true(w->f.write);
    assert_int_equal(w->f.len, 1);
    assert_int_equal(w->data[0], 0xA5);
}

static void test_alternate_bytes_and_sizes_follow_ccr(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_ABR, 0xFFA5A5A5u);
    wr(x, OSPI_CCR, 0x00232201u); /* IMODE 1; ADMODE 2 lines, 24-bit; ABMODE 4 lines, 24-bit */
    wr(x, OSPI_IR, 0xEB);
    wr(x, OSPI_AR, 0x00ABCDEFu);
    const se_flash_frame *f = &x->chip.fr[0].f;
    assert_phase(f->addr, 2, false, 3);
    assert_int_equal(f->addr_value, 0xABCDEF);
    assert_phase(f->alt, 4, false, 3);
    assert_int_equal(f->alt_value, 0xA5A5A5);
}

static void test_reserved_mode_leaves_the_phase_out_and_is_logged(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_CCR, 0x00000005u); /* IMODE 101 */
    wr(x, OSPI_IR, 0x66);
    assert_int_equal(x->chip.fr[0].f.inst.lines, 0);
    assert_int_equal(logs_with(x, "reserved xMODE value 5"), 1);
}

/* ---- indirect write --------------------------------------------------------------------- */

static void test_indirect_write_collects_dlr_plus_1_bytes_then_sends_one_frame(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_DLR, 6);
    wr(x, OSPI_CCR, WCCR_OPI_DTR_WRITE); /* PP in DOPI: 8-line DTR address and data */
    wr(x, OSPI_IR, 0x12ED);
    wr(x, OSPI_AR, 0x1000);
    se_octospi_write(&x->o, OSPI_DR, 0x11, 1);
    uint32_t sr = rd(x, OSPI_SR);
    assert_int_equal(sr & (OSPI_SR_BUSY | OSPI_SR_FTF | OSPI_SR_TCF), OSPI_SR_BUSY | OSPI_SR_FTF);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 0);
    se_octospi_write(&x->o, OSPI_DR, 0x3322, 2);
    assert_int_equal(x->chip.n, 0);
    wr(x, OSPI_DR, 0x77665544u);
    assert_int_equal(x->chip.n, 1);
    const rec *r = &x->chip.fr[0];
    assert_true(r->f.write);
    assert_int_equal(r->f.addr_value, 0x1000);
    assert_int_equal(r->f.len, 7);
    static const uint8_t want[7] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
    assert_memory_equal(r->data, want, 7);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_BUSY | OSPI_SR_TCF), OSPI_SR_TCF);
}

static void test_indirect_write_drops_bytes_beyond_dlr_and_reports_it(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_DLR, 0);
    wr(x, OSPI_CCR, CCR_SPI_WRCR2);
    wr(x, OSPI_IR, 0x72);
    wr(x, OSPI_AR, 0);
    wr(x, OSPI_DR, 0x44332211u);
    assert_int_equal(x->chip.n, 1);
    assert_int_equal(x->chip.fr[0].f.len, 1);
    assert_int_equal(x->chip.fr[0].data[0], 0x11);
    assert_int_equal(logs_with(x, "extra byte(s) dropped"), 1);
}

static void test_indirect_write_longer_than_a_frame_is_split_and_reported(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_DLR, SE_OCTOSPI_FRAME_MAX + 3);
    wr(x, OSPI_CCR, CCR_SPI_WRCR2);
    wr(x, OSPI_IR, 0x02);
    wr(x, OSPI_AR, 0x100);
    for (uint32_t i = 0; i < SE_OCTOSPI_FRAME_MAX + 4; i++)
        se_octospi_write(&x->o, OSPI_DR, i & 0xFF, 1);
    assert_int_equal(x->chip.n, 2);
    assert_int_equal(x->chip.fr[0].f.len, SE_OCTOSPI_FRAME_MAX);
    assert_int_equal(x->chip.fr[1].f.addr_value, 0x100 + SE_OCTOSPI_FRAME_MAX);
    assert_int_equal(x->chip.fr[1].f.len, 4);
    assert_int_equal(logs_with(x, "several frames"), 1);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_TCF);
}

/* ---- indirect read ---------------------------------------------------------------------- */

static void start_read(fx *x, uint32_t addr, uint32_t n)
{
    wr(x, OSPI_DLR, n - 1);
    wr(x, OSPI_CCR, 0x01003101u); /* SPI read with a 32-bit address */
    wr(x, OSPI_IR, 0x13);
    set_fmode(x, 1);
    wr(x, OSPI_AR, addr);
}

static void test_indirect_read_streams_through_the_fifo_by_byte_halfword_and_word(void **state)
{
    fx *x = *state;
    dk_init(x);
    start_read(x, 0x40, 7);
    assert_int_equal(x->chip.n, 1); /* one frame at the start */
    assert_int_equal(x->chip.fr[0].f.len, 7);
    uint32_t sr = rd(x, OSPI_SR);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 7);
    assert_int_equal(sr & (OSPI_SR_BUSY | OSPI_SR_FTF | OSPI_SR_TCF),
                     OSPI_SR_BUSY | OSPI_SR_FTF | OSPI_SR_TCF);
    uint32_t w = rd(x, OSPI_DR);
    assert_int_equal(w, (uint32_t)pattern(0x40) | (uint32_t)pattern(0x41) << 8 |
                            (uint32_t)pattern(0x42) << 16 | (uint32_t)pattern(0x43) << 24);
    assert_int_equal(OSPI_SR_FLEVEL(rd(x, OSPI_SR)), 3);
    assert_int_equal(se_octospi_read(&x->o, OSPI_DR, 2),
                     (uint32_t)pattern(0x44) | (uint32_t)pattern(0x45) << 8);
    assert_int_equal(OSPI_SR_FLEVEL(rd(x, OSPI_SR)), 1);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
    assert_int_equal(se_octospi_read(&x->o, OSPI_DR, 1), pattern(0x46));
    sr = rd(x, OSPI_SR);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 0);
    assert_int_equal(sr & (OSPI_SR_BUSY | OSPI_SR_FTF | OSPI_SR_TCF), OSPI_SR_TCF);
    assert_int_equal(x->chip.n, 1);
}

/* The DMA request line (DMAMUX1 input 41): up with DMAEN while indirect data can move, saying
 * how many bytes may move before it can change. */
static void test_dma_request_follows_dmaen_and_the_transfer(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_DLR, 3);
    wr(x, OSPI_CCR, WCCR_OPI_DTR_WRITE);
    wr(x, OSPI_IR, 0x12ED);
    wr(x, OSPI_AR, 0x1000);
    assert_int_equal(se_octospi_dma_ready(&x->o), 0); /* DMAEN = 0 */
    wr(x, OSPI_CR, rd(x, OSPI_CR) | OSPI_CR_DMAEN);
    assert_int_equal(se_octospi_dma_ready(&x->o), 4); /* a write waiting for OSPI_DLR+1 bytes */
    uint8_t two[2] = {0x11, 0x22};
    se_octospi_dr_stream(&x->o, two, 2, true); /* what the DMA moves */
    assert_int_equal(se_octospi_dma_ready(&x->o), 2);
    se_octospi_dr_stream(&x->o, two, 2, true);
    assert_int_equal(x->chip.n, 1);
    assert_int_equal(x->chip.fr[0].f.len, 4);
    assert_int_equal(se_octospi_dma_ready(&x->o), 4); /* done: the next transfer may start */
    wr(x, OSPI_CR, rd(x, OSPI_CR) & ~OSPI_CR_DMAEN);
    assert_int_equal(se_octospi_dma_ready(&x->o), 0);
    /* a read: up while bytes are left to deliver */
    start_read(x, 0x40, 5);
    assert_int_equal(se_octospi_dma_ready(&x->o), 0);
    wr(x, OSPI_CR, rd(x, OSPI_CR) | OSPI_CR_DMAEN);
    assert_int_equal(se_octospi_dma_ready(&x->o), 5);
    uint8_t got[5];
    se_octospi_dr_stream(&x->o, got, 5, false);
    for (int i = 0; i < 5; i++)
        assert_int_equal(got[i], pattern(0x40 + i));
    assert_int_equal(se_octospi_dma_ready(&x->o), 0);
    /* nothing to move in memory-mapped mode */
    wr(x, OSPI_CR, (rd(x, OSPI_CR) & ~OSPI_CR_FMODE_MASK) | OSPI_CR_FMODE(3));
    assert_int_equal(se_octospi_dma_ready(&x->o), 0);
}

static void test_indirect_read_longer_than_the_fifo_sets_tcf_when_the_last_byte_is_in(void **state)
{
    fx *x = *state;
    dk_init(x);
    start_read(x, 0, 40);
    uint32_t sr = rd(x, OSPI_SR);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 32);
    assert_int_equal(sr & (OSPI_SR_BUSY | OSPI_SR_FTF | OSPI_SR_TCF), OSPI_SR_BUSY | OSPI_SR_FTF);
    rd(x, OSPI_DR);
    assert_int_equal(rd(x, OSPI_SR) & OSPI_SR_TCF, 0); /* 36 left: 4 still in the device */
    rd(x, OSPI_DR);
    sr = rd(x, OSPI_SR);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 32);
    assert_int_equal(sr & (OSPI_SR_BUSY | OSPI_SR_TCF), OSPI_SR_BUSY | OSPI_SR_TCF);
    for (int i = 0; i < 8; i++)
        rd(x, OSPI_DR);
    sr = rd(x, OSPI_SR);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 0);
    assert_int_equal(sr & (OSPI_SR_BUSY | OSPI_SR_FTF), 0);
}

static void test_ftf_follows_fthres_in_write_and_short_read(void **state)
{
    fx *x = *state;
    dk_init(x);
    set_bits(x, OSPI_CR, 0x1Fu << 8, OSPI_CR_FTHRES(32));
    assert_int_equal((rd(x, OSPI_CR) >> 8) & 0x1F, 31);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_FTF); /* indirect write: 32 bytes free >= FTHRES+1 */
    set_bits(x, OSPI_CR, 0x1Fu << 8, OSPI_CR_FTHRES(8));
    start_read(x, 0, 4);
    /* 4 valid bytes < 8, but the read from the device has finished (docs/hardware.md B.4) */
    assert_true(rd(x, OSPI_SR) & OSPI_SR_FTF);
    rd(x, OSPI_DR);
    assert_false(rd(x, OSPI_SR) & OSPI_SR_FTF);
    set_bits(x, OSPI_CR, OSPI_CR_EN, 0);
    set_fmode(x, 0);
    assert_false(rd(x, OSPI_SR) & OSPI_SR_FTF); /* EN=0: nothing flows */
}

static void test_dr_read_with_an_empty_fifo_returns_zero_and_is_logged(void **state)
{
    fx *x = *state;
    dk_init(x);
    set_fmode(x, 1);
    assert_int_equal(rd(x, OSPI_DR), 0);
    assert_int_equal(rd(x, OSPI_DR), 0);
    assert_int_equal(logs_with(x, "empty FIFO and BUSY=0"), 1);
}

static void test_tef_when_the_address_is_beyond_devsize_skips_the_transfer(void **state)
{
    fx *x = *state;
    dk_init(x);
    start_read(x, 64u << 20, 1);
    assert_int_equal(x->chip.n, 0);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TEF | OSPI_SR_BUSY | OSPI_SR_TCF), OSPI_SR_TEF);
    assert_int_equal(logs_with(x, "TEF set"), 1);
    wr(x, OSPI_FCR, OSPI_SR_TEF);
    assert_int_equal(rd(x, OSPI_SR) & OSPI_SR_TEF, 0);
}

static void test_tef_when_address_plus_length_runs_past_the_device(void **state)
{
    fx *x = *state;
    dk_init(x);
    start_read(x, (64u << 20) - 2, 4);
    assert_int_equal(x->chip.n, 0);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_TEF);
    wr(x, OSPI_FCR, OSPI_SR_TEF);
    start_read(x, (64u << 20) - 4, 4); /* the last 4 bytes are fine */
    assert_int_equal(x->chip.n, 1);
    assert_false(rd(x, OSPI_SR) & OSPI_SR_TEF);
}

static void test_dlr_all_ones_reads_up_to_the_device_end(void **state)
{
    fx *x = *state;
    dk_init(x);
    start_read(x, (64u << 20) - 5, 0); /* OSPI_DLR = 0xFFFFFFFF */
    assert_int_equal(x->chip.fr[0].f.len, 5);
    assert_int_equal(OSPI_SR_FLEVEL(rd(x, OSPI_SR)), 5);
}

/* ---- automatic status polling ----------------------------------------------------------- */

static void start_poll_n(fx *x, uint32_t cr_bits, uint32_t mask, uint32_t match, uint32_t pir,
                         uint32_t nbytes)
{
    wr(x, OSPI_PSMKR, mask);
    wr(x, OSPI_PSMAR, match);
    wr(x, OSPI_PIR, pir);
    set_bits(x, OSPI_CR, OSPI_CR_PMM | OSPI_CR_APMS | OSPI_CR_FMODE_MASK,
             cr_bits | OSPI_CR_FMODE(2));
    wr(x, OSPI_DLR, nbytes - 1);
    wr(x, OSPI_CCR, CCR_SPI_RDSR);
    wr(x, OSPI_IR, 0x05);
}

static void start_poll(fx *x, uint32_t cr_bits, uint32_t mask, uint32_t match, uint32_t pir)
{
    start_poll_n(x, cr_bits, mask, match, pir, 1);
}

static void test_autopoll_and_match_sets_smf_and_apms_stops(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.status[0] = 0x03; /* WIP|WEL */
    x->chip.status[1] = 0x02;
    x->chip.nstatus = 2;
    start_poll(x, OSPI_CR_APMS, 0x01, 0x00, 0);
    uint32_t sr = rd(x, OSPI_SR); /* OSPI_PIR 0: a poll at each look */
    assert_int_equal(sr & (OSPI_SR_SMF | OSPI_SR_BUSY), OSPI_SR_SMF);
    assert_int_equal(x->chip.n, 2);
    rd(x, OSPI_SR);
    assert_int_equal(x->chip.n, 2); /* stopped */
}

static void test_autopoll_or_match_needs_any_masked_bit_equal(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.status[0] = 0x00;
    x->chip.status[1] = 0x04;
    x->chip.nstatus = 2;
    start_poll(x, OSPI_CR_APMS | OSPI_CR_PMM, 0x06, 0x06, 0);
    assert_int_equal(x->chip.n, 1);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_SMF | OSPI_SR_BUSY), OSPI_SR_SMF);
    assert_int_equal(x->chip.n, 2);
    /* AND with the same mask and match would not match 0x04 */
    wr(x, OSPI_FCR, OSPI_SR_SMF);
    x->chip.status_i = 1;
    start_poll(x, OSPI_CR_APMS, 0x06, 0x06, 0);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_SMF | OSPI_SR_BUSY), OSPI_SR_BUSY);
}

static void test_autopoll_without_apms_keeps_polling_after_a_match(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.nstatus = 1;
    start_poll(x, 0, 0x01, 0x00, 0);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_SMF | OSPI_SR_BUSY), OSPI_SR_SMF | OSPI_SR_BUSY);
    rd(x, OSPI_SR);
    assert_int_equal(x->chip.n, 3);
    hal_abort(x);
    assert_false(rd(x, OSPI_SR) & OSPI_SR_BUSY);
}

static void test_smf_is_cleared_by_fcr(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.nstatus = 1;
    start_poll(x, OSPI_CR_APMS, 0x01, 0x00, 0);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_SMF);
    wr(x, OSPI_FCR, OSPI_SR_SMF);
    assert_false(rd(x, OSPI_SR) & OSPI_SR_SMF);
}

static void test_autopoll_respects_the_pir_interval_in_virtual_time(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.status[0] = 0x01; /* WIP never clears */
    x->chip.nstatus = 1;
    /* OSPI_PIR 16 cycles at 110 MHz / 3: 436 ns */
    x->now = 1000;
    start_poll(x, OSPI_CR_APMS, 0x01, 0x00, 16);
    assert_int_equal(x->chip.n, 1);
    x->now = 1100;
    rd(x, OSPI_SR);
    x->now = 1435;
    rd(x, OSPI_SR);
    assert_int_equal(x->chip.n, 1);
    x->now = 1436;
    rd(x, OSPI_SR);
    assert_int_equal(x->chip.n, 2);
    assert_int_equal(x->chip.fr[1].at_ns, 1436);
    rd(x, OSPI_SR);
    assert_int_equal(x->chip.n, 2);
    x->o.kernel_hz = 55000000; /* the machine lowered the kernel clock: 873 ns */
    x->now = 1436 + 500;
    rd(x, OSPI_SR);
    assert_int_equal(x->chip.n, 2);
    x->now = 1436 + 873;
    rd(x, OSPI_SR);
    assert_int_equal(x->chip.n, 3);
}

static void test_autopoll_dr_returns_the_last_status_and_flevel_stays_0(void **state)
{
    fx *x = *state;
    dk_init(x);
    x->chip.status[0] = 0xBBAA;
    x->chip.nstatus = 1;
    start_poll_n(x, OSPI_CR_APMS, 0x01, 0x00, 0, 2); /* OSPI_DLR 1: two status bytes */
    assert_int_equal(x->chip.fr[0].f.len, 2);
    uint32_t sr = rd(x, OSPI_SR);
    assert_int_equal(sr & (OSPI_SR_SMF | OSPI_SR_FTF | OSPI_SR_BUSY), OSPI_SR_SMF | OSPI_SR_FTF);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 0);
    assert_int_equal(rd(x, OSPI_DR), 0xBBAA);   /* unmasked */
    assert_false(rd(x, OSPI_SR) & OSPI_SR_FTF); /* cleared by the OSPI_DR read */
    assert_int_equal(se_octospi_read(&x->o, OSPI_DR, 1), 0xAA);
    assert_int_equal(x->chip.n, 1);
}

/* ---- memory-mapped mode ----------------------------------------------------------------- */

static void mmap_setup(fx *x)
{
    dk_init(x);
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_READ, .dcyc = 6, .ir = 0xEE11, .nbdata = 1});
    hal_command(x, &(cmd){.ccr = WCCR_OPI_DTR_WRITE, .ir = 0x12ED, .nbdata = 1, .write_cfg = true});
    hal_memory_mapped(x);
}

/* A mapped read fetches the aligned 32-byte line holding it (the controller's prefetch),
 * and later reads inside that line need no new frame. */
static void test_memory_mapped_read_sends_a_read_frame_at_the_offset(void **state)
{
    fx *x = *state;
    mmap_setup(x);
    assert_false(rd(x, OSPI_SR) & OSPI_SR_BUSY);
    assert_int_equal(se_octospi_mem_read(&x->o, 0x123457, 1), pattern(0x123457));
    assert_int_equal(se_octospi_mem_read(&x->o, 0x123458, 1), pattern(0x123458));
    assert_int_equal(se_octospi_mem_read(&x->o, 0x10, 2),
                     (uint32_t)pattern(0x10) | (uint32_t)pattern(0x11) << 8);
    assert_int_equal(x->chip.n, 2);
    assert_int_equal(x->chip.fr[0].f.addr_value, 0x123440);
    assert_int_equal(x->chip.fr[0].f.len, 32);
    assert_int_equal(x->chip.fr[1].f.addr_value, 0x0);
    assert_int_equal(x->chip.fr[1].f.len, 32);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
    x->now += 1000000000ull; /* TCEN=0: nCS stays low until ABORT */
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
}

static void test_memory_mapped_write_sends_a_wccr_frame(void **state)
{
    fx *x = *state;
    mmap_setup(x);
    se_octospi_mem_write(&x->o, 0x2000, 0x44332211u, 4);
    const rec *r = &x->chip.fr[0];
    assert_int_equal(x->chip.n, 1);
    assert_true(r->f.write);
    assert_int_equal(r->f.inst_value, 0x12ED);
    assert_int_equal(r->f.addr_value, 0x2000);
    assert_int_equal(r->f.len, 4);
    static const uint8_t want[4] = {0x11, 0x22, 0x33, 0x44};
    assert_memory_equal(r->data, want, 4);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
}

static void test_memory_mapped_access_refused_outside_mmap_mode_or_devsize(void **state)
{
    fx *x = *state;
    dk_init(x);
    assert_false(se_octospi_mem_ok(&x->o, 0));
    assert_int_equal(se_octospi_mem_read(&x->o, 0, 4), 0);
    se_octospi_mem_write(&x->o, 0, 1, 4);
    assert_int_equal(logs_with(x, "while CR.FMODE=0, not 11"), 1);
    set_fmode(x, 3);
    assert_true(se_octospi_mem_ok(&x->o, (64u << 20) - 1));
    assert_false(se_octospi_mem_ok(&x->o, 64u << 20));
    assert_int_equal(se_octospi_mem_read(&x->o, 64u << 20, 4), 0);
    assert_int_equal(logs_with(x, "beyond the 67108864-byte device"), 1);
    set_bits(x, OSPI_CR, OSPI_CR_EN, 0);
    assert_false(se_octospi_mem_ok(&x->o, 0));
    assert_int_equal(se_octospi_mem_read(&x->o, 0, 4), 0);
    assert_int_equal(logs_with(x, "with CR.EN=0"), 1);
    assert_int_equal(x->chip.n, 0);
}

static void test_memory_mapped_timeout_sets_tof_and_clears_busy(void **state)
{
    fx *x = *state;
    mmap_setup(x);
    hal_abort(x);
    set_bits(x, OSPI_CR, 0, OSPI_CR_TCEN);
    wr(x, OSPI_LPTR, 110); /* 110 cycles at 36.67 MHz: 3 us */
    x->now = 10000;
    se_octospi_mem_read(&x->o, 0, 4);
    x->now = 12999;
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_BUSY | OSPI_SR_TOF), OSPI_SR_BUSY);
    x->now = 13000;
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_BUSY | OSPI_SR_TOF), OSPI_SR_TOF);
    wr(x, OSPI_FCR, OSPI_SR_TOF);
    assert_int_equal(rd(x, OSPI_SR) & OSPI_SR_TOF, 0);
    se_octospi_mem_read(&x->o, 4, 4); /* the next access selects the chip again */
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
}

/* ---- ABORT, EN, BUSY -------------------------------------------------------------------- */

static void test_abort_sets_tcf_clears_busy_and_reads_0(void **state)
{
    fx *x = *state;
    mmap_setup(x);
    se_octospi_mem_read(&x->o, 0, 4);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
    set_bits(x, OSPI_CR, 0, OSPI_CR_ABORT);
    assert_int_equal(rd(x, OSPI_CR) & OSPI_CR_ABORT, 0);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TCF | OSPI_SR_BUSY), OSPI_SR_TCF);
    /* an indirect read in progress: the FIFO is flushed */
    wr(x, OSPI_FCR, OSPI_SR_TCF);
    start_read(x, 0, 40);
    rd(x, OSPI_DR);
    set_bits(x, OSPI_CR, 0, OSPI_CR_ABORT);
    uint32_t sr = rd(x, OSPI_SR);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 0);
    assert_int_equal(sr & (OSPI_SR_TCF | OSPI_SR_BUSY), OSPI_SR_TCF);
}

static void test_abort_during_indirect_write_sends_the_bytes_written(void **state)
{
    fx *x = *state;
    dk_init(x);
    wr(x, OSPI_DLR, 255);
    wr(x, OSPI_CCR, CCR_SPI_WRCR2);
    wr(x, OSPI_IR, 0x02);
    wr(x, OSPI_AR, 0x80);
    wr(x, OSPI_DR, 0x04030201u);
    assert_int_equal(x->chip.n, 0);
    set_bits(x, OSPI_CR, 0, OSPI_CR_ABORT);
    assert_int_equal(x->chip.n, 1);
    assert_int_equal(x->chip.fr[0].f.len, 4);
    assert_int_equal(x->chip.fr[0].data[3], 0x04);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TCF | OSPI_SR_BUSY), OSPI_SR_TCF);
}

static void test_en_0_stops_the_operation(void **state)
{
    fx *x = *state;
    dk_init(x);
    start_read(x, 0, 100);
    assert_true(rd(x, OSPI_SR) & OSPI_SR_BUSY);
    set_bits(x, OSPI_CR, OSPI_CR_EN, 0);
    uint32_t sr = rd(x, OSPI_SR);
    assert_int_equal(sr & OSPI_SR_BUSY, 0);
    assert_int_equal(OSPI_SR_FLEVEL(sr), 0);
    x->chip.nstatus = 1;
    set_bits(x, OSPI_CR, 0, OSPI_CR_EN);
    start_poll(x, 0, 0x01, 0x00, 0);
    set_bits(x, OSPI_CR, OSPI_CR_EN, 0);
    unsigned n = x->chip.n;
    assert_false(rd(x, OSPI_SR) & OSPI_SR_BUSY);
    assert_int_equal(x->chip.n, n);
}

static void test_config_writes_while_busy_are_ignored_and_logged(void **state)
{
    fx *x = *state;
    mmap_setup(x);
    se_octospi_mem_read(&x->o, 0, 4);
    wr(x, OSPI_CCR, CCR_SPI_INST);
    wr(x, OSPI_CCR, CCR_SPI_INST);
    wr(x, OSPI_IR, 0x66);
    wr(x, OSPI_DCR1, 0);
    set_fmode(x, 0);
    assert_int_equal(rd(x, OSPI_CCR), CCR_OPI_DTR_READ);
    assert_int_equal(rd(x, OSPI_IR), 0xEE11);
    assert_int_equal(rd(x, OSPI_DCR1), DCR1_DK);
    assert_int_equal(rd(x, OSPI_CR) & OSPI_CR_FMODE_MASK, OSPI_CR_FMODE(3));
    assert_int_equal(logs_with(x, ": write to CCR ignored while BUSY"), 1);
    assert_int_equal(logs_with(x, "write to IR ignored while BUSY"), 1);
    assert_int_equal(logs_with(x, "write to DCR1 ignored while BUSY"), 1);
    assert_int_equal(logs_with(x, "write to CR ignored while BUSY"), 1);
    assert_int_equal(x->chip.n, 1);
    hal_abort(x); /* ABORT is accepted while BUSY */
    wr(x, OSPI_CCR, CCR_SPI_INST);
    assert_int_equal(rd(x, OSPI_CCR), CCR_SPI_INST);
}

static void test_ar_write_ignored_in_memory_mapped_mode(void **state)
{
    fx *x = *state;
    mmap_setup(x);
    wr(x, OSPI_AR, 0x1234);
    assert_int_equal(rd(x, OSPI_AR), 0);
    assert_int_equal(logs_with(x, "write to AR ignored while FMODE=11"), 1);
}

static void test_fcr_clears_flags_write_1_to_clear(void **state)
{
    fx *x = *state;
    dk_init(x);
    start_read(x, 64u << 20, 1);                             /* TEF */
    hal_command(x, &(cmd){.ccr = CCR_SPI_INST, .ir = 0x06}); /* TCF set then cleared */
    set_bits(x, OSPI_CR, 0, OSPI_CR_ABORT);                  /* TCF */
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TEF | OSPI_SR_TCF), OSPI_SR_TEF | OSPI_SR_TCF);
    wr(x, OSPI_FCR, OSPI_SR_TCF);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TEF | OSPI_SR_TCF), OSPI_SR_TEF);
    wr(x, OSPI_FCR, 0);
    assert_int_equal(rd(x, OSPI_SR) & OSPI_SR_TEF, OSPI_SR_TEF);
    wr(x, OSPI_FCR, 0x1B);
    assert_int_equal(rd(x, OSPI_SR) & (OSPI_SR_TEF | OSPI_SR_TCF | OSPI_SR_SMF | OSPI_SR_TOF), 0);
    assert_int_equal(rd(x, OSPI_FCR), 0);
}

static void test_access_with_the_rcc_clock_off_is_logged_once(void **state)
{
    fx *x = *state;
    x->clock = false;
    x->o.clock_enabled = &x->clock;
    rd(x, OSPI_SR);
    wr(x, OSPI_CR, OSPI_CR_EN);
    assert_int_equal(rd(x, OSPI_CR), OSPI_CR_EN); /* still performed */
    assert_int_equal(logs_with(x, "OCTOSPI accessed with RCC OSPI1EN=0"), 1);
    x->clock = true;
    rd(x, OSPI_SR);
    assert_int_equal(logs_with(x, "OSPI1EN=0"), 1);
}

static void test_no_chip_reads_float_high_and_is_logged(void **state)
{
    fx *x = *state;
    se_octospi_connect(&x->o, (se_flash_port){NULL, NULL});
    dk_init(x);
    start_read(x, 0, 2);
    assert_int_equal(se_octospi_read(&x->o, OSPI_DR, 2), 0xFFFF);
    assert_int_equal(logs_with(x, "no flash chip is connected"), 1);
}

/* ---- the HAL sequence (docs/hardware.md A.7, B.5) -------------------------------------------- */

static void test_hal_like_sequence_command_autopoll_receive_mmap_abort(void **state)
{
    fx *x = *state;
    x->chip.status[0] = 0x02; /* WEL set, WIP clear */
    x->chip.nstatus = 1;
    dk_init(x);
    hal_command(x, &(cmd){.ccr = CCR_SPI_INST, .ir = 0x66}); /* RSTEN */
    hal_command(x, &(cmd){.ccr = CCR_SPI_INST, .ir = 0x06}); /* WREN */
    hal_command(x, &(cmd){.ccr = CCR_SPI_RDSR, .ir = 0x05, .nbdata = 1});
    hal_autopoll(x, 0x02, 0x02, 0x10); /* WEL */
    hal_command(x, &(cmd){.ccr = CCR_SPI_WRCR2, .ir = 0x72, .ar = 0, .nbdata = 1});
    hal_transmit(x, (const uint8_t[]){0x02}); /* enter DOPI */
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_READ, .dcyc = 5, .ir = 0x05FA, .nbdata = 2});
    hal_autopoll(x, 0x00, 0x01, 0x10); /* WIP in DOPI */
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_READ, .dcyc = 5, .ir = 0x8E71, .nbdata = 2});
    uint8_t cr2[2];
    hal_receive(x, cr2);
    hal_command(x, &(cmd){.ccr = CCR_OPI_DTR_READ, .dcyc = 6, .ir = 0xEE11, .nbdata = 1});
    hal_command(x, &(cmd){.ccr = WCCR_OPI_DTR_WRITE, .ir = 0x12ED, .nbdata = 1, .write_cfg = true});
    hal_memory_mapped(x);
    uint32_t word = se_octospi_mem_read(&x->o, 0x8000, 4);
    hal_abort(x);

    static const uint32_t want[] = {0x66, 0x06, 0x05, 0x72, 0x05FA, 0x8E71, 0xEE11};
    assert_int_equal(x->chip.n, sizeof want / sizeof want[0]);
    for (unsigned i = 0; i < x->chip.n; i++)
        assert_int_equal(x->chip.fr[i].f.inst_value, want[i]);
    assert_int_equal(x->chip.fr[3].data[0], 0x02);
    assert_int_equal(x->chip.fr[4].f.len, 2);
    assert_int_equal(cr2[0], pattern(0));
    assert_int_equal(word & 0xFF, pattern(0x8000));
    uint32_t sr = rd(x, OSPI_SR);
    assert_int_equal(sr & (OSPI_SR_BUSY | OSPI_SR_TCF | OSPI_SR_TEF | OSPI_SR_SMF), 0);
    assert_int_equal(rd(x, OSPI_CR) & OSPI_CR_FMODE_MASK, OSPI_CR_FMODE(3));
    assert_int_equal(x->nlog, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_reset_values_are_all_zero),
        T(test_unknown_offset_reads_zero_and_is_logged_once),
        T(test_sub_word_register_access_uses_its_lanes),
        T(test_ir_write_starts_a_command_without_address_or_data),
        T(test_ar_write_starts_a_command_with_an_address),
        T(test_ir_and_ar_writes_with_fmode00_and_dmode_set_send_nothing),
        T(test_first_dr_write_starts_an_indirect_write),
        T(test_ir_write_starts_a_read_without_address_in_fmode01),
        T(test_ar_write_starts_auto_polling_with_an_address),
        T(test_trigger_with_en_0_sends_nothing_and_is_logged),
        T(test_golden_spi_instruction_only_frame),
        T(test_golden_spi_rdsr_poll_frame),
        T(test_golden_spi_wrcr2_frame),
        T(test_golden_opi_instruction_only_frames),
        T(test_golden_opi_dtr_address_only_frame),
        T(test_golden_opi_dtr_register_read_frame),
        T(test_golden_memory_mapped_frames),
        T(test_alternate_bytes_and_sizes_follow_ccr),
        T(test_reserved_mode_leaves_the_phase_out_and_is_logged),
        T(test_indirect_write_collects_dlr_plus_1_bytes_then_sends_one_frame),
        T(test_indirect_write_drops_bytes_beyond_dlr_and_reports_it),
        T(test_dma_request_follows_dmaen_and_the_transfer),
        T(test_indirect_write_longer_than_a_frame_is_split_and_reported),
        T(test_indirect_read_streams_through_the_fifo_by_byte_halfword_and_word),
        T(test_indirect_read_longer_than_the_fifo_sets_tcf_when_the_last_byte_is_in),
        T(test_ftf_follows_fthres_in_write_and_short_read),
        T(test_dr_read_with_an_empty_fifo_returns_zero_and_is_logged),
        T(test_tef_when_the_address_is_beyond_devsize_skips_the_transfer),
        T(test_tef_when_address_plus_length_runs_past_the_device),
        T(test_dlr_all_ones_reads_up_to_the_device_end),
        T(test_autopoll_and_match_sets_smf_and_apms_stops),
        T(test_autopoll_or_match_needs_any_masked_bit_equal),
        T(test_autopoll_without_apms_keeps_polling_after_a_match),
        T(test_smf_is_cleared_by_fcr),
        T(test_autopoll_respects_the_pir_interval_in_virtual_time),
        T(test_autopoll_dr_returns_the_last_status_and_flevel_stays_0),
        T(test_memory_mapped_read_sends_a_read_frame_at_the_offset),
        T(test_memory_mapped_write_sends_a_wccr_frame),
        T(test_memory_mapped_access_refused_outside_mmap_mode_or_devsize),
        T(test_memory_mapped_timeout_sets_tof_and_clears_busy),
        T(test_abort_sets_tcf_clears_busy_and_reads_0),
        T(test_abort_during_indirect_write_sends_the_bytes_written),
        T(test_en_0_stops_the_operation),
        T(test_config_writes_while_busy_are_ignored_and_logged),
        T(test_ar_write_ignored_in_memory_mapped_mode),
        T(test_fcr_clears_flags_write_1_to_clear),
        T(test_access_with_the_rcc_clock_off_is_logged_once),
        T(test_no_chip_reads_float_high_and_is_logged),
        T(test_hal_like_sequence_command_autopoll_receive_mmap_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
