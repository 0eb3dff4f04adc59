#include "fuzz/engine.h"

#include "base/fileio.h"
#include "base/input_limits.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CH 4096u        /* oracle granularity */
#define MAX_CHUNKS 256u /* device chunks a case may touch (with guards) */
_Static_assert(MAX_CHUNKS <= UINT16_MAX, "oidx holds slot + 1 in 16 bits");
#define COV_SLOTS 8192u

typedef struct oracle_chunk {
    uint32_t c; /* chunk index in the device */
    uint8_t b[CH];
} oracle_chunk;

typedef struct fz {
    bool flm; /* a CMSIS flash algorithm: its functions and conventions (docs/flm.md) */
    se_host *h;
    se_machine *m;
    const se_stldr *l;
    const se_storage_info *si;
    uint32_t buf, chunk;
    uint32_t max_sector;
    uint64_t rng;
    const uint8_t *in; /* coverage-guided mode: the input the choices come from */
    size_t in_len, in_pos;
    oracle_chunk *oc;
    unsigned noc;
    uint16_t *oidx; /* per device chunk: 1 + its slot in oc, 0 = not held */
    uint8_t *tmp, *tmp2;
    uint32_t cov[COV_SLOTS];
    unsigned ncov;
    uint64_t calls;
    /* the host's per-call limits at the start: each call gets budget + its waiting allowance
     * (call_budget); put back when the campaign ends */
    uint64_t budget;
    double max_seconds;
    uint64_t prev_wait_ns; /* the previous call's waiting allowance, within the case */
    /* --replay of a reproducer without an `operation` line (written before a case was one
     * operation): download + Init before every call, as it was fuzzed */
    bool init_each;
    /* result of the current case */
    char kind[32], where[96], msg[320];
} fz;

/* ---- random numbers ------------------------------------------------------------------- */

/* splitmix64; or, when the case is decoded from an input (coverage-guided mode), the
 * input's next 4 bytes, little-endian, zeros past its end: a mutation of a byte then changes
 * one choice of the generator, not every one after it. */
static uint64_t rnd(fz *z)
{
    if (z->in) {
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; i++, z->in_pos++)
            v |= (uint32_t)(z->in_pos < z->in_len ? z->in[z->in_pos] : 0) << (8 * i);
        return v;
    }
    uint64_t x = (z->rng += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint32_t below(fz *z, uint32_t n) { return n ? (uint32_t)(rnd(z) % n) : 0; }

static void gen_data(uint8_t *p, uint32_t n, uint32_t seed)
{
    uint32_t x = seed | 1u;
    for (uint32_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 8);
    }
}

/* ---- device geometry -------------------------------------------------------------------- */

static uint32_t sector_of(const se_storage_info *si, uint32_t off, uint32_t *start, uint32_t *size)
{
    uint64_t base = 0;
    uint32_t idx = 0;
    for (unsigned g = 0; g < si->ngroups; g++) {
        uint64_t span = (uint64_t)si->sectors[g].num * si->sectors[g].size;
        if (off < base + span) {
            uint32_t k = (uint32_t)((off - base) / si->sectors[g].size);
            *start = (uint32_t)(base + (uint64_t)k * si->sectors[g].size);
            *size = si->sectors[g].size;
            return idx + k;
        }
        base += span;
        idx += si->sectors[g].num;
    }
    *start = off;
    *size = 1;
    return idx;
}

/* Device offset of an address in absolute or offset form; false when outside. */
static bool dev_off(const fz *z, uint32_t a, uint32_t *off)
{
    if (a >= z->si->start && a - z->si->start < z->si->size) {
        *off = a - z->si->start;
        return true;
    }
    if (a < z->si->size && z->si->start != 0) {
        *off = a;
        return true;
    }
    return false;
}

static bool in_dev(const fz *z, uint32_t a, uint32_t n, uint32_t *off)
{
    return dev_off(z, a, off) && (uint64_t)*off + n <= z->si->size;
}

/* ---- the oracle ---------------------------------------------------------------------------- */

/* The chunk the oracle holds for device chunk c, or NULL: one index lookup (oidx holds
 * slot + 1 per device chunk; a case clears only the entries it set). */
static oracle_chunk *oget(const fz *z, uint32_t c)
{
    uint16_t i = z->oidx[c];
    return i ? &z->oc[i - 1] : NULL;
}

static void oreset(fz *z)
{
    for (unsigned i = 0; i < z->noc; i++)
        z->oidx[z->oc[i].c] = 0;
    z->noc = 0;
}

/* Clip [off, off+n) to the device; false when nothing is left. */
static bool oclip(const fz *z, uint32_t off, uint64_t *n)
{
    if (off >= z->si->size)
        return false;
    if ((uint64_t)off + *n > z->si->size)
        *n = z->si->size - off;
    return *n > 0;
}

/* Bytes from device offset o to the end of its chunk, at most left. */
static uint32_t ospan(uint32_t o, uint64_t left)
{
    uint32_t k = CH - o % CH;
    return left < k ? (uint32_t)left : k;
}

/* Load chunks of [off, off+n) from the device as it is now (before the op runs). Chunks
 * wholly inside [elo, ehi), which the op is to erase, are held erased without reading the
 * device: the case goes on only if the op succeeds, and then they are erased. */
static void oload_e(fz *z, uint32_t off, uint64_t n, uint64_t elo, uint64_t ehi)
{
    if (!oclip(z, off, &n))
        return;
    for (uint64_t c = off / CH; c <= (off + n - 1) / CH && z->noc < MAX_CHUNKS; c++) {
        if (z->oidx[c])
            continue;
        oracle_chunk *o = &z->oc[z->noc++];
        z->oidx[c] = (uint16_t)z->noc;
        o->c = (uint32_t)c;
        uint32_t len = z->si->size - (uint32_t)c * CH < CH ? z->si->size - (uint32_t)c * CH : CH;
        bool read = c * CH < elo || c * CH + len > ehi;
        if (!read || len < CH)
            memset(o->b, z->si->erase_value, CH);
        if (read)
            se_machine_device_read(z->m, z->si->start + (uint32_t)c * CH, o->b, len);
    }
}

static void oload(fz *z, uint32_t off, uint64_t n) { oload_e(z, off, n, 0, 0); }

/* The first byte of [off, off+n) where p differs from the oracle (only chunks it holds);
 * false when there is none. */
static bool odiff(const fz *z, uint32_t off, uint32_t n, const uint8_t *p, uint32_t *at)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t o = off + done, k = ospan(o, n - done);
        const oracle_chunk *c = oget(z, o / CH);
        if (c && memcmp(p + done, c->b + o % CH, k)) {
            uint32_t i = 0;
            while (p[done + i] == c->b[o % CH + i])
                i++;
            *at = done + i;
            return true;
        }
        done += k;
    }
    return false;
}

/* Compare the device with the oracle over [off, off+n), chunk by chunk where the oracle
 * holds one; first mismatch into *bad. */
static bool ocheck(fz *z, uint32_t off, uint64_t n, uint32_t *bad, uint8_t *got, uint8_t *want)
{
    if (!oclip(z, off, &n))
        return true;
    for (uint64_t done = 0; done < n;) {
        uint32_t o = off + (uint32_t)done, k = ospan(o, n - done), i;
        const oracle_chunk *c = oget(z, o / CH);
        done += k;
        if (!c)
            continue;
        se_machine_device_read(z->m, z->si->start + o, z->tmp, k);
        if (!odiff(z, o, k, z->tmp, &i))
            continue;
        *bad = o + i;
        *got = z->tmp[i];
        *want = c->b[o % CH + i];
        return false;
    }
    return true;
}

/* What the device must hold after an erase of [off, off+n) / a program of data there. */
static void oerase(fz *z, uint32_t off, uint64_t n)
{
    if (!oclip(z, off, &n))
        return;
    for (uint64_t done = 0; done < n;) {
        uint32_t o = off + (uint32_t)done, k = ospan(o, n - done);
        oracle_chunk *c = oget(z, o / CH);
        if (c)
            memset(c->b + o % CH, z->si->erase_value, k);
        done += k;
    }
}

static void oprogram(fz *z, uint32_t off, uint32_t n, const uint8_t *data)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t o = off + done, k = ospan(o, n - done);
        oracle_chunk *c = oget(z, o / CH);
        if (c) {
            uint8_t *b = c->b + o % CH;
            for (uint32_t i = 0; i < k; i++)
                b[i] &= data[done + i];
        }
        done += k;
    }
}

/* ---- findings -------------------------------------------------------------------------------- */

static bool finding(fz *z, const char *kind, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool finding(fz *z, const char *kind, const char *where, const char *fmt, ...)
{
    if (z->kind[0])
        return true;
    snprintf(z->kind, sizeof z->kind, "%s", kind);
    snprintf(z->where, sizeof z->where, "%s", where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(z->msg, sizeof z->msg, fmt, ap);
    va_end(ap);
    return true;
}

static void cover(fz *z)
{
    uint32_t a[SE_LAST_MAX], s[SE_LAST_MAX];
    unsigned n = se_machine_recent_blocks(z->m, a, s, SE_LAST_MAX);
    for (unsigned i = 0; i < n; i++) {
        uint32_t key = a[i] | 1u, h = (key * 2654435761u) >> 19;
        for (unsigned j = 0; j < COV_SLOTS; j++) {
            uint32_t *slot = &z->cov[(h + j) % COV_SLOTS];
            if (*slot == key)
                break;
            if (!*slot) {
                *slot = key;
                z->ncov++;
                break;
            }
        }
    }
}

static uint64_t flash_warns(se_machine *m)
{
    se_flash_stats st;
    se_machine_flash_stats(m, &st);
    return st.warnings - se_flash_stats_count(&st, "unerased_program");
}

/* ---- one op ------------------------------------------------------------------------------------ */

/* init + the expected byte sum of [off, off+n); *known = false when the oracle does not
 * hold every byte (the check is then skipped). */
static uint32_t sum_dev(fz *z, uint32_t off, uint32_t n, uint32_t init, bool *known)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t o = off + done, k = ospan(o, n - done);
        const oracle_chunk *c = oget(z, o / CH);
        if (!c) {
            *known = false;
            return init;
        }
        for (uint32_t i = 0; i < k; i++)
            init += c->b[o % CH + i];
        done += k;
    }
    return init;
}

/* The FLM's results (docs/flm.md): 0 is success, Verify returns adr + sz or the address of
 * the first differing byte, BlankCheck 0 when every byte is the pattern. [e0, e1) is the
 * sector an EraseSector covers. */
static bool judge_flm(fz *z, const se_fuzz_op *op, const se_call_record *rec, bool inr,
                      uint32_t off, uint32_t n, uint32_t e0, uint32_t e1, const uint8_t *data)
{
    const se_storage_info *si = z->si;
    const char *fn = se_stldr_entry_name(z->l, op->id);
    uint32_t r0 = rec->res.r0, bad;
    uint8_t got, want;
    if (!inr && op->id != SE_EP_MASS_ERASE)
        return true;
    switch (op->id) {
    case SE_EP_SECTOR_ERASE:
    case SE_EP_WRITE:
    case SE_EP_READ:
    case SE_EP_MASS_ERASE:
        if (r0 != 0 && (op->id != SE_EP_WRITE || n != 0))
            return !finding(z, "call-failed", fn,
                            "%s(0x%08" PRIx32 ", 0x%" PRIx32 ") returned %" PRIu32
                            " for a range inside the device",
                            fn, op->args[0], op->args[1], r0);
        break;
    default: break;
    }
    switch (op->id) {
    case SE_EP_SECTOR_ERASE:
        oerase(z, e0, (uint64_t)e1 - e0);
        if (!ocheck(z, e0, (uint64_t)e1 - e0, &bad, &got, &want))
            return !finding(z, "erase-incomplete", fn,
                            "after EraseSector(0x%08" PRIx32 ") the byte at 0x%08" PRIx32
                            " is 0x%02x, not erased",
                            op->args[0], si->start + bad, got);
        return true;
    case SE_EP_WRITE:
        if (n == 0)
            return true;
        oprogram(z, off, n, data);
        if (!ocheck(z, off >= 256 ? off - 256 : 0, (uint64_t)n + 512, &bad, &got, &want))
            return !finding(z, bad >= off && bad < off + n ? "write-mismatch" : "write-outside", fn,
                            "after ProgramPage(0x%08" PRIx32 ", 0x%" PRIx32 ") the byte at "
                            "0x%08" PRIx32 " is 0x%02x, expected 0x%02x",
                            op->args[0], n, si->start + bad, got, want);
        return true;
    case SE_EP_READ:
        se_machine_read(z->m, op->args[2], z->tmp2, n, NULL);
        if (odiff(z, off, n, z->tmp2, &bad))
            return !finding(z, "read-mismatch", fn,
                            "ReadFlash(0x%08" PRIx32 ", 0x%" PRIx32 ") gave 0x%02x at 0x%08" PRIx32,
                            op->args[0], n, z->tmp2[bad], si->start + off + bad);
        return true;
    case SE_EP_CHECKSUM: { /* BlankCheck */
        bool known = true, blank = true;
        for (uint32_t i = 0; i < n && known && blank;) {
            const oracle_chunk *c = oget(z, (off + i) / CH);
            uint32_t k = ospan(off + i, n - i);
            if (!c)
                known = false;
            for (uint32_t j = 0; c && j < k && blank; j++)
                blank = c->b[(off + i) % CH + j] == (uint8_t)op->args[2];
            i += k;
        }
        if (known && n && r0 != (blank ? 0u : 1u))
            return !finding(z, "blankcheck-wrong", fn,
                            "BlankCheck(0x%08" PRIx32 ", 0x%" PRIx32 ", 0x%02x) returned %" PRIu32
                            ", the range is %sblank",
                            op->args[0], n, op->args[2] & 0xFFu, r0, blank ? "" : "not ");
        return true;
    }
    case SE_EP_VERIFY: {
        bool flipped = (op->data_seed & 1u) && n > 0;
        uint32_t k = flipped ? op->data_seed % n : 0;
        if (!flipped && r0 != op->args[0] + n)
            return !finding(z, "verify-false-mismatch", fn,
                            "Verify returned 0x%08" PRIx32 ", not adr+sz, on equal data", r0);
        if (flipped && r0 != op->args[0] + k)
            return !finding(z, "verify-wrong-address", fn,
                            "Verify returned 0x%08" PRIx32
                            " for the differing byte at 0x%08" PRIx32,
                            r0, op->args[0] + k);
        return true;
    }
    case SE_EP_MASS_ERASE:
        for (unsigned i = 0; i < z->noc; i++)
            memset(z->oc[i].b, si->erase_value, CH);
        return true;
    default: return true;
    }
}

/* ---- the per-call budget ------------------------------------------------------------------ */

/* A call counts as hung when it executes more instructions than its budget: the base budget
 * (--budget) for its own work, plus an allowance for the waiting the flash imposes on it.
 * Waiting costs no instructions by itself (polling loops are skipped in virtual time), except
 * where an interrupt wakes the core: a loader whose SysTick ticks (HAL_GetTick timeouts) runs
 * its handler and one pass of its poll loop per tick, so a 150 s chip erase at 1 kHz is
 * 150,000 wake-ups (measured: 5.7 M instructions for hal_mx25_l562's MassErase, 15.5 M at
 * -O0, ~38 and ~103 per wake-up). The allowance is WAKE_INSNS instructions per wake-up over
 * the longest time the chip model may legitimately keep the call waiting (its busy times:
 * se_machine_flash_busy), with at least one wake-up per millisecond. docs/fuzzing.md. */
#define WAKE_INSNS 1000u
#define WAKE_MIN_NS 1000000u /* a wake-up per ms at least, SysTick or not */

/* The longest time the chip may keep op busy, from its model's busy times: erases by their
 * span at the slower of 4 KiB and 64 KiB erases, programs by their pages. */
static uint64_t op_wait_ns(const fz *z, const se_fuzz_op *op, uint64_t erase_span, uint32_t n)
{
    se_flash_busy b;
    if (!se_machine_flash_busy(z->m, &b))
        return 0;
    switch (op->id) {
    case SE_EP_MASS_ERASE: return b.chip_ns;
    case SE_EP_SECTOR_ERASE: {
        uint64_t t4 = (erase_span + 0xFFFu) / 0x1000u * b.erase_4k_ns;
        uint64_t t64 = (erase_span + 0xFFFFu) / 0x10000u * b.erase_64k_ns;
        return t4 > t64 ? t4 : t64;
    }
    case SE_EP_WRITE: return ((uint64_t)n / (b.page ? b.page : 256u) + 2u) * b.page_ns;
    default: return 0;
    }
}

/* base + WAKE_INSNS per wake-up over this call's waiting and what the previous call of the
 * case may have left running (a loader may return before the chip is ready); 0 stays "no
 * budget". */
static uint64_t call_budget(fz *z, uint64_t wait_ns)
{
    if (!z->budget)
        return 0;
    uint64_t period = se_machine_tick_period_ns(z->m);
    if (!period || period > WAKE_MIN_NS)
        period = WAKE_MIN_NS;
    uint64_t wakes = (wait_ns + z->prev_wait_ns) / period + 1u;
    z->prev_wait_ns = wait_ns;
    uint64_t extra = wakes * WAKE_INSNS;
    return z->budget > UINT64_MAX - extra ? UINT64_MAX : z->budget + extra;
}

/* Run op; false = stop the case (a finding). */
static bool run_op(fz *z, se_fuzz_op *op)
{
    const se_storage_info *si = z->si;
    se_call_record rec;
    se_error err;
    uint32_t off = 0, n = 0, s0 = 0, ssz = 0, s1 = 0, ssz1 = 0;
    bool inr = false;
    const uint8_t *data = NULL;
    uint32_t dlen = 0;
    uint64_t fw0 = flash_warns(z->m);
    char where[96];

    switch (op->id) {
    case SE_EP_SECTOR_ERASE: {
        uint32_t o1;
        inr = dev_off(z, op->args[0], &off) &&
              (z->flm ? (o1 = off, true) : dev_off(z, op->args[1], &o1)) && o1 >= off;
        if (inr) {
            sector_of(si, off, &s0, &ssz);
            sector_of(si, o1, &s1, &ssz1);
            uint32_t lo = s0 >= ssz ? s0 - ssz : 0;
            oload_e(z, lo, (uint64_t)s1 + ssz1 + ssz1 - lo, s0, (uint64_t)s1 + ssz1);
        }
        break;
    }
    case SE_EP_WRITE:
        n = op->args[1];
        inr = in_dev(z, op->args[0], n, &off);
        if (inr)
            oload(z, off >= 256 ? off - 256 : 0, (uint64_t)n + 512);
        gen_data(z->tmp2, op->len, op->data_seed);
        data = z->tmp2;
        dlen = op->len;
        break;
    case SE_EP_READ:
    case SE_EP_CHECKSUM:
        n = op->args[1];
        inr = in_dev(z, op->args[0], n, &off);
        if (inr)
            oload(z, off, n);
        break;
    case SE_EP_VERIFY: {
        n = z->flm ? op->args[1] : op->args[2] * 4u;
        uint32_t skip = z->flm ? 0 : op->args[3] & 0xFu,
                 drop = z->flm ? 0 : (op->args[3] >> 16) & 0xFu;
        inr = in_dev(z, op->args[0], n, &off) && skip + drop <= n;
        /* data: the device's current bytes, one of them flipped when data_seed is odd */
        memset(z->tmp2, si->erase_value, n);
        if (inr) {
            oload(z, off, n);
            se_machine_device_read(z->m, si->start + off, z->tmp2, n);
            if ((op->data_seed & 1u) && n > skip + drop)
                z->tmp2[skip + op->data_seed % (n - skip - drop)] ^= 0x5A;
        }
        data = z->tmp2;
        dlen = n;
        break;
    }
    case SE_EP_MASS_ERASE:
    default: break;
    }

    /* an erase outside the device is refused, or erases what the generator may ask for */
    uint64_t span = op->id != SE_EP_SECTOR_ERASE ? 0
                    : inr                        ? (uint64_t)s1 + ssz1 - s0
                                                 : 4u * (uint64_t)z->max_sector;
    se_host_set_limits(z->h, call_budget(z, op_wait_ns(z, op, span, n)), z->max_seconds);
    se_err e = z->init_each
                   ? se_host_raw(z->h, "fuzz", op->id, 4, op->args, data, dlen, &rec, &err)
                   : se_host_call_raw(z->h, "fuzz", op->id, 4, op->args, data, dlen, &rec, &err);
    z->calls++;
    cover(z);
    if (e == SE_ERR_NO_ENTRY)
        return true; /* the loader does not export it: nothing to test */
    if (e) {
        se_machine_symbolize(z->m, rec.res.pc, where, sizeof where);
        return !finding(z, se_err_name(e), rec.function ? rec.function : "Init", "%s", err.msg);
    }
    if (flash_warns(z->m) != fw0)
        return !finding(z, "flash-warning", rec.function,
                        "%s: the flash model reported a warning (run --replay with --verbose)",
                        rec.function);
    uint32_t r0 = rec.res.r0, bad;
    uint8_t got, want;
    if (z->flm)
        return judge_flm(z, op, &rec, inr, off, n, s0, s1 + ssz1, data);
    switch (op->id) {
    case SE_EP_SECTOR_ERASE:
        if (!inr)
            return true;
        if (r0 != 1)
            return !finding(z, "erase-failed", "SectorErase",
                            "SectorErase(0x%08" PRIx32 ", 0x%08" PRIx32 ") returned %" PRIu32
                            " for a range inside the device",
                            op->args[0], op->args[1], r0);
        oerase(z, s0, (uint64_t)s1 + ssz1 - s0);
        if (!ocheck(z, s0, (uint64_t)s1 + ssz1 - s0, &bad, &got, &want))
            return !finding(z, "erase-incomplete", "SectorErase",
                            "after SectorErase(0x%08" PRIx32 ", 0x%08" PRIx32 ") the byte at "
                            "0x%08" PRIx32 " is 0x%02x, not erased",
                            op->args[0], op->args[1], si->start + bad, got);
        if (!ocheck(z, s0 >= ssz ? s0 - ssz : 0, s0 - (s0 >= ssz ? s0 - ssz : 0), &bad, &got,
                    &want) ||
            !ocheck(z, s1 + ssz1, ssz1, &bad, &got, &want))
            return !finding(z, "erase-outside", "SectorErase",
                            "SectorErase(0x%08" PRIx32 ", 0x%08" PRIx32 ") changed 0x%08" PRIx32
                            " outside its sectors (0x%02x, was 0x%02x)",
                            op->args[0], op->args[1], si->start + bad, got, want);
        return true;
    case SE_EP_WRITE:
        if (!inr || n == 0)
            return true;
        if (r0 != 1)
            return !finding(z, "write-failed", "Write",
                            "Write(0x%08" PRIx32 ", 0x%" PRIx32 ") returned %" PRIu32
                            " for a range inside the device",
                            op->args[0], n, r0);
        oprogram(z, off, n, data);
        if (!ocheck(z, off >= 256 ? off - 256 : 0, (uint64_t)n + 512, &bad, &got, &want))
            return !finding(z, bad >= off && bad < off + n ? "write-mismatch" : "write-outside",
                            "Write",
                            "after Write(0x%08" PRIx32 ", 0x%" PRIx32 ") the byte at 0x%08" PRIx32
                            " is 0x%02x, expected 0x%02x",
                            op->args[0], n, si->start + bad, got, want);
        return true;
    case SE_EP_READ:
        if (!inr || r0 != 1)
            return inr ? !finding(z, "read-failed", "Read",
                                  "Read(0x%08" PRIx32 ", 0x%" PRIx32 ") returned %" PRIu32,
                                  op->args[0], n, r0)
                       : true;
        se_machine_read(z->m, op->args[2], z->tmp2, n, NULL);
        if (odiff(z, off, n, z->tmp2, &bad))
            return !finding(z, "read-mismatch", "Read",
                            "Read(0x%08" PRIx32 ", 0x%" PRIx32 ") gave 0x%02x at 0x%08" PRIx32
                            ", the device holds 0x%02x",
                            op->args[0], n, z->tmp2[bad], si->start + off + bad,
                            oget(z, (off + bad) / CH)->b[(off + bad) % CH]);
        return true;
    case SE_EP_CHECKSUM: {
        bool known = true;
        uint32_t want_sum = inr ? sum_dev(z, off, n, op->args[2], &known) : 0;
        if (inr && known && r0 != want_sum)
            return !finding(z, "checksum-wrong", "CheckSum",
                            "CheckSum(0x%08" PRIx32 ", 0x%" PRIx32 ", 0x%" PRIx32 ") = 0x%08" PRIx32
                            ", init + the byte sum is 0x%08" PRIx32,
                            op->args[0], n, op->args[2], r0, want_sum);
        return true;
    }
    case SE_EP_VERIFY: {
        if (!inr)
            return true;
        uint32_t skip = op->args[3] & 0xFu, drop = (op->args[3] >> 16) & 0xFu;
        bool flipped = (op->data_seed & 1u) && n > skip + drop;
        uint32_t k = flipped ? op->data_seed % (n - skip - drop) : 0;
        uint32_t want_addr = si->start + off + skip + k;
        if (!flipped && r0 != 0)
            return !finding(z, "verify-false-mismatch", "Verify",
                            "Verify reported a mismatch at 0x%08" PRIx32 " on equal data", r0);
        if (flipped && r0 == 0)
            return !finding(z, "verify-missed-mismatch", "Verify",
                            "Verify missed the differing byte at 0x%08" PRIx32, want_addr);
        if (flipped && r0 != want_addr && r0 != op->args[0] + skip + k)
            return !finding(z, "verify-wrong-address", "Verify",
                            "Verify reported 0x%08" PRIx32
                            " for the differing byte at 0x%08" PRIx32,
                            r0, want_addr);
        bool known = true;
        uint32_t vs = sum_dev(z, off + skip, n - skip - drop, 0, &known);
        if (!flipped && known && rec.res.r1 != vs)
            return !finding(z, "verify-checksum", "Verify",
                            "Verify's checksum 0x%08" PRIx32 " is not the byte sum 0x%08" PRIx32,
                            rec.res.r1, vs);
        return true;
    }
    case SE_EP_MASS_ERASE: {
        if (r0 != 1)
            return !finding(z, "masserase-failed", "MassErase", "MassErase returned %" PRIu32, r0);
        /* 16 bytes: the first, the last, and 14 drawn from the op's own seed, so that
         * --replay checks the same ones */
        uint32_t x = op->data_seed | 1u;
        for (int i = 0; i < 16; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            uint32_t o = i == 0 ? 0 : i == 1 ? si->size - 1 : x % si->size;
            uint8_t b;
            se_machine_device_read(z->m, si->start + o, &b, 1);
            if (b != si->erase_value)
                return !finding(z, "masserase-incomplete", "MassErase",
                                "after MassErase the byte at 0x%08" PRIx32 " is 0x%02x",
                                si->start + o, b);
        }
        for (unsigned i = 0; i < z->noc; i++)
            memset(z->oc[i].b, si->erase_value, CH);
        return true;
    }
    default: return true;
    }
}

/* ---- generating cases --------------------------------------------------------------------- */

static uint32_t pick_off(fz *z)
{
    const se_storage_info *si = z->si;
    uint32_t s, sz, page = si->page_size ? si->page_size : 256;
    switch (below(z, 8)) {
    case 0: return 0;
    case 1: return si->size - 1 - below(z, 8);
    case 2: { /* around a sector boundary */
        uint32_t o = below(z, si->size);
        sector_of(si, o, &s, &sz);
        int d = (int)below(z, 5) - 2;
        int64_t r = (int64_t)s + d;
        return r < 0 ? 0 : r >= si->size ? si->size - 1 : (uint32_t)r;
    }
    case 3: { /* around a page boundary */
        uint32_t o = below(z, si->size) & ~(page - 1);
        int64_t r = (int64_t)o + (int)below(z, 5) - 2;
        return r < 0 ? 0 : r >= si->size ? si->size - 1 : (uint32_t)r;
    }
    case 4: return below(z, si->size) & ~3u;
    default: return below(z, si->size);
    }
}

static uint32_t pick_len(fz *z, uint32_t off, uint32_t max)
{
    uint32_t page = z->si->page_size ? z->si->page_size : 256, l;
    switch (below(z, 9)) {
    case 0: l = 0; break;
    case 1: l = 1 + below(z, 4); break;
    case 2: l = page + below(z, 3) - 1; break;
    case 3: l = z->si->size - off; break;     /* to the device end */
    case 4: l = z->si->size - off + 1; break; /* one past the end */
    case 5: l = z->max_sector + 1; break;
    default: l = 1 + below(z, 2 * page); break;
    }
    /* A length only the cap can serve (the device end or a sector away from a far offset)
     * is the cap one time in four, else a short one: every such op was a maximal transfer
     * before, a third of all, and those were three quarters of the run time, running the
     * same page loop over and over. */
    if (l > max)
        l = below(z, 4) == 0 ? max : 1 + below(z, 2 * page);
    return l > max ? max : l;
}

static uint32_t addr_form(fz *z, uint32_t off)
{
    if (z->flm) /* FLM functions take absolute addresses */
        return z->si->start + off;
    return (below(z, 4) == 0 && off < z->si->size) ? off : z->si->start + off;
}

/* An FLM's calls: EraseSector(sector start), ProgramPage(adr, sz within one page, buf),
 * ReadFlash(adr, sz, buf), BlankCheck(adr, sz, pat), Verify(adr, sz, buf), EraseChip(). */
static void gen_flm_op(fz *z, se_fuzz_op *o, uint32_t off, uint32_t maxbuf)
{
    uint32_t s, sz, page = z->si->page_size;
    switch (o->id) {
    case SE_EP_SECTOR_ERASE:
        sector_of(z->si, off, &s, &sz);
        o->args[0] = z->si->start + (below(z, 8) ? s : off);
        break;
    case SE_EP_WRITE:
        o->len = pick_len(z, off, maxbuf);
        if (o->len > page - off % page)
            o->len = page - off % page;
        o->args[0] = z->si->start + off;
        o->args[1] = o->len;
        o->args[2] = z->buf;
        o->data_seed = (uint32_t)rnd(z);
        break;
    case SE_EP_READ:
        o->args[0] = z->si->start + off;
        o->args[1] = pick_len(z, off, maxbuf);
        o->args[2] = z->buf;
        break;
    case SE_EP_CHECKSUM:
        o->args[0] = z->si->start + off;
        o->args[1] = pick_len(z, off, 0x4000);
        o->args[2] = below(z, 4) ? z->si->erase_value : (uint32_t)rnd(z) & 0xFF;
        break;
    case SE_EP_VERIFY:
        o->args[0] = z->si->start + off;
        o->args[1] = pick_len(z, off, maxbuf - 8);
        o->args[2] = z->buf;
        o->data_seed = (uint32_t)rnd(z);
        break;
    case SE_EP_MASS_ERASE: o->data_seed = (uint32_t)rnd(z); break;
    default: break;
    }
}

static void gen_case(fz *z, se_fuzz_case *c)
{
    static const se_entry_id pool[] = {SE_EP_SECTOR_ERASE, SE_EP_WRITE,    SE_EP_WRITE,
                                       SE_EP_WRITE,        SE_EP_READ,     SE_EP_VERIFY,
                                       SE_EP_VERIFY,       SE_EP_CHECKSUM, SE_EP_SECTOR_ERASE};
    c->nops = 1 + below(z, 4);
    uint32_t maxbuf = z->chunk > 0x4000 ? 0x4000 : z->chunk;
    for (unsigned i = 0; i < c->nops; i++) {
        se_fuzz_op *o = &c->op[i];
        memset(o, 0, sizeof *o);
        o->id = below(z, 64) == 0 ? SE_EP_MASS_ERASE : pool[below(z, sizeof pool / sizeof pool[0])];
        uint32_t off = pick_off(z), s, sz;
        if (z->flm) {
            gen_flm_op(z, o, off, maxbuf);
            continue;
        }
        switch (o->id) {
        case SE_EP_SECTOR_ERASE: {
            sector_of(z->si, off, &s, &sz);
            uint32_t end = off + below(z, 2 * sz);
            if (below(z, 8) == 0)
                end = z->si->size - 1;
            if (end >= z->si->size || end - off > 4 * z->max_sector)
                end = off + below(z, z->max_sector);
            if (end >= z->si->size)
                end = z->si->size - 1;
            o->args[0] = addr_form(z, off);
            o->args[1] = addr_form(z, end);
            break;
        }
        case SE_EP_WRITE:
            o->len = pick_len(z, off, maxbuf);
            o->args[0] = addr_form(z, off);
            o->args[1] = o->len;
            o->args[2] = z->buf;
            o->data_seed = (uint32_t)rnd(z);
            break;
        case SE_EP_READ:
            o->args[0] = addr_form(z, off);
            o->args[1] = pick_len(z, off, maxbuf);
            o->args[2] = z->buf;
            break;
        case SE_EP_CHECKSUM:
            o->args[0] = addr_form(z, off);
            o->args[1] = pick_len(z, off, 0x4000);
            o->args[2] = (uint32_t)rnd(z) & 0xFFFF;
            break;
        case SE_EP_VERIFY: {
            uint32_t a = off & ~3u, skip = off & 3u, len = pick_len(z, a, maxbuf - 8);
            uint32_t words = (skip + len + 3) / 4, drop = words * 4 - skip - len;
            if (words == 0)
                words = 1, drop = 4 - skip;
            o->args[0] = z->si->start + a;
            o->args[1] = z->buf;
            o->args[2] = words;
            o->args[3] = skip | (drop << 16);
            o->data_seed = (uint32_t)rnd(z);
            break;
        }
        case SE_EP_MASS_ERASE:
            o->data_seed = (uint32_t)rnd(z); /* which bytes the check samples */
            break;
        default: break;
        }
    }
}

/* ---- campaign -------------------------------------------------------------------------------- */

static bool run_case(fz *z, se_fuzz_case *c)
{
    oreset(z);
    z->prev_wait_ns = 0;
    z->kind[0] = '\0';
    for (unsigned i = 0; i < c->nops; i++)
        if (!run_op(z, &c->op[i]))
            return false;
    return true;
}

/* origin: "seed N, case I" or "input FILE", for the header */
static void write_repro(const se_fuzz_opts *o, const se_fuzz_case *c, const char *origin,
                        se_fuzz_finding *f, unsigned bucket)
{
    if (!o->out_dir)
        return;
    mkdir(o->out_dir, 0755);
    snprintf(f->file, sizeof f->file, "%s/finding-%02u-%s.repro", o->out_dir, bucket, f->kind);
    FILE *fp = fopen(f->file, "w");
    if (!fp) {
        f->file[0] = '\0';
        return;
    }
    fprintf(fp, "# stldr-emu fuzz reproducer: %s in %s\n# %s\n", f->kind, f->where, f->msg);
    fprintf(fp, "# loader %s, target %s, tz %s, %s\n", o->loader_path ? o->loader_path : "?",
            o->target ? o->target : "?", o->tz ? o->tz : "off", origin);
    fprintf(fp, "# one operation (docs/protocol.md 2.1): download + Init once, then these calls "
                "back to back\n");
    fprintf(fp, "# replay: stldr-emu run LOADER --replay THIS_FILE [--trace]\n");
    fprintf(fp, "operation\n");
    for (unsigned i = 0; i < c->nops; i++) {
        const se_fuzz_op *op = &c->op[i];
        fprintf(fp,
                "%s 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%" PRIx32
                " 0x%08" PRIx32 "\n",
                se_entry_name(op->id), op->args[0], op->args[1], op->args[2], op->args[3], op->len,
                op->data_seed);
    }
    fclose(fp);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static se_err fz_init(fz *z, se_host *h, se_machine *m, const se_stldr *l, se_error *err)
{
    memset(z, 0, sizeof *z);
    z->h = h;
    z->m = m;
    z->l = l;
    z->si = se_stldr_storage(l);
    z->flm = se_stldr_kind(l) == SE_LOADER_FLM;
    z->buf = se_host_buffer(h);
    z->chunk = se_host_chunk(h);
    se_host_limits(h, &z->budget, &z->max_seconds);
    for (unsigned g = 0; g < z->si->ngroups; g++)
        if (z->si->sectors[g].size > z->max_sector)
            z->max_sector = z->si->sectors[g].size;
    z->oc = malloc(MAX_CHUNKS * sizeof *z->oc);
    z->oidx = calloc(z->si->size / CH + 1, sizeof *z->oidx);
    z->tmp = malloc(CH > z->chunk ? CH : z->chunk);
    z->tmp2 = malloc(z->chunk + 16);
    if (!z->oc || !z->oidx || !z->tmp || !z->tmp2)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    return SE_OK;
}

static void fz_free(fz *z)
{
    if (z->h)
        se_host_set_limits(z->h, z->budget, z->max_seconds);
    free(z->oc);
    free(z->oidx);
    free(z->tmp);
    free(z->tmp2);
}

static void quiet_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    (void)msg; /* per-call warnings would flood a campaign: findings carry them */
}

void se_fuzz_options(se_machine_opts *mo, se_host_opts *ho, uint64_t budget)
{
    se_machine_opts_default(mo);
    mo->log = quiet_log;
    /* The CPU's window accesses stay on the model: a case never reads a block long enough to
     * pay back mapping it in place (emu/window.c: ~0.5 ms), restoring a snapshot gives the
     * blocks back anyway, and one MMIO region instead of 16 shortens Unicorn's lookup on
     * every slow-path access. The bytes the loader reads are the same either way. A DMA
     * channel reading the window still copies its span from the array (emu/extmem.c
     * dma_span; --exact-window would move it item by item, each a model access and a code-
     * cache invalidation of the SRAM word written): that needs no mapping. */
    mo->window_after = UINT32_MAX;
    se_host_opts_default(ho);
    ho->max_instructions = budget;
    ho->max_seconds = 10;
    ho->chunk = 0x4000;
}

se_err se_fuzz_run(se_host *h, se_machine *m, const se_stldr *l, const se_fuzz_opts *o,
                   se_fuzz_stats *st, se_fuzz_finding *found, unsigned *nfind, se_error *err)
{
    fz z;
    se_err e = fz_init(&z, h, m, l, err);
    *nfind = 0;
    memset(st, 0, sizeof *st);
    if (e) {
        fz_free(&z);
        return e;
    }
    z.rng = o->seed;
    if ((e = se_host_init_only(h, err))) {
        fz_free(&z);
        return e;
    }
    se_machine_snap *snap = se_machine_snap_take(m);
    if (!snap) {
        fz_free(&z);
        return se_error_set(err, SE_ERR_NOMEM, "cannot take the post-Init snapshot");
    }
    double t0 = now_s(), next_progress = t0 + 1.0;
    se_fuzz_case c;
    for (uint64_t i = 0;; i++) {
        if (o->runs && i >= o->runs)
            break;
        if (o->seconds > 0 && now_s() - t0 >= o->seconds)
            break;
        if (!o->runs && o->seconds <= 0)
            break;
        se_machine_snap_restore(m, snap);
        gen_case(&z, &c);
        st->cases++;
        if (!run_case(&z, &c)) {
            unsigned b;
            for (b = 0; b < *nfind; b++)
                if (!strcmp(found[b].kind, z.kind) && !strcmp(found[b].where, z.where))
                    break;
            if (b < *nfind) {
                found[b].count++;
            } else if (*nfind < SE_FUZZ_MAX_BUCKETS) {
                se_fuzz_finding *f = &found[(*nfind)++];
                memset(f, 0, sizeof *f);
                snprintf(f->kind, sizeof f->kind, "%s", z.kind);
                snprintf(f->where, sizeof f->where, "%s", z.where);
                snprintf(f->msg, sizeof f->msg, "%s", z.msg);
                f->count = 1;
                f->first_case = i;
                char origin[64];
                snprintf(origin, sizeof origin, "seed %" PRIu64 ", case %" PRIu64, o->seed, i);
                write_repro(o, &c, origin, f, *nfind);
            }
        }
        if (o->progress && now_s() >= next_progress) {
            double t = now_s() - t0;
            fprintf(o->progress,
                    "fuzz: %" PRIu64 " cases, %.0f cases/s, %u findings, %u blocks covered\n",
                    st->cases, st->cases / t, *nfind, z.ncov);
            fflush(o->progress);
            next_progress += 1.0;
        }
    }
    se_machine_snap_restore(m, snap);
    se_machine_snap_free(snap);
    st->seconds = now_s() - t0;
    st->calls = z.calls;
    st->buckets = *nfind;
    st->blocks = z.ncov;
    fz_free(&z);
    return SE_OK;
}

/* ---- replay ---------------------------------------------------------------------------------- */

se_err se_fuzz_replay(se_host *h, se_machine *m, const se_stldr *l, const char *path, se_error *err)
{
    /* a regular file of at most SE_LIMIT_REPLAY_BYTES, read whole, parsed in memory:
     * /dev/zero or a FIFO is refused before a byte is read */
    uint8_t *text;
    size_t tlen;
    se_err te = se_read_file(path, "reproducer", SE_LIMIT_REPLAY_BYTES, &text, &tlen, err);
    if (te)
        return te;
    FILE *fp = fmemopen(text, tlen, "r");
    if (!fp) {
        free(text);
        return se_error_set(err, SE_ERR_IO, "cannot read reproducer %s: %s", path, strerror(errno));
    }
    se_fuzz_case c = {0};
    char line[512];
    unsigned lineno = 0;
    bool one_op = false;
    se_err e = SE_OK;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        if (!strcmp(line, "operation")) {
            one_op = true;
            continue;
        }
        char name[32];
        se_fuzz_op op = {0};
        if (c.nops >= SE_FUZZ_MAX_OPS ||
            sscanf(line,
                   "%31s %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32,
                   name, &op.args[0], &op.args[1], &op.args[2], &op.args[3], &op.len,
                   &op.data_seed) != 7) {
            e = se_error_set(err, SE_ERR_USAGE, "%s:%u: not a reproducer line", path, lineno);
            break;
        }
        int id = -1;
        for (int k = 0; k < SE_EP__COUNT; k++)
            if (!strcmp(name, se_entry_name((se_entry_id)k)))
                id = k;
        if (id < 0) {
            e = se_error_set(err, SE_ERR_USAGE, "%s:%u: unknown entry point %s", path, lineno,
                             name);
            break;
        }
        op.id = (se_entry_id)id;
        c.op[c.nops++] = op;
    }
    fclose(fp);
    free(text);
    if (e)
        return e;
    /* The oracle copies a Write's or Verify's data and a Read's result through buffers of
     * the host's chunk (fz_init): a reproducer asks for no more than that, as every
     * generated case does (gen_case). */
    for (unsigned i = 0; i < c.nops; i++) {
        const se_fuzz_op *op = &c.op[i];
        uint64_t bytes = op->id == SE_EP_WRITE    ? op->len
                         : op->id == SE_EP_READ   ? op->args[1]
                         : op->id == SE_EP_VERIFY ? (uint64_t)op->args[2] * 4u
                                                  : 0;
        if (bytes > se_host_chunk(h))
            return se_error_set(err, SE_ERR_USAGE,
                                "%s: call %u (%s) moves 0x%" PRIx64 " bytes through the "
                                "0x%" PRIx32 "-byte data buffer (--chunk)",
                                path, i + 1, se_entry_name(op->id), bytes, se_host_chunk(h));
    }
    fz z;
    if ((e = fz_init(&z, h, m, l, err)) || (e = se_host_init_only(h, err))) {
        fz_free(&z);
        return e;
    }
    z.init_each = !one_op;
    if (!run_case(&z, &c))
        e = se_error_set(err, SE_ERR_VERIFY, "%s in %s: %s", z.kind, z.where, z.msg);
    fz_free(&z);
    return e;
}

/* ---- one case at a time (coverage-guided mode) ------------------------------------------- */

struct se_fuzz_session {
    fz z;
    se_machine_snap *snap;
};

se_err se_fuzz_session_new(se_host *h, se_machine *m, const se_stldr *l, se_fuzz_session **out,
                           se_error *err)
{
    *out = NULL;
    se_fuzz_session *s = calloc(1, sizeof *s);
    if (!s)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    se_err e = fz_init(&s->z, h, m, l, err);
    if (!e)
        e = se_host_init_only(h, err);
    if (!e && !(s->snap = se_machine_snap_take(m)))
        e = se_error_set(err, SE_ERR_NOMEM, "cannot take the post-Init snapshot");
    if (e) {
        fz_free(&s->z);
        free(s);
        return e;
    }
    *out = s;
    return SE_OK;
}

void se_fuzz_session_free(se_fuzz_session *s)
{
    if (!s)
        return;
    se_machine_snap_restore(s->z.m, s->snap);
    se_machine_snap_free(s->snap);
    fz_free(&s->z);
    free(s);
}

void se_fuzz_decode(se_fuzz_session *s, const uint8_t *data, size_t size, se_fuzz_case *c)
{
    s->z.in = data;
    s->z.in_len = size;
    s->z.in_pos = 0;
    gen_case(&s->z, c);
    s->z.in = NULL;
}

bool se_fuzz_session_run(se_fuzz_session *s, se_fuzz_case *c, se_fuzz_finding *f)
{
    se_machine_snap_restore(s->z.m, s->snap);
    if (run_case(&s->z, c))
        return false;
    memset(f, 0, sizeof *f);
    snprintf(f->kind, sizeof f->kind, "%s", s->z.kind);
    snprintf(f->where, sizeof f->where, "%s", s->z.where);
    snprintf(f->msg, sizeof f->msg, "%s", s->z.msg);
    f->count = 1;
    return true;
}

void se_fuzz_save_repro(const se_fuzz_opts *o, const se_fuzz_case *c, const char *origin,
                        se_fuzz_finding *f)
{
    write_repro(o, c, origin, f, 1);
}
