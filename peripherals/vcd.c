#include "peripherals/vcd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS_PER_S 1000000000000ull
/* Idle time before the first frame can start, so viewers and decoders see NCS fall. */
#define FIRST_FRAME_PS 1000u

enum { SIG_NCS, SIG_CLK, SIG_IO0, SIG_DQS = SIG_IO0 + 8, NSIG };

/* One printable character each; no '#' or '$', which start other VCD tokens. */
static const char sig_id[NSIG] = {'n', 'k', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 's'};
static const char *const sig_name[NSIG] = {"NCS", "CLK", "IO0", "IO1", "IO2", "IO3",
                                           "IO4", "IO5", "IO6", "IO7", "DQS"};

struct se_vcd {
    FILE *f;
    char *path;
    int err;             /* first errno of a failed write, 0 if none */
    char val[NSIG];      /* value last written per signal: '0', '1' or 'z' */
    uint64_t written_ps; /* timestamp of the last "#t" line */
    uint64_t free_ps;    /* earliest start of the next frame */
    uint64_t end_ps;     /* NCS rise of the last frame */
    uint64_t limit, frames;
    unsigned cs_high; /* clock cycles of NCS high after a frame */
    /* the frame being written: time of quarter period q is t0 + q * 1e12 / (4 hz) */
    uint64_t t0_ps;
    uint64_t quarter_div; /* 4 * bus_hz */
};

static void note_err(se_vcd *v)
{
    if (!v->err)
        v->err = errno ? errno : EIO;
}

static uint64_t at(const se_vcd *v, uint64_t q)
{
    return v->t0_ps + (uint64_t)((unsigned __int128)q * PS_PER_S / v->quarter_div);
}

/* Signal sig takes value c at quarter period q of the frame (only changes are written). */
static void set(se_vcd *v, uint64_t q, int sig, char c)
{
    if (v->val[sig] == c)
        return;
    uint64_t t = at(v, q);
    if (t != v->written_ps) {
        if (fprintf(v->f, "#%" PRIu64 "\n", t) < 0)
            note_err(v);
        v->written_ps = t;
    }
    if (fprintf(v->f, "%c%c\n", c, sig_id[sig]) < 0)
        note_err(v);
    v->val[sig] = c;
}

static void set_ios(se_vcd *v, uint64_t q, const char io[8])
{
    for (int i = 0; i < 8; i++)
        set(v, q, SIG_IO0 + i, io[i]);
}

static const char released[8] = {'z', 'z', 'z', 'z', 'z', 'z', 'z', 'z'};

/* One clock cycle (index cyc from NCS falling): STR carries a, DTR carries a at the rising
 * and b (NULL = lines released) at the falling edge. dqs: DQS follows CLK. */
static void cycle(se_vcd *v, uint64_t cyc, bool dtr, const char *a, const char *b, bool dqs)
{
    uint64_t q = 4 * cyc;
    set_ios(v, dtr ? q + 1 : q, a);
    set(v, q + 2, SIG_CLK, '1');
    if (dqs)
        set(v, q + 2, SIG_DQS, '1');
    if (dtr)
        set_ios(v, q + 3, b ? b : released);
    set(v, q + 4, SIG_CLK, '0');
    if (dqs)
        set(v, q + 4, SIG_DQS, '0');
}

static unsigned norm_lines(unsigned lines)
{
    return lines >= 8 ? 8 : lines >= 4 ? 4 : lines >= 2 ? 2 : 1;
}

/* The lines of transfer i of a byte stream on `lines` lines (MSB first); a 1-line transfer
 * goes on IO1 when miso. */
static void transfer(char io[8], const uint8_t *bytes, uint64_t i, unsigned lines, bool miso)
{
    unsigned per_byte = 8 / lines;
    uint8_t byte = bytes[i / per_byte];
    unsigned shift = 8 - lines * (unsigned)(i % per_byte + 1);
    unsigned val = (byte >> shift) & ((1u << lines) - 1u);
    memcpy(io, released, 8);
    if (lines == 1) {
        io[miso ? 1 : 0] = val ? '1' : '0';
        return;
    }
    for (unsigned k = 0; k < lines; k++)
        io[k] = ((val >> k) & 1u) ? '1' : '0';
}

/* Clock out n bytes; returns the next cycle index. */
static uint64_t phase_bytes(se_vcd *v, uint64_t cyc, const uint8_t *bytes, uint64_t n,
                            unsigned lines, bool dtr, bool miso, bool dqs)
{
    lines = norm_lines(lines);
    uint64_t total = n * (8 / lines);
    char a[8], b[8];
    for (uint64_t i = 0; i < total;) {
        transfer(a, bytes, i++, lines, miso);
        if (dtr && i < total) {
            transfer(b, bytes, i++, lines, miso);
            cycle(v, cyc++, true, a, b, dqs);
        } else {
            cycle(v, cyc++, dtr, a, NULL, dqs);
        }
    }
    return cyc;
}

/* An instruction, address or alternate-bytes phase: size bytes of value, MSB first. */
static uint64_t phase_value(se_vcd *v, uint64_t cyc, const se_flash_phase *p, uint32_t value)
{
    if (!p->lines)
        return cyc;
    unsigned size = p->size < 1 ? 1 : p->size > 4 ? 4 : p->size;
    uint8_t bytes[4];
    for (unsigned k = 0; k < size; k++)
        bytes[k] = (uint8_t)(value >> (8 * (size - 1 - k)));
    return phase_bytes(v, cyc, bytes, size, p->lines, p->dtr, false, false);
}

se_vcd *se_vcd_open(const char *path, se_error *err)
{
    return se_vcd_open_for(path, "OCTOSPI1", err);
}

se_vcd *se_vcd_open_for(const char *path, const char *controller, se_error *err)
{
    se_vcd *v = calloc(1, sizeof *v);
    char *p = v ? strdup(path) : NULL;
    if (!v || !p) {
        free(v);
        se_error_set(err, SE_ERR_NOMEM, "out of memory for the VCD writer");
        return NULL;
    }
    v->path = p;
    v->f = fopen(path, "w");
    if (!v->f) {
        se_error_set(err, SE_ERR_IO, "cannot create VCD file %s: %s", path, strerror(errno));
        free(v->path);
        free(v);
        return NULL;
    }
    setvbuf(v->f, NULL, _IOFBF, 1u << 16);
    v->limit = SE_VCD_DEFAULT_LIMIT;
    v->cs_high = 1;
    v->free_ps = FIRST_FRAME_PS;
    /* the scope is the controller's name in lower case, letters and digits only */
    char scope[32];
    size_t k = 0;
    for (const char *c = controller; *c && k < sizeof scope - 1; c++)
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))
            scope[k++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    scope[k] = '\0';
    if (fprintf(v->f,
                "$version stldr-emu flash bus $end\n"
                "$comment %s <-> external flash, virtual time; clock mode 0; "
                "1-line reads on IO1 (MISO) $end\n"
                "$timescale 1 ps $end\n"
                "$scope module %s $end\n",
                controller, k ? scope : "flash") < 0)
        note_err(v);
    for (int i = 0; i < NSIG; i++)
        if (fprintf(v->f, "$var wire 1 %c %s $end\n", sig_id[i], sig_name[i]) < 0)
            note_err(v);
    if (fprintf(v->f, "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n") < 0)
        note_err(v);
    for (int i = 0; i < NSIG; i++) {
        v->val[i] = i == SIG_NCS ? '1' : i == SIG_CLK ? '0' : 'z';
        if (fprintf(v->f, "%c%c\n", v->val[i], sig_id[i]) < 0)
            note_err(v);
    }
    if (fprintf(v->f, "$end\n") < 0)
        note_err(v);
    return v;
}

void se_vcd_set_limit(se_vcd *v, uint64_t max_frames) { v->limit = max_frames; }

void se_vcd_set_cs_high(se_vcd *v, unsigned cycles) { v->cs_high = cycles ? cycles : 1; }

uint64_t se_vcd_frames(const se_vcd *v) { return v->frames; }

bool se_vcd_full(const se_vcd *v) { return v->frames >= v->limit; }

uint64_t se_vcd_end_ps(const se_vcd *v) { return v->end_ps; }

void se_vcd_frame(se_vcd *v, const se_flash_frame *f, uint64_t start_ns, uint32_t bus_hz)
{
    if (!v || se_vcd_full(v))
        return;
    v->frames++;
    if (!bus_hz)
        bus_hz = 1;
    uint64_t start = start_ns * 1000u;
    v->t0_ps = start > v->free_ps ? start : v->free_ps;
    v->quarter_div = 4ull * bus_hz;

    set(v, 0, SIG_NCS, '0');
    uint64_t cyc = 0;
    cyc = phase_value(v, cyc, &f->inst, f->inst_value);
    cyc = phase_value(v, cyc, &f->addr, f->addr_value);
    cyc = phase_value(v, cyc, &f->alt, f->alt_value);
    bool has_data = f->data.lines && f->len && f->buf;
    bool read = has_data && !f->write;
    bool dqs = read && f->dqs;
    if (f->dummy_cycles || has_data)
        set(v, 4 * cyc, SIG_DQS, dqs ? '0' : 'z');
    for (unsigned i = 0; i < f->dummy_cycles; i++)
        cycle(v, cyc++, false, released, NULL, false);
    if (has_data)
        cyc = phase_bytes(v, cyc, f->buf, f->len, f->data.lines, f->data.dtr,
                          read && norm_lines(f->data.lines) == 1, dqs);
    uint64_t q_end = 4 * cyc + 2;
    set(v, q_end, SIG_NCS, '1');
    set_ios(v, q_end, released);
    set(v, q_end, SIG_DQS, 'z');
    v->end_ps = at(v, q_end);
    v->free_ps = v->end_ps + (uint64_t)((unsigned __int128)v->cs_high * PS_PER_S / bus_hz);
}

se_err se_vcd_close(se_vcd *v, se_error *err)
{
    if (!v)
        return SE_OK;
    /* A last timestamp, so readers see the final NCS rise as a full sample. */
    if (v->frames && v->free_ps > v->written_ps && fprintf(v->f, "#%" PRIu64 "\n", v->free_ps) < 0)
        note_err(v);
    if (fflush(v->f) != 0 || ferror(v->f))
        note_err(v);
    if (fclose(v->f) != 0)
        note_err(v);
    se_err e = SE_OK;
    if (v->err)
        e = se_error_set(err, SE_ERR_IO, "cannot write VCD file %s: %s", v->path, strerror(v->err));
    free(v->path);
    free(v);
    return e;
}
