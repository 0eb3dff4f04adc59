#include "peripherals/rcc.h"
#include "peripherals/rcc_regs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define HSI16_HZ 16000000u

/* RM0438 MSI ranges 0..11; 12..15 are not allowed. */
static const uint32_t msi_range_hz[16] = {
    100000u,   200000u,   400000u,   800000u,   1000000u, 2000000u, 4000000u, 8000000u,
    16000000u, 24000000u, 32000000u, 48000000u, 0,        0,        0,        0,
};

/* Reset values from the ST SVD (docs/hardware.md S6); write masks are the SVD's writable fields.
 * CFGR.MCOPRE is writable although the SVD marks it read-only: the HAL's MCO config writes
 * it (RM0438). Bits outside wmask keep their reset value. */
static const se_reg regs[] = {
    {RCC_CR, SE_ACC_RW, 0x00000063u, 0x950D0BFDu, 0, NULL},
    {RCC_ICSCR, SE_ACC_RW, 0x40000000u, 0x7F00FF00u, 0, NULL},
    {RCC_CFGR, SE_ACC_RW, 0x00000000u, 0x7F00BFF3u, 0, NULL},
    {RCC_PLLCFGR, SE_ACC_RW, 0x00001000u, 0xFF737FF3u, 0, NULL},
    {RCC_PLLSAI1CFGR, SE_ACC_RW, 0x00001000u, 0xFF737FF3u, 0, NULL},
    {RCC_PLLSAI2CFGR, SE_ACC_RW, 0x00001000u, 0xF8037FF3u, 0, NULL},
    {RCC_CIER, SE_ACC_RW, 0, 0x000006FFu, 0, NULL},
    {RCC_CIFR, SE_ACC_RO, 0, 0, 0, NULL},
    {RCC_CICR, SE_ACC_WO, 0, 0x000007FFu, 0, NULL},
    {RCC_AHB1RSTR, SE_ACC_RW, 0, 0x00411107u, 0, NULL},
    {RCC_AHB2RSTR, SE_ACC_RW, 0, 0x006F20FFu, 0, NULL},
    {RCC_AHB3RSTR, SE_ACC_RW, 0, 0x00000101u, 0, NULL},
    {RCC_APB1RSTR1, SE_ACC_RW, 0, 0xF1FEC03Fu, 0, NULL},
    {RCC_APB1RSTR2, SE_ACC_RW, 0, 0x00A00263u, 0, NULL},
    {RCC_APB2RSTR, SE_ACC_RW, 0, 0x01677801u, 0, NULL},
    {RCC_AHB1ENR, SE_ACC_RW, 0x00000100u, 0x00411107u, 0, NULL},
    {RCC_AHB2ENR, SE_ACC_RW, 0, 0x006F20FFu, 0, NULL},
    {RCC_AHB3ENR, SE_ACC_RW, 0, 0x00000101u, 0, NULL},
    {RCC_APB1ENR1, SE_ACC_RW, 0, 0xF1FECC3Fu, 0, NULL},
    {RCC_APB1ENR2, SE_ACC_RW, 0, 0x00A00263u, 0, NULL},
    {RCC_APB2ENR, SE_ACC_RW, 0, 0x01677801u, 0, NULL},
    {RCC_AHB1SMENR, SE_ACC_RW, 0x00C11307u, 0x00C11307u, 0, NULL},
    {RCC_AHB2SMENR, SE_ACC_RW, 0x006F22FFu, 0x006F22FFu, 0, NULL},
    {RCC_AHB3SMENR, SE_ACC_RW, 0x00000101u, 0x00000101u, 0, NULL},
    {RCC_APB1SMENR1, SE_ACC_RW, 0xF1FECC3Fu, 0xF1FECC3Fu, 0, NULL},
    {RCC_APB1SMENR2, SE_ACC_RW, 0x00A00223u, 0x00A00263u, 0, NULL},
    {RCC_APB2SMENR, SE_ACC_RW, 0x01677801u, 0x01677801u, 0, NULL},
    {RCC_CCIPR1, SE_ACC_RW, 0, 0x3FFFFFFFu, 0, NULL},
    {RCC_BDCR, SE_ACC_RW, 0, 0x03018BBDu, 0, NULL},
    {RCC_CSR, SE_ACC_RW, 0x0C000600u, 0x00800F11u, 0, NULL},
    {RCC_CRRCR, SE_ACC_RW, 0, 0x00000001u, 0, NULL},
    {RCC_CCIPR2, SE_ACC_RW, 0, 0x003047FFu, 0, NULL},
    {RCC_SECCFGR, SE_ACC_RW, 0, 0x00001FFFu, 0, NULL},
    {RCC_SECSR, SE_ACC_RO, 0, 0, 0, NULL},
    /* Security status of the bus clocks as the GTZC reports it; reset values only. */
    {RCC_AHB1SECSR, SE_ACC_RO, 0x00400300u, 0, 0, NULL},
    {RCC_AHB2SECSR, SE_ACC_RO, 0x002002FFu, 0, 0, NULL},
    {RCC_AHB3SECSR, SE_ACC_RO, 0, 0, 0, NULL},
    {RCC_APB1SECSR1, SE_ACC_RO, 0x00000400u, 0, 0, NULL},
    {RCC_APB1SECSR2, SE_ACC_RO, 0, 0, 0, NULL},
    {RCC_APB2SECSR, SE_ACC_RO, 0, 0, 0, NULL},
};
#define NREGS (sizeof regs / sizeof regs[0])
SE_REG_TABLE(reg_table, regs, SE_RCC_SIZE);

#define R(s, off) ((s)->r[(off) >> 2])

static void rlog(se_rcc *s, int level, uint32_t offset, const char *what)
{
    se_periph_log(s->host, level, "RCC", s->base, offset, what);
}

uint32_t se_rcc_msi_hz(const se_rcc *s)
{
    uint32_t range = (R(s, RCC_CR) & RCC_CR_MSIRGSEL)
                         ? (R(s, RCC_CR) >> RCC_CR_MSIRANGE_SHIFT) & 0xFu
                         : (R(s, RCC_CSR) >> RCC_CSR_MSISRANGE_SHIFT) & 0xFu;
    return msi_range_hz[range];
}

/* Input of a PLL from its 2-bit source field: 00 none, 01 MSI, 10 HSI16, 11 HSE. */
static uint32_t pll_input_hz(const se_rcc *s, uint32_t src)
{
    switch (src & 3u) {
    case 1: return (R(s, RCC_CR) & RCC_CR_MSIRDY) ? se_rcc_msi_hz(s) : 0;
    case 2: return (R(s, RCC_CR) & RCC_CR_HSIRDY) ? HSI16_HZ : 0;
    case 3: return (R(s, RCC_CR) & RCC_CR_HSERDY) ? s->hse_hz : 0;
    default: return 0;
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
    case RCC_SRC_MSI: return se_rcc_msi_hz(s);
    case RCC_SRC_HSI16: return HSI16_HZ;
    case RCC_SRC_HSE: return s->hse_hz;
    default: return pll_r_hz(s);
    }
}

static bool src_ready(const se_rcc *s, uint32_t src)
{
    static const uint32_t rdy[4] = {RCC_CR_MSIRDY, RCC_CR_HSIRDY, RCC_CR_HSERDY, RCC_CR_PLLRDY};
    return (R(s, RCC_CR) & rdy[src & 3u]) != 0;
}

uint32_t se_rcc_sysclk(const se_rcc *s)
{
    return src_hz(s, (R(s, RCC_CFGR) & RCC_CFGR_SWS_MASK) >> RCC_CFGR_SWS_SHIFT);
}

uint32_t se_rcc_hclk(const se_rcc *s)
{
    /* RM0438 HPRE: 0xxx = /1, 1000 = /2 ... 1011 = /16, 1100 = /64 ... 1111 = /512 */
    static const uint8_t shift[16] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 6, 7, 8, 9};
    return se_rcc_sysclk(s) >> shift[(R(s, RCC_CFGR) >> RCC_CFGR_HPRE_SHIFT) & 0xFu];
}

/* Which source (SWS encoding) SYSCLK or the main PLL's input uses, to refuse turning it off. */
static bool in_use(const se_rcc *s, uint32_t src)
{
    uint32_t sws = (R(s, RCC_CFGR) & RCC_CFGR_SWS_MASK) >> RCC_CFGR_SWS_SHIFT;
    if (sws == src)
        return true;
    if (sws == RCC_SRC_PLL && src != RCC_SRC_PLL) {
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
    cr &= ~(RCC_CR_MSIRDY | RCC_CR_HSIRDY | RCC_CR_HSERDY | RCC_CR_PLLRDY | RCC_CR_PLLSAI1RDY |
            RCC_CR_PLLSAI2RDY);
    if (cr & RCC_CR_MSION)
        cr |= RCC_CR_MSIRDY;
    if (cr & RCC_CR_HSION)
        cr |= RCC_CR_HSIRDY;
    if ((cr & RCC_CR_HSEON) && s->hse_hz)
        cr |= RCC_CR_HSERDY;
    R(s, RCC_CR) = cr;
    if ((cr & RCC_CR_PLLON) && pll_input_hz(s, R(s, RCC_PLLCFGR)))
        cr |= RCC_CR_PLLRDY;
    if ((cr & RCC_CR_PLLSAI1ON) && pll_input_hz(s, R(s, RCC_PLLSAI1CFGR)))
        cr |= RCC_CR_PLLSAI1RDY;
    if ((cr & RCC_CR_PLLSAI2ON) && pll_input_hz(s, R(s, RCC_PLLSAI2CFGR)))
        cr |= RCC_CR_PLLSAI2RDY;
    R(s, RCC_CR) = cr;

    uint32_t csr = R(s, RCC_CSR) & ~RCC_CSR_LSIRDY;
    R(s, RCC_CSR) = csr | ((csr & RCC_CSR_LSION) ? RCC_CSR_LSIRDY : 0);
    uint32_t bdcr = R(s, RCC_BDCR) & ~(RCC_BDCR_LSERDY | RCC_BDCR_LSESYSRDY);
    if (bdcr & RCC_BDCR_LSEON) /* the DK has a 32.768 kHz LSE crystal [infer: board schematic] */
        bdcr |= RCC_BDCR_LSERDY;
    if (bdcr & RCC_BDCR_LSESYSEN)
        bdcr |= RCC_BDCR_LSESYSRDY;
    R(s, RCC_BDCR) = bdcr;
    uint32_t crrcr = R(s, RCC_CRRCR) & ~RCC_CRRCR_HSI48RDY;
    R(s, RCC_CRRCR) = crrcr | ((crrcr & RCC_CRRCR_HSI48ON) ? RCC_CRRCR_HSI48RDY : 0);

    static const struct {
        uint32_t cr_rdy, ci;
    } rise[] = {
        {RCC_CR_MSIRDY, RCC_CI_MSIRDY},         {RCC_CR_HSIRDY, RCC_CI_HSIRDY},
        {RCC_CR_HSERDY, RCC_CI_HSERDY},         {RCC_CR_PLLRDY, RCC_CI_PLLRDY},
        {RCC_CR_PLLSAI1RDY, RCC_CI_PLLSAI1RDY}, {RCC_CR_PLLSAI2RDY, RCC_CI_PLLSAI2RDY},
    };
    for (size_t i = 0; i < sizeof rise / sizeof rise[0]; i++)
        if ((cr & rise[i].cr_rdy) && !(old_cr & rise[i].cr_rdy))
            R(s, RCC_CIFR) |= rise[i].ci & R(s, RCC_CIER);
}

/* RM0438: the switch happens when the target is ready, so a pending SW completes as soon as
 * its source becomes ready; until then SWS keeps the old source. */
static void update_switch(se_rcc *s)
{
    uint32_t sw = R(s, RCC_CFGR) & RCC_CFGR_SW_MASK;
    uint32_t sws = (R(s, RCC_CFGR) & RCC_CFGR_SWS_MASK) >> RCC_CFGR_SWS_SHIFT;
    if (sw != sws && src_ready(s, sw))
        R(s, RCC_CFGR) = (R(s, RCC_CFGR) & ~RCC_CFGR_SWS_MASK) | (sw << RCC_CFGR_SWS_SHIFT);
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
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "RCC", s->base, off, false, 0);
        return 0;
    }
    uint32_t v;
    switch (off) {
    case RCC_SECSR:
        /* RM0438: mirrors the security of the clock configuration set in SECCFGR */
        v = R(s, RCC_SECCFGR);
        break;
    default: v = d->access == SE_ACC_WO ? 0 : R(s, off); break;
    }
    return se_reg_lane_read(v, offset, size);
}

/* Report each write that turns on a clock whose source is not running (edge only). */
static void check_enables(se_rcc *s, uint32_t old_cr)
{
    uint32_t cr = R(s, RCC_CR);
    uint32_t on = cr & ~old_cr;
    if ((on & (RCC_CR_HSEON | RCC_CR_HSEBYP)) && !s->hse_hz)
        rlog(s, SE_LOG_WARN, RCC_CR,
             "HSEON set, but the board has no HSE (L562E-DK: none fitted); HSERDY stays 0");
    if ((on & RCC_CR_PLLON) && !(cr & RCC_CR_PLLRDY)) {
        char what[112];
        snprintf(what, sizeof what,
                 "PLLON set with PLLCFGR 0x%08" PRIx32
                 " whose source is off or absent; PLLRDY stays 0",
                 R(s, RCC_PLLCFGR));
        rlog(s, SE_LOG_WARN, RCC_CR, what);
    }
    if ((on & RCC_CR_PLLSAI1ON) && !(cr & RCC_CR_PLLSAI1RDY))
        rlog(s, SE_LOG_WARN, RCC_CR, "PLLSAI1ON set but its source is off; PLLSAI1RDY stays 0");
    if ((on & RCC_CR_PLLSAI2ON) && !(cr & RCC_CR_PLLSAI2RDY))
        rlog(s, SE_LOG_WARN, RCC_CR, "PLLSAI2ON set but its source is off; PLLSAI2RDY stays 0");
}

static void write_cr(se_rcc *s, uint32_t v, uint32_t lanes, uint32_t wmask)
{
    uint32_t old = R(s, RCC_CR);
    uint32_t m = wmask & lanes;
    uint32_t cr = (old & ~m) | (v & m);
    /* RM0438: MSIRGSEL and CSSON are set-only (writing 0 has no effect). */
    cr |= old & (RCC_CR_MSIRGSEL | RCC_CR_CSSON);
    /* RM0438: an oscillator used by SYSCLK (directly or through the PLL) cannot be stopped,
     * nor can the PLL while it is the system clock. */
    if (in_use(s, RCC_SRC_MSI))
        cr |= old & RCC_CR_MSION;
    if (in_use(s, RCC_SRC_HSI16))
        cr |= old & RCC_CR_HSION;
    if (in_use(s, RCC_SRC_HSE))
        cr |= old & RCC_CR_HSEON;
    if (in_use(s, RCC_SRC_PLL))
        cr |= old & RCC_CR_PLLON;
    if ((m & (0xFu << RCC_CR_MSIRANGE_SHIFT)) && ((cr >> RCC_CR_MSIRANGE_SHIFT) & 0xFu) > 11u)
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
    uint32_t sw = R(s, RCC_CFGR) & RCC_CFGR_SW_MASK;
    if (sw != (old & RCC_CFGR_SW_MASK) && !src_ready(s, sw)) {
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
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "RCC", s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_reg_lanes(offset, size);
    uint32_t v = se_reg_lane_value(offset, value, size);
    switch (off) {
    case RCC_CR: write_cr(s, v, lanes, d->wmask); break;
    case RCC_CFGR: write_cfgr(s, v, lanes, d->wmask); break;
    case RCC_CICR: R(s, RCC_CIFR) &= ~(v & d->wmask); break;
    case RCC_CSR: {
        uint32_t m = d->wmask & lanes & ~RCC_CSR_RMVF;
        uint32_t csr = (R(s, RCC_CSR) & ~m) | (v & m);
        if (v & RCC_CSR_RMVF) /* RM0438: RMVF clears the reset flags and reads 0 */
            csr &= ~RCC_CSR_RESET_FLAGS;
        R(s, RCC_CSR) = csr;
        break;
    }
    default: {
        if (d->access == SE_ACC_RO) {
            if (se_reg_once(s->unknown_seen, off))
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

SE_PERIPH_CLASS(se_rcc_class, "RCC", se_rcc, se_rcc);
