/* StorageInfo of the reference MX25LM51245G loader (docs/protocol.md 1.2): read by the host from
 * section .Dev_info of the file (VMA 0, a segment of its own), never downloaded. */
#include <stddef.h>
#include <stdint.h>

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

#define DEV_TYPE_NOR_FLASH 3u

/* The HAL-style loader (../hal) shares this description under a name of its own. */
#ifdef HAL_LOADER
#define DEV_NAME "MX25LM51245G_STM32L562E-DK_STLDR-EMU-HAL"
#else
#define DEV_NAME "MX25LM51245G_STM32L562E-DK_STLDR-EMU-REF"
#endif

/* docs/hardware.md A.1: 64 MiB at the OCTOSPI window, 256-byte program pages, erased to 0xFF,
 * erased by the loader in 1024 blocks of 64 KiB (BE4B). */
__attribute__((section(".Dev_info"), used)) const struct storage_info StorageInfo = {
    .DeviceName = DEV_NAME,
    .DeviceType = DEV_TYPE_NOR_FLASH,
    .DeviceStartAddress = 0x90000000u,
    .DeviceSize = 0x04000000u,
    .PageSize = 0x100u,
    .EraseValue = 0xFFu,
    .sectors =
        {
            {1024u, 0x10000u},
            {0u, 0u},
        },
};
