/* TrustZone attribution for the STM32L562: the IDAU (secure aliases), the SAU of the SCS model,
 * their combination, then the GTZC (MPCBB per 256-byte SRAM block, MPCWM watermarks for the
 * external memories, TZSC per-peripheral bits, TZIC flags) and the outcome of one access.
 * Pure functions over plain state; no Unicorn. Not modelled: privilege (PRIVCFGR, MPU), the
 * internal flash watermarks (FLASH_SECWM), the per-bit security of TZ-aware devices. */
#ifndef SE_TZ_H
#define SE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/scs.h"

/* SFSR bits (docs/hardware.md C.3; CMSIS core_cm33.h) */
#define SE_SFSR_INVEP (1u << 0)
#define SE_SFSR_INVIS (1u << 1)
#define SE_SFSR_INVER (1u << 2)
#define SE_SFSR_AUVIOL (1u << 3)
#define SE_SFSR_INVTRAN (1u << 4)
#define SE_SFSR_LSPERR (1u << 5)
#define SE_SFSR_SFARVALID (1u << 6)
#define SE_SFSR_LSERR (1u << 7)
/* CFSR.IMPRECISERR: scs.h names the other BusFault bits */
#define SE_TZ_CFSR_IMPRECISERR (1u << 10)

#define SE_TZ_GTZC_IRQ 8u           /* GTZC_IRQn (docs/hardware.md C.5) */
#define SE_TZ_SG_OPCODE 0xE97FE97Fu /* SG: both halfwords 0xE97F, read as one little-endian word */

/* ---- attribution ---------------------------------------------------------------------- */

/* se_tz_sau's region result when no single region decides */
enum {
    SE_TZ_SAU_NONE = -1,    /* SAU enabled, no enabled region contains the address: Secure */
    SE_TZ_SAU_OVERLAP = -2, /* two or more regions contain it: Secure, not NSC */
    SE_TZ_SAU_OFF = -3,     /* SAU_CTRL.ENABLE = 0: ALLNS decides */
};

/* STM32L5 IDAU (docs/hardware.md C.2): true = Secure, for the secure aliases
 * 0x0C00_0000-0x0FFF_FFFF, 0x3xxx_xxxx and 0x5xxx_xxxx. *exempt for 0xE000_0000 and up; *nsc
 * for the secure aliases (they are NSC-capable: an SAU NSC or NS region over them gives NSC). */
bool se_tz_idau(uint32_t addr, bool *exempt, bool *nsc);

/* SAU lookup (Armv8-M SecurityCheck, SAU part): true = Secure or NSC. *region is the region
 * number or an SE_TZ_SAU_* value; *nsc for an NSC region. Either pointer may be NULL. */
bool se_tz_sau(const se_scs *scs, uint32_t addr, int *region, bool *nsc);

typedef struct se_tz_attr {
    bool secure;      /* S or NSC: a Non-secure access faults */
    bool nsc;         /* Secure, non-secure callable */
    int sau_region;   /* region or SE_TZ_SAU_* */
    bool sau_secure;  /* the SAU's own answer */
    bool idau_secure; /* the IDAU's own answer */
    bool idau_nsc;
    bool exempt; /* PPB/system range: the access takes the CPU's state */
} se_tz_attr;

/* The combined attribute as the core sees it in state cpu_secure: the more secure of the SAU
 * and IDAU answers wins (S > NSC > NS); exempt ranges follow the CPU. */
se_tz_attr se_tz_attribute(const se_scs *scs, uint32_t addr, bool cpu_secure);

/* ---- GTZC state ----------------------------------------------------------------------- */

#define SE_TZ_GTZC_TZSC 0x40032400u
#define SE_TZ_GTZC_TZIC 0x40032800u
#define SE_TZ_GTZC_MPCBB1 0x40032C00u
#define SE_TZ_GTZC_MPCBB2 0x40033000u
#define SE_TZ_MPCBB_NVCTR 64u        /* as the SVD; SRAM1 uses VCTR0..23, SRAM2 VCTR0..7 */
#define SE_TZ_MPCWM_GRANULE 0x20000u /* 128 KB */

typedef struct se_tz_mpcbb {
    uint32_t cr;                      /* LCK b0, INVSECSTATE b30, SRWILADIS b31 */
    uint32_t lckvtr[2];               /* one lock bit per VCTR (super-block of 32 blocks) */
    uint32_t vctr[SE_TZ_MPCBB_NVCTR]; /* one bit per 256-byte block, 1 = secure */
} se_tz_mpcbb;

/* The GTZC registers the checks read. Offsets are those of the TZSC, TZIC and MPCBB blocks. */
typedef struct se_tz_gtzc {
    uint32_t tzsc_cr;     /* LCK b0 */
    uint32_t seccfgr[2];  /* SECCFGR1/2: 1 = secure peripheral */
    uint32_t privcfgr[2]; /* stored, not enforced */
    uint32_t mpcwm[5];    /* MPCWM1_NSWMR1/2, MPCWM2_NSWMR1/2, MPCWM3_NSWMR1 */
    uint32_t tzic_ier[3];
    uint32_t tzic_sr[3];
    se_tz_mpcbb mpcbb[2]; /* [0] SRAM1, [1] SRAM2 */
} se_tz_gtzc;

/* Reset values (docs/hardware.md C.5, C.6; SVD): TZSC and TZIC 0 (all peripherals non-secure, no
 * MPCWM window, so the external memories are wholly secure), every VCTR 0xFFFF_FFFF (all SRAM
 * secure). tzen is kept for the TZEN=0 reset, which the SVD gives the same values. */
void se_tz_gtzc_reset(se_tz_gtzc *g, bool tzen);

/* Register access by absolute address (either alias), 32-bit. Writes apply the write masks
 * and the locks (TZSC CR.LCK; MPCBB CR.LCK and LCKVTRx); TZIC FCRx clears SRx. Whether the
 * writer may write at all is se_tz_check's business. Both return false for an offset with no
 * register (*value is then 0). */
bool se_tz_gtzc_read(const se_tz_gtzc *g, uint32_t addr, uint32_t *value);
bool se_tz_gtzc_write(se_tz_gtzc *g, uint32_t addr, uint32_t value);

/* Fill g from another store of the same registers (for example the register files on the
 * bus): rd is called with each register's non-secure address. */
typedef uint32_t (*se_tz_read_fn)(void *ctx, uint32_t addr);
void se_tz_gtzc_load(se_tz_gtzc *g, se_tz_read_fn rd, void *ctx);

/* The MPCBB that guards addr (either SRAM alias): 0 for SRAM1, 1 for SRAM2, -1 outside SRAM.
 * *block is the block index inside that SRAM (VCTR block/32, bit block%32). */
int se_tz_mpcbb_block(uint32_t addr, unsigned *block);
/* Whether the GTZC calls addr's SRAM block secure; false outside SRAM. */
bool se_tz_mpcbb_secure(const se_tz_gtzc *g, uint32_t addr);
/* The MPCWM bank of addr: 1 OCTOSPI1 memory (0x9000_0000), 2 FMC NOR (0x6000_0000), 3 FMC NAND
 * (0x8000_0000); 0 for none. */
unsigned se_tz_mpcwm_bank(uint32_t addr);
/* Whether addr lies in one of its bank's non-secure windows (false outside the banks). */
bool se_tz_mpcwm_nonsecure(const se_tz_gtzc *g, uint32_t addr);

/* ---- peripherals ---------------------------------------------------------------------- */

typedef enum se_tz_periph_kind {
    SE_TZ_PERIPH_SECURABLE,   /* TZSC SECCFGRx bit: secure → non-secure accesses illegal */
    SE_TZ_PERIPH_TZ_AWARE,    /* own SECCFGR per function or pin: the device judges */
    SE_TZ_PERIPH_GTZC_CFG,    /* GTZC TZSC, MPCBB: anyone reads, only secure code writes */
    SE_TZ_PERIPH_SECURE_ONLY, /* GTZC TZIC */
} se_tz_periph_kind;

typedef struct se_tz_periph {
    const char *name;
    uint32_t base; /* non-secure alias */
    uint32_t size;
    se_tz_periph_kind kind;
    uint8_t seccfgr; /* SECURABLE: 1 or 2 (SECCFGR1/2); else 0 */
    uint8_t secbit;
    uint8_t tzic_sr; /* TZIC SRx of its illegal-access flag, 1..3; 0 = none */
    uint8_t tzic_bit;
} se_tz_periph;

/* The peripherals the machine models, by address (either alias); NULL if not in the table. */
const se_tz_periph *se_tz_periph_find(uint32_t addr);
const se_tz_periph *se_tz_periph_table(size_t *n);
/* Whether a SECURABLE peripheral is secure now; TZ_AWARE/GTZC_CFG: false; SECURE_ONLY: true. */
bool se_tz_periph_secure(const se_tz_gtzc *g, const se_tz_periph *p);

/* ---- policies for the open questions of docs/hardware.md D ----------------------------- */

/* D.1: a Secure transaction to a non-secure alias address (IDAU non-secure, below 0x6000_0000). */
typedef enum se_tz_alias_policy {
    SE_TZ_ALIAS_PASS,    /* default: the alias is only an attribution; the GTZC judges the target */
    SE_TZ_ALIAS_ILLEGAL, /* the transaction is a GTZC illegal access */
} se_tz_alias_policy;

/* D.2: what a GTZC-denied data access returns (a denied fetch is always a BusFault, C.4). */
typedef enum se_tz_illegal_policy {
    SE_TZ_ILLEGAL_RAZWI,  /* default: read as zero, write ignored, TZIC flag; no fault */
    SE_TZ_ILLEGAL_BUSERR, /* also a bus error: read PRECISERR + BFAR, write IMPRECISERR */
} se_tz_illegal_policy;

typedef struct se_tz_config {
    bool tzen; /* FLASH_OPTR.TZEN; false = no checks at all */
    se_tz_alias_policy alias;
    se_tz_illegal_policy illegal;
    se_tz_gtzc gtzc;
} se_tz_config;

/* TZEN reset state: the GTZC reset and the default policies. The SAU reset (disabled, ALLNS=0:
 * everything Secure) is se_scs_reset's. */
void se_tz_config_reset(se_tz_config *c, bool tzen);

/* ---- the decision for one access ------------------------------------------------------ */

typedef enum se_tz_verdict {
    SE_TZ_OK,          /* the access proceeds (as out->secure_txn) */
    SE_TZ_SG_REQUIRED, /* a Non-secure fetch from NSC memory: OK if the instruction is SG
                          (se_tz_is_sg), else the SecureFault INVEP described in out */
    SE_TZ_SECUREFAULT, /* CPU side: out->sfsr (and out->sfar) */
    SE_TZ_ILLEGAL,     /* GTZC: denied, read as zero / write ignored, TZIC flag */
    SE_TZ_BUSFAULT,    /* GTZC: denied with a bus error: out->cfsr (and out->bfar), TZIC flag */
} se_tz_verdict;

typedef enum se_tz_layer {
    SE_TZ_LAYER_NONE,
    SE_TZ_LAYER_SAU,   /* SAU/IDAU attribution */
    SE_TZ_LAYER_ALIAS, /* D.1 policy */
    SE_TZ_LAYER_MPCBB1,
    SE_TZ_LAYER_MPCBB2,
    SE_TZ_LAYER_MPCWM1,
    SE_TZ_LAYER_MPCWM2,
    SE_TZ_LAYER_MPCWM3,
    SE_TZ_LAYER_TZSC, /* a secure peripheral */
    SE_TZ_LAYER_GTZC, /* the GTZC's own registers */
} se_tz_layer;

typedef struct se_tz_outcome {
    se_tz_verdict verdict;
    se_tz_layer layer;
    se_tz_attr attr;
    bool secure_txn;            /* security of the bus transaction (when it reaches the bus) */
    bool tz_aware;              /* OK, but the target device judges per bit with its SECCFGR */
    const se_tz_periph *periph; /* the peripheral addressed, if in the table */
    uint32_t sfsr, sfar;        /* SECUREFAULT / SG_REQUIRED: bits to set in SFSR, SFAR */
    uint32_t cfsr, bfar;        /* BUSFAULT: bits to set in CFSR, BFAR if BFARVALID */
    uint8_t tzic_sr;            /* ILLEGAL/BUSFAULT: TZIC SRx (1..3) and bit; 0 = no flag */
    uint8_t tzic_bit;
    char reason[224]; /* one line, no trailing location; "" when OK */
} se_tz_outcome;

/* Decide one access by the CPU in state cpu_secure: fetch (an instruction fetch), else a read
 * or (write) a write. The CPU-side check (SecureFault) comes first; an access that passes goes
 * to the bus as a Secure or Non-secure transaction, which the GTZC judges. Returns
 * out->verdict. */
se_tz_verdict se_tz_check(const se_tz_config *cfg, const se_scs *scs, bool cpu_secure,
                          uint32_t addr, bool write, bool fetch, se_tz_outcome *out);

/* The same for a bus master other than the CPU (DMA): only the GTZC judges, by the
 * transaction's own security (no SAU/IDAU, which sit in the CPU). */
se_tz_verdict se_tz_check_master(const se_tz_config *cfg, bool secure_txn, uint32_t addr,
                                 bool write, se_tz_outcome *out);

/* Whether a 32-bit instruction word (first halfword in the low half) is SG. */
bool se_tz_is_sg(uint32_t insn);

/* Effects of an outcome. se_tz_fault_regs sets SFSR/SFAR (SecureFault, SG_REQUIRED taken as
 * its fault) or CFSR/BFAR (BusFault) and returns the exception to raise (SE_EXC_SECUREFAULT,
 * SE_EXC_BUSFAULT) or 0. se_tz_escalate returns HardFault, setting HFSR.FORCED, when the fault's
 * handler is not enabled in SHCSR (priority escalation is the machine's). se_tz_flag sets the
 * TZIC flag of an ILLEGAL/BUSFAULT outcome and returns true when TZIC IER enables it (pend
 * GTZC_IRQn then). */
unsigned se_tz_fault_regs(se_scs *scs, const se_tz_outcome *o);
unsigned se_tz_escalate(se_scs *scs, unsigned exc);
bool se_tz_flag(se_tz_gtzc *g, const se_tz_outcome *o);

/* ---- presets -------------------------------------------------------------------------- */

typedef struct se_tz_sau_region {
    uint32_t start, end; /* inclusive, 32-byte granules */
    bool nsc;
} se_tz_sau_region;

/* ST's template partition (docs/hardware.md C.2, partition_stm32l562xx.h): regions 0..5, 6/7
 * off. */
extern const se_tz_sau_region se_tz_st_template_sau[6];
/* Program the SAU registers of scs with the template and SAU_CTRL = ENABLE (ALLNS = 0). */
void se_tz_load_st_template_sau(se_scs *scs);
/* ST's template GTZC setup (docs/hardware.md C.5 [S12]): SRAM1 blocks 0..383 secure, the rest of
 * SRAM1 and all of SRAM2 non-secure; MPCWM and TZSC left at reset (OCTOSPI memory secure). */
void se_tz_load_st_template_gtzc(se_tz_gtzc *g);

#endif
