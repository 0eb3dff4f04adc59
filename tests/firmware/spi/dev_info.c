/* StorageInfo of our SPI NOR loaders (docs/protocol.md 1.2): 8 MiB at the device address
 * 0x90000000 the SPI boards' profiles reserve (docs/serial-nor.md 11), 256-byte pages, erased
 * to 0xFF in 2048 sectors of 4 KiB. The name holds the board's token (--target auto). */
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
_Static_assert(offsetof(struct storage_info, sectors) == 120, "sectors offset");

#define DEV_TYPE_SPI_FLASH 7u /* docs/protocol.md 1.2: SPI_FLASH */

#if defined(BOARD_F446)
#define DEV_NAME "MX25L6433F_NUCLEO-F446RE_STLDR-EMU-REF"
#elif defined(BOARD_F411)
#define DEV_NAME "W25Q64JV_F411-BLACKPILL_STLDR-EMU-REF"
#else
#error "BOARD_F446 or BOARD_F411"
#endif

__attribute__((section(".Dev_info"), used)) const struct storage_info StorageInfo = {
    .DeviceName = DEV_NAME,
    .DeviceType = DEV_TYPE_SPI_FLASH,
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
