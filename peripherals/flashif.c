#include "peripherals/flashif.h"
#include "peripherals/flashif_regs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const se_reg regs[] = {
    {FLASH_ACR, SE_ACC_RW, 0, 0x0000E00Fu, 0, NULL},
    {FLASH_PDKEYR, SE_ACC_WO, 0, 0, 0, NULL},
    {FLASH_NSKEYR, SE_ACC_WO, 0, 0, 0, NULL},
    {FLASH_SECKEYR, SE_ACC_WO, 0, 0, 0, NULL},
    {FLASH_OPTKEYR, SE_ACC_WO, 0, 0, 0, NULL},
    {FLASH_LVEKEYR, SE_ACC_WO, 0, 0, 0, NULL},
    {FLASH_NSSR, SE_ACC_RW, 0, FLASH_SR_W1C, 0, NULL},
    {FLASH_SECSR, SE_ACC_RW, 0, FLASH_SECSR_W1C, 0, NULL},
    {FLASH_NSCR, SE_ACC_RW, 0xC0000000u, 0x0B038BFFu, 0, NULL},
    {FLASH_SECCR, SE_ACC_RW, 0x80000000u, 0x27018BFFu, 0, NULL},
    {FLASH_ECCR, SE_ACC_RW, 0, 0, 0, NULL}, /* no ECC event ever: the w1c flags stay 0 */
    {FLASH_OPTR, SE_ACC_RW, FLASH_OPTR_FACTORY, 0x9F7F77FFu, 0, NULL},
    {FLASH_NSBOOTADD0R, SE_ACC_RW, 0x0800000Fu, 0xFFFFFF80u, 0, NULL},
    {FLASH_NSBOOTADD1R, SE_ACC_RW, 0x0BF9000Fu, 0xFFFFFF80u, 0, NULL},
    {FLASH_SECBOOTADD0R, SE_ACC_RW, 0x0C000000u, 0xFFFFFF81u, 0, NULL},
    {FLASH_SECWM1R1, SE_ACC_RW, 0xFF00FF00u, 0x007F007Fu, 0, NULL},
    {FLASH_SECWM1R2, SE_ACC_RW, 0x0F000F00u, 0x807F807Fu, 0, NULL},
    {FLASH_WRP1AR, SE_ACC_RW, 0xFF00FF00u, 0x007F007Fu, 0, NULL},
    {FLASH_WRP1BR, SE_ACC_RW, 0xFF00FF00u, 0x007F007Fu, 0, NULL},
    {FLASH_SECWM2R1, SE_ACC_RW, 0xFF00FF00u, 0x007F007Fu, 0, NULL},
    {FLASH_SECWM2R2, SE_ACC_RW, 0x0F000F00u, 0x807F807Fu, 0, NULL},
    {FLASH_WRP2AR, SE_ACC_RW, 0xFF00FF00u, 0x007F007Fu, 0, NULL},
    {FLASH_WRP2BR, SE_ACC_RW, 0xFF00FF00u, 0x007F007Fu, 0, NULL},
    {0x80, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {0x84, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {0x88, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {FLASH_SECBB1R4, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {0xA0, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {0xA4, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {0xA8, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {FLASH_SECBB2R4, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {FLASH_SECHDPCR, SE_ACC_RW, 0, 0x00000003u, 0, NULL},
    {FLASH_PRIVCFGR, SE_ACC_RW, 0, 0x00000001u, 0, NULL},
};
#define NREGS (sizeof regs / sizeof regs[0])
SE_REG_TABLE(reg_table, regs, SE_FLASHIF_SIZE);

#define R(s, off) ((s)->r[(off) >> 2])

/* bits of se_flashif.reported */
enum {
    REP_PROGRAM = 1u << 0,
    REP_ERASE = 1u << 1,
    REP_OPTSTRT = 1u << 2,
    REP_OBL = 1u << 3,
    REP_LOCKED_CR = 1u << 4,
    REP_LOCKED_OPT = 1u << 5,
    REP_BADKEY = 1u << 6,
};

static void flog(se_flashif *s, uint32_t once_bit, uint32_t offset, const char *what)
{
    if (once_bit) {
        if (s->reported & once_bit)
            return;
        s->reported |= once_bit;
    }
    se_periph_log(s->host, SE_LOG_WARN, "FLASH", s->base, offset, what);
}

unsigned se_flashif_latency(const se_flashif *s)
{
    return R(s, FLASH_ACR) & FLASH_ACR_LATENCY_MASK;
}

void se_flashif_reset(se_flashif *s)
{
    const se_periph_host *host = s->host;
    uint32_t base = s->base;
    bool tzen = s->tzen;
    memset(s, 0, sizeof *s);
    s->host = host;
    s->base = base;
    s->tzen = tzen;
    for (size_t i = 0; i < NREGS; i++)
        R(s, regs[i].off) = regs[i].reset;
    R(s, FLASH_OPTR) =
        (R(s, FLASH_OPTR) & ~FLASH_OPTR_TZEN) | (tzen ? FLASH_OPTR_TZEN : 0) | FLASH_OPTR_DBANK;
}

void se_flashif_configure(se_flashif *s, bool tzen)
{
    s->tzen = tzen;
    se_flashif_reset(s);
}

uint32_t se_flashif_read(se_flashif *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "FLASH", s->base, off, false, 0);
        return 0;
    }
    /* The key registers are write-only and read 0 (SVD). BSY never shows. */
    uint32_t v = d->access == SE_ACC_WO ? 0 : R(s, off);
    return se_reg_lane_read(v, offset, size);
}

/* RM0438 unlock: FLASH_KEY1 then FLASH_KEY2 clears the lock; any other value locks the register until the
 * next reset (the silicon also raises a bus error, which is not modelled). */
static void key_write(se_flashif *s, uint32_t off, uint32_t v, uint8_t *step, bool *fail,
                      uint32_t k1, uint32_t k2, uint32_t cr_off, uint32_t lock_bit)
{
    if (*fail)
        return;
    if (*step == 0 && v == k1) {
        *step = 1;
        return;
    }
    if (*step == 1 && v == k2) {
        *step = 0;
        R(s, cr_off) &= ~lock_bit;
        return;
    }
    *fail = true;
    *step = 0;
    char what[112];
    snprintf(what, sizeof what,
             "wrong unlock key 0x%08" PRIx32 ": locked until reset (a bus error on silicon)", v);
    flog(s, 0, off, what);
}

static void write_cr(se_flashif *s, uint32_t off, uint32_t v, uint32_t lanes, uint32_t wmask)
{
    uint32_t old = R(s, off);
    if (old & FLASH_CR_LOCK) {
        /* RM0438: a locked CR ignores writes; setting the lock bits again is harmless. */
        if (v & wmask & lanes)
            flog(s, REP_LOCKED_CR, off, "write to a locked flash control register ignored");
        return;
    }
    uint32_t m = wmask & lanes;
    uint32_t cr = (old & ~m) | (v & m);
    cr |= v & lanes & (FLASH_CR_LOCK | (off == FLASH_NSCR ? FLASH_NSCR_OPTLOCK : 0)); /* set-only */
    if (cr & FLASH_CR_PG)
        flog(s, REP_PROGRAM, off,
             "PG set: programming the internal flash is not modelled (writes to it are not "
             "intercepted)");
    if (cr & FLASH_CR_STRT) {
        if (cr & (FLASH_CR_PER | FLASH_CR_MER1 | FLASH_CR_MER2))
            flog(s, REP_ERASE, off,
                 "erase of the internal flash requested: not modelled, no effect");
        cr &= ~FLASH_CR_STRT; /* completes at once */
    }
    if (off == FLASH_NSCR && (cr & FLASH_NSCR_OPTSTRT)) {
        flog(s, REP_OPTSTRT, off,
             "OPTSTRT: option bytes are not written back; the OPTR values take no effect");
        cr &= ~FLASH_NSCR_OPTSTRT;
    }
    if (off == FLASH_NSCR && (cr & FLASH_NSCR_OBL_LAUNCH)) {
        flog(s, REP_OBL, off, "OBL_LAUNCH: option-byte reload (a system reset) is not modelled");
        cr &= ~FLASH_NSCR_OBL_LAUNCH;
    }
    R(s, off) = cr;
}

static bool is_option_reg(uint32_t off) { return off >= FLASH_OPTR && off <= FLASH_WRP2BR; }

void se_flashif_write(se_flashif *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        se_periph_unknown(s->host, s->unknown_seen, "FLASH", s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_reg_lanes(offset, size);
    uint32_t v = se_reg_lane_value(offset, value, size);
    switch (off) {
    case FLASH_NSKEYR:
        key_write(s, off, value, &s->nskey_step, &s->nskey_fail, FLASH_KEY1, FLASH_KEY2, FLASH_NSCR,
                  FLASH_CR_LOCK);
        return;
    case FLASH_SECKEYR:
        key_write(s, off, value, &s->seckey_step, &s->seckey_fail, FLASH_KEY1, FLASH_KEY2,
                  FLASH_SECCR, FLASH_CR_LOCK);
        return;
    case FLASH_OPTKEYR:
        if (R(s, FLASH_NSCR) & FLASH_CR_LOCK) { /* RM0438: unlock NSCR before the option bytes */
            flog(s, REP_BADKEY, off, "OPTKEYR written while NSCR is locked: ignored");
            return;
        }
        key_write(s, off, value, &s->optkey_step, &s->optkey_fail, FLASH_OPTKEY1, FLASH_OPTKEY2,
                  FLASH_NSCR, FLASH_NSCR_OPTLOCK);
        return;
    case FLASH_PDKEYR:
    case FLASH_LVEKEYR: return; /* power-down / LVE unlock: nothing modelled depends on them */
    case FLASH_NSSR:
    case FLASH_SECSR: R(s, off) &= ~(v & d->wmask); return;
    case FLASH_NSCR:
    case FLASH_SECCR: write_cr(s, off, v, lanes, d->wmask); return;
    default: break;
    }
    if (is_option_reg(off) && (R(s, FLASH_NSCR) & FLASH_NSCR_OPTLOCK)) {
        flog(s, REP_LOCKED_OPT, off, "write to an option register while OPTLOCK is set ignored");
        return;
    }
    R(s, off) = (R(s, off) & ~(d->wmask & lanes)) | (v & d->wmask & lanes);
}

SE_PERIPH_CLASS(se_flashif_class, "FLASH", se_flashif, se_flashif);
