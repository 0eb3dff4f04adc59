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

#ifdef CAUSE_PLAIN_INIT
/* A plain Init for the loaders whose fault is in StorageInfo (storage.c): field mode 14,
 * DeviceStartAddress 0 (-DDEV_INFO_START_ZERO), and mode 10 (-DDEV_INFO_NOT_KEPT). */
int Init(void)
{
    loader_zero_bss();
    return 1;
}
#endif

#ifdef CAUSE_BSS
/* Field mode 2: Init sets up once, guarded by a flag in .bss it assumes zero; the host does
 * not zero .bss, so the flag reads as set and the pointer it guards was never written. */
static uint32_t initialised;
static volatile uint32_t *scratch;

int Init(void)
{
    if (!initialised) {
        scratch = (volatile uint32_t *)DEV_START;
        initialised = 1u;
    }
    *scratch = 0u;
    return 1;
}
#endif

#ifdef CAUSE_LINK_BASE
/* Field mode 3: linked at 0x20004004 (the build's BASE) but downloaded by the host at
 * 0x20000004: Init calls through a table of function pointers, which hold link addresses;
 * the table's own address is a literal of the link range too. */
static int step_a(void) { return 1; }
static int step_b(void) { return 1; }
static int (*const volatile steps[2])(void) = {step_a, step_b};

int Init(void)
{
    loader_zero_bss();
    int ok = 1;
    for (unsigned i = 0; i < 2u; i++)
        ok &= steps[i]();
    return ok;
}
#endif

#ifdef CAUSE_STACK_DEEP
/* Field failure mode 11 (stack), statically: Init -> level1 (0x200-byte local) -> level2
 * (0x300-byte local) needs more than the host's 0x400-byte stack gap; each frame alone fits. */
static void __attribute__((noinline)) fill(volatile uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)i;
}

static unsigned __attribute__((noinline)) level2(unsigned n)
{
    volatile uint8_t buf[0x300];
    fill(buf, n);
    return buf[n - 1u];
}

static unsigned __attribute__((noinline)) level1(unsigned n)
{
    volatile uint8_t buf[0x200];
    fill(buf, n);
    return level2(n) + buf[0];
}

int Init(void)
{
    loader_zero_bss();
    return level1(8u) == 7u;
}
#endif
