/* Unit tests of emu/tz.c: STM32L5 TrustZone attribution (IDAU, SAU, their combination), the GTZC
 * layer (MPCBB, MPCWM, TZSC, TZIC) and the outcome of one access, with no CPU. Each test builds
 * the SCS and GTZC state it needs and checks one rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/scs.h"
#include "emu/tz.h"

#define SAU_CTRL 0xE000EDD0u
#define SAU_RNR 0xE000EDD8u
#define SAU_RBAR 0xE000EDDCu
#define SAU_RLAR 0xE000EDE0u
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_SECUREFAULTENA (1u << 19)

#define TZSC_SECCFGR2 (SE_TZ_GTZC_TZSC + 0x14u)
#define TZSC_MPCWM1_NSWMR1 (SE_TZ_GTZC_TZSC + 0x30u)
#define TZSC_MPCWM1_NSWMR2 (SE_TZ_GTZC_TZSC + 0x34u)
#define TZIC_IER3 (SE_TZ_GTZC_TZIC + 0x08u)
#define TZIC_SR3 (SE_TZ_GTZC_TZIC + 0x18u)
#define TZIC_FCR3 (SE_TZ_GTZC_TZIC + 0x28u)
#define MPCBB_VCTR(base, n) ((base) + 0x100u + 4u * (n))

enum { RD, WR, FX };    /* access kinds */
enum { NS = 0, S = 1 }; /* CPU state */

/* ---- helpers ---------------------------------------------------------------------------- */

static se_scs fresh_scs(void)
{
    se_scs s;
    se_scs_reset(&s, 0x0C000000u);
    return s;
}

static se_tz_config fresh_cfg(void)
{
    se_tz_config c;
    se_tz_config_reset(&c, true);
    return c;
}

/* An SAU region as the SAU registers store it (RBAR.BADDR; RLAR.LADDR, NSC b1, ENABLE b0). */
static void sau_region(se_scs *s, unsigned n, uint32_t start, uint32_t end, bool nsc)
{
    s->sau_rbar[n] = start & ~0x1Fu;
    s->sau_rlar[n] = (end & ~0x1Fu) | (nsc ? 2u : 0u) | 1u;
}

static se_tz_outcome check(const se_tz_config *c, const se_scs *s, int state, uint32_t addr,
                           int kind)
{
    se_tz_outcome o;
    se_tz_verdict v = se_tz_check(c, s, state == S, addr, kind == WR, kind == FX, &o);
    assert_int_equal(v, o.verdict);
    return o;
}

/* ---- IDAU: one test per alias --------------------------------------------------------- */

static void test_idau_flash_alias_0c000000(void **state)
{
    (void)state;
    bool ex, nsc;
    assert_false(se_tz_idau(0x08000000u, &ex, &nsc));
    assert_false(ex);
    assert_false(nsc);
    assert_true(se_tz_idau(0x0C000000u, &ex, &nsc));
    assert_false(ex);
    assert_true(nsc);
    assert_false(se_tz_idau(0x0BFA05E0u, NULL, NULL)); /* flash-size word: NS side */
    assert_true(se_tz_idau(0x0FFFFFFFu, NULL, NULL));
    /* the code alias is 0x0400_0000 away (bit 26): 0x1xxx_xxxx is no secure alias */
    assert_false(se_tz_idau(0x10000000u, NULL, NULL));
    assert_false(se_tz_idau(0x1C000000u, NULL, NULL));
}

static void test_idau_sram_alias_bit28(void **state)
{
    (void)state;
    bool nsc;
    assert_false(se_tz_idau(0x20000000u, NULL, &nsc));
    assert_false(nsc);
    assert_false(se_tz_idau(0x2003FFFFu, NULL, NULL));
    assert_true(se_tz_idau(0x30000000u, NULL, &nsc));
    assert_true(nsc);
    assert_true(se_tz_idau(0x3003FFFFu, NULL, NULL));
}

static void test_idau_peripheral_alias_bit28(void **state)
{
    (void)state;
    assert_false(se_tz_idau(0x40000000u, NULL, NULL));
    assert_false(se_tz_idau(0x44021000u, NULL, NULL));
    assert_true(se_tz_idau(0x50000000u, NULL, NULL));
    assert_true(se_tz_idau(0x54021000u, NULL, NULL));
}

static void test_idau_external_memories_have_no_alias(void **state)
{
    (void)state;
    bool ex, nsc;
    /* 0x9000_0000 and 0x7000_0000 have bit 28 set, yet are not secure aliases */
    assert_false(se_tz_idau(0x90000000u, &ex, &nsc));
    assert_false(ex);
    assert_false(nsc);
    assert_false(se_tz_idau(0x98000000u, NULL, NULL));
    assert_false(se_tz_idau(0x60000000u, NULL, NULL));
    assert_false(se_tz_idau(0x70000000u, NULL, NULL));
    assert_false(se_tz_idau(0x80000000u, NULL, NULL));
    assert_false(se_tz_idau(0xDFFFFFFFu, NULL, NULL));
}

static void test_idau_system_range_exempt(void **state)
{
    (void)state;
    bool ex;
    se_tz_idau(0xE000E000u, &ex, NULL);
    assert_true(ex);
    se_tz_idau(0xE000EDD0u, &ex, NULL);
    assert_true(ex);
    se_tz_idau(0xFFFFFFFFu, &ex, NULL);
    assert_true(ex);
    se_tz_idau(0xDFFFFFFFu, &ex, NULL);
    assert_false(ex);
}

static void test_exempt_range_follows_cpu_state(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_attr a = se_tz_attribute(&s, 0xE000ED00u, false);
    assert_true(a.exempt);
    assert_false(a.secure);
    a = se_tz_attribute(&s, 0xE000ED00u, true);
    assert_true(a.secure);
    /* a Non-secure access to the SCS is no SecureFault, though the SAU (off) says Secure */
    se_tz_outcome o = check(&c, &s, NS, 0xE000ED04u, WR);
    assert_int_equal(o.verdict, SE_TZ_OK);
    assert_false(o.secure_txn);
}

/* ---- SAU, and its combination with the IDAU -------------------------------------------- */

static void test_sau_disabled_allns0_everything_secure(void **state)
{
    (void)state;
    se_scs s = fresh_scs(); /* reset: SAU_CTRL = 0 */
    int r;
    assert_true(se_tz_sau(&s, 0x20000000u, &r, NULL));
    assert_int_equal(r, SE_TZ_SAU_OFF);
    se_tz_attr a = se_tz_attribute(&s, 0x20018004u, true);
    assert_true(a.secure);
    assert_false(a.nsc);
    assert_false(a.idau_secure);
    a = se_tz_attribute(&s, 0x90000000u, true);
    assert_true(a.secure);
}

static void test_sau_disabled_allns1_idau_decides(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    s.sau_ctrl = 2u; /* ALLNS */
    int r;
    assert_false(se_tz_sau(&s, 0x20000000u, &r, NULL));
    assert_int_equal(r, SE_TZ_SAU_OFF);
    se_tz_attr a = se_tz_attribute(&s, 0x20000000u, false);
    assert_false(a.secure);
    /* the IDAU's secure alias is NSC-capable, so SAU NS + IDAU S-NSC = NSC (Armv8-M) */
    a = se_tz_attribute(&s, 0x30000000u, false);
    assert_true(a.secure);
    assert_true(a.nsc);
    a = se_tz_attribute(&s, 0x90000000u, false);
    assert_false(a.secure);
}

static void test_sau_enabled_ns_region(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    s.sau_ctrl = 1u;
    sau_region(&s, 2, 0x20018000u, 0x2003FFFFu, false);
    int r;
    bool nsc;
    assert_false(se_tz_sau(&s, 0x20018000u, &r, &nsc));
    assert_int_equal(r, 2);
    assert_false(nsc);
    assert_false(se_tz_sau(&s, 0x2003FFFFu, &r, NULL)); /* limit inclusive: LADDR:11111 */
    assert_true(se_tz_sau(&s, 0x20017FFFu, &r, NULL));
    assert_int_equal(r, SE_TZ_SAU_NONE);
    assert_true(se_tz_sau(&s, 0x20040000u, &r, NULL));
    se_tz_attr a = se_tz_attribute(&s, 0x20018004u, false);
    assert_false(a.secure);
    assert_int_equal(a.sau_region, 2);
}

static void test_sau_programmed_through_registers(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    unsigned fx;
    se_scs_write(&s, SAU_RNR, 3, 0, &fx);
    se_scs_write(&s, SAU_RBAR, 0x40000000u, 0, &fx);
    se_scs_write(&s, SAU_RLAR, 0x4FFFFFE0u | 1u, 0, &fx);
    se_scs_write(&s, SAU_CTRL, 1u, 0, &fx);
    int r;
    assert_false(se_tz_sau(&s, 0x44021000u, &r, NULL));
    assert_int_equal(r, 3);
    assert_true(se_tz_sau(&s, 0x50000000u, &r, NULL));
}

static void test_sau_disabled_region_is_ignored(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    s.sau_ctrl = 1u;
    sau_region(&s, 0, 0x20000000u, 0x2003FFFFu, false);
    s.sau_rlar[0] &= ~1u;
    int r;
    assert_true(se_tz_sau(&s, 0x20000000u, &r, NULL));
    assert_int_equal(r, SE_TZ_SAU_NONE);
}

static void test_sau_nsc_region(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 1u;
    sau_region(&s, 0, 0x0C03E000u, 0x0C03FFFFu, true);
    int r;
    bool nsc;
    assert_true(se_tz_sau(&s, 0x0C03E000u, &r, &nsc));
    assert_int_equal(r, 0);
    assert_true(nsc);
    se_tz_attr a = se_tz_attribute(&s, 0x0C03E000u, false);
    assert_true(a.secure);
    assert_true(a.nsc);
    /* just below the region: secure, not callable */
    a = se_tz_attribute(&s, 0x0C03DFFFu, false);
    assert_true(a.secure);
    assert_false(a.nsc);
    se_tz_outcome o = check(&c, &s, NS, 0x0C03E000u, FX);
    assert_int_equal(o.verdict, SE_TZ_SG_REQUIRED);
    assert_int_equal(o.sfsr, SE_SFSR_INVEP);
    o = check(&c, &s, NS, 0x0C03E000u, RD);
    assert_int_equal(o.verdict, SE_TZ_SECUREFAULT);
    assert_int_equal(o.sfsr, SE_SFSR_AUVIOL | SE_SFSR_SFARVALID);
}

static void test_sau_nsc_region_over_idau_non_secure_stays_nsc(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    s.sau_ctrl = 1u;
    sau_region(&s, 1, 0x20000000u, 0x200000FFu, true);
    se_tz_attr a = se_tz_attribute(&s, 0x20000080u, false);
    assert_true(a.secure);
    assert_true(a.nsc);
    assert_false(a.idau_secure);
}

static void test_sau_overlapping_regions_are_secure(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    s.sau_ctrl = 1u;
    sau_region(&s, 1, 0x20000000u, 0x2001FFFFu, false);
    sau_region(&s, 4, 0x20010000u, 0x2002FFFFu, true);
    int r;
    bool nsc;
    assert_true(se_tz_sau(&s, 0x20010000u, &r, &nsc));
    assert_int_equal(r, SE_TZ_SAU_OVERLAP);
    assert_false(nsc); /* Secure, not NSC */
    assert_false(se_tz_sau(&s, 0x2000FFFFu, &r, NULL));
    assert_int_equal(r, 1);
    se_tz_attr a = se_tz_attribute(&s, 0x20010000u, false);
    assert_true(a.secure);
    assert_false(a.nsc);
}

static void test_more_secure_wins_sau_ns_idau_secure(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 1u;
    sau_region(&s, 3, 0x30000000u, 0x3003FFFFu, false);
    sau_region(&s, 5, 0x08000000u, 0x0FFFFFFFu, false);
    se_tz_attr a = se_tz_attribute(&s, 0x30001000u, false);
    assert_false(a.sau_secure);
    assert_true(a.idau_secure);
    assert_true(a.secure);
    assert_true(a.nsc); /* IDAU S-NSC wins over SAU NS */
    a = se_tz_attribute(&s, 0x0C000000u, false);
    assert_true(a.secure);
    a = se_tz_attribute(&s, 0x08000000u, false);
    assert_false(a.secure);
    se_tz_outcome o = check(&c, &s, NS, 0x30001000u, WR);
    assert_int_equal(o.verdict, SE_TZ_SECUREFAULT);
    assert_string_equal(o.reason,
                        "SecureFault AUVIOL: non-secure write to 0x30001000 (SAU region 3, IDAU "
                        "secure)");
}

static void test_more_secure_wins_sau_secure_idau_ns(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    s.sau_ctrl = 1u; /* no region: the SAU says Secure everywhere */
    se_tz_attr a = se_tz_attribute(&s, 0x20000000u, false);
    assert_true(a.sau_secure);
    assert_false(a.idau_secure);
    assert_true(a.secure);
    assert_false(a.nsc);
}

/* ---- CPU-side outcomes: SecureFault kinds and their registers ------------------------- */

static void test_ns_write_to_secure_is_auviol_with_sfar(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 1u;
    se_tz_outcome o = check(&c, &s, NS, 0x30001000u, WR);
    assert_int_equal(o.verdict, SE_TZ_SECUREFAULT);
    assert_int_equal(o.layer, SE_TZ_LAYER_SAU);
    assert_int_equal(o.sfsr, SE_SFSR_AUVIOL | SE_SFSR_SFARVALID);
    assert_int_equal(o.sfar, 0x30001000u);
    assert_string_equal(o.reason,
                        "SecureFault AUVIOL: non-secure write to 0x30001000 (SAU region none, "
                        "IDAU secure)");
}

static void test_ns_read_of_secure_is_auviol(void **state)
{
    (void)state;
    se_scs s = fresh_scs(); /* SAU off, ALLNS=0 */
    se_tz_config c = fresh_cfg();
    se_tz_outcome o = check(&c, &s, NS, 0x20000010u, RD);
    assert_int_equal(o.verdict, SE_TZ_SECUREFAULT);
    assert_int_equal(o.sfar, 0x20000010u);
    assert_string_equal(o.reason,
                        "SecureFault AUVIOL: non-secure read from 0x20000010 (SAU off, IDAU "
                        "non-secure)");
}

static void test_ns_fetch_from_secure_is_invep_without_sfar(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 1u;
    se_tz_outcome o = check(&c, &s, NS, 0x0C000100u, FX);
    assert_int_equal(o.verdict, SE_TZ_SECUREFAULT);
    assert_int_equal(o.sfsr, SE_SFSR_INVEP);
    assert_int_equal(o.sfar, 0);
    assert_string_equal(o.reason,
                        "SecureFault INVEP: non-secure fetch from 0x0c000100 (SAU region none, "
                        "IDAU secure)");
}

static void test_ns_fetch_from_nsc_needs_sg(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    se_tz_outcome o = check(&c, &s, NS, 0x0C03E040u, FX);
    assert_int_equal(o.verdict, SE_TZ_SG_REQUIRED);
    assert_int_equal(o.sfsr, SE_SFSR_INVEP);
    assert_string_equal(o.reason,
                        "SecureFault INVEP: non-secure fetch from 0x0c03e040 (SAU region 0 NSC, "
                        "IDAU secure)");
    assert_true(se_tz_is_sg(0xE97FE97Fu));
    assert_false(se_tz_is_sg(0xE97F4770u));
}

static void test_secure_fetch_from_ns_is_invtran(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    se_tz_outcome o = check(&c, &s, S, 0x20018004u, FX);
    assert_int_equal(o.verdict, SE_TZ_SECUREFAULT);
    assert_int_equal(o.sfsr, SE_SFSR_INVTRAN);
    assert_int_equal(o.sfar, 0);
    assert_string_equal(o.reason,
                        "SecureFault INVTRAN: secure fetch from 0x20018004 (SAU region 2, IDAU "
                        "non-secure)");
    /* the same code run Non-secure is fine once its SRAM blocks are non-secure too */
    se_tz_load_st_template_gtzc(&c.gtzc);
    o = check(&c, &s, NS, 0x20018004u, FX);
    assert_int_equal(o.verdict, SE_TZ_OK);
}

static void test_secure_data_access_to_ns_memory_is_ns_transaction(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    se_tz_load_st_template_gtzc(&c.gtzc);
    se_tz_outcome o = check(&c, &s, S, 0x20020000u, WR);
    assert_int_equal(o.verdict, SE_TZ_OK);
    assert_false(o.secure_txn);
    o = check(&c, &s, S, 0x30000000u, WR);
    assert_int_equal(o.verdict, SE_TZ_OK);
    assert_true(o.secure_txn);
    /* through the secure alias the same non-secure block is a Secure transaction, which the
     * MPCBB refuses while SRWILADIS = 0 */
    o = check(&c, &s, S, 0x30020000u, WR);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_true(o.secure_txn);
}

static void test_fault_regs_securefault_taken_when_enabled(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.shcsr |= SHCSR_SECUREFAULTENA;
    se_tz_outcome o = check(&c, &s, NS, 0x30000040u, RD);
    unsigned exc = se_tz_fault_regs(&s, &o);
    assert_int_equal(exc, SE_EXC_SECUREFAULT);
    assert_int_equal(s.sfsr, SE_SFSR_AUVIOL | SE_SFSR_SFARVALID);
    assert_int_equal(s.sfar, 0x30000040u);
    assert_int_equal(se_tz_escalate(&s, exc), SE_EXC_SECUREFAULT);
    assert_int_equal(s.hfsr & SE_HFSR_FORCED, 0);
    assert_int_equal(s.cfsr, 0);
}

static void test_fault_regs_securefault_escalates_when_disabled(void **state)
{
    (void)state;
    se_scs s = fresh_scs(); /* SHCSR.SECUREFAULTENA = 0 */
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 1u;
    se_tz_outcome o = check(&c, &s, NS, 0x0C000000u, FX);
    unsigned exc = se_tz_fault_regs(&s, &o);
    assert_int_equal(exc, SE_EXC_SECUREFAULT);
    assert_int_equal(s.sfsr, SE_SFSR_INVEP); /* no SFARVALID for INVEP */
    assert_int_equal(se_tz_escalate(&s, exc), SE_EXC_HARDFAULT);
    assert_int_equal(s.hfsr & SE_HFSR_FORCED, SE_HFSR_FORCED);
}

static void test_fault_regs_invtran_and_sfsr_accumulate(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    se_tz_outcome o = check(&c, &s, S, 0x20020000u, FX);
    se_tz_fault_regs(&s, &o);
    o = check(&c, &s, NS, 0x30000000u, WR);
    se_tz_fault_regs(&s, &o);
    assert_int_equal(s.sfsr, SE_SFSR_INVTRAN | SE_SFSR_AUVIOL | SE_SFSR_SFARVALID);
    assert_int_equal(s.sfar, 0x30000000u);
}

static void test_fault_regs_busfault_and_escalation(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    /* NS fetch from the OCTOSPI memory (MPCWM secure): IBUSERR, no BFAR */
    se_tz_outcome o = check(&c, &s, NS, 0x90000000u, FX);
    assert_int_equal(o.verdict, SE_TZ_BUSFAULT);
    unsigned exc = se_tz_fault_regs(&s, &o);
    assert_int_equal(exc, SE_EXC_BUSFAULT);
    assert_int_equal(s.cfsr, SE_CFSR_IBUSERR);
    assert_int_equal(s.sfsr, 0);
    assert_int_equal(se_tz_escalate(&s, exc), SE_EXC_HARDFAULT);
    s.hfsr = 0;
    s.shcsr |= SHCSR_BUSFAULTENA;
    assert_int_equal(se_tz_escalate(&s, exc), SE_EXC_BUSFAULT);
    assert_int_equal(s.hfsr, 0);
    /* with the bus-error policy, a read gives PRECISERR and BFAR */
    c.illegal = SE_TZ_ILLEGAL_BUSERR;
    o = check(&c, &s, NS, 0x90000100u, RD);
    se_tz_fault_regs(&s, &o);
    assert_int_equal(s.cfsr & (SE_CFSR_PRECISERR | SE_CFSR_BFARVALID),
                     SE_CFSR_PRECISERR | SE_CFSR_BFARVALID);
    assert_int_equal(s.bfar, 0x90000100u);
    /* an OK outcome raises nothing */
    o = check(&c, &s, NS, 0x40021000u, RD);
    assert_int_equal(se_tz_fault_regs(&s, &o), 0);
}

/* ---- MPCBB ------------------------------------------------------------------------------ */

static void test_mpcbb_reset_all_sram_secure(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 2u; /* ALLNS: the IDAU makes 0x2xxx_xxxx non-secure */
    for (uint32_t a = 0x20000000u; a < 0x20040000u; a += 0x2000u)
        assert_true(se_tz_mpcbb_secure(&c.gtzc, a));
    se_tz_outcome o = check(&c, &s, NS, 0x20001000u, WR);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.layer, SE_TZ_LAYER_MPCBB1);
    assert_int_equal(o.tzic_sr, 3);
    assert_int_equal(o.tzic_bit, 4);
    assert_string_equal(o.reason,
                        "GTZC illegal access MPCBB1: non-secure write to 0x20001000 (SRAM1 block "
                        "16 secure, VCTR0 bit 16; write ignored; TZIC SR3 bit 4)");
}

static void test_mpcbb_block_granularity_256_bytes(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 2u;
    c.gtzc.mpcbb[0].vctr[0] &= ~(1u << 1); /* block 1 = 0x100..0x1FF non-secure */
    assert_int_equal(check(&c, &s, NS, 0x200000FFu, RD).verdict, SE_TZ_ILLEGAL);
    assert_int_equal(check(&c, &s, NS, 0x20000100u, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x200001FFu, WR).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x20000200u, RD).verdict, SE_TZ_ILLEGAL);
}

static void test_mpcbb_vctr_bit_mapping_sram1(void **state)
{
    (void)state;
    se_tz_gtzc g;
    se_tz_gtzc_reset(&g, true);
    unsigned b;
    assert_int_equal(se_tz_mpcbb_block(0x20000000u, &b), 0);
    assert_int_equal(b, 0);
    assert_int_equal(se_tz_mpcbb_block(0x20002100u, &b), 0); /* 0x2100 / 256 = 33: VCTR1 bit 1 */
    assert_int_equal(b, 33);
    assert_int_equal(se_tz_mpcbb_block(0x2002FF00u, &b), 0); /* last SRAM1 block */
    assert_int_equal(b, 767);
    /* clear VCTR1 bit 1 and VCTR23 bit 31: both aliases see it */
    g.mpcbb[0].vctr[1] &= ~(1u << 1);
    g.mpcbb[0].vctr[23] &= ~(1u << 31);
    assert_false(se_tz_mpcbb_secure(&g, 0x20002100u));
    assert_false(se_tz_mpcbb_secure(&g, 0x300021FFu));
    assert_true(se_tz_mpcbb_secure(&g, 0x20002200u));
    assert_true(se_tz_mpcbb_secure(&g, 0x200020FFu));
    assert_false(se_tz_mpcbb_secure(&g, 0x2002FF00u));
    assert_false(se_tz_mpcbb_secure(&g, 0x3002FFFFu));
    assert_true(se_tz_mpcbb_secure(&g, 0x2002FEFFu));
}

static void test_mpcbb_vctr_bit_mapping_sram2(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 2u;
    unsigned b;
    assert_int_equal(se_tz_mpcbb_block(0x20030000u, &b), 1);
    assert_int_equal(b, 0);
    assert_int_equal(se_tz_mpcbb_block(0x3003FFFFu, &b), 1);
    assert_int_equal(b, 255); /* VCTR7 bit 31 */
    assert_int_equal(se_tz_mpcbb_block(0x20040000u, &b), -1);
    assert_int_equal(se_tz_mpcbb_block(0x40000000u, &b), -1);
    c.gtzc.mpcbb[1].vctr[7] = 0x7FFFFFFFu; /* only the last block non-secure */
    assert_int_equal(check(&c, &s, NS, 0x2003FF00u, WR).verdict, SE_TZ_OK);
    se_tz_outcome o = check(&c, &s, NS, 0x2003FEFCu, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.layer, SE_TZ_LAYER_MPCBB2);
    assert_int_equal(o.tzic_sr, 3);
    assert_int_equal(o.tzic_bit, 6);
    assert_string_equal(o.reason,
                        "GTZC illegal access MPCBB2: non-secure read from 0x2003fefc (SRAM2 "
                        "block 254 secure, VCTR7 bit 30; reads as zero; TZIC SR3 bit 6)");
    /* SRAM1's VCTRs do not guard SRAM2 */
    c.gtzc.mpcbb[0].vctr[0] = 0;
    assert_int_equal(check(&c, &s, NS, 0x20030000u, RD).verdict, SE_TZ_ILLEGAL);
}

static void test_mpcbb_secure_access_to_ns_block_srwiladis(void **state)
{
    (void)state;
    se_scs s = fresh_scs(); /* SAU off: a Secure CPU makes Secure transactions */
    se_tz_config c = fresh_cfg();
    c.gtzc.mpcbb[0].vctr[12] = 0; /* 0x2001_8000..0x2001_8FFF non-secure */
    se_tz_outcome o = check(&c, &s, S, 0x20018000u, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_string_equal(o.reason,
                        "GTZC illegal access MPCBB1: secure read from 0x20018000 (SRAM1 block "
                        "384 non-secure, SRWILADIS=0, VCTR12 bit 0; reads as zero; TZIC SR3 bit "
                        "4)");
    c.gtzc.mpcbb[0].cr |= 1u << 31; /* SRWILADIS: secure data accesses allowed */
    assert_int_equal(check(&c, &s, S, 0x20018000u, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, S, 0x30018000u, WR).verdict, SE_TZ_OK);
    /* ... but never a secure fetch */
    o = check(&c, &s, S, 0x20018000u, FX);
    assert_int_equal(o.verdict, SE_TZ_BUSFAULT);
    assert_int_equal(o.cfsr, SE_CFSR_IBUSERR);
}

static void test_mpcbb_ns_fetch_from_secure_block_is_busfault(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s); /* 0x2001_8000.. NS to the SAU, MPCBB still all secure */
    se_tz_outcome o = check(&c, &s, NS, 0x20018004u, FX);
    assert_int_equal(o.verdict, SE_TZ_BUSFAULT);
    assert_int_equal(o.tzic_sr, 3);
    assert_int_equal(o.tzic_bit, 4);
    assert_string_equal(o.reason,
                        "BusFault IBUSERR: non-secure fetch from 0x20018004 (GTZC MPCBB1: SRAM1 "
                        "block 384 secure, VCTR12 bit 0; TZIC SR3 bit 4)");
}

/* ---- MPCWM ------------------------------------------------------------------------------ */

static void test_mpcwm_reset_octospi_memory_secure(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s); /* 0x6000_0000..0x9FFF_FFFF NS to the SAU */
    assert_int_equal(se_tz_mpcwm_bank(0x90000000u), 1);
    assert_false(se_tz_mpcwm_nonsecure(&c.gtzc, 0x90000000u));
    se_tz_outcome o = check(&c, &s, NS, 0x90000000u, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.layer, SE_TZ_LAYER_MPCWM1);
    assert_int_equal(o.tzic_sr, 3);
    assert_int_equal(o.tzic_bit, 3);
    assert_string_equal(o.reason,
                        "GTZC illegal access MPCWM1: non-secure read from 0x90000000 (OCTOSPI1 "
                        "memory secure: no non-secure window; reads as zero; TZIC SR3 bit 3)");
    /* a Secure CPU whose access the SAU makes Non-secure is judged the same, and told why */
    o = check(&c, &s, S, 0x90000000u, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_false(o.secure_txn);
    assert_string_equal(o.reason,
                        "GTZC illegal access MPCWM1: non-secure read from 0x90000000 (OCTOSPI1 "
                        "memory secure: no non-secure window, non-secure by SAU region 4; reads "
                        "as zero; TZIC SR3 bit 3)");
}

static void test_mpcwm_windows_128k_granules(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 2u;
    /* window 1: start 1, length 2 granules = [0x9002_0000, 0x9006_0000) */
    assert_true(se_tz_gtzc_write(&c.gtzc, TZSC_MPCWM1_NSWMR1, (2u << 16) | 1u));
    assert_int_equal(check(&c, &s, NS, 0x9001FFFFu, RD).verdict, SE_TZ_ILLEGAL);
    assert_int_equal(check(&c, &s, NS, 0x90020000u, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x9005FFFFu, WR).verdict, SE_TZ_OK);
    se_tz_outcome o = check(&c, &s, NS, 0x90060000u, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_string_equal(o.reason,
                        "GTZC illegal access MPCWM1: non-secure read from 0x90060000 (OCTOSPI1 "
                        "memory offset 0x0060000 outside the non-secure windows; reads as zero; "
                        "TZIC SR3 bit 3)");
    /* window 2 adds [0x9800_0000, 0x9800_0000 + 128 KB) */
    assert_true(se_tz_gtzc_write(&c.gtzc, TZSC_MPCWM1_NSWMR2, (1u << 16) | 0x400u));
    assert_int_equal(check(&c, &s, NS, 0x98000000u, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x9801FFFFu, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x98020000u, RD).verdict, SE_TZ_ILLEGAL);
    /* a window covering the whole bank */
    c.gtzc.mpcwm[0] = 0x08000000u; /* start 0, 2048 granules = 256 MB */
    assert_int_equal(check(&c, &s, NS, 0x9FFFFFFFu, RD).verdict, SE_TZ_OK);
}

static void test_mpcwm_secure_transactions_pass(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_outcome o = check(&c, &s, S, 0x90000000u, RD); /* SAU off: Secure transaction */
    assert_int_equal(o.verdict, SE_TZ_OK);
    assert_true(o.secure_txn);
}

static void test_mpcwm_fmc_banks(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    s.sau_ctrl = 2u;
    assert_int_equal(se_tz_mpcwm_bank(0x60000000u), 2);
    assert_int_equal(se_tz_mpcwm_bank(0x80000000u), 3);
    assert_int_equal(se_tz_mpcwm_bank(0x70000000u), 0);
    se_tz_outcome o = check(&c, &s, NS, 0x60000000u, RD);
    assert_int_equal(o.layer, SE_TZ_LAYER_MPCWM2);
    assert_int_equal(o.tzic_bit, 2); /* FMC_MEM */
    o = check(&c, &s, NS, 0x80000000u, WR);
    assert_int_equal(o.layer, SE_TZ_LAYER_MPCWM3);
    c.gtzc.mpcwm[4] = 1u << 16; /* MPCWM3_NSWMR1: first 128 KB */
    assert_int_equal(check(&c, &s, NS, 0x80000000u, WR).verdict, SE_TZ_OK);
    /* MPCWM1's windows do not open the FMC banks */
    c.gtzc.mpcwm[0] = 0x08000000u;
    assert_int_equal(check(&c, &s, NS, 0x60000000u, RD).verdict, SE_TZ_ILLEGAL);
}

/* ---- TZSC, TZ-aware peripherals and the GTZC's own registers ---------------------------- */

static void test_tzsc_octospi1_regsec_bit(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    const se_tz_periph *p = se_tz_periph_find(0x54021008u);
    assert_non_null(p);
    assert_string_equal(p->name, "OCTOSPI1");
    assert_int_equal(p->seccfgr, 2);
    assert_int_equal(p->secbit, 18);
    /* reset: non-secure peripheral */
    assert_int_equal(check(&c, &s, NS, 0x44021000u, WR).verdict, SE_TZ_OK);
    se_tz_gtzc_write(&c.gtzc, TZSC_SECCFGR2, 1u << 18);
    assert_true(se_tz_periph_secure(&c.gtzc, p));
    se_tz_outcome o = check(&c, &s, NS, 0x44021000u, WR);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.layer, SE_TZ_LAYER_TZSC);
    assert_int_equal(o.tzic_sr, 2);
    assert_int_equal(o.tzic_bit, 18);
    assert_string_equal(o.reason,
                        "GTZC illegal access TZSC: non-secure write to 0x44021000 (OCTOSPI1 "
                        "secure, SECCFGR2 bit 18; write ignored; TZIC SR2 bit 18)");
    /* secure code reaches it through the secure alias */
    assert_int_equal(check(&c, &s, S, 0x54021000u, WR).verdict, SE_TZ_OK);
    /* another securable bit does not affect it */
    c.gtzc.seccfgr[1] = 1u << 17; /* FMC_REGSEC */
    assert_int_equal(check(&c, &s, NS, 0x44021000u, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x44020000u, RD).verdict, SE_TZ_ILLEGAL);
}

static void test_tz_aware_peripherals_judge_themselves(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    c.gtzc.seccfgr[0] = 0xFFFFFFFFu;
    c.gtzc.seccfgr[1] = 0x0007FFFFu & ~(1u << 18);
    static const struct {
        uint32_t addr;
        const char *name;
        unsigned sr, bit;
    } cases[] = {
        {0x40021000u, "RCC", 2, 25},  {0x40007000u, "PWR", 2, 20},  {0x40022000u, "FLASH", 2, 27},
        {0x42020000u, "GPIOA", 0, 0}, {0x42021C00u, "GPIOH", 0, 0}, {0x4002F400u, "EXTI", 2, 28},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        se_tz_outcome o = check(&c, &s, NS, cases[i].addr, WR);
        assert_int_equal(o.verdict, SE_TZ_OK);
        assert_true(o.tz_aware);
        assert_non_null(o.periph);
        assert_string_equal(o.periph->name, cases[i].name);
        assert_int_equal(o.periph->kind, SE_TZ_PERIPH_TZ_AWARE);
        assert_int_equal(o.periph->tzic_sr, cases[i].sr);
        assert_int_equal(o.periph->tzic_bit, cases[i].bit);
        assert_false(se_tz_periph_secure(&c.gtzc, o.periph));
    }
    assert_null(se_tz_periph_find(0x40013800u)); /* USART1: not modelled */
    size_t n;
    assert_non_null(se_tz_periph_table(&n));
    assert_true(n >= 20);
}

static void test_gtzc_registers_writable_by_secure_code_only(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    assert_int_equal(check(&c, &s, NS, MPCBB_VCTR(SE_TZ_GTZC_MPCBB1, 0), RD).verdict, SE_TZ_OK);
    se_tz_outcome o = check(&c, &s, NS, MPCBB_VCTR(SE_TZ_GTZC_MPCBB1, 0), WR);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.layer, SE_TZ_LAYER_GTZC);
    assert_int_equal(o.tzic_sr, 3);
    assert_int_equal(o.tzic_bit, 5);
    assert_string_equal(o.reason,
                        "GTZC illegal access GTZC_MPCBB1: non-secure write to 0x40032d00 "
                        "(GTZC_MPCBB1 registers are writable by secure code only; write ignored; "
                        "TZIC SR3 bit 5)");
    assert_int_equal(check(&c, &s, NS, TZSC_SECCFGR2, WR).tzic_bit, 0); /* TZSC flag */
    assert_int_equal(check(&c, &s, NS, TZSC_SECCFGR2, WR).verdict, SE_TZ_ILLEGAL);
    assert_int_equal(check(&c, &s, NS, MPCBB_VCTR(SE_TZ_GTZC_MPCBB2, 0), WR).tzic_bit, 7);
    /* TZIC: no Non-secure access at all */
    o = check(&c, &s, NS, TZIC_SR3, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.tzic_bit, 1);
    /* Secure code writes them through the secure alias */
    assert_int_equal(check(&c, &s, S, MPCBB_VCTR(SE_TZ_GTZC_MPCBB1, 0) + 0x10000000u, WR).verdict,
                     SE_TZ_OK);
    assert_int_equal(check(&c, &s, S, TZIC_SR3 + 0x10000000u, RD).verdict, SE_TZ_OK);
}

static void test_gtzc_register_model_masks_locks_and_fcr(void **state)
{
    (void)state;
    se_tz_gtzc g;
    se_tz_gtzc_reset(&g, true);
    uint32_t v;
    /* either alias */
    assert_true(se_tz_gtzc_write(&g, TZSC_SECCFGR2 + 0x10000000u, 0xFFFFFFFFu));
    assert_true(se_tz_gtzc_read(&g, TZSC_SECCFGR2, &v));
    assert_int_equal(v, 0x0007FFFFu);
    assert_true(se_tz_gtzc_write(&g, TZSC_MPCWM1_NSWMR1, 0xFFFFFFFFu));
    assert_true(se_tz_gtzc_read(&g, TZSC_MPCWM1_NSWMR1, &v));
    assert_int_equal(v, 0x0FFF07FFu);
    /* TZSC CR.LCK freezes the configuration until reset */
    assert_true(se_tz_gtzc_write(&g, SE_TZ_GTZC_TZSC, 1u));
    se_tz_gtzc_write(&g, TZSC_SECCFGR2, 0);
    se_tz_gtzc_write(&g, TZSC_MPCWM1_NSWMR1, 0);
    se_tz_gtzc_write(&g, SE_TZ_GTZC_TZSC, 0);
    se_tz_gtzc_read(&g, TZSC_SECCFGR2, &v);
    assert_int_equal(v, 0x0007FFFFu);
    se_tz_gtzc_read(&g, TZSC_MPCWM1_NSWMR1, &v);
    assert_int_equal(v, 0x0FFF07FFu);
    se_tz_gtzc_read(&g, SE_TZ_GTZC_TZSC, &v);
    assert_int_equal(v, 1u);
    /* MPCBB LCKVTR1 bit n freezes VCTR[n]; the lock bits are set-only */
    assert_true(se_tz_gtzc_write(&g, SE_TZ_GTZC_MPCBB1 + 0x10u, 1u << 2));
    se_tz_gtzc_write(&g, MPCBB_VCTR(SE_TZ_GTZC_MPCBB1, 2), 0);
    se_tz_gtzc_write(&g, MPCBB_VCTR(SE_TZ_GTZC_MPCBB1, 3), 0);
    se_tz_gtzc_write(&g, SE_TZ_GTZC_MPCBB1 + 0x10u, 0);
    assert_int_equal(g.mpcbb[0].vctr[2], 0xFFFFFFFFu);
    assert_int_equal(g.mpcbb[0].vctr[3], 0);
    assert_int_equal(g.mpcbb[0].lckvtr[0], 1u << 2);
    /* MPCBB CR: writable bits, then frozen by LCK */
    se_tz_gtzc_write(&g, SE_TZ_GTZC_MPCBB2, 0xFFFFFFFEu);
    assert_int_equal(g.mpcbb[1].cr, 0xC0000000u);
    se_tz_gtzc_write(&g, SE_TZ_GTZC_MPCBB2, 1u);
    se_tz_gtzc_write(&g, SE_TZ_GTZC_MPCBB2, 0);
    assert_int_equal(g.mpcbb[1].cr, 1u);
    /* TZIC: SR read-only, FCR clears, IER masked */
    g.tzic_sr[2] = 0x18u;
    se_tz_gtzc_write(&g, TZIC_SR3, 0);
    assert_int_equal(g.tzic_sr[2], 0x18u);
    se_tz_gtzc_write(&g, TZIC_FCR3, 0x08u);
    assert_int_equal(g.tzic_sr[2], 0x10u);
    assert_true(se_tz_gtzc_read(&g, TZIC_FCR3, &v));
    assert_int_equal(v, 0);
    se_tz_gtzc_write(&g, TZIC_IER3, 0xFFFFFFFFu);
    assert_int_equal(g.tzic_ier[2], 0xFFu);
    /* unknown offsets */
    assert_false(se_tz_gtzc_read(&g, SE_TZ_GTZC_TZSC + 0x08u, &v));
    assert_false(se_tz_gtzc_write(&g, SE_TZ_GTZC_MPCBB1 + 0x200u, 0));
    assert_false(se_tz_gtzc_read(&g, 0x40021000u, &v));
}

static uint32_t fake_read(void *ctx, uint32_t addr)
{
    (void)ctx;
    return addr; /* every register reads as its own address */
}

static void test_gtzc_load_from_accessor(void **state)
{
    (void)state;
    se_tz_gtzc g;
    se_tz_gtzc_load(&g, fake_read, NULL);
    assert_int_equal(g.seccfgr[1], TZSC_SECCFGR2);
    assert_int_equal(g.mpcwm[1], TZSC_MPCWM1_NSWMR2);
    assert_int_equal(g.tzic_sr[2], TZIC_SR3);
    assert_int_equal(g.mpcbb[1].vctr[7], MPCBB_VCTR(SE_TZ_GTZC_MPCBB2, 7));
    assert_int_equal(g.mpcbb[0].lckvtr[1], SE_TZ_GTZC_MPCBB1 + 0x14u);
}

static void test_tzic_flag_and_interrupt(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    se_tz_outcome o = check(&c, &s, NS, 0x90000000u, RD);
    assert_false(se_tz_flag(&c.gtzc, &o)); /* IER3 = 0: flag only */
    assert_int_equal(c.gtzc.tzic_sr[2], 1u << 3);
    se_tz_gtzc_write(&c.gtzc, TZIC_IER3, 1u << 3);
    assert_true(se_tz_flag(&c.gtzc, &o));
    se_tz_gtzc_write(&c.gtzc, TZIC_FCR3, 1u << 3);
    assert_int_equal(c.gtzc.tzic_sr[2], 0);
    /* a SecureFault sets no TZIC flag */
    o = check(&c, &s, NS, 0x30000000u, RD);
    assert_false(se_tz_flag(&c.gtzc, &o));
    assert_int_equal(c.gtzc.tzic_sr[0] | c.gtzc.tzic_sr[1] | c.gtzc.tzic_sr[2], 0);
}

/* ---- open-question policies (docs/hardware.md D.1, D.2), both settings ----------------------- */

static void test_alias_policy_pass_is_default(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    assert_int_equal(c.alias, SE_TZ_ALIAS_PASS);
    /* Secure CPU, SAU off: Secure transactions to the NS aliases reach their targets */
    se_tz_outcome o = check(&c, &s, S, 0x20018004u, FX);
    assert_int_equal(o.verdict, SE_TZ_OK);
    assert_true(o.secure_txn);
    assert_int_equal(check(&c, &s, S, 0x20001000u, WR).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, S, 0x40021000u, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, S, 0x08000000u, RD).verdict, SE_TZ_OK);
}

static void test_alias_policy_illegal(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    c.alias = SE_TZ_ALIAS_ILLEGAL;
    se_tz_outcome o = check(&c, &s, S, 0x20001000u, WR);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.layer, SE_TZ_LAYER_ALIAS);
    assert_int_equal(o.tzic_sr, 3);
    assert_int_equal(o.tzic_bit, 4);
    assert_string_equal(o.reason,
                        "GTZC illegal access alias: secure write to 0x20001000 (non-secure alias "
                        "of SRAM1; write ignored; TZIC SR3 bit 4)");
    o = check(&c, &s, S, 0x40021000u, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.tzic_sr, 2);
    assert_int_equal(o.tzic_bit, 25); /* RCC */
    o = check(&c, &s, S, 0x08000000u, FX);
    assert_int_equal(o.verdict, SE_TZ_BUSFAULT);
    assert_int_equal(o.tzic_bit, 26); /* FLASH */
    /* the secure aliases and the unaliased external memories are not concerned */
    assert_int_equal(check(&c, &s, S, 0x30001000u, WR).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, S, 0x50021000u, RD).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, S, 0x90000000u, RD).verdict, SE_TZ_OK);
    /* nor Non-secure transactions through them */
    s.sau_ctrl = 2u;
    c.gtzc.mpcbb[0].vctr[0] = 0;
    assert_int_equal(check(&c, &s, S, 0x20000000u, RD).verdict, SE_TZ_OK);
}

static void test_illegal_policy_razwi_is_default(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    assert_int_equal(c.illegal, SE_TZ_ILLEGAL_RAZWI);
    se_tz_outcome o = check(&c, &s, NS, 0x90000000u, WR);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.cfsr, 0);
    assert_int_equal(se_tz_fault_regs(&s, &o), 0);
    assert_int_equal(s.cfsr, 0);
}

static void test_illegal_policy_bus_error(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    c.illegal = SE_TZ_ILLEGAL_BUSERR;
    se_tz_outcome o = check(&c, &s, NS, 0x90000010u, RD);
    assert_int_equal(o.verdict, SE_TZ_BUSFAULT);
    assert_int_equal(o.cfsr, SE_CFSR_PRECISERR | SE_CFSR_BFARVALID);
    assert_int_equal(o.bfar, 0x90000010u);
    assert_int_equal(o.tzic_bit, 3);
    assert_string_equal(o.reason,
                        "BusFault PRECISERR: non-secure read from 0x90000010 (GTZC MPCWM1: "
                        "OCTOSPI1 memory secure: no non-secure window; reads as zero; TZIC SR3 "
                        "bit 3)");
    o = check(&c, &s, NS, 0x90000010u, WR);
    assert_int_equal(o.verdict, SE_TZ_BUSFAULT);
    assert_int_equal(o.cfsr, SE_TZ_CFSR_IMPRECISERR);
    assert_int_equal(o.bfar, 0);
    assert_string_equal(o.reason,
                        "BusFault IMPRECISERR: non-secure write to 0x90000010 (GTZC MPCWM1: "
                        "OCTOSPI1 memory secure: no non-secure window; write ignored; TZIC SR3 "
                        "bit 3)");
}

/* ---- profiles and presets --------------------------------------------------------------- */

static void test_tzen1_reset_state(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    assert_true(c.tzen);
    assert_int_equal(s.sau_ctrl, 0); /* SAU disabled, ALLNS=0 */
    for (unsigned m = 0; m < 2; m++)
        for (unsigned i = 0; i < SE_TZ_MPCBB_NVCTR; i++)
            assert_int_equal(c.gtzc.mpcbb[m].vctr[i], 0xFFFFFFFFu);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(c.gtzc.mpcwm[i], 0);
    assert_int_equal(c.gtzc.seccfgr[0] | c.gtzc.seccfgr[1], 0);
    /* the loader run Secure (the TZEN=1 profile): nothing in its path is refused */
    static const uint32_t path[] = {0x20018004u, 0x2003FFFCu, 0x40021000u, 0x44021000u,
                                    0x42020000u, 0x90000000u, 0xE000ED08u};
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        assert_int_equal(check(&c, &s, S, path[i], RD).verdict, SE_TZ_OK);
        assert_int_equal(check(&c, &s, S, path[i], WR).verdict, SE_TZ_OK);
    }
    assert_int_equal(check(&c, &s, S, 0x20018004u, FX).verdict, SE_TZ_OK);
}

static void test_tzen0_checks_nothing(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c;
    se_tz_config_reset(&c, false);
    assert_false(c.tzen);
    se_tz_outcome o = check(&c, &s, NS, 0x30001000u, WR);
    assert_int_equal(o.verdict, SE_TZ_OK);
    assert_string_equal(o.reason, "");
    assert_int_equal(check(&c, &s, NS, 0x90000000u, FX).verdict, SE_TZ_OK);
}

static void test_st_template_sau_preset(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_load_st_template_sau(&s);
    assert_int_equal(s.sau_ctrl, 1u);
    assert_int_equal(s.sau_rbar[2], 0x20018000u);
    assert_int_equal(s.sau_rlar[2], 0x2003FFE1u);
    assert_int_equal(s.sau_rlar[0], 0x0C03FFE3u); /* NSC | ENABLE */
    assert_int_equal(s.sau_rlar[6] | s.sau_rlar[7], 0);
    se_tz_attr a = se_tz_attribute(&s, 0x20018000u, false);
    assert_false(a.secure);
    a = se_tz_attribute(&s, 0x20017FFFu, false);
    assert_true(a.secure);
    assert_false(se_tz_attribute(&s, 0x40000000u, false).secure);
    assert_false(se_tz_attribute(&s, 0x4FFFFFFFu, false).secure);
    assert_true(se_tz_attribute(&s, 0x50000000u, false).secure);
    assert_false(se_tz_attribute(&s, 0x08040000u, false).secure);
    assert_true(se_tz_attribute(&s, 0x0803FFFFu, false).secure);
    assert_false(se_tz_attribute(&s, 0x0BFA05E0u, false).secure);
    assert_false(se_tz_attribute(&s, 0x9FFFFFFFu, false).secure);
    assert_true(se_tz_attribute(&s, 0xA0000000u, false).secure);
    assert_true(se_tz_attribute(&s, 0x0C03E000u, false).nsc);
}

static void test_st_template_ns_loader(void **state)
{
    (void)state;
    se_scs s = fresh_scs();
    se_tz_config c = fresh_cfg();
    se_tz_load_st_template_sau(&s);
    se_tz_load_st_template_gtzc(&c.gtzc);
    /* a Non-secure loader at 0x2001_8004 runs, reaches RCC and OCTOSPI1 ... */
    assert_int_equal(check(&c, &s, NS, 0x20018004u, FX).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x2003FFF0u, WR).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x40021000u, WR).verdict, SE_TZ_OK);
    assert_int_equal(check(&c, &s, NS, 0x44021000u, WR).verdict, SE_TZ_OK);
    /* ... secure SRAM below 0x2001_8000 is out of reach, ... */
    assert_int_equal(check(&c, &s, NS, 0x20017FFCu, RD).verdict, SE_TZ_SECUREFAULT);
    /* ... and the memory-mapped verify is a GTZC illegal access until an MPCWM1 window opens */
    se_tz_outcome o = check(&c, &s, NS, 0x90000000u, RD);
    assert_int_equal(o.verdict, SE_TZ_ILLEGAL);
    assert_int_equal(o.layer, SE_TZ_LAYER_MPCWM1);
    assert_true(se_tz_gtzc_write(&c.gtzc, TZSC_MPCWM1_NSWMR1, 0x08000000u));
    assert_int_equal(check(&c, &s, NS, 0x90000000u, RD).verdict, SE_TZ_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idau_flash_alias_0c000000),
        cmocka_unit_test(test_idau_sram_alias_bit28),
        cmocka_unit_test(test_idau_peripheral_alias_bit28),
        cmocka_unit_test(test_idau_external_memories_have_no_alias),
        cmocka_unit_test(test_idau_system_range_exempt),
        cmocka_unit_test(test_exempt_range_follows_cpu_state),
        cmocka_unit_test(test_sau_disabled_allns0_everything_secure),
        cmocka_unit_test(test_sau_disabled_allns1_idau_decides),
        cmocka_unit_test(test_sau_enabled_ns_region),
        cmocka_unit_test(test_sau_programmed_through_registers),
        cmocka_unit_test(test_sau_disabled_region_is_ignored),
        cmocka_unit_test(test_sau_nsc_region),
        cmocka_unit_test(test_sau_nsc_region_over_idau_non_secure_stays_nsc),
        cmocka_unit_test(test_sau_overlapping_regions_are_secure),
        cmocka_unit_test(test_more_secure_wins_sau_ns_idau_secure),
        cmocka_unit_test(test_more_secure_wins_sau_secure_idau_ns),
        cmocka_unit_test(test_ns_write_to_secure_is_auviol_with_sfar),
        cmocka_unit_test(test_ns_read_of_secure_is_auviol),
        cmocka_unit_test(test_ns_fetch_from_secure_is_invep_without_sfar),
        cmocka_unit_test(test_ns_fetch_from_nsc_needs_sg),
        cmocka_unit_test(test_secure_fetch_from_ns_is_invtran),
        cmocka_unit_test(test_secure_data_access_to_ns_memory_is_ns_transaction),
        cmocka_unit_test(test_fault_regs_securefault_taken_when_enabled),
        cmocka_unit_test(test_fault_regs_securefault_escalates_when_disabled),
        cmocka_unit_test(test_fault_regs_invtran_and_sfsr_accumulate),
        cmocka_unit_test(test_fault_regs_busfault_and_escalation),
        cmocka_unit_test(test_mpcbb_reset_all_sram_secure),
        cmocka_unit_test(test_mpcbb_block_granularity_256_bytes),
        cmocka_unit_test(test_mpcbb_vctr_bit_mapping_sram1),
        cmocka_unit_test(test_mpcbb_vctr_bit_mapping_sram2),
        cmocka_unit_test(test_mpcbb_secure_access_to_ns_block_srwiladis),
        cmocka_unit_test(test_mpcbb_ns_fetch_from_secure_block_is_busfault),
        cmocka_unit_test(test_mpcwm_reset_octospi_memory_secure),
        cmocka_unit_test(test_mpcwm_windows_128k_granules),
        cmocka_unit_test(test_mpcwm_secure_transactions_pass),
        cmocka_unit_test(test_mpcwm_fmc_banks),
        cmocka_unit_test(test_tzsc_octospi1_regsec_bit),
        cmocka_unit_test(test_tz_aware_peripherals_judge_themselves),
        cmocka_unit_test(test_gtzc_registers_writable_by_secure_code_only),
        cmocka_unit_test(test_gtzc_register_model_masks_locks_and_fcr),
        cmocka_unit_test(test_gtzc_load_from_accessor),
        cmocka_unit_test(test_tzic_flag_and_interrupt),
        cmocka_unit_test(test_alias_policy_pass_is_default),
        cmocka_unit_test(test_alias_policy_illegal),
        cmocka_unit_test(test_illegal_policy_razwi_is_default),
        cmocka_unit_test(test_illegal_policy_bus_error),
        cmocka_unit_test(test_tzen1_reset_state),
        cmocka_unit_test(test_tzen0_checks_nothing),
        cmocka_unit_test(test_st_template_sau_preset),
        cmocka_unit_test(test_st_template_ns_loader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
