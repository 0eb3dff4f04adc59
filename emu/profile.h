/* Target profiles: everything about a chip and board that the machine and the host
 * protocol depend on (memory map, breakpoint and download addresses, limits, reset clock).
 * Built-in: stm32l562e-dk with TrustZone off and on. */
#ifndef SE_PROFILE_H
#define SE_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct se_region {
    uint32_t base;
    uint32_t size;
} se_region;

typedef struct se_profile {
    const char *target;       /* "stm32l562e-dk" */
    const char *description;
    bool tz;                  /* TZEN option bit */
    se_region sram;           /* SRAM1+SRAM2, non-secure alias */
    uint32_t sram_alias;      /* secure alias of the same bytes */
    se_region iflash;         /* internal flash, non-secure alias */
    uint32_t iflash_alias;
    se_region periph;         /* peripheral space (non-secure alias) */
    uint32_t periph_alias;
    se_region ext_window;     /* OCTOSPI memory-mapped window */
    /* Host protocol */
    uint32_t bkpt_addr;       /* first word of the host's RAM window: the BKPT word */
    uint32_t load_base;       /* where the image is downloaded (bkpt_addr + 4) */
    uint32_t ram_end;         /* exclusive end of the host's RAM window */
    uint32_t download_limit;  /* largest image the host was seen to download; 0 = none */
    uint32_t stack_gap;       /* SP = bkpt_addr + image size + stack_gap */
    /* Core state the application leaves behind */
    uint32_t reset_core_hz;   /* core clock before the loader touches RCC */
    uint32_t vtor;            /* VTOR left by the application / boot */
    bool secure;              /* the loader runs in Secure state */
} se_profile;

/* Find a built-in profile; NULL if the target is unknown. */
const se_profile *se_profile_find(const char *target, bool tz);
/* Names of the built-in targets, NULL-terminated. */
const char *const *se_profile_targets(void);

#endif
