#include "peripherals/spinor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the command table: one row per opcode and register family ------------------------ */

enum kind {
    K_READ,
    K_PP,
    K_ERASE,
    K_CE,
    K_WREN,
    K_WRDI,
    K_RDSR,
    K_RDSR2,
    K_RDSR3,
    K_RDCR,
    K_RDSCUR,
    K_RDFSR,
    K_CLFSR,
    K_RDVCR,
    K_RDNVCR,
    K_RDEVCR,
    K_RDEAR,
    K_WRSR,
    K_WRSR2,
    K_WRSR3,
    K_WRVCR,
    K_WRNVCR,
    K_WREVCR,
    K_WREAR,
    K_VSR_WE,
    K_EN4B,
    K_EX4B,
    K_RDID,
    K_REMS,
    K_RES,
    K_SFDP,
    K_RSTEN,
    K_RST,
    K_DP,
    K_QPI_EN,
    K_QPI_EX,
    K_NOT_MODELLED,
};

enum { VW = 1u << SE_SPINOR_WINBOND, VX = 1u << SE_SPINOR_MACRONIX, VM = 1u << SE_SPINOR_MICRON };
#define VALL (VW | VX | VM)
/* Address bytes: none, 3 or 4 by the address mode, always 3, always 4. */
enum { A0, AMODE, A3, A4 };
enum { D_NONE, D_OUT, D_IN };
/* Dummy-cycle source of a read (se_spinor_dummy field), or a fixed count. */
enum { DM_0, DM_FAST, DM_112, DM_122, DM_144_114, DM_144, DM_SFDP, DM_RES };

typedef struct cmd {
    uint8_t op;
    uint8_t vendors;
    uint32_t caps; /* every capability the part needs for this opcode */
    const char *name;
    uint8_t kind;
    uint8_t addr;                   /* A0/AMODE/A3/A4 */
    uint8_t addr_lines, data_lines; /* in SPI mode; QPI puts every phase on 4 lines */
    uint8_t data;                   /* D_* */
    uint8_t dummy;                  /* DM_* */
    uint32_t erase;                 /* K_ERASE: bytes */
} cmd;

#define C4B SE_SPINOR_CAP_4B
/* Facts: docs/serial-nor.md 2-5. A part without the vendor or a
 * capability a row needs does not have that opcode: a guest error, named in the log. */
static const cmd cmds[] = {
    {0x03, VALL, 0, "READ", K_READ, AMODE, 1, 1, D_OUT, DM_0, 0},
    {0x13, VALL, C4B, "READ4B", K_READ, A4, 1, 1, D_OUT, DM_0, 0},
    {0x0B, VALL, 0, "FAST_READ", K_READ, AMODE, 1, 1, D_OUT, DM_FAST, 0},
    {0x0C, VALL, C4B, "FAST_READ4B", K_READ, A4, 1, 1, D_OUT, DM_FAST, 0},
    {0x3B, VALL, 0, "DREAD", K_READ, AMODE, 1, 2, D_OUT, DM_112, 0},
    {0x3C, VALL, C4B, "DREAD4B", K_READ, A4, 1, 2, D_OUT, DM_112, 0},
    {0xBB, VALL, SE_SPINOR_CAP_READ_122_144, "2READ", K_READ, AMODE, 2, 2, D_OUT, DM_122, 0},
    {0xBC, VALL, SE_SPINOR_CAP_READ_122_144 | C4B, "2READ4B", K_READ, A4, 2, 2, D_OUT, DM_122, 0},
    {0x6B, VALL, 0, "QREAD", K_READ, AMODE, 1, 4, D_OUT, DM_144_114, 0},
    {0x6C, VALL, C4B, "QREAD4B", K_READ, A4, 1, 4, D_OUT, DM_144_114, 0},
    {0xEB, VALL, SE_SPINOR_CAP_READ_122_144, "4READ", K_READ, AMODE, 4, 4, D_OUT, DM_144, 0},
    {0xEC, VALL, SE_SPINOR_CAP_READ_122_144 | C4B, "4READ4B", K_READ, A4, 4, 4, D_OUT, DM_144, 0},
    {0x02, VALL, 0, "PP", K_PP, AMODE, 1, 1, D_IN, DM_0, 0},
    {0x12, VALL, C4B, "PP4B", K_PP, A4, 1, 1, D_IN, DM_0, 0},
    {0x32, VALL, SE_SPINOR_CAP_PP_114, "QPP", K_PP, AMODE, 1, 4, D_IN, DM_0, 0},
    {0x34, VALL, SE_SPINOR_CAP_PP_114 | C4B, "QPP4B", K_PP, A4, 1, 4, D_IN, DM_0, 0},
    {0x38, VX | VM, SE_SPINOR_CAP_PP_144, "4PP", K_PP, AMODE, 4, 4, D_IN, DM_0, 0},
    {0x20, VALL, 0, "SE", K_ERASE, AMODE, 1, 0, D_NONE, DM_0, 0x1000},
    {0x21, VALL, C4B, "SE4B", K_ERASE, A4, 1, 0, D_NONE, DM_0, 0x1000},
    {0x52, VALL, SE_SPINOR_CAP_32K, "BE32K", K_ERASE, AMODE, 1, 0, D_NONE, DM_0, 0x8000},
    {0x5C, VM, SE_SPINOR_CAP_32K | C4B, "BE32K4B", K_ERASE, A4, 1, 0, D_NONE, DM_0, 0x8000},
    {0xD8, VALL, 0, "BE", K_ERASE, AMODE, 1, 0, D_NONE, DM_0, 0x10000},
    {0xDC, VALL, C4B, "BE4B", K_ERASE, A4, 1, 0, D_NONE, DM_0, 0x10000},
    {0xC7, VALL, 0, "CE", K_CE, A0, 0, 0, D_NONE, DM_0, 0},
    {0x60, VW | VX, 0, "CE", K_CE, A0, 0, 0, D_NONE, DM_0, 0},
    {0x06, VALL, 0, "WREN", K_WREN, A0, 0, 0, D_NONE, DM_0, 0},
    {0x04, VALL, 0, "WRDI", K_WRDI, A0, 0, 0, D_NONE, DM_0, 0},
    {0x05, VALL, 0, "RDSR", K_RDSR, A0, 0, 1, D_OUT, DM_0, 0},
    {0x01, VALL, 0, "WRSR", K_WRSR, A0, 0, 1, D_IN, DM_0, 0},
    {0x35, VW, 0, "RDSR2", K_RDSR2, A0, 0, 1, D_OUT, DM_0, 0},
    {0x31, VW, 0, "WRSR2", K_WRSR2, A0, 0, 1, D_IN, DM_0, 0},
    {0x15, VW, 0, "RDSR3", K_RDSR3, A0, 0, 1, D_OUT, DM_0, 0},
    {0x11, VW, 0, "WRSR3", K_WRSR3, A0, 0, 1, D_IN, DM_0, 0},
    {0x50, VW, 0, "VSR_WE", K_VSR_WE, A0, 0, 0, D_NONE, DM_0, 0},
    {0x15, VX, 0, "RDCR", K_RDCR, A0, 0, 1, D_OUT, DM_0, 0},
    {0x2B, VX, SE_SPINOR_CAP_SECR, "RDSCUR", K_RDSCUR, A0, 0, 1, D_OUT, DM_0, 0},
    {0x70, VM, 0, "RDFSR", K_RDFSR, A0, 0, 1, D_OUT, DM_0, 0},
    {0x50, VM, 0, "CLFSR", K_CLFSR, A0, 0, 0, D_NONE, DM_0, 0},
    {0x85, VM, 0, "RDVCR", K_RDVCR, A0, 0, 1, D_OUT, DM_0, 0},
    {0x81, VM, 0, "WRVCR", K_WRVCR, A0, 0, 1, D_IN, DM_0, 0},
    {0xB5, VM, 0, "RDNVCR", K_RDNVCR, A0, 0, 1, D_OUT, DM_0, 0},
    {0xB1, VM, 0, "WRNVCR", K_WRNVCR, A0, 0, 1, D_IN, DM_0, 0},
    {0x65, VM, 0, "RDEVCR", K_RDEVCR, A0, 0, 1, D_OUT, DM_0, 0},
    {0x61, VM, 0, "WREVCR", K_WREVCR, A0, 0, 1, D_IN, DM_0, 0},
    {0xC8, VW | VM, C4B, "RDEAR", K_RDEAR, A0, 0, 1, D_OUT, DM_0, 0},
    {0xC5, VW | VM, C4B, "WREAR", K_WREAR, A0, 0, 1, D_IN, DM_0, 0},
    {0xB7, VALL, C4B, "EN4B", K_EN4B, A0, 0, 0, D_NONE, DM_0, 0},
    {0xE9, VALL, C4B, "EX4B", K_EX4B, A0, 0, 0, D_NONE, DM_0, 0},
    {0x9F, VALL, 0, "RDID", K_RDID, A0, 0, 1, D_OUT, DM_0, 0},
    {0x9E, VM, 0, "RDID", K_RDID, A0, 0, 1, D_OUT, DM_0, 0},
    {0x90, VW | VX, 0, "REMS", K_REMS, A3, 1, 1, D_OUT, DM_0, 0},
    {0xAB, VW | VX, 0, "RES", K_RES, A0, 0, 1, D_OUT, DM_RES, 0},
    {0x5A, VALL, 0, "RDSFDP", K_SFDP, A3, 1, 1, D_OUT, DM_SFDP, 0},
    {0x66, VALL, 0, "RSTEN", K_RSTEN, A0, 0, 0, D_NONE, DM_0, 0},
    {0x99, VALL, 0, "RST", K_RST, A0, 0, 0, D_NONE, DM_0, 0},
    {0xB9, VALL, 0, "DP", K_DP, A0, 0, 0, D_NONE, DM_0, 0},
    {0x35, VX | VM, SE_SPINOR_CAP_QPI, "EQIO", K_QPI_EN, A0, 0, 0, D_NONE, DM_0, 0},
    {0xF5, VX | VM, SE_SPINOR_CAP_QPI, "RSTQIO", K_QPI_EX, A0, 0, 0, D_NONE, DM_0, 0},
    /* Recognised but not modelled: warned and ignored. */
    {0x75, VALL, 0, "SUSPEND", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
    {0x7A, VALL, 0, "RESUME", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
    {0xB0, VX, 0, "SUSPEND", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
    {0x30, VX, 0, "RESUME", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
    {0x4B, VW, 0, "RDUID", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
    {0x2F, VX, SE_SPINOR_CAP_SECR, "WRSCUR", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
    {0xB1, VX, 0, "ENSO", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
    {0xC1, VX, 0, "EXSO", K_NOT_MODELLED, A0, 0, 0, D_NONE, DM_0, 0},
};

static const cmd *find_cmd(const se_spinor_part *p, uint8_t op)
{
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (cmds[i].op == op && (cmds[i].vendors & (1u << p->vendor)) &&
            (cmds[i].caps & p->caps) == cmds[i].caps)
            return &cmds[i];
    return NULL;
}

/* ---- diagnostics ----------------------------------------------------------------------- */

typedef struct txlog {
    bool on;
    size_t n;
    char buf[320];
    se_flash_cmd ev;
} txlog;

static void tx_add(txlog *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tx_add(txlog *t, const char *fmt, ...)
{
    if (!t->on)
        return;
    if (strstr(fmt, "ignored"))
        t->ev.ignored = true;
    if (t->n >= sizeof t->buf - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->n, sizeof t->buf - t->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->n = t->n + (size_t)k < sizeof t->buf ? t->n + (size_t)k : sizeof t->buf - 1;
}

static void tx_range(txlog *t, const char *effect, uint32_t first, uint32_t last)
{
    if (!t->on || t->ev.nranges >= 2)
        return;
    t->ev.effect = effect;
    t->ev.range[t->ev.nranges++] = (se_flash_range){first, last};
}

static void host_log(const se_spinor *s, int level, const char *msg)
{
    if (s->host && s->host->log)
        s->host->log(s->host->opaque, level, msg);
}

static void warn(se_spinor *s, uint64_t *counter, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(se_spinor *s, uint64_t *counter, const char *fmt, ...)
{
    (*counter)++;
    s->counters.warnings++;
    if (s->warn_log_limit && *counter > (uint64_t)s->warn_log_limit + 1)
        return;
    char msg[512];
    int n = snprintf(msg, sizeof msg, "flash %s: ", s->part->name);
    if (s->warn_log_limit && *counter == (uint64_t)s->warn_log_limit + 1) {
        snprintf(msg + n, sizeof msg - (size_t)n,
                 "more warnings of this kind are only counted (limit %u)", s->warn_log_limit);
    } else {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
        va_end(ap);
        n = k > 0 && (size_t)(n + k) < sizeof msg ? n + k : (int)strlen(msg);
        if (s->host && s->host->pc)
            snprintf(msg + n, sizeof msg - (size_t)n, " (pc 0x%08x)", s->host->pc(s->host->opaque));
    }
    host_log(s, SE_LOG_WARN, msg);
}

/* ---- state ----------------------------------------------------------------------------- */

/* Power-on address mode: W25Q256 SR3.ADP, Micron NVCR b0 = 0 (docs/serial-nor.md 3, 4). */
static bool default_addr4(const se_spinor *s)
{
    const se_spinor_part *p = s->part;
    if (!(p->caps & SE_SPINOR_CAP_4B))
        return false;
    if (p->vendor == SE_SPINOR_WINBOND)
        return (s->sr3 & 0x02u) != 0;
    if (p->vendor == SE_SPINOR_MICRON)
        return (s->nvcr & 0x0001u) == 0;
    return false;
}

/* The volatile state a power cycle or RSTEN+RST restores; the non-volatile bits (SR BP and QE,
 * Winbond SR2/SR3, Macronix CR, Micron NVCR) stay as written in this run. */
static void volatile_reset(se_spinor *s)
{
    s->sr &= (uint8_t) ~(SE_SPINOR_SR_WIP | SE_SPINOR_SR_WEL);
    s->busy_op = SE_SPINOR_OP_NONE;
    s->busy_until_ns = 0;
    s->qpi = false;
    s->rsten = false;
    s->deep_power_down = false;
    s->volatile_sr_we = false;
    s->ear = 0;
    s->vcr = 0xFB; /* dummy 0xF (= the command's default), XIP off, continuous wrap */
    s->evcr = 0xDF;
    s->fsr = 0;
    s->addr4 = default_addr4(s);
    if (s->part->vendor == SE_SPINOR_WINBOND)
        s->sr3 = (uint8_t)((s->sr3 & ~1u) | (s->addr4 ? 1u : 0u));
}

void se_spinor_reset(se_spinor *s)
{
    se_spinor keep = *s;
    memset(s, 0, sizeof *s);
    s->part = keep.part;
    s->host = keep.host;
    s->img = keep.img;
    s->log_commands = keep.log_commands;
    s->warn_log_limit = keep.warn_log_limit;
    s->counters = keep.counters;
    s->nvcr = 0xFFFF; /* erased: 3-byte addressing, default dummies */
    if (s->part->vendor == SE_SPINOR_MACRONIX)
        s->cr[0] = 0x07u; /* ODS default [uncertain]: not read by any loader seen */
    volatile_reset(s);
}

se_spinor *se_spinor_new(const se_spinor_part *part, const se_periph_host *host,
                         se_flash_image *img)
{
    if (!part || !img || se_flash_image_size(img) != part->size)
        return NULL;
    se_spinor *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->part = part;
    s->host = host;
    s->img = img;
    se_spinor_reset(s);
    return s;
}

void se_spinor_free(se_spinor *s) { free(s); }

uint64_t se_spinor_busy_until(const se_spinor *s)
{
    return s->busy_op != SE_SPINOR_OP_NONE ? s->busy_until_ns : 0;
}

static void complete_if_done(se_spinor *s, uint64_t now)
{
    if (s->busy_op != SE_SPINOR_OP_NONE && now >= s->busy_until_ns) {
        s->busy_op = SE_SPINOR_OP_NONE;
        s->sr &= (uint8_t) ~(SE_SPINOR_SR_WIP | SE_SPINOR_SR_WEL);
    }
}

/* WIP=1 for t_ns; the array already holds the result (applied at the start). */
static void start_busy(se_spinor *s, se_spinor_op op, uint64_t now, uint64_t t_ns)
{
    s->busy_op = op;
    s->busy_until_ns = now + t_ns;
    s->sr |= SE_SPINOR_SR_WIP;
    if (t_ns == 0)
        complete_if_done(s, now);
}

static bool quad_enabled(const se_spinor *s)
{
    switch (s->part->vendor) {
    case SE_SPINOR_WINBOND: return (s->sr2 >> s->part->qe_bit) & 1u;
    case SE_SPINOR_MACRONIX: return (s->sr >> s->part->qe_bit) & 1u;
    default: return true; /* Micron: no QE bit, quad opcodes always accepted (7.2) */
    }
}

/* Micron VCR DUMMY [7:4]: 1..14 overrides every fast read's count; 0 and 15 keep the
 * command's default (S9e) [uncertain for 0]. */
static int micron_dummy(const se_spinor *s)
{
    unsigned d = s->vcr >> 4;
    return s->part->vendor == SE_SPINOR_MICRON && d >= 1 && d <= 14 ? (int)d : -1;
}

static unsigned dummy_of(const se_spinor *s, const cmd *c)
{
    const se_spinor_dummy *d = &s->part->dummy;
    int m = micron_dummy(s);
    if (c->dummy == DM_0)
        return 0;
    if (c->dummy == DM_SFDP)
        return 8;
    if (c->dummy == DM_RES)
        return 24; /* three dummy bytes before the device ID */
    if (m >= 0)
        return (unsigned)m;
    if (s->qpi)
        return d->qpi;
    switch (c->dummy) {
    case DM_FAST: return d->fast;
    case DM_112: return d->d112;
    case DM_122: return d->d122;
    case DM_144_114: return d->d114;
    case DM_144: return d->d144;
    default: return 0;
    }
}

int se_spinor_read_dummy(const se_spinor *s, uint8_t op)
{
    const cmd *c = find_cmd(s->part, op);
    return c && c->kind == K_READ ? (int)dummy_of(s, c) : -1;
}

/* ---- SFDP: the JEDEC header and a basic flash parameter table built from the row ------ */

static void put32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t sfdp_byte(const se_spinor *s, uint32_t a)
{
    const se_spinor_part *p = s->part;
    uint8_t t[0x30 + 36];
    memset(t, 0xFF, sizeof t);
    memcpy(t, "SFDP", 4);
    t[4] = 0x06; /* JESD216B: minor 6, major 1, one parameter header */
    t[5] = 0x01;
    t[6] = 0x00;
    t[8] = 0x00; /* BFPT: ID 0xFF00, version 1.6, 9 DWORDs at 0x30 */
    t[9] = 0x06;
    t[10] = 0x01;
    t[11] = 9;
    t[12] = 0x30;
    t[13] = 0x00;
    t[14] = 0x00;
    bool has122 = (p->caps & SE_SPINOR_CAP_READ_122_144) != 0;
    uint32_t dw1 = 0xFF800000u | 0x01u /* 4 KiB erase */ | 0x04u /* page >= 64 B */ |
                   0x2000u /* opcode 0x20 */ | 1u << 16 /* 1-1-2 */ | 1u << 22 /* 1-1-4 */;
    if (p->caps & SE_SPINOR_CAP_4B)
        dw1 |= 1u << 17; /* 3- or 4-byte addressing */
    if (has122)
        dw1 |= 1u << 20 | 1u << 21;
    put32(t + 0x30, dw1);
    put32(t + 0x34, p->size * 8u - 1u);
    const se_spinor_dummy *d = &p->dummy;
    /* mode clocks: a mode byte on 4 lines is 2 cycles, on 2 lines 4 */
    uint32_t m144 = d->d144 >= 2 ? 2 : 0, m122 = d->d122 >= 4 ? 4 : 0;
    put32(t + 0x38, has122 ? (uint32_t)(d->d144 - m144) | m144 << 5 | 0xEBu << 8 |
                                 (uint32_t)d->d114 << 16 | 0x6Bu << 24
                           : 0xFFFFu | (uint32_t)d->d114 << 16 | 0x6Bu << 24);
    put32(t + 0x3C,
          (uint32_t)d->d112 | 0x3Bu << 8 |
              (has122 ? ((uint32_t)(d->d122 - m122) | m122 << 5 | 0xBBu << 8) << 16 : 0xFFFF0000u));
    put32(t + 0x40, (p->caps & SE_SPINOR_CAP_QPI) ? 0xFFFFFFFEu | 0x10u : 0xFFFFFFEEu);
    put32(t + 0x44, 0xFFFFFFFFu);
    put32(t + 0x48,
          (p->caps & SE_SPINOR_CAP_QPI) ? 0xEB000000u | (uint32_t)d->qpi << 16 : 0x0000FFFFu);
    bool e32 = (p->caps & SE_SPINOR_CAP_32K) != 0;
    put32(t + 0x4C, 0x0Cu | 0x20u << 8 | (e32 ? (0x0Fu << 16 | 0x52u << 24) : 0));
    put32(t + 0x50, 0x10u | 0xD8u << 8);
    return a < sizeof t ? t[a] : 0xFF;
}

/* ---- one frame ------------------------------------------------------------------------- */

typedef struct frame_ctx {
    se_spinor *s;
    se_flash_frame *f;
    const cmd *c;
    uint64_t now;
    uint32_t len;
    unsigned dummy; /* dummy cycles + cycles of the alternate (mode) bytes */
    txlog *t;
} frame_ctx;

static unsigned alt_cycles(const se_flash_phase *p)
{
    if (!p->lines)
        return 0;
    unsigned per = p->lines * (p->dtr ? 2u : 1u);
    return (p->size * 8u + per - 1) / per;
}

static unsigned addr_bytes(const se_spinor *s, const cmd *c)
{
    switch (c->addr) {
    case AMODE: return s->addr4 ? 4u : 3u;
    case A3: return 3u;
    case A4: return 4u;
    default: return 0u;
    }
}

/* The array address: 4-byte forms as sent, 3-byte ones extended by the EAR on big parts. */
static uint32_t array_addr(const frame_ctx *x)
{
    const se_spinor *s = x->s;
    uint32_t a = x->f->addr_value;
    if (addr_bytes(s, x->c) == 3)
        a = (a & 0x00FFFFFFu) | (uint32_t)s->ear << 24;
    return a & (s->part->size - 1u);
}

static void log_out_bytes(txlog *t, const uint8_t *b, uint32_t len)
{
    tx_add(t, " ->");
    for (uint32_t i = 0; i < len && i < 8; i++)
        tx_add(t, " 0x%02x", b[i]);
    if (len > 8)
        tx_add(t, " ...");
}

/* Fill buf from the array (wrapping at the end of the part), or from a repeated pattern. */
static void fill_array(const se_spinor *s, uint32_t a, uint8_t *out, size_t n)
{
    uint32_t size = s->part->size;
    while (n > 0) {
        size_t k = size - a < n ? size - a : n;
        se_flash_image_read(s->img, a, out, k);
        out += k;
        n -= k;
        a = 0;
    }
}

/* A read whose host waits shift cycles more (>0: the first bits are lost) or fewer (<0:
 * floating 1s come first) than the chip: the data moves by shift * lines bits. */
static void shift_read(uint8_t *buf, uint32_t len, long shift_bits)
{
    if (shift_bits == 0 || len == 0)
        return;
    uint8_t *tmp = malloc(len);
    if (!tmp) {
        memset(buf, 0xFF, len);
        return;
    }
    memcpy(tmp, buf, len);
    memset(buf, 0, len);
    for (size_t j = 0; j < (size_t)len * 8; j++) {
        long sb = (long)j + shift_bits;
        unsigned bit = sb < 0 || sb >= (long)len * 8 ? 1u : (tmp[sb / 8] >> (7 - sb % 8)) & 1u;
        buf[j / 8] |= (uint8_t)(bit << (7 - j % 8));
    }
    free(tmp);
}

static void read_regs(frame_ctx *x, const uint8_t *v, unsigned n, bool repeat)
{
    for (uint32_t i = 0; i < x->len; i++)
        x->f->buf[i] = repeat ? v[i % n] : (i < n ? v[i] : 0x00);
    log_out_bytes(x->t, x->f->buf, x->len);
}

static bool need_wel(frame_ctx *x)
{
    se_spinor *s = x->s;
    if (s->sr & SE_SPINOR_SR_WEL)
        return true;
    if (x->c->addr)
        warn(s, &s->counters.no_wel, "%s at 0x%08x with WEL=0: ignored (no WREN before it)",
             x->c->name, x->f->addr_value);
    else
        warn(s, &s->counters.no_wel, "%s with WEL=0: ignored (no WREN before it)", x->c->name);
    tx_add(x->t, " ignored (WEL=0)");
    return false;
}

static void do_program(frame_ctx *x)
{
    se_spinor *s = x->s;
    if (!need_wel(x))
        return;
    uint32_t a = array_addr(x), pg = s->part->page;
    if (x->len == 0) {
        tx_add(x->t, " ignored (no data)");
        return;
    }
    uint32_t base = a & ~(pg - 1u), col = a & (pg - 1u);
    /* The page buffer: data wraps inside the page; more than a page keeps the last bytes. */
    uint8_t buf[512], old[512];
    bool hit[512];
    memset(hit, 0, sizeof hit);
    uint32_t first = x->len > pg ? x->len - pg : 0;
    for (uint32_t i = first; i < x->len; i++) {
        uint32_t k = (col + i) & (pg - 1u);
        buf[k] = x->f->buf[i];
        hit[k] = true;
    }
    se_flash_image_read(s->img, base, old, pg);
    size_t bad = 0;
    uint32_t lo = pg, hi = 0;
    for (uint32_t k = 0; k < pg; k++) {
        if (!hit[k]) {
            buf[k] = 0xFF;
            continue;
        }
        lo = k < lo ? k : lo;
        hi = k;
        bad += buf[k] != 0xFF && (buf[k] & (uint8_t)~old[k]) != 0;
    }
    se_flash_image_program(s->img, base, buf, pg);
    if (x->len > pg - col) {
        tx_add(x->t, " program 0x%08x..0x%08x wraps to 0x%08x", a, base + pg - 1u, base);
        tx_range(x->t, "program", a, base + pg - 1u);
        tx_range(x->t, "program", base, base + ((col + x->len - 1u) & (pg - 1u)));
    } else {
        tx_add(x->t, " program 0x%08x..0x%08x", a, a + x->len - 1u);
        tx_range(x->t, "program", base + lo, base + hi);
    }
    if (bad) {
        s->counters.unerased_bytes += bad;
        warn(s, &s->counters.unerased_program,
             "%s at 0x%08x: %zu byte(s) needed a 0 -> 1 bit change (not erased): NOR keeps the "
             "AND of old and new",
             x->c->name, a, bad);
    }
    start_busy(s, SE_SPINOR_OP_PROGRAM, x->now, s->part->t.page);
}

static void do_erase(frame_ctx *x)
{
    se_spinor *s = x->s;
    if (!need_wel(x))
        return;
    const se_spinor_times *t = &s->part->t;
    if (x->c->kind == K_CE) {
        se_flash_image_erase(s->img, 0, s->part->size);
        tx_add(x->t, " erase 0x00000000..0x%08x", s->part->size - 1u);
        tx_range(x->t, "erase", 0, s->part->size - 1u);
        start_busy(s, SE_SPINOR_OP_ERASE_CHIP, x->now, t->chip);
        return;
    }
    uint32_t unit = x->c->erase, a = array_addr(x) & ~(unit - 1u);
    se_flash_image_erase(s->img, a, unit);
    tx_add(x->t, " erase 0x%08x..0x%08x", a, a + unit - 1u);
    tx_range(x->t, "erase", a, a + unit - 1u);
    start_busy(s, SE_SPINOR_OP_ERASE, x->now,
               unit == 0x1000   ? t->e4k
               : unit == 0x8000 ? t->e32k
                                : t->e64k);
}

/* A register write that needs WEL (or Winbond's volatile-SR enable) and ends WEL. */
static bool reg_write_ok(frame_ctx *x, bool volatile_ok)
{
    se_spinor *s = x->s;
    if (x->len == 0) {
        warn(s, &s->counters.bad_frame, "%s without data: ignored", x->c->name);
        tx_add(x->t, " ignored (no data)");
        return false;
    }
    if (volatile_ok && s->volatile_sr_we)
        return true;
    return need_wel(x);
}

/* Non-volatile register writes hold WIP for t.wrsr; volatile ones end at once. */
static void reg_written(frame_ctx *x, bool nonvolatile)
{
    se_spinor *s = x->s;
    bool vol = s->volatile_sr_we || !nonvolatile;
    s->volatile_sr_we = false;
    s->sr |= SE_SPINOR_SR_WEL; /* cleared by complete_if_done */
    start_busy(s, SE_SPINOR_OP_WRITE_REG, x->now, vol ? 0 : s->part->t.wrsr);
}

static void do_wrsr(frame_ctx *x)
{
    se_spinor *s = x->s;
    if (!reg_write_ok(x, s->part->vendor == SE_SPINOR_WINBOND))
        return;
    const uint8_t *d = x->f->buf;
    s->sr = (uint8_t)((s->sr & 0x03u) | (d[0] & 0xFCu));
    switch (s->part->vendor) {
    case SE_SPINOR_WINBOND:
        if (x->len >= 2) /* SR2: QE b1, CMP b6; LB (OTP) and SUS not modelled */
            s->sr2 = (uint8_t)((s->sr2 & ~0x42u) | (d[1] & 0x42u));
        break;
    case SE_SPINOR_MACRONIX:
        if (x->len >= 2)
            s->cr[0] = d[1];
        if (x->len >= 3 && (s->part->caps & SE_SPINOR_CAP_CR2))
            s->cr[1] = d[2];
        break;
    default: break;
    }
    tx_add(x->t, " SR=0x%02x", s->sr & 0xFCu); /* as written: WIP and WEL are the chip's */
    reg_written(x, true);
}

static void do_wrsr_winbond(frame_ctx *x, uint8_t *reg, uint8_t mask)
{
    if (!reg_write_ok(x, true))
        return;
    *reg = (uint8_t)((*reg & ~mask) | (x->f->buf[0] & mask));
    reg_written(x, true);
}

static void micron_write(frame_ctx *x, bool nonvolatile)
{
    se_spinor *s = x->s;
    if (!reg_write_ok(x, false))
        return;
    const uint8_t *d = x->f->buf;
    switch (x->c->kind) {
    case K_WRVCR: s->vcr = d[0]; break;
    case K_WRNVCR:
        s->nvcr = (uint16_t)(d[0] | (x->len >= 2 ? (unsigned)d[1] << 8 : s->nvcr & 0xFF00u));
        break;
    case K_WREVCR:
        s->evcr = d[0];
        if (!(d[0] & 0x80u) && (s->part->caps & SE_SPINOR_CAP_QPI))
            s->qpi = true; /* EVCR b7 = 0: quad I/O protocol (7.2) */
        else if (d[0] & 0x80u)
            s->qpi = false;
        break;
    default: break;
    }
    reg_written(x, nonvolatile);
}

/* Phases the command needs, given the mode: NULL if they fit, else why not. */
static const char *check_phases(const frame_ctx *x)
{
    const se_flash_frame *f = x->f;
    const se_spinor *s = x->s;
    const cmd *c = x->c;
    unsigned na = addr_bytes(s, c);
    unsigned al = s->qpi ? 4u : c->addr_lines, dl = s->qpi ? 4u : c->data_lines;
    if (!na && f->addr.lines)
        return "unexpected address phase";
    if (na && !f->addr.lines)
        return "missing address phase";
    if (na && f->addr.lines != al)
        return al == 4   ? "address must be on 4 lines"
               : al == 2 ? "address must be on 2 lines"
                         : "address must be on 1 line";
    if (na && f->addr.size != na)
        return na == 4 ? "4-byte address expected" : "3-byte address expected";
    if (f->addr.dtr || f->data.dtr || f->alt.dtr)
        return "DTR phases are not modelled for this part";
    bool has_data = f->data.lines && x->len;
    if (c->data == D_NONE && has_data)
        return "unexpected data phase";
    if (has_data && f->data.lines != dl)
        return dl == 4   ? "data must be on 4 lines"
               : dl == 2 ? "data must be on 2 lines"
                         : "data must be on 1 line";
    if (has_data && f->write != (c->data == D_IN))
        return f->write ? "data written to a read command" : "data read from a write command";
    return NULL;
}

static bool allowed_while_busy(int kind)
{
    return kind == K_RDSR || kind == K_RDSR2 || kind == K_RDSR3 || kind == K_RDFSR ||
           kind == K_RDSCUR || kind == K_RDCR || kind == K_NOT_MODELLED;
}

/* Quad commands (any phase on 4 lines in SPI mode) need QE on Winbond and Macronix parts:
 * with QE = 0, IO2/IO3 are WP#/HOLD# and the chip does not take the command. */
static bool is_quad(const cmd *c) { return c->addr_lines == 4 || c->data_lines == 4; }

static void run(frame_ctx *x, bool was_rsten)
{
    se_spinor *s = x->s;
    se_flash_frame *f = x->f;
    const cmd *c = x->c;
    bool busy = s->busy_op != SE_SPINOR_OP_NONE;

    if (busy && !allowed_while_busy(c->kind)) {
        if (c->kind == K_READ || c->kind == K_SFDP) {
            warn(s, &s->counters.read_while_busy,
                 "reading while WIP: %s at 0x%08x: the chip ignores it, the bus floats (0xFF)",
                 c->name, f->addr_value);
            tx_add(x->t, " ignored (WIP: reads 0xFF)");
        } else {
            warn(s, &s->counters.cmd_while_busy, "%s while WIP=1 (busy for %llu more ns): ignored",
                 c->name, (unsigned long long)(s->busy_until_ns - x->now));
            tx_add(x->t, " ignored (WIP)");
        }
        return;
    }
    if (!s->qpi && is_quad(c) && !quad_enabled(s)) {
        warn(s, &s->counters.quad_disabled,
             "%s (0x%02X) with QE=0: IO2/IO3 are WP#/HOLD#, the command is ignored (set QE "
             "in %s first)",
             c->name, c->op, s->part->vendor == SE_SPINOR_WINBOND ? "SR2" : "SR");
        tx_add(x->t, " ignored (QE=0)");
        return;
    }
    unsigned need = dummy_of(s, c);
    long shift = 0;
    if (x->dummy != need) {
        const char *effect = c->data == D_OUT ? "the data is shifted" : "the command is ignored";
        warn(s, &s->counters.wrong_dummy,
             "%s: expected %u dummy cycles (mode byte included), got %u: %s", c->name, need,
             x->dummy, effect);
        if (c->data != D_OUT) {
            tx_add(x->t, " ignored (dummy cycles)");
            return;
        }
        shift = ((long)x->dummy - (long)need) * (long)(s->qpi ? 4 : c->data_lines);
    }

    uint8_t v[6];
    switch (c->kind) {
    case K_READ: {
        uint32_t a = array_addr(x);
        if (x->len == 0)
            break;
        fill_array(s, a, f->buf, x->len);
        shift_read(f->buf, x->len, shift);
        uint32_t last = (a + x->len - 1u) & (s->part->size - 1u);
        tx_add(x->t, " read 0x%08x..0x%08x", a, last);
        tx_range(x->t, "read", a, last);
        if (f->alt.lines && (c->dummy == DM_144 || c->dummy == DM_122)) {
            /* continuous read: Winbond M5-4 = 10, Macronix P7..P4 != P3..P0 toggling */
            uint8_t m = (uint8_t)f->alt_value;
            bool cont = s->part->vendor == SE_SPINOR_WINBOND    ? (m & 0x30u) == 0x20u
                        : s->part->vendor == SE_SPINOR_MACRONIX ? ((m >> 4) ^ m) == 0x0Fu
                                                                : false;
            if (cont)
                warn(s, &s->counters.not_modelled,
                     "%s mode byte 0x%02X asks for continuous read (no instruction next "
                     "time): not modelled, the next frame is decoded normally",
                     c->name, m);
        }
        break;
    }
    case K_SFDP:
        for (uint32_t i = 0; i < x->len; i++)
            f->buf[i] = sfdp_byte(s, (f->addr_value & 0xFFFFFFu) + i);
        shift_read(f->buf, x->len, shift);
        log_out_bytes(x->t, f->buf, x->len);
        break;
    case K_PP: do_program(x); break;
    case K_ERASE:
    case K_CE: do_erase(x); break;
    case K_WREN: s->sr |= SE_SPINOR_SR_WEL; break;
    case K_WRDI: s->sr &= (uint8_t)~SE_SPINOR_SR_WEL; break;
    case K_RDSR: read_regs(x, &s->sr, 1, true); break;
    case K_RDSR2: read_regs(x, &s->sr2, 1, true); break;
    case K_RDSR3: read_regs(x, &s->sr3, 1, true); break;
    case K_RDCR: read_regs(x, s->cr, (s->part->caps & SE_SPINOR_CAP_CR2) ? 2 : 1, true); break;
    case K_RDSCUR: read_regs(x, &s->secr, 1, true); break;
    case K_RDFSR:
        v[0] = (uint8_t)(s->fsr | (busy ? 0 : SE_SPINOR_FSR_READY) |
                         (s->addr4 ? SE_SPINOR_FSR_ADDR4 : 0));
        read_regs(x, v, 1, true);
        break;
    case K_CLFSR: s->fsr = 0; break;
    case K_RDVCR: read_regs(x, &s->vcr, 1, true); break;
    case K_RDEVCR: read_regs(x, &s->evcr, 1, true); break;
    case K_RDNVCR:
        v[0] = (uint8_t)s->nvcr;
        v[1] = (uint8_t)(s->nvcr >> 8);
        read_regs(x, v, 2, true);
        break;
    case K_RDEAR: read_regs(x, &s->ear, 1, true); break;
    case K_WRSR: do_wrsr(x); break;
    case K_WRSR2: do_wrsr_winbond(x, &s->sr2, 0x42u); break;
    case K_WRSR3: do_wrsr_winbond(x, &s->sr3, 0x66u); break; /* ADP, WPS, DRV; ADS read-only */
    case K_VSR_WE: s->volatile_sr_we = true; break;
    case K_WRVCR:
    case K_WREVCR: micron_write(x, false); break;
    case K_WRNVCR: micron_write(x, true); break;
    case K_WREAR:
        if (reg_write_ok(x, false)) {
            /* as many bits as the part has 16 MiB segments above the first */
            s->ear = (uint8_t)(f->buf[0] & ((s->part->size >> 24) - 1u));
            reg_written(x, false);
        }
        break;
    case K_EN4B:
    case K_EX4B:
        /* Policy: accepted without WREN (ST's Micron BSP sends WREN first, Winbond needs
         * none) [uncertain for Micron]. */
        s->addr4 = c->kind == K_EN4B;
        if (s->part->vendor == SE_SPINOR_WINBOND)
            s->sr3 = (uint8_t)((s->sr3 & ~1u) | (s->addr4 ? 1u : 0u));
        break;
    case K_RDID: read_regs(x, s->part->id, s->part->id_len, false); break;
    case K_REMS:
        /* address 0: manufacturer first; address 1: device first */
        v[0] = (f->addr_value & 1u) ? s->part->rems : s->part->id[0];
        v[1] = (f->addr_value & 1u) ? s->part->id[0] : s->part->rems;
        read_regs(x, v, 2, true);
        break;
    case K_RES: read_regs(x, &s->part->rems, 1, true); break;
    case K_RSTEN: s->rsten = true; break;
    case K_RST:
        if (!was_rsten) {
            warn(s, &s->counters.bad_sequence,
                 "RST not immediately after RSTEN: ignored (any other command cancels RSTEN)");
            tx_add(x->t, " ignored (no RSTEN)");
        } else {
            if (busy)
                warn(s, &s->counters.bad_sequence,
                     "RST while WIP=1: on hardware the operation's result is undefined; the "
                     "model keeps the complete result");
            volatile_reset(s);
            tx_add(x->t, " (reset)");
        }
        break;
    case K_DP: s->deep_power_down = true; break;
    case K_QPI_EN: s->qpi = true; break;
    case K_QPI_EX: s->qpi = false; break;
    default: break;
    }
}

static const char *mode_of(const se_spinor *s) { return s->qpi ? "QPI" : "SPI"; }

void se_spinor_transfer(se_spinor *s, se_flash_frame *f, uint64_t now_ns)
{
    s->counters.frames++;
    uint32_t len = f->buf ? f->len : 0;
    if (!f->write && len)
        memset(f->buf, 0xFF, len);
    complete_if_done(s, now_ns);

    txlog t = {.on = s->log_commands};
    uint8_t op = (uint8_t)f->inst_value;
    unsigned dummy = f->dummy_cycles + alt_cycles(&f->alt);
    tx_add(&t, "flash %s 0x%02X", mode_of(s), op);
    if (t.on)
        t.ev = (se_flash_cmd){.mode = mode_of(s),
                              .opcode = op,
                              .opcode_bytes = 1,
                              .has_addr = f->addr.lines != 0,
                              .addr = f->addr_value,
                              .dummy = dummy,
                              .len = len,
                              .write = f->write,
                              .time_ns = now_ns};
    frame_ctx x = {.s = s, .f = f, .now = now_ns, .len = len, .dummy = dummy, .t = &t};
    bool was_rsten = s->rsten;
    s->rsten = false;

    unsigned want = s->qpi ? 4u : 1u;
    if (f->inst.lines != want || f->inst.size != 1 || f->inst.dtr) {
        bool reset_frame = f->inst.size == 1 && (op == 0x66 || op == 0x99);
        if (reset_frame) {
            /* loaders send RSTEN/RST in both SPI and QPI to reach either state: only the
             * current one acts, the other is expected and silent */
            tx_add(&t, " ignored (chip in %s mode)", mode_of(s));
            s->rsten = was_rsten;
        } else {
            warn(s, &s->counters.wrong_mode,
                 "frame with a %u-line %u-byte %s instruction 0x%X while the chip is in %s "
                 "mode (%u-line instructions): ignored",
                 f->inst.lines, f->inst.size, f->inst.dtr ? "DTR" : "STR", f->inst_value,
                 mode_of(s), want);
            tx_add(&t, " ignored (chip in %s mode)", mode_of(s));
        }
        goto done;
    }
    x.c = find_cmd(s->part, op);
    tx_add(&t, " %s", x.c ? x.c->name : "?");
    t.ev.name = x.c ? x.c->name : NULL;
    if (f->addr.lines > 1 || f->data.lines > 1 || f->inst.lines > 1)
        tx_add(&t, " %u-%u-%u", f->inst.lines, f->addr.lines ? f->addr.lines : f->inst.lines,
               f->data.lines ? f->data.lines : f->inst.lines);
    if (f->addr.lines)
        tx_add(&t, " addr 0x%08x", f->addr_value);
    if (f->addr.lines || dummy)
        tx_add(&t, " dummy %u", dummy);
    if (f->data.lines && len)
        tx_add(&t, " len %u", len);
    if (s->deep_power_down) {
        if (x.c && x.c->kind == K_RES) {
            s->deep_power_down = false;
            tx_add(&t, " (wake)");
        } else {
            warn(s, &s->counters.deep_power_down,
                 "%s (0x%02X) sent in deep power-down: ignored (send RES 0xAB first)",
                 x.c ? x.c->name : "command", op);
            tx_add(&t, " ignored (deep power-down)");
            goto done;
        }
    }
    if (!x.c) {
        warn(s, &s->counters.unknown_command,
             "unknown command 0x%02X: the %s has no such opcode: ignored", op, s->part->name);
        tx_add(&t, " ignored (unknown command)");
        goto done;
    }
    if (x.c->kind == K_NOT_MODELLED) {
        warn(s, &s->counters.not_modelled, "%s (0x%02X) is not modelled: ignored", x.c->name, op);
        tx_add(&t, " ignored (not modelled)");
        goto done;
    }
    const char *why = check_phases(&x);
    if (why) {
        warn(s, &s->counters.bad_frame, "%s in %s mode: %s: ignored", x.c->name, mode_of(s), why);
        tx_add(&t, " ignored (%s)", why);
        goto done;
    }
    run(&x, was_rsten);
done:
    if (t.on) {
        t.ev.text = t.buf;
        if (s->host && s->host->flash_cmd)
            s->host->flash_cmd(s->host->opaque, &t.ev);
        else
            host_log(s, SE_LOG_INFO, t.buf);
    }
    if (!f->write && len && s->busy_op != SE_SPINOR_OP_NONE && s->busy_until_ns > now_ns &&
        s->host && s->host->idle_until)
        s->host->idle_until(s->host->opaque, s->busy_until_ns);
}

bool se_spinor_reads_array(se_spinor *s, const se_flash_frame *f, uint64_t now_ns)
{
    complete_if_done(s, now_ns);
    if (s->busy_op != SE_SPINOR_OP_NONE || s->rsten || s->deep_power_down || f->write || !f->len)
        return false;
    if (f->inst.lines != (s->qpi ? 4u : 1u) || f->inst.size != 1 || f->inst.dtr)
        return false;
    const cmd *c = find_cmd(s->part, (uint8_t)f->inst_value);
    if (!c || c->kind != K_READ)
        return false;
    /* the address must reach the whole part: 3 bytes only on parts up to 16 MiB, and no
     * continuous-read mode byte */
    if (addr_bytes(s, c) == 3 && s->part->size > 0x01000000u)
        return false;
    frame_ctx x = {.s = s, .f = (se_flash_frame *)f, .c = c, .len = f->len};
    if (check_phases(&x) || (!s->qpi && is_quad(c) && !quad_enabled(s)))
        return false;
    if (f->alt.lines && s->part->vendor != SE_SPINOR_MICRON) {
        uint8_t m = (uint8_t)f->alt_value;
        if (s->part->vendor == SE_SPINOR_WINBOND ? (m & 0x30u) == 0x20u : ((m >> 4) ^ m) == 0x0Fu)
            return false;
    }
    return f->dummy_cycles + alt_cycles(&f->alt) == dummy_of(s, c);
}

bool se_spinor_stream_shape(const se_spinor *s, uint8_t op, se_flash_stream_shape *out)
{
    const cmd *c = find_cmd(s->part, op);
    /* a byte stream is one line: QPI, and dual/quad commands, do not fit it */
    if (!c || s->qpi || c->kind == K_NOT_MODELLED || c->addr_lines > 1 || c->data_lines > 1)
        return false;
    unsigned dummy = dummy_of(s, c);
    *out = (se_flash_stream_shape){.addr_bytes = (uint8_t)addr_bytes(s, c),
                                   .dummy_bytes = (uint8_t)((dummy + 7u) / 8u),
                                   .read = c->data == D_OUT};
    switch (c->kind) {
    case K_READ:
    case K_SFDP: out->array = out->read; break;
    case K_RDID: out->reg_len = s->part->id_len; break;
    case K_REMS:
    case K_RDNVCR: out->reg_len = 2; break;
    case K_RDCR: out->reg_len = (s->part->caps & SE_SPINOR_CAP_CR2) ? 2 : 1; break;
    default: out->reg_len = out->read ? 1 : 0; break;
    }
    return true;
}

static void transfer_op(void *chip, se_flash_frame *f, uint64_t now_ns)
{
    se_spinor_transfer(chip, f, now_ns);
}
static uint64_t busy_until_op(const void *chip) { return se_spinor_busy_until(chip); }
static bool reads_array_op(void *chip, const se_flash_frame *f, uint64_t now_ns)
{
    return se_spinor_reads_array(chip, f, now_ns);
}

static bool stream_shape_op(void *chip, uint8_t op, se_flash_stream_shape *out)
{
    return se_spinor_stream_shape(chip, op, out);
}

const se_flash_chip_ops se_spinor_ops = {
    .name = "spinor",
    .transfer = transfer_op,
    .busy_until = busy_until_op,
    .reads_array = reads_array_op,
    .stream_shape = stream_shape_op,
};
