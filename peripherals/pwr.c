#include "peripherals/pwr.h"
#include "peripherals/pwr_regs.h"

#include <string.h>

/* Reset values and writable fields from the ST SVD (docs/hardware.md S6). */
static const se_reg regs[] = {
    {PWR_CR1, SE_ACC_RW, 0x00000400u, 0x00004707u, 0, NULL}, /* VOS = 10: range 2 */
    {PWR_CR2, SE_ACC_RW, 0, 0x000006FFu, 0, NULL},
    {PWR_CR3, SE_ACC_RW, 0, 0x00006F1Fu, 0, NULL},
    {PWR_CR4, SE_ACC_RW, 0, 0x0000F31Fu, 0, NULL},
    {PWR_SR1, SE_ACC_RO, 0, 0, 0, NULL},
    {PWR_SR2, SE_ACC_RO, 0, 0, 0, NULL},
    {PWR_SCR, SE_ACC_WO, 0, 0x0000011Fu, 0, NULL},
    {0x20, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {0x24, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* A */
    {0x28, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {0x2C, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* B */
    {0x30, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {0x34, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* C */
    {0x38, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {0x3C, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* D */
    {0x40, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {0x44, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* E */
    {0x48, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {0x4C, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* F */
    {0x50, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {0x54, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* G */
    {0x58, SE_ACC_RW, 0, 0xFFFFu, 0, NULL},
    {PWR_PDCRH, SE_ACC_RW, 0, 0xFFFFu, 0, NULL}, /* H */
    {PWR_SECCFGR, SE_ACC_RW, 0, 0x00000F1Fu, 0, NULL},
    {PWR_PRIVCFGR, SE_ACC_RW, 0, 0x00000001u, 0, NULL},
};
#define NREGS (sizeof regs / sizeof regs[0])
SE_REG_TABLE(reg_table, regs, SE_PWR_SIZE);

#define R(s, off) ((s)->r[(off) >> 2])

unsigned se_pwr_vos(const se_pwr *s) { return (R(s, PWR_CR1) >> PWR_CR1_VOS_SHIFT) & 3u; }

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
    uint32_t v = R(s, PWR_SR1) & PWR_SR1_FLAGS;
    if (cr4 & PWR_CR4_SMPSBYP)
        v |= PWR_SR1_SMPSBYPRDY;
    else if (!(cr4 & PWR_CR4_SMPSLPEN))
        v |= PWR_SR1_SMPSHPRDY;
    if (cr4 & PWR_CR4_EXTSMPSEN)
        v |= PWR_SR1_EXTSMPSRDY;
    return v;
}

/* SR2: VOSF = 0 always, voltage scaling completes at once (docs/hardware.md C.7 step 1.4).
 * REGLPS = 1: the low-power regulator started long before any loader runs [infer]; REGLPF
 * follows CR1.LPR at once. PVDO/PVMOx = 0 (supplies in range). */
static uint32_t sr2(const se_pwr *s)
{
    return PWR_SR2_REGLPS | ((R(s, PWR_CR1) & PWR_CR1_LPR) ? PWR_SR2_REGLPF : 0);
}

/* Policy: PWR is readable and writable whatever RCC_APB1ENR1.PWREN says. The loader's HAL reads
 * VOS and SR1 before it enables PWREN (docs/hardware.md C.7 gotcha); whether the silicon answers
 * with the clock off is open (docs/hardware.md D.3). */
uint32_t se_pwr_read(se_pwr *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "PWR", s->base, off, false, 0);
        return 0;
    }
    uint32_t v;
    switch (off) {
    case PWR_SR1: v = sr1(s); break;
    case PWR_SR2: v = sr2(s); break;
    default: v = d->access == SE_ACC_WO ? 0 : R(s, off); break;
    }
    return se_reg_lane_read(v, offset, size);
}

void se_pwr_write(se_pwr *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "PWR", s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_reg_lanes(offset, size);
    uint32_t v = se_reg_lane_value(offset, value, size);
    switch (off) {
    case PWR_SCR: /* RM0438: CWUFx clear WUFx, CSBF (bit 8) clears SBF */
        R(s, PWR_SR1) &= ~(v & d->wmask);
        break;
    case PWR_CR1:
        R(s, off) = (R(s, off) & ~(d->wmask & lanes)) | (v & d->wmask & lanes);
        if (se_pwr_vos(s) == 3u)
            se_periph_log(s->host, SE_LOG_WARN, "PWR", s->base, off,
                          "VOS = 11 is reserved (RM0438)");
        break;
    default:
        if (d->access == SE_ACC_RO) {
            if (se_reg_once(s->unknown_seen, off))
                se_periph_log(s->host, SE_LOG_WARN, "PWR", s->base, off,
                              "write to a read-only register ignored");
            return;
        }
        R(s, off) = (R(s, off) & ~(d->wmask & lanes)) | (v & d->wmask & lanes);
        break;
    }
}

SE_PERIPH_CLASS(se_pwr_class, "PWR", se_pwr, se_pwr);
