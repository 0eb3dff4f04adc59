/* Tests of emu/traps.c: which instructions of an image the machine must check for
 * DIVBYZERO and UNALIGNED, what each one needs (registers, offsets, IT blocks), and the
 * effective address computed from register values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/traps.h"

#define BASE 0x20000004u

/* arm-none-eabi-as -mcpu=cortex-m33 -mthumb; offsets from BASE */
static const uint16_t prog_scan[] = {
    0xf851, 0x0c04, /* 00: ldr.w r0, [r1, #-4] */
    0xf851, 0x0904, /* 04: ldr.w r0, [r1], #-4 */
    0xf851, 0x0f04, /* 08: ldr.w r0, [r1, #4]! */
    0xf851, 0x0022, /* 0c: ldr.w r0, [r1, r2, lsl #2] */
    0x7808,         /* 10: ldrb r0, [r1, #0] */
    0x9802,         /* 12: ldr r0, [sp, #8] */
    0xf8dd, 0x0002, /* 14: ldr.w r0, [sp, #2] */
    0xb510,         /* 18: push {r4, lr} */
    0x4801,         /* 1a: ldr r0, [pc, #4] */
    0xe8f0, 0x2302, /* 1c: ldrd r2, r3, [r0], #8 */
    0xe930, 0x000e, /* 20: ldmdb r0!, {r1, r2, r3} */
    0xe840, 0x2101, /* 24: strex r1, r2, [r0, #4] */
    0xbf06,         /* 28: itte eq */
    0xfbb1, 0xf0f2, /* 2a: udiveq r0, r1, r2 */
    0xfb91, 0xf0f2, /* 2e: sdiveq r0, r1, r2 */
    0x1800,         /* 32: addne r0, r0, r0 */
    0xfb95, 0xf4f6, /* 34: sdiv r4, r5, r6 */
    0xe8df, 0xf011, /* 38: tbh [pc, r1, lsl #1] */
    0xe8d0, 0xf011, /* 3c: tbh [r0, r1, lsl #1] */
    0xe8d1, 0x0faf, /* 40: lda r0, [r1] */
    0x8848,         /* 44: ldrh r0, [r1, #2] */
    0xffff,         /* 46: .short 0xffff */
    0xffff,         /* 48: .short 0xffff */
    0xfbb1, 0xf0f2, /* 4a: udiv r0, r1, r2 */
    0xf8df, 0x0001, /* 4e: ldr.w r0, [pc, #1] */
};

static se_trap_insn *scan(size_t *n)
{
    se_trap_insn *t = se_traps_scan((const uint8_t *)prog_scan, sizeof prog_scan, BASE, n);
    assert_non_null(t);
    return t;
}

static const se_trap_insn *at(const se_trap_insn *t, size_t n, uint32_t off)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].pc == BASE + off)
            return &t[i];
    fail_msg("no entry at +0x%x", (unsigned)off);
    return NULL;
}

static void test_lists_only_what_can_fault(void **state)
{
    (void)state;
    size_t n;
    se_trap_insn *t = scan(&n);
    static const uint32_t want[] = {0x00, 0x04, 0x08, 0x0c, 0x14, 0x1c, 0x20, 0x24,
                                    0x2a, 0x2e, 0x34, 0x3c, 0x40, 0x44, 0x4a, 0x4e};
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(t[i].pc, BASE + want[i]); /* in address order; no ldrb, SP-aligned
                                                      ldr, push, aligned literal, tbh [pc] */
    free(t);
}

static void test_kinds_follow_the_architecture(void **state)
{
    (void)state;
    size_t n;
    se_trap_insn *t = scan(&n);
    assert_int_equal(at(t, n, 0x00)->kind, SE_TRAP_ALIGN_TRP);
    assert_int_equal(at(t, n, 0x1c)->kind, SE_TRAP_ALIGN); /* ldrd */
    assert_int_equal(at(t, n, 0x20)->kind, SE_TRAP_ALIGN); /* ldmdb */
    assert_int_equal(at(t, n, 0x24)->kind, SE_TRAP_ALIGN); /* strex */
    assert_int_equal(at(t, n, 0x40)->kind, SE_TRAP_ALIGN); /* lda */
    assert_int_equal(at(t, n, 0x34)->kind, SE_TRAP_DIV);
    assert_int_equal(at(t, n, 0x3c)->kind, SE_TRAP_ALIGN_TRP); /* tbh [r0, r1, lsl #1] */
    assert_int_equal(at(t, n, 0x3c)->align, 2);
    assert_int_equal(at(t, n, 0x44)->align, 2);
    assert_int_equal(at(t, n, 0x1c)->bytes, 8);
    assert_int_equal(at(t, n, 0x20)->bytes, 12);
    assert_true(at(t, n, 0x24)->store);
    assert_false(at(t, n, 0x00)->store);
    assert_string_equal(at(t, n, 0x1c)->text, "ldrd r2, r3, [r0], #8");
    free(t);
}

static void test_divides_name_their_divisor_and_it_blocks(void **state)
{
    (void)state;
    size_t n;
    se_trap_insn *t = scan(&n);
    const se_trap_insn *d = at(t, n, 0x2a); /* itte eq; udiveq r0, r1, r2 */
    assert_int_equal(d->rm, 2);
    assert_int_equal(d->rn, 1);
    assert_true(d->in_it);
    assert_true(at(t, n, 0x2e)->in_it); /* the block's second instruction */
    d = at(t, n, 0x34);                 /* sdiv r4, r5, r6 after the block */
    assert_false(d->in_it);
    assert_int_equal(d->rm, 6);
    assert_false(at(t, n, 0x4a)->in_it); /* after an undecodable halfword pair */
    free(t);
}

static void test_effective_addresses(void **state)
{
    (void)state;
    size_t n;
    se_trap_insn *t = scan(&n);
    assert_int_equal(se_trap_address(at(t, n, 0x00), 0x20000010u, 0), 0x2000000cu); /* [r1, #-4] */
    assert_int_equal(se_trap_address(at(t, n, 0x04), 0x20000011u, 0), 0x20000011u); /* [r1], #-4 */
    assert_int_equal(se_trap_address(at(t, n, 0x08), 0x20000011u, 0), 0x20000015u); /* [r1, #4]! */
    assert_int_equal(se_trap_address(at(t, n, 0x0c), 0x100u, 3), 0x10cu); /* [r1, r2, lsl #2] */
    assert_int_equal(se_trap_address(at(t, n, 0x14), 0x20008000u, 0), 0x20008002u); /* [sp, #2] */
    assert_int_equal(se_trap_address(at(t, n, 0x1c), 0x1002u, 0), 0x1002u);         /* ldrd post */
    assert_int_equal(se_trap_address(at(t, n, 0x20), 0x1000u, 0), 0x0ff4u); /* ldmdb: 3 words */
    assert_int_equal(se_trap_address(at(t, n, 0x24), 0x1001u, 0), 0x1005u); /* strex [r0, #4] */
    assert_int_equal(se_trap_address(at(t, n, 0x3c), 0x1001u, 4),
                     0x1009u); /* tbh [r0, r1, lsl #1] */
    /* ldr.w r0, [pc, #1] at +0x4e: Align(PC + 4, 4) + 1 */
    assert_int_equal(se_trap_address(at(t, n, 0x4e), 0xdeadbeefu, 0), BASE + 0x50u + 1u);
    free(t);
}

static void test_decode_one_instruction(void **state)
{
    (void)state;
    se_trap_insn t;
    const uint8_t *p = (const uint8_t *)prog_scan;
    assert_true(se_trap_decode(p + 0x20, 4, BASE + 0x20, &t));
    assert_int_equal(t.kind, SE_TRAP_ALIGN);
    assert_int_equal(t.rn, 0);
    assert_false(se_trap_decode(p + 0x10, 2, BASE + 0x10, &t)); /* ldrb */
    assert_false(se_trap_decode(p + 0x18, 2, BASE + 0x18, &t)); /* push */
}

static void test_nothing_to_check_gives_null(void **state)
{
    (void)state;
    static const uint16_t plain[] = {0x1840, 0x0040, 0x3003, 0x4770}; /* adds, lsls, adds, bx */
    size_t n = 99;
    assert_null(se_traps_scan((const uint8_t *)plain, sizeof plain, BASE, &n));
    assert_int_equal(n, 0);
    assert_string_equal(se_trap_reg_name(13), "sp");
    assert_string_equal(se_trap_reg_name(3), "r3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_only_what_can_fault),
        cmocka_unit_test(test_kinds_follow_the_architecture),
        cmocka_unit_test(test_divides_name_their_divisor_and_it_blocks),
        cmocka_unit_test(test_effective_addresses),
        cmocka_unit_test(test_decode_one_instruction),
        cmocka_unit_test(test_nothing_to_check_gives_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
