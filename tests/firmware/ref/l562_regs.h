/* STM32L562 registers used by the reference MX25LM51245G loader: addresses and bits only.
 * Written from the facts in docs/hardware.md (B.2, B.3, C.1, C.7), which cite RM0438, the ST
 * SVD and CMSIS; no vendor header is used. Non-secure aliases throughout (docs/hardware.md C.1). */
#ifndef REF_L562_REGS_H
#define REF_L562_REGS_H

#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(a))
#define REG16(a) (*(volatile uint16_t *)(a))
#define REG8(a) (*(volatile uint8_t *)(a))

/* ---- PWR (0x40007000) ------------------------------------------------------------------ */
#define PWR_CR1 REG32(0x40007000u)
#define PWR_SR2 REG32(0x40007014u)
#define PWR_CR1_VOS_MASK (3u << 9) /* 00 = range 0 (needed above 80 MHz) */
#define PWR_SR2_VOSF (1u << 10)

/* ---- RCC (0x40021000) ------------------------------------------------------------------ */
#define RCC_CR REG32(0x40021000u)
#define RCC_CFGR REG32(0x40021008u)
#define RCC_PLLCFGR REG32(0x4002100Cu)
#define RCC_AHB3RSTR REG32(0x40021030u)
#define RCC_AHB1ENR REG32(0x40021048u)
#define RCC_AHB2ENR REG32(0x4002104Cu)
#define RCC_AHB3ENR REG32(0x40021050u)
#define RCC_APB1ENR1 REG32(0x40021058u)

#define RCC_CR_MSIRDY (1u << 1)
#define RCC_CR_MSIRGSEL (1u << 3)
#define RCC_CR_MSIRANGE_MASK (0xFu << 4)
#define RCC_CR_MSIRANGE_4MHZ (6u << 4)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

#define RCC_CFGR_SW_MSI 0u
#define RCC_CFGR_SW_PLL 3u
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (3u << 2)
#define RCC_CFGR_HPRE_DIV2 (8u << 4) /* HPRE = 1000: AHB = SYSCLK / 2 */

#define RCC_PLLCFGR_SRC_MSI 1u           /* PLLSRC[1:0] = 01 */
#define RCC_PLLCFGR_M(m) (((m)-1u) << 4) /* PLLM[7:4] = M - 1 */
#define RCC_PLLCFGR_N(n) ((n) << 8)      /* PLLN[14:8] */
#define RCC_PLLCFGR_REN (1u << 24)
#define RCC_PLLCFGR_R2 (0u << 25) /* PLLR[26:25] = 00: divide by 2 */

#define RCC_AHB1ENR_DMA1_DMAMUX1 0x5u /* DMA1EN b0, DMAMUX1EN b2 (SVD) */
#define RCC_AHB2ENR_GPIOABC 0x7u      /* GPIOAEN b0, GPIOBEN b1, GPIOCEN b2 */
#define RCC_AHB3_OSPI1 (1u << 8)      /* OSPI1EN in AHB3ENR, OSPI1RST in AHB3RSTR */
#define RCC_APB1ENR1_PWREN (1u << 28)

/* ---- FLASH interface (0x40022000) ------------------------------------------------------ */
#define FLASH_ACR REG32(0x40022000u)
#define FLASH_ACR_LATENCY_MASK 0xFu

/* ---- GPIO (port A 0x42020000, ports 0x400 apart) ---------------------------------------- */
#define GPIOA_BASE 0x42020000u
#define GPIOB_BASE 0x42020400u
#define GPIOC_BASE 0x42020800u
#define GPIO_MODER 0x00u
#define GPIO_OSPEEDR 0x08u
#define GPIO_PUPDR 0x0Cu
#define GPIO_AFRL 0x20u

/* ---- OCTOSPI1 registers (0x44021000) and memory window (0x90000000) --------------------- */
#define OSPI_BASE 0x44021000u
#define OSPI_CR REG32(OSPI_BASE + 0x000u)
#define OSPI_DCR1 REG32(OSPI_BASE + 0x008u)
#define OSPI_DCR2 REG32(OSPI_BASE + 0x00Cu)
#define OSPI_SR REG32(OSPI_BASE + 0x020u)
#define OSPI_FCR REG32(OSPI_BASE + 0x024u)
#define OSPI_DLR REG32(OSPI_BASE + 0x040u)
#define OSPI_AR REG32(OSPI_BASE + 0x048u)
#define OSPI_DR8 REG8(OSPI_BASE + 0x050u)
#define OSPI_DR32 REG32(OSPI_BASE + 0x050u)
#define OSPI_DR16 REG16(OSPI_BASE + 0x050u)
#define OSPI_PSMKR REG32(OSPI_BASE + 0x080u)
#define OSPI_PSMAR REG32(OSPI_BASE + 0x088u)
#define OSPI_PIR REG32(OSPI_BASE + 0x090u)
#define OSPI_CCR REG32(OSPI_BASE + 0x100u)
#define OSPI_TCR REG32(OSPI_BASE + 0x108u)
#define OSPI_IR REG32(OSPI_BASE + 0x110u)
#define OSPI_WCCR REG32(OSPI_BASE + 0x180u)
#define OSPI_WTCR REG32(OSPI_BASE + 0x188u)
#define OSPI_WIR REG32(OSPI_BASE + 0x190u)
#define OSPI_MEM_BASE 0x90000000u

#define OSPI_CR_EN (1u << 0)
#define OSPI_CR_ABORT (1u << 1)
#define OSPI_CR_DMAEN (1u << 2)
#define OSPI_CR_FTHRES(n) (((n)-1u) << 8) /* FTF when n bytes free / valid */
#define OSPI_CR_APMS (1u << 22)
#define OSPI_CR_FMODE_MASK (3u << 28)
#define OSPI_CR_FMODE_IWRITE (0u << 28)
#define OSPI_CR_FMODE_IREAD (1u << 28)
#define OSPI_CR_FMODE_POLL (2u << 28)
#define OSPI_CR_FMODE_MMAP (3u << 28)

#define OSPI_DCR1_CSHT(n) (((n)-1u) << 8)           /* nCS high >= n cycles */
#define OSPI_DCR1_DEVSIZE(log2) (((log2)-1u) << 16) /* 2^(DEVSIZE+1) bytes */
#define OSPI_DCR1_MTYP_MACRONIX (1u << 24)          /* D1/D0 byte order in 8-line DTR */

#define OSPI_SR_TCF (1u << 1)
#define OSPI_SR_FTF (1u << 2)
#define OSPI_SR_SMF (1u << 3)
#define OSPI_SR_BUSY (1u << 5)
#define OSPI_FCR_CTCF (1u << 1)
#define OSPI_FCR_CSMF (1u << 3)
#define OSPI_FCR_ALL 0x1Bu /* CTEF b0, CTCF b1, CSMF b3, CTOF b4 */

/* CCR (and WCCR) phase fields; mode values: 1 = 1 line, 4 = 8 lines. */
#define OSPI_CCR_IMODE(l) ((l) << 0)
#define OSPI_CCR_IDTR (1u << 3)
#define OSPI_CCR_ISIZE_16 (1u << 4)
#define OSPI_CCR_ADMODE(l) ((l) << 8)
#define OSPI_CCR_ADMODE_MASK (7u << 8)
#define OSPI_CCR_ADDTR (1u << 11)
#define OSPI_CCR_ADSIZE_32 (3u << 12)
#define OSPI_CCR_DMODE(l) ((l) << 24)
#define OSPI_CCR_DDTR (1u << 27)
#define OSPI_CCR_DQSE (1u << 29)
#define OSPI_LINES_1 1u
#define OSPI_LINES_8 4u

#define OSPI_TCR_DHQC (1u << 28)

/* ---- DMA1 (0x40020000) and DMAMUX1 (0x40020800) (RM0438, ST SVD) --------------------------
 * Channel n registers from 0x08 + 0x14 * (n - 1); DMAMUX1 channel n - 1 feeds DMA1 channel n.
 * OCTOSPI1's request is DMAMUX1 input 41 on the L5 (STM32CubeL5 DMA_REQUEST_OCTOSPI1). */
#define DMA1_ISR REG32(0x40020000u)
#define DMA1_IFCR REG32(0x40020004u)
#define DMA1_CCR(n) REG32(0x40020008u + 0x14u * ((n)-1u))
#define DMA1_CNDTR(n) REG32(0x4002000Cu + 0x14u * ((n)-1u))
#define DMA1_CPAR(n) REG32(0x40020010u + 0x14u * ((n)-1u))
#define DMA1_CM0AR(n) REG32(0x40020014u + 0x14u * ((n)-1u))
#define DMAMUX1_CCR(n) REG32(0x40020800u + 4u * (n))
#define DMA_CCR_EN (1u << 0)
#define DMA_CCR_DIR (1u << 4) /* read from memory, write the peripheral */
#define DMA_CCR_PINC (1u << 6)
#define DMA_CCR_MINC (1u << 7)
#define DMA_CCR_MEM2MEM (1u << 14)
#define DMA_CCR_SECURE (7u << 17) /* SECM, SSEC, DSEC: kept only when written by Secure code */
#define DMA_ISR_TCIF(n) (2u << (4u * ((n)-1u)))
#define DMA_ISR_TEIF(n) (8u << (4u * ((n)-1u)))
#define DMA_IFCR_CGIF(n) (1u << (4u * ((n)-1u)))
#define DMA_CNDTR_MAX 0x3FFFFu /* NDT[17:0] */
#define DMAMUX_REQ_OCTOSPI1 41u

#endif
