/* libFuzzer target: the Intel HEX reader of base/datafile.c (--write FILE, -d FILE). Input:
 * the bytes of a file. Checks: fuzz/datafile_check.h. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/datafile_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_df_check(data, size, SE_DF_IHEX);
    return 0;
}
