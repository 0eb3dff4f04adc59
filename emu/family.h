/* STM32 families as facts: where each one has RAM and its peripheral blocks, and which core
 * it carries (the ARM build attribute Tag_CPU_arch its code is compiled for). The boards use
 * their own family's table to say whether an address exists on the target at all; a loader
 * built for another chip is recognised by the other families' tables (`info`, `lint`, the
 * run-time messages, `--target auto`). Sources: the ST CMSIS device headers
 * (stm32l562xx.h, stm32h7b3xx.h, stm32u585xx.h, stm32u5a9xx.h, stm32h573xx.h, stm32f469xx.h,
 * stm32f750xx.h, stm32l496xx.h) and docs/hardware.md C.1. The tables list the blocks loaders touch, not
 * every block of every part: an address missing from a foreign table is only "unknown". */
#ifndef SE_FAMILY_H
#define SE_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tag_CPU_arch values of the ARM EABI build attributes (ARM IHI 0045). */
enum {
    SE_ARCH_V6M = 11,
    SE_ARCH_V7 = 10, /* v7-M code built for "armv7" (Cortex-M3) */
    SE_ARCH_V7EM = 13,
    SE_ARCH_V8M_BASE = 16,
    SE_ARCH_V8M_MAIN = 17,
    SE_ARCH_V81M_MAIN = 21,
};

typedef struct se_block {
    uint32_t base, size;
    const char *name; /* "RCC", "AXI SRAM" */
} se_block;

typedef struct se_family {
    const char *name;       /* "STM32F4/F7", as messages name it */
    const char *prefix;     /* MCU names it covers start so ("STM32F4") */
    const char *alt_prefix; /* a second MCU prefix it covers ("STM32F7"), or NULL */
    const char *core;       /* "Cortex-M33" */
    unsigned arch;          /* SE_ARCH_* its code is built for */
    uint32_t secure_offset; /* TrustZone: secure alias = NS + this (0: none) */
    const se_block *ram;    /* RAM regions (non-secure alias) */
    size_t nram;
    const se_block *periph; /* peripheral register blocks (non-secure alias) */
    size_t nperiph;
    bool complete; /* periph lists every block of the reference manual's map: an address
                      outside it does not exist on the family (else only "not listed") */
} se_family;

/* Every family the tool knows, NULL-terminated. */
const se_family *const *se_families(void);
/* The family whose prefix (or alt_prefix) starts mcu ("STM32L562QEI6Q" -> STM32L5), or NULL. */
const se_family *se_family_of_mcu(const char *mcu);
/* The peripheral block of f holding addr (either alias), or NULL. */
const se_block *se_family_periph(const se_family *f, uint32_t addr);
/* The RAM region of f holding addr (either alias), or NULL. */
const se_block *se_family_ram(const se_family *f, uint32_t addr);
/* "STM32F4/F7 RCC, STM32L4 ..." : the blocks other families than self have at addr, into buf
 * (empty when none). Returns how many were named. */
size_t se_family_foreign_periph(const se_family *self, uint32_t addr, char *buf, size_t len);
/* Same for RAM ("STM32H7 AXI SRAM"). */
size_t se_family_foreign_ram(const se_family *self, uint32_t addr, char *buf, size_t len);
/* "v7E-M", "v8-M.main", ... for a Tag_CPU_arch value ("?" when unknown). */
const char *se_arch_name(unsigned arch);
/* The cores built for arch ("Cortex-M4/M7"), or NULL. */
const char *se_arch_cores(unsigned arch);

#endif
