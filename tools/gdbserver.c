/* stldr-emu gdb: a GDB remote-protocol server over the emulated target, so a loader can be
 * stepped with arm-none-eabi-gdb or gdb-multiarch while the host protocol calls it.
 * It serves registers (r0-r15, xPSR, MSP, PSP, CONTROL, PRIMASK), memory (m, M, X), software
 * and hardware breakpoints (64), single step and continue, with an M-profile target
 * description.
 * Stops are taken in the machine's instruction observer, so the machine itself is unchanged.
 * Not supported: watchpoints, writing PC (Unicorn 2.0.1 cannot move PC from a hook). */
#include "tools/gdbserver.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu/machine.h"
#include "loader/host.h"
#include "loader/stldr.h"

#define MAX_BP 64
#define PKT_MAX 4096

/* ---- packet framing (exposed for the parser fuzz target) --------------------------------- */

int se_rsp_unframe(const char *in, size_t len, char *out, size_t outsz, size_t *used)
{
    /* Find "$...#xx"; return payload length, -1 when incomplete, -2 when malformed. */
    size_t i = 0;
    while (i < len && in[i] != '$')
        i++;
    if (i == len) {
        *used = len;
        return -1;
    }
    size_t start = i + 1, j = start;
    while (j < len && in[j] != '#')
        j++;
    if (j + 3 > len) { /* the checksum has not arrived yet */
        *used = i;
        return -1;
    }
    unsigned sum = 0;
    for (size_t k = start; k < j; k++)
        sum += (unsigned char)in[k];
    char hex[3] = {in[j + 1], in[j + 2], 0};
    *used = j + 3;
    if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
        return -2; /* strtoul alone would take a sign or a space */
    if ((sum & 0xFF) != strtoul(hex, NULL, 16))
        return -2;
    size_t n = j - start;
    if (n >= outsz)
        return -2;
    memcpy(out, in + start, n);
    out[n] = '\0';
    return (int)n;
}

/* ---- server state ----------------------------------------------------------------------- */

typedef struct gdb {
    int fd;
    se_machine *m;
    const se_stldr *l;
    uint32_t bp[MAX_BP];
    unsigned nbp;
    bool stepping;
    bool stop_next;    /* stop at the first instruction of the next call */
    bool to_next_call; /* monitor next: run, ignoring breakpoints, to the next call */
    bool detached;
    bool killed;
    uint32_t pc; /* where the target is stopped */
    char inbuf[PKT_MAX * 2];
    size_t inlen;
} gdb;

static const char target_xml[] =
    "<?xml version=\"1.0\"?>"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
    "<target version=\"1.0\"><architecture>arm</architecture>"
    "<feature name=\"org.gnu.gdb.arm.m-profile\">"
    "<reg name=\"r0\" bitsize=\"32\" regnum=\"0\"/><reg name=\"r1\" bitsize=\"32\"/>"
    "<reg name=\"r2\" bitsize=\"32\"/><reg name=\"r3\" bitsize=\"32\"/>"
    "<reg name=\"r4\" bitsize=\"32\"/><reg name=\"r5\" bitsize=\"32\"/>"
    "<reg name=\"r6\" bitsize=\"32\"/><reg name=\"r7\" bitsize=\"32\"/>"
    "<reg name=\"r8\" bitsize=\"32\"/><reg name=\"r9\" bitsize=\"32\"/>"
    "<reg name=\"r10\" bitsize=\"32\"/><reg name=\"r11\" bitsize=\"32\"/>"
    "<reg name=\"r12\" bitsize=\"32\"/>"
    "<reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>"
    "<reg name=\"lr\" bitsize=\"32\"/>"
    "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>"
    "<reg name=\"xpsr\" bitsize=\"32\" regnum=\"25\"/>"
    "</feature>"
    "<feature name=\"org.gnu.gdb.arm.m-system\">"
    "<reg name=\"msp\" bitsize=\"32\" regnum=\"26\" type=\"data_ptr\"/>"
    "<reg name=\"psp\" bitsize=\"32\" regnum=\"27\" type=\"data_ptr\"/>"
    "</feature>"
    "<feature name=\"org.stldr-emu.cortex-m.control\">"
    "<reg name=\"control\" bitsize=\"32\" regnum=\"28\"/>"
    "<reg name=\"primask\" bitsize=\"32\" regnum=\"29\"/>"
    "</feature></target>";

/* gdb register number -> the machine's register name, or -1 */
static int reg_of(unsigned n)
{
    if (n <= 15)
        return SE_REG_R0 + (int)n; /* R0-R12, SP, LR, PC in that order in both */
    switch (n) {
    case 25: return SE_REG_XPSR;
    case 26: return SE_REG_MSP;
    case 27: return SE_REG_PSP;
    case 28: return SE_REG_CONTROL;
    case 29: return SE_REG_PRIMASK;
    default: return -1;
    }
}

static const unsigned reg_order[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                                     11, 12, 13, 14, 15, 25, 26, 27, 28, 29};

static int send_all(gdb *g, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(g->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static int put_packet(gdb *g, const char *payload)
{
    size_t n = strlen(payload);
    char *buf = malloc(n + 5);
    if (!buf)
        return -1;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (unsigned char)payload[i];
    buf[0] = '$';
    memcpy(buf + 1, payload, n);
    snprintf(buf + 1 + n, 4, "#%02x", sum & 0xFF);
    int r = send_all(g, buf, n + 4);
    free(buf);
    return r;
}

/* Next packet payload into out; its length (X carries binary bytes, NUL among them), or -1
 * when the connection closed. Malformed packets are NAKed and skipped; a Ctrl-C byte is
 * reported as the packet "\x03". */
static int get_packet(gdb *g, char *out, size_t outsz)
{
    for (;;) {
        if (g->inlen) {
            if (g->inbuf[0] == 0x03) {
                memmove(g->inbuf, g->inbuf + 1, --g->inlen);
                snprintf(out, outsz, "\x03");
                return 1;
            }
            if (g->inbuf[0] == '+' || g->inbuf[0] == '-') {
                memmove(g->inbuf, g->inbuf + 1, --g->inlen);
                continue;
            }
            size_t used = 0;
            int r = se_rsp_unframe(g->inbuf, g->inlen, out, outsz, &used);
            if (r >= 0 || r == -2) {
                memmove(g->inbuf, g->inbuf + used, g->inlen - used);
                g->inlen -= used;
                if (send_all(g, r >= 0 ? "+" : "-", 1) < 0)
                    return -1;
                if (r >= 0)
                    return r;
                continue;
            }
            if (used) { /* junk before '$' */
                memmove(g->inbuf, g->inbuf + used, g->inlen - used);
                g->inlen -= used;
            }
            if (g->inlen == sizeof g->inbuf) /* a packet too long for us: drop it */
                g->inlen = 0;
        }
        ssize_t n = recv(g->fd, g->inbuf + g->inlen, sizeof g->inbuf - g->inlen, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        g->inlen += (size_t)n;
    }
}

static void hex_u32le(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        snprintf(p + 2 * i, 3, "%02x", (v >> (8 * i)) & 0xFF);
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A hex number of at most 32 bits: hex digits only (strtoul would also take a blank, a
 * sign or 0x). */
static bool parse_hex(const char *s, const char **end, uint32_t *v)
{
    uint64_t x = 0;
    const char *p = s;
    for (int d; (d = hex_digit(*p)) >= 0; p++)
        if ((x = x * 16 + (uint64_t)d) > UINT32_MAX)
            return false;
    if (p == s)
        return false;
    *v = (uint32_t)x;
    *end = p;
    return true;
}

/* n bytes from 2n hex digits; false at the first character that is not one. */
static bool hex_bytes(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(s[2 * i]), lo = hi < 0 ? -1 : hex_digit(s[2 * i + 1]);
        if (lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static uint32_t reg_value(gdb *g, unsigned n)
{
    if (n == 15)
        return g->pc;
    int id = reg_of(n);
    return id < 0 ? 0 : se_machine_reg_read(g->m, id);
}

static bool bp_at(const gdb *g, uint32_t pc)
{
    for (unsigned i = 0; i < g->nbp; i++)
        if (g->bp[i] == pc)
            return true;
    return false;
}

/* Serve packets while the target is stopped. Returns when gdb resumes (c/s), detaches or
 * kills. */
static void serve(gdb *g, const char *stop_reply)
{
    char pkt[PKT_MAX], resp[PKT_MAX * 2 + 16];
    if (stop_reply && put_packet(g, stop_reply) < 0) {
        g->detached = true;
        return;
    }
    for (;;) {
        int plen = get_packet(g, pkt, sizeof pkt);
        if (plen < 0) {
            g->detached = true;
            return;
        }
        const char *p = pkt, *e;
        uint32_t a, n;
        resp[0] = '\0';
        switch (pkt[0]) {
        case '\x03':
        case '?': snprintf(resp, sizeof resp, "S05"); break;
        case 'g': {
            char *q = resp;
            for (size_t i = 0; i < sizeof reg_order / sizeof reg_order[0]; i++, q += 8)
                hex_u32le(q, reg_value(g, reg_order[i]));
            break;
        }
        case 'p':
            if (parse_hex(p + 1, &e, &n) && (n <= 15 || (n >= 25 && n <= 29)))
                hex_u32le(resp, reg_value(g, n));
            else
                snprintf(resp, sizeof resp, "E01");
            break;
        case 'P': {
            uint8_t b[4];
            if (!parse_hex(p + 1, &e, &n) || *e != '=' || strlen(e + 1) != 8 || reg_of(n) < 0 ||
                n == 15 || !hex_bytes(e + 1, 4, b)) {
                snprintf(resp, sizeof resp, "E01");
                break;
            }
            uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                         (uint32_t)b[3] << 24; /* target order: little-endian */
            se_machine_reg_write(g->m, reg_of(n), v);
            snprintf(resp, sizeof resp, "OK");
            break;
        }
        case 'm':
            if (!parse_hex(p + 1, &e, &a) || *e != ',' || !parse_hex(e + 1, &e, &n) ||
                n > PKT_MAX / 2) {
                snprintf(resp, sizeof resp, "E01");
                break;
            } else {
                uint8_t buf[PKT_MAX / 2];
                if (se_machine_read(g->m, a, buf, n, NULL) != SE_OK) {
                    snprintf(resp, sizeof resp, "E14");
                    break;
                }
                for (uint32_t i = 0; i < n; i++)
                    snprintf(resp + 2 * i, 3, "%02x", buf[i]);
            }
            break;
        case 'M':
            if (!parse_hex(p + 1, &e, &a) || *e != ',' || !parse_hex(e + 1, &e, &n) || *e != ':' ||
                n > PKT_MAX / 2 || strlen(e + 1) != 2 * (size_t)n) {
                snprintf(resp, sizeof resp, "E01");
            } else {
                uint8_t buf[PKT_MAX / 2];
                if (!hex_bytes(e + 1, n, buf))
                    snprintf(resp, sizeof resp, "E01"); /* not hex: nothing written */
                else
                    snprintf(resp, sizeof resp,
                             se_machine_write(g->m, a, buf, n, NULL) ? "E14" : "OK");
            }
            break;
        case 'X': { /* binary write: '}' escapes the next byte (XOR 0x20) */
            const char *end = pkt + plen;
            if (!parse_hex(p + 1, &e, &a) || *e != ',' || !parse_hex(e + 1, &e, &n) || *e != ':' ||
                n > PKT_MAX) {
                snprintf(resp, sizeof resp, "E01");
                break;
            }
            static uint8_t xbuf[PKT_MAX];
            uint32_t k = 0;
            bool ok = true;
            for (const char *q = e + 1; q < end && ok; q++) {
                uint8_t c = (uint8_t)*q;
                if (c == '}') {
                    if (++q == end)
                        ok = false; /* an escape with nothing after it */
                    c = ok ? (uint8_t)(*q ^ 0x20) : 0;
                }
                if (k == n)
                    ok = false; /* more data than the length says */
                else
                    xbuf[k++] = c;
            }
            if (!ok || k != n)
                snprintf(resp, sizeof resp, "E01");
            else
                snprintf(resp, sizeof resp,
                         n && se_machine_write(g->m, a, xbuf, n, NULL) ? "E14" : "OK");
            break;
        }
        case 'Z':
        case 'z':
            if ((p[1] != '0' && p[1] != '1') || p[2] != ',' || !parse_hex(p + 3, &e, &a)) {
                snprintf(resp, sizeof resp, "%s", (p[1] >= '2' && p[1] <= '4') ? "" : "E01");
                break;
            }
            a &= ~1u;
            if (pkt[0] == 'Z') {
                bool have = bp_at(g, a);
                if (!have && g->nbp == MAX_BP) { /* full: gdb must know it will not stop */
                    snprintf(resp, sizeof resp, "E02");
                    break;
                }
                if (!have)
                    g->bp[g->nbp++] = a;
                snprintf(resp, sizeof resp, "OK");
            } else {
                for (unsigned i = 0; i < g->nbp; i++)
                    if (g->bp[i] == a)
                        g->bp[i--] = g->bp[--g->nbp];
                snprintf(resp, sizeof resp, "OK");
            }
            break;
        case 'c': g->stepping = false; return;
        case 's': g->stepping = true; return;
        case 'v':
            if (!strncmp(pkt, "vCont?", 6)) {
                snprintf(resp, sizeof resp, "vCont;c;s");
            } else if (!strncmp(pkt, "vCont;c", 7)) {
                g->stepping = false;
                return;
            } else if (!strncmp(pkt, "vCont;s", 7)) {
                g->stepping = true;
                return;
            } else if (!strncmp(pkt, "vKill", 5)) {
                put_packet(g, "OK");
                g->killed = true;
                return;
            }
            break;
        case 'k': g->killed = true; return;
        case 'D':
            put_packet(g, "OK");
            g->detached = true;
            return;
        case 'H':
        case 'T': snprintf(resp, sizeof resp, "OK"); break;
        case 'q':
            if (!strncmp(pkt, "qSupported", 10))
                snprintf(resp, sizeof resp, "PacketSize=%x;qXfer:features:read+;vContSupported+",
                         PKT_MAX);
            else if (!strncmp(pkt, "qAttached", 9))
                snprintf(resp, sizeof resp, "1");
            else if (!strcmp(pkt, "qC"))
                snprintf(resp, sizeof resp, "QC1");
            else if (!strcmp(pkt, "qfThreadInfo"))
                snprintf(resp, sizeof resp, "m1");
            else if (!strcmp(pkt, "qsThreadInfo"))
                snprintf(resp, sizeof resp, "l");
            else if (!strncmp(pkt, "qRcmd,", 6)) {
                /* monitor next: the next continue runs to the start of the next loader call */
                char cmd[64] = "";
                size_t hl = strlen(pkt + 6);
                if (hl % 2 || hl / 2 >= sizeof cmd || !hex_bytes(pkt + 6, hl / 2, (uint8_t *)cmd))
                    cmd[0] = '\0'; /* not a command we know: the help text */
                else
                    cmd[hl / 2] = '\0';
                if (!strcmp(cmd, "next")) {
                    g->to_next_call = true;
                    snprintf(resp, sizeof resp, "OK");
                } else {
                    const char *msg =
                        "monitor commands: next (continue runs to the next loader call)\n";
                    char *q = resp;
                    *q++ = 'O';
                    for (const char *c = msg; *c; c++, q += 2)
                        snprintf(q, 3, "%02x", (unsigned char)*c);
                    put_packet(g, resp);
                    snprintf(resp, sizeof resp, "OK");
                }
            } else if (!strncmp(pkt, "qXfer:features:read:target.xml:", 31)) {
                uint32_t off, len;
                if (!parse_hex(pkt + 31, &e, &off) || *e != ',' || !parse_hex(e + 1, &e, &len)) {
                    snprintf(resp, sizeof resp, "E01");
                    break;
                }
                size_t total = sizeof target_xml - 1;
                if (len > PKT_MAX - 8)
                    len = PKT_MAX - 8;
                if (off >= total) {
                    snprintf(resp, sizeof resp, "l");
                } else {
                    size_t k = total - off < len ? total - off : len;
                    resp[0] = off + k < total ? 'm' : 'l';
                    memcpy(resp + 1, target_xml + off, k);
                    resp[1 + k] = '\0';
                }
            }
            break;
        default: break; /* unsupported: empty reply */
        }
        if (put_packet(g, resp) < 0) {
            g->detached = true;
            return;
        }
    }
}

/* ---- observer callbacks ----------------------------------------------------------------- */

static void on_begin(void *ctx, const se_call *c)
{
    (void)c;
    gdb *g = ctx;
    if (g->to_next_call) {
        g->to_next_call = false;
        g->stop_next = true;
    }
}

static void on_insn(void *ctx, uint32_t pc, uint32_t size)
{
    (void)size;
    gdb *g = ctx;
    if (g->detached || g->killed)
        return;
    if (g->stop_next || (!g->to_next_call && (g->stepping || bp_at(g, pc & ~1u)))) {
        g->stop_next = false;
        g->pc = pc;
        serve(g, "S05");
    }
}

static void on_paused(void *ctx) { (void)ctx; }

static void on_end(void *ctx, const se_call_result *r)
{
    gdb *g = ctx;
    if (g->detached || g->killed || g->to_next_call)
        return;
    /* The call reached the host's breakpoint (or failed): show it to gdb as a stop there. */
    g->pc = r->pc;
    g->stepping = false;
    serve(g, "S05");
}

/* ---- command ---------------------------------------------------------------------------- */

/* The listening socket, or -1 with errno set (the address was checked by the caller). */
static int listen_on(const struct in_addr *addr, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = *addr};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int se_gdb_serve(const se_gdb_config *cfg)
{
    const se_profile *prof = cfg->profile;
    const char *const *calls = cfg->calls;
    unsigned ncalls = cfg->ncalls;
    const char *bind_addr = cfg->bind;
    int port = cfg->port;
    struct in_addr bind_in;
    if (inet_pton(AF_INET, bind_addr, &bind_in) != 1) {
        fprintf(stderr,
                "stldr-emu: gdb: --bind takes an IPv4 address (127.0.0.1, 0.0.0.0), "
                "not '%s'\n",
                bind_addr);
        return 2;
    }
    static const char *const init_only[] = {"init"};
    if (!ncalls) {
        calls = init_only;
        ncalls = 1;
    }
    se_error err;
    se_stldr *l;
    se_err e = se_stldr_open_file(cfg->loader, &l, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        return se_err_exit_code(e);
    }
    se_machine *m = NULL;
    se_host *h = NULL;
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    if ((e = se_machine_new(prof, &mo, &m, &err)) || (e = se_host_new(l, m, NULL, &h, &err))) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        se_machine_free(m);
        se_stldr_free(l);
        return se_err_exit_code(e);
    }
    int lfd = listen_on(&bind_in, port);
    if (lfd < 0) {
        fprintf(stderr, "stldr-emu: gdb: cannot listen on %s:%d: %s\n", bind_addr, port,
                strerror(errno));
        se_host_free(h);
        se_machine_free(m);
        se_stldr_free(l);
        return se_err_exit_code(SE_ERR_IO);
    }
    fprintf(stderr, "stldr-emu: gdb server on %s:%d for %s; connect with: target remote %s:%d\n",
            bind_addr, port, prof->description, bind_addr, port);
    gdb g = {.m = m, .l = l, .stop_next = true};
    g.fd = accept(lfd, NULL, NULL);
    close(lfd);
    if (g.fd < 0) {
        fprintf(stderr, "stldr-emu: gdb: accept failed: %s\n", strerror(errno));
        return se_err_exit_code(SE_ERR_IO);
    }
    int one = 1;
    setsockopt(g.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    se_insn_observer obs = {.call_begin = on_begin,
                            .insn = on_insn,
                            .paused = on_paused,
                            .call_end = on_end,
                            .ctx = &g};
    se_machine_set_observer(m, &obs, &err);

    const se_storage_info *si = se_stldr_storage(l);
    uint32_t len = si->sectors[0].size < 0x1000 ? si->sectors[0].size : 0x1000;
    uint8_t *pattern = malloc(len);
    for (uint32_t i = 0; i < len && pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + 3);
    e = SE_OK;
    for (unsigned i = 0; i < ncalls && !g.detached && !g.killed && !e && pattern; i++) {
        const char *c = calls[i];
        if (!strcasecmp(c, "init"))
            e = se_host_init_only(h, &err);
        else if (!strcasecmp(c, "erase") || !strcasecmp(c, "sectorerase"))
            e = se_host_erase(h, si->start, len, &err);
        else if (!strcasecmp(c, "write"))
            e = se_host_write(h, si->start, pattern, len, &err);
        else if (!strcasecmp(c, "read")) {
            uint8_t *b = malloc(len);
            e = b ? se_host_read(h, si->start, b, len, &err) : SE_ERR_NOMEM;
            free(b);
        } else if (!strcasecmp(c, "verify"))
            e = se_host_verify(h, si->start, pattern, len, &err);
        else if (!strcasecmp(c, "mass-erase") || !strcasecmp(c, "masserase"))
            e = se_host_mass_erase(h, &err);
        else {
            fprintf(stderr, "stldr-emu: gdb: unknown --call '%s'\n", c);
            e = SE_ERR_USAGE;
        }
    }
    if (!g.detached && !g.killed)
        put_packet(&g, e ? "W01" : "W00");
    if (e && e != SE_ERR_USAGE)
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
    close(g.fd);
    free(pattern);
    se_machine_set_observer(m, NULL, &err);
    se_host_free(h);
    se_machine_free(m);
    se_stldr_free(l);
    return se_err_exit_code(e);
}
