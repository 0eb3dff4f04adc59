#define _GNU_SOURCE
/* `stldr-emu gdb` as users use it (docs/gdb.md): gdb-multiarch in batch mode for each thing a
 * user does (stops that explain themselves, faults, watchpoints, the memory map, load,
 * monitor commands, sessions), a raw protocol client where timing or bytes matter (Ctrl-C,
 * no stop reply before '?', malformed packets), and gdb's MI replaying cortex-debug's start-up
 * for an external server with the launch commands of docs/gdb.md's launch.json. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/gdbserver.h"
#include "util/elfgen.h"
#include "util/harness.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
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

static void require_gdb(void)
{
    if (system("command -v gdb-multiarch >/dev/null 2>&1") != 0)
        fail_msg("gdb-multiarch is not installed (apt-get install gdb-multiarch; "
                 "scripts/quickstart.sh installs it)");
}

static int test_port(int k) { return 4400 + (int)(getpid() % 300) * 48 % 12000 + k; }

/* ---- the server ------------------------------------------------------------------------- */

typedef struct srv {
    pid_t pid;
    int port;
    char fw[512];
    char log[200]; /* its standard error */
} srv;

/* Start `stldr-emu gdb LOADER --port PORT ARGS...` and wait until it listens. */
static void srv_start(srv *s, int port, const char *loader, const char *const *args)
{
    memset(s, 0, sizeof *s);
    s->port = port;
    snprintf(s->log, sizeof s->log, "/tmp/stldr-gdb-test-%d-%d.log", (int)getpid(), port);
    snprintf(s->fw, sizeof s->fw, "%s/%s.stldr", SE_FIRMWARE_DIR, loader);
    const char *argv[40];
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    unsigned n = 0;
    argv[n++] = SE_TOOL_PATH;
    argv[n++] = "gdb";
    argv[n++] = s->fw;
    argv[n++] = "--port";
    argv[n++] = portbuf;
    for (; args && *args && n < 38; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    unlink(s->log);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        if (!freopen(s->log, "w", stderr))
            _exit(126);
        execv(SE_TOOL_PATH, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        char *t = slurp(s->log);
        bool up = t && strstr(t, "gdb server on");
        free(t);
        if (up)
            return;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
            fail_msg("the server exited before listening:\n%s", slurp(s->log));
        usleep(25000);
    }
    fail_msg("the server does not listen");
}

/* Its exit status (-2 when it did not exit within 15 s: killed). */
static int srv_wait(srv *s)
{
    for (int i = 0; i < 300; i++) {
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(50000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    return -2;
}

static void srv_end(srv *s)
{
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    unlink(s->log);
}

/* gdb-multiarch in batch mode on the server: the loader's symbols, extended-remote, then
 * cmds (one per line, each an -ex: an error does not stop the ones after it). Its output
 * (malloc'ed). */
static char *gdb_run(const srv *s, const char *cmds)
{
    static char cmd[8192];
    size_t k = (size_t)snprintf(cmd, sizeof cmd,
                                "timeout 60 gdb-multiarch -batch -nx -ex 'set pagination off' "
                                "-ex 'set confirm off' -ex 'set width 0' -ex 'file %s' "
                                "-ex 'target extended-remote 127.0.0.1:%d'",
                                s->fw, s->port);
    for (const char *p = cmds; *p && k < sizeof cmd - 100;) {
        size_t n = strcspn(p, "\n");
        assert_null(memchr(p, '\'', n));
        k += (size_t)snprintf(cmd + k, sizeof cmd - k, " -ex '%.*s'", (int)n, p);
        p += n + (p[n] == '\n');
    }
    snprintf(cmd + k, sizeof cmd - k, " 2>&1");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0, n;
    char *out = malloc(cap);
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 4096)
            out = realloc(out, cap *= 2);
    }
    out[len] = '\0';
    pclose(p);
    return out;
}

/* Each needle in order in the text, or the test fails showing it. */
static void expect_in_order(const char *what, const char *text, const char *const *needles)
{
    const char *p = text;
    for (; *needles; needles++) {
        const char *q = strstr(p, *needles);
        if (!q)
            fail_msg("%s: '%s' missing (in order) from:\n%s", what, *needles, text);
        p = q + strlen(*needles);
    }
}
#define EXPECT(text, ...) expect_in_order(__func__, text, (const char *const[]){__VA_ARGS__, NULL})

/* ---- a raw protocol client ------------------------------------------------------------------ */

static void test_unframe_takes_one_packet_and_checks_the_sum(void **state)
{
    (void)state;
    char out[64];
    size_t used;
    assert_int_equal(se_rsp_unframe("+$g#67", 6, out, sizeof out, &used), 1);
    assert_string_equal(out, "g");
    assert_int_equal(used, 6);
    assert_int_equal(se_rsp_unframe("$g#00", 5, out, sizeof out, &used), -2); /* bad sum */
    assert_int_equal(se_rsp_unframe("$g#6", 4, out, sizeof out, &used), -1);  /* incomplete */
    assert_int_equal(se_rsp_unframe("$g#zz", 5, out, sizeof out, &used), -2);
    assert_int_equal(se_rsp_unframe("$#+0", 4, out, sizeof out, &used), -2); /* a sign */
    assert_int_equal(se_rsp_unframe("$# 0", 4, out, sizeof out, &used), -2); /* a space */
    assert_int_equal(se_rsp_unframe("junk", 4, out, sizeof out, &used), -1);
    assert_int_equal(used, 4);
    char big[200];
    memset(big, 'a', sizeof big);
    big[0] = '$';
    big[150] = '#';
    big[151] = '0';
    big[152] = '0';
    assert_int_equal(se_rsp_unframe(big, 153, out, sizeof out, &used), -2); /* too long */
}

typedef struct rsp {
    int fd;
    char buf[16384];
    size_t got;
} rsp;

static void rsp_connect(rsp *r, int port)
{
    memset(r, 0, sizeof *r);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    for (int i = 0; i < 50; i++) {
        if (connect(r->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return;
        usleep(100000);
    }
    fail_msg("cannot connect to port %d", port);
}

static void rsp_send(rsp *r, const char *payload, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (unsigned char)payload[i];
    char tail[4];
    snprintf(tail, sizeof tail, "#%02x", sum & 0xFF);
    assert_int_equal(send(r->fd, "$", 1, 0), 1);
    assert_int_equal(send(r->fd, payload, n, 0), (ssize_t)n);
    assert_int_equal(send(r->fd, tail, 3, 0), 3);
}

/* The next reply packet's payload (acks skipped), waiting at most `secs`; NULL on timeout. */
static const char *rsp_reply_within(rsp *r, double secs)
{
    static char out[8192];
    double end = now_s() + secs;
    for (;;) {
        char *d = memchr(r->buf, '$', r->got);
        char *h = d ? memchr(d, '#', r->got - (size_t)(d - r->buf)) : NULL;
        if (h && (size_t)(h - r->buf) + 3 <= r->got) {
            size_t len = (size_t)(h - d - 1);
            assert_true(len < sizeof out);
            memcpy(out, d + 1, len);
            out[len] = '\0';
            size_t used = (size_t)(h - r->buf) + 3;
            memmove(r->buf, r->buf + used, r->got - used);
            r->got -= used;
            if (out[0] == 'O' && strcmp(out, "OK"))
                continue; /* console output */
            return out;
        }
        struct pollfd pf = {r->fd, POLLIN, 0};
        int ms = (int)((end - now_s()) * 1000);
        if (ms <= 0 || poll(&pf, 1, ms) <= 0)
            return NULL;
        ssize_t k = recv(r->fd, r->buf + r->got, sizeof r->buf - r->got, 0);
        if (k <= 0)
            fail_msg("the server closed the connection");
        r->got += (size_t)k;
    }
}

static const char *rsp_reply(rsp *r)
{
    const char *s = rsp_reply_within(r, 30);
    if (!s)
        fail_msg("no reply within 30 s");
    return s;
}

static const char *rsp_ask(rsp *r, const char *payload)
{
    rsp_send(r, payload, strlen(payload));
    return rsp_reply(r);
}

static void rsp_close(rsp *r)
{
    send(r->fd, "$k#6b", 5, 0);
    close(r->fd);
}

/* ---- a session as gdb shows it ------------------------------------------------------------------ */

static void test_gdb_multiarch_breaks_steps_and_reads(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(0), "sram_loader", (const char *const[]){"--call", "write", NULL});
    char *out = gdb_run(&s, "info registers pc\nbreak Write\ncontinue\ncontinue\nprint/x Size\n"
                            "info registers r1 msp xpsr\nstepi\ninfo registers pc\n"
                            "x/1xw 0x20000000\ndelete\ncontinue\ncontinue");
    EXPECT(out, "<Init>", "Breakpoint 1, Write", "= 0x1000", "r1             0x1000", "0x20000026",
           "0x0000be00", "exited normally");
    free(out);
    assert_int_equal(srv_wait(&s), 0);
    srv_end(&s);
}

static void test_a_call_returning_to_the_host_stops_and_says_what_is_next(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(1), "sram_loader",
              (const char *const[]){"--call", "init", "--call", "write", NULL});
    char *out = gdb_run(&s, "continue\ninfo registers pc r0\ncontinue\ncontinue\nkill");
    EXPECT(out,
           "Init returned 0x1 (ok) to the host; next: the write operation: the host downloads "
           "the image, then Init(0x1)",
           "SIGTRAP", "0x20000000 in ?? ()", "r0             0x1",
           "Init returned 0x1 (ok) to the host; next: Write(0x20038000, 0x1000, 0x200005e0)",
           "0x20000000 in ?? ()",
           "Write returned 0x1 (ok) to the host; the session is over: continue ends it (exit "
           "status 0)");
    free(out);
    srv_end(&s);
}

static void test_stepi_at_the_host_stop_moves_on_to_the_next_call(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(2), "sram_loader", (const char *const[]){"--call", "write", NULL});
    char *out = gdb_run(&s, "continue\nstepi\ninfo registers pc\ncontinue\nstepi\n"
                            "info registers pc\nkill");
    EXPECT(out, "next: Write(", "0x20000000 in ?? ()",
           "pc             0x20000024          "
           "0x20000024 <Write>");
    free(out);
    srv_end(&s);
}

/* ---- faults -------------------------------------------------------------------------------- */

static void test_fault_stops_at_the_instruction_before_entry_with_sigbus(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(3), "fault_unmapped", NULL);
    char *out = gdb_run(&s, "continue\ninfo registers pc xpsr\nx/i $pc\nkill");
    EXPECT(out, "BusFault PRECISERR: 4-byte read of 0x60000000 (unmapped) at Init+0x10",
           "continue takes the exception", "Program received signal SIGBUS",
           "pc             0x20000014", "xpsr           0x", "ldr\tr3, [r3, #0]");
    /* before entry: Thread mode, IPSR 0 */
    const char *x = strstr(out, "xpsr           0x");
    assert_non_null(x);
    assert_int_equal(strtoul(x + 15, NULL, 16) & 0x1FFu, 0);
    free(out);
    srv_end(&s);
}

static void test_continue_from_a_fault_stop_takes_the_exception(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(4), "fault_unmapped", NULL);
    char *out = gdb_run(&s, "continue\nstepi\ninfo registers xpsr\nx/8xw $msp\ncontinue\n"
                            "continue\ncontinue");
    /* HardFault (IPSR 3) entered, the frame's return address the faulting instruction */
    EXPECT(out, "SIGBUS", "xpsr           0x21000003", "0x20000014",
           "Init did not return to the host: BusFault PRECISERR: 4-byte read of 0x60000000 "
           "(unmapped) at Init+0x10; then lockup",
           "exited with code 041");
    free(out);
    assert_int_equal(srv_wait(&s), 33);
    srv_end(&s);
}

static void test_undefined_instruction_stops_with_sigill(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(5), "fault_udf", NULL);
    char *out = gdb_run(&s, "continue\nx/i $pc\nkill");
    EXPECT(out, "UsageFault UNDEFINSTR: undefined instruction at Init+",
           "Program received signal SIGILL", "udf");
    free(out);
    srv_end(&s);
}

/* A PUSH / STMDB whose beats all fault: the beats go up from the lowest address, so the first
 * faulting one is the lowest. run, trace and the GDB server name the same beat and the same
 * instruction (fault_insn), and --last ends at it (issue 13 item 4). */
static void multiple_store_fault_is_the_same_everywhere(const char *loader, const char *tz,
                                                        const char *beat, const char *insn,
                                                        const char *pc, int port)
{
    char want[160];
    bool secure = strstr(loader, "secure") != NULL; /* a SecureFault: SIGSEGV */
    snprintf(want, sizeof want, secure ? "non-secure write to %s" : "4-byte write of %s", beat);
    for (int trace = 0; trace < 2; trace++) {
        char *out = NULL;
        int rc = th_run_toolf(&out, "%s '%s/%s.stldr' --tz %s --last 2 --trace-func DeInit",
                              trace ? "trace" : "run", SE_FIRMWARE_DIR, loader, tz);
        assert_int_equal(rc, 33);
        const char *e = strstr(out, "stldr-emu: error: Init: ");
        assert_non_null(e);
        EXPECT(e, want, insn);
        /* the last instructions end at the faulting one */
        const char *last = strstr(out, "last 2 instructions (oldest first):");
        assert_non_null(last);
        EXPECT(last, pc);
        assert_null(strstr(strstr(last, pc), "  0x2")); /* no instruction listed after it */
        free(out);
    }
    require_gdb();
    srv s;
    const char *args[] = {"--tz", tz, NULL};
    srv_start(&s, port, loader, args);
    char *out = gdb_run(&s, "continue\ninfo registers pc\nkill");
    EXPECT(out, want, insn,
           secure ? "Program received signal SIGSEGV" : "Program received signal SIGBUS", pc);
    free(out);
    srv_end(&s);
}

static void test_push_fault_is_the_first_beat_in_every_mode(void **state)
{
    (void)state;
    multiple_store_fault_is_the_same_everywhere("fault_push_ram_end", "off", "0x2004002c",
                                                "at Init+0x1a", "0x2000001e", test_port(40));
    multiple_store_fault_is_the_same_everywhere("fault_stmdb_window", "off", "0x90000000",
                                                "at Init+0x16", "0x2000001a", test_port(41));
    multiple_store_fault_is_the_same_everywhere("fault_push_secure_tz", "on", "0x2000002c",
                                                "at Init+0x1a", "0x2001801e", test_port(42));
}

/* ---- interrupt and limits ------------------------------------------------------------------- */

static void test_ctrl_c_stops_a_running_loader_within_100_ms(void **state)
{
    (void)state;
    srv s;
    srv_start(&s, test_port(6), "hang_loader", (const char *const[]){"--budget", "1e12", NULL});
    rsp r;
    rsp_connect(&r, s.port);
    assert_string_equal(rsp_ask(&r, "?"), "T05thread:1;");
    /* The fastest of three (a loaded CI machine may not schedule the reader thread at once). */
    double best = 1e9, all[3];
    for (int i = 0; i < 3; i++) {
        rsp_send(&r, "c", 1);
        assert_null(rsp_reply_within(&r, 0.2)); /* running: no stop */
        double t0 = now_s();
        assert_int_equal(send(r.fd, "\x03", 1, 0), 1);
        const char *stop = rsp_reply_within(&r, 5);
        all[i] = now_s() - t0;
        assert_non_null(stop);
        assert_string_equal(stop, "T02thread:1;"); /* SIGINT */
        best = all[i] < best ? all[i] : best;
    }
    if (best > 0.1)
        fail_msg("the stops came %.0f, %.0f, %.0f ms after Ctrl-C", all[0] * 1e3, all[1] * 1e3,
                 all[2] * 1e3);
    /* stopped inside Init's loop */
    const char *pc = rsp_ask(&r, "pf");
    uint32_t v = (uint32_t)strtoul(pc, NULL, 16);
    v = __builtin_bswap32(v);
    assert_true(v >= 0x20000004 && v < 0x20000100);
    rsp_close(&r);
    assert_int_equal(srv_wait(&s), 0);
    srv_end(&s);
}

static void test_budget_ends_a_hung_call(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(7), "hang_loader", (const char *const[]){"--budget", "100000", NULL});
    char *out = gdb_run(&s, "continue\ncontinue");
    EXPECT(out, "Init did not return to the host: instruction budget of 100000 exhausted",
           "exited with code 042");
    free(out);
    assert_int_equal(srv_wait(&s), 34);
    srv_end(&s);
}

static void test_timeout_counts_only_the_time_the_loader_runs(void **state)
{
    (void)state;
    srv s;
    srv_start(&s, test_port(8), "hang_loader",
              (const char *const[]){"--timeout", "1", "--budget", "1e12", NULL});
    rsp r;
    rsp_connect(&r, s.port);
    assert_string_equal(rsp_ask(&r, "?"), "T05thread:1;");
    usleep(1500000); /* halted longer than the limit: not counted */
    double t0 = now_s();
    const char *stop = rsp_ask(&r, "c");
    double ran = now_s() - t0;
    assert_string_equal(stop, "T05thread:1;"); /* the stop where the call ended */
    if (ran < 0.9)
        fail_msg("the call ended after %.2f s of running: the halted time was counted", ran);
    rsp_close(&r);
    char *log = slurp(s.log);
    EXPECT(log, "Init did not return to the host: wall-clock limit of 1.0 s reached");
    free(log);
    srv_wait(&s);
    srv_end(&s);
}

static void test_limits_are_checked_before_listening(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"--budget 0", "--budget takes an instruction count"},
        {"--timeout 0", "--timeout takes seconds"},
        {"--call bogus",
         "--call takes init, erase, write, read, verify or mass-erase, not 'bogus'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out;
        int rc = th_run_toolf(&out, "gdb '%s/sram_loader.stldr' --port %d %s", SE_FIRMWARE_DIR,
                              test_port(9), bad[i][0]);
        if (rc != 2 || !strstr(out, bad[i][1]) || strstr(out, "gdb server on"))
            fail_msg("%s: exit %d:\n%s", bad[i][0], rc, out);
        free(out);
    }
}

/* ---- watchpoints ------------------------------------------------------------------------ */

static void test_write_watchpoint_stops_at_the_store_with_old_and_new_value(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(10), "sram_loader", (const char *const[]){"--call", "write", NULL});
    char *out = gdb_run(&s, "set print elements 4\nwatch *(unsigned char *)0x20038010\n"
                            "continue\ncontinue\nkill");
    /* the device byte was 0xA5 (power-on); the pattern's byte 16 is 16 * 7 + 3 = 0x73, and
     * this Write ANDs as a NOR flash does: 0x21 */
    EXPECT(out, "Hardware watchpoint 1: *(unsigned char *)0x20038010", "next: Write(",
           "Hardware watchpoint 1: *(unsigned char *)0x20038010", "Old value = 165",
           "New value = 33", "Write (Address=");
    free(out);
    srv_end(&s);
}

static void test_read_watchpoint_stops_at_the_load(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(11), "sram_loader", (const char *const[]){"--call", "write", NULL});
    /* Write reads the host's buffer at 0x200005e0: byte 4 is 4 * 7 + 3 = 31 */
    char *out = gdb_run(&s, "rwatch *(unsigned char *)0x200005e4\ncontinue\ncontinue\ncontinue\n"
                            "info registers pc\nkill");
    EXPECT(out, "Hardware read watchpoint 1", "next: Write(", "Hardware read watchpoint 1",
           "Value = 31", "pc             0x2000");
    free(out);
    srv_end(&s);
}

static void test_access_watchpoint_sees_a_write(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(12), "sram_loader", (const char *const[]){"--call", "write", NULL});
    char *out = gdb_run(&s, "awatch *(unsigned char *)0x20038010\ncontinue\ncontinue\ncontinue\n"
                            "continue\nkill");
    /* Write reads the byte (it ANDs), then stores it */
    EXPECT(out, "Hardware access (read/write) watchpoint 1", "next: Write(",
           "Hardware access (read/write) watchpoint 1", "Value = 165",
           "Hardware access (read/write) watchpoint 1", "Old value = 165", "New value = 33");
    free(out);
    srv_end(&s);
}

static void test_watchpoint_on_a_peripheral_register(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(13), "ref_mx25_l562", NULL);
    /* Init enables the GPIO clocks in RCC_AHB2ENR */
    char *out = gdb_run(&s, "watch *(unsigned int *)0x4002104c\ncontinue\ninfo symbol $pc\nkill");
    EXPECT(out, "Hardware watchpoint 1: *(unsigned int *)0x4002104c", "Old value = 0",
           "New value = ", "in section .text");
    free(out);
    srv_end(&s);
}

static void test_hardware_counts_are_a_cortex_m33s(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(14), "sram_loader", NULL);
    char *log = slurp(s.log);
    EXPECT(log, "hardware: 8 breakpoints, 4 watchpoints");
    free(log);
    char *out = gdb_run(&s, "hbreak *0x20000010\nhbreak *0x20000012\nhbreak *0x20000014\n"
                            "hbreak *0x20000016\nhbreak *0x20000018\nhbreak *0x2000001a\n"
                            "hbreak *0x2000001c\nhbreak *0x2000001e\nhbreak *0x20000020\n"
                            "continue\nkill");
    EXPECT(out, "Hardware assisted breakpoint 9", "Could not insert hardware breakpoint");
    free(out);
    srv_end(&s);
    srv_start(&s, test_port(15), "sram_loader", NULL);
    out = gdb_run(&s, "watch *(char *)0x20038000\nwatch *(char *)0x20038004\n"
                      "watch *(char *)0x20038008\nwatch *(char *)0x2003800c\n"
                      "watch *(char *)0x20038010\ncontinue\nkill");
    EXPECT(out, "Hardware watchpoint 5", "Could not insert hardware watchpoint");
    free(out);
    srv_end(&s);
}

/* ---- memory map and load ---------------------------------------------------------------- */

static void test_memory_map_lists_ram_peripherals_and_the_device_as_flash(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(16), "sram_loader", NULL);
    char *out = gdb_run(&s, "info mem\nkill");
    EXPECT(out, "0x08000000 0x08080000 ro", "0x20000000 0x20038000 rw",
           "0x20038000 0x20040000 flash blocksize 0x1000", "0x40000000 0x50000000 rw",
           "0xe0000000 0xe0100000 rw");
    free(out);
    srv_end(&s);
    srv_start(&s, test_port(17), "ref_mx25_l562", NULL);
    out = gdb_run(&s, "info mem\nkill");
    EXPECT(out, "0x90000000 0x94000000 flash blocksize 0x10000");
    free(out);
    srv_end(&s);
}

static void test_load_of_the_loader_writes_ram_and_skips_storage_info(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(18), "sram_loader", NULL);
    char *out = gdb_run(&s, "monitor reset halt\nload\nmonitor reset halt\nx/1xw 0\n"
                            "info registers pc\nkill");
    EXPECT(out, "Loading section .Dev_info, size 0xc8 lma 0x0", "Loading section .text",
           "Start address 0x20000004, load size",
           "the StorageInfo segment (0x00000000..0x000000c8) is metadata the host never "
           "downloads: not written",
           "Cannot access memory at address 0x0", "0x20000004 <Init>");
    free(out);
    srv_end(&s);
}

static void test_load_of_an_application_programs_the_flash_through_the_loader(void **state)
{
    (void)state;
    require_gdb();
    /* an application of 9000 bytes at the start of the external flash */
    static uint8_t app[9000];
    for (size_t i = 0; i < sizeof app; i++)
        app[i] = (uint8_t)(i * 131 + (i >> 8) + 7);
    elfgen_section sec = {
        ".text", 1 /* SHT_PROGBITS */, 0x6 /* ALLOC|EXECINSTR */, 0x90000000u, app, sizeof app, 4};
    elfgen_segment seg = {.type = 1 /* PT_LOAD */,
                          .flags = 5,
                          .vaddr = 0x90000000u,
                          .first_section = 0,
                          .nsections = 1};
    elfgen_desc d = {
        .entry = 0x90000001u, .sections = &sec, .nsections = 1, .segments = &seg, .nsegments = 1};
    elfgen_file f;
    assert_int_equal(elfgen_build(&d, &f), 0);
    char elf[200], img[200];
    snprintf(elf, sizeof elf, "/tmp/stldr-gdb-test-%d-app.elf", (int)getpid());
    snprintf(img, sizeof img, "/tmp/stldr-gdb-test-%d-flash.img", (int)getpid());
    FILE *o = fopen(elf, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(f.data, 1, f.len, o), f.len);
    fclose(o);
    elfgen_free(&f);
    unlink(img);
    srv s;
    srv_start(&s, test_port(19), "ref_mx25_l562",
              (const char *const[]){"--flash-image", img, NULL});
    char cmds[400];
    snprintf(cmds, sizeof cmds, "load %s\nmonitor reset halt\nkill", elf);
    char *out = gdb_run(&s, cmds);
    EXPECT(out, "Loading section .text, size 0x2328 lma 0x90000000",
           "load: erase 0x90000000..0x90010000 through SectorErase: ok",
           "load: write 0x2328 bytes at 0x90000000 through Write: ok");
    free(out);
    srv_wait(&s);
    /* the flash image file: what the loader programmed through the OCTOSPI and the part */
    FILE *in = fopen(img, "rb");
    assert_non_null(in);
    static uint8_t got[sizeof app];
    assert_int_equal(fread(got, 1, sizeof got, in), sizeof got);
    fclose(in);
    assert_memory_equal(got, app, sizeof app);
    unlink(elf);
    unlink(img);
    srv_end(&s);
}

/* ---- monitor commands ------------------------------------------------------------------- */

static void test_monitor_help_lists_the_commands(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(20), "sram_loader", NULL);
    char *out = gdb_run(&s, "monitor help\nmonitor halt\nkill");
    EXPECT(out, "reset [halt|init]", "call OP [ADDR [LEN]]", "info", "budget [N]",
           "log-flash on|off", "tz", "halted before an instruction: pc 0x20000004 (Init)");
    free(out);
    srv_end(&s);
}

static void test_monitor_reset_halt_starts_the_session_again_at_init(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(21), "sram_loader", (const char *const[]){"--call", "write", NULL});
    char *out = gdb_run(&s, "continue\nstepi\nstepi\nmonitor reset halt\nflushregs\n"
                            "info registers pc\ncontinue\nkill");
    EXPECT(out, "next: Write(", "reset: the host downloads the image again", "0x20000004 <Init>",
           "Init returned 0x1 (ok) to the host; next: Write(");
    free(out);
    srv_end(&s);
}

static void test_monitor_call_runs_an_operation_next(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(22), "sram_loader", NULL);
    char *out = gdb_run(&s, "continue\nmonitor call erase 0x20039000 0x100\ncontinue\n"
                            "continue\ncontinue\ncontinue");
    EXPECT(out, "the session is over", "erase 0x20039000 0x100 runs next",
           "Init returned 0x1 (ok) to the host; next: SectorErase(0x20039000, 0x20039000)",
           "SectorErase returned 0x1 (ok) to the host; the session is over", "exited normally");
    free(out);
    assert_int_equal(srv_wait(&s), 0);
    srv_end(&s);
}

static void test_monitor_info_names_the_call_in_progress(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(23), "sram_loader", (const char *const[]){"--call", "write", NULL});
    char *out = gdb_run(&s, "break Write\ncontinue\ncontinue\nmonitor info\nkill");
    EXPECT(out, "Breakpoint 1, Write", "operation in progress: write 0x20038000 0x1000",
           "call in progress: Write(0x20038000, 0x1000, 0x200005e0)",
           "last result: Init returned 0x1 (ok) to the host",
           "hardware: 8 breakpoints (FP_CTRL), 4 watchpoint comparators (DWT_CTRL)");
    free(out);
    srv_end(&s);
}

static void test_monitor_budget_limits_the_next_calls(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(24), "hang_loader", NULL);
    char *out = gdb_run(&s, "monitor budget 50000\nmonitor reset halt\ncontinue\nkill");
    EXPECT(out, "budget: 50000 instructions per call, from the next call on",
           "Init did not return to the host: instruction budget of 50000 exhausted");
    free(out);
    srv_end(&s);
}

static void test_monitor_log_flash_shows_the_flash_commands(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(25), "ref_mx25_l562", NULL);
    char *out = gdb_run(&s, "monitor log-flash on\ncontinue\nkill");
    EXPECT(out, "log-flash on", "flash SPI 0x66 RSTEN", "flash SPI 0x99 RST",
           "Init returned 0x1 (ok) to the host");
    free(out);
    srv_end(&s);
}

static void test_monitor_tz_shows_the_trustzone_setup(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(26), "sram_loader_tz", (const char *const[]){"--tz", "on", NULL});
    char *out = gdb_run(&s, "monitor tz\nkill");
    EXPECT(out, "TrustZone: TZEN=1; the loader runs Non-secure; BKPT 0x20018000", "SAU_CTRL now 0x",
           "SAU region 0 (preset)");
    free(out);
    srv_end(&s);
}

/* ---- sessions ------------------------------------------------------------------------------ */

static void test_no_stop_reply_before_the_client_asks(void **state)
{
    (void)state;
    srv s;
    srv_start(&s, test_port(27), "sram_loader", NULL);
    rsp r;
    rsp_connect(&r, s.port);
    assert_null(rsp_reply_within(&r, 0.3));
    assert_string_equal(rsp_ask(&r, "?"), "T05thread:1;");
    rsp_close(&r);
    srv_wait(&s);
    srv_end(&s);
}

static void test_extended_remote_run_starts_the_session_again(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(28), "sram_loader", NULL);
    /* run: the session starts again, halted at Init (vRun's stop), which GDB's run continues
     * to the next stop: Init's return */
    char *out = gdb_run(&s, "continue\ncontinue\nrun\ninfo registers r0\nkill");
    EXPECT(out, "exited normally", "Init returned 0x1 (ok) to the host; the session is over",
           "0x20000000 in ?? ()", "r0             0x1");
    free(out);
    srv_end(&s);
}

static void test_persist_serves_a_second_session(void **state)
{
    (void)state;
    require_gdb();
    srv s;
    srv_start(&s, test_port(29), "sram_loader", (const char *const[]){"--persist", NULL});
    char *out = gdb_run(&s, "continue\ncontinue");
    EXPECT(out, "exited normally");
    free(out);
    out = gdb_run(&s, "info registers pc\ncontinue\nkill");
    EXPECT(out, "0x20000004 <Init>", "Init returned 0x1 (ok) to the host");
    free(out);
    assert_int_equal(waitpid(s.pid, NULL, WNOHANG), 0); /* still serving */
    srv_end(&s);
}

static void test_malformed_packets_are_refused_without_dying(void **state)
{
    (void)state;
    srv s;
    srv_start(&s, test_port(30), "sram_loader", NULL);
    rsp r;
    rsp_connect(&r, s.port);
    const char *bad = "$g#00$m,zz#ff\xff\xfe$#00$mffffffff,ffffffff#00";
    assert_int_equal(send(r.fd, bad, strlen(bad), 0), (ssize_t)strlen(bad));
    rsp_send(&r, "?", 1);
    /* the raw bytes up to the answer to '?': NAKs for the bad packets, then the stop */
    char raw[4096];
    size_t got = 0;
    while (got < sizeof raw - 1 && !memmem(raw, got, "$T05thread:1;#", 14)) {
        struct pollfd pf = {r.fd, POLLIN, 0};
        assert_true(poll(&pf, 1, 10000) > 0);
        ssize_t k = recv(r.fd, raw + got, sizeof raw - 1 - got, 0);
        assert_true(k > 0);
        got += (size_t)k;
    }
    assert_non_null(memchr(raw, '-', got));
    usleep(50000); /* the checksum of the stop reply */
    /* an unmapped memory read is an error reply, not a crash */
    assert_int_equal(rsp_ask(&r, "m0,4")[0], 'E');
    rsp_close(&r);
    assert_true(srv_wait(&s) >= 0);
    srv_end(&s);
}

static void test_full_breakpoint_table_answers_an_error(void **state)
{
    (void)state;
    srv s;
    srv_start(&s, test_port(31), "sram_loader", NULL);
    rsp r;
    rsp_connect(&r, s.port);
    char pkt[64];
    for (unsigned i = 0; i < 64; i++) {
        snprintf(pkt, sizeof pkt, "Z0,%x,2", 0x20000100u + 2 * i);
        assert_string_equal(rsp_ask(&r, pkt), "OK");
    }
    assert_string_equal(rsp_ask(&r, "Z0,20000300,2"), "E02"); /* the 65th */
    assert_string_equal(rsp_ask(&r, "Z0,20000100,2"), "OK");  /* one already set */
    assert_string_equal(rsp_ask(&r, "z0,20000100,2"), "OK");
    assert_string_equal(rsp_ask(&r, "Z0,20000300,2"), "OK"); /* room again */
    rsp_close(&r);
    srv_wait(&s);
    srv_end(&s);
}

static void test_packets_with_bad_hex_are_refused(void **state)
{
    (void)state;
    srv s;
    srv_start(&s, test_port(32), "sram_loader", NULL);
    rsp r;
    rsp_connect(&r, s.port);
    assert_string_equal(rsp_ask(&r, "M20030000,4:11223344"), "OK");
    static const char *const bad[] = {
        "M20030000,2:zz00", "M20030000,2:0g00",  "M20030000,2:-1+1", "P0=zz000000",
        "P0=1234567g",      "P0= 1234567",       "m 20030000,4",     "m-1,4",
        "m0x20030000,4",    "M+20030000,2:0000", "X20030000,2:a",    "X20030000,1:ab",
        "X20030000,2:a}",   "Xzz,1:a",           "Z0, 20000100,2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *got = rsp_ask(&r, bad[i]);
        if (got[0] != 'E')
            fail_msg("'%s' answered '%s', not an error", bad[i], got);
    }
    assert_string_equal(rsp_ask(&r, "m20030000,4"), "11223344"); /* nothing was written */
    /* X: binary, '}' escapes the next byte (XOR 0x20): "}]" is 0x7d */
    assert_string_equal(rsp_ask(&r, "X20030000,0:"), "OK");
    rsp_send(&r, "X20030001,3:A}]\0", 16);
    assert_string_equal(rsp_reply(&r), "OK");
    assert_string_equal(rsp_ask(&r, "m20030000,4"), "11417d00");
    rsp_close(&r);
    srv_wait(&s);
    srv_end(&s);
}

static void test_tz_secure_runs_the_loader_secure(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        srv s;
        srv_start(&s, test_port(33 + k), "sram_loader_tz",
                  (const char *const[]){"--tz", k ? "on" : "secure", NULL});
        rsp r;
        rsp_connect(&r, s.port);
        /* TZEN=1: the BKPT word at 0x20018000, the image after it */
        assert_string_equal(rsp_ask(&r, "m20018000,4"), "00be0000");
        char *log = slurp(s.log);
        if (!strstr(log, k ? "loader Non-secure at 0x20018004" : "loader Secure at 0x20018004"))
            fail_msg("--tz %s: %s", k ? "on" : "secure", log);
        free(log);
        rsp_close(&r);
        srv_wait(&s);
        srv_end(&s);
    }
}

static void test_profile_file_sets_the_target(void **state)
{
    (void)state;
    char prof[200];
    snprintf(prof, sizeof prof, "/tmp/stldr-gdb-test-%d.prof", (int)getpid());
    FILE *f = fopen(prof, "w");
    assert_non_null(f);
    fputs("bkpt=0x20001000\nload_base=0x20001004\n", f);
    fclose(f);
    srv s;
    srv_start(&s, test_port(35), "sram_loader", (const char *const[]){"--profile", prof, NULL});
    rsp r;
    rsp_connect(&r, s.port);
    assert_string_equal(rsp_ask(&r, "m20001000,4"), "00be0000");
    rsp_close(&r);
    srv_wait(&s);
    srv_end(&s);
    unlink(prof);
}

static void test_bad_port_and_bind_are_refused_with_their_reason(void **state)
{
    (void)state;
    char *out;
    int rc = th_run_toolf(&out, "gdb '%s/sram_loader.stldr' --port 3333abc", SE_FIRMWARE_DIR);
    if (rc != 2 || !strstr(out, "--port takes a TCP port 1..65535, not '3333abc'"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
    rc = th_run_toolf(&out, "gdb '%s/sram_loader.stldr' --bind 999.1.1.1", SE_FIRMWARE_DIR);
    if (rc != 2 || !strstr(out, "--bind takes an IPv4 address") || strstr(out, "Success"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
    /* a valid address this host does not have: the system's reason */
    rc = th_run_toolf(&out, "gdb '%s/sram_loader.stldr' --bind 192.0.2.1 --port %d",
                      SE_FIRMWARE_DIR, test_port(36));
    if (rc != 3 || !strstr(out, "Cannot assign requested address"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
}

/* ---- cortex-debug over MI -------------------------------------------------------------------- */

typedef struct mi {
    pid_t pid;
    int in, out; /* gdb's stdin, stdout */
    char buf[1 << 17];
    size_t len;
} mi;

static void mi_start(mi *g)
{
    int to[2], from[2];
    assert_int_equal(pipe(to), 0);
    assert_int_equal(pipe(from), 0);
    g->len = 0;
    g->pid = fork();
    assert_true(g->pid >= 0);
    if (g->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        dup2(from[1], 2);
        close(to[1]);
        close(from[0]);
        execlp("gdb-multiarch", "gdb-multiarch", "--interpreter=mi2", "-nx", "-q", (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    g->in = to[1];
    g->out = from[0];
}

/* Send one MI command and read until a line starting with `until` (e.g. "^done",
 * "*stopped"); fails after 30 s. Returns the text read for it. */
static const char *mi_cmd(mi *g, const char *cmd, const char *until)
{
    if (cmd) {
        assert_int_equal(write(g->in, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
        assert_int_equal(write(g->in, "\n", 1), 1);
    }
    size_t start = g->len;
    double end = now_s() + 30;
    for (;;) {
        g->buf[g->len] = '\0';
        for (const char *l = g->buf + start; l && *l;
             l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
            if (!strncmp(l, until, strlen(until)) && strchr(l, '\n'))
                return g->buf + start;
        struct pollfd pf = {g->out, POLLIN, 0};
        int ms = (int)((end - now_s()) * 1000);
        if (ms <= 0 || poll(&pf, 1, ms) <= 0)
            fail_msg("MI: no '%s' after '%s':\n%s", until, cmd ? cmd : "", g->buf + start);
        ssize_t k = read(g->out, g->buf + g->len, sizeof g->buf - g->len - 1);
        if (k <= 0)
            fail_msg("MI: gdb ended after '%s':\n%s", cmd ? cmd : "", g->buf);
        g->len += (size_t)k;
    }
}

/* The strings of the "name": [ ... ] array in the launch.json block of docs/gdb.md. */
static unsigned launch_json_array(const char *doc, const char *name, char out[][64], unsigned max)
{
    const char *j = strstr(doc, "\"type\": \"cortex-debug\"");
    assert_non_null(j);
    char key[80];
    snprintf(key, sizeof key, "\"%s\": [", name);
    const char *p = strstr(j, key), *end = p ? strchr(p, ']') : NULL;
    assert_non_null(end);
    unsigned n = 0;
    for (p += strlen(key); n < max && (p = strchr(p, '"')) && p < end; n++) {
        const char *q = strchr(p + 1, '"');
        snprintf(out[n], 64, "%.*s", (int)(q - p - 1), p + 1);
        p = q + 1;
    }
    return n;
}

/* Run a *Commands entry as cortex-debug does: '-' is MI, anything else a console command. */
static const char *mi_launch_command(mi *g, const char *c)
{
    char line[700];
    if (c[0] == '-')
        snprintf(line, sizeof line, "%s", c);
    else
        snprintf(line, sizeof line, "-interpreter-exec console \"%s\"", c);
    return mi_cmd(g, line, "^");
}

static void test_cortex_debug_startup_over_mi(void **state)
{
    (void)state;
    require_gdb();
    /* docs/gdb.md's launch.json: servertype external, and the launch commands it sends */
    char root[4096], path[4200];
    snprintf(root, sizeof root, "%s", __FILE__);
    *strrchr(root, '/') = '\0';
    *strrchr(root, '/') = '\0';
    snprintf(path, sizeof path, "%s/docs/gdb.md", root);
    char *doc = slurp(path);
    assert_non_null(doc);
    EXPECT(doc, "\"servertype\": \"external\"", "\"gdbTarget\": \"localhost:3333\"");
    char launch[8][64];
    unsigned nl = launch_json_array(doc, "overrideLaunchCommands", launch, 8);
    assert_true(nl >= 3);
    free(doc);

    srv s;
    srv_start(&s, test_port(37), "hang_loader", (const char *const[]){"--budget", "1e12", NULL});
    mi g;
    mi_start(&g);
    mi_cmd(&g, NULL, "(gdb)");
    char cmd[700];
    mi_cmd(&g, "-gdb-set mi-async on", "^done");
    snprintf(cmd, sizeof cmd, "-file-exec-and-symbols \"%s\"", s.fw);
    mi_cmd(&g, cmd, "^done");
    snprintf(cmd, sizeof cmd, "-target-select extended-remote 127.0.0.1:%d", s.port);
    mi_cmd(&g, cmd, "^connected");
    for (unsigned i = 0; i < nl; i++) {
        const char *r = mi_launch_command(&g, launch[i]);
        if (strncmp(strstr(r, "\n^") ? strstr(r, "\n^") + 1 : r, "^done", 5))
            fail_msg("launch command '%s':\n%s", launch[i], r);
    }
    /* a breakpoint VS Code sets in the loop of Init, then continue */
    const char *r = mi_cmd(&g, "-break-insert -f init_fault.c:53", "^");
    EXPECT(r, "^done,bkpt=");
    mi_cmd(&g, "-exec-continue --all", "*stopped");
    EXPECT(g.buf, "*stopped,reason=\"breakpoint-hit\"");
    r = mi_cmd(&g, "-data-list-register-values x 15", "^");
    EXPECT(r, "^done,register-values=[{number=\"15\",value=\"0x200000");
    mi_cmd(&g, "-break-delete", "^done");
    r = mi_cmd(&g, "-exec-continue --all", "^running");
    usleep(300000);
    r = mi_cmd(&g, "-exec-interrupt", "*stopped");
    EXPECT(r, "^done", "*stopped,reason=\"signal-received\",signal-name=\"SIGINT\"");
    r = mi_cmd(&g, "-exec-step-instruction", "*stopped");
    EXPECT(r, "^running", "*stopped,reason=\"end-stepping-range\"");
    mi_cmd(&g, "-interpreter-exec console \"kill\"", "^");
    mi_cmd(&g, "-gdb-exit", "^exit");
    close(g.in);
    close(g.out);
    waitpid(g.pid, NULL, 0);
    srv_wait(&s);
    srv_end(&s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unframe_takes_one_packet_and_checks_the_sum),
        cmocka_unit_test(test_gdb_multiarch_breaks_steps_and_reads),
        cmocka_unit_test(test_a_call_returning_to_the_host_stops_and_says_what_is_next),
        cmocka_unit_test(test_stepi_at_the_host_stop_moves_on_to_the_next_call),
        cmocka_unit_test(test_fault_stops_at_the_instruction_before_entry_with_sigbus),
        cmocka_unit_test(test_continue_from_a_fault_stop_takes_the_exception),
        cmocka_unit_test(test_undefined_instruction_stops_with_sigill),
        cmocka_unit_test(test_push_fault_is_the_first_beat_in_every_mode),
        cmocka_unit_test(test_ctrl_c_stops_a_running_loader_within_100_ms),
        cmocka_unit_test(test_budget_ends_a_hung_call),
        cmocka_unit_test(test_timeout_counts_only_the_time_the_loader_runs),
        cmocka_unit_test(test_limits_are_checked_before_listening),
        cmocka_unit_test(test_write_watchpoint_stops_at_the_store_with_old_and_new_value),
        cmocka_unit_test(test_read_watchpoint_stops_at_the_load),
        cmocka_unit_test(test_access_watchpoint_sees_a_write),
        cmocka_unit_test(test_watchpoint_on_a_peripheral_register),
        cmocka_unit_test(test_hardware_counts_are_a_cortex_m33s),
        cmocka_unit_test(test_memory_map_lists_ram_peripherals_and_the_device_as_flash),
        cmocka_unit_test(test_load_of_the_loader_writes_ram_and_skips_storage_info),
        cmocka_unit_test(test_load_of_an_application_programs_the_flash_through_the_loader),
        cmocka_unit_test(test_monitor_help_lists_the_commands),
        cmocka_unit_test(test_monitor_reset_halt_starts_the_session_again_at_init),
        cmocka_unit_test(test_monitor_call_runs_an_operation_next),
        cmocka_unit_test(test_monitor_info_names_the_call_in_progress),
        cmocka_unit_test(test_monitor_budget_limits_the_next_calls),
        cmocka_unit_test(test_monitor_log_flash_shows_the_flash_commands),
        cmocka_unit_test(test_monitor_tz_shows_the_trustzone_setup),
        cmocka_unit_test(test_no_stop_reply_before_the_client_asks),
        cmocka_unit_test(test_extended_remote_run_starts_the_session_again),
        cmocka_unit_test(test_persist_serves_a_second_session),
        cmocka_unit_test(test_malformed_packets_are_refused_without_dying),
        cmocka_unit_test(test_full_breakpoint_table_answers_an_error),
        cmocka_unit_test(test_packets_with_bad_hex_are_refused),
        cmocka_unit_test(test_tz_secure_runs_the_loader_secure),
        cmocka_unit_test(test_profile_file_sets_the_target),
        cmocka_unit_test(test_bad_port_and_bind_are_refused_with_their_reason),
        cmocka_unit_test(test_cortex_debug_startup_over_mi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
