#include "flashif.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stm32l5.h"

/* Register offsets (RM0438 FLASH map; ST SVD, docs/hardware.md S6). On the L5 the KEYR/SR/CR of
 * older parts are split into non-secure (NS*) and secure (SEC*) copies. */
enum {
    FLASH_ACR = 0x00,
    FLASH_PDKEYR = 0x04,
    FLASH_NSKEYR = 0x08,
    FLASH_SECKEYR = 0x0C,
    FLASH_OPTKEYR = 0x10,
    FLASH_LVEKEYR = 0x14,
    FLASH_NSSR = 0x20,
    FLASH_SECSR = 0x24,
    FLASH_NSCR = 0x28,
    FLASH_SECCR = 0x2C,
    FLASH_ECCR = 0x30,
    FLASH_OPTR = 0x40,
    FLASH_NSBOOTADD0R = 0x44,
    FLASH_NSBOOTADD1R = 0x48,
    FLASH_SECBOOTADD0R = 0x4C,
    FLASH_SECWM1R1 = 0x50,
    FLASH_SECWM1R2 = 0x54,
    FLASH_WRP1AR = 0x58,
    FLASH_WRP1BR = 0x5C,
    FLASH_SECWM2R1 = 0x60,
    FLASH_SECWM2R2 = 0x64,
    FLASH_WRP2AR = 0x68,
    FLASH_WRP2BR = 0x6C,
    FLASH_SECBB1R1 = 0x80,
    FLASH_SECBB1R4 = 0x8C,
    FLASH_SECBB2R1 = 0xA0,
    FLASH_SECBB2R4 = 0xAC,
    FLASH_SECHDPCR = 0xC0,
    FLASH_PRIVCFGR = 0xC4,
};

/* RM0438 unlock keys */
#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu
#define OPTKEY1 0x08192A3Bu
#define OPTKEY2 0x4C5D6E7Fu

#define ACR_LATENCY_MASK 0xFu
#define CR_PG (1u << 0)
#define CR_PER (1u << 1)
#define CR_MER1 (1u << 2)
#define CR_MER2 (1u << 15)
#define CR_STRT (1u << 16)
#define NSCR_OPTSTRT (1u << 17)
#define NSCR_OBL_LAUNCH (1u << 27)
#define NSCR_OPTLOCK (1u << 30)
#define CR_LOCK (1u << 31)
#define SR_W1C 0x0000A0FBu  /* EOP, OPERR, PROGERR, WRPERR, PGAERR, SIZERR, PGSERR, OPTWERR, OPTVERR */
#define SECSR_W1C 0x000040FBu
#define OPTR_TZEN (1u << 31)
#define OPTR_DBANK (1u << 22)

/* What an unprogrammed-by-the-user DK reads in OPTR [infer: the factory option bytes]: RDP
 * level 0 (0xAA), BOR level 0, the nRST_x, IWDG_x, WWDG_SW bits 1, DBANK = 1 (docs/hardware.md
 * C.7), SRAM2 parity off and no reset erase, nSWBOOT0 = nBOOT0 = 1 (boot from flash),
 * PA15_PUPEN = 1. TZEN is the board's (docs/hardware.md C.6). The SVD's reset value 0 only means
 * "loaded from the option bytes". */
#define OPTR_FACTORY 0x1F4F70AAu

/* Reset values from the SVD (docs/hardware.md S6) except the option registers: NSBOOTADD0R points
 * to user flash and NSBOOTADD1R to the system bootloader, SECBOOTADD0R to the secure flash
 * alias (docs/hardware.md C.6, [unverified], D.9); the SVD's 0xF is a placeholder. The reserved
 * bits of the watermark registers keep the SVD's ones. */
static const se_l5_reg regs[] = {
    {FLASH_ACR, SE_L5_RW, 0, 0x0000E00Fu},
    {FLASH_PDKEYR, SE_L5_WO, 0, 0},
    {FLASH_NSKEYR, SE_L5_WO, 0, 0},
    {FLASH_SECKEYR, SE_L5_WO, 0, 0},
    {FLASH_OPTKEYR, SE_L5_WO, 0, 0},
    {FLASH_LVEKEYR, SE_L5_WO, 0, 0},
    {FLASH_NSSR, SE_L5_RW, 0, SR_W1C},
    {FLASH_SECSR, SE_L5_RW, 0, SECSR_W1C},
    {FLASH_NSCR, SE_L5_RW, 0xC0000000u, 0x0B038BFFu},
    {FLASH_SECCR, SE_L5_RW, 0x80000000u, 0x27018BFFu},
    {FLASH_ECCR, SE_L5_RW, 0, 0}, /* no ECC event ever: the w1c flags stay 0 */
    {FLASH_OPTR, SE_L5_RW, OPTR_FACTORY, 0x9F7F77FFu},
    {FLASH_NSBOOTADD0R, SE_L5_RW, 0x0800000Fu, 0xFFFFFF80u},
    {FLASH_NSBOOTADD1R, SE_L5_RW, 0x0BF9000Fu, 0xFFFFFF80u},
    {FLASH_SECBOOTADD0R, SE_L5_RW, 0x0C000000u, 0xFFFFFF81u},
    {FLASH_SECWM1R1, SE_L5_RW, 0xFF00FF00u, 0x007F007Fu},
    {FLASH_SECWM1R2, SE_L5_RW, 0x0F000F00u, 0x807F807Fu},
    {FLASH_WRP1AR, SE_L5_RW, 0xFF00FF00u, 0x007F007Fu},
    {FLASH_WRP1BR, SE_L5_RW, 0xFF00FF00u, 0x007F007Fu},
    {FLASH_SECWM2R1, SE_L5_RW, 0xFF00FF00u, 0x007F007Fu},
    {FLASH_SECWM2R2, SE_L5_RW, 0x0F000F00u, 0x807F807Fu},
    {FLASH_WRP2AR, SE_L5_RW, 0xFF00FF00u, 0x007F007Fu},
    {FLASH_WRP2BR, SE_L5_RW, 0xFF00FF00u, 0x007F007Fu},
    {0x80, SE_L5_RW, 0, 0xFFFFFFFFu}, {0x84, SE_L5_RW, 0, 0xFFFFFFFFu},
    {0x88, SE_L5_RW, 0, 0xFFFFFFFFu}, {FLASH_SECBB1R4, SE_L5_RW, 0, 0xFFFFFFFFu},
    {0xA0, SE_L5_RW, 0, 0xFFFFFFFFu}, {0xA4, SE_L5_RW, 0, 0xFFFFFFFFu},
    {0xA8, SE_L5_RW, 0, 0xFFFFFFFFu}, {FLASH_SECBB2R4, SE_L5_RW, 0, 0xFFFFFFFFu},
    {FLASH_SECHDPCR, SE_L5_RW, 0, 0x00000003u},
    {FLASH_PRIVCFGR, SE_L5_RW, 0, 0x00000001u},
};
#define NREGS (sizeof regs / sizeof regs[0])

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
    se_l5_log(s->host, SE_LOG_WARN, "FLASH", s->base, offset, what);
}

unsigned se_flashif_latency(const se_flashif *s)
{
    return R(s, FLASH_ACR) & ACR_LATENCY_MASK;
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
    R(s, FLASH_OPTR) = (R(s, FLASH_OPTR) & ~OPTR_TZEN) | (tzen ? OPTR_TZEN : 0) | OPTR_DBANK;
}

void se_flashif_configure(se_flashif *s, bool tzen)
{
    s->tzen = tzen;
    se_flashif_reset(s);
}

uint32_t se_flashif_read(se_flashif *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_l5_reg *d = se_l5_reg_find(regs, NREGS, off);
    if (!d) {
        se_l5_unknown(s->host, s->unknown_seen, "FLASH", s->base, off, false, 0);
        return 0;
    }
    /* The key registers are write-only and read 0 (SVD). BSY never shows. */
    uint32_t v = d->access == SE_L5_WO ? 0 : R(s, off);
    return se_l5_lane_read(v, offset, size);
}

/* RM0438 unlock: KEY1 then KEY2 clears the lock; any other value locks the register until the
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
    if (old & CR_LOCK) {
        /* RM0438: a locked CR ignores writes; setting the lock bits again is harmless. */
        if (v & wmask & lanes)
            flog(s, REP_LOCKED_CR, off, "write to a locked flash control register ignored");
        return;
    }
    uint32_t m = wmask & lanes;
    uint32_t cr = (old & ~m) | (v & m);
    cr |= v & lanes & (CR_LOCK | (off == FLASH_NSCR ? NSCR_OPTLOCK : 0)); /* set-only */
    if (cr & CR_PG)
        flog(s, REP_PROGRAM, off,
             "PG set: programming the internal flash is not modelled (writes to it are not intercepted)");
    if (cr & CR_STRT) {
        if (cr & (CR_PER | CR_MER1 | CR_MER2))
            flog(s, REP_ERASE, off, "erase of the internal flash requested: not modelled, no effect");
        cr &= ~CR_STRT; /* completes at once */
    }
    if (off == FLASH_NSCR && (cr & NSCR_OPTSTRT)) {
        flog(s, REP_OPTSTRT, off,
             "OPTSTRT: option bytes are not written back; the OPTR values take no effect");
        cr &= ~NSCR_OPTSTRT;
    }
    if (off == FLASH_NSCR && (cr & NSCR_OBL_LAUNCH)) {
        flog(s, REP_OBL, off, "OBL_LAUNCH: option-byte reload (a system reset) is not modelled");
        cr &= ~NSCR_OBL_LAUNCH;
    }
    R(s, off) = cr;
}

static bool is_option_reg(uint32_t off)
{
    return off >= FLASH_OPTR && off <= FLASH_WRP2BR;
}

void se_flashif_write(se_flashif *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_l5_reg *d = se_l5_reg_find(regs, NREGS, off);
    if (!d) {
        se_l5_unknown(s->host, s->unknown_seen, "FLASH", s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_l5_lanes(offset, size);
    uint32_t v = se_l5_lane_value(offset, value, size);
    switch (off) {
    case FLASH_NSKEYR:
        key_write(s, off, value, &s->nskey_step, &s->nskey_fail, KEY1, KEY2, FLASH_NSCR, CR_LOCK);
        return;
    case FLASH_SECKEYR:
        key_write(s, off, value, &s->seckey_step, &s->seckey_fail, KEY1, KEY2, FLASH_SECCR,
                  CR_LOCK);
        return;
    case FLASH_OPTKEYR:
        if (R(s, FLASH_NSCR) & CR_LOCK) { /* RM0438: unlock NSCR before the option bytes */
            flog(s, REP_BADKEY, off, "OPTKEYR written while NSCR is locked: ignored");
            return;
        }
        key_write(s, off, value, &s->optkey_step, &s->optkey_fail, OPTKEY1, OPTKEY2, FLASH_NSCR,
                  NSCR_OPTLOCK);
        return;
    case FLASH_PDKEYR:
    case FLASH_LVEKEYR:
        return; /* power-down / LVE unlock: nothing modelled depends on them */
    case FLASH_NSSR:
    case FLASH_SECSR:
        R(s, off) &= ~(v & d->wmask);
        return;
    case FLASH_NSCR:
    case FLASH_SECCR:
        write_cr(s, off, v, lanes, d->wmask);
        return;
    default:
        break;
    }
    if (is_option_reg(off) && (R(s, FLASH_NSCR) & NSCR_OPTLOCK)) {
        flog(s, REP_LOCKED_OPT, off, "write to an option register while OPTLOCK is set ignored");
        return;
    }
    R(s, off) = (R(s, off) & ~(d->wmask & lanes)) | (v & d->wmask & lanes);
}

static void cls_reset(void *st)
{
    se_flashif_reset(st);
}
static uint32_t cls_read(void *st, uint32_t offset, unsigned size)
{
    return se_flashif_read(st, offset, size);
}
static void cls_write(void *st, uint32_t offset, uint32_t value, unsigned size)
{
    se_flashif_write(st, offset, value, size);
}

const se_periph_class se_flashif_class = {
    .name = "FLASH",
    .state_size = sizeof(se_flashif),
    .reset = cls_reset,
    .read = cls_read,
    .write = cls_write,
};
