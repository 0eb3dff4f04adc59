/* Unit tests of emu/scs.c: the System Control Space model with no CPU. Time is passed in
 * as a cycle count; every test starts from se_scs_reset and checks one behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/scs.h"

/* Register addresses (ARMv8-M ARM, D1) */
#define DWT_CTRL 0xE0001000u
#define DWT_CYCCNT 0xE0001004u
#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
#define NVIC_ISER0 0xE000E100u
#define NVIC_ISER1 0xE000E104u
#define NVIC_ISER3 0xE000E10Cu
#define NVIC_ICER0 0xE000E180u
#define NVIC_ISPR0 0xE000E200u
#define NVIC_ICPR0 0xE000E280u
#define NVIC_IPR0 0xE000E400u
#define ICSR 0xE000ED04u
#define VTOR 0xE000ED08u
#define AIRCR 0xE000ED0Cu
#define SHPR1 0xE000ED18u
#define SHPR2 0xE000ED1Cu
#define SHPR3 0xE000ED20u
#define CFSR 0xE000ED28u
#define HFSR 0xE000ED2Cu
#define DHCSR 0xE000EDF0u
#define STIR 0xE000EF00u
#define FP_CTRL 0xE0002000u /* the breakpoint unit: NUM_CODE as a debugger reads it */
#define ITM_TCR 0xE0000E80u /* trace: not modelled */

#define CSR_ENABLE (1u << 0)
#define CSR_TICKINT (1u << 1)
#define CSR_CLKSOURCE (1u << 2)
#define CSR_COUNTFLAG (1u << 16)
#define ICSR_PENDSTCLR (1u << 25)
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSVSET (1u << 28)

#define T0 1000u     /* cycle at which SysTick is programmed */
#define RELOAD 3999u /* 4000-cycle period: 1 ms at the 4 MHz reset clock */
#define PERIOD 4000u
#define IRQ(n) (SE_EXC_IRQ0 + (n))

/* ---- helpers ---------------------------------------------------------------------------- */

static se_scs fresh(void)
{
    se_scs s;
    se_scs_reset(&s, 0x08000000u);
    return s;
}

/* Read a register that is modelled: no side-effect flags but IRQ/TIMER are expected. */
static uint32_t rd(se_scs *s, uint32_t addr, uint64_t now)
{
    unsigned fx = 0xFFu;
    uint32_t v = se_scs_read(s, addr, now, &fx);
    assert_int_equal(fx & SE_SCS_FX_UNMODELLED, 0);
    return v;
}

static unsigned wr(se_scs *s, uint32_t addr, uint32_t value, uint64_t now)
{
    unsigned fx = 0xFFu;
    se_scs_write(s, addr, value, now, &fx);
    return fx;
}

/* A byte (size 1) or halfword (size 2) store, as the CPU does with strb/strh. */
static unsigned wr_n(se_scs *s, uint32_t addr, uint32_t value, unsigned size, uint64_t now)
{
    unsigned fx = 0xFFu;
    se_scs_write_n(s, addr, value, size, now, &fx);
    return fx;
}

/* RVR = reload, CVR cleared, CSR = csr, all at cycle `at`. */
static void systick_start(se_scs *s, uint32_t reload, uint32_t csr, uint64_t at)
{
    wr(s, SYST_RVR, reload, at);
    wr(s, SYST_CVR, 0x12345u, at);
    wr(s, SYST_CSR, csr, at);
}

/* ---- SysTick ---------------------------------------------------------------------------- */

static void test_systick_cvr_write_clears_counter(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    wr(&s, SYST_CSR, 6, T0 + 1000); /* stopped at 3000 */
    assert_int_equal(rd(&s, SYST_CVR, T0 + 1001), 3000);
    wr(&s, SYST_CVR, 0xABCDEFu, T0 + 1002);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 1003), 0);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 9000), 0); /* disabled: stays */
}

static void test_systick_counter_loads_reload_one_cycle_after_enable(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    assert_int_equal(rd(&s, SYST_CVR, T0), 0);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 1), RELOAD);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 2), RELOAD - 1);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 3999), 1);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 4000), 0);
}

static void test_systick_counter_reloads_after_reaching_zero(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    assert_int_equal(se_systick_cvr(&s, T0 + PERIOD), 0);
    assert_int_equal(se_systick_cvr(&s, T0 + PERIOD + 1), RELOAD);
    assert_int_equal(se_systick_cvr(&s, T0 + 5 * PERIOD + 10), RELOAD - 9);
}

static void test_systick_first_event_one_period_after_enable(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    assert_int_equal(se_systick_next_event(&s, T0), T0 + PERIOD);
    assert_int_equal(se_systick_next_event(&s, T0 + 1), T0 + PERIOD);
    assert_int_equal(se_systick_next_event(&s, T0 + PERIOD - 1), T0 + PERIOD);
}

static void test_systick_events_repeat_every_period(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    uint64_t at = se_systick_next_event(&s, T0);
    for (unsigned k = 1; k <= 10; k++) {
        assert_int_equal(at, T0 + (uint64_t)k * PERIOD);
        assert_int_equal(se_systick_cvr(&s, at), 0);
        at = se_systick_next_event(&s, at);
    }
    /* From a time between two events. */
    assert_int_equal(se_systick_next_event(&s, T0 + 3 * PERIOD + 17), T0 + 4 * PERIOD);
}

static void test_systick_clksource_0_divides_by_ref_div(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_int_equal(s.syst_ref_div, 8);
    systick_start(&s, RELOAD, CSR_ENABLE | CSR_TICKINT, T0); /* CLKSOURCE = 0 */
    assert_int_equal(rd(&s, SYST_CVR, T0 + 7), 0);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 8), RELOAD);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 16), RELOAD - 1);
    assert_int_equal(se_systick_next_event(&s, T0), T0 + 8u * PERIOD);
    assert_int_equal(se_systick_next_event(&s, T0 + 8u * PERIOD), T0 + 16u * PERIOD);
}

static void test_systick_clksource_0_follows_a_changed_ref_div(void **state)
{
    (void)state;
    se_scs s = fresh();
    s.syst_ref_div = 2;
    systick_start(&s, RELOAD, CSR_ENABLE, T0);
    assert_int_equal(se_systick_next_event(&s, T0), T0 + 2u * PERIOD);
}

static void test_systick_countflag_reads_1_once_after_zero_crossing(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    assert_int_equal(rd(&s, SYST_CSR, T0 + 100), 7); /* no crossing yet */
    assert_int_equal(rd(&s, SYST_CSR, T0 + PERIOD), 7 | CSR_COUNTFLAG);
    assert_int_equal(rd(&s, SYST_CSR, T0 + PERIOD + 1), 7); /* cleared by the read */
    /* several crossings since the last read still read as one flag */
    assert_int_equal(rd(&s, SYST_CSR, T0 + 5 * PERIOD + 3), 7 | CSR_COUNTFLAG);
    assert_int_equal(rd(&s, SYST_CSR, T0 + 5 * PERIOD + 4), 7);
}

static void test_systick_countflag_set_by_fire_clears_on_read(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    se_systick_fire(&s, T0 + PERIOD);
    assert_int_equal(rd(&s, SYST_CSR, T0 + PERIOD + 2) & CSR_COUNTFLAG, CSR_COUNTFLAG);
    assert_int_equal(rd(&s, SYST_CSR, T0 + PERIOD + 3) & CSR_COUNTFLAG, 0);
}

static void test_systick_cvr_write_clears_countflag(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    se_systick_fire(&s, T0 + PERIOD);
    wr(&s, SYST_CVR, 0, T0 + PERIOD + 10);
    assert_int_equal(rd(&s, SYST_CSR, T0 + PERIOD + 11) & CSR_COUNTFLAG, 0);
}

static void test_systick_cvr_write_restarts_the_period(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    wr(&s, SYST_CVR, 0, T0 + 1000);
    assert_int_equal(se_systick_cvr(&s, T0 + 1001), RELOAD);
    assert_int_equal(se_systick_next_event(&s, T0 + 1000), T0 + 1000 + PERIOD);
}

static void test_systick_fire_pends_systick_with_tickint(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE, T0);
    assert_true(se_systick_fire(&s, T0 + PERIOD));
    assert_true(s.pending[SE_EXC_SYSTICK]);
}

static void test_systick_fire_without_tickint_does_not_pend(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, CSR_ENABLE | CSR_CLKSOURCE, T0);
    assert_false(se_systick_fire(&s, T0 + PERIOD));
    assert_false(s.pending[SE_EXC_SYSTICK]);
    /* ... but it still sets COUNTFLAG */
    assert_int_equal(rd(&s, SYST_CSR, T0 + PERIOD + 1) & CSR_COUNTFLAG, CSR_COUNTFLAG);
}

static void test_systick_fire_while_disabled_does_nothing(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SYST_RVR, RELOAD, T0);
    wr(&s, SYST_CSR, CSR_TICKINT | CSR_CLKSOURCE, T0);
    assert_false(se_systick_fire(&s, T0 + PERIOD));
    assert_false(s.pending[SE_EXC_SYSTICK]);
    assert_int_equal(se_systick_next_event(&s, T0), UINT64_MAX);
}

static void test_systick_disable_freezes_cvr(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    assert_int_equal(se_systick_cvr(&s, T0 + 1000), 3000);
    wr(&s, SYST_CSR, CSR_TICKINT | CSR_CLKSOURCE, T0 + 1000);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 1001), 3000);
    assert_int_equal(rd(&s, SYST_CVR, T0 + 50000), 3000);
    assert_int_equal(se_systick_next_event(&s, T0 + 1001), UINT64_MAX);
}

static void test_systick_reenable_continues_from_frozen_cvr(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    wr(&s, SYST_CSR, 6, T0 + 1000); /* stop at 3000 */
    wr(&s, SYST_CSR, 7, T0 + 6000); /* resume */
    assert_int_equal(se_systick_cvr(&s, T0 + 6000), 3000);
    assert_int_equal(se_systick_cvr(&s, T0 + 6001), 2999);
    assert_int_equal(se_systick_next_event(&s, T0 + 6000), T0 + 9000);
    assert_int_equal(se_systick_next_event(&s, T0 + 9000), T0 + 9000 + PERIOD);
}

static void test_systick_rvr_zero_gives_no_event(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, 0, 7, T0);
    assert_int_equal(se_systick_next_event(&s, T0), UINT64_MAX);
    assert_int_equal(se_systick_cvr(&s, T0 + 12345), 0);
    assert_int_equal(rd(&s, SYST_CSR, T0 + 12345) & CSR_COUNTFLAG, 0);
}

static void test_systick_rvr_zero_while_running_stops_after_next_zero(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    wr(&s, SYST_RVR, 0, T0 + 1000); /* counter at 3000 keeps counting down */
    assert_int_equal(se_systick_cvr(&s, T0 + 2000), 2000);
    assert_int_equal(se_systick_next_event(&s, T0 + 1000), T0 + PERIOD);
    assert_int_equal(se_systick_next_event(&s, T0 + PERIOD), UINT64_MAX);
    assert_int_equal(se_systick_cvr(&s, T0 + 3 * PERIOD), 0);
}

static void test_systick_rvr_change_takes_effect_at_next_reload(void **state)
{
    (void)state;
    se_scs s = fresh();
    systick_start(&s, RELOAD, 7, T0);
    wr(&s, SYST_RVR, 999, T0 + 1000);
    assert_int_equal(se_systick_next_event(&s, T0 + 1000), T0 + PERIOD);
    assert_int_equal(se_systick_next_event(&s, T0 + PERIOD), T0 + PERIOD + 1000);
    assert_int_equal(se_systick_cvr(&s, T0 + PERIOD + 1), 999);
}

static void test_systick_rvr_is_24_bits(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SYST_RVR, 0xFFFFFFFFu, T0);
    assert_int_equal(rd(&s, SYST_RVR, T0), 0x00FFFFFFu);
}

static void test_systick_writes_request_reschedule(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, SYST_RVR, RELOAD, T0) & SE_SCS_FX_TIMER);
    assert_true(wr(&s, SYST_CVR, 0, T0) & SE_SCS_FX_TIMER);
    assert_true(wr(&s, SYST_CSR, 7, T0) & SE_SCS_FX_TIMER);
}

/* ---- NVIC ------------------------------------------------------------------------------- */

static void test_nvic_iser_enables_and_reads_back(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, NVIC_ISER0, (1u << 5) | (1u << 31), 0) & SE_SCS_FX_IRQ);
    wr(&s, NVIC_ISER1, 1u << 0, 0); /* IRQ32 */
    assert_true(se_scs_is_enabled(&s, IRQ(5)));
    assert_true(se_scs_is_enabled(&s, IRQ(31)));
    assert_true(se_scs_is_enabled(&s, IRQ(32)));
    assert_false(se_scs_is_enabled(&s, IRQ(4)));
    assert_int_equal(rd(&s, NVIC_ISER0, 0), (1u << 5) | (1u << 31));
    assert_int_equal(rd(&s, NVIC_ICER0, 0), (1u << 5) | (1u << 31));
    assert_int_equal(rd(&s, NVIC_ISER1, 0), 1u);
}

static void test_nvic_iser_zero_bits_have_no_effect(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, NVIC_ISER0, 1u << 5, 0);
    wr(&s, NVIC_ISER0, 1u << 6, 0);
    assert_int_equal(rd(&s, NVIC_ISER0, 0), (1u << 5) | (1u << 6));
}

static void test_nvic_icer_disables(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, NVIC_ISER0, (1u << 5) | (1u << 31), 0);
    assert_true(wr(&s, NVIC_ICER0, 1u << 5, 0) & SE_SCS_FX_IRQ);
    assert_false(se_scs_is_enabled(&s, IRQ(5)));
    assert_int_equal(rd(&s, NVIC_ISER0, 0), 1u << 31);
}

static void test_nvic_ispr_pends_and_icpr_clears(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, NVIC_ISPR0, 1u << 3, 0) & SE_SCS_FX_IRQ);
    assert_true(s.pending[IRQ(3)]);
    assert_int_equal(rd(&s, NVIC_ISPR0, 0), 1u << 3);
    assert_int_equal(rd(&s, NVIC_ICPR0, 0), 1u << 3);
    assert_true(wr(&s, NVIC_ICPR0, 1u << 3, 0) & SE_SCS_FX_IRQ);
    assert_false(s.pending[IRQ(3)]);
    assert_int_equal(rd(&s, NVIC_ISPR0, 0), 0);
}

static void test_nvic_bits_beyond_last_irq_read_as_zero(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, NVIC_ISER3, 0xFFFFFFFFu, 0); /* IRQ96..127; the L562 has 108 lines */
    assert_int_equal(rd(&s, NVIC_ISER3, 0), 0x00000FFFu);
    assert_true(se_scs_is_enabled(&s, IRQ(107)));
}

static void test_nvic_stir_pends_irq(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, STIR, 40, 0) & SE_SCS_FX_IRQ);
    assert_true(s.pending[IRQ(40)]);
}

static void test_nvic_ipr_word_write_sets_four_priorities(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, NVIC_IPR0 + 4, 0x9F7F3F1Fu, 0) & SE_SCS_FX_IRQ); /* IRQ4..7 */
    assert_int_equal(rd(&s, NVIC_IPR0 + 4, 0), 0x80602000u);            /* bits [7:5] */
    assert_int_equal(se_scs_group_prio(&s, IRQ(4)), 0x00);
    assert_int_equal(se_scs_group_prio(&s, IRQ(5)), 0x20);
    assert_int_equal(se_scs_group_prio(&s, IRQ(6)), 0x60);
    assert_int_equal(se_scs_group_prio(&s, IRQ(7)), 0x80);
    assert_int_equal(rd(&s, NVIC_IPR0, 0), 0); /* IRQ0..3 untouched */
}

static void test_nvic_ipr_byte_write_sets_one_priority(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, NVIC_IPR0 + 4, 0x80808080u, 0);
    assert_true(wr_n(&s, NVIC_IPR0 + 5, 0xA0u, 1, 0) & SE_SCS_FX_IRQ); /* IRQ5 */
    assert_int_equal(rd(&s, NVIC_IPR0 + 4, 0), 0x8080A080u);
    assert_int_equal(rd(&s, NVIC_IPR0 + 5, 0) & 0xFFu, 0xA0u);
    assert_int_equal(s.prio[IRQ(5)], 0xA0u);
}

/* CMSIS NVIC_SetPriority stores one byte; at a word-aligned address (IRQ4) it must not
 * touch IRQ5..7. */
static void test_nvic_ipr_byte_write_at_aligned_address_sets_one_priority(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, NVIC_IPR0 + 4, 0x80808080u, 0);
    wr_n(&s, NVIC_IPR0 + 4, 0x40u, 1, 0);
    assert_int_equal(rd(&s, NVIC_IPR0 + 4, 0), 0x80808040u);
}

static void test_nvic_ipr_halfword_write_sets_two_priorities(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, NVIC_IPR0 + 4, 0x80808080u, 0);
    wr_n(&s, NVIC_IPR0 + 6, 0xC0A0u, 2, 0); /* IRQ6, IRQ7 */
    assert_int_equal(rd(&s, NVIC_IPR0 + 4, 0), 0xC0A08080u);
}

static void test_nvic_ipr_last_irq(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, NVIC_IPR0 + 104, 0xE0C0A080u, 0); /* IRQ104..107 */
    assert_int_equal(s.prio[IRQ(107)], 0xE0u);
    assert_int_equal(rd(&s, NVIC_IPR0 + 104, 0), 0xE0C0A080u);
}

/* ---- SCB: SHPR, AIRCR, CFSR/HFSR, VTOR, ICSR ------------------------------------------- */

static void test_shpr_sets_system_handler_priorities(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, SHPR3, 0x40200000u, 0) & SE_SCS_FX_IRQ);
    wr(&s, SHPR2, 0x60000000u, 0);
    wr(&s, SHPR1, 0x00C0A080u, 0);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_SYSTICK), 0x40);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_PENDSV), 0x20);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_SVCALL), 0x60);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_MEMMANAGE), 0x80);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_BUSFAULT), 0xA0);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_USAGEFAULT), 0xC0);
    assert_int_equal(rd(&s, SHPR3, 0), 0x40200000u);
    assert_int_equal(rd(&s, SHPR2, 0), 0x60000000u);
}

static void test_shpr_byte_write_sets_one_priority(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SHPR3, 0x40200000u, 0);
    wr_n(&s, SHPR3 + 3, 0x80u, 1, 0); /* SysTick only, as NVIC_SetPriority(SysTick_IRQn) */
    assert_int_equal(rd(&s, SHPR3, 0), 0x80200000u);
    /* MemManage's byte is at a word-aligned address: BusFault..SecureFault keep theirs */
    wr(&s, SHPR1, 0x60402000u, 0);
    wr_n(&s, SHPR1, 0xE0u, 1, 0);
    assert_int_equal(rd(&s, SHPR1, 0), 0x604020E0u);
}

static void test_shpr_implements_only_bits_7_to_5(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SHPR3, 0xFFFFFFFFu, 0);
    assert_int_equal(rd(&s, SHPR3, 0), 0xE0E0E0E0u);
    wr(&s, SHPR3, 0x1F1F1F1Fu, 0);
    assert_int_equal(rd(&s, SHPR3, 0), 0);
    wr(&s, SHPR3 + 3, 0x5Fu, 0);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_SYSTICK), 0x40);
}

static void test_fixed_priorities_of_reset_nmi_hardfault(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_RESET), -3);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_NMI), -2);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_HARDFAULT), -1);
}

static void test_aircr_reads_vectkeystat(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_int_equal(rd(&s, AIRCR, 0), 0xFA050000u);
    wr(&s, AIRCR, 0x05FA0300u, 0);
    assert_int_equal(rd(&s, AIRCR, 0), 0xFA050300u);
}

static void test_aircr_write_without_vectkey_is_ignored(void **state)
{
    (void)state;
    se_scs s = fresh();
    unsigned fx = wr(&s, AIRCR, 0x00000500u, 0);
    assert_true(fx & SE_SCS_FX_IGNORED);
    assert_int_equal(rd(&s, AIRCR, 0), 0xFA050000u);
    fx = wr(&s, AIRCR, 0xFA050004u, 0); /* the read key is not the write key */
    assert_true(fx & SE_SCS_FX_IGNORED);
    assert_false(fx & SE_SCS_FX_RESET);
}

static void test_aircr_prigroup_changes_group_priority(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SHPR3, 0xE0000000u, 0); /* SysTick 0xE0 */
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_SYSTICK), 0xE0);
    wr(&s, AIRCR, 0x05FA0500u, 0); /* PRIGROUP 5: group = bits [7:6] */
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_SYSTICK), 0xC0);
    wr(&s, AIRCR, 0x05FA0600u, 0); /* group = bit 7 */
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_SYSTICK), 0x80);
    wr(&s, AIRCR, 0x05FA0700u, 0); /* no group bits */
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_SYSTICK), 0);
    assert_int_equal(se_scs_group_prio(&s, SE_EXC_HARDFAULT), -1);
}

static void test_aircr_sysresetreq_requests_reset(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, AIRCR, 0x05FA0004u, 0) & SE_SCS_FX_RESET);
    assert_false(wr(&s, AIRCR, 0x05FA0000u, 0) & SE_SCS_FX_RESET);
}

static void test_cfsr_is_write_one_to_clear(void **state)
{
    (void)state;
    se_scs s = fresh();
    s.cfsr = SE_CFSR_UNDEFINSTR | SE_CFSR_PRECISERR | SE_CFSR_BFARVALID;
    wr(&s, CFSR, SE_CFSR_PRECISERR, 0);
    assert_int_equal(rd(&s, CFSR, 0), SE_CFSR_UNDEFINSTR | SE_CFSR_BFARVALID);
    wr(&s, CFSR, 0, 0);
    assert_int_equal(rd(&s, CFSR, 0), SE_CFSR_UNDEFINSTR | SE_CFSR_BFARVALID);
    wr(&s, CFSR, 0xFFFFFFFFu, 0);
    assert_int_equal(rd(&s, CFSR, 0), 0);
}

static void test_hfsr_is_write_one_to_clear(void **state)
{
    (void)state;
    se_scs s = fresh();
    s.hfsr = SE_HFSR_FORCED | SE_HFSR_VECTTBL;
    wr(&s, HFSR, SE_HFSR_FORCED, 0);
    assert_int_equal(rd(&s, HFSR, 0), SE_HFSR_VECTTBL);
    wr(&s, HFSR, 0, 0);
    assert_int_equal(rd(&s, HFSR, 0), SE_HFSR_VECTTBL);
}

static void test_cfsr_byte_lane_write_clears_usagefault_bits(void **state)
{
    (void)state;
    se_scs s = fresh();
    s.cfsr = SE_CFSR_UNDEFINSTR | SE_CFSR_PRECISERR;
    wr_n(&s, CFSR + 2, 0x0001u, 2, 0); /* UFSR halfword: UNDEFINSTR is its bit 0 */
    assert_int_equal(rd(&s, CFSR, 0), SE_CFSR_PRECISERR);
}

static void test_vtor_masks_low_7_bits(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_int_equal(rd(&s, VTOR, 0), 0x08000000u);
    wr(&s, VTOR, 0x2000207Fu, 0);
    assert_int_equal(rd(&s, VTOR, 0), 0x20002000u);
    wr(&s, VTOR, 0x20002080u, 0);
    assert_int_equal(rd(&s, VTOR, 0), 0x20002080u);
    se_scs_reset(&s, 0x0C00007Fu);
    assert_int_equal(s.vtor, 0x0C000000u);
}

static void test_icsr_pendstset_pends_systick(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_true(wr(&s, ICSR, ICSR_PENDSTSET, 0) & SE_SCS_FX_IRQ);
    assert_true(s.pending[SE_EXC_SYSTICK]);
    uint32_t v = rd(&s, ICSR, 0);
    assert_int_equal(v & ICSR_PENDSTSET, ICSR_PENDSTSET);
    assert_int_equal((v >> 12) & 0x1FFu, SE_EXC_SYSTICK); /* VECTPENDING */
}

static void test_icsr_pendstclr_clears_pending_systick(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, ICSR, ICSR_PENDSTSET, 0);
    wr(&s, ICSR, ICSR_PENDSTCLR, 0);
    assert_false(s.pending[SE_EXC_SYSTICK]);
    uint32_t v = rd(&s, ICSR, 0);
    assert_int_equal(v & ICSR_PENDSTSET, 0);
    assert_int_equal((v >> 12) & 0x1FFu, 0);
}

static void test_icsr_pendsvset_pends_pendsv(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, ICSR, ICSR_PENDSVSET, 0);
    assert_true(s.pending[SE_EXC_PENDSV]);
    assert_int_equal(rd(&s, ICSR, 0) & ICSR_PENDSVSET, ICSR_PENDSVSET);
}

static void test_icsr_reads_vectactive(void **state)
{
    (void)state;
    se_scs s = fresh();
    s.vectactive = SE_EXC_SYSTICK;
    s.active[SE_EXC_SYSTICK] = true;
    assert_int_equal(rd(&s, ICSR, 0) & 0x1FFu, SE_EXC_SYSTICK);
}

/* ---- debug and DWT ---------------------------------------------------------------------- */

static void test_dhcsr_reset_value_has_debugen(void **state)
{
    (void)state;
    se_scs s = fresh();
    uint32_t v = rd(&s, DHCSR, 0);
    assert_int_equal(v & SE_DHCSR_C_DEBUGEN, SE_DHCSR_C_DEBUGEN);
    assert_int_equal(v & SE_DHCSR_C_MASKINTS, 0);
    assert_int_equal(v & SE_DHCSR_S_REGRDY, SE_DHCSR_S_REGRDY);
}

static void test_dhcsr_write_with_key_sets_and_clears_maskints(void **state)
{
    (void)state;
    se_scs s = fresh();
    unsigned fx = wr(&s, DHCSR, 0xA05F0000u | SE_DHCSR_C_MASKINTS | SE_DHCSR_C_DEBUGEN, 0);
    assert_false(fx & SE_SCS_FX_IGNORED);
    assert_true(fx & SE_SCS_FX_IRQ);
    assert_int_equal(rd(&s, DHCSR, 0) & SE_DHCSR_C_MASKINTS, SE_DHCSR_C_MASKINTS);
    fx = wr(&s, DHCSR, 0xA05F0000u, 0); /* what ST's GCC template writes */
    assert_true(fx & SE_SCS_FX_IRQ);
    assert_int_equal(rd(&s, DHCSR, 0) & SE_DHCSR_C_MASKINTS, 0);
    /* the host stays attached */
    assert_int_equal(rd(&s, DHCSR, 0) & SE_DHCSR_C_DEBUGEN, SE_DHCSR_C_DEBUGEN);
}

static void test_dhcsr_write_without_key_is_ignored(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, DHCSR, 0xA05F0000u | SE_DHCSR_C_MASKINTS, 0);
    unsigned fx = wr(&s, DHCSR, 0x00000000u, 0);
    assert_true(fx & SE_SCS_FX_IGNORED);
    assert_int_equal(rd(&s, DHCSR, 0) & SE_DHCSR_C_MASKINTS, SE_DHCSR_C_MASKINTS);
    fx = wr(&s, DHCSR, 0x12340000u, 0);
    assert_true(fx & SE_SCS_FX_IGNORED);
    assert_int_equal(rd(&s, DHCSR, 0) & SE_DHCSR_C_MASKINTS, SE_DHCSR_C_MASKINTS);
}

static void test_dhcsr_halt_request_from_software_is_ignored(void **state)
{
    (void)state;
    se_scs s = fresh();
    unsigned fx = wr(&s, DHCSR, 0xA05F0000u | SE_DHCSR_C_HALT | SE_DHCSR_C_DEBUGEN, 0);
    assert_true(fx & SE_SCS_FX_IGNORED);
    assert_int_equal(rd(&s, DHCSR, 0) & SE_DHCSR_S_HALT, 0);
}

static void test_dwt_cyccnt_counts_cycles_when_enabled(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_int_equal(rd(&s, DWT_CYCCNT, 50), 0);
    wr(&s, DWT_CTRL, 1, 100);
    assert_int_equal(rd(&s, DWT_CYCCNT, 100), 0);
    assert_int_equal(rd(&s, DWT_CYCCNT, 350), 250);
    wr(&s, DWT_CTRL, 0, 400);
    assert_int_equal(rd(&s, DWT_CYCCNT, 1000), 300); /* frozen while disabled */
    wr(&s, DWT_CTRL, 1, 2000);
    assert_int_equal(rd(&s, DWT_CYCCNT, 2010), 310); /* continues */
}

static void test_dwt_cyccnt_write_sets_the_count(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, DWT_CTRL, 1, 0);
    wr(&s, DWT_CYCCNT, 0, 500);
    assert_int_equal(rd(&s, DWT_CYCCNT, 520), 20);
}

static void test_unmodelled_offset_sets_fx_unmodelled(void **state)
{
    (void)state;
    se_scs s = fresh();
    unsigned fx = 0;
    assert_int_equal(se_scs_read(&s, ITM_TCR, 0, &fx), 0);
    assert_true(fx & SE_SCS_FX_UNMODELLED);
    fx = 0;
    se_scs_write(&s, ITM_TCR, 3, 0, &fx);
    assert_true(fx & SE_SCS_FX_UNMODELLED);
    fx = 0;
    se_scs_read(&s, 0xE000E050u, 0, &fx); /* reserved SCS word */
    assert_true(fx & SE_SCS_FX_UNMODELLED);
}

/* The breakpoint unit a debugger reads (docs/gdb.md 4): 8 instruction comparators, no
 * literal ones, Armv8-M revision; a write (the debugger's KEY/ENABLE) changes nothing. */
static void test_fp_ctrl_reads_eight_instruction_comparators(void **state)
{
    (void)state;
    se_scs s = fresh();
    unsigned fx = 0;
    uint32_t v = se_scs_read(&s, FP_CTRL, 0, &fx);
    assert_false(fx & SE_SCS_FX_UNMODELLED);
    assert_int_equal(((v >> 8) & 0x70u) | ((v >> 4) & 0xFu), 8); /* NUM_CODE */
    assert_int_equal((v >> 8) & 0xFu, 0);                        /* NUM_LIT */
    se_scs_write(&s, FP_CTRL, 3, 0, &fx);
    assert_int_equal(se_scs_read(&s, FP_CTRL, 0, &fx), v);
}

static void test_read_only_register_write_is_ignored(void **state)
{
    (void)state;
    se_scs s = fresh();
    uint32_t cpuid = rd(&s, 0xE000ED00u, 0);
    assert_true(wr(&s, 0xE000ED00u, 0, 0) & SE_SCS_FX_IGNORED);
    assert_int_equal(rd(&s, 0xE000ED00u, 0), cpuid);
}

/* ---- exception selection ---------------------------------------------------------------- */

static void test_best_pending_none_is_zero(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_int_equal(se_scs_best_pending(&s, NULL), 0);
}

static void test_best_pending_picks_lowest_priority_number(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SHPR3, 0x40600000u, 0);     /* SysTick 0x40, PendSV 0x60 */
    wr(&s, NVIC_IPR0, 0x20000000u, 0); /* IRQ3 0x20 */
    wr(&s, NVIC_ISER0, 1u << 3, 0);
    wr(&s, ICSR, ICSR_PENDSTSET | ICSR_PENDSVSET, 0);
    wr(&s, NVIC_ISPR0, 1u << 3, 0);
    int prio = 1234;
    assert_int_equal(se_scs_best_pending(&s, &prio), IRQ(3));
    assert_int_equal(prio, 0x20);
    wr(&s, NVIC_ICPR0, 1u << 3, 0);
    assert_int_equal(se_scs_best_pending(&s, &prio), SE_EXC_SYSTICK);
    assert_int_equal(prio, 0x40);
}

static void test_best_pending_skips_disabled_irq(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SHPR3, 0x40000000u, 0);
    wr(&s, ICSR, ICSR_PENDSTSET, 0);
    wr(&s, NVIC_ISPR0, 1u << 3, 0); /* priority 0 but not enabled */
    assert_int_equal(se_scs_best_pending(&s, NULL), SE_EXC_SYSTICK);
}

static void test_best_pending_tie_goes_to_lower_exception_number(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, SHPR3, 0x40400000u, 0);
    wr(&s, ICSR, ICSR_PENDSTSET | ICSR_PENDSVSET, 0);
    assert_int_equal(se_scs_best_pending(&s, NULL), SE_EXC_PENDSV);
}

static void test_best_pending_hardfault_beats_configurable(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, ICSR, ICSR_PENDSTSET, 0);
    s.pending[SE_EXC_HARDFAULT] = true;
    int prio = 0;
    assert_int_equal(se_scs_best_pending(&s, &prio), SE_EXC_HARDFAULT);
    assert_int_equal(prio, -1);
}

/* Architecture (ARMv7-M/ARMv8-M, "priority grouping"): among pending exceptions of the
 * same group priority the lower subpriority is taken first; only on a full tie does the
 * lower exception number win. */
static void test_best_pending_same_group_lower_subpriority_first(void **state)
{
    (void)state;
    se_scs s = fresh();
    wr(&s, AIRCR, 0x05FA0500u, 0);     /* PRIGROUP 5: group [7:6], subpriority [5] */
    wr(&s, NVIC_IPR0, 0x00000020u, 0); /* IRQ0: group 0, sub 1; IRQ1: group 0, sub 0 */
    wr(&s, NVIC_ISER0, 3u, 0);
    wr(&s, NVIC_ISPR0, 3u, 0);
    assert_int_equal(se_scs_group_prio(&s, IRQ(0)), se_scs_group_prio(&s, IRQ(1)));
    assert_int_equal(se_scs_best_pending(&s, NULL), IRQ(1));
}

static void test_active_prio_from_active_exceptions(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_int_equal(se_scs_active_prio(&s), 256);
    wr(&s, SHPR3, 0x40600000u, 0);
    s.active[SE_EXC_PENDSV] = true;
    assert_int_equal(se_scs_active_prio(&s), 0x60);
    s.active[SE_EXC_SYSTICK] = true;
    assert_int_equal(se_scs_active_prio(&s), 0x40);
    assert_int_equal(se_scs_nactive(&s), 2);
}

static void test_fault_handlers_enabled_by_shcsr(void **state)
{
    (void)state;
    se_scs s = fresh();
    assert_false(se_scs_is_enabled(&s, SE_EXC_USAGEFAULT));
    wr(&s, 0xE000ED24u, 1u << 18, 0);
    assert_true(se_scs_is_enabled(&s, SE_EXC_USAGEFAULT));
    assert_false(se_scs_is_enabled(&s, SE_EXC_BUSFAULT));
    assert_true(se_scs_is_enabled(&s, SE_EXC_SVCALL));
}

static void test_exc_name(void **state)
{
    (void)state;
    char b[16];
    assert_string_equal(se_exc_name(SE_EXC_SYSTICK, b, sizeof b), "SysTick");
    assert_string_equal(se_exc_name(SE_EXC_HARDFAULT, b, sizeof b), "HardFault");
    assert_string_equal(se_exc_name(IRQ(12), b, sizeof b), "IRQ12");
}

/* ---- the Security Extension: banked registers, AIRCR.BFHFNMINS, fault targets ---- */

#define SHCSR 0xE000ED24u
#define BFAR 0xE000ED38u
#define NS_ALIAS 0x00020000u /* 0xE002E...: the Non-secure copy, from Secure code */

/* TZEN=1 with a Non-secure loader; the Secure image's VTOR_S at 0x0C000000. */
static se_scs fresh_tz_ns(void)
{
    se_scs s = fresh();
    s.tz = true;
    s.home_secure = s.run_secure = false;
    s.vtor = 0x08040000u;
    s.other.vtor = 0x0C000000u;
    return s;
}

static void test_tz_fault_targets_follow_bfhfnmins(void **state)
{
    (void)state;
    se_scs s = fresh_tz_ns();
    /* AIRCR.BFHFNMINS = 0 (reset): BusFault, HardFault, NMI Secure from either state */
    assert_true(se_scs_targets_secure(&s, SE_EXC_BUSFAULT, false));
    assert_true(se_scs_targets_secure(&s, SE_EXC_HARDFAULT, false));
    assert_true(se_scs_targets_secure(&s, SE_EXC_NMI, false));
    /* banked: the state that raised them */
    assert_false(se_scs_targets_secure(&s, SE_EXC_MEMMANAGE, false));
    assert_false(se_scs_targets_secure(&s, SE_EXC_USAGEFAULT, false));
    assert_true(se_scs_targets_secure(&s, SE_EXC_USAGEFAULT, true));
    assert_true(se_scs_targets_secure(&s, SE_EXC_SECUREFAULT, false));
    s.bfhfnmins = true;
    assert_false(se_scs_targets_secure(&s, SE_EXC_BUSFAULT, false));
    assert_false(se_scs_targets_secure(&s, SE_EXC_HARDFAULT, false));
    assert_true(se_scs_targets_secure(&s, SE_EXC_HARDFAULT, true)); /* from a Secure fault */
    assert_true(se_scs_targets_secure(&s, SE_EXC_SECUREFAULT, false));
    /* TZEN=0: one state */
    se_scs t = fresh();
    assert_false(se_scs_targets_secure(&t, SE_EXC_BUSFAULT, false));
    assert_false(se_scs_targets_secure(&t, SE_EXC_SECUREFAULT, false));
}

static void test_tz_bfhfnmins_is_written_by_secure_code_only(void **state)
{
    (void)state;
    se_scs s = fresh_tz_ns();
    wr(&s, AIRCR, 0x05FA0000u | SE_AIRCR_BFHFNMINS, 0); /* Non-secure: read-only */
    assert_false(s.bfhfnmins);
    assert_int_equal(rd(&s, AIRCR, 0) & SE_AIRCR_BFHFNMINS, 0);
    s.run_secure = true;
    wr(&s, AIRCR, SE_AIRCR_BFHFNMINS, 0); /* no VECTKEY: ignored */
    assert_false(s.bfhfnmins);
    wr(&s, AIRCR, 0x05FA0000u | SE_AIRCR_BFHFNMINS, 0);
    assert_true(s.bfhfnmins);
    s.run_secure = false; /* readable from Non-secure */
    assert_int_equal(rd(&s, AIRCR, 0) & SE_AIRCR_BFHFNMINS, SE_AIRCR_BFHFNMINS);
}

static void test_tz_vtor_cfsr_hfsr_are_banked(void **state)
{
    (void)state;
    se_scs s = fresh_tz_ns();
    assert_int_equal(rd(&s, VTOR, 0), 0x08040000u); /* the Non-secure loader's VTOR_NS */
    wr(&s, VTOR, 0x20018200u, 0);
    assert_int_equal(s.vtor, 0x20018200u);
    assert_int_equal(s.other.vtor, 0x0C000000u); /* VTOR_S untouched */
    *se_scs_bank_of(&s, true).cfsr = SE_CFSR_PRECISERR;
    *se_scs_bank_of(&s, true).hfsr = SE_HFSR_FORCED;
    assert_int_equal(rd(&s, CFSR, 0), 0); /* the Secure copy is not the loader's */
    assert_int_equal(rd(&s, HFSR, 0), 0);
    s.run_secure = true; /* Secure code: its own copy, and the Non-secure one at 0xE002E... */
    assert_int_equal(rd(&s, VTOR, 0), 0x0C000000u);
    assert_int_equal(rd(&s, CFSR, 0), SE_CFSR_PRECISERR);
    assert_int_equal(rd(&s, HFSR, 0), SE_HFSR_FORCED);
    assert_int_equal(rd(&s, VTOR + NS_ALIAS, 0), 0x20018200u);
    wr(&s, VTOR + NS_ALIAS, 0x20018400u, 0);
    assert_int_equal(s.vtor, 0x20018400u);
    s.run_secure = false; /* the alias is RAZ/WI from Non-secure */
    assert_int_equal(rd(&s, VTOR + NS_ALIAS, 0), 0);
    wr(&s, VTOR + NS_ALIAS, 0x20018600u, 0);
    assert_int_equal(s.vtor, 0x20018400u);
    /* TZEN=0: no alias (unmodelled, as before) */
    se_scs t = fresh();
    unsigned fx;
    se_scs_read(&t, VTOR + NS_ALIAS, 0, &fx);
    assert_true(fx & SE_SCS_FX_UNMODELLED);
}

static void test_tz_shcsr_hides_busfault_and_securefault_from_ns(void **state)
{
    (void)state;
    se_scs s = fresh_tz_ns();
    /* Non-secure: BUSFAULTENA and SECUREFAULTENA are RAZ/WI while BFHFNMINS = 0 */
    wr(&s, SHCSR, (1u << 16) | (1u << 17) | (1u << 18) | (1u << 19), 0);
    assert_int_equal(rd(&s, SHCSR, 0), (1u << 16) | (1u << 18));
    assert_true(se_scs_is_enabled(&s, SE_EXC_MEMMANAGE));
    assert_true(se_scs_is_enabled(&s, SE_EXC_USAGEFAULT));
    assert_false(se_scs_is_enabled(&s, SE_EXC_BUSFAULT)); /* the Secure copy's bit */
    assert_false(se_scs_is_enabled(&s, SE_EXC_SECUREFAULT));
    s.run_secure = true;
    wr(&s, SHCSR, (1u << 17) | (1u << 19), 0);
    s.run_secure = false;
    assert_true(se_scs_is_enabled(&s, SE_EXC_BUSFAULT));
    assert_true(se_scs_is_enabled(&s, SE_EXC_SECUREFAULT));
    assert_int_equal(rd(&s, SHCSR, 0), (1u << 16) | (1u << 18)); /* still hidden */
    /* BFAR: the Secure copy while BusFault is Secure's */
    *se_scs_bank_of(&s, true).bfar = 0x60000000u;
    assert_int_equal(rd(&s, BFAR, 0), 0);
}

/* The Cortex-M7's System Control Space (se_scs_set_core): its CPUID, the L1 cache ID registers
 * CMSIS's SCB_EnableDCache reads (CSSELR selects which cache CCSIDR describes), the cache
 * maintenance operations accepted without effect, the Armv7-M MPU's RBAR.VALID region select
 * and a SAU that reads as zero; the Cortex-M33 default keeps none of them. */
static void test_cortex_m7_cache_and_id_registers(void **state)
{
    (void)state;
    se_scs s;
    unsigned fx;
    se_scs_reset(&s, 0);
    (void)se_scs_read(&s, 0xE000ED80u, 0, &fx); /* CCSIDR */
    assert_true(fx & SE_SCS_FX_UNMODELLED);
    assert_int_equal(se_scs_read(&s, 0xE000ED00u, 0, &fx), 0x410FD213u);
    se_scs_set_core(&s, SE_SCS_CORE_M7, 16);
    assert_int_equal(se_scs_read(&s, 0xE000ED00u, 0, &fx), 0x411FC270u);
    assert_int_equal(se_scs_read(&s, 0xE000ED78u, 0, &fx), 0x09000003u); /* CLIDR */
    assert_int_equal(se_scs_read(&s, 0xE000ED7Cu, 0, &fx), 0x8303C003u); /* CTR */
    se_scs_write(&s, 0xE000ED84u, 0, 0, &fx);                            /* CSSELR: data */
    uint32_t d = se_scs_read(&s, 0xE000ED80u, 0, &fx);
    assert_int_equal(fx, SE_SCS_FX_NONE);
    assert_int_equal(d, 0xF00FE019u);         /* 16 KiB, 4 ways, 128 sets, 32-byte lines */
    se_scs_write(&s, 0xE000ED84u, 1, 0, &fx); /* instruction */
    assert_int_equal(se_scs_read(&s, 0xE000ED80u, 0, &fx), 0xF01FE009u); /* 2 ways, 256 sets */
    for (uint32_t a = 0xE000EF50u; a <= 0xE000EF78u; a += 4) {
        se_scs_write(&s, a, 0x40000020u, 0, &fx); /* ICIALLU .. BPIALL */
        assert_int_equal(fx, SE_SCS_FX_NONE);
    }
    se_scs_write(&s, 0xE000ED14u, 0x00070200u, 0, &fx); /* CCR: IC | DC | BP */
    assert_int_equal(se_scs_read(&s, 0xE000ED14u, 0, &fx) & 0x30000u, 0x30000u);
    se_scs_write(&s, 0xE000ED9Cu, 0x24000000u | 0x10u | 5u, 0, &fx); /* RBAR VALID, region 5 */
    assert_int_equal(se_scs_read(&s, 0xE000ED98u, 0, &fx), 5u);      /* RNR */
    assert_int_equal(se_scs_read(&s, 0xE000ED9Cu, 0, &fx), 0x24000000u);
    se_scs_write(&s, 0xE000EDD0u, 1u, 0, &fx); /* SAU_CTRL: none on the M7 */
    assert_int_equal(se_scs_read(&s, 0xE000EDD0u, 0, &fx), 0u);
    assert_int_equal(se_scs_read(&s, 0xE000EDD4u, 0, &fx), 0u); /* SAU_TYPE */
    se_scs_set_core(&s, SE_SCS_CORE_M7, 4);                     /* the STM32F7's 4 KiB caches */
    se_scs_write(&s, 0xE000ED84u, 0, 0, &fx);
    assert_int_equal(se_scs_read(&s, 0xE000ED80u, 0, &fx), 0xF003E019u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cortex_m7_cache_and_id_registers),
        cmocka_unit_test(test_systick_cvr_write_clears_counter),
        cmocka_unit_test(test_systick_counter_loads_reload_one_cycle_after_enable),
        cmocka_unit_test(test_systick_counter_reloads_after_reaching_zero),
        cmocka_unit_test(test_systick_first_event_one_period_after_enable),
        cmocka_unit_test(test_systick_events_repeat_every_period),
        cmocka_unit_test(test_systick_clksource_0_divides_by_ref_div),
        cmocka_unit_test(test_systick_clksource_0_follows_a_changed_ref_div),
        cmocka_unit_test(test_systick_countflag_reads_1_once_after_zero_crossing),
        cmocka_unit_test(test_systick_countflag_set_by_fire_clears_on_read),
        cmocka_unit_test(test_systick_cvr_write_clears_countflag),
        cmocka_unit_test(test_systick_cvr_write_restarts_the_period),
        cmocka_unit_test(test_systick_fire_pends_systick_with_tickint),
        cmocka_unit_test(test_systick_fire_without_tickint_does_not_pend),
        cmocka_unit_test(test_systick_fire_while_disabled_does_nothing),
        cmocka_unit_test(test_systick_disable_freezes_cvr),
        cmocka_unit_test(test_systick_reenable_continues_from_frozen_cvr),
        cmocka_unit_test(test_systick_rvr_zero_gives_no_event),
        cmocka_unit_test(test_systick_rvr_zero_while_running_stops_after_next_zero),
        cmocka_unit_test(test_systick_rvr_change_takes_effect_at_next_reload),
        cmocka_unit_test(test_systick_rvr_is_24_bits),
        cmocka_unit_test(test_systick_writes_request_reschedule),
        cmocka_unit_test(test_nvic_iser_enables_and_reads_back),
        cmocka_unit_test(test_tz_fault_targets_follow_bfhfnmins),
        cmocka_unit_test(test_tz_bfhfnmins_is_written_by_secure_code_only),
        cmocka_unit_test(test_tz_vtor_cfsr_hfsr_are_banked),
        cmocka_unit_test(test_tz_shcsr_hides_busfault_and_securefault_from_ns),
        cmocka_unit_test(test_nvic_iser_zero_bits_have_no_effect),
        cmocka_unit_test(test_nvic_icer_disables),
        cmocka_unit_test(test_nvic_ispr_pends_and_icpr_clears),
        cmocka_unit_test(test_nvic_bits_beyond_last_irq_read_as_zero),
        cmocka_unit_test(test_nvic_stir_pends_irq),
        cmocka_unit_test(test_nvic_ipr_word_write_sets_four_priorities),
        cmocka_unit_test(test_nvic_ipr_byte_write_sets_one_priority),
        cmocka_unit_test(test_nvic_ipr_byte_write_at_aligned_address_sets_one_priority),
        cmocka_unit_test(test_nvic_ipr_halfword_write_sets_two_priorities),
        cmocka_unit_test(test_nvic_ipr_last_irq),
        cmocka_unit_test(test_shpr_sets_system_handler_priorities),
        cmocka_unit_test(test_shpr_byte_write_sets_one_priority),
        cmocka_unit_test(test_shpr_implements_only_bits_7_to_5),
        cmocka_unit_test(test_fixed_priorities_of_reset_nmi_hardfault),
        cmocka_unit_test(test_aircr_reads_vectkeystat),
        cmocka_unit_test(test_aircr_write_without_vectkey_is_ignored),
        cmocka_unit_test(test_aircr_prigroup_changes_group_priority),
        cmocka_unit_test(test_aircr_sysresetreq_requests_reset),
        cmocka_unit_test(test_cfsr_is_write_one_to_clear),
        cmocka_unit_test(test_hfsr_is_write_one_to_clear),
        cmocka_unit_test(test_cfsr_byte_lane_write_clears_usagefault_bits),
        cmocka_unit_test(test_vtor_masks_low_7_bits),
        cmocka_unit_test(test_icsr_pendstset_pends_systick),
        cmocka_unit_test(test_icsr_pendstclr_clears_pending_systick),
        cmocka_unit_test(test_icsr_pendsvset_pends_pendsv),
        cmocka_unit_test(test_icsr_reads_vectactive),
        cmocka_unit_test(test_dhcsr_reset_value_has_debugen),
        cmocka_unit_test(test_dhcsr_write_with_key_sets_and_clears_maskints),
        cmocka_unit_test(test_dhcsr_write_without_key_is_ignored),
        cmocka_unit_test(test_dhcsr_halt_request_from_software_is_ignored),
        cmocka_unit_test(test_dwt_cyccnt_counts_cycles_when_enabled),
        cmocka_unit_test(test_dwt_cyccnt_write_sets_the_count),
        cmocka_unit_test(test_unmodelled_offset_sets_fx_unmodelled),
        cmocka_unit_test(test_fp_ctrl_reads_eight_instruction_comparators),
        cmocka_unit_test(test_read_only_register_write_is_ignored),
        cmocka_unit_test(test_best_pending_none_is_zero),
        cmocka_unit_test(test_best_pending_picks_lowest_priority_number),
        cmocka_unit_test(test_best_pending_skips_disabled_irq),
        cmocka_unit_test(test_best_pending_tie_goes_to_lower_exception_number),
        cmocka_unit_test(test_best_pending_hardfault_beats_configurable),
        cmocka_unit_test(test_best_pending_same_group_lower_subpriority_first),
        cmocka_unit_test(test_active_prio_from_active_exceptions),
        cmocka_unit_test(test_fault_handlers_enabled_by_shcsr),
        cmocka_unit_test(test_exc_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
