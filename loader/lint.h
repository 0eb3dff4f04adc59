/* Static checks of an external loader against a target profile, run before any board or
 * emulation is involved (`stldr-emu lint`). Each finding has a severity, a short stable
 * code and a one-line message naming the values involved.
 *
 * Codes (level in brackets; "w/i" = warning or info depending on the case):
 *   sectors-sum [error]        the sector table does not add up to DeviceSize
 *   page-size [warning]        PageSize not a power of two, or larger than a sector
 *   start-address [error/warn] DeviceStartAddress 0 or colliding with on-chip memory (error);
 *                              outside the window expected for the device type, or the
 *                              device overlapping the host's RAM window (warning)
 *   erase-value [warning]      a flash type (NOR, SPI, NAND) whose EraseValue is not 0xFF
 *   storageinfo-size [warning] the StorageInfo symbol is not a 200-byte object
 *   stack-usage [warning/info] an entry point's worst-case stack from its code (frames from
 *                              push/sub sp, calls through BL) over the room the host leaves
 *                              (warning, with the call chain); a lower bound when an indirect
 *                              call, recursion or an SP lowered by a register is met (info)
 *   storage-info     [error]   no StorageInfo at all though Init and Write exist (dropped by
 *                              --gc-sections: failure mode 10); the rest is still checked
 *   entry-missing [error/warning/info]  Init/Write (error), SectorErase (warning),
 *                              MassErase/Read/Verify/CheckSum (info)
 *   entry-not-thumb [error]    an entry point symbol without bit 0 set
 *   entry-outside [error/warning] an entry point outside the downloaded bytes
 *   bkpt-word [error]          a segment covers the host's BKPT word, at its link address
 *                              or where the host puts it (docs/protocol.md failure mode 4)
 *   ram-window [error]         a segment outside the profile's RAM window once placed
 *   segment-overlap [error]    two loadable segments overlap in memory
 *   download-plan [error]      the host's download plan refuses the image for another reason
 *   download-limit [w/i]       image size against the profile's download limit
 *   link-base [warning]        linked somewhere other than the profile's load base
 *   stack-overlap [error]      image end (with .bss) above SP - 0x100: .bss under the stack
 *   stack-room [info]          room between image end, SP and the data buffer
 *   data-lma [warning]         writable section with file bytes whose LMA != VMA
 *   bss-not-zeroed [w/i]       NOBITS section in the image: the host does not zero it
 *                              (info when its bounds appear as literals in the code)
 *   vector-table [w/i]         a vector table whose entries leave the image, lack the Thumb
 *                              bit, or that is misaligned for VTOR (warning); else info
 *   vtor-write [info]          the code holds the VTOR address 0xE000ED08 as a literal
 *   core [info/warning]        the core of the ELF's build attributes (warning: not the core
 *                              of the target's family)
 *   foreign-periph [warning]   a literal that is a peripheral register of another STM32
 *                              family and not one of the target's (one per block)
 *   link-ram [warning]         the link address is not RAM of the target's family (and what
 *                              RAM it is: H7 AXI SRAM, ...) */
#ifndef SE_LINT_H
#define SE_LINT_H

#include <stddef.h>

#include "emu/profile.h"
#include "loader/stldr.h"

typedef enum se_lint_level { SE_LINT_INFO, SE_LINT_WARN, SE_LINT_ERROR } se_lint_level;

typedef struct se_lint_finding {
    se_lint_level level;
    char code[32];
    char msg[256];
} se_lint_finding;

/* Exit status of `stldr-emu lint`: 0 for no findings or info only. */
#define SE_LINT_EXIT_WARN 1  /* warnings, no error */
#define SE_LINT_EXIT_ERROR 5 /* at least one error (2 is the usage error of the tool) */

/* Run every check of loader l against profile p. Stores the first `max` findings in out
 * (out may be NULL when max is 0) and returns how many there are in all, so a caller can
 * size the array with a first call. The order is fixed: StorageInfo, entry points,
 * segments, image, sections, vector table, origin (core, literals, link RAM). */
size_t se_lint(const se_stldr *l, const se_profile *p, se_lint_finding *out, size_t max);

/* "info", "warning", "error". */
const char *se_lint_level_name(se_lint_level level);
/* 0, SE_LINT_EXIT_WARN or SE_LINT_EXIT_ERROR for the worst of n findings. */
int se_lint_exit_code(const se_lint_finding *f, size_t n);

#endif
