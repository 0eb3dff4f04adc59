/* Init of sram_loader / sram_loader_tz: nothing to set up for an SRAM "device". */
#include "loader.h"

int Init(void)
{
    loader_zero_bss();
    return 1;
}
