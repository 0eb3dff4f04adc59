#include "peripherals/octospi.h"
#include "peripherals/octospi_regs.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Once-only notices (bits of s->reported). */
enum {
    NOTE_CLOCK,
    NOTE_IRQ,
    NOTE_DR_EMPTY,
    NOTE_DR_LANE,
    NOTE_DR_WRITE_IGNORED,
    NOTE_DR_EXTRA,
    NOTE_SPLIT_WRITE,
    NOTE_SPLIT_READ,
    NOTE_POLL_LEN,
    NOTE_RESERVED_MODE,
    NOTE_NO_CHIP,
    NOTE_TRIGGER_EN0,
    NOTE_AR_MMAP,
    NOTE_TEF,
    NOTE_MEM_EN0,
    NOTE_MEM_FMODE,
    NOTE_MEM_DEVSIZE,
    NOTE_SIOO,
    NOTE_ABORT_WRITE,
};

/* All reset values are 0 (docs/hardware.md B.2, SVD); write masks are the B.2 fields. */
static const se_reg regs[] = {
    {OSPI_CR, SE_ACC_RW, 0, 0x30DF1FCFu, 0, "CR"},
    {OSPI_DCR1, SE_ACC_RW, 0, 0x071F070Bu, SE_REGF_LOCKED_BUSY, "DCR1"},
    {OSPI_DCR2, SE_ACC_RW, 0, 0x000700FFu, SE_REGF_LOCKED_BUSY, "DCR2"},
    {OSPI_DCR3, SE_ACC_RW, 0, 0x001F0000u, SE_REGF_LOCKED_BUSY, "DCR3"},
    {OSPI_DCR4, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "DCR4"},
    {OSPI_SR, SE_ACC_RO, 0, 0, 0, "SR"},
    {OSPI_FCR, SE_ACC_WO, 0, OSPI_SR_LATCHED, 0, "FCR"},
    {OSPI_DLR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "DLR"},
    {OSPI_AR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "AR"},
    {OSPI_DR, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, "DR"},
    {OSPI_PSMKR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "PSMKR"},
    {OSPI_PSMAR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "PSMAR"},
    {OSPI_PIR, SE_ACC_RW, 0, 0x0000FFFFu, SE_REGF_LOCKED_BUSY, "PIR"},
    {OSPI_CCR, SE_ACC_RW, 0, 0xAF3F3F3Fu, SE_REGF_LOCKED_BUSY, "CCR"},
    {OSPI_TCR, SE_ACC_RW, 0, 0x5000001Fu, SE_REGF_LOCKED_BUSY, "TCR"},
    {OSPI_IR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "IR"},
    {OSPI_ABR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "ABR"},
    {OSPI_LPTR, SE_ACC_RW, 0, 0x0000FFFFu, SE_REGF_LOCKED_BUSY, "LPTR"},
    {OSPI_WPCCR, SE_ACC_RW, 0, 0x2F3F3F3Fu, SE_REGF_LOCKED_BUSY, "WPCCR"},
    {OSPI_WPTCR, SE_ACC_RW, 0, 0x5000001Fu, SE_REGF_LOCKED_BUSY, "WPTCR"},
    {OSPI_WPIR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "WPIR"},
    {OSPI_WPABR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "WPABR"},
    {OSPI_WCCR, SE_ACC_RW, 0, 0x2F3F3F3Fu, SE_REGF_LOCKED_BUSY, "WCCR"},
    {OSPI_WTCR, SE_ACC_RW, 0, 0x0000001Fu, SE_REGF_LOCKED_BUSY, "WTCR"},
    {OSPI_WIR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "WIR"},
    {OSPI_WABR, SE_ACC_RW, 0, 0xFFFFFFFFu, SE_REGF_LOCKED_BUSY, "WABR"},
    {OSPI_HLCR, SE_ACC_RW, 0, 0x00FFFF03u, SE_REGF_LOCKED_BUSY, "HLCR"},
};
SE_REG_TABLE(reg_table, regs, SE_OCTOSPI_NREGS * 4u);

#define R(s, off) ((s)->r[(off) >> 2])

/* ---- diagnostics ------------------------------------------------------------------------ */

static void olog(const se_octospi *s, int level, uint32_t base, uint32_t offset, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));
static void olog(const se_octospi *s, int level, uint32_t base, uint32_t offset, const char *fmt,
                 ...)
{
    if (!s->host || !s->host->log)
        return;
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    se_periph_log(s->host, level, s->label ? s->label : "OCTOSPI", base, offset, what);
}

static bool once(se_octospi *s, unsigned note)
{
    if (s->reported & (1u << note))
        return false;
    s->reported |= 1u << note;
    return true;
}

static void check_clock(se_octospi *s, uint32_t base, uint32_t offset)
{
    if (s->clock_enabled && !*s->clock_enabled && once(s, NOTE_CLOCK))
        olog(s, SE_LOG_WARN, base, offset,
             "%s accessed with RCC %s=0 (RCC_AHB3ENR bit 8); the access is performed "
             "as if the clock ran",
             s->label ? s->label : "OCTOSPI", s->clock_bit ? s->clock_bit : "OSPI1EN");
}

/* ---- time and geometry ------------------------------------------------------------------ */

static bool have_clock(const se_octospi *s) { return s->host && s->host->now_ns; }

static uint64_t now_ns(const se_octospi *s)
{
    return have_clock(s) ? s->host->now_ns(s->host->opaque) : 0;
}

/* Duration of cycles OCTOSPI clock cycles: F_clk = F_kernel / (PRESCALER+1) (docs/hardware.md B.2). */
static uint64_t cycles_ns(const se_octospi *s, uint32_t cycles)
{
    uint64_t hz = s->kernel_hz ? s->kernel_hz : SE_OCTOSPI_KERNEL_HZ;
    uint64_t div = (R(s, OSPI_DCR2) & 0xFFu) + 1u;
    return (uint64_t)cycles * div * 1000000000ull / hz;
}

uint64_t se_octospi_device_size(const se_octospi *s)
{
    return 2ull << ((R(s, OSPI_DCR1) >> OSPI_DCR1_DEVSIZE_SHIFT) & 0x1Fu);
}

static unsigned fmode(const se_octospi *s)
{
    return (R(s, OSPI_CR) & OSPI_CR_FMODE_MASK) >> OSPI_CR_FMODE_SHIFT;
}

static bool has_addr(uint32_t ccr) { return ((ccr >> OSPI_CCR_ADMODE_SHIFT) & 7u) != 0; }

static bool has_data(uint32_t ccr) { return ((ccr >> OSPI_CCR_DMODE_SHIFT) & 7u) != 0; }

/* ---- frames ----------------------------------------------------------------------------- */

static uint8_t mode_lines(se_octospi *s, uint32_t mode)
{
    static const uint8_t lines[8] = {0, 1, 2, 4, 8, 0, 0, 0};
    if (mode > 4 && once(s, NOTE_RESERVED_MODE))
        olog(s, SE_LOG_WARN, s->base, OSPI_CCR,
             "reserved xMODE value %" PRIu32 " (101-111): that phase is left out", mode);
    return lines[mode & 7u];
}

/* The phase whose mode field starts at shift (DTR at shift+3, size at shift+5:shift+4). */
static se_flash_phase phase(se_octospi *s, uint32_t ccr, unsigned shift)
{
    se_flash_phase p = {0, false, 0};
    p.lines = mode_lines(s, (ccr >> shift) & 7u);
    if (p.lines) {
        p.dtr = (ccr >> (shift + 3)) & 1u;
        p.size = (uint8_t)(((ccr >> (shift + 4)) & 3u) + 1u);
    }
    return p;
}

static uint32_t low_bytes(uint32_t v, unsigned n)
{
    return n >= 4 ? v : v & ((1u << (8 * n)) - 1u);
}

/* A frame in the format of one register set: CCR/TCR/IR/ABR (indirect, auto-polling and
 * mapped reads) or WCCR/WTCR/WIR/WABR (mapped writes). */
static void build_frame(se_octospi *s, se_flash_frame *f, uint32_t ccr_off, uint32_t addr)
{
    uint32_t ccr = s->r[ccr_off >> 2];
    uint32_t tcr = s->r[(ccr_off + 0x08) >> 2];
    uint32_t ir = s->r[(ccr_off + 0x10) >> 2];
    uint32_t abr = s->r[(ccr_off + 0x20) >> 2];
    memset(f, 0, sizeof *f);
    f->inst = phase(s, ccr, OSPI_CCR_IMODE_SHIFT);
    f->inst_value = f->inst.lines ? low_bytes(ir, f->inst.size) : 0;
    f->addr = phase(s, ccr, OSPI_CCR_ADMODE_SHIFT);
    f->addr_value = f->addr.lines ? low_bytes(addr, f->addr.size) : 0;
    f->alt = phase(s, ccr, OSPI_CCR_ABMODE_SHIFT);
    f->alt_value = f->alt.lines ? low_bytes(abr, f->alt.size) : 0;
    f->dummy_cycles = (uint8_t)(tcr & OSPI_TCR_DCYC_MASK);
    f->data.lines = mode_lines(s, (ccr >> OSPI_CCR_DMODE_SHIFT) & 7u);
    f->data.dtr = f->data.lines && (ccr & OSPI_CCR_DDTR);
    f->dqs = (ccr & OSPI_CCR_DQSE) != 0;
    f->buf = s->buf; /* never NULL, even for a frame without data (len 0) */
}

/* One chip-select-low transaction. A read buffer starts as 0xFF: a bus nobody drives. */
static void send(se_octospi *s, se_flash_frame *f)
{
    if (!f->write && f->len)
        memset(f->buf, 0xFF, f->len);
    if (s->port.ops && s->port.ops->transfer) {
        s->port.ops->transfer(s->port.chip, f, now_ns(s));
    } else if (once(s, NOTE_NO_CHIP)) {
        olog(s, SE_LOG_WARN, s->base, OSPI_CR,
             "no flash chip is connected: frames go nowhere, reads return 0xFF");
    }
}

/* TEF (docs/hardware.md B.4, S15): an address phase outside 2^(DEVSIZE+1), or addr+len past the end.
 * The transfer is then skipped (the skip is [unverified]). */
static bool beyond_device(se_octospi *s, uint32_t ccr, uint32_t addr, uint64_t len, uint32_t off)
{
    if (!has_addr(ccr))
        return false;
    uint64_t size = se_octospi_device_size(s);
    if (addr < size && addr + len <= size)
        return false;
    R(s, OSPI_SR) |= OSPI_SR_TEF;
    if (once(s, NOTE_TEF))
        olog(s, SE_LOG_WARN, s->base, off,
             "transfer at address 0x%08" PRIx32 " + %" PRIu64 " bytes runs past the %" PRIu64
             "-byte device (DCR1.DEVSIZE): TEF set, nothing sent",
             addr, len, size);
    return true;
}

/* Bytes of the indirect transfer: DLR+1, and DLR = 0xFFFFFFFF means up to the device end
 * (without an address phase: 2^32 bytes, i.e. until ABORT). */
static uint64_t xfer_length(const se_octospi *s)
{
    uint32_t dlr = R(s, OSPI_DLR);
    if (dlr != 0xFFFFFFFFu)
        return (uint64_t)dlr + 1u;
    if (!has_addr(R(s, OSPI_CCR)))
        return 1ull << 32;
    uint64_t size = se_octospi_device_size(s);
    return R(s, OSPI_AR) < size ? size - R(s, OSPI_AR) : 0;
}

/* ---- indirect write --------------------------------------------------------------------- */

static void push_done(se_octospi *s);

/* The bytes collected so far as one frame (the chip sees them in one transaction). */
static void flush_write(se_octospi *s)
{
    se_flash_frame f;
    build_frame(s, &f, OSPI_CCR, s->xfer_addr + (uint32_t)s->buf_at);
    f.write = true;
    f.len = s->buf_len;
    f.buf = s->buf;
    send(s, &f);
    s->buf_at += s->buf_len;
    s->buf_len = 0;
}

static void push_byte(se_octospi *s, uint8_t b)
{
    s->buf[s->buf_len++] = b;
    s->xfer_done++;
    push_done(s);
}

/* The same for n bytes at once; returns how many the transfer took (its end stops it). */
static uint32_t push_bytes(se_octospi *s, const uint8_t *b, uint32_t n)
{
    uint32_t took = 0;
    while (took < n && s->op == SE_OCTOSPI_WRITE) {
        uint64_t left = s->xfer_len - s->xfer_done;
        uint32_t room = SE_OCTOSPI_FRAME_MAX - s->buf_len, k = n - took;
        if (k > room)
            k = room;
        if (k > left)
            k = (uint32_t)left;
        memcpy(s->buf + s->buf_len, b + took, k);
        s->buf_len += k;
        s->xfer_done += k;
        took += k;
        push_done(s);
    }
    return took;
}

static void push_done(se_octospi *s)
{
    if (s->xfer_done == s->xfer_len) {
        flush_write(s);
        s->op = SE_OCTOSPI_IDLE;
        R(s, OSPI_SR) |= OSPI_SR_TCF;
    } else if (s->buf_len == SE_OCTOSPI_FRAME_MAX) {
        if (once(s, NOTE_SPLIT_WRITE))
            olog(s, SE_LOG_WARN, s->base, OSPI_DR,
                 "indirect write of %" PRIu64 " bytes is longer than the model's %u-byte frame: "
                 "the chip sees it as several frames",
                 s->xfer_len, SE_OCTOSPI_FRAME_MAX);
        flush_write(s);
    }
}

/* ---- indirect read ---------------------------------------------------------------------- */

static void fetch(se_octospi *s, uint64_t at)
{
    uint64_t left = s->xfer_len - at;
    se_flash_frame f;
    build_frame(s, &f, OSPI_CCR, s->xfer_addr + (uint32_t)at);
    f.len = left > SE_OCTOSPI_FRAME_MAX ? SE_OCTOSPI_FRAME_MAX : (uint32_t)left;
    f.buf = s->buf;
    send(s, &f);
    s->buf_at = at;
    s->buf_len = f.len;
}

static uint32_t fifo_level(const se_octospi *s)
{
    if (s->op != SE_OCTOSPI_READ)
        return 0;
    uint64_t left = s->xfer_len - s->xfer_done;
    return left > SE_OCTOSPI_FIFO_SIZE ? SE_OCTOSPI_FIFO_SIZE : (uint32_t)left;
}

/* TCF when the last byte has left the device for the FIFO; BUSY until software drained it
 * (docs/hardware.md B.4). */
static void read_progress(se_octospi *s)
{
    if (!s->dev_done && s->xfer_len - s->xfer_done <= SE_OCTOSPI_FIFO_SIZE) {
        s->dev_done = true;
        R(s, OSPI_SR) |= OSPI_SR_TCF;
    }
    if (s->xfer_done == s->xfer_len)
        s->op = SE_OCTOSPI_IDLE;
}

static uint32_t pop(se_octospi *s, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n && s->xfer_done < s->xfer_len; i++) {
        if (s->xfer_done >= s->buf_at + s->buf_len)
            fetch(s, s->xfer_done);
        v |= (uint32_t)s->buf[s->xfer_done - s->buf_at] << (8 * i);
        s->xfer_done++;
    }
    read_progress(s);
    return v;
}

/* ---- automatic status polling ----------------------------------------------------------- */

static void poll_once(se_octospi *s)
{
    uint32_t n = R(s, OSPI_DLR) + 1u;
    if (R(s, OSPI_DLR) > 3u) {
        n = 4;
        if (once(s, NOTE_POLL_LEN))
            olog(s, SE_LOG_WARN, s->base, OSPI_DLR,
                 "auto-polling reads 1..4 status bytes; DLR %" PRIu32 " treated as 3",
                 R(s, OSPI_DLR));
    }
    uint8_t b[4];
    se_flash_frame f;
    build_frame(s, &f, OSPI_CCR, R(s, OSPI_AR));
    f.len = n;
    f.buf = b;
    send(s, &f);
    uint32_t status = 0;
    for (uint32_t i = 0; i < n; i++) /* byte 0 in bits 7:0 [infer, docs/hardware.md B.4] */
        status |= (uint32_t)b[i] << (8 * i);
    s->poll_status = status;
    s->poll_ftf = true;
    s->poll_at_ns = now_ns(s);

    uint32_t mask = low_bytes(R(s, OSPI_PSMKR), n);
    uint32_t diff = status ^ R(s, OSPI_PSMAR);
    bool match = (R(s, OSPI_CR) & OSPI_CR_PMM)
                     ? (~diff & mask) != 0 /* OR: any masked bit equal */
                     : (diff & mask) == 0; /* AND: all masked bits equal */
    if (match) {
        R(s, OSPI_SR) |= OSPI_SR_SMF;
        if (R(s, OSPI_CR) & OSPI_CR_APMS)
            s->op = SE_OCTOSPI_IDLE;
    }
}

/* Auto-polling runs on its own on silicon; the model polls when software looks at SR and PIR
 * clock cycles have passed in virtual time since the last status read. Without a clock (no
 * host->now_ns), every SR read polls. */
static void poll_due(se_octospi *s)
{
    if (s->op != SE_OCTOSPI_POLL)
        return;
    if (!have_clock(s) || now_ns(s) - s->poll_at_ns >= cycles_ns(s, R(s, OSPI_PIR) & 0xFFFFu))
        poll_once(s);
}

/* ---- memory-mapped timeout -------------------------------------------------------------- */

/* TCEN=1: nCS is released and TOF set after LPTR idle cycles (docs/hardware.md B.4). Checked lazily
 * at each register or window access, so TOF appears at the first look after the deadline. */
static void mm_timeout_due(se_octospi *s)
{
    if (s->op != SE_OCTOSPI_MMAP || !(R(s, OSPI_CR) & OSPI_CR_TCEN) || !have_clock(s))
        return;
    if (now_ns(s) - s->mm_at_ns >= cycles_ns(s, R(s, OSPI_LPTR) & 0xFFFFu)) {
        s->op = SE_OCTOSPI_IDLE;
        R(s, OSPI_SR) |= OSPI_SR_TOF;
    }
}

/* ---- starting and stopping -------------------------------------------------------------- */

/* Ends the operation: the FIFO is flushed. Bytes of an indirect write already written to DR were
 * on the wire on silicon, so the chip gets them as a (short) frame. */
static void stop(se_octospi *s, const char *why)
{
    if (s->op == SE_OCTOSPI_WRITE && s->buf_len) {
        if (once(s, NOTE_ABORT_WRITE))
            olog(s, SE_LOG_INFO, s->base, OSPI_CR,
                 "%s after %" PRIu64 " of %" PRIu64 " bytes of an indirect write: the chip gets "
                 "the bytes written so far",
                 why, s->xfer_done, s->xfer_len);
        flush_write(s);
    }
    s->op = SE_OCTOSPI_IDLE;
    s->xfer_len = s->xfer_done = s->buf_at = 0;
    s->buf_len = 0;
    s->dev_done = false;
    s->poll_ftf = false;
}

static void start_poll(se_octospi *s)
{
    uint32_t n = R(s, OSPI_DLR) > 3u ? 4u : R(s, OSPI_DLR) + 1u;
    if (beyond_device(s, R(s, OSPI_CCR), R(s, OSPI_AR), n, OSPI_AR))
        return;
    s->op = SE_OCTOSPI_POLL;
    s->poll_ftf = false;
    poll_once(s);
}

/* Indirect read, or an indirect command without data (FMODE 00 or 01, DMODE 000). */
static void start_indirect(se_octospi *s, uint32_t trigger)
{
    uint32_t ccr = R(s, OSPI_CCR);
    uint64_t len = has_data(ccr) ? xfer_length(s) : 0;
    if (beyond_device(s, ccr, R(s, OSPI_AR), len, trigger))
        return;
    if (!has_data(ccr)) {
        se_flash_frame f;
        build_frame(s, &f, OSPI_CCR, R(s, OSPI_AR));
        send(s, &f);
        R(s, OSPI_SR) |= OSPI_SR_TCF;
        return;
    }
    s->op = SE_OCTOSPI_READ;
    s->xfer_len = len;
    s->xfer_done = 0;
    s->xfer_addr = R(s, OSPI_AR);
    s->dev_done = false;
    if (len > SE_OCTOSPI_FRAME_MAX && once(s, NOTE_SPLIT_READ))
        olog(s, SE_LOG_INFO, s->base, trigger,
             "indirect read of %" PRIu64 " bytes is longer than the model's %u-byte frame: the "
             "chip sees it as several frames",
             len, SE_OCTOSPI_FRAME_MAX);
    fetch(s, 0);
    read_progress(s);
}

/* docs/hardware.md B.4 "Transfer start": an IR write starts a transfer that has no address phase, an
 * AR write one that has; neither starts an indirect write with data (FMODE=00, DMODE!=000),
 * which waits for DR. Auto-polling starts like a read. Nothing starts in memory-mapped mode. */
static void trigger(se_octospi *s, uint32_t off)
{
    uint32_t ccr = R(s, OSPI_CCR);
    unsigned fm = fmode(s);
    if (fm == OSPI_FMODE_MMAP || (fm == OSPI_FMODE_WRITE && has_data(ccr)))
        return;
    if (has_addr(ccr) != (off == OSPI_AR))
        return;
    if (!(R(s, OSPI_CR) & OSPI_CR_EN)) { /* [infer] docs/hardware.md B.4; D.8 open */
        if (once(s, NOTE_TRIGGER_EN0))
            olog(s, SE_LOG_WARN, s->base, off,
                 "write to %s would start a transfer, but CR.EN=0: nothing is sent",
                 off == OSPI_AR ? "AR" : "IR");
        return;
    }
    if (fm == OSPI_FMODE_POLL)
        start_poll(s);
    else
        start_indirect(s, off);
}

/* ---- registers -------------------------------------------------------------------------- */

/* Auto-polling that has not matched while the chip is busy until T will not match before
 * T: a CPU that keeps reading SR is only waiting (se_periph_host.idle_until). */
static void idle_hint(se_octospi *s)
{
    if (s->op != SE_OCTOSPI_POLL || (R(s, OSPI_SR) & OSPI_SR_SMF) || !have_clock(s) ||
        !s->host->idle_until || !s->port.ops || !s->port.ops->busy_until)
        return;
    uint64_t t = s->port.ops->busy_until(s->port.chip);
    if (t <= now_ns(s))
        return;
    uint64_t next_poll = s->poll_at_ns + cycles_ns(s, R(s, OSPI_PIR) & 0xFFFFu);
    s->host->idle_until(s->host->opaque, t > next_poll ? t : next_poll);
}

static uint32_t read_sr(se_octospi *s)
{
    poll_due(s);
    idle_hint(s);
    uint32_t sr = R(s, OSPI_SR) & OSPI_SR_LATCHED;
    uint32_t level = fifo_level(s);
    uint32_t thr = ((R(s, OSPI_CR) >> OSPI_CR_FTHRES_SHIFT) & 0x1Fu) + 1u;
    bool ftf;
    if (s->op == SE_OCTOSPI_READ)
        ftf = level >= thr || (level && s->dev_done);
    else if (fmode(s) == OSPI_FMODE_POLL)
        ftf = s->poll_ftf;
    else if (fmode(s) == OSPI_FMODE_WRITE) /* DR bytes go to the wire at once: the FIFO is empty */
        ftf = (R(s, OSPI_CR) & OSPI_CR_EN) && SE_OCTOSPI_FIFO_SIZE - level >= thr;
    else
        ftf = false;
    if (ftf)
        sr |= OSPI_SR_FTF;
    if (s->op != SE_OCTOSPI_IDLE)
        sr |= OSPI_SR_BUSY;
    return sr | (level << OSPI_SR_FLEVEL_SHIFT);
}

static void check_dr_lane(se_octospi *s, uint32_t offset)
{
    if ((offset & 3u) && once(s, NOTE_DR_LANE))
        olog(s, SE_LOG_WARN, s->base, offset,
             "DR accessed at a byte lane other than 0x050; RM0438 expects byte and halfword "
             "accesses at 0x050: treated as an access at 0x050");
}

static uint32_t read_dr(se_octospi *s, uint32_t offset, unsigned size)
{
    check_dr_lane(s, offset);
    unsigned n = size > 4 ? 4 : size;
    if (s->op == SE_OCTOSPI_READ)
        return pop(s, n);
    if (fmode(s) == OSPI_FMODE_POLL) { /* the last status, unmasked (docs/hardware.md B.4) */
        s->poll_ftf = false;
        return low_bytes(s->poll_status, n);
    }
    if (once(s, NOTE_DR_EMPTY))
        olog(s, SE_LOG_WARN, s->base, OSPI_DR, "DR read with an empty FIFO and BUSY=0 returns 0");
    return 0;
}

static void write_dr(se_octospi *s, uint32_t offset, uint32_t value, unsigned size)
{
    check_dr_lane(s, offset);
    unsigned n = size > 4 ? 4 : size;
    if (s->op == SE_OCTOSPI_IDLE) {
        uint32_t ccr = R(s, OSPI_CCR);
        if (fmode(s) != OSPI_FMODE_WRITE || !has_data(ccr)) {
            if (once(s, NOTE_DR_WRITE_IGNORED))
                olog(s, SE_LOG_WARN, s->base, OSPI_DR,
                     "DR write of 0x%08" PRIx32 " ignored: not an indirect write with a data "
                     "phase (CR.FMODE=%u, CCR.DMODE=%" PRIu32 ")",
                     value, fmode(s), (ccr >> OSPI_CCR_DMODE_SHIFT) & 7u);
            return;
        }
        if (!(R(s, OSPI_CR) & OSPI_CR_EN)) {
            if (once(s, NOTE_TRIGGER_EN0))
                olog(s, SE_LOG_WARN, s->base, OSPI_DR,
                     "write to DR would start a transfer, but CR.EN=0: nothing is sent");
            return;
        }
        uint64_t len = xfer_length(s);
        if (beyond_device(s, ccr, R(s, OSPI_AR), len, OSPI_DR))
            return;
        s->op = SE_OCTOSPI_WRITE;
        s->xfer_len = len;
        s->xfer_done = s->buf_at = 0;
        s->buf_len = 0;
        s->xfer_addr = R(s, OSPI_AR);
    } else if (s->op != SE_OCTOSPI_WRITE) {
        if (once(s, NOTE_DR_WRITE_IGNORED))
            olog(s, SE_LOG_WARN, s->base, OSPI_DR,
                 "DR write of 0x%08" PRIx32 " ignored while a read, poll or memory-mapped "
                 "operation runs",
                 value);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        if (s->op != SE_OCTOSPI_WRITE) {
            if (once(s, NOTE_DR_EXTRA))
                olog(s, SE_LOG_WARN, s->base, OSPI_DR,
                     "%u-byte DR write with fewer bytes left in the transfer: %u extra byte(s) "
                     "dropped",
                     n, n - i);
            break;
        }
        push_byte(s, (uint8_t)(value >> (8 * i)));
    }
}

static void abort_op(se_octospi *s)
{
    /* RM0438: ABORT stops any operation, flushes the FIFO, sets TCF; ABORT then reads 0 and
     * BUSY falls (docs/hardware.md B.4). */
    stop(s, "ABORT");
    R(s, OSPI_SR) |= OSPI_SR_TCF;
}

static void write_cr(se_octospi *s, uint32_t v, uint32_t lanes, uint32_t wmask)
{
    uint32_t old = R(s, OSPI_CR);
    uint32_t m = wmask & lanes & ~OSPI_CR_ABORT;
    uint32_t cr = (old & ~m) | (v & m);
    if (s->op != SE_OCTOSPI_IDLE && ((cr ^ old) & OSPI_CR_LOCKED)) {
        if (se_reg_once(s->busy_seen, OSPI_CR))
            olog(s, SE_LOG_WARN, s->base, OSPI_CR,
                 "write to CR ignored while BUSY for FMODE/APMS/PMM/TCEN/DQM/FSEL "
                 "(0x%08" PRIx32 " -> 0x%08" PRIx32 ")",
                 old, cr);
        cr = (cr & ~OSPI_CR_LOCKED) | (old & OSPI_CR_LOCKED);
    }
    R(s, OSPI_CR) = cr;
    if (v & lanes & OSPI_CR_ABORT)
        abort_op(s);
    if ((old & OSPI_CR_EN) && !(cr & OSPI_CR_EN))
        stop(s, "CR.EN=0"); /* EN=0 stops everything (docs/hardware.md B.4) */
    if ((cr & OSPI_CR_IE_MASK) && once(s, NOTE_IRQ))
        olog(s, SE_LOG_WARN, s->base, OSPI_CR,
             "interrupt enables set (CR 0x%08" PRIx32 "): the OCTOSPI interrupt (IRQ 76) is not "
             "modelled; flags must be polled",
             cr);
}

void se_octospi_reset(se_octospi *s)
{
    const se_periph_host *host = s->host;
    uint32_t base = s->base, mem_base = s->mem_base;
    se_flash_port port = s->port;
    bool *clock = s->clock_enabled;
    uint32_t khz = s->kernel_hz;
    const char *label = s->label, *clock_bit = s->clock_bit;
    uint32_t dcr3_more = s->dcr3_more;
    memset(s, 0, sizeof *s);
    s->dcr3_more = dcr3_more;
    s->label = label;
    s->clock_bit = clock_bit;
    s->host = host;
    s->base = base;
    s->mem_base = mem_base;
    s->port = port;
    s->clock_enabled = clock;
    s->kernel_hz = khz ? khz : SE_OCTOSPI_KERNEL_HZ;
}

void se_octospi_connect(se_octospi *s, se_flash_port port) { s->port = port; }

uint32_t se_octospi_read(se_octospi *s, uint32_t offset, unsigned size)
{
    check_clock(s, s->base, offset);
    mm_timeout_due(s);
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "OCTOSPI", s->base, off, false, 0);
        return 0;
    }
    switch (off) {
    case OSPI_SR: return se_reg_lane_read(read_sr(s), offset, size);
    case OSPI_DR: return read_dr(s, offset, size);
    default: /* CR.ABORT is never stored, so it reads 0 */
        return d->access == SE_ACC_WO ? 0 : se_reg_lane_read(R(s, off), offset, size);
    }
}

void se_octospi_write(se_octospi *s, uint32_t offset, uint32_t value, unsigned size)
{
    s->mm_line_valid = false;
    check_clock(s, s->base, offset);
    mm_timeout_due(s);
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "OCTOSPI", s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_reg_lanes(offset, size);
    uint32_t v = se_reg_lane_value(offset, value, size);
    switch (off) {
    case OSPI_CR: write_cr(s, v, lanes, d->wmask); return;
    case OSPI_FCR: /* write 1 to clear (docs/hardware.md B.2) */
        R(s, OSPI_SR) &= ~(v & d->wmask);
        return;
    case OSPI_DR: write_dr(s, offset, value, size); return;
    default: break;
    }
    if (d->access == SE_ACC_RO) {
        if (se_reg_once(s->unknown_seen, off))
            olog(s, SE_LOG_WARN, s->base, off, "write to the read-only %s ignored", d->name);
        return;
    }
    if ((d->flags & SE_REGF_LOCKED_BUSY) && s->op != SE_OCTOSPI_IDLE) {
        /* docs/hardware.md B.4: configuration may only change while BUSY=0 (AR explicitly, S7). */
        if (se_reg_once(s->busy_seen, off))
            olog(s, SE_LOG_WARN, s->base, off,
                 "write to %s ignored while BUSY (value 0x%08" PRIx32 ")", d->name, v);
        return;
    }
    if (off == OSPI_AR && fmode(s) == OSPI_FMODE_MMAP) {
        if (once(s, NOTE_AR_MMAP)) /* S7: AR writes are ignored in memory-mapped mode */
            olog(s, SE_LOG_WARN, s->base, off,
                 "write to AR ignored while FMODE=11 (value 0x%08" PRIx32 ")", v);
        return;
    }
    uint32_t wm = d->wmask | (off == OSPI_DCR3 ? s->dcr3_more : 0u);
    R(s, off) = (R(s, off) & ~(wm & lanes)) | (v & wm & lanes);
    if (off == OSPI_IR || off == OSPI_AR)
        trigger(s, off);
}

/* ---- memory-mapped window --------------------------------------------------------------- */

bool se_octospi_mem_ok(const se_octospi *s, uint32_t offset)
{
    return (R(s, OSPI_CR) & OSPI_CR_EN) && fmode(s) == OSPI_FMODE_MMAP &&
           offset < se_octospi_device_size(s) && offset < SE_OCTOSPI_MEM_SIZE;
}

uint32_t se_octospi_dma_ready(const se_octospi *s)
{
    if ((R(s, OSPI_CR) & (OSPI_CR_DMAEN | OSPI_CR_EN)) != (OSPI_CR_DMAEN | OSPI_CR_EN))
        return 0;
    uint64_t n = 0;
    if (s->op == SE_OCTOSPI_READ)
        n = s->xfer_len - s->xfer_done;
    else if (s->op == SE_OCTOSPI_WRITE)
        n = s->xfer_len - s->xfer_done;
    else if (s->op == SE_OCTOSPI_IDLE && fmode(s) == OSPI_FMODE_WRITE && has_data(R(s, OSPI_CCR)))
        n = xfer_length(s);
    return n > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)n;
}

void se_octospi_dr_stream(se_octospi *s, uint8_t *bytes, uint32_t n, bool write)
{
    for (uint32_t i = 0; i < n;) {
        if (write && s->op == SE_OCTOSPI_WRITE) {
            uint32_t k = push_bytes(s, bytes + i, n - i); /* the bulk of a transfer */
            i += k;
            if (k)
                continue;
        }
        if (write)
            write_dr(s, OSPI_DR, bytes[i], 1); /* starts a transfer, or says why not */
        else
            bytes[i] = (uint8_t)read_dr(s, OSPI_DR, 1);
        i++;
    }
}

bool se_octospi_mem_direct(se_octospi *s)
{
    if (!(R(s, OSPI_CR) & OSPI_CR_EN) || fmode(s) != OSPI_FMODE_MMAP ||
        (R(s, OSPI_CR) & OSPI_CR_TCEN) || (s->clock_enabled && !*s->clock_enabled) ||
        !s->port.ops || !s->port.ops->reads_array)
        return false;
    se_flash_frame f;
    build_frame(s, &f, OSPI_CCR, 0);
    f.len = 32; /* a prefetch line */
    return s->port.ops->reads_array(s->port.chip, &f, now_ns(s));
}

void se_octospi_mem_touch(se_octospi *s)
{
    s->op = SE_OCTOSPI_MMAP;
    s->mm_at_ns = now_ns(s);
    s->mm_line_valid = false;
}

static bool mem_refused(se_octospi *s, uint32_t offset, bool write)
{
    if (se_octospi_mem_ok(s, offset))
        return false;
    const char *what = write ? "write" : "read";
    if (!(R(s, OSPI_CR) & OSPI_CR_EN)) {
        if (once(s, NOTE_MEM_EN0))
            olog(s, SE_LOG_WARN, s->mem_base, offset,
                 "memory-mapped %s with CR.EN=0: %s (docs/hardware.md D.8 open)", what,
                 write ? "ignored" : "reads 0");
    } else if (fmode(s) != OSPI_FMODE_MMAP) {
        if (once(s, NOTE_MEM_FMODE))
            olog(s, SE_LOG_WARN, s->mem_base, offset,
                 "memory-mapped %s while CR.FMODE=%u, not 11: %s", what, fmode(s),
                 write ? "ignored" : "reads 0");
    } else if (once(s, NOTE_MEM_DEVSIZE)) {
        olog(s, SE_LOG_WARN, s->mem_base, offset,
             "memory-mapped %s beyond the %" PRIu64 "-byte device (DCR1.DEVSIZE): %s "
             "(docs/hardware.md D.8: a bus error on silicon?)",
             what, se_octospi_device_size(s), write ? "ignored" : "reads 0");
    }
    return true;
}

/* A mapped access: one frame per access (no prefetch), BUSY from then on. */
static void mem_access(se_octospi *s, uint32_t offset, bool write, uint8_t *b, unsigned n)
{
    if ((R(s, write ? OSPI_WCCR : OSPI_CCR) & OSPI_CCR_SIOO) && once(s, NOTE_SIOO))
        olog(s, SE_LOG_INFO, s->mem_base, offset,
             "CCR.SIOO set: the model sends the instruction on every memory-mapped access");
    se_flash_frame f;
    build_frame(s, &f, write ? OSPI_WCCR : OSPI_CCR, offset);
    f.write = write;
    f.len = n;
    f.buf = b;
    send(s, &f);
    s->op = SE_OCTOSPI_MMAP;
    s->mm_at_ns = now_ns(s);
}

uint32_t se_octospi_mem_read(se_octospi *s, uint32_t offset, unsigned size)
{
    check_clock(s, s->mem_base, offset);
    mm_timeout_due(s);
    if (mem_refused(s, offset, false))
        return 0;
    unsigned n = size > 4 ? 4 : size;
    uint8_t b[4];
    uint32_t line = offset & ~31u;
    if ((offset & 31u) + n <= 32u && !mem_refused(s, line, false)) {
        /* Served from the prefetched line: one aligned 32-byte frame, as the controller's
         * prefetch does, so byte reads do not become odd-length DTR frames. */
        if (!s->mm_line_valid || s->mm_line_addr != line) {
            mem_access(s, line, false, s->mm_line, 32);
            s->mm_line_addr = line;
            s->mm_line_valid = true;
        }
        s->op = SE_OCTOSPI_MMAP;
        s->mm_at_ns = now_ns(s);
        memcpy(b, s->mm_line + (offset & 31u), n);
    } else {
        mem_access(s, offset, false, b, n);
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

void se_octospi_mem_write(se_octospi *s, uint32_t offset, uint32_t value, unsigned size)
{
    s->mm_line_valid = false;
    check_clock(s, s->mem_base, offset);
    mm_timeout_due(s);
    if (mem_refused(s, offset, true))
        return;
    unsigned n = size > 4 ? 4 : size;
    uint8_t b[4];
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(value >> (8 * i));
    mem_access(s, offset, true, b, n);
}

/* ---- class ------------------------------------------------------------------------------ */

SE_PERIPH_CLASS(se_octospi_class, "OCTOSPI", se_octospi, se_octospi);

/* ---- the controller as the machine drives it (peripherals/flashbus.h) ---- */

static void ctl_connect(void *ctl, se_flash_port port) { se_octospi_connect(ctl, port); }
static void ctl_reset(void *ctl) { se_octospi_reset(ctl); }
static bool ctl_mem_ok(const void *ctl, uint32_t off) { return se_octospi_mem_ok(ctl, off); }
static void ctl_mem_why_not(const void *ctl, uint32_t off, char *buf, size_t len)
{
    const se_octospi *s = ctl;
    static const char *const modes[4] = {"indirect-write", "indirect-read", "automatic-polling",
                                         "memory-mapped"};
    unsigned fm = fmode(s);
    if (!(R(s, OSPI_CR) & OSPI_CR_EN))
        snprintf(buf, len, "disabled (CR.EN=0)");
    else if (fm != OSPI_FMODE_MMAP)
        snprintf(buf, len, "in %s mode (CR.FMODE=%u%u), not memory-mapped", modes[fm & 3u],
                 (fm >> 1) & 1u, fm & 1u);
    else
        snprintf(buf, len, "memory-mapped, but offset 0x%" PRIx32 " is beyond DCR1.DEVSIZE", off);
}
static uint32_t ctl_mem_read(void *ctl, uint32_t off, unsigned size)
{
    return se_octospi_mem_read(ctl, off, size);
}
static void ctl_mem_write(void *ctl, uint32_t off, uint32_t value, unsigned size)
{
    se_octospi_mem_write(ctl, off, value, size);
}
static bool ctl_mem_direct(void *ctl) { return se_octospi_mem_direct(ctl); }
static void ctl_mem_touch(void *ctl) { se_octospi_mem_touch(ctl); }
static uint32_t ctl_dma_ready(const void *ctl) { return se_octospi_dma_ready(ctl); }
static void ctl_dr_stream(void *ctl, uint8_t *bytes, uint32_t n, bool write)
{
    se_octospi_dr_stream(ctl, bytes, n, write);
}
static void ctl_set_kernel_hz(void *ctl, uint32_t hz)
{
    ((se_octospi *)ctl)->kernel_hz = hz ? hz : SE_OCTOSPI_KERNEL_HZ;
}
/* Bus clock = kernel / (DCR2.PRESCALER + 1); nCS high >= DCR1.CSHT + 1 cycles (B.2). */
static uint32_t ctl_bus_hz(const void *ctl)
{
    const se_octospi *s = ctl;
    uint32_t kernel = s->kernel_hz ? s->kernel_hz : SE_OCTOSPI_KERNEL_HZ;
    return kernel / ((R(s, OSPI_DCR2) & 0xFFu) + 1u);
}
static unsigned ctl_cs_high_cycles(const void *ctl)
{
    const se_octospi *s = ctl;
    return ((R(s, OSPI_DCR1) >> 8) & 7u) + 1u;
}

const se_memctl_ops se_octospi_memctl = {
    .connect = ctl_connect,
    .reset = ctl_reset,
    .mem_ok = ctl_mem_ok,
    .mem_why_not = ctl_mem_why_not,
    .mem_read = ctl_mem_read,
    .mem_write = ctl_mem_write,
    .mem_direct = ctl_mem_direct,
    .mem_touch = ctl_mem_touch,
    .dma_ready = ctl_dma_ready,
    .dr_stream = ctl_dr_stream,
    .dr_offset = OSPI_DR,
    .set_kernel_hz = ctl_set_kernel_hz,
    .bus_hz = ctl_bus_hz,
    .cs_high_cycles = ctl_cs_high_cycles,
};
