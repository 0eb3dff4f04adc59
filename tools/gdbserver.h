/* The GDB remote-protocol server of `stldr-emu gdb` (tools/gdbserver.c). */
#ifndef SE_GDBSERVER_H
#define SE_GDBSERVER_H

#include <stddef.h>

/* `stldr-emu gdb LOADER [--call OP]... [--port N] [--bind ADDR] [--target T]
 * [--tz on|off|secure] [--profile FILE]` */
int se_gdb_main(int argc, char **argv);

/* Take one "$payload#xx" packet from in[0..len): the payload (NUL-terminated) into out.
 * Returns its length; -1 when the packet is incomplete; -2 when it is malformed (bad
 * checksum, too long). *used = bytes consumed. */
int se_rsp_unframe(const char *in, size_t len, char *out, size_t outsz, size_t *used);

#endif
