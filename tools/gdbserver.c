/* stldr-emu gdb: a GDB remote-protocol server over the emulated target that behaves as the
 * servers Cortex-M users know (OpenOCD, probe-rs; docs/gdb.md). The host protocol runs the
 * loader's calls (--call), and GDB stops them at breakpoints, steps them, watches memory, is
 * told on its console why each stop happened, and programs the flash through the loader.
 *
 * How it runs (docs/gdb.md 2): the main thread runs the host operations, and every stop is
 * served from inside the machine's callbacks (the instruction observer, the fault and watch
 * hooks, the start of each call), so the core is never stopped under Unicorn (docs/unicorn.md
 * 5). A reader thread owns the socket: it frames packets for the main thread and turns a
 * Ctrl-C byte into a flag the observer checks before each instruction. A command that must
 * leave the calls in progress (reset, restart, kill, flash programming) ends them with
 * se_machine_stop_calls and is carried out once the host has returned. */
#include "tools/gdbserver.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/parse.h"
#include "emu/machine.h"
#include "loader/host.h"
#include "loader/stldr.h"

#define MAX_BP 64     /* software breakpoints (Z0), and hardware ones (Z1) within fpb_n */
#define MAX_WP 8      /* watchpoints; their comparators are limited by dwt_n */
#define PKT_MAX 16384 /* PacketSize, as OpenOCD's */
#define MAX_QUEUE 16  /* operations queued by monitor call */
#define MAX_ERASE 64  /* vFlashErase ranges of one load */
#define NOTES_MAX 16384
#define MAX_REGIONS 32
#define FP_CTRL 0xE0002000u  /* the breakpoint unit: NUM_CODE in [14:12]:[7:4] */
#define DWT_CTRL 0xE0001000u /* NUMCOMP in [31:28] */

/* GDB's signal numbers (gdb/signals.def). */
enum { SIG_INT = 2, SIG_ILL = 4, SIG_TRAP = 5, SIG_BUS = 10, SIG_SEGV = 11 };

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

/* ---- the connection: a reader thread frames packets and sees Ctrl-C ----------------------- */

#define QUEUE_MAX (4 * (PKT_MAX + 8))
#define BAD_PACKET '\x01' /* queued for a packet too long to keep: it is NAKed */

typedef struct conn {
    int fd;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char q[QUEUE_MAX]; /* whole packets as received, and BAD_PACKET marks */
    size_t qlen;
    bool running;          /* the target runs for GDB: Ctrl-C interrupts it */
    bool detached;         /* the end of the connection is no longer an abort */
    atomic_bool eof;       /* the peer closed the connection */
    atomic_bool interrupt; /* Ctrl-C while running: the observer stops at once */
    se_machine *m;
} conn;

static void conn_push(conn *c, const char *p, size_t n, bool bad)
{
    pthread_mutex_lock(&c->mu);
    /* GDB sends nothing but Ctrl-C while the target runs (all-stop); a queue this full is
     * a peer that does not wait for our acks: the packet is dropped, and GDB resends what
     * it gets no ack for. */
    if (bad && c->qlen < QUEUE_MAX)
        c->q[c->qlen++] = BAD_PACKET;
    else if (!bad && c->qlen + n <= QUEUE_MAX) {
        memcpy(c->q + c->qlen, p, n);
        c->qlen += n;
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void *conn_reader(void *arg)
{
    conn *c = arg;
    enum { OUT, IN, SUM1, SUM2 } st = OUT;
    static const size_t cap = PKT_MAX + 8;
    char *cur = malloc(cap), in[4096];
    size_t n = 0;
    bool over = false;
    for (ssize_t got; cur;) {
        got = recv(c->fd, in, sizeof in, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++) {
            char ch = in[i];
            if (st == OUT || (st == IN && ch == '$')) {
                if (st == IN) /* a '$' inside a packet (GDB escapes its own): a broken one */
                    conn_push(c, NULL, 0, true);
                st = OUT;
                if (ch == '$') {
                    st = IN;
                    n = 0;
                    over = false;
                } else if (ch == '\x03') { /* outside a packet: an interrupt (docs/gdb.md 6) */
                    pthread_mutex_lock(&c->mu);
                    if (c->running)
                        atomic_store(&c->interrupt, true);
                    pthread_mutex_unlock(&c->mu);
                    continue;
                } else {
                    continue; /* acks and noise between packets */
                }
            } else if (st == IN && ch == '#') {
                st = SUM1;
            } else if (st == SUM1) {
                st = SUM2;
            } else if (st == SUM2) {
                st = OUT;
            }
            if (n < cap)
                cur[n++] = ch;
            else
                over = true;
            if (st == OUT)
                conn_push(c, cur, n, over);
        }
    }
    free(cur);
    pthread_mutex_lock(&c->mu);
    atomic_store(&c->eof, true);
    bool abort_calls = c->running && !c->detached;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (abort_calls) /* GDB went away while the loader runs: end its calls (docs/gdb.md 6) */
        se_machine_stop_calls(c->m, true);
    return NULL;
}

static bool conn_start(conn *c, int fd, se_machine *m)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->m = m;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->started = pthread_create(&c->thread, NULL, conn_reader, c) == 0;
    return c->started;
}

static void conn_close(conn *c)
{
    shutdown(c->fd, SHUT_RDWR); /* wakes the reader */
    if (c->started)
        pthread_join(c->thread, NULL);
    close(c->fd);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}

static void conn_set_running(conn *c, bool running)
{
    pthread_mutex_lock(&c->mu);
    c->running = running;
    atomic_store(&c->interrupt, false); /* a Ctrl-C that crossed a stop is answered by it */
    pthread_mutex_unlock(&c->mu);
}

/* ---- server state ----------------------------------------------------------------------- */

/* What GDB waits for when the next stop is reached. */
typedef enum { AWAIT_NOTHING, AWAIT_STOP, AWAIT_REPLY } await_kind;
/* Where the target is stopped. */
typedef enum {
    SK_INSN,   /* before an instruction (breakpoint, step, Ctrl-C, a call's first) */
    SK_FAULT,  /* at a faulting instruction, before exception entry */
    SK_WATCH,  /* at an instruction whose access is watched, before the access */
    SK_HOST,   /* a call returned to the host's breakpoint (the host set up the next) */
    SK_EXITED, /* the session's operations are over: no process */
} stop_kind;
/* A command that leaves the calls in progress, carried out once they have ended. */
typedef enum { RS_NONE, RS_RESET, RS_RUN, RS_RESTART, RS_FLASH, RS_KILL, RS_CLOSE } restart_kind;
typedef enum { ACT_RESUME, ACT_RESTART } act;

typedef enum { OP_INIT, OP_ERASE, OP_WRITE, OP_READ, OP_VERIFY, OP_MASS } op_kind;
typedef struct op {
    op_kind kind;
    uint32_t addr, len;
} op;
static const char *const op_names[] = {"init", "erase", "write", "read", "verify", "mass-erase"};

typedef struct bpt {
    uint32_t addr;
    bool hw;
} bpt;
typedef struct wpt {
    uint32_t addr, len;
    char type;     /* '2' write, '3' read, '4' access */
    unsigned cost; /* DWT comparators it takes */
} wpt;
typedef struct flash_seg {
    uint32_t addr, len, cap;
    uint8_t *data;
} flash_seg;

typedef struct gdb {
    const se_gdb_config *cfg;
    const se_stldr *l;
    se_machine *m;
    se_host *h;
    conn c;
    bool connected;
    /* the protocol */
    bool noack, extended;
    await_kind await;
    char await_reply[16];
    bool await_notes; /* console notes may come before the awaited reply (a monitor reply) */
    /* breakpoints and watchpoints */
    bpt bp[MAX_BP];
    unsigned nbp, nhw;
    wpt wp[MAX_WP];
    unsigned nwp, wcost;
    unsigned fpb_n, dwt_n; /* what FP_CTRL and DWT_CTRL say the core has */
    /* run control */
    bool stepping;
    bool stop_next; /* stop at the first instruction of the next call */
    bool resume_set;
    uint32_t resume_pc; /* PC moved at an instruction stop: that instruction is the stop's */
    bool unwinding;     /* the calls are being ended for `restart` */
    restart_kind restart;
    bool detached;
    bool flashing; /* the calls of a vFlash programming: no stops */
    uint32_t insn_pc;
    /* the stop GDB sees */
    stop_kind sk;
    uint32_t pc;
    int sig;
    char watch[48]; /* "watch:20038000;" */
    /* the calls */
    const op *cur_op;
    unsigned op_calls;
    const char *cur_fn;
    uint32_t cur_args[4];
    bool host_stop_due; /* a call returned: stop at the start of the next one, or at the end */
    char result[2400];  /* how it returned */
    bool returned;      /* it did (else result has its reason) */
    int status;         /* the session's exit status */
    char op_error[900]; /* the failed operation's message */
    op queue[MAX_QUEUE];
    unsigned nq;
    /* the limits */
    uint64_t budget;
    double timeout;
    bool log_flash;
    /* vFlash */
    struct {
        uint32_t addr, len;
    } erase[MAX_ERASE];
    unsigned nerase;
    flash_seg *seg;
    unsigned nseg, capseg;
    bool si_noted;
    /* the console */
    char notes[NOTES_MAX];
    size_t nnotes;
    unsigned dropped;
    /* entry points by address */
    struct {
        uint32_t addr;
        se_entry_id id;
    } ep[SE_EP__COUNT];
    unsigned nep;
    char memmap[4096];
    size_t memmap_len;
    /* buffers */
    char pkt[PKT_MAX + 16];
    char resp[2 * PKT_MAX + 64];
    uint8_t mem[PKT_MAX];
} gdb;

static double host_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool conn_closed(gdb *g) { return atomic_load(&g->c.eof); }

/* Stops are served only to an attached GDB, outside restarts and flash programming. */
static bool active(gdb *g)
{
    return g->connected && !g->unwinding && !g->detached && !g->flashing && !conn_closed(g);
}

/* ---- sending ---------------------------------------------------------------------------- */

static int send_all(gdb *g, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(g->c.fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static int put_packet_n(gdb *g, const char *payload, size_t n)
{
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

static int put_packet(gdb *g, const char *payload)
{
    return put_packet_n(g, payload, strlen(payload));
}

/* The next packet's payload into out; its length (X carries binary bytes, NUL among them),
 * or -1 when the connection closed. A malformed packet is NAKed and skipped. */
static int get_packet(gdb *g, char *out, size_t outsz)
{
    conn *c = &g->c;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (c->qlen == 0 && !atomic_load(&c->eof))
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->qlen == 0) {
            pthread_mutex_unlock(&c->mu);
            return -1;
        }
        size_t used = 1;
        int r = -2;
        if (c->q[0] != BAD_PACKET) {
            r = se_rsp_unframe(c->q, c->qlen, out, outsz, &used);
            if (r == -1) /* cannot be: the reader queues whole packets */
                used = c->qlen;
        }
        memmove(c->q, c->q + used, c->qlen - used);
        c->qlen -= used;
        pthread_mutex_unlock(&c->mu);
        if (!g->noack && send_all(g, r >= 0 ? "+" : "-", 1) < 0)
            return -1;
        if (r >= 0)
            return r;
        pthread_mutex_lock(&c->mu);
    }
}

static const char hexd[] = "0123456789abcdef";

/* Console output: O packets of hex text (GDB prints them while it waits for a stop or a
 * monitor command's reply, and only then, docs/gdb.md 5). */
static void send_console(gdb *g, const char *text, size_t n)
{
    char *pkt = g->resp;
    while (n) {
        size_t k = n < 1024 ? n : 1024;
        pkt[0] = 'O';
        for (size_t i = 0; i < k; i++) {
            pkt[1 + 2 * i] = hexd[(unsigned char)text[i] >> 4];
            pkt[2 + 2 * i] = hexd[(unsigned char)text[i] & 15];
        }
        put_packet_n(g, pkt, 1 + 2 * k);
        text += k;
        n -= k;
    }
}

/* A line for the GDB console: on the server's standard error now, on the console at the
 * next stop or monitor reply. */
static void note(gdb *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(gdb *g, const char *fmt, ...)
{
    char line[3000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "stldr-emu: %s\n", line);
    size_t n = strlen(line);
    if (!g->connected || g->detached)
        return;
    if (g->nnotes + n + 12 >= sizeof g->notes) {
        g->dropped++;
        return;
    }
    g->nnotes += (size_t)snprintf(g->notes + g->nnotes, sizeof g->notes - g->nnotes,
                                  "stldr-emu: %s\n", line);
}

static void flush_notes(gdb *g)
{
    if (g->dropped) {
        char more[120];
        snprintf(more, sizeof more, "stldr-emu: (%u more lines on the server's standard error)\n",
                 g->dropped);
        if (g->nnotes + strlen(more) < sizeof g->notes) {
            memcpy(g->notes + g->nnotes, more, strlen(more));
            g->nnotes += strlen(more);
        }
    }
    if (g->nnotes)
        send_console(g, g->notes, g->nnotes);
    g->nnotes = 0;
    g->dropped = 0;
}

/* The machine's log (warnings; notes such as the flash command log with log-flash on):
 * straight to the console while GDB waits for a stop, else kept for the next one. */
static void on_log(void *ctx, int level, const char *msg)
{
    gdb *g = ctx;
    if (level < SE_LOG_WARN && !g->log_flash)
        return;
    const char *what = level >= SE_LOG_WARN ? "warning" : "note";
    if (g->await == AWAIT_STOP && active(g)) {
        char line[1200];
        int n = snprintf(line, sizeof line, "stldr-emu: %s: %s\n", what, msg);
        fputs(line, stderr);
        send_console(g, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
    } else {
        note(g, "%s: %s", what, msg);
    }
}

/* ---- numbers ---------------------------------------------------------------------------- */

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

static void hex_u32le(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[2 * i] = hexd[(v >> (8 * i + 4)) & 15];
        p[2 * i + 1] = hexd[(v >> (8 * i)) & 15];
    }
    p[8] = '\0';
}

/* X and vFlashWrite data: '}' escapes the next byte (XOR 0x20). Exactly n bytes or false. */
static bool unescape(const char *p, const char *end, uint8_t *out, uint32_t n)
{
    uint32_t k = 0;
    for (; p < end; p++) {
        uint8_t c = (uint8_t)*p;
        if (c == '}') {
            if (++p == end)
                return false; /* an escape with nothing after it */
            c = (uint8_t)(*p ^ 0x20);
        }
        if (k == n)
            return false; /* more data than the length says */
        out[k++] = c;
    }
    return k == n;
}

/* ---- target description and memory map ---------------------------------------------------- */

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
    "<reg name=\"basepri\" bitsize=\"32\" regnum=\"30\"/>"
    "<reg name=\"faultmask\" bitsize=\"32\" regnum=\"31\"/>"
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
    case 30: return SE_REG_BASEPRI;
    case 31: return SE_REG_FAULTMASK;
    default: return -1;
    }
}

static const unsigned reg_order[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                     12, 13, 14, 15, 25, 26, 27, 28, 29, 30, 31};

typedef struct mregion {
    uint64_t start, len;
    const char *type;
    uint32_t block;
} mregion;

/* Add [s, end) as `type` where no region is yet: what overlaps is left to the earlier one. */
static unsigned add_region(mregion *r, unsigned n, uint64_t s, uint64_t end, const char *type,
                           uint32_t block)
{
    if (s >= end || n >= MAX_REGIONS)
        return n;
    for (unsigned i = 0; i < n; i++) {
        uint64_t es = r[i].start, ee = es + r[i].len;
        if (s < ee && es < end) {
            n = add_region(r, n, s, es, type, block);
            return add_region(r, n, ee, end, type, block);
        }
    }
    r[n++] = (mregion){s, end - s, type, block};
    return n;
}

static int region_cmp(const void *a, const void *b)
{
    const mregion *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The memory map GDB gets (docs/gdb.md 4): the loader's device as flash with StorageInfo's
 * sectors as blocks (so `load` programs it with vFlash, through the loader), StorageInfo's
 * own segment as RAM (so `load` of the loader ELF can send it, and we drop it), RAM, the
 * internal flash as ROM, the peripherals and the System Control Space as RAM (registers GDB
 * and SVD views read). Earlier entries win where two overlap. */
static void build_memmap(gdb *g)
{
    const se_profile *p = se_machine_profile(g->m);
    const se_storage_info *si = se_stldr_storage(g->l);
    mregion r[MAX_REGIONS];
    unsigned n = 0;
    uint64_t off = 0;
    for (unsigned i = 0; i < si->ngroups; i++) {
        uint64_t span = (uint64_t)si->sectors[i].num * si->sectors[i].size;
        if (off + span > si->size)
            span = si->size > off ? si->size - off : 0;
        n = add_region(r, n, si->start + off, si->start + off + span, "flash", si->sectors[i].size);
        off += span;
    }
    for (size_t i = 0; i < se_stldr_nsegments(g->l); i++) {
        const se_segment *s = se_stldr_segment(g->l, i);
        if (s->metadata)
            n = add_region(r, n, s->paddr, (uint64_t)s->paddr + s->memsz, "ram", 0);
    }
    const struct {
        uint32_t base;
        uint64_t size;
        const char *type;
    } fixed[] = {
        {p->sram.base, p->sram.size, "ram"},
        {p->sram_alias, p->sram_alias ? p->sram.size : 0, "ram"},
        {p->iflash.base, p->iflash.size, "rom"},
        {p->iflash_alias, p->iflash_alias ? p->iflash.size : 0, "rom"},
        {p->periph.base, p->periph.size, "ram"},
        {p->periph_alias, p->periph_alias ? p->periph.size : 0, "ram"},
        {0xE0000000u, 0x100000u, "ram"}, /* the PPB: SCS, DWT, FPB */
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        n = add_region(r, n, fixed[i].base, fixed[i].base + fixed[i].size, fixed[i].type, 0);
    qsort(r, n, sizeof r[0], region_cmp);
    size_t k = (size_t)snprintf(g->memmap, sizeof g->memmap,
                                "<?xml version=\"1.0\"?><!DOCTYPE memory-map PUBLIC \"+//IDN "
                                "gnu.org//DTD GDB Memory Map V1.0//EN\" "
                                "\"http://sourceware.org/gdb/gdb-memory-map.dtd\"><memory-map>");
    for (unsigned i = 0; i < n && k < sizeof g->memmap; i++) {
        if (r[i].block)
            k += (size_t)snprintf(
                g->memmap + k, sizeof g->memmap - k,
                "<memory type=\"flash\" start=\"0x%" PRIx64 "\" length=\"0x%" PRIx64
                "\"><property name=\"blocksize\">0x%" PRIx32 "</property></memory>",
                r[i].start, r[i].len, r[i].block);
        else
            k += (size_t)snprintf(g->memmap + k, sizeof g->memmap - k,
                                  "<memory type=\"%s\" start=\"0x%" PRIx64 "\" length=\"0x%" PRIx64
                                  "\"/>",
                                  r[i].type, r[i].start, r[i].len);
    }
    if (k < sizeof g->memmap)
        k += (size_t)snprintf(g->memmap + k, sizeof g->memmap - k, "</memory-map>");
    g->memmap_len = k < sizeof g->memmap ? k : sizeof g->memmap - 1;
}

/* A qXfer read of doc: "m" or "l" and the part [off, off+len), escaped as binary data. */
static void xfer_reply(gdb *g, const char *doc, size_t total, const char *args)
{
    const char *e;
    uint32_t off, len;
    if (!parse_hex(args, &e, &off) || *e != ',' || !parse_hex(e + 1, &e, &len)) {
        snprintf(g->resp, sizeof g->resp, "E01");
        put_packet(g, g->resp);
        return;
    }
    if (len > PKT_MAX / 2)
        len = PKT_MAX / 2;
    size_t k = 1;
    g->resp[0] = 'l';
    if (off < total) {
        size_t part = total - off < len ? total - off : len;
        g->resp[0] = off + part < total ? 'm' : 'l';
        for (size_t i = 0; i < part; i++) {
            char c = doc[off + i];
            if (c == '#' || c == '$' || c == '}' || c == '*') {
                g->resp[k++] = '}';
                c ^= 0x20;
            }
            g->resp[k++] = c;
        }
    }
    put_packet_n(g, g->resp, k);
}

/* ---- the loader's calls ---------------------------------------------------------------------- */

static const uint8_t ep_nargs[SE_EP__COUNT] = {
    [SE_EP_INIT] = 1, [SE_EP_WRITE] = 3,  [SE_EP_SECTOR_ERASE] = 2, [SE_EP_MASS_ERASE] = 1,
    [SE_EP_READ] = 3, [SE_EP_VERIFY] = 4, [SE_EP_CHECKSUM] = 3,     [SE_EP_DEINIT] = 0,
};

static int ep_of(const gdb *g, uint32_t entry)
{
    for (unsigned i = 0; i < g->nep; i++)
        if (g->ep[i].addr == (entry & ~1u))
            return (int)g->ep[i].id;
    return -1;
}

/* "Write(0x90000000, 0x1000, 0x20000e80)" */
static void fmt_call(const gdb *g, uint32_t entry, const uint32_t *args, char *buf, size_t len)
{
    int id = ep_of(g, entry);
    unsigned na = id < 0 ? 4 : ep_nargs[id];
    size_t k = (size_t)snprintf(buf, len, "%s(", id < 0 ? "?" : se_entry_name((se_entry_id)id));
    for (unsigned i = 0; i < na && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s0x%" PRIx32, i ? ", " : "", args[i]);
    if (k < len)
        snprintf(buf + k, len - k, ")");
}

bool se_gdb_call_known(const char *s)
{
    return !strcasecmp(s, "init") || !strcasecmp(s, "erase") || !strcasecmp(s, "sectorerase") ||
           !strcasecmp(s, "write") || !strcasecmp(s, "read") || !strcasecmp(s, "verify") ||
           !strcasecmp(s, "mass-erase") || !strcasecmp(s, "masserase");
}

static op_kind op_kind_of(const char *s)
{
    if (!strcasecmp(s, "erase") || !strcasecmp(s, "sectorerase"))
        return OP_ERASE;
    if (!strcasecmp(s, "write"))
        return OP_WRITE;
    if (!strcasecmp(s, "read"))
        return OP_READ;
    if (!strcasecmp(s, "verify"))
        return OP_VERIFY;
    if (!strcasecmp(s, "mass-erase") || !strcasecmp(s, "masserase"))
        return OP_MASS;
    return OP_INIT;
}

/* What --call runs: the start of the device, the first sector or 4 KiB if smaller. */
static op op_default(const gdb *g, op_kind k)
{
    const se_storage_info *si = se_stldr_storage(g->l);
    uint32_t len = si->sectors[0].size < 0x1000 ? si->sectors[0].size : 0x1000;
    return (op){k, si->start, len};
}

static void fmt_op(const op *o, char *buf, size_t len)
{
    if (o->kind == OP_INIT || o->kind == OP_MASS)
        snprintf(buf, len, "%s", op_names[o->kind]);
    else
        snprintf(buf, len, "%s 0x%08" PRIx32 " 0x%" PRIx32, op_names[o->kind], o->addr, o->len);
}

static se_err run_op(gdb *g, const op *o, se_error *err)
{
    g->cur_op = o;
    g->op_calls = 0;
    se_err e;
    uint8_t *buf = NULL;
    if (o->kind == OP_WRITE || o->kind == OP_READ || o->kind == OP_VERIFY) {
        if (!(buf = malloc(o->len ? o->len : 1)))
            return se_error_set(err, SE_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < o->len; i++) /* the pattern --call writes and verifies */
            buf[i] = (uint8_t)(i * 7 + 3);
    }
    switch (o->kind) {
    case OP_INIT: e = se_host_init_only(g->h, err); break;
    case OP_ERASE: e = se_host_erase(g->h, o->addr, o->len, err); break;
    case OP_WRITE: e = se_host_write(g->h, o->addr, buf, o->len, err); break;
    case OP_READ: e = se_host_read(g->h, o->addr, buf, o->len, err); break;
    case OP_VERIFY: e = se_host_verify(g->h, o->addr, buf, o->len, err); break;
    default: e = se_host_mass_erase(g->h, err); break;
    }
    free(buf);
    g->cur_op = NULL;
    return e;
}

/* ---- stops ----------------------------------------------------------------------------- */

static act serve(gdb *g);

/* End the calls in progress: the restart g->restart is done once the host has returned. */
static void begin_unwind(gdb *g)
{
    g->unwinding = true;
    se_machine_stop_calls(g->m, true);
}

/* Serve GDB at a stop until it resumes the target. */
static void stop_here(gdb *g, stop_kind sk, uint32_t pc, int sig)
{
    g->sk = sk;
    g->pc = pc & ~1u;
    g->sig = sig;
    g->stepping = false;
    g->stop_next = false;
    double t0 = host_now();
    act a = serve(g);
    se_machine_add_halted_time(g->m, host_now() - t0); /* --timeout counts running time */
    if (a == ACT_RESTART)
        begin_unwind(g);
}

static const char *sig_name(int sig)
{
    switch (sig) {
    case SIG_SEGV: return "SIGSEGV";
    case SIG_BUS: return "SIGBUS";
    case SIG_ILL: return "SIGILL";
    case SIG_INT: return "SIGINT";
    default: return "SIGTRAP";
    }
}

/* How the host sees a call's outcome (docs/protocol.md 1.3: 1 = success, 0 = failure). */
static void fmt_result(gdb *g, const se_call_result *r)
{
    const char *fn = g->cur_fn ? g->cur_fn : "the call";
    int id = -1;
    for (unsigned i = 0; i < g->nep; i++)
        if (!strcmp(se_entry_name(g->ep[i].id), fn))
            id = (int)g->ep[i].id;
    g->returned = r->status == SE_OK;
    if (r->status != SE_OK) {
        int dl = (int)strlen(r->detail);
        while (dl > 0 && r->detail[dl - 1] == '\n')
            dl--;
        snprintf(g->result, sizeof g->result, "%s did not return to the host: %.1200s%s%.*s", fn,
                 r->reason, dl ? "\n" : "", dl < 1000 ? dl : 1000, r->detail);
    } else if (id == SE_EP_VERIFY)
        snprintf(g->result, sizeof g->result,
                 "Verify returned 0x%08" PRIx32 "%08" PRIx32 " (%s, checksum 0x%" PRIx32
                 ") to the host",
                 r->r1, r->r0, r->r0 ? "a mismatch" : "no mismatch", r->r1);
    else if (id == SE_EP_CHECKSUM)
        snprintf(g->result, sizeof g->result, "CheckSum returned 0x%" PRIx32 " to the host", r->r0);
    else
        snprintf(g->result, sizeof g->result, "%s returned 0x%" PRIx32 " (%s) to the host", fn,
                 r->r0,
                 r->r0 == 1   ? "ok"
                 : r->r0 == 0 ? "failure"
                              : "not 1: the host takes it as a failure");
}

/* ---- machine callbacks ------------------------------------------------------------------- */

static void on_begin(void *ctx, const se_call *c)
{
    gdb *g = ctx;
    int id = ep_of(g, c->entry);
    g->cur_fn = id < 0 ? NULL : se_entry_name((se_entry_id)id);
    memcpy(g->cur_args, c->args, sizeof g->cur_args);
    g->op_calls++;
    if (!g->host_stop_due || !active(g))
        return;
    /* The call before returned to the host's breakpoint: the stop there is taken now, when
     * the host has set up this call, so the console can say what comes next. */
    g->host_stop_due = false;
    char next[200], opbuf[80] = "";
    fmt_call(g, c->entry, c->args, next, sizeof next);
    if (g->op_calls == 1 && g->cur_op)
        snprintf(opbuf, sizeof opbuf, "the %s operation: the host downloads the image, then ",
                 op_names[g->cur_op->kind]);
    note(g, "%s; next: %s%s", g->result, opbuf, next);
    stop_here(g, SK_HOST, se_machine_profile(g->m)->bkpt_addr, SIG_TRAP);
}

static bool bp_at(const gdb *g, uint32_t pc)
{
    for (unsigned i = 0; i < g->nbp; i++)
        if (g->bp[i].addr == pc)
            return true;
    return false;
}

static void on_insn(void *ctx, uint32_t pc, uint32_t size)
{
    (void)size;
    gdb *g = ctx;
    if (!active(g))
        return;
    pc &= ~1u;
    g->insn_pc = pc;
    if (g->resume_set) { /* PC was moved to here: this instruction is where GDB stopped */
        g->resume_set = false;
        if (pc == g->resume_pc)
            return;
    }
    bool intr = atomic_load_explicit(&g->c.interrupt, memory_order_relaxed);
    bool trap = g->stop_next || g->stepping || bp_at(g, pc);
    if (trap || intr)
        stop_here(g, SK_INSN, pc, trap ? SIG_TRAP : SIG_INT);
}

static void on_end(void *ctx, const se_call_result *r)
{
    gdb *g = ctx;
    if (g->unwinding || g->flashing)
        return;
    fmt_result(g, r);
    g->host_stop_due = true;
}

static void on_fault(void *ctx, const se_fault_stop *f)
{
    gdb *g = ctx;
    if (!active(g))
        return;
    /* Signals as pyOCD gives them (docs/gdb.md 3): what the fault is before escalation. */
    int sig = f->exc == 5 ? SIG_BUS : f->exc == 6 ? SIG_ILL : SIG_SEGV;
    uint32_t cfsr = 0, hfsr = 0, bfar = 0;
    se_machine_read(g->m, 0xE000ED28u, &cfsr, 4, NULL);
    se_machine_read(g->m, 0xE000ED2Cu, &hfsr, 4, NULL);
    se_machine_read(g->m, 0xE000ED38u, &bfar, 4, NULL);
    note(g, "%s", f->reason);
    note(g,
         "stopped before exception entry (%s; CFSR 0x%08" PRIx32 ", HFSR 0x%08" PRIx32
         ", BFAR 0x%08" PRIx32 "): continue takes the exception as the core would",
         sig_name(sig), cfsr, hfsr, bfar);
    stop_here(g, SK_FAULT, f->pc, sig);
}

static void on_watch(void *ctx, const se_watch_hit *w)
{
    gdb *g = ctx;
    if (!active(g))
        return;
    for (unsigned i = 0; i < g->nwp; i++) {
        const wpt *p = &g->wp[i];
        bool want = p->type == '4' || (p->type == '2') == w->write;
        if (!want || w->addr >= p->addr + (uint64_t)p->len ||
            (uint64_t)w->addr + w->size <= p->addr)
            continue;
        uint32_t at = w->addr > p->addr ? w->addr : p->addr;
        snprintf(g->watch, sizeof g->watch, "%s:%" PRIx32 ";",
                 p->type == '2'   ? "watch"
                 : p->type == '3' ? "rwatch"
                                  : "awatch",
                 at);
        /* the observer's code hook synced PC to the instruction (se_watch_hit.pc) */
        stop_here(g, SK_WATCH, g->insn_pc ? g->insn_pc : w->pc, SIG_TRAP);
        g->watch[0] = '\0';
        return;
    }
}

/* ---- watchpoints and breakpoints ------------------------------------------------------------ */

static bool sync_watches(gdb *g)
{
    se_watch w[MAX_WP];
    for (unsigned i = 0; i < g->nwp; i++)
        w[i] = (se_watch){g->wp[i].addr, g->wp[i].len, g->wp[i].type != '2', g->wp[i].type != '3'};
    se_error err;
    if (se_machine_set_watches(g->m, w, g->nwp, &err) != SE_OK) {
        note(g, "%s", err.msg);
        return false;
    }
    return true;
}

/* A DWT comparator matches up to a word; a longer range takes a pair (Armv8-M address range
 * matching): the policy of docs/gdb.md 4. */
static unsigned watch_cost(uint32_t addr, uint32_t len)
{
    return len <= 4 && (addr & ~3u) == ((addr + len - 1) & ~3u) ? 1 : 2;
}

static const char *zpacket(gdb *g, const char *p)
{
    char type = p[1];
    const char *e;
    uint32_t a, len;
    bool set = p[0] == 'Z';
    if (type < '0' || type > '4' || p[2] != ',' || !parse_hex(p + 3, &e, &a) || *e != ',' ||
        !parse_hex(e + 1, &e, &len))
        return "E01";
    if (type <= '1') {
        a &= ~1u;
        bool hw = type == '1';
        for (unsigned i = 0; i < g->nbp; i++)
            if (g->bp[i].addr == a && g->bp[i].hw == hw) {
                if (!set) {
                    g->nhw -= hw;
                    g->bp[i--] = g->bp[--g->nbp];
                }
                return "OK";
            }
        if (!set)
            return "OK";
        if (g->nbp == MAX_BP) /* full: gdb must know it will not stop */
            return "E02";
        if (hw && g->nhw >= g->fpb_n) /* as many as the breakpoint unit has */
            return "E03";
        g->bp[g->nbp++] = (bpt){a, hw};
        g->nhw += hw;
        return "OK";
    }
    if (len == 0)
        return "E01";
    for (unsigned i = 0; i < g->nwp; i++)
        if (g->wp[i].addr == a && g->wp[i].len == len && g->wp[i].type == type) {
            if (!set) {
                g->wcost -= g->wp[i].cost;
                g->wp[i--] = g->wp[--g->nwp];
                return sync_watches(g) ? "OK" : "E04";
            }
            return "OK";
        }
    if (!set)
        return "OK";
    unsigned cost = watch_cost(a, len);
    if (g->nwp == MAX_WP || g->wcost + cost > g->dwt_n) /* as many as the DWT has */
        return "E03";
    g->wp[g->nwp++] = (wpt){a, len, type, cost};
    g->wcost += cost;
    if (!sync_watches(g)) {
        g->wcost -= g->wp[--g->nwp].cost;
        return "E04";
    }
    return "OK";
}

static void clear_points(gdb *g)
{
    g->nbp = g->nhw = g->nwp = g->wcost = 0;
    sync_watches(g);
}

/* ---- vFlash: programming through the loader -------------------------------------------------- */

static void flash_clear(gdb *g)
{
    for (unsigned i = 0; i < g->nseg; i++)
        free(g->seg[i].data);
    free(g->seg);
    g->seg = NULL;
    g->nseg = g->capseg = 0;
    g->nerase = 0;
}

static bool flash_add(gdb *g, uint32_t addr, const uint8_t *data, uint32_t n)
{
    flash_seg *s = g->nseg ? &g->seg[g->nseg - 1] : NULL;
    if (!s || s->addr + s->len != addr) {
        if (g->nseg == g->capseg) {
            unsigned cap = g->capseg ? 2 * g->capseg : 8;
            flash_seg *ns = realloc(g->seg, cap * sizeof *ns);
            if (!ns)
                return false;
            g->seg = ns;
            g->capseg = cap;
        }
        s = &g->seg[g->nseg++];
        *s = (flash_seg){addr, 0, 0, NULL};
    }
    if (s->len + n > s->cap) {
        uint32_t cap = s->cap ? s->cap : 0x1000;
        while (cap < s->len + n)
            cap *= 2;
        uint8_t *nd = realloc(s->data, cap);
        if (!nd)
            return false;
        s->data = nd;
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, n);
    s->len += n;
    return true;
}

/* vFlashDone: the erases, then the writes, as host operations: download, Init, then
 * SectorErase or Write calls of the loader under test. No stops inside (GDB waits for the
 * reply); the console gets what was done at the next stop or monitor reply. */
static bool flash_run(gdb *g)
{
    se_error err;
    se_err e = SE_OK;
    g->flashing = true;
    for (unsigned i = 0; i < g->nerase && !e; i++) {
        e = se_host_erase(g->h, g->erase[i].addr, g->erase[i].len, &err);
        note(g, "load: erase 0x%08" PRIx32 "..0x%08" PRIx32 " through SectorErase: %s",
             g->erase[i].addr, g->erase[i].addr + g->erase[i].len, e ? err.msg : "ok");
    }
    for (unsigned i = 0; i < g->nseg && !e; i++) {
        e = se_host_write(g->h, g->seg[i].addr, g->seg[i].data, g->seg[i].len, &err);
        note(g, "load: write 0x%" PRIx32 " bytes at 0x%08" PRIx32 " through Write: %s",
             g->seg[i].len, g->seg[i].addr, e ? err.msg : "ok");
    }
    g->flashing = false;
    flash_clear(g);
    return e == SE_OK;
}

static const char *vflash(gdb *g, int plen)
{
    const char *p = g->pkt, *e;
    uint32_t a, n;
    uint32_t abs;
    if (!strncmp(p, "vFlashErase:", 12)) {
        if (!parse_hex(p + 12, &e, &a) || *e != ',' || !parse_hex(e + 1, &e, &n) || n == 0)
            return "E01";
        if (!se_host_device_range(g->h, a, n, &abs) || abs != a || g->nerase == MAX_ERASE)
            return "E02"; /* outside the loader's device */
        g->erase[g->nerase].addr = a;
        g->erase[g->nerase++].len = n;
        return "OK";
    }
    if (!strncmp(p, "vFlashWrite:", 12)) {
        if (!parse_hex(p + 12, &e, &a) || *e != ':')
            return "E01";
        const char *end = g->pkt + plen, *d = e + 1;
        /* the bytes: at most as many as the packet holds */
        uint32_t k = 0;
        for (const char *q = d; q < end; q++, k++)
            if (*q == '}')
                q++;
        if (!unescape(d, end, g->mem, k))
            return "E01";
        if (k && (!se_host_device_range(g->h, a, k, &abs) || abs != a))
            return "E02";
        return !k || flash_add(g, a, g->mem, k) ? "OK" : "E03";
    }
    return ""; /* another vFlash packet: unsupported */
}

/* ---- monitor commands ---------------------------------------------------------------------- */

static const char monitor_help[] =
    "monitor commands (docs/gdb.md 5):\n"
    "  help                     this text\n"
    "  reset [halt|init]        download the image again, run the host's set-up, stop at the\n"
    "                           first instruction of Init (the session's operations restart)\n"
    "  halt                     the target is halted at every prompt; says where\n"
    "  call OP [ADDR [LEN]]     run host operation OP next (init, erase, write, read, verify,\n"
    "                           mass-erase; write and verify use a test pattern)\n"
    "  info                     the loader, the call in progress, the last result, the limits\n"
    "  budget [N]               instructions per call before it counts as hung\n"
    "  log-flash on|off         one console line per flash command\n"
    "  tz                       the TrustZone set-up\n";

/* Append printf text to the monitor reply being built. */
static void mout(char *buf, size_t cap, size_t *k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void mout(char *buf, size_t cap, size_t *k, const char *fmt, ...)
{
    if (*k >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *k, cap - *k, fmt, ap);
    va_end(ap);
    if (n > 0)
        *k = *k + (size_t)n < cap ? *k + (size_t)n : cap - 1;
}

static const char *stop_what(const gdb *g)
{
    switch (g->sk) {
    case SK_INSN: return "before an instruction";
    case SK_FAULT: return "at a faulting instruction, before exception entry";
    case SK_WATCH: return "at a watched access, before it is done";
    case SK_HOST: return "where a call returned to the host's breakpoint";
    default: return "after the session's operations (no process)";
    }
}

static void monitor_info(gdb *g, char *out, size_t cap, size_t *k)
{
    const se_storage_info *si = se_stldr_storage(g->l);
    const se_profile *p = se_machine_profile(g->m);
    char sym[160];
    mout(out, cap, k, "loader %s: %s, 0x%08" PRIx32 "..0x%08" PRIx32 "\ntarget %s\n",
         se_stldr_path(g->l), si->name, si->start, si->start + si->size, p->description);
    mout(out, cap, k, "session:");
    for (unsigned i = 0; i < g->cfg->ncalls; i++)
        mout(out, cap, k, " %s", g->cfg->calls[i]);
    if (!g->cfg->ncalls)
        mout(out, cap, k, " init");
    for (unsigned i = 0; i < g->nq; i++) {
        fmt_op(&g->queue[i], sym, sizeof sym);
        mout(out, cap, k, "%s%s", i ? ", " : "; queued: ", sym);
    }
    mout(out, cap, k, "\n");
    if (g->cur_op) {
        fmt_op(g->cur_op, sym, sizeof sym);
        mout(out, cap, k, "operation in progress: %s\n", sym);
    }
    if (g->cur_fn && g->sk != SK_EXITED) {
        char call[200];
        uint32_t entry = 0;
        for (unsigned i = 0; i < g->nep; i++)
            if (!strcmp(se_entry_name(g->ep[i].id), g->cur_fn))
                entry = g->ep[i].addr;
        fmt_call(g, entry, g->cur_args, call, sizeof call);
        mout(out, cap, k, "call in progress: %s\n", call);
    }
    se_machine_symbolize(g->m, g->pc, sym, sizeof sym);
    mout(out, cap, k, "stopped %s: pc 0x%08" PRIx32 " (%s)\n", stop_what(g), g->pc, sym);
    if (g->result[0])
        mout(out, cap, k, "last result: %.1500s\n", g->result);
    if (g->op_error[0])
        mout(out, cap, k, "%s\n", g->op_error);
    mout(out, cap, k,
         "limits per call: %" PRIu64 " instructions, %.1f s of host time while running\n",
         g->budget, g->timeout);
    mout(out, cap, k,
         "hardware: %u breakpoints (FP_CTRL), %u watchpoint comparators (DWT_CTRL); in use: %u "
         "of %u, %u of %u; software breakpoints: %u\n",
         g->fpb_n, g->dwt_n, g->nhw, g->fpb_n, g->wcost, g->dwt_n, g->nbp - g->nhw);
}

static void monitor_tz(gdb *g, char *out, size_t cap, size_t *k)
{
    const se_profile *p = se_machine_profile(g->m);
    uint32_t sau_ctrl = 0;
    se_machine_read(g->m, 0xE000EDD0u, &sau_ctrl, 4, NULL);
    mout(out, cap, k,
         "TrustZone: TZEN=%d; the loader runs %s; BKPT 0x%08" PRIx32 ", image at 0x%08" PRIx32 "\n",
         p->tz, p->secure ? "Secure" : "Non-secure", p->bkpt_addr, p->load_base);
    mout(out, cap, k, "SAU_CTRL now 0x%08" PRIx32 " (ENABLE=%u, ALLNS=%u)\n", sau_ctrl,
         sau_ctrl & 1u, (sau_ctrl >> 1) & 1u);
    for (unsigned i = 0; i < p->nsau; i++)
        mout(out, cap, k, "  SAU region %u (preset): 0x%08" PRIx32 "..0x%08" PRIx32 " %s\n", i,
             p->sau[i].base, p->sau[i].limit, p->sau[i].nsc ? "Non-secure callable" : "Non-secure");
    if (p->tz)
        mout(out, cap, k,
             "GTZC-denied data accesses %s; a Secure access to a Non-secure alias %s\n",
             p->gtzc_buserr ? "also bus-fault" : "read as zero and ignore writes",
             p->alias_illegal ? "is illegal" : "is allowed");
}

/* An operation and its optional address and length, as `monitor call` takes it. */
static bool parse_call(gdb *g, char *args, op *o, char *why, size_t wl)
{
    char *save = NULL, *name = strtok_r(args, " \t", &save);
    if (!name || !se_gdb_call_known(name)) {
        snprintf(why, wl, "call takes init, erase, write, read, verify or mass-erase, not '%s'",
                 name ? name : "");
        return false;
    }
    *o = op_default(g, op_kind_of(name));
    char *a = strtok_r(NULL, " \t", &save), *l = a ? strtok_r(NULL, " \t", &save) : NULL;
    if (strtok_r(NULL, " \t", &save)) {
        snprintf(why, wl, "call: too many arguments");
        return false;
    }
    if (a && (o->kind == OP_INIT || o->kind == OP_MASS)) {
        snprintf(why, wl, "call %s takes no address", op_names[o->kind]);
        return false;
    }
    if ((a && !se_parse_u32(a, &o->addr)) || (l && !se_parse_u32(l, &o->len))) {
        snprintf(why, wl, "call: bad number '%s'", l && a && se_parse_u32(a, &o->addr) ? l : a);
        return false;
    }
    uint32_t abs;
    if (o->kind != OP_INIT && o->kind != OP_MASS &&
        (!o->len || !se_host_device_range(g->h, o->addr, o->len, &abs))) {
        const se_storage_info *si = se_stldr_storage(g->l);
        snprintf(why, wl,
                 "call: 0x%08" PRIx32 "+0x%" PRIx32 " is not inside the device (0x%08" PRIx32
                 "..0x%08" PRIx32 ")",
                 o->addr, o->len, si->start, si->start + si->size);
        return false;
    }
    return true;
}

/* qRcmd: the text on the console, then OK (an error: E01 after the text). A reset ends the
 * calls in progress first (true): its reply is sent from the stop it leads to. */
static bool monitor(gdb *g, const char *hex)
{
    char cmd[256], out[4096];
    size_t hl = strlen(hex), k = 0;
    bool err = false;
    if (hl % 2 || hl / 2 >= sizeof cmd || !hex_bytes(hex, hl / 2, (uint8_t *)cmd))
        hl = 0;
    cmd[hl / 2] = '\0';
    char *c = cmd;
    while (*c == ' ')
        c++;
    for (char *t = c + strlen(c); t > c && (t[-1] == ' ' || t[-1] == '\n'); t--)
        t[-1] = '\0';
    char *args = c + strcspn(c, " ");
    if (*args)
        *args++ = '\0';
    while (*args == ' ')
        args++;
    flush_notes(g);
    if (!strcmp(c, "reset")) {
        if (*args && strcmp(args, "halt") && strcmp(args, "init") && strcmp(args, "run")) {
            mout(out, sizeof out, &k, "reset takes halt, init or nothing, not '%s'\n", args);
            err = true;
        } else {
            g->restart = RS_RESET;
            g->await = AWAIT_REPLY;
            snprintf(g->await_reply, sizeof g->await_reply, "OK");
            g->await_notes = true;
            note(g, "reset: the host downloads the image again and calls Init; halted at its "
                    "first instruction");
            return true;
        }
    } else if (!strcmp(c, "halt")) {
        char sym[160];
        se_machine_symbolize(g->m, g->pc, sym, sizeof sym);
        mout(out, sizeof out, &k, "halted %s: pc 0x%08" PRIx32 " (%s)\n", stop_what(g), g->pc, sym);
    } else if (!strcmp(c, "call")) {
        op o;
        char why[200], desc[80];
        if (!parse_call(g, args, &o, why, sizeof why)) {
            mout(out, sizeof out, &k, "%s\n", why);
            err = true;
        } else if (g->nq == MAX_QUEUE) {
            mout(out, sizeof out, &k, "call: %d operations are queued already\n", MAX_QUEUE);
            err = true;
        } else {
            g->queue[g->nq++] = o;
            fmt_op(&o, desc, sizeof desc);
            mout(out, sizeof out, &k, "%s runs next%s\n", desc,
                 g->cur_op            ? ", after the operation in progress"
                 : g->sk == SK_EXITED ? ", when the session runs again (run, or monitor reset)"
                                      : "");
        }
    } else if (!strcmp(c, "info")) {
        monitor_info(g, out, sizeof out, &k);
    } else if (!strcmp(c, "budget")) {
        uint64_t v;
        if (*args && !se_parse_u64(args, 1, UINT64_MAX, &v)) {
            mout(out, sizeof out, &k, "budget takes an instruction count 1..2^64-1, not '%s'\n",
                 args);
            err = true;
        } else {
            if (*args) {
                g->budget = v;
                se_host_set_limits(g->h, g->budget, g->timeout);
            }
            mout(out, sizeof out, &k, "budget: %" PRIu64 " instructions per call%s\n", g->budget,
                 *args ? ", from the next call on" : "");
        }
    } else if (!strcmp(c, "log-flash")) {
        if (strcmp(args, "on") && strcmp(args, "off")) {
            mout(out, sizeof out, &k, "log-flash takes on or off\n");
            err = true;
        } else {
            g->log_flash = !strcmp(args, "on");
            se_machine_set_log_flash(g->m, g->log_flash);
            mout(out, sizeof out, &k, "log-flash %s\n", g->log_flash ? "on" : "off");
        }
    } else if (!strcmp(c, "tz")) {
        monitor_tz(g, out, sizeof out, &k);
    } else {
        if (*c && strcmp(c, "help"))
            mout(out, sizeof out, &k, "unknown command '%s'\n", c);
        mout(out, sizeof out, &k, "%s", monitor_help);
    }
    send_console(g, out, k);
    put_packet(g, err ? "E01" : "OK");
    return false;
}

/* ---- serving packets ------------------------------------------------------------------------ */

static uint32_t reg_value(gdb *g, unsigned n)
{
    if (n == 15 && g->sk != SK_EXITED)
        return g->pc;
    int id = reg_of(n);
    return id < 0 ? 0 : se_machine_reg_read(g->m, (se_cpu_reg)id);
}

static void stop_reply(gdb *g, char *buf, size_t len)
{
    if (g->sk == SK_EXITED)
        snprintf(buf, len, "W%02x", g->status & 0xFF);
    else
        snprintf(buf, len, "T%02xthread:1;%s", g->sig, g->watch);
}

/* PC written: moved where the machine can (an instruction stop, the start of a call), as
 * is where it already is (GDB's `load` writes the entry point); refused elsewhere. */
static const char *write_pc(gdb *g, uint32_t v)
{
    v &= ~1u;
    if (v == g->pc && g->sk != SK_EXITED)
        return "OK";
    if ((g->sk != SK_INSN && g->sk != SK_HOST) || !se_machine_set_pc(g->m, v))
        return "E01";
    if (g->sk == SK_INSN) {
        g->resume_set = true;
        g->resume_pc = v;
    }
    g->pc = v;
    return "OK";
}

/* Memory writes: StorageInfo's segment is metadata the host never downloads (docs/protocol.md
 * 1.2): GDB's `load` of the loader ELF sends it, and it is dropped with a note. */
static bool into_storage_info(gdb *g, uint32_t a, uint32_t n)
{
    for (size_t i = 0; i < se_stldr_nsegments(g->l); i++) {
        const se_segment *s = se_stldr_segment(g->l, i);
        if (!s->metadata || a < s->paddr || (uint64_t)a + n > (uint64_t)s->paddr + s->memsz)
            continue;
        if (a == s->paddr)
            note(g,
                 "load: the StorageInfo segment (0x%08" PRIx32 "..0x%08" PRIx32
                 ") is metadata the host never downloads: not written",
                 s->paddr, s->paddr + s->memsz);
        return true;
    }
    return false;
}

static const char *write_mem(gdb *g, uint32_t a, const uint8_t *buf, uint32_t n)
{
    if (!n || into_storage_info(g, a, n))
        return "OK";
    return se_machine_write(g->m, a, buf, n, NULL) ? "E14" : "OK";
}

/* Serve packets at a stop; returns when GDB resumes the target (ACT_RESUME) or asks for
 * something that needs the calls in progress ended first (ACT_RESTART, g->restart). */
static act serve(gdb *g)
{
    conn_set_running(&g->c, false);
    char *resp = g->resp;
    switch (g->await) {
    case AWAIT_STOP:
        flush_notes(g);
        stop_reply(g, resp, 64);
        put_packet(g, resp);
        break;
    case AWAIT_REPLY:
        if (g->await_notes)
            flush_notes(g);
        put_packet(g, g->await_reply);
        break;
    default: break;
    }
    g->await = AWAIT_NOTHING;
    for (;;) {
        int plen = get_packet(g, g->pkt, sizeof g->pkt);
        if (plen < 0) {
            g->restart = RS_CLOSE;
            return ACT_RESTART;
        }
        const char *p = g->pkt, *e;
        uint32_t a, n;
        resp[0] = '\0';
        switch (p[0]) {
        case '?': stop_reply(g, resp, 64); break;
        case '!':
            g->extended = true;
            snprintf(resp, 8, "OK");
            break;
        case 'g': {
            char *q = resp;
            for (size_t i = 0; i < sizeof reg_order / sizeof reg_order[0]; i++, q += 8)
                hex_u32le(q, reg_value(g, reg_order[i]));
            break;
        }
        case 'p':
            if (parse_hex(p + 1, &e, &n) && !*e && reg_of(n) >= 0)
                hex_u32le(resp, reg_value(g, n));
            else
                snprintf(resp, 8, "E01");
            break;
        case 'P': {
            uint8_t b[4];
            if (!parse_hex(p + 1, &e, &n) || *e != '=' || strlen(e + 1) != 8 || reg_of(n) < 0 ||
                !hex_bytes(e + 1, 4, b)) {
                snprintf(resp, 8, "E01");
                break;
            }
            uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                         (uint32_t)b[3] << 24; /* target order: little-endian */
            if (n == 15) {
                snprintf(resp, 8, "%s", write_pc(g, v));
                break;
            }
            se_machine_reg_write(g->m, (se_cpu_reg)reg_of(n), v);
            snprintf(resp, 8, "OK");
            break;
        }
        case 'm':
            if (!parse_hex(p + 1, &e, &a) || *e != ',' || !parse_hex(e + 1, &e, &n) || *e ||
                n > PKT_MAX / 2) {
                snprintf(resp, 8, "E01");
            } else if (se_machine_read(g->m, a, g->mem, n, NULL) != SE_OK) {
                snprintf(resp, 8, "E14");
            } else {
                for (uint32_t i = 0; i < n; i++) {
                    resp[2 * i] = hexd[g->mem[i] >> 4];
                    resp[2 * i + 1] = hexd[g->mem[i] & 15];
                }
                resp[2 * n] = '\0';
            }
            break;
        case 'M':
            if (!parse_hex(p + 1, &e, &a) || *e != ',' || !parse_hex(e + 1, &e, &n) || *e != ':' ||
                n > PKT_MAX / 2 || strlen(e + 1) != 2 * (size_t)n || !hex_bytes(e + 1, n, g->mem))
                snprintf(resp, 8, "E01"); /* not hex: nothing written */
            else
                snprintf(resp, 8, "%s", write_mem(g, a, g->mem, n));
            break;
        case 'X': /* binary write */
            if (!parse_hex(p + 1, &e, &a) || *e != ',' || !parse_hex(e + 1, &e, &n) || *e != ':' ||
                n > PKT_MAX || !unescape(e + 1, g->pkt + plen, g->mem, n))
                snprintf(resp, 8, "E01");
            else
                snprintf(resp, 8, "%s", write_mem(g, a, g->mem, n));
            break;
        case 'Z':
        case 'z': snprintf(resp, 8, "%s", zpacket(g, p)); break;
        case 'c':
        case 'C':
        case 's':
        case 'S':
            if (g->sk == SK_EXITED) {
                stop_reply(g, resp, 64);
                break;
            }
            g->stepping = p[0] == 's' || p[0] == 'S';
            g->await = AWAIT_STOP;
            conn_set_running(&g->c, true);
            return ACT_RESUME;
        case 'D':
            put_packet(g, "OK");
            pthread_mutex_lock(&g->c.mu);
            g->c.detached = true;
            pthread_mutex_unlock(&g->c.mu);
            g->detached = true;
            clear_points(g);
            return ACT_RESUME; /* the calls run on to the end, with no stops */
        case 'k': g->restart = RS_KILL; return ACT_RESTART;
        case 'R': g->restart = RS_RESTART; return ACT_RESTART;
        case 'H':
        case 'T': snprintf(resp, 8, "OK"); break;
        case 'v':
            if (!strcmp(p, "vCont?")) {
                snprintf(resp, 64, "vCont;c;C;s;S");
            } else if (!strncmp(p, "vCont;", 6)) {
                char act1 = p[6];
                if (act1 != 'c' && act1 != 'C' && act1 != 's' && act1 != 'S') {
                    snprintf(resp, 8, "E01");
                    break;
                }
                if (g->sk == SK_EXITED) {
                    stop_reply(g, resp, 64);
                    break;
                }
                g->stepping = act1 == 's' || act1 == 'S';
                g->await = AWAIT_STOP;
                conn_set_running(&g->c, true);
                return ACT_RESUME;
            } else if (!strncmp(p, "vKill", 5)) {
                put_packet(g, "OK");
                g->restart = RS_KILL;
                return ACT_RESTART;
            } else if (!strncmp(p, "vRun", 4)) {
                g->restart = RS_RUN;
                g->await = AWAIT_STOP;
                return ACT_RESTART;
            } else if (!strncmp(p, "vFlashDone", 10)) {
                if (!g->nerase && !g->nseg) {
                    snprintf(resp, 8, "OK");
                    break;
                }
                g->restart = RS_FLASH;
                return ACT_RESTART;
            } else if (!strncmp(p, "vFlash", 6)) {
                snprintf(resp, 8, "%s", vflash(g, plen));
            }
            break;
        case 'q':
        case 'Q':
            if (!strncmp(p, "qSupported", 10))
                snprintf(resp, 200,
                         "PacketSize=%x;qXfer:features:read+;qXfer:memory-map:read+;"
                         "QStartNoAckMode+;vContSupported+",
                         PKT_MAX);
            else if (!strcmp(p, "QStartNoAckMode")) {
                put_packet(g, "OK");
                g->noack = true;
                continue;
            } else if (!strncmp(p, "qAttached", 9))
                snprintf(resp, 8, "1");
            else if (!strcmp(p, "qC"))
                snprintf(resp, 8, "QC1");
            else if (!strcmp(p, "qfThreadInfo")) /* no thread once the operations are over */
                snprintf(resp, 8, "%s", g->sk == SK_EXITED ? "l" : "m1");
            else if (!strcmp(p, "qsThreadInfo"))
                snprintf(resp, 8, "l");
            else if (!strncmp(p, "qSymbol", 7))
                snprintf(resp, 8, "OK");
            else if (!strncmp(p, "qRcmd,", 6)) {
                if (monitor(g, p + 6))
                    return ACT_RESTART;
                continue;
            } else if (!strncmp(p, "qXfer:features:read:target.xml:", 31)) {
                xfer_reply(g, target_xml, sizeof target_xml - 1, p + 31);
                continue;
            } else if (!strncmp(p, "qXfer:memory-map:read::", 23)) {
                xfer_reply(g, g->memmap, g->memmap_len, p + 23);
                continue;
            }
            break;
        default: break; /* unsupported: empty reply */
        }
        if (put_packet(g, resp) < 0) {
            g->restart = RS_CLOSE;
            return ACT_RESTART;
        }
    }
}

/* ---- a session ---------------------------------------------------------------------------- */

/* The session's operations: the --call list, each one queued with monitor call running
 * right after the one in progress, then the stop at the end. Returns when they are over or
 * a restart began (g->unwinding). */
static void run_sequence(gdb *g)
{
    unsigned next = 0;
    bool failed = false;
    g->status = 0;
    g->op_error[0] = '\0';
    g->host_stop_due = false;
    g->result[0] = '\0';
    g->cur_fn = NULL;
    for (;;) {
        op o;
        if (g->nq) {
            o = g->queue[0];
            memmove(g->queue, g->queue + 1, --g->nq * sizeof g->queue[0]);
        } else if (!failed && next < g->cfg->ncalls) {
            o = op_default(g, op_kind_of(g->cfg->calls[next++]));
        } else if (!failed && next == 0 && !g->cfg->ncalls) {
            next = 1;
            o = op_default(g, OP_INIT); /* no --call: Init */
        } else {
            if (!active(g))
                return;
            /* The end: the last call's return, or the failure, is a stop too. */
            char fin[300];
            snprintf(fin, sizeof fin, "the session is over: continue ends it (exit status %d)%s",
                     g->status, g->extended ? "; run or monitor reset starts it again" : "");
            if (g->host_stop_due && g->returned)
                note(g, "%s; %s", g->result, fin);
            else if (g->host_stop_due)
                note(g, "%s", g->result); /* the reason and the exception chain */
            if (g->op_error[0] && (g->returned || !g->host_stop_due))
                note(g, "%s", g->op_error); /* else the call's reason said it */
            if (!g->host_stop_due || !g->returned)
                note(g, "%s", fin);
            g->host_stop_due = false;
            stop_here(g, SK_HOST, se_machine_profile(g->m)->bkpt_addr, SIG_TRAP);
            if (g->unwinding || !g->nq)
                return;
            continue; /* monitor call at the last stop */
        }
        se_error err;
        se_err e = run_op(g, &o, &err);
        if (g->unwinding || conn_closed(g))
            return;
        if (e && e != SE_ERR_STOPPED) {
            char desc[80];
            fmt_op(&o, desc, sizeof desc);
            failed = true;
            if (!g->status)
                g->status = se_err_exit_code(e);
            snprintf(g->op_error, sizeof g->op_error, "the %s operation failed: %.700s", desc,
                     err.msg);
            if (!active(g))
                fprintf(stderr, "stldr-emu: %s\n", g->op_error);
        }
    }
}

static int session(gdb *g, int fd)
{
    if (!conn_start(&g->c, fd, g->m)) {
        fprintf(stderr, "stldr-emu: gdb: cannot start the connection's reader thread\n");
        close(fd);
        return se_err_exit_code(SE_ERR_IO);
    }
    g->connected = true;
    g->noack = g->extended = g->detached = false;
    g->await = AWAIT_NOTHING;
    g->nnotes = g->dropped = 0;
    g->nq = 0;
    clear_points(g);
    bool start = true;
    for (;;) {
        if (start) {
            start = false;
            g->unwinding = false;
            g->stop_next = true;
            g->resume_set = false;
            run_sequence(g);
        }
        if (!g->unwinding) {
            if (g->detached || conn_closed(g))
                break;
            g->sk = SK_EXITED; /* the operations are over: GDB gets their status */
            g->stepping = false;
            if (serve(g) == ACT_RESUME)
                break; /* detached */
        }
        bool nested = g->unwinding;
        g->unwinding = false;
        se_machine_stop_calls(g->m, false);
        restart_kind rk = g->restart;
        g->restart = RS_NONE;
        if (rk == RS_CLOSE || (rk == RS_KILL && !g->extended))
            break;
        if (rk == RS_KILL) { /* extended-remote: connected, no process */
            g->result[0] = '\0';
            continue;
        }
        if (rk == RS_FLASH) {
            bool ok = flash_run(g);
            g->await = AWAIT_REPLY;
            snprintf(g->await_reply, sizeof g->await_reply, ok ? "OK" : "E01");
            g->await_notes = false; /* GDB takes no console output before it */
            if (!nested)
                continue;
            note(g, "load: the host's session starts again, halted at the first instruction "
                    "of Init (as OpenOCD resets after programming)");
        }
        start = true; /* reset, run, R, programming from a stop: halted at Init */
    }
    g->connected = false;
    conn_close(&g->c);
    flash_clear(g);
    clear_points(g);
    se_machine_stop_calls(g->m, false);
    return g->status;
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
    struct in_addr bind_in;
    if (inet_pton(AF_INET, cfg->bind, &bind_in) != 1) {
        fprintf(stderr,
                "stldr-emu: gdb: --bind takes an IPv4 address (127.0.0.1, 0.0.0.0), "
                "not '%s'\n",
                cfg->bind);
        return 2;
    }
    for (unsigned i = 0; i < cfg->ncalls; i++)
        if (!se_gdb_call_known(cfg->calls[i])) {
            fprintf(stderr,
                    "stldr-emu: gdb: --call takes init, erase, write, read, verify or "
                    "mass-erase, not '%s'\n",
                    cfg->calls[i]);
            return se_err_exit_code(SE_ERR_USAGE);
        }
    gdb *g = calloc(1, sizeof *g);
    if (!g) {
        fprintf(stderr, "stldr-emu: out of memory\n");
        return se_err_exit_code(SE_ERR_NOMEM);
    }
    g->cfg = cfg;
    se_error err;
    se_stldr *l = NULL;
    se_err e = se_stldr_open_file(cfg->loader, &l, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        free(g);
        return se_err_exit_code(e);
    }
    g->l = l;
    se_machine_opts mo;
    se_machine_opts_default(&mo);
    mo.log = on_log;
    mo.log_ctx = g;
    mo.log_flash = g->log_flash = cfg->log_flash;
    mo.flash_image = cfg->flash_image;
    mo.exact_window = true; /* every frame reaches the part: `monitor log-flash on` sees all */
    se_host_opts ho;
    se_host_opts_default(&ho);
    if (cfg->budget)
        ho.max_instructions = cfg->budget;
    if (cfg->timeout > 0)
        ho.max_seconds = cfg->timeout;
    g->budget = ho.max_instructions;
    g->timeout = ho.max_seconds;
    int rc = 0;
    if ((e = se_machine_new(cfg->profile, &mo, &g->m, &err)) ||
        (e = se_host_new(l, g->m, &ho, &g->h, &err))) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        rc = se_err_exit_code(e);
        goto out;
    }
    const se_image *img = se_host_image(g->h);
    for (unsigned id = 0; id < SE_EP__COUNT; id++) {
        uint32_t a;
        if (se_stldr_entry(l, (se_entry_id)id, &a))
            g->ep[g->nep++] =
                (typeof(g->ep[0])){(uint32_t)((int64_t)(a & ~1u) + img->delta), (se_entry_id)id};
    }
    uint32_t fp = 0, dwt = 0; /* the comparators, as OpenOCD reads them (docs/gdb.md 4) */
    se_machine_read(g->m, FP_CTRL, &fp, 4, NULL);
    se_machine_read(g->m, DWT_CTRL, &dwt, 4, NULL);
    g->fpb_n = ((fp >> 8) & 0x70u) | ((fp >> 4) & 0xFu);
    g->dwt_n = dwt >> 28;
    build_memmap(g);
    se_insn_observer obs = {.call_begin = on_begin, .insn = on_insn, .call_end = on_end, .ctx = g};
    se_debug_hooks dh = {.fault = on_fault, .watch = on_watch, .ctx = g};
    if ((e = se_machine_set_observer(g->m, &obs, &err))) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        rc = se_err_exit_code(e);
        goto out;
    }
    se_machine_set_debug_hooks(g->m, &dh);
    int lfd = listen_on(&bind_in, cfg->port);
    if (lfd < 0) {
        fprintf(stderr, "stldr-emu: gdb: cannot listen on %s:%d: %s\n", cfg->bind, cfg->port,
                strerror(errno));
        rc = se_err_exit_code(SE_ERR_IO);
        goto out;
    }
    fprintf(stderr,
            "stldr-emu: gdb server on %s:%d for %s; connect with: target extended-remote %s:%d\n",
            cfg->bind, cfg->port, cfg->profile->description, cfg->bind, cfg->port);
    fprintf(stderr,
            "stldr-emu: hardware: %u breakpoints, %u watchpoints (set remote "
            "hardware-breakpoint-limit %u, hardware-watchpoint-limit %u); %s\n",
            g->fpb_n, g->dwt_n, g->fpb_n, g->dwt_n,
            cfg->persist ? "serving sessions until killed" : "one session");
    do {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "stldr-emu: gdb: accept failed: %s\n", strerror(errno));
            rc = se_err_exit_code(SE_ERR_IO);
            break;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        rc = session(g, fd);
        if (cfg->persist)
            fprintf(stderr, "stldr-emu: session over (status %d); waiting for the next one\n", rc);
    } while (cfg->persist);
    close(lfd);
out:
    if (g->m) {
        se_machine_set_debug_hooks(g->m, NULL);
        se_machine_set_observer(g->m, NULL, &err);
    }
    se_host_free(g->h);
    se_machine_free(g->m);
    se_stldr_free(l);
    free(g);
    return rc;
}
