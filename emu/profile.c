#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* STM32L562E-DK (STM32L562QE: 512 KB flash, 256 KB SRAM). Memory map: RM0438 via
 * docs/hardware.md C.1. Host facts: docs/protocol.md 2.1, 2.2 and the field report (breakpoint at
 * 0x20000000 / 0x20018000, image limit 0x1000 observed on this part). */
#define L562_COMMON                                                                   \
    .target = "stm32l562e-dk",                                                        \
    .sram = {0x20000000u, 0x40000u}, .sram_alias = 0x30000000u,                       \
    .iflash = {0x08000000u, 0x80000u}, .iflash_alias = 0x0C000000u,                   \
    .periph = {0x40000000u, 0x10000000u}, .periph_alias = 0x50000000u,                \
    .ext_window = {0x90000000u, 0x10000000u},                                         \
    .ram_end = 0x20040000u, .download_limit = 0x1000u, .stack_gap = 0x400u,           \
    .reset_core_hz = 4000000u /* MSI range 6 after reset (RCC_CR reset 0x63) */

/* ST's template partition (docs/hardware.md C.2 table; emu/tz.c se_tz_st_template_sau). */
#define L562_TEMPLATE_TZ                                                              \
    .nsau = 6,                                                                        \
    .sau = {{0x0C03E000u, 0x0C03FFFFu, true},                                         \
            {0x08040000u, 0x0807FFFFu, false},                                        \
            {0x20018000u, 0x2003FFFFu, false},                                        \
            {0x40000000u, 0x4FFFFFFFu, false},                                        \
            {0x60000000u, 0x9FFFFFFFu, false},                                        \
            {0x0BF90000u, 0x0BFA8FFFu, false}},                                       \
    .nmpcbb_ns = 1, .mpcbb_ns = {{0x20018000u, 0x20040000u}},                        \
    .nmpcwm_ns = 1, .mpcwm_ns = {{0x90000000u, 0x94000000u}}

static const se_profile profiles[] = {
    {
        L562_COMMON,
        .description = "STM32L562E-DK, TZEN=0: loader at 0x20000004, BKPT at 0x20000000",
        .tz = false,
        .bkpt_addr = 0x20000000u,
        .load_base = 0x20000004u,
        .vtor = 0x08000000u, /* boot address of a TZEN=0 application */
        .secure = false,
    },
    {
        /* TZEN=1 as ST's template TrustZone application leaves it (docs/hardware.md C.2, C.5):
         * SAU regions 0..5 of partition_stm32l562xx.h, SRAM1 blocks 0..383 secure, the rest
         * of SRAM non-secure; the loader runs Non-secure in the NS SRAM at 0x20018004 (why
         * TZ loaders are linked there). Unverified (docs/protocol.md 2.8): the state the host
         * starts the loader in; this profile says Non-secure. The application is taken to
         * have opened an MPCWM1 window over the board's 64 MiB OCTOSPI flash, without which
         * no non-secure loader can verify through the memory-mapped window (C.5). */
        L562_COMMON,
        .description = "STM32L562E-DK, TZEN=1, ST template partition: loader Non-secure at "
                       "0x20018004, BKPT at 0x20018000",
        .tz = true,
        .bkpt_addr = 0x20018000u,
        .load_base = 0x20018004u,
        .vtor = 0x08040000u, /* the non-secure application in flash bank 2 (SAU region 1) */
        .secure = false,
        L562_TEMPLATE_TZ,
    },
    {
        L562_COMMON,
        .description = "STM32L562E-DK, TZEN=1 reset state: loader Secure at 0x20018004, "
                       "BKPT at 0x20018000, SAU off (everything Secure)",
        .tz = true,
        .bkpt_addr = 0x20018000u,
        .load_base = 0x20018004u,
        /* Uncertain (docs/hardware.md C.6): the secure boot address default is expected to be
         * 0x0C000000; we assume the application left VTOR there. */
        .vtor = 0x0C000000u,
        .secure = true, /* the core's reset state with TZEN=1 */
    },
};

static const char *const target_names[] = {"stm32l562e-dk", NULL};

const se_profile *se_profile_find_tz(const char *target, const char *mode)
{
    size_t n = 0;
    int want = !strcmp(mode, "off") ? 0 : !strcmp(mode, "on") ? 1 : !strcmp(mode, "secure") ? 2 : -1;
    if (want < 0)
        return NULL;
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(profiles[i].target, target) == 0) {
            if ((int)n == want)
                return &profiles[i];
            n++;
        }
    return NULL;
}

const se_profile *se_profile_find(const char *target, bool tz)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(profiles[i].target, target) == 0 && profiles[i].tz == tz)
            return &profiles[i];
    return NULL;
}

const char *const *se_profile_targets(void)
{
    return target_names;
}

/* ---- profile files ------------------------------------------------------------------- */

static se_profile loaded;
static char loaded_desc[320], loaded_iflash[512], loaded_target[64];

bool se_parse_u32(const char *s, uint32_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return false;
    if (*end == 'K' || *end == 'k' || *end == 'M' || *end == 'm') {
        unsigned long long mult = (*end == 'K' || *end == 'k') ? 1024u : 1024u * 1024u;
        if (v > UINT32_MAX / mult) /* before multiplying: 2^44 M would wrap to 0 */
            return false;
        v *= mult, end++;
    }
    if (*end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

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
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open profile %s: %s", path, strerror(errno));
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
            return NULL;
        }
        if (!strncmp(p, "base=", 5) || !strncmp(p, "target=", 7))
            snprintf(loaded_target, sizeof loaded_target, "%s", eq + 1);
        else if (!strncmp(p, "tz=", 3)) {
            if (!yesno(eq + 1, &tz)) {
                snprintf(err, errlen, "%s:%u: tz takes on or off", path, ln);
                fclose(f);
                return NULL;
            }
            have_tz = true;
        } else if (nkeys < 64) {
            lines[nkeys] = ln;
            snprintf(keys[nkeys++], sizeof keys[0], "%s", p);
        } else {
            snprintf(err, errlen, "%s:%u: too many keys", path, ln);
            fclose(f);
            return NULL;
        }
    }
    fclose(f);
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
    for (unsigned i = 0; i < nkeys; i++) {
        char *k = keys[i], *v = strchr(k, '=');
        *v++ = '\0';
        char shown[512]; /* the value as written: the parsers below cut it at ',' and ':' */
        snprintf(shown, sizeof shown, "%s", v);
        bool ok = true;
        if (!strcmp(k, "secure")) {
            ok = yesno(v, &secure);
            have_secure = true;
        } else if (!strcmp(k, "bkpt"))
            ok = num(v, &loaded.bkpt_addr);
        else if (!strcmp(k, "load_base"))
            ok = num(v, &loaded.load_base);
        else if (!strcmp(k, "ram_end"))
            ok = num(v, &loaded.ram_end);
        else if (!strcmp(k, "download_limit"))
            ok = num(v, &loaded.download_limit);
        else if (!strcmp(k, "vtor"))
            ok = num(v, &loaded.vtor);
        else if (!strcmp(k, "stack_gap"))
            ok = num(v, &loaded.stack_gap);
        else if (!strcmp(k, "sau_region")) {
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
                const se_profile *t = se_profile_find_tz("stm32l562e-dk", "on");
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
    loaded.tz = have_tz && tz;
    loaded.secure = loaded.tz && (have_secure ? secure : true);
    if (!loaded_desc[0])
        snprintf(loaded_desc, sizeof loaded_desc, "%s (profile %s, TZEN=%d, loader %s at 0x%08" PRIx32
                 ", BKPT at 0x%08" PRIx32 ")",
                 loaded_target, path, loaded.tz, loaded.tz ? (loaded.secure ? "Secure" : "Non-secure") : "Non-secure",
                 loaded.load_base, loaded.bkpt_addr);
    loaded.description = loaded_desc;
    return &loaded;
}
