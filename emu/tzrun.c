/* TrustZone enforcement on the running machine: the loader's accesses checked by emu/tz.c's
 * rules, SRAM and internal flash pages carved out where something is refused, refusals named
 * with the layer that decided them and what to change, the GTZC registers on the bus. */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- TrustZone ------------------------------------------------------------------------
 * Unicorn's core is always Secure and cannot be switched to Non-secure through its API, so
 * the security state of the loader exists only in our checks: m->st.cpu_secure is what
 * se_tz_check is told for every access and fetch. With TZEN=0 nothing is checked. Peripherals
 * and the OCTOSPI window are MMIO already and check each access. SRAM and the internal flash
 * are checked per 1 KiB page: a page every access to which is allowed stays plain memory
 * (no cost); a page where something is refused is carved out as MMIO whose callbacks decide
 * each access; fetches are tested in the block hook with one load. The page table is
 * recomputed when the SAU or GTZC registers change, at the next block boundary. */

/* What to change, after a refusal's reason: "; layer X: ..." (one clause). */
void mc_tz_hint(const se_machine *m, const se_tz_outcome *o, uint32_t addr, char *buf, size_t len)
{
    const se_profile *p = m->prof;
    bool sram = addr - p->sram.base < p->sram.size || addr - p->sram_alias < p->sram.size;
    /* Below the BKPT word or above the host's RAM window: not the image, its stack or the
     * host's buffer (those above the image are the host's, not a relocation's). */
    uint32_t na = addr - p->sram_alias < p->sram.size ? addr - p->sram_alias + p->sram.base : addr;
    bool outside = sram && m->image_end && (na < m->image_base - 4u || na >= p->ram_end);
    char rel[200] = "";
    if (outside)
        snprintf(rel, sizeof rel,
                 " (outside the downloaded image: an absolute address from a "
                 "link address the host did not load at? link the loader at the profile's "
                 "load base (0x%08" PRIx32 "))",
                 p->load_base);
    switch (o->layer) {
    case SE_TZ_LAYER_SAU:
        snprintf(buf, len, "; refused by the SAU/IDAU%s: %s", rel,
                 o->sfsr & (SE_SFSR_INVEP | SE_SFSR_AUVIOL)
                     ? "use memory the SAU makes non-secure, or run the loader Secure"
                     : "a Secure loader must not run from non-secure memory");
        break;
    case SE_TZ_LAYER_ALIAS:
        snprintf(buf, len,
                 "; refused by the alias policy: use the secure alias (0x3..., "
                 "0x5...) or alias=pass");
        break;
    case SE_TZ_LAYER_MPCBB1:
    case SE_TZ_LAYER_MPCBB2:
        snprintf(buf, len,
                 "; refused by the GTZC MPCBB%s: give the block the loader's "
                 "security (profile mpcbb_ns=)",
                 rel);
        break;
    case SE_TZ_LAYER_MPCWM1:
    case SE_TZ_LAYER_MPCWM2:
    case SE_TZ_LAYER_MPCWM3:
        snprintf(buf, len,
                 "; refused by the GTZC MPCWM: open a non-secure window over it "
                 "(profile mpcwm_ns=START:END) or run the loader Secure");
        break;
    case SE_TZ_LAYER_TZSC:
        snprintf(buf, len,
                 "; refused by the GTZC TZSC: clear the peripheral's SECCFGR bit "
                 "or run the loader Secure");
        break;
    case SE_TZ_LAYER_GTZC:
        snprintf(buf, len, "; refused by the GTZC: only Secure code may do this");
        break;
    default: buf[0] = '\0';
    }
}

static void tz_log_refusal(se_machine *m, const se_tz_outcome *o, uint32_t addr)
{
    char sym[128];
    uint32_t pc = mc_host_pc(m);
    mc_fmt_addr(m, pc, sym, sizeof sym);
    char hint[300];
    mc_tz_hint(m, o, addr, hint, sizeof hint);
    mc_set_cause(m, "%s at %s%s", o->reason, sym, hint);
    /* Logged once per instruction and layer (not per address: a loop over a refused buffer
     * would log every byte). */
    if (mc_first_time(m, (pc ^ ((uint32_t)o->layer << 27)) ^ 0xA0000000u))
        mc_log(m, SE_LOG_WARN, "%s at %s%s", o->reason, sym, hint);
}

/* A refused data access in an MMIO callback (m->mmio_addr/mmio_write set). ILLEGAL: RAZ/WI,
 * TZIC flag, logged once, kept as the call's first cause. Faults: recorded and raised at the
 * block boundary (STOP_MEMFAULT), like the other MMIO-raised faults. */
static void tz_refuse(se_machine *m, const se_tz_outcome *o, uint32_t addr, bool write,
                      unsigned size)
{
    if (se_tz_flag(&m->st.tz.gtzc, o))
        mc_tz_pend_gtzc_irq(m);
    if (o->verdict == SE_TZ_ILLEGAL) {
        tz_log_refusal(m, o, addr);
        return;
    }
    if (m->stop == STOP_MEMFAULT || m->tz_fault)
        return; /* the first one is raised */
    m->tz_fault = true;
    m->tz_out = *o;
    m->stop = STOP_MEMFAULT;
    m->mem_type = write ? UC_MEM_WRITE_PROT : UC_MEM_READ_PROT;
    m->mem_addr = addr;
    m->mem_size = size;
    m->mem_pc = mc_reg(m, UC_ARM_REG_PC);
    uc_emu_stop(m->uc);
}

/* Allowed peripheral accesses are remembered per 32-byte granule (the SAU's), access kind and
 * security state until anything that decides them changes (mc_tz_sau_written: SAU, GTZC and
 * state; mc_tz_remap: snapshots): a HAL-style loader makes one or two peripheral accesses per
 * byte it moves, and the full check (IDAU, SAU, GTZC) cost ~480 host instructions each. */
bool mc_tz_periph_ok(se_machine *m, uint32_t addr, bool write, unsigned size)
{
    if (!m->st.tz.tzen || m->tz_direct)
        return true;
    uint32_t key = (addr & ~31u) | 16u | (write ? 2u : 0u) | (m->st.cpu_secure ? 1u : 0u);
    tz_ok_slot *c = &m->tz_ok[(addr >> 5) & (TZ_OK_SLOTS - 1u)];
    if (c->gen == m->tz_gen && c->key == key)
        return true;
    se_tz_outcome o;
    if (se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr, write, false, &o) == SE_TZ_OK) {
        *c = (tz_ok_slot){key, m->tz_gen};
        return true;
    }
    tz_refuse(m, &o, addr, write, size);
    return false;
}

void mc_tz_sau_written(se_machine *m)
{
    m->tz_gen++; /* mc_tz_periph_ok's remembered answers */
    if (!m->st.tz.tzen)
        return;
    m->tz_dirty = true;
    m->st.next_event = 0; /* stop at the next block boundary, where the pages are recomputed */
    if (m->ext)
        se_window_check(m->ext->win); /* the window's security may have changed with it */
}

/* Fetch check at a block start (pages with TZ_PG_FETCH only). */
bool mc_tz_fetch_refused(se_machine *m, uint32_t addr)
{
    uint8_t f = 0;
    for (unsigned i = 0; i < 4; i++) {
        const tz_area *a = &m->tz_areas[i];
        if (a->flags && addr - a->base < a->size) {
            f = a->flags[(addr - a->base) >> TZ_PAGE_SHIFT];
            break;
        }
    }
    if (!(f & TZ_PG_FETCH))
        return false;
    se_tz_outcome o;
    se_tz_verdict v = se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr, false, true, &o);
    if (v == SE_TZ_OK)
        return false;
    if (v == SE_TZ_SG_REQUIRED) {
        const uint8_t *p = mc_host_ptr(m, addr, 4);
        if (p && se_tz_is_sg((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24))
            return false;
    }
    se_tz_flag(&m->st.tz.gtzc, &o);
    m->tz_fault = true;
    m->tz_out = o;
    m->stop = STOP_MEMFAULT;
    m->mem_type = UC_MEM_FETCH_PROT;
    m->mem_addr = addr;
    m->mem_size = 2;
    m->mem_pc = addr;
    return true;
}

static void tz_raw_read(const tz_run *r, uint32_t off, unsigned size, uint64_t *v)
{
    uint32_t x = 0;
    memcpy(&x, r->ptr + off, size <= 4 ? size : 4);
    *v = x;
}

static uint64_t tz_mem_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    tz_run *r = user;
    se_machine *m = r->m;
    uint32_t addr = r->base + (uint32_t)offset;
    uint64_t v = 0;
    if (!m->tz_direct) {
        m->mmio_addr = addr;
        m->mmio_write = false;
        se_tz_outcome o;
        if (se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr, false, false, &o) !=
            SE_TZ_OK) {
            tz_refuse(m, &o, addr, false, size);
            return 0;
        }
    }
    tz_raw_read(r, (uint32_t)offset, size, &v);
    return v;
}

static void tz_mem_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    tz_run *r = user;
    se_machine *m = r->m;
    uint32_t addr = r->base + (uint32_t)offset;
    if (!m->tz_direct) {
        m->mmio_addr = addr;
        m->mmio_write = true;
        se_tz_outcome o;
        if (se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr, true, false, &o) !=
            SE_TZ_OK) {
            tz_refuse(m, &o, addr, true, size);
            return;
        }
        if (r->flash) { /* as on plain flash pages: the CPU cannot write the flash */
            if (m->stop != STOP_MEMFAULT) {
                m->stop = STOP_MEMFAULT;
                m->mem_type = UC_MEM_WRITE_PROT;
                m->mem_addr = addr;
                m->mem_size = size;
                m->mem_pc = mc_reg(m, UC_ARM_REG_PC);
                uc_emu_stop(m->uc);
            }
            return;
        }
    }
    uint32_t x = (uint32_t)value;
    memcpy(r->ptr + offset, &x, size <= 4 ? size : 4);
}

/* Whether everything in [addr, addr + TZ_PAGE) is decided alike: no SAU region boundary and
 * no MPCBB block boundary with a different bit inside the page. */
/* Some enabled SAU region starts or ends strictly inside [addr, addr + len). */
static bool sau_boundary_inside(const se_machine *m, uint32_t addr, uint32_t len)
{
    if (!(m->st.scs.sau_ctrl & 1u))
        return false;
    for (unsigned i = 0; i < 8; i++) {
        uint32_t rlar = m->st.scs.sau_rlar[i];
        if (!(rlar & 1u))
            continue;
        uint32_t b = m->st.scs.sau_rbar[i] & ~0x1Fu, e = (rlar | 0x1Fu) + 1u;
        if ((b - addr - 1u) < len - 1u || (e && (e - addr - 1u) < len - 1u))
            return true;
    }
    return false;
}

static bool tz_page_uniform(const se_machine *m, uint32_t addr)
{
    if (sau_boundary_inside(m, addr, TZ_PAGE))
        return false;
    bool first = se_tz_mpcbb_secure(&m->st.tz.gtzc, addr);
    for (uint32_t off = 256; off < TZ_PAGE; off += 256)
        if (se_tz_mpcbb_secure(&m->st.tz.gtzc, addr + off) != first)
            return false;
    return true;
}

static uint8_t tz_page_flags(se_machine *m, uint32_t addr)
{
    if (!tz_page_uniform(m, addr))
        return TZ_PG_DATA | TZ_PG_FETCH;
    se_tz_outcome o;
    uint8_t f = 0;
    if (se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr, false, false, &o) != SE_TZ_OK ||
        se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr, true, false, &o) != SE_TZ_OK)
        f |= TZ_PG_DATA;
    if (se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr, false, true, &o) != SE_TZ_OK)
        f |= TZ_PG_FETCH;
    return f;
}

/* Recompute the page table and carve / restore pages to match. */
se_err mc_tz_remap(se_machine *m, se_error *err)
{
    m->tz_dirty = false;
    m->tz_gen++;
    m->tz_fetch_any = false;
    memset(m->icache, 0, sizeof m->icache); /* SLOT_FETCH_OK was decided by the old state */
    for (unsigned i = 0; i < 4; i++) {
        tz_area *a = &m->tz_areas[i];
        if (!a->flags)
            continue;
        uint32_t np = a->size >> TZ_PAGE_SHIFT;
        bool changed = false;
        /* restore every carved run as plain memory */
        for (uint32_t p = 0; p < np; p++) {
            if (!a->run[p])
                continue;
            uint32_t b = a->base + (p << TZ_PAGE_SHIFT), len = (uint32_t)a->run[p] << TZ_PAGE_SHIFT;
            uc_err ue = uc_mem_unmap(m->uc, b, len);
            if (ue == UC_ERR_OK)
                ue = uc_mem_map_ptr(m->uc, b, len, a->perms, a->ptr + (p << TZ_PAGE_SHIFT));
            if (ue != UC_ERR_OK)
                return mc_uc_fail(err, ue, "TrustZone: restore a page");
            a->run[p] = 0;
            changed = true;
        }
        for (uint32_t p = 0; p < np; p++) {
            a->flags[p] = m->st.tz.tzen ? tz_page_flags(m, a->base + (p << TZ_PAGE_SHIFT)) : 0;
            if (a->flags[p] & TZ_PG_FETCH)
                m->tz_fetch_any = true;
        }
        /* carve runs of pages with refused data accesses */
        for (uint32_t p = 0; p < np;) {
            if (!(a->flags[p] & TZ_PG_DATA)) {
                p++;
                continue;
            }
            uint32_t q = p;
            while (q < np && (a->flags[q] & TZ_PG_DATA) && q - p < 0xFFFFu)
                q++;
            uint32_t b = a->base + (p << TZ_PAGE_SHIFT), len = (q - p) << TZ_PAGE_SHIFT;
            tz_run *r = &a->ctx[p];
            *r = (tz_run){m, b, a->ptr + (p << TZ_PAGE_SHIFT), !(a->perms & UC_PROT_WRITE)};
            uc_err ue = uc_mem_unmap(m->uc, b, len);
            if (ue == UC_ERR_OK)
                ue = uc_mmio_map(m->uc, b, len, tz_mem_read, r, tz_mem_write, r);
            if (ue != UC_ERR_OK)
                return mc_uc_fail(err, ue, "TrustZone: carve a page");
            a->run[p] = (uint16_t)(q - p);
            changed = true;
            p = q;
        }
        if (changed)
            uc_ctl_remove_cache(m->uc, a->base, (uint64_t)a->base + a->size);
    }
    mc_update_block_want(m);
    return SE_OK;
}

/* The profile's TrustZone set-up: SAU regions, MPCBB and MPCWM non-secure ranges, policies. */
void mc_tz_apply_profile(se_machine *m, const se_profile *p)
{
    se_tz_config_reset(&m->st.tz, p->tz);
    m->st.cpu_secure = p->tz && p->secure;
    m->st.scs.tz = p->tz;
    m->st.scs.home_secure = m->st.scs.run_secure = m->st.cpu_secure;
    m->st.scs.bfhfnmins = false;
    if (!p->tz)
        return;
    m->st.scs.bfhfnmins = p->bfhfnmins; /* 0 at reset, and ST's template leaves it so */
    /* The other state's VTOR: VTOR_S of a Non-secure loader is the Secure image's table
     * (profile vtor_s; by default the secure alias of the internal flash, docs/hardware.md
     * C.6); VTOR_NS of a Secure loader is not known (0). */
    m->st.scs.other.vtor = p->secure ? 0u : (p->vtor_s ? p->vtor_s : p->iflash_alias) & ~0x7Fu;
    m->st.tz.alias = p->alias_illegal ? SE_TZ_ALIAS_ILLEGAL : SE_TZ_ALIAS_PASS;
    m->st.tz.illegal = p->gtzc_buserr ? SE_TZ_ILLEGAL_BUSERR : SE_TZ_ILLEGAL_RAZWI;
    if (p->nsau) {
        for (unsigned i = 0; i < 8; i++) {
            m->st.scs.sau_rbar[i] = m->st.scs.sau_rlar[i] = 0;
            if (i < p->nsau && p->sau[i].limit > p->sau[i].base) {
                m->st.scs.sau_rbar[i] = p->sau[i].base & ~0x1Fu;
                m->st.scs.sau_rlar[i] = (p->sau[i].limit & ~0x1Fu) | (p->sau[i].nsc ? 2u : 0u) | 1u;
            }
        }
        m->st.scs.sau_ctrl = 1u;
    }
    for (unsigned i = 0; i < p->nmpcbb_ns; i++)
        for (uint64_t a = p->mpcbb_ns[i].start & ~0xFFu; a < p->mpcbb_ns[i].end; a += 256) {
            unsigned b;
            int k = se_tz_mpcbb_block((uint32_t)a, &b);
            if (k >= 0)
                m->st.tz.gtzc.mpcbb[k].vctr[b / 32] &= ~(1u << (b % 32));
        }
    unsigned used[4] = {0, 0, 0, 0};
    for (unsigned i = 0; i < p->nmpcwm_ns; i++) {
        unsigned bank = se_tz_mpcwm_bank(p->mpcwm_ns[i].start);
        uint32_t off = p->mpcwm_ns[i].start & 0x0FFFFFFFu;
        uint64_t len = (uint64_t)p->mpcwm_ns[i].end - p->mpcwm_ns[i].start;
        uint32_t g0 = off / SE_TZ_MPCWM_GRANULE;
        uint32_t n = (uint32_t)((len + SE_TZ_MPCWM_GRANULE - 1) / SE_TZ_MPCWM_GRANULE);
        unsigned first = bank == 1 ? 0 : bank == 2 ? 2 : 4, max = bank == 3 ? 1 : 2;
        if (!bank || used[bank] >= max)
            continue;
        m->st.tz.gtzc.mpcwm[first + used[bank]++] = (g0 & 0x7FFu) | ((n & 0xFFFu) << 16);
    }
}

/* The GTZC registers on the bus: one device forwarding to m->st.tz.gtzc (the state the checks
 * read). Non-secure writes are refused before the bus (se_tz_check, GTZC_CFG). */
typedef struct gtzc_dev {
    se_machine *m;
} gtzc_dev;

static uint32_t gtzc_dev_read(void *state, uint32_t offset, unsigned size)
{
    gtzc_dev *d = state;
    uint32_t v = 0;
    if (!d->m)
        return 0;
    se_tz_gtzc_read(&d->m->st.tz.gtzc, SE_TZ_GTZC_TZSC + (offset & ~3u), &v);
    v >>= 8u * (offset & 3u);
    return size < 4 ? v & ((1u << (8 * size)) - 1u) : v;
}

static void gtzc_dev_write(void *state, uint32_t offset, uint32_t value, unsigned size)
{
    gtzc_dev *d = state;
    if (!d->m)
        return;
    uint32_t a = SE_TZ_GTZC_TZSC + (offset & ~3u), v = value;
    if (size < 4) { /* read-modify-write of the byte lanes */
        uint32_t old = 0, sh = 8u * (offset & 3u), mask = ((1u << (8 * size)) - 1u) << sh;
        se_tz_gtzc_read(&d->m->st.tz.gtzc, a, &old);
        v = (old & ~mask) | ((value << sh) & mask);
    }
    se_tz_gtzc_write(&d->m->st.tz.gtzc, a, v);
    mc_tz_sau_written(d->m);
}

static const se_periph_class gtzc_dev_class = {
    .name = "GTZC",
    .state_size = sizeof(gtzc_dev),
    .read = gtzc_dev_read,
    .write = gtzc_dev_write,
};

se_err se_soc_attach_gtzc(se_soc *s, uint32_t base, se_error *err)
{
    gtzc_dev *gd = se_soc_attach(s, &gtzc_dev_class, "GTZC", base, 0x1000u, err);
    if (!gd)
        return err->code;
    gd->m = s->m;
    return SE_OK;
}

/* A fault se_tz_check decided (m->tz_out), raised at the instruction that made it. */
entry_result mc_tz_fault_enter(se_machine *m)
{
    se_tz_outcome o = m->tz_out;
    m->tz_fault = false;
    mc_tz_hint(m, &o, m->mem_addr, m->cause_suffix, sizeof m->cause_suffix);
    unsigned exc = se_tz_fault_regs(&m->st.scs, &o);
    if (!exc)
        exc = SE_EXC_HARDFAULT;
    uint32_t a = m->mem_addr;
    if (m->mem_type == UC_MEM_FETCH_PROT)
        return mc_fault(m, exc, 0, a, o.reason);
    uint32_t block = m->mem_pc, exact;
    if (mc_exact_pc(m, block, a, m->mem_type == UC_MEM_WRITE_PROT, &exact)) {
        mc_ring_cut(m, exact, true); /* --last */
        return mc_fault(m, exc, 0, exact, o.reason);
    }
    return mc_fault_at(m, exc, 0, block, o.reason, "in the block at");
}

/* Turn a memory fault into the architectural fault. */

/* ---- the DMA and the window under TrustZone ---- */

/* TrustZone for a DMA access: the GTZC judges the channel's transaction (no SAU: that sits
 * in the CPU). An illegal access reads as zero or is dropped, with its TZIC flag, as for the
 * CPU (docs/hardware.md D.2), logged once per target; under the bus-error policy it is a DMA
 * transfer error. */
dma_verdict mc_tz_dma(se_machine *m, uint32_t addr, bool write, bool secure)
{
    if (!m->st.tz.tzen)
        return DMA_GO;
    se_tz_outcome o;
    se_tz_verdict v = se_tz_check_master(&m->st.tz, secure, addr, write, &o);
    if (v == SE_TZ_OK)
        return DMA_GO;
    if (se_tz_flag(&m->st.tz.gtzc, &o))
        mc_tz_pend_gtzc_irq(m);
    /* Named like the CPU's refusals (the call's first cause, logged once per instruction and
     * layer), at the instruction whose register write started the transfer. */
    char sym[128], hint[300];
    uint32_t pc = mc_host_pc(m);
    mc_fmt_addr(m, pc, sym, sizeof sym);
    mc_tz_hint(m, &o, addr, hint, sizeof hint);
    mc_set_cause(m, "DMA: %s in a transfer started at %s%s", o.reason, sym, hint);
    if (mc_first_time(m, (pc ^ ((uint32_t)o.layer << 27)) ^ 0xB0000000u))
        mc_log(m, SE_LOG_WARN, "DMA: %s in a transfer started at %s%s", o.reason, sym, hint);
    return v == SE_TZ_ILLEGAL ? DMA_RAZWI : DMA_BUSERR;
}

/* TrustZone lets the channel's transactions through everywhere in [addr, addr+len): checked
 * every 256 bytes (the MPCBB block; MPCWM granules are larger). */
bool mc_tz_dma_range_ok(se_machine *m, uint32_t addr, uint32_t len, bool write, bool secure)
{
    if (!m->st.tz.tzen)
        return true;
    se_tz_outcome o;
    for (uint64_t a = addr & ~0xFFu; a < (uint64_t)addr + len; a += 0x100u)
        if (se_tz_check_master(&m->st.tz, secure, (uint32_t)a, write, &o) != SE_TZ_OK)
            return false;
    return true;
}

/* TrustZone: reads of [addr, addr+len) by the loader all pass the same checks: no SAU
 * region boundary inside, and each MPCWM granule (128 KiB) allowed. */
bool mc_tz_window_ok(se_machine *m, uint32_t addr, uint32_t len)
{
    if (!m->st.tz.tzen)
        return true;
    if (sau_boundary_inside(m, addr, len))
        return false;
    for (uint32_t g = 0; g < len; g += 0x20000u) {
        se_tz_outcome o;
        if (se_tz_check(&m->st.tz, &m->st.scs, m->st.cpu_secure, addr + g, false, false, &o) !=
            SE_TZ_OK)
            return false;
    }
    return true;
}

/* The GTZC's illegal-access interrupt (TZIC) is pending: taken at the next block boundary
 * if it can be. */
void mc_tz_pend_gtzc_irq(se_machine *m)
{
    m->st.scs.pending[SE_EXC_IRQ0 + SE_TZ_GTZC_IRQ] = true;
    if (mc_takeable(m))
        m->st.next_event = 0;
}

/* ---- page tables ---- */

/* The page tables of SRAM and internal flash (both aliases; init_cpu set their ranges), and
 * the pages carved out as the profile's TrustZone set-up requires. */
se_err mc_tz_init_pages(se_machine *m, se_error *err)
{
    for (size_t i = 0; i < 4; i++) {
        tz_area *a = &m->tz_areas[i];
        uint32_t np = a->size >> TZ_PAGE_SHIFT;
        a->flags = calloc(np, 1);
        a->run = calloc(np, sizeof(uint16_t));
        a->ctx = calloc(np, sizeof(tz_run));
        if (!a->flags || !a->run || !a->ctx)
            return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    }
    return m->prof->tz ? mc_tz_remap(m, err) : SE_OK;
}

void mc_tz_free(se_machine *m)
{
    for (unsigned i = 0; i < 4; i++) {
        free(m->tz_areas[i].flags);
        free(m->tz_areas[i].run);
        free(m->tz_areas[i].ctx);
    }
}
