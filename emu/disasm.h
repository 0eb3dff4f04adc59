/* Capstone as every part of the machine that decodes guest code uses it (the last
 * instructions and the trace, the faulting instruction, the trap scan): one mode for the
 * Cortex-M33 and one text form per instruction. */
#ifndef SE_DISASM_H
#define SE_DISASM_H

#include <stdbool.h>
#include <stddef.h>

#include <capstone/capstone.h>

/* Thumb, M-class, v8: Capstone 4 decodes the v8-M LDA/STL family only with CS_MODE_V8. */
bool se_cs_open(csh *h);
/* "mnemonic operands" into text (len bytes), truncated to fit. */
void se_insn_text(const cs_insn *in, char *text, size_t len);

#endif
