#include "pwr.h"

#include <string.h>

#include "stm32l5.h"

/* Register offsets (RM0438 PWR map; ST SVD, docs/hardware.md S6). The L5 has no SVMCR: its
 * PVD/PVM enables live in CR2. */
enum {
    PWR_CR1 = 0x00,
    PWR_CR2 = 0x04,
    PWR_CR3 = 0x08,
    PWR_CR4 = 0x0C,
    PWR_SR1 = 0x10,
    PWR_SR2 = 0x14,
    PWR_SCR = 0x18,
    PWR_PUCRA = 0x20, /* PUCRx/PDCRx pairs for A..H up to 0x5C */
    PWR_PDCRH = 0x5C,
    PWR_SECCFGR = 0x78,
    PWR_PRIVCFGR = 0x80,
};

#define CR1_VOS_SHIFT 9
#define CR1_LPR (1u << 14)
#define CR4_SMPSBYP (1u << 12)
#define CR4_EXTSMPSEN (1u << 13)
#define CR4_SMPSLPEN (1u << 15)
#define SR1_SMPSBYPRDY (1u << 12)
#define SR1_EXTSMPSRDY (1u << 13)
#define SR1_SMPSHPRDY (1u << 15)
#define SR1_FLAGS 0x0000011Fu /* SBF, WUF1..5: cleared through SCR */
#define SR2_REGLPS (1u << 8)
#define SR2_REGLPF (1u << 9)

/* Reset values and writable fields from the ST SVD (docs/hardware.md S6). */
static const se_l5_reg regs[] = {
    {PWR_CR1, SE_L5_RW, 0x00000400u, 0x00004707u}, /* VOS = 10: range 2 */
    {PWR_CR2, SE_L5_RW, 0, 0x000006FFu},
    {PWR_CR3, SE_L5_RW, 0, 0x00006F1Fu},
    {PWR_CR4, SE_L5_RW, 0, 0x0000F31Fu},
    {PWR_SR1, SE_L5_RO, 0, 0},
    {PWR_SR2, SE_L5_RO, 0, 0},
    {PWR_SCR, SE_L5_WO, 0, 0x0000011Fu},
    {0x20, SE_L5_RW, 0, 0xFFFFu}, {0x24, SE_L5_RW, 0, 0xFFFFu}, /* A */
    {0x28, SE_L5_RW, 0, 0xFFFFu}, {0x2C, SE_L5_RW, 0, 0xFFFFu}, /* B */
    {0x30, SE_L5_RW, 0, 0xFFFFu}, {0x34, SE_L5_RW, 0, 0xFFFFu}, /* C */
    {0x38, SE_L5_RW, 0, 0xFFFFu}, {0x3C, SE_L5_RW, 0, 0xFFFFu}, /* D */
    {0x40, SE_L5_RW, 0, 0xFFFFu}, {0x44, SE_L5_RW, 0, 0xFFFFu}, /* E */
    {0x48, SE_L5_RW, 0, 0xFFFFu}, {0x4C, SE_L5_RW, 0, 0xFFFFu}, /* F */
    {0x50, SE_L5_RW, 0, 0xFFFFu}, {0x54, SE_L5_RW, 0, 0xFFFFu}, /* G */
    {0x58, SE_L5_RW, 0, 0xFFFFu}, {PWR_PDCRH, SE_L5_RW, 0, 0xFFFFu}, /* H */
    {PWR_SECCFGR, SE_L5_RW, 0, 0x00000F1Fu},
    {PWR_PRIVCFGR, SE_L5_RW, 0, 0x00000001u},
};
#define NREGS (sizeof regs / sizeof regs[0])

#define R(s, off) ((s)->r[(off) >> 2])

unsigned se_pwr_vos(const se_pwr *s)
{
    return (R(s, PWR_CR1) >> CR1_VOS_SHIFT) & 3u;
}

void se_pwr_reset(se_pwr *s)
{
    const se_periph_host *host = s->host;
    uint32_t base = s->base;
    memset(s, 0, sizeof *s);
    s->host = host;
    s->base = base;
    for (size_t i = 0; i < NREGS; i++)
        R(s, regs[i].off) = regs[i].reset;
}

/* SR1's SMPS flags. Policy (docs/hardware.md C.7 gotcha, [infer]): the DK's STM32L562QEI6Q has the
 * SMPS, and after power-up it runs in high-power mode, so SMPSHPRDY = 1 (the SVD's reset value
 * 0 would make HAL_PWREx_ControlVoltageScaling return HAL_ERROR). Bypass and low-power requests
 * in CR4 take effect at once. Uncertain until read on a board (docs/hardware.md D.3). */
static uint32_t sr1(const se_pwr *s)
{
    uint32_t cr4 = R(s, PWR_CR4);
    uint32_t v = R(s, PWR_SR1) & SR1_FLAGS;
    if (cr4 & CR4_SMPSBYP)
        v |= SR1_SMPSBYPRDY;
    else if (!(cr4 & CR4_SMPSLPEN))
        v |= SR1_SMPSHPRDY;
    if (cr4 & CR4_EXTSMPSEN)
        v |= SR1_EXTSMPSRDY;
    return v;
}

/* SR2: VOSF = 0 always, voltage scaling completes at once (docs/hardware.md C.7 step 1.4).
 * REGLPS = 1: the low-power regulator started long before any loader runs [infer]; REGLPF
 * follows CR1.LPR at once. PVDO/PVMOx = 0 (supplies in range). */
static uint32_t sr2(const se_pwr *s)
{
    return SR2_REGLPS | ((R(s, PWR_CR1) & CR1_LPR) ? SR2_REGLPF : 0);
}

/* Policy: PWR is readable and writable whatever RCC_APB1ENR1.PWREN says. The loader's HAL reads
 * VOS and SR1 before it enables PWREN (docs/hardware.md C.7 gotcha); whether the silicon answers
 * with the clock off is open (docs/hardware.md D.3). */
uint32_t se_pwr_read(se_pwr *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_l5_reg *d = se_l5_reg_find(regs, NREGS, off);
    if (!d) {
        se_l5_unknown(s->host, s->unknown_seen, "PWR", s->base, off, false, 0);
        return 0;
    }
    uint32_t v;
    switch (off) {
    case PWR_SR1:
        v = sr1(s);
        break;
    case PWR_SR2:
        v = sr2(s);
        break;
    default:
        v = d->access == SE_L5_WO ? 0 : R(s, off);
        break;
    }
    return se_l5_lane_read(v, offset, size);
}

void se_pwr_write(se_pwr *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_l5_reg *d = se_l5_reg_find(regs, NREGS, off);
    if (!d) {
        se_l5_unknown(s->host, s->unknown_seen, "PWR", s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_l5_lanes(offset, size);
    uint32_t v = se_l5_lane_value(offset, value, size);
    switch (off) {
    case PWR_SCR: /* RM0438: CWUFx clear WUFx, CSBF (bit 8) clears SBF */
        R(s, PWR_SR1) &= ~(v & d->wmask);
        break;
    case PWR_CR1:
        R(s, off) = (R(s, off) & ~(d->wmask & lanes)) | (v & d->wmask & lanes);
        if (se_pwr_vos(s) == 3u)
            se_l5_log(s->host, SE_LOG_WARN, "PWR", s->base, off,
                      "VOS = 11 is reserved (RM0438)");
        break;
    default:
        if (d->access == SE_L5_RO) {
            if (se_l5_once(s->unknown_seen, off))
                se_l5_log(s->host, SE_LOG_WARN, "PWR", s->base, off,
                          "write to a read-only register ignored");
            return;
        }
        R(s, off) = (R(s, off) & ~(d->wmask & lanes)) | (v & d->wmask & lanes);
        break;
    }
}

static void cls_reset(void *st)
{
    se_pwr_reset(st);
}
static uint32_t cls_read(void *st, uint32_t offset, unsigned size)
{
    return se_pwr_read(st, offset, size);
}
static void cls_write(void *st, uint32_t offset, uint32_t value, unsigned size)
{
    se_pwr_write(st, offset, value, size);
}

const se_periph_class se_pwr_class = {
    .name = "PWR",
    .state_size = sizeof(se_pwr),
    .reset = cls_reset,
    .read = cls_read,
    .write = cls_write,
};
