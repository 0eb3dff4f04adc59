/* PWR register offsets and fields, shared by the model (peripherals/pwr.c) and its
 * tests. Sources as cited at each group. */
#ifndef SE_PWR_REGS_H
#define SE_PWR_REGS_H

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

#define PWR_CR1_VOS_SHIFT 9
#define PWR_CR1_LPR (1u << 14)
#define PWR_CR4_SMPSBYP (1u << 12)
#define PWR_CR4_EXTSMPSEN (1u << 13)
#define PWR_CR4_SMPSLPEN (1u << 15)
#define PWR_SR1_SMPSBYPRDY (1u << 12)
#define PWR_SR1_EXTSMPSRDY (1u << 13)
#define PWR_SR1_SMPSHPRDY (1u << 15)
#define PWR_SR1_FLAGS 0x0000011Fu /* SBF, WUF1..5: cleared through SCR */
#define PWR_SR2_REGLPS (1u << 8)
#define PWR_SR2_REGLPF (1u << 9)

#endif
