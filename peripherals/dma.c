#include "peripherals/dma.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Offsets (STM32L562 SVD): per DMA unit ISR 0x00, IFCR 0x04, channel n (1..8) CCR at
 * 0x08 + 0x14 * (n - 1), then CNDTR, CPAR, CM0AR, CM1AR; CSELR 0xA8 (listed by the SVD, no
 * function on the L5). DMAMUX1 (here at 0x800): C0CR..C15CR 0x000.., CSR 0x080, CFR 0x084,
 * RG0CR..RG3CR 0x100.., RGSR 0x140, RGCFR 0x144. */
enum { DMA_ISR = 0x00, DMA_IFCR = 0x04, DMA_CH0 = 0x08, DMA_CH_STRIDE = 0x14, DMA_CSELR = 0xA8 };
enum { CH_CCR = 0x00, CH_CNDTR = 0x04, CH_CPAR = 0x08, CH_CM0AR = 0x0C, CH_CM1AR = 0x10 };
enum {
    MUX = 0x800,
    MUX_CSR = 0x080,
    MUX_CFR = 0x084,
    MUX_RG0 = 0x100,
    MUX_RGSR = 0x140,
    MUX_RGCFR = 0x144
};

#define CCR_WMASK 0x001FFFFFu   /* SVD */
#define CNDTR_WMASK 0x0003FFFFu /* SVD: NDT[17:0] */
#define MUX_CCR_WMASK 0x1FFF037Fu
#define MUX_RG_WMASK 0x00FF011Fu
#define CCR_IE (SE_DMA_CCR_TCIE | SE_DMA_CCR_HTIE | SE_DMA_CCR_TEIE)
/* Items one service call moves per channel at most: only a circular channel fed by a
 * request that never drops comes near it. */
#define MAX_ITEMS_PER_SERVICE (1u << 24)

enum { NOTE_IRQ, NOTE_DBM, NOTE_BUSY_WRITE, NOTE_SIZE, NOTE_CIRC_CAP, NOTE_MUX_SYNC };

static bool once(se_dma *d, unsigned note)
{
    if (d->reported & (1u << note))
        return false;
    d->reported |= 1u << note;
    return true;
}

static void dlog(const se_dma *d, uint32_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void dlog(const se_dma *d, uint32_t offset, const char *fmt, ...)
{
    if (!d->host || !d->host->log)
        return;
    char what[224];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    se_periph_log(d->host, SE_LOG_WARN,
                  offset >= MUX     ? "DMAMUX1"
                  : offset >= 0x400 ? "DMA2"
                                    : "DMA1",
                  d->base + (offset & ~0x3FFu), offset & 0x3FFu, what);
}

void se_dma_reset(se_dma *d)
{
    const se_periph_host *host = d->host;
    se_dma_bus_ops bus = d->bus;
    uint32_t base = d->base;
    memset(d, 0, sizeof *d);
    d->host = host;
    d->base = base;
    d->bus = bus;
}

/* ---- transfers -------------------------------------------------------------------------- */

static unsigned item_size(uint32_t ccr, unsigned shift)
{
    unsigned s = (ccr >> shift) & 3u;
    return s == 3u ? 4u : 1u << s; /* 11 is reserved: taken as 32-bit, reported at enable */
}

static uint32_t bit_of(unsigned u, unsigned c) { return 1u << (u * SE_DMA_CHANNELS + c); }

/* Keep `active` in step with EN and CNDTR. */
static void update_active(se_dma *d, unsigned u, unsigned c)
{
    const se_dma_channel *ch = &d->unit[u].ch[c];
    if ((ch->ccr & SE_DMA_CCR_EN) && ch->cndtr)
        d->active |= bit_of(u, c);
    else
        d->active &= ~bit_of(u, c);
}

static void flag(se_dma *d, unsigned u, unsigned c, uint32_t bits)
{
    d->unit[u].isr |= (bits | SE_DMA_ISR_GIF) << (4u * c);
}

/* After `n` items: half and full transfer flags, the circular reload. */
static void progress(se_dma *d, unsigned u, unsigned c, uint32_t n)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    uint32_t before = ch->cndtr;
    ch->cndtr -= n;
    uint32_t half = ch->ndt / 2u;
    if (half && ch->ndt - before < half && ch->ndt - ch->cndtr >= half)
        flag(d, u, c, SE_DMA_ISR_HTIF);
    if (ch->cndtr == 0) {
        flag(d, u, c, SE_DMA_ISR_TCIF);
        if ((ch->ccr & SE_DMA_CCR_CIRC) && !(ch->ccr & SE_DMA_CCR_MEM2MEM)) {
            ch->cndtr = ch->ndt;
            ch->pa = ch->cpar;
            ch->ma = ch->cm0ar;
        }
        update_active(d, u, c);
    }
}

static void bus_error(se_dma *d, unsigned u, unsigned c)
{
    flag(d, u, c, SE_DMA_ISR_TEIF);
    d->unit[u].ch[c].ccr &= ~SE_DMA_CCR_EN; /* RM0438: a transfer error disables the channel */
    update_active(d, u, c);
}

/* RM0438: a secure channel's source and destination transactions are Secure per SSEC and
 * DSEC; a non-secure channel's are Non-secure. */
static bool side_secure(uint32_t ccr, bool source)
{
    return (ccr & SE_DMA_CCR_SECM) && (ccr & (source ? SE_DMA_CCR_SSEC : SE_DMA_CCR_DSEC));
}

/* One data item; false when it failed (the channel is then off). */
static bool move_item(se_dma *d, unsigned u, unsigned c)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    bool from_mem = (ch->ccr & SE_DMA_CCR_DIR) != 0;
    unsigned ps = item_size(ch->ccr, SE_DMA_CCR_PSIZE_SHIFT);
    unsigned ms = item_size(ch->ccr, SE_DMA_CCR_MSIZE_SHIFT);
    uint32_t src = from_mem ? ch->ma : ch->pa, dst = from_mem ? ch->pa : ch->ma;
    unsigned ss = from_mem ? ms : ps, ds = from_mem ? ps : ms;
    uint32_t v = 0;
    if (!d->bus.read || !d->bus.read(d->bus.ctx, src, ss, side_secure(ch->ccr, true), &v)) {
        bus_error(d, u, c);
        return false;
    }
    /* RM0438 "programmable data width": a narrower source is zero-extended, a wider one
     * truncated; the DMA does not pack */
    if (ds < 4)
        v &= (1u << (8 * ds)) - 1u;
    if (!d->bus.write || !d->bus.write(d->bus.ctx, dst, ds, side_secure(ch->ccr, false), v)) {
        bus_error(d, u, c);
        return false;
    }
    if (ch->ccr & SE_DMA_CCR_PINC)
        ch->pa += ps;
    if (ch->ccr & SE_DMA_CCR_MINC)
        ch->ma += ms;
    d->items++;
    progress(d, u, c, 1);
    return true;
}

/* Memory to memory between two plain-memory spans: the whole rest in one copy. */
static bool move_span(se_dma *d, unsigned u, unsigned c)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    uint32_t need = SE_DMA_CCR_PINC | SE_DMA_CCR_MINC;
    unsigned ps = item_size(ch->ccr, SE_DMA_CCR_PSIZE_SHIFT);
    if (!d->bus.span || (ch->ccr & need) != need ||
        ps != item_size(ch->ccr, SE_DMA_CCR_MSIZE_SHIFT))
        return false;
    bool from_mem = (ch->ccr & SE_DMA_CCR_DIR) != 0;
    uint32_t len = ch->cndtr * ps;
    uint32_t src = from_mem ? ch->ma : ch->pa, dst = from_mem ? ch->pa : ch->ma;
    uint8_t *s = d->bus.span(d->bus.ctx, src, len, false, side_secure(ch->ccr, true));
    uint8_t *t = s ? d->bus.span(d->bus.ctx, dst, len, true, side_secure(ch->ccr, false)) : NULL;
    if (!t)
        return false;
    memmove(t, s, len);
    ch->pa += len;
    ch->ma += len;
    d->items += ch->cndtr;
    progress(d, u, c, ch->cndtr);
    return true;
}

/* Up to `ready` bytes between the peripheral register and memory in one go: the register is
 * fixed (PINC = 0), memory contiguous (MINC = 1) and items the same size on both sides.
 * Returns the items moved (0: not possible, go item by item). */
static uint32_t move_stream(se_dma *d, unsigned u, unsigned c, uint32_t ready)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    unsigned ps = item_size(ch->ccr, SE_DMA_CCR_PSIZE_SHIFT);
    if (!d->bus.stream || !d->bus.span || (ch->ccr & SE_DMA_CCR_PINC) ||
        !(ch->ccr & SE_DMA_CCR_MINC) || ps != item_size(ch->ccr, SE_DMA_CCR_MSIZE_SHIFT))
        return 0;
    uint32_t n = ready / ps < ch->cndtr ? ready / ps : ch->cndtr;
    if (!n)
        return 0;
    bool to_dev = (ch->ccr & SE_DMA_CCR_DIR) != 0; /* memory is the source */
    uint8_t *mem = d->bus.span(d->bus.ctx, ch->ma, n * ps, !to_dev, side_secure(ch->ccr, to_dev));
    if (!mem ||
        !d->bus.stream(d->bus.ctx, ch->pa, ps, mem, n, to_dev, side_secure(ch->ccr, !to_dev)))
        return 0;
    ch->ma += n * ps;
    d->items += n;
    progress(d, u, c, n);
    return n;
}

static void run_channel(se_dma *d, unsigned u, unsigned c)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    unsigned req = d->mux_ccr[u * SE_DMA_CHANNELS + c] & 0x7Fu;
    bool m2m = (ch->ccr & SE_DMA_CCR_MEM2MEM) != 0;
    if (m2m && move_span(d, u, c))
        return;
    for (uint32_t n = 0; (ch->ccr & SE_DMA_CCR_EN) && ch->cndtr; n++) {
        if (n >= MAX_ITEMS_PER_SERVICE) {
            if (once(d, NOTE_CIRC_CAP))
                dlog(d, (uint32_t)(u * 0x400u + DMA_CH0 + c * DMA_CH_STRIDE),
                     "channel %u moved %u items in one go and the request is still up "
                     "(circular?): the rest waits for the next register access",
                     c + 1, MAX_ITEMS_PER_SERVICE);
            return;
        }
        uint32_t ready = 1;
        if (!m2m) {
            ready = req && d->bus.request ? d->bus.request(d->bus.ctx, req) : 0;
            if (!ready)
                return;
            uint32_t k = move_stream(d, u, c, ready);
            if (k) {
                n += k - 1;
                continue;
            }
        }
        if (!move_item(d, u, c))
            return;
    }
}

void se_dma_service(se_dma *d)
{
    if (!d->active)
        return; /* the common case: called after every device write */
    if (d->in_service) {
        d->again = true; /* a device the transfer touched raised a request */
        return;
    }
    d->in_service = true;
    do {
        d->again = false;
        for (unsigned u = 0; u < 2; u++)
            for (unsigned c = 0; c < SE_DMA_CHANNELS; c++)
                if ((d->unit[u].ch[c].ccr & SE_DMA_CCR_EN) && d->unit[u].ch[c].cndtr)
                    run_channel(d, u, c);
    } while (d->again);
    d->in_service = false;
}

/* ---- registers ------------------------------------------------------------------------- */

static void enable(se_dma *d, unsigned u, unsigned c, uint32_t offset)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    ch->ndt = ch->cndtr;
    ch->pa = ch->cpar;
    ch->ma = ch->cm0ar;
    if ((ch->ccr & CCR_IE) && once(d, NOTE_IRQ))
        dlog(d, offset,
             "interrupt enables set (CCR 0x%08" PRIx32 "): DMA interrupts are not "
             "modelled; poll ISR",
             ch->ccr);
    if ((ch->ccr & SE_DMA_CCR_DBM) && once(d, NOTE_DBM))
        dlog(d, offset, "double-buffer mode (DBM) is not modelled: CM0AR is used throughout");
    if ((((ch->ccr >> SE_DMA_CCR_PSIZE_SHIFT) & 3u) == 3u ||
         ((ch->ccr >> SE_DMA_CCR_MSIZE_SHIFT) & 3u) == 3u) &&
        once(d, NOTE_SIZE))
        dlog(d, offset, "PSIZE or MSIZE 11 is reserved: taken as 32-bit");
}

static bool secure_access(const se_dma *d)
{
    return d->host && d->host->secure_access && d->host->secure_access(d->host->opaque);
}

#define CCR_SEC_BITS (SE_DMA_CCR_SECM | SE_DMA_CCR_SSEC | SE_DMA_CCR_DSEC)

static uint32_t *channel_reg(se_dma *d, unsigned u, unsigned c, uint32_t r)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    switch (r) {
    case CH_CCR: return &ch->ccr;
    case CH_CNDTR: return &ch->cndtr;
    case CH_CPAR: return &ch->cpar;
    case CH_CM0AR: return &ch->cm0ar;
    case CH_CM1AR: return &ch->cm1ar;
    default: return NULL;
    }
}

static void write_channel(se_dma *d, unsigned u, unsigned c, uint32_t r, uint32_t v,
                          uint32_t offset)
{
    se_dma_channel *ch = &d->unit[u].ch[c];
    bool on = (ch->ccr & SE_DMA_CCR_EN) != 0;
    bool sec = secure_access(d);
    if (!sec && (ch->ccr & SE_DMA_CCR_SECM))
        return; /* RM0438: a secure channel is RAZ/WI to Non-secure software */
    if (r == CH_CCR) {
        v &= CCR_WMASK;
        if (!sec) /* the security bits are for Secure software to set */
            v = (v & ~CCR_SEC_BITS) | (ch->ccr & CCR_SEC_BITS);
        if (on && (v & SE_DMA_CCR_EN) && v != ch->ccr) {
            /* RM0438: the configuration is frozen while the channel is enabled */
            if (once(d, NOTE_BUSY_WRITE))
                dlog(d, offset,
                     "CCR%u write 0x%08" PRIx32 " with the channel enabled: ignored "
                     "(clear EN first)",
                     c + 1, v);
            return;
        }
        ch->ccr = v;
        if (!on && (v & SE_DMA_CCR_EN))
            enable(d, u, c, offset);
        update_active(d, u, c);
        return;
    }
    if (on) {
        if (once(d, NOTE_BUSY_WRITE))
            dlog(d, offset, "write to a register of channel %u while it is enabled: ignored",
                 c + 1);
        return;
    }
    *channel_reg(d, u, c, r) = r == CH_CNDTR ? v & CNDTR_WMASK : v;
}

uint32_t se_dma_read(se_dma *d, uint32_t offset, unsigned size)
{
    uint32_t o = offset & ~3u, v = 0;
    if (o >= MUX) {
        uint32_t m = o - MUX;
        if (m < 4u * SE_DMAMUX_CHANNELS)
            v = d->mux_ccr[m / 4u];
        else if (m >= MUX_RG0 && m < MUX_RG0 + 16u)
            v = d->mux_rgcr[(m - MUX_RG0) / 4u];
        else if (m != MUX_CSR && m != MUX_CFR && m != MUX_RGSR && m != MUX_RGCFR)
            se_periph_unknown(d->host, d->unknown_seen[2], "DMAMUX1", d->base + MUX, m, false, 0);
    } else {
        unsigned u = o / 0x400u;
        uint32_t r = o % 0x400u;
        if (r == DMA_ISR) {
            v = d->unit[u].isr;
        } else if (r >= DMA_CH0 && r < DMA_CH0 + SE_DMA_CHANNELS * DMA_CH_STRIDE) {
            unsigned c = (r - DMA_CH0) / DMA_CH_STRIDE;
            uint32_t *p = channel_reg(d, u, c, (r - DMA_CH0) % DMA_CH_STRIDE);
            bool hidden = (d->unit[u].ch[c].ccr & SE_DMA_CCR_SECM) && !secure_access(d);
            v = p && !hidden ? *p : 0;
        } else if (r != DMA_IFCR && r != DMA_CSELR) {
            se_periph_unknown(d->host, d->unknown_seen[u], u ? "DMA2" : "DMA1",
                              d->base + u * 0x400u, r, false, 0);
        }
    }
    return se_reg_lane_read(v, offset, size);
}

void se_dma_write(se_dma *d, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t o = offset & ~3u;
    uint32_t lanes = se_reg_lanes(offset, size), v = se_reg_lane_value(offset, value, size);
    if (o >= MUX) {
        uint32_t m = o - MUX;
        if (m < 4u * SE_DMAMUX_CHANNELS) {
            uint32_t *p = &d->mux_ccr[m / 4u];
            *p = (*p & ~(lanes & MUX_CCR_WMASK)) | (v & lanes & MUX_CCR_WMASK);
            if ((*p & ((1u << 16) | (1u << 9))) && once(d, NOTE_MUX_SYNC))
                dlog(d, o, "DMAMUX synchronisation and event generation are not modelled");
        } else if (m >= MUX_RG0 && m < MUX_RG0 + 16u) {
            uint32_t *p = &d->mux_rgcr[(m - MUX_RG0) / 4u];
            *p = (*p & ~(lanes & MUX_RG_WMASK)) | (v & lanes & MUX_RG_WMASK);
        } else if (m != MUX_CFR && m != MUX_RGCFR) { /* CSR/RGSR: nothing ever overruns */
            se_periph_unknown(d->host, d->unknown_seen[2], "DMAMUX1", d->base + MUX, m, true,
                              value);
        }
    } else {
        unsigned u = o / 0x400u;
        uint32_t r = o % 0x400u;
        if (r == DMA_IFCR) {
            uint32_t clr = 0;
            for (unsigned c = 0; c < SE_DMA_CHANNELS; c++) {
                uint32_t b = (v >> (4u * c)) & 0xFu;
                if (b & SE_DMA_ISR_GIF) /* CGIF clears all four flags of the channel */
                    b = 0xFu;
                clr |= b << (4u * c);
            }
            d->unit[u].isr &= ~(clr & lanes);
        } else if (r >= DMA_CH0 && r < DMA_CH0 + SE_DMA_CHANNELS * DMA_CH_STRIDE &&
                   (r - DMA_CH0) % DMA_CH_STRIDE <= CH_CM1AR) {
            unsigned c = (r - DMA_CH0) / DMA_CH_STRIDE;
            uint32_t reg = (r - DMA_CH0) % DMA_CH_STRIDE;
            uint32_t old = *channel_reg(d, u, c, reg);
            write_channel(d, u, c, reg, (old & ~lanes) | (v & lanes), o);
        } else if (r != DMA_ISR && r != DMA_CSELR) {
            se_periph_unknown(d->host, d->unknown_seen[u], u ? "DMA2" : "DMA1",
                              d->base + u * 0x400u, r, true, value);
        }
    }
    se_dma_service(d); /* an enabled channel, or a request line that was waiting */
}

/* ---- class ----------------------------------------------------------------------------- */

SE_PERIPH_CLASS(se_dma_class, "DMA", se_dma, se_dma);
