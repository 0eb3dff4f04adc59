/* Reading a CubeProgrammer external loader (.stldr, ELF32 ARM little-endian) with libelf:
 * StorageInfo (found by symbol, read through its section's file bytes wherever it is),
 * entry points by symbol, loadable segments and a symbol table for symbol+offset.
 * Also the download plan: which bytes the host writes into target RAM, checked against a
 * RAM window. Nothing here executes code or knows about the CPU. */
#ifndef SE_STLDR_H
#define SE_STLDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define SE_STORAGEINFO_SIZE 200u
#define SE_STORAGEINFO_NAME_LEN 100u
#define SE_MAX_SECTOR_GROUPS 10u

/* DeviceType codes of Dev_Inf.h */
enum {
    SE_DEV_MCU_FLASH = 1,
    SE_DEV_NAND_FLASH = 2,
    SE_DEV_NOR_FLASH = 3,
    SE_DEV_SRAM = 4,
    SE_DEV_PSRAM = 5,
    SE_DEV_PC_CARD = 6,
    SE_DEV_SPI_FLASH = 7,
    SE_DEV_I2C_FLASH = 8,
    SE_DEV_SDRAM = 9,
    SE_DEV_I2C_EEPROM = 10,
};

typedef struct se_sector_group {
    uint32_t num;  /* SectorNum */
    uint32_t size; /* SectorSize */
} se_sector_group;

typedef struct se_storage_info {
    char name[SE_STORAGEINFO_NAME_LEN + 1];
    uint16_t type;
    uint32_t start;
    uint32_t size; /* the device's size as stldr-emu uses it: DeviceSize, or where the sectors
                    * end when they end before it (se_storage_policy) */
    uint32_t declared_size; /* DeviceSize as the file has it */
    uint64_t sectors_total; /* what the sector groups add up to */
    uint32_t page_size;
    uint8_t erase_value;
    se_sector_group sectors[SE_MAX_SECTOR_GROUPS];
    unsigned ngroups;     /* groups before the {0,0} terminator (or 10) */
    uint32_t symbol_addr; /* st_value of the StorageInfo symbol */
    char section[64];     /* name of the section holding it */
} se_storage_info;

/* An inconsistent StorageInfo (sectors not adding up to DeviceSize, as a published W25Q8
 * loader's 4096 x 4 KiB with DeviceSize 1 MiB) is read, not refused; the policy applied is:
 * the device ends at DeviceSize, or where the sectors end when that comes first (sectors
 * past the end are not used). Writes that policy, one line, into buf and returns true when
 * the StorageInfo is inconsistent; false (buf empty) when it is not. */
bool se_storage_policy(const se_storage_info *si, char *buf, size_t len);

typedef enum se_entry_id {
    SE_EP_INIT,
    SE_EP_WRITE,
    SE_EP_SECTOR_ERASE,
    SE_EP_MASS_ERASE,
    SE_EP_READ,
    SE_EP_VERIFY,
    SE_EP_CHECKSUM, /* symbol "Checksum" or "CheckSum" */
    SE_EP_DEINIT,
    SE_EP__COUNT
} se_entry_id;

/* Display name of an entry point ("Init", "SectorErase", ...). */
const char *se_entry_name(se_entry_id id);

/* What the file is, from its content (not its name): a CubeProgrammer loader (StorageInfo)
 * or a CMSIS-Pack flash algorithm (FlashDevice in DevDscr; loader/flm.h). */
typedef enum se_loader_kind {
    SE_LOADER_STLDR,
    SE_LOADER_FLM,
} se_loader_kind;

typedef struct se_segment {
    uint32_t vaddr;
    uint32_t paddr;
    uint32_t memsz;
    uint32_t filesz;
    uint32_t offset; /* file offset */
    uint32_t flags;  /* PF_R/PF_W/PF_X */
    bool metadata;   /* holds only StorageInfo: never downloaded */
} se_segment;

typedef struct se_symbol {
    const char *name;
    uint32_t addr; /* Thumb bit cleared for functions */
    uint32_t size;
    bool is_func;
} se_symbol;

typedef struct se_stldr se_stldr;

/* Open and validate a loader (.stldr or .FLM, told apart by content). Refuses, with the matching code and a one-line message:
 * not an ELF (SE_ERR_NOT_ELF), 64-bit (SE_ERR_ELF64), big-endian (SE_ERR_BIG_ENDIAN),
 * not EM_ARM (SE_ERR_NOT_ARM), headers/sections/segments/symbols pointing past the end of
 * the file (SE_ERR_TRUNCATED), sections whose file bytes overlap (SE_ERR_OVERLAP),
 * no StorageInfo symbol (SE_ERR_NO_STORAGEINFO), an inconsistent StorageInfo
 * (SE_ERR_BAD_STORAGEINFO), no Init or no Write (SE_ERR_NO_ENTRY). For an FLM: a
 * FlashDevice that does not fit DevDscr or whose fields or sector list do not describe the
 * device (SE_ERR_BAD_STORAGEINFO), a mandatory function missing (SE_ERR_NO_ENTRY). */
se_err se_stldr_open_file(const char *path, se_stldr **out, se_error *err);
/* The same, except that a loader whose StorageInfo is missing though it has Init and Write
 * (field failure mode 10: dropped by --gc-sections) is opened, with an all-zero storage named
 * "(no StorageInfo)" and se_stldr_storage_missing saying why: for info and lint, which show
 * and check everything else. */
se_err se_stldr_open_file_lenient(const char *path, se_stldr **out, se_error *err);
/* Why the loader has no StorageInfo (the refusal se_stldr_open_file gives), or NULL. */
const char *se_stldr_storage_missing(const se_stldr *l);
/* Same, from a buffer (copied; the caller may free buf afterwards). `label` names it in
 * messages. */
se_err se_stldr_open_mem(const void *buf, size_t len, const char *label, se_stldr **out,
                         se_error *err);
void se_stldr_free(se_stldr *l);

const char *se_stldr_path(const se_stldr *l);
se_loader_kind se_stldr_kind(const se_stldr *l);
/* The entry point's name in this file's convention: se_entry_name for a .stldr, the FLM
 * function (se_flm_entry_name) for an FLM. */
const char *se_stldr_entry_name(const se_stldr *l, se_entry_id id);
/* For an FLM, the storage description built from FlashDevice (name, DevType mapped to a
 * DeviceType, DevAdr, szDev, szPage, valEmpty, the sector list as groups). */
const se_storage_info *se_stldr_storage(const se_stldr *l);
/* Entry point address with the Thumb bit as in the symbol (bit 0 set for Thumb code).
 * Returns false if the loader does not export it. */
bool se_stldr_entry(const se_stldr *l, se_entry_id id, uint32_t *addr);
uint32_t se_stldr_elf_entry(const se_stldr *l); /* e_entry */

size_t se_stldr_nsegments(const se_stldr *l);
const se_segment *se_stldr_segment(const se_stldr *l, size_t i);
/* File bytes of segment i (filesz bytes). */
const uint8_t *se_stldr_segment_data(const se_stldr *l, size_t i);

/* Section headers, read-only, indexed as in the file (0 is the null section). `lma` is the
 * load address, from the PT_LOAD segment holding the section (by file offset, or by address
 * for NOBITS): p_paddr + the section's offset in that segment; `segment` is that segment's
 * index for se_stldr_segment, or -1 (then lma = addr). */
typedef struct se_section {
    const char *name; /* "" when unnamed */
    uint32_t type;    /* SHT_* */
    uint32_t flags;   /* SHF_* */
    uint32_t addr;    /* VMA (run address) */
    uint32_t size;
    uint32_t offset; /* file offset (meaningless for NOBITS) */
    uint32_t lma;
    int segment;
} se_section;

size_t se_stldr_nsections(const se_stldr *l);
const se_section *se_stldr_section(const se_stldr *l, size_t i);

/* Symbols (functions and objects with a non-zero address or size), sorted by address. */
size_t se_stldr_nsymbols(const se_stldr *l);
const se_symbol *se_stldr_symbol(const se_stldr *l, size_t i);
const se_symbol *se_stldr_find_symbol(const se_stldr *l, const char *name);
/* The function (else object) symbol containing addr (Thumb bit ignored), or NULL.
 * *offset = addr - symbol address. */
const se_symbol *se_stldr_symbolize(const se_stldr *l, uint32_t addr, uint32_t *offset);
/* Format "Name+0x1c" (or "0x20000120" when no symbol covers addr) into buf. */
const char *se_stldr_format_addr(const se_stldr *l, uint32_t addr, char *buf, size_t len);

/* The ARM EABI build attributes of the file (section .ARM.attributes, vendor "aeabi"): the
 * architecture and core its code was compiled for. GCC, Clang and armcc/armclang write them;
 * IAR does not, so `present` may be false for a good loader. */
typedef struct se_build_attrs {
    bool present;      /* a readable "aeabi" subsection was found */
    bool has_arch;     /* Tag_CPU_arch (6) given */
    unsigned cpu_arch; /* Tag_CPU_arch: 13 = v7E-M, 17 = v8-M.main (emu/family.h) */
    char profile;      /* Tag_CPU_arch_profile (7): 'M', 'A', 'R', or 0 */
    char cpu_name[40]; /* Tag_CPU_name (5), e.g. "cortex-m7", or "" */
    unsigned fp_arch;  /* Tag_FP_arch (10), 0 = no FP */
} se_build_attrs;
/* Decode the build attributes of l into out (zeroed when the file has none). */
void se_stldr_build_attrs(const se_stldr *l, se_build_attrs *out);

/* ---- Download plan ------------------------------------------------------------------ */

typedef struct se_ram_window {
    uint32_t bkpt_addr;      /* the host's BKPT word (first word of the window) */
    uint32_t load_base;      /* where the host downloads the image (bkpt_addr + 4) */
    uint32_t end;            /* exclusive end of RAM usable for the image */
    uint32_t download_limit; /* largest image the host downloads; 0 = the window decides */
    uint32_t observed_limit; /* a size seen to work (TrustZone on, docs/protocol.md 2.8): over
                              * it a warning, not an error even when strict; 0 = none */
} se_ram_window;

typedef enum se_place {
    SE_PLACE_LINK,    /* download each segment at its linked address */
    SE_PLACE_PROFILE, /* copy the image so that its lowest address is window.load_base */
} se_place;

#define SE_PLAN_MAX_WARNINGS 8

typedef struct se_image {
    uint32_t link_base; /* lowest vaddr of the downloaded segments */
    uint32_t base;      /* address the image is written to in target RAM */
    int64_t delta;      /* base - link_base: added to every link address (entries too) */
    uint32_t size;      /* bytes the host transfers: from base to the end of the last
                             segment's file bytes (gaps filled with 0) */
    uint32_t mem_end;   /* end address of the image including .bss (memsz), relocated */
    /* The image's own stack reservation, relocated: a NOBITS section at its top that reserves
     * heap and stack and holds no data (ST's CubeIDE/GCC template: ._user_heap_stack).
     * reserve_lo == reserve_hi (== mem_end) when there is none. An SP inside it is the stack
     * the loader was linked for, not an overflow into .bss. */
    uint32_t reserve_lo, reserve_hi;
    const char *reserve_name; /* its section name, or NULL */
    uint8_t *bytes;           /* size bytes, owned by the image */
    /* The profile's download limit the image is over (0: within it). Policy (docs/protocol.md
     * 2.8, field failure mode 5): the host does not download such an image and still runs
     * Init with SP = 0, and so does the run (loader/host.c); --strict refuses it here. */
    uint32_t over_limit;
    unsigned nwarnings;
    char warnings[SE_PLAN_MAX_WARNINGS][256];
} se_image;

/* Build the image the host downloads: the PT_LOAD segments with file bytes, other than
 * StorageInfo's metadata segment. Refuses (SE_ERR_COVERS_BKPT) a segment that covers the
 * breakpoint word, (SE_ERR_OUTSIDE_RAM) one that lies outside or leaves
 * [bkpt_addr, end), (SE_ERR_OVERLAP) two downloaded segments that overlap, and
 * (SE_ERR_TOO_LARGE) an image over download_limit when strict is set (a warning
 * otherwise). Other findings (link base differs from load_base, .bss not in the file,
 * segments not downloaded) are added as warnings. Checks apply to relocated addresses. */
se_err se_stldr_plan(const se_stldr *l, const se_ram_window *win, se_place place, bool strict,
                     se_image *out, se_error *err);
void se_image_free(se_image *img);

#endif
