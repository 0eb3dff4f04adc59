/* Init of the loaders built for another chip than the STM32L562 (issue 13 item 11); exactly
 * one of the FOREIGN_* macros is defined. Register addresses and bits are the other
 * families' (their CMSIS device headers): they exist on none of the STM32L5's buses.
 *   FOREIGN_F4_POLL  Cortex-M4 build: sets RCC_CR.HSEON (0x40023800 bit 16, STM32F4/F7) and
 *                    waits for HSERDY (bit 17) with no timeout, as SystemInit code does.
 *   FOREIGN_F4_HAL   the same wait as the HAL writes it: a call to HAL_GetTick (constant, as
 *                    ST's loaders make it) between two reads of RCC_CR.
 *   FOREIGN_U5_POLL  Cortex-M33 build for the STM32U5: sets RCC_CR.PLL1ON (0x46020C00 bit 24)
 *                    and waits for PLL1RDY (bit 25).
 *   FOREIGN_H7_BSS   Cortex-M7 build linked in the STM32H7's AXI SRAM (0x24000004): Init
 *                    zeroes its .bss there, as IAR's data init does.
 *   FOREIGN_RWPI     Keil RWPI style: a global reached through R9 (static base) plus its
 *                    offset; the host leaves R9 = 0, so the store goes near address 0. */
#include "loader.h"

/* Registers as CMSIS headers declare them: a block pointer, then a field. The empty asm
 * keeps the block base itself as the literal (as IAR and the HAL's handles do); GCC -Os would
 * otherwise load a rounded base and add the offset in the load. */
typedef struct {
    volatile uint32_t CR;
} rcc_block;

static inline rcc_block *block_at(uint32_t base)
{
    rcc_block *b = (rcc_block *)base;
    __asm volatile("" : "+r"(b));
    return b;
}

#if defined(FOREIGN_F4_POLL)

#define RCC_CR (block_at(0x40023800u)->CR)

int Init(void)
{
    loader_zero_bss();
    RCC_CR |= 1u << 16;
    while (!(RCC_CR & (1u << 17)))
        ;
    return 1;
}

#elif defined(FOREIGN_F4_HAL)

/* ST's loaders override HAL_GetTick to return a constant: the HAL's timeout never expires. */
__attribute__((noinline)) uint32_t HAL_GetTick(void)
{
    __asm volatile("");
    return 1u;
}

int Init(void)
{
    loader_zero_bss();
    block_at(0x40023800u)->CR |= 1u << 16;
    uint32_t t0 = HAL_GetTick();
    while (!(block_at(0x40023800u)->CR & (1u << 17)))
        if (HAL_GetTick() - t0 > 100u)
            return 0;
    return 1;
}

#elif defined(FOREIGN_U5_POLL)

#define RCC_CR (block_at(0x46020C00u)->CR)

int Init(void)
{
    loader_zero_bss();
    RCC_CR |= 1u << 24;
    while (!(RCC_CR & (1u << 25)))
        ;
    return 1;
}

#elif defined(FOREIGN_H7_BSS)

volatile uint32_t h7_state[4];

int Init(void)
{
    loader_zero_bss();
    h7_state[0] = 1u;
    return (int)h7_state[0];
}

#elif defined(FOREIGN_RWPI)

/* The data offset from the static base, as armlink lays RW data out under RWPI. */
#define RW_OFFSET 0x10

int Init(void)
{
    loader_zero_bss();
    __asm volatile("movs r1, %0\n\t"
                   "add r1, r9\n\t"
                   "movs r0, #1\n\t"
                   "str r0, [r1]" ::"i"(RW_OFFSET)
                   : "r0", "r1", "memory");
    return 1;
}

#else
#error "define one of the FOREIGN_* macros"
#endif
