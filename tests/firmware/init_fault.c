/* Init of the faulty loaders; exactly one of the FAULT_* macros is defined.
 *   FAULT_UNMAPPED      reads a word at 0x60000000 (FMC bank, nothing mapped): BusFault,
 *                       escalated to HardFault. No vector table, VTOR untouched.
 *   FAULT_UDF           executes UDF #0 inside Init: UsageFault (UNDEFINSTR) -> HardFault.
 *   FAULT_HANG          never returns: increments hang_counter for ever.
 *   FAULT_BKPT_CLOBBER  overwrites the host's breakpoint word at 0x20000000 with 0, then
 *                       returns 1 (to an instruction that is no longer a BKPT). */
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

#else
#error "define one of FAULT_UNMAPPED, FAULT_UDF, FAULT_HANG, FAULT_BKPT_CLOBBER"
#endif
