/* The flash-bus waveform (peripherals/vcd.h, --vcd): the VCD the writer produces, read back
 * with a small parser of our own, then a real session decoded by sigrok-cli's SPI decoder and
 * compared with the --log-flash transaction log. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/vcd.h"
#include "util/harness.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/stldr-vcd-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp(const char *name)
{
    static char buf[4][400];
    static unsigned n;
    char *p = buf[n++ % 4];
    snprintf(p, 400, "%s/%s", tmpdir, name);
    return p;
}

/* ---- a small VCD reader --------------------------------------------------------------- */

enum { NCS, CLK, IO0, DQS = IO0 + 8, NSIG };
static const char *const names[NSIG] = {"NCS", "CLK", "IO0", "IO1", "IO2", "IO3",
                                        "IO4", "IO5", "IO6", "IO7", "DQS"};

typedef struct ev {
    uint64_t t;
    int sig;
    char val;
} ev;

/* One clock edge while NCS was low: the values just before it (what a receiver samples). */
typedef struct edge {
    uint64_t t;
    bool rising;
    char io[8];
    char dqs;
} edge;

typedef struct wave {
    char timescale[32];
    int id_sig[128]; /* identifier character -> signal, -1 unknown */
    int nvars;
    char init[NSIG]; /* $dumpvars values */
    ev *evs;
    size_t nevs;
    /* derived */
    edge *edges;
    size_t nedges;
    uint64_t ncs_fall[64], ncs_rise[64];
    unsigned nfall, nrise;
    unsigned dqs_rises;
} wave;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Parse the body of path (wave_header has filled the identifiers), failing the test on
 * anything that is not the VCD we expect to write: header sections closed by $end,
 * increasing timestamps, known identifiers, values 0/1/x/z. */
static void wave_read(wave *w, const char *path)
{
    char *text = slurp(path);
    size_t cap = 1024;
    w->evs = malloc(cap * sizeof *w->evs);
    assert_non_null(w->evs);
    bool defs_done = false, in_dump = false, have_time = false;
    uint64_t t = 0;
    char *save = NULL;
    for (char *tok = strtok_r(text, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        if (!defs_done) {
            assert_true(tok[0] == '$');
            if (!strcmp(tok, "$enddefinitions")) {
                tok = strtok_r(NULL, " \t\r\n", &save);
                assert_non_null(tok);
                assert_string_equal(tok, "$end");
                defs_done = true;
                continue;
            }
            while ((tok = strtok_r(NULL, " \t\r\n", &save)) && strcmp(tok, "$end"))
                ;
            assert_non_null(tok); /* every section closed */
            continue;
        }
        if (!strcmp(tok, "$dumpvars")) {
            in_dump = true;
            continue;
        }
        if (!strcmp(tok, "$end")) {
            assert_true(in_dump);
            in_dump = false;
            continue;
        }
        if (tok[0] == '#') {
            char *end;
            uint64_t nt = strtoull(tok + 1, &end, 10);
            assert_true(*end == '\0');
            if (have_time)
                assert_true(nt > t);
            t = nt;
            have_time = true;
            continue;
        }
        assert_non_null(strchr("01xz", tok[0]));
        assert_int_equal(strlen(tok), 2);
        int sig = w->id_sig[(unsigned char)tok[1]];
        assert_true(sig >= 0);
        if (in_dump) {
            w->init[sig] = tok[0];
            continue;
        }
        if (w->nevs == cap) {
            cap *= 2;
            w->evs = realloc(w->evs, cap * sizeof *w->evs);
            assert_non_null(w->evs);
        }
        w->evs[w->nevs++] = (ev){t, sig, tok[0]};
    }
    assert_true(defs_done);
    free(text);
}

/* The header again, line by line: timescale and the $var declarations (strtok above skips
 * their contents). */
static void wave_header(wave *w, const char *path)
{
    char *text = slurp(path);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char id, name[32];
        int size;
        if (sscanf(line, "$timescale %31[^$]$end", w->timescale) == 1)
            continue;
        if (sscanf(line, "$var wire %d %c %31s $end", &size, &id, name) == 3) {
            assert_int_equal(size, 1);
            for (int s = 0; s < NSIG; s++)
                if (!strcmp(name, names[s])) {
                    assert_int_equal(w->id_sig[(unsigned char)id], -1);
                    w->id_sig[(unsigned char)id] = s;
                    w->nvars++;
                }
        }
        if (!strncmp(line, "$enddefinitions", 15))
            break;
    }
    free(text);
}

static void wave_free(wave *w)
{
    free(w->evs);
    free(w->edges);
}

/* Fill the derived fields: edges while NCS is low, sampled before each timestamp's
 * changes apply. */
static void wave_analyse(wave *w)
{
    char cur[NSIG];
    memcpy(cur, w->init, sizeof cur);
    w->edges = calloc(w->nevs + 1, sizeof *w->edges);
    assert_non_null(w->edges);
    for (size_t i = 0; i < w->nevs;) {
        uint64_t t = w->evs[i].t;
        char before[NSIG];
        memcpy(before, cur, sizeof cur);
        for (; i < w->nevs && w->evs[i].t == t; i++) {
            const ev *e = &w->evs[i];
            if (e->sig == CLK && before[NCS] == '0') {
                edge *g = &w->edges[w->nedges++];
                g->t = t;
                g->rising = e->val == '1';
                memcpy(g->io, before + IO0, 8);
                g->dqs = before[DQS];
            }
            if (e->sig == NCS && e->val == '0' && w->nfall < 64)
                w->ncs_fall[w->nfall++] = t;
            if (e->sig == NCS && e->val == '1' && w->nrise < 64)
                w->ncs_rise[w->nrise++] = t;
            if (e->sig == DQS && e->val == '1')
                w->dqs_rises++;
            cur[e->sig] = e->val;
        }
    }
}

static unsigned count_edges(const wave *w, bool rising)
{
    unsigned n = 0;
    for (size_t i = 0; i < w->nedges; i++)
        n += w->edges[i].rising == rising;
    return n;
}

/* The 8 IO lines of an edge as a byte (IO7 = bit 7); fails on a released line. */
static unsigned io_byte(const edge *g)
{
    unsigned v = 0;
    for (int k = 0; k < 8; k++) {
        assert_true(g->io[k] == '0' || g->io[k] == '1');
        v |= (unsigned)(g->io[k] == '1') << k;
    }
    return v;
}

/* Bits of one line over n rising edges from index first (MSB first). */
static unsigned line_bits(const wave *w, unsigned first, unsigned n, int line)
{
    unsigned v = 0, seen = 0;
    for (size_t i = 0; i < w->nedges && seen < first + n; i++) {
        if (!w->edges[i].rising)
            continue;
        if (seen >= first) {
            char c = w->edges[i].io[line];
            assert_true(c == '0' || c == '1');
            v = (v << 1) | (c == '1');
        }
        seen++;
    }
    assert_int_equal(seen, first + n);
    return v;
}

static void load(wave *w, const char *path)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < 128; i++)
        w->id_sig[i] = -1;
    wave_header(w, path);
    assert_int_equal(w->nvars, NSIG);
    wave_read(w, path);
}

/* ---- unit tests of the writer -------------------------------------------------------- */

static se_flash_frame spi_rdid(uint8_t *buf)
{
    se_flash_frame f;
    memset(&f, 0, sizeof f);
    f.inst = (se_flash_phase){1, false, 1};
    f.inst_value = 0x9F;
    f.data = (se_flash_phase){1, false, 0};
    f.len = 3;
    f.buf = buf;
    return f;
}

static void test_header_is_valid_vcd(void **state)
{
    (void)state;
    const char *path = tmp("empty.vcd");
    se_error err;
    se_vcd *v = se_vcd_open(path, &err);
    assert_non_null(v);
    assert_int_equal(se_vcd_close(v, &err), SE_OK);
    char *text = slurp(path);
    assert_non_null(strstr(text, "$timescale 1 ps $end\n"));
    assert_non_null(strstr(text, "$enddefinitions $end\n"));
    assert_non_null(strstr(text, "$scope module octospi1 $end\n"));
    free(text);
    wave w;
    load(&w, path);
    assert_string_equal(w.timescale, "1 ps ");
    /* idle bus: NCS high, CLK low, everything else released */
    assert_int_equal(w.init[NCS], '1');
    assert_int_equal(w.init[CLK], '0');
    for (int s = IO0; s <= DQS; s++)
        assert_int_equal(w.init[s], 'z');
    assert_int_equal(w.nevs, 0);
    wave_free(&w);
}

static void test_spi_read_frame(void **state)
{
    (void)state;
    const char *path = tmp("rdid.vcd");
    se_error err;
    se_vcd *v = se_vcd_open(path, &err);
    assert_non_null(v);
    uint8_t id[3] = {0xC2, 0x85, 0x3A};
    se_flash_frame f = spi_rdid(id);
    se_vcd_frame(v, &f, 1000, 50000000u); /* 50 MHz: 20 ns period, 10 ns half */
    assert_int_equal(se_vcd_end_ps(v), 1000000u + 32u * 20000u + 10000u);
    assert_int_equal(se_vcd_close(v, &err), SE_OK);

    wave w;
    load(&w, path);
    wave_analyse(&w);
    assert_int_equal(w.nfall, 1);
    assert_int_equal(w.nrise, 1);
    assert_int_equal(w.ncs_fall[0], 1000000u);
    assert_int_equal(w.ncs_rise[0], 1000000u + 32u * 20000u + 10000u);
    assert_int_equal(count_edges(&w, true), 8 + 24);
    assert_int_equal(count_edges(&w, false), 8 + 24);
    assert_int_equal(w.edges[0].t, 1000000u + 10000u);
    assert_true(w.edges[0].rising);
    assert_int_equal(w.edges[2].t, 1000000u + 30000u);
    /* the opcode on IO0 (MOSI) MSB first, the ID on IO1 (MISO) */
    assert_int_equal(line_bits(&w, 0, 8, 0), 0x9F);
    assert_int_equal(line_bits(&w, 8, 24, 1), 0xC2853A);
    /* each line is released while the other side talks; DQS is never driven */
    for (size_t i = 0; i < w.nedges; i++) {
        if (!w.edges[i].rising)
            continue;
        bool cmd = i < 16;
        assert_int_equal(w.edges[i].io[cmd ? 1 : 0], 'z');
        for (int k = 2; k < 8; k++)
            assert_int_equal(w.edges[i].io[k], 'z');
        assert_int_equal(w.edges[i].dqs, 'z');
    }
    assert_int_equal(w.dqs_rises, 0);
    wave_free(&w);
}

static void test_dtr_octal_frame(void **state)
{
    (void)state;
    const char *path = tmp("dopi.vcd");
    se_error err;
    se_vcd *v = se_vcd_open(path, &err);
    assert_non_null(v);
    uint8_t data[2] = {0x12, 0x34};
    se_flash_frame f;
    memset(&f, 0, sizeof f);
    f.inst = (se_flash_phase){8, true, 2};
    f.inst_value = 0x05FA;
    f.addr = (se_flash_phase){8, true, 4};
    f.addr_value = 0x01020304;
    f.dummy_cycles = 5;
    f.data = (se_flash_phase){8, true, 0};
    f.dqs = true;
    f.len = 2;
    f.buf = data;
    se_vcd_frame(v, &f, 2000, 36666666u);
    assert_int_equal(se_vcd_close(v, &err), SE_OK);

    wave w;
    load(&w, path);
    wave_analyse(&w);
    /* 1 instruction + 2 address + 5 dummy + 1 data clock, two transfers per clock */
    assert_int_equal(count_edges(&w, true), 9);
    assert_int_equal(count_edges(&w, false), 9);
    assert_int_equal(w.nedges, 18);
    assert_int_equal(io_byte(&w.edges[0]), 0x05);
    assert_int_equal(io_byte(&w.edges[1]), 0xFA);
    assert_int_equal(io_byte(&w.edges[2]), 0x01);
    assert_int_equal(io_byte(&w.edges[3]), 0x02);
    assert_int_equal(io_byte(&w.edges[4]), 0x03);
    assert_int_equal(io_byte(&w.edges[5]), 0x04);
    for (int i = 6; i < 16; i++) {
        for (int k = 0; k < 8; k++)
            assert_int_equal(w.edges[i].io[k], 'z'); /* dummy: released */
        assert_int_equal(w.edges[i].dqs, '0');       /* the chip holds DQS low */
    }
    assert_int_equal(io_byte(&w.edges[16]), 0x12);
    assert_int_equal(io_byte(&w.edges[17]), 0x34);
    assert_int_equal(w.dqs_rises, 1); /* one data clock: one DQS pulse */
    /* the edges keep the 36.67 MHz period: 27272.7 ps, to the picosecond */
    uint64_t span = w.edges[16].t - w.edges[0].t;
    assert_true(span >= 218181 && span <= 218182);
    wave_free(&w);
}

static void test_multi_line_bit_order(void **state)
{
    (void)state;
    const char *path = tmp("quad.vcd");
    se_error err;
    se_vcd *v = se_vcd_open(path, &err);
    assert_non_null(v);
    uint8_t data[1] = {0xA5};
    se_flash_frame f;
    memset(&f, 0, sizeof f);
    f.inst = (se_flash_phase){1, false, 1};
    f.inst_value = 0x32;
    f.data = (se_flash_phase){4, false, 0};
    f.write = true;
    f.len = 1;
    f.buf = data;
    se_vcd_frame(v, &f, 1000, 50000000u);
    uint8_t odd[3] = {0x11, 0x22, 0x33}; /* 8-line DTR, odd length: 2 clocks */
    memset(&f, 0, sizeof f);
    f.inst = (se_flash_phase){2, false, 1};
    f.inst_value = 0x9C; /* 10 01 11 00 on IO1:IO0 */
    f.data = (se_flash_phase){8, true, 0};
    f.len = 3;
    f.buf = odd;
    se_vcd_frame(v, &f, 5000, 50000000u);
    assert_int_equal(se_vcd_close(v, &err), SE_OK);

    wave w;
    load(&w, path);
    wave_analyse(&w);
    assert_int_equal(w.nfall, 2);
    /* frame 1: 8 + 2 clocks; data 0xA5 as 1010 then 0101 on IO3..IO0 */
    assert_int_equal(line_bits(&w, 0, 8, 0), 0x32);
    const edge *r[16];
    unsigned n = 0;
    for (size_t i = 0; i < w.nedges && n < 16; i++)
        if (w.edges[i].rising)
            r[n++] = &w.edges[i];
    assert_int_equal(n, 10 + 4 + 2);
    assert_memory_equal(r[8]->io, "0101zzzz", 8); /* IO0..IO7: bits 4..7 = 0xA */
    assert_memory_equal(r[9]->io, "1010zzzz", 8); /* bits 0..3 = 0x5 */
    /* frame 2: 2-bit pairs MSB first: IO1 the higher bit */
    assert_memory_equal(r[10]->io, "01zzzzzz", 8); /* 10 */
    assert_memory_equal(r[11]->io, "10zzzzzz", 8); /* 01 */
    assert_memory_equal(r[12]->io, "11zzzzzz", 8); /* 11 */
    assert_memory_equal(r[13]->io, "00zzzzzz", 8); /* 00 */
    /* then 3 bytes in 2 DTR clocks; the last falling edge has nothing on the lines */
    size_t last = w.nedges - 1;
    assert_false(w.edges[last].rising);
    assert_memory_equal(w.edges[last].io, "zzzzzzzz", 8);
    assert_int_equal(io_byte(&w.edges[last - 3]), 0x11);
    assert_int_equal(io_byte(&w.edges[last - 2]), 0x22);
    assert_int_equal(io_byte(&w.edges[last - 1]), 0x33);
    wave_free(&w);
}

static void test_overlapping_frames_are_moved_after_cs_high(void **state)
{
    (void)state;
    const char *path = tmp("place.vcd");
    se_error err;
    se_vcd *v = se_vcd_open(path, &err);
    assert_non_null(v);
    se_vcd_set_cs_high(v, 3);
    uint8_t buf[3];
    se_flash_frame f = spi_rdid(buf);
    memset(buf, 0xFF, sizeof buf);
    se_vcd_frame(v, &f, 1000, 50000000u);
    uint64_t end1 = se_vcd_end_ps(v);
    se_vcd_frame(v, &f, 1000, 50000000u); /* same instant: the model is instant */
    uint64_t end2 = se_vcd_end_ps(v);
    se_vcd_frame(v, &f, 10000, 50000000u); /* well after: at its own time */
    assert_int_equal(se_vcd_frames(v), 3);
    assert_int_equal(se_vcd_close(v, &err), SE_OK);

    wave w;
    load(&w, path);
    wave_analyse(&w);
    assert_int_equal(w.nfall, 3);
    assert_int_equal(w.ncs_fall[0], 1000000u);
    assert_int_equal(w.ncs_rise[0], end1);
    assert_int_equal(w.ncs_fall[1], end1 + 3u * 20000u); /* CSHT+1 = 3 clocks of 20 ns */
    assert_int_equal(w.ncs_rise[1], end2);
    assert_int_equal(w.ncs_fall[2], 10000000u);
    wave_free(&w);
}

static void test_limit_drops_later_frames(void **state)
{
    (void)state;
    const char *path = tmp("limit.vcd");
    se_error err;
    se_vcd *v = se_vcd_open(path, &err);
    assert_non_null(v);
    se_vcd_set_limit(v, 2);
    uint8_t buf[3] = {0};
    se_flash_frame f = spi_rdid(buf);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(se_vcd_full(v), i >= 2);
        se_vcd_frame(v, &f, 1000u * (unsigned)(i + 1), 50000000u);
    }
    assert_int_equal(se_vcd_frames(v), 2);
    assert_int_equal(se_vcd_close(v, &err), SE_OK);
    wave w;
    load(&w, path);
    wave_analyse(&w);
    assert_int_equal(w.nfall, 2);
    wave_free(&w);
}

static void test_open_failure_names_the_file(void **state)
{
    (void)state;
    se_error err;
    se_error_clear(&err);
    se_vcd *v = se_vcd_open("/nonexistent-dir-stldr/x.vcd", &err);
    assert_null(v);
    assert_int_equal(err.code, SE_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir-stldr/x.vcd"));
    assert_int_equal(se_vcd_close(NULL, &err), SE_OK);
}

/* ---- the tool ------------------------------------------------------------------------- */

static int run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(char **out, const char *fmt, ...)
{
    char args[1500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return th_run_tool(args, out);
}

/* The --log-flash lines: "flash MODE 0xOP NAME ..." (the summary "flash: N commands" is
 * not one). Returns how many, up to max. */
typedef struct logline {
    char mode[8];
    unsigned op;
    char rest[200];
} logline;

static unsigned flash_log(const char *out, logline *l, unsigned max)
{
    unsigned n = 0;
    for (const char *p = out; (p = strstr(p, "flash ")) != NULL; p++) {
        if (p != out && p[-1] != ' ' && p[-1] != '\n')
            continue;
        if (n < max && sscanf(p, "flash %7s 0x%x %199[^\n]", l[n].mode, &l[n].op, l[n].rest) >= 2)
            n++;
    }
    return n;
}

static void test_cli_vcd_has_one_frame_per_flash_command(void **state)
{
    (void)state;
    const char *path = tmp("init.vcd");
    char *out;
    int rc = run(&out, "run '%s' --init-only --log-flash --vcd '%s'", th_firmware("ref_mx25_l562"),
                 path);
    if (rc)
        print_message("%s", out);
    assert_int_equal(rc, 0);
    logline l[64];
    unsigned n = flash_log(out, l, 64);
    assert_true(n >= 10);
    char sum[64];
    snprintf(sum, sizeof sum, "flash: %u commands", n);
    assert_non_null(strstr(out, sum));
    free(out);

    wave w;
    load(&w, path);
    wave_analyse(&w);
    assert_int_equal(w.nfall, n);
    assert_int_equal(w.nrise, n);
    /* the bus clock comes from the OCTOSPI registers: 110 MHz / (PRESCALER 2 + 1) */
    assert_true(w.edges[0].rising && w.edges[2].rising);
    uint64_t period = w.edges[2].t - w.edges[0].t;
    assert_true(period >= 27272 && period <= 27273);
    /* frames never overlap and keep NCS high for CSHT+1 = 2 clocks between them */
    for (unsigned i = 1; i < w.nfall; i++)
        assert_true(w.ncs_fall[i] >= w.ncs_rise[i - 1] + 2 * 27272);
    wave_free(&w);

    /* --vcd-limit: the first frames only, and one line saying so */
    rc = run(&out, "run '%s' --init-only --vcd '%s' --vcd-limit 3", th_firmware("ref_mx25_l562"),
             path);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "vcd: recorded the first 3 flash frames"));
    char *p = strstr(out, "vcd: recorded");
    assert_null(strstr(p + 1, "vcd: recorded"));
    free(out);
    load(&w, path);
    wave_analyse(&w);
    assert_int_equal(w.nfall, 3);
    wave_free(&w);

    /* a file that cannot be created is an I/O error before anything runs */
    rc = run(&out, "run '%s' --init-only --vcd /nonexistent-dir-stldr/x.vcd",
             th_firmware("ref_mx25_l562"));
    assert_int_equal(rc, se_err_exit_code(SE_ERR_IO));
    assert_non_null(strstr(out, "/nonexistent-dir-stldr/x.vcd"));
    free(out);
    rc = run(&out, "run '%s' --init-only --vcd-limit x", th_firmware("ref_mx25_l562"));
    assert_int_equal(rc, se_err_exit_code(SE_ERR_USAGE));
    free(out);
}

/* Rising edges while NCS is low in (t0, t1): one frame's, at most max. */
static unsigned frame_rises(const wave *w, uint64_t t0, uint64_t t1, const edge **out, unsigned max)
{
    unsigned n = 0;
    for (size_t i = 0; i < w->nedges; i++)
        if (w->edges[i].rising && w->edges[i].t > t0 && w->edges[i].t < t1 && n < max)
            out[n++] = &w->edges[i];
    return n;
}

/* A 4-line nibble: IO3 the most significant bit. */
static unsigned nibble(const edge *g)
{
    unsigned v = 0;
    for (int k = 3; k >= 0; k--) {
        assert_true(g->io[k] == '0' || g->io[k] == '1');
        v = v << 1 | (g->io[k] == '1');
    }
    return v;
}

/* Our MX25R6435F loader on the L496's QUADSPI: the waveform names the QUADSPI, has one frame
 * per --log-flash line, and its quad frames carry the bits the log names on the lines the
 * log names: 4PP (1-4-4: 8 instruction edges on IO0, 6 address edges and 2 per data byte on
 * IO0..IO3) and the memory-mapped 4READ (1-4-4, a mode byte on 4 lines and 4 dummies). */
static void test_quadspi_quad_frames_in_the_log_and_the_waveform(void **state)
{
    (void)state;
    const uint8_t data[16] = {0x63, 0x01, 0x15, 0x61, 0xEC, 0x7D, 0x02, 0x54,
                              0x90, 0x99, 0xC6, 0x67, 0xBE, 0x38, 0x14, 0xCA};
    const char *bin = tmp("q16.bin"), *path = tmp("quad.vcd");
    FILE *f = fopen(bin, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, sizeof data, f), sizeof data);
    fclose(f);
    char *out;
    int rc = run(&out,
                 "run '%s' --target stm32l496g-disco --no-erase --write '%s@0x90000000' "
                 "--verify --log-flash --vcd '%s'",
                 th_firmware("ref_mx25r_l496"), bin, path);
    if (rc)
        print_message("%s", out);
    assert_int_equal(rc, 0);
    logline l[64];
    unsigned n = flash_log(out, l, 64);
    assert_true(n >= 17 && n < 64);
    int pp = -1, rd = -1;
    for (unsigned i = 0; i < n; i++) {
        if (pp < 0 && l[i].op == 0x38)
            pp = (int)i;
        if (rd < 0 && l[i].op == 0xEB)
            rd = (int)i;
    }
    assert_true(pp >= 0 && rd > pp);
    assert_non_null(strstr(l[pp].rest, "4PP 1-4-4 addr 0x00000000 dummy 0 len 16"));
    assert_non_null(strstr(l[rd].rest, "4READ 1-4-4 addr 0x00000000 dummy 6"));
    free(out);

    char *text = slurp(path);
    assert_non_null(strstr(text, "$comment QUADSPI <-> external flash"));
    assert_non_null(strstr(text, "$scope module quadspi $end"));
    free(text);
    wave w;
    load(&w, path);
    wave_analyse(&w);
    assert_int_equal(w.nfall, n);
    assert_int_equal(w.nrise, n);

    const edge *e[256];
    unsigned k = frame_rises(&w, w.ncs_fall[pp], w.ncs_rise[pp], e, 256);
    assert_int_equal(k, 8 + 6 + 2 * 16);
    unsigned op = 0;
    for (unsigned i = 0; i < 8; i++) { /* the instruction on IO0 alone */
        assert_true(e[i]->io[1] == 'z' && e[i]->io[2] == 'z' && e[i]->io[3] == 'z');
        op = op << 1 | (e[i]->io[0] == '1');
    }
    assert_int_equal(op, 0x38);
    for (unsigned i = 8; i < 14; i++)
        assert_int_equal(nibble(e[i]), 0); /* address 0 on four lines */
    for (unsigned b = 0; b < 16; b++)
        assert_int_equal(nibble(e[14 + 2 * b]) << 4 | nibble(e[15 + 2 * b]), data[b]);

    k = frame_rises(&w, w.ncs_fall[rd], w.ncs_rise[rd], e, 256);
    assert_int_equal(k, 8 + 6 + 2 + 4 + 2 * 32);                /* a 32-byte prefetch line */
    assert_int_equal(nibble(e[14]) << 4 | nibble(e[15]), 0xAA); /* the mode byte */
    for (unsigned i = 16; i < 20; i++)                          /* dummy cycles: nobody drives */
        assert_true(e[i]->io[0] == 'z' && e[i]->io[3] == 'z');
    for (unsigned b = 0; b < 16; b++)
        assert_int_equal(nibble(e[20 + 2 * b]) << 4 | nibble(e[21 + 2 * b]), data[b]);
    wave_free(&w);
}

/* ---- sigrok-cli ----------------------------------------------------------------------- */

/* One line per chip-select transaction from sigrok's SPI decoder ("spi-1: 66 00 ..."):
 * the bytes of class `cls` (mosi-transfer or miso-transfer), as hex strings. */
static unsigned sigrok_transfers(const char *vcd, const char *cls, char (*t)[256], unsigned max)
{
    char cmd[1200];
    /* compress: idle stretches over 1 us (1e6 timescale units) shrink, so a session with
     * 100 ms delays stays a few million samples */
    snprintf(cmd, sizeof cmd,
             "sigrok-cli -I vcd:compress=1000000 -i '%s' "
             "-P spi:cs=NCS:clk=CLK:mosi=IO0:miso=IO1 -A spi=%s 2>&1",
             vcd, cls);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    unsigned n = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "spi-1:", 6)) {
            print_message("sigrok-cli: %s\n", line);
            continue;
        }
        const char *b = line + 6;
        while (*b == ' ')
            b++;
        if (n < max) {
            size_t len = strlen(b) < sizeof t[0] - 1 ? strlen(b) : sizeof t[0] - 1;
            memcpy(t[n], b, len);
            t[n][len] = '\0';
        }
        n++;
    }
    assert_int_equal(pclose(p), 0);
    return n;
}

static void test_sigrok_spi_decoder_sees_the_logged_commands(void **state)
{
    (void)state;
    if (system("sigrok-cli --version >/dev/null 2>&1") != 0)
        fail_msg("sigrok-cli is not installed: this test decodes the --vcd output with it. "
                 "Install the Debian package: apt-get install sigrok-cli "
                 "(scripts/quickstart.sh installs it)");

    const char *path = tmp("spi.vcd");
    char *out;
    int rc = run(&out, "run '%s' --init-only --log-flash --vcd '%s' --vcd-limit 40",
                 th_firmware("ref_mx25_l562"), path);
    if (rc)
        print_message("%s", out);
    assert_int_equal(rc, 0);
    logline l[64];
    unsigned n = flash_log(out, l, 64);
    free(out);
    assert_true(n >= 10 && n <= 40);

    static char mosi[64][256], miso[64][256];
    unsigned nt = sigrok_transfers(path, "mosi-transfer", mosi, 64);
    unsigned nr = sigrok_transfers(path, "miso-transfer", miso, 64);
    /* every frame is one NCS-low transaction, also the octal ones (their bytes are noise) */
    assert_int_equal(nt, n);
    assert_int_equal(nr, n);

    /* the SPI-mode frames: the decoder's first MOSI byte is our opcode; WRCR2's address and
     * data and RDSR's status byte (on MISO) come through too */
    unsigned spi = 0;
    unsigned opcodes[64];
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(l[i].mode, "SPI"))
            continue;
        unsigned first;
        assert_int_equal(sscanf(mosi[i], "%x", &first), 1);
        if (first != l[i].op)
            fail_msg("frame %u: the log says SPI 0x%02X (%s), sigrok decoded '%s'", i, l[i].op,
                     l[i].rest, mosi[i]);
        opcodes[spi++] = first;
        unsigned a, v;
        if (sscanf(l[i].rest, "WRCR2 addr 0x%x dummy 0 len 1 <- 0x%x", &a, &v) == 2) {
            char want[64];
            snprintf(want, sizeof want, "72 %02X %02X %02X %02X %02X", a >> 24, (a >> 16) & 0xFF,
                     (a >> 8) & 0xFF, a & 0xFF, v);
            assert_string_equal(mosi[i], want);
        }
        if (sscanf(l[i].rest, "RDSR len 1 -> 0x%x", &v) == 1) {
            char want[64];
            snprintf(want, sizeof want, "00 %02X", v);
            assert_string_equal(miso[i], want);
        }
    }
    /* the reference loader's SPI prefix: RSTEN, RST, RDSR, WREN, RDSR (WEL), WRCR2 */
    static const unsigned expect[] = {0x66, 0x99, 0x05, 0x06, 0x05, 0x72};
    assert_true(spi >= sizeof expect / sizeof expect[0]);
    for (unsigned i = 0; i < sizeof expect / sizeof expect[0]; i++)
        assert_int_equal(opcodes[i], expect[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_is_valid_vcd),
        cmocka_unit_test(test_spi_read_frame),
        cmocka_unit_test(test_dtr_octal_frame),
        cmocka_unit_test(test_multi_line_bit_order),
        cmocka_unit_test(test_overlapping_frames_are_moved_after_cs_high),
        cmocka_unit_test(test_limit_drops_later_frames),
        cmocka_unit_test(test_open_failure_names_the_file),
        cmocka_unit_test(test_cli_vcd_has_one_frame_per_flash_command),
        cmocka_unit_test(test_quadspi_quad_frames_in_the_log_and_the_waveform),
        cmocka_unit_test(test_sigrok_spi_decoder_sees_the_logged_commands),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
