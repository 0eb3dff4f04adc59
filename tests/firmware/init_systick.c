/* Init of systick_loader / systick_erased: a HAL_Delay(10)-style wait on SysTick
 * interrupts, as loaders built from ST's GCC template do in Init.
 *
 * Init points VTOR at the vector table below, clears C_MASKINTS in DHCSR (the host masks
 * interrupts while the loader runs), starts SysTick for 1 ms ticks at the 4 MHz reset
 * clock, enables interrupts and waits until uwTick has advanced by 11 ticks.
 * With -DSYSTICK_VECTOR_ERASED the SysTick vector points into internal flash (erased),
 * so the first SysTick exception fails.
 * With -DSYSTICK_VTOR_SECURE_ALIAS (TrustZone) VTOR gets the secure alias (+0x10000000,
 * 0x3xxx_xxxx) of the table: a Non-secure loader's SysTick vector read is then refused by
 * the IDAU. */
#include "loader.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define DHCSR (*(volatile uint32_t *)0xE000EDF0u)

#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)
#define DHCSR_KEY 0xA05F0000u /* DBGKEY, all control bits 0: clears C_MASKINTS */

#define CORE_CLOCK_HZ 4000000u /* MSI after reset, never changed here */
#define DELAY_MS 10u

volatile uint32_t uwTick;        /* incremented every 1 ms by SysTick_Handler */
volatile uint32_t g_delay_ticks; /* ticks counted by the last wait in Init */

void SysTick_Handler(void);
void Default_Handler(void);

void SysTick_Handler(void) { uwTick++; }

void Default_Handler(void)
{
    for (;;) {
    }
}

typedef void (*vector_t)(void);

#ifdef SYSTICK_VECTOR_ERASED
#define SYSTICK_VECTOR ((vector_t)0x08000201u) /* internal flash: erased (0xFF) */
#else
#define SYSTICK_VECTOR SysTick_Handler
#endif

/* VTOR needs at least 128-byte alignment; only the 16 system exceptions are present
 * (no external interrupt is enabled). */
__attribute__((aligned(128))) const vector_t vector_table[16] = {
    (vector_t)0x20040000u, /* 0: initial SP (not used: the host sets SP) */
    (vector_t)Init,        /* 1: Reset */
    Default_Handler,       /* 2: NMI */
    Default_Handler,       /* 3: HardFault */
    Default_Handler,       /* 4: MemManage */
    Default_Handler,       /* 5: BusFault */
    Default_Handler,       /* 6: UsageFault */
    Default_Handler,       /* 7: SecureFault */
    0,
    0,
    0,               /* 8-10: reserved */
    Default_Handler, /* 11: SVCall */
    Default_Handler, /* 12: DebugMonitor */
    0,               /* 13: reserved */
    Default_Handler, /* 14: PendSV */
    SYSTICK_VECTOR,  /* 15: SysTick */
};

int Init(void)
{
    loader_zero_bss();
    uwTick = 0u;

#ifdef SYSTICK_VTOR_SECURE_ALIAS
    SCB_VTOR = (uint32_t)vector_table + 0x10000000u; /* 0x2001_xxxx -> 0x3001_xxxx */
#else
    SCB_VTOR = (uint32_t)vector_table;
#endif
    DHCSR = DHCSR_KEY;

    SYST_RVR = CORE_CLOCK_HZ / 1000u - 1u; /* 3999: 1 ms */
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
    __asm volatile("cpsie i" ::: "memory");

    /* HAL_Delay: the wait is one tick longer than asked for. */
    uint32_t start = uwTick;
    while ((uwTick - start) < DELAY_MS + 1u) {
    }

    SYST_CSR = 0u;
    __asm volatile("cpsid i" ::: "memory");
    g_delay_ticks = uwTick - start;
    return 1;
}
