#include "util/json_check.h"

#include <ctype.h>
#include <string.h>

typedef struct jp {
    const char *p, *end;
    int depth;
} jp;

static void blanks(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool lit(jp *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
        return false;
    j->p += n;
    return true;
}

static bool string(jp *j)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    for (j->p++; j->p < j->end; j->p++) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (++j->p >= j->end)
                return false;
            if (*j->p == 'u') {
                for (int i = 0; i < 4; i++)
                    if (++j->p >= j->end || !isxdigit((unsigned char)*j->p))
                        return false;
            } else if (!strchr("\"\\/bfnrt", *j->p)) {
                return false;
            }
        }
    }
    return false;
}

static bool digits(jp *j)
{
    const char *s = j->p;
    while (j->p < j->end && isdigit((unsigned char)*j->p))
        j->p++;
    return j->p > s;
}

static bool number(jp *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!digits(j))
        return false;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!digits(j))
            return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!digits(j))
            return false;
    }
    return true;
}

static bool value(jp *j);

static bool members(jp *j, char close, bool keyed)
{
    j->p++;
    blanks(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        blanks(j);
        if (keyed) {
            if (!string(j))
                return false;
            blanks(j);
            if (j->p >= j->end || *j->p++ != ':')
                return false;
        }
        if (!value(j))
            return false;
        blanks(j);
        if (j->p >= j->end)
            return false;
        if (*j->p == close) {
            j->p++;
            return true;
        }
        if (*j->p++ != ',')
            return false;
    }
}

static bool value(jp *j)
{
    blanks(j);
    if (j->p >= j->end || ++j->depth > 64)
        return false;
    bool ok;
    switch (*j->p) {
    case '{': ok = members(j, '}', true); break;
    case '[': ok = members(j, ']', false); break;
    case '"': ok = string(j); break;
    case 't': ok = lit(j, "true"); break;
    case 'f': ok = lit(j, "false"); break;
    case 'n': ok = lit(j, "null"); break;
    default: ok = number(j); break;
    }
    j->depth--;
    return ok;
}

bool json_valid(const char *s, size_t n)
{
    jp j = {s, s + n, 0};
    if (!value(&j))
        return false;
    blanks(&j);
    return j.p == j.end;
}

int json_lines_valid(const char *text, int *bad)
{
    int lines = 0, no = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        no++;
        if (n) {
            if (p[0] != '{' || !json_valid(p, n)) {
                *bad = no;
                return -1;
            }
            lines++;
        }
        p += n + (nl ? 1 : 0);
    }
    return lines;
}
