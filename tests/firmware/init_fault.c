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
 *                       holds the stale 0xA5 pattern.
 *   FAULT_DIV0          sets CCR.DIV_0_TRP, then divides by a zero read from .bss:
 *                       UsageFault DIVBYZERO -> HardFault.
 *   FAULT_UNALIGNED     sets CCR.UNALIGN_TRP, then reads a word at an odd address of a .bss
 *                       buffer: UsageFault UNALIGNED -> HardFault.
 *   FAULT_UNALIGNED_LDRD  reads a doubleword (LDRD) at buffer + 2 with CCR untouched: LDRD
 *                       needs word alignment whatever UNALIGN_TRP says.
 *   FAULT_PUSH_WINDOW   moves SP to 0x90000040, in the OCTOSPI window (not memory-mapped:
 *                       every access faults), and pushes r4-r7, lr (0x9000002C..0x9000003F),
 *                       then stores r4 at [sp, #20] (0x90000040): the beats go up from the
 *                       lowest address, so the first one, 0x9000002C, is the one that faults.
 *                       With LOADER_TZ (--tz on) SP goes to 0x20000040 instead, Secure SRAM1
 *                       under ST's template: each beat is a SecureFault, decided in an MMIO
 *                       callback (the page is carved out), so the block goes on after it.
 *   FAULT_STMDB_WINDOW  STMDB r0!, {r1-r4} with r0 = 0x90000010, then STR r1, [r0, #16]: the
 *                       first beat, 0x90000000, faults.
 * The last five put the faulting instruction in inline assembly with fixed registers and
 * mark it with the symbol fault_insn, so the tests know its text and address exactly (an
 * object symbol: reports still name it Init+offset). */
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

static void __attribute__((noinline)) touch(volatile uint8_t *p) { *p = (uint8_t)(*p + 1u); }

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

#elif defined(FAULT_DIV0) || defined(FAULT_UNALIGNED) || defined(FAULT_UNALIGNED_LDRD)

#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define CCR_UNALIGN_TRP (1u << 3) /* ARMv8-M ARM, CCR */
#define CCR_DIV_0_TRP (1u << 4)
#define MARK_FAULT ".global fault_insn\n\t.type fault_insn, %%object\nfault_insn:\n\t"

/* ARMv8-M: a write to the SCB takes effect for later instructions after DSB + ISB. */
static inline __attribute__((always_inline)) void ccr_set(uint32_t bits)
{
    SCB_CCR |= bits;
    __asm volatile("dsb\n\tisb" ::: "memory");
}

#if defined(FAULT_DIV0)

volatile uint32_t divisor; /* .bss: 0 after loader_zero_bss(), unknown to the compiler */

int Init(void)
{
    loader_zero_bss();
    ccr_set(CCR_DIV_0_TRP);
    register uint32_t q __asm("r0");
    register uint32_t n __asm("r1") = 1000u;
    register uint32_t d __asm("r2") = divisor;
    __asm volatile(MARK_FAULT "udiv r0, r1, r2" : "=r"(q) : "r"(n), "r"(d));
    return q == 0u; /* without the trap the quotient is 0: 1, as if all went well */
}

#else

uint8_t buf[16] __attribute__((aligned(8)));

int Init(void)
{
    loader_zero_bss();
#if defined(FAULT_UNALIGNED)
    ccr_set(CCR_UNALIGN_TRP);
    register uint32_t v __asm("r0");
    register const uint8_t *p __asm("r1") = buf + 1;
    __asm volatile(MARK_FAULT "ldr r0, [r1]" : "=r"(v) : "r"(p) : "memory");
    return v == 0u;
#else
    register uint32_t lo __asm("r2"), hi __asm("r3");
    register const uint8_t *p __asm("r1") = buf + 2;
    __asm volatile(MARK_FAULT "ldrd r2, r3, [r1]" : "=r"(lo), "=r"(hi) : "r"(p) : "memory");
    return (lo | hi) == 0u;
#endif
}

#endif

#elif defined(FAULT_PUSH_WINDOW) || defined(FAULT_STMDB_WINDOW)

#define MARK_FAULT ".global fault_insn\n\t.type fault_insn, %%object\nfault_insn:\n\t"

int Init(void)
{
    loader_zero_bss();
#if defined(FAULT_PUSH_WINDOW)
    /* more instructions in the same block after the fault, as compiled code has */
#if defined(LOADER_TZ) /* Secure SRAM1 to the Non-secure loader: refused by the SAU */
#define PUSH_TOP_HI "#0x2000"
#elif defined(PUSH_RAM_END) /* past the end of SRAM: nothing there */
#define PUSH_TOP_HI "#0x2004"
#else
#define PUSH_TOP_HI "#0x9000"
#endif
    __asm volatile("mov r2, sp\n\t"
                   "movs r3, #0x40\n\t"
                   "movt r3, " PUSH_TOP_HI "\n\t"
                   "mov sp, r3\n\t"
                   "movs r4, #4\n\t"
                   "movs r5, #5\n\t" MARK_FAULT "push {r4, r5, r6, r7, lr}\n\t"
                   "str r4, [sp, #20]\n\t"
                   "pop {r4, r5, r6, r7, lr}\n\t"
                   "mov sp, r2" ::
                       : "r2", "r3", "r4", "r5", "r6", "r7", "memory");
#else
    register uint32_t base __asm("r0") = 0x90000010u;
    __asm volatile("movs r1, #1\n\t"
                   "movs r2, #2\n\t"
                   "movs r3, #3\n\t"
                   "movs r4, #4\n\t" MARK_FAULT "stmdb r0!, {r1, r2, r3, r4}\n\t"
                   "str r1, [r0, #16]\n\t"
                   "movs r1, #0"
                   : "+r"(base)::"r1", "r2", "r3", "r4", "memory");
#endif
    return 1;
}

#else
#error \
    "define one of FAULT_UNMAPPED, FAULT_UDF, FAULT_HANG, FAULT_BKPT_CLOBBER, FAULT_WILD_PTR, FAULT_STACK_INTO_IMAGE, FAULT_EXEC_STALE, FAULT_DIV0, FAULT_UNALIGNED, FAULT_UNALIGNED_LDRD, FAULT_PUSH_WINDOW, FAULT_STMDB_WINDOW"
#endif
