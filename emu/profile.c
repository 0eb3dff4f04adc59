#include "emu/profile.h"

#include "emu/board.h"
#include "peripherals/spinor.h"

#include "base/fileio.h"
#include "base/input_limits.h"
#include "base/parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The built-in profiles are the boards' (emu/boards/): a target is a board's name. */

const se_profile *se_profile_find_tz(const char *target, const char *mode)
{
    se_tz_mode tm;
    const se_board *b = se_board_find(target);
    if (!b || !se_tz_mode_parse(mode, &tm))
        return NULL;
    return b->profiles[tm];
}

const se_profile *se_profile_follow_link(const se_profile *p, uint32_t link_base)
{
    static se_profile moved;
    if (!p || !p->base_follows_link || link_base == p->load_base || (link_base & 3u) ||
        link_base < p->sram.base + 4u || link_base - p->sram.base >= p->sram.size ||
        link_base + 0x100u >= p->ram_end)
        return p;
    moved = *p;
    moved.bkpt_addr = link_base - 4u;
    moved.load_base = link_base;
    return &moved;
}

const se_profile *se_profile_find(const char *target, bool tz)
{
    return se_profile_find_tz(target, tz ? "on" : "off");
}

/* ---- profile files ------------------------------------------------------------------- */

static se_profile loaded;
static char loaded_chip[32];
static char loaded_desc[320], loaded_iflash[512], loaded_target[64];

/* A profile value: se_parse_u32 after trailing blanks. */
static bool num(const char *s, uint32_t *out)
{
    char buf[64];
    size_t n = s ? strlen(s) : 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return se_parse_u32(buf, out);
}

/* The host's window must lie in the target's RAM (either alias, the same one throughout):
 * the breakpoint word, the load base after it, the end of the window, and the stack the
 * host's rule puts at least stack_gap above the breakpoint. A profile that breaks this is
 * refused when read, naming the key (its line, or the base target's value) and why. */
static bool host_window_ok(const se_profile *p, const char *path, const unsigned line_of[4],
                           char *err, size_t errlen)
{
    uint64_t lo = p->sram.base, hi = (uint64_t)p->sram.base + p->sram.size;
    if (p->bkpt_addr - p->sram_alias < p->sram.size) { /* the secure alias */
        lo = p->sram_alias;
        hi = (uint64_t)p->sram_alias + p->sram.size;
    }
    const char *key = NULL;
    unsigned which = 0;
    uint32_t val = 0;
    char why[200] = "";
    if (p->bkpt_addr < lo || p->bkpt_addr + 4ull > hi || (p->bkpt_addr & 3u)) {
        key = "bkpt", which = 0, val = p->bkpt_addr;
        snprintf(why, sizeof why, "%s",
                 (p->bkpt_addr & 3u) ? "the breakpoint word must be word-aligned"
                                     : "the host's breakpoint word must be in the target's RAM");
    } else if (p->load_base < p->bkpt_addr + 4u || p->load_base >= hi) {
        key = "load_base", which = 1, val = p->load_base;
        snprintf(why, sizeof why,
                 "the image must be downloaded into RAM above the breakpoint word (0x%08" PRIx32
                 ")",
                 p->bkpt_addr);
    } else if (p->ram_end <= p->load_base || p->ram_end > hi) {
        key = "ram_end", which = 2, val = p->ram_end;
        snprintf(why, sizeof why,
                 "the end of the host's RAM window must be above the load base (0x%08" PRIx32
                 ") and not past the end of RAM",
                 p->load_base);
    } else if ((uint64_t)p->bkpt_addr + p->stack_gap + 4u > p->ram_end) {
        key = "stack_gap", which = 3, val = p->stack_gap;
        snprintf(why, sizeof why,
                 "the stack (SP = bkpt + image size + stack_gap) would be past the end of the "
                 "window (0x%08" PRIx32 ")",
                 p->ram_end);
    }
    if (!key)
        return true;
    char at[32] = "";
    if (line_of[which])
        snprintf(at, sizeof at, ":%u", line_of[which]);
    snprintf(
        err, errlen,
        "%s%s: %s 0x%" PRIx32 "%s is not usable on %s (RAM 0x%08" PRIx64 "..0x%08" PRIx64 "): %s",
        path, at, key, val, line_of[which] ? "" : " (the base target's)", p->target, lo, hi, why);
    return false;
}

/* "start:end" with end exclusive; end may be 0x100000000 written as 0 is not allowed. */
static bool range(char *v, se_range *r)
{
    char *c = strchr(v, ':');
    if (!c)
        return false;
    *c = '\0';
    return num(v, &r->start) && num(c + 1, &r->end) && r->end > r->start;
}

static bool yesno(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
        *out = true;
    else if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
        *out = false;
    else
        return false;
    return true;
}

const se_profile *se_profile_load(const char *path, char *err, size_t errlen)
{
    /* a regular file of at most SE_LIMIT_PROFILE_BYTES, read whole, then parsed in memory */
    uint8_t *text;
    size_t tlen;
    se_error e;
    if (se_read_file(path, "profile", SE_LIMIT_PROFILE_BYTES, &text, &tlen, &e)) {
        snprintf(err, errlen, "%s", e.msg);
        return NULL;
    }
    FILE *f = fmemopen(text, tlen, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read profile %s: %s", path, strerror(errno));
        free(text);
        return NULL;
    }
    char line[512];
    unsigned ln = 0;
    bool have_tz = false, tz = false, have_secure = false, secure = false;
    /* Keys are applied after base= and tz= pick the built-in profile to start from. */
    char keys[64][512];
    unsigned nkeys = 0, lines[64];
    snprintf(loaded_target, sizeof loaded_target, "stm32l562e-dk");
    loaded_desc[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f)) { /* else the rest would read as another line */
            snprintf(err, errlen, "%s:%u: line longer than %zu characters", path, ln,
                     sizeof line - 2);
            fclose(f);
            free(text);
            return NULL;
        }
        char *p = line, *h = strchr(p, '#');
        if (h)
            *h = '\0';
        size_t n = strlen(p);
        while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            p[--n] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected key=value", path, ln);
            fclose(f);
            free(text);
            return NULL;
        }
        if (!strncmp(p, "base=", 5) || !strncmp(p, "target=", 7))
            snprintf(loaded_target, sizeof loaded_target, "%s", eq + 1);
        else if (!strncmp(p, "tz=", 3)) {
            if (!yesno(eq + 1, &tz)) {
                snprintf(err, errlen, "%s:%u: tz takes on or off", path, ln);
                fclose(f);
                free(text);
                return NULL;
            }
            have_tz = true;
        } else if (nkeys < 64) {
            lines[nkeys] = ln;
            snprintf(keys[nkeys++], sizeof keys[0], "%s", p);
        } else {
            snprintf(err, errlen, "%s:%u: too many keys", path, ln);
            fclose(f);
            free(text);
            return NULL;
        }
    }
    fclose(f);
    free(text);
    /* The starting point: the target's TZEN=0 profile, or its TZEN=1 reset state (Secure,
     * SAU and GTZC at reset) for tz=on; the keys below describe the rest. */
    const se_profile *b = se_profile_find_tz(loaded_target, have_tz && tz ? "secure" : "off");
    if (!b) {
        snprintf(err, errlen, "%s: unknown base target '%s'", path, loaded_target);
        return NULL;
    }
    loaded = *b;
    loaded.target = loaded_target;
    loaded.internal_flash = NULL;
    bool sau_reset = true;
    unsigned line_of[4] = {0, 0, 0, 0}; /* bkpt, load_base, ram_end, stack_gap */
    for (unsigned i = 0; i < nkeys; i++) {
        char *k = keys[i], *v = strchr(k, '=');
        *v++ = '\0';
        char shown[512]; /* the value as written: the parsers below cut it at ',' and ':' */
        snprintf(shown, sizeof shown, "%s", v);
        bool ok = true;
        if (!strcmp(k, "secure")) {
            ok = yesno(v, &secure);
            have_secure = true;
        } else if (!strcmp(k, "bkpt")) {
            ok = num(v, &loaded.bkpt_addr);
            line_of[0] = lines[i];
        } else if (!strcmp(k, "load_base")) {
            ok = num(v, &loaded.load_base);
            line_of[1] = lines[i];
        } else if (!strcmp(k, "ram_end")) {
            ok = num(v, &loaded.ram_end);
            line_of[2] = lines[i];
        } else if (!strcmp(k, "download_limit"))
            ok = num(v, &loaded.download_limit);
        else if (!strcmp(k, "observed_limit"))
            ok = num(v, &loaded.observed_limit);
        else if (!strcmp(k, "vtor"))
            ok = num(v, &loaded.vtor);
        else if (!strcmp(k, "vtor_s"))
            ok = num(v, &loaded.vtor_s);
        else if (!strcmp(k, "bfhfnmins"))
            ok = yesno(v, &loaded.bfhfnmins);
        else if (!strcmp(k, "stack_gap")) {
            ok = num(v, &loaded.stack_gap);
            line_of[3] = lines[i];
        } else if (!strcmp(k, "sau_region")) {
            /* N,base,limit,nsc */
            uint32_t f4[4];
            char *s = v;
            for (unsigned j = 0; j < 4 && ok; j++) {
                char *c = strchr(s, ',');
                if (c)
                    *c = '\0';
                ok = (j < 3 || c == NULL) && num(s, &f4[j]) && (j == 3 || c);
                s = c ? c + 1 : s;
            }
            ok = ok && f4[0] < 8 && f4[3] <= 1 && f4[2] >= f4[1];
            if (ok) {
                if (sau_reset) {
                    memset(loaded.sau, 0, sizeof loaded.sau);
                    loaded.nsau = 0;
                    sau_reset = false;
                }
                loaded.sau[f4[0]] = (se_profile_sau){f4[1], f4[2], f4[3] != 0};
                if (f4[0] + 1 > loaded.nsau)
                    loaded.nsau = f4[0] + 1;
            }
        } else if (!strcmp(k, "sau")) {
            if (!strcmp(v, "reset")) {
                memset(loaded.sau, 0, sizeof loaded.sau);
                loaded.nsau = 0;
                sau_reset = false;
            } else if (!strcmp(v, "st_template")) {
                const se_profile *t = loaded.board->profiles[SE_TZ_MODE_ON];
                if (!t) {
                    snprintf(err, errlen, "%s:%u: target %s has no TrustZone template", path,
                             lines[i], loaded_target);
                    return NULL;
                }
                memcpy(loaded.sau, t->sau, sizeof loaded.sau);
                loaded.nsau = t->nsau;
                sau_reset = false;
            } else
                ok = false;
        } else if (!strcmp(k, "mpcbb_ns")) {
            ok = loaded.nmpcbb_ns < 8 && range(v, &loaded.mpcbb_ns[loaded.nmpcbb_ns]);
            if (ok)
                loaded.nmpcbb_ns++;
        } else if (!strcmp(k, "mpcwm_ns")) {
            ok = loaded.nmpcwm_ns < 4 && range(v, &loaded.mpcwm_ns[loaded.nmpcwm_ns]);
            if (ok)
                loaded.nmpcwm_ns++;
        } else if (!strcmp(k, "gtzc_illegal")) {
            ok = !strcmp(v, "razwi") || !strcmp(v, "buserr");
            loaded.gtzc_buserr = !strcmp(v, "buserr");
        } else if (!strcmp(k, "alias")) {
            ok = !strcmp(v, "pass") || !strcmp(v, "illegal");
            loaded.alias_illegal = !strcmp(v, "illegal");
        } else if (!strcmp(k, "internal_flash")) {
            snprintf(loaded_iflash, sizeof loaded_iflash, "%s", v);
            loaded.internal_flash = loaded_iflash;
        } else if (!strcmp(k, "flash_chip")) {
            if (!se_flash_chip_find(v)) {
                char known[256];
                size_t kn = (size_t)snprintf(known, sizeof known, "MX25LM51245G");
                for (const se_spinor_part *const *q = se_spinor_parts(); *q; q++)
                    if (kn < sizeof known)
                        kn += (size_t)snprintf(known + kn, sizeof known - kn, ", %s", (*q)->name);
                snprintf(err, errlen, "%s:%u: unknown flash_chip '%s' (known: %s)", path, lines[i],
                         shown, known);
                return NULL;
            }
            snprintf(loaded_chip, sizeof loaded_chip, "%s", v);
            loaded.flash_chip = loaded_chip;
        } else if (!strcmp(k, "description")) {
            snprintf(loaded_desc, sizeof loaded_desc, "%s", v);
        } else {
            snprintf(err, errlen, "%s:%u: unknown key '%s'", path, lines[i], k);
            return NULL;
        }
        if (!ok) {
            snprintf(err, errlen, "%s:%u: bad value for %s: '%s'", path, lines[i], k, shown);
            return NULL;
        }
    }
    if (!host_window_ok(&loaded, path, line_of, err, errlen))
        return NULL;
    loaded.tz = have_tz && tz;
    loaded.secure = loaded.tz && (have_secure ? secure : true);
    if (!loaded_desc[0])
        snprintf(loaded_desc, sizeof loaded_desc,
                 "%s (profile %s, TZEN=%d, loader %s at 0x%08" PRIx32 ", BKPT at 0x%08" PRIx32 ")",
                 loaded_target, path, loaded.tz,
                 loaded.tz ? (loaded.secure ? "Secure" : "Non-secure") : "Non-secure",
                 loaded.load_base, loaded.bkpt_addr);
    loaded.description = loaded_desc;
    return &loaded;
}
