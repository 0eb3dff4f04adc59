/* The GDB remote-protocol server of `stldr-emu gdb` (tools/gdbserver.c, docs/gdb.md). */
#ifndef SE_GDBSERVER_H
#define SE_GDBSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/profile.h"

/* What `stldr-emu gdb` serves (tools/cmd_gdb.c parses its options). */
typedef struct se_gdb_config {
    const char *loader;
    const se_profile *profile;
    const char *const *calls; /* the host operations, in order; none: Init */
    unsigned ncalls;
    const char *bind; /* IPv4 address */
    int port;
    uint64_t budget;         /* instructions per call; 0 = the host's default */
    double timeout;          /* host seconds per call, halted time not counted; 0 = default */
    bool persist;            /* serve new sessions after one ends */
    bool log_flash;          /* one console line per flash command from the start */
    const char *flash_image; /* the external flash's contents file, or NULL */
} se_gdb_config;

/* True when op names a host operation --call takes (init, erase, write, read, verify,
 * mass-erase). */
bool se_gdb_call_known(const char *op);

/* Serve GDB sessions (one, or until killed with persist); the exit status. */
int se_gdb_serve(const se_gdb_config *cfg);

/* Take one "$payload#xx" packet from in[0..len): the payload (NUL-terminated) into out.
 * Returns its length; -1 when the packet is incomplete; -2 when it is malformed (bad
 * checksum, too long). *used = bytes consumed. */
int se_rsp_unframe(const char *in, size_t len, char *out, size_t outsz, size_t *used);

#endif
