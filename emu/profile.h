/* Target profiles: everything about a chip and board that the machine and the host
 * protocol depend on (memory map, breakpoint and download addresses, limits, reset clock).
 * The built-in profiles are the boards' (emu/board.h). */
#ifndef SE_PROFILE_H
#define SE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/parse.h" /* se_parse_u32 and friends, used with profiles */

typedef struct se_region {
    uint32_t base;
    uint32_t size;
} se_region;

typedef struct se_range {
    uint32_t start, end; /* [start, end) */
} se_range;

/* RAM beside the loader's (ITCM, DTCM, ...): plain read-write memory, no alias. */
#define SE_PROFILE_MAX_RAM 4
typedef struct se_ram_region {
    uint32_t base, size;
    const char *name; /* "ITCM" */
} se_ram_region;

typedef struct se_profile_sau {
    uint32_t base, limit; /* limit inclusive */
    bool nsc;
} se_profile_sau;

struct se_board;

typedef struct se_profile {
    const char *target;           /* "stm32l562e-dk" */
    const struct se_board *board; /* the board it runs on (emu/board.h) */
    const char *description;
    bool tz;               /* TZEN option bit */
    se_region sram;        /* SRAM1+SRAM2, non-secure alias */
    uint32_t sram_alias;   /* secure alias of the same bytes (sram.base: none) */
    se_region iflash;      /* internal flash, non-secure alias */
    uint32_t iflash_alias; /* (iflash.base: none) */
    /* Further RAM the SoC has (zero size ends the list): mapped read-write, filled as SRAM is
     * at power-on. The host's window is always in sram. */
    se_ram_region more_ram[SE_PROFILE_MAX_RAM];
    se_region periph; /* peripheral space (non-secure alias) */
    uint32_t periph_alias;
    se_region ext_window; /* OCTOSPI memory-mapped window */
    /* Host protocol */
    uint32_t bkpt_addr;      /* first word of the host's RAM window: the BKPT word */
    uint32_t load_base;      /* where the image is downloaded (bkpt_addr + 4) */
    uint32_t ram_end;        /* exclusive end of the host's RAM window */
    uint32_t download_limit; /* a hard limit on the image (profile files); 0 = what the RAM
                              * window allows, load_base..ram_end (the built-in profiles) */
    uint32_t observed_limit; /* the image size a field report saw work (0x1000, TrustZone on,
                              * docs/protocol.md 2.8): over it is a warning, never a refusal,
                              * not even with --strict; 0 = none */
    uint32_t stack_gap;      /* SP = bkpt_addr + image size + stack_gap */
    /* Core state the application leaves behind */
    uint32_t reset_core_hz; /* core clock before the loader touches RCC */
    uint32_t vtor;          /* VTOR left by the application / boot */
    bool secure;            /* the loader runs in Secure state */
    uint32_t vtor_s;        /* TZEN=1, Non-secure loader: VTOR_S, the Secure image's vector
                             * table; 0 = the secure alias of the internal flash's start */
    bool bfhfnmins;         /* AIRCR.BFHFNMINS the Secure image left (reset: 0) */
    /* ---- TrustZone set-up the application leaves behind (used when tz) ---- */
    unsigned nsau; /* SAU regions preset (SAU_CTRL.ENABLE=1); 0 = SAU at reset */
    se_profile_sau sau[8];
    unsigned nmpcbb_ns; /* SRAM ranges the MPCBBs make non-secure (else all secure) */
    se_range mpcbb_ns[8];
    unsigned nmpcwm_ns; /* external-memory non-secure windows (else all secure) */
    se_range mpcwm_ns[4];
    /* Policies for open questions docs/hardware.md D.2 and D.1: */
    bool gtzc_buserr;           /* GTZC-denied data accesses also bus-fault */
    bool alias_illegal;         /* Secure transaction to an NS alias is illegal */
    const char *internal_flash; /* internal flash image the profile names, or NULL */
    /* The host's base follows the ELF: when the loader's link address lies in sram (and the
     * window up to ram_end), BKPT and download base move to it (se_profile_follow_link). */
    bool base_follows_link;
    /* The external flash part (se_flash_chip_find name) in place of the board's own, or NULL
     * (profile key flash_chip=). */
    const char *flash_chip;
} se_profile;

/* The TrustZone variants of the built-in target: "off" (TZEN=0), "on" (TZEN=1 with ST's
 * template partition, loader Non-secure at 0x20018004) and "secure" (TZEN=1 reset state,
 * loader Secure, SAU off: everything Secure). NULL if unknown. */
const se_profile *se_profile_find_tz(const char *target, const char *mode);
/* Read a profile FILE (key=value lines, '#' comments; docs/trustzone.md "Profile files"). The
 * result lives in static storage until the next call. NULL with a message in err on error. */
const se_profile *se_profile_load(const char *path, char *err, size_t errlen);

/* p with its BKPT and download base at link_base - 4 / link_base when p->base_follows_link and
 * link_base is a word in p's SRAM below ram_end other than p->load_base (a copy in static
 * storage); else p. */
const se_profile *se_profile_follow_link(const se_profile *p, uint32_t link_base);

/* Find a built-in profile; NULL if the target is unknown. */
const se_profile *se_profile_find(const char *target, bool tz);

#endif
