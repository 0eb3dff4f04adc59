/* The host-side half of our memory-mapped reference loaders (ref_w25q_l552, ref_mx25r_l496):
 * the device range check and Read, CheckSum and Verify reading the flash through the window
 * with the CPU (docs/protocol.md 1.3). Included once, after the loader defines WIN_BASE (the
 * window and StorageInfo start), WIN_SIZE (the part's size) and mm_ensure() (memory-mapped
 * mode on, or 0). REF_BUG_CHECKSUM plants a Verify checksum off by one for the tests. */
#ifndef FW_REF_WINDOW_HOST_H
#define FW_REF_WINDOW_HOST_H

#include <stdint.h>

/* An absolute address or a plain offset, and size bytes from it, inside the part. */
static int dev_range(uint32_t addr, uint32_t size, uint32_t *off)
{
    uint32_t o = addr >= WIN_BASE ? addr - WIN_BASE : addr;
    if (o > WIN_SIZE || size > WIN_SIZE - o)
        return 0;
    *off = o;
    return 1;
}

int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;
    if (!dev_range(Address, Size, &off) || !mm_ensure())
        return 0;
    const volatile uint8_t *m = (const volatile uint8_t *)(WIN_BASE + off);
    for (uint32_t i = 0; i < Size; i++)
        buffer[i] = m[i];
    return 1;
}

static uint32_t window_sum(uint32_t off, uint32_t n, uint32_t init)
{
    const volatile uint8_t *m = (const volatile uint8_t *)(WIN_BASE + off);
    for (uint32_t i = 0; i < n; i++)
        init += m[i];
    return init;
}

uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    uint32_t off;
    if (!dev_range(StartAddress, Size, &off) || !mm_ensure())
        return 0;
    return window_sum(off, Size, InitVal);
}

/* First differing byte at MemoryAddr + k (0 if none), high word the byte sum of the compared
 * device bytes; words * 4 bytes less missalignement[3:0] skipped and [19:16] dropped. */
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    const uint32_t skip = missalignement & 0xFu;
    const uint32_t drop = (missalignement >> 16) & 0xFu;
    uint32_t off, n, first_diff = 0;
    if (Size > WIN_SIZE / 4u)
        return 0xFFFFFFFFu;
    n = Size * 4u;
    n = n > skip + drop ? n - skip - drop : 0u;
    if (!dev_range(MemoryAddr, skip + n, &off) || !mm_ensure())
        return 0xFFFFFFFFu;
    const volatile uint8_t *m = (const volatile uint8_t *)(WIN_BASE + off);
    const uint8_t *b = (const uint8_t *)RAMBufferAddr;
    for (uint32_t k = skip; k < skip + n; k++)
        if (m[k] != b[k]) {
            first_diff = WIN_BASE + off + k;
            break;
        }
#ifdef REF_BUG_CHECKSUM
    return ((uint64_t)(window_sum(off + skip, n, 0u) + 1u) << 32) | first_diff;
#else
    return ((uint64_t)window_sum(off + skip, n, 0u) << 32) | first_diff;
#endif
}

#endif
