#include "peripherals/quadspi.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "peripherals/octospi_regs.h"

/* Writable bits (RM0351/RM0385 field lists; docs/serial-nor.md 7). CR: EN, DMAEN, TCEN,
 * SSHIFT, DFM, FSEL, FTHRES[12:8], the five interrupt enables, APMS, PMM, PRESCALER. */
#define CR_WMASK 0xFFDF1FDDu
#define DCR_WMASK 0x001F0701u /* CKMODE, CSHT[10:8], FSIZE[20:16] */
#define CCR_WMASK 0xDFFFFFFFu

/* The OCTOSPI mode field of a QUADSPI 2-bit mode: the same values (0 none, 1/2/3 = 1/2/4). */
static uint32_t ospi_ccr_of(uint32_t q)
{
    uint32_t imode = (q >> 8) & 3u, admode = (q >> 10) & 3u, adsize = (q >> 12) & 3u;
    uint32_t abmode = (q >> 14) & 3u, absize = (q >> 16) & 3u, dmode = (q >> 24) & 3u;
    uint32_t v = imode << OSPI_CCR_IMODE_SHIFT | admode << OSPI_CCR_ADMODE_SHIFT | adsize << 12 |
                 abmode << OSPI_CCR_ABMODE_SHIFT | absize << 20 | dmode << OSPI_CCR_DMODE_SHIFT;
    if (q & QSPI_CCR_DDRM) /* DDR applies to address, alternate bytes and data */
        v |= (1u << 11) | (1u << 19) | OSPI_CCR_DDTR;
    if (q & QSPI_CCR_SIOO)
        v |= OSPI_CCR_SIOO;
    return v;
}

static uint32_t ospi_tcr_of(uint32_t qcr, uint32_t qccr)
{
    return ((qccr >> 18) & 0x1Fu) | ((qccr & QSPI_CCR_DHHC) ? (1u << 28) : 0u) |
           ((qcr & QSPI_CR_SSHIFT) ? (1u << 30) : 0u);
}

/* CR bits 0..23 match the OCTOSPI's but SSHIFT (b4, in TCR there); FMODE comes from CCR. */
static uint32_t ospi_cr_of(uint32_t qcr, uint32_t qccr)
{
    return (qcr & 0x00DF1FCFu) | ((qccr >> 26) & 3u) << OSPI_CR_FMODE_SHIFT;
}

static void put(se_quadspi *s, uint32_t off, uint32_t v) { se_octospi_write(&s->core, off, v, 4); }

void se_quadspi_reset(se_quadspi *s)
{
    se_octospi_reset(&s->core);
    s->cr = s->dcr = s->ccr = 0;
    s->dfm_reported = false;
    memset(s->unknown_seen, 0, sizeof s->unknown_seen);
    /* The engine's DCR1 DEVSIZE resets to 0 like FSIZE; nothing else to translate. */
}

void se_quadspi_configure(se_quadspi *s, const se_periph_host *host, uint32_t base,
                          uint32_t mem_base, bool *clock_enabled, uint32_t kernel_hz)
{
    s->core.host = host;
    s->core.base = base; /* the engine's messages: this base + OCTOSPI offsets */
    s->core.mem_base = mem_base;
    s->core.clock_enabled = clock_enabled;
    s->core.kernel_hz = kernel_hz;
    s->core.label = "QUADSPI";
    s->core.clock_bit = "QSPIEN";
}

static void note(se_quadspi *s, uint32_t off, const char *what)
{
    se_periph_log(s->core.host, SE_LOG_WARN, "QUADSPI", s->core.base, off, what);
}

/* The engine's register at the QUADSPI offset, or 0 where there is none. */
static uint32_t ospi_off(uint32_t q)
{
    switch (q) {
    case QSPI_SR: return OSPI_SR;
    case QSPI_FCR: return OSPI_FCR;
    case QSPI_DLR: return OSPI_DLR;
    case QSPI_AR: return OSPI_AR;
    case QSPI_ABR: return OSPI_ABR;
    case QSPI_DR: return OSPI_DR;
    case QSPI_PSMKR: return OSPI_PSMKR;
    case QSPI_PSMAR: return OSPI_PSMAR;
    case QSPI_PIR: return OSPI_PIR;
    case QSPI_LPTR: return OSPI_LPTR;
    default: return 0;
    }
}

uint32_t se_quadspi_read(se_quadspi *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u, v;
    switch (off) {
    case QSPI_CR:
        /* EN as the engine has it; ABORT reads 0 */
        v = (s->cr & ~(QSPI_CR_EN | QSPI_CR_ABORT)) |
            (se_octospi_read(&s->core, OSPI_CR, 4) & OSPI_CR_EN);
        return se_reg_lane_read(v, offset, size);
    case QSPI_DCR: return se_reg_lane_read(s->dcr, offset, size);
    case QSPI_CCR: return se_reg_lane_read(s->ccr, offset, size);
    case QSPI_FCR: return 0;
    case QSPI_SR:
        /* FLEVEL [13:8] as the engine's (a 32-byte FIFO) */
        return se_reg_lane_read(se_octospi_read(&s->core, OSPI_SR, 4) & 0x3F3Fu, offset, size);
    case QSPI_DR: return se_octospi_read(&s->core, OSPI_DR + (offset & 3u), size);
    default: break;
    }
    uint32_t o = ospi_off(off);
    if (!o) {
        se_periph_unknown(s->core.host, s->unknown_seen, "QUADSPI", s->core.base, off, false, 0);
        return 0;
    }
    return se_octospi_read(&s->core, o + (offset & 3u), size);
}

void se_quadspi_write(se_quadspi *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    uint32_t lanes = se_reg_lanes(offset, size), v = se_reg_lane_value(offset, value, size);
    switch (off) {
    case QSPI_CR: {
        uint32_t cr = (s->cr & ~(lanes & CR_WMASK)) | (v & lanes & CR_WMASK);
        if ((cr & QSPI_CR_DFM) && !s->dfm_reported) {
            s->dfm_reported = true;
            note(s, off, "dual-flash mode (DFM) is not modelled: only flash 1 is driven");
        }
        uint32_t old = s->cr;
        s->cr = cr;
        if ((old ^ cr) >> 24) /* PRESCALER -> DCR2 (only when it changes: DCR2 is locked
                                 while BUSY, CR.ABORT is not) */
            put(s, OSPI_DCR2, cr >> 24);
        put(s, OSPI_CR, ospi_cr_of(cr, s->ccr) | (v & lanes & QSPI_CR_ABORT));
        /* the engine keeps locked fields while busy: follow what it took */
        return;
    }
    case QSPI_DCR:
        s->dcr = (s->dcr & ~(lanes & DCR_WMASK)) | (v & lanes & DCR_WMASK);
        put(s, OSPI_DCR1, s->dcr);
        return;
    case QSPI_CCR: {
        if (se_octospi_read(&s->core, OSPI_SR, 4) & OSPI_SR_BUSY) {
            note(s, off, "write to CCR ignored while BUSY");
            return;
        }
        s->ccr = (s->ccr & ~(lanes & CCR_WMASK)) | (v & lanes & CCR_WMASK);
        /* FMODE first, then the frame; the instruction (IR) last: it starts a frame that has
         * no address phase, as a CCR write does on the QUADSPI */
        put(s, OSPI_CR, ospi_cr_of(s->cr, s->ccr));
        put(s, OSPI_TCR, ospi_tcr_of(s->cr, s->ccr));
        put(s, OSPI_CCR, ospi_ccr_of(s->ccr));
        put(s, OSPI_IR, s->ccr & 0xFFu);
        return;
    }
    default: break;
    }
    /* HAL_QSPI_Receive/Transmit re-write AR after setting FMODE "to start the transfer", also
     * for a command without address, which the CCR write has already started: the AR write
     * is ignored while BUSY, silently for a frame that has no address phase [policy]. */
    if (off == QSPI_AR && !((s->ccr >> 10) & 3u) &&
        (se_octospi_read(&s->core, OSPI_SR, 4) & OSPI_SR_BUSY))
        return;
    uint32_t o = ospi_off(off);
    if (!o || off == QSPI_SR) {
        se_periph_unknown(s->core.host, s->unknown_seen, "QUADSPI", s->core.base, off, true, value);
        return;
    }
    se_octospi_write(&s->core, o + (offset & 3u), value, size);
}

SE_PERIPH_CLASS(se_quadspi_class, "QUADSPI", se_quadspi, se_quadspi);

/* ---- the machine's view: the engine's window and data register -------------------------- */

static void ctl_connect(void *ctl, se_flash_port port)
{
    se_octospi_memctl.connect(&((se_quadspi *)ctl)->core, port);
}
static void ctl_reset(void *ctl) { se_quadspi_reset(ctl); }
static bool ctl_mem_ok(const void *ctl, uint32_t off)
{
    return se_octospi_memctl.mem_ok(&((const se_quadspi *)ctl)->core, off);
}
static void ctl_mem_why_not(const void *ctl, uint32_t off, char *buf, size_t len)
{
    se_octospi_memctl.mem_why_not(&((const se_quadspi *)ctl)->core, off, buf, len);
}
static uint32_t ctl_mem_read(void *ctl, uint32_t off, unsigned size)
{
    return se_octospi_memctl.mem_read(&((se_quadspi *)ctl)->core, off, size);
}
static void ctl_mem_write(void *ctl, uint32_t off, uint32_t value, unsigned size)
{
    se_octospi_memctl.mem_write(&((se_quadspi *)ctl)->core, off, value, size);
}
static bool ctl_mem_direct(void *ctl)
{
    return se_octospi_memctl.mem_direct(&((se_quadspi *)ctl)->core);
}
static void ctl_mem_touch(void *ctl) { se_octospi_memctl.mem_touch(&((se_quadspi *)ctl)->core); }
static uint32_t ctl_dma_ready(const void *ctl)
{
    return se_octospi_memctl.dma_ready(&((const se_quadspi *)ctl)->core);
}
static void ctl_dr_stream(void *ctl, uint8_t *bytes, uint32_t n, bool write)
{
    se_octospi_memctl.dr_stream(&((se_quadspi *)ctl)->core, bytes, n, write);
}
static void ctl_set_kernel_hz(void *ctl, uint32_t hz)
{
    se_octospi_memctl.set_kernel_hz(&((se_quadspi *)ctl)->core, hz);
}
static uint32_t ctl_bus_hz(const void *ctl)
{
    return se_octospi_memctl.bus_hz(&((const se_quadspi *)ctl)->core);
}
static unsigned ctl_cs_high_cycles(const void *ctl)
{
    return se_octospi_memctl.cs_high_cycles(&((const se_quadspi *)ctl)->core);
}

const se_memctl_ops se_quadspi_memctl = {
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
    .dr_offset = QSPI_DR,
    .set_kernel_hz = ctl_set_kernel_hz,
    .bus_hz = ctl_bus_hz,
    .cs_high_cycles = ctl_cs_high_cycles,
};
