/* White-box access to the machine's parts, for the emu layer's own tests: the System
 * Control Space registers, the peripheral bus and its devices, the window's statistics. Not
 * in the loader's or the tools' view (cmake/layers.cmake): they see emu/machine.h only. */
#ifndef SE_INSPECT_H
#define SE_INSPECT_H

#include "emu/bus.h"
#include "emu/machine.h"
#include "emu/scs.h"
#include "emu/window.h"

se_bus *se_machine_bus(se_machine *m);
se_scs *se_machine_scs(se_machine *m);
/* How the external-memory window was used: blocks read in place. */
void se_machine_window_stats(const se_machine *m, se_window_stats *st);

#endif
