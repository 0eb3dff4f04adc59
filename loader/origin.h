/* Which chip a loader was built for, from the file alone: the core of its ARM build
 * attributes, the peripheral bases its literal pools hold, and the RAM its link address
 * belongs to, each against the STM32 families of emu/family.h. `info` and `lint` print it
 * against the target, so that a loader for an H7, F4, U5 or H5 is recognised before it is
 * run on an STM32L5 (issue 13 item 11); `--target auto` scores the boards with it. */
#ifndef SE_ORIGIN_H
#define SE_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/family.h"
#include "loader/stldr.h"

#define SE_ORIGIN_MAX_FOREIGN 8

typedef struct se_origin_lit {
    uint32_t value;   /* the literal */
    uint32_t at;      /* its link address */
    char owners[120]; /* "STM32F4/F7 RCC" */
} se_origin_lit;

typedef struct se_origin {
    se_build_attrs attrs;
    char core[128];     /* "v7E-M (Cortex-M4/M7), Tag_CPU_name cortex-m4" */
    bool core_mismatch; /* built for another architecture than the target family's core */
    /* literals naming peripheral registers the target does not have, one per block */
    unsigned nforeign; /* how many blocks in all (only the first SE_ORIGIN_MAX_FOREIGN kept) */
    se_origin_lit foreign[SE_ORIGIN_MAX_FOREIGN];
    unsigned nown;      /* distinct blocks of the target's own family among the literals */
    uint32_t link_base; /* lowest address of the downloaded segments (0: none) */
    char link_ram[160]; /* what RAM it is, said against the target */
    bool link_foreign;  /* not RAM of the target's family */
} se_origin;

/* Analyse l against family fam (NULL: the target's family is unknown: only the core and
 * the link address are described). */
void se_origin_analyse(const se_stldr *l, const se_family *fam, se_origin *out);

/* The lowest address of l's downloaded segments (0: none). */
uint32_t se_origin_link_base(const se_stldr *l);

/* How well l fits family fam, for --target auto: 0 when it cannot be it (another core, or
 * linked outside the family's RAM; a position-independent FLM's link address is not looked
 * at), else higher is better. why (len bytes) says what matched. */
int se_origin_score(const se_stldr *l, const se_family *fam, char *why, size_t len);

#endif
