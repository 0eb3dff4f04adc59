/* One command a flash chip model received, as data (--log-flash): the neutral form in which
 * a part in peripherals/ reports each bus frame to the machine and the machine to the tools,
 * so that neither side includes the other. The text is the same line the log shows. */
#ifndef SE_FLASHCMD_H
#define SE_FLASHCMD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct se_flash_range {
    uint32_t first, last; /* inclusive: array addresses the command affects */
} se_flash_range;

typedef struct se_flash_cmd {
    const char *mode;      /* "SPI", "SOPI", "DOPI" (the frame's shape), or "?" */
    uint32_t opcode;       /* as sent: 8 bits in SPI, 16 in OPI */
    unsigned opcode_bytes; /* 1 or 2 */
    const char *name;      /* the command's name in the chip's table ("PP", "SE"), or NULL */
    bool has_addr;
    uint32_t addr;
    unsigned dummy; /* dummy (and alternate-byte) cycles */
    uint32_t len;   /* data bytes */
    bool write;     /* data went to the chip */
    bool ignored;   /* the chip did nothing with it (the text says why) */
    /* what it did to the array: "read", "program", "erase", or NULL; a page program that
     * wraps inside its page affects two ranges */
    const char *effect;
    unsigned nranges;
    se_flash_range range[2];
    uint64_t time_ns; /* virtual time of the frame */
    const char *text; /* the log line */
} se_flash_cmd;

typedef void (*se_flash_cmd_fn)(void *ctx, const se_flash_cmd *c);

#endif
