/* The UsageFaults a Cortex-M33 raises that Unicorn 2.0.1 does not: DIVBYZERO (SDIV/UDIV by
 * zero with CCR.DIV_0_TRP set) and UNALIGNED (always for LDM/STM/LDRD/STRD and the exclusive
 * and acquire/release accesses; for LDR/STR word and halfword only with CCR.UNALIGN_TRP).
 * The image is decoded once with Capstone; the machine hooks only the instructions found
 * here and decides each execution from the registers. Floating-point loads/stores (VLDR,
 * VSTR, VLDM, VSTM) are not checked.
 *
 * Measured on Unicorn 2.0.1 (Debian 2.0.1.post1), one instruction at an unaligned address
 * in RAM and in an MMIO region:
 *   LDR, LDRH, STR, STRH        done unaligned, no exception (MMIO: two aligned reads,
 *                               or byte writes)
 *   LDRD, STRD, LDM, STM        done unaligned, no exception (the architecture faults)
 *   LDA, LDAH, STL              done unaligned, no exception (the architecture faults)
 *   STREX                       no exception, no access: Rd = 1 (the monitor is not set)
 *   LDREX, LDREXH               UC_HOOK_INTR intno 4 (EXCP_DATA_ABORT), PC exact
 *   SDIV, UDIV by zero          quotient 0, no exception whatever the guest's CCR says
 *   (Unicorn's own CCR cannot be set through its API; the guest's CCR is emu/scs.c's.)
 *   Neither SP written by uc_reg_write nor `mov sp, r0` drops bits [1:0], as silicon does
 *   (SP is word-aligned: ARMv7-M ARM B1.4.1, unchanged in ARMv8-M). SP-relative accesses at
 *   aligned offsets are therefore not checked: they cannot fault on silicon, and a loader
 *   that misaligns SP runs differently here, undiagnosed. */
#ifndef SE_TRAPS_H
#define SE_TRAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum se_trap_kind {
    SE_TRAP_DIV,       /* SDIV/UDIV: DIVBYZERO when CCR.DIV_0_TRP is set */
    SE_TRAP_ALIGN,     /* UNALIGNED whatever CCR says (ARMv8-M: LDM/STM, LDRD/STRD, ...) */
    SE_TRAP_ALIGN_TRP, /* UNALIGNED only when CCR.UNALIGN_TRP is set (LDR/STR, LDRH/STRH) */
} se_trap_kind;

#define SE_TRAP_NO_REG 0xFFu

/* One instruction to check, with what is needed to decide an execution of it. */
typedef struct se_trap_insn {
    uint32_t pc;
    uint8_t size; /* 2 or 4 */
    uint8_t kind; /* se_trap_kind */
    bool in_it;   /* inside an IT block: Unicorn 2.0.1 cannot stop there */
    bool store;
    bool post;      /* post-indexed: the access is at the base */
    bool sub;       /* the index register is subtracted */
    uint8_t rn;     /* base register 0-15 (15 = PC); the dividend of a divide */
    uint8_t rm;     /* index register or SE_TRAP_NO_REG; the divisor of a divide */
    uint8_t shift;  /* index shifted left by */
    uint8_t align;  /* alignment the access needs: 2 or 4 */
    uint16_t bytes; /* bytes accessed (LDM: 4 per register) */
    int32_t disp;   /* immediate offset; LDMDB/STMDB: -bytes */
    char text[44];  /* "ldrd r2, r3, [r0]" */
} se_trap_insn;

/* Decode code[0..len) at address base and return the instructions worth checking, in address
 * order (malloc'ed; *n of them; NULL with *n = 0 when there are none). Accesses that cannot
 * be unaligned are left out: byte accesses, literal loads at an aligned address, SP-based
 * accesses with an aligned offset (the architecture keeps SP word-aligned), TBH from the PC.
 * A halfword Capstone cannot decode (literal pools) is skipped. */
se_trap_insn *se_traps_scan(const uint8_t *code, uint32_t len, uint32_t base, size_t *n);

/* Decode the one instruction at code (address pc), as se_traps_scan would (in_it false).
 * False when it is not one to check. */
bool se_trap_decode(const uint8_t *code, uint32_t len, uint32_t pc, se_trap_insn *out);

/* The lowest address the access touches, from the values of its base and index registers
 * before it runs (rn_value is ignored for a PC base). */
uint32_t se_trap_address(const se_trap_insn *t, uint32_t rn_value, uint32_t rm_value);

/* "r3", "sp", "pc" */
const char *se_trap_reg_name(unsigned r);

#endif
