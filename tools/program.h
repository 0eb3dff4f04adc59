/* Programming a data file through the host, as STM32CubeProgrammer's download does (for
 * run --write and the CubeProgrammer syntax): the sectors of StorageInfo by index, and the
 * erase plan of a file whose segments may share sectors. */
#ifndef SE_TOOLS_PROGRAM_H
#define SE_TOOLS_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "base/datafile.h"
#include "loader/stldr.h"

/* Sectors of the device, counted from 0 at StorageInfo's start, group after group. */
uint32_t se_sector_count(const se_storage_info *si);
/* The sector holding device offset off: its index, offset and size; false past the end. */
bool se_sector_at(const se_storage_info *si, uint32_t off, uint32_t *index, uint32_t *start,
                  uint32_t *size);
/* Sector index's offset and size; false past the end. */
bool se_sector_by_index(const se_storage_info *si, uint32_t index, uint32_t *start, uint32_t *size);

/* The sectors (indices first..last) segment i of df touches that no earlier segment of df
 * touched (segments are sorted): false when there are none left to erase. */
bool se_segment_sectors(const se_storage_info *si, const se_datafile *df, size_t i, uint32_t *first,
                        uint32_t *last);

/* The limits a data file meets on a device: its range, at most its size of data. */
se_df_limits se_device_limits(const se_storage_info *si, char *what, size_t len);

#endif
