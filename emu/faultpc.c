#include "emu/faultpc.h"

#include <string.h>

#include <capstone/capstone.h>

#include "emu/disasm.h"

static int uc_reg_of(arm_reg r)
{
    if (r >= ARM_REG_R0 && r <= ARM_REG_R12)
        return UC_ARM_REG_R0 + (r - ARM_REG_R0);
    switch (r) {
    case ARM_REG_SP: return UC_ARM_REG_SP;
    case ARM_REG_LR: return UC_ARM_REG_LR;
    case ARM_REG_PC: return UC_ARM_REG_PC;
    default: return -1;
    }
}

static bool reg_value(uc_engine *uc, arm_reg r, uint32_t insn_addr, uint32_t *v)
{
    if (r == ARM_REG_PC) { /* Thumb: PC reads as the instruction address + 4, word-aligned */
        *v = (insn_addr + 4) & ~3u;
        return true;
    }
    int id = uc_reg_of(r);
    if (id < 0)
        return false;
    return uc_reg_read(uc, id, v) == UC_ERR_OK;
}

/* Bytes moved by one access of this instruction, from its mnemonic. */
static unsigned access_size(unsigned id)
{
    switch (id) {
    case ARM_INS_LDRB:
    case ARM_INS_STRB:
    case ARM_INS_LDRSB:
    case ARM_INS_LDRBT:
    case ARM_INS_STRBT:
    case ARM_INS_LDREXB:
    case ARM_INS_STREXB:
    case ARM_INS_LDAB:
    case ARM_INS_STLB:
    case ARM_INS_TBB: return 1;
    case ARM_INS_LDRH:
    case ARM_INS_STRH:
    case ARM_INS_LDRSH:
    case ARM_INS_LDRHT:
    case ARM_INS_STRHT:
    case ARM_INS_LDREXH:
    case ARM_INS_STREXH:
    case ARM_INS_LDAH:
    case ARM_INS_STLH:
    case ARM_INS_TBH: return 2;
    case ARM_INS_LDRD:
    case ARM_INS_STRD:
    case ARM_INS_VLDR:
    case ARM_INS_VSTR: return 8;
    default: return 4;
    }
}

static bool is_multiple(unsigned id, bool *down, bool *store)
{
    *down = false;
    *store = false;
    switch (id) {
    case ARM_INS_LDM: return true;
    case ARM_INS_POP: return true;
    case ARM_INS_STM: *store = true; return true;
    case ARM_INS_LDMDB: *down = true; return true;
    case ARM_INS_STMDB:
    case ARM_INS_PUSH:
        *down = true;
        *store = true;
        return true;
    default: return false;
    }
}

static bool is_store(const cs_insn *in)
{
    const char *m = in->mnemonic;
    return m[0] == 's' && m[1] == 't';
}

bool se_find_faulting_insn(uc_engine *uc, const uint8_t *code, uint32_t len, uint32_t block_pc,
                           uint32_t fault_addr, bool is_write, uint32_t *pc)
{
    csh h;
    if (!se_cs_open(&h))
        return false;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *insn = NULL;
    size_t n = cs_disasm(h, code, len, block_pc, 0, &insn);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
        const cs_insn *in = &insn[i];
        const cs_arm *a = &in->detail->arm;
        bool down, store;
        uint32_t lo = 0, size = 0;
        if (is_multiple(in->id, &down, &store)) {
            unsigned nregs = 0;
            arm_reg base = ARM_REG_SP;
            for (unsigned k = 0; k < a->op_count; k++)
                if (a->operands[k].type == ARM_OP_REG)
                    nregs++;
            if (in->id != ARM_INS_PUSH && in->id != ARM_INS_POP && a->op_count > 0) {
                base = a->operands[0].reg;
                nregs--; /* the base register is the first operand */
            }
            uint32_t b;
            if (store != is_write || !reg_value(uc, base, (uint32_t)in->address, &b))
                continue;
            size = 4 * nregs;
            lo = down ? b - size : b;
        } else {
            const cs_arm_op *mem = NULL;
            for (unsigned k = 0; k < a->op_count; k++)
                if (a->operands[k].type == ARM_OP_MEM)
                    mem = &a->operands[k];
            if (!mem || is_store(in) != is_write)
                continue;
            uint32_t b, x = 0;
            if (!reg_value(uc, mem->mem.base, (uint32_t)in->address, &b))
                continue;
            if (mem->mem.index != ARM_REG_INVALID) {
                if (!reg_value(uc, mem->mem.index, (uint32_t)in->address, &x))
                    continue;
                /* Capstone 4 gives "[r1, r2, lsl #2]" as the operand's shift, with
                 * mem.lshift left at 0 */
                x <<= mem->shift.type == ARM_SFT_LSL ? mem->shift.value : (unsigned)mem->mem.lshift;
                if (mem->mem.scale < 0 || mem->subtracted)
                    x = 0u - x;
            }
            /* Post-indexed forms (ldr r0, [r1], #4) access the base address itself. */
            bool post = false;
            for (unsigned k = 0; k < a->op_count; k++)
                if (&a->operands[k] != mem && a->operands[k].type == ARM_OP_IMM &&
                    k == (unsigned)(a->op_count - 1) && a->writeback)
                    post = true;
            lo = b + x + (post ? 0 : (uint32_t)mem->mem.disp);
            size = access_size(in->id);
        }
        if (fault_addr - lo < size) {
            *pc = (uint32_t)in->address;
            found = true;
        }
    }
    if (n)
        cs_free(insn, n);
    cs_close(&h);
    return found;
}
