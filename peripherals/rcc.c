#include "rcc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stm32l5.h"

/* Register offsets (RM0438 RCC map; the same in the ST SVD, docs/hardware.md S6). */
enum {
    RCC_CR = 0x00,
    RCC_ICSCR = 0x04,
    RCC_CFGR = 0x08,
    RCC_PLLCFGR = 0x0C,
    RCC_PLLSAI1CFGR = 0x10,
    RCC_PLLSAI2CFGR = 0x14,
    RCC_CIER = 0x18,
    RCC_CIFR = 0x1C,
    RCC_CICR = 0x20,
    RCC_AHB1RSTR = 0x28,
    RCC_AHB2RSTR = 0x2C,
    RCC_AHB3RSTR = 0x30,
    RCC_APB1RSTR1 = 0x38,
    RCC_APB1RSTR2 = 0x3C,
    RCC_APB2RSTR = 0x40,
    RCC_AHB1ENR = 0x48,
    RCC_AHB2ENR = 0x4C,
    RCC_AHB3ENR = 0x50,
    RCC_APB1ENR1 = 0x58,
    RCC_APB1ENR2 = 0x5C,
    RCC_APB2ENR = 0x60,
    RCC_AHB1SMENR = 0x68,
    RCC_AHB2SMENR = 0x6C,
    RCC_AHB3SMENR = 0x70,
    RCC_APB1SMENR1 = 0x78,
    RCC_APB1SMENR2 = 0x7C,
    RCC_APB2SMENR = 0x80,
    RCC_CCIPR1 = 0x88,
    RCC_BDCR = 0x90,
    RCC_CSR = 0x94,
    RCC_CRRCR = 0x98,
    RCC_CCIPR2 = 0x9C,
    RCC_SECCFGR = 0xB8,
    RCC_SECSR = 0xBC,
    RCC_AHB1SECSR = 0xE8,
    RCC_AHB2SECSR = 0xEC,
    RCC_AHB3SECSR = 0xF0,
    RCC_APB1SECSR1 = 0xF8,
    RCC_APB1SECSR2 = 0xFC,
    RCC_APB2SECSR = 0x100,
};

/* RCC_CR bits (docs/hardware.md C.7) */
#define CR_MSION (1u << 0)
#define CR_MSIRDY (1u << 1)
#define CR_MSIRGSEL (1u << 3)
#define CR_MSIRANGE_SHIFT 4
#define CR_HSION (1u << 8)
#define CR_HSIRDY (1u << 10)
#define CR_HSEON (1u << 16)
#define CR_HSERDY (1u << 17)
#define CR_HSEBYP (1u << 18)
#define CR_CSSON (1u << 19)
#define CR_PLLON (1u << 24)
#define CR_PLLRDY (1u << 25)
#define CR_PLLSAI1ON (1u << 26)
#define CR_PLLSAI1RDY (1u << 27)
#define CR_PLLSAI2ON (1u << 28)
#define CR_PLLSAI2RDY (1u << 29)
/* CFGR */
#define CFGR_SW_MASK 0x3u
#define CFGR_SWS_SHIFT 2
#define CFGR_SWS_MASK (0x3u << CFGR_SWS_SHIFT)
#define CFGR_HPRE_SHIFT 4
enum { SRC_MSI = 0, SRC_HSI16 = 1, SRC_HSE = 2, SRC_PLL = 3 };
/* CIFR/CIER/CICR ready-interrupt bits (SVD) */
#define CI_LSIRDY (1u << 0)
#define CI_LSERDY (1u << 1)
#define CI_MSIRDY (1u << 2)
#define CI_HSIRDY (1u << 3)
#define CI_HSERDY (1u << 4)
#define CI_PLLRDY (1u << 5)
#define CI_PLLSAI1RDY (1u << 6)
#define CI_PLLSAI2RDY (1u << 7)
#define CI_HSI48RDY (1u << 10)
/* CSR */
#define CSR_LSION (1u << 0)
#define CSR_LSIRDY (1u << 1)
#define CSR_MSISRANGE_SHIFT 8
#define CSR_RMVF (1u << 23)
#define CSR_RESET_FLAGS 0xFE000000u
/* BDCR */
#define BDCR_LSEON (1u << 0)
#define BDCR_LSERDY (1u << 1)
#define BDCR_LSESYSEN (1u << 7)
#define BDCR_LSESYSRDY (1u << 11)
/* CRRCR */
#define CRRCR_HSI48ON (1u << 0)
#define CRRCR_HSI48RDY (1u << 1)

#define HSI16_HZ 16000000u

/* RM0438 MSI ranges 0..11; 12..15 are not allowed. */
static const uint32_t msi_range_hz[16] = {
    100000u,  200000u,  400000u,   800000u,   1000000u,  2000000u, 4000000u, 8000000u,
    16000000u, 24000000u, 32000000u, 48000000u, 0, 0, 0, 0,
};

/* Reset values from the ST SVD (docs/hardware.md S6); write masks are the SVD's writable fields.
 * CFGR.MCOPRE is writable although the SVD marks it read-only: the HAL's MCO config writes
 * it (RM0438). Bits outside wmask keep their reset value. */
static const se_l5_reg regs[] = {
    {RCC_CR, SE_L5_RW, 0x00000063u, 0x950D0BFDu},
    {RCC_ICSCR, SE_L5_RW, 0x40000000u, 0x7F00FF00u},
    {RCC_CFGR, SE_L5_RW, 0x00000000u, 0x7F00BFF3u},
    {RCC_PLLCFGR, SE_L5_RW, 0x00001000u, 0xFF737FF3u},
    {RCC_PLLSAI1CFGR, SE_L5_RW, 0x00001000u, 0xFF737FF3u},
    {RCC_PLLSAI2CFGR, SE_L5_RW, 0x00001000u, 0xF8037FF3u},
    {RCC_CIER, SE_L5_RW, 0, 0x000006FFu},
    {RCC_CIFR, SE_L5_RO, 0, 0},
    {RCC_CICR, SE_L5_WO, 0, 0x000007FFu},
    {RCC_AHB1RSTR, SE_L5_RW, 0, 0x00411107u},
    {RCC_AHB2RSTR, SE_L5_RW, 0, 0x006F20FFu},
    {RCC_AHB3RSTR, SE_L5_RW, 0, 0x00000101u},
    {RCC_APB1RSTR1, SE_L5_RW, 0, 0xF1FEC03Fu},
    {RCC_APB1RSTR2, SE_L5_RW, 0, 0x00A00263u},
    {RCC_APB2RSTR, SE_L5_RW, 0, 0x01677801u},
    {RCC_AHB1ENR, SE_L5_RW, 0x00000100u, 0x00411107u},
    {RCC_AHB2ENR, SE_L5_RW, 0, 0x006F20FFu},
    {RCC_AHB3ENR, SE_L5_RW, 0, 0x00000101u},
    {RCC_APB1ENR1, SE_L5_RW, 0, 0xF1FECC3Fu},
    {RCC_APB1ENR2, SE_L5_RW, 0, 0x00A00263u},
    {RCC_APB2ENR, SE_L5_RW, 0, 0x01677801u},
    {RCC_AHB1SMENR, SE_L5_RW, 0x00C11307u, 0x00C11307u},
    {RCC_AHB2SMENR, SE_L5_RW, 0x006F22FFu, 0x006F22FFu},
    {RCC_AHB3SMENR, SE_L5_RW, 0x00000101u, 0x00000101u},
    {RCC_APB1SMENR1, SE_L5_RW, 0xF1FECC3Fu, 0xF1FECC3Fu},
    {RCC_APB1SMENR2, SE_L5_RW, 0x00A00223u, 0x00A00263u},
    {RCC_APB2SMENR, SE_L5_RW, 0x01677801u, 0x01677801u},
    {RCC_CCIPR1, SE_L5_RW, 0, 0x3FFFFFFFu},
    {RCC_BDCR, SE_L5_RW, 0, 0x03018BBDu},
    {RCC_CSR, SE_L5_RW, 0x0C000600u, 0x00800F11u},
    {RCC_CRRCR, SE_L5_RW, 0, 0x00000001u},
    {RCC_CCIPR2, SE_L5_RW, 0, 0x003047FFu},
    {RCC_SECCFGR, SE_L5_RW, 0, 0x00001FFFu},
    {RCC_SECSR, SE_L5_RO, 0, 0},
    /* Security status of the bus clocks as the GTZC reports it; reset values only. */
    {RCC_AHB1SECSR, SE_L5_RO, 0x00400300u, 0},
    {RCC_AHB2SECSR, SE_L5_RO, 0x002002FFu, 0},
    {RCC_AHB3SECSR, SE_L5_RO, 0, 0},
    {RCC_APB1SECSR1, SE_L5_RO, 0x00000400u, 0},
    {RCC_APB1SECSR2, SE_L5_RO, 0, 0},
    {RCC_APB2SECSR, SE_L5_RO, 0, 0},
};
#define NREGS (sizeof regs / sizeof regs[0])

#define R(s, off) ((s)->r[(off) >> 2])

static void rlog(se_rcc *s, int level, uint32_t offset, const char *what)
{
    se_l5_log(s->host, level, "RCC", s->base, offset, what);
}

uint32_t se_rcc_msi_hz(const se_rcc *s)
{
    uint32_t range = (R(s, RCC_CR) & CR_MSIRGSEL) ? (R(s, RCC_CR) >> CR_MSIRANGE_SHIFT) & 0xFu
                                                  : (R(s, RCC_CSR) >> CSR_MSISRANGE_SHIFT) & 0xFu;
    return msi_range_hz[range];
}

/* Input of a PLL from its 2-bit source field: 00 none, 01 MSI, 10 HSI16, 11 HSE. */
static uint32_t pll_input_hz(const se_rcc *s, uint32_t src)
{
    switch (src & 3u) {
    case 1:
        return (R(s, RCC_CR) & CR_MSIRDY) ? se_rcc_msi_hz(s) : 0;
    case 2:
        return (R(s, RCC_CR) & CR_HSIRDY) ? HSI16_HZ : 0;
    case 3:
        return (R(s, RCC_CR) & CR_HSERDY) ? s->hse_hz : 0;
    default:
        return 0;
    }
}

static uint32_t pll_r_hz(const se_rcc *s)
{
    uint32_t cfg = R(s, RCC_PLLCFGR);
    uint32_t m = ((cfg >> 4) & 0xFu) + 1u;
    uint32_t n = (cfg >> 8) & 0x7Fu;
    uint32_t r = (((cfg >> 25) & 3u) + 1u) * 2u;
    uint64_t vco = (uint64_t)pll_input_hz(s, cfg) / m * n;
    return (uint32_t)(vco / r);
}

static uint32_t src_hz(const se_rcc *s, uint32_t src)
{
    switch (src) {
    case SRC_MSI:
        return se_rcc_msi_hz(s);
    case SRC_HSI16:
        return HSI16_HZ;
    case SRC_HSE:
        return s->hse_hz;
    default:
        return pll_r_hz(s);
    }
}

static bool src_ready(const se_rcc *s, uint32_t src)
{
    static const uint32_t rdy[4] = {CR_MSIRDY, CR_HSIRDY, CR_HSERDY, CR_PLLRDY};
    return (R(s, RCC_CR) & rdy[src & 3u]) != 0;
}

uint32_t se_rcc_sysclk(const se_rcc *s)
{
    return src_hz(s, (R(s, RCC_CFGR) & CFGR_SWS_MASK) >> CFGR_SWS_SHIFT);
}

uint32_t se_rcc_hclk(const se_rcc *s)
{
    /* RM0438 HPRE: 0xxx = /1, 1000 = /2 ... 1011 = /16, 1100 = /64 ... 1111 = /512 */
    static const uint8_t shift[16] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 6, 7, 8, 9};
    return se_rcc_sysclk(s) >> shift[(R(s, RCC_CFGR) >> CFGR_HPRE_SHIFT) & 0xFu];
}

/* Which source (SWS encoding) SYSCLK or the main PLL's input uses, to refuse turning it off. */
static bool in_use(const se_rcc *s, uint32_t src)
{
    uint32_t sws = (R(s, RCC_CFGR) & CFGR_SWS_MASK) >> CFGR_SWS_SHIFT;
    if (sws == src)
        return true;
    if (sws == SRC_PLL && src != SRC_PLL) {
        static const uint32_t pllsrc_of[3] = {1, 2, 3};
        return (R(s, RCC_PLLCFGR) & 3u) == pllsrc_of[src];
    }
    return false;
}

/* Ready flags follow their enables at once (the HAL polls them with 2 ms timeouts that need
 * SysTick, docs/hardware.md C.7); a PLL locks only if its input runs. Rising flags latch into
 * CIFR when enabled in CIER. */
static void update_ready(se_rcc *s)
{
    uint32_t cr = R(s, RCC_CR);
    uint32_t old_cr = cr;
    cr &= ~(CR_MSIRDY | CR_HSIRDY | CR_HSERDY | CR_PLLRDY | CR_PLLSAI1RDY | CR_PLLSAI2RDY);
    if (cr & CR_MSION)
        cr |= CR_MSIRDY;
    if (cr & CR_HSION)
        cr |= CR_HSIRDY;
    if ((cr & CR_HSEON) && s->hse_hz)
        cr |= CR_HSERDY;
    R(s, RCC_CR) = cr;
    if ((cr & CR_PLLON) && pll_input_hz(s, R(s, RCC_PLLCFGR)))
        cr |= CR_PLLRDY;
    if ((cr & CR_PLLSAI1ON) && pll_input_hz(s, R(s, RCC_PLLSAI1CFGR)))
        cr |= CR_PLLSAI1RDY;
    if ((cr & CR_PLLSAI2ON) && pll_input_hz(s, R(s, RCC_PLLSAI2CFGR)))
        cr |= CR_PLLSAI2RDY;
    R(s, RCC_CR) = cr;

    uint32_t csr = R(s, RCC_CSR) & ~CSR_LSIRDY;
    R(s, RCC_CSR) = csr | ((csr & CSR_LSION) ? CSR_LSIRDY : 0);
    uint32_t bdcr = R(s, RCC_BDCR) & ~(BDCR_LSERDY | BDCR_LSESYSRDY);
    if (bdcr & BDCR_LSEON) /* the DK has a 32.768 kHz LSE crystal [infer: board schematic] */
        bdcr |= BDCR_LSERDY;
    if (bdcr & BDCR_LSESYSEN)
        bdcr |= BDCR_LSESYSRDY;
    R(s, RCC_BDCR) = bdcr;
    uint32_t crrcr = R(s, RCC_CRRCR) & ~CRRCR_HSI48RDY;
    R(s, RCC_CRRCR) = crrcr | ((crrcr & CRRCR_HSI48ON) ? CRRCR_HSI48RDY : 0);

    static const struct {
        uint32_t cr_rdy, ci;
    } rise[] = {
        {CR_MSIRDY, CI_MSIRDY},         {CR_HSIRDY, CI_HSIRDY},
        {CR_HSERDY, CI_HSERDY},         {CR_PLLRDY, CI_PLLRDY},
        {CR_PLLSAI1RDY, CI_PLLSAI1RDY}, {CR_PLLSAI2RDY, CI_PLLSAI2RDY},
    };
    for (size_t i = 0; i < sizeof rise / sizeof rise[0]; i++)
        if ((cr & rise[i].cr_rdy) && !(old_cr & rise[i].cr_rdy))
            R(s, RCC_CIFR) |= rise[i].ci & R(s, RCC_CIER);
}

/* RM0438: the switch happens when the target is ready, so a pending SW completes as soon as
 * its source becomes ready; until then SWS keeps the old source. */
static void update_switch(se_rcc *s)
{
    uint32_t sw = R(s, RCC_CFGR) & CFGR_SW_MASK;
    uint32_t sws = (R(s, RCC_CFGR) & CFGR_SWS_MASK) >> CFGR_SWS_SHIFT;
    if (sw != sws && src_ready(s, sw))
        R(s, RCC_CFGR) = (R(s, RCC_CFGR) & ~CFGR_SWS_MASK) | (sw << CFGR_SWS_SHIFT);
}

static void update_clocks(se_rcc *s)
{
    update_ready(s);
    update_switch(s);
    uint32_t old = s->hclk;
    s->ospi1_en = R(s, RCC_AHB3ENR) & (1u << 8); /* docs/hardware.md B.1 */
    s->sysclk = se_rcc_sysclk(s);
    s->hclk = se_rcc_hclk(s);
    if (s->hclk != old && s->host && s->host->set_core_hz)
        s->host->set_core_hz(s->host->opaque, s->hclk);
}

void se_rcc_reset(se_rcc *s)
{
    const se_periph_host *host = s->host;
    uint32_t base = s->base, hse = s->hse_hz;
    void (*reset_line)(void *, uint32_t, uint32_t) = s->reset_line;
    void *reset_ctx = s->reset_ctx;
    memset(s, 0, sizeof *s);
    s->reset_line = reset_line;
    s->reset_ctx = reset_ctx;
    s->host = host;
    s->base = base;
    s->hse_hz = hse;
    for (size_t i = 0; i < NREGS; i++)
        R(s, regs[i].off) = regs[i].reset;
    update_clocks(s);
}

uint32_t se_rcc_read(se_rcc *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_l5_reg *d = se_l5_reg_find(regs, NREGS, off);
    if (!d) {
        se_l5_unknown(s->host, s->unknown_seen, "RCC", s->base, off, false, 0);
        return 0;
    }
    uint32_t v;
    switch (off) {
    case RCC_SECSR:
        /* RM0438: mirrors the security of the clock configuration set in SECCFGR */
        v = R(s, RCC_SECCFGR);
        break;
    default:
        v = d->access == SE_L5_WO ? 0 : R(s, off);
        break;
    }
    return se_l5_lane_read(v, offset, size);
}

/* Report each write that turns on a clock whose source is not running (edge only). */
static void check_enables(se_rcc *s, uint32_t old_cr)
{
    uint32_t cr = R(s, RCC_CR);
    uint32_t on = cr & ~old_cr;
    if ((on & (CR_HSEON | CR_HSEBYP)) && !s->hse_hz)
        rlog(s, SE_LOG_WARN, RCC_CR,
             "HSEON set, but the board has no HSE (L562E-DK: none fitted); HSERDY stays 0");
    if ((on & CR_PLLON) && !(cr & CR_PLLRDY)) {
        char what[112];
        snprintf(what, sizeof what,
                 "PLLON set with PLLCFGR 0x%08" PRIx32 " whose source is off or absent; PLLRDY stays 0",
                 R(s, RCC_PLLCFGR));
        rlog(s, SE_LOG_WARN, RCC_CR, what);
    }
    if ((on & CR_PLLSAI1ON) && !(cr & CR_PLLSAI1RDY))
        rlog(s, SE_LOG_WARN, RCC_CR, "PLLSAI1ON set but its source is off; PLLSAI1RDY stays 0");
    if ((on & CR_PLLSAI2ON) && !(cr & CR_PLLSAI2RDY))
        rlog(s, SE_LOG_WARN, RCC_CR, "PLLSAI2ON set but its source is off; PLLSAI2RDY stays 0");
}

static void write_cr(se_rcc *s, uint32_t v, uint32_t lanes, uint32_t wmask)
{
    uint32_t old = R(s, RCC_CR);
    uint32_t m = wmask & lanes;
    uint32_t cr = (old & ~m) | (v & m);
    /* RM0438: MSIRGSEL and CSSON are set-only (writing 0 has no effect). */
    cr |= old & (CR_MSIRGSEL | CR_CSSON);
    /* RM0438: an oscillator used by SYSCLK (directly or through the PLL) cannot be stopped,
     * nor can the PLL while it is the system clock. */
    if (in_use(s, SRC_MSI))
        cr |= old & CR_MSION;
    if (in_use(s, SRC_HSI16))
        cr |= old & CR_HSION;
    if (in_use(s, SRC_HSE))
        cr |= old & CR_HSEON;
    if (in_use(s, SRC_PLL))
        cr |= old & CR_PLLON;
    if ((m & (0xFu << CR_MSIRANGE_SHIFT)) && ((cr >> CR_MSIRANGE_SHIFT) & 0xFu) > 11u)
        rlog(s, SE_LOG_WARN, RCC_CR, "MSIRANGE above 11 (48 MHz) is not allowed (RM0438)");
    R(s, RCC_CR) = cr;
    update_ready(s);
    check_enables(s, old);
}

static void write_cfgr(se_rcc *s, uint32_t v, uint32_t lanes, uint32_t wmask)
{
    uint32_t old = R(s, RCC_CFGR);
    uint32_t m = wmask & lanes;
    R(s, RCC_CFGR) = (old & ~m) | (v & m);
    uint32_t sw = R(s, RCC_CFGR) & CFGR_SW_MASK;
    if (sw != (old & CFGR_SW_MASK) && !src_ready(s, sw)) {
        static const char *const names[4] = {"MSI", "HSI16", "HSE", "PLL"};
        char what[128];
        snprintf(what, sizeof what,
                 "SW selects %s, which is not ready; SWS keeps the old source until it is",
                 names[sw]);
        rlog(s, SE_LOG_WARN, RCC_CFGR, what);
    }
}

void se_rcc_write(se_rcc *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_l5_reg *d = se_l5_reg_find(regs, NREGS, off);
    if (!d) {
        se_l5_unknown(s->host, s->unknown_seen, "RCC", s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_l5_lanes(offset, size);
    uint32_t v = se_l5_lane_value(offset, value, size);
    switch (off) {
    case RCC_CR:
        write_cr(s, v, lanes, d->wmask);
        break;
    case RCC_CFGR:
        write_cfgr(s, v, lanes, d->wmask);
        break;
    case RCC_CICR:
        R(s, RCC_CIFR) &= ~(v & d->wmask);
        break;
    case RCC_CSR: {
        uint32_t m = d->wmask & lanes & ~CSR_RMVF;
        uint32_t csr = (R(s, RCC_CSR) & ~m) | (v & m);
        if (v & CSR_RMVF) /* RM0438: RMVF clears the reset flags and reads 0 */
            csr &= ~CSR_RESET_FLAGS;
        R(s, RCC_CSR) = csr;
        break;
    }
    default: {
        if (d->access == SE_L5_RO) {
            if (se_l5_once(s->unknown_seen, off))
                rlog(s, SE_LOG_WARN, off, "write to a read-only register ignored");
            return;
        }
        uint32_t before = R(s, off);
        R(s, off) = (before & ~(d->wmask & lanes)) | (v & d->wmask & lanes);
        bool rstr = off == RCC_AHB1RSTR || off == RCC_AHB2RSTR || off == RCC_AHB3RSTR ||
                    off == RCC_APB1RSTR1 || off == RCC_APB1RSTR2 || off == RCC_APB2RSTR;
        if (rstr && s->reset_line && (R(s, off) & ~before))
            s->reset_line(s->reset_ctx, off, R(s, off) & ~before);
        break;
    }
    }
    update_clocks(s);
}

static void cls_reset(void *st)
{
    se_rcc_reset(st);
}
static uint32_t cls_read(void *st, uint32_t offset, unsigned size)
{
    return se_rcc_read(st, offset, size);
}
static void cls_write(void *st, uint32_t offset, uint32_t value, unsigned size)
{
    se_rcc_write(st, offset, value, size);
}

const se_periph_class se_rcc_class = {
    .name = "RCC",
    .state_size = sizeof(se_rcc),
    .reset = cls_reset,
    .read = cls_read,
    .write = cls_write,
};
