/* stldr-emu gdb: the options, every one checked before the server listens; the server is
 * tools/gdbserver.c. */
#include <stdio.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/gdbserver.h"

#define MAX_CALLS 16

int se_gdb_cmd_main(int argc, char **argv)
{
    static const char *calls[MAX_CALLS];
    se_gdb_config cfg = {.bind = "127.0.0.1", .port = 3333, .calls = calls};
    cli_target t;
    cli_target_default(&t);
    cli_parser p;
    cli_begin(&p, se_command_find("gdb"), argc, argv);
    const char *arg;
    for (int id; (id = cli_next(&p, &arg)) != OPT_END;) {
        if (cli_target_option(&t, "gdb", id, arg))
            continue;
        switch (id) {
        case OPT_CALL:
            if (cfg.ncalls == MAX_CALLS)
                cli_usage_exit("gdb", "at most %d --call", MAX_CALLS);
            if (!se_gdb_call_known(arg))
                cli_usage_exit("gdb",
                               "--call takes init, erase, write, read, verify or mass-erase, "
                               "not '%s'",
                               arg);
            calls[cfg.ncalls++] = arg;
            break;
        case OPT_PORT: cfg.port = (int)cli_u64("gdb", "--port", arg, 1, 65535, "a TCP port"); break;
        case OPT_BIND: cfg.bind = arg; break;
        case OPT_BUDGET:
            cfg.budget =
                cli_u64("gdb", "--budget", arg, 1, UINT64_MAX, "an instruction count per call");
            break;
        case OPT_TIMEOUT:
            cfg.timeout = cli_seconds("gdb", "--timeout", arg, SE_OPT_MAX_SECONDS);
            break;
        case OPT_PERSIST: cfg.persist = true; break;
        case OPT_LOGFLASH: cfg.log_flash = true; break;
        case OPT_FIMG: cfg.flash_image = arg; break;
        }
    }
    cfg.loader = p.operand;
    cfg.profile = cli_profile(&t, "gdb");
    return se_gdb_serve(&cfg);
}
