/* The repository's own reference (docs/): every citation in the sources, scripts and READMEs
 * of a docs/ page names a page that exists, and a section that exists (`docs/hardware.md
 * C.5`, `docs/protocol.md 2.1`, `docs/protocol.md failure mode 14`, `docs/unicorn.md 10`, or
 * a quoted heading: `docs/fuzzing.md "AFL++ in parallel"`, `README "Quick start"`); no
 * comment cites a file that lives outside the repository; and docs/cli.md holds every option
 * that `stldr-emu COMMAND --help` lists (made from the option table in tools/cli.c) in that
 * command's section, and no option that no command takes. Reads the tree this file was
 * compiled from, and runs the stldr-emu built with it. */
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

#include "util/harness.h"

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

static const char *const pages[] = {"hardware", "protocol", "unicorn", "gdb"};
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

/* ---- quoted headings after a page or the README ---------------------------------------- */

/* The text of the top-level README or of docs/<name>.md (name of len bytes), or NULL when
 * there is no such file. Cached for the test's run. */
static char *readme_text;
static struct {
    char name[16];
    char *text;
} other_pages[16];

static const char *doc_text(const char *name, size_t len)
{
    if (!name) {
        if (!readme_text) {
            char path[4200];
            snprintf(path, sizeof path, "%s/README.md", root);
            readme_text = slurp(path);
        }
        return readme_text;
    }
    int i = page_index(name, len);
    if (i >= 0)
        return page_text[i];
    unsigned k;
    for (k = 0; k < 16 && other_pages[k].name[0]; k++)
        if (strlen(other_pages[k].name) == len && !strncmp(other_pages[k].name, name, len))
            return other_pages[k].text;
    if (k == 16 || len >= sizeof other_pages[k].name)
        return NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/%.*s.md", root, (int)len, name);
    char *t = slurp(path);
    if (t) {
        memcpy(other_pages[k].name, name, len);
        other_pages[k].name[len] = '\0';
        other_pages[k].text = t;
    }
    return t;
}

/* The quoted heading at p ('"' first), with line breaks and the comment leaders after them
 * ("#", "*", "//") folded into one blank. False when there is no closing quote. */
static bool quoted(const char *p, char *out, size_t outsz)
{
    size_t n = 0;
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\n') {
            while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '#' || *p == '*' || *p == '/')
                p++;
            p--;
            if (n + 1 < outsz)
                out[n++] = ' ';
            continue;
        }
        if (n + 1 < outsz)
            out[n++] = *p;
    }
    out[n] = '\0';
    return *p == '"';
}

/* True when some heading line of text ("#" to "####") starts with want once its backticks
 * are dropped: "## `stldr-emu fuzz`" is cited as "stldr-emu fuzz". */
static bool has_heading(const char *text, const char *want)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (*p != '#')
            continue;
        const char *h = p;
        while (*h == '#')
            h++;
        if (*h != ' ')
            continue;
        h++;
        const char *w = want;
        while (*w && *h && *h != '\n') {
            if (*h == '`') {
                h++;
                continue;
            }
            if (*h != *w)
                break;
            h++;
            w++;
        }
        if (!*w)
            return true;
    }
    return false;
}

/* After a citation of page (NULL: the top-level README) at p: a quoted heading must exist. */
static void check_quoted(const char *page, size_t len, const char *p, const char *file,
                         unsigned line)
{
    while (*p == ' ' || *p == '(')
        p++;
    char want[160];
    if (*p != '"' || !quoted(p, want, sizeof want) || !want[0])
        return;
    const char *text = doc_text(page, len);
    if (text && !has_heading(text, want))
        problem(file, line, "%s%.*s%s \"%s\": no such heading", page ? "docs/" : "README",
                page ? (int)len : 0, page ? page : "", page ? ".md" : "", want);
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
static bool walk_docs; /* docs/ itself too (its pages cite each other) */

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    const char *base = path + ftw->base;
    if (type == FTW_D && ftw->level > 0 &&
        (base[0] == '.' || !strncmp(base, "build", 5) || (!walk_docs && !strcmp(base, "docs"))))
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

static void walk(file_fn fn, bool docs)
{
    each_file = fn;
    walk_docs = docs;
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

static bool page_name_char(char c)
{
    return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_' || c == '-';
}

static bool in_comment(const char *text, const char *at);

static bool is_c_file(const char *path)
{
    size_t n = strlen(path);
    return n > 2 && (!strcmp(path + n - 2, ".c") || !strcmp(path + n - 2, ".h"));
}

/* In C files a quoted heading is looked for in comments only: in a message, the quote after
 * a page name is the string's own. */
static void citations_in(const char *path, const char *text)
{
    bool c = is_c_file(path);
    for (const char *p = strstr(text, "docs/"); p; p = strstr(p + 1, "docs/")) {
        const char *name = p + 5, *dot = name;
        while (page_name_char(*dot))
            dot++;
        if (dot == name || strncmp(dot, ".md", 3) || page_name_char(dot[3]) || dot - name > 15)
            continue;
        size_t len = (size_t)(dot - name);
        unsigned line = line_of(text, p);
        if (!doc_text(name, len)) {
            problem(path, line, "docs/%.*s.md: no such page", (int)len, name);
            continue;
        }
        ncitations++;
        int i = page_index(name, len);
        if (i >= 0)
            check_ids(i, dot + 3, path, line);
        if (!c || in_comment(text, p))
            check_quoted(name, len, dot + 3, path, line);
    }
    /* README and a quoted heading: the top-level README's (not another folder's README) */
    for (const char *p = strstr(text, "README"); p; p = strstr(p + 1, "README")) {
        if (p > text && (p[-1] == '/' || isalnum((unsigned char)p[-1])))
            continue;
        const char *q = p + 6;
        if (!strncmp(q, ".md", 3))
            q += 3;
        if (*q == ' ' && q[1] == '"' && (!c || in_comment(text, p)))
            check_quoted(NULL, 0, q, path, line_of(text, p));
    }
}

static void test_every_doc_citation_names_an_existing_section(void **state)
{
    (void)state;
    problems[0] = '\0';
    nproblems = ncitations = 0;
    walk(citations_in, true);
    if (nproblems)
        fail_msg("%zu citation(s) of a missing page or section:\n%s", nproblems, problems);
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
    walk(outside_refs_in, false);
    if (nproblems)
        fail_msg("%zu citation(s) of files outside the repository:\n%s", nproblems, problems);
}

/* ---- docs/cli.md against the option table ---------------------------------------------- */

static bool opt_char(char c) { return isalnum((unsigned char)c) || c == '-'; }

/* The options `stldr-emu CMD --help` lists ("  --name ..." lines), '\n'-separated, into buf. */
static void help_options(const char *cmd, char *buf, size_t len)
{
    char *out;
    int rc = th_run_toolf(&out, "%s --help", cmd);
    if (rc != 0)
        fail_msg("stldr-emu %s --help: exit %d\n%s", cmd, rc, out);
    buf[0] = '\0';
    for (const char *p = out; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, "  --", 4))
            continue;
        const char *e = p + 4;
        while (opt_char(*e))
            e++;
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%.*s\n", (int)(e - (p + 2)), p + 2);
    }
    free(out);
}

/* True when text [from, to) holds "`--name" with no more of a name after it. */
static bool mentions(const char *from, const char *to, const char *name, size_t n)
{
    for (const char *p = strstr(from, name); p && p < to; p = strstr(p + 1, name))
        if (p > from && p[-1] == '`' && !opt_char(p[n]))
            return true;
    return false;
}

static void test_cli_md_lists_every_option_of_each_command(void **state)
{
    (void)state;
    problems[0] = '\0';
    nproblems = 0;
    const char *page = doc_text("cli", 3);
    assert_non_null(page);
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/cli.md", root);
    /* the commands, from `stldr-emu --help` */
    char *usage;
    assert_int_equal(th_run_toolf(&usage, "--help"), 0);
    const char *c = strstr(usage, "commands:\n");
    assert_non_null(c);
    static char all[128][40]; /* every option of every command */
    unsigned nall = 0;
    unsigned ncmds = 0;
    for (c = strchr(c, '\n') + 1; !strncmp(c, "  ", 2) && c[2] != ' '; c = strchr(c, '\n') + 1) {
        char cmd[16], heading[48], opts[4096];
        if (sscanf(c, " %15s", cmd) != 1)
            break;
        ncmds++;
        help_options(cmd, opts, sizeof opts);
        /* the command's section: the "## `stldr-emu ..." heading that names it */
        snprintf(heading, sizeof heading, "`stldr-emu %s`", cmd);
        const char *sec = NULL, *end = NULL;
        for (const char *h = strstr(page, "\n## `stldr-emu "); h;
             h = strstr(h + 1, "\n## `stldr-emu ")) {
            const char *eol = strchr(h + 1, '\n');
            const char *hit = strstr(h, heading);
            if (hit && eol && hit < eol) {
                sec = h;
                end = strstr(h + 1, "\n## ");
                break;
            }
        }
        if (!sec) {
            problem(path, 1, "no section \"## %s\"", heading);
            continue;
        }
        if (!end)
            end = sec + strlen(sec);
        for (char *o = opts, *nl; (nl = strchr(o, '\n')) != NULL; o = nl + 1) {
            *nl = '\0';
            if (!mentions(sec, end, o, strlen(o)))
                problem(path, line_of(page, sec), "%s takes `%s`, not in its section", cmd, o);
            bool seen = false;
            for (unsigned k = 0; k < nall && !seen; k++)
                seen = !strcmp(all[k], o);
            if (!seen && nall < 128 && strlen(o) < sizeof all[0])
                strcpy(all[nall++], o);
        }
    }
    free(usage);
    assert_true(ncmds >= 6); /* run, trace, info, lint, gdb, fuzz */
    /* and no option that no command takes (--version is main's own) */
    for (const char *p = strstr(page, "`--"); p; p = strstr(p + 1, "`--")) {
        const char *e = p + 3;
        while (opt_char(*e))
            e++;
        if (!isalpha((unsigned char)p[3]))
            continue; /* "`--`", the end of the options; "`--- call`", a trace line */
        char name[48];
        snprintf(name, sizeof name, "%.*s", (int)(e - (p + 1)), p + 1);
        bool known = !strcmp(name, "--version");
        for (unsigned k = 0; k < nall && !known; k++)
            known = !strcmp(all[k], name);
        if (!known)
            problem(path, line_of(page, p), "%s: no command takes it", name);
    }
    if (nproblems)
        fail_msg("docs/cli.md and the option table disagree (%zu):\n%s", nproblems, problems);
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
    for (unsigned k = 0; k < 16; k++)
        free(other_pages[k].text);
    free(readme_text);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_doc_citation_names_an_existing_section),
        cmocka_unit_test(test_no_comment_cites_a_file_outside_the_repository),
        cmocka_unit_test(test_cli_md_lists_every_option_of_each_command),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
