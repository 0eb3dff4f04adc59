/* Boards: one file per evaluation or discovery board in emu/boards/, each naming the SoC it
 * carries (memory map, devices and their bases, emu/boards/<soc>.c), what is wired to the
 * external-memory controller (which instance, which flash part), and the host profiles a
 * loader for it runs under (TrustZone off / on / secure). Adding a board adds a file here and
 * one line in emu/boards/boards.c; the machine does not change (docs/architecture.md). */
#ifndef SE_BOARD_H
#define SE_BOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "emu/profile.h"

struct se_soc; /* the machine being built, as a board file sees it (emu/soc.h) */

typedef enum se_tz_mode {
    SE_TZ_MODE_OFF,
    SE_TZ_MODE_ON,
    SE_TZ_MODE_SECURE,
    SE_TZ_NMODES
} se_tz_mode;

/* The CPU model the machine runs a board's loader on (Unicorn's M-profile models). */
typedef enum se_cpu {
    SE_CPU_M33 = 0, /* the default: Unicorn's Cortex-M33 (the L5, U5, H5, and the boards that
                       predate this field) */
    SE_CPU_M7,      /* Cortex-M7: asked of Unicorn (UC_CPU_ARM_CORTEX_M7), which 2.0.1 ignores
                       for M-profile (it builds its Cortex-M33: instruction set, single-precision
                       FPU; docs/unicorn.md 1); the SCS is the M7's (caches, CPUID, no SAU) */
} se_cpu;

typedef struct se_board {
    const char *name;        /* "stm32l562e-dk", the --target name */
    const char *description; /* one line */
    const char *mcu;         /* "STM32L562QEI6Q" */
    const char *core;        /* "Cortex-M33" */
    const char *flash;       /* "MX25LM51245G on OCTOSPI1" */
    /* The built-in host profiles by TrustZone mode (NULL: the mode does not exist). */
    const se_profile *profiles[SE_TZ_NMODES];
    /* Attach the SoC's devices and the external memory for profile p. */
    se_err (*build)(struct se_soc *soc, const se_profile *p, se_error *err);
    se_cpu cpu;           /* the CPU model (0: Cortex-M33) */
    unsigned l1_cache_kb; /* SE_CPU_M7: size of each L1 cache, KiB (CCSIDR) */
} se_board;

#define SE_MAX_BOARDS 32 /* at most this many built-in boards */

/* Every built-in board, NULL-terminated (emu/boards/boards.c). */
const se_board *const *se_boards(void);
/* The board named name, or NULL. */
const se_board *se_board_find(const char *name);
/* "off", "on", "secure" -> mode; false if unknown. */
bool se_tz_mode_parse(const char *s, se_tz_mode *out);

#endif
