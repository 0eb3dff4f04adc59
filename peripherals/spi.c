#include "peripherals/spi.h"

#include <stdio.h>
#include <string.h>

/* Writable bits (RM0383 field lists). CR1: all 16; CR2: RXDMAEN, TXDMAEN, SSOE, FRF, ERRIE,
 * RXNEIE, TXEIE; CRCPR 16 bits (reset 7); I2SCFGR b11:0; I2SPR b9:0 (reset 2). */
#define CR1_WMASK 0x0000FFFFu
#define CR2_WMASK 0x000000F7u
#define I2SCFGR_WMASK 0x00000FBFu
#define I2SPR_WMASK 0x000003FFu

static uint64_t now_ns(const se_spi *s)
{
    return s->host && s->host->now_ns ? s->host->now_ns(s->host->opaque) : 0;
}

static void note(se_spi *s, uint32_t off, int level, const char *what)
{
    se_periph_log(s->host, level, s->label ? s->label : "SPI", s->base, off, what);
}

static void frame_clear(se_spi *s)
{
    s->nbytes = 0;
    s->op = 0;
    s->shaped = false;
    memset(&s->shape, 0, sizeof s->shape);
    s->addr = 0;
    s->addr_got = 0;
    s->read_issued = false;
    s->consumed = 0;
    s->rpos = s->rlen = 0;
    s->wlen = 0;
}

void se_spi_reset(se_spi *s)
{
    se_spi keep = *s;
    memset(s, 0, sizeof *s);
    s->host = keep.host;
    s->base = keep.base;
    s->label = keep.label;
    s->clock_enabled = keep.clock_enabled;
    s->pclk_hz = keep.pclk_hz;
    s->port = keep.port;
    s->peer = keep.peer;
    s->cs_bound = keep.cs_bound;
    s->cs_port = keep.cs_port;
    s->cs_pin = keep.cs_pin;
    s->gpio_cs_low = keep.gpio_cs_low; /* the pin's level is the GPIO's, not ours */
    s->counters = keep.counters;
    s->warned_mode = keep.warned_mode;
    s->crcpr = 7u;
    s->i2spr = 2u;
    s->sr = SPI_SR_TXE;
    s->cs_low = s->gpio_cs_low;
}

void se_spi_configure(se_spi *s, const se_periph_host *host, uint32_t base, const char *label,
                      bool *clock_enabled, uint32_t pclk_hz)
{
    s->host = host;
    s->base = base;
    s->label = label;
    s->clock_enabled = clock_enabled;
    s->pclk_hz = pclk_hz;
}

/* ---- frames: the bytes under one chip select, as the chip says its command is shaped ---- */

static void deliver(se_spi *s, se_flash_frame *f)
{
    s->counters.frames++;
    if (s->port.ops && s->port.ops->transfer)
        s->port.ops->transfer(s->port.chip, f, now_ns(s));
    else if (!f->write && f->len)
        memset(f->buf, 0xFF, f->len); /* nothing wired: the bus floats */
}

static void frame_head(const se_spi *s, se_flash_frame *f)
{
    memset(f, 0, sizeof *f);
    f->inst = (se_flash_phase){1, false, 1};
    f->inst_value = s->op;
}

/* The next piece of a read: array reads continue at the next address, register reads are
 * asked again (a status register polled under one chip select follows the chip). */
static void read_more(se_spi *s)
{
    se_flash_frame f;
    frame_head(s, &f);
    if (s->shape.addr_bytes) {
        uint32_t a = s->shape.array ? s->addr + s->consumed : s->addr;
        if (s->shape.addr_bytes < 4)
            a &= (1u << (8u * s->shape.addr_bytes)) - 1u;
        f.addr = (se_flash_phase){1, false, s->shape.addr_bytes};
        f.addr_value = a;
    }
    f.dummy_cycles = (uint8_t)(8u * s->shape.dummy_bytes);
    f.data = (se_flash_phase){1, false, 0};
    f.len = s->shape.array ? SE_SPI_RBUF : (s->shape.reg_len ? s->shape.reg_len : 1u);
    f.buf = s->rbuf;
    deliver(s, &f);
    s->rpos = 0;
    s->rlen = f.len;
    s->read_issued = true;
}

/* The rising edge: a frame not yet delivered (commands, writes, a read whose data the CPU
 * never clocked) goes to the chip with the bytes it had. */
static void frame_end(se_spi *s)
{
    if (s->nbytes && !s->read_issued) {
        se_flash_frame f;
        frame_head(s, &f);
        if (s->addr_got) {
            f.addr = (se_flash_phase){1, false, s->addr_got};
            f.addr_value = s->addr;
        }
        uint32_t after = s->nbytes - 1u - s->addr_got;
        if (s->addr_got == s->shape.addr_bytes) {
            uint32_t d = after < s->shape.dummy_bytes ? after : s->shape.dummy_bytes;
            f.dummy_cycles = (uint8_t)(8u * d);
        }
        if (s->wlen) {
            f.data = (se_flash_phase){1, false, 0};
            f.write = true;
            f.len = s->wlen;
            f.buf = s->wbuf;
        }
        deliver(s, &f);
    }
    frame_clear(s);
}

static uint8_t stream_byte(se_spi *s, uint8_t out)
{
    uint32_t i = s->nbytes++;
    if (i == 0) {
        s->op = out;
        const se_flash_chip_ops *o = s->port.ops;
        s->shaped = o && o->stream_shape && o->stream_shape(s->port.chip, out, &s->shape);
        if (!s->shaped) /* unknown to the chip: the rest goes on as data, the chip says why */
            memset(&s->shape, 0, sizeof s->shape);
        return 0xFF;
    }
    uint32_t k = i - 1u;
    if (k < s->shape.addr_bytes) {
        s->addr = s->addr << 8 | out;
        s->addr_got++;
        return 0xFF;
    }
    k -= s->shape.addr_bytes;
    if (k < s->shape.dummy_bytes)
        return 0xFF;
    if (!s->shape.read) {
        if (s->wlen < SE_SPI_WBUF) {
            s->wbuf[s->wlen++] = out;
        } else if (s->counters.write_overflow++ == 0) {
            char msg[120];
            snprintf(msg, sizeof msg,
                     "more than %u data bytes under one chip select: the rest is dropped",
                     SE_SPI_WBUF);
            note(s, SPI_DR, SE_LOG_WARN, msg);
        }
        return 0xFF;
    }
    if (s->rpos == s->rlen)
        read_more(s);
    s->consumed++;
    return s->rbuf[s->rpos++];
}

/* NSS as an output (SSM = 0, SSOE = 1) is low while the SPI is enabled in master mode. */
static bool nss_low(const se_spi *s)
{
    return !(s->cr1 & SPI_CR1_SSM) && (s->cr2 & SPI_CR2_SSOE) && (s->cr1 & SPI_CR1_SPE) &&
           (s->cr1 & SPI_CR1_MSTR);
}

static void update_cs(se_spi *s)
{
    bool low = s->gpio_cs_low || nss_low(s);
    if (low == s->cs_low)
        return;
    s->cs_low = low;
    if (low)
        frame_clear(s);
    else
        frame_end(s);
}

void se_spi_set_gpio_cs(se_spi *s, bool low)
{
    s->gpio_cs_low = low;
    update_cs(s);
}

static uint8_t bitrev8(uint8_t b)
{
    b = (uint8_t)((b & 0xF0u) >> 4 | (b & 0x0Fu) << 4);
    b = (uint8_t)((b & 0xCCu) >> 2 | (b & 0x33u) << 2);
    return (uint8_t)((b & 0xAAu) >> 1 | (b & 0x55u) << 1);
}

static uint8_t shift8(se_spi *s, uint8_t out)
{
    bool lsb = (s->cr1 & SPI_CR1_LSBFIRST) != 0;
    if (lsb)
        out = bitrev8(out);
    s->counters.bytes++;
    uint8_t in = 0xFF;
    if (s->cs_low) {
        in = stream_byte(s, out);
    } else if (s->counters.no_chip_select++ == 0) {
        note(s, SPI_DR, SE_LOG_INFO,
             "a byte shifted with the flash not selected (no chip-select pin low, NSS not "
             "driven): nobody answers, it reads 0xFF");
    }
    return lsb ? bitrev8(in) : in;
}

/* A frame written to DR: shifted at once; the answer waits in DR with RXNE, or is lost (OVR)
 * while the last one has not been read (RM0383 "Overrun condition"). */
static void transmit(se_spi *s, uint16_t v)
{
    if (!(s->cr1 & SPI_CR1_SPE))
        return; /* RM0383: nothing is shifted while SPE = 0 */
    if (!(s->cr1 & SPI_CR1_MSTR) || (s->cr1 & (SPI_CR1_BIDIMODE | SPI_CR1_RXONLY))) {
        if (!s->warned_mode) {
            s->warned_mode = true;
            note(s, SPI_DR, SE_LOG_WARN,
                 "slave, bidirectional and receive-only modes are not modelled: nothing is "
                 "shifted");
        }
        return;
    }
    uint16_t in;
    if (s->cr1 & SPI_CR1_DFF)
        in = (uint16_t)(shift8(s, (uint8_t)(v >> 8)) << 8 | shift8(s, (uint8_t)v));
    else
        in = shift8(s, (uint8_t)v);
    if (s->sr & SPI_SR_RXNE) {
        s->sr |= SPI_SR_OVR;
        s->counters.overruns++;
        return;
    }
    s->rx = in;
    s->sr |= SPI_SR_RXNE;
}

uint8_t se_spi_exchange(se_spi *s, uint8_t out)
{
    transmit(s, out);
    s->sr &= ~SPI_SR_RXNE;
    return (uint8_t)s->rx;
}

uint32_t se_spi_read(se_spi *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u, v;
    switch (off) {
    case SPI_CR1: v = s->cr1; break;
    case SPI_CR2: v = s->cr2; break;
    case SPI_SR:
        v = s->sr | SPI_SR_TXE; /* BSY: every frame is shifted when DR is written */
        if (s->ovr_dr_read) {   /* RM0383: DR read then SR read clears OVR */
            s->sr &= ~SPI_SR_OVR;
            s->ovr_dr_read = false;
        }
        if (v & SPI_SR_MODF)
            s->modf_sr_read = true;
        break;
    case SPI_DR:
        v = s->rx;
        s->sr &= ~SPI_SR_RXNE;
        if (s->sr & SPI_SR_OVR)
            s->ovr_dr_read = true;
        break;
    case SPI_CRCPR: v = s->crcpr; break;
    case SPI_RXCRCR:
    case SPI_TXCRCR: v = 0; break; /* CRC not modelled */
    case SPI_I2SCFGR: v = s->i2scfgr; break;
    case SPI_I2SPR: v = s->i2spr; break;
    default:
        se_periph_unknown(s->host, s->unknown_seen, s->label ? s->label : "SPI", s->base, off,
                          false, 0);
        return 0;
    }
    return se_reg_lane_read(v, offset, size);
}

static void write_cr1(se_spi *s, uint32_t v)
{
    if (s->modf_sr_read) { /* RM0383: SR read then CR1 write clears MODF */
        s->sr &= ~SPI_SR_MODF;
        s->modf_sr_read = false;
    }
    s->cr1 = v & CR1_WMASK;
    /* RM0383 "Mode fault": a master whose NSS reads low (SSM = 1 with SSI = 0) drops to
     * slave and disables itself */
    if ((s->cr1 & SPI_CR1_MSTR) && (s->cr1 & SPI_CR1_SSM) && !(s->cr1 & SPI_CR1_SSI)) {
        s->sr |= SPI_SR_MODF;
        s->cr1 &= ~(SPI_CR1_MSTR | SPI_CR1_SPE);
        note(s, SPI_CR1, SE_LOG_WARN,
             "mode fault: master with SSM = 1 and SSI = 0 (NSS low): MSTR and SPE cleared");
    }
    if ((s->cr1 & SPI_CR1_CRCEN) && se_reg_once(s->unknown_seen, SPI_RXCRCR))
        note(s, SPI_CR1, SE_LOG_WARN, "CRC is not modelled: no CRC frame is sent or checked");
}

void se_spi_write(se_spi *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    uint32_t lanes = se_reg_lanes(offset, size), v = se_reg_lane_value(offset, value, size);
    if (s->clock_enabled && !*s->clock_enabled) {
        if (se_reg_once(s->unknown_seen, 0x3FCu))
            note(s, off, SE_LOG_WARN, "write while the SPI clock is off (RCC): ignored");
        return;
    }
    switch (off) {
    case SPI_CR1: write_cr1(s, (s->cr1 & ~lanes) | (v & lanes)); break;
    case SPI_CR2: s->cr2 = (s->cr2 & ~(lanes & CR2_WMASK)) | (v & lanes & CR2_WMASK); break;
    case SPI_SR:
        /* RM0383: CRCERR is the only bit software clears by writing; the rest is read-only */
        return;
    case SPI_DR: transmit(s, (uint16_t)((s->cr1 & SPI_CR1_DFF) ? value : value & 0xFFu)); return;
    case SPI_CRCPR: s->crcpr = (s->crcpr & ~(lanes & 0xFFFFu)) | (v & lanes & 0xFFFFu); return;
    case SPI_RXCRCR:
    case SPI_TXCRCR: return; /* read-only */
    case SPI_I2SCFGR:
        s->i2scfgr = (s->i2scfgr & ~(lanes & I2SCFGR_WMASK)) | (v & lanes & I2SCFGR_WMASK);
        return;
    case SPI_I2SPR:
        s->i2spr = (s->i2spr & ~(lanes & I2SPR_WMASK)) | (v & lanes & I2SPR_WMASK);
        return;
    default:
        se_periph_unknown(s->host, s->unknown_seen, s->label ? s->label : "SPI", s->base, off, true,
                          value);
        return;
    }
    update_cs(s); /* NSS output follows SPE */
}

SE_PERIPH_CLASS(se_spi_class, "SPI", se_spi, se_spi);

/* ---- the machine's view: no window; the bus for --vcd ----------------------------------- */

static void ctl_connect(void *ctl, se_flash_port port) { ((se_spi *)ctl)->port = port; }
static void ctl_reset(void *ctl) { se_spi_reset(ctl); }
static bool ctl_mem_ok(const void *ctl, uint32_t off)
{
    (void)ctl;
    (void)off;
    return false;
}
static void ctl_mem_why_not(const void *ctl, uint32_t off, char *buf, size_t len)
{
    (void)off;
    const se_spi *s = ctl;
    snprintf(buf, len,
             "%s has no memory-mapped window: the flash is reached only through the loader's "
             "Read",
             s->label ? s->label : "SPI");
}
static uint32_t ctl_mem_read(void *ctl, uint32_t off, unsigned size)
{
    (void)ctl;
    (void)off;
    (void)size;
    return 0;
}
static void ctl_mem_write(void *ctl, uint32_t off, uint32_t value, unsigned size)
{
    (void)ctl;
    (void)off;
    (void)value;
    (void)size;
}
static bool ctl_mem_direct(void *ctl)
{
    (void)ctl;
    return false;
}
static void ctl_mem_touch(void *ctl) { (void)ctl; }
static uint32_t ctl_dma_ready(const void *ctl)
{
    (void)ctl;
    return 0; /* DMA requests are not modelled */
}
static void ctl_dr_stream(void *ctl, uint8_t *bytes, uint32_t n, bool write)
{
    for (uint32_t i = 0; i < n; i++) {
        uint8_t in = se_spi_exchange(ctl, write ? bytes[i] : 0xFFu);
        if (!write)
            bytes[i] = in;
    }
}
static void ctl_set_kernel_hz(void *ctl, uint32_t hz) { ((se_spi *)ctl)->pclk_hz = hz; }
static uint32_t ctl_bus_hz(const void *ctl)
{
    const se_spi *s = ctl;
    return s->pclk_hz >> (((s->cr1 >> 3) & 7u) + 1u);
}
static unsigned ctl_cs_high_cycles(const void *ctl)
{
    (void)ctl;
    return 1; /* the GPIO's edges are not timed: one SCK period [policy] */
}

const se_memctl_ops se_spi_memctl = {
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
    .dr_offset = SPI_DR,
    .set_kernel_hz = ctl_set_kernel_hz,
    .bus_hz = ctl_bus_hz,
    .cs_high_cycles = ctl_cs_high_cycles,
};
