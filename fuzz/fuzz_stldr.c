/* libFuzzer target: the loader reader (loader/stldr.c) and everything that walks an opened
 * loader: StorageInfo, entry points, segments, sections, symbols, symbolization, the
 * download plan against the stm32l562e-dk windows (TrustZone off and on) and the lint
 * checks (loader/lint.c). Input: the bytes of a .stldr file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "emu/profile.h"
#include "loader/lint.h"
#include "loader/stldr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t sink; /* keeps reads of returned memory from being optimized out */

static void touch(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += b[i];
    sink += acc;
}

static void touch_str(const char *s)
{
    if (s)
        touch(s, strlen(s) + 1);
}

static void check_plan(const se_stldr *l, const se_profile *p)
{
    se_ram_window w = {p->bkpt_addr, p->load_base, p->ram_end, p->download_limit,
                       p->observed_limit};
    for (int place = SE_PLACE_LINK; place <= SE_PLACE_PROFILE; place++) {
        for (int strict = 0; strict <= 1; strict++) {
            se_image img;
            memset(&img, 0, sizeof img);
            se_error err = {0};
            if (se_stldr_plan(l, &w, (se_place)place, strict != 0, &img, &err) == SE_OK) {
                if (img.size && !img.bytes)
                    abort();
                touch(img.bytes, img.size);
                if (img.nwarnings > SE_PLAN_MAX_WARNINGS)
                    abort();
                for (unsigned i = 0; i < img.nwarnings; i++)
                    touch_str(img.warnings[i]);
            } else {
                touch_str(err.msg);
            }
            se_image_free(&img);
        }
    }
}

static void check_lint(const se_stldr *l, const se_profile *p)
{
    size_t n = se_lint(l, p, NULL, 0);
    if (n > 4096)
        abort();
    se_lint_finding *f = calloc(n ? n : 1, sizeof *f);
    if (!f)
        return;
    size_t n2 = se_lint(l, p, f, n);
    if (n2 != n) /* two runs over the same loader must agree */
        abort();
    for (size_t i = 0; i < n; i++) {
        touch_str(f[i].code);
        touch_str(f[i].msg);
        touch_str(se_lint_level_name(f[i].level));
    }
    sink += (uint32_t)se_lint_exit_code(f, n);
    free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    se_stldr *l = NULL;
    se_error err = {0};
    if (se_stldr_open_mem(data, size, "fuzz", &l, &err) != SE_OK) {
        if (l)
            abort(); /* a refused loader must not be returned */
        touch_str(err.msg);
        return 0;
    }
    touch_str(se_stldr_path(l));
    const se_storage_info *si = se_stldr_storage(l);
    touch(si, sizeof *si);
    if (memchr(si->name, 0, sizeof si->name) == NULL)
        abort(); /* the device name must be NUL-terminated */
    if (memchr(si->section, 0, sizeof si->section) == NULL)
        abort();
    if (si->ngroups > SE_MAX_SECTOR_GROUPS)
        abort();

    char buf[128];
    for (int id = 0; id < SE_EP__COUNT; id++) {
        uint32_t a = 0;
        touch_str(se_entry_name((se_entry_id)id));
        if (se_stldr_entry(l, (se_entry_id)id, &a)) {
            uint32_t off;
            const se_symbol *s = se_stldr_symbolize(l, a, &off);
            if (s)
                touch_str(s->name);
            touch_str(se_stldr_format_addr(l, a, buf, sizeof buf));
            touch_str(se_stldr_format_addr(l, a, buf, 4)); /* truncated output */
        }
    }
    sink += se_stldr_elf_entry(l);

    size_t nseg = se_stldr_nsegments(l);
    for (size_t i = 0; i < nseg; i++) {
        const se_segment *s = se_stldr_segment(l, i);
        touch(s, sizeof *s);
        const uint8_t *d = se_stldr_segment_data(l, i);
        if (s->filesz && d)
            touch(d, s->filesz);
        touch_str(se_stldr_format_addr(l, s->vaddr, buf, sizeof buf));
    }

    size_t nsec = se_stldr_nsections(l);
    for (size_t i = 0; i < nsec; i++) {
        const se_section *s = se_stldr_section(l, i);
        if (!s)
            abort();
        touch_str(s->name);
        if (s->segment >= 0 && (size_t)s->segment >= nseg)
            abort(); /* a section's segment index must be valid */
    }

    size_t nsym = se_stldr_nsymbols(l);
    uint32_t prev = 0;
    for (size_t i = 0; i < nsym; i++) {
        const se_symbol *s = se_stldr_symbol(l, i);
        if (!s)
            abort();
        if (i && s->addr < prev)
            abort(); /* documented: sorted by address */
        prev = s->addr;
        touch_str(s->name);
        if (s->name && se_stldr_find_symbol(l, s->name) == NULL)
            abort();
        uint32_t off;
        const se_symbol *c = se_stldr_symbolize(l, s->addr + (s->size ? s->size - 1 : 0), &off);
        if (c)
            touch_str(c->name);
        se_stldr_symbolize(l, s->addr - 1, &off);
        touch_str(se_stldr_format_addr(l, s->addr, buf, sizeof buf));
    }
    /* Addresses taken from the input itself. */
    for (size_t i = 0; i + 4 <= size && i < 256; i += 4) {
        uint32_t a;
        memcpy(&a, data + size - 4 - i, 4);
        uint32_t off;
        se_stldr_symbolize(l, a, &off);
        touch_str(se_stldr_format_addr(l, a, buf, sizeof buf));
    }

    for (int tz = 0; tz <= 1; tz++) {
        const se_profile *p = se_profile_find("stm32l562e-dk", tz != 0);
        if (!p)
            abort();
        check_plan(l, p);
        check_lint(l, p);
    }
    se_stldr_free(l);
    return 0;
}
