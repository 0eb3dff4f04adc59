/* Init of the cause_* test loaders: each reproduces one failure mode reported in the field
 * (docs/protocol.md 5) the way a user's loader has it, for the cause its reason must name.
 *
 * -DCAUSE_SYSTICK_MASKED (field mode 1): HAL_Init-style code starts SysTick with TICKINT
 * (HAL_InitTick) and waits HAL_Delay-style on uwTick; there is no vector table in the image
 * and VTOR is never written, so only a SysTick_Handler the host never lets run could advance
 * uwTick: Init hangs. */
#include "loader.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#ifdef CAUSE_SYSTICK_MASKED
volatile uint32_t uwTick; /* HAL's tick, advanced only by SysTick_Handler (not linked in) */

static void HAL_InitTick(void)
{
    SYST_RVR = 4000000u / 1000u - 1u; /* 1 ms at the 4 MHz reset clock */
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* ENABLE | TICKINT | CLKSOURCE */
}

static void HAL_Delay(uint32_t ms)
{
    uint32_t start = uwTick;
    while ((uwTick - start) < ms + 1u) {
    }
}

int Init(void)
{
    loader_zero_bss();
    HAL_InitTick();
    HAL_Delay(10u);
    return 1;
}
#endif
