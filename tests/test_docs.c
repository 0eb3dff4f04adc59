/* The repository's own reference (docs/): every citation in the sources, scripts and READMEs
 * of a docs/ page section (`docs/hardware.md C.5`, `docs/protocol.md 2.1`, `docs/protocol.md
 * failure mode 14`, `docs/unicorn.md 10`) names a section that exists, and no comment cites a
 * file that lives outside the repository. Reads the tree this file was compiled from. */
#define _GNU_SOURCE
#include <ctype.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char root[4096];
static char problems[8192];
static size_t nproblems;

static void problem(const char *file, unsigned line, const char *fmt, ...)
{
    size_t len = strlen(problems);
    if (len + 200 >= sizeof problems)
        return;
    len += (size_t)snprintf(problems + len, sizeof problems - len,
                            "%s:%u: ", file + strlen(root) + 1, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problems + len, sizeof problems - len, fmt, ap);
    va_end(ap);
    strncat(problems, "\n", sizeof problems - strlen(problems) - 1);
    nproblems++;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* ---- the pages ------------------------------------------------------------------------- */

static const char *const pages[] = {"hardware", "protocol", "unicorn"};
#define NPAGES (sizeof pages / sizeof pages[0])
static char *page_text[NPAGES];

static int page_index(const char *name, size_t len)
{
    for (unsigned i = 0; i < NPAGES; i++)
        if (strlen(pages[i]) == len && !strncmp(pages[i], name, len))
            return (int)i;
    return -1;
}

/* True when some line of the page starts with prefix. */
static bool has_line(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (!strncmp(p, prefix, n))
            return true;
    }
    return false;
}

/* The line of the page that starts with heading, and the text from there to the next
 * heading of the same level (for numbered table rows inside one section). */
static bool row_in_section(const char *text, const char *heading, unsigned row)
{
    const char *h = strstr(text, heading);
    if (!h)
        return false;
    const char *end = strstr(h + 1, "\n## ");
    char want[32];
    snprintf(want, sizeof want, "\n| %u |", row);
    const char *r = strstr(h, want);
    return r && (!end || r < end);
}

/* ---- the ids after a citation ---------------------------------------------------------- */

static const char *skip_blank(const char *p)
{
    while (*p == ' ' || *p == '(' || (unsigned char)p[0] == 0xC2) /* "§" is C2 A7 */
        p += (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA7 ? 2 : 1;
    return p;
}

/* One section id of docs/hardware.md at p: "C.5", "A.5.9" (rule 9 of A.5), "S6", "D" (a part).
 * Returns the length, 0 if there is none; the check needs only the first two levels. */
static size_t hardware_id(const char *p, char *id, size_t idsz)
{
    size_t n = 0;
    if (p[0] == 'S' && isdigit((unsigned char)p[1])) {
        n = 1;
        while (isdigit((unsigned char)p[n]))
            n++;
    } else if (p[0] >= 'A' && p[0] <= 'D' && p[1] == '.' && isdigit((unsigned char)p[2])) {
        n = 2;
        while (isdigit((unsigned char)p[n]))
            n++;
    } else if (p[0] >= 'A' && p[0] <= 'D' && !isalnum((unsigned char)p[1]) && p[1] != '.') {
        n = 1;
    } else if (p[0] >= 'A' && p[0] <= 'D' && p[1] == '.' && !isalnum((unsigned char)p[2])) {
        n = 1; /* "part A." at the end of a sentence */
    }
    if (n == 0 || n >= idsz)
        return 0;
    memcpy(id, p, n);
    id[n] = '\0';
    size_t len = n;
    if (p[len] == '.' && isdigit((unsigned char)p[len + 1]) && n > 1 && id[0] != 'S')
        for (len++; isdigit((unsigned char)p[len]);)
            len++;
    return len;
}

static bool hardware_has(const char *text, const char *id)
{
    char h[40];
    if (id[0] == 'S' && id[1]) {
        snprintf(h, sizeof h, "| %s |", id);
        return has_line(text, h);
    }
    if (!id[1]) {
        snprintf(h, sizeof h, "## %s. ", id);
        return has_line(text, h);
    }
    snprintf(h, sizeof h, "### %s ", id);
    if (has_line(text, h))
        return true;
    snprintf(h, sizeof h, "| %s |", id); /* D.n: rows of the open-question table */
    return has_line(text, h);
}

/* Checks the ids cited at p for page i; reports each that names no section. */
static void check_ids(int i, const char *p, const char *file, unsigned line)
{
    const char *text = page_text[i];
    p = skip_blank(p);
    if (!strcmp(pages[i], "hardware")) {
        char id[16];
        size_t n;
        while ((n = hardware_id(p, id, sizeof id)) != 0) {
            if (!hardware_has(text, id))
                problem(file, line, "docs/hardware.md %s: no such section", id);
            p += n;
            if (!strncmp(p, ", ", 2) || !strncmp(p, "; ", 2))
                p += 2;
            else if (*p == '/')
                p++;
            else if (!strncmp(p, " and ", 5))
                p += 5;
            else
                break;
        }
        return;
    }
    if (!strncmp(p, "failure mode", 12) || !strncmp(p, "failure modes", 13)) {
        unsigned m;
        p += 12;
        while (*p && !isdigit((unsigned char)*p) && *p != '\n' && *p != ')')
            p++;
        if (sscanf(p, "%u", &m) == 1 && !row_in_section(text, "\n## 5. ", m))
            problem(file, line, "docs/protocol.md failure mode %u: no such row", m);
        return;
    }
    unsigned a, b;
    int used = 0;
    char h[24];
    if (sscanf(p, "%u.%u%n", &a, &b, &used) == 2 && used > 0)
        snprintf(h, sizeof h, "### %u.%u ", a, b);
    else if (sscanf(p, "%u%n", &a, &used) == 1 && used > 0)
        snprintf(h, sizeof h, "## %u. ", a);
    else
        return; /* the page as a whole */
    if (!has_line(text, h))
        problem(file, line, "docs/%s.md %.*s: no such section", pages[i], used, p);
}

/* ---- the tree -------------------------------------------------------------------------- */

static bool wanted(const char *path)
{
    static const char *const ext[] = {".c", ".h", ".md", ".txt", ".sh", ".py", ".cmake"};
    const char *dot = strrchr(path, '.');
    if (!dot)
        return false;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (!strcmp(dot, ext[i]))
            return true;
    return false;
}

typedef void (*file_fn)(const char *path, const char *text);
static file_fn each_file;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    const char *base = path + ftw->base;
    if (type == FTW_D && ftw->level > 0 &&
        (base[0] == '.' || !strncmp(base, "build", 5) || !strcmp(base, "docs")))
        return FTW_SKIP_SUBTREE;
    if (type != FTW_F || !wanted(path))
        return FTW_CONTINUE;
    char *text = slurp(path);
    if (text) {
        each_file(path, text);
        free(text);
    }
    return FTW_CONTINUE;
}

static void walk(file_fn fn)
{
    each_file = fn;
    assert_int_equal(nftw(root, visit, 16, FTW_PHYS | FTW_ACTIONRETVAL), 0);
}

static unsigned line_of(const char *text, const char *p)
{
    unsigned n = 1;
    for (const char *q = text; q < p; q++)
        n += *q == '\n';
    return n;
}

static unsigned ncitations;

static void citations_in(const char *path, const char *text)
{
    for (const char *p = strstr(text, "docs/"); p; p = strstr(p + 1, "docs/")) {
        const char *name = p + 5, *dot = strstr(name, ".md");
        if (!dot || dot - name > 12)
            continue;
        int i = page_index(name, (size_t)(dot - name));
        if (i < 0)
            continue;
        ncitations++;
        check_ids(i, dot + 3, path, line_of(text, p));
    }
}

static void test_every_doc_citation_names_an_existing_section(void **state)
{
    (void)state;
    problems[0] = '\0';
    nproblems = ncitations = 0;
    walk(citations_in);
    if (nproblems)
        fail_msg("%zu citation(s) of a missing section:\n%s", nproblems, problems);
    assert_true(ncitations > 100); /* the walk found the tree */
}

/* In C files only comments are looked at: a message printed at run time is not a citation
 * this test can rewrite. Other files are looked at whole. */
static bool in_comment(const char *text, const char *at)
{
    bool block = false, line = false, str = false;
    for (const char *p = text; p < at; p++) {
        if (block) {
            if (p[0] == '*' && p[1] == '/') {
                block = false;
                p++;
            }
        } else if (line) {
            if (*p == '\n')
                line = false;
        } else if (str) {
            if (*p == '\\')
                p++;
            else if (*p == '"' || *p == '\n')
                str = false;
        } else if (p[0] == '/' && p[1] == '*') {
            block = true;
            p++;
        } else if (p[0] == '/' && p[1] == '/') {
            line = true;
            p++;
        } else if (*p == '"') {
            str = true;
        } else if (*p == '\'' && p[1] && p[2] == '\'') {
            p += 2;
        }
    }
    return block || line;
}

static void outside_refs_in(const char *path, const char *text)
{
    static const char *const names[] = {
        "hardware.md",           "protocol.md",  "peers-and-unicorn.md", "targets.md",
        "cubeprogrammer-cli.md", "debuggers.md", "/work/shared"};
    size_t plen = strlen(path);
    bool c = plen > 2 && (!strcmp(path + plen - 2, ".c") || !strcmp(path + plen - 2, ".h"));
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        for (const char *p = strstr(text, names[k]); p; p = strstr(p + 1, names[k])) {
            if (p - text >= 5 && !strncmp(p - 5, "docs/", 5))
                continue;
            if (c && !in_comment(text, p))
                continue;
            problem(path, line_of(text, p), "cites %s, which is not in the repository", names[k]);
        }
}

static void test_no_comment_cites_a_file_outside_the_repository(void **state)
{
    (void)state;
    problems[0] = '\0';
    nproblems = 0;
    walk(outside_refs_in);
    if (nproblems)
        fail_msg("%zu citation(s) of files outside the repository:\n%s", nproblems, problems);
}

static int setup(void **state)
{
    (void)state;
    /* CMake compiles this file by its absolute path: the tree is two levels up. */
    snprintf(root, sizeof root, "%s", __FILE__);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(root, '/');
        if (!slash)
            return -1;
        *slash = '\0';
    }
    for (unsigned i = 0; i < NPAGES; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/docs/%s.md", root, pages[i]);
        if (!(page_text[i] = slurp(path))) {
            fprintf(stderr, "cannot read %s\n", path);
            return -1;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NPAGES; i++)
        free(page_text[i]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_doc_citation_names_an_existing_section),
        cmocka_unit_test(test_no_comment_cites_a_file_outside_the_repository),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
