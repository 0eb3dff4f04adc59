/* The external memory: a memory controller's window on the CPU (read in place while it can
 * be, emu/window.h), the flash part behind the controller and its image, the --vcd tap, and
 * the DMA's view of memory (SRAM, peripherals, the window). The controller and the part are
 * whatever the board names (se_extmem): the machine drives them through se_memctl_ops and
 * se_flash_chip_class only. */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/inspect.h"

/* ---- the window as the CPU reaches it -------------------------------------------------- */

/* A window access the controller would not answer (not in memory-mapped mode, or beyond
 * the device): docs/hardware.md D.8 leaves what silicon does open; policy: a BusFault. */
static void window_fault(se_machine *m, uint32_t offset, unsigned size, bool write)
{
    if (m->tz_direct) { /* the host's or debugger's access: it fails, the CPU does not fault */
        m->direct_failed = true;
        return;
    }
    m->stop = STOP_MEMFAULT;
    m->mem_type = write ? UC_MEM_WRITE_UNMAPPED : UC_MEM_READ_UNMAPPED;
    m->mem_addr = m->ext->desc.window_base + offset;
    m->mem_size = size;
    m->mem_pc = mc_reg(m, UC_ARM_REG_PC);
    uc_emu_stop(m->uc);
}

static uint32_t ext_read(void *opaque, uint32_t offset, unsigned size)
{
    se_machine *m = opaque;
    extmem *x = m->ext;
    m->mmio_addr = x->desc.window_base + offset;
    m->mmio_write = false;
    if (!mc_tz_periph_ok(m, m->mmio_addr, false, size))
        return 0;
    if (!x->desc.ops->mem_ok(x->desc.ctl, offset)) {
        window_fault(m, offset, size, false);
        return 0;
    }
    uint32_t v = x->desc.ops->mem_read(x->desc.ctl, offset, size);
    /* Reads of this block may bypass the model from now on: remapped at the next block
     * boundary (a block hook stop; stopping here would leave PC at the block start). */
    if (se_window_read_seen(x->win, offset))
        m->st.next_event = 0;
    return v;
}

static void ext_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    se_machine *m = opaque;
    extmem *x = m->ext;
    m->mmio_addr = x->desc.window_base + offset;
    m->mmio_write = true;
    if (!mc_tz_periph_ok(m, m->mmio_addr, true, size))
        return;
    if (!x->desc.ops->mem_ok(x->desc.ctl, offset)) {
        window_fault(m, offset, size, true);
        return;
    }
    x->desc.ops->mem_write(x->desc.ctl, offset, value, size);
    se_window_check(x->win);
}

/* Memory-mapped reads of [off, off+len) of the window return the array unchanged (len > 0,
 * inside the part). */
static bool window_reads_array(const extmem *x, uint32_t off, uint32_t len)
{
    const se_memctl_ops *o = x->desc.ops;
    return o->mem_ok(x->desc.ctl, off) && o->mem_ok(x->desc.ctl, off + len - 1u) &&
           o->mem_direct(x->desc.ctl);
}

/* [addr, addr+len) lies in the part's array behind the window. */
static bool in_array(const extmem *x, uint32_t addr, uint64_t len, uint32_t *off)
{
    *off = addr - x->desc.window_base;
    return len && *off < x->desc.chip->size && len <= x->desc.chip->size - *off;
}

const uint8_t *mc_extmem_direct(se_machine *m, uint32_t addr, size_t len)
{
    extmem *x = m->ext;
    uint32_t off;
    if (!x || !in_array(x, addr, len, &off) || !window_reads_array(x, off, (uint32_t)len))
        return NULL;
    return se_flash_image_direct(x->img, off, (uint32_t)len);
}

static bool window_direct_ok(void *ctx, uint32_t off, uint32_t len)
{
    se_machine *m = ctx;
    return mc_tz_window_ok(m, m->ext->desc.window_base + off, len) &&
           window_reads_array(m->ext, off, len);
}

static const uint8_t *window_direct_ptr(void *ctx, uint32_t off, uint32_t len)
{
    se_machine *m = ctx;
    return se_flash_image_direct(m->ext->img, off, len);
}

static void window_after_write(void *ctx)
{
    se_window_check(ctx); /* a controller write may end in-place reads (one test if none) */
}

/* A store into a window block read in place (mapped read-only) stopped Unicorn 2.0.1 with
 * the registers as they were at the store and PC at the start of its block. The block goes
 * back on the model and the store runs again, through the model, from its own instruction;
 * the instructions the block hook counted from there on are counted when they run. */
bool mc_window_replay(se_machine *m, char *why, size_t len)
{
    uint32_t block = m->mem_pc, exact, a = m->mem_addr;
    const icache_slot *slot = &m->icache[(block >> 1) & (ICACHE_SLOTS - 1)];
    se_window_revert_at(m->ext->win, a);
    /* ICI/IT bits set: the store is inside an IT block, where a resume cannot start */
    if ((mc_reg(m, UC_ARM_REG_XPSR) & 0x0600FC00u) || !mc_exact_pc(m, block, a, true, &exact)) {
        snprintf(why, len,
                 "a write to 0x%08" PRIx32 " (memory-mapped flash read in place) could not be "
                 "replayed on the %s model from the block at 0x%08" PRIx32
                 ": run again with --exact-window",
                 a, m->ext->desc.name, block);
        return false;
    }
    if (slot->addr == block && exact - block < slot->size) {
        uint32_t n = block + slot->size - exact; /* the block's bytes from the store on */
        const uint8_t *rest = mc_host_ptr(m, exact, n);
        if (rest)
            m->st.cycles -= mc_count_insns_raw(rest, n);
    }
    mc_ring_cut(m, exact, false); /* --last */
    mc_set_reg(m, UC_ARM_REG_PC, exact | 1u);
    return true;
}

/* ---- --vcd tap: records each frame the controller sends, then hands it to the chip ------ */

static void vcd_tap_transfer(void *chip, se_flash_frame *f, uint64_t now_ns)
{
    se_machine *m = chip;
    extmem *x = m->ext;
    x->desc.chip->ops->transfer(x->chip, f, now_ns); /* first: a read's data comes from the chip */
    if (se_vcd_full(x->vcd))
        return;
    se_vcd_set_cs_high(x->vcd, x->desc.ops->cs_high_cycles(x->desc.ctl));
    se_vcd_frame(x->vcd, f, now_ns, x->desc.ops->bus_hz(x->desc.ctl));
    if (se_vcd_full(x->vcd) && m->opts.log) {
        char msg[600];
        snprintf(msg, sizeof msg,
                 "vcd: recorded the first %" PRIu64 " flash frames in %s; later ones are left "
                 "out (--vcd-limit N to change, 0 = all)",
                 se_vcd_frames(x->vcd), m->opts.vcd_path);
        m->opts.log(m->opts.log_ctx, SE_LOG_WARN, msg); /* about the output: not counted */
    }
}

static uint64_t vcd_tap_busy_until(const void *chip)
{
    const se_machine *m = chip;
    const se_flash_chip_ops *ops = m->ext->desc.chip->ops;
    return ops->busy_until ? ops->busy_until(m->ext->chip) : 0;
}

static bool vcd_tap_stream_shape(void *chip, uint8_t op, se_flash_stream_shape *out)
{
    se_machine *m = chip;
    const se_flash_chip_ops *ops = m->ext->desc.chip->ops;
    return ops->stream_shape && ops->stream_shape(m->ext->chip, op, out);
}

/* ---- building it ------------------------------------------------------------------------ */

static se_err open_image(se_machine *m, extmem *x, se_error *err)
{
    x->img = se_flash_image_new(x->desc.chip->size, 0xFF);
    if (!x->img)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory for the flash image");
    if (!m->opts.flash_image)
        return SE_OK;
    se_err e = se_flash_image_open_file(x->img, m->opts.flash_image, err);
    if (e)
        return e;
    const char *ro = se_flash_image_read_only(x->img);
    if (ro)
        mc_log(m, SE_LOG_WARN,
               "flash image %s is read-only (%s): opened for reading; erase, write and "
               "mass-erase are refused, reading, Verify and CheckSum work",
               m->opts.flash_image, ro);
    se_flash_journal_outcome jo = se_flash_image_journal_outcome(x->img);
    if (jo == SE_FLASH_JOURNAL_REPLAYED)
        mc_log(m, SE_LOG_WARN, "flash image: completed an interrupted sync from %s.journal",
               m->opts.flash_image);
    else if (jo == SE_FLASH_JOURNAL_DISCARDED)
        mc_log(m, SE_LOG_INFO, "flash image: discarded an incomplete journal %s.journal",
               m->opts.flash_image);
    return SE_OK;
}

se_err se_soc_add_extmem(se_soc *s, const se_extmem *d, se_error *err)
{
    return mc_extmem_add(s->m, d, err);
}

/* --log-flash as data: the part's command to the tools, or its line to the log. */
static void ext_flash_cmd(void *opaque, const se_flash_cmd *c)
{
    se_machine *m = opaque;
    if (m->opts.flash_cmd)
        m->opts.flash_cmd(m->opts.flash_cmd_ctx, c);
    else
        mc_log(m, SE_LOG_INFO, "%s", c->text);
}

se_err mc_extmem_add(se_machine *m, const se_extmem *d, se_error *err)
{
    if (m->ext)
        return se_error_set(err, SE_ERR_EMU, "%s: one external memory per board is modelled",
                            d->name);
    if (m->nafter >= MAX_AFTER_WRITE)
        return se_error_set(err, SE_ERR_EMU, "too many services after peripheral writes");
    extmem *x = m->ext = calloc(1, sizeof *x);
    if (!x)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    x->desc = *d;
    se_err e = open_image(m, x, err);
    if (e)
        return e;
    const se_flash_chip_class *chip = d->chip;
    m->periph_host.flash_cmd = ext_flash_cmd;
    x->chip = chip->create(&m->periph_host, x->img);
    if (!x->chip)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory for the flash model");
    chip->configure(x->chip, m->opts.log_flash, 8); /* 8 lines a kind; all still counted */
    if (m->opts.vcd_path) {                         /* --vcd tap */
        if (!(x->vcd = se_vcd_open_for(m->opts.vcd_path, d->name, err)))
            return err ? err->code : SE_ERR_IO;
        se_vcd_set_limit(x->vcd, m->opts.vcd_limit ? m->opts.vcd_limit : SE_VCD_DEFAULT_LIMIT);
        x->vcd_ops = *chip->ops;
        x->vcd_ops.transfer = vcd_tap_transfer;
        x->vcd_ops.busy_until = vcd_tap_busy_until;
        /* no reads in place under the tap (every frame is recorded); the chip's own
         * functions take the chip, not the machine */
        x->vcd_ops.reads_array = NULL;
        x->vcd_ops.stream_shape = chip->ops->stream_shape ? vcd_tap_stream_shape : NULL;
        d->ops->connect(d->ctl, (se_flash_port){&x->vcd_ops, m});
    } else {
        d->ops->connect(d->ctl, (se_flash_port){chip->ops, x->chip});
    }
    se_window_ops wo = {ext_read, ext_write, window_direct_ok, window_direct_ptr, m};
    bool in_place = !m->opts.exact_window && !m->opts.log_flash && !m->opts.vcd_path;
    uint32_t after = m->opts.window_after ? m->opts.window_after : WINDOW_IN_PLACE_AFTER;
    uint32_t dev = d->window_size < chip->size ? 0 : chip->size;
    e = se_window_new(m->uc, d->window_base, d->window_size, dev, in_place ? after : 0, &wo,
                      &x->win, err);
    if (e)
        return e;
    /* first after a peripheral write, as before any DMA service */
    memmove(&m->after[1], &m->after[0], m->nafter * sizeof m->after[0]);
    m->after[0] = (after_write){window_after_write, x->win};
    m->nafter++;
    return SE_OK;
}

void mc_extmem_free(se_machine *m)
{
    extmem *x = m->ext;
    if (!x)
        return;
    if (x->vcd) { /* --vcd tap */
        se_error ve;
        if (se_vcd_close(x->vcd, &ve) != SE_OK)
            mc_log(m, SE_LOG_WARN, "%s", ve.msg);
    }
    se_window_free(x->win);
    if (x->chip)
        x->desc.chip->destroy(x->chip);
    se_flash_image_free(x->img);
    free(x);
    m->ext = NULL;
}

void se_machine_window_stats(const se_machine *m, se_window_stats *st)
{
    if (m->ext)
        se_window_get_stats(m->ext->win, st);
    else
        memset(st, 0, sizeof *st);
}

void se_machine_flash_stats(const se_machine *m, se_flash_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!m->ext)
        return;
    const se_flash_chip_class *chip = m->ext->desc.chip;
    se_flash_stat kinds[SE_FLASH_KINDS_MAX];
    out->present = true;
    out->part = chip->name;
    out->nkinds =
        chip->stats(m->ext->chip, &out->frames, &out->warnings, kinds, SE_FLASH_KINDS_MAX);
    for (unsigned i = 0; i < out->nkinds; i++) {
        out->kinds[i].kind = kinds[i].kind;
        out->kinds[i].count = kinds[i].count;
    }
}

bool se_machine_flash_busy(const se_machine *m, se_flash_busy *out)
{
    memset(out, 0, sizeof *out);
    if (!m->ext || !m->ext->desc.chip->times)
        return false;
    se_flash_times t;
    m->ext->desc.chip->times(m->ext->chip, &t);
    *out = (se_flash_busy){t.page_ns, t.page, t.erase_4k_ns, t.erase_64k_ns, t.chip_ns};
    return true;
}

uint64_t se_flash_stats_count(const se_flash_stats *s, const char *kind)
{
    for (unsigned i = 0; i < s->nkinds; i++)
        if (strcmp(s->kinds[i].kind, kind) == 0)
            return s->kinds[i].count;
    return 0;
}

bool se_machine_flash_read_only(const se_machine *m, char *why, size_t len)
{
    const char *ro = m->ext && m->opts.flash_image ? se_flash_image_read_only(m->ext->img) : NULL;
    if (ro && why)
        snprintf(why, len, "flash image %s is read-only (%s)", m->opts.flash_image, ro);
    return ro != NULL;
}

se_err se_machine_sync_flash(se_machine *m, se_error *err)
{
    if (!m->ext || !m->opts.flash_image)
        return SE_OK;
    return se_flash_image_sync(m->ext->img, err);
}

/* ---- the DMA's view of memory (peripherals/dma.h) ----------------------------------------- */

/* The code cache must not keep blocks the DMA wrote over. */
static void dma_wrote(se_machine *m, uint32_t addr, uint32_t len)
{
    /* anywhere in SRAM: a loader may copy code by DMA and run it (~33 ns a call, measured) */
    uc_ctl_remove_cache(m->uc, addr, (uint64_t)addr + len);
}

/* The window's offset of addr, when the controller answers an access there now. */
static bool window_answers(se_machine *m, uint32_t addr, uint32_t *off)
{
    extmem *x = m->ext;
    if (!x)
        return false;
    *off = addr - x->desc.window_base;
    return *off < x->desc.window_size && x->desc.ops->mem_ok(x->desc.ctl, *off);
}

static bool dma_read(void *ctx, uint32_t addr, unsigned size, bool secure, uint32_t *v)
{
    se_machine *m = ctx;
    dma_verdict tv = mc_tz_dma(m, addr, false, secure);
    *v = 0;
    if (tv != DMA_GO)
        return tv == DMA_RAZWI;
    const uint8_t *h = mc_host_ptr(m, addr, size);
    uint32_t off;
    if (h) {
        memcpy(v, h, size);
        return true;
    }
    if (mc_in_periph(m, addr)) {
        *v = se_bus_read(m->bus, addr, size);
        return true;
    }
    if (window_answers(m, addr, &off)) {
        *v = m->ext->desc.ops->mem_read(m->ext->desc.ctl, off, size);
        return true;
    }
    return false;
}

static bool dma_write(void *ctx, uint32_t addr, unsigned size, bool secure, uint32_t v)
{
    se_machine *m = ctx;
    dma_verdict tv = mc_tz_dma(m, addr, true, secure);
    uint32_t off;
    if (tv != DMA_GO)
        return tv == DMA_RAZWI;
    if (mc_in_sram(m, addr)) {
        uint8_t *h = (uint8_t *)mc_host_ptr(m, addr, size);
        if (!h)
            return false;
        memcpy(h, &v, size);
        dma_wrote(m, addr, size);
        return true;
    }
    if (mc_in_periph(m, addr)) {
        se_bus_write(m->bus, addr, v, size);
        if (m->ext)
            se_window_check(m->ext->win);
        return true;
    }
    if (window_answers(m, addr, &off)) {
        m->ext->desc.ops->mem_write(m->ext->desc.ctl, off, v, size);
        se_window_check(m->ext->win);
        return true;
    }
    return false; /* internal flash (read-only to masters), unmapped */
}

/* Plain memory the DMA may copy in one go: SRAM, or the window while its reads return the
 * array unchanged, where TrustZone lets the channel through. */
static uint8_t *dma_span(void *ctx, uint32_t addr, uint32_t len, bool write, bool secure)
{
    se_machine *m = ctx;
    if (!len || !mc_tz_dma_range_ok(m, addr, len, write, secure))
        return NULL; /* item by item: each refusal is then handled and named */
    if (mc_in_sram(m, addr)) {
        uint8_t *h = (uint8_t *)mc_host_ptr(m, addr, len);
        if (h && write)
            dma_wrote(m, addr, len);
        return h;
    }
    extmem *x = m->ext;
    uint32_t off;
    /* Not while each frame must reach the models (--exact-window, --log-flash, --vcd): there
     * the window is read item by item, as the CPU's reads are (tests/test_exact.c). */
    bool frames = m->opts.exact_window || m->opts.log_flash || m->opts.vcd_path;
    if (!write && x && !frames && in_array(x, addr, len, &off) && window_reads_array(x, off, len)) {
        x->desc.ops->mem_touch(x->desc.ctl); /* BUSY from now on, as item by item */
        return (uint8_t *)se_flash_image_direct(x->img, off, len);
    }
    return NULL;
}

static uint32_t dma_request(void *ctx, unsigned req)
{
    se_machine *m = ctx;
    for (unsigned i = 0; i < m->ndmareq; i++)
        if (m->dmareq[i].line == req)
            return m->dmareq[i].ops->dma_ready(m->dmareq[i].ctl);
    return 0;
}

/* A memory controller's data register (either alias, any byte lane of it) takes or gives a
 * byte stream, when TrustZone lets the channel reach it. */
static bool dma_stream(void *ctx, uint32_t addr, unsigned size, uint8_t *buf, uint32_t n,
                       bool write, bool secure)
{
    se_machine *m = ctx;
    const se_bus_device *d = se_bus_find(m->bus, addr);
    if (!d || !mc_tz_dma_range_ok(m, addr, 1, write, secure))
        return false;
    for (unsigned i = 0; i < m->ndmareq; i++) {
        const se_memctl_ops *o = m->dmareq[i].ops;
        if (d->state == m->dmareq[i].ctl &&
            ((addr - d->base) & (d->size - 1u) & ~3u) == o->dr_offset) {
            o->dr_stream(m->dmareq[i].ctl, buf, n * size, write);
            return true;
        }
    }
    return false;
}

static void dma_after_write(void *ctx)
{
    se_dma_service(ctx); /* a write may raise a DMA request (one test if no channel runs) */
}

se_dma *se_soc_attach_dma(se_soc *s, uint32_t base, uint32_t size, se_error *err)
{
    se_machine *m = s->m;
    if (m->nafter >= MAX_AFTER_WRITE)
        return se_error_set(err, SE_ERR_EMU, "too many services after peripheral writes"), NULL;
    se_dma *dma = se_soc_attach(s, &se_dma_class, "DMA", base, size, err);
    if (!dma)
        return NULL;
    dma->host = &m->periph_host;
    dma->base = base;
    dma->bus = (se_dma_bus_ops){dma_read, dma_write, dma_span, dma_stream, dma_request, m};
    if (m->opts.no_dma_span) { /* --no-dma-span / --exact: every item a bus access */
        dma->bus.span = NULL;
        dma->bus.stream = NULL;
    }
    m->dma = dma;
    m->after[m->nafter++] = (after_write){dma_after_write, dma};
    return dma;
}

void se_soc_dma_request(se_soc *s, unsigned line, const se_memctl_ops *ops, void *ctl)
{
    se_machine *m = s->m;
    if (m->ndmareq < sizeof m->dmareq / sizeof m->dmareq[0])
        m->dmareq[m->ndmareq++] = (typeof(m->dmareq[0])){line, ops, ctl};
}
