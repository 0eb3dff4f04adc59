/* The external-memory window (the OCTOSPI's 0x90000000) as the CPU sees it. By default every
 * access goes through the controller model (MMIO). A 4 MiB block the CPU reads while the
 * controller is in a state where a read returns the array's bytes unchanged is then mapped
 * straight onto the flash image's memory, so loads run at native speed, until that state
 * ends; a write, a fetch or a read in any other state goes to the model again. */
#ifndef SE_WINDOW_H
#define SE_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include "base/error.h"

#define SE_WINDOW_BLOCK 0x400000u /* 4 MiB: the unit mapped in place */

typedef struct se_window_ops {
    /* The model: offset from the window base. */
    uint32_t (*read)(void *ctx, uint32_t offset, unsigned size);
    void (*write)(void *ctx, uint32_t offset, uint32_t value, unsigned size);
    /* True when every CPU read of [offset, offset+len) may skip the model now. */
    bool (*direct_ok)(void *ctx, uint32_t offset, uint32_t len);
    /* The array's bytes [offset, offset+len), in place and kept current. */
    const uint8_t *(*direct_ptr)(void *ctx, uint32_t offset, uint32_t len);
    void *ctx;
} se_window_ops;

typedef struct se_window_stats {
    uint64_t enabled;  /* blocks mapped in place */
    uint64_t reverted; /* blocks given back to the model */
    unsigned mapped;   /* blocks mapped in place now */
} se_window_stats;

typedef struct se_window se_window;

/* Maps [base, base+size) on uc: the first dev_size bytes (a multiple of SE_WINDOW_BLOCK,
 * where the array is) block by block, the rest as one MMIO region. A block goes in place
 * after the model has served `after` reads of it in a row while in-place reads were
 * allowed (0: never, every access stays on the model: --log-flash, --vcd and
 * exact_window). Remapping costs about half a millisecond, so short reads stay on the
 * model. */
se_err se_window_new(uc_engine *uc, uint32_t base, uint32_t size, uint32_t dev_size, uint32_t after,
                     const se_window_ops *ops, se_window **out, se_error *err);
void se_window_free(se_window *w);

/* Every function below accepts w = NULL and then does nothing. */

/* After the model served a read at offset: true when its block is now to be mapped in
 * place, which se_window_apply does at the next stop (a region cannot be unmapped from
 * inside its own callback): the caller arranges a stop at the next block boundary. */
bool se_window_read_seen(se_window *w, uint32_t offset);
/* Map the blocks se_window_read_seen picked. Outside emulation or at a stop. */
se_err se_window_apply(se_window *w, se_error *err);
/* The state that allowed in-place reads may have ended (a controller register was
 * written, the security configuration changed): blocks it no longer allows go back to the
 * model at once. Safe inside another region's MMIO callback, not inside a memory hook. */
void se_window_check(se_window *w);
/* addr lies in a block mapped in place (a write or fetch there faulted: mapped read-only). */
bool se_window_in_place(const se_window *w, uint64_t addr);
/* The block holding addr back on the model. At a stop. */
void se_window_revert_at(se_window *w, uint64_t addr);
/* Every block back on the model, counts restarted (snapshot restore). */
void se_window_reset(se_window *w);
void se_window_get_stats(const se_window *w, se_window_stats *st);

#endif
