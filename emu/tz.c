#include "emu/tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define SAU_CTRL_ENABLE (1u << 0)
#define SAU_CTRL_ALLNS (1u << 1)
#define SAU_RLAR_ENABLE (1u << 0)
#define SAU_RLAR_NSC (1u << 1)
#define SAU_NREGIONS 8u /* SAU_TYPE.SREGION on the L5 (docs/hardware.md C.3) */

#define SRAM1_SIZE 0x30000u /* stm32l562xx.h SRAM1_SIZE, SRAM2_SIZE (docs/hardware.md C.1) */
#define SRAM2_SIZE 0x10000u
#define MPCBB_BLOCK_SHIFT 8u /* 256-byte blocks (GTZC_MPCBB_BLOCK_SIZE) */

/* GTZC register offsets (docs/hardware.md C.5; stm32l562xx.h GTZC_*_TypeDef) */
enum {
    TZSC_CR = 0x00,
    TZSC_SECCFGR1 = 0x10,
    TZSC_SECCFGR2 = 0x14,
    TZSC_PRIVCFGR1 = 0x20,
    TZSC_PRIVCFGR2 = 0x24,
    TZSC_MPCWM1_NSWMR1 = 0x30, /* .. MPCWM3_NSWMR1 at 0x40, one word apart */
    TZSC_MPCWM_END = 0x44,
    TZIC_IER1 = 0x00,
    TZIC_SR1 = 0x10,
    TZIC_FCR1 = 0x20,
    MPCBB_CR = 0x000,
    MPCBB_LCKVTR1 = 0x010,
    MPCBB_LCKVTR2 = 0x014,
    MPCBB_VCTR0 = 0x100,
};
#define GTZC_BLOCK_SIZE 0x400u
#define TZSC_CR_LCK (1u << 0)
#define MPCBB_CR_LCK (1u << 0)
#define MPCBB_CR_SRWILADIS (1u << 31)
#define MPCBB_CR_MASK 0xC0000001u
/* Writable bits, from the SVD as in peripherals/l5_regfiles.c */
#define CFGR2_MASK 0x0007FFFFu
#define MPCWM_MASK 0x0FFF07FFu
static const uint32_t tzic_mask[3] = {0xFFFFFFFFu, 0x3FFFFFFFu, 0x000000FFu};

/* TZIC bit positions (stm32l562xx.h GTZC_CFGR2_*, GTZC_CFGR3_*; docs/hardware.md C.5) */
enum {
    CFGR2_ICACHE_REG = 10,
    CFGR2_FMC_REG = 17,
    CFGR2_OCTOSPI1_REG = 18,
    CFGR2_PWR = 20,
    CFGR2_SYSCFG = 21,
    CFGR2_DMA1 = 22,
    CFGR2_DMA2 = 23,
    CFGR2_DMAMUX1 = 24,
    CFGR2_RCC = 25,
    CFGR2_FLASH = 26,
    CFGR2_FLASH_REG = 27,
    CFGR2_EXTI = 28,
    CFGR3_TZSC = 0,
    CFGR3_TZIC = 1,
    CFGR3_FMC_MEM = 2,
    CFGR3_OCTOSPI1_MEM = 3,
    CFGR3_SRAM1 = 4,
    CFGR3_MPCBB1_REG = 5,
    CFGR3_SRAM2 = 6,
    CFGR3_MPCBB2_REG = 7,
};

/* ---- attribution ---------------------------------------------------------------------- */

bool se_tz_idau(uint32_t addr, bool *exempt, bool *nsc)
{
    /* docs/hardware.md C.2 table: the secure (NSC-capable) aliases are 0x0C00_0000-0x0FFF_FFFF
     * (flash 0x0800_0000 + 0x0400_0000: in the code region the alias bit is 26, not 28),
     * 0x3000_0000-0x3FFF_FFFF and 0x5000_0000-0x5FFF_FFFF (SRAM, peripherals: bit 28). The rest
     * of 0x0000_0000-0x5FFF_FFFF (0x1xxx_xxxx included) and the external memories (FMC
     * 0x6000_0000, 0x8000_0000, OCTOSPI 0x9000_0000: no alias, though 0x7/0x9 have bit 28 set)
     * are non-secure; 0xE000_0000 up is exempt. */
    unsigned top = addr >> 28;
    bool ex = addr >= 0xE0000000u;
    bool sec = top == 3u || top == 5u || (top == 0u && addr >= 0x0C000000u);
    if (exempt)
        *exempt = ex;
    if (nsc)
        *nsc = sec;
    return sec;
}

bool se_tz_sau(const se_scs *scs, uint32_t addr, int *region, bool *nsc)
{
    int r = SE_TZ_SAU_OFF;
    bool sec, n = false;
    if (!(scs->sau_ctrl & SAU_CTRL_ENABLE)) {
        /* Armv8-M SecurityCheck: disabled SAU answers Secure unless ALLNS (docs/hardware.md C.2) */
        sec = !(scs->sau_ctrl & SAU_CTRL_ALLNS);
    } else {
        r = SE_TZ_SAU_NONE;
        sec = true;
        for (unsigned i = 0; i < SAU_NREGIONS; i++) {
            uint32_t rlar = scs->sau_rlar[i];
            if (!(rlar & SAU_RLAR_ENABLE))
                continue;
            uint32_t base = scs->sau_rbar[i] & ~0x1Fu, limit = rlar | 0x1Fu;
            if (addr < base || addr > limit)
                continue;
            if (r >= 0) {
                /* Armv8-M: a hit in more than one region is Secure, not NSC, no region */
                r = SE_TZ_SAU_OVERLAP;
                sec = true;
                n = false;
                break;
            }
            r = (int)i;
            n = (rlar & SAU_RLAR_NSC) != 0;
            sec = n;
        }
    }
    if (region)
        *region = r;
    if (nsc)
        *nsc = n;
    return sec;
}

se_tz_attr se_tz_attribute(const se_scs *scs, uint32_t addr, bool cpu_secure)
{
    se_tz_attr a;
    memset(&a, 0, sizeof a);
    a.sau_region = SE_TZ_SAU_NONE;
    a.idau_secure = se_tz_idau(addr, &a.exempt, &a.idau_nsc);
    if (a.exempt) {
        a.secure = cpu_secure;
        return a;
    }
    bool sau_nsc;
    a.sau_secure = se_tz_sau(scs, addr, &a.sau_region, &sau_nsc);
    bool ns = !a.sau_secure, nsc = sau_nsc;
    /* Armv8-M SecurityCheck: a Secure IDAU answer overrides an NS one from the SAU, and an
     * NSC one when the IDAU region is not NSC-capable ("the more secure wins"). */
    if (a.idau_secure && (ns || (!a.idau_nsc && nsc))) {
        ns = false;
        nsc = a.idau_nsc;
    }
    a.secure = !ns;
    a.nsc = nsc;
    return a;
}

/* ---- GTZC state ----------------------------------------------------------------------- */

void se_tz_gtzc_reset(se_tz_gtzc *g, bool tzen)
{
    /* The SVD reset values are the same for TZEN=0 and 1 (VCTR 0xFFFF_FFFF, all else 0);
     * with TZEN=0 nothing is enforced (se_tz_config.tzen), so C.5's unverified "VCTR reset 0
     * with TZEN=0" changes nothing visible here. */
    (void)tzen;
    memset(g, 0, sizeof *g);
    for (unsigned m = 0; m < 2; m++)
        for (unsigned i = 0; i < SE_TZ_MPCBB_NVCTR; i++)
            g->mpcbb[m].vctr[i] = 0xFFFFFFFFu;
}

/* The GTZC block of addr (either alias) and the offset in it; 0 if none. */
static uint32_t gtzc_block(uint32_t addr, uint32_t *off)
{
    uint32_t a = (addr & 0x0FFFFFFFu) | 0x40000000u;
    if ((addr >> 28) != 4u && (addr >> 28) != 5u)
        return 0;
    static const uint32_t bases[] = {SE_TZ_GTZC_TZSC, SE_TZ_GTZC_TZIC, SE_TZ_GTZC_MPCBB1,
                                     SE_TZ_GTZC_MPCBB2};
    for (unsigned i = 0; i < N(bases); i++)
        if (a - bases[i] < GTZC_BLOCK_SIZE) {
            *off = a - bases[i];
            return bases[i];
        }
    return 0;
}

bool se_tz_gtzc_read(const se_tz_gtzc *g, uint32_t addr, uint32_t *value)
{
    uint32_t off = 0, base = gtzc_block(addr, &off);
    *value = 0;
    if (off & 3u)
        return false;
    switch (base) {
    case SE_TZ_GTZC_TZSC:
        switch (off) {
        case TZSC_CR: *value = g->tzsc_cr; return true;
        case TZSC_SECCFGR1:
        case TZSC_SECCFGR2: *value = g->seccfgr[(off - TZSC_SECCFGR1) / 4]; return true;
        case TZSC_PRIVCFGR1:
        case TZSC_PRIVCFGR2: *value = g->privcfgr[(off - TZSC_PRIVCFGR1) / 4]; return true;
        default:
            if (off >= TZSC_MPCWM1_NSWMR1 && off < TZSC_MPCWM_END) {
                *value = g->mpcwm[(off - TZSC_MPCWM1_NSWMR1) / 4];
                return true;
            }
            return false;
        }
    case SE_TZ_GTZC_TZIC:
        if (off < TZIC_IER1 + 12) {
            *value = g->tzic_ier[off / 4];
            return true;
        }
        if (off >= TZIC_SR1 && off < TZIC_SR1 + 12) {
            *value = g->tzic_sr[(off - TZIC_SR1) / 4];
            return true;
        }
        return off >= TZIC_FCR1 && off < TZIC_FCR1 + 12; /* write-only: reads 0 */
    case SE_TZ_GTZC_MPCBB1:
    case SE_TZ_GTZC_MPCBB2: {
        const se_tz_mpcbb *m = &g->mpcbb[base == SE_TZ_GTZC_MPCBB2];
        if (off == MPCBB_CR) {
            *value = m->cr;
            return true;
        }
        if (off == MPCBB_LCKVTR1 || off == MPCBB_LCKVTR2) {
            *value = m->lckvtr[(off - MPCBB_LCKVTR1) / 4];
            return true;
        }
        if (off >= MPCBB_VCTR0 && off < MPCBB_VCTR0 + 4 * SE_TZ_MPCBB_NVCTR) {
            *value = m->vctr[(off - MPCBB_VCTR0) / 4];
            return true;
        }
        return false;
    }
    default: return false;
    }
}

bool se_tz_gtzc_write(se_tz_gtzc *g, uint32_t addr, uint32_t value)
{
    uint32_t off = 0, base = gtzc_block(addr, &off);
    if (off & 3u)
        return false;
    switch (base) {
    case SE_TZ_GTZC_TZSC: {
        /* docs/hardware.md C.5: CR.LCK locks SECCFGRx/PRIVCFGRx until reset; ST's HAL calls it the
         * "TZSC and TZSC-MPCWM" lock, so it covers the watermarks too. LCK is set-only. */
        bool locked = g->tzsc_cr & TZSC_CR_LCK;
        switch (off) {
        case TZSC_CR: g->tzsc_cr |= value & TZSC_CR_LCK; return true;
        case TZSC_SECCFGR1:
        case TZSC_PRIVCFGR1:
        case TZSC_SECCFGR2:
        case TZSC_PRIVCFGR2: {
            uint32_t *r = off < TZSC_PRIVCFGR1 ? &g->seccfgr[(off - TZSC_SECCFGR1) / 4]
                                               : &g->privcfgr[(off - TZSC_PRIVCFGR1) / 4];
            if (!locked)
                *r = value & ((off & 4u) ? CFGR2_MASK : 0xFFFFFFFFu);
            return true;
        }
        default:
            if (off >= TZSC_MPCWM1_NSWMR1 && off < TZSC_MPCWM_END) {
                if (!locked)
                    g->mpcwm[(off - TZSC_MPCWM1_NSWMR1) / 4] = value & MPCWM_MASK;
                return true;
            }
            return false;
        }
    }
    case SE_TZ_GTZC_TZIC:
        if (off < TZIC_IER1 + 12) {
            g->tzic_ier[off / 4] = value & tzic_mask[off / 4];
            return true;
        }
        if (off >= TZIC_SR1 && off < TZIC_SR1 + 12)
            return true; /* read-only */
        if (off >= TZIC_FCR1 && off < TZIC_FCR1 + 12) {
            g->tzic_sr[(off - TZIC_FCR1) / 4] &= ~value; /* FCRx: a 1 clears the SRx flag */
            return true;
        }
        return false;
    case SE_TZ_GTZC_MPCBB1:
    case SE_TZ_GTZC_MPCBB2: {
        /* Policy [infer from the field names, docs/hardware.md C.5]: CR.LCK freezes CR; LCKVTRx
         * bits are set-only and each freezes the VCTR of its super-block (32 blocks). */
        se_tz_mpcbb *m = &g->mpcbb[base == SE_TZ_GTZC_MPCBB2];
        if (off == MPCBB_CR) {
            if (!(m->cr & MPCBB_CR_LCK))
                m->cr = value & MPCBB_CR_MASK;
            return true;
        }
        if (off == MPCBB_LCKVTR1 || off == MPCBB_LCKVTR2) {
            m->lckvtr[(off - MPCBB_LCKVTR1) / 4] |= value;
            return true;
        }
        if (off >= MPCBB_VCTR0 && off < MPCBB_VCTR0 + 4 * SE_TZ_MPCBB_NVCTR) {
            unsigned n = (off - MPCBB_VCTR0) / 4;
            if (!((m->lckvtr[n / 32] >> (n % 32)) & 1u))
                m->vctr[n] = value;
            return true;
        }
        return false;
    }
    default: return false;
    }
}

void se_tz_gtzc_load(se_tz_gtzc *g, se_tz_read_fn rd, void *ctx)
{
    g->tzsc_cr = rd(ctx, SE_TZ_GTZC_TZSC + TZSC_CR);
    for (unsigned i = 0; i < 2; i++) {
        g->seccfgr[i] = rd(ctx, SE_TZ_GTZC_TZSC + TZSC_SECCFGR1 + 4 * i);
        g->privcfgr[i] = rd(ctx, SE_TZ_GTZC_TZSC + TZSC_PRIVCFGR1 + 4 * i);
    }
    for (unsigned i = 0; i < N(g->mpcwm); i++)
        g->mpcwm[i] = rd(ctx, SE_TZ_GTZC_TZSC + TZSC_MPCWM1_NSWMR1 + 4 * i);
    for (unsigned i = 0; i < 3; i++) {
        g->tzic_ier[i] = rd(ctx, SE_TZ_GTZC_TZIC + TZIC_IER1 + 4 * i);
        g->tzic_sr[i] = rd(ctx, SE_TZ_GTZC_TZIC + TZIC_SR1 + 4 * i);
    }
    for (unsigned m = 0; m < 2; m++) {
        uint32_t base = m ? SE_TZ_GTZC_MPCBB2 : SE_TZ_GTZC_MPCBB1;
        g->mpcbb[m].cr = rd(ctx, base + MPCBB_CR);
        g->mpcbb[m].lckvtr[0] = rd(ctx, base + MPCBB_LCKVTR1);
        g->mpcbb[m].lckvtr[1] = rd(ctx, base + MPCBB_LCKVTR2);
        for (unsigned i = 0; i < SE_TZ_MPCBB_NVCTR; i++)
            g->mpcbb[m].vctr[i] = rd(ctx, base + MPCBB_VCTR0 + 4 * i);
    }
}

int se_tz_mpcbb_block(uint32_t addr, unsigned *block)
{
    /* The block index is the offset from 0x2000_0000 or 0x3000_0000: both aliases reach the
     * same SRAM, so the same VCTR bit guards both. SRAM2 follows SRAM1 (docs/hardware.md C.1). */
    unsigned top = addr >> 28, b;
    int m;
    uint32_t off = addr & 0x0FFFFFFFu;
    if (top != 2u && top != 3u)
        return -1;
    if (off < SRAM1_SIZE) {
        m = 0;
        b = off >> MPCBB_BLOCK_SHIFT;
    } else if (off < SRAM1_SIZE + SRAM2_SIZE) {
        m = 1;
        b = (off - SRAM1_SIZE) >> MPCBB_BLOCK_SHIFT;
    } else {
        return -1;
    }
    if (block)
        *block = b;
    return m;
}

bool se_tz_mpcbb_secure(const se_tz_gtzc *g, uint32_t addr)
{
    unsigned b;
    int m = se_tz_mpcbb_block(addr, &b);
    return m >= 0 && ((g->mpcbb[m].vctr[b / 32] >> (b % 32)) & 1u);
}

unsigned se_tz_mpcwm_bank(uint32_t addr)
{
    /* Each bank is a 256 MB space (HAL GTZC_TZSC_MPCWMx_MEM_SIZE): OCTOSPI1_BASE, FMC_BANK1,
     * FMC_BANK3 (stm32l562xx.h). */
    switch (addr >> 28) {
    case 0x9u: return 1;
    case 0x6u: return 2;
    case 0x8u: return 3;
    default: return 0;
    }
}

/* A watermark register's window [start, end) in bytes from the bank base. */
static bool in_window(uint32_t reg, uint32_t off)
{
    uint64_t start = (uint64_t)(reg & 0x7FFu) * SE_TZ_MPCWM_GRANULE;
    uint64_t len = (uint64_t)((reg >> 16) & 0xFFFu) * SE_TZ_MPCWM_GRANULE;
    return off >= start && off < start + len;
}

bool se_tz_mpcwm_nonsecure(const se_tz_gtzc *g, uint32_t addr)
{
    uint32_t off = addr & 0x0FFFFFFFu;
    switch (se_tz_mpcwm_bank(addr)) {
    case 1: return in_window(g->mpcwm[0], off) || in_window(g->mpcwm[1], off);
    case 2: return in_window(g->mpcwm[2], off) || in_window(g->mpcwm[3], off);
    case 3: return in_window(g->mpcwm[4], off); /* MPCWM3 has one window */
    default: return false;
    }
}

/* ---- peripherals ---------------------------------------------------------------------- */

/* The peripherals the machine models (peripherals/stm32l5.c, l5_regfiles.c, octospi.c), NS
 * bases from docs/hardware.md C.1. Securable ones have a TZSC SECCFGRx bit; RCC, PWR, FLASH, GPIO,
 * EXTI, SYSCFG and DMA are TrustZone-aware (their own SECCFGR decides per function or pin,
 * docs/hardware.md C.5/C.6) and only have a TZIC flag. GPIO has no TZIC flag (no GTZC_CFGR bit).
 * Bits: stm32l562xx.h GTZC_CFGR2_* / GTZC_CFGR3_*. */
#define GPIO(n, letter)                                                                      \
    {                                                                                        \
        "GPIO" letter, 0x42020000u + 0x400u * (n), 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 0, 0 \
    }
static const se_tz_periph periphs[] = {
    {"PWR", 0x40007000u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_PWR},
    {"SYSCFG", 0x40010000u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_SYSCFG},
    {"DMA1", 0x40020000u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_DMA1},
    {"DMA2", 0x40020400u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_DMA2},
    {"DMAMUX1", 0x40020800u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_DMAMUX1},
    {"RCC", 0x40021000u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_RCC},
    {"FLASH", 0x40022000u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_FLASH_REG},
    {"EXTI", 0x4002F400u, 0x400u, SE_TZ_PERIPH_TZ_AWARE, 0, 0, 2, CFGR2_EXTI},
    {"ICACHE", 0x40030400u, 0x400u, SE_TZ_PERIPH_SECURABLE, 2, CFGR2_ICACHE_REG, 2,
     CFGR2_ICACHE_REG},
    {"GTZC_TZSC", SE_TZ_GTZC_TZSC, 0x400u, SE_TZ_PERIPH_GTZC_CFG, 0, 0, 3, CFGR3_TZSC},
    {"GTZC_TZIC", SE_TZ_GTZC_TZIC, 0x400u, SE_TZ_PERIPH_SECURE_ONLY, 0, 0, 3, CFGR3_TZIC},
    {"GTZC_MPCBB1", SE_TZ_GTZC_MPCBB1, 0x400u, SE_TZ_PERIPH_GTZC_CFG, 0, 0, 3, CFGR3_MPCBB1_REG},
    {"GTZC_MPCBB2", SE_TZ_GTZC_MPCBB2, 0x400u, SE_TZ_PERIPH_GTZC_CFG, 0, 0, 3, CFGR3_MPCBB2_REG},
    GPIO(0, "A"),
    GPIO(1, "B"),
    GPIO(2, "C"),
    GPIO(3, "D"),
    GPIO(4, "E"),
    GPIO(5, "F"),
    GPIO(6, "G"),
    GPIO(7, "H"),
    {"FMC", 0x44020000u, 0x400u, SE_TZ_PERIPH_SECURABLE, 2, CFGR2_FMC_REG, 2, CFGR2_FMC_REG},
    /* docs/hardware.md B.1: OCTOSPI1_REGSEC = SECCFGR2 bit 18 */
    {"OCTOSPI1", 0x44021000u, 0x400u, SE_TZ_PERIPH_SECURABLE, 2, CFGR2_OCTOSPI1_REG, 2,
     CFGR2_OCTOSPI1_REG},
};

const se_tz_periph *se_tz_periph_table(size_t *n)
{
    *n = N(periphs);
    return periphs;
}

const se_tz_periph *se_tz_periph_find(uint32_t addr)
{
    if ((addr >> 28) != 4u && (addr >> 28) != 5u)
        return NULL;
    uint32_t a = addr & ~0x10000000u;
    for (size_t i = 0; i < N(periphs); i++)
        if (a - periphs[i].base < periphs[i].size)
            return &periphs[i];
    return NULL;
}

bool se_tz_periph_secure(const se_tz_gtzc *g, const se_tz_periph *p)
{
    switch (p->kind) {
    case SE_TZ_PERIPH_SECURABLE: return (g->seccfgr[p->seccfgr - 1] >> p->secbit) & 1u;
    case SE_TZ_PERIPH_SECURE_ONLY: return true;
    default: return false;
    }
}

/* ---- the decision --------------------------------------------------------------------- */

void se_tz_config_reset(se_tz_config *c, bool tzen)
{
    memset(c, 0, sizeof *c);
    c->tzen = tzen;
    c->alias = SE_TZ_ALIAS_PASS;
    c->illegal = SE_TZ_ILLEGAL_RAZWI;
    se_tz_gtzc_reset(&c->gtzc, tzen);
}

static const char *access_str(bool write, bool fetch)
{
    return fetch ? "fetch from" : write ? "write to" : "read from";
}

static const char *state_str(bool secure) { return secure ? "secure" : "non-secure"; }

/* "SAU region 2", "SAU region 0 NSC", "SAU region none", ... */
static void sau_str(const se_tz_attr *a, const se_scs *scs, char *buf, size_t len)
{
    switch (a->sau_region) {
    case SE_TZ_SAU_NONE: snprintf(buf, len, "SAU region none"); break;
    case SE_TZ_SAU_OVERLAP: snprintf(buf, len, "SAU regions overlap"); break;
    case SE_TZ_SAU_OFF:
        snprintf(buf, len, "SAU off%s", (scs->sau_ctrl & SAU_CTRL_ALLNS) ? " ALLNS=1" : "");
        break;
    default:
        snprintf(buf, len, "SAU region %d%s", a->sau_region, a->sau_secure ? " NSC" : "");
        break;
    }
}

/* One access being decided. */
typedef struct tz_access {
    const se_tz_config *cfg;
    const se_scs *scs;
    se_tz_outcome *o;
    bool cpu_secure;
    uint32_t addr;
    bool write, fetch;
} tz_access;

static se_tz_verdict secure_fault(const tz_access *x, se_tz_verdict v, uint32_t bits,
                                  const char *name)
{
    se_tz_outcome *o = x->o;
    char sau[40];
    sau_str(&o->attr, x->scs, sau, sizeof sau);
    o->verdict = v;
    o->layer = SE_TZ_LAYER_SAU;
    o->sfsr = bits;
    o->sfar = (bits & SE_SFSR_SFARVALID) ? x->addr : 0;
    snprintf(o->reason, sizeof o->reason, "SecureFault %s: %s %s 0x%08" PRIx32 " (%s, IDAU %s)",
             name, state_str(x->cpu_secure), access_str(x->write, x->fetch), x->addr, sau,
             o->attr.idau_secure ? "secure" : "non-secure");
    return v;
}

/* A GTZC denial: what the bus answers depends on the access kind and the D.2 policy. who names
 * the layer in the reason, details say what was refused; sr/bit is the TZIC flag (sr 0: none). */
static se_tz_verdict deny(const tz_access *x, se_tz_layer layer, const char *who,
                          const char *details, unsigned sr, unsigned bit)
{
    se_tz_outcome *o = x->o;
    char flag[40], via[48] = "";
    o->layer = layer;
    o->tzic_sr = (uint8_t)sr;
    o->tzic_bit = (uint8_t)bit;
    if (sr)
        snprintf(flag, sizeof flag, "TZIC SR%u bit %u", sr, bit);
    else
        snprintf(flag, sizeof flag, "no TZIC flag");
    if (x->cpu_secure && !o->secure_txn && o->attr.sau_region >= 0)
        snprintf(via, sizeof via, ", non-secure by SAU region %d", o->attr.sau_region);
    const char *st = state_str(o->secure_txn), *acc = access_str(x->write, x->fetch);
    const char *effect = x->write ? "write ignored" : "reads as zero";
    if (x->fetch) {
        /* docs/hardware.md C.4: a GTZC-blocked fetch is a BusFault (IBUSERR) */
        o->verdict = SE_TZ_BUSFAULT;
        o->cfsr = SE_CFSR_IBUSERR;
        snprintf(o->reason, sizeof o->reason,
                 "BusFault IBUSERR: %s %s 0x%08" PRIx32 " (GTZC %s: %s%s; %s)", st, acc, x->addr,
                 who, details, via, flag);
    } else if (x->cfg->illegal == SE_TZ_ILLEGAL_BUSERR) {
        /* Writes go through the write buffer (Normal SRAM, Device-nGnRE peripherals), so
         * their error is imprecise, as in the CFSR=0x400 case of docs/hardware.md S16. */
        o->verdict = SE_TZ_BUSFAULT;
        if (x->write) {
            o->cfsr = SE_TZ_CFSR_IMPRECISERR;
        } else {
            o->cfsr = SE_CFSR_PRECISERR | SE_CFSR_BFARVALID;
            o->bfar = x->addr;
        }
        snprintf(o->reason, sizeof o->reason,
                 "BusFault %s: %s %s 0x%08" PRIx32 " (GTZC %s: %s%s; %s; %s)",
                 x->write ? "IMPRECISERR" : "PRECISERR", st, acc, x->addr, who, details, via,
                 effect, flag);
    } else {
        o->verdict = SE_TZ_ILLEGAL;
        snprintf(o->reason, sizeof o->reason,
                 "GTZC illegal access %s: %s %s 0x%08" PRIx32 " (%s%s; %s; %s)", who, st, acc,
                 x->addr, details, via, effect, flag);
    }
    return o->verdict;
}

static const char *layer_name(se_tz_layer l)
{
    static const char *const names[] = {"none",   "SAU",    "alias",  "MPCBB1", "MPCBB2",
                                        "MPCWM1", "MPCWM2", "MPCWM3", "TZSC",   "GTZC"};
    return (unsigned)l < N(names) ? names[l] : "?";
}

/* D.1 policy ILLEGAL: a Secure transaction through a non-secure alias address. */
static se_tz_verdict deny_alias(const tz_access *x, int sram, const se_tz_periph *p)
{
    unsigned sr = 0, bit = 0;
    const char *what = "an unmodelled target";
    char d[64];
    if (sram >= 0) {
        sr = 3;
        bit = sram ? CFGR3_SRAM2 : CFGR3_SRAM1;
        what = sram ? "SRAM2" : "SRAM1";
    } else if (p) {
        sr = p->tzic_sr;
        bit = p->tzic_bit;
        what = p->name;
    } else if (x->addr < 0x10000000u) {
        sr = 2;
        bit = CFGR2_FLASH;
        what = "the internal flash";
    }
    snprintf(d, sizeof d, "non-secure alias of %s", what);
    return deny(x, SE_TZ_LAYER_ALIAS, "alias", d, sr, bit);
}

/* MPCBB: a non-secure transaction to a secure block; a secure one to a non-secure block when
 * it is a fetch, or a data access with SRWILADIS = 0 (docs/hardware.md C.5). */
static se_tz_verdict check_mpcbb(const tz_access *x, int sram, unsigned block)
{
    const se_tz_mpcbb *m = &x->cfg->gtzc.mpcbb[sram];
    bool s = x->o->secure_txn, bsec = (m->vctr[block / 32] >> (block % 32)) & 1u;
    const char *why = NULL;
    char d[96];
    if (!s && bsec)
        why = "secure";
    else if (s && !bsec && x->fetch)
        why = "non-secure";
    else if (s && !bsec && !(m->cr & MPCBB_CR_SRWILADIS))
        why = "non-secure, SRWILADIS=0";
    if (!why)
        return SE_TZ_OK;
    snprintf(d, sizeof d, "SRAM%d block %u %s, VCTR%u bit %u", sram + 1, block, why, block / 32,
             block % 32);
    se_tz_layer l = sram ? SE_TZ_LAYER_MPCBB2 : SE_TZ_LAYER_MPCBB1;
    return deny(x, l, layer_name(l), d, 3, sram ? CFGR3_SRAM2 : CFGR3_SRAM1);
}

/* MPCWM (docs/hardware.md C.5): outside the NSWMRx windows the bank is secure. Secure transactions
 * pass everywhere (policy: C.5 only restricts non-secure ones). */
static se_tz_verdict check_mpcwm(const tz_access *x, unsigned bank)
{
    static const char *const mem[] = {"", "OCTOSPI1 memory", "FMC NOR bank", "FMC NAND bank"};
    const se_tz_gtzc *g = &x->cfg->gtzc;
    char d[96];
    if (x->o->secure_txn || se_tz_mpcwm_nonsecure(g, x->addr))
        return SE_TZ_OK;
    const uint32_t *r = &g->mpcwm[bank == 1 ? 0 : bank == 2 ? 2 : 4];
    bool none = !((r[0] >> 16) & 0xFFFu) && (bank == 3 || !((r[1] >> 16) & 0xFFFu));
    if (none)
        snprintf(d, sizeof d, "%s secure: no non-secure window", mem[bank]);
    else
        snprintf(d, sizeof d, "%s offset 0x%07" PRIx32 " outside the non-secure windows", mem[bank],
                 x->addr & 0x0FFFFFFFu);
    se_tz_layer l = (se_tz_layer)(SE_TZ_LAYER_MPCWM1 + (bank - 1));
    return deny(x, l, layer_name(l), d, 3, bank == 1 ? CFGR3_OCTOSPI1_MEM : CFGR3_FMC_MEM);
}

static se_tz_verdict check_periph(const tz_access *x, const se_tz_periph *p)
{
    bool s = x->o->secure_txn;
    char d[96];
    switch (p->kind) {
    case SE_TZ_PERIPH_SECURABLE:
        if (s || !se_tz_periph_secure(&x->cfg->gtzc, p))
            return SE_TZ_OK;
        snprintf(d, sizeof d, "%s secure, SECCFGR%u bit %u", p->name, p->seccfgr, p->secbit);
        return deny(x, SE_TZ_LAYER_TZSC, "TZSC", d, p->tzic_sr, p->tzic_bit);
    case SE_TZ_PERIPH_TZ_AWARE: x->o->tz_aware = true; return SE_TZ_OK;
    case SE_TZ_PERIPH_GTZC_CFG:
        if (s || !x->write)
            return SE_TZ_OK;
        snprintf(d, sizeof d, "%s registers are writable by secure code only", p->name);
        return deny(x, SE_TZ_LAYER_GTZC, p->name, d, p->tzic_sr, p->tzic_bit);
    case SE_TZ_PERIPH_SECURE_ONLY:
        if (s)
            return SE_TZ_OK;
        snprintf(d, sizeof d, "%s is secure-only", p->name);
        return deny(x, SE_TZ_LAYER_GTZC, p->name, d, p->tzic_sr, p->tzic_bit);
    }
    return SE_TZ_OK;
}

/* The bus side: the transaction (o->secure_txn) against the GTZC configuration. */
static se_tz_verdict check_gtzc(const tz_access *x)
{
    unsigned block = 0;
    int sram = se_tz_mpcbb_block(x->addr, &block);
    unsigned bank = se_tz_mpcwm_bank(x->addr);
    const se_tz_periph *p = se_tz_periph_find(x->addr);
    x->o->periph = p;
    if (x->o->secure_txn && x->cfg->alias == SE_TZ_ALIAS_ILLEGAL && x->addr < 0x60000000u &&
        !x->o->attr.idau_secure)
        return deny_alias(x, sram, p);
    if (sram >= 0)
        return check_mpcbb(x, sram, block);
    if (bank)
        return check_mpcwm(x, bank);
    if (p)
        return check_periph(x, p);
    return SE_TZ_OK;
}

se_tz_verdict se_tz_check(const se_tz_config *cfg, const se_scs *scs, bool cpu_secure,
                          uint32_t addr, bool write, bool fetch, se_tz_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->verdict = SE_TZ_OK;
    const tz_access x = {cfg, scs, out, cpu_secure, addr, write && !fetch, fetch};
    if (!cfg->tzen) {
        /* TZEN=0: only the Non-secure state exists and nothing is enforced
         * (docs/hardware.md C.6) */
        out->attr.sau_region = SE_TZ_SAU_OFF;
        return SE_TZ_OK;
    }
    out->attr = se_tz_attribute(scs, addr, cpu_secure);
    const se_tz_attr *a = &out->attr;
    if (!a->exempt) {
        if (fetch && !cpu_secure && a->secure) {
            /* Armv8-M: a Non-secure fetch from Secure memory is an invalid entry point unless
             * it is an SG in NSC memory (docs/hardware.md C.4; QEMU v8m NSC exec) */
            return secure_fault(&x, a->nsc ? SE_TZ_SG_REQUIRED : SE_TZ_SECUREFAULT, SE_SFSR_INVEP,
                                "INVEP");
        }
        if (fetch && cpu_secure && !a->secure) {
            /* Armv8-M: Secure state reaching Non-secure memory by a branch not flagged as
             * domain-crossing (BXNS/BLXNS change state first) or by falling through: INVTRAN */
            return secure_fault(&x, SE_TZ_SECUREFAULT, SE_SFSR_INVTRAN, "INVTRAN");
        }
        if (!fetch && !cpu_secure && a->secure) {
            /* docs/hardware.md C.4: Non-secure data access to S/NSC memory: AUVIOL, SFAR valid */
            return secure_fault(&x, SE_TZ_SECUREFAULT, SE_SFSR_AUVIOL | SE_SFSR_SFARVALID,
                                "AUVIOL");
        }
    }
    /* docs/hardware.md C.4: a Secure-state access to NS-attributed memory is a Non-secure
     * transaction; exempt ranges take the CPU's state (a->secure = cpu_secure there). */
    out->secure_txn = a->secure;
    if (a->exempt)
        return SE_TZ_OK;
    return check_gtzc(&x);
}

se_tz_verdict se_tz_check_master(const se_tz_config *cfg, bool secure_txn, uint32_t addr,
                                 bool write, se_tz_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->verdict = SE_TZ_OK;
    out->secure_txn = secure_txn;
    if (!cfg->tzen)
        return SE_TZ_OK;
    /* No SAU/IDAU on this path: the attribution units sit in the CPU (docs/hardware.md C.4); the
     * GTZC judges every master's transaction by its own security (C.5). */
    out->attr.secure = secure_txn;
    out->attr.idau_secure = secure_txn;
    out->attr.sau_region = SE_TZ_SAU_NONE;
    const tz_access x = {cfg, NULL, out, secure_txn, addr, write, false};
    return check_gtzc(&x);
}

bool se_tz_is_sg(uint32_t insn) { return insn == SE_TZ_SG_OPCODE; }

unsigned se_tz_fault_regs(se_scs *scs, const se_tz_outcome *o)
{
    switch (o->verdict) {
    case SE_TZ_SECUREFAULT:
    case SE_TZ_SG_REQUIRED:
        scs->sfsr |= o->sfsr;
        if (o->sfsr & SE_SFSR_SFARVALID)
            scs->sfar = o->sfar;
        return SE_EXC_SECUREFAULT;
    case SE_TZ_BUSFAULT: {
        /* the copy of the state BusFault is taken in (Secure while AIRCR.BFHFNMINS = 0) */
        se_scs_regs r =
            se_scs_bank_of(scs, se_scs_targets_secure(scs, SE_EXC_BUSFAULT, scs->run_secure));
        *r.cfsr |= o->cfsr;
        if (o->cfsr & SE_CFSR_BFARVALID)
            *r.bfar = o->bfar;
        return SE_EXC_BUSFAULT;
    }
    default: return 0;
    }
}

unsigned se_tz_escalate(se_scs *scs, unsigned exc)
{
    /* SecureFault and BusFault go to HardFault when SHCSR.SECUREFAULTENA / BUSFAULTENA is 0
     * (docs/hardware.md C.4) */
    if (exc == 0 || exc == SE_EXC_HARDFAULT || se_scs_is_enabled(scs, exc))
        return exc;
    bool sec = se_scs_targets_secure(scs, exc, scs->run_secure);
    *se_scs_bank_of(scs, se_scs_targets_secure(scs, SE_EXC_HARDFAULT, sec)).hfsr |= SE_HFSR_FORCED;
    return SE_EXC_HARDFAULT;
}

bool se_tz_flag(se_tz_gtzc *g, const se_tz_outcome *o)
{
    if ((o->verdict != SE_TZ_ILLEGAL && o->verdict != SE_TZ_BUSFAULT) || !o->tzic_sr ||
        o->tzic_sr > 3)
        return false;
    uint32_t bit = 1u << o->tzic_bit;
    g->tzic_sr[o->tzic_sr - 1] |= bit;
    return (g->tzic_ier[o->tzic_sr - 1] & bit) != 0;
}

/* ---- presets -------------------------------------------------------------------------- */

const se_tz_sau_region se_tz_st_template_sau[6] = {
    {0x0C03E000u, 0x0C03FFFFu, true},  /* secure NSC veneers */
    {0x08040000u, 0x0807FFFFu, false}, /* NS flash (bank 2) */
    {0x20018000u, 0x2003FFFFu, false}, /* NS SRAM: second half of SRAM1 and SRAM2 */
    {0x40000000u, 0x4FFFFFFFu, false}, /* NS peripherals */
    {0x60000000u, 0x9FFFFFFFu, false}, /* NS external memories (FMC, OCTOSPI) */
    {0x0BF90000u, 0x0BFA8FFFu, false}, /* NS system memory */
};

void se_tz_load_st_template_sau(se_scs *scs)
{
    for (unsigned i = 0; i < SAU_NREGIONS; i++) {
        scs->sau_rbar[i] = 0;
        scs->sau_rlar[i] = 0;
    }
    for (unsigned i = 0; i < N(se_tz_st_template_sau); i++) {
        const se_tz_sau_region *r = &se_tz_st_template_sau[i];
        scs->sau_rbar[i] = r->start & ~0x1Fu;
        scs->sau_rlar[i] = (r->end & ~0x1Fu) | (r->nsc ? SAU_RLAR_NSC : 0) | SAU_RLAR_ENABLE;
    }
    scs->sau_ctrl = SAU_CTRL_ENABLE;
}

void se_tz_load_st_template_gtzc(se_tz_gtzc *g)
{
    for (unsigned i = 0; i < 24; i++)
        g->mpcbb[0].vctr[i] = i < 12 ? 0xFFFFFFFFu : 0;
    for (unsigned i = 0; i < 8; i++)
        g->mpcbb[1].vctr[i] = 0;
    g->mpcbb[0].cr &= ~MPCBB_CR_SRWILADIS;
    g->mpcbb[1].cr &= ~MPCBB_CR_SRWILADIS;
}
