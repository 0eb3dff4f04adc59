#include "base/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Decimal digits with an optional fraction and exponent ("2e9", "1.5e6"): the value only
 * when it is a whole number that fits 64 bits. */
static bool parse_decimal(const char *s, const char **end, uint64_t *out)
{
    uint64_t m = 0;
    int scale = 0, ndig = 0;
    bool big = false;
    const char *p = s;
    for (bool frac = false;; p++) {
        if (*p == '.' && !frac) {
            frac = true;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        unsigned d = (unsigned)(*p - '0');
        if (m > (UINT64_MAX - d) / 10)
            big = true;
        m = m * 10 + d;
        ndig++;
        scale -= frac;
    }
    if (!ndig || big)
        return false;
    if ((*p == 'e' || *p == 'E') && p[1] >= '0' && p[1] <= '9') {
        int x = 0;
        for (p++; *p >= '0' && *p <= '9'; p++)
            if ((x = x * 10 + (*p - '0')) > 40)
                return false;
        scale += x;
    }
    for (; scale < 0; scale++) {
        if (m % 10)
            return false; /* not a whole number */
        m /= 10;
    }
    for (; scale > 0; scale--) {
        if (m > UINT64_MAX / 10)
            return false;
        m *= 10;
    }
    *end = p;
    *out = m;
    return true;
}

bool se_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !((*s >= '0' && *s <= '9') || *s == '.')) /* no sign, no blank */
        return false;
    uint64_t v;
    const char *end;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || (s[1] >= '0' && s[1] <= '7'))) {
        bool hex = s[1] == 'x' || s[1] == 'X';
        if (hex && !isxdigit((unsigned char)s[2]))
            return false;
        errno = 0;
        char *e;
        unsigned long long x = strtoull(s, &e, hex ? 16 : 8);
        if (errno)
            return false;
        v = x;
        end = e;
    } else if (!parse_decimal(s, &end, &v)) {
        return false;
    }
    if (*end == 'K' || *end == 'k' || *end == 'M' || *end == 'm') {
        uint64_t mult = (*end == 'K' || *end == 'k') ? 1024u : 1024u * 1024u;
        if (v > UINT64_MAX / mult) /* before multiplying: it would wrap */
            return false;
        v *= mult, end++;
    }
    if (*end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool se_parse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!se_parse_u64(s, 0, UINT32_MAX, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool se_parse_seconds(const char *s, double min, double max, double *out)
{
    if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    /* strtod also takes hex floats, "inf" and "nan": digits first rules out the last two */
    if (errno || end == s || *end || !(v >= min && v <= max))
        return false;
    *out = v;
    return true;
}
