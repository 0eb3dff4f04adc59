/* Shared declarations of the stldr-emu test loaders (bare metal, Cortex-M33, no libc).
 *
 * The "storage device" of every test loader is the top 32 KiB of SRAM2 of the STM32L562,
 * handled like a NOR flash: 4 KiB sectors, erased to 0xFF, programming only clears bits. */
#ifndef FW_LOADER_H
#define FW_LOADER_H

#include <stdint.h>

#define DEV_START 0x20038000u
#define DEV_SIZE 0x8000u
#define DEV_SECTOR_SIZE 0x1000u
#define DEV_PAGE_SIZE 0x100u
#define DEV_ERASE_VALUE 0xFFu
#define DEV_TYPE_SRAM 4u

/* Entry points called by the host, found by symbol name. */
int Init(void);
int DeInit(void);
int Write(uint32_t Address, uint32_t Size, uint8_t *buffer);
int Read(uint32_t Address, uint32_t Size, uint8_t *buffer);
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress);
int MassErase(uint32_t Parallelism);
uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal);
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size,
                uint32_t missalignement);

/* Bounds of .bss, defined by loader.ld.in. */
extern uint8_t __bss_start__[];
extern uint8_t __bss_end__[];

/* The host does not run startup code: RAM holds garbage when an entry point is called.
 * Every Init zeroes .bss itself (volatile so the compiler cannot turn it into memset). */
static inline __attribute__((always_inline)) void loader_zero_bss(void)
{
    for (volatile uint8_t *p = __bss_start__; p < __bss_end__; p++)
        *p = 0u;
}

#endif
