/* stldr-emu info: what the file holds and where the host would put it; --target list. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "emu/board.h"
#include "loader/flm.h"
#include "loader/origin.h"
#include "tools/cli.h"

static const char *dev_type_name(unsigned t)
{
    static const char *const names[] = {"?",         "MCU_FLASH", "NAND_FLASH", "NOR_FLASH",
                                        "SRAM",      "PSRAM",     "PC_CARD",    "SPI_FLASH",
                                        "I2C_FLASH", "SDRAM",     "I2C_EEPROM"};
    return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* An FLM's own facts: FlashDevice as it is, the functions, the sections, position
 * independence, where the host puts R9 and the stack (docs/flm.md). */
static void info_flm(FILE *o, bool json, const se_stldr *l, const se_flm_info *f,
                     const se_profile *p, const se_image *img)
{
    const se_flash_device *d = &f->dev;
    uint32_t r9 = img ? (uint32_t)((int64_t)se_flm_static_base(f) + img->delta) : 0;
    uint32_t stack_lo = img ? (img->mem_end + 7u) & ~7u : 0;
    uint32_t sp = stack_lo + ((p->stack_gap + 7u) & ~7u);
    if (json) {
        fprintf(
            o,
            ",\"flm\":{\"vers\":%u,\"dev_type\":%u,\"dev_type_name\":\"%s\",\"dev_adr\":%" PRIu32
            ",\"sz_dev\":%" PRIu32 ",\"sz_page\":%" PRIu32 ",\"val_empty\":%u,\"to_prog\":%" PRIu32
            ",\"to_erase\":%" PRIu32 ",\"sectors\":[",
            d->vers, d->type, se_flm_type_name(d->type), d->adr, d->size, d->page, d->empty,
            d->to_prog, d->to_erase);
        for (unsigned i = 0; i < d->nsectors; i++)
            fprintf(o, "%s{\"size\":%" PRIu32 ",\"addr\":%" PRIu32 "}", i ? "," : "",
                    d->sectors[i].size, d->sectors[i].addr);
        fprintf(o,
                "],\"code\":{\"addr\":%" PRIu32 ",\"size\":%" PRIu32 "},\"data\":{\"addr\":%" PRIu32
                ",\"size\":%" PRIu32 ",\"filesz\":%" PRIu32 "},\"pi\":%s,\"sb\":%s,\"absolute\":%s,"
                "\"r9_uses\":%u,\"devdscr_exec\":%s,\"extra_sections\":",
                f->code_addr, f->code_size, f->data_addr, f->data_size, f->data_filesz,
                f->pi ? "true" : "false", f->sb ? "true" : "false", f->absolute ? "true" : "false",
                f->r9_uses, f->devdscr_exec ? "true" : "false");
        se_json_str(o, f->extra_sections);
        if (img)
            fprintf(o, ",\"r9\":%" PRIu32 ",\"stack\":%" PRIu32 ",\"sp\":%" PRIu32, r9, stack_lo,
                    sp);
        fputs("}", o);
        return;
    }
    fprintf(o, "format      CMSIS-Pack flash algorithm (FLM), FlashDevice Vers 0x%04x\n", d->vers);
    fprintf(o,
            "FlashDevice \"%s\" %s (DevType %u), DevAdr 0x%08" PRIx32 ", szDev 0x%" PRIx32
            ", szPage 0x%" PRIx32 ", valEmpty 0x%02x, toProg %" PRIu32 " ms, toErase %" PRIu32
            " ms\n",
            d->name, se_flm_type_name(d->type), d->type, d->adr, d->size, d->page, d->empty,
            d->to_prog, d->to_erase);
    for (unsigned i = 0; i < d->nsectors; i++)
        fprintf(o, "sector list 0x%" PRIx32 " bytes from offset 0x%" PRIx32 "\n",
                d->sectors[i].size, d->sectors[i].addr);
    for (int id = 0; id < SE_EP__COUNT; id++) {
        uint32_t a;
        const char *req = se_flm_entry_required((se_entry_id)id) ? "required" : "optional";
        if (se_stldr_entry(l, (se_entry_id)id, &a))
            fprintf(o, "function    %-12s 0x%08" PRIx32 "  %s\n",
                    se_flm_entry_name((se_entry_id)id), a, req);
        else
            fprintf(o, "function    %-12s -           %s\n", se_flm_entry_name((se_entry_id)id),
                    req);
    }
    fprintf(o, "PrgCode     0x%08" PRIx32 ", 0x%" PRIx32 " bytes%s\n", f->code_addr, f->code_size,
            f->has_code ? "" : " (no PrgCode section)");
    fprintf(o, "PrgData     0x%08" PRIx32 ", 0x%" PRIx32 " bytes (0x%" PRIx32 " initialised)%s\n",
            f->data_addr, f->data_size, f->data_filesz, f->has_data ? "" : " (no PrgData section)");
    fprintf(o, "position    %s; PI flag %s, SB flag %s; %u instructions name R9\n",
            f->absolute ? "linked at an absolute address" : "position-independent (linked at 0)",
            f->pi ? "set" : "not set", f->sb ? "set" : "not set", f->r9_uses);
    if (f->devdscr_exec)
        fprintf(o,
                "note        DevDscr is flagged executable (armclang does so): not downloaded\n");
    if (f->extra_sections[0])
        fprintf(o, "sections    also %s\n", f->extra_sections);
    if (img)
        fprintf(o,
                "placement   breakpoint word at 0x%08" PRIx32 ", code at 0x%08" PRIx32
                ", R9 (static base) 0x%08" PRIx32 ", stack 0x%08" PRIx32 "..0x%08" PRIx32 "\n",
                img->base - 4u, img->base, r9, stack_lo, sp);
}

/* The origin lines: which chip the file was built for, against the target (issue 13 item 11). */
static void print_origin(FILE *o, bool json, const se_stldr *l, const se_profile *p)
{
    const se_family *fam = p->board ? se_family_of_mcu(p->board->mcu) : NULL;
    se_origin g;
    se_origin_analyse(l, fam, &g);
    unsigned shown = g.nforeign < SE_ORIGIN_MAX_FOREIGN ? g.nforeign : SE_ORIGIN_MAX_FOREIGN;
    if (json) {
        fputs(",\"origin\":{\"core\":", o);
        se_json_str(o, g.core);
        fprintf(o, ",\"arch\":%u,\"core_mismatch\":%s,\"link_ram\":", g.attrs.cpu_arch,
                g.core_mismatch ? "true" : "false");
        se_json_str(o, g.link_ram);
        fprintf(o, ",\"link_foreign\":%s,\"foreign\":[", g.link_foreign ? "true" : "false");
        for (unsigned i = 0; i < shown; i++) {
            fprintf(o, "%s{\"value\":%" PRIu32 ",\"at\":%" PRIu32 ",\"owners\":", i ? "," : "",
                    g.foreign[i].value, g.foreign[i].at);
            se_json_str(o, g.foreign[i].owners);
            fputc('}', o);
        }
        fprintf(o, "],\"foreign_blocks\":%u}", g.nforeign);
        return;
    }
    fprintf(o, "built for   %s%s%s%s\n", g.core, g.core_mismatch ? "; not the core of the " : "",
            g.core_mismatch ? fam->name : "", g.core_mismatch ? " (another chip)" : "");
    fprintf(o, "link RAM    %s\n", g.link_ram);
    for (unsigned i = 0; i < shown; i++)
        fprintf(o,
                "foreign     0x%08" PRIx32 " (literal at 0x%08" PRIx32
                ") is %s, not an %s register\n",
                g.foreign[i].value, g.foreign[i].at, g.foreign[i].owners, fam->name);
    if (g.nforeign > shown)
        fprintf(o, "foreign     ... %u blocks in all\n", g.nforeign);
}

static int info(cli *c, const se_stldr *l, const se_profile *p, se_place place, bool strict)
{
    const se_storage_info *si = se_stldr_storage(l);
    const se_flm_info *flm = se_stldr_flm(l);
    if (flm && flm->absolute) /* the host runs it where it is linked */
        place = SE_PLACE_LINK;
    se_ram_window win = {p->bkpt_addr, p->load_base, p->ram_end, p->download_limit,
                         p->observed_limit};
    se_image img;
    se_error err;
    se_err pe = se_stldr_plan(l, &win, place, strict, &img, &err);
    FILE *o = c->out;
    /* no StorageInfo (field failure mode 10): said first, the rest shown (issue 14 item 6) */
    const char *missing = se_stldr_storage_missing(l);
    if (c->json) {
        fputs("{", o);
        if (missing) {
            fputs("\"storage_error\":", o);
            se_json_str(o, missing);
            fputs(",", o);
        }
        fputs("\"name\":", o);
        se_json_str(o, si->name);
        fprintf(o,
                ",\"type\":%u,\"type_name\":\"%s\",\"start\":%" PRIu32 ",\"size\":%" PRIu32
                ",\"page_size\":%" PRIu32 ",\"erase_value\":%u,\"sectors\":[",
                si->type, dev_type_name(si->type), si->start, si->declared_size, si->page_size,
                si->erase_value);
        for (unsigned g = 0; g < si->ngroups; g++)
            fprintf(o, "%s{\"num\":%" PRIu32 ",\"size\":%" PRIu32 "}", g ? "," : "",
                    si->sectors[g].num, si->sectors[g].size);
        fputs("]", o);
        char policy[300];
        if (se_storage_policy(si, policy, sizeof policy)) {
            fprintf(o, ",\"size_used\":%" PRIu32 ",\"storage_warning\":", si->size);
            se_json_str(o, policy);
        }
        fputs(",\"entries\":{", o);
        bool first = true;
        for (int id = 0; id < SE_EP__COUNT; id++) {
            uint32_t a;
            if (se_stldr_entry(l, (se_entry_id)id, &a)) {
                fprintf(o, "%s\"%s\":%" PRIu32, first ? "" : ",",
                        se_stldr_entry_name(l, (se_entry_id)id), a);
                first = false;
            }
        }
        fputs("},\"segments\":[", o);
        for (size_t i = 0; i < se_stldr_nsegments(l); i++) {
            const se_segment *s = se_stldr_segment(l, i);
            fprintf(o,
                    "%s{\"vaddr\":%" PRIu32 ",\"filesz\":%" PRIu32 ",\"memsz\":%" PRIu32
                    ",\"flags\":%" PRIu32 ",\"metadata\":%s}",
                    i ? "," : "", s->vaddr, s->filesz, s->memsz, s->flags,
                    s->metadata ? "true" : "false");
        }
        fputs("]", o);
        if (flm)
            info_flm(o, true, l, flm, p, pe ? NULL : &img);
        if (!pe) {
            fprintf(o,
                    ",\"image\":{\"base\":%" PRIu32 ",\"link_base\":%" PRIu32 ",\"size\":%" PRIu32
                    ",\"mem_end\":%" PRIu32 ",\"warnings\":[",
                    img.base, img.link_base, img.size, img.mem_end);
            for (unsigned i = 0; i < img.nwarnings; i++) {
                fputs(i ? "," : "", o);
                se_json_str(o, img.warnings[i]);
            }
            fputs("]}", o);
        } else {
            fputs(",\"plan_error\":", o);
            se_json_str(o, err.msg);
        }
        print_origin(o, true, l, p);
        fputs("}\n", o);
    } else {
        fprintf(o, "loader      %s\n", se_stldr_path(l));
        if (missing)
            fprintf(o, "error       %s\n", missing);
        else
            fprintf(o, "device      \"%s\" type %u (%s)\n", si->name, si->type,
                    dev_type_name(si->type));
        if (!missing)
            fprintf(o,
                    "range       0x%08" PRIx32 "..0x%08" PRIx32 " (%" PRIu32
                    " bytes), page 0x%" PRIx32 ", erase value 0x%02x\n",
                    si->start, si->start + si->declared_size, si->declared_size, si->page_size,
                    si->erase_value);
        for (unsigned g = 0; g < si->ngroups; g++)
            fprintf(o, "sectors     %" PRIu32 " x 0x%" PRIx32 "\n", si->sectors[g].num,
                    si->sectors[g].size);
        char policy[300];
        if (se_storage_policy(si, policy, sizeof policy))
            fprintf(o, "warning     %s\n", policy);
        if (flm)
            info_flm(o, false, l, flm, p, pe ? NULL : &img);
        else if (!missing)
            fprintf(o, "StorageInfo symbol at 0x%08" PRIx32 " in section %s\n", si->symbol_addr,
                    si->section);
        for (int id = 0; !flm && id < SE_EP__COUNT; id++) {
            uint32_t a;
            if (se_stldr_entry(l, (se_entry_id)id, &a))
                fprintf(o, "entry       %-12s 0x%08" PRIx32 "%s\n", se_entry_name((se_entry_id)id),
                        a, (a & 1u) ? "" : "  (no Thumb bit)");
            else
                fprintf(o, "entry       %-12s -\n", se_entry_name((se_entry_id)id));
        }
        for (size_t i = 0; i < se_stldr_nsegments(l); i++) {
            const se_segment *s = se_stldr_segment(l, i);
            fprintf(o,
                    "segment %zu   0x%08" PRIx32 " file 0x%" PRIx32 " mem 0x%" PRIx32 " %c%c%c%s\n",
                    i, s->vaddr, s->filesz, s->memsz, (s->flags & 4) ? 'R' : '-',
                    (s->flags & 2) ? 'W' : '-', (s->flags & 1) ? 'X' : '-',
                    !s->metadata ? ""
                    : flm        ? "  FlashDevice (not downloaded)"
                                 : "  StorageInfo (not downloaded)");
        }
        fprintf(o, "target      %s\n", p->description);
        print_origin(o, false, l, p);
        if (!pe) {
            fprintf(o,
                    "image       0x%" PRIx32 " bytes downloaded at 0x%08" PRIx32
                    " (linked at 0x%08" PRIx32 "), ends at 0x%08" PRIx32 " with .bss\n",
                    img.size, img.base, img.link_base, img.mem_end);
            uint32_t sp = se_host_rule_sp(img.base - 4u, &img, p->stack_gap); /* follows it */
            uint32_t limit = p->download_limit ? p->download_limit : p->ram_end - p->load_base;
            if (!flm)
                fprintf(o,
                        "host        BKPT at 0x%08" PRIx32 ", SP 0x%08" PRIx32
                        ", download limit 0x%" PRIx32 " (%s)\n",
                        p->bkpt_addr, sp, limit,
                        p->download_limit ? "the profile's" : "the RAM window");
            if (p->observed_limit && !flm)
                fprintf(o,
                        "host        0x%" PRIx32 " bytes seen to work once with TrustZone on "
                        "(docs/protocol.md 2.8): a warning over it, not a limit\n",
                        p->observed_limit);
            for (unsigned i = 0; i < img.nwarnings; i++)
                fprintf(o, "warning     %s\n", img.warnings[i]);
        } else {
            fprintf(o, "error       %s\n", err.msg);
        }
    }
    if (!pe)
        se_image_free(&img);
    if (!pe && missing)
        pe = SE_ERR_NO_STORAGEINFO;
    return pe ? se_err_exit_code(pe) : 0;
}

/* --target list: the built-in targets (emu/boards/). */
static int list_targets(FILE *o, bool json)
{
    const se_board *const *b = se_boards();
    static const char *const modes[SE_TZ_NMODES] = {"off", "on", "secure"};
    if (json)
        fputs("{\"targets\":[", o);
    for (size_t i = 0; b[i]; i++) {
        if (json) {
            fprintf(o, "%s{\"name\":", i ? "," : "");
            se_json_str(o, b[i]->name);
            fputs(",\"mcu\":", o);
            se_json_str(o, b[i]->mcu);
            fputs(",\"core\":", o);
            se_json_str(o, b[i]->core);
            fputs(",\"flash\":", o);
            se_json_str(o, b[i]->flash);
            fputs(",\"tz\":[", o);
            for (int m = 0, n = 0; m < SE_TZ_NMODES; m++)
                if (b[i]->profiles[m])
                    fprintf(o, "%s\"%s\"", n++ ? "," : "", modes[m]);
            fputs("]}", o);
            continue;
        }
        fprintf(o, "%-20s %s\n", b[i]->name, b[i]->description);
        fprintf(o, "%-20s %s (%s), %s; --tz", "", b[i]->mcu, b[i]->core, b[i]->flash);
        for (int m = 0; m < SE_TZ_NMODES; m++)
            if (b[i]->profiles[m])
                fprintf(o, " %s", modes[m]);
        fputc('\n', o);
    }
    if (json)
        fputs("]}\n", o);
    return 0;
}

int se_info_main(int argc, char **argv)
{
    const se_command *cmd = se_command_find("info");
    cli c = {.out = stdout};
    cli_target t;
    cli_target_default(&t);
    se_host_opts ho;
    se_host_opts_default(&ho);
    for (int i = 2; i < argc; i++) /* --target list needs no LOADER */
        if ((!strcmp(argv[i], "--target") && i + 1 < argc && !strcmp(argv[i + 1], "list")) ||
            !strcmp(argv[i], "--target=list")) {
            bool json = false;
            for (int k = 2; k < argc; k++)
                json |= !strcmp(argv[k], "--json");
            return list_targets(stdout, json);
        }
    cli_parser p;
    cli_begin(&p, cmd, argc, argv);
    const char *arg;
    for (int id; (id = cli_next(&p, &arg)) != OPT_END;) {
        if (cli_target_option(&t, "info", id, arg))
            continue;
        switch (id) {
        case OPT_JSON: c.json = true; break;
        case OPT_STRICT: ho.strict = true; break;
        case OPT_PLACE:
            if (!strcmp(arg, "profile"))
                ho.place = SE_PLACE_PROFILE;
            else if (!strcmp(arg, "link"))
                ho.place = SE_PLACE_LINK;
            else
                cli_usage_exit("info", "--place takes profile or link");
            break;
        }
    }
    int rc;
    se_stldr *l = cli_open_loader_lenient(p.operand, &rc);
    if (!l)
        return rc;
    c.l = l;
    char why[2000];
    const se_profile *prof = cli_profile_for(&t, "info", l, why, sizeof why);
    if (why[0] && !c.json)
        fprintf(c.out, "choice      %s\n", why);
    rc = info(&c, l, prof, ho.place, ho.strict);
    se_stldr_free(l);
    return rc;
}
