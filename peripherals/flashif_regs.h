/* FLASHIF register offsets and fields, shared by the model (peripherals/flashif.c) and its
 * tests. Sources as cited at each group. */
#ifndef SE_FLASHIF_REGS_H
#define SE_FLASHIF_REGS_H

/* Register offsets (RM0438 FLASH map; ST SVD, docs/hardware.md S6). On the L5 the KEYR/SR/CR of
 * older parts are split into non-secure (NS*) and secure (SEC*) copies. */
enum {
    FLASH_ACR = 0x00,
    FLASH_PDKEYR = 0x04,
    FLASH_NSKEYR = 0x08,
    FLASH_SECKEYR = 0x0C,
    FLASH_OPTKEYR = 0x10,
    FLASH_LVEKEYR = 0x14,
    FLASH_NSSR = 0x20,
    FLASH_SECSR = 0x24,
    FLASH_NSCR = 0x28,
    FLASH_SECCR = 0x2C,
    FLASH_ECCR = 0x30,
    FLASH_OPTR = 0x40,
    FLASH_NSBOOTADD0R = 0x44,
    FLASH_NSBOOTADD1R = 0x48,
    FLASH_SECBOOTADD0R = 0x4C,
    FLASH_SECWM1R1 = 0x50,
    FLASH_SECWM1R2 = 0x54,
    FLASH_WRP1AR = 0x58,
    FLASH_WRP1BR = 0x5C,
    FLASH_SECWM2R1 = 0x60,
    FLASH_SECWM2R2 = 0x64,
    FLASH_WRP2AR = 0x68,
    FLASH_WRP2BR = 0x6C,
    FLASH_SECBB1R1 = 0x80,
    FLASH_SECBB1R4 = 0x8C,
    FLASH_SECBB2R1 = 0xA0,
    FLASH_SECBB2R4 = 0xAC,
    FLASH_SECHDPCR = 0xC0,
    FLASH_PRIVCFGR = 0xC4,
};

/* RM0438 unlock keys */
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_OPTKEY1 0x08192A3Bu
#define FLASH_OPTKEY2 0x4C5D6E7Fu

#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_PER (1u << 1)
#define FLASH_CR_MER1 (1u << 2)
#define FLASH_CR_MER2 (1u << 15)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_NSCR_OPTSTRT (1u << 17)
#define FLASH_NSCR_OBL_LAUNCH (1u << 27)
#define FLASH_NSCR_OPTLOCK (1u << 30)
#define FLASH_CR_LOCK (1u << 31)
#define FLASH_SR_W1C \
    0x0000A0FBu /* EOP, OPERR, PROGERR, WRPERR, PGAERR, SIZERR, PGSERR, OPTWERR, OPTVERR */
#define FLASH_SECSR_W1C 0x000040FBu
#define FLASH_OPTR_TZEN (1u << 31)
#define FLASH_OPTR_DBANK (1u << 22)

/* What an unprogrammed-by-the-user DK reads in OPTR [infer: the factory option bytes]: RDP
 * level 0 (0xAA), BOR level 0, the nRST_x, IWDG_x, WWDG_SW bits 1, DBANK = 1 (docs/hardware.md
 * C.7), SRAM2 parity off and no reset erase, nSWBOOT0 = nBOOT0 = 1 (boot from flash),
 * PA15_PUPEN = 1. TZEN is the board's (docs/hardware.md C.6). The SVD's reset value 0 only means
 * "loaded from the option bytes". */
#define FLASH_OPTR_FACTORY 0x1F4F70AAu

/* Reset values from the SVD (docs/hardware.md S6) except the option registers: NSBOOTADD0R points
 * to user flash and NSBOOTADD1R to the system bootloader, SECBOOTADD0R to the secure flash
 * alias (docs/hardware.md C.6, [unverified], D.9); the SVD's 0xF is a placeholder. The reserved
 * bits of the watermark registers keep the SVD's ones. */

#endif
