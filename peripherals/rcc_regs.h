/* RCC register offsets and fields, shared by the model (peripherals/rcc.c) and its
 * tests. Sources as cited at each group. */
#ifndef SE_RCC_REGS_H
#define SE_RCC_REGS_H

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
#define RCC_CR_MSION (1u << 0)
#define RCC_CR_MSIRDY (1u << 1)
#define RCC_CR_MSIRGSEL (1u << 3)
#define RCC_CR_MSIRANGE_SHIFT 4
#define RCC_CR_HSION (1u << 8)
#define RCC_CR_HSIRDY (1u << 10)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_CSSON (1u << 19)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CR_PLLSAI1ON (1u << 26)
#define RCC_CR_PLLSAI1RDY (1u << 27)
#define RCC_CR_PLLSAI2ON (1u << 28)
#define RCC_CR_PLLSAI2RDY (1u << 29)
/* CFGR */
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SWS_SHIFT 2
#define RCC_CFGR_SWS_MASK (0x3u << RCC_CFGR_SWS_SHIFT)
#define RCC_CFGR_HPRE_SHIFT 4
enum { RCC_SRC_MSI = 0, RCC_SRC_HSI16 = 1, RCC_SRC_HSE = 2, RCC_SRC_PLL = 3 };
/* CIFR/CIER/CICR ready-interrupt bits (SVD) */
#define RCC_CI_LSIRDY (1u << 0)
#define RCC_CI_LSERDY (1u << 1)
#define RCC_CI_MSIRDY (1u << 2)
#define RCC_CI_HSIRDY (1u << 3)
#define RCC_CI_HSERDY (1u << 4)
#define RCC_CI_PLLRDY (1u << 5)
#define RCC_CI_PLLSAI1RDY (1u << 6)
#define RCC_CI_PLLSAI2RDY (1u << 7)
#define RCC_CI_HSI48RDY (1u << 10)
/* CSR */
#define RCC_CSR_LSION (1u << 0)
#define RCC_CSR_LSIRDY (1u << 1)
#define RCC_CSR_MSISRANGE_SHIFT 8
#define RCC_CSR_RMVF (1u << 23)
#define RCC_CSR_RESET_FLAGS 0xFE000000u
/* BDCR */
#define RCC_BDCR_LSEON (1u << 0)
#define RCC_BDCR_LSERDY (1u << 1)
#define RCC_BDCR_LSESYSEN (1u << 7)
#define RCC_BDCR_LSESYSRDY (1u << 11)
/* CRRCR */
#define RCC_CRRCR_HSI48ON (1u << 0)
#define RCC_CRRCR_HSI48RDY (1u << 1)

#endif
