/* stldr-emu: run an STM32CubeProgrammer external loader (.stldr) on an emulated STM32, calling
 * it the way CubeProgrammer does. One file per command (tools/cmd_*.c, fuzz/cmd_fuzz.c); the
 * options are one table (tools/cli.c). */
#include <stdio.h>
#include <string.h>

#include "tools/cli.h"

#ifndef SE_VERSION
#define SE_VERSION "0.0.0"
#endif

#if defined(__SANITIZE_ADDRESS__)
/* The tool's own LeakSanitizer suppressions (sanitized builds; tests/lsan.supp does the same
 * for the tests): Unicorn 2.0.1 allocates a page's code bitmap (128 bytes) in
 * tb_invalidate_phys_page_fast (tb_invalidate_phys_page_fast_arm in libunicorn.so.2) and
 * uc_close does not free it. It is Unicorn's, so a loader run under detect_leaks=1 must not
 * exit 1 for it, whatever LSAN_OPTIONS says. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:tb_invalidate_phys_page_fast\n"; }
#endif

const se_command se_commands[] = {
    {"run", CMD_RUN, "LOADER",
     "Runs the loader's functions on the emulated target as STM32CubeProgrammer calls them,\n"
     "one line per call. With no operation: the standard session (erase, write, read back and\n"
     "verify a pattern over the first sectors).",
     se_run_main},
    {"trace", CMD_TRACE, "LOADER", "run with --trace: every instruction executed.", se_run_main},
    {"info", CMD_INFO, "LOADER",
     "What the file holds: StorageInfo, entry points, segments, where the host puts it.\n"
     "--target list prints the built-in targets.",
     se_info_main},
    {"lint", CMD_LINT, "LOADER",
     "Static checks of the file against the target (exit 1 on warnings, 5 on errors).",
     se_lint_main},
    {"gdb", CMD_GDB, "LOADER",
     "A GDB server: the host's calls (--call) run under a debugger (target extended-remote\n"
     ":3333; VS Code cortex-debug, servertype external; docs/gdb.md).",
     se_gdb_cmd_main},
    {"fuzz", CMD_FUZZ, "LOADER",
     "Random host operations against the loader, checked by an oracle of the flash.", se_fuzz_main},
    {"cube", CMD_CUBE, "-c port=SWD -el LOADER [-e ...] [-d FILE [ADDR] [-v]] [-r ...]",
     "STM32_Programmer_CLI's command line on the emulated target (docs/cube.md).\n"
     "The same operations in the same order, CubeProgrammer's log lines with stldr-emu's\n"
     "diagnoses, exit 0 or 1; also a command line that starts with -c or -el.",
     se_cube_cmd_main},
    {NULL, 0, NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return se_err_exit_code(SE_ERR_USAGE);
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        const se_command *c = argc > 2 ? se_command_find(argv[2]) : NULL;
        if (argc > 2 && !c)
            cli_usage_exit(NULL, "unknown command '%s'", argv[2]);
        if (c)
            cli_help(stdout, c);
        else
            cli_usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version") || !strcmp(cmd, "-version")) {
        printf("stldr-emu %s\n", SE_VERSION);
        return 0;
    }
    /* Generated at build time for installation (docs/install.md): --man DIR,
     * --completion bash|zsh [FILE] (not in the help) */
    if (!strcmp(cmd, "--man") && argc == 3)
        return cli_write_man_pages(argv[2]);
    if (!strcmp(cmd, "--completion") && (argc == 3 || argc == 4)) {
        if (argc == 3)
            return cli_completion(stdout, argv[2]);
        FILE *f = fopen(argv[3], "w");
        if (!f) {
            fprintf(stderr, "stldr-emu: --completion: cannot create %s\n", argv[3]);
            return se_err_exit_code(SE_ERR_IO);
        }
        int rc = cli_completion(f, argv[2]);
        if (fclose(f) != 0 && !rc) {
            fprintf(stderr, "stldr-emu: --completion: cannot write %s\n", argv[3]);
            rc = se_err_exit_code(SE_ERR_IO);
        }
        return rc;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);       /* keep the call log in order with stderr lines */
    if (cmd[0] == '-' && se_cube_find(cmd)) /* a pasted STM32_Programmer_CLI command line */
        return se_cube_main(argc, argv, 1);
    const se_command *c = se_command_find(cmd);
    if (!c)
        cli_usage_exit(NULL, "unknown command '%s'", cmd);
    return c->main(argc, argv);
}
