/* Static checks of an external loader: see lint.h. The facts behind each check are in
 * docs/protocol.md (sections and failure modes are named in the messages). */
#include "loader/stackuse.h"
#include "loader/lint.h"

#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "loader/flm.h"
#include "emu/board.h"
#include "loader/origin.h"
#include "loader/host.h" /* se_host_rule_sp */

#define VTOR_ADDR 0xE000ED08u
#define STACK_MARGIN 0x100u /* the stack needs at least this much above the image */
#define MAX_VECTOR_TABLES 4
#define MAX_VECTORS 256u

typedef struct lint_ctx {
    const se_stldr *l;
    const se_profile *p;
    se_lint_finding *out;
    size_t max, n;
    const se_image *img; /* NULL when the download plan failed */
} lint_ctx;

static void add(lint_ctx *c, se_lint_level level, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(lint_ctx *c, se_lint_level level, const char *code, const char *fmt, ...)
{
    if (c->n < c->max) {
        se_lint_finding *f = &c->out[c->n];
        f->level = level;
        snprintf(f->code, sizeof f->code, "%s", code);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->msg, sizeof f->msg, fmt, ap);
        va_end(ap);
    }
    c->n++;
}

const char *se_lint_level_name(se_lint_level level)
{
    switch (level) {
    case SE_LINT_INFO: return "info";
    case SE_LINT_WARN: return "warning";
    case SE_LINT_ERROR: return "error";
    }
    return "?";
}

int se_lint_exit_code(const se_lint_finding *f, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].level == SE_LINT_ERROR)
            return SE_LINT_EXIT_ERROR;
        if (f[i].level == SE_LINT_WARN)
            rc = SE_LINT_EXIT_WARN;
    }
    return rc;
}

/* ---- helpers ------------------------------------------------------------------------- */

static const char *type_name(unsigned t)
{
    static const char *const names[] = {"?",         "MCU_FLASH", "NAND_FLASH", "NOR_FLASH",
                                        "SRAM",      "PSRAM",     "PC_CARD",    "SPI_FLASH",
                                        "I2C_FLASH", "SDRAM",     "I2C_EEPROM"};
    return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

typedef struct named_region {
    const char *name;
    uint64_t base, end; /* [base, end) */
} named_region;

static bool overlaps(uint64_t lo, uint64_t hi, uint64_t rlo, uint64_t rhi)
{
    return lo < rhi && rlo < hi;
}

static bool inside(uint64_t lo, uint64_t hi, uint64_t rlo, uint64_t rhi)
{
    return lo >= rlo && hi <= rhi;
}

/* Case-insensitive "contains". */
static bool contains_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i]) {
            char a = s[i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (a != b)
                break;
            i++;
        }
        if (i == n)
            return true;
    }
    return false;
}

static bool downloaded(const se_segment *s) { return !s->metadata && s->filesz > 0; }

/* The 32-bit word at link address a in the downloaded image, if the image holds it. */
static bool image_word(const lint_ctx *c, uint32_t a, uint32_t *v)
{
    const se_image *img = c->img;
    if (!img || a < img->link_base || (uint64_t)a + 4 > (uint64_t)img->link_base + img->size)
        return false;
    const uint8_t *b = img->bytes + (a - img->link_base);
    *v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
    return true;
}

/* Link address of the first word-aligned literal equal to value in the image, or 0. */
static uint32_t find_literal(const lint_ctx *c, uint32_t value)
{
    const se_image *img = c->img;
    if (!img)
        return 0;
    uint32_t a = (img->link_base + 3u) & ~3u, v;
    for (; image_word(c, a, &v); a += 4)
        if (v == value)
            return a;
    return 0;
}

/* The halfword at link address a in the image. */
static bool image_half(const lint_ctx *c, uint32_t a, uint16_t *v)
{
    const se_image *img = c->img;
    if (!img || a < img->link_base || (uint64_t)a + 2 > (uint64_t)img->link_base + img->size)
        return false;
    const uint8_t *b = img->bytes + (a - img->link_base);
    *v = (uint16_t)(b[0] | (b[1] << 8));
    return true;
}

/* A store of a register to [rn, #off] at address a: STR (T1, immediate) or STR.W (T3). */
static bool is_str_imm(const lint_ctx *c, uint32_t a, int rn, uint32_t off)
{
    uint16_t h, h2;
    if (!image_half(c, a, &h))
        return false;
    if ((h & 0xF800u) == 0x6000u)
        return (rn < 0 || (int)((h >> 3) & 7u) == rn) && ((h >> 6) & 31u) * 4u == off;
    if ((h & 0xFFF0u) == 0xF8C0u && image_half(c, a + 2, &h2))
        return (rn < 0 || (int)(h & 0xFu) == rn) && (h2 & 0x0FFFu) == off;
    return false;
}

/* Where the code appears to write VTOR (0xE000ED08), or 0. Three forms, as compilers emit
 * them: the address itself as a literal; a STR.W to [Rn, #0xD08] (Rn = the SCS base
 * 0xE000E000, built with MOV.W); an LDR of the SCB base 0xE000ED00 or the SCS base from a
 * literal followed shortly by a store to [that register, #8 or #0xD08]. */
static uint32_t find_vtor_write(const lint_ctx *c, const char **how)
{
    const se_image *img = c->img;
    if (!img)
        return 0;
    uint32_t a = find_literal(c, VTOR_ADDR);
    if (a) {
        *how = "the literal 0xE000ED08";
        return a;
    }
    uint32_t end = img->link_base + img->size;
    for (a = (img->link_base + 1u) & ~1u; a + 2 <= end; a += 2) {
        uint16_t h;
        if (!image_half(c, a, &h))
            break;
        if (is_str_imm(c, a, -1, 0xD08u) && (h & 0xF800u) != 0x6000u) {
            *how = "a store to [SCS base, #0xD08]";
            return a;
        }
        if ((h & 0xF800u) != 0x4800u) /* LDR Rt, [PC, #imm8*4] */
            continue;
        uint32_t lit, v;
        lit = ((a + 4u) & ~3u) + (h & 0xFFu) * 4u;
        if (!image_word(c, lit, &v) || (v != 0xE000ED00u && v != 0xE000E000u))
            continue;
        int rt = (h >> 8) & 7;
        uint32_t off = v == 0xE000ED00u ? 8u : 0xD08u;
        for (uint32_t k = a + 2; k < a + 2 + 32 && k + 2 <= end; k += 2)
            if (is_str_imm(c, k, rt, off)) {
                *how = v == 0xE000ED00u ? "a store to [SCB base, #8]"
                                        : "a store to [SCS base, #0xD08]";
                return k;
            }
    }
    return 0;
}

/* Where the code reaches SysTick's CSR (0xE000E010): the address as a literal, or a store
 * to [Rn, #0x10] shortly after Rn was set to the SCS base 0xE000E000 (MOV.W or a literal). */
static uint32_t find_systick_write(const lint_ctx *c)
{
    const se_image *img = c->img;
    if (!img)
        return 0;
    uint32_t a = find_literal(c, 0xE000E010u);
    if (a)
        return a;
    uint32_t end = img->link_base + img->size;
    for (a = (img->link_base + 1u) & ~1u; a + 4 <= end; a += 2) {
        uint16_t h, h2;
        if (!image_half(c, a, &h) || !image_half(c, a + 2, &h2))
            break;
        int rn = -1;
        uint32_t next = a + 4;
        if (h == 0xF04Fu && (h2 & 0xF0FFu) == 0x20E0u) { /* MOV.W Rd, #0xE000E000 */
            rn = (h2 >> 8) & 0xF;
        } else if ((h & 0xF800u) == 0x4800u) { /* LDR Rt, [PC, #imm8*4] */
            uint32_t v, lit = ((a + 4u) & ~3u) + (h & 0xFFu) * 4u;
            if (image_word(c, lit, &v) && v == 0xE000E000u)
                rn = (h >> 8) & 7;
            next = a + 2;
        }
        if (rn < 0)
            continue;
        for (uint32_t k = next; k < next + 32 && k + 2 <= end; k += 2)
            if (is_str_imm(c, k, rn, 0x10u))
                return k;
    }
    return 0;
}

static bool in_image(const lint_ctx *c, uint32_t a)
{
    const se_image *img = c->img;
    return img && a >= img->link_base && (uint64_t)a < (uint64_t)img->link_base + img->size;
}

/* ---- StorageInfo --------------------------------------------------------------------- */

static void check_storage(lint_ctx *c)
{
    const se_storage_info *si = se_stldr_storage(c->l);
    const se_profile *p = c->p;

    uint64_t total = 0;
    uint32_t min_sector = 0;
    for (unsigned g = 0; g < si->ngroups; g++) {
        total += (uint64_t)si->sectors[g].num * si->sectors[g].size;
        if (!min_sector || si->sectors[g].size < min_sector)
            min_sector = si->sectors[g].size;
    }
    char policy[300];
    if (total != si->declared_size && se_storage_policy(si, policy, sizeof policy))
        add(c, SE_LINT_ERROR, "sectors-sum",
            "StorageInfo sectors add up to 0x%" PRIx64 " bytes but DeviceSize is 0x%" PRIx32
            ": the host's sector numbers and erase ranges will be wrong (run's policy:%s)",
            total, si->declared_size, strchr(policy, ':') + 1);

    if (si->page_size & (si->page_size - 1u))
        add(c, SE_LINT_WARN, "page-size",
            "StorageInfo.PageSize 0x%" PRIx32 " is not a power of two", si->page_size);
    if (min_sector && si->page_size > min_sector)
        add(c, SE_LINT_WARN, "page-size",
            "StorageInfo.PageSize 0x%" PRIx32 " is larger than the smallest sector (0x%" PRIx32
            "): a page must fit in a sector",
            si->page_size, min_sector);

    bool flash = si->type == SE_DEV_NOR_FLASH || si->type == SE_DEV_SPI_FLASH ||
                 si->type == SE_DEV_NAND_FLASH;
    if (flash && si->erase_value != 0xFF)
        add(c, SE_LINT_WARN, "erase-value",
            "StorageInfo.EraseValue is 0x%02x for a %s device: erased flash reads 0xFF; the host "
            "uses this value to skip erased bytes and to check erases",
            si->erase_value, type_name(si->type));

    /* Where the device should be, by type, and the on-chip memory it must not hit. */
    uint64_t lo = si->start, hi = (uint64_t)si->start + si->size;
    named_region ext = {"the OCTOSPI memory-mapped window", p->ext_window.base,
                        (uint64_t)p->ext_window.base + p->ext_window.size};
    named_region onchip[] = {
        {"internal flash", p->iflash.base, (uint64_t)p->iflash.base + p->iflash.size},
        {"internal flash (secure alias)", p->iflash_alias,
         (uint64_t)p->iflash_alias + p->iflash.size},
        {"SRAM", p->sram.base, (uint64_t)p->sram.base + p->sram.size},
        {"SRAM (secure alias)", p->sram_alias, (uint64_t)p->sram_alias + p->sram.size},
        {"the peripherals", p->periph.base, (uint64_t)p->periph.base + p->periph.size},
        {"the peripherals (secure alias)", p->periph_alias,
         (uint64_t)p->periph_alias + p->periph.size},
    };
    bool expect_flash = si->type == SE_DEV_MCU_FLASH;
    bool expect_ram =
        si->type == SE_DEV_SRAM || si->type == SE_DEV_PSRAM || si->type == SE_DEV_SDRAM;
    bool expect_ext = flash || expect_ram;
    bool mapped = expect_flash || expect_ext; /* PC card and I2C devices are not mapped */

    if (si->start == 0) {
        add(c, SE_LINT_ERROR, "start-address",
            "StorageInfo.DeviceStartAddress is 0: it collides with on-chip memory (the code "
            "region at 0); the host may erase or program internal flash instead (docs/protocol.md "
            "failure mode 14)%s",
            expect_ext ? "; put the device at its memory-mapped address (0x90000000)" : "");
    } else {
        const named_region *hit = NULL;
        for (size_t i = 0; i < sizeof onchip / sizeof onchip[0] && !hit; i++) {
            bool allowed = (expect_flash && i < 2) || (expect_ram && (i == 2 || i == 3));
            if (!allowed && overlaps(lo, hi, onchip[i].base, onchip[i].end))
                hit = &onchip[i];
        }
        bool ok = !mapped || (expect_ext && inside(lo, hi, ext.base, ext.end));
        for (size_t i = 0; i < 4 && !ok; i++)
            if (((expect_flash && i < 2) || (expect_ram && i >= 2)) &&
                inside(lo, hi, onchip[i].base, onchip[i].end))
                ok = true;
        if (hit)
            add(c, SE_LINT_ERROR, "start-address",
                "device 0x%08" PRIx32 "..0x%08" PRIx64 " (%s) overlaps %s at 0x%08" PRIx64
                ": the host may access on-chip memory instead (docs/protocol.md failure mode 14)",
                si->start, hi, type_name(si->type), hit->name, hit->base);
        else if (!ok)
            add(c, SE_LINT_WARN, "start-address",
                "device 0x%08" PRIx32 "..0x%08" PRIx64 " (%s) is not inside %s (0x%08" PRIx64
                "..0x%08" PRIx64 ")%s",
                si->start, hi, type_name(si->type),
                expect_flash ? "internal flash"
                : expect_ram ? "SRAM or the external window"
                             : ext.name,
                expect_flash ? onchip[0].base : ext.base, expect_flash ? onchip[0].end : ext.end,
                expect_ext ? ": the host reads it back through that window (docs/protocol.md 2.7)"
                           : "");
    }
    /* A RAM device inside the host's RAM window shares it with the image, stack and buffer. */
    if (expect_ram) {
        uint64_t wlo = p->bkpt_addr, whi = p->ram_end;
        uint64_t shift = (uint64_t)p->sram_alias - p->sram.base;
        if (overlaps(lo, hi, wlo, whi) || overlaps(lo, hi, wlo + shift, whi + shift))
            add(c, SE_LINT_WARN, "start-address",
                "device 0x%08" PRIx32 "..0x%08" PRIx64 " overlaps the host's RAM window "
                "0x%08" PRIx32 "..0x%08" PRIx32 ": the image, stack or data buffer may land in "
                "it (stldr-emu keeps its buffer below it; CubeProgrammer may not)",
                si->start, hi, p->bkpt_addr, p->ram_end);
    }

    const se_symbol *s = se_stldr_find_symbol(c->l, "StorageInfo");
    if (se_stldr_flm(c->l))
        return; /* an FLM has FlashDevice instead (check_flm) */
    if (!s || s->is_func || s->size != SE_STORAGEINFO_SIZE)
        add(c, SE_LINT_WARN, "storageinfo-size",
            "the StorageInfo symbol is not a %u-byte object (%s %" PRIu32 "): CubeProgrammer "
            "reads the struct through it; declare it as const struct StorageInfo",
            SE_STORAGEINFO_SIZE,
            !s           ? "no size or type, size"
            : s->is_func ? "a function, size"
                         : "size",
            s ? s->size : 0u);
}

/* ---- entry points -------------------------------------------------------------------- */

/* Returns false when a required entry point cannot be called (no download plan then). */
static bool check_entries(lint_ctx *c)
{
    bool ok = true;
    for (int i = 0; i < (int)SE_EP__COUNT; i++) {
        se_entry_id id = (se_entry_id)i;
        const char *name = se_entry_name(id);
        bool required = id == SE_EP_INIT || id == SE_EP_WRITE;
        uint32_t a;
        if (!se_stldr_entry(c->l, id, &a)) {
            if (required) {
                add(c, SE_LINT_ERROR, "entry-missing",
                    "no %s entry point: the host cannot use the loader", name);
                ok = false;
            } else if (id == SE_EP_SECTOR_ERASE) {
                add(c, SE_LINT_WARN, "entry-missing",
                    "no SectorErase: the host cannot erase before programming (docs/protocol.md "
                    "1.3)");
            } else if (id == SE_EP_READ) {
                add(c, SE_LINT_INFO, "entry-missing",
                    "no Read (optional): the host reads through the memory-mapped window, so Init "
                    "must leave memory-mapped mode on (docs/protocol.md 2.7)");
            } else if (id != SE_EP_DEINIT) {
                add(c, SE_LINT_INFO, "entry-missing", "no %s (optional, docs/protocol.md 1.3)",
                    name);
            }
            continue;
        }
        if (!(a & 1u))
            add(c, SE_LINT_ERROR, "entry-not-thumb",
                "%s at 0x%08" PRIx32 " has bit 0 clear: not marked as Thumb code (.thumb_func "
                "missing, or ARM code); a Cortex-M33 only runs Thumb",
                name, a);
        bool found = false;
        for (size_t k = 0; k < se_stldr_nsegments(c->l) && !found; k++) {
            const se_segment *s = se_stldr_segment(c->l, k);
            found = downloaded(s) && (a & ~1u) >= s->vaddr &&
                    (uint64_t)(a & ~1u) < (uint64_t)s->vaddr + s->filesz;
        }
        if (!found) {
            add(c, required ? SE_LINT_ERROR : SE_LINT_WARN, "entry-outside",
                "%s at 0x%08" PRIx32 " is not in the downloaded bytes of any segment: calling it "
                "will not run loader code",
                name, a);
            if (required)
                ok = false;
        }
    }
    return ok;
}

/* ---- segments ------------------------------------------------------------------------ */

/* The plan's placement rules, as findings. Returns false if the host would refuse the
 * image (then the download plan is not built). */
static bool check_segments(lint_ctx *c)
{
    const se_stldr *l = c->l;
    const se_profile *p = c->p;
    size_t n = se_stldr_nsegments(l);
    bool any = false;
    uint32_t link_base = 0;
    for (size_t i = 0; i < n; i++) {
        const se_segment *s = se_stldr_segment(l, i);
        if (downloaded(s) && (!any || s->vaddr < link_base)) {
            link_base = s->vaddr;
            any = true;
        }
    }
    if (!any) {
        add(c, SE_LINT_ERROR, "download-plan",
            "no loadable segment with file bytes (other than StorageInfo's): nothing to download");
        return false;
    }
    int64_t delta = (int64_t)p->load_base - (int64_t)link_base;
    const int64_t bk = p->bkpt_addr, wend = p->ram_end;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const se_segment *s = se_stldr_segment(l, i);
        if (s->metadata || s->memsz == 0)
            continue;
        int64_t llo = s->vaddr, lhi = llo + s->memsz;
        int64_t rlo = llo + delta, rhi = lhi + delta;
        if (rlo < bk + 4 && rhi > bk) {
            add(c, SE_LINT_ERROR, "bkpt-word",
                "segment %zu, placed by the host at 0x%08" PRIx64 "..0x%08" PRIx64
                ", covers its BKPT word at 0x%08" PRIx32 ": returns land in loader bytes "
                "(docs/protocol.md failure mode 4)",
                i, (uint64_t)rlo, (uint64_t)rhi, p->bkpt_addr);
            ok = false;
            continue;
        }
        if (llo < bk + 4 && lhi > bk)
            add(c, SE_LINT_ERROR, "bkpt-word",
                "segment %zu is linked at 0x%08" PRIx64 "..0x%08" PRIx64 ", over the host's BKPT "
                "word at 0x%08" PRIx32 ": link at 0x%08" PRIx32
                " (docs/protocol.md failure mode 4)",
                i, (uint64_t)llo, (uint64_t)lhi, p->bkpt_addr, p->load_base);
        if (rlo < bk || rhi > wend) {
            add(c, SE_LINT_ERROR, "ram-window",
                "segment %zu (0x%" PRIx32 " bytes), placed by the host at 0x%08" PRIx64
                "..0x%08" PRIx64 ", leaves the RAM window 0x%08" PRIx32 "..0x%08" PRIx32,
                i, s->memsz, (uint64_t)rlo, (uint64_t)rhi, p->bkpt_addr, p->ram_end);
            ok = false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const se_segment *a = se_stldr_segment(l, i);
        if (a->metadata || a->memsz == 0)
            continue;
        for (size_t k = i + 1; k < n; k++) {
            const se_segment *b = se_stldr_segment(l, k);
            if (b->metadata || b->memsz == 0)
                continue;
            if (overlaps(a->vaddr, (uint64_t)a->vaddr + a->memsz, b->vaddr,
                         (uint64_t)b->vaddr + b->memsz)) {
                add(c, SE_LINT_ERROR, "segment-overlap",
                    "segments %zu (0x%08" PRIx32 ", 0x%" PRIx32 " bytes) and %zu (0x%08" PRIx32
                    ", 0x%" PRIx32 " bytes) overlap in memory",
                    i, a->vaddr, a->memsz, k, b->vaddr, b->memsz);
                ok = false;
            }
        }
    }
    return ok;
}

/* ---- the downloaded image ------------------------------------------------------------ */

static void check_image(lint_ctx *c)
{
    const se_image *img = c->img;
    const se_profile *p = c->p;
    const se_storage_info *si = se_stldr_storage(c->l);

    /* The limit is what the RAM window allows (load base to RAM end) unless a profile file
     * sets one; the plan refuses an image that leaves the window. */
    uint32_t limit = p->download_limit ? p->download_limit : p->ram_end - p->load_base;
    if (img->size > limit)
        add(c, SE_LINT_WARN, "download-limit",
            "image is 0x%" PRIx32 " bytes, over the 0x%" PRIx32 " download limit of %s: the host "
            "does not download it and still runs Init with SP = 0, and so does run "
            "(docs/protocol.md 2.8, failure mode 5)",
            img->size, limit, p->target);
    else
        add(c, SE_LINT_INFO, "download-limit",
            "image is 0x%" PRIx32 " bytes, 0x%" PRIx32 " under the 0x%" PRIx32 " download limit "
            "(%s)",
            img->size, limit - img->size, limit,
            p->download_limit ? "the profile's" : "the RAM window from the load base");
    if (p->observed_limit && img->size > p->observed_limit)
        add(c, SE_LINT_WARN, "download-limit",
            "image is 0x%" PRIx32 " bytes, over the 0x%" PRIx32 " bytes seen to work once with "
            "TrustZone on (docs/protocol.md 2.8): unverified, so a warning and not a limit; if "
            "the host does stop there it runs Init on a partial image",
            img->size, p->observed_limit);

    if (img->link_base != p->load_base) {
        uint64_t lend = (uint64_t)img->link_base + (img->mem_end - img->base);
        bool outside = !inside(img->link_base, lend, p->bkpt_addr, p->ram_end);
        add(c, SE_LINT_WARN, "link-base",
            "linked at 0x%08" PRIx32 " but the host downloads it at 0x%08" PRIx32 ": absolute "
            "addresses in it (literal pools, pointer tables, vectors) still point at the link "
            "address%s (docs/protocol.md 2.2, failure mode 3)",
            img->link_base, p->load_base,
            outside ? ", outside this target's RAM window" : ", where the image no longer is");
    }

    uint32_t sp = se_host_rule_sp(p->bkpt_addr, img, p->stack_gap);
    uint32_t buffer = ((sp + 1u + 0x1Fu) & ~0x1Fu) + 0x20u;
    uint32_t end = p->ram_end;
    if (si->start > buffer && si->start < end) /* 0 without StorageInfo */
        end = si->start;
    /* The image's data ends where its own stack reservation starts (ST's CubeIDE/GCC
     * template: ._user_heap_stack, NOBITS at the top): an SP inside the reservation is the
     * stack the loader was linked for. */
    uint32_t data_end = img->reserve_lo;
    bool in_reserve = img->reserve_hi > img->reserve_lo &&
                      sp - img->reserve_lo <= img->reserve_hi - img->reserve_lo;
    if (data_end > sp - STACK_MARGIN) {
        add(c, SE_LINT_ERROR, "stack-overlap",
            "image ends at 0x%08" PRIx32 " with .bss, above SP - 0x%x (SP 0x%08" PRIx32
            " = BKPT + file size 0x%" PRIx32 " + 0x%" PRIx32 "): .bss overlaps the host's "
            "stack%s (docs/protocol.md 2.1)",
            data_end, STACK_MARGIN, sp, img->size, p->stack_gap,
            data_end > buffer ? " and data buffer" : "");
    } else if (in_reserve) {
        add(c, SE_LINT_INFO, "stack-room",
            "SP 0x%08" PRIx32 " (BKPT + image 0x%" PRIx32 " + 0x%" PRIx32 ") lies in %s "
            "0x%08" PRIx32 "..0x%08" PRIx32 ", the image's own NOBITS stack reservation (not "
            ".bss): 0x%" PRIx32 " bytes of stack above its data end 0x%08" PRIx32
            "; data buffer 0x%08" PRIx32 "..0x%08" PRIx32,
            sp, img->size, p->stack_gap, img->reserve_name, img->reserve_lo, img->reserve_hi,
            sp - data_end, data_end, buffer, end);
    } else if (buffer >= end) {
        add(c, SE_LINT_WARN, "stack-room",
            "SP 0x%08" PRIx32 ": no RAM left for the data buffer (0x%08" PRIx32
            " is past 0x%08" PRIx32 ")",
            sp, buffer, end);
    } else {
        add(c, SE_LINT_INFO, "stack-room",
            "SP 0x%08" PRIx32 " (BKPT + image 0x%" PRIx32 " + 0x%" PRIx32 "): 0x%" PRIx32
            " bytes of stack above the image end 0x%08" PRIx32 "; data buffer 0x%08" PRIx32
            "..0x%08" PRIx32 " (0x%" PRIx32 " bytes)",
            sp, img->size, p->stack_gap, sp - img->mem_end, img->mem_end, buffer, end,
            end - buffer);
    }
}

/* ---- stack use ------------------------------------------------------------------------ */

/* Each entry point's worst-case stack from its code (loader/stackuse.h) against the room the
 * host leaves: SP (BKPT + image + the stack gap) down to the image's end with .bss. */
static void check_stack(lint_ctx *c)
{
    const se_image *img = c->img;
    const se_profile *p = c->p;
    uint32_t sp = se_host_rule_sp(p->bkpt_addr, img, p->stack_gap);
    uint32_t room = sp > img->mem_end ? sp - img->mem_end : 0;
    char fits[400] = "";
    size_t n = 0;
    for (int id = 0; id < SE_EP__COUNT; id++) {
        uint32_t a;
        se_stack_use u;
        if (!se_stldr_entry(c->l, (se_entry_id)id, &a) ||
            !se_stack_estimate(c->l, img->bytes, img->link_base, img->size, a, &u))
            continue;
        const char *name = se_stldr_entry_name(c->l, (se_entry_id)id);
        if (u.bytes > room) {
            add(c, SE_LINT_WARN, "stack-usage",
                "%s needs %s0x%" PRIx32 " bytes of stack, over the 0x%" PRIx32 " the host "
                "leaves (SP 0x%08" PRIx32 " down to the image end): %s%s%s",
                name, u.bounded ? "" : "at least ", u.bytes, room, sp, u.chain,
                u.bounded ? "" : "; unknown beyond: ", u.bounded ? "" : u.why);
            continue;
        }
        if (!u.bounded)
            add(c, SE_LINT_INFO, "stack-usage",
                "%s needs at least 0x%" PRIx32 " bytes of stack (%s); unknown beyond: %s", name,
                u.bytes, u.chain, u.why);
        else if (n < sizeof fits) {
            int w = snprintf(fits + n, sizeof fits - n, "%s%s 0x%" PRIx32, n ? ", " : "", name,
                             u.bytes);
            n += w > 0 ? (size_t)w : 0;
        }
    }
    if (n)
        add(c, SE_LINT_INFO, "stack-usage",
            "worst-case stack from the code (frames and calls): %s; the host leaves 0x%" PRIx32,
            fits, room);
}

/* ---- sections ------------------------------------------------------------------------ */

static void check_sections(lint_ctx *c)
{
    const se_stldr *l = c->l;
    int64_t delta = c->img ? c->img->delta : 0;
    for (size_t i = 0; i < se_stldr_nsections(l); i++) {
        const se_section *s = se_stldr_section(l, i);
        if (!(s->flags & SHF_ALLOC) || s->size == 0 || s->segment < 0)
            continue;
        const se_segment *seg = se_stldr_segment(l, (size_t)s->segment);
        if (seg->metadata)
            continue;
        const char *name = s->name[0] ? s->name : "(unnamed)";
        if ((s->flags & SHF_WRITE) && s->type != SHT_NOBITS && s->lma != s->addr)
            add(c, SE_LINT_WARN, "data-lma",
                "section %s: initialised data runs at 0x%08" PRIx32 " but is loaded at 0x%08" PRIx32
                " (LMA != VMA): no startup code copies it (docs/protocol.md 2.6); link it with VMA "
                "== "
                "LMA inside the image",
                name, s->addr, s->lma);
        /* the image's stack reservation (._user_heap_stack) is not data to zero */
        if (s->type == SHT_NOBITS && c->img && c->img->reserve_hi > c->img->reserve_lo &&
            (int64_t)s->addr + delta >= c->img->reserve_lo &&
            (int64_t)s->addr + delta + s->size <= c->img->reserve_hi)
            continue;
        if (s->type == SHT_NOBITS) {
            uint32_t lo = s->addr, hi = s->addr + s->size;
            bool zeroed = find_literal(c, lo) && find_literal(c, hi);
            char placed[48] = "";
            if (delta)
                snprintf(placed, sizeof placed, " (0x%08" PRIx64 " once placed)",
                         (uint64_t)((int64_t)lo + delta));
            if (zeroed)
                add(c, SE_LINT_INFO, "bss-not-zeroed",
                    "section %s: 0x%" PRIx32 " bytes of NOBITS at 0x%08" PRIx32 "..0x%08" PRIx32
                    "%s: the host does not zero it; the code holds both bounds as literals, so "
                    "Init appears to: make sure Init zeroes it",
                    name, s->size, lo, hi, placed);
            else
                add(c, SE_LINT_WARN, "bss-not-zeroed",
                    "section %s: 0x%" PRIx32 " bytes of NOBITS at 0x%08" PRIx32 "..0x%08" PRIx32
                    "%s are not in the file and the host does not zero them: make sure Init "
                    "zeroes it (docs/protocol.md 2.6, failure mode 2)",
                    name, s->size, lo, hi, placed);
        }
    }
}

/* ---- vector table and VTOR ----------------------------------------------------------- */

typedef struct vtable {
    const char *name;
    uint32_t addr, size;
} vtable;

static size_t find_vector_tables(const lint_ctx *c, vtable *t, size_t max)
{
    const se_stldr *l = c->l;
    size_t n = 0;
    for (size_t i = 0; i < se_stldr_nsections(l) && n < max; i++) {
        const se_section *s = se_stldr_section(l, i);
        if (!(s->flags & SHF_ALLOC) || s->size == 0 || !contains_ci(s->name, "vector"))
            continue;
        /* A table symbol inside the section (g_pfnVectors after ST's template's 0x1FC bytes
         * of padding) says where the table is: the symbol is checked, not the section. */
        bool sym_inside = false;
        for (size_t k = 0; k < se_stldr_nsymbols(l) && !sym_inside; k++) {
            const se_symbol *y = se_stldr_symbol(l, k);
            sym_inside = !y->is_func && contains_ci(y->name, "vector") &&
                         y->addr - s->addr < s->size && (!y->size || y->size >= 8);
        }
        if (sym_inside)
            continue;
        /* No symbol: leading zero words are padding, the table starts after them. */
        uint32_t a = s->addr, v;
        while (a - s->addr < s->size && image_word(c, a, &v) && v == 0)
            a += 4;
        if (a - s->addr < s->size)
            t[n++] = (vtable){s->name, a, s->size - (a - s->addr)};
    }
    for (size_t i = 0; i < se_stldr_nsymbols(l) && n < max; i++) {
        const se_symbol *s = se_stldr_symbol(l, i);
        if (s->is_func || !contains_ci(s->name, "vector") || (s->size && s->size < 8))
            continue;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = t[k].addr == s->addr;
        if (!dup)
            t[n++] = (vtable){s->name, s->addr, s->size};
    }
    return n;
}

static void check_vectors(lint_ctx *c)
{
    const se_image *img = c->img;
    vtable t[MAX_VECTOR_TABLES];
    size_t nt = find_vector_tables(c, t, MAX_VECTOR_TABLES);
    for (size_t k = 0; k < nt; k++) {
        uint32_t count = t[k].size ? t[k].size / 4u : 16u;
        if (count > MAX_VECTORS)
            count = MAX_VECTORS;
        if (!in_image(c, t[k].addr)) {
            add(c, SE_LINT_WARN, "vector-table",
                "vector table %s at 0x%08" PRIx32 " is not in the downloaded image: VTOR "
                "pointing there finds no handlers",
                t[k].name, t[k].addr);
            continue;
        }
        char bad[160] = "";
        size_t blen = 0;
        unsigned nbad = 0, checked = 0;
        for (uint32_t i = 1; i < count; i++) {
            uint32_t v;
            if (!image_word(c, t[k].addr + 4u * i, &v))
                break;
            checked++;
            if (v == 0)
                continue; /* reserved or unused */
            const char *why = !(v & 1u)               ? "no Thumb bit"
                              : !in_image(c, v & ~1u) ? "outside the image"
                                                      : NULL;
            if (!why)
                continue;
            if (nbad++ < 2 && blen < sizeof bad)
                blen += (size_t)snprintf(bad + blen, sizeof bad - blen,
                                         "%s[%" PRIu32 "] = 0x%08" PRIx32 " (%s)",
                                         nbad > 1 ? ", " : "", i, v, why);
        }
        bool misaligned = (t[k].addr & 0x7Fu) != 0;
        if (nbad || misaligned)
            add(c, SE_LINT_WARN, "vector-table",
                "vector table %s at 0x%08" PRIx32 ": %s%u of %u handlers are bad%s%s%s", t[k].name,
                t[k].addr, misaligned ? "not 128-byte aligned (VTOR ignores bits 6:0); " : "", nbad,
                checked, nbad ? ": " : "", bad, nbad > 2 ? ", ..." : "");
        else
            add(c, SE_LINT_INFO, "vector-table",
                "vector table %s at 0x%08" PRIx32 ": %u handlers checked, all inside the image "
                "with the Thumb bit%s",
                t[k].name, t[k].addr, checked,
                img->delta ? " (at their link addresses: wrong once the host relocates the image)"
                           : "");
    }

    const char *how = "";
    uint32_t at = find_vtor_write(c, &how);
    if (at) {
        char where[96];
        se_stldr_format_addr(c->l, at, where, sizeof where);
        add(c, SE_LINT_INFO, "vtor-write",
            "writes VTOR: %s at 0x%08" PRIx32 " (%s); the host sets no vector table "
            "(docs/protocol.md 2.6)%s",
            how, at, where,
            nt ? "" : "; no *vector* symbol or .isr_vector section to check where it points");
    }

    /* Field failure mode 1: SysTick started (HAL_InitTick) with nothing to take its
     * interrupt. The SysTick CSR address as a literal is how code reaches it. */
    uint32_t st = find_systick_write(c);
    if (st && !at && !nt) {
        char where[96];
        se_stldr_format_addr(c->l, st, where, sizeof where);
        add(c, SE_LINT_WARN, "systick-irq",
            "code writes SysTick's CSR (at 0x%08" PRIx32 ", %s) but the image "
            "has no vector table and never writes VTOR: if it enables the SysTick interrupt "
            "(HAL_InitTick), a wait on the tick (HAL_Delay, HAL timeouts) never ends, because "
            "the host masks interrupts and VTOR still points at the reset vector table "
            "(docs/protocol.md 5, failure mode 1)",
            st, where);
    }
}

/* ---- CMSIS flash algorithms (.FLM) ------------------------------------------------------ */

/* The FLM's own checks (docs/flm.md): FlashDevice, the functions inside PrgCode, R9 use
 * against position independence, the stack and the page buffer in RAM once placed. */
static void check_flm(lint_ctx *c, const se_flm_info *f)
{
    const se_stldr *l = c->l;
    const se_flash_device *d = &f->dev;
    const se_profile *p = c->p;
    if (d->vers >> 8 != 1)
        add(c, SE_LINT_WARN, "flm-version",
            "FlashDevice.Vers is 0x%04x: FlashOS.h algorithms have driver version 1 (0x01xx)",
            d->vers);
    if (!d->name[0])
        add(c, SE_LINT_WARN, "flm-devname", "FlashDevice.DevName is empty");
    if (d->type == SE_FLM_UNKNOWN || d->type > SE_FLM_EXTSPI)
        add(c, SE_LINT_WARN, "flm-devtype",
            "FlashDevice.DevType is %u: FlashOS.h defines 1 (on-chip) to 5 (external SPI)",
            d->type);
    if (d->to_prog == 0 || d->to_erase == 0)
        add(c, SE_LINT_WARN, "flm-timeout",
            "FlashDevice.toProg %" PRIu32 " ms, toErase %" PRIu32
            " ms: a zero timeout makes every host give up at once",
            d->to_prog, d->to_erase);
    uint64_t covered = d->size; /* open refused any list that does not tile szDev */
    add(c, SE_LINT_INFO, "flm-sectors",
        "%u sector list entr%s szDev 0x%" PRIx64 " from DevAdr 0x%08" PRIx32, d->nsectors,
        d->nsectors == 1 ? "y covers" : "ies cover", covered, d->adr);
    if (d->by_section)
        add(c, SE_LINT_INFO, "flm-devdscr",
            "no FlashDevice symbol: FlashDevice read from the start of section %s", d->section);
    if (f->devdscr_exec)
        add(c, SE_LINT_INFO, "flm-devdscr",
            "DevDscr is flagged executable (armclang does so); it is not downloaded");
    if (!f->has_code)
        add(c, SE_LINT_WARN, "flm-prgcode",
            "no PrgCode section: pyOCD and probe-rs look for the code there");

    for (int i = 0; i < (int)SE_EP__COUNT; i++) {
        se_entry_id id = (se_entry_id)i;
        const char *name = se_flm_entry_name(id);
        bool required = se_flm_entry_required(id);
        uint32_t a;
        if (!se_stldr_entry(l, id, &a)) {
            if (id == SE_EP_VERIFY || id == SE_EP_CHECKSUM)
                add(c, SE_LINT_INFO, "entry-missing",
                    "no %s (optional): Keil then reads the device directly, which faults on "
                    "serial flash that is not memory-mapped (Keil KB 4169)",
                    name);
            else if (id == SE_EP_MASS_ERASE)
                add(c, SE_LINT_INFO, "entry-missing", "no EraseChip (optional)");
            continue;
        }
        if (!(a & 1u))
            add(c, SE_LINT_ERROR, "entry-not-thumb",
                "%s at 0x%08" PRIx32 " has bit 0 clear: not Thumb code", name, a);
        uint32_t x = a & ~1u;
        bool inside_code =
            f->has_code ? x >= f->code_addr && (uint64_t)x < (uint64_t)f->code_addr + f->code_size
                        : in_image(c, x);
        if (!inside_code)
            add(c, required ? SE_LINT_ERROR : SE_LINT_WARN, "flm-function-outside",
                "%s at 0x%08" PRIx32 " is outside PrgCode (0x%08" PRIx32 "..0x%08" PRIx64 ")", name,
                a, f->code_addr, (uint64_t)f->code_addr + f->code_size);
    }

    if (!f->absolute && f->r9_writes)
        add(c, SE_LINT_WARN, "flm-r9",
            "%u instructions write R9, the static base of a position-independent algorithm: "
            "the next call addresses its data wrongly unless R9 is restored",
            f->r9_writes);
    if (!f->absolute && f->has_data && !f->r9_uses && !f->sb)
        add(c, SE_LINT_INFO, "flm-r9",
            "linked at 0 but neither the SB flag nor any R9 use: its data is addressed "
            "PC-relatively or absolutely (check it runs relocated)");
    else if (!f->absolute && f->sb && !f->r9_uses)
        add(c, SE_LINT_INFO, "flm-r9", "the SB flag is set but no instruction names R9");
    else if (f->absolute && (f->pi || f->sb))
        add(c, SE_LINT_WARN, "flm-r9", "linked at 0x%08" PRIx32 " (absolute) yet flagged %s%s%s",
            f->code_addr, f->pi ? "PI" : "", f->pi && f->sb ? " and " : "", f->sb ? "SB" : "");
    else
        add(c, SE_LINT_INFO, "flm-r9", "%s; %u instructions name R9%s",
            f->absolute ? "linked at an absolute address: runs where linked"
                        : "position-independent (linked at 0)",
            f->r9_uses, f->pi || f->sb ? " (PI/SB flags set)" : "");

    if (!c->img)
        return;
    /* the host's layout (loader/flmhost.c): stack after the image, then the page buffer */
    uint32_t stack_lo = (c->img->mem_end + 7u) & ~7u;
    uint32_t sp = stack_lo + ((p->stack_gap + 7u) & ~7u);
    uint32_t buffer = ((sp + 1u + 0x1Fu) & ~0x1Fu) + 0x20u;
    if ((uint64_t)buffer + d->page > p->ram_end)
        add(c, SE_LINT_ERROR, "flm-page-buffer",
            "szPage 0x%" PRIx32 " does not fit the RAM left for the page buffer (0x%08" PRIx32
            "..0x%08" PRIx32 ")",
            d->page, buffer, p->ram_end);
    else
        add(c, SE_LINT_INFO, "flm-stack-room",
            "stack 0x%08" PRIx32 "..0x%08" PRIx32 " (0x%" PRIx32 " bytes), page buffer 0x%08" PRIx32
            " (szPage 0x%" PRIx32 ", 0x%" PRIx32 " bytes of RAM free for it)",
            stack_lo, sp, sp - stack_lo, buffer, d->page, p->ram_end - buffer);
}

/* ---- entry --------------------------------------------------------------------------- */

/* Which chip the loader was built for, against the target's family (loader/origin.h). */
static void check_origin(lint_ctx *c)
{
    const se_family *fam = c->p->board ? se_family_of_mcu(c->p->board->mcu) : NULL;
    se_origin o;
    se_origin_analyse(c->l, fam, &o);
    if (o.core_mismatch)
        add(c, SE_LINT_WARN, "core", "built for %s; the %s is a %s (%s): a loader for another chip",
            o.core, fam->name, fam->core, se_arch_name(fam->arch));
    else
        add(c, SE_LINT_INFO, "core", "built for %s", o.core);
    unsigned shown = o.nforeign < SE_ORIGIN_MAX_FOREIGN ? o.nforeign : SE_ORIGIN_MAX_FOREIGN;
    for (unsigned i = 0; i < shown; i++)
        add(c, SE_LINT_WARN, "foreign-periph",
            "literal 0x%08" PRIx32 " at 0x%08" PRIx32 " is %s, not an %s register%s",
            o.foreign[i].value, o.foreign[i].at, o.foreign[i].owners, fam->name,
            i + 1 == shown && o.nforeign > shown ? " (more not listed)" : "");
    if (o.link_foreign)
        add(c, SE_LINT_WARN, "link-ram", "link address %s", o.link_ram);
}

size_t se_lint(const se_stldr *l, const se_profile *p, se_lint_finding *out, size_t max)
{
    if (!l || !p)
        return 0;
    lint_ctx c = {.l = l, .p = p, .out = out, .max = out ? max : 0};
    const char *missing = se_stldr_storage_missing(l);
    if (missing) /* the rest is still checked (issue 14 item 6) */
        add(&c, SE_LINT_ERROR, "storage-info",
            "no StorageInfo and no 200-byte device-info section, though it has Init and Write: "
            "--gc-sections dropped it, keep it in the linker script (KEEP(*(.Dev_info))); "
            "CubeProgrammer lists it as unknown or not at all (failure mode 10)");
    else
        check_storage(&c);
    const se_flm_info *flm = se_stldr_flm(l);
    if (flm) {
        se_image img;
        se_ram_window win = {p->bkpt_addr, p->load_base, p->ram_end, p->download_limit, 0};
        se_error err;
        se_err e = se_stldr_plan(l, &win, flm->absolute ? SE_PLACE_LINK : SE_PLACE_PROFILE, false,
                                 &img, &err);
        if (e) {
            const char *m = err.msg, *path = se_stldr_path(l);
            size_t pl = path ? strlen(path) : 0;
            if (pl && !strncmp(m, path, pl) && !strncmp(m + pl, ": ", 2))
                m += pl + 2;
            add(&c, SE_LINT_ERROR, "download-plan", "%s", m);
        } else {
            c.img = &img;
        }
        check_flm(&c, flm);
        check_origin(&c);
        if (c.img)
            se_image_free(&img);
        return c.n;
    }
    bool ok = check_entries(&c);
    ok = check_segments(&c) && ok;

    se_image img;
    memset(&img, 0, sizeof img);
    if (ok) {
        se_ram_window win = {p->bkpt_addr, p->load_base, p->ram_end, p->download_limit,
                             p->observed_limit};
        se_error err;
        se_error_clear(&err);
        se_err e = se_stldr_plan(l, &win, SE_PLACE_PROFILE, false, &img, &err);
        if (e) {
            /* Not expected after the checks above; report the host's refusal as it is. */
            const char *m = err.msg, *path = se_stldr_path(l);
            size_t pl = path ? strlen(path) : 0;
            if (pl && !strncmp(m, path, pl) && !strncmp(m + pl, ": ", 2))
                m += pl + 2;
            add(&c, SE_LINT_ERROR, "download-plan", "%s", m);
        } else {
            c.img = &img;
        }
    }
    if (c.img) {
        check_image(&c);
        check_stack(&c);
    }
    check_sections(&c);
    if (c.img)
        check_vectors(&c);
    check_origin(&c);
    se_image_free(&img);
    return c.n;
}
