#define _GNU_SOURCE
/* `stldr-emu gdb`: the packet framing, a server that survives malformed packets, and a
 * real gdb-multiarch session in batch mode (break at a symbol, step, read registers and
 * memory, continue to the end). */
#include <arpa/inet.h>
#include <netinet/in.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "tools/gdbserver.h"
#include "util/harness.h"

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

static pid_t start_server(int port, const char *calls)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char portbuf[16];
        snprintf(portbuf, sizeof portbuf, "%d", port);
        execl(SE_TOOL_PATH, SE_TOOL_PATH, "gdb", SE_FIRMWARE_DIR "/sram_loader.stldr", "--call",
              "init", "--call", calls, "--port", portbuf, (char *)NULL);
        _exit(127);
    }
    usleep(300000);
    return pid;
}

static int finish_server(pid_t pid)
{
    for (int i = 0; i < 100; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -2;
}

static void test_gdb_multiarch_breaks_steps_and_reads(void **state)
{
    (void)state;
    if (system("command -v gdb-multiarch >/dev/null 2>&1") != 0)
        fail_msg("gdb-multiarch is not installed (apt-get install gdb-multiarch; "
                 "scripts/quickstart.sh installs it)");
    int port = 3400 + (int)(getpid() % 500);
    pid_t pid = start_server(port, "write");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "timeout 60 gdb-multiarch -batch -nx -ex 'file %s/sram_loader.stldr' "
             "-ex 'target remote 127.0.0.1:%d' -ex 'info registers pc' -ex 'break Write' "
             "-ex 'continue' -ex 'continue' -ex 'continue' -ex 'print/x Size' -ex 'info registers "
             "r1 msp xpsr' "
             "-ex 'stepi' -ex 'info registers pc' -ex 'x/1xw 0x20000000' -ex 'continue' "
             "-ex 'continue' 2>&1",
             SE_FIRMWARE_DIR, port);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char out[65536];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    int rc = finish_server(pid);
    if (!strstr(out, "<Init>") || !strstr(out, "Breakpoint 1, Write") ||
        !strstr(out, "r1             0x1000") || !strstr(out, "= 0x1000") ||
        !strstr(out, "0x20000026") || !strstr(out, "0x0000be00") || !strstr(out, "exited normally"))
        fail_msg("gdb session output:\n%s", out);
    assert_int_equal(rc, 0);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    for (int i = 0; i < 50; i++) {
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        usleep(100000);
    }
    return -1;
}

static void test_malformed_packets_are_refused_without_dying(void **state)
{
    (void)state;
    int port = 3900 + (int)(getpid() % 90);
    pid_t pid = start_server(port, "init");
    int fd = connect_to(port);
    assert_true(fd >= 0);
    const char *bad = "$g#00$m,zz#ff\xff\xfe$#00$mffffffff,ffffffff#00";
    assert_int_equal(send(fd, bad, strlen(bad), 0), (ssize_t)strlen(bad));
    char ok[32];
    snprintf(ok, sizeof ok, "$?#3f");
    send(fd, ok, strlen(ok), 0);
    char buf[4096];
    size_t got = 0;
    /* the server announces the first stop ($S05) by itself; wait for the NAK and the
     * answer to '?' after it */
    for (int i = 0; i < 40; i++) {
        const char *first = memmem(buf, got, "$S05", 4);
        if (first && memmem(buf, got, "-", 1) &&
            memmem(first + 4, got - (size_t)(first + 4 - buf), "$S05", 4))
            break;
        ssize_t r = recv(fd, buf + got, sizeof buf - got - 1, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    assert_non_null(memmem(buf, got, "-", 1));    /* a NAK for the bad checksums */
    assert_non_null(memmem(buf, got, "$S05", 4)); /* and still answering */
    /* an out-of-range memory read is an error reply, not a crash */
    const char *m = "$m0,4#fd";
    send(fd, m, strlen(m), 0);
    got = 0;
    for (int i = 0; i < 40 && !memmem(buf, got, "#", 1); i++) {
        ssize_t r = recv(fd, buf + got, sizeof buf - got - 1, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    assert_non_null(memmem(buf, got, "$E", 2));
    send(fd, "$k#6b", 5, 0);
    close(fd);
    int rc = finish_server(pid);
    assert_true(rc >= 0);
}

/* ---- a raw RSP client --------------------------------------------------------------- */

typedef struct rsp {
    int fd;
    pid_t pid;
    char log[300]; /* the server's stderr */
    char buf[16384];
    size_t got;
} rsp;

/* Start `stldr-emu gdb LOADER --call init ARGS... --port PORT` (stderr to r->log), connect,
 * and take the stop it announces at the first instruction of Init. */
static void rsp_start(rsp *r, int port, const char *loader, const char *const *args)
{
    memset(r, 0, sizeof *r);
    snprintf(r->log, sizeof r->log, "/tmp/stldr-gdb-test-%d-%d.log", (int)getpid(), port);
    const char *argv[32];
    char portbuf[16], fw[512];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(fw, sizeof fw, "%s/%s.stldr", SE_FIRMWARE_DIR, loader);
    unsigned n = 0;
    argv[n++] = SE_TOOL_PATH;
    argv[n++] = "gdb";
    argv[n++] = fw;
    argv[n++] = "--port";
    argv[n++] = portbuf;
    for (; args && *args && n < 30; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        if (!freopen(r->log, "w", stderr))
            _exit(126);
        execv(SE_TOOL_PATH, (char *const *)argv);
        _exit(127);
    }
    r->fd = connect_to(port);
    assert_true(r->fd >= 0);
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

/* The next reply packet's payload (acks skipped). */
static const char *rsp_reply(rsp *r)
{
    static char out[8192];
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
            return out;
        }
        ssize_t k = recv(r->fd, r->buf + r->got, sizeof r->buf - r->got, 0);
        if (k <= 0)
            fail_msg("the server closed the connection");
        r->got += (size_t)k;
    }
}

static const char *rsp_ask(rsp *r, const char *payload)
{
    rsp_send(r, payload, strlen(payload));
    return rsp_reply(r);
}

static void rsp_stop(rsp *r)
{
    send(r->fd, "$k#6b", 5, 0);
    close(r->fd);
    assert_true(finish_server(r->pid) >= 0);
    unlink(r->log);
}

static int test_port(int k) { return 4400 + (int)(getpid() % 300) * 8 + k; }

static void test_full_breakpoint_table_answers_an_error(void **state)
{
    (void)state;
    rsp r;
    rsp_start(&r, test_port(0), "sram_loader", NULL);
    assert_string_equal(rsp_reply(&r), "S05");
    char pkt[64];
    for (unsigned i = 0; i < 64; i++) {
        snprintf(pkt, sizeof pkt, "Z0,%x,2", 0x20000100u + 2 * i);
        assert_string_equal(rsp_ask(&r, pkt), "OK");
    }
    assert_string_equal(rsp_ask(&r, "Z0,20000300,2"), "E02"); /* the 65th */
    assert_string_equal(rsp_ask(&r, "Z0,20000100,2"), "OK");  /* one already set */
    assert_string_equal(rsp_ask(&r, "z0,20000100,2"), "OK");
    assert_string_equal(rsp_ask(&r, "Z0,20000300,2"), "OK"); /* room again */
    rsp_stop(&r);
}

static void test_packets_with_bad_hex_are_refused(void **state)
{
    (void)state;
    rsp r;
    rsp_start(&r, test_port(1), "sram_loader", NULL);
    assert_string_equal(rsp_reply(&r), "S05");
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
    rsp_stop(&r);
}

static void test_tz_secure_runs_the_loader_secure(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        const char *args[] = {"--tz", k ? "on" : "secure", NULL};
        rsp r;
        rsp_start(&r, test_port(2 + k), "sram_loader_tz", args);
        assert_string_equal(rsp_reply(&r), "S05");
        /* TZEN=1: the BKPT word at 0x20018000, the image after it */
        assert_string_equal(rsp_ask(&r, "m20018000,4"), "00be0000");
        FILE *f = fopen(r.log, "r");
        assert_non_null(f);
        char line[400] = "";
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
        if (!strstr(line, k ? "loader Non-secure at 0x20018004" : "loader Secure at 0x20018004"))
            fail_msg("--tz %s: %s", args[1], line);
        rsp_stop(&r);
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
    const char *args[] = {"--profile", prof, NULL};
    rsp r;
    rsp_start(&r, test_port(4), "sram_loader", args);
    assert_string_equal(rsp_reply(&r), "S05");
    assert_string_equal(rsp_ask(&r, "m20001000,4"), "00be0000");
    rsp_stop(&r);
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
                      SE_FIRMWARE_DIR, test_port(5));
    if (rc != 3 || !strstr(out, "Cannot assign requested address"))
        fail_msg("exit %d:\n%s", rc, out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unframe_takes_one_packet_and_checks_the_sum),
        cmocka_unit_test(test_gdb_multiarch_breaks_steps_and_reads),
        cmocka_unit_test(test_malformed_packets_are_refused_without_dying),
        cmocka_unit_test(test_full_breakpoint_table_answers_an_error),
        cmocka_unit_test(test_packets_with_bad_hex_are_refused),
        cmocka_unit_test(test_tz_secure_runs_the_loader_secure),
        cmocka_unit_test(test_profile_file_sets_the_target),
        cmocka_unit_test(test_bad_port_and_bind_are_refused_with_their_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
