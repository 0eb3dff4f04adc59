/* Tests of emu/machine.c: the emulated Cortex-M33 running small hand-assembled Thumb-2
 * programs on the stm32l562e-dk profile (TrustZone off). Each program was assembled with
 * arm-none-eabi-as (-mcpu=cortex-m33 -mthumb) and pasted as halfwords; the comment on each
 * line is the instruction's offset from CODE and its disassembly.
 *
 * Memory layout used by every test (all in SRAM1):
 *   0x20000000  the host's breakpoint word 0x0000BE00 (bkpt_addr; LR = 0x20000001)
 *   0x20001000  CODE: the program
 *   0x20002000  VT: vector table (128-byte aligned) when a program sets VTOR
 *   0x20003000  DATA: words the programs write for the test to check
 *   0x20008000  STACK: initial MSP */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/machine.h"
#include "emu/inspect.h"

#define BKPT_ADDR 0x20000000u
#define CODE 0x20001000u
#define VT 0x20002000u
#define DATA 0x20003000u
#define STACK 0x20008000u
#define EXC_RETURN_THREAD_MSP 0xFFFFFFB8u /* non-secure, no FP frame, Thread, MSP */

/* ---- programs ----------------------------------------------------------------------------- */

/* r0 = ((r0 + r1) << 1) + 3: four instructions, no branch but the return. */
static const uint16_t prog_plain[] = {
    0x1840, /* 00: adds r0, r0, r1 */
    0x0040, /* 02: lsls r0, r0, #1 */
    0x3003, /* 04: adds r0, #3 */
    0x4770, /* 06: bx lr */
};

/* SysTick: VTOR = VT; if r0 bit 0, DHCSR = 0xA05F0000 (clears C_MASKINTS); counter at
 * DATA = 0; RVR = 3999, CVR = 0, CSR = 7 (processor clock, TICKINT, ENABLE); if r0 bit 1,
 * `cpsie i` (after a ~6000-cycle delay loop if r0 bit 2); wait until the handler has
 * counted 5 interrupts; CSR = 0; return the count. */
static const uint16_t prog_systick[] = {
    0x4604,         /* 00: mov r4, r0 */
    0xf64e, 0x5008, /* 02: movw r0, #0xed08 */
    0xf2ce, 0x0000, /* 06: movt r0, #0xe000 */
    0xf242, 0x0100, /* 0a: movw r1, #0x2000 */
    0xf2c2, 0x0100, /* 0e: movt r1, #0x2000 */
    0x6001,         /* 12: str r1, [r0, #0] */
    0x0861,         /* 14: lsrs r1, r4, #1 */
    0xd308,         /* 16: bcc.n 0x2a */
    0xf64e, 0x50f0, /* 18: movw r0, #0xedf0 */
    0xf2ce, 0x0000, /* 1c: movt r0, #0xe000 */
    0xf240, 0x0100, /* 20: movw r1, #0 */
    0xf2ca, 0x015f, /* 24: movt r1, #0xa05f */
    0x6001,         /* 28: str r1, [r0, #0] */
    0xf243, 0x0200, /* 2a: movw r2, #0x3000 */
    0xf2c2, 0x0200, /* 2e: movt r2, #0x2000 */
    0x2300,         /* 32: movs r3, #0 */
    0x6013,         /* 34: str r3, [r2, #0] */
    0xf24e, 0x0010, /* 36: movw r0, #0xe010 */
    0xf2ce, 0x0000, /* 3a: movt r0, #0xe000 */
    0xf640, 0x719f, /* 3e: movw r1, #0xf9f */
    0x6041,         /* 42: str r1, [r0, #4] */
    0x6081,         /* 44: str r1, [r0, #8] */
    0x2107,         /* 46: movs r1, #7 */
    0x6001,         /* 48: str r1, [r0, #0] */
    0x08a1,         /* 4a: lsrs r1, r4, #2 */
    0xd306,         /* 4c: bcc.n 0x5c */
    0x08e1,         /* 4e: lsrs r1, r4, #3 */
    0xd303,         /* 50: bcc.n 0x5a */
    0xf640, 0x31b8, /* 52: movw r1, #0xbb8 */
    0x3901,         /* 56: subs r1, #1 */
    0xd1fd,         /* 58: bne.n 0x56 */
    0xb662,         /* 5a: cpsie i */
    0x6813,         /* 5c: ldr r3, [r2, #0] */
    0x2b05,         /* 5e: cmp r3, #5 */
    0xd3fc,         /* 60: bcc.n 0x5c */
    0x2100,         /* 62: movs r1, #0 */
    0x6001,         /* 64: str r1, [r0, #0] */
    0x4618,         /* 66: mov r0, r3 */
    0x4770,         /* 68: bx lr */
    0xf243, 0x0000, /* 6a: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 6e: movt r0, #0x2000 */
    0x6801,         /* 72: ldr r1, [r0, #0] */
    0x3101,         /* 74: adds r1, #1 */
    0x6001,         /* 76: str r1, [r0, #0] */
    0x4770,         /* 78: bx lr */
};
#define SYSTICK_HANDLER 0x6a
#define SYSTICK_N 5u
#define SYSTICK_PERIOD 4000u
#define ST_CLEAR_MASKINTS 1u
#define ST_CPSIE 2u
#define ST_CPSIE_LATE 4u

/* Exception frame: VTOR = VT; SysTick RVR = 99, CVR = 0, CSR = 7 (first interrupt 100
 * cycles later); r0-r7, r12 = 0x10101010 .. 0x1C1C1C1C; wait in `wait` until the flag at
 * DATA+0x3c is set. The SysTick handler copies the 8 stacked words to DATA+0..0x1c, LR
 * (EXC_RETURN) to DATA+0x20, its SP to DATA+0x24 and IPSR to DATA+0x28, stops SysTick,
 * sets the flag, clobbers r1-r3 and r12, and returns. Back in Thread mode, r0-r7, r12 and
 * lr are stored at DATA+0x40.. and SP at DATA+0x68. */
static const uint16_t prog_frame[] = {
    0xf64e, 0x5008, /* 00: movw r0, #0xed08 */
    0xf2ce, 0x0000, /* 04: movt r0, #0xe000 */
    0xf242, 0x0100, /* 08: movw r1, #0x2000 */
    0xf2c2, 0x0100, /* 0c: movt r1, #0x2000 */
    0x6001,         /* 10: str r1, [r0, #0] */
    0xf24e, 0x0010, /* 12: movw r0, #0xe010 */
    0xf2ce, 0x0000, /* 16: movt r0, #0xe000 */
    0x2163,         /* 1a: movs r1, #0x63 */
    0x6041,         /* 1c: str r1, [r0, #4] */
    0x6081,         /* 1e: str r1, [r0, #8] */
    0x2107,         /* 20: movs r1, #7 */
    0x6001,         /* 22: str r1, [r0, #0] */
    0xf243, 0x093c, /* 24: movw r9, #0x303c */
    0xf2c2, 0x0900, /* 28: movt r9, #0x2000 */
    0xf241, 0x0010, /* 2c: movw r0, #0x1010 */
    0xf2c1, 0x0010, /* 30: movt r0, #0x1010 */
    0xf241, 0x1111, /* 34: movw r1, #0x1111 */
    0xf2c1, 0x1111, /* 38: movt r1, #0x1111 */
    0xf241, 0x2212, /* 3c: movw r2, #0x1212 */
    0xf2c1, 0x2212, /* 40: movt r2, #0x1212 */
    0xf241, 0x3313, /* 44: movw r3, #0x1313 */
    0xf2c1, 0x3313, /* 48: movt r3, #0x1313 */
    0xf241, 0x4414, /* 4c: movw r4, #0x1414 */
    0xf2c1, 0x4414, /* 50: movt r4, #0x1414 */
    0xf241, 0x5515, /* 54: movw r5, #0x1515 */
    0xf2c1, 0x5515, /* 58: movt r5, #0x1515 */
    0xf241, 0x6616, /* 5c: movw r6, #0x1616 */
    0xf2c1, 0x6616, /* 60: movt r6, #0x1616 */
    0xf241, 0x7717, /* 64: movw r7, #0x1717 */
    0xf2c1, 0x7717, /* 68: movt r7, #0x1717 */
    0xf641, 0x4c1c, /* 6c: movw ip, #0x1c1c */
    0xf6c1, 0x4c1c, /* 70: movt ip, #0x1c1c */
    0xf8d9, 0x8000, /* 74: ldr.w r8, [r9] */
    0xf1b8, 0x0f00, /* 78: cmp.w r8, #0 */
    0xd0fa,         /* 7c: beq.n 0x74 */
    0xf243, 0x0840, /* 7e: movw r8, #0x3040 */
    0xf2c2, 0x0800, /* 82: movt r8, #0x2000 */
    0xe888, 0x50ff, /* 86: stmia.w r8, {r0, r1, r2, r3, r4, r5, r6, r7, ip, lr} */
    0x46e9,         /* 8a: mov r9, sp */
    0xf8c8, 0x9028, /* 8c: str.w r9, [r8, #0x28] */
    0x4770,         /* 90: bx lr */
    0xf243, 0x0000, /* 92: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 96: movt r0, #0x2000 */
    0x9900,         /* 9a: ldr r1, [sp, #0] */
    0x6001,         /* 9c: str r1, [r0, #0] */
    0x9901,         /* 9e: ldr r1, [sp, #4] */
    0x6041,         /* a0: str r1, [r0, #4] */
    0x9902,         /* a2: ldr r1, [sp, #8] */
    0x6081,         /* a4: str r1, [r0, #8] */
    0x9903,         /* a6: ldr r1, [sp, #0xc] */
    0x60c1,         /* a8: str r1, [r0, #0xc] */
    0x9904,         /* aa: ldr r1, [sp, #0x10] */
    0x6101,         /* ac: str r1, [r0, #0x10] */
    0x9905,         /* ae: ldr r1, [sp, #0x14] */
    0x6141,         /* b0: str r1, [r0, #0x14] */
    0x9906,         /* b2: ldr r1, [sp, #0x18] */
    0x6181,         /* b4: str r1, [r0, #0x18] */
    0x9907,         /* b6: ldr r1, [sp, #0x1c] */
    0x61c1,         /* b8: str r1, [r0, #0x1c] */
    0xf8c0, 0xe020, /* ba: str.w lr, [r0, #0x20] */
    0x4669,         /* be: mov r1, sp */
    0x6241,         /* c0: str r1, [r0, #0x24] */
    0xf3ef, 0x8105, /* c2: mrs r1, IPSR */
    0x6281,         /* c6: str r1, [r0, #0x28] */
    0xf24e, 0x0110, /* c8: movw r1, #0xe010 */
    0xf2ce, 0x0100, /* cc: movt r1, #0xe000 */
    0x2200,         /* d0: movs r2, #0 */
    0x600a,         /* d2: str r2, [r1, #0] */
    0x2101,         /* d4: movs r1, #1 */
    0x63c1,         /* d6: str r1, [r0, #0x3c] */
    0x2100,         /* d8: movs r1, #0 */
    0x2200,         /* da: movs r2, #0 */
    0x2300,         /* dc: movs r3, #0 */
    0x468c,         /* de: mov ip, r1 */
    0x4770,         /* e0: bx lr */
};
#define FRAME_WAIT 0x74
#define FRAME_HANDLER 0x92

/* Faults: VTOR = VT; if r0 bit 0, SHCSR.USGFAULTENA; if r0 bit 1, ldr from 0x60000000
 * (unmapped: BusFault) else udf #0 (UsageFault), both in the middle of a straight-line
 * block; then return 0x55. The handlers record
 * CFSR, HFSR, BFAR, the stacked PC, IPSR and EXC_RETURN at DATA+0..0x14; `hardfault`
 * then spins, `skipper` steps over the 16-bit faulting instruction and returns. */
static const uint16_t prog_fault[] = {
    0x4604,         /* 00: mov r4, r0 */
    0xf64e, 0x5008, /* 02: movw r0, #0xed08 */
    0xf2ce, 0x0000, /* 06: movt r0, #0xe000 */
    0xf242, 0x0100, /* 0a: movw r1, #0x2000 */
    0xf2c2, 0x0100, /* 0e: movt r1, #0x2000 */
    0x6001,         /* 12: str r1, [r0, #0] */
    0x0861,         /* 14: lsrs r1, r4, #1 */
    0xd308,         /* 16: bcc.n 0x2a */
    0xf64e, 0x5024, /* 18: movw r0, #0xed24 */
    0xf2ce, 0x0000, /* 1c: movt r0, #0xe000 */
    0xf240, 0x0100, /* 20: movw r1, #0 */
    0xf2c0, 0x0104, /* 24: movt r1, #4 */
    0x6001,         /* 28: str r1, [r0, #0] */
    0x08a1,         /* 2a: lsrs r1, r4, #2 */
    0xd305,         /* 2c: bcc.n 0x3a */
    0xf240, 0x0000, /* 2e: movw r0, #0 */
    0xf2c6, 0x0000, /* 32: movt r0, #0x6000 */
    0x6800,         /* 36: ldr r0, [r0, #0] */
    0xe002,         /* 38: b.n 0x40 */
    0x2000,         /* 3a: movs r0, #0 */
    0x3001,         /* 3c: adds r0, #1 */
    0xde00,         /* 3e: udf #0 */
    0x2055,         /* 40: movs r0, #0x55 */
    0x4770,         /* 42: bx lr */
    0xf64e, 0x5028, /* 44: movw r0, #0xed28 */
    0xf2ce, 0x0000, /* 48: movt r0, #0xe000 */
    0xf243, 0x0300, /* 4c: movw r3, #0x3000 */
    0xf2c2, 0x0300, /* 50: movt r3, #0x2000 */
    0x6801,         /* 54: ldr r1, [r0, #0] */
    0x6019,         /* 56: str r1, [r3, #0] */
    0x6841,         /* 58: ldr r1, [r0, #4] */
    0x6059,         /* 5a: str r1, [r3, #4] */
    0x6901,         /* 5c: ldr r1, [r0, #0x10] */
    0x6099,         /* 5e: str r1, [r3, #8] */
    0x9906,         /* 60: ldr r1, [sp, #0x18] */
    0x60d9,         /* 62: str r1, [r3, #0xc] */
    0xf3ef, 0x8105, /* 64: mrs r1, IPSR */
    0x6119,         /* 68: str r1, [r3, #0x10] */
    0xf8c3, 0xe014, /* 6a: str.w lr, [r3, #0x14] */
    0xe7fe,         /* 6e: b.n 0x6e */
    0xf64e, 0x5028, /* 70: movw r0, #0xed28 */
    0xf2ce, 0x0000, /* 74: movt r0, #0xe000 */
    0xf243, 0x0300, /* 78: movw r3, #0x3000 */
    0xf2c2, 0x0300, /* 7c: movt r3, #0x2000 */
    0x6801,         /* 80: ldr r1, [r0, #0] */
    0x6019,         /* 82: str r1, [r3, #0] */
    0x6841,         /* 84: ldr r1, [r0, #4] */
    0x6059,         /* 86: str r1, [r3, #4] */
    0x6901,         /* 88: ldr r1, [r0, #0x10] */
    0x6099,         /* 8a: str r1, [r3, #8] */
    0x9906,         /* 8c: ldr r1, [sp, #0x18] */
    0x60d9,         /* 8e: str r1, [r3, #0xc] */
    0xf3ef, 0x8105, /* 90: mrs r1, IPSR */
    0x6119,         /* 94: str r1, [r3, #0x10] */
    0xf8c3, 0xe014, /* 96: str.w lr, [r3, #0x14] */
    0x9906,         /* 9a: ldr r1, [sp, #0x18] */
    0x3102,         /* 9c: adds r1, #2 */
    0x9106,         /* 9e: str r1, [sp, #0x18] */
    0x4770,         /* a0: bx lr */
};
#define FAULT_LD_AT 0x36
#define FAULT_UDF_AT 0x3e
#define FAULT_HARDFAULT 0x44
#define FAULT_SKIPPER 0x70
#define FL_USGFAULTENA 1u
#define FL_BUSFAULT 2u

/* udf #0 with VTOR left at the erased internal flash. */
static const uint16_t prog_lockup[] = {
    0xde00, /* 00: udf #0 */
    0x4770, /* 02: bx lr */
};

/* push/pop: the first instruction writes below SP. */
static const uint16_t prog_push[] = {
    0xb510, /* 00: push {r4, lr} */
    0xbd10, /* 02: pop {r4, pc} */
};

static const uint16_t prog_spin[] = {
    0xe7fe, /* 00: b.n 0x0 */
};

/* Counts in r0 for ever: never the same state twice (not provably endless, cause.c). */
static const uint16_t prog_count[] = {
    0x3001, /* 00: adds r0, #1 */
    0xe7fd, /* 02: b.n 0x0 */
};

/* Stores 0 over the host's breakpoint word, then returns to it. */
static const uint16_t prog_clobber[] = {
    0x2100,         /* 00: movs r1, #0 */
    0xf240, 0x0000, /* 02: movw r0, #0 */
    0xf2c2, 0x0000, /* 06: movt r0, #0x2000 */
    0x6001,         /* 0a: str r1, [r0, #0] */
    0x4770,         /* 0c: bx lr */
};

/* SVC: VTOR = VT; DATA = 0; svc #0; return DATA. The handler stores 0x5C at DATA and the
 * stacked PC at DATA+4. */
static const uint16_t prog_svc[] = {
    0xf64e, 0x5008, /* 00: movw r0, #0xed08 */
    0xf2ce, 0x0000, /* 04: movt r0, #0xe000 */
    0xf242, 0x0100, /* 08: movw r1, #0x2000 */
    0xf2c2, 0x0100, /* 0c: movt r1, #0x2000 */
    0x6001,         /* 10: str r1, [r0, #0] */
    0xf243, 0x0200, /* 12: movw r2, #0x3000 */
    0xf2c2, 0x0200, /* 16: movt r2, #0x2000 */
    0x2100,         /* 1a: movs r1, #0 */
    0x6011,         /* 1c: str r1, [r2, #0] */
    0xdf00,         /* 1e: svc 0 */
    0x6810,         /* 20: ldr r0, [r2, #0] */
    0x4770,         /* 22: bx lr */
    0xf243, 0x0000, /* 24: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 28: movt r0, #0x2000 */
    0x215c,         /* 2c: movs r1, #0x5c */
    0x6001,         /* 2e: str r1, [r0, #0] */
    0x9906,         /* 30: ldr r1, [sp, #0x18] */
    0x6041,         /* 32: str r1, [r0, #4] */
    0x4770,         /* 34: bx lr */
};
#define SVC_AFTER 0x20
#define SVC_HANDLER 0x24

/* PendSV: VTOR = VT; DATA = 0; if r0 bit 0, DHCSR = 0xA05F0000; ICSR.PENDSVSET; dsb; isb;
 * return DATA. The handler stores 0x5C at DATA. */
static const uint16_t prog_pendsv[] = {
    0x4604,         /* 00: mov r4, r0 */
    0xf64e, 0x5008, /* 02: movw r0, #0xed08 */
    0xf2ce, 0x0000, /* 06: movt r0, #0xe000 */
    0xf242, 0x0100, /* 0a: movw r1, #0x2000 */
    0xf2c2, 0x0100, /* 0e: movt r1, #0x2000 */
    0x6001,         /* 12: str r1, [r0, #0] */
    0xf243, 0x0200, /* 14: movw r2, #0x3000 */
    0xf2c2, 0x0200, /* 18: movt r2, #0x2000 */
    0x2100,         /* 1c: movs r1, #0 */
    0x6011,         /* 1e: str r1, [r2, #0] */
    0x0861,         /* 20: lsrs r1, r4, #1 */
    0xd308,         /* 22: bcc.n 0x36 */
    0xf64e, 0x50f0, /* 24: movw r0, #0xedf0 */
    0xf2ce, 0x0000, /* 28: movt r0, #0xe000 */
    0xf240, 0x0100, /* 2c: movw r1, #0 */
    0xf2ca, 0x015f, /* 30: movt r1, #0xa05f */
    0x6001,         /* 34: str r1, [r0, #0] */
    0xf64e, 0x5004, /* 36: movw r0, #0xed04 */
    0xf2ce, 0x0000, /* 3a: movt r0, #0xe000 */
    0xf240, 0x0100, /* 3e: movw r1, #0 */
    0xf2c1, 0x0100, /* 42: movt r1, #0x1000 */
    0x6001,         /* 46: str r1, [r0, #0] */
    0xf3bf, 0x8f4f, /* 48: dsb sy */
    0xf3bf, 0x8f6f, /* 4c: isb sy */
    0x6810,         /* 50: ldr r0, [r2, #0] */
    0x4770,         /* 52: bx lr */
    0xf243, 0x0000, /* 54: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 58: movt r0, #0x2000 */
    0x215c,         /* 5c: movs r1, #0x5c */
    0x6001,         /* 5e: str r1, [r0, #0] */
    0x4770,         /* 60: bx lr */
};
#define PENDSV_HANDLER 0x54

/* r5 += 1; DHCSR = 0xA05F0000 (clears C_MASKINTS, releasing a PendSV the test pended
 * beforehand); r5 += 16; dsb; isb; return r5 (17 when every instruction ran once; r5 starts
 * at 0). The PendSV handler stores the stacked PC at DATA+4 and counts its entries at
 * DATA. */
static const uint16_t prog_storepend[] = {
    0x3501,         /* 00: adds r5, #1 */
    0xf64e, 0x50f0, /* 02: movw r0, #0xedf0 */
    0xf2ce, 0x0000, /* 06: movt r0, #0xe000 */
    0xf240, 0x0100, /* 0a: movw r1, #0 */
    0xf2ca, 0x015f, /* 0e: movt r1, #0xa05f */
    0x6001,         /* 12: str r1, [r0, #0] */
    0x3510,         /* 14: adds r5, #0x10 */
    0xf3bf, 0x8f4f, /* 16: dsb sy */
    0xf3bf, 0x8f6f, /* 1a: isb sy */
    0x4628,         /* 1e: mov r0, r5 */
    0x4770,         /* 20: bx lr */
    0xf243, 0x0000, /* 22: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 26: movt r0, #0x2000 */
    0x9906,         /* 2a: ldr r1, [sp, #0x18] */
    0x6041,         /* 2c: str r1, [r0, #4] */
    0x6801,         /* 2e: ldr r1, [r0, #0] */
    0x3101,         /* 30: adds r1, #1 */
    0x6001,         /* 32: str r1, [r0, #0] */
    0x4770,         /* 34: bx lr */
};
#define STOREPEND_AFTER_STORE 0x14
#define STOREPEND_HANDLER 0x22

/* Exception order: DHCSR = 0xA05F0000 (releases what the test pended); dsb; isb; then
 * (ORDER_READ) return the number of handler entries. The handler appends its IPSR to the
 * list at DATA+4 and counts entries at DATA. */
static const uint16_t prog_order[] = {
    0xf64e, 0x50f0, /* 00: movw r0, #0xedf0 */
    0xf2ce, 0x0000, /* 04: movt r0, #0xe000 */
    0xf240, 0x0100, /* 08: movw r1, #0 */
    0xf2ca, 0x015f, /* 0c: movt r1, #0xa05f */
    0x6001,         /* 10: str r1, [r0, #0] */
    0xf3bf, 0x8f4f, /* 12: dsb sy */
    0xf3bf, 0x8f6f, /* 16: isb sy */
    0xf243, 0x0200, /* 1a: movw r2, #0x3000 */
    0xf2c2, 0x0200, /* 1e: movt r2, #0x2000 */
    0x6810,         /* 22: ldr r0, [r2, #0] */
    0x4770,         /* 24: bx lr */
    0xf243, 0x0000, /* 26: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 2a: movt r0, #0x2000 */
    0x6801,         /* 2e: ldr r1, [r0, #0] */
    0xf3ef, 0x8205, /* 30: mrs r2, IPSR */
    0x1c4b,         /* 34: adds r3, r1, #1 */
    0x6003,         /* 36: str r3, [r0, #0] */
    0x0089,         /* 38: lsls r1, r1, #2 */
    0x1840,         /* 3a: adds r0, r0, r1 */
    0x6042,         /* 3c: str r2, [r0, #4] */
    0x4770,         /* 3e: bx lr */
};
#define ORDER_READ 0x1a
#define ORDER_HANDLER 0x26

/* An EXC_RETURN value used as a branch target in Thread mode. */
static const uint16_t prog_excret[] = {
    0xf64f, 0x70f9, /* 00: movw r0, #0xfff9 */
    0xf6cf, 0x70ff, /* 04: movt r0, #0xffff */
    0x4700,         /* 08: bx r0 */
};

/* Two reads of 0x42022000, the unassigned slot after GPIOH (no GPIOI on the STM32L562):
 * no device model answers there. */
static const uint16_t prog_unmod[] = {
    0xf242, 0x0000, /* 00: movw r0, #0x2000 */
    0xf2c4, 0x2002, /* 04: movt r0, #0x4202 */
    0x6801,         /* 08: ldr r1, [r0, #0] */
    0x6801,         /* 0a: ldr r1, [r0, #0] */
    0x2000,         /* 0c: movs r0, #0 */
    0x4770,         /* 0e: bx lr */
};

/* For the internal-flash test: udf #0, then return the word at DATA. */
static const uint16_t prog_thread_udf[] = {
    0xde00,         /* 00: udf #0 */
    0xf243, 0x0200, /* 02: movw r2, #0x3000 */
    0xf2c2, 0x0200, /* 06: movt r2, #0x2000 */
    0x6810,         /* 0a: ldr r0, [r2, #0] */
    0x4770,         /* 0c: bx lr */
};

/* HardFault handler placed at 0x08000040 in the internal flash image: DATA = 0x5C, step
 * over the 16-bit faulting instruction, return. */
static const uint16_t prog_flash_hf[] = {
    0xf243, 0x0000, /* 00: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 04: movt r0, #0x2000 */
    0x215c,         /* 08: movs r1, #0x5c */
    0x6001,         /* 0a: str r1, [r0, #0] */
    0x9906,         /* 0c: ldr r1, [sp, #0x18] */
    0x3102,         /* 0e: adds r1, #2 */
    0x9106,         /* 10: str r1, [sp, #0x18] */
    0x4770,         /* 12: bx lr */
};

/* AIRCR = 0x05FA0004 (SYSRESETREQ), then spin. */
static const uint16_t prog_reset[] = {
    0xf64e, 0x500c, /* 00: movw r0, #0xed0c */
    0xf2ce, 0x0000, /* 04: movt r0, #0xe000 */
    0xf240, 0x0104, /* 08: movw r1, #4 */
    0xf2c0, 0x51fa, /* 0c: movt r1, #0x5fa */
    0x6001,         /* 10: str r1, [r0, #0] */
    0xf3bf, 0x8f4f, /* 12: dsb sy */
    0xe7fe,         /* 16: b.n 0x16 */
};

/* strb of 0x40 to 0xE000E404: IRQ4's priority byte, as CMSIS NVIC_SetPriority(4, 2) does
 * (NVIC->IPR is a byte array). */
static const uint16_t prog_iprbyte[] = {
    0xf24e, 0x4004, /* 00: movw r0, #0xe404 */
    0xf2ce, 0x0000, /* 04: movt r0, #0xe000 */
    0x2140,         /* 08: movs r1, #0x40 */
    0x7001,         /* 0a: strb r1, [r0, #0] */
    0x4770,         /* 0c: bx lr */
};

/* ---- traps: DIVBYZERO and UNALIGNED (emu/traps.h) ---- */

/* Divide by zero: if r0 bit 0, VTOR = VT and SHCSR.USGFAULTENA; bit 1, CCR.DIV_0_TRP = 1
 * (then DSB, ISB); bit 2, CCR.DIV_0_TRP = 0 again; then udiv r0, r1 = 100, r2 = 0 and
 * return r0 + 0x55, or with bit 3 the same udiv inside an IT block (`it eq`) and r0 + 0x66.
 * The UsageFault handler records CFSR and the stacked PC at DATA+0, DATA+4 and steps over
 * the 4-byte udiv. */
static const uint16_t prog_div[] = {
    0x4604,         /* 00: mov r4, r0 */
    0x0861,         /* 02: lsrs r1, r4, #1 */
    0xd310,         /* 04: bcc.n 0x28 */
    0xf64e, 0x5008, /* 06: movw r0, #0xed08 */
    0xf2ce, 0x0000, /* 0a: movt r0, #0xe000 */
    0xf242, 0x0100, /* 0e: movw r1, #0x2000 */
    0xf2c2, 0x0100, /* 12: movt r1, #0x2000 */
    0x6001,         /* 16: str r1, [r0, #0] */
    0xf64e, 0x5024, /* 18: movw r0, #0xed24 */
    0xf2ce, 0x0000, /* 1c: movt r0, #0xe000 */
    0x6801,         /* 20: ldr r1, [r0, #0] */
    0xf441, 0x2180, /* 22: orr.w r1, r1, #0x40000 */
    0x6001,         /* 26: str r1, [r0, #0] */
    0xf64e, 0x5014, /* 28: movw r0, #0xed14 */
    0xf2ce, 0x0000, /* 2c: movt r0, #0xe000 */
    0x08a1,         /* 30: lsrs r1, r4, #2 */
    0xd307,         /* 32: bcc.n 0x44 */
    0x6801,         /* 34: ldr r1, [r0, #0] */
    0xf041, 0x0110, /* 36: orr.w r1, r1, #0x10 */
    0x6001,         /* 3a: str r1, [r0, #0] */
    0xf3bf, 0x8f4f, /* 3c: dsb sy */
    0xf3bf, 0x8f6f, /* 40: isb sy */
    0x08e1,         /* 44: lsrs r1, r4, #3 */
    0xd307,         /* 46: bcc.n 0x58 */
    0x6801,         /* 48: ldr r1, [r0, #0] */
    0xf021, 0x0110, /* 4a: bic.w r1, r1, #0x10 */
    0x6001,         /* 4e: str r1, [r0, #0] */
    0xf3bf, 0x8f4f, /* 50: dsb sy */
    0xf3bf, 0x8f6f, /* 54: isb sy */
    0x2164,         /* 58: movs r1, #0x64 */
    0x2200,         /* 5a: movs r2, #0 */
    0x0923,         /* 5c: lsrs r3, r4, #4 */
    0xd203,         /* 5e: bcs.n 0x68 */
    0xfbb1, 0xf0f2, /* 60: udiv r0, r1, r2 */
    0x3055,         /* 64: adds r0, #0x55 */
    0x4770,         /* 66: bx lr */
    0x2a00,         /* 68: cmp r2, #0 */
    0xbf08,         /* 6a: it eq */
    0xfbb1, 0xf0f2, /* 6c: udiveq r0, r1, r2 */
    0x3066,         /* 70: adds r0, #0x66 */
    0x4770,         /* 72: bx lr */
    0xbf00,         /* 74: nop */
    0xf243, 0x0000, /* 76: movw r0, #0x3000 */
    0xf2c2, 0x0000, /* 7a: movt r0, #0x2000 */
    0xf64e, 0x5128, /* 7e: movw r1, #0xed28 */
    0xf2ce, 0x0100, /* 82: movt r1, #0xe000 */
    0x680a,         /* 86: ldr r2, [r1, #0] */
    0x6002,         /* 88: str r2, [r0, #0] */
    0x9a06,         /* 8a: ldr r2, [sp, #0x18] */
    0x6042,         /* 8c: str r2, [r0, #4] */
    0x3204,         /* 8e: adds r2, #4 */
    0x9206,         /* 90: str r2, [sp, #0x18] */
    0x4770,         /* 92: bx lr */
};
#define DIV_AT 0x60
#define DIV_IT_AT 0x6c
#define DIV_HANDLER 0x76
#define DV_HANDLER 1u
#define DV_TRP 2u
#define DV_UNTRP 4u
#define DV_IT 8u

/* DIV_0_TRP set (the udiv hooks armed), and with r0 bit 1 cleared again; SysTick counting
 * every 50 cycles without interrupts (so the core stops at block boundaries for its
 * events); 1000 turns of a loop counted in r5 with a udiv by 3 after the count (PC is
 * synced at the udiv, mid-block, while its hook is armed); then, with r0 bit 0, a udiv
 * (1 / 3 = 0) and a load from 0x60000000 + 0 in the same block: a BusFault at DL_LOAD.
 * Returns the count. */
static const uint16_t prog_div_loop[] = {
    0x4606,         /* 00: mov r6, r0 */
    0xf64e, 0x5014, /* 02: movw r0, #0xed14 */
    0xf2ce, 0x0000, /* 06: movt r0, #0xe000 */
    0x6801,         /* 0a: ldr r1, [r0, #0] */
    0xf041, 0x0110, /* 0c: orr.w r1, r1, #0x10 */
    0x6001,         /* 10: str r1, [r0, #0] */
    0xf3bf, 0x8f6f, /* 12: isb sy */
    0x08b7,         /* 16: lsrs r7, r6, #2 */
    0xd304,         /* 18: bcc.n 0x24 */
    0xf021, 0x0110, /* 1a: bic.w r1, r1, #0x10 */
    0x6001,         /* 1e: str r1, [r0, #0] */
    0xf3bf, 0x8f6f, /* 20: isb sy */
    0xf24e, 0x0010, /* 24: movw r0, #0xe010 */
    0xf2ce, 0x0000, /* 28: movt r0, #0xe000 */
    0x2131,         /* 2c: movs r1, #0x31 */
    0x6041,         /* 2e: str r1, [r0, #4] */
    0x6081,         /* 30: str r1, [r0, #8] */
    0x2105,         /* 32: movs r1, #5 */
    0x6001,         /* 34: str r1, [r0, #0] */
    0x2500,         /* 36: movs r5, #0 */
    0xf240, 0x34e8, /* 38: movw r4, #0x3e8 */
    0x2164,         /* 3c: movs r1, #0x64 */
    0x2203,         /* 3e: movs r2, #3 */
    0x3501,         /* 40: adds r5, #1 */
    0xfbb1, 0xf3f2, /* 42: udiv r3, r1, r2 */
    0x3c01,         /* 46: subs r4, #1 */
    0xd1fa,         /* 48: bne.n 0x40 */
    0x2100,         /* 4a: movs r1, #0 */
    0x6001,         /* 4c: str r1, [r0, #0] */
    0x0877,         /* 4e: lsrs r7, r6, #1 */
    0xd306,         /* 50: bcc.n 0x60 */
    0x2101,         /* 52: movs r1, #1 */
    0xfbb1, 0xf3f2, /* 54: udiv r3, r1, r2 */
    0x2160,         /* 58: movs r1, #0x60 */
    0x0609,         /* 5a: lsls r1, r1, #0x18 */
    0x185b,         /* 5c: adds r3, r3, r1 */
    0x681a,         /* 5e: ldr r2, [r3, #0] */
    0x4628,         /* 60: mov r0, r5 */
    0x4770,         /* 62: bx lr */
};
#define DL_LOAD 0x5e
/* Self-modifying code (emu/ucfix.c part 2: stores to pages without code skip Unicorn's check):
 * writes `movs r0, #1; bx lr` to the page at r0, which has held no code, calls it, rewrites it
 * to `movs r0, #2; bx lr` and calls it again: returns 0x12 when the second call ran the new
 * code. */
static const uint16_t prog_smc[] = {
    0xb570,         /* 00: push {r4, r5, r6, lr} */
    0x4604,         /* 02: mov r4, r0 */
    0xf242, 0x0101, /* 04: movw r1, #0x2001 */
    0xf2c4, 0x7170, /* 08: movt r1, #0x4770 */
    0x6021,         /* 0c: str r1, [r4] */
    0xf3bf, 0x8f4f, /* 0e: dsb sy */
    0xf3bf, 0x8f6f, /* 12: isb sy */
    0x1c65,         /* 16: adds r5, r4, #1 */
    0x47a8,         /* 18: blx r5 */
    0x4606,         /* 1a: mov r6, r0 */
    0xf242, 0x0102, /* 1c: movw r1, #0x2002 */
    0xf2c4, 0x7170, /* 20: movt r1, #0x4770 */
    0x6021,         /* 24: str r1, [r4] */
    0xf3bf, 0x8f4f, /* 26: dsb sy */
    0xf3bf, 0x8f6f, /* 2a: isb sy */
    0x47a8,         /* 2e: blx r5 */
    0xeb00, 0x1006, /* 30: add.w r0, r0, r6, lsl #4 */
    0xbd70,         /* 34: pop {r4, r5, r6, pc} */
};

#define DL_FAULT 1u
#define DL_CLEAR 2u

/* CCR.DIV_0_TRP and UNALIGN_TRP set (hooks on the udiv and the word accesses), UNALIGN_TRP
 * cleared again, then an unaligned `ldr r3, [r0]` (allowed now) and `udiv r0, r1 = 6,
 * r2 = 3`: returns 2. */
static const uint16_t prog_stale[] = {
    0xf64e, 0x5214, /* 00: movw r2, #0xed14 */
    0xf2ce, 0x0200, /* 04: movt r2, #0xe000 */
    0x6811,         /* 08: ldr r1, [r2, #0] */
    0xf041, 0x0118, /* 0a: orr.w r1, r1, #0x18 */
    0x6011,         /* 0e: str r1, [r2, #0] */
    0xf3bf, 0x8f6f, /* 10: isb sy */
    0xf021, 0x0108, /* 14: bic.w r1, r1, #8 */
    0x6011,         /* 18: str r1, [r2, #0] */
    0xf3bf, 0x8f6f, /* 1a: isb sy */
    0xf243, 0x0001, /* 1e: movw r0, #0x3001 */
    0xf2c2, 0x0000, /* 22: movt r0, #0x2000 */
    0x6803,         /* 26: ldr r3, [r0, #0] */
    0x2106,         /* 28: movs r1, #6 */
    0x2203,         /* 2a: movs r2, #3 */
    0xfbb1, 0xf0f2, /* 2c: udiv r0, r1, r2 */
    0x4770,         /* 30: bx lr */
};

/* Unaligned accesses: if r0 bit 0, VTOR = VT and SHCSR.USGFAULTENA; bit 1, CCR.UNALIGN_TRP
 * = 1 (then DSB, ISB); r0 = DATA+1, r6 = DATA+2, r7 = 0; `tbb` on r1 to one access, then
 * return 0x55. The UsageFault handler records CFSR and the stacked PC at DATA+0x20,
 * DATA+0x24 and steps over the faulting instruction (2 or 4 bytes). */
static const uint16_t prog_unaligned[] = {
    0x4604,         /* 00: mov r4, r0 */
    0x460d,         /* 02: mov r5, r1 */
    0x0861,         /* 04: lsrs r1, r4, #1 */
    0xd310,         /* 06: bcc.n 0x2a */
    0xf64e, 0x5008, /* 08: movw r0, #0xed08 */
    0xf2ce, 0x0000, /* 0c: movt r0, #0xe000 */
    0xf242, 0x0100, /* 10: movw r1, #0x2000 */
    0xf2c2, 0x0100, /* 14: movt r1, #0x2000 */
    0x6001,         /* 18: str r1, [r0, #0] */
    0xf64e, 0x5024, /* 1a: movw r0, #0xed24 */
    0xf2ce, 0x0000, /* 1e: movt r0, #0xe000 */
    0x6801,         /* 22: ldr r1, [r0, #0] */
    0xf441, 0x2180, /* 24: orr.w r1, r1, #0x40000 */
    0x6001,         /* 28: str r1, [r0, #0] */
    0x08a1,         /* 2a: lsrs r1, r4, #2 */
    0xd30b,         /* 2c: bcc.n 0x46 */
    0xf64e, 0x5014, /* 2e: movw r0, #0xed14 */
    0xf2ce, 0x0000, /* 32: movt r0, #0xe000 */
    0x6801,         /* 36: ldr r1, [r0, #0] */
    0xf041, 0x0108, /* 38: orr.w r1, r1, #8 */
    0x6001,         /* 3c: str r1, [r0, #0] */
    0xf3bf, 0x8f4f, /* 3e: dsb sy */
    0xf3bf, 0x8f6f, /* 42: isb sy */
    0xf243, 0x0001, /* 46: movw r0, #0x3001 */
    0xf2c2, 0x0000, /* 4a: movt r0, #0x2000 */
    0x1c46,         /* 4e: adds r6, r0, #1 */
    0x2700,         /* 50: movs r7, #0 */
    0x2300,         /* 52: movs r3, #0 */
    0xe8df, 0xf005, /* 54: tbb [pc, r5] */
    0x0806, 0x0d0a, /* 58: .byte 0x06, 0x08, 0x0a, 0x0d */
    0x1310, 0x1715, /* 5c: .byte 0x10, 0x13, 0x15, 0x17 */
    0x1d1a, 0x001f, /* 60: .byte 0x1a, 0x1d, 0x1f, 0x00 */
    0x6803,         /* 64: ldr r3, [r0, #0] */
    0xe019,         /* 66: b.n 0x9c */
    0x8843,         /* 68: ldrh r3, [r0, #2] */
    0xe017,         /* 6a: b.n 0x9c */
    0xe9d6, 0x2300, /* 6c: ldrd r2, r3, [r6] */
    0xe014,         /* 70: b.n 0x9c */
    0xe896, 0x000c, /* 72: ldmia.w r6, {r2, r3} */
    0xe011,         /* 76: b.n 0x9c */
    0xe856, 0x3f00, /* 78: ldrex r3, [r6] */
    0xe00e,         /* 7c: b.n 0x9c */
    0x51c3,         /* 7e: str r3, [r0, r7] */
    0xe00c,         /* 80: b.n 0x9c */
    0x6833,         /* 82: ldr r3, [r6, #0] */
    0xe00a,         /* 84: b.n 0x9c */
    0xe8e6, 0x2302, /* 86: strd r2, r3, [r6], #8 */
    0xe007,         /* 8a: b.n 0x9c */
    0xe8d6, 0x3faf, /* 8c: lda r3, [r6] */
    0xe004,         /* 90: b.n 0x9c */
    0x8833,         /* 92: ldrh r3, [r6, #0] */
    0xe002,         /* 94: b.n 0x9c */
    0x2f00,         /* 96: cmp r7, #0 */
    0xbf08,         /* 98: it eq */
    0x6803,         /* 9a: ldreq r3, [r0, #0] */
    0x2055,         /* 9c: movs r0, #0x55 */
    0x4770,         /* 9e: bx lr */
    0xf243, 0x0020, /* a0: movw r0, #0x3020 */
    0xf2c2, 0x0000, /* a4: movt r0, #0x2000 */
    0xf64e, 0x5128, /* a8: movw r1, #0xed28 */
    0xf2ce, 0x0100, /* ac: movt r1, #0xe000 */
    0x680a,         /* b0: ldr r2, [r1, #0] */
    0x6002,         /* b2: str r2, [r0, #0] */
    0x9a06,         /* b4: ldr r2, [sp, #0x18] */
    0x6042,         /* b6: str r2, [r0, #4] */
    0x8813,         /* b8: ldrh r3, [r2, #0] */
    0x0adb,         /* ba: lsrs r3, r3, #0xb */
    0x2b1d,         /* bc: cmp r3, #0x1d */
    0xbf2c,         /* be: ite cs */
    0x3204,         /* c0: addcs r2, #4 */
    0x3202,         /* c2: addcc r2, #2 */
    0x9206,         /* c4: str r2, [sp, #0x18] */
    0x4770,         /* c6: bx lr */
};
#define CASE_LDR 0       /* ldr r3, [r0]: DATA+1, CCR.UNALIGN_TRP */
#define CASE_LDRH 1      /* ldrh r3, [r0, #2]: DATA+3 */
#define CASE_LDRD 2      /* ldrd r2, r3, [r6]: DATA+2, always */
#define CASE_LDM 3       /* ldm r6, {r2, r3}: always */
#define CASE_LDREX 4     /* ldrex r3, [r6]: always (Unicorn raises intno 4 itself) */
#define CASE_STR_REG 5   /* str r3, [r0, r7]: register offset */
#define CASE_LDR_HALF 6  /* ldr r3, [r6]: DATA+2 */
#define CASE_STRD_POST 7 /* strd r2, r3, [r6], #8: post-indexed, always */
#define CASE_LDA 8       /* lda r3, [r6]: always */
#define CASE_LDRH_OK 9   /* ldrh r3, [r6]: aligned, never faults */
#define CASE_IT 10       /* it eq; ldreq r3, [r0]: inside an IT block */
#define UA_LDR_AT 0x64
#define UA_LDRH_AT 0x68
#define UA_LDRD_AT 0x6c
#define UA_LDM_AT 0x72
#define UA_LDREX_AT 0x78
#define UA_STR_REG_AT 0x7e
#define UA_LDR_HALF_AT 0x82
#define UA_STRD_POST_AT 0x86
#define UA_LDA_AT 0x8c
#define UA_LDR_IT_AT 0x9a
#define UA_HANDLER 0xa0
#define UA_HANDLER_ON 1u
#define UA_TRP 2u

/* ---- fixture ------------------------------------------------------------------------------ */

typedef struct fixture {
    se_machine *m;
    se_machine_opts opts;
    unsigned nlogs; /* warnings and errors logged by the machine */
    char logs[8][512];
    char flash_path[64];
} fixture;

static void capture_log(void *ctx, int level, const char *msg)
{
    fixture *f = ctx;
    if (level < SE_LOG_WARN)
        return;
    if (f->nlogs < sizeof f->logs / sizeof f->logs[0])
        snprintf(f->logs[f->nlogs], sizeof f->logs[0], "%s", msg);
    f->nlogs++;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    se_machine_opts_default(&f->opts);
    f->opts.log = capture_log;
    f->opts.log_ctx = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    se_machine_free(f->m);
    if (f->flash_path[0])
        unlink(f->flash_path);
    free(f);
    return 0;
}

static void put(se_machine *m, uint32_t addr, const void *buf, size_t len)
{
    se_error err;
    memset(&err, 0, sizeof err);
    se_err e = se_machine_write(m, addr, buf, len, &err);
    if (e != SE_OK)
        print_error("se_machine_write: %s\n", err.msg);
    assert_int_equal(e, SE_OK);
}

static void put32(se_machine *m, uint32_t addr, uint32_t v) { put(m, addr, &v, 4); }

static uint32_t get32(se_machine *m, uint32_t addr)
{
    uint32_t v = 0;
    se_error err;
    assert_int_equal(se_machine_read(m, addr, &v, 4, &err), SE_OK);
    return v;
}

/* Build the machine from f->opts and load a program at CODE, the breakpoint word, and a
 * zeroed DATA area. */
static se_machine *boot(fixture *f, const uint16_t *prog, size_t size)
{
    se_error err;
    memset(&err, 0, sizeof err);
    const se_profile *p = se_profile_find("stm32l562e-dk", false);
    assert_non_null(p);
    se_err e = se_machine_new(p, &f->opts, &f->m, &err);
    if (e != SE_OK)
        print_error("se_machine_new: %s\n", err.msg);
    assert_int_equal(e, SE_OK);
    put32(f->m, BKPT_ADDR, 0x0000BE00u);
    put(f->m, CODE, prog, size);
    static const uint8_t zero[0x100];
    put(f->m, DATA, zero, sizeof zero);
    return f->m;
}

/* Vector table entry `exc` of VT -> CODE + off (Thumb). */
static void vector(se_machine *m, unsigned exc, uint32_t off)
{
    put32(m, VT + 4u * exc, (CODE + off) | 1u);
}

static void call(se_machine *m, uint32_t r0, uint32_t sp, uint64_t budget, double seconds,
                 se_call_result *r)
{
    se_call c;
    memset(&c, 0, sizeof c);
    c.entry = CODE | 1u;
    c.args[0] = r0;
    c.sp = sp;
    c.bkpt_addr = BKPT_ADDR;
    c.max_instructions = budget;
    c.max_seconds = seconds;
    se_machine_call(m, &c, r);
}

static void expect_status(const se_call_result *r, se_err want)
{
    if (getenv("TEST_MACHINE_VERBOSE"))
        print_message("status %s: %s\n%s", se_err_name(r->status), r->reason, r->detail);
    if (r->status != want)
        print_error("status %s (want %s)\nreason: %s\ndetail:\n%s\n", se_err_name(r->status),
                    se_err_name(want), r->reason, r->detail);
    assert_int_equal(r->status, want);
}

static void expect_contains(const char *text, const char *what)
{
    if (!strstr(text, what))
        print_error("\"%s\" not found in:\n%s\n", what, text);
    assert_non_null(strstr(text, what));
}

/* ---- plain calls -------------------------------------------------------------------------- */

static void test_plain_function_returns_r0(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_plain, sizeof prog_plain);
    se_call_result r;
    se_call c;
    memset(&c, 0, sizeof c);
    c.entry = CODE | 1u;
    c.args[0] = 5;
    c.args[1] = 7;
    c.sp = STACK;
    c.bkpt_addr = BKPT_ADDR;
    c.max_instructions = 1000;
    se_machine_call(m, &c, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 27);
    assert_int_equal(r.pc, BKPT_ADDR);
    assert_int_equal(r.sp, STACK);
    assert_int_equal(r.exceptions, 0);
}

static void test_plain_function_counts_its_instructions(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_plain, sizeof prog_plain);
    se_call_result r;
    call(m, 5, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.instructions, 4);
    assert_int_equal(r.cycles, 4);
    assert_int_equal(se_machine_cycles(m), 4);
    /* a second call continues the clock */
    call(m, 5, STACK, 1000, 0, &r);
    assert_int_equal(r.instructions, 4);
    assert_int_equal(se_machine_cycles(m), 8);
}

static void test_code_written_to_a_page_without_code_runs_as_written(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_smc, sizeof prog_smc);
    se_call_result r;
    /* twice: the second call finds the page's old translation and the fast-path TLB entry */
    for (int i = 0; i < 2; i++) {
        call(m, 0x20006000u, STACK, 1000, 0, &r);
        expect_status(&r, SE_OK);
        assert_int_equal(r.r0, 0x12);
    }
    call(m, 0x20006400u, STACK, 1000, 0, &r); /* and a fresh page after the first */
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0x12);
}

static void test_virtual_time_is_250ns_per_instruction_at_4mhz(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_plain, sizeof prog_plain);
    assert_int_equal(se_machine_core_hz(m), 4000000u);
    se_call_result r;
    call(m, 5, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.vtime_ns, 4 * 250);
    assert_int_equal(se_machine_now_ns(m), 1000);
}

static void test_virtual_time_follows_the_core_clock(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_plain, sizeof prog_plain);
    se_call_result r;
    call(m, 5, STACK, 1000, 0, &r); /* 4 instructions at 4 MHz: 1000 ns */
    se_machine_set_core_hz(m, 8000000u);
    call(m, 5, STACK, 1000, 0, &r); /* 4 instructions at 8 MHz */
    expect_status(&r, SE_OK);
    assert_int_equal(r.vtime_ns, 4 * 125);
    assert_int_equal(se_machine_now_ns(m), 1000 + 500);
}

/* ---- SysTick ------------------------------------------------------------------------------ */

static void run_systick(fixture *f, unsigned flags, uint64_t budget, se_call_result *r)
{
    se_machine *m = boot(f, prog_systick, sizeof prog_systick);
    vector(m, 15, SYSTICK_HANDLER);
    call(m, flags, STACK, budget, 0, r);
}

static void test_systick_interrupts_at_its_period(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_systick(f, ST_CLEAR_MASKINTS, 1000000, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, SYSTICK_N);
    assert_int_equal(r.exceptions, SYSTICK_N);
    assert_int_equal(get32(f->m, DATA), SYSTICK_N);
    /* the 5th interrupt comes 5 periods (5 ms) after the counter was started, ~20
     * instructions into the call; the loop then exits within a few instructions */
    assert_in_range(r.cycles, SYSTICK_N * SYSTICK_PERIOD, SYSTICK_N * SYSTICK_PERIOD + 100);
    assert_int_equal(r.vtime_ns, r.cycles * 250);
    assert_in_range(r.vtime_ns, 5000000, 5025000);
}

static void test_systick_masked_by_c_maskints_never_fires(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_systick(f, 0, 100000, &r); /* default policy SE_MASK_MASKINTS; DHCSR not written */
    expect_status(&r, SE_ERR_HANG);
    assert_int_equal(r.exceptions, 0);
    assert_int_equal(get32(f->m, DATA), 0);
    expect_contains(r.reason, "budget");
    assert_true(se_machine_scs(f->m)->pending[SE_EXC_SYSTICK]);
}

static void test_systick_with_primask_policy_fires_after_cpsie(void **state)
{
    fixture *f = *state;
    f->opts.irq_mask = SE_MASK_PRIMASK;
    se_call_result r;
    run_systick(f, ST_CPSIE, 1000000, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, SYSTICK_N);
    assert_int_equal(r.exceptions, SYSTICK_N);
}

static void test_systick_with_primask_policy_never_fires_without_cpsie(void **state)
{
    fixture *f = *state;
    f->opts.irq_mask = SE_MASK_PRIMASK;
    se_call_result r;
    run_systick(f, 0, 100000, &r);
    expect_status(&r, SE_ERR_HANG);
    assert_int_equal(r.exceptions, 0);
}

/* The interrupt pended while PRIMASK was set is taken as soon as `cpsie i` runs, not at
 * the next SysTick event: the 5th interrupt still comes after 5 periods, not 6. */
static void test_systick_pending_under_primask_is_taken_at_cpsie(void **state)
{
    fixture *f = *state;
    f->opts.irq_mask = SE_MASK_PRIMASK;
    se_call_result r;
    run_systick(f, ST_CPSIE | ST_CPSIE_LATE, 1000000, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.exceptions, SYSTICK_N);
    assert_in_range(r.cycles, SYSTICK_N * SYSTICK_PERIOD, SYSTICK_N * SYSTICK_PERIOD + 100);
}

/* ---- exception entry and return ----------------------------------------------------------- */

static void run_frame(fixture *f, uint32_t sp, se_call_result *r)
{
    f->opts.irq_mask = SE_MASK_NONE;
    se_machine *m = boot(f, prog_frame, sizeof prog_frame);
    vector(m, SE_EXC_SYSTICK, FRAME_HANDLER);
    call(m, 0, sp, 10000, 0, r);
    expect_status(r, SE_OK);
    assert_int_equal(r->exceptions, 1);
}

static void test_exception_frame_holds_caller_saved_registers(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_frame(f, STACK, &r);
    se_machine *m = f->m;
    assert_int_equal(get32(m, DATA + 0x00), 0x10101010u);    /* r0 */
    assert_int_equal(get32(m, DATA + 0x04), 0x11111111u);    /* r1 */
    assert_int_equal(get32(m, DATA + 0x08), 0x12121212u);    /* r2 */
    assert_int_equal(get32(m, DATA + 0x0c), 0x13131313u);    /* r3 */
    assert_int_equal(get32(m, DATA + 0x10), 0x1C1C1C1Cu);    /* r12 */
    assert_int_equal(get32(m, DATA + 0x14), BKPT_ADDR | 1u); /* lr */
}

static void test_exception_frame_stacks_the_interrupted_pc(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_frame(f, STACK, &r);
    /* SysTick comes while the thread waits in the 3-instruction loop at FRAME_WAIT */
    assert_int_equal(get32(f->m, DATA + 0x18), CODE + FRAME_WAIT);
}

static void test_exception_frame_stacks_xpsr_with_t_bit(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_frame(f, STACK, &r);
    uint32_t xpsr = get32(f->m, DATA + 0x1c);
    assert_int_equal(xpsr & (1u << 24), 1u << 24); /* T */
    assert_int_equal(xpsr & 0x1FFu, 0);            /* was Thread mode */
    assert_int_equal(xpsr & (1u << 9), 0);         /* SP was 8-byte aligned */
}

static void test_exception_entry_sets_ipsr_and_sp(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_frame(f, STACK, &r);
    assert_int_equal(get32(f->m, DATA + 0x24), STACK - 32);
    assert_int_equal(get32(f->m, DATA + 0x28), SE_EXC_SYSTICK);
}

/* ARMv8-M EXC_RETURN: PREFIX 0xFF in [31:24], [23:7] RES1, S=0 (non-secure), DCRS=1,
 * FType=1 (no FP frame), Mode=1 (Thread), SPSEL=0 (MSP), ES=0: 0xFFFFFFB8. */
static void test_exception_entry_sets_exc_return_0xffffffb8(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_frame(f, STACK, &r);
    assert_int_equal(get32(f->m, DATA + 0x20), EXC_RETURN_THREAD_MSP);
}

static void test_exception_return_restores_registers(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_frame(f, STACK, &r);
    static const uint32_t want[10] = {0x10101010u, 0x11111111u,   0x12121212u, 0x13131313u,
                                      0x14141414u, 0x15151515u,   0x16161616u, 0x17171717u,
                                      0x1C1C1C1Cu, BKPT_ADDR | 1u};
    for (unsigned i = 0; i < 10; i++) {
        uint32_t got = get32(f->m, DATA + 0x40 + 4 * i);
        if (got != want[i])
            print_error("register slot %u: 0x%08x, want 0x%08x\n", i, got, want[i]);
        assert_int_equal(got, want[i]);
    }
    assert_int_equal(get32(f->m, DATA + 0x68), STACK); /* SP back where it was */
}

static void test_exception_entry_realigns_a_4_byte_aligned_stack(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_frame(f, STACK - 4, &r);
    assert_int_equal(get32(f->m, DATA + 0x24), STACK - 40); /* (sp - 32) & ~7 */
    assert_int_equal(get32(f->m, DATA + 0x1c) & (1u << 9), 1u << 9);
    assert_int_equal(get32(f->m, DATA + 0x68), STACK - 4);
}

/* ---- faults ------------------------------------------------------------------------------- */

static void run_fault(fixture *f, unsigned flags, se_call_result *r)
{
    se_machine *m = boot(f, prog_fault, sizeof prog_fault);
    vector(m, SE_EXC_HARDFAULT, FAULT_HARDFAULT);
    vector(m, SE_EXC_BUSFAULT, FAULT_SKIPPER);
    vector(m, SE_EXC_USAGEFAULT, FAULT_SKIPPER);
    call(m, flags, STACK, 20000, 0, r);
}

static void test_undefined_instruction_escalates_to_hardfault(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_fault(f, 0, &r);
    expect_status(&r, SE_ERR_HANG); /* the HardFault handler spins */
    expect_contains(r.reason, "UsageFault UNDEFINSTR");
    se_machine *m = f->m;
    assert_int_equal(get32(m, DATA + 0x00) & SE_CFSR_UNDEFINSTR, SE_CFSR_UNDEFINSTR);
    assert_int_equal(get32(m, DATA + 0x04) & SE_HFSR_FORCED, SE_HFSR_FORCED);
    assert_int_equal(get32(m, DATA + 0x10), SE_EXC_HARDFAULT); /* IPSR */
    assert_int_equal(r.exceptions, 1);
}

static void test_undefined_instruction_stacks_its_own_pc(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_fault(f, 0, &r);
    expect_status(&r, SE_ERR_HANG);
    assert_int_equal(get32(f->m, DATA + 0x0c), CODE + FAULT_UDF_AT);
}

static void test_usagefault_taken_directly_when_enabled(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_fault(f, FL_USGFAULTENA, &r);
    expect_status(&r, SE_OK); /* the handler stepped over udf */
    assert_int_equal(r.r0, 0x55);
    assert_int_equal(r.exceptions, 1);
    se_machine *m = f->m;
    assert_int_equal(get32(m, DATA + 0x00) & SE_CFSR_UNDEFINSTR, SE_CFSR_UNDEFINSTR);
    assert_int_equal(get32(m, DATA + 0x04), 0); /* no HardFault: HFSR.FORCED clear */
    assert_int_equal(get32(m, DATA + 0x0c), CODE + FAULT_UDF_AT);
    assert_int_equal(get32(m, DATA + 0x10), SE_EXC_USAGEFAULT);
}

static void test_unmapped_read_is_a_precise_busfault(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_fault(f, FL_BUSFAULT, &r);
    expect_status(&r, SE_ERR_HANG);
    expect_contains(r.reason, "BusFault PRECISERR");
    expect_contains(r.reason, "0x60000000");
    se_machine *m = f->m;
    uint32_t cfsr = get32(m, DATA + 0x00);
    assert_int_equal(cfsr & (SE_CFSR_PRECISERR | SE_CFSR_BFARVALID),
                     SE_CFSR_PRECISERR | SE_CFSR_BFARVALID);
    assert_int_equal(get32(m, DATA + 0x04) & SE_HFSR_FORCED, SE_HFSR_FORCED);
    assert_int_equal(get32(m, DATA + 0x08), 0x60000000u); /* BFAR */
}

/* A precise BusFault stacks the address of the load that faulted (here in the middle of
 * a straight-line block), and the report names it. Unicorn 2.0.1 leaves PC at the block
 * start; the machine decodes the block to find the load. */
static void test_busfault_stacks_the_pc_of_the_faulting_load(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_fault(f, FL_BUSFAULT, &r);
    expect_status(&r, SE_ERR_HANG);
    expect_contains(r.reason, "at 0x20001036");
    assert_int_equal(get32(f->m, DATA + 0x0c), CODE + FAULT_LD_AT);
}

/* The same through a register index with a shift (ldr.w r3, [r0, r2, lsl #2]): Capstone 4
 * gives the shift in the operand's shift field, not mem.lshift; the PC must still be found. */
static const uint16_t prog_shifted_index[] = {
    0x2204,         /* 00: movs r2, #4 */
    0x2300,         /* 02: movs r3, #0 */
    0xf850, 0x3022, /* 04: ldr.w r3, [r0, r2, lsl #2] */
    0x4770,         /* 08: bx lr */
};

static void test_busfault_pc_of_a_load_with_a_shifted_index(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_shifted_index, sizeof prog_shifted_index);
    se_call_result r;
    call(m, 0x60000000u - 16u, STACK, 10000, 0, &r); /* base + 4 << 2 = 0x60000000: no FMC */
    expect_contains(r.reason, "4-byte read of 0x60000000");
    expect_contains(r.reason, "at 0x20001004");
}

static void test_fault_with_erased_vector_table_locks_up(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_lockup, sizeof prog_lockup);
    se_call_result r;
    call(m, 0, STACK, 10000, 0, &r); /* VTOR is the profile's 0x08000000, erased */
    expect_status(&r, SE_ERR_LOCKUP);
    expect_contains(r.detail, "erased");
    assert_true(se_machine_scs(m)->dhcsr & SE_DHCSR_S_LOCKUP);
}

/* The one-line reason of a lockup should say why the core locked up: the HardFault
 * vector points into erased flash. */
static void test_lockup_reason_mentions_erased_vector(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_lockup, sizeof prog_lockup);
    se_call_result r;
    call(m, 0, STACK, 10000, 0, &r);
    expect_status(&r, SE_ERR_LOCKUP);
    expect_contains(r.reason, "erased");
}

static void test_push_with_msp_zero_fails_on_stacking(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_push, sizeof prog_push);
    se_call_result r;
    call(m, 0, 0, 10000, 0, &r);
    expect_status(&r, SE_ERR_LOCKUP);
    expect_contains(r.reason, "0xfffffff");
    expect_contains(r.detail, "stack pointer is zero");
}

static void test_instruction_budget_reports_spinning_loop(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_spin, sizeof prog_spin);
    se_call_result r;
    call(m, 0, STACK, 10000, 0, &r);
    expect_status(&r, SE_ERR_HANG);
    expect_contains(r.reason, "budget");
    expect_contains(r.reason, "spinning");
    expect_contains(r.reason, "0x20001000");
    assert_in_range(r.instructions, 9990, 10000);
}

static void test_wall_clock_limit_stops_endless_loop(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_count, sizeof prog_count);
    se_call_result r;
    call(m, 0, STACK, 0, 0.2, &r);
    expect_status(&r, SE_ERR_HANG);
    expect_contains(r.reason, "wall-clock");
    assert_true(r.host_seconds >= 0.2);
    assert_true(r.host_seconds < 1.5);
}

/* cause.c: a loop whose every pass leaves the machine as it was ends long before the budget,
 * and one that changes something (a counter) is left to the budget. */
static void test_endless_loop_proven_early(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_spin, sizeof prog_spin);
    se_call_result r;
    call(m, 0, STACK, 2000000000ull, 0, &r);
    expect_status(&r, SE_ERR_HANG);
    expect_contains(r.reason, "a loop that cannot end at 0x20001000");
    assert_true(r.instructions < 20000000u);

    m = boot(f, prog_count, sizeof prog_count);
    call(m, 0, STACK, 20000000u, 0, &r);
    expect_status(&r, SE_ERR_HANG);
    expect_contains(r.reason, "instruction budget of 20000000 exhausted");
}

static void test_clobbered_breakpoint_word_is_reported(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_clobber, sizeof prog_clobber);
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_ERR_BKPT_CLOBBERED);
    expect_contains(r.reason, "0x20000000");
}

static void test_unmapped_breakpoint_address_is_a_usage_error(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_plain, sizeof prog_plain);
    se_call c;
    memset(&c, 0, sizeof c);
    c.entry = CODE | 1u;
    c.sp = STACK;
    c.bkpt_addr = 0x60000000u;
    c.max_instructions = 1000;
    se_call_result r;
    se_machine_call(m, &c, &r);
    expect_status(&r, SE_ERR_USAGE);
}

static void test_svc_calls_the_svcall_handler(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_svc, sizeof prog_svc);
    vector(m, SE_EXC_SVCALL, SVC_HANDLER);
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0x5C);
    assert_int_equal(r.exceptions, 1);
    assert_int_equal(get32(m, DATA + 4), CODE + SVC_AFTER); /* returns after the svc */
}

static void test_pendsv_set_in_icsr_is_taken(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_pendsv, sizeof prog_pendsv);
    vector(m, SE_EXC_PENDSV, PENDSV_HANDLER);
    se_call_result r;
    call(m, 1, STACK, 1000, 0, &r); /* clears C_MASKINTS first */
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0x5C);
    assert_int_equal(r.exceptions, 1);
    assert_false(se_machine_scs(m)->pending[SE_EXC_PENDSV]);
}

/* An exception made takeable by a register store is taken after the store: returning
 * from it must not run any instruction of the thread a second time. */
static void test_exception_pended_by_a_store_does_not_rerun_earlier_instructions(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_storepend, sizeof prog_storepend);
    se_scs *s = se_machine_scs(m);
    s->vtor = VT;
    vector(m, SE_EXC_PENDSV, STOREPEND_HANDLER);
    s->pending[SE_EXC_PENDSV] = true; /* held back by C_MASKINTS until the store */
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(get32(m, DATA), 1); /* handler ran once */
    assert_int_equal(r.r0, 17);          /* r5 += 1 ran once, r5 += 16 ran once */
    uint32_t pc = get32(m, DATA + 4);
    if (pc < CODE + STOREPEND_AFTER_STORE)
        print_error("stacked PC 0x%08x is before the store's successor 0x%08x\n", pc,
                    CODE + STOREPEND_AFTER_STORE);
    assert_in_range(pc, CODE + STOREPEND_AFTER_STORE, CODE + 0x1e);
}

static void test_pendsv_stays_pending_under_c_maskints(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_pendsv, sizeof prog_pendsv);
    vector(m, SE_EXC_PENDSV, PENDSV_HANDLER);
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0);
    assert_int_equal(r.exceptions, 0);
    assert_true(se_machine_scs(m)->pending[SE_EXC_PENDSV]);
}

/* Host-side register write, as if by a debugger. */
static void scs_poke(se_machine *m, uint32_t addr, uint32_t value)
{
    unsigned fx;
    se_scs_write(se_machine_scs(m), addr, value, se_machine_cycles(m), &fx);
}

static se_machine *boot_order(fixture *f)
{
    se_machine *m = boot(f, prog_order, sizeof prog_order);
    se_machine_scs(m)->vtor = VT;
    for (unsigned e = SE_EXC_PENDSV; e < SE_EXC_IRQ0 + 8; e++)
        vector(m, e, ORDER_HANDLER);
    return m;
}

static void test_pending_irqs_are_taken_by_priority_then_tail_chained(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_order(f);
    scs_poke(m, 0xE000E400u, 0x00400000u); /* IRQ2 0x40 */
    scs_poke(m, 0xE000E404u, 0x00002000u); /* IRQ5 0x20 */
    scs_poke(m, 0xE000E100u, (1u << 2) | (1u << 5));
    scs_poke(m, 0xE000E200u, (1u << 2) | (1u << 5)); /* held back by C_MASKINTS */
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 2);
    assert_int_equal(r.exceptions, 2);
    assert_int_equal(get32(m, DATA + 4), SE_EXC_IRQ0 + 5);
    assert_int_equal(get32(m, DATA + 8), SE_EXC_IRQ0 + 2);
}

/* With PRIGROUP 5 (group priority [7:6], subpriority [5]), IRQ0 = 0x20 and IRQ1 = 0x00 have
 * the same group priority; the lower subpriority (IRQ1) is taken first (ARMv8-M priority
 * grouping), as se_scs_best_pending and ICSR.VECTPENDING say. */
static void test_same_group_pending_irqs_are_taken_by_subpriority(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_order(f);
    scs_poke(m, 0xE000ED0Cu, 0x05FA0500u);
    scs_poke(m, 0xE000E400u, 0x00000020u);
    scs_poke(m, 0xE000E100u, 3u);
    scs_poke(m, 0xE000E200u, 3u);
    assert_int_equal(se_scs_best_pending(se_machine_scs(m), NULL), SE_EXC_IRQ0 + 1);
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 2);
    assert_int_equal(get32(m, DATA + 4), SE_EXC_IRQ0 + 1);
    assert_int_equal(get32(m, DATA + 8), SE_EXC_IRQ0 + 0);
}

/* An exception that is pending, enabled and unmasked when the host starts a call is taken
 * before the first instruction, as on a core resumed by a debugger. */
static void test_exception_pending_at_call_start_is_taken_first(void **state)
{
    fixture *f = *state;
    f->opts.irq_mask = SE_MASK_NONE;
    se_machine *m = boot_order(f);
    se_machine_scs(m)->pending[SE_EXC_PENDSV] = true;
    se_call c;
    memset(&c, 0, sizeof c);
    c.entry = (CODE + ORDER_READ) | 1u; /* no SCS access at all: just return the count */
    c.sp = STACK;
    c.bkpt_addr = BKPT_ADDR;
    c.max_instructions = 100000;
    se_call_result r;
    se_machine_call(m, &c, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.exceptions, 1);
    assert_int_equal(r.r0, 1);
    assert_int_equal(get32(m, DATA + 4), SE_EXC_PENDSV);
}

static void test_exc_return_in_thread_mode_fails(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_excret, sizeof prog_excret);
    se_call_result r;
    call(m, 0, STACK, 10000, 0, &r);
    if (getenv("TEST_MACHINE_VERBOSE"))
        print_message("status %s: %s\n%s", se_err_name(r.status), r.reason, r.detail);
    assert_int_not_equal(r.status, SE_OK);
    expect_contains(r.reason, "Thread mode");
    expect_contains(r.reason, "0xfffffff9");
}

static void test_system_reset_request_ends_the_call(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_reset, sizeof prog_reset);
    se_call_result r;
    call(m, 0, STACK, 10000, 0, &r);
    expect_status(&r, SE_ERR_FAULT);
    expect_contains(r.reason, "SYSRESETREQ");
}

/* ---- registers the machine does not model ------------------------------------------------- */

static void test_unmodelled_peripheral_read_warns_once(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_unmod, sizeof prog_unmod);
    unsigned w0 = se_machine_warnings(m);
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(se_machine_warnings(m), w0 + 1);
    assert_int_equal(f->nlogs, 1);
    expect_contains(f->logs[0], "0x42022000");
    /* a later call reading it again does not warn again */
    call(m, 0, STACK, 1000, 0, &r);
    assert_int_equal(se_machine_warnings(m), w0 + 1);
}

static void test_unmodelled_peripheral_read_stops_strict_call(void **state)
{
    fixture *f = *state;
    f->opts.strict = true;
    se_machine *m = boot(f, prog_unmod, sizeof prog_unmod);
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_ERR_STRICT);
    expect_contains(r.reason, "0x42022000");
}

/* CMSIS NVIC_SetPriority writes one byte of NVIC_IPR. A byte store to IRQ4's priority
 * (0xE000E404, a word-aligned address) must leave IRQ5..7's bytes alone. */
static void test_strb_to_aligned_nvic_ipr_byte_keeps_neighbour_priorities(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_iprbyte, sizeof prog_iprbyte);
    se_scs *s = se_machine_scs(m);
    s->prio[SE_EXC_IRQ0 + 5] = 0x80;
    s->prio[SE_EXC_IRQ0 + 6] = 0xA0;
    s->prio[SE_EXC_IRQ0 + 7] = 0xC0;
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(s->prio[SE_EXC_IRQ0 + 4], 0x40);
    assert_int_equal(s->prio[SE_EXC_IRQ0 + 5], 0x80);
    assert_int_equal(s->prio[SE_EXC_IRQ0 + 6], 0xA0);
    assert_int_equal(s->prio[SE_EXC_IRQ0 + 7], 0xC0);
}

/* ---- memory map --------------------------------------------------------------------------- */

static void test_secure_alias_shows_the_same_sram(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_plain, sizeof prog_plain);
    put32(m, 0x30001100u, 0xCAFEF00Du);
    assert_int_equal(get32(m, 0x20001100u), 0xCAFEF00Du);
    put32(m, 0x20001104u, 0x12345678u);
    assert_int_equal(get32(m, 0x30001104u), 0x12345678u);
    assert_int_equal(se_machine_sram(m)[0x1100], 0x0D);
}

static void test_host_write_outside_the_map_is_refused(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_plain, sizeof prog_plain);
    uint32_t v = 1;
    se_error err;
    assert_int_equal(se_machine_write(m, 0x60000000u, &v, 4, &err), SE_ERR_USAGE);
    assert_int_equal(se_machine_read(m, 0x60000000u, &v, 4, &err), SE_ERR_USAGE);
}

static void test_internal_flash_image_provides_the_vector_table(void **state)
{
    fixture *f = *state;
    uint8_t img[0x100];
    memset(img, 0xFF, sizeof img);
    uint32_t words[4] = {STACK, 0x08000041u, 0x08000041u, 0x08000041u}; /* SP, Reset, NMI, HF */
    memcpy(img, words, sizeof words);
    memcpy(img + 0x40, prog_flash_hf, sizeof prog_flash_hf);
    snprintf(f->flash_path, sizeof f->flash_path, "/tmp/test_machine_flash_XXXXXX");
    int fd = mkstemp(f->flash_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img, sizeof img), (ssize_t)sizeof img);
    close(fd);
    f->opts.internal_flash = f->flash_path;

    se_machine *m = boot(f, prog_thread_udf, sizeof prog_thread_udf);
    assert_int_equal(get32(m, 0x08000000u), STACK);
    assert_int_equal(get32(m, 0x0C00000Cu), 0x08000041u); /* secure alias of the flash */
    assert_int_equal(get32(m, 0x08000100u), 0xFFFFFFFFu); /* the rest stays erased */
    se_call_result r;
    call(m, 0, STACK, 1000, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0x5C);
    assert_int_equal(r.exceptions, 1);
}

static void test_internal_flash_image_larger_than_flash_is_refused(void **state)
{
    fixture *f = *state;
    /* an image larger than the 512 KiB flash is refused */
    snprintf(f->flash_path, sizeof f->flash_path, "/tmp/test_machine_flash_XXXXXX");
    int fd = mkstemp(f->flash_path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 0x80001), 0);
    close(fd);
    f->opts.internal_flash = f->flash_path;
    se_error err;
    memset(&err, 0, sizeof err);
    se_err e = se_machine_new(se_profile_find("stm32l562e-dk", false), &f->opts, &f->m, &err);
    assert_int_equal(e, SE_ERR_USAGE);
    assert_null(f->m);
}

/* ---- traps: DIVBYZERO and UNALIGNED ------------------------------------------------------ */

/* boot() with the program as the downloaded image: the trap checks cover only the image. */
static se_machine *boot_image(fixture *f, const uint16_t *prog, size_t size)
{
    se_machine *m = boot(f, prog, size);
    se_machine_set_image(m, CODE, CODE + (uint32_t)size);
    return m;
}

static void call2(se_machine *m, uint32_t r0, uint32_t r1, se_call_result *r)
{
    se_call c;
    memset(&c, 0, sizeof c);
    c.entry = CODE | 1u;
    c.args[0] = r0;
    c.args[1] = r1;
    c.sp = STACK;
    c.bkpt_addr = BKPT_ADDR;
    c.max_instructions = 100000;
    se_machine_call(m, &c, r);
}

static void expect_prefix(const char *text, const char *want)
{
    if (strncmp(text, want, strlen(want)))
        print_error("want \"%s\"\ngot  \"%s\"\n", want, text);
    assert_int_equal(strncmp(text, want, strlen(want)), 0);
}

static void test_udiv_by_zero_without_div_0_trp_gives_zero(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_image(f, prog_div, sizeof prog_div);
    se_call_result r;
    call2(m, 0, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0x55); /* 100 / 0 = 0 */
    assert_int_equal(se_machine_scs(m)->cfsr, 0);
}

/* CCR.DIV_0_TRP set, no UsageFault handler: DIVBYZERO at the udiv, escalated, lockup (the
 * profile's vector table is erased flash). */
static void test_udiv_by_zero_with_div_0_trp_is_divbyzero_at_the_udiv(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_image(f, prog_div, sizeof prog_div);
    se_call_result r;
    call2(m, DV_TRP, 0, &r);
    expect_status(&r, SE_ERR_LOCKUP);
    expect_prefix(r.reason, "UsageFault DIVBYZERO: udiv r0, r1, r2 divides by zero (r2 = 0, "
                            "CCR.DIV_0_TRP is set) at 0x20001060; then lockup: ");
    expect_contains(r.detail, "UsageFault escalated to HardFault (handler not enabled in SHCSR)");
    se_scs *s = se_machine_scs(m);
    assert_int_equal(s->cfsr & (SE_CFSR_DIVBYZERO | SE_CFSR_UNALIGNED), SE_CFSR_DIVBYZERO);
    assert_true(s->hfsr & SE_HFSR_FORCED);
    /* --last: the udiv is the last instruction */
    assert_true(r.nlast > 0);
    assert_int_equal(r.last[r.nlast - 1].pc, CODE + DIV_AT);
}

static void test_divbyzero_handler_gets_cfsr_and_the_udiv_as_return_address(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_image(f, prog_div, sizeof prog_div);
    vector(m, SE_EXC_USAGEFAULT, DIV_HANDLER);
    se_call_result r;
    call2(m, DV_HANDLER | DV_TRP, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.exceptions, 1);
    assert_int_equal(get32(m, DATA + 0), SE_CFSR_DIVBYZERO);
    assert_int_equal(get32(m, DATA + 4), CODE + DIV_AT);
    /* the trap stays armed for the next call (CCR is not reset between calls) */
    call2(m, DV_HANDLER, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.exceptions, 1);
}

static void test_clearing_div_0_trp_disarms_the_check(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_image(f, prog_div, sizeof prog_div);
    se_call_result r;
    call2(m, DV_TRP | DV_UNTRP, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0x55);
    assert_int_equal(se_machine_scs(m)->cfsr, 0);
}

/* Unicorn 2.0.1 cannot stop inside an IT block: the divide runs (quotient 0), and the call
 * says the fault the target would have raised. */
static void test_divide_by_zero_inside_an_it_block_is_said_not_raised(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_image(f, prog_div, sizeof prog_div);
    se_call_result r;
    call2(m, DV_TRP | DV_IT, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 0x66);
    expect_prefix(r.reason, "UsageFault DIVBYZERO: udiveq r0, r1, r2 divides by zero (r2 = 0, "
                            "CCR.DIV_0_TRP is set) at 0x2000106c, inside an IT block: not "
                            "raised (Unicorn 2.0.1 cannot stop there; the instruction ran as if "
                            "the trap were off)");
    assert_true(f->nlogs > 0);
    expect_contains(f->logs[f->nlogs - 1], "inside an IT block: not raised");
}

/* With a trap hook armed, Unicorn 2.0.1 leaves PC where the hook synced it (mid-block) when
 * the block hook stops the core (cpu-exec.c); the machine must resume exactly: every turn
 * of the loop counted once, no instruction run twice (also with the hook removed again),
 * and a later BusFault still named at its load. */
static void test_armed_div_hooks_keep_resumes_and_fault_pcs_exact(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_image(f, prog_div_loop, sizeof prog_div_loop);
    se_call_result r;
    call2(m, 0, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 1000);
    uint64_t armed = r.instructions;
    call2(m, DL_CLEAR, 0, &r); /* bic, str, isb more; the loop runs unhooked */
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 1000);
    assert_int_equal(r.instructions, armed + 3);
    call2(m, DL_FAULT, 0, &r);
    expect_status(&r, SE_ERR_LOCKUP);
    expect_prefix(r.reason,
                  "BusFault PRECISERR: 4-byte read of 0x60000000 (unmapped) at 0x2000105e");
}

/* UNALIGN_TRP's hooks removed while DIV_0_TRP's stays (Unicorn 2.0.1 keeps removed hooks
 * listed until the run ends): the unaligned ldr is let through, the udiv still checked. */
static void test_removed_trap_hooks_leave_nothing_behind(void **state)
{
    fixture *f = *state;
    se_machine *m = boot_image(f, prog_stale, sizeof prog_stale);
    se_call_result r;
    call2(m, 0, 0, &r);
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 2);
    assert_int_equal(r.exceptions, 0);
    assert_int_equal(se_machine_scs(m)->ccr & 0x18u, 0x10u);
    call2(m, 0, 0, &r); /* again, from blocks translated without the removed hooks */
    expect_status(&r, SE_OK);
    assert_int_equal(r.r0, 2);
}

static void run_unaligned(fixture *f, uint32_t flags, uint32_t which, se_call_result *r)
{
    se_machine *m = boot_image(f, prog_unaligned, sizeof prog_unaligned);
    vector(m, SE_EXC_USAGEFAULT, UA_HANDLER);
    call2(m, flags, which, r);
}

/* Plain word and halfword accesses are unaligned silently unless CCR.UNALIGN_TRP is set. */
static void test_unaligned_ldr_without_unalign_trp_is_done(void **state)
{
    fixture *f = *state;
    static const uint32_t cases[] = {CASE_LDR, CASE_LDRH, CASE_STR_REG, CASE_LDR_HALF,
                                     CASE_LDRH_OK};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        se_call_result r;
        run_unaligned(f, UA_HANDLER_ON, cases[i], &r);
        expect_status(&r, SE_OK);
        assert_int_equal(r.exceptions, 0);
        se_machine_free(f->m);
        f->m = NULL;
    }
}

static void test_unaligned_ldr_with_unalign_trp_is_unaligned_at_the_ldr(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_unaligned(f, UA_TRP, CASE_LDR, &r);
    expect_status(&r, SE_ERR_LOCKUP);
    expect_prefix(r.reason, "UsageFault UNALIGNED: 4-byte read of 0x20003001 (ldr r3, [r0]; "
                            "CCR.UNALIGN_TRP is set) at 0x20001064; then lockup: ");
    assert_int_equal(se_machine_scs(f->m)->cfsr & (SE_CFSR_DIVBYZERO | SE_CFSR_UNALIGNED),
                     SE_CFSR_UNALIGNED);
    assert_int_equal(r.last[r.nlast - 1].pc, CODE + UA_LDR_AT);
}

/* Each trapped case, with the handler: CFSR.UNALIGNED and the instruction's own address
 * stacked; the handler steps over it and the call returns. */
static void test_unaligned_accesses_fault_at_their_instruction(void **state)
{
    fixture *f = *state;
    static const struct {
        uint32_t flags, which, at;
        const char *reason;
    } cases[] = {
        {UA_TRP, CASE_LDR, UA_LDR_AT,
         "4-byte read of 0x20003001 (ldr r3, [r0]; CCR.UNALIGN_TRP is set)"},
        {UA_TRP, CASE_LDRH, UA_LDRH_AT,
         "2-byte read of 0x20003003 (ldrh r3, [r0, #2]; CCR.UNALIGN_TRP is set)"},
        {UA_TRP, CASE_STR_REG, UA_STR_REG_AT,
         "4-byte write of 0x20003001 (str r3, [r0, r7]; CCR.UNALIGN_TRP is set)"},
        {UA_TRP, CASE_LDR_HALF, UA_LDR_HALF_AT,
         "4-byte read of 0x20003002 (ldr r3, [r6]; CCR.UNALIGN_TRP is set)"},
        {0, CASE_LDRD, UA_LDRD_AT,
         "8-byte read of 0x20003002 (ldrd r2, r3, [r6]: word-aligned whatever CCR.UNALIGN_TRP "
         "says)"},
        {0, CASE_LDM, UA_LDM_AT,
         "8-byte read of 0x20003002 (ldm.w r6, {r2, r3}: word-aligned whatever CCR.UNALIGN_TRP "
         "says)"},
        {0, CASE_LDREX, UA_LDREX_AT,
         "4-byte read of 0x20003002 (ldrex r3, [r6]: word-aligned whatever CCR.UNALIGN_TRP says)"},
        {0, CASE_STRD_POST, UA_STRD_POST_AT,
         "8-byte write of 0x20003002 (strd r2, r3, [r6], #8: word-aligned whatever CCR.UNALIGN_TRP "
         "says)"},
        {0, CASE_LDA, UA_LDA_AT,
         "4-byte read of 0x20003002 (lda r3, [r6]: word-aligned whatever CCR.UNALIGN_TRP says)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        se_call_result r;
        run_unaligned(f, cases[i].flags | UA_HANDLER_ON, cases[i].which, &r);
        expect_status(&r, SE_OK);
        char want[300];
        snprintf(want, sizeof want, "UsageFault UNALIGNED: %s at 0x%08x", cases[i].reason,
                 (unsigned)(CODE + cases[i].at));
        expect_contains(r.detail, want);
        assert_int_equal(r.exceptions, 1);
        assert_int_equal(get32(f->m, DATA + 0x20), SE_CFSR_UNALIGNED);
        assert_int_equal(get32(f->m, DATA + 0x24), CODE + cases[i].at);
        se_machine_free(f->m);
        f->m = NULL;
    }
}

static void test_unaligned_ldr_inside_an_it_block_is_said_not_raised(void **state)
{
    fixture *f = *state;
    se_call_result r;
    run_unaligned(f, UA_TRP, CASE_IT, &r);
    expect_status(&r, SE_OK);
    expect_prefix(r.reason, "UsageFault UNALIGNED: 4-byte read of 0x20003001 (ldreq r3, [r0]; "
                            "CCR.UNALIGN_TRP is set) at 0x2000109a, inside an IT block: not "
                            "raised");
    assert_int_equal(r.exceptions, 0);
}

/* Unicorn's own data abort for an unaligned LDREX outside the image (no hook there) is
 * named as the UsageFault it is. */
static void test_unaligned_ldrex_outside_the_image_is_unaligned(void **state)
{
    fixture *f = *state;
    se_machine *m = boot(f, prog_unaligned, sizeof prog_unaligned); /* no image: no hooks */
    vector(m, SE_EXC_USAGEFAULT, UA_HANDLER);
    se_call_result r;
    call2(m, UA_HANDLER_ON, CASE_LDREX, &r);
    expect_status(&r, SE_OK);
    expect_contains(r.detail, "UsageFault UNALIGNED: 4-byte read of 0x20003002 (ldrex r3, [r6]: "
                              "word-aligned whatever CCR.UNALIGN_TRP says) at 0x20001078");
    assert_int_equal(get32(m, DATA + 0x24), CODE + UA_LDREX_AT);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_plain_function_returns_r0),
        T(test_plain_function_counts_its_instructions),
        T(test_code_written_to_a_page_without_code_runs_as_written),
        T(test_virtual_time_is_250ns_per_instruction_at_4mhz),
        T(test_virtual_time_follows_the_core_clock),
        T(test_systick_interrupts_at_its_period),
        T(test_systick_masked_by_c_maskints_never_fires),
        T(test_systick_with_primask_policy_fires_after_cpsie),
        T(test_systick_with_primask_policy_never_fires_without_cpsie),
        T(test_systick_pending_under_primask_is_taken_at_cpsie),
        T(test_exception_frame_holds_caller_saved_registers),
        T(test_exception_frame_stacks_the_interrupted_pc),
        T(test_exception_frame_stacks_xpsr_with_t_bit),
        T(test_exception_entry_sets_ipsr_and_sp),
        T(test_exception_entry_sets_exc_return_0xffffffb8),
        T(test_exception_return_restores_registers),
        T(test_exception_entry_realigns_a_4_byte_aligned_stack),
        T(test_undefined_instruction_escalates_to_hardfault),
        T(test_undefined_instruction_stacks_its_own_pc),
        T(test_usagefault_taken_directly_when_enabled),
        T(test_unmapped_read_is_a_precise_busfault),
        T(test_busfault_stacks_the_pc_of_the_faulting_load),
        T(test_busfault_pc_of_a_load_with_a_shifted_index),
        T(test_fault_with_erased_vector_table_locks_up),
        T(test_lockup_reason_mentions_erased_vector),
        T(test_push_with_msp_zero_fails_on_stacking),
        T(test_instruction_budget_reports_spinning_loop),
        T(test_wall_clock_limit_stops_endless_loop),
        T(test_endless_loop_proven_early),
        T(test_clobbered_breakpoint_word_is_reported),
        T(test_unmapped_breakpoint_address_is_a_usage_error),
        T(test_svc_calls_the_svcall_handler),
        T(test_pendsv_set_in_icsr_is_taken),
        T(test_exception_pended_by_a_store_does_not_rerun_earlier_instructions),
        T(test_pendsv_stays_pending_under_c_maskints),
        T(test_pending_irqs_are_taken_by_priority_then_tail_chained),
        T(test_same_group_pending_irqs_are_taken_by_subpriority),
        T(test_exception_pending_at_call_start_is_taken_first),
        T(test_exc_return_in_thread_mode_fails),
        T(test_system_reset_request_ends_the_call),
        T(test_unmodelled_peripheral_read_warns_once),
        T(test_unmodelled_peripheral_read_stops_strict_call),
        T(test_strb_to_aligned_nvic_ipr_byte_keeps_neighbour_priorities),
        T(test_secure_alias_shows_the_same_sram),
        T(test_host_write_outside_the_map_is_refused),
        T(test_internal_flash_image_provides_the_vector_table),
        T(test_internal_flash_image_larger_than_flash_is_refused),
        T(test_udiv_by_zero_without_div_0_trp_gives_zero),
        T(test_udiv_by_zero_with_div_0_trp_is_divbyzero_at_the_udiv),
        T(test_divbyzero_handler_gets_cfsr_and_the_udiv_as_return_address),
        T(test_clearing_div_0_trp_disarms_the_check),
        T(test_divide_by_zero_inside_an_it_block_is_said_not_raised),
        T(test_armed_div_hooks_keep_resumes_and_fault_pcs_exact),
        T(test_removed_trap_hooks_leave_nothing_behind),
        T(test_unaligned_ldr_without_unalign_trp_is_done),
        T(test_unaligned_ldr_with_unalign_trp_is_unaligned_at_the_ldr),
        T(test_unaligned_accesses_fault_at_their_instruction),
        T(test_unaligned_ldr_inside_an_it_block_is_said_not_raised),
        T(test_unaligned_ldrex_outside_the_image_is_unaligned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
