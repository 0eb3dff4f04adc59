#include "loader/dwarf.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdw.h>

/* Compilation units scanned by address when .debug_aranges does not answer. */
#define MAX_CU_SCAN 4096

struct se_dwarf {
    int fd;
    Dwarf *dw;
};

se_dwarf *se_dwarf_open(const char *elf_path)
{
    if (!elf_path || !*elf_path)
        return NULL;
    int fd = open(elf_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
    if (!dw) {
        close(fd);
        return NULL;
    }
    /* At least one compilation unit, or there is nothing to look up. */
    Dwarf_Off next;
    size_t hsize;
    if (dwarf_nextcu(dw, 0, &next, &hsize, NULL, NULL, NULL) != 0) {
        dwarf_end(dw);
        close(fd);
        return NULL;
    }
    se_dwarf *d = calloc(1, sizeof *d);
    if (!d) {
        dwarf_end(dw);
        close(fd);
        return NULL;
    }
    d->fd = fd;
    d->dw = dw;
    return d;
}

void se_dwarf_close(se_dwarf *d)
{
    if (!d)
        return;
    dwarf_end(d->dw);
    close(d->fd);
    free(d);
}

/* The compilation unit whose ranges hold addr: .debug_aranges first, else every CU. */
static Dwarf_Die *cu_of(se_dwarf *d, Dwarf_Addr addr, Dwarf_Die *out)
{
    if (dwarf_addrdie(d->dw, addr, out))
        return out;
    Dwarf_Off off = 0, next;
    size_t hsize;
    for (unsigned i = 0;
         i < MAX_CU_SCAN && dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0;
         i++, off = next) {
        if (dwarf_offdie(d->dw, off + hsize, out) && dwarf_haspc(out, addr) == 1)
            return out;
        if (next <= off)
            break;
    }
    return NULL;
}

bool se_dwarf_line(se_dwarf *d, uint32_t link_addr, const char **file, int *line)
{
    if (!d)
        return false;
    Dwarf_Addr addr = link_addr & ~1u;
    Dwarf_Die cu;
    if (!cu_of(d, addr, &cu))
        return false;
    Dwarf_Line *l = dwarf_getsrc_die(&cu, addr);
    if (!l)
        return false;
    Dwarf_Addr la;
    bool end = false;
    if (dwarf_lineaddr(l, &la) != 0 || la > addr || dwarf_lineendsequence(l, &end) != 0 || end)
        return false;
    const char *src = dwarf_linesrc(l, NULL, NULL);
    int n = 0;
    if (!src || dwarf_lineno(l, &n) != 0 || n <= 0)
        return false;
    const char *base = strrchr(src, '/');
    *file = base ? base + 1 : src;
    *line = n;
    return true;
}
