/* The GDB remote-protocol server of `stldr-emu gdb` (tools/gdbserver.c). */
#ifndef SE_GDBSERVER_H
#define SE_GDBSERVER_H

#include <stddef.h>

#include "emu/profile.h"

/* What `stldr-emu gdb` serves (tools/cmd_gdb.c parses its options). */
typedef struct se_gdb_config {
    const char *loader;
    const se_profile *profile;
    const char *const *calls; /* the host operations, in order; none: Init */
    unsigned ncalls;
    const char *bind; /* IPv4 address */
    int port;
} se_gdb_config;

/* Serve one GDB session; the exit status. */
int se_gdb_serve(const se_gdb_config *cfg);

/* Take one "$payload#xx" packet from in[0..len): the payload (NUL-terminated) into out.
 * Returns its length; -1 when the packet is incomplete; -2 when it is malformed (bad
 * checksum, too long). *used = bytes consumed. */
int se_rsp_unframe(const char *in, size_t len, char *out, size_t outsz, size_t *used);

#endif
