#include "emu/disasm.h"

bool se_cs_open(csh *h)
{
    return cs_open(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS | CS_MODE_V8, h) == CS_ERR_OK;
}

void se_insn_text(const cs_insn *in, char *text, size_t len)
{
    size_t k = 0;
    if (!len)
        return;
    for (const char *q = in->mnemonic; *q && k + 1 < len; q++)
        text[k++] = *q;
    if (in->op_str[0] && k + 1 < len)
        text[k++] = ' ';
    for (const char *q = in->op_str; *q && k + 1 < len; q++)
        text[k++] = *q;
    text[k] = '\0';
}
