/* Calling a CMSIS-Pack flash algorithm (.FLM) as pyOCD, probe-rs and Keil do
 * (../shared/docs/peers-and-unicorn.md 2.2, 2.3; docs/flm.md):
 * - the image (PrgCode, PrgData with its zero-initialised part) at the algorithm base, the
 *   host's breakpoint word in the 4 bytes before it, the stack area after the image;
 * - each call: R0-R2 the arguments, R9 the static base (where PrgData landed), SP the top of
 *   the stack area, LR the breakpoint word | 1; 0 in R0 means success (Verify returns
 *   adr + sz);
 * - Init(DevAdr, clk, fnc) and UnInit(fnc) around each phase: fnc 1 erase, 2 program,
 *   3 verify (reads too);
 * - after each call pyOCD's flash_algo_debug checks (IPSR 0, R9 and SP as set), probe-rs's
 *   stack canary, and the FlashDevice timeouts in device time.
 * stldr-emu sets R9 and SP before every call, where pyOCD and probe-rs set them on Init only
 * and rely on the algorithm to preserve them: the checks name the call that broke them. */
#include "loader/host_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FNC_ERASE = 1, FNC_PROGRAM = 2, FNC_VERIFY = 3 };

#define CANARY 0x56u /* probe-rs fills the stack with it */
/* Timeouts become an instruction budget at this many cycles per millisecond (a 250 MHz core,
 * faster than any we model, so the budget never ends a call the timeout allows); the device
 * time the call took is then checked against the timeout itself. */
#define CYCLES_PER_MS 250000ull
#define TIMEOUT_INIT_MS 2000u /* probe-rs: Init and UnInit */

const char *se_flm_host_name(se_flm_host h)
{
    switch (h) {
    case SE_FLM_HOST_PROBE_RS: return "probe-rs";
    case SE_FLM_HOST_KEIL: return "keil";
    default: return "pyocd";
    }
}

bool se_flm_host_parse(const char *name, se_flm_host *out)
{
    static const se_flm_host all[] = {SE_FLM_HOST_PYOCD, SE_FLM_HOST_PROBE_RS, SE_FLM_HOST_KEIL};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(name, se_flm_host_name(all[i]))) {
            *out = all[i];
            return true;
        }
    return false;
}

static uint32_t header_word(const se_host *h)
{
    /* pyOCD: bkpt #0; b .-2. probe-rs: bkpt; bkpt. Keil's is not documented: probe-rs's. */
    return h->o.flm_host == SE_FLM_HOST_PYOCD ? 0xE7FDBE00u : 0xBE00BE00u;
}

se_err se_flmhost_setup(se_host *h, se_error *err)
{
    const se_profile *p = se_machine_profile(h->m);
    h->header = h->img.base - 4u;
    h->static_base = (uint32_t)((int64_t)se_flm_static_base(h->flm) + h->img.delta);
    if (h->header < p->sram.base || h->header - p->sram.base >= p->sram.size)
        return se_error_set(err, SE_ERR_OUTSIDE_RAM,
                            "%s: the algorithm's breakpoint word would be at 0x%08" PRIx32
                            ", outside SRAM",
                            se_stldr_path(h->l), h->header);
    return SE_OK;
}

static uint32_t timeout_ms(const se_host *h, se_entry_id id)
{
    const se_flash_device *d = &h->flm->dev;
    switch (id) {
    case SE_EP_SECTOR_ERASE: return d->to_erase;
    case SE_EP_MASS_ERASE: {
        /* Policy (the hosts differ, docs/flm.md): toErase for each sector */
        uint64_t n = 0;
        const se_storage_info *si = se_stldr_storage(h->l);
        for (unsigned g = 0; g < si->ngroups; g++)
            n += si->sectors[g].num;
        uint64_t t = n * d->to_erase;
        return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
    }
    case SE_EP_INIT:
    case SE_EP_DEINIT: return TIMEOUT_INIT_MS;
    default: return d->to_prog;
    }
}

/* One algorithm call, judged: returned, R0 as the function defines success, the post-call
 * checks, the timeout. want: the R0 of success. */
static se_err fcall(se_host *h, se_entry_id id, unsigned nargs, uint32_t a0, uint32_t a1,
                    uint32_t a2, uint32_t want, se_call_record *rec, se_error *err)
{
    memset(rec, 0, offsetof(se_call_record, res));
    rec->note[0] = '\0';
    rec->op = h->op;
    rec->function = se_flm_entry_name(id);
    rec->nargs = nargs;
    rec->args[0] = a0;
    rec->args[1] = a1;
    rec->args[2] = a2;
    uint32_t entry;
    if (!se_stldr_entry(h->l, id, &entry)) {
        memset(&rec->res, 0, sizeof rec->res);
        return se_error_set(err, SE_ERR_NO_ENTRY, "the algorithm does not export %s",
                            rec->function);
    }
    uint32_t tmo = timeout_ms(h, id);
    uint64_t budget = tmo ? (uint64_t)tmo * CYCLES_PER_MS : h->o.max_instructions;
    if (h->o.max_instructions && budget > h->o.max_instructions)
        budget = h->o.max_instructions;
    se_call c = {
        .entry = (uint32_t)((int64_t)entry + h->img.delta),
        .args = {a0, a1, a2, 0},
        .sp = h->sp,
        .bkpt_addr = h->header,
        .bkpt_word = header_word(h),
        .max_instructions = budget,
        .max_seconds = h->o.max_seconds,
        .set_r9 = true,
        .r9 = h->static_base,
    };
    se_machine_call(h->m, &c, &rec->res);
    h->calls++;
    h->instructions += rec->res.instructions;
    h->vtime_ns += rec->res.vtime_ns;
    se_err e = SE_OK;
    h->check_failed = false;
    const se_call_result *r = &rec->res;
    if (r->status != SE_OK) {
        if (r->status == SE_ERR_HANG && tmo)
            e = se_error_set(err, r->status, "%s: %s (FlashDevice timeout for it: %" PRIu32 " ms)",
                             rec->function, r->reason, tmo);
        else
            e = se_error_set(err, r->status, "%s: %s", rec->function, r->reason);
        if (h->log)
            h->log(h->log_ctx, rec);
        return e;
    }
    uint32_t r9 = se_machine_reg_read(h->m, SE_REG_R9);
    uint8_t canary = CANARY;
    if (h->o.flm_host == SE_FLM_HOST_PROBE_RS)
        (void)se_machine_read(h->m, h->stack_lo, &canary, 1, NULL);
    /* pyOCD's flash_algo_debug checks, then probe-rs's canary, then the timeout */
    h->check_failed = true;
    if ((r->xpsr & 0x1FFu) != 0)
        snprintf(rec->note, sizeof rec->note,
                 "returned with IPSR %" PRIu32 " (in an exception handler, not Thread mode)",
                 r->xpsr & 0x1FFu);
    else if (r9 != h->static_base)
        snprintf(rec->note, sizeof rec->note,
                 "returned with R9 0x%08" PRIx32 ", not the static base 0x%08" PRIx32
                 " (R9 not preserved: the next call would address its data wrongly)",
                 r9, h->static_base);
    else if (r->sp != h->sp)
        snprintf(rec->note, sizeof rec->note,
                 "returned with SP 0x%08" PRIx32 ", not 0x%08" PRIx32
                 " (the stack is unbalanced by %" PRId64 " bytes)",
                 r->sp, h->sp, (int64_t)r->sp - (int64_t)h->sp);
    else if (canary != CANARY)
        snprintf(rec->note, sizeof rec->note,
                 "overwrote the stack canary at 0x%08" PRIx32
                 " (0x%02x, not 0x56): the stack overflowed its 0x%" PRIx32 " bytes",
                 h->stack_lo, canary, h->sp - h->stack_lo);
    else if (tmo && r->vtime_ns > (uint64_t)tmo * 1000000u)
        snprintf(rec->note, sizeof rec->note,
                 "took %.1f ms of device time, over the FlashDevice timeout of %" PRIu32 " ms",
                 (double)r->vtime_ns / 1e6, tmo);
    else
        h->check_failed = false;
    if (!h->check_failed && id != SE_EP_CHECKSUM && r->r0 != want) {
        if (id == SE_EP_VERIFY)
            snprintf(rec->note, sizeof rec->note,
                     "returned 0x%08" PRIx32 ", not adr+sz 0x%08" PRIx32
                     ": a mismatch at 0x%08" PRIx32,
                     r->r0, want, r->r0);
        else
            snprintf(rec->note, sizeof rec->note, "returned %" PRIu32 " (0 is success)", r->r0);
    }
    if (rec->note[0]) {
        se_err code = id == SE_EP_VERIFY && !strncmp(rec->note, "returned 0x", 11)
                          ? SE_ERR_VERIFY
                          : SE_ERR_CALL_FAILED;
        e = se_host__with_refusal(h, err,
                                  se_error_set(err, code, "%s %s", rec->function, rec->note));
    } else {
        rec->ok = true;
    }
    if (h->log)
        h->log(h->log_ctx, rec);
    return e;
}

/* Download the header word, the image (and the canary), then Init(DevAdr, clk, fnc). */
static se_err begin(se_host *h, const char *op, uint32_t fnc, se_error *err)
{
    h->op = op;
    uint32_t w = header_word(h);
    se_err e;
    if ((e = se_machine_write(h->m, h->header, &w, 4, err)) ||
        (e = se_machine_write(h->m, h->img.base, h->img.bytes, h->img.size, err)))
        return e;
    if (h->o.flm_host == SE_FLM_HOST_PROBE_RS && h->sp > h->stack_lo) {
        uint8_t fill[256];
        memset(fill, CANARY, sizeof fill);
        for (uint32_t a = h->stack_lo; a < h->sp;) {
            uint32_t n = h->sp - a < sizeof fill ? h->sp - a : (uint32_t)sizeof fill;
            if ((e = se_machine_write(h->m, a, fill, n, err)))
                return e;
            a += n;
        }
    }
    /* clk: the core clock the target runs at when the host takes over (policy, docs/flm.md) */
    uint32_t clk = se_machine_profile(h->m)->reset_core_hz;
    se_call_record rec;
    return fcall(h, SE_EP_INIT, 3, h->flm->dev.adr, clk, fnc, 0, &rec, err);
}

static se_err end(se_host *h, uint32_t fnc, se_err e, se_error *err)
{
    if (e)
        return e; /* the phase failed: the first failure is the one reported */
    se_call_record rec;
    return fcall(h, SE_EP_DEINIT, 1, fnc, 0, 0, 0, &rec, err);
}

se_err se_flmhost_init_only(se_host *h, se_error *err) { return begin(h, "init", FNC_ERASE, err); }

static uint32_t sector_size_at(const se_storage_info *si, uint32_t off)
{
    uint64_t base = 0;
    for (unsigned g = 0; g < si->ngroups; g++) {
        uint64_t span = (uint64_t)si->sectors[g].num * si->sectors[g].size;
        if (off < base + span)
            return si->sectors[g].size;
        base += span;
    }
    return 0;
}

se_err se_flmhost_erase(se_host *h, uint32_t abs, uint32_t len, se_error *err)
{
    se_err e = se_host__refuse_read_only(h, "erase", err);
    if (!e)
        e = begin(h, "erase", FNC_ERASE, err);
    if (e)
        return e;
    const se_storage_info *si = se_stldr_storage(h->l);
    uint32_t off = se_host__sector_start(si, abs - si->start);
    uint64_t last = (uint64_t)abs - si->start + len;
    bool keil = h->o.flm_host == SE_FLM_HOST_KEIL && se_stldr_entry(h->l, SE_EP_CHECKSUM, NULL);
    while (!e && off < last) {
        uint32_t size = sector_size_at(si, off);
        se_call_record rec;
        bool blank = false;
        if (keil) { /* Keil: a blank sector is not erased */
            e = fcall(h, SE_EP_CHECKSUM, 3, si->start + off, size, si->erase_value, 0, &rec, err);
            blank = !e && rec.res.r0 == 0;
        }
        if (!e && !blank)
            e = fcall(h, SE_EP_SECTOR_ERASE, 1, si->start + off, 0, 0, 0, &rec, err);
        off += size;
    }
    return end(h, FNC_ERASE, e, err);
}

se_err se_flmhost_mass_erase(se_host *h, se_error *err)
{
    if (!se_stldr_entry(h->l, SE_EP_MASS_ERASE, NULL))
        return se_error_set(err, SE_ERR_NO_ENTRY, "the algorithm does not export EraseChip");
    se_err e = se_host__refuse_read_only(h, "mass-erase", err);
    if (!e)
        e = begin(h, "mass-erase", FNC_ERASE, err);
    if (e)
        return e;
    se_call_record rec;
    e = fcall(h, SE_EP_MASS_ERASE, 0, 0, 0, 0, 0, &rec, err);
    return end(h, FNC_ERASE, e, err);
}

/* ProgramPage per szPage-aligned page: a first or last page only partly given gets the bytes
 * given (sz below szPage), as pyOCD and probe-rs pass them. */
se_err se_flmhost_write(se_host *h, uint32_t abs, const uint8_t *data, uint32_t len, se_error *err)
{
    se_err e = se_host__refuse_read_only(h, "write", err);
    if (!e)
        e = begin(h, "write", FNC_PROGRAM, err);
    if (e)
        return e;
    uint32_t page = h->flm->dev.page;
    for (uint32_t done = 0; !e && done < len;) {
        uint32_t a = abs + done;
        uint32_t n = page - (a - h->flm->dev.adr) % page;
        if (n > len - done)
            n = len - done;
        se_call_record rec;
        if (!(e = se_machine_write(h->m, h->buffer, data + done, n, err)))
            e = fcall(h, SE_EP_WRITE, 3, a, n, h->buffer, 0, &rec, err);
        done += n;
        if (!e)
            se_host__progress(h, "write", done, len);
    }
    return end(h, FNC_PROGRAM, e, err);
}

/* Read [abs, abs+len) inside a verify phase: ReadFlash (probe-rs's addition) when exported,
 * else the memory-mapped device, as pyOCD reads it. Into out, or compared with expect. */
se_err se_flmhost_read(se_host *h, uint32_t abs, uint8_t *out, uint32_t len, const uint8_t *expect,
                       se_error *err)
{
    bool has_read = se_stldr_entry(h->l, SE_EP_READ, NULL);
    se_err e = begin(h, "read", FNC_VERIFY, err);
    if (e)
        return e;
    for (uint32_t done = 0; !e && done < len;) {
        uint32_t n = len - done < h->chunk ? len - done : h->chunk;
        uint8_t *dst = out ? out + done : h->scratch;
        se_call_record rec;
        if (has_read) {
            if (!(e = fcall(h, SE_EP_READ, 3, abs + done, n, h->buffer, 0, &rec, err)))
                e = se_machine_read(h->m, h->buffer, dst, n, err);
        } else if (se_machine_read(h->m, abs + done, dst, n, NULL) != SE_OK) {
            h->mm_unreadable = true;
            e = se_error_set(err, SE_ERR_VERIFY,
                             "memory-mapped read of 0x%08" PRIx32 "+0x%" PRIx32
                             " failed (the algorithm has no ReadFlash; did Init(fnc 3) leave "
                             "the device memory-mapped?)",
                             abs + done, n);
        }
        if (!e && expect && memcmp(dst, expect + done, n) != 0) {
            uint32_t i = 0;
            while (dst[i] == expect[done + i])
                i++;
            e = se_host__with_refusal(h, err,
                                      se_error_set(err, SE_ERR_VERIFY,
                                                   "read-back mismatch at 0x%08" PRIx32
                                                   ": 0x%02x, expected 0x%02x",
                                                   abs + done + i, dst[i], expect[done + i]));
        }
        done += n;
        if (!e)
            se_host__progress(h, expect ? "verify" : "read", done, len);
    }
    return end(h, FNC_VERIFY, e, err);
}

/* The read-back, then Verify(adr, sz, buf) per chunk when exported (Keil reads the device
 * itself when it is not: the read-back). */
se_err se_flmhost_verify(se_host *h, uint32_t abs, const uint8_t *data, uint32_t len, se_error *err)
{
    bool has_verify = se_stldr_entry(h->l, SE_EP_VERIFY, NULL);
    h->mm_unreadable = false;
    se_err e = se_flmhost_read(h, abs, NULL, len, data, err);
    /* Policy (docs/flm.md): a device Init(3) does not leave memory-mapped (ST's OSPI
     * algorithms) cannot be read back; with Verify exported, Verify is the check, as in Keil. */
    if (e == SE_ERR_VERIFY && h->mm_unreadable && has_verify)
        e = SE_OK;
    if (e || !has_verify)
        return e;
    if ((e = begin(h, "verify", FNC_VERIFY, err)))
        return e;
    for (uint32_t done = 0; !e && done < len;) {
        uint32_t n = len - done < h->chunk ? len - done : h->chunk;
        se_call_record rec;
        if (!(e = se_machine_write(h->m, h->buffer, data + done, n, err)))
            e = fcall(h, SE_EP_VERIFY, 3, abs + done, n, h->buffer, abs + done + n, &rec, err);
        done += n;
        if (!e)
            se_host__progress(h, "Verify", done, len);
    }
    return end(h, FNC_VERIFY, e, err);
}

static uint32_t fnc_of(se_entry_id id)
{
    switch (id) {
    case SE_EP_SECTOR_ERASE:
    case SE_EP_MASS_ERASE: return FNC_ERASE;
    case SE_EP_WRITE: return FNC_PROGRAM;
    default: return FNC_VERIFY;
    }
}

/* One call as given (run --call, fuzz, gdb): with_init opens its phase first (Init with the
 * fnc of the function; no UnInit after). Returns SE_OK when the call returned, whatever R0
 * says; the checks' findings are in rec->note. */
se_err se_flmhost_raw(se_host *h, bool with_init, const char *op, se_entry_id id, unsigned nargs,
                      const uint32_t args[4], const uint8_t *data, uint32_t len,
                      se_call_record *rec, se_error *err)
{
    se_err e = SE_OK;
    if (!se_stldr_entry(h->l, id, NULL))
        e = se_error_set(err, SE_ERR_NO_ENTRY, "the algorithm does not export %s",
                         se_flm_entry_name(id));
    else if (data && len > h->chunk)
        e = se_error_set(err, SE_ERR_USAGE,
                         "0x%" PRIx32 " bytes do not fit the 0x%" PRIx32 "-byte buffer", len,
                         h->chunk);
    else if (with_init && id != SE_EP_INIT)
        e = begin(h, op, fnc_of(id), err);
    else
        h->op = op;
    if (!e && data)
        e = se_machine_write(h->m, h->buffer, data, len, err);
    if (e) {
        memset(rec, 0, sizeof *rec);
        return e;
    }
    if (with_init && id == SE_EP_INIT) { /* download, then this Init */
        uint32_t w = header_word(h);
        if ((e = se_machine_write(h->m, h->header, &w, 4, err)) ||
            (e = se_machine_write(h->m, h->img.base, h->img.bytes, h->img.size, err)))
            return e;
    }
    uint32_t want = id == SE_EP_VERIFY ? args[0] + args[1] : 0;
    e = fcall(h, id, nargs > 3 ? 3 : nargs, args[0], args[1], args[2], want, rec, err);
    if ((e == SE_ERR_CALL_FAILED || e == SE_ERR_VERIFY) && !h->check_failed)
        e = SE_OK; /* the caller judges R0; a failed post-call check stays an error */
    return e;
}
