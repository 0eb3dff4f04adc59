/* The vector table of a loader built as ST's CubeIDE/GCC template builds it (cubeide.ld.in):
 * in .isr_vector after the template's padding, entry 0 the initial SP (_estack, the end of
 * RAM: even, no handler), then handlers with the Thumb bit. The host never uses it. */
#include "loader.h"

extern uint32_t _estack[];

void Default_Handler(void);

void Default_Handler(void)
{
    for (;;) {
    }
}

__attribute__((section(".isr_vector"), used)) const void *const g_pfnVectors[16] = {
    _estack,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    0,
    0,
    0,
    0,
    Default_Handler,
    Default_Handler,
    0,
    Default_Handler,
    Default_Handler,
};
