/* A SoC as data (emu/board.h: "a board should be mostly data"): register files for the clock,
 * power and configuration blocks a loader touches (each register read-write unless a table
 * row says otherwise, ready flags following their enables through se_regfile_follow rules),
 * GPIO ports, the GTZC, and the OCTOSPI instances, which are the shared model
 * (peripherals/octospi.c) with the family's bases. Used by the STM32U5 and STM32H5 files. */
#ifndef SE_BOARDS_SOCDATA_H
#define SE_BOARDS_SOCDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/soc.h"
#include "peripherals/gpio.h"
#include "peripherals/octospi.h"
#include "peripherals/regfile.h"

/* One register that is not plain read-write with reset value 0. */
typedef struct se_soc_reg {
    uint16_t off;
    uint32_t reset;
    uint32_t wmask;
} se_soc_reg;

/* A register file of nwords registers from offset 0 (every one read-write, reset 0) with
 * the rows of regs instead where given, and its follow rules. */
typedef struct se_soc_block {
    const char *name;
    uint32_t base;
    unsigned nwords;
    const se_soc_reg *regs;
    size_t nregs;
    const se_regfile_follow *follow;
    size_t nfollow;
} se_soc_block;

#define SE_SOC_MAX_OSPI 2
#define SE_SOC_MAX_GPIO 11

typedef struct se_soc_data {
    const char *family; /* "STM32U5", for messages */
    const se_soc_block *blocks;
    size_t nblocks;
    uint32_t gpio_base, gpio_stride;
    unsigned ngpio;
    uint32_t gtzc_base;                     /* 0: none (or not modelled) */
    uint32_t ospi_base[SE_SOC_MAX_OSPI];    /* 0: absent */
    const char *ospi_name[SE_SOC_MAX_OSPI]; /* "OCTOSPI1" */
    uint32_t ospi_dcr3_more;                /* se_octospi.dcr3_more: the family's DCR3 bits */
} se_soc_data;

#define SE_SOC_MAX_BLOCKS 16

typedef struct se_soc_parts {
    se_octospi *ospi[SE_SOC_MAX_OSPI];
    se_gpio *gpio[SE_SOC_MAX_GPIO];
    se_regfile *block[SE_SOC_MAX_BLOCKS]; /* by index in se_soc_data.blocks */
    struct {                              /* the register files' tables */
        se_reg regs[SE_REGFILE_NWORDS];
        se_regfile_desc desc;
    } table[SE_SOC_MAX_BLOCKS];
} se_soc_parts;

/* Attach every device of d to soc (tzen: FLASH TZEN option). The parts live in the board's
 * storage (se_soc_board_data: the board asks for none of its own). NULL with err set. */
se_soc_parts *se_soc_data_build(se_soc *soc, const se_soc_data *d, bool tzen, se_error *err);

#endif
