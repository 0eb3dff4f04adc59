/* CMSIS-Pack flash algorithms (.FLM): the FlashDevice structure (section DevDscr), the
 * PrgCode/PrgData sections, position independence (armlink's PI/SB segment flags, code that
 * addresses its data through R9). The file is read by the same code as a .stldr
 * (loader/stldr.h): which one it is comes from its content, never from its name.
 * Facts: ../shared/docs/peers-and-unicorn.md 2.2 and 4 (docs/flm.md). */
#ifndef SE_FLM_H
#define SE_FLM_H

#include <stdbool.h>
#include <stdint.h>

#include "loader/stldr.h"

#define SE_FLM_DEVICE_FIXED 160u /* FlashDevice up to the sector list */
#define SE_FLM_NAME_LEN 128u
#define SE_FLM_MAX_SECTORS 512u /* {size, addr} pairs read before the 0xFFFFFFFF end */

/* FlashOS.h DevType values */
enum {
    SE_FLM_UNKNOWN = 0,
    SE_FLM_ONCHIP = 1,
    SE_FLM_EXT8BIT = 2,
    SE_FLM_EXT16BIT = 3,
    SE_FLM_EXT32BIT = 4,
    SE_FLM_EXTSPI = 5,
};

/* ELF for the Arm Architecture: segment flags armlink sets on ROPI/RWPI images. */
#define SE_PF_ARM_SB 0x10000000u /* the segment holds the static base (R9) */
#define SE_PF_ARM_PI 0x20000000u /* position-independent */
#define SE_PF_ARM_ABS 0x40000000u

typedef struct se_flm_sector {
    uint32_t size; /* szSector */
    uint32_t addr; /* AddrSector: offset from DevAdr */
} se_flm_sector;

typedef struct se_flash_device {
    uint16_t vers;
    char name[SE_FLM_NAME_LEN + 1];
    uint16_t type;
    uint32_t adr;               /* DevAdr */
    uint32_t size;              /* szDev */
    uint32_t page;              /* szPage */
    uint32_t res;               /* Res */
    uint8_t empty;              /* valEmpty */
    uint32_t to_prog, to_erase; /* ms */
    se_flm_sector sectors[SE_FLM_MAX_SECTORS];
    unsigned nsectors;
    uint32_t symbol_addr; /* where FlashDevice is linked */
    char section[64];     /* the section holding it ("DevDscr") */
    bool by_section;      /* no FlashDevice symbol: read from the start of DevDscr */
} se_flash_device;

typedef struct se_flm_info {
    se_flash_device dev;
    bool has_code, has_data;       /* PrgCode / PrgData sections */
    uint32_t code_addr, code_size; /* link address and size of PrgCode */
    uint32_t data_addr, data_size; /* PrgData: PROGBITS and NOBITS parts together */
    uint32_t data_filesz;          /* PrgData's initialised (PROGBITS) bytes */
    bool pi;                       /* a downloaded segment has PF_ARM_PI */
    bool sb;                       /* a downloaded segment has PF_ARM_SB */
    bool absolute;                 /* the code is linked at a non-zero address */
    bool devdscr_exec;             /* DevDscr is flagged executable (armclang does it) */
    unsigned r9_uses;              /* instructions of PrgCode that name R9 */
    unsigned r9_writes;            /* ... that write it */
    char extra_sections[160];      /* allocated sections other than PrgCode/PrgData/DevDscr */
} se_flm_info;

/* The FLM's facts, or NULL for a .stldr. */
const se_flm_info *se_stldr_flm(const se_stldr *l);

/* The FLM function name of an entry slot: Init, ProgramPage (Write), EraseSector
 * (SectorErase), EraseChip (MassErase), ReadFlash (Read, probe-rs's addition), Verify,
 * BlankCheck (CheckSum), UnInit (DeInit). */
const char *se_flm_entry_name(se_entry_id id);
/* Init, UnInit, EraseSector, ProgramPage are mandatory (CMSIS Pack flash algorithm). */
bool se_flm_entry_required(se_entry_id id);

/* DevType as text: "On-chip", "External 8-bit", ..., "External SPI", or "unknown". */
const char *se_flm_type_name(uint16_t type);

/* The static base the host sets in R9, as a link address: PrgData's start, or, without a
 * PrgData section, the end of PrgCode rounded up to 4. */
uint32_t se_flm_static_base(const se_flm_info *f);

#endif
