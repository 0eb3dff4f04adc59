/* StorageInfo and every entry point except Init of the test loaders.
 *
 * Device: the top 32 KiB of SRAM2 (0x20038000..0x2003FFFF), behaving like a NOR flash.
 * Addresses may be absolute (0x20038000 + offset) or plain offsets (< DEV_SIZE).
 * A range that leaves the device makes the entry point fail (0). */
#include <stddef.h>

#include "loader.h"

/* ---- StorageInfo: read by the host from the file, never downloaded ---------------- */

struct sector_group {
    uint32_t SectorNum;
    uint32_t SectorSize;
};

struct storage_info {
    char DeviceName[100];
    uint16_t DeviceType;
    uint32_t DeviceStartAddress;
    uint32_t DeviceSize;
    uint32_t PageSize;
    uint8_t EraseValue;
    struct sector_group sectors[10];
};

_Static_assert(sizeof(struct storage_info) == 200, "StorageInfo must be 200 bytes");
_Static_assert(offsetof(struct storage_info, DeviceType) == 100, "DeviceType offset");
_Static_assert(offsetof(struct storage_info, DeviceStartAddress) == 104, "start offset");
_Static_assert(offsetof(struct storage_info, EraseValue) == 116, "EraseValue offset");
_Static_assert(offsetof(struct storage_info, sectors) == 120, "sectors offset");

#ifdef LOADER_TZ
#define DEVICE_NAME "SRAM2-TEST_STM32L562E-DK-TZ"
#else
#define DEVICE_NAME "SRAM2-TEST_STM32L562E-DK"
#endif

#ifdef DEV_INFO_NOT_KEPT /* field failure mode 10 (cause_gc_storageinfo): a section of its own
                            that the linker script does not KEEP, so --gc-sections drops it */
__attribute__((section(".rodata.StorageInfo"), used))
#else
__attribute__((section(".Dev_info"), used))
#endif
const struct storage_info StorageInfo = {
    .DeviceName = DEVICE_NAME,
    .DeviceType = DEV_TYPE_SRAM,
#ifdef DEV_INFO_START_ZERO /* field failure mode 14 (cause_start_zero) */
    .DeviceStartAddress = 0u,
#else
    .DeviceStartAddress = DEV_START,
#endif
    .DeviceSize = DEV_SIZE,
    .PageSize = DEV_PAGE_SIZE,
    .EraseValue = DEV_ERASE_VALUE,
    .sectors =
        {
            {DEV_SIZE / DEV_SECTOR_SIZE, DEV_SECTOR_SIZE},
            {0u, 0u},
        },
};

/* ---- helpers ------------------------------------------------------------------------ */

/* Map [addr, addr + size) to a device offset. Returns 0 if the range leaves the device. */
static int dev_range(uint32_t addr, uint32_t size, uint32_t *off)
{
    uint32_t o;

    if (addr >= DEV_START)
        o = addr - DEV_START;
    else if (addr < DEV_SIZE)
        o = addr;
    else
        return 0;
#ifdef BUG_DEVICE_END /* planted for the fuzzer: accepts one byte past the device end */
    if (o > DEV_SIZE || size > DEV_SIZE - o + 1u)
        return 0;
#else
    if (o > DEV_SIZE || size > DEV_SIZE - o)
        return 0;
#endif
    *off = o;
    return 1;
}

static volatile uint8_t *dev_bytes(uint32_t off) { return (volatile uint8_t *)(DEV_START + off); }

static void erase_sector(uint32_t sector)
{
    volatile uint32_t *p = (volatile uint32_t *)(DEV_START + sector * DEV_SECTOR_SIZE);

    for (uint32_t i = 0; i < DEV_SECTOR_SIZE / 4u; i++)
        p[i] = 0xFFFFFFFFu;
}

/* ---- entry points ------------------------------------------------------------------- */

int DeInit(void) { return 1; }

/* NOR semantics: programming can only clear bits. */
int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;

    if (!dev_range(Address, Size, &off))
        return 0;
    volatile uint8_t *d = dev_bytes(off);
    const volatile uint8_t *s = buffer;
#ifdef BUG_HANG_UNALIGNED /* planted for the fuzzer: spins on an unaligned address */
    while (Address & 3u) {
    }
#endif
#ifdef BUG_PAGE_WRAP /* planted for the fuzzer: a write wraps inside its 256-byte page */
    volatile uint8_t *page = dev_bytes(off & ~0xFFu);
    for (uint32_t i = 0; i < Size; i++)
        page[((off & 0xFFu) + i) & 0xFFu] &= s[i];
    (void)d;
#else
    for (uint32_t i = 0; i < Size; i++)
        d[i] &= s[i];
#endif
    return 1;
}

int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    uint32_t off;

    if (!dev_range(Address, Size, &off))
        return 0;
    const volatile uint8_t *s = dev_bytes(off);
    volatile uint8_t *d = buffer;
    for (uint32_t i = 0; i < Size; i++)
        d[i] = s[i];
    return 1;
}

/* Erases every sector from the one holding the start address up to and including the one
 * holding the end address. */
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    uint32_t s, e;

    if (!dev_range(EraseStartAddress, 1u, &s) || !dev_range(EraseEndAddress, 1u, &e) || e < s)
        return 0;
#ifdef BUG_ERASE_SKIP_LAST /* planted for the fuzzer: the last sector of a range is skipped */
    for (uint32_t sector = s / DEV_SECTOR_SIZE; sector < e / DEV_SECTOR_SIZE; sector++)
#else
    for (uint32_t sector = s / DEV_SECTOR_SIZE; sector <= e / DEV_SECTOR_SIZE; sector++)
#endif
        erase_sector(sector);
    return 1;
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    for (uint32_t sector = 0; sector < DEV_SIZE / DEV_SECTOR_SIZE; sector++)
        erase_sector(sector);
    return 1;
}

/* InitVal + the byte sum of [StartAddress, StartAddress + Size); 0 if the range leaves
 * the device. */
uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    uint32_t off;

    if (!dev_range(StartAddress, Size, &off))
        return 0;
    const volatile uint8_t *m = dev_bytes(off);
    for (uint32_t i = 0; i < Size; i++)
        InitVal += m[i];
    return InitVal;
}

/* Size is in words. missalignement[3:0] = bytes skipped at the start, [19:16] = bytes
 * dropped at the end. Low word: 0 if the compared bytes are equal, else the absolute
 * address of the first differing byte; 0xFFFFFFFF if the range leaves the device.
 * High word: byte sum of the compared device bytes (all of them, even after a mismatch). */
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    const uint32_t skip = missalignement & 0xFu;
    const uint32_t drop = (missalignement >> 16) & 0xFu;
    uint32_t off, n, sum = 0, first_diff = 0;

    if (Size > DEV_SIZE / 4u)
        return 0xFFFFFFFFu;
    n = Size * 4u;
    n = n > skip + drop ? n - skip - drop : 0u;
    if (!dev_range(MemoryAddr, skip + n, &off))
        return 0xFFFFFFFFu;

    const volatile uint8_t *m = dev_bytes(off);
    const volatile uint8_t *b = (const volatile uint8_t *)RAMBufferAddr;
    for (uint32_t k = skip; k < skip + n; k++) {
        uint8_t v = m[k];
        sum += v;
        if (first_diff == 0u && v != b[k])
            first_diff = DEV_START + off + k; /* never 0: the device is not at address 0 */
    }
    return ((uint64_t)sum << 32) | first_diff;
}
