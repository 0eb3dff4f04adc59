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
             "-ex 'continue' -ex 'continue' -ex 'continue' -ex 'print/x Size' -ex 'info registers r1 msp xpsr' "
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
        !strstr(out, "r1             0x1000") || !strstr(out, "= 0x1000") || !strstr(out, "0x20000026") ||
        !strstr(out, "0x0000be00") || !strstr(out, "exited normally"))
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unframe_takes_one_packet_and_checks_the_sum),
        cmocka_unit_test(test_gdb_multiarch_breaks_steps_and_reads),
        cmocka_unit_test(test_malformed_packets_are_refused_without_dying),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
