/* What the machine offers a board file while it is being built (emu/board.h): attach device
 * models to the peripheral bus, the GTZC and DMA, and external memories (a controller and a
 * flash part behind a memory-mapped window), and hear of clock changes. Only emu/boards/ and
 * the machine include this. */
#ifndef SE_SOC_H
#define SE_SOC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "emu/bus.h"
#include "peripherals/dma.h"
#include "peripherals/flashbus.h"
#include "peripherals/periph.h"

typedef struct se_soc se_soc;

/* What the devices call back into (time, log, PC of the access, clock changes). */
const se_periph_host *se_soc_host(se_soc *s);
se_bus *se_soc_bus(se_soc *s);
/* se_bus_attach, with the error said: the state, or NULL with err set. */
void *se_soc_attach(se_soc *s, const se_periph_class *cls, const char *name, uint32_t base,
                    uint32_t size, se_error *err);
/* The device attached with state is reached only through the peripheral alias (the second
 * peripheral window of an F4/F7/L4 board: the QUADSPI at 0xA0001000, whose bus offset is
 * TIM6's 0x40001000), not through the first window. */
se_err se_soc_alias_only(se_soc *s, const void *state, se_error *err);
/* Storage that lives as long as the machine, zeroed (a board's own wiring state). */
void *se_soc_board_data(se_soc *s, size_t size);

/* The GTZC registers at base (TZSC; TZIC and the MPCBBs follow, 4 KiB): the state TrustZone
 * enforcement reads (emu/tz.h). */
se_err se_soc_attach_gtzc(se_soc *s, uint32_t base, se_error *err);
/* DMA1/DMA2/DMAMUX1 at base: the machine gives the model its view of memory and services it
 * after every peripheral write. */
se_dma *se_soc_attach_dma(se_soc *s, uint32_t base, uint32_t size, se_error *err);
/* A DMAMUX request line served by a memory controller's request (ctl as in se_extmem). */
void se_soc_dma_request(se_soc *s, unsigned line, const se_memctl_ops *ops, void *ctl);

/* An external memory: a controller (already attached at ctl_base) whose memory-mapped
 * window is [window_base, window_base + window_size), and the flash part wired to it. */
typedef struct se_extmem {
    const char *name; /* "OCTOSPI1" */
    void *ctl;
    const se_memctl_ops *ops;
    uint32_t ctl_base; /* its register block (non-secure alias) */
    uint32_t window_base, window_size;
    const se_flash_chip_class *chip;
} se_extmem;
se_err se_soc_add_extmem(se_soc *s, const se_extmem *x, se_error *err);

/* fn(ctx, hz) after the core clock changed (the machine has already followed it). */
void se_soc_on_clock(se_soc *s, void (*fn)(void *ctx, uint32_t hz), void *ctx);

#endif
