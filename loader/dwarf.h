/* Source lines for addresses of a loader, from its DWARF (.debug_line), read with libdw.
 * Only what the trace and the failure reports need: address -> file:line. Addresses are
 * link addresses (as in the ELF), not where the host downloaded the image. A loader
 * without DWARF, or one libdw refuses, simply has no source lines. */
#ifndef SE_DWARF_H
#define SE_DWARF_H

#include <stdbool.h>
#include <stdint.h>

typedef struct se_dwarf se_dwarf;

/* NULL when the file cannot be opened or has no usable DWARF. */
se_dwarf *se_dwarf_open(const char *elf_path);
void se_dwarf_close(se_dwarf *d);

/* The source line of link address addr (Thumb bit ignored). *file is the file's base name,
 * valid until se_dwarf_close. False when no line table covers addr (or d is NULL). */
bool se_dwarf_line(se_dwarf *d, uint32_t link_addr, const char **file, int *line);

#endif
