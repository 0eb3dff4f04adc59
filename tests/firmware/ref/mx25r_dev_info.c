/* StorageInfo of the reference MX25R6435F loader (docs/protocol.md 1.2): read by the host from
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

#ifdef CHIP_N25Q
/* docs/serial-nor.md: 16 MiB at the QUADSPI window, 256-byte pages, 256 sectors of 64 KiB. */
__attribute__((section(".Dev_info"), used)) const struct storage_info StorageInfo = {
    .DeviceName = "N25Q128A_STM32F7508-DISCO_STLDR-EMU-REF",
    .DeviceType = DEV_TYPE_NOR_FLASH,
    .DeviceStartAddress = 0x90000000u,
    .DeviceSize = 0x01000000u,
    .PageSize = 0x100u,
    .EraseValue = 0xFFu,
    .sectors =
        {
            {256u, 0x10000u},
            {0u, 0u},
        },
};
#else
/* docs/serial-nor.md 2, 5: 8 MiB at the QUADSPI window, 256-byte program pages, erased to 0xFF,
 * erased by the loader in 2048 sectors of 4 KiB (0x20). */
__attribute__((section(".Dev_info"), used)) const struct storage_info StorageInfo = {
    .DeviceName = "MX25R6435F_STM32L496G-DISCO_STLDR-EMU-REF",
    .DeviceType = DEV_TYPE_NOR_FLASH,
    .DeviceStartAddress = 0x90000000u,
    .DeviceSize = 0x00800000u,
    .PageSize = 0x100u,
    .EraseValue = 0xFFu,
    .sectors =
        {
            {2048u, 0x1000u},
            {0u, 0u},
        },
};
#endif
