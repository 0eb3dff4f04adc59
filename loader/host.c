#include "loader/host.h"
#include "loader/host_impl.h"

#include <inttypes.h>
#include <stddef.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/dwarf.h" /* --trace / --last: file:line */

#define BKPT_WORD 0x0000BE00u /* docs/protocol.md 2.1 step 3 */
#define ZERO_BLOCK 0x200u     /* the host writes 0x200 zero bytes there (P6, P8) */

/* Append the session's first non-faulting refusal to a failure the host judged. */
static se_err with_refusal(const se_host *h, se_error *err, se_err e);
se_err se_host__with_refusal(const se_host *h, se_error *err, se_err e)
{
    return with_refusal(h, err, e);
}

static se_err with_refusal(const se_host *h, se_error *err, se_err e)
{
    if (h->refusal[0] && err) {
        size_t n = strlen(err->msg);
        if (n < sizeof err->msg - 1)
            snprintf(err->msg + n, sizeof err->msg - n, "; earlier: %.700s", h->refusal);
    }
    return e;
}

void se_host_opts_default(se_host_opts *o)
{
    memset(o, 0, sizeof *o);
    o->place = SE_PLACE_PROFILE;
    /* Generous limits: the slowest real operation is a chip erase of ~150 s device time,
     * which is polling; 2e9 instructions is ~18 s of a 110 MHz core. */
    o->max_instructions = 2000000000ull;
    o->max_seconds = 60.0;
}

static const char *host_symbolize(void *ctx, uint32_t addr, char *buf, size_t len)
{
    const se_host *h = ctx;
    uint32_t link = (uint32_t)((int64_t)addr - h->img.delta);
    uint32_t off;
    const se_symbol *s = se_stldr_symbolize(h->l, link, &off);
    if (!s)
        snprintf(buf, len, "0x%08" PRIx32, addr);
    else if (off)
        snprintf(buf, len, "%s+0x%" PRIx32, s->name, off);
    else
        snprintf(buf, len, "%s", s->name);
    return buf;
}

/* --trace / --last: file:line from the loader's DWARF, by link address. */
static bool host_srcline(void *ctx, uint32_t addr, char *buf, size_t len)
{
    se_host *h = ctx;
    if (!h->dwarf_tried) {
        h->dwarf_tried = true;
        h->dwarf = se_dwarf_open(se_stldr_path(h->l));
    }
    const char *file;
    int line;
    if (!se_dwarf_line(h->dwarf, (uint32_t)((int64_t)addr - h->img.delta), &file, &line))
        return false;
    snprintf(buf, len, "%s:%d", file, line);
    return true;
}

void se_host_set_progress(se_host *h, se_host_progress_fn fn, void *ctx)
{
    h->progress = fn;
    h->progress_ctx = ctx;
}

static void progress(const se_host *h, const char *op, uint32_t done, uint32_t total)
{
    se_host__progress(h, op, done, total);
}

void se_host__progress(const se_host *h, const char *op, uint32_t done, uint32_t total)
{
    if (h->progress)
        h->progress(h->progress_ctx, op, done, total);
}

static uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) & ~(a - 1); }

uint32_t se_host_rule_sp(uint32_t bkpt_addr, const se_image *img, uint32_t stack_gap)
{
    /* SP = BKPT word address + image size + 0x400 (docs/protocol.md 2.1: 0x20000000 + 0x186C +
     * 0x400 in the U031 log), as the core holds it: MSP bits [1:0] are RES0, so an image of
     * odd size gives the word below the sum, not an unaligned stack. */
    return (bkpt_addr + img->size + stack_gap) & ~3u;
}

se_err se_host_new(const se_stldr *l, se_machine *m, const se_host_opts *o, se_host **out,
                   se_error *err)
{
    *out = NULL;
    se_host *h = calloc(1, sizeof *h);
    if (!h)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    h->l = l;
    h->m = m;
    if (o)
        h->o = *o;
    else
        se_host_opts_default(&h->o);
    const se_profile *p = se_machine_profile(m);
    se_ram_window win = {p->bkpt_addr, p->load_base, p->ram_end, p->download_limit,
                         p->observed_limit};
    h->flm = se_stldr_flm(l);
    /* docs/flm.md: an algorithm linked at an absolute address runs where it is linked */
    se_place place = h->flm && h->flm->absolute ? SE_PLACE_LINK : h->o.place;
    se_err e = se_stldr_plan(l, &win, place, h->o.strict, &h->img, err);
    if (e) {
        free(h);
        return e;
    }
    /* Whether "size" counts .bss is not known: we use the bytes transferred, as the host can
     * only know those. */
    /* The SP follows the image: BKPT word + 4 is where the image goes, so with --place link
     * the rule counts from the word below the link address, not the profile's. */
    uint32_t rule_sp = se_host_rule_sp(h->img.base - 4u, &h->img, p->stack_gap);
    if (h->flm) {
        /* docs/flm.md: code, data, then the stack area (the profile's stack gap), SP at
         * its top, 8-byte aligned */
        h->stack_lo = align_up(h->img.mem_end, 8);
        rule_sp = h->stack_lo + align_up(p->stack_gap, 8);
    }
    /* MSP bits [1:0] are RES0 (ARMv8-M: the register ignores them): the SP the host writes
     * is held word-aligned, whatever the image size or --sp make of it. */
    h->sp = (h->o.sp_set || h->o.sp ? h->o.sp : rule_sp) & ~3u;
    if (h->img.over_limit) /* the host's refusal, reproduced (field failure mode 5) */
        h->sp = 0;
    /* The buffer: where the U031/WLE5 logs show the host's zero block, just above the
     * stack (align_up(SP + 1, 0x20) + 0x20). An SP outside SRAM (0: docs/protocol.md 2.1, bad
     * run P7) leaves the buffer where the host's own SP would put it. */
    uint32_t below = h->sp - p->sram.base < p->sram.size ? h->sp : rule_sp;
    h->buffer = h->o.buffer ? h->o.buffer : align_up(below + 1, 0x20) + 0x20;
    uint32_t end = p->ram_end;
    const se_storage_info *si = se_stldr_storage(l);
    /* A device that lives in RAM (our SRAM test loaders) must not be used as buffer. */
    if (si->start > h->buffer && si->start < end)
        end = si->start;
    if (h->buffer < p->sram.base || h->buffer >= end) {
        uint32_t b = h->buffer;
        se_image_free(&h->img);
        free(h);
        return se_error_set(err, SE_ERR_USAGE,
                            "data buffer at 0x%08" PRIx32 " is outside the free RAM "
                            "0x%08" PRIx32 "..0x%08" PRIx32,
                            b, p->sram.base, end);
    }
    uint32_t room = (end - h->buffer) & ~0x3FFu;
    h->chunk = h->o.chunk ? h->o.chunk : room;
    if (h->flm && h->chunk < si->page_size && h->chunk != 0) {
        uint32_t c = h->chunk;
        se_image_free(&h->img);
        free(h);
        return se_error_set(err, SE_ERR_USAGE,
                            "the 0x%" PRIx32 "-byte data buffer cannot hold one 0x%" PRIx32
                            "-byte page (FlashDevice.szPage) of the algorithm",
                            c, si->page_size);
    }
    if (h->chunk == 0 || h->chunk > end - h->buffer) {
        uint32_t c = h->chunk, b = h->buffer;
        se_image_free(&h->img);
        free(h);
        return se_error_set(err, SE_ERR_USAGE,
                            "chunk of 0x%" PRIx32 " bytes does not fit between the buffer "
                            "(0x%08" PRIx32 ") and the end of free RAM (0x%08" PRIx32 ")",
                            c, b, end);
    }
    /* Verify takes whole words (docs/protocol.md 1.3): its data never exceeds the chunk rounded
     * down to a word, or one word when the chunk is smaller than that, which then needs 4
     * bytes of RAM at the buffer. */
    h->vcap = h->chunk >= 4 ? h->chunk & ~3u : 4;
    if (h->vcap > end - h->buffer) {
        uint32_t b = h->buffer;
        se_image_free(&h->img);
        free(h);
        return se_error_set(err, SE_ERR_USAGE,
                            "the data buffer at 0x%08" PRIx32 " has no room for one word "
                            "before the end of free RAM (0x%08" PRIx32 ")",
                            b, end);
    }
    /* The host's copy of one chunk: a Write/Read chunk or one Verify call's words. */
    uint32_t span = h->chunk > h->vcap ? h->chunk : h->vcap;
    h->scratch = malloc(span);
    if (!h->scratch) {
        se_image_free(&h->img);
        free(h);
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
    if (h->flm && (e = se_flmhost_setup(h, err))) {
        se_image_free(&h->img);
        free(h->scratch);
        free(h);
        return e;
    }
    se_machine_set_symbolizer(m, host_symbolize, h);
    se_machine_set_srcline(m, host_srcline, h); /* --trace / --last */
    se_machine_set_image(m, h->img.base, h->img.mem_end);
    se_machine_set_stack_reserve(m, h->img.reserve_lo, h->img.reserve_hi);
    se_machine_set_link_base(m, h->img.link_base);
    for (size_t i = 0; i < se_stldr_nsections(l); i++) { /* where a stack overflow lands */
        const se_section *s = se_stldr_section(l, i);
        if ((s->flags & SHF_ALLOC) && s->size && s->name[0])
            se_machine_add_region(m, s->name, (uint32_t)((int64_t)s->addr + h->img.delta),
                                  (uint32_t)((int64_t)s->addr + h->img.delta + s->size));
    }
    se_machine_set_buffer(m, h->buffer, h->buffer + span); /* run-time diagnoses */
    *out = h;
    return SE_OK;
}

void se_host_free(se_host *h)
{
    if (!h)
        return;
    se_machine_set_symbolizer(h->m, NULL, NULL);
    se_machine_set_srcline(h->m, NULL, NULL); /* --trace / --last */
    se_dwarf_close(h->dwarf);
    se_image_free(&h->img);
    free(h->scratch);
    free(h);
}

void se_host_set_logger(se_host *h, se_host_call_fn fn, void *ctx)
{
    h->log = fn;
    h->log_ctx = ctx;
}

void se_host_set_limits(se_host *h, uint64_t max_instructions, double max_seconds)
{
    h->o.max_instructions = max_instructions;
    h->o.max_seconds = max_seconds;
}

void se_host_limits(const se_host *h, uint64_t *max_instructions, double *max_seconds)
{
    *max_instructions = h->o.max_instructions;
    *max_seconds = h->o.max_seconds;
}

const se_image *se_host_image(const se_host *h) { return &h->img; }
uint32_t se_host_sp(const se_host *h) { return h->sp; }
uint32_t se_host_buffer(const se_host *h) { return h->buffer; }
uint32_t se_host_chunk(const se_host *h) { return h->chunk; }
uint64_t se_host_instructions(const se_host *h) { return h->instructions; }
uint64_t se_host_vtime_ns(const se_host *h) { return h->vtime_ns; }
unsigned se_host_calls(const se_host *h) { return h->calls; }

bool se_host_device_range(const se_host *h, uint32_t addr, uint32_t len, uint32_t *abs)
{
    const se_storage_info *si = se_stldr_storage(h->l);
    uint64_t a = addr;
    if (a < si->start)
        a += si->start;
    if (a < si->start || a + len > (uint64_t)si->start + si->size)
        return false;
    *abs = (uint32_t)a;
    return true;
}

/* Run one entry point. Returns SE_OK only if it returned and reported success. */
static se_err call(se_host *h, se_entry_id id, unsigned nargs, uint32_t a0, uint32_t a1,
                   uint32_t a2, uint32_t a3, se_call_record *rec, se_error *err)
{
    uint32_t entry;
    /* res (19 KiB, mostly the --last report) is cleared by se_machine_call: clearing it
     * here too cost as much as a short fuzz call's bookkeeping */
    memset(rec, 0, offsetof(se_call_record, res));
    rec->note[0] = '\0';
    rec->op = h->op;
    rec->function = se_stldr_entry_name(h->l, id);
    rec->nargs = nargs;
    rec->args[0] = a0;
    rec->args[1] = a1;
    rec->args[2] = a2;
    rec->args[3] = a3;
    rec->returns64 = id == SE_EP_VERIFY;
    if (!se_stldr_entry(h->l, id, &entry)) {
        memset(&rec->res, 0, sizeof rec->res);
        return se_error_set(err, SE_ERR_NO_ENTRY, "the loader does not export %s",
                            se_entry_name(id));
    }
    se_call c = {
        .entry = (uint32_t)((int64_t)entry + h->img.delta),
        .args = {a0, a1, a2, a3},
        .sp = h->sp,
        .bkpt_addr = se_machine_profile(h->m)->bkpt_addr,
        .max_instructions = h->o.max_instructions,
        .max_seconds = h->o.max_seconds,
    };
    uint64_t t0 = se_machine_now_ns(h->m);
    se_machine_call(h->m, &c, &rec->res);
    h->calls++;
    char mode[120], frames[120], cause[640];
    uint64_t entered;
    bool left = se_machine_chip_mode_cause(h->m, t0, mode, frames, sizeof mode, &entered);
    if (entered != h->mode_ns) { /* this call changed the part's mode */
        h->mode_ns = entered;
        snprintf(h->mode_call, sizeof h->mode_call, "%s %s (call %u)", rec->op, rec->function,
                 h->calls);
    }
    /* field failure mode 9: the part is still in a mode an earlier call put it in */
    cause[0] = '\0';
    if (left)
        snprintf(cause, sizeof cause,
                 "the flash is still in %s during %s, and this %s sends %s without resetting "
                 "it first: reset the chip from any mode at the top of Init (an earlier "
                 "operation may leave it in another mode; field failure mode 9)",
                 mode, h->mode_call, rec->function, frames);
    if (cause[0] && rec->res.status != SE_OK) {
        char old[sizeof rec->res.reason];
        snprintf(old, sizeof old, "%s", rec->res.reason);
        snprintf(rec->res.reason, sizeof rec->res.reason, "%.600s; %.410s", cause, old);
    }
    h->instructions += rec->res.instructions;
    h->vtime_ns += rec->res.vtime_ns;
    if (h->img.over_limit && rec->res.status != SE_OK) { /* said first: field failure mode 5 */
        char old[sizeof rec->res.reason];
        snprintf(old, sizeof old, "%s", rec->res.reason);
        snprintf(rec->res.reason, sizeof rec->res.reason,
                 "the image is 0x%" PRIx32 " bytes, over the 0x%" PRIx32 "-byte download limit "
                 "of this target: the host does not download it (no image, no breakpoint word) "
                 "and still runs %s with SP = 0, as this run does (field failure mode 5); "
                 "shrink the loader to at most 0x%" PRIx32 " bytes; %.600s",
                 h->img.size, h->img.over_limit, rec->function, h->img.over_limit, old);
    }
    se_err e = SE_OK;
    if (rec->res.status == SE_OK && rec->res.reason[0] && !h->refusal[0])
        snprintf(h->refusal, sizeof h->refusal, "%s %s: %.800s", rec->op, rec->function,
                 rec->res.reason);
    if (rec->res.status != SE_OK) {
        e = se_error_set(err, rec->res.status, "%s: %s", rec->function, rec->res.reason);
    } else if (id == SE_EP_VERIFY || id == SE_EP_CHECKSUM) {
        rec->ok = true; /* judged by the caller from the values */
    } else if (rec->res.r0 == 1) {
        rec->ok = true;
    } else {
        /* docs/protocol.md 1.3: 1 = success, 0 = failure. ST's L562 Init can return a negative
         * BSP code; how the host judges values other than 0 and 1 is not known, so they
         * count as failures and say so. */
        char ret[64];
        snprintf(ret, sizeof ret,
                 rec->res.r0 == 0 ? "returned 0 (failure)"
                                  : "returned 0x%08" PRIx32 ", not 1: treated as failure",
                 rec->res.r0);
        snprintf(rec->note, sizeof rec->note, "%s%s%s", cause, cause[0] ? "; " : "", ret);
        e = with_refusal(h, err,
                         se_error_set(err, SE_ERR_CALL_FAILED, "%s%s %s", rec->function,
                                      cause[0] ? ":" : "", rec->note));
    }
    if (h->log && !(id == SE_EP_VERIFY || id == SE_EP_CHECKSUM))
        h->log(h->log_ctx, rec);
    return e;
}

static se_err begin(se_host *h, const char *op, se_error *err)
{
    h->op = op;
    const se_profile *p = se_machine_profile(h->m);
    uint32_t w = BKPT_WORD;
    se_err e;
    static const uint8_t zeros[ZERO_BLOCK];
    se_call_record rec;
    if (h->img.over_limit) /* the host downloads nothing (field failure mode 5) */
        return call(h, SE_EP_INIT, 1, 1, 0, 0, 0, &rec, err);
    if ((e = se_machine_write(h->m, p->bkpt_addr, &w, 4, err)) ||
        (e = se_machine_write(h->m, h->img.base, h->img.bytes, h->img.size, err)))
        return e;
    uint32_t zb = h->chunk < ZERO_BLOCK ? h->chunk : ZERO_BLOCK;
    if ((e = se_machine_write(h->m, h->buffer, zeros, zb, err)))
        return e;
    return call(h, SE_EP_INIT, 1, 1, 0, 0, 0, &rec, err);
}

se_err se_host_init_only(se_host *h, se_error *err)
{
    if (h->flm)
        return se_flmhost_init_only(h, err);
    return begin(h, "init", err);
}

se_err se_host__out_of_device(const se_host *h, se_error *err, uint32_t addr, uint32_t len)
{
    const se_storage_info *si = se_stldr_storage(h->l);
    return se_error_set(err, SE_ERR_USAGE,
                        "range 0x%08" PRIx32 "+0x%" PRIx32 " is outside the device %s "
                        "(0x%08" PRIx32 "..0x%08" PRIx32 ")",
                        addr, len, si->name, si->start, si->start + si->size);
}

/* An operation that changes the device, refused before anything runs when the device is
 * the external flash and its --flash-image file is read-only: one line, the file untouched. */
se_err se_host__refuse_read_only(const se_host *h, const char *what, se_error *err)
{
    const se_profile *p = se_machine_profile(h->m);
    const se_storage_info *si = se_stldr_storage(h->l);
    char why[600];
    if (si->start - p->ext_window.base >= p->ext_window.size ||
        !se_machine_flash_read_only(h->m, why, sizeof why))
        return SE_OK;
    return se_error_set(err, SE_ERR_IO, "%s: %s refused (reading, Verify and CheckSum work)", why,
                        what);
}

/* Start address of the sector holding device offset off. */
uint32_t se_host__sector_start(const se_storage_info *si, uint32_t off)
{
    uint64_t base = 0;
    for (unsigned g = 0; g < si->ngroups; g++) {
        uint64_t span = (uint64_t)si->sectors[g].num * si->sectors[g].size;
        if (off < base + span)
            return (uint32_t)(base + (off - base) / si->sectors[g].size * si->sectors[g].size);
        base += span;
    }
    return off;
}

se_err se_host_erase(se_host *h, uint32_t addr, uint32_t len, se_error *err)
{
    if (h->flm) {
        uint32_t a;
        if (len == 0 || !se_host_device_range(h, addr, len, &a))
            return se_host__out_of_device(h, err, addr, len);
        return se_flmhost_erase(h, a, len, err);
    }
    uint32_t abs;
    if (len == 0 || !se_host_device_range(h, addr, len, &abs))
        return se_host__out_of_device(h, err, addr, len);
    se_err e = se_host__refuse_read_only(h, "erase", err);
    if (!e)
        e = begin(h, "erase", err);
    if (e)
        return e;
    const se_storage_info *si = se_stldr_storage(h->l);
    uint32_t first = si->start + se_host__sector_start(si, abs - si->start);
    uint32_t last = si->start + se_host__sector_start(si, abs - si->start + len - 1);
    se_call_record rec;
    return call(h, SE_EP_SECTOR_ERASE, 2, first, last, 0, 0, &rec, err);
}

se_err se_host_mass_erase(se_host *h, se_error *err)
{
    if (h->flm)
        return se_flmhost_mass_erase(h, err);
    uint32_t entry;
    if (!se_stldr_entry(h->l, SE_EP_MASS_ERASE, &entry))
        return se_error_set(err, SE_ERR_NO_ENTRY, "the loader does not export MassErase");
    se_err e = se_host__refuse_read_only(h, "mass-erase", err);
    if (!e)
        e = begin(h, "mass-erase", err);
    if (e)
        return e;
    se_call_record rec;
    return call(h, SE_EP_MASS_ERASE, 1, 0, 0, 0, 0, &rec, err);
}

se_err se_host_write(se_host *h, uint32_t addr, const uint8_t *data, uint32_t len, se_error *err)
{
    if (h->flm) {
        uint32_t a;
        if (!se_host_device_range(h, addr, len, &a))
            return se_host__out_of_device(h, err, addr, len);
        return se_flmhost_write(h, a, data, len, err);
    }
    uint32_t abs;
    if (!se_host_device_range(h, addr, len, &abs))
        return se_host__out_of_device(h, err, addr, len);
    se_err e = se_host__refuse_read_only(h, "write", err);
    if (!e)
        e = begin(h, "write", err);
    if (e)
        return e;
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < h->chunk ? len - done : h->chunk;
        se_call_record rec;
        if ((e = se_machine_write(h->m, h->buffer, data + done, n, err)) ||
            (e = call(h, SE_EP_WRITE, 3, abs + done, n, h->buffer, 0, &rec, err)))
            return e;
        done += n;
        progress(h, "write", done, len);
    }
    return SE_OK;
}

/* The host's own read through the memory-mapped window, as a step of the log (issue 14 item
 * 4): st and why say how it ended (SE_OK: read; the read-back's comparison may still fail). */
static void log_host_read(se_host *h, uint32_t a, uint32_t n, se_err st, const char *why)
{
    if (!h->log)
        return;
    se_call_record rec;
    memset(&rec, 0, sizeof rec);
    rec.op = h->op;
    rec.function = "host-read";
    rec.nargs = 2;
    rec.args[0] = a;
    rec.args[1] = n;
    rec.ok = st == SE_OK;
    rec.res.status = st;
    snprintf(rec.res.reason, sizeof rec.res.reason, "%s", why ? why : "");
    h->log(h->log_ctx, &rec);
}

/* One chunk of the device into dst: through the loader's Read and the data buffer, or, when
 * it exports none, straight from the memory-mapped window Init left on (docs/protocol.md 2.7).
 * log: the host's read is logged here as its own step (else the caller logs it). */
static se_err read_chunk(se_host *h, bool has_read, uint32_t a, uint32_t n, uint8_t *dst, bool log,
                         se_error *err)
{
    if (has_read) {
        se_call_record rec;
        se_err e = call(h, SE_EP_READ, 3, a, n, h->buffer, 0, &rec, err);
        return e ? e : se_machine_read(h->m, h->buffer, dst, n, err);
    }
    if (se_machine_read(h->m, a, dst, n, err) == SE_OK) {
        if (log)
            log_host_read(h, a, n, SE_OK, NULL);
        return SE_OK;
    }
    char why[200];
    if (se_machine_window_off(h->m, a, why, sizeof why)) { /* field failure mode 7 */
        se_err e = se_error_set(err, SE_ERR_VERIFY,
                                "Init left %s; the host reads the flash through the memory-mapped "
                                "window (the loader has no Read), so Init must enable "
                                "memory-mapped mode (field failure mode 7): read of 0x%08" PRIx32
                                "+0x%" PRIx32 " refused",
                                why, a, n);
        /* The host's own read is a step of the log, as a call is. */
        log_host_read(h, a, n, SE_ERR_VERIFY, err ? err->msg : "");
        return e;
    }
    return se_error_set(err, SE_ERR_VERIFY,
                        "memory-mapped read of 0x%08" PRIx32 "+0x%" PRIx32 " failed (the loader "
                        "has no Read; did Init leave memory-mapped mode on?)",
                        a, n);
}

se_err se_host_read(se_host *h, uint32_t addr, uint8_t *out, uint32_t len, se_error *err)
{
    if (h->flm) {
        uint32_t a;
        if (!se_host_device_range(h, addr, len, &a))
            return se_host__out_of_device(h, err, addr, len);
        return out ? se_flmhost_read(h, a, out, len, NULL, err) : SE_OK;
    }
    uint32_t abs, entry;
    if (!se_host_device_range(h, addr, len, &abs))
        return se_host__out_of_device(h, err, addr, len);
    bool has_read = se_stldr_entry(h->l, SE_EP_READ, &entry);
    se_err e = begin(h, "read", err);
    for (uint32_t done = 0; !e && done < len;) {
        uint32_t n = len - done < h->chunk ? len - done : h->chunk;
        e = read_chunk(h, has_read, abs + done, n, out + done, true, err);
        done += n;
        if (!e)
            progress(h, "read", done, len);
    }
    return e;
}

static uint32_t byte_sum(const uint8_t *p, uint32_t n, uint32_t init)
{
    for (uint32_t i = 0; i < n; i++)
        init += p[i];
    return init;
}

/* Verify(MemoryAddr, RAMBufferAddr, Size in words, missalignement) per chunk
 * (docs/protocol.md 1.3): the data sits at buffer + skip; bits [3:0] skip, [19:16] drop. */
static se_err verify_entry(se_host *h, uint32_t abs, const uint8_t *data, uint32_t len,
                           se_error *err)
{
    se_err e;
    for (uint32_t done = 0; done < len;) {
        uint32_t a = abs + done;
        uint32_t skip = a & 3u;
        /* skip + n <= vcap, a multiple of 4: the words fit the scratch copy and the buffer */
        uint32_t n = len - done < h->vcap - skip ? len - done : h->vcap - skip;
        uint32_t words = (skip + n + 3) / 4;
        uint32_t drop = words * 4 - skip - n;
        /* The pad bytes around an unaligned range: what CubeProgrammer puts there is not
         * known (docs/protocol.md 2.7). Policy: the device's current bytes (read through the
         * memory-mapped window Init left on), else the erase value, so that a Verify that
         * compares whole words (ST's does) sees equal pads. */
        if (se_machine_read(h->m, a - skip, h->scratch, words * 4, NULL) != SE_OK)
            memset(h->scratch, se_stldr_storage(h->l)->erase_value, words * 4);
        memcpy(h->scratch + skip, data + done, n);
        se_call_record rec;
        if ((e = se_machine_write(h->m, h->buffer, h->scratch, words * 4, err)) ||
            (e = call(h, SE_EP_VERIFY, 4, a - skip, h->buffer, words, skip | (drop << 16), &rec,
                      err))) {
            if (h->log)
                h->log(h->log_ctx, &rec);
            return e;
        }
        uint32_t want = byte_sum(data + done, n, 0);
        if (rec.res.r0 != 0) {
            rec.ok = false;
            snprintf(rec.note, sizeof rec.note, "reports a mismatch at 0x%08" PRIx32, rec.res.r0);
            e = with_refusal(h, err,
                             se_error_set(err, SE_ERR_VERIFY,
                                          "Verify reports a mismatch at 0x%08" PRIx32
                                          " in 0x%08" PRIx32 "+0x%" PRIx32,
                                          rec.res.r0, a, n));
        } else if (rec.res.r1 != want) {
            rec.ok = false;
            /* Whose fault: if the device holds the data (read through the window) and Verify
             * found no differing byte, only the loader's checksum arithmetic is wrong (several
             * published ST loaders truncate the size in CheckSum). */
            bool holds = se_machine_read(h->m, a, h->scratch, n, NULL) == SE_OK &&
                         memcmp(h->scratch, data + done, n) == 0;
            snprintf(rec.note, sizeof rec.note,
                     "checksum 0x%08" PRIx32 " differs from the data's 0x%08" PRIx32 "%s",
                     rec.res.r1, want,
                     holds ? ", yet the device holds the data and Verify found no differing "
                             "byte: the loader's CheckSum is wrong"
                           : "");
            e = with_refusal(h, err, se_error_set(err, SE_ERR_VERIFY, "Verify %s", rec.note));
        }
        if (h->log)
            h->log(h->log_ctx, &rec);
        if (e)
            return e;
        done += n;
        progress(h, "Verify", done, len);
    }
    return SE_OK;
}

/* Read [abs, abs+len) back as se_host_read does, a chunk at a time into the scratch buffer,
 * and compare each chunk with data: no copy of the whole range is held. */
static se_err read_back(se_host *h, uint32_t abs, const uint8_t *data, uint32_t len, se_error *err)
{
    uint32_t entry;
    bool has_read = se_stldr_entry(h->l, SE_EP_READ, &entry);
    se_err e = begin(h, "read", err);
    for (uint32_t done = 0; !e && done < len;) {
        uint32_t n = len - done < h->chunk ? len - done : h->chunk;
        uint64_t t0 = se_machine_now_ns(h->m);
        e = read_chunk(h, has_read, abs + done, n, h->scratch, false, err);
        bool host_step = !e && !has_read;
        char why[300];
        if (!e && memcmp(h->scratch, data + done, n) != 0) {
            uint32_t i = 0;
            while (h->scratch[i] == data[done + i])
                i++;
            if (se_machine_chip_read_cause(h->m, t0, why, sizeof why)) {
                /* the read itself was wrong (issue 14 item 9): said first */
                e = with_refusal(
                    h, err,
                    se_error_set(err, SE_ERR_VERIFY,
                                 "the %s read %s; set the read command's dummy cycles to what "
                                 "the chip expects (field failure mode 7): read-back mismatch "
                                 "at 0x%08" PRIx32 ": 0x%02x, expected 0x%02x",
                                 has_read ? "flash" : "memory-mapped", why, abs + done + i,
                                 h->scratch[i], data[done + i]));
            } else {
                /* a warning printed earlier explains it, most often: cited first (issue 14) */
                const char *w = se_machine_first_warning(h->m);
                e = with_refusal(h, err,
                                 se_error_set(err, SE_ERR_VERIFY,
                                              "%s%.300s%sread-back mismatch at 0x%08" PRIx32
                                              ": 0x%02x, expected 0x%02x",
                                              w[0] ? "after the warning \"" : "", w,
                                              w[0] ? "\": " : "", abs + done + i, h->scratch[i],
                                              data[done + i]));
            }
        }
        if (host_step) /* the host's read, judged by the comparison */
            log_host_read(h, abs + done, n, e, e && err ? err->msg : NULL);
        done += n;
        if (!e)
            progress(h, "verify", done, len);
    }
    return e;
}

se_err se_host_verify(se_host *h, uint32_t addr, const uint8_t *data, uint32_t len, se_error *err)
{
    if (h->flm) {
        uint32_t a;
        if (!se_host_device_range(h, addr, len, &a))
            return se_host__out_of_device(h, err, addr, len);
        return se_flmhost_verify(h, a, data, len, err);
    }
    uint32_t abs, entry;
    if (!se_host_device_range(h, addr, len, &abs))
        return se_host__out_of_device(h, err, addr, len);
    se_err e = read_back(h, abs, data, len, err);
    if (e)
        return e;
    bool has_verify = se_stldr_entry(h->l, SE_EP_VERIFY, &entry);
    bool has_sum = se_stldr_entry(h->l, SE_EP_CHECKSUM, &entry);
    if (!has_verify && !has_sum)
        return SE_OK;
    if ((e = begin(h, "verify", err)))
        return e;
    if (has_verify && (e = verify_entry(h, abs, data, len, err)))
        return e;
    if (has_sum) {
        se_call_record rec;
        uint32_t want = byte_sum(data, len, 0);
        e = call(h, SE_EP_CHECKSUM, 3, abs, len, 0, 0, &rec, err);
        if (!e && rec.res.r0 != want) {
            rec.ok = false;
            snprintf(rec.note, sizeof rec.note,
                     "returned 0x%08" PRIx32 ", the data's byte sum is 0x%08" PRIx32, rec.res.r0,
                     want);
            e = with_refusal(h, err, se_error_set(err, SE_ERR_VERIFY, "CheckSum %s", rec.note));
        }
        if (h->log)
            h->log(h->log_ctx, &rec);
    }
    return e;
}

/* se_host_raw (with_init: Init first, as the host does before every operation) and
 * se_host_call_raw (the call alone): refusals before the machine is touched, the buffer
 * fill, the call. */
static se_err raw(se_host *h, bool with_init, const char *op, se_entry_id id, unsigned nargs,
                  const uint32_t args[4], const uint8_t *data, uint32_t len, se_call_record *rec,
                  se_error *err)
{
    if (h->flm)
        return se_flmhost_raw(h, with_init, op, id, nargs, args, data, len, rec, err);
    uint32_t entry;
    se_err e = SE_OK;
    if (!se_stldr_entry(h->l, id, &entry))
        e = se_error_set(err, SE_ERR_NO_ENTRY, "the loader does not export %s", se_entry_name(id));
    else if (data && len > h->chunk)
        e = se_error_set(err, SE_ERR_USAGE,
                         "0x%" PRIx32 " bytes do not fit the 0x%" PRIx32 "-byte buffer", len,
                         h->chunk);
    else if (with_init)
        e = begin(h, op, err); /* Init failed: no call of id */
    else
        h->op = op;
    if (!e && data)
        e = se_machine_write(h->m, h->buffer, data, len, err);
    if (e) {
        memset(rec, 0, sizeof *rec);
        return e;
    }
    e = call(h, id, nargs, args[0], args[1], args[2], args[3], rec, err); /* fills *rec */
    if (e == SE_ERR_CALL_FAILED)
        e = SE_OK; /* the caller judges R0 */
    if (h->log && (id == SE_EP_VERIFY || id == SE_EP_CHECKSUM))
        h->log(h->log_ctx, rec);
    return e;
}

se_err se_host_raw(se_host *h, const char *op, se_entry_id id, unsigned nargs,
                   const uint32_t args[4], const uint8_t *data, uint32_t len, se_call_record *rec,
                   se_error *err)
{
    return raw(h, true, op, id, nargs, args, data, len, rec, err);
}

se_err se_host_call_raw(se_host *h, const char *op, se_entry_id id, unsigned nargs,
                        const uint32_t args[4], const uint8_t *data, uint32_t len,
                        se_call_record *rec, se_error *err)
{
    return raw(h, false, op, id, nargs, args, data, len, rec, err);
}
