#include "peripherals/mx25lm51245g.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Busy times, the TYPICAL figures of docs/hardware.md A.6. */
#define T_PP_NS 150000ull       /* page program 0.15 ms (S3 readme) */
#define T_SE_NS 25000000ull     /* 4 KB erase ~25 ms [unverified]; max 400 ms */
#define T_BE_NS 220000000ull    /* 64 KB erase 220 ms (S3 readme) */
#define T_CE_NS 150000000000ull /* chip erase 150 s (S3 readme) */
/* Non-volatile register write (WRSR, WRCR, WRCR2 @0x4000_0000, WRSCUR, WPSEL). A.6 gives
 * only the 40 ms maximum ST waits; used as the typical value [unverified]. The volatile
 * CR2 bytes (0x0, 0x200, 0x300, 0x500) complete at once: ST's enter-DOPI sequence sends
 * WREN + WRCR2 twice with no WIP poll in between (A.7 step 2.5) [infer]. */
#define T_W_NS 40000000ull

#define CR_TB 0x08u
#define CR_WRITABLE 0x17u /* ODS[2:0], PBE; TB is handled as set-once */
#define CR_RESET 0x07u    /* ODS = 24 ohm (A.4) [unverified] */

/* Dummy cycles (docs/hardware.md A.3, A.5.9). */
#define DUMMY_SPI_FAST 8u  /* FAST_READ, FAST_READ4B, RDSFDP in SPI (S1, S11) */
#define DUMMY_OPI_REG 4u   /* register reads in SOPI/DOPI (S1 DUMMY_CYCLES_REG_OCTAL, S10) */
#define DUMMY_OPI_SFDP 20u /* RDSFDP in OPI: A.3 "probably 20" [unverified] (D.5) */

/* CR2@0x300 DC -> dummy cycles of 8READ/8DTRD, cycles = 20 - 2*DC (A.4). 000 = 20 is the
 * default (S11) and 111 = 6 is what ST's BSP writes and reads with (S2); the six between
 * come from the formula (S10) [unverified against the datasheet table]. The same table
 * serves STR and DTR [unverified]. */
static const uint8_t dc_cycles[8] = {20, 18, 16, 14, 12, 10, 8, 6};

/* The parts this model stands for, by their RDID bytes: MX25LM51245G (docs/hardware.md A.1),
 * MX25UM51245G (its 1.8 V sibling, C2 80 3A as Linux's spi-nor table lists it). */
static const uint8_t jedec_id[3] = {0xC2, 0x85, 0x3A};
static const uint8_t jedec_id_um[3] = {0xC2, 0x80, 0x3A};

static const char *const mode_name[3] = {"SPI", "SOPI", "DOPI"};

/* ---- the command table ----------------------------------------------------------------- */

enum kind {
    K_NONE, /* not a command */
    K_READ,
    K_PP,
    K_SE,
    K_BE,
    K_CE,
    K_WREN,
    K_WRDI,
    K_RDSR,
    K_RDCR,
    K_RDSCUR,
    K_RDID,
    K_RDCR2,
    K_RDSFDP,
    K_WRSR,
    K_WRCR2,
    K_WRSCUR,
    K_WPSEL,
    K_RSTEN,
    K_RST,
    K_SUSPEND,
    K_RESUME,
    K_DP,
    K_NOP,
    K_ENSO,
    K_EXSO,
    K_NOT_MODELLED,
};

enum { M_SPI = 1, M_SOPI = 2, M_DOPI = 4, M_OPI = M_SOPI | M_DOPI, M_ALL = 7 };
enum { D_NONE, D_OUT, D_IN }; /* data phase: none, chip -> host, host -> chip */

typedef struct cmd {
    const char *name;
    uint8_t kind;
    uint8_t modes;
    uint8_t spi_addr; /* address bytes in SPI (0, 3, 4) */
    uint8_t opi_addr; /* address bytes in SOPI/DOPI (0 or 4; OPI has no 3-byte form, A.1) */
    uint8_t data;
} cmd;

/* Indexed by the SPI opcode; the OPI opcode is op << 8 | ~op (A.2). A.3's table. */
static const cmd cmds[256] = {
    [0x03] = {"READ", K_READ, M_SPI, 3, 0, D_OUT},
    [0x13] = {"READ4B", K_READ, M_SPI, 4, 0, D_OUT},
    [0x0B] = {"FAST_READ", K_READ, M_SPI, 3, 0, D_OUT},
    [0x0C] = {"FAST_READ4B", K_READ, M_SPI, 4, 0, D_OUT},
    /* 8READ only in SOPI and 8DTRD only in DOPI, as ST uses them [unverified] */
    [0xEC] = {"8READ", K_READ, M_SOPI, 0, 4, D_OUT},
    [0xEE] = {"8DTRD", K_READ, M_DOPI, 0, 4, D_OUT},
    [0x02] = {"PP", K_PP, M_SPI, 3, 0, D_IN},
    [0x12] = {"PP4B", K_PP, M_ALL, 4, 4, D_IN},
    [0x20] = {"SE", K_SE, M_SPI, 3, 0, D_NONE},
    [0x21] = {"SE4B", K_SE, M_ALL, 4, 4, D_NONE},
    [0xD8] = {"BE", K_BE, M_SPI, 3, 0, D_NONE},
    [0xDC] = {"BE4B", K_BE, M_ALL, 4, 4, D_NONE},
    [0x60] = {"CE", K_CE, M_ALL, 0, 0, D_NONE},
    [0xC7] = {"CE", K_CE, M_SPI, 0, 0, D_NONE}, /* the alternative SPI opcode (S9, S8) */
    [0x06] = {"WREN", K_WREN, M_ALL, 0, 0, D_NONE},
    [0x04] = {"WRDI", K_WRDI, M_ALL, 0, 0, D_NONE},
    [0x05] = {"RDSR", K_RDSR, M_ALL, 0, 4, D_OUT},
    [0x15] = {"RDCR", K_RDCR, M_ALL, 0, 4, D_OUT},
    [0x2B] = {"RDSCUR", K_RDSCUR, M_ALL, 0, 4, D_OUT},
    [0x9F] = {"RDID", K_RDID, M_ALL, 0, 4, D_OUT},
    [0x71] = {"RDCR2", K_RDCR2, M_ALL, 4, 4, D_OUT},
    [0x5A] = {"RDSFDP", K_RDSFDP, M_ALL, 3, 4, D_OUT},
    [0x01] = {"WRSR", K_WRSR, M_ALL, 0, 4, D_IN},
    [0x72] = {"WRCR2", K_WRCR2, M_ALL, 4, 4, D_IN},
    [0x2F] = {"WRSCUR", K_WRSCUR, M_ALL, 0, 0, D_NONE},
    [0x68] = {"WPSEL", K_WPSEL, M_ALL, 0, 0, D_NONE},
    [0x66] = {"RSTEN", K_RSTEN, M_ALL, 0, 0, D_NONE},
    [0x99] = {"RST", K_RST, M_ALL, 0, 0, D_NONE},
    [0xB0] = {"SUSPEND", K_SUSPEND, M_ALL, 0, 0, D_NONE},
    [0x30] = {"RESUME", K_RESUME, M_ALL, 0, 0, D_NONE},
    [0xB9] = {"DP", K_DP, M_ALL, 0, 0, D_NONE},
    [0x00] = {"NOP", K_NOP, M_ALL, 0, 0, D_NONE},
    [0xB1] = {"ENSO", K_ENSO, M_ALL, 0, 0, D_NONE},
    [0xC1] = {"EXSO", K_EXSO, M_ALL, 0, 0, D_NONE},
    /* Known to the part but not used by ST's loader: recognised, warned, ignored. */
    [0xC0] = {"SBL", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x16] = {"RDFBR", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x17] = {"WRFBR", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x18] = {"ESFBR", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x2D] = {"RDLR", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x2C] = {"WRLR", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0xE0] = {"RDDPB", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0xE1] = {"WRDPB", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0xE2] = {"RDSPB", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0xE3] = {"WRSPB", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0xE4] = {"ESSPB", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x7E] = {"GBLK", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x98] = {"GBULK", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x27] = {"RDPASS", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x28] = {"WRPASS", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
    [0x29] = {"PASSULK", K_NOT_MODELLED, M_ALL, 0, 0, D_NONE},
};

static const char *const op_name[] = {
    [SE_MX25_OP_NONE] = "nothing",          [SE_MX25_OP_PROGRAM] = "page program",
    [SE_MX25_OP_ERASE_4K] = "4 KB erase",   [SE_MX25_OP_ERASE_64K] = "64 KB erase",
    [SE_MX25_OP_ERASE_CHIP] = "chip erase", [SE_MX25_OP_WRITE_REG] = "register write",
};

/* ---- diagnostics ----------------------------------------------------------------------- */

/* The transaction-log line of one frame, built while it runs (only if log_commands), and
 * the same as data (se_flash_cmd) for a host that takes it. */
typedef struct txlog {
    bool on;
    size_t n;
    char buf[384];
    se_flash_cmd ev;
} txlog;

static void tx_add(txlog *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tx_add(txlog *t, const char *fmt, ...)
{
    if (!t->on)
        return;
    if (strstr(fmt, "ignored")) /* every refusal's text says so */
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

static void host_log(const se_mx25 *s, int level, const char *msg)
{
    if (s->host && s->host->log)
        s->host->log(s->host->opaque, level, msg);
}

/* The range a read, program or erase affects, for the structured log (inclusive). */
static void tx_range(txlog *t, const char *effect, uint32_t first, uint32_t last)
{
    if (!t->on || t->ev.nranges >= 2)
        return;
    t->ev.effect = effect;
    t->ev.range[t->ev.nranges++] = (se_flash_range){first, last};
}

static void tx_emit(const se_mx25 *s, txlog *t)
{
    t->ev.text = t->buf;
    if (s->host && s->host->flash_cmd)
        s->host->flash_cmd(s->host->opaque, &t->ev);
    else
        host_log(s, SE_LOG_INFO, t->buf);
}

static void warn(se_mx25 *s, uint64_t *counter, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(se_mx25 *s, uint64_t *counter, const char *fmt, ...)
{
    (*counter)++;
    s->counters.warnings++;
    if (s->warn_log_limit && *counter > (uint64_t)s->warn_log_limit + 1)
        return;
    char msg[512];
    int n = snprintf(msg, sizeof msg, "flash: ");
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

static se_mx25_mode mode_of_cr2(uint8_t v)
{
    /* Both bits set: DOPI wins [unverified]. */
    if (v & SE_MX25_CR2_DOPI)
        return SE_MX25_DOPI;
    if (v & SE_MX25_CR2_SOPI)
        return SE_MX25_SOPI;
    return SE_MX25_SPI;
}

void se_mx25_reset(se_mx25 *s)
{
    se_mx25 keep = *s;
    memset(s, 0, sizeof *s);
    s->host = keep.host;
    s->img = keep.img;
    s->log_commands = keep.log_commands;
    s->warn_log_limit = keep.warn_log_limit;
    s->id = keep.id;
    s->counters = keep.counters;
    s->mode = SE_MX25_SPI; /* power-on default (A.2); DEFSOPI/DEFDOPI are 0 (not persisted) */
    s->cr = CR_RESET;
}

se_mx25 *se_mx25_new(const se_periph_host *host, se_flash_image *img)
{
    if (!img || se_flash_image_size(img) != SE_MX25_SIZE)
        return NULL;
    se_mx25 *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->host = host;
    s->img = img;
    s->id = jedec_id;
    se_mx25_reset(s);
    return s;
}

void se_mx25_free(se_mx25 *s) { free(s); }

uint64_t se_mx25_busy_until(const se_mx25 *s)
{
    return s->busy_op != SE_MX25_OP_NONE ? s->busy_until_ns : 0;
}

bool se_mx25_mode_cause(const se_mx25 *s, uint64_t since_ns, char *mode, char *frames, size_t len,
                        uint64_t *entered_ns)
{
    *entered_ns = s->mode_ns;
    if (s->mode == SE_MX25_SPI || !s->foreign_n || s->foreign_ns < since_ns ||
        s->mode_ns >= since_ns)
        return false;
    snprintf(mode, len, "%s mode, entered by %s", mode_name[s->mode],
             s->mode_by ? s->mode_by : "?");
    snprintf(frames, len, "%s-mode commands (opcode 0x%0*X first, %llu frames ignored)",
             mode_name[s->foreign_shape], s->foreign_shape == SE_MX25_SPI ? 2 : 4, s->foreign_op,
             (unsigned long long)s->foreign_n);
    return true;
}

bool se_mx25_read_cause(const se_mx25 *s, uint64_t since_ns, char *buf, size_t len)
{
    if (!s->dummy_ns || s->dummy_ns < since_ns)
        return false;
    long b = s->dummy_shift_bits < 0 ? -s->dummy_shift_bits : s->dummy_shift_bits;
    char by[64];
    if (b % 8 == 0)
        snprintf(by, sizeof by, "%ld byte%s", b / 8, b == 8 ? "" : "s");
    else
        snprintf(by, sizeof by, "%ld bits", b);
    snprintf(buf, len,
             "uses %u dummy cycles (%s in %s), the chip expects %u: data shifted by %s (%s)",
             s->dummy_got, s->dummy_cmd ? s->dummy_cmd : "?", mode_name[s->dummy_mode % 3u],
             s->dummy_need, by,
             s->dummy_shift_bits < 0 ? "it arrives late, after bus bytes of 0xFF"
                                     : "its first bytes are lost");
    return true;
}

unsigned se_mx25_read_dummy_cycles(const se_mx25 *s) { return dc_cycles[s->cr2_dc & 7u]; }

static void complete_if_done(se_mx25 *s, uint64_t now)
{
    if (s->busy_op != SE_MX25_OP_NONE && now >= s->busy_until_ns) {
        s->busy_op = SE_MX25_OP_NONE;
        s->sr &= (uint8_t) ~(SE_MX25_SR_WIP | SE_MX25_SR_WEL); /* A.5.2 */
    }
}

/* WIP=1 for t_ns. WEL stays 1 while the operation runs and clears when it ends (A.5.2);
 * the array already holds the result (the model applies it at the start). */
static void start_busy(se_mx25 *s, se_mx25_op op, uint64_t now, uint64_t t_ns, uint32_t addr,
                       uint32_t len)
{
    s->busy_op = op;
    s->busy_until_ns = now + t_ns;
    s->busy_addr = addr;
    s->busy_len = len;
    s->sr |= SE_MX25_SR_WIP;
}

/* "a 64 KB erase of 0x00010000..0x0001ffff", "a register write" */
static const char *busy_desc(const se_mx25 *s, char *b, size_t n)
{
    if (s->busy_op == SE_MX25_OP_WRITE_REG || s->busy_len == 0)
        snprintf(b, n, "a %s", op_name[s->busy_op]);
    else
        snprintf(b, n, "a %s of 0x%08x..0x%08x", op_name[s->busy_op], s->busy_addr,
                 s->busy_addr + s->busy_len - 1);
    return b;
}

/* Software reset (RSTEN+RST): back to the default mode (SPI unless CR2@0x4000_0000 says
 * otherwise, A.2 [infer]), volatile state cleared; SR BP, CR and the non-volatile security
 * bits stay. An operation in progress is cut short: on silicon its range is left
 * undefined; the model keeps the complete result it applied at the start (warned). */
static void set_mode(se_mx25 *s, se_mx25_mode m, uint64_t now, const char *by)
{
    if (m == s->mode)
        return;
    s->mode = m;
    s->mode_ns = now;
    s->mode_by = by;
    s->foreign_n = 0;
}

static void soft_reset(se_mx25 *s, uint64_t now)
{
    char what[96];
    if (s->busy_op != SE_MX25_OP_NONE && now < s->busy_until_ns)
        warn(s, &s->counters.reset_while_busy,
             "RST during %s: on hardware the result is left undefined; the model keeps the "
             "complete result",
             busy_desc(s, what, sizeof what));
    s->busy_op = SE_MX25_OP_NONE;
    s->suspended_op = SE_MX25_OP_NONE;
    s->sr &= SE_MX25_SR_BP_MASK;
    s->secr &= SE_MX25_SECR_SOI | SE_MX25_SECR_LDSO | SE_MX25_SECR_WPSEL;
    s->cr2_mode = s->cr2_defmode & 3u;
    s->cr2_dqs = 0;
    s->cr2_dc = 0;
    s->cr2_pptsel = 0;
    set_mode(s, mode_of_cr2(s->cr2_mode), now, "a software reset (RSTEN+RST)");
    s->deep_power_down = false;
    s->secured_otp = false;
    s->rsten = false;
}

/* BP0..3 with TB (A.5.8): level n protects the top (TB=0) or bottom (TB=1) 2^(n-1) 64 KB
 * blocks, level >= 11 the whole chip. The usual Macronix table [unverified for this part]. */
static bool is_protected(const se_mx25 *s, uint32_t a, uint32_t len)
{
    unsigned bp = (s->sr & SE_MX25_SR_BP_MASK) >> 2;
    if (bp == 0)
        return false;
    uint64_t plen = bp >= 11 ? SE_MX25_SIZE : (uint64_t)0x10000u << (bp - 1);
    uint64_t lo = (s->cr & CR_TB) ? 0 : SE_MX25_SIZE - plen, hi = lo + plen;
    return a < hi && (uint64_t)a + len > lo;
}

/* ---- read data ------------------------------------------------------------------------- */

enum { SRC_ARRAY, SRC_PATTERN, SRC_SFDP };

typedef struct src {
    int kind;
    uint32_t addr;
    uint8_t pat[6];
    unsigned plen;
} src;

static void src_fill(const se_mx25 *s, const src *r, uint64_t pos, uint8_t *out, size_t n)
{
    switch (r->kind) {
    case SRC_ARRAY: {
        /* a sequential read wraps from the last byte to 0 [unverified, standard] */
        uint32_t a = (uint32_t)((r->addr + pos) & (SE_MX25_SIZE - 1));
        while (n > 0) {
            size_t k = SE_MX25_SIZE - a < n ? SE_MX25_SIZE - a : n;
            se_flash_image_read(s->img, a, out, k);
            out += k;
            n -= k;
            a = 0;
        }
        break;
    }
    case SRC_PATTERN:
        for (size_t i = 0; i < n; i++)
            out[i] = r->pat[(pos + i) % r->plen];
        break;
    case SRC_SFDP:
        /* A minimal table: the "SFDP" signature, then zeros to 0xFF; unprogrammed above.
         * A.5.14: no dump of the real table was found [unverified]. */
        for (size_t i = 0; i < n; i++) {
            uint64_t a = r->addr + pos + i;
            out[i] = a < 4 ? (uint8_t) "SFDP"[a] : a < 0x100 ? 0x00 : 0xFF;
        }
        break;
    }
}

/* What the host captures when it waits shift_bits bit-times more (> 0: the first bits
 * are missed) or fewer (< 0: it samples the floating bus, 1s, before the data) than the
 * chip needs. One cycle is 1 bit in SPI, 8 in SOPI, 16 in DOPI. */
static void read_out(const se_mx25 *s, const src *r, uint8_t *buf, size_t len, long shift_bits)
{
    if (shift_bits == 0) {
        src_fill(s, r, 0, buf, len);
        return;
    }
    size_t need = len + (shift_bits > 0 ? (size_t)shift_bits / 8 + 1 : 0);
    uint8_t *tmp = malloc(need);
    if (!tmp) {
        memset(buf, 0xFF, len);
        return;
    }
    src_fill(s, r, 0, tmp, need);
    memset(buf, 0, len);
    for (size_t j = 0; j < len * 8; j++) {
        long sb = (long)j + shift_bits;
        unsigned bit = sb < 0 ? 1u : (tmp[sb / 8] >> (7 - sb % 8)) & 1u;
        buf[j / 8] |= (uint8_t)(bit << (7 - j % 8));
    }
    free(tmp);
}

/* ---- one frame ------------------------------------------------------------------------- */

typedef struct frame_ctx {
    se_mx25 *s;
    se_flash_frame *f;
    const cmd *c;
    const char *name;
    uint64_t now;
    uint32_t len;    /* data bytes (0 without a buffer) */
    unsigned dummy;  /* dummy cycles + cycles of alternate bytes */
    unsigned need;   /* dummy cycles the command needs */
    long shift_bits; /* (dummy - need) * bits per cycle; 0 if accepted */
    txlog *t;
} frame_ctx;

static unsigned bits_per_cycle(se_mx25_mode m)
{
    return m == SE_MX25_SPI ? 1u : m == SE_MX25_SOPI ? 8u : 16u;
}

static void log_out_bytes(txlog *t, const uint8_t *b, uint32_t len)
{
    tx_add(t, " ->");
    for (uint32_t i = 0; i < len && i < 8; i++)
        tx_add(t, " 0x%02x", b[i]);
    if (len > 8)
        tx_add(t, " ...");
}

static bool in_dopi(const frame_ctx *x) { return x->s->mode == SE_MX25_DOPI; }

static uint32_t array_addr(const frame_ctx *x)
{
    bool three = x->s->mode == SE_MX25_SPI && x->c->spi_addr == 3;
    return x->f->addr_value & (three ? 0x00FFFFFFu : SE_MX25_SIZE - 1);
}

static void check_dopi_read(frame_ctx *x, bool array)
{
    if (!in_dopi(x) || x->len == 0)
        return;
    if (!x->f->dqs)
        warn(x->s, &x->s->counters.no_dqs,
             "%s in DOPI without DQS: the host samples DTR data blind (set DQSE)", x->name);
    /* A.5.11: odd start addresses are flagged; lengths are not (a byte read through the
     * memory-mapped window is legal, the controller fetches the pair) */
    if (array && (x->f->addr_value & 1u))
        warn(x->s, &x->s->counters.dtr_odd,
             "%s in DOPI at the odd address 0x%08x: DTR moves 2 bytes per clock from an even "
             "address [unverified]",
             x->name, x->f->addr_value);
}

static void do_read_array(frame_ctx *x)
{
    se_mx25 *s = x->s;
    uint32_t a = array_addr(x);
    check_dopi_read(x, true);
    if (s->secured_otp) {
        warn(s, &s->counters.not_modelled,
             "%s inside secured OTP (after ENSO): OTP contents are not modelled, read 0xFF",
             x->name);
        tx_add(x->t, " ignored (secured OTP)");
        return;
    }
    if (x->len == 0)
        return;
    src r = {.kind = SRC_ARRAY, .addr = a};
    read_out(s, &r, x->f->buf, x->len, x->shift_bits);
    tx_add(x->t, " read 0x%08x..0x%08x", a, (a + x->len - 1) & (SE_MX25_SIZE - 1));
    tx_range(x->t, "read", a, (a + x->len - 1) & (SE_MX25_SIZE - 1));
}

static void do_read_pattern(frame_ctx *x, const uint8_t *v, unsigned n)
{
    src r = {.kind = SRC_PATTERN};
    /* DOPI register reads give every byte twice (A.3 notes, S10) */
    unsigned rep = in_dopi(x) ? 2 : 1;
    for (unsigned i = 0; i < n; i++)
        for (unsigned k = 0; k < rep; k++)
            r.pat[r.plen++] = v[i];
    check_dopi_read(x, false);
    if (x->len == 0)
        return;
    read_out(x->s, &r, x->f->buf, x->len, x->shift_bits);
    log_out_bytes(x->t, x->f->buf, x->len);
}

static bool cr2_slot(se_mx25 *s, uint32_t addr, uint8_t **reg, uint8_t *mask)
{
    switch (addr) {
    case SE_MX25_CR2_MODE:
        *reg = &s->cr2_mode;
        *mask = 0x03;
        return true;
    case SE_MX25_CR2_DQS:
        *reg = &s->cr2_dqs;
        *mask = 0x03;
        return true;
    case SE_MX25_CR2_DC:
        *reg = &s->cr2_dc;
        *mask = 0x07;
        return true;
    case SE_MX25_CR2_PPTSEL:
        *reg = &s->cr2_pptsel;
        *mask = 0x01;
        return true;
    case SE_MX25_CR2_DEFMODE:
        *reg = &s->cr2_defmode;
        *mask = 0x03;
        return true;
    default: return false;
    }
}

/* The bytes the chip receives in a write frame: dummy clocks carry the floating bus (1s)
 * ahead of the data. Returns NULL (and sets *n = 0) if the command must be refused: in SPI
 * a count of dummy bits that is not a whole byte leaves CS# off a byte boundary. */
static const uint8_t *write_bytes(frame_ctx *x, uint8_t **owned, size_t *n)
{
    *owned = NULL;
    *n = 0;
    if (x->shift_bits == 0) {
        *n = x->len;
        return x->f->buf;
    }
    if (x->shift_bits % 8 != 0) {
        tx_add(x->t, " ignored (CS# not on a byte boundary)");
        return NULL;
    }
    size_t pre = (size_t)x->shift_bits / 8;
    uint8_t *b = malloc(pre + x->len);
    if (!b)
        return NULL;
    memset(b, 0xFF, pre);
    memcpy(b + pre, x->f->buf, x->len);
    *owned = b;
    *n = pre + x->len;
    return b;
}

static bool need_wel(frame_ctx *x, uint32_t addr, bool has_addr)
{
    se_mx25 *s = x->s;
    if (s->sr & SE_MX25_SR_WEL)
        return true;
    if (has_addr)
        warn(s, &s->counters.no_wel, "%s at 0x%08x with WEL=0: ignored (no WREN before it)",
             x->name, addr);
    else
        warn(s, &s->counters.no_wel, "%s with WEL=0: ignored (no WREN before it)", x->name);
    tx_add(x->t, " ignored (WEL=0)");
    return false;
}

/* Operations refused during a suspend (A.5.12): another erase, register writes, and a
 * program while a program is suspended. [unverified, standard Macronix] */
static bool refused_while_suspended(frame_ctx *x)
{
    se_mx25 *s = x->s;
    if (s->suspended_op == SE_MX25_OP_NONE)
        return false;
    if (x->c->kind == K_PP && s->suspended_op != SE_MX25_OP_PROGRAM)
        return false;
    warn(s, &s->counters.cmd_while_busy, "%s while a %s is suspended: ignored", x->name,
         op_name[s->suspended_op]);
    tx_add(x->t, " ignored (suspended %s)", op_name[s->suspended_op]);
    return true;
}

static void fail_protected(frame_ctx *x, uint32_t a, uint32_t len, uint8_t fail_bit)
{
    se_mx25 *s = x->s;
    warn(s, &s->counters.protected_area,
         "%s of 0x%08x..0x%08x hits the area protected by SR BP=%u%s: ignored", x->name, a,
         a + len - 1, (s->sr & SE_MX25_SR_BP_MASK) >> 2, (s->cr & CR_TB) ? " (TB=1)" : "");
    /* P_FAIL/E_FAIL report a protected target [unverified]; WEL is cleared */
    s->secr |= fail_bit;
    s->sr &= (uint8_t)~SE_MX25_SR_WEL;
    tx_add(x->t, " ignored (protected)");
}

/* Program n bytes at a (inside one page); returns the bytes that are a defect: those whose
 * data programs something (is not 0xFF) yet needs a bit to go from 0 to 1, so the cell now
 * differs from the data. A 0xFF byte programs nothing, whatever the cell holds: it is the
 * pad of DTR frames (an even length from an even address) and of partial pages, and the
 * reference loader sends it around each odd byte when the host's chunk is 1 byte. Equal data,
 * or data clearing more bits, is programming as intended. */
static size_t program_run(se_mx25 *s, uint32_t a, const uint8_t *d, uint32_t n)
{
    uint8_t old[SE_MX25_PAGE];
    se_flash_image_read(s->img, a, old, n);
    size_t bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad += d[i] != 0xFF && (d[i] & (uint8_t)~old[i]) != 0;
    se_flash_image_program(s->img, a, d, n);
    return bad;
}

static void do_program(frame_ctx *x)
{
    se_mx25 *s = x->s;
    uint32_t a = array_addr(x);
    if (!need_wel(x, a, true) || refused_while_suspended(x))
        return;
    if (s->secured_otp) {
        warn(s, &s->counters.not_modelled,
             "%s inside secured OTP (after ENSO): not modelled, ignored", x->name);
        tx_add(x->t, " ignored (secured OTP)");
        return;
    }
    uint8_t *owned;
    size_t n;
    const uint8_t *d = write_bytes(x, &owned, &n);
    if (!d || n == 0) {
        if (n == 0 && d)
            tx_add(x->t, " ignored (no data)");
        free(owned);
        return;
    }
    uint32_t page = a & ~(SE_MX25_PAGE - 1), col = a & (SE_MX25_PAGE - 1);
    if (is_protected(s, page, SE_MX25_PAGE)) {
        fail_protected(x, page, SE_MX25_PAGE, SE_MX25_SECR_P_FAIL);
        free(owned);
        return;
    }
    if (in_dopi(x) && (a & 1u))
        warn(s, &s->counters.dtr_odd,
             "%s in DOPI at the odd address 0x%08x: DTR moves 2 bytes per clock from an even "
             "address [unverified]",
             x->name, a);
    /* The page buffer: data wraps inside the 256-byte page, later bytes replace earlier
     * ones, so more than 256 bytes keep the last 256 (A.5.5). */
    uint8_t buf[SE_MX25_PAGE];
    size_t first = n > SE_MX25_PAGE ? n - SE_MX25_PAGE : 0;
    for (size_t i = first; i < n; i++)
        buf[(col + i) & (SE_MX25_PAGE - 1)] = d[i];
    free(owned);
    size_t touched = n - first, unerased = 0;
    uint32_t start = (uint32_t)((col + first) & (SE_MX25_PAGE - 1));
    uint32_t run1 = touched < SE_MX25_PAGE - start ? (uint32_t)touched : SE_MX25_PAGE - start;
    uint32_t run2 = (uint32_t)touched - run1;
    unerased += program_run(s, page + start, buf + start, run1);
    if (run2)
        unerased += program_run(s, page, buf, run2);
    s->secr &= (uint8_t) ~(SE_MX25_SECR_P_FAIL | SE_MX25_SECR_E_FAIL);
    start_busy(s, SE_MX25_OP_PROGRAM, x->now, T_PP_NS, page + start, (uint32_t)touched);
    tx_add(x->t, " program 0x%08x..0x%08x", page + start, page + start + run1 - 1);
    tx_range(x->t, "program", page + start, page + start + run1 - 1);
    if (run2) {
        tx_add(x->t, ",0x%08x..0x%08x", page, page + run2 - 1);
        tx_range(x->t, "program", page, page + run2 - 1);
    }
    if (unerased) {
        s->counters.unerased_bytes += unerased;
        warn(s, &s->counters.unerased_program,
             "%s at 0x%08x programs %zu byte%s that %s not erased (NOR programming only "
             "clears bits: the flash now differs from the data)",
             x->name, page + start, unerased, unerased == 1 ? "" : "s",
             unerased == 1 ? "was" : "were");
    }
}

static void do_erase(frame_ctx *x)
{
    se_mx25 *s = x->s;
    uint32_t a = 0, len = SE_MX25_SIZE;
    uint64_t t = T_CE_NS;
    se_mx25_op op = SE_MX25_OP_ERASE_CHIP;
    if (x->c->kind == K_SE) {
        len = 0x1000;
        t = T_SE_NS;
        op = SE_MX25_OP_ERASE_4K;
    } else if (x->c->kind == K_BE) {
        len = 0x10000;
        t = T_BE_NS;
        op = SE_MX25_OP_ERASE_64K;
    }
    bool has_addr = x->c->kind != K_CE;
    if (has_addr)
        a = array_addr(x) & ~(len - 1); /* low address bits ignored (A.5.6) */
    if (!need_wel(x, has_addr ? array_addr(x) : 0, has_addr) || refused_while_suspended(x))
        return;
    if (s->secured_otp) {
        warn(s, &s->counters.not_modelled,
             "%s inside secured OTP (after ENSO): not modelled, ignored", x->name);
        tx_add(x->t, " ignored (secured OTP)");
        return;
    }
    /* a chip erase is refused if any block is protected (A.5.8) */
    if (is_protected(s, a, len)) {
        fail_protected(x, a, len, SE_MX25_SECR_E_FAIL);
        return;
    }
    se_flash_image_erase(s->img, a, len);
    s->secr &= (uint8_t) ~(SE_MX25_SECR_P_FAIL | SE_MX25_SECR_E_FAIL);
    start_busy(s, op, x->now, t, a, len);
    tx_add(x->t, " erase 0x%08x..0x%08x", a, a + len - 1);
    tx_range(x->t, "erase", a, a + len - 1);
}

static void do_wrsr(frame_ctx *x)
{
    se_mx25 *s = x->s;
    if (!need_wel(x, 0, false))
        return;
    if (refused_while_suspended(x))
        return;
    uint8_t *owned;
    size_t n;
    const uint8_t *d = write_bytes(x, &owned, &n);
    if (!d)
        return;
    bool set_sr = false, set_cr = false;
    uint8_t v_sr = 0, v_cr = 0;
    if (s->mode == SE_MX25_SPI) {
        /* one WRSR writes SR then CR (A.3); CS# must rise after 8 or 16 bits */
        if (n == 1 || n == 2) {
            set_sr = true;
            v_sr = d[0];
            set_cr = n == 2;
            v_cr = n == 2 ? d[1] : 0;
        }
    } else if (n >= 1) {
        /* OPI: address 0 = SR, 1 = CR; in DTR only the first of the 2 bytes counts (A.3) */
        if (x->f->addr_value == 0) {
            set_sr = true;
            v_sr = d[0];
        } else if (x->f->addr_value == 1) {
            set_cr = true;
            v_cr = d[0];
        }
    }
    free(owned);
    if (!set_sr && !set_cr) {
        if (s->mode == SE_MX25_SPI)
            warn(s, &s->counters.bad_frame,
                 "WRSR with %zu data bytes (1 or 2 expected): "
                 "ignored",
                 n);
        else
            warn(s, &s->counters.bad_frame,
                 "WRSR at address 0x%08x (0 = SR, 1 = CR expected): ignored", x->f->addr_value);
        tx_add(x->t, " ignored (bad frame)");
        return;
    }
    if (set_sr) {
        s->sr = (uint8_t)((s->sr & ~SE_MX25_SR_BP_MASK) | (v_sr & SE_MX25_SR_BP_MASK));
        tx_add(x->t, " SR <- 0x%02x", v_sr);
    }
    if (set_cr) {
        /* TB can be set but not cleared (A.4) [unverified] */
        s->cr = (uint8_t)((v_cr & CR_WRITABLE) | ((s->cr | v_cr) & CR_TB));
        tx_add(x->t, " CR <- 0x%02x", v_cr);
    }
    start_busy(s, SE_MX25_OP_WRITE_REG, x->now, T_W_NS, 0, 0);
}

static void do_wrcr2(frame_ctx *x)
{
    se_mx25 *s = x->s;
    if (!need_wel(x, x->f->addr_value, true) || refused_while_suspended(x))
        return;
    uint8_t *owned;
    size_t n;
    const uint8_t *d = write_bytes(x, &owned, &n);
    if (!d)
        return;
    uint8_t v = n ? d[0] : 0; /* in DTR only the first byte counts (A.3 notes) */
    free(owned);
    uint8_t *reg, mask;
    if (n == 0 || !cr2_slot(s, x->f->addr_value, &reg, &mask)) {
        if (n == 0)
            warn(s, &s->counters.bad_frame, "WRCR2 without data: ignored");
        else
            warn(s, &s->counters.bad_frame, "WRCR2 to 0x%08x: no CR2 register there: ignored",
                 x->f->addr_value);
        tx_add(x->t, " ignored (bad frame)");
        return;
    }
    *reg = v & mask;
    tx_add(x->t, " <- 0x%02x", v);
    if (x->f->addr_value == SE_MX25_CR2_DEFMODE) {
        start_busy(s, SE_MX25_OP_WRITE_REG, x->now, T_W_NS, 0, 0);
        return;
    }
    s->sr &= (uint8_t)~SE_MX25_SR_WEL;
    if (x->f->addr_value == SE_MX25_CR2_MODE) {
        /* the new mode takes effect when CS# rises (A.2) */
        se_mx25_mode m = mode_of_cr2(s->cr2_mode);
        if (m != s->mode)
            tx_add(x->t, " (now %s)", mode_name[m]);
        set_mode(s, m, x->now, "WRCR2 (CR2 at 0x0)");
    }
}

static void do_reg_write_simple(frame_ctx *x, uint8_t secr_bit)
{
    se_mx25 *s = x->s;
    if (!need_wel(x, 0, false) || refused_while_suspended(x))
        return;
    s->secr |= secr_bit;
    start_busy(s, SE_MX25_OP_WRITE_REG, x->now, T_W_NS, 0, 0);
    if (secr_bit == SE_MX25_SECR_WPSEL)
        warn(s, &s->counters.not_modelled,
             "WPSEL: advanced sector protection is not modelled (every sector stays "
             "unprotected)");
}

static void do_suspend(frame_ctx *x)
{
    se_mx25 *s = x->s;
    switch (s->busy_op) {
    case SE_MX25_OP_PROGRAM:
    case SE_MX25_OP_ERASE_4K:
    case SE_MX25_OP_ERASE_64K:
        /* A.5.12: WIP=0, PSB/ESB=1 (suspend latency not modelled) */
        s->suspended_op = s->busy_op;
        s->suspended_left_ns = s->busy_until_ns - x->now;
        s->secr |= s->busy_op == SE_MX25_OP_PROGRAM ? SE_MX25_SECR_PSB : SE_MX25_SECR_ESB;
        s->busy_op = SE_MX25_OP_NONE;
        s->sr &= (uint8_t) ~(SE_MX25_SR_WIP | SE_MX25_SR_WEL);
        tx_add(x->t, " (%s suspended)", op_name[s->suspended_op]);
        break;
    case SE_MX25_OP_NONE: tx_add(x->t, " (nothing to suspend)"); break;
    default:
        warn(s, &s->counters.bad_sequence,
             "SUSPEND during a %s: only program and sector/"
             "block erase can be suspended: ignored",
             op_name[s->busy_op]);
        break;
    }
}

static void do_resume(frame_ctx *x)
{
    se_mx25 *s = x->s;
    if (s->suspended_op == SE_MX25_OP_NONE) {
        tx_add(x->t, " (nothing suspended)");
        return;
    }
    /* A.5.12: WIP back to 1 for the time that was left */
    s->busy_op = s->suspended_op;
    s->busy_until_ns = x->now + s->suspended_left_ns;
    s->sr |= SE_MX25_SR_WIP | SE_MX25_SR_WEL;
    s->secr &= (uint8_t) ~(SE_MX25_SECR_PSB | SE_MX25_SECR_ESB);
    s->suspended_op = SE_MX25_OP_NONE;
    tx_add(x->t, " (%s resumed)", op_name[s->busy_op]);
}

/* Commands a busy chip still takes (A.5.3, and reset per A.2). */
static bool allowed_while_busy(int kind)
{
    return kind == K_RDSR || kind == K_RDSCUR || kind == K_SUSPEND || kind == K_RSTEN ||
           kind == K_RST || kind == K_NOP;
}

static bool phase_fits(const se_flash_phase *p, se_mx25_mode m)
{
    return p->lines == (m == SE_MX25_SPI ? 1 : 8) && p->dtr == (m == SE_MX25_DOPI);
}

/* NULL if the frame's phases fit the command, else why not. */
static const char *check_phases(const frame_ctx *x)
{
    const se_flash_frame *f = x->f;
    se_mx25_mode m = x->s->mode;
    unsigned na = m == SE_MX25_SPI ? x->c->spi_addr : x->c->opi_addr;
    if (na == 0 && f->addr.lines)
        return "unexpected address phase";
    if (na && !f->addr.lines)
        return "missing address phase";
    if (na && (!phase_fits(&f->addr, m) || f->addr.size != na))
        return m == SE_MX25_SPI && na == 3 ? "address must be 3 bytes on 1 line"
               : m == SE_MX25_SPI          ? "address must be 4 bytes on 1 line"
               : m == SE_MX25_SOPI         ? "address must be 4 bytes on 8 lines STR"
                                           : "address must be 4 bytes on 8 lines DTR";
    bool has_data = f->data.lines && f->len;
    if (x->c->data == D_NONE && has_data)
        return "unexpected data phase";
    if (x->c->data == D_IN && !has_data)
        return "missing data phase";
    if (has_data && !phase_fits(&f->data, m))
        return m == SE_MX25_SPI    ? "data must be on 1 line"
               : m == SE_MX25_SOPI ? "data must be on 8 lines STR"
                                   : "data must be on 8 lines DTR";
    if (has_data && f->write != (x->c->data == D_IN))
        return f->write ? "data written to a read command" : "data read from a write command";
    if (has_data && !f->buf)
        return "no data buffer";
    return NULL;
}

/* Dummy cycles the command needs in the current mode; *at_least: more are accepted. */
static unsigned needed_dummy(const se_mx25 *s, const cmd *c, bool dqs, bool *at_least)
{
    *at_least = false;
    if (s->mode == SE_MX25_SPI) {
        bool fast = c->kind == K_RDSFDP ||
                    (c->kind == K_READ && (c->name[0] == 'F')); /* FAST_READ, FAST_READ4B */
        return fast ? DUMMY_SPI_FAST : 0;
    }
    switch (c->kind) {
    case K_READ: return se_mx25_read_dummy_cycles(s);
    case K_RDSFDP: return DUMMY_OPI_SFDP;
    case K_RDSR:
    case K_RDCR:
    case K_RDSCUR:
    case K_RDID:
    case K_RDCR2:
        /* A.5.9 [infer]: in DTR with DQS the strobe gates the capture, so ST's 5 (and any
         * count >= 4) works; in STR, or without DQS, exactly 4. */
        *at_least = s->mode == SE_MX25_DOPI && dqs;
        return DUMMY_OPI_REG;
    default: return 0;
    }
}

static unsigned alt_cycles(const se_flash_phase *p)
{
    if (!p->lines)
        return 0;
    unsigned per = p->lines * (p->dtr ? 2u : 1u);
    return (p->size * 8u + per - 1) / per;
}

/* How the frame's instruction phase looks: a mode, or -1 if it fits none. */
static int frame_shape(const se_flash_frame *f)
{
    if (f->inst.lines == 1 && !f->inst.dtr && f->inst.size == 1)
        return SE_MX25_SPI;
    if (f->inst.lines == 8 && f->inst.size == 2)
        return f->inst.dtr ? SE_MX25_DOPI : SE_MX25_SOPI;
    return -1;
}

static bool is_reset_frame(const se_flash_frame *f, int shape)
{
    if (shape == SE_MX25_SPI)
        return f->inst_value == 0x66 || f->inst_value == 0x99;
    return shape >= 0 && (f->inst_value == 0x6699 || f->inst_value == 0x9966);
}

static void run(frame_ctx *x, bool was_rsten)
{
    se_mx25 *s = x->s;
    se_flash_frame *f = x->f;
    int kind = x->c->kind;
    bool busy = s->busy_op != SE_MX25_OP_NONE;

    if (busy && !allowed_while_busy(kind)) {
        if (kind == K_READ || kind == K_RDSFDP) {
            char what[96];
            warn(s, &s->counters.read_while_busy,
                 "reading while WIP: %s at 0x%08x during %s: the chip ignores it, the bus "
                 "floats (0xFF)",
                 x->name, f->addr_value, busy_desc(s, what, sizeof what));
            tx_add(x->t, " ignored (WIP: reads 0xFF)");
        } else {
            warn(s, &s->counters.cmd_while_busy,
                 "%s while WIP=1 (a %s runs for %llu more ns): ignored", x->name,
                 op_name[s->busy_op], (unsigned long long)(s->busy_until_ns - x->now));
            tx_add(x->t, " ignored (WIP)");
        }
        return;
    }

    bool at_least;
    x->need = needed_dummy(s, x->c, f->dqs, &at_least);
    if (at_least ? x->dummy < x->need : x->dummy != x->need) {
        x->shift_bits = ((long)x->dummy - (long)x->need) * (long)bits_per_cycle(s->mode);
        const char *effect = x->c->data == D_OUT  ? "the data is shifted"
                             : x->c->data == D_IN ? "dummy clocks go in as 0xFF data"
                                                  : "the command is ignored";
        if (kind == K_READ) {
            s->dummy_ns = x->now ? x->now : 1u;
            s->dummy_cmd = x->c->name;
            s->dummy_mode = (uint8_t)s->mode;
            s->dummy_got = (uint8_t)x->dummy;
            s->dummy_need = (uint8_t)x->need;
            s->dummy_shift_bits = x->shift_bits;
        }
        warn(s, &s->counters.wrong_dummy, "%s in %s: expected %s%u dummy cycles, got %u: %s",
             x->name, mode_name[s->mode], at_least ? "at least " : "", x->need, x->dummy, effect);
        if (x->c->data == D_NONE) {
            tx_add(x->t, " ignored (dummy cycles)");
            return;
        }
    }

    uint8_t v;
    switch (kind) {
    case K_READ: do_read_array(x); break;
    case K_RDSFDP: {
        check_dopi_read(x, false);
        src r = {.kind = SRC_SFDP,
                 .addr = f->addr_value & (s->mode == SE_MX25_SPI ? 0x00FFFFFFu : 0xFFFFFFFFu)};
        if (x->len) {
            read_out(s, &r, f->buf, x->len, x->shift_bits);
            log_out_bytes(x->t, f->buf, x->len);
        }
        break;
    }
    case K_RDSR: do_read_pattern(x, &s->sr, 1); break;
    case K_RDCR: do_read_pattern(x, &s->cr, 1); break;
    case K_RDSCUR: do_read_pattern(x, &s->secr, 1); break;
    case K_RDID:
        /* the 3 ID bytes repeat on a longer read [unverified] */
        do_read_pattern(x, s->id ? s->id : jedec_id, 3);
        break;
    case K_RDCR2: {
        uint8_t *reg, mask;
        if (!cr2_slot(s, f->addr_value, &reg, &mask)) {
            warn(s, &s->counters.bad_frame,
                 "RDCR2 at 0x%08x: no CR2 register there (reads "
                 "0x00)",
                 f->addr_value);
            v = 0;
        } else {
            v = *reg;
        }
        do_read_pattern(x, &v, 1);
        break;
    }
    case K_PP: do_program(x); break;
    case K_SE:
    case K_BE:
    case K_CE: do_erase(x); break;
    case K_WREN: s->sr |= SE_MX25_SR_WEL; break;
    case K_WRDI: s->sr &= (uint8_t)~SE_MX25_SR_WEL; break;
    case K_WRSR: do_wrsr(x); break;
    case K_WRCR2: do_wrcr2(x); break;
    case K_WRSCUR: do_reg_write_simple(x, SE_MX25_SECR_LDSO); break;
    case K_WPSEL: do_reg_write_simple(x, SE_MX25_SECR_WPSEL); break;
    case K_RSTEN: s->rsten = true; break;
    case K_RST:
        if (!was_rsten) {
            warn(s, &s->counters.bad_sequence,
                 "RST not immediately after RSTEN: ignored (any other command cancels RSTEN)");
            tx_add(x->t, " ignored (no RSTEN)");
        } else {
            soft_reset(s, x->now);
            tx_add(x->t, " (reset: now %s)", mode_name[s->mode]);
        }
        break;
    case K_SUSPEND: do_suspend(x); break;
    case K_RESUME: do_resume(x); break;
    case K_DP: s->deep_power_down = true; break;
    case K_NOP: break;
    case K_ENSO:
        s->secured_otp = true;
        warn(s, &s->counters.not_modelled,
             "ENSO: the secured OTP area is not modelled (reads give 0xFF, writes are "
             "ignored until EXSO)");
        break;
    case K_EXSO: s->secured_otp = false; break;
    default: break;
    }
}

void se_mx25_transfer(se_mx25 *s, se_flash_frame *f, uint64_t now_ns)
{
    s->counters.frames++;
    uint32_t len = f->buf ? f->len : 0;
    if (!f->write && len)
        memset(f->buf, 0xFF, len); /* a chip that does not drive the bus (flashbus.h) */
    complete_if_done(s, now_ns);

    txlog t = {.on = s->log_commands};
    int shape = frame_shape(f);
    tx_add(&t, "flash %s 0x%0*X", shape >= 0 ? mode_name[shape] : "?", f->inst.size == 2 ? 4 : 2,
           f->inst_value);
    if (t.on)
        t.ev = (se_flash_cmd){.mode = shape >= 0 ? mode_name[shape] : "?",
                              .opcode = f->inst_value,
                              .opcode_bytes = f->inst.size == 2 ? 2 : 1,
                              .has_addr = f->addr.lines != 0,
                              .addr = f->addr_value,
                              .dummy = f->dummy_cycles + alt_cycles(&f->alt),
                              .len = len,
                              .write = f->write,
                              .time_ns = now_ns};

    frame_ctx x = {.s = s, .f = f, .now = now_ns, .len = len, .t = &t};
    if (shape != (int)s->mode) {
        if (is_reset_frame(f, shape)) {
            /* ST sends RSTEN/RST in all three modes (A.2): only the current one acts, the
             * others are expected and silent. */
            bool en = f->inst_value == 0x66 || f->inst_value == 0x6699;
            tx_add(&t, " %s ignored (chip in %s mode)", en ? "RSTEN" : "RST", mode_name[s->mode]);
        } else if (shape < 0) {
            warn(s, &s->counters.wrong_mode,
                 "frame with a %u-line %u-byte %s instruction 0x%X fits no mode (chip in %s "
                 "mode): ignored",
                 f->inst.lines, f->inst.size, f->inst.dtr ? "DTR" : "STR", f->inst_value,
                 mode_name[s->mode]);
            tx_add(&t, " ignored (no such mode)");
        } else {
            if (s->foreign_n++ == 0) {
                s->foreign_ns = now_ns;
                s->foreign_op = f->inst_value;
                s->foreign_shape = shape;
            }
            warn(s, &s->counters.wrong_mode,
                 "%s frame (opcode 0x%0*X) while the chip is in %s mode: ignored", mode_name[shape],
                 shape == SE_MX25_SPI ? 2 : 4, f->inst_value, mode_name[s->mode]);
            tx_add(&t, " ignored (chip in %s mode)", mode_name[s->mode]);
        }
        goto done;
    }

    uint8_t op = (uint8_t)(s->mode == SE_MX25_SPI ? f->inst_value : f->inst_value >> 8);
    bool was_rsten = s->rsten;
    s->rsten = false; /* any command other than RST cancels RSTEN (A.2) */
    if (s->mode != SE_MX25_SPI) {
        uint8_t lo = (uint8_t)f->inst_value;
        if ((unsigned)lo + op != 0xFFu || f->inst_value > 0xFFFF) { /* lo == ~op */
            warn(s, &s->counters.bad_complement,
                 "OPI opcode 0x%04X: the second byte must be the complement of the first "
                 "(0x%02X%02X): ignored",
                 f->inst_value, op, (uint8_t)~op);
            tx_add(&t, " ignored (bad complement)");
            goto done;
        }
    }
    x.c = &cmds[op];
    x.name = x.c->name ? x.c->name : "?";
    tx_add(&t, " %s", x.name);
    t.ev.name = x.c->name;
    if (f->addr.lines)
        tx_add(&t, " addr 0x%08x", f->addr_value);
    x.dummy = f->dummy_cycles + alt_cycles(&f->alt);
    if (f->addr.lines || x.dummy)
        tx_add(&t, " dummy %u", x.dummy);
    if (f->data.lines && len)
        tx_add(&t, " len %u", len);

    if (s->deep_power_down) {
        /* A.5.13: the CS# pulse of any frame wakes the chip; only NOP is expected */
        s->deep_power_down = false;
        if (x.c->kind != K_NOP) {
            warn(s, &s->counters.deep_power_down,
                 "%s sent in deep power-down: ignored (the chip wakes; send NOP first)", x.name);
            tx_add(&t, " ignored (deep power-down)");
        } else {
            tx_add(&t, " (wake)");
        }
        goto done;
    }
    if (x.c->kind == K_NONE || !(x.c->modes & (1u << s->mode))) {
        warn(s, &s->counters.unknown_command, "unknown command 0x%0*X in %s mode: ignored",
             s->mode == SE_MX25_SPI ? 2 : 4, f->inst_value, mode_name[s->mode]);
        tx_add(&t, " ignored (unknown command)");
        goto done;
    }
    if (x.c->kind == K_NOT_MODELLED) {
        warn(s, &s->counters.not_modelled, "%s (0x%0*X) is not modelled: ignored", x.name,
             s->mode == SE_MX25_SPI ? 2 : 4, f->inst_value);
        tx_add(&t, " ignored (not modelled)");
        goto done;
    }
    const char *why = check_phases(&x);
    if (why) {
        warn(s, &s->counters.bad_frame, "%s in %s: %s: ignored", x.name, mode_name[s->mode], why);
        tx_add(&t, " ignored (%s)", why);
        goto done;
    }
    run(&x, was_rsten);
done:
    if (t.on)
        tx_emit(s, &t);
    /* Whatever a read returns while an operation runs (WIP=1 status, 0xFF array data) stays
     * so until it ends: a CPU that keeps reading is only waiting (periph.h idle_until). */
    if (!f->write && len && s->busy_op != SE_MX25_OP_NONE && s->busy_until_ns > now_ns && s->host &&
        s->host->idle_until)
        s->host->idle_until(s->host->opaque, s->busy_until_ns);
}

bool se_mx25_reads_array(se_mx25 *s, const se_flash_frame *f, uint64_t now_ns)
{
    complete_if_done(s, now_ns);
    if (s->busy_op != SE_MX25_OP_NONE || s->suspended_op != SE_MX25_OP_NONE || s->rsten ||
        s->deep_power_down || s->secured_otp || f->write || frame_shape(f) != (int)s->mode)
        return false;
    uint8_t op = (uint8_t)(s->mode == SE_MX25_SPI ? f->inst_value : f->inst_value >> 8);
    if (s->mode != SE_MX25_SPI &&
        ((unsigned)(uint8_t)f->inst_value + op != 0xFFu || f->inst_value > 0xFFFF))
        return false;
    const cmd *c = &cmds[op];
    unsigned na = s->mode == SE_MX25_SPI ? c->spi_addr : c->opi_addr;
    if (c->kind != K_READ || !(c->modes & (1u << s->mode)) || na != 4)
        return false;
    frame_ctx x = {.s = s, .f = (se_flash_frame *)f, .c = c, .len = f->len};
    if (!f->len || check_phases(&x) || (s->mode == SE_MX25_DOPI && !f->dqs))
        return false;
    bool at_least;
    unsigned need = needed_dummy(s, c, f->dqs, &at_least);
    unsigned dummy = f->dummy_cycles + alt_cycles(&f->alt);
    return at_least ? dummy >= need : dummy == need;
}

static bool reads_array_op(void *chip, const se_flash_frame *f, uint64_t now_ns)
{
    return se_mx25_reads_array(chip, f, now_ns);
}

static void transfer_op(void *chip, se_flash_frame *f, uint64_t now_ns)
{
    se_mx25_transfer(chip, f, now_ns);
}

static uint64_t busy_until_op(const void *chip) { return se_mx25_busy_until(chip); }

const se_flash_chip_ops se_mx25_ops = {
    .name = "mx25lm51245g",
    .transfer = transfer_op,
    .busy_until = busy_until_op,
    .reads_array = reads_array_op,
};

/* ---- the part as a board names it (peripherals/flashbus.h) ---- */

static void *class_create(const struct se_periph_host *host, struct se_flash_image *img)
{
    return se_mx25_new(host, img);
}

static void class_destroy(void *chip) { se_mx25_free(chip); }

static void class_configure(void *chip, bool log_commands, unsigned warn_log_limit)
{
    se_mx25 *s = chip;
    s->log_commands = log_commands;
    s->warn_log_limit = warn_log_limit;
}

static unsigned class_stats(const void *chip, uint64_t *frames, uint64_t *warnings,
                            se_flash_stat *kinds, unsigned max)
{
    const se_mx25_counters *c = &((const se_mx25 *)chip)->counters;
    const se_flash_stat all[] = {
        {"unerased_program", c->unerased_program},
        {"unerased_bytes", c->unerased_bytes},
        {"no_wel", c->no_wel},
        {"read_while_busy", c->read_while_busy},
        {"command_while_busy", c->cmd_while_busy},
        {"unknown_command", c->unknown_command},
        {"wrong_mode", c->wrong_mode},
        {"bad_complement", c->bad_complement},
        {"wrong_dummy", c->wrong_dummy},
        {"bad_frame", c->bad_frame},
        {"no_dqs", c->no_dqs},
        {"dtr_odd", c->dtr_odd},
        {"protected_area", c->protected_area},
        {"bad_sequence", c->bad_sequence},
        {"reset_while_busy", c->reset_while_busy},
        {"deep_power_down", c->deep_power_down},
        {"not_modelled", c->not_modelled},
    };
    unsigned n = 0;
    for (; n < max && n < sizeof all / sizeof all[0]; n++)
        kinds[n] = all[n];
    *frames = c->frames;
    *warnings = c->warnings;
    return n;
}

static void class_times(const void *chip, se_flash_times *t)
{
    (void)chip;
    *t = (se_flash_times){T_PP_NS, SE_MX25_PAGE, T_SE_NS, T_BE_NS, T_CE_NS};
}

static bool class_mode_cause(const void *chip, uint64_t since_ns, char *mode, char *frames,
                             size_t len, uint64_t *entered_ns)
{
    return se_mx25_mode_cause(chip, since_ns, mode, frames, len, entered_ns);
}

static bool class_read_cause(const void *chip, uint64_t since_ns, char *buf, size_t len)
{
    return se_mx25_read_cause(chip, since_ns, buf, len);
}

const se_flash_chip_class se_mx25lm51245g_class = {
    .name = "MX25LM51245G",
    .size = SE_MX25_SIZE,
    .state_size = sizeof(se_mx25),
    .ops = &se_mx25_ops,
    .create = class_create,
    .destroy = class_destroy,
    .configure = class_configure,
    .stats = class_stats,
    .times = class_times,
    .mode_cause = class_mode_cause,
    .read_cause = class_read_cause,
};

static void *class_create_um(const struct se_periph_host *host, struct se_flash_image *img)
{
    se_mx25 *s = se_mx25_new(host, img);
    if (s)
        s->id = jedec_id_um;
    return s;
}

const se_flash_chip_class se_mx25um51245g_class = {
    .name = "MX25UM51245G",
    .size = SE_MX25_SIZE,
    .state_size = sizeof(se_mx25),
    .ops = &se_mx25_ops,
    .create = class_create_um,
    .destroy = class_destroy,
    .configure = class_configure,
    .stats = class_stats,
    .times = class_times,
    .mode_cause = class_mode_cause,
    .read_cause = class_read_cause,
};
