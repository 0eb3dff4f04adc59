/* libFuzzer target: GDB remote-protocol packet framing, se_rsp_unframe (tools/gdbserver.c),
 * driven the way the server drives it: a byte stream unframed packet after packet.
 * Input: byte 0 picks the output buffer size, the rest is the stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gdbserver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t outsz = 1 + data[0] % 64u;
    if (data[0] & 0x80)
        outsz = 4096; /* the server's own size class */
    data++;
    size--;
    /* Exact-size heap copies so ASan sees any read or write past the end. */
    char *in = malloc(size ? size : 1);
    char *out = malloc(outsz);
    if (!in || !out) {
        free(in);
        free(out);
        return 0;
    }
    memcpy(in, data, size);
    size_t pos = 0;
    while (pos < size) {
        size_t used = (size_t)-1;
        int r = se_rsp_unframe(in + pos, size - pos, out, outsz, &used);
        if (used > size - pos)
            abort(); /* consumed more than was there */
        if (r >= 0) {
            if ((size_t)r >= outsz || out[r] != '\0')
                abort();
            /* the payload is the bytes between '$' and '#' */
            if (used < (size_t)r + 4 || memcmp(in + pos + used - 3 - (size_t)r, out, (size_t)r))
                abort();
        } else if (r != -1 && r != -2) {
            abort();
        }
        if (r == -1 && used == 0)
            break; /* incomplete packet at the start: wait for more bytes */
        if (used == 0)
            abort(); /* no progress on a complete or malformed packet */
        pos += used;
        if (r == -1)
            break;
    }
    free(in);
    free(out);
    return 0;
}
