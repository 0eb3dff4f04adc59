/* A static estimate of an entry point's worst-case stack, from its code, as -fstack-usage and
 * a call graph would give it: each function's frame is what its pushes and its subtractions
 * from SP reserve; a call (BL) adds the callee's worst case, a tail call (B to another
 * function) starts it at the caller's entry SP. An indirect call, an SP adjusted by a
 * register (alloca, VLA) or a recursion make the result a lower bound. */
#ifndef SE_STACKUSE_H
#define SE_STACKUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "loader/stldr.h"

typedef struct se_stack_use {
    uint32_t bytes;  /* worst case found along chain */
    bool bounded;    /* false: a lower bound (see why) */
    char chain[240]; /* "Init (0x8) -> level1 (0x208) -> level2 (0x308)" */
    char why[160];   /* what makes it a lower bound: "indirect call at Init+0x1c" */
} se_stack_use;

/* entry: link address (Thumb bit ignored) of a function symbol of l; code: the downloaded
 * image's bytes at link address base, size bytes. False when entry is no sized function. */
bool se_stack_estimate(const se_stldr *l, const uint8_t *code, uint32_t base, uint32_t size,
                       uint32_t entry, se_stack_use *out);

#endif
