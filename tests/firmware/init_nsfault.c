/* Init of the loaders with fault handlers of their own that make the call "succeed": every
 * fault vector of the loader's table points at fault_recover, which writes 1 into the stacked
 * R0 and the stacked LR (the host's BKPT) into the stacked PC, so the exception returns to
 * the host with 1. Init points VTOR at that table, then (one of the macros):
 *   NSFAULT_BUS     reads 0x60000000 (FMC bank: nothing mapped; non-secure under ST's
 *                   template SAU): BusFault, escalated to HardFault as SHCSR enables none
 *   NSFAULT_SECURE  reads 0x20000100 (SRAM1 below 0x20018000: Secure under ST's template):
 *                   a SecureFault for a Non-secure loader; a plain read otherwise (Init 2)
 * With TrustZone off (or AIRCR.BFHFNMINS = 1) the loader's handler runs and Init returns 1.
 * Under --tz on (BFHFNMINS = 0) the HardFault and the SecureFault are the Secure image's
 * (VTOR_S): the loader's handler never runs. The faulting load is marked fault_insn. */
#include "loader.h"

#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define MARK_FAULT ".global fault_insn\n\t.type fault_insn, %%object\nfault_insn:\n\t"

#if defined(NSFAULT_BUS)
#define FAULT_ADDR 0x60000000u
#elif defined(NSFAULT_SECURE)
#define FAULT_ADDR 0x20000100u
#else
#error "define NSFAULT_BUS or NSFAULT_SECURE"
#endif

typedef void (*vector_t)(void);

/* The exception frame is on the stack the fault used (EXC_RETURN bit 2). */
__attribute__((naked)) static void fault_recover(void)
{
    __asm volatile("tst lr, #4\n\t"
                   "ite eq\n\t"
                   "mrseq r0, msp\n\t"
                   "mrsne r0, psp\n\t"
                   "movs r1, #1\n\t"
                   "str r1, [r0, #0]\n\t"  /* stacked R0 = 1 */
                   "ldr r1, [r0, #20]\n\t" /* stacked LR: the host's BKPT | 1 */
                   "bic r1, r1, #1\n\t"
                   "str r1, [r0, #24]\n\t" /* stacked PC */
                   "bx lr\n\t");
}

/* VTOR needs 128-byte alignment; the 16 system exceptions only. */
__attribute__((aligned(128))) const vector_t vector_table[16] = {
    [3] = fault_recover, /* HardFault */
    [4] = fault_recover, /* MemManage */
    [5] = fault_recover, /* BusFault */
    [6] = fault_recover, /* UsageFault */
    [7] = fault_recover, /* SecureFault */
};

int Init(void)
{
    loader_zero_bss();
    SCB_VTOR = (uint32_t)vector_table;
    __asm volatile("dsb\n\tisb" ::: "memory");
    /* a leaf with no call before the load: LR still holds the host's return address */
    register uint32_t v __asm("r0");
    register uint32_t a __asm("r1") = FAULT_ADDR;
    __asm volatile(MARK_FAULT "ldr r0, [r1]" : "=r"(v) : "r"(a) : "memory");
    (void)v;
    return 2;
}
