/* Serial (quad) NOR flash chips of the Winbond W25Q, Micron N25Q/MT25Q and Macronix MX25R/MX25L
 * families as one model driven by one constant row per part (peripherals/spinor_parts.c): JEDEC
 * ID, geometry, erase units and opcodes, status/configuration/flag registers and where QE, WIP
 * and WEL live, 3/4-byte addressing (EN4B/EX4B, 4-byte opcodes, extended address register),
 * 1-1-1 / 1-1-2 / 1-2-2 / 1-1-4 / 1-4-4 reads and programs with their dummy cycles, QPI (4-4-4)
 * where the part has it, reset, SFDP, typical busy times, NOR bit rules and page wrap.
 * Not modelled: DTR commands, OTP/security areas, block locks, suspend/resume (recognised,
 * warned), continuous-read (XIP) modes, persistence of non-volatile registers across runs. */
#ifndef SE_SPINOR_H
#define SE_SPINOR_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/flash_image.h"
#include "peripherals/flashbus.h"
#include "peripherals/periph.h"

/* Register families: which status/configuration registers a part has (docs/modelled.md). */
typedef enum se_spinor_vendor {
    SE_SPINOR_WINBOND,  /* SR1 0x05/0x01, SR2 0x35/0x31 (QE b1), SR3 0x15/0x11 (ADS b0) */
    SE_SPINOR_MACRONIX, /* SR 0x05/0x01 (QE b6), CR 0x15 (1 or 2 bytes, written by 0x01) */
    SE_SPINOR_MICRON,   /* SR 0x05/0x01, FSR 0x70/0x50, VCR 0x85/0x81, NVCR 0xB5/0xB1, EVCR */
} se_spinor_vendor;

/* Part capabilities (se_spinor_part.caps). */
#define SE_SPINOR_CAP_4B 0x01u           /* > 16 MiB: EN4B/EX4B, 4-byte opcodes, EAR */
#define SE_SPINOR_CAP_32K 0x02u          /* 32 KiB erase 0x52 */
#define SE_SPINOR_CAP_PP_114 0x04u       /* 0x32 quad input page program (1-1-4) */
#define SE_SPINOR_CAP_PP_144 0x08u       /* 0x38 quad page program (1-4-4) */
#define SE_SPINOR_CAP_QPI 0x10u          /* 4-4-4 mode entered by 0x35, left by 0xF5 */
#define SE_SPINOR_CAP_CR2 0x20u          /* Macronix: CR has two bytes (MX25R L/H switch) */
#define SE_SPINOR_CAP_SECR 0x40u         /* Macronix security register 0x2B (P_FAIL, E_FAIL) */
#define SE_SPINOR_CAP_READ_122_144 0x80u /* 0xBB (1-2-2) and 0xEB (1-4-4) fast reads */

/* Dummy cycles of the fast reads, counting the mode (alternate) byte's cycles, per opcode. */
typedef struct se_spinor_dummy {
    uint8_t fast; /* 0x0B 1-1-1 */
    uint8_t d112; /* 0x3B 1-1-2 */
    uint8_t d122; /* 0xBB 1-2-2 (mode byte included) */
    uint8_t d114; /* 0x6B 1-1-4 */
    uint8_t d144; /* 0xEB 1-4-4 (mode byte included) */
    uint8_t qpi;  /* 0x0B/0x6B/0xEB in QPI (4-4-4) */
} se_spinor_dummy;

/* Typical busy times in nanoseconds (WIP held that long in virtual time). */
typedef struct se_spinor_times {
    uint64_t page, e4k, e32k, e64k, chip, wrsr;
} se_spinor_times;

/* One part: a constant row of the table (the shape of QEMU's m25p80 known_devices[]). */
typedef struct se_spinor_part {
    const char *name; /* "W25Q256JV" */
    uint8_t id[6];    /* RDID 0x9F answer, id_len bytes, then 0x00 */
    uint8_t id_len;
    uint8_t rems;  /* device ID of 0x90 / 0xAB */
    uint32_t size; /* bytes */
    uint32_t page; /* page-program buffer (wrap size) */
    se_spinor_vendor vendor;
    uint32_t caps;         /* SE_SPINOR_CAP_* */
    uint8_t qe_bit;        /* QE: SR bit (Macronix) or SR2 bit (Winbond); unused for Micron */
    se_spinor_dummy dummy; /* default dummy cycles */
    se_spinor_times t;
    const char
        *source; /* where the row's facts come from (docs/serial-nor.md sections and source tags) */
} se_spinor_part;

/* Status register bits common to every family. */
#define SE_SPINOR_SR_WIP 0x01u
#define SE_SPINOR_SR_WEL 0x02u
/* Micron flag status register */
#define SE_SPINOR_FSR_ADDR4 0x01u
#define SE_SPINOR_FSR_READY 0x80u
/* Macronix security register */
#define SE_SPINOR_SECR_P_FAIL 0x20u
#define SE_SPINOR_SECR_E_FAIL 0x40u

typedef enum se_spinor_op {
    SE_SPINOR_OP_NONE,
    SE_SPINOR_OP_PROGRAM,
    SE_SPINOR_OP_ERASE,
    SE_SPINOR_OP_ERASE_CHIP,
    SE_SPINOR_OP_WRITE_REG,
} se_spinor_op;

/* Every warning is counted by kind and logged (SE_LOG_WARN) through the host. */
typedef struct se_spinor_counters {
    uint64_t frames, warnings;
    uint64_t unerased_program, unerased_bytes; /* program tried a 0 -> 1 bit change */
    uint64_t no_wel;          /* program/erase/register write with WEL=0: ignored */
    uint64_t read_while_busy; /* array read while WIP=1: answered 0xFF */
    uint64_t cmd_while_busy;  /* other command while WIP=1: ignored */
    uint64_t unknown_command; /* opcode this part does not have (in this mode): ignored */
    uint64_t wrong_mode;      /* frame shape does not fit the mode (QPI vs SPI, DTR): ignored */
    uint64_t quad_disabled;   /* quad command with QE=0: ignored */
    uint64_t wrong_dummy;     /* dummy (+ mode) cycles differ from what the command needs */
    uint64_t bad_frame;       /* phases do not fit the command: ignored */
    uint64_t bad_sequence;    /* RST without RSTEN */
    uint64_t deep_power_down; /* command other than release sent in deep power-down */
    uint64_t not_modelled;    /* recognised command whose effect is not modelled */
} se_spinor_counters;

typedef struct se_spinor {
    /* Configuration, kept across reset. */
    const se_spinor_part *part;
    const se_periph_host *host;
    se_flash_image *img;
    bool log_commands;
    unsigned warn_log_limit;

    bool qpi;      /* 4-4-4 mode */
    bool addr4;    /* 4-byte address mode (EN4B; W25Q256 SR3.ADS, Micron FSR b0) */
    uint8_t sr;    /* SR / SR1 */
    uint8_t sr2;   /* Winbond SR2 */
    uint8_t sr3;   /* Winbond SR3 */
    uint8_t cr[2]; /* Macronix CR1, CR2 */
    uint8_t secr;  /* Macronix security register */
    uint8_t fsr;   /* Micron flag status (READY derived) */
    uint8_t vcr;   /* Micron volatile configuration */
    uint8_t evcr;  /* Micron enhanced volatile configuration */
    uint16_t nvcr; /* Micron non-volatile configuration */
    uint8_t ear;   /* extended address register (3-byte mode, parts over 16 MiB) */
    bool rsten;
    bool deep_power_down;
    bool volatile_sr_we; /* Winbond 0x50: the next SR write is volatile (no WEL needed) */
    se_spinor_op busy_op;
    uint64_t busy_until_ns;
    se_spinor_counters counters; /* not cleared by reset */
} se_spinor;

/* A chip of part over img (exactly part->size bytes; NULL otherwise or out of memory) at
 * power-on reset. host may be NULL. Neither is owned. */
se_spinor *se_spinor_new(const se_spinor_part *part, const se_periph_host *host,
                         se_flash_image *img);
void se_spinor_free(se_spinor *s);
/* Power-on reset: SPI 1-1-1, 3-byte addressing (Micron NVCR/W25Q256 ADP may say 4),
 * volatile registers at their defaults, nothing running. */
void se_spinor_reset(se_spinor *s);
void se_spinor_transfer(se_spinor *s, se_flash_frame *f, uint64_t now_ns);
bool se_spinor_reads_array(se_spinor *s, const se_flash_frame *f, uint64_t now_ns);
uint64_t se_spinor_busy_until(const se_spinor *s);
/* Dummy cycles (mode byte included) the read opcode op needs now; -1 if op is no read. */
int se_spinor_read_dummy(const se_spinor *s, uint8_t op);

/* How a byte-stream controller (SPI) frames the command op now (flashbus.h); false when the
 * part has no such 1-line command in its current mode. */
bool se_spinor_stream_shape(const se_spinor *s, uint8_t op, se_flash_stream_shape *out);

extern const se_flash_chip_ops se_spinor_ops;

/* ---- the parts table (peripherals/spinor_parts.c) ---- */

/* Every part, NULL-terminated; and by name (case-insensitive), NULL if unknown. */
const se_spinor_part *const *se_spinor_parts(void);
const se_spinor_part *se_spinor_part_find(const char *name);
/* The board-facing class of a part (one per row). */
const se_flash_chip_class *se_spinor_class(const se_spinor_part *part);
/* Any flash part a board can carry, by name: the MX25LM51245G or a row of the table. */
const se_flash_chip_class *se_flash_chip_find(const char *name);

#endif
