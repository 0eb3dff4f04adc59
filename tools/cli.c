#include "tools/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h> /* strncasecmp: CubeProgrammer options */

#include "base/fileio.h"
#include "base/json.h"
#include "base/parse.h"
#include "emu/board.h"
#include "loader/flm.h"
#include "loader/origin.h"

#define ALL_RUN (CMD_RUN | CMD_TRACE)
#define TARGETED (CMD_INFO | CMD_LINT | CMD_RUN | CMD_TRACE | CMD_GDB | CMD_FUZZ | CMD_CUBE)
/* the machine and the host, for run, trace and the CubeProgrammer syntax */
#define SESSION (ALL_RUN | CMD_CUBE)

const se_opt se_options[] = {
    /* the target */
    {"target", "T", OPT_TARGET, TARGETED,
     "built-in target (stm32l562e-dk), or auto (chosen from the loader)"},
    {"tz", "on|off|secure", OPT_TZ, TARGETED,
     "TrustZone: off (TZEN=0), on (ST's template partition, loader Non-secure), secure"},
    {"profile", "FILE", OPT_PROFILE, TARGETED & ~CMD_FUZZ,
     "the target from a profile file (key=value lines; docs/trustzone.md)"},
    /* output */
    {"json", NULL, OPT_JSON, CMD_INFO | CMD_LINT | ALL_RUN | CMD_FUZZ,
     "JSON (one object, or JSON lines)"},
    {"quiet", NULL, OPT_QUIET, ALL_RUN, "only failed calls and the summary"},
    {"verbose", NULL, OPT_VERBOSE, ALL_RUN, "also the notes of the machine and the host"},
    {"strict", NULL, OPT_STRICT, CMD_INFO | SESSION,
     "warnings are errors: an unmodelled register stops the call"},
    {"place", "profile|link", OPT_PLACE, CMD_INFO | ALL_RUN,
     "download at the profile's load base (the host's) or at the link address"},
    /* operations */
    {"erase", "START:END", OPT_ERASE, ALL_RUN, "SectorErase over [START, END)"},
    {"mass-erase", NULL, OPT_MASS, ALL_RUN, "MassErase"},
    {"write", "FILE[@ADDR]", OPT_WRITE, ALL_RUN,
     "erase the sectors FILE touches, then Write it (repeatable, up to 16); a raw binary needs "
     "@ADDR, HEX, S-record and ELF files carry their addresses"},
    {"format", "auto|bin|hex|srec|elf", OPT_FORMAT, SESSION,
     "what --write/-d files are (default auto: by content, the extension must agree)"},
    {"no-erase", NULL, OPT_NOERASE, ALL_RUN, "--write without the erase before it"},
    {"read", "ADDR:LEN[@FILE]", OPT_READ, ALL_RUN,
     "read LEN bytes back (hex dump, or into FILE as .bin, .hex or .srec by its extension; - "
     "is standard output)"},
    {"verify", NULL, OPT_VERIFY, ALL_RUN, "after each --write: read back, Verify, CheckSum"},
    {"init-only", NULL, OPT_INITONLY, ALL_RUN, "only Init"},
    {"replay", "FILE", OPT_REPLAY, ALL_RUN, "the calls of a fuzz reproducer"},
    /* the host */
    {"chunk", "N", OPT_CHUNK, SESSION, "bytes per Write/Read call (default: the buffer)"},
    {"buffer", "ADDR", OPT_BUFFER, SESSION, "the host's data buffer"},
    {"sp", "ADDR", OPT_SP, SESSION, "the stack pointer the host sets (0 too)"},
    {"flm-host", "pyocd|probe-rs|keil", OPT_FLMHOST, SESSION | CMD_FUZZ,
     "a flash algorithm (.FLM) is called as this host calls it (default pyocd; docs/flm.md)"},
    {"budget", "N", OPT_BUDGET, SESSION | CMD_FUZZ | CMD_GDB,
     "instructions per call before it counts as hung (2e9; fuzz: 5e6)"},
    {"timeout", "SECONDS", OPT_TIMEOUT, SESSION | CMD_GDB,
     "host time per call before it counts as hung (60; gdb: time halted not counted)"},
    {"irq-mask", "maskints|primask|none", OPT_IRQ, SESSION,
     "how the host keeps interrupts away (default maskints)"},
    /* the machine */
    {"internal-flash", "FILE", OPT_IFLASH, SESSION, "the internal flash's contents"},
    {"ram-fill", "BYTE|random", OPT_FILL, SESSION, "SRAM at power-on (default 0xA5)"},
    {"flash-image", "FILE", OPT_FIMG, SESSION | CMD_GDB,
     "the external flash's contents, kept durably across runs"},
    {"no-idle-skip", NULL, OPT_NOSKIP, SESSION, "run polling loops instruction by instruction"},
    {"exact-window", NULL, OPT_EXACTWIN, SESSION,
     "every memory-mapped flash access through the controller model"},
    {"no-dma-span", NULL, OPT_NODMASPAN, SESSION, "DMA moves item by item, each a bus access"},
    {"exact", NULL, OPT_EXACT, SESSION, "no shortcut: --no-idle-skip --exact-window --no-dma-span"},
    {"log-flash", NULL, OPT_LOGFLASH, SESSION | CMD_GDB,
     "one line per flash command (--json: one structured event each; gdb: on its console)"},
    {"vcd", "FILE", OPT_VCD, SESSION, "the flash bus as a waveform (VCD)"},
    {"vcd-limit", "FRAMES", OPT_VCDLIMIT, SESSION, "frames in the VCD (0 = all)"},
    /* forensics */
    {"last", "N", OPT_LAST, SESSION, "instructions shown with a failure (default 64, max 128)"},
    {"trace", NULL, OPT_TRACE, ALL_RUN, "every instruction executed"},
    {"trace-func", "NAME", OPT_TFUNC, ALL_RUN, "trace inside one function"},
    {"trace-range", "A:B", OPT_TRANGE, ALL_RUN, "trace inside [A, B)"},
    {"trace-call", "NAME", OPT_TCALL, ALL_RUN, "trace one entry point's calls"},
    {"trace-file", "FILE", OPT_TFILE, ALL_RUN, "the trace into FILE"},
    /* machine output, progress */
    {"junit", "FILE", OPT_JUNIT, SESSION,
     "a JUnit XML report into FILE: one test case per loader call (CI gates)"},
    {"progress", "auto|always|never", OPT_PROGRESS, SESSION,
     "one updating progress line for operations over a second (auto: on a terminal)"},
    /* gdb */
    {"call", "OP", OPT_CALL, CMD_GDB,
     "init|erase|write|read|verify|mass-erase, in order (repeatable; default init)"},
    {"port", "N", OPT_PORT, CMD_GDB, "TCP port (default 3333)"},
    {"bind", "ADDR", OPT_BIND, CMD_GDB, "IPv4 address to listen on (default 127.0.0.1)"},
    {"persist", NULL, OPT_PERSIST, CMD_GDB,
     "serve a new session after each one ends (default: one session)"},
    /* fuzz */
    {"seed", "N", OPT_SEED, CMD_FUZZ, "the generator's seed (default 1)"},
    {"time", "SECONDS", OPT_TIME, CMD_FUZZ, "fuzz this long (default 10)"},
    {"runs", "N", OPT_RUNS, CMD_FUZZ, "fuzz this many cases"},
    {"out", "DIR", OPT_OUT, CMD_FUZZ, "write a reproducer per finding into DIR"},
    {"from-input", "FILE", OPT_FROMINPUT, CMD_FUZZ, "run one coverage-guided input as a case"},
    {"help", NULL, OPT_HELP, TARGETED, "this help"},
    {NULL, NULL, 0, 0, NULL},
};

#ifndef SE_VERSION
#define SE_VERSION "0.0.0"
#endif
#define SE_CLI_VERSION SE_VERSION

const se_command *se_command_find(const char *name)
{
    for (const se_command *c = se_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

/* ---- the STM32_Programmer_CLI options ---------------------------------------------------
 * docs/cube.md holds the same table for readers (a test checks that every spelling here is
 * there); the syntax and log lines are from docs/cube.md's sources (UM2237, public logs). */

const se_cube_opt se_cube_options[] = {
    {"-c, --connect", "port=SWD [freq=K] [mode=M] [reset=R] ...", CUBE_CONNECT, CUBE_IGNORED,
     "connects: the emulated target answers; the probe parameters (port, freq, mode, reset, ap, "
     "index, sn, shared, speed, LPM) are noted in one line and ignored"},
    {"-el, --extload", "FILE", CUBE_EXTLOAD, CUBE_SUPPORTED,
     "the external loader (.stldr) every memory operation goes through; one per command line, "
     "wherever it stands (it applies to the whole session)"},
    {"-elbl, --extloadbl", "FILE", CUBE_EXTLOAD_BL, CUBE_REFUSED,
     "a loader for the bootloader interface (SFIx): no bootloader interface is emulated"},
    {"-d, --download, -w, --write", "FILE [ADDR] [incremental]", CUBE_DOWNLOAD, CUBE_SUPPORTED,
     "erases the sectors each segment touches (not with --skipErase), then writes; .bin needs "
     "ADDR, HEX/S-record/ELF carry theirs; 'incremental' is accepted and every touched sector "
     "is written"},
    {"-v, --verify", "[fast]", CUBE_VERIFY, CUBE_SUPPORTED,
     "reads back what the write just before it wrote and compares (then the loader's Verify "
     "and CheckSum); must follow the write; 'fast' is accepted"},
    {"--skipErase", NULL, CUBE_SKIPERASE, CUBE_SUPPORTED,
     "downloads without erasing first (for the whole command line)"},
    {"-e, --erase", "all | [FIRST LAST] | N1 N2 ...", CUBE_ERASE, CUBE_SUPPORTED,
     "all: MassErase (SectorErase over the device when the loader has none); sector numbers "
     "count the loader's StorageInfo sectors from 0"},
    {"-r, --read, -u, --upload", "ADDR SIZE FILE", CUBE_UPLOAD, CUBE_SUPPORTED,
     "reads SIZE bytes into FILE: .hex, .srec/.s19 or raw binary by its extension"},
    {"-r8, -r16, -r32", "ADDR SIZE", CUBE_READ_WORDS, CUBE_SUPPORTED,
     "reads SIZE bytes and prints them as bytes, halfwords or words"},
    {"-w8, -w16, -w32, -w64", "ADDR DATA...", CUBE_WRITE_WORDS, CUBE_REFUSED,
     "writes words through the debug port, not the loader: give the data as a file to -d"},
    {"-rst", NULL, CUBE_RESET, CUBE_IGNORED,
     "system reset: nothing to reset, every operation downloads the loader and calls Init"},
    {"-hardRst", NULL, CUBE_HARD_RESET, CUBE_IGNORED, "hardware reset (NRST): as -rst"},
    {"-s, --start, -g, --go", "[ADDR]", CUBE_START, CUBE_IGNORED,
     "runs the application: stldr-emu emulates the loader, not the application"},
    {"-halt", NULL, CUBE_HALT, CUBE_IGNORED, "halts the core: it is halted between calls"},
    {"-run", NULL, CUBE_RUN, CUBE_IGNORED, "runs the core: no application here"},
    {"-q, --quietMode", NULL, CUBE_QUIET, CUBE_SUPPORTED, "no progress bar"},
    {"-vb, --verbosity", "1|2|3", CUBE_VERBOSITY, CUBE_SUPPORTED,
     "3: every loader call, with stldr-emu's diagnosis (as `stldr-emu run` prints it)"},
    {"-log, --log", "[FILE]", CUBE_LOG, CUBE_SUPPORTED,
     "the whole output, at verbosity 3, also into FILE (default "
     "$HOME/.STM32Programmer/trace.log)"},
    {"-l, --list", "[st-link|uart|usb]", CUBE_LIST, CUBE_IGNORED,
     "lists probes: there are none, the target is emulated"},
    {"-ob, --optionbytes", "displ | NAME=VALUE ...", CUBE_OPTION_BYTES, CUBE_REFUSED,
     "option bytes of the internal flash are not modelled"},
    {"-nv, --noverify", NULL, CUBE_NO_VERIFY, CUBE_IGNORED,
     "no verify after -w32: -w8/-w16/-w32 are refused anyway"},
    {"-h, --help, -?", NULL, CUBE_HELP, CUBE_SUPPORTED, "this help"},
    {"--version, -version", NULL, CUBE_VERSION, CUBE_SUPPORTED, "stldr-emu's version"},
    {"-sl, --safelib, -otp, -rdu, -tzenreg, -ssigfoxc, -rsigfoxc, -wusrkey, -sfi, -sfix, "
     "-smi, -ssp, -blankcheck, -checksum, -fillmemory, -coreReg, -score, -startswv, -swv, "
     "-dsecurity, -setdefaultob, -mergesbsfu, -hsm",
     NULL, CUBE_OTHER_REFUSED, CUBE_REFUSED,
     "internal memories, security and trace features of a real MCU: not emulated"},
    {NULL, NULL, CUBE_END, CUBE_SUPPORTED, NULL},
};

const se_cube_opt *se_cube_find(const char *arg)
{
    size_t n = strlen(arg);
    for (const se_cube_opt *o = se_cube_options; o->names; o++)
        for (const char *p = o->names; *p;) {
            size_t k = strcspn(p, ",");
            if (k == n && !strncasecmp(p, arg, n))
                return o;
            p += k;
            while (*p == ',' || *p == ' ')
                p++;
        }
    return NULL;
}

/* ---- help ---------------------------------------------------------------------------- */

/* text from column col, wrapped before column 100, continuation lines at indent */
static void wrap(FILE *f, const char *text, int col, int indent)
{
    while (*text) {
        int room = 100 - col;
        int len = (int)strlen(text);
        if (len > room) {
            int cut = room;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            len = cut > 0 ? cut : room;
        }
        fprintf(f, "%.*s\n", len, text);
        text += len;
        while (*text == ' ')
            text++;
        if (*text)
            fprintf(f, "%*s", indent, "");
        col = indent;
    }
}

static void help_option(FILE *f, const char *lhs, const char *help)
{
    if (strlen(lhs) > 26)
        fprintf(f, "  %s\n  %-26s  ", lhs, "");
    else
        fprintf(f, "  %-26s  ", lhs);
    wrap(f, help, 30, 30);
}

static const char *const support_name[] = {"supported", "accepted, ignored", "refused"};

void cli_help(FILE *f, const se_command *c)
{
    fprintf(f, "usage: stldr-emu %s %s [options]\n\n%s\n", c->name, c->args, c->summary);
    if (c->bit == CMD_CUBE) {
        fputs("\nSTM32_Programmer_CLI options (run in the order given; docs/cube.md):\n", f);
        for (const se_cube_opt *o = se_cube_options; o->names; o++) {
            char lhs[160], help[600];
            snprintf(lhs, sizeof lhs, "%s%s%s", o->names, o->args ? " " : "",
                     o->args ? o->args : "");
            snprintf(help, sizeof help, "[%s] %s", support_name[o->support], o->help);
            help_option(f, lhs, help);
        }
    }
    fputs(c->bit == CMD_CUBE ? "\nstldr-emu options:\n" : "\noptions:\n", f);
    for (const se_opt *o = se_options; o->name; o++) {
        if (!(o->cmds & c->bit))
            continue;
        char lhs[48];
        snprintf(lhs, sizeof lhs, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        help_option(f, lhs, o->help);
    }
    if (c->bit == CMD_CUBE)
        fputs("\nExit status: 0 success, 1 any failure, as CubeProgrammer's (the reason is the "
              "stldr-emu: line).\n",
              f);
    else
        fputs("\nNumbers take 0x, K, M and a whole exponent (0x90000000, 64K, 1M, 2e9); each "
              "option\nhas a range. Exit status: 0 ok, 2 usage, others per the README's Exit "
              "status.\n",
              f);
}

void cli_usage(FILE *f)
{
    fputs("usage: stldr-emu COMMAND LOADER [options]\n"
          "       stldr-emu -c port=SWD -el LOADER [STM32_Programmer_CLI options]\n\ncommands:\n",
          f);
    for (const se_command *c = se_commands; c->name; c++) {
        const char *nl = strchr(c->summary, '\n');
        int len = nl ? (int)(nl - c->summary) : (int)strlen(c->summary);
        fprintf(f, "  %-6s %.*s\n", c->name, len, c->summary);
    }
    fputs("\nstldr-emu COMMAND --help lists a command's options; stldr-emu --version.\n", f);
}

int cli_usage_status = 2;

void cli_usage_exit(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "stldr-emu: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (stldr-emu %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
    va_end(ap);
    exit(cli_usage_status);
}

/* ---- man pages and completion, from the same tables ------------------------------------ */

/* roff text: a leading '.' or '\'' escaped, '\\' and '-' as roff wants them */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else if (*s == '\n') {
            fputc('\n', f);
            if (s[1] == '.' || s[1] == '\'')
                fputs("\\&", f);
        } else
            fputc(*s, f);
    }
}

static void man_page(FILE *f, const se_command *c)
{
    const char *ver = SE_CLI_VERSION;
    if (!c) {
        fprintf(f, ".TH STLDR\\-EMU 1 \"\" \"stldr-emu %s\" \"User Commands\"\n", ver);
        fputs(".SH NAME\nstldr\\-emu \\- run STM32CubeProgrammer external loaders on an emulated "
              "STM32\n.SH SYNOPSIS\n.B stldr\\-emu\n.I COMMAND LOADER\n[\\fIoptions\\fR]\n.br\n"
              ".B stldr\\-emu\n\\-c port=SWD \\-el \\fILOADER\\fR [\\fISTM32_Programmer_CLI "
              "options\\fR]\n.SH COMMANDS\n",
              f);
        for (const se_command *k = se_commands; k->name; k++) {
            fprintf(f, ".TP\n.BR stldr\\-emu\\-%s (1)\n", k->name);
            roff(f, k->summary);
            fputc('\n', f);
        }
        fputs(".SH OPTIONS\n.TP\n.B \\-\\-version\nthe version\n.TP\n.B \\-\\-help\nthe commands"
              "\n.SH EXIT STATUS\n0 success, 2 usage, 3 I/O, 10\\-22 a loader file refused, 23 a "
              "data file refused, 30\\-35 a loader call failed, 40\\-41 emulator or \\-\\-strict; "
              "in the STM32_Programmer_CLI syntax 0 or 1.\n.SH SEE ALSO\n",
              f);
        for (const se_command *k = se_commands; k->name; k++)
            fprintf(f, ".BR stldr\\-emu\\-%s (1)%s\n", k->name, k[1].name ? "," : "");
        return;
    }
    fprintf(f, ".TH STLDR\\-EMU\\-%s 1 \"\" \"stldr-emu %s\" \"User Commands\"\n", c->name, ver);
    fprintf(f, ".SH NAME\nstldr\\-emu\\-%s \\- ", c->name);
    /* the first sentence, on one line */
    char first[300];
    snprintf(first, sizeof first, "%s", c->summary);
    for (char *q = first; *q; q++)
        if (*q == '\n')
            *q = ' ';
    char *stop = strstr(first, ". ");
    if (stop || (stop = strrchr(first, '.')) != NULL)
        *stop = '\0';
    roff(f, first);
    fprintf(f, "\n.SH SYNOPSIS\n.B stldr\\-emu %s\n", c->name);
    roff(f, c->args);
    fputs(" [\\fIoptions\\fR]\n.SH DESCRIPTION\n", f);
    roff(f, c->summary);
    fputc('\n', f);
    if (c->bit == CMD_CUBE) {
        fputs(".SH STM32_Programmer_CLI OPTIONS\n", f);
        for (const se_cube_opt *o = se_cube_options; o->names; o++) {
            fputs(".TP\n.B ", f);
            roff(f, o->names);
            if (o->args) {
                fputs(" \\fI", f);
                roff(f, o->args);
                fputs("\\fR", f);
            }
            fprintf(f, "\n[%s] ", support_name[o->support]);
            roff(f, o->help);
            fputc('\n', f);
        }
    }
    fputs(".SH OPTIONS\n", f);
    for (const se_opt *o = se_options; o->name; o++) {
        if (!(o->cmds & c->bit))
            continue;
        fputs(".TP\n.B \\-\\-", f);
        roff(f, o->name);
        if (o->arg) {
            fputs(" \\fI", f);
            roff(f, o->arg);
            fputs("\\fR", f);
        }
        fputc('\n', f);
        roff(f, o->help);
        fputc('\n', f);
    }
    fputs(".SH SEE ALSO\n.BR stldr\\-emu (1)\n", f);
}

int cli_write_man_pages(const char *dir)
{
    for (const se_command *c = NULL;; c = c ? c + 1 : se_commands) {
        if (c && !c->name)
            break;
        char path[4096];
        snprintf(path, sizeof path, "%s/stldr-emu%s%s.1", dir, c ? "-" : "", c ? c->name : "");
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) {
            fprintf(stderr, "stldr-emu: out of memory\n");
            return se_err_exit_code(SE_ERR_NOMEM);
        }
        man_page(f, c);
        fclose(f);
        se_error err;
        se_err e = se_write_file_durable(path, buf, len, &err);
        free(buf);
        if (e) {
            fprintf(stderr, "stldr-emu: --man: %s\n", err.msg);
            return se_err_exit_code(e);
        }
    }
    return 0;
}

static void options_of(FILE *f, unsigned bit, bool cube)
{
    for (const se_opt *o = se_options; o->name; o++)
        if (o->cmds & bit)
            fprintf(f, " --%s", o->name);
    if (cube)
        for (const se_cube_opt *o = se_cube_options; o->names; o++)
            for (const char *p = o->names; *p;) {
                size_t k = strcspn(p, ",");
                fprintf(f, " %.*s", (int)k, p);
                p += k;
                while (*p == ',' || *p == ' ')
                    p++;
            }
}

int cli_completion(FILE *f, const char *shell)
{
    if (!strcmp(shell, "bash")) {
        fputs("# bash completion for stldr-emu (generated by stldr-emu --completion bash)\n"
              "_stldr_emu() {\n"
              "    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} opts\n"
              "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
              "        COMPREPLY=($(compgen -W \"help --help --version -c -el",
              f);
        for (const se_command *c = se_commands; c->name; c++)
            fprintf(f, " %s", c->name);
        fputs("\" -- \"$cur\"))\n        return\n    fi\n    case \"$cmd\" in\n", f);
        for (const se_command *c = se_commands; c->name; c++) {
            fprintf(f, "    %s) opts=\"--help", c->name);
            options_of(f, c->bit & ~CMD_CUBE, false);
            if (c->bit == CMD_CUBE)
                options_of(f, CMD_CUBE, true);
            fputs("\" ;;\n", f);
        }
        fputs("    -*) opts=\"", f);
        options_of(f, CMD_CUBE, true);
        fputs("\" ;;\n    *) opts=\"\" ;;\n    esac\n"
              "    case \"$cur\" in\n"
              "    -*) COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")) ;;\n"
              "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
              "    esac\n}\ncomplete -o filenames -F _stldr_emu stldr-emu\n",
              f);
        return 0;
    }
    if (!strcmp(shell, "zsh")) {
        fputs("#compdef stldr-emu\n# zsh completion for stldr-emu (generated by stldr-emu "
              "--completion zsh)\n_stldr_emu() {\n    local -a cmds opts\n    cmds=(\n",
              f);
        for (const se_command *c = se_commands; c->name; c++) {
            const char *nl = strchr(c->summary, '\n');
            int len = nl ? (int)(nl - c->summary) : (int)strlen(c->summary);
            fprintf(f, "        '%s:", c->name);
            for (int i = 0; i < len; i++)
                fputs(c->summary[i] == '\'' ? "'\\''" : (char[]){c->summary[i], 0}, f);
            fputs("'\n", f);
        }
        fputs("    )\n    if (( CURRENT == 2 )); then\n        _describe command cmds\n"
              "        return\n    fi\n    case $words[2] in\n",
              f);
        for (const se_command *c = se_commands; c->name; c++) {
            fprintf(f, "    %s) opts=(--help", c->name);
            options_of(f, c->bit, c->bit == CMD_CUBE);
            fputs(") ;;\n", f);
        }
        fputs("    -*) opts=(", f);
        options_of(f, CMD_CUBE, true);
        fputs(") ;;\n    esac\n    if [[ $PREFIX == -* ]]; then\n"
              "        compadd -a opts\n    else\n        _files\n    fi\n}\n"
              "_stldr_emu \"$@\"\n",
              f);
        return 0;
    }
    fprintf(stderr, "stldr-emu: --completion takes bash or zsh, not '%s'\n", shell);
    return se_err_exit_code(SE_ERR_USAGE);
}

/* ---- parsing ------------------------------------------------------------------------- */

void cli_begin(cli_parser *p, const se_command *c, int argc, char **argv)
{
    *p = (cli_parser){.cmd = c, .argc = argc, .argv = argv, .next = 2};
}

static const se_opt *find_opt(const se_command *c, const char *name, size_t len)
{
    for (const se_opt *o = se_options; o->name; o++)
        if ((o->cmds & c->bit) && strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    return NULL;
}

int cli_next(cli_parser *p, const char **arg)
{
    const char *cmd = p->cmd->name;
    *arg = NULL;
    while (p->next < p->argc) {
        char *a = p->argv[p->next++];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_help(stdout, p->cmd);
            exit(0);
        }
        if (!strcmp(a, "--")) { /* the rest are operands */
            while (p->next < p->argc) {
                if (p->operand)
                    cli_usage_exit(cmd, "unexpected argument '%s'", p->argv[p->next]);
                p->operand = p->argv[p->next++];
            }
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (p->operand)
                cli_usage_exit(cmd, "unexpected argument '%s'", a);
            p->operand = a;
            continue;
        }
        if (a[1] != '-') {
            if (se_cube_find(a))
                cli_usage_exit(cmd,
                               "unknown option '%s' (%s is STM32_Programmer_CLI syntax: "
                               "stldr-emu -c port=SWD -el LOADER %s ...)",
                               a, a, a);
            cli_usage_exit(cmd, "unknown option '%s'", a);
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const se_opt *o = find_opt(p->cmd, name, len);
        if (!o)
            cli_usage_exit(cmd, "unknown option '--%.*s'", (int)len, name);
        if (!o->arg) {
            if (eq)
                cli_usage_exit(cmd, "--%s takes no value", o->name);
            return o->id;
        }
        if (eq)
            *arg = eq + 1;
        else if (p->next < p->argc)
            *arg = p->argv[p->next++];
        else
            cli_usage_exit(cmd, "--%s takes %s", o->name, o->arg);
        return o->id;
    }
    if (!p->operand)
        cli_usage_exit(cmd, "missing %s", p->cmd->args);
    return OPT_END;
}

/* ---- numbers ------------------------------------------------------------------------- */

uint64_t cli_u64(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                 const char *what)
{
    uint64_t v;
    if (!se_parse_u64(s, min, max, &v))
        cli_usage_exit(cmd, "%s takes %s %" PRIu64 "..%" PRIu64 ", not '%s'", opt, what, min, max,
                       s);
    return v;
}

uint32_t cli_addr(const char *cmd, const char *opt, const char *s)
{
    uint32_t v;
    if (!se_parse_u32(s, &v))
        cli_usage_exit(cmd, "%s: bad address '%s'", opt, s);
    return v;
}

double cli_seconds(const char *cmd, const char *opt, const char *s, double max)
{
    double v;
    if (!se_parse_seconds(s, 0, max, &v) || !(v > 0))
        cli_usage_exit(cmd, "%s takes seconds, more than 0 and at most %g, not '%s'", opt, max, s);
    return v;
}

/* ---- the target ---------------------------------------------------------------------- */

void cli_target_default(cli_target *t)
{
    *t = (cli_target){.target = "stm32l562e-dk", .tz = "off", .profile = NULL};
}

bool cli_target_option(cli_target *t, const char *cmd, int id, const char *arg)
{
    switch (id) {
    case OPT_TARGET:
        t->target = arg;
        t->target_given = true;
        return true;
    case OPT_TZ:
        if (strcmp(arg, "on") && strcmp(arg, "off") && strcmp(arg, "secure"))
            cli_usage_exit(cmd, "--tz takes on, off or secure, not '%s'", arg);
        t->tz = arg;
        return true;
    case OPT_PROFILE: t->profile = arg; return true;
    default: return false;
    }
}

const se_profile *cli_profile(const cli_target *t, const char *cmd)
{
    const se_profile *p;
    if (t->profile) { /* a profile FILE (docs/trustzone.md) */
        char perr[600];
        if (!(p = se_profile_load(t->profile, perr, sizeof perr))) {
            /* "FILE:LINE: ..." names where already: one line, no pointer to --help */
            fprintf(stderr, "stldr-emu: %s\n", perr);
            exit(cli_usage_status);
        }
        return p;
    }
    if (!strcmp(t->target, "auto"))
        cli_usage_exit(cmd, "--target auto needs a loader to choose from: name the target");
    if (!(p = se_profile_find_tz(t->target, t->tz))) {
        if (se_board_find(t->target))
            cli_usage_exit(cmd, "target '%s' has no --tz %s profile (stldr-emu info --target %s)",
                           t->target, t->tz, t->target);
        cli_usage_exit(cmd, "unknown target '%s' (stldr-emu info --target list)", t->target);
    }
    return p;
}

/* The board's token in loader names: "stm32u585i-iot02a" -> "U585". */
static void board_token(const se_board *b, char tok[8])
{
    size_t k = 0;
    for (const char *q = b->name + 5; *q && *q != '-' && k < 4; q++)
        tok[k++] = (char)(*q >= 'a' && *q <= 'z' ? *q - 'a' + 'A' : *q);
    tok[k] = '\0';
}

static bool name_has(const char *name, const char *tok)
{
    char up[SE_STORAGEINFO_NAME_LEN + 1];
    size_t k = 0;
    for (; name[k] && k < SE_STORAGEINFO_NAME_LEN; k++)
        up[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 'a' + 'A' : name[k]);
    up[k] = '\0';
    return tok[0] && strstr(up, tok);
}

/* The board's kind in loader names: "stm32h7b3i-eval" -> "EVAL", "stm32h7b3i-dk" -> "DK" (ST
 * names a discovery kit's loader "-DISCO" as often, which *alt gets). */
static void board_kind(const se_board *b, char tok[12], const char **alt)
{
    const char *q = strchr(b->name, '-');
    size_t k = 0;
    for (q = q ? q + 1 : ""; *q && k < 11; q++)
        tok[k++] = (char)(*q >= 'a' && *q <= 'z' ? *q - 'a' + 'A' : *q);
    tok[k] = '\0';
    *alt = !strcmp(tok, "DK") ? "DISCO" : NULL;
}

/* The board's flash part as its description names it first ("MX25LM51245G (64 MiB) on
 * OCTOSPI1" -> "MX25LM51245G"). */
static void board_chip(const se_board *b, char chip[24])
{
    size_t k = 0;
    for (const char *q = b->flash ? b->flash : ""; *q && *q != ' ' && k < 23; q++)
        chip[k++] = *q;
    chip[k] = '\0';
}

/* An FLM's FlashDevice against board b (profile p, family fam): DevAdr in the board's
 * external window or internal flash +4, the family's MCU prefix in DevName ("STM32L5") +5,
 * the board's flash part in DevName +3 and another board's part -12 (more than a board
 * token's +10: the chip decides whether the algorithm can run). Appends why. */
static int flm_fit(const se_flm_info *f, const se_board *b, const se_profile *p,
                   const se_family *fam, char *why, size_t len)
{
    const se_flash_device *d = &f->dev;
    uint32_t a = d->adr;
    int score = 0;
    size_t k = strlen(why);
    if (a - p->ext_window.base < p->ext_window.size) {
        score += 4;
        snprintf(why + k, len - k, ", DevAdr 0x%08" PRIx32 " in its external window", a);
    } else if (a - p->iflash.base < p->iflash.size || a - p->iflash_alias < p->iflash.size) {
        score += 4;
        snprintf(why + k, len - k, ", DevAdr 0x%08" PRIx32 " in its internal flash", a);
    }
    if (name_has(d->name, fam->prefix) || (fam->alt_prefix && name_has(d->name, fam->alt_prefix))) {
        score += 5;
        k = strlen(why);
        snprintf(why + k, len - k, ", \"%s\" in DevName", fam->prefix);
    }
    char chip[24], other[24];
    board_chip(b, chip);
    if (chip[0] && name_has(d->name, chip)) {
        score += 3;
        k = strlen(why);
        snprintf(why + k, len - k, ", its %s in DevName", chip);
        return score;
    }
    const se_board *const *all = se_boards();
    for (size_t i = 0; all[i]; i++) {
        board_chip(all[i], other);
        if (other[0] && strcmp(other, chip) && name_has(d->name, other)) {
            score -= 12;
            k = strlen(why);
            snprintf(why + k, len - k, ", DevName names the %s, not its %s", other, chip);
            break;
        }
    }
    return score;
}

/* --target auto (and the default's check of StorageInfo's name): each built-in board with a
 * profile for --tz is scored from the loader (loader/origin.h: 0 = it cannot be that board),
 * +10 when StorageInfo's device name holds the board's token ("U585"), and +2 more when it
 * also holds the board's kind ("EVAL", "DK" or "DISCO"): two boards with one MCU. */
static const se_profile *choose_board(const cli_target *t, const char *cmd, const se_stldr *l,
                                      bool explicit_auto, char *why, size_t len)
{
    se_tz_mode mode;
    if (!se_tz_mode_parse(t->tz, &mode))
        mode = SE_TZ_MODE_OFF;
    const se_board *const *b = se_boards();
    const char *dev = se_stldr_storage(l)->name;
    const se_flm_info *flm = se_stldr_flm(l);
    int best = 0, nbest = 0;
    const se_board *pick = NULL;
    char list[3000] = "", bwhy[SE_MAX_BOARDS][400];
    int score[SE_MAX_BOARDS];
    size_t n = 0;
    for (size_t i = 0; b[i] && n < SE_MAX_BOARDS; i++, n++) {
        const se_family *fam = se_family_of_mcu(b[i]->mcu);
        score[n] = 0;
        snprintf(bwhy[n], sizeof bwhy[n], "no --tz %s profile", t->tz);
        if (!b[i]->profiles[mode] || !fam)
            continue;
        char tok[8];
        board_token(b[i], tok);
        score[n] = se_origin_score(l, fam, bwhy[n], sizeof bwhy[n]);
        if (score[n] && flm) { /* docs/flm.md: FlashDevice's address and name */
            score[n] += flm_fit(flm, b[i], b[i]->profiles[mode], fam, bwhy[n], sizeof bwhy[n]);
            if (score[n] < 1)
                score[n] = 1;
        }
        bool named = score[n] && name_has(dev, tok);
        if (named) {
            score[n] += 10;
            size_t k = strlen(bwhy[n]);
            snprintf(bwhy[n] + k, sizeof bwhy[n] - k, ", \"%s\" in the device name", tok);
            char kind[12];
            const char *alt;
            board_kind(b[i], kind, &alt);
            const char *hit = name_has(dev, kind) ? kind : alt && name_has(dev, alt) ? alt : NULL;
            if (hit) {
                score[n] += 2;
                k = strlen(bwhy[n]);
                snprintf(bwhy[n] + k, sizeof bwhy[n] - k, " with \"%s\"", hit);
            }
        }
        /* the default moves only on the name, and only to another family than its own */
        /* (an FLM's FlashDevice points alone do not move it) */
        if (!explicit_auto &&
            (!(score[n] > 10) || (flm && !named) || fam == se_family_of_mcu("STM32L562")))
            continue;
        if (score[n] > best) {
            best = score[n];
            nbest = 1;
            pick = b[i];
        } else if (score[n] && score[n] == best) {
            nbest++;
        }
    }
    if (!explicit_auto && (nbest != 1 || !strcmp(pick->name, "stm32l562e-dk"))) {
        cli_target d = *t;
        d.target = "stm32l562e-dk";
        return cli_profile(&d, cmd);
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(list);
        snprintf(list + k, sizeof list - k, "%s%s (%d: %.300s)", k ? "; " : "", b[i]->name,
                 score[i], bwhy[i]);
    }
    /* Policy (docs/cli.md): an FLM that fits the default board as well as others (an on-chip
     * algorithm of the L5, which every L5 board has) runs on the default board. */
    for (size_t i = 0; flm && nbest > 1 && i < n; i++)
        if (score[i] == best && !strcmp(b[i]->name, "stm32l562e-dk")) {
            pick = b[i];
            nbest = 1;
            size_t k = strlen(bwhy[i]);
            snprintf(bwhy[i] + k, sizeof bwhy[i] - k, "; a tie, the default board taken");
        }
    if (nbest != 1) {
        if (!best)
            cli_usage_exit(cmd, "--target auto: no built-in target fits this loader: %s", list);
        cli_usage_exit(cmd,
                       "--target auto: %d targets fit this loader equally, name one with "
                       "--target: %s",
                       nbest, list);
    }
    for (size_t i = 0; i < n; i++)
        if (b[i] == pick)
            snprintf(why, len, "%s %s: %s (scores: %s)",
                     explicit_auto ? "--target auto chose" : "the device name chose", pick->name,
                     bwhy[i], list);
    cli_target d = *t;
    d.target = pick->name;
    return cli_profile(&d, cmd);
}

const se_profile *cli_profile_for(const cli_target *t, const char *cmd, const se_stldr *l,
                                  char *why, size_t len)
{
    const se_profile *p;
    if (len)
        why[0] = '\0';
    if (t->profile || (t->target_given && strcmp(t->target, "auto")))
        p = cli_profile(t, cmd);
    else
        p = choose_board(t, cmd, l, t->target_given, why, len);
    return se_profile_follow_link(p, se_origin_link_base(l));
}

/* ---- output -------------------------------------------------------------------------- */

void cli_on_log(void *ctx, int level, const char *msg)
{
    cli *c = ctx;
    if (c->json) {
        fprintf(c->out,
                "{\"event\":\"%s\",\"message\":", level >= SE_LOG_WARN ? "warning" : "info");
        se_json_str(c->out, msg);
        fputs("}\n", c->out);
    } else if (level >= SE_LOG_WARN || (c->verbose && !c->quiet)) {
        fprintf(stderr, "stldr-emu: %s: %s\n", level >= SE_LOG_WARN ? "warning" : "note", msg);
    }
}

void cli_fmt_time(char *buf, size_t len, uint64_t ns)
{
    if (ns < 1000000u)
        snprintf(buf, len, "%.1f us", ns / 1e3);
    else if (ns < 1000000000u)
        snprintf(buf, len, "%.3f ms", ns / 1e6);
    else
        snprintf(buf, len, "%.3f s", ns / 1e9);
}

static se_stldr *open_loader(const char *path, bool lenient, int *rc)
{
    se_error err;
    se_error_clear(&err);
    se_stldr *l = NULL;
    se_err e =
        lenient ? se_stldr_open_file_lenient(path, &l, &err) : se_stldr_open_file(path, &l, &err);
    if (e) {
        fprintf(stderr, "stldr-emu: %s\n", err.msg);
        *rc = se_err_exit_code(e);
        return NULL;
    }
    *rc = 0;
    return l;
}

se_stldr *cli_open_loader(const char *path, int *rc) { return open_loader(path, false, rc); }

se_stldr *cli_open_loader_lenient(const char *path, int *rc) { return open_loader(path, true, rc); }
