/* Init of the faulty loaders; exactly one of the FAULT_* macros is defined.
 *   FAULT_UNMAPPED      reads a word at 0x60000000 (FMC bank, nothing mapped): BusFault,
 *                       escalated to HardFault. No vector table, VTOR untouched.
 *   FAULT_UDF           executes UDF #0 inside Init: UsageFault (UNDEFINSTR) -> HardFault.
 *   FAULT_HANG          never returns: increments hang_counter for ever.
 *   FAULT_BKPT_CLOBBER  overwrites the host's breakpoint word at 0x20000000 with 0, then
 *                       returns 1 (to an instruction that is no longer a BKPT).
 *   FAULT_WILD_PTR      writes through a wild pointer to 0x60001234 (FMC bank, unmapped).
 *   FAULT_STACK_INTO_IMAGE  a local array larger than the host's stack gap: SP ends up inside
 *                       the image; only the array's top is touched (the code survives) and
 *                       Init returns 1.
 *   FAULT_EXEC_STALE    calls through a function pointer into RAM beyond the image, which
 *                       holds the stale 0xA5 pattern. */
#include "loader.h"

#if defined(FAULT_UNMAPPED)

#define UNMAPPED_ADDR 0x60000000u

int Init(void)
{
    loader_zero_bss();
    (void)*(volatile uint32_t *)UNMAPPED_ADDR;
    return 1;
}

#elif defined(FAULT_UDF)

int Init(void)
{
    loader_zero_bss();
    __asm volatile("udf #0" ::: "memory");
    return 1;
}

#elif defined(FAULT_HANG)

volatile uint32_t hang_counter;

int Init(void)
{
    loader_zero_bss();
    for (;;)
        hang_counter++;
}

#elif defined(FAULT_BKPT_CLOBBER)

#define HOST_BKPT_ADDR 0x20000000u

int Init(void)
{
    loader_zero_bss();
    *(volatile uint32_t *)HOST_BKPT_ADDR = 0u;
    return 1;
}

#elif defined(FAULT_WILD_PTR)

#define WILD_ADDR 0x60001234u

int Init(void)
{
    loader_zero_bss();
    *(volatile uint32_t *)WILD_ADDR = 0x12345678u;
    return 1;
}

#elif defined(FAULT_STACK_INTO_IMAGE)

#define BIG_LOCAL 0x4A0u /* > the host's 0x400 stack gap, < the gap + the image */

static void __attribute__((noinline)) touch(volatile uint8_t *p)
{
    *p = (uint8_t)(*p + 1u);
}

int Init(void)
{
    loader_zero_bss();
    volatile uint8_t big[BIG_LOCAL];
    for (unsigned i = 0; i < 256u; i++) /* many blocks, with SP low */
        touch(&big[BIG_LOCAL - 1u - (i & 15u)]);
    return 1;
}

#elif defined(FAULT_EXEC_STALE)

#define STALE_CODE 0x20030001u /* RAM beyond the image, Thumb bit set */

int Init(void)
{
    loader_zero_bss();
    int (*volatile fn)(void) = (int (*)(void))STALE_CODE;
    return fn();
}

#else
#error "define one of FAULT_UNMAPPED, FAULT_UDF, FAULT_HANG, FAULT_BKPT_CLOBBER, FAULT_WILD_PTR, FAULT_STACK_INTO_IMAGE, FAULT_EXEC_STALE"
#endif
