/* The command line of stldr-emu: one table of every option (name, argument, which commands
 * take it, one line of help), from which each command's parser, its usage and `--help` are
 * made, so they cannot disagree; the options the commands share (the target, the output
 * mode, numbers with a range); the output every command prints through. */
#ifndef SE_TOOLS_CLI_H
#define SE_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "emu/machine.h"
#include "emu/profile.h"
#include "loader/host.h"
#include "loader/stldr.h"

/* The commands, as bits of se_opt.cmds. */
enum {
    CMD_INFO = 1u << 0,
    CMD_LINT = 1u << 1,
    CMD_RUN = 1u << 2,
    CMD_TRACE = 1u << 3,
    CMD_GDB = 1u << 4,
    CMD_FUZZ = 1u << 5,
    CMD_CUBE = 1u << 6, /* STM32_Programmer_CLI syntax (tools/cmd_cube.c, docs/cube.md) */
};

/* Option ids (se_opt.id), one per option of the table in cli.c. */
enum {
    OPT_END = 0,
    OPT_HELP = 'h',
    OPT_TARGET = 256,
    OPT_TZ,
    OPT_PROFILE,
    OPT_JSON,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_STRICT,
    OPT_PLACE,
    /* run */
    OPT_ERASE,
    OPT_MASS,
    OPT_WRITE,
    OPT_NOERASE,
    OPT_READ,
    OPT_VERIFY,
    OPT_INITONLY,
    OPT_REPLAY,
    OPT_CHUNK,
    OPT_BUFFER,
    OPT_SP,
    OPT_FLMHOST,
    OPT_BUDGET,
    OPT_TIMEOUT,
    OPT_IFLASH,
    OPT_IRQ,
    OPT_FILL,
    OPT_NOSKIP,
    OPT_EXACTWIN,
    OPT_NODMASPAN,
    OPT_EXACT,
    OPT_FIMG,
    OPT_LOGFLASH,
    OPT_VCD,
    OPT_VCDLIMIT,
    OPT_LAST,
    OPT_TRACE,
    OPT_TFUNC,
    OPT_TRANGE,
    OPT_TCALL,
    OPT_TFILE,
    OPT_FORMAT,
    OPT_JUNIT,
    OPT_PROGRESS,
    /* gdb */
    OPT_CALL,
    OPT_PORT,
    OPT_BIND,
    OPT_PERSIST,
    /* fuzz */
    OPT_SEED,
    OPT_TIME,
    OPT_RUNS,
    OPT_OUT,
    OPT_FROMINPUT,
};

typedef struct se_opt {
    const char *name; /* the long name, without "--" */
    const char *arg;  /* what it takes ("N", "FILE@ADDR"), NULL for a flag */
    int id;
    unsigned cmds;    /* CMD_* taking it */
    const char *help; /* one line */
} se_opt;

/* Every option, ending with a NULL name. */
extern const se_opt se_options[];

typedef struct se_command {
    const char *name;    /* "run" */
    unsigned bit;        /* CMD_RUN */
    const char *args;    /* "LOADER" */
    const char *summary; /* one line */
    int (*main)(int argc, char **argv);
} se_command;

/* ---- the STM32_Programmer_CLI options (cube: tools/cmd_cube.c, docs/cube.md) ---------- */

typedef enum se_cube_support {
    CUBE_SUPPORTED, /* does what CubeProgrammer does, on the emulated target */
    CUBE_IGNORED,   /* accepted, with a one-line note: it concerns a real probe or board */
    CUBE_REFUSED,   /* an error (exit 1) that says why */
} se_cube_support;

enum {
    CUBE_END = 0,
    CUBE_CONNECT,
    CUBE_EXTLOAD,
    CUBE_EXTLOAD_BL,
    CUBE_DOWNLOAD,
    CUBE_VERIFY,
    CUBE_SKIPERASE,
    CUBE_ERASE,
    CUBE_UPLOAD,
    CUBE_READ_WORDS,
    CUBE_WRITE_WORDS,
    CUBE_RESET,
    CUBE_HARD_RESET,
    CUBE_START,
    CUBE_HALT,
    CUBE_RUN,
    CUBE_QUIET,
    CUBE_VERBOSITY,
    CUBE_LOG,
    CUBE_LIST,
    CUBE_OPTION_BYTES,
    CUBE_NO_VERIFY,
    CUBE_HELP,
    CUBE_VERSION,
    CUBE_OTHER_REFUSED,
};

typedef struct se_cube_opt {
    const char *names; /* "-d, --download, -w, --write": every spelling, ", " between */
    const char *args;  /* "FILE [ADDR]", or NULL */
    int id;
    se_cube_support support;
    const char *help; /* what it does here, or why it is ignored or refused */
} se_cube_opt;

/* Every STM32_Programmer_CLI option stldr-emu knows, ending with a NULL names. */
extern const se_cube_opt se_cube_options[];
/* The entry whose spellings include arg (case-insensitive, as CubeProgrammer's), or NULL. */
const se_cube_opt *se_cube_find(const char *arg);

/* The commands, ending with a NULL name (main.c). */
extern const se_command se_commands[];
const se_command *se_command_find(const char *name);

/* `stldr-emu CMD --help`: usage, summary and every option of the command. */
void cli_help(FILE *f, const se_command *c);
/* `stldr-emu help`: the commands. */
void cli_usage(FILE *f);
/* Generated from the same tables: `stldr-emu --man DIR` writes stldr-emu.1 and one
 * stldr-emu-CMD.1 per command (0, or an error line and 3); `stldr-emu --completion
 * bash|zsh [FILE]` prints a completion script (docs/install.md). */
int cli_write_man_pages(const char *dir);
int cli_completion(FILE *f, const char *shell);
/* One line, "stldr-emu: CMD: ... (stldr-emu CMD --help)", exit status cli_usage_status (2;
 * the CubeProgrammer syntax sets 1, its status for every failure). */
extern int cli_usage_status;
void cli_usage_exit(const char *cmd, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* Parse argv[2..] for command c: returns the next option's id with *arg its argument (NULL
 * for a flag), or OPT_END; --help prints the help and exits 0; an unknown option, a missing
 * argument or a second operand is a usage error. The one operand is in *operand when
 * OPT_END is returned (a usage error when there is none). */
typedef struct cli_parser {
    const se_command *cmd;
    int argc;
    char **argv;
    int next;
    const char *operand;
} cli_parser;
void cli_begin(cli_parser *p, const se_command *c, int argc, char **argv);
int cli_next(cli_parser *p, const char **arg);

/* Numbers, each with its range: a bad value is a usage error. what: "a TCP port". */
uint64_t cli_u64(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                 const char *what);
uint32_t cli_addr(const char *cmd, const char *opt, const char *s);
double cli_seconds(const char *cmd, const char *opt, const char *s, double max);
#define SE_OPT_MAX_SECONDS 1e6 /* --timeout, fuzz --time: 11.5 days */

/* --target, --tz, --profile: the profile a command runs under. */
typedef struct cli_target {
    const char *target, *tz, *profile;
    bool target_given; /* --target on the command line (else the default applies) */
} cli_target;
void cli_target_default(cli_target *t);
/* Takes OPT_TARGET/OPT_TZ/OPT_PROFILE: true if id was one of them. */
bool cli_target_option(cli_target *t, const char *cmd, int id, const char *arg);
/* The profile, or a usage error. */
const se_profile *cli_profile(const cli_target *t, const char *cmd);
/* The profile for loader l: --target auto chooses the board from the loader (docs/cli.md
 * "--target auto"); without --target, stm32l562e-dk unless StorageInfo's name names a board
 * of another family that the loader can run on; then the base follows the link address where the board says
 * so (se_profile_follow_link). why (len bytes) says how the target was chosen ("" when it was
 * named). A usage error when auto finds no board or several. */
const se_profile *cli_profile_for(const cli_target *t, const char *cmd, const se_stldr *l,
                                  char *why, size_t len);

/* The output: text or JSON lines, and the log of the machine and the host. */
typedef struct cli {
    bool json, quiet, verbose;
    FILE *out;
    const se_stldr *l;
} cli;
void cli_on_log(void *ctx, int level, const char *msg);
void cli_fmt_time(char *buf, size_t len, uint64_t ns);
/* The loader, or its error on stderr and the exit status in *rc. */
se_stldr *cli_open_loader(const char *path, int *rc);
/* The same, opening a loader without StorageInfo (se_stldr_open_file_lenient): info, lint. */
se_stldr *cli_open_loader_lenient(const char *path, int *rc);

/* The commands */
int se_info_main(int argc, char **argv);
int se_lint_main(int argc, char **argv);
int se_run_main(int argc, char **argv); /* run and trace */
int se_gdb_cmd_main(int argc, char **argv);
int se_fuzz_main(int argc, char **argv);
/* STM32_Programmer_CLI syntax: argv[first..] are its options (first = 1 when the command
 * line starts with one, 2 after `cube`). */
int se_cube_main(int argc, char **argv, int first);
int se_cube_cmd_main(int argc, char **argv);

#endif
