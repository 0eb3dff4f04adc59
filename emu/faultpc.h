/* Finding the instruction that made a data access fault. Unicorn 2.0.1 leaves PC at the
 * start of the translated block when an access faults (registers are up to date, PC is
 * not), so we decode the block with Capstone and pick the first load/store whose effective
 * address, computed from the current registers, covers the faulting address. */
#ifndef SE_FAULTPC_H
#define SE_FAULTPC_H

#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

/* code: the block's bytes starting at block_pc (len bytes). Returns true and sets *pc when
 * exactly one explanation was found. */
bool se_find_faulting_insn(uc_engine *uc, const uint8_t *code, uint32_t len, uint32_t block_pc,
                           uint32_t fault_addr, bool is_write, uint32_t *pc);

#endif
