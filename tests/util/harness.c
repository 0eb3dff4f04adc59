#include "util/harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

const char *th_firmware(const char *name)
{
    static char buf[4][512];
    static unsigned i;
    char *b = buf[i++ & 3];
    /* a name with an extension (x.FLM) is used as it is */
    snprintf(b, 512, "%s/%s%s", SE_FIRMWARE_DIR, name, strchr(name, '.') ? "" : ".stldr");
    return b;
}

static void record_call(void *ctx, const se_call_record *rec)
{
    th_session *s = ctx;
    if (s->ncalls < TH_MAX_CALLS)
        s->calls[s->ncalls++] = *rec;
}

static void record_log(void *ctx, int level, const char *msg)
{
    (void)level;
    th_session *s = ctx;
    if (s->nlogs < 16)
        snprintf(s->logs[s->nlogs++], sizeof s->logs[0], "%s", msg);
}

void th_open(th_session *s, const char *name, bool tz, const se_machine_opts *mo,
             const se_host_opts *ho)
{
    th_open_profile(s, name, se_profile_find("stm32l562e-dk", tz), mo, ho);
}

void th_open_profile(th_session *s, const char *name, const se_profile *prof,
                     const se_machine_opts *mo, const se_host_opts *ho)
{
    memset(s, 0, sizeof *s);
    se_err e = se_stldr_open_file(th_firmware(name), &s->l, &s->err);
    if (e)
        fail_msg("open %s: %s", name, s->err.msg);
    se_machine_opts o;
    if (mo)
        o = *mo;
    else
        se_machine_opts_default(&o);
    o.log = record_log;
    o.log_ctx = s;
    e = se_machine_new(prof, &o, &s->m, &s->err);
    if (e)
        fail_msg("machine: %s", s->err.msg);
    e = se_host_new(s->l, s->m, ho, &s->h, &s->err);
    if (e)
        fail_msg("host: %s", s->err.msg);
    se_host_set_logger(s->h, record_call, s);
}

void th_close(th_session *s)
{
    se_host_free(s->h);
    se_machine_free(s->m);
    se_stldr_free(s->l);
    memset(s, 0, sizeof *s);
}

const se_call_record *th_last_call(const th_session *s, const char *function)
{
    for (unsigned i = s->ncalls; i-- > 0;)
        if (!strcmp(s->calls[i].function, function))
            return &s->calls[i];
    return NULL;
}

int th_run_tool(const char *args, char **out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", SE_TOOL_PATH, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("popen failed");
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 1024) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    int st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char tmp_dir[256];

int th_tmpdir_setup(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/stldr-test-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

int th_tmpdir_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

const char *th_tmpdir(void) { return tmp_dir; }

int th_run_toolf(char **out, const char *fmt, ...)
{
    char args[1500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return th_run_tool(args, out);
}
