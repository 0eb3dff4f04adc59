#include "emu/traps.h"

#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "emu/disasm.h"

static unsigned reg_num(arm_reg r)
{
    if (r >= ARM_REG_R0 && r <= ARM_REG_R12)
        return (unsigned)(r - ARM_REG_R0);
    switch (r) {
    case ARM_REG_SP: return 13;
    case ARM_REG_LR: return 14;
    case ARM_REG_PC: return 15;
    default: return SE_TRAP_NO_REG;
    }
}

const char *se_trap_reg_name(unsigned r)
{
    static const char *const names[16] = {"r0", "r1", "r2",  "r3",  "r4",  "r5", "r6", "r7",
                                          "r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc"};
    return r < 16 ? names[r] : "?";
}

/* What ARMv8-M (Main Extension) requires of each instruction's accesses: LDM/STM, LDRD/STRD
 * and the exclusive and acquire/release forms are always checked for alignment, single
 * word and halfword accesses (MemU) only under CCR.UNALIGN_TRP, byte accesses never. Kind,
 * alignment and bytes; false for instructions not checked. */
static bool classify(unsigned id, se_trap_kind *kind, uint8_t *align, uint16_t *bytes,
                     bool *multiple)
{
    *multiple = false;
    switch (id) {
    case ARM_INS_SDIV:
    case ARM_INS_UDIV:
        *kind = SE_TRAP_DIV;
        *align = 1;
        *bytes = 0;
        return true;
    case ARM_INS_LDM:
    case ARM_INS_LDMDB:
    case ARM_INS_STM:
    case ARM_INS_STMDB:
        *multiple = true;
        *kind = SE_TRAP_ALIGN;
        *align = 4;
        *bytes = 0; /* from the register list */
        return true;
    case ARM_INS_LDRD:
    case ARM_INS_STRD:
        *kind = SE_TRAP_ALIGN;
        *align = 4;
        *bytes = 8;
        return true;
    case ARM_INS_LDREX:
    case ARM_INS_STREX:
    case ARM_INS_LDA:
    case ARM_INS_STL:
    case ARM_INS_LDAEX:
    case ARM_INS_STLEX:
        *kind = SE_TRAP_ALIGN;
        *align = 4;
        *bytes = 4;
        return true;
    case ARM_INS_LDREXH:
    case ARM_INS_STREXH:
    case ARM_INS_LDAH:
    case ARM_INS_STLH:
    case ARM_INS_LDAEXH:
    case ARM_INS_STLEXH:
        *kind = SE_TRAP_ALIGN;
        *align = 2;
        *bytes = 2;
        return true;
    case ARM_INS_LDR:
    case ARM_INS_STR:
    case ARM_INS_LDRT:
    case ARM_INS_STRT:
        *kind = SE_TRAP_ALIGN_TRP;
        *align = 4;
        *bytes = 4;
        return true;
    case ARM_INS_LDRH:
    case ARM_INS_LDRSH:
    case ARM_INS_STRH:
    case ARM_INS_LDRHT:
    case ARM_INS_LDRSHT:
    case ARM_INS_STRHT:
    case ARM_INS_TBH:
        *kind = SE_TRAP_ALIGN_TRP;
        *align = 2;
        *bytes = 2;
        return true;
    default: return false;
    }
}

/* Fill *t from a decoded instruction; false when it is not checked or cannot be unaligned. */
static bool from_insn(const cs_insn *in, se_trap_insn *t)
{
    se_trap_kind kind;
    uint8_t align;
    uint16_t bytes;
    bool multiple;
    if (!classify(in->id, &kind, &align, &bytes, &multiple))
        return false;
    const cs_arm *a = &in->detail->arm;
    memset(t, 0, sizeof *t);
    t->pc = (uint32_t)in->address;
    t->size = (uint8_t)in->size;
    t->kind = (uint8_t)kind;
    t->align = align;
    t->bytes = bytes;
    t->rm = SE_TRAP_NO_REG;
    t->store = in->mnemonic[0] == 's' && in->mnemonic[1] == 't';
    se_insn_text(in, t->text, sizeof t->text);

    if (kind == SE_TRAP_DIV) { /* sdiv rd, rn, rm */
        if (a->op_count < 2 || a->operands[a->op_count - 1].type != ARM_OP_REG)
            return false;
        t->rm = (uint8_t)reg_num(a->operands[a->op_count - 1].reg);
        t->rn = (uint8_t)reg_num(a->operands[a->op_count - 2].reg);
        return t->rm != SE_TRAP_NO_REG;
    }
    if (multiple) { /* ldm rn{!}, {list}: the base first */
        if (a->op_count < 2 || a->operands[0].type != ARM_OP_REG)
            return false;
        t->rn = (uint8_t)reg_num(a->operands[0].reg);
        t->bytes = (uint16_t)(4u * (unsigned)(a->op_count - 1));
        if (in->id == ARM_INS_LDMDB || in->id == ARM_INS_STMDB)
            t->disp = -(int32_t)t->bytes;
        /* SP is word-aligned (ARMv7-M B1.4.1, kept in ARMv8-M): PUSH/POP never fault. */
        return t->rn != 13 && t->rn != SE_TRAP_NO_REG;
    }
    const cs_arm_op *mem = NULL;
    for (unsigned k = 0; k < a->op_count; k++)
        if (a->operands[k].type == ARM_OP_MEM)
            mem = &a->operands[k];
    if (!mem)
        return false;
    t->rn = (uint8_t)reg_num(mem->mem.base);
    if (t->rn == SE_TRAP_NO_REG)
        return false;
    if (mem->mem.index != ARM_REG_INVALID) {
        t->rm = (uint8_t)reg_num(mem->mem.index);
        if (t->rm == SE_TRAP_NO_REG)
            return false;
        /* Capstone 4 gives "[r1, r2, lsl #2]" as the operand's shift, TBH's "lsl #1" in
         * both places. */
        t->shift = (uint8_t)(mem->shift.type == ARM_SFT_LSL ? mem->shift.value
                                                            : (unsigned)mem->mem.lshift);
        t->sub = mem->subtracted || mem->mem.scale < 0;
    }
    t->disp = mem->mem.disp;
    /* Post-indexed ("ldr r0, [r1], #4"): the offset is an operand after the memory one. */
    if (a->writeback && mem != &a->operands[a->op_count - 1])
        t->post = true;
    if (t->rm == SE_TRAP_NO_REG && !t->post && (uint32_t)t->disp % align == 0 && t->rn == 13)
        return false; /* SP-relative at an aligned offset */
    if (t->rm == SE_TRAP_NO_REG && t->post && t->rn == 13)
        return false;
    if (t->rn == 15 && t->rm == SE_TRAP_NO_REG && se_trap_address(t, 0, 0) % align == 0)
        return false; /* a literal at an aligned address */
    if (t->rn == 15 && t->rm != SE_TRAP_NO_REG && t->shift >= 1 && align == 2)
        return false; /* tbh [pc, rm, lsl #1]: PC is even */
    return true;
}

uint32_t se_trap_address(const se_trap_insn *t, uint32_t rn_value, uint32_t rm_value)
{
    uint32_t base = rn_value;
    if (t->rn == 15) /* Thumb: the instruction's address + 4; word-aligned for literals */
        base = t->rm == SE_TRAP_NO_REG ? (t->pc + 4u) & ~3u : t->pc + 4u;
    if (t->post)
        return base;
    if (t->rm != SE_TRAP_NO_REG) {
        uint32_t x = t->shift < 32 ? rm_value << t->shift : 0;
        return t->sub ? base - x : base + x;
    }
    return base + (uint32_t)t->disp;
}

bool se_trap_decode(const uint8_t *code, uint32_t len, uint32_t pc, se_trap_insn *out)
{
    csh h;
    if (!se_cs_open(&h))
        return false;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = NULL;
    bool ok = cs_disasm(h, code, len < 4 ? len : 4, pc, 1, &in) == 1 && from_insn(in, out);
    if (in)
        cs_free(in, 1);
    cs_close(&h);
    return ok;
}

se_trap_insn *se_traps_scan(const uint8_t *code, uint32_t len, uint32_t base, size_t *n)
{
    *n = 0;
    csh h;
    if (!se_cs_open(&h))
        return NULL;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = cs_malloc(h);
    se_trap_insn *out = NULL;
    size_t cap = 0;
    unsigned it_left = 0; /* instructions of the current IT block still to come */
    const uint8_t *p = code;
    size_t left = len & ~1u;
    uint64_t addr = base;
    while (in && left >= 2) {
        if (!cs_disasm_iter(h, &p, &left, &addr, in)) {
            /* Data (a literal pool): skip a halfword; an IT block does not span it. */
            p += 2;
            left -= 2;
            addr += 2;
            it_left = 0;
            continue;
        }
        bool in_it = it_left > 0;
        if (it_left)
            it_left--;
        if (in->id == ARM_INS_IT) { /* "it", "itt", "ite", ... "itttt": 1 to 4 */
            size_t k = strlen(in->mnemonic);
            it_left = k >= 2 && k <= 5 ? (unsigned)(k - 1) : 0;
            continue;
        }
        se_trap_insn t;
        if (!from_insn(in, &t))
            continue;
        t.in_it = in_it;
        if (*n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            se_trap_insn *g = realloc(out, nc * sizeof *g);
            if (!g)
                break;
            out = g;
            cap = nc;
        }
        out[(*n)++] = t;
    }
    if (in)
        cs_free(in, 1);
    cs_close(&h);
    if (!*n) {
        free(out);
        return NULL;
    }
    return out;
}
