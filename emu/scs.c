#include "emu/scs.h"

#include <stdio.h>
#include <string.h>

/* Register addresses (ARMv8-M ARM, D1 System register map). */
enum {
    DWT_CTRL = 0xE0001000u,
    DWT_CYCCNT = 0xE0001004u,
    FP_CTRL = 0xE0002000u,
    ICTR = 0xE000E004u,
    ACTLR = 0xE000E008u,
    SYST_CSR = 0xE000E010u,
    SYST_RVR = 0xE000E014u,
    SYST_CVR = 0xE000E018u,
    SYST_CALIB = 0xE000E01Cu,
    NVIC_ISER = 0xE000E100u,
    NVIC_ICER = 0xE000E180u,
    NVIC_ISPR = 0xE000E200u,
    NVIC_ICPR = 0xE000E280u,
    NVIC_IABR = 0xE000E300u,
    NVIC_ITNS = 0xE000E380u,
    NVIC_IPR = 0xE000E400u,
    CPUID = 0xE000ED00u,
    ICSR = 0xE000ED04u,
    VTOR = 0xE000ED08u,
    AIRCR = 0xE000ED0Cu,
    SCR = 0xE000ED10u,
    CCR = 0xE000ED14u,
    SHPR1 = 0xE000ED18u,
    SHCSR = 0xE000ED24u,
    CFSR = 0xE000ED28u,
    HFSR = 0xE000ED2Cu,
    DFSR = 0xE000ED30u,
    MMFAR = 0xE000ED34u,
    BFAR = 0xE000ED38u,
    AFSR = 0xE000ED3Cu,
    ID_PFR0 = 0xE000ED40u,
    ID_LAST = 0xE000ED7Cu,
    CPACR = 0xE000ED88u,
    NSACR = 0xE000ED8Cu,
    MPU_TYPE = 0xE000ED90u,
    MPU_CTRL = 0xE000ED94u,
    MPU_RNR = 0xE000ED98u,
    MPU_RBAR = 0xE000ED9Cu,
    MPU_RLAR = 0xE000EDA0u,
    MPU_RBAR_A3 = 0xE000EDB8u,
    MPU_MAIR0 = 0xE000EDC0u,
    MPU_MAIR1 = 0xE000EDC4u,
    SAU_CTRL = 0xE000EDD0u,
    SAU_TYPE = 0xE000EDD4u,
    SAU_RNR = 0xE000EDD8u,
    SAU_RBAR = 0xE000EDDCu,
    SAU_RLAR = 0xE000EDE0u,
    SFSR = 0xE000EDE4u,
    SFAR = 0xE000EDE8u,
    DHCSR = 0xE000EDF0u,
    DCRSR = 0xE000EDF4u,
    DCRDR = 0xE000EDF8u,
    DEMCR = 0xE000EDFCu,
    STIR = 0xE000EF00u,
    FPCCR = 0xE000EF34u,
    FPCAR = 0xE000EF38u,
    FPDSCR = 0xE000EF3Cu,
    /* Armv7-M / Cortex-M7 (ARMv7-M ARM B3.2; Cortex-M7 TRM 3.4, 4.1) */
    CLIDR = 0xE000ED78u,
    CTR = 0xE000ED7Cu,
    CCSIDR = 0xE000ED80u,
    CSSELR = 0xE000ED84u,
    MVFR0 = 0xE000EF40u,
    MVFR2 = 0xE000EF48u,
    ICIALLU = 0xE000EF50u, /* first cache maintenance operation */
    BPIALL = 0xE000EF78u,  /* last */
    ITCMCR = 0xE000EF90u,  /* ITCMCR, DTCMCR, AHBPCR, CACR, AHBSCR */
    AHBSCR = 0xE000EFA0u,
};

#define SYST_ENABLE (1u << 0)
#define SYST_TICKINT (1u << 1)
#define SYST_CLKSOURCE (1u << 2)
#define SYST_COUNTFLAG (1u << 16)

/* Cortex-M33 r0p3 as Unicorn models it (MIDR r0p3). docs/hardware.md C.8: unverified on
 * silicon. */
#define M33_CPUID 0x410FD213u
#define PRIO_MASK 0xE0u /* STM32L5: __NVIC_PRIO_BITS = 3 */
/* Cortex-M7 r1p0 [uncertain: the revision differs between STM32F7 and STM32H7 parts; no
 * loader seen compares it]. */
#define M7_CPUID 0x411FC270u

static bool is_m7(const se_scs *s) { return s->core == SE_SCS_CORE_M7; }

void se_scs_set_core(se_scs *s, unsigned core, uint32_t l1_kb)
{
    s->core = core;
    if (core != SE_SCS_CORE_M7)
        return;
    s->l1_kb = l1_kb >= 4 && l1_kb <= 64 && !(l1_kb & (l1_kb - 1)) ? l1_kb : 16;
    s->ccr = 0x00040200u; /* BP | STKALIGN (Cortex-M7 TRM: CCR reset) [uncertain: BP] */
    /* ITCMCR/DTCMCR: enabled with the TCM size field left 0 [uncertain]; CACR, AHBSCR 0 */
    s->m7_impl[0] = s->m7_impl[1] = 1u;
}

/* CCSIDR of the selected L1 cache (Cortex-M7 TRM 4.1.2): 32-byte lines, data cache 4-way
 * write-through/write-back/read/write-allocate, instruction cache 2-way. Only the loops of
 * CMSIS SCB_EnableDCache / SCB_CleanInvalidateDCache read it (how many DCISW writes). */
static uint32_t m7_ccsidr(const se_scs *s)
{
    uint32_t lines = s->l1_kb * 1024u / 32u;
    if (s->csselr & 1u) /* instruction */
        return 0xF0000000u | ((lines / 2u - 1u) << 13) | (1u << 3) | 1u;
    return 0xF0000000u | ((lines / 4u - 1u) << 13) | (3u << 3) | 1u;
}

/* Reads of the Cortex-M7's own registers; false when addr is not one. */
static bool m7_read(const se_scs *s, uint32_t a, uint32_t *v)
{
    if (a >= ITCMCR && a <= AHBSCR) {
        *v = s->m7_impl[(a - ITCMCR) / 4];
        return true;
    }
    switch (a) {
    case CLIDR: *v = 0x09000003u; return true; /* separate L1 I and D caches, LoC = LoUU = 1 */
    case CTR: *v = 0x8303C003u; return true;   /* 32-byte lines (Cortex-M7 TRM) */
    case CCSIDR: *v = m7_ccsidr(s); return true;
    case CSSELR: *v = s->csselr; return true;
    /* double-precision FPv5 (the H7's; the F7's single-precision FPU reads differently)
     * [uncertain: values from the Cortex-M7 TRM's DP configuration] */
    case MVFR0: *v = 0x10110221u; return true;
    case MVFR0 + 4: *v = 0x12000011u; return true;
    case MVFR2: *v = 0x00000040u; return true;
    case SAU_CTRL:
    case SAU_TYPE:
    case SAU_RNR:
    case SAU_RBAR:
    case SAU_RLAR:
    case SFSR:
    case SFAR: *v = 0; return true; /* no SAU, no Security Extension: RAZ */
    default: return false;
    }
}

/* Writes; false when addr is not one of them. */
static bool m7_write(se_scs *s, uint32_t a, uint32_t v, unsigned *fx)
{
    if (a >= ICIALLU && a <= BPIALL) { /* caches are not modelled: memory is coherent */
        s->cache_ops++;
        return true;
    }
    if (a >= ITCMCR && a <= AHBSCR) {
        s->m7_impl[(a - ITCMCR) / 4] = v;
        return true;
    }
    switch (a) {
    case CSSELR: s->csselr = v & 1u; return true;
    case CLIDR:
    case CTR:
    case CCSIDR:
    case MVFR0:
    case MVFR0 + 4:
    case MVFR2: *fx |= SE_SCS_FX_IGNORED; return true;
    case SAU_CTRL:
    case SAU_RNR:
    case SAU_RBAR:
    case SAU_RLAR:
    case SFSR:
    case SFAR: return true; /* WI */
    case MPU_RBAR:
        /* Armv7-M: VALID (bit 4) selects the region in REGION [3:0] */
        if (v & 0x10u)
            s->mpu_rnr = v & 7u;
        s->mpu_rbar[s->mpu_rnr & 7u] = v & ~0x1Fu;
        return true;
    default: return false;
    }
}

void se_scs_reset(se_scs *s, uint32_t vtor)
{
    memset(s, 0, sizeof *s);
    s->vtor = vtor & 0xFFFFFF80u;
    s->ccr = 0x00000201u; /* STKALIGN (RES1) | USERSETMPEND reset per M33 TRM */
    s->syst_ref_div = 8;  /* STM32L5: SysTick external clock = HCLK/8 (RM0438) */
    /* The host is a debugger: C_DEBUGEN is set while it drives the core. */
    s->dhcsr = SE_DHCSR_C_DEBUGEN;
}

/* ---- SysTick -------------------------------------------------------------------------- */

static uint64_t syst_div(const se_scs *s)
{
    return (s->syst_csr & SYST_CLKSOURCE) ? 1u : (s->syst_ref_div ? s->syst_ref_div : 1u);
}

/* Ticks elapsed since the counter was loaded. */
static uint64_t syst_ticks(const se_scs *s, uint64_t now)
{
    return now > s->syst_epoch ? (now - s->syst_epoch) / syst_div(s) : 0;
}

/* Number of 1 -> 0 transitions at ticks in [1, t]. The counter holds syst_start at tick 0,
 * reaches 0 at tick syst_start, reloads RVR on the next tick, and so on. A start of 0 is
 * not a transition (writing CVR clears it without an event). */
static uint64_t syst_crossings(const se_scs *s, uint64_t t)
{
    uint64_t period = (uint64_t)s->syst_rvr + 1u;
    if (s->syst_start == 0) {
        if (s->syst_rvr == 0)
            return 0;
        return t / period; /* zeros at period, 2*period, ... */
    }
    if (t < s->syst_start)
        return 0;
    if (s->syst_rvr == 0)
        return 1;
    return 1 + (t - s->syst_start) / period;
}

uint32_t se_systick_cvr(const se_scs *s, uint64_t now)
{
    if (!(s->syst_csr & SYST_ENABLE))
        return s->syst_stopped_cvr;
    uint64_t t = syst_ticks(s, now);
    if (t <= s->syst_start)
        return (uint32_t)(s->syst_start - t);
    if (s->syst_rvr == 0)
        return 0;
    uint64_t period = (uint64_t)s->syst_rvr + 1u;
    uint64_t k = (t - s->syst_start - 1) % period; /* 0 at the reload tick */
    return (uint32_t)(s->syst_rvr - k);
}

uint64_t se_systick_next_event(const se_scs *s, uint64_t now)
{
    if (!(s->syst_csr & SYST_ENABLE))
        return UINT64_MAX;
    uint64_t t = syst_ticks(s, now);
    uint64_t next;
    if (s->syst_start != 0 && t < s->syst_start) {
        next = s->syst_start;
    } else {
        if (s->syst_rvr == 0)
            return UINT64_MAX;
        uint64_t period = (uint64_t)s->syst_rvr + 1u;
        uint64_t n = syst_crossings(s, t); /* crossings so far */
        next = (s->syst_start == 0) ? (n + 1) * period : s->syst_start + n * period;
        if (next <= t)
            next += period;
    }
    return s->syst_epoch + next * syst_div(s);
}

uint64_t se_systick_irq_period(const se_scs *s)
{
    if ((s->syst_csr & (SYST_ENABLE | SYST_TICKINT)) != (SYST_ENABLE | SYST_TICKINT) ||
        s->syst_rvr == 0)
        return 0;
    return ((uint64_t)s->syst_rvr + 1u) * syst_div(s);
}

bool se_systick_fire(se_scs *s, uint64_t now)
{
    if (!(s->syst_csr & SYST_ENABLE))
        return false;
    s->syst_countflag = true;
    s->syst_flag_seen = now;
    if (s->syst_csr & SYST_TICKINT) {
        s->pending[SE_EXC_SYSTICK] = true;
        return true;
    }
    return false;
}

void se_systick_rebase(se_scs *s, uint64_t now)
{
    if (!(s->syst_csr & SYST_ENABLE))
        return;
    uint32_t cvr = se_systick_cvr(s, now);
    if (syst_crossings(s, syst_ticks(s, now)) > syst_crossings(s, syst_ticks(s, s->syst_flag_seen)))
        s->syst_countflag = true;
    /* Re-express the counter as "loaded with cvr now"; a cvr of 0 here is a reached zero,
     * so continue from the reload. */
    s->syst_epoch = now;
    s->syst_start = cvr;
    s->syst_flag_seen = now;
}

static uint32_t syst_read_csr(se_scs *s, uint64_t now)
{
    uint32_t v = s->syst_csr & (SYST_ENABLE | SYST_TICKINT | SYST_CLKSOURCE);
    if (s->syst_csr & SYST_ENABLE) {
        uint64_t t = syst_ticks(s, now);
        uint64_t t0 = syst_ticks(s, s->syst_flag_seen);
        if (syst_crossings(s, t) > syst_crossings(s, t0))
            s->syst_countflag = true;
        s->syst_flag_seen = now;
    }
    if (s->syst_countflag)
        v |= SYST_COUNTFLAG;
    s->syst_countflag = false; /* COUNTFLAG clears on read */
    return v;
}

static void syst_write_csr(se_scs *s, uint32_t v, uint64_t now)
{
    bool was = s->syst_csr & SYST_ENABLE;
    bool on = v & SYST_ENABLE;
    if (was && !on)
        s->syst_stopped_cvr = se_systick_cvr(s, now);
    if (was && on && ((v ^ s->syst_csr) & SYST_CLKSOURCE))
        se_systick_rebase(s, now);
    s->syst_csr = v & (SYST_ENABLE | SYST_TICKINT | SYST_CLKSOURCE);
    if (!was && on) {
        s->syst_epoch = now;
        s->syst_start = s->syst_stopped_cvr;
        s->syst_flag_seen = now;
    }
}

/* ---- Exceptions ----------------------------------------------------------------------- */

static uint8_t *prio_byte(se_scs *s, unsigned exc)
{
    return exc < SE_NUM_EXC ? &s->prio[exc] : NULL;
}

int se_scs_group_prio(const se_scs *s, unsigned exc)
{
    if (exc == SE_EXC_RESET)
        return -3;
    if (exc == SE_EXC_NMI)
        return -2;
    if (exc == SE_EXC_HARDFAULT)
        return -1;
    if (exc >= SE_NUM_EXC)
        return 256;
    unsigned sub_bits = s->prigroup + 1; /* PRIGROUP n: group = bits [7:n+1] */
    unsigned mask = sub_bits >= 8 ? 0 : (0xFFu << sub_bits) & 0xFFu;
    return s->prio[exc] & mask;
}

se_scs_regs se_scs_bank_of(se_scs *s, bool secure)
{
    if (!s->tz || secure == s->home_secure)
        return (se_scs_regs){&s->vtor, &s->shcsr, &s->cfsr, &s->hfsr, &s->mmfar, &s->bfar};
    se_scs_bank *b = &s->other;
    return (se_scs_regs){&b->vtor, &b->shcsr, &b->cfsr, &b->hfsr, &b->mmfar, &b->bfar};
}

static uint32_t shcsr_of(const se_scs *s, bool secure)
{
    return (!s->tz || secure == s->home_secure) ? s->shcsr : s->other.shcsr;
}

bool se_scs_targets_secure(const se_scs *s, unsigned exc, bool from_secure)
{
    if (!s->tz)
        return from_secure;
    switch (exc) {
    case SE_EXC_NMI:
    case SE_EXC_BUSFAULT: return !s->bfhfnmins;
    case SE_EXC_HARDFAULT: return !s->bfhfnmins || from_secure;
    case SE_EXC_SECUREFAULT: return true;
    default: return from_secure;
    }
}

bool se_scs_is_enabled(const se_scs *s, unsigned exc)
{
    if (exc >= SE_EXC_IRQ0)
        return exc < SE_NUM_EXC && s->irq_enabled[exc - SE_EXC_IRQ0];
    bool sec = se_scs_targets_secure(s, exc, s->run_secure);
    switch (exc) {
    case SE_EXC_MEMMANAGE: return shcsr_of(s, sec) & (1u << 16);
    case SE_EXC_BUSFAULT: return shcsr_of(s, sec) & (1u << 17);
    case SE_EXC_USAGEFAULT: return shcsr_of(s, sec) & (1u << 18);
    case SE_EXC_SECUREFAULT: return shcsr_of(s, sec) & (1u << 19);
    default: return true;
    }
}

unsigned se_scs_best_pending(const se_scs *s, int *prio)
{
    unsigned best = 0;
    int bp = 1000;
    for (unsigned e = 1; e < SE_NUM_EXC; e++) {
        if (!s->pending[e] || !se_scs_is_enabled(s, e))
            continue;
        int p = se_scs_group_prio(s, e);
        /* Same group priority: the lower sub-priority wins, then the lower number. */
        if (p < bp || (p == bp && best && e >= 4 && best >= 4 && s->prio[e] < s->prio[best])) {
            bp = p;
            best = e;
        }
    }
    if (prio)
        *prio = bp;
    return best;
}

int se_scs_active_prio(const se_scs *s)
{
    int best = 256;
    for (unsigned e = 1; e < SE_NUM_EXC; e++)
        if (s->active[e]) {
            int p = se_scs_group_prio(s, e);
            if (p < best)
                best = p;
        }
    return best;
}

unsigned se_scs_nactive(const se_scs *s)
{
    unsigned n = 0;
    for (unsigned e = 1; e < SE_NUM_EXC; e++)
        n += s->active[e];
    return n;
}

const char *se_exc_name(unsigned exc, char *buf, unsigned len)
{
    static const char *const names[16] = {"Thread",       "Reset",      "NMI",        "HardFault",
                                          "MemManage",    "BusFault",   "UsageFault", "SecureFault",
                                          "Reserved8",    "Reserved9",  "Reserved10", "SVCall",
                                          "DebugMonitor", "Reserved13", "PendSV",     "SysTick"};
    if (exc < 16)
        snprintf(buf, len, "%s", names[exc]);
    else
        snprintf(buf, len, "IRQ%u", exc - 16);
    return buf;
}

/* ---- Register access ------------------------------------------------------------------ */

static uint32_t icsr_read(const se_scs *s)
{
    uint32_t v = s->vectactive & 0x1FFu;
    int prio;
    unsigned pend = se_scs_best_pending(s, &prio);
    v |= (pend & 0x1FFu) << 12;
    for (unsigned e = SE_EXC_IRQ0; e < SE_NUM_EXC; e++)
        if (s->pending[e]) {
            v |= 1u << 22; /* ISRPENDING */
            break;
        }
    if (se_scs_nactive(s) <= 1)
        v |= 1u << 11; /* RETTOBASE */
    if (s->pending[SE_EXC_SYSTICK])
        v |= 1u << 26;
    if (s->pending[SE_EXC_PENDSV])
        v |= 1u << 28;
    if (s->pending[SE_EXC_NMI])
        v |= 1u << 31;
    return v;
}

static uint32_t bits_read(const bool *arr, unsigned word)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 32; i++) {
        unsigned irq = word * 32 + i;
        if (irq < SE_NUM_IRQ && arr[irq])
            v |= 1u << i;
    }
    return v;
}

/* The SHCSR fields a Non-secure access does not see: SecureFault's, and BusFault's while
 * AIRCR.BFHFNMINS = 0 (Armv8-M ARM, SHCSR: RAZ/WI from Non-secure). */
static uint32_t shcsr_ns_hidden(const se_scs *s)
{
    uint32_t h = (1u << 19) | (1u << 20) | (1u << 4); /* SECUREFAULTENA, -PENDED, -ACT */
    if (!s->bfhfnmins)
        h |= (1u << 17) | (1u << 14) | (1u << 1); /* BUSFAULTENA, -PENDED, -ACT */
    return h;
}

/* The copy of the banked registers an access reaches: 0xE000E... the running state's; the
 * Non-secure alias 0xE002E... (only VTOR, SHCSR, CFSR, HFSR, MMFAR, BFAR modelled there) the
 * Non-secure copy, from Secure code only (RAZ/WI from Non-secure). *a is moved to the
 * 0xE000E... address; false for an access with no effect (RAZ/WI); *unmodelled for an alias
 * register the model does not have. */
static bool reach_bank(se_scs *s, uint32_t *a, se_scs_regs *r, bool *ns_view, bool *unmodelled)
{
    *unmodelled = false;
    *ns_view = s->tz && !s->run_secure;
    *r = se_scs_bank_of(s, s->run_secure);
    if (!s->tz || (*a & 0xFFFFF000u) != 0xE002E000u)
        return true;
    if (!s->run_secure)
        return false;
    uint32_t x = *a - 0x00020000u;
    if (x != VTOR && x != SHCSR && x != CFSR && x != HFSR && x != MMFAR && x != BFAR) {
        *unmodelled = true;
        return false;
    }
    *a = x;
    *ns_view = true;
    *r = se_scs_bank_of(s, false);
    return true;
}

uint32_t se_scs_read(se_scs *s, uint32_t addr, uint64_t now, unsigned *fx)
{
    uint32_t a = addr & ~3u;
    unsigned sh = (addr & 3u) * 8u;
    uint32_t v = 0;
    *fx = SE_SCS_FX_NONE;
    se_scs_regs rb;
    bool ns_view, unmod;
    if (!reach_bank(s, &a, &rb, &ns_view, &unmod)) {
        if (unmod)
            *fx |= SE_SCS_FX_UNMODELLED;
        return 0;
    }

    if (a >= NVIC_IPR && a < NVIC_IPR + SE_NUM_IRQ) {
        for (unsigned i = 0; i < 4; i++)
            if (a - NVIC_IPR + i < SE_NUM_IRQ)
                v |= (uint32_t)s->prio[SE_EXC_IRQ0 + a - NVIC_IPR + i] << (8 * i);
        return v >> sh;
    }
    if (a >= SHPR1 && a < SHPR1 + 12) {
        for (unsigned i = 0; i < 4; i++)
            v |= (uint32_t)s->prio[4 + a - SHPR1 + i] << (8 * i);
        return v >> sh;
    }
    unsigned nw = (SE_NUM_IRQ + 31) / 32;
    if (a >= NVIC_ISER && a < NVIC_ISER + 4 * nw)
        return bits_read(s->irq_enabled, (a - NVIC_ISER) / 4) >> sh;
    if (a >= NVIC_ICER && a < NVIC_ICER + 4 * nw)
        return bits_read(s->irq_enabled, (a - NVIC_ICER) / 4) >> sh;
    if (a >= NVIC_ISPR && a < NVIC_ISPR + 4 * nw)
        return bits_read(s->pending + SE_EXC_IRQ0, (a - NVIC_ISPR) / 4) >> sh;
    if (a >= NVIC_ICPR && a < NVIC_ICPR + 4 * nw)
        return bits_read(s->pending + SE_EXC_IRQ0, (a - NVIC_ICPR) / 4) >> sh;
    if (a >= NVIC_IABR && a < NVIC_IABR + 4 * nw)
        return bits_read(s->active + SE_EXC_IRQ0, (a - NVIC_IABR) / 4) >> sh;
    if (a >= NVIC_ITNS && a < NVIC_ITNS + 4 * nw)
        return s->itns[(a - NVIC_ITNS) / 4] >> sh;
    if (is_m7(s) && m7_read(s, a, &v))
        return v >> sh;
    if (a >= ID_PFR0 && a <= ID_LAST)
        return 0; /* feature ID registers: not needed by loaders; read as 0 */
    if (a >= MPU_RBAR && a <= MPU_RBAR_A3 + 4) {
        unsigned r = (s->mpu_rnr + ((a - MPU_RBAR) / 8)) & 7u;
        return (((a - MPU_RBAR) & 4u) ? s->mpu_rlar[r] : s->mpu_rbar[r]) >> sh;
    }

    switch (a) {
    case DWT_CTRL:
        v = s->dwt_ctrl | (4u << 28);
        break; /* NUMCOMP=4 */
    /* The breakpoint unit as a debugger finds it: 8 instruction comparators (NUM_CODE in
     * [14:12]:[7:4]), no literal ones, REV 1 (Armv8-M). The Cortex-M33 has 4 or 8 by
     * configuration: 8 is a policy (docs/gdb.md 4). Writes (KEY, ENABLE) are the
     * debugger's and ignored. */
    case FP_CTRL: v = (1u << 28) | (8u << 4); break;
    case DWT_CYCCNT:
        v = (s->dwt_ctrl & 1u) ? (uint32_t)(now - s->dwt_base_cycles) : s->dwt_cyccnt_frozen;
        break;
    case ICTR: v = (SE_NUM_IRQ + 31) / 32 - 1; break;
    case ACTLR: v = s->actlr; break;
    case SYST_CSR: v = syst_read_csr(s, now); break;
    case SYST_RVR: v = s->syst_rvr; break;
    case SYST_CVR: v = se_systick_cvr(s, now); break;
    case SYST_CALIB: v = 0; break; /* not characterised for the L5; no loader seen reads it */
    case CPUID: v = is_m7(s) ? M7_CPUID : M33_CPUID; break;
    case ICSR: v = icsr_read(s); break;
    case VTOR: v = *rb.vtor; break;
    case AIRCR:
        v = 0xFA050000u | (s->prigroup << 8) | (s->tz && s->bfhfnmins ? SE_AIRCR_BFHFNMINS : 0u);
        break;
    case SCR: v = s->scr; break;
    case CCR: v = s->ccr; break;
    case SHCSR: {
        v = *rb.shcsr & 0x000F0000u;
        if (s->active[SE_EXC_MEMMANAGE])
            v |= 1u << 0;
        if (s->active[SE_EXC_BUSFAULT])
            v |= 1u << 1;
        if (s->active[SE_EXC_USAGEFAULT])
            v |= 1u << 3;
        if (s->active[SE_EXC_SECUREFAULT])
            v |= 1u << 4;
        if (s->active[SE_EXC_SVCALL])
            v |= 1u << 7;
        if (s->active[SE_EXC_DEBUGMON])
            v |= 1u << 8;
        if (s->active[SE_EXC_PENDSV])
            v |= 1u << 10;
        if (s->active[SE_EXC_SYSTICK])
            v |= 1u << 11;
        if (s->pending[SE_EXC_USAGEFAULT])
            v |= 1u << 12;
        if (s->pending[SE_EXC_MEMMANAGE])
            v |= 1u << 13;
        if (s->pending[SE_EXC_BUSFAULT])
            v |= 1u << 14;
        if (s->pending[SE_EXC_SVCALL])
            v |= 1u << 15;
        if (ns_view)
            v &= ~shcsr_ns_hidden(s);
        break;
    }
    case CFSR: v = *rb.cfsr; break;
    case HFSR: v = *rb.hfsr; break;
    case DFSR: v = s->dfsr; break;
    case MMFAR: v = *rb.mmfar; break;
    case BFAR: v = *rb.bfar; break;
    case AFSR: v = s->afsr; break;
    case CPACR: v = s->cpacr; break;
    case NSACR: v = s->nsacr; break;
    case MPU_TYPE: v = 8u << 8; break;
    case MPU_CTRL: v = s->mpu_ctrl; break;
    case MPU_RNR: v = s->mpu_rnr; break;
    case MPU_MAIR0: v = s->mpu_mair[0]; break;
    case MPU_MAIR1: v = s->mpu_mair[1]; break;
    case SAU_CTRL: v = s->sau_ctrl; break;
    case SAU_TYPE: v = 8; break;
    case SAU_RNR: v = s->sau_rnr; break;
    case SAU_RBAR: v = s->sau_rbar[s->sau_rnr & 7u]; break;
    case SAU_RLAR: v = s->sau_rlar[s->sau_rnr & 7u]; break;
    case SFSR: v = s->sfsr; break;
    case SFAR: v = s->sfar; break;
    case DHCSR: v = s->dhcsr | SE_DHCSR_S_REGRDY; break;
    case DCRSR: v = 0; break;
    case DCRDR: v = 0; break;
    case DEMCR: v = s->demcr; break;
    case FPCCR: v = s->fpccr; break;
    case FPCAR: v = s->fpcar; break;
    case FPDSCR: v = s->fpdscr; break;
    default: *fx |= SE_SCS_FX_UNMODELLED; return 0;
    }
    return v >> sh;
}

static void bits_write(bool *arr, unsigned word, uint32_t v, bool set)
{
    for (unsigned i = 0; i < 32; i++) {
        unsigned irq = word * 32 + i;
        if (irq < SE_NUM_IRQ && (v & (1u << i)))
            arr[irq] = set;
    }
}

void se_scs_write(se_scs *s, uint32_t addr, uint32_t value, uint64_t now, unsigned *fx)
{
    se_scs_write_n(s, addr, value, 4, now, fx);
}

void se_scs_write_n(se_scs *s, uint32_t addr, uint32_t value, unsigned size, uint64_t now,
                    unsigned *fx)
{
    uint32_t a = addr & ~3u;
    *fx = SE_SCS_FX_NONE;
    unsigned lanes = size == 1 ? 1 : size == 2 ? 2 : 4;
    se_scs_regs rb;
    bool ns_view, unmod;
    if (!reach_bank(s, &a, &rb, &ns_view, &unmod)) {
        if (unmod)
            *fx |= SE_SCS_FX_UNMODELLED;
        return;
    }

    if (a >= NVIC_IPR && a < NVIC_IPR + SE_NUM_IRQ) {
        unsigned idx = addr - NVIC_IPR;
        for (unsigned i = 0; i < lanes && idx + i < SE_NUM_IRQ; i++) {
            uint8_t *p = prio_byte(s, SE_EXC_IRQ0 + idx + i);
            if (p)
                *p = (uint8_t)(value >> (8 * i)) & PRIO_MASK;
        }
        *fx |= SE_SCS_FX_IRQ;
        return;
    }
    if (a >= SHPR1 && a < SHPR1 + 12) {
        unsigned idx = 4 + addr - SHPR1;
        for (unsigned i = 0; i < lanes && idx + i < 16; i++)
            s->prio[idx + i] = (uint8_t)(value >> (8 * i)) & PRIO_MASK;
        *fx |= SE_SCS_FX_IRQ;
        return;
    }
    value <<= (addr & 3u) * 8u;
    unsigned nw = (SE_NUM_IRQ + 31) / 32;
    if (a >= NVIC_ISER && a < NVIC_ISER + 4 * nw) {
        bits_write(s->irq_enabled, (a - NVIC_ISER) / 4, value, true);
        *fx |= SE_SCS_FX_IRQ;
        return;
    }
    if (a >= NVIC_ICER && a < NVIC_ICER + 4 * nw) {
        bits_write(s->irq_enabled, (a - NVIC_ICER) / 4, value, false);
        *fx |= SE_SCS_FX_IRQ;
        return;
    }
    if (a >= NVIC_ISPR && a < NVIC_ISPR + 4 * nw) {
        bits_write(s->pending + SE_EXC_IRQ0, (a - NVIC_ISPR) / 4, value, true);
        *fx |= SE_SCS_FX_IRQ;
        return;
    }
    if (a >= NVIC_ICPR && a < NVIC_ICPR + 4 * nw) {
        bits_write(s->pending + SE_EXC_IRQ0, (a - NVIC_ICPR) / 4, value, false);
        *fx |= SE_SCS_FX_IRQ;
        return;
    }
    if (a >= NVIC_ITNS && a < NVIC_ITNS + 4 * nw) {
        s->itns[(a - NVIC_ITNS) / 4] = value;
        return;
    }
    if (is_m7(s) && m7_write(s, a, value, fx))
        return;
    if (a >= MPU_RBAR && a <= MPU_RBAR_A3 + 4) {
        unsigned r = (s->mpu_rnr + ((a - MPU_RBAR) / 8)) & 7u;
        if ((a - MPU_RBAR) & 4u)
            s->mpu_rlar[r] = value;
        else
            s->mpu_rbar[r] = value;
        return;
    }

    switch (a) {
    case DWT_CTRL: {
        bool was = s->dwt_ctrl & 1u, on = value & 1u;
        if (!was && on)
            s->dwt_base_cycles = now - s->dwt_cyccnt_frozen;
        if (was && !on)
            s->dwt_cyccnt_frozen = (uint32_t)(now - s->dwt_base_cycles);
        s->dwt_ctrl = value & 0x0FFFFFFFu;
        break;
    }
    case FP_CTRL: break;
    case DWT_CYCCNT:
        s->dwt_cyccnt_frozen = value;
        s->dwt_base_cycles = now - value;
        break;
    case ACTLR: s->actlr = value; break;
    case SYST_CSR:
        syst_write_csr(s, value, now);
        *fx |= SE_SCS_FX_TIMER | SE_SCS_FX_IRQ;
        break;
    case SYST_RVR:
        se_systick_rebase(s, now);
        s->syst_rvr = value & 0x00FFFFFFu;
        *fx |= SE_SCS_FX_TIMER;
        break;
    case SYST_CVR: /* any write clears the counter and COUNTFLAG */
        s->syst_epoch = now;
        s->syst_start = 0;
        s->syst_stopped_cvr = 0;
        s->syst_countflag = false;
        s->syst_flag_seen = now;
        *fx |= SE_SCS_FX_TIMER;
        break;
    case ICSR:
        if (value & (1u << 31))
            s->pending[SE_EXC_NMI] = true;
        if (value & (1u << 28))
            s->pending[SE_EXC_PENDSV] = true;
        if (value & (1u << 27))
            s->pending[SE_EXC_PENDSV] = false;
        if (value & (1u << 26))
            s->pending[SE_EXC_SYSTICK] = true;
        if (value & (1u << 25))
            s->pending[SE_EXC_SYSTICK] = false;
        *fx |= SE_SCS_FX_IRQ;
        break;
    case VTOR: *rb.vtor = value & 0xFFFFFF80u; break;
    case AIRCR:
        if ((value >> 16) != 0x05FAu) {
            *fx |= SE_SCS_FX_IGNORED; /* writes without VECTKEY are ignored */
            break;
        }
        s->prigroup = (value >> 8) & 7u;
        /* BFHFNMINS: Secure code only (RO from Non-secure) */
        if (s->tz && s->run_secure)
            s->bfhfnmins = (value & SE_AIRCR_BFHFNMINS) != 0;
        if (value & (1u << 2))
            *fx |= SE_SCS_FX_RESET;
        *fx |= SE_SCS_FX_IRQ;
        break;
    case SCR: s->scr = value & 0x1Eu; break;
    case CCR: {
        uint32_t old = s->ccr;
        s->ccr = (value & 0x0007031Bu) | 0x200u;
        if ((old ^ s->ccr) & (SE_CCR_UNALIGN_TRP | SE_CCR_DIV_0_TRP))
            *fx |= SE_SCS_FX_TRAPS;
        break;
    }
    case SHCSR: {
        uint32_t keep = ~0x000F0000u | (ns_view ? shcsr_ns_hidden(s) : 0u);
        *rb.shcsr = (*rb.shcsr & keep) | (value & ~keep);
        *fx |= SE_SCS_FX_IRQ;
        break;
    }
    case CFSR: *rb.cfsr &= ~value; break; /* write-1-to-clear */
    case HFSR: *rb.hfsr &= ~value; break;
    case DFSR: s->dfsr &= ~value; break;
    case MMFAR: *rb.mmfar = value; break;
    case BFAR: *rb.bfar = value; break;
    case AFSR: s->afsr &= ~value; break;
    case CPACR: s->cpacr = value & 0x00F00000u; break;
    case NSACR: s->nsacr = value & 0x00000C00u; break;
    case MPU_CTRL:
        s->mpu_ctrl = value & 7u;
        if (value & 1u)
            *fx |= SE_SCS_FX_MPU;
        break;
    case MPU_RNR: s->mpu_rnr = value & 7u; break;
    case MPU_MAIR0: s->mpu_mair[0] = value; break;
    case MPU_MAIR1: s->mpu_mair[1] = value; break;
    case SAU_CTRL: s->sau_ctrl = value & 3u; break;
    case SAU_RNR: s->sau_rnr = value & 7u; break;
    case SAU_RBAR: s->sau_rbar[s->sau_rnr & 7u] = value & ~0x1Fu; break;
    case SAU_RLAR:
        s->sau_rlar[s->sau_rnr & 7u] = value & ~0x1Cu;
        break; /* keep NSC (bit 1) and ENABLE */
    case SFSR: s->sfsr &= ~value; break;
    case SFAR: s->sfar = value; break;
    case DHCSR:
        /* Policy (docs/protocol.md 2.6, uncertain): software writes with DBGKEY update
         * C_MASKINTS only, as ST's GCC template relies on (it writes 0xA05F0000 to let
         * SysTick through). C_DEBUGEN stays set while the host is attached; halt/step
         * requests from software are ignored and reported. */
        if ((value >> 16) != 0xA05Fu) {
            *fx |= SE_SCS_FX_IGNORED;
            break;
        }
        if (value & (SE_DHCSR_C_HALT | (1u << 2)))
            *fx |= SE_SCS_FX_IGNORED;
        s->dhcsr = (s->dhcsr & ~SE_DHCSR_C_MASKINTS) | (value & SE_DHCSR_C_MASKINTS);
        *fx |= SE_SCS_FX_IRQ;
        break;
    case DCRSR:
    case DCRDR: *fx |= SE_SCS_FX_IGNORED; break;
    case DEMCR: s->demcr = value & 0x010F0FF1u; break;
    case STIR:
        if ((value & 0x1FFu) < SE_NUM_IRQ)
            s->pending[SE_EXC_IRQ0 + (value & 0x1FFu)] = true;
        *fx |= SE_SCS_FX_IRQ;
        break;
    case FPCCR: s->fpccr = value; break;
    case FPCAR: s->fpcar = value & ~7u; break;
    case FPDSCR: s->fpdscr = value; break;
    case CPUID:
    case SYST_CALIB:
    case ICTR:
    case MPU_TYPE:
    case SAU_TYPE: *fx |= SE_SCS_FX_IGNORED; break;
    default: *fx |= SE_SCS_FX_UNMODELLED; break;
    }
}
