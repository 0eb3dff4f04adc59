/* OCTOSPI register offsets and fields, shared by the model (peripherals/octospi.c) and its
 * tests. Sources as cited at each group. */
#ifndef SE_OCTOSPI_REGS_H
#define SE_OCTOSPI_REGS_H

#include <stdint.h>

/* Register offsets (docs/hardware.md B.2; the ST SVD). */
enum {
    OSPI_CR = 0x000,
    OSPI_DCR1 = 0x008,
    OSPI_DCR2 = 0x00C,
    OSPI_DCR3 = 0x010,
    OSPI_DCR4 = 0x014,
    OSPI_SR = 0x020,
    OSPI_FCR = 0x024,
    OSPI_DLR = 0x040,
    OSPI_AR = 0x048,
    OSPI_DR = 0x050,
    OSPI_PSMKR = 0x080,
    OSPI_PSMAR = 0x088,
    OSPI_PIR = 0x090,
    OSPI_CCR = 0x100,
    OSPI_TCR = 0x108,
    OSPI_IR = 0x110,
    OSPI_ABR = 0x120,
    OSPI_LPTR = 0x130,
    OSPI_WPCCR = 0x140,
    OSPI_WPTCR = 0x148,
    OSPI_WPIR = 0x150,
    OSPI_WPABR = 0x160,
    OSPI_WCCR = 0x180,
    OSPI_WTCR = 0x188,
    OSPI_WIR = 0x190,
    OSPI_WABR = 0x1A0,
    OSPI_HLCR = 0x200,
};

/* CR */
#define OSPI_CR_EN (1u << 0)
#define OSPI_CR_ABORT (1u << 1)
#define OSPI_CR_DMAEN (1u << 2)
#define OSPI_CR_TCEN (1u << 3)
#define OSPI_CR_DQM (1u << 6)
#define OSPI_CR_FSEL (1u << 7)
#define OSPI_CR_FTHRES_SHIFT 8
#define OSPI_CR_IE_MASK (0x1Fu << 16) /* TEIE, TCIE, FTIE, SMIE, TOIE */
#define OSPI_CR_APMS (1u << 22)
#define OSPI_CR_PMM (1u << 23)
#define OSPI_CR_FMODE_SHIFT 28
#define OSPI_CR_FMODE_MASK (3u << OSPI_CR_FMODE_SHIFT)
/* Fields RM0438 lets software change only while BUSY=0 [unverified list, docs/hardware.md B.4]. */
#define OSPI_CR_LOCKED \
    (OSPI_CR_FMODE_MASK | OSPI_CR_APMS | OSPI_CR_PMM | OSPI_CR_TCEN | OSPI_CR_DQM | OSPI_CR_FSEL)
enum { OSPI_FMODE_WRITE = 0, OSPI_FMODE_READ = 1, OSPI_FMODE_POLL = 2, OSPI_FMODE_MMAP = 3 };
/* SR / FCR */
#define OSPI_SR_TEF (1u << 0)
#define OSPI_SR_TCF (1u << 1)
#define OSPI_SR_FTF (1u << 2)
#define OSPI_SR_SMF (1u << 3)
#define OSPI_SR_TOF (1u << 4)
#define OSPI_SR_BUSY (1u << 5)
#define OSPI_SR_FLEVEL_SHIFT 8
#define OSPI_SR_LATCHED (OSPI_SR_TEF | OSPI_SR_TCF | OSPI_SR_SMF | OSPI_SR_TOF)
/* CCR (and WCCR/WPCCR): IMODE at 0, ADMODE at 8, ABMODE at 16, DMODE at 24; each mode field
 * is followed by its DTR bit and (except data) a 2-bit size. */
#define OSPI_CCR_IMODE_SHIFT 0
#define OSPI_CCR_ADMODE_SHIFT 8
#define OSPI_CCR_ABMODE_SHIFT 16
#define OSPI_CCR_DMODE_SHIFT 24
#define OSPI_CCR_DDTR (1u << 27)
#define OSPI_CCR_DQSE (1u << 29)
#define OSPI_CCR_SIOO (1u << 31)
#define OSPI_TCR_DCYC_MASK 0x1Fu
#define OSPI_DCR1_DEVSIZE_SHIFT 16

/* Field helpers (tests and loaders' register values) */
#define OSPI_CR_FTHRES(n) ((uint32_t)((n)-1u) << OSPI_CR_FTHRES_SHIFT) /* bytes, 1..32 */
#define OSPI_CR_FMODE(m) ((uint32_t)(m) << OSPI_CR_FMODE_SHIFT)
#define OSPI_SR_FLEVEL(sr) (((sr) >> OSPI_SR_FLEVEL_SHIFT) & 0x3Fu)
#define OSPI_CCR_ADMODE_MASK (7u << OSPI_CCR_ADMODE_SHIFT)
#define OSPI_CCR_DMODE_MASK (7u << OSPI_CCR_DMODE_SHIFT)

#endif
