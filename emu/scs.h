/* The Cortex-M33 System Control Space that Unicorn does not provide: SysTick, NVIC, SCB
 * (VTOR, AIRCR, SHCSR, CFSR/HFSR/MMFAR/BFAR, CPACR, ...), the debug registers the loaders
 * write (DHCSR, DEMCR), DWT CYCCNT, and register files for MPU and SAU (behaviour of the
 * SAU is the TrustZone layer's). Plain state; time comes in as a cycle count. Exception
 * entry and return are the machine's; this module holds the pending/active/priority state
 * and answers "what is the highest-priority exception that may be taken now". */
#ifndef SE_SCS_H
#define SE_SCS_H

#include <stdbool.h>
#include <stdint.h>

#define SE_NUM_IRQ 108u /* STM32L562 NVIC lines */
#define SE_NUM_EXC (16u + SE_NUM_IRQ)

enum se_exc {
    SE_EXC_RESET = 1,
    SE_EXC_NMI = 2,
    SE_EXC_HARDFAULT = 3,
    SE_EXC_MEMMANAGE = 4,
    SE_EXC_BUSFAULT = 5,
    SE_EXC_USAGEFAULT = 6,
    SE_EXC_SECUREFAULT = 7,
    SE_EXC_SVCALL = 11,
    SE_EXC_DEBUGMON = 12,
    SE_EXC_PENDSV = 14,
    SE_EXC_SYSTICK = 15,
    SE_EXC_IRQ0 = 16,
};

/* CFSR / HFSR bits (ARMv8-M ARM, B3.2) */
#define SE_CFSR_IACCVIOL (1u << 0)
#define SE_CFSR_DACCVIOL (1u << 1)
#define SE_CFSR_MUNSTKERR (1u << 3)
#define SE_CFSR_MSTKERR (1u << 4)
#define SE_CFSR_MMARVALID (1u << 7)
#define SE_CFSR_IBUSERR (1u << 8)
#define SE_CFSR_PRECISERR (1u << 9)
#define SE_CFSR_UNSTKERR (1u << 11)
#define SE_CFSR_STKERR (1u << 12)
#define SE_CFSR_BFARVALID (1u << 15)
#define SE_CFSR_UNDEFINSTR (1u << 16)
#define SE_CFSR_INVSTATE (1u << 17)
#define SE_CFSR_INVPC (1u << 18)
#define SE_CFSR_NOCP (1u << 19)
#define SE_CFSR_STKOF (1u << 20)
#define SE_CFSR_UNALIGNED (1u << 24)
#define SE_CFSR_DIVBYZERO (1u << 25)
#define SE_HFSR_VECTTBL (1u << 1)
#define SE_HFSR_FORCED (1u << 30)

#define SE_DHCSR_C_DEBUGEN (1u << 0)
#define SE_DHCSR_C_HALT (1u << 1)
#define SE_DHCSR_C_MASKINTS (1u << 3)
#define SE_DHCSR_S_REGRDY (1u << 16)
#define SE_DHCSR_S_HALT (1u << 17)
#define SE_DHCSR_S_LOCKUP (1u << 19)

/* Effects of a register write that the machine must act on. */
enum {
    SE_SCS_FX_NONE = 0,
    SE_SCS_FX_IRQ = 1 << 0,        /* pending/enable/priority/mask state changed */
    SE_SCS_FX_TIMER = 1 << 1,      /* SysTick (re)programmed: reschedule its event */
    SE_SCS_FX_RESET = 1 << 2,      /* AIRCR.SYSRESETREQ */
    SE_SCS_FX_UNMODELLED = 1 << 3, /* offset with no model: reported by the caller */
    SE_SCS_FX_IGNORED = 1 << 4,    /* write to a read-only or debugger-only field */
    SE_SCS_FX_MPU = 1 << 5,        /* MPU enabled: not enforced, reported */
    SE_SCS_FX_TRAPS = 1 << 6,      /* CCR.DIV_0_TRP or CCR.UNALIGN_TRP changed */
};

/* CCR bits the machine acts on (ARMv8-M ARM, CCR) */
#define SE_CCR_UNALIGN_TRP (1u << 3)
#define SE_CCR_DIV_0_TRP (1u << 4)

/* The registers the Security Extension banks between the two states, one state's copy
 * (Armv8-M ARM, B3.2; docs/trustzone.md "Faults"). */
typedef struct se_scs_bank {
    uint32_t vtor, shcsr, cfsr, hfsr, mmfar, bfar;
} se_scs_bank;

/* Pointers to one state's copy: se_scs_bank_of. */
typedef struct se_scs_regs {
    uint32_t *vtor, *shcsr, *cfsr, *hfsr, *mmfar, *bfar;
} se_scs_regs;

#define SE_AIRCR_BFHFNMINS (1u << 13)

/* The core whose System Control Space this is (se_scs_set_core). The Cortex-M33 is the reset
 * default; the Cortex-M7 (Armv7-M) adds its L1 cache registers (CLIDR, CTR, CCSIDR, CSSELR,
 * the cache maintenance operations), MVFR0..2, its implementation-defined TCM/AHBP/cache
 * control registers as plain storage, the v7-M MPU's RBAR.VALID region select, and reads its
 * SAU as zero (it has none). */
enum se_scs_core {
    SE_SCS_CORE_M33 = 0,
    SE_SCS_CORE_M7,
};

typedef struct se_scs {
    /* SysTick: the counter is derived from the cycle count. It was loaded with
     * syst_start at cycle syst_epoch and then counts down one per syst_div cycles. */
    uint32_t syst_csr; /* ENABLE, TICKINT, CLKSOURCE (COUNTFLAG computed) */
    uint32_t syst_rvr;
    uint32_t syst_start;
    uint64_t syst_epoch;
    uint64_t syst_flag_seen; /* COUNTFLAG: zero crossings counted up to this cycle */
    bool syst_countflag;
    uint32_t syst_stopped_cvr; /* CVR while disabled */
    uint32_t syst_ref_div;     /* external reference = core clock / this (STM32: 8) */

    bool pending[SE_NUM_EXC];
    bool active[SE_NUM_EXC];
    bool irq_enabled[SE_NUM_IRQ];
    uint8_t prio[SE_NUM_EXC]; /* priority bytes (3 bits implemented: [7:5]) */
    uint32_t itns[(SE_NUM_IRQ + 31) / 32];

    /* vtor, shcsr, cfsr, hfsr, mmfar, bfar: the copy of the loader's own state (the only one
     * with TZEN=0); `other` holds the other state's copy when tz. */
    uint32_t vtor, prigroup, scr, ccr, shcsr, cfsr, hfsr, dfsr, mmfar, bfar, afsr;
    se_scs_bank other;
    /* Security Extension (TZEN=1): the loader's state (home_secure), the state of the code
     * running now (run_secure: whose copy 0xE000E... reaches; a Secure handler taken from a
     * Non-secure loader runs Secure) and AIRCR.BFHFNMINS (0 at reset: BusFault, HardFault
     * and NMI target Secure). Set by the machine. */
    bool tz, home_secure, run_secure, bfhfnmins;
    uint32_t cpacr, nsacr, actlr;
    uint32_t dhcsr, demcr;
    uint32_t dwt_ctrl;
    uint64_t dwt_base_cycles; /* CYCCNT = cycles - base while enabled */
    uint32_t dwt_cyccnt_frozen;
    uint32_t mpu_ctrl, mpu_rnr, mpu_rbar[8], mpu_rlar[8], mpu_mair[2];
    uint32_t sau_ctrl, sau_rnr, sau_rbar[8], sau_rlar[8], sfsr, sfar;
    uint32_t fpccr, fpcar, fpdscr;
    unsigned vectactive; /* exception being handled (IPSR), kept by the machine */
    /* Cortex-M7 (core == SE_SCS_CORE_M7) */
    unsigned core;
    uint32_t l1_kb;      /* size of each L1 cache (CCSIDR), KiB */
    uint32_t csselr;     /* CSSELR.InD: 1 = instruction cache */
    uint32_t m7_impl[5]; /* ITCMCR, DTCMCR, AHBPCR, CACR, AHBSCR */
    uint32_t cache_ops;  /* cache maintenance writes seen (no cache is modelled) */
} se_scs;

/* Reset every register to its Cortex-M33 reset value; VTOR to vtor. */
void se_scs_reset(se_scs *s, uint32_t vtor);
/* Make s the System Control Space of core (SE_SCS_CORE_*) with L1 caches of l1_kb KiB each
 * (4..64, a power of two; the Cortex-M7's): CPUID and the reset values follow. Call after
 * se_scs_reset. */
void se_scs_set_core(se_scs *s, unsigned core, uint32_t l1_kb);

/* Access a register at addr (0xE000_0000-based absolute address: SCS, DWT, debug).
 * `fx` receives SE_SCS_FX_* flags. Reads of write-only/unmodelled offsets return 0. */
uint32_t se_scs_read(se_scs *s, uint32_t addr, uint64_t now, unsigned *fx);
void se_scs_write(se_scs *s, uint32_t addr, uint32_t value, uint64_t now, unsigned *fx);
/* A write of size bytes (1, 2 or 4): byte-addressable registers (priorities) change only
 * the lanes written; other registers see the value moved into its lanes. */
void se_scs_write_n(se_scs *s, uint32_t addr, uint32_t value, unsigned size, uint64_t now,
                    unsigned *fx);

/* The copy of the banked registers a state sees (the loader's own when !tz). */
se_scs_regs se_scs_bank_of(se_scs *s, bool secure);
/* Whether exception exc raised by code in state from_secure is taken in Secure state
 * (Armv8-M ARM, ExceptionTargetsSecure): HardFault and BusFault Secure while
 * AIRCR.BFHFNMINS = 0 (HardFault also when escalated from a Secure-targeted fault: pass
 * that fault's target as from_secure), MemManage, UsageFault, SVCall, PendSV banked by the
 * state that raised them, SecureFault always Secure. Interrupts and SysTick: the loader's
 * state (ITNS, STTNS not modelled). from_secure when !tz. */
bool se_scs_targets_secure(const se_scs *s, unsigned exc, bool from_secure);

/* SysTick */
uint32_t se_systick_cvr(const se_scs *s, uint64_t now);
/* Cycle at which the counter next reaches zero from 1 (an interrupt/COUNTFLAG event)
 * after `now`; UINT64_MAX when it is disabled or cannot reach zero again. */
uint64_t se_systick_next_event(const se_scs *s, uint64_t now);
/* Cycles between SysTick interrupts while it runs with TICKINT set; 0 when it raises none. */
uint64_t se_systick_irq_period(const se_scs *s);
/* Called at (or just after) the event: sets COUNTFLAG and, with TICKINT, pends SysTick.
 * Returns true if SysTick was pended. */
bool se_systick_fire(se_scs *s, uint64_t now);
/* Change the core-clock-to-tick divider for CLKSOURCE=0 or re-base after a clock change. */
void se_systick_rebase(se_scs *s, uint64_t now);

/* Priority as a signed group priority: -3 reset, -2 NMI, -1 HardFault, else the
 * programmed byte with the sub-priority bits (PRIGROUP) removed. */
int se_scs_group_prio(const se_scs *s, unsigned exc);
/* Highest-priority (lowest number) pending and enabled exception, or 0. Ties go to the
 * lower exception number. Does not apply masking. */
unsigned se_scs_best_pending(const se_scs *s, int *prio);
/* Whether an exception's enable bits allow it to be taken at all (IRQ enabled; a fault's
 * enable bit in the SHCSR copy of the state it targets, raised by the running code). */
bool se_scs_is_enabled(const se_scs *s, unsigned exc);
/* Execution priority from the active exceptions only (no PRIMASK etc.): 256 = none. */
int se_scs_active_prio(const se_scs *s);
/* Highest active exception number (ICSR.VECTACTIVE is the machine's current one). */
unsigned se_scs_nactive(const se_scs *s);

/* Name of an exception number: "SysTick", "HardFault", "IRQ12". */
const char *se_exc_name(unsigned exc, char *buf, unsigned len);

#endif
