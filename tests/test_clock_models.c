/* The STM32L5 system device models (peripherals/rcc, pwr, flashif, gpio, stm32l5): reset
 * values, ready flags, the clock switch, and the clock/power sequence of ST's L562E-DK loader
 * (docs/hardware.md C.7), driven by offset or through the bus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/bus.h"
#include "peripherals/flashif.h"
#include "peripherals/gpio.h"
#include "peripherals/pwr.h"
#include "peripherals/rcc.h"
#include "peripherals/stm32l5.h"

/* Register offsets used here (RM0438). */
enum {
    RCC_CR = 0x00,
    RCC_ICSCR = 0x04,
    RCC_CFGR = 0x08,
    RCC_PLLCFGR = 0x0C,
    RCC_AHB1ENR = 0x48,
    RCC_APB1ENR1 = 0x58,
    RCC_CSR = 0x94,
    PWR_CR1 = 0x00,
    PWR_SR1 = 0x10,
    PWR_SR2 = 0x14,
    FLASH_ACR = 0x00,
    FLASH_NSKEYR = 0x08,
    FLASH_NSCR = 0x28,
    FLASH_OPTR = 0x40,
    GPIO_MODER = 0x00,
    GPIO_IDR = 0x10,
    GPIO_ODR = 0x14,
    GPIO_BSRR = 0x18,
    GPIO_LCKR = 0x1C,
    GPIO_BRR = 0x28,
    GPIO_SECCFGR = 0x30,
};

#define CR_MSION (1u << 0)
#define CR_MSIRDY (1u << 1)
#define CR_MSIRGSEL (1u << 3)
#define CR_HSION (1u << 8)
#define CR_HSIRDY (1u << 10)
#define CR_HSEON (1u << 16)
#define CR_HSERDY (1u << 17)
#define CR_PLLON (1u << 24)
#define CR_PLLRDY (1u << 25)
#define CR_PLLSAI1ON (1u << 26)
#define CR_PLLSAI1RDY (1u << 27)

typedef struct logbook {
    int n;
    char last[256];
} logbook;

static void book_log(void *opaque, int level, const char *msg)
{
    (void)level;
    logbook *b = opaque;
    b->n++;
    snprintf(b->last, sizeof b->last, "%s", msg);
}

static se_rcc *new_rcc(void)
{
    se_rcc *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_rcc_reset(s);
    return s;
}

static se_pwr *new_pwr(void)
{
    se_pwr *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_pwr_reset(s);
    return s;
}

static se_flashif *new_flash(bool tzen)
{
    se_flashif *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_flashif_configure(s, tzen);
    return s;
}

static se_gpio *new_gpio(unsigned port, bool tzen)
{
    se_gpio *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_gpio_configure(s, port, tzen);
    return s;
}

static void rcc_set(se_rcc *s, uint32_t off, uint32_t bits)
{
    se_rcc_write(s, off, se_rcc_read(s, off, 4) | bits, 4);
}

static void rcc_clear(se_rcc *s, uint32_t off, uint32_t bits)
{
    se_rcc_write(s, off, se_rcc_read(s, off, 4) & ~bits, 4);
}

/* ---- reset values ----------------------------------------------------------------------- */

static void test_rcc_reset_values_match_the_svd(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    assert_int_equal(se_rcc_read(r, RCC_CR, 4), 0x00000063u);
    assert_int_equal(se_rcc_read(r, RCC_ICSCR, 4), 0x40000000u);
    assert_int_equal(se_rcc_read(r, RCC_CFGR, 4), 0);
    assert_int_equal(se_rcc_read(r, RCC_PLLCFGR, 4), 0x00001000u);
    assert_int_equal(se_rcc_read(r, RCC_AHB1ENR, 4), 0x00000100u);
    assert_int_equal(se_rcc_read(r, RCC_APB1ENR1, 4), 0);
    assert_int_equal(se_rcc_read(r, RCC_CSR, 4), 0x0C000600u);
    assert_int_equal(se_rcc_hclk(r), 4000000u); /* MSI range 6 from CSR.MSISRANGE */
    assert_int_equal(r->hclk, 4000000u);
    free(r);
}

static void test_pwr_reset_selects_range_2(void **state)
{
    (void)state;
    se_pwr *p = new_pwr();
    assert_int_equal(se_pwr_read(p, PWR_CR1, 4), 0x00000400u);
    assert_int_equal(se_pwr_vos(p), 2);
    free(p);
}

static void test_gpio_moder_reset_values_per_port(void **state)
{
    (void)state;
    static const uint32_t moder[SE_STM32L5_NGPIO] = {
        0xABFFFFFFu, 0xFFFFFEBFu, 0xFFFFFFFFu, 0xFFFFFFFFu,
        0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0x0000000Fu,
    };
    for (unsigned i = 0; i < SE_STM32L5_NGPIO; i++) {
        se_gpio *g = new_gpio(i, false);
        assert_int_equal(se_gpio_read(g, GPIO_MODER, 4), moder[i]);
        assert_int_equal(se_gpio_read(g, GPIO_SECCFGR, 4), 0);
        free(g);
    }
}

static void test_gpio_seccfgr_all_secure_when_tzen(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(2, true);
    assert_int_equal(se_gpio_read(g, GPIO_SECCFGR, 4), 0x0000FFFFu);
    se_gpio_reset(g); /* configuration survives a reset */
    assert_int_equal(se_gpio_read(g, GPIO_SECCFGR, 4), 0x0000FFFFu);
    free(g);
}

static void test_flash_optr_reflects_tzen_and_dbank(void **state)
{
    (void)state;
    se_flashif *f0 = new_flash(false);
    se_flashif *f1 = new_flash(true);
    assert_int_equal(se_flashif_read(f0, FLASH_OPTR, 4) & 0x80400000u, 0x00400000u);
    assert_int_equal(se_flashif_read(f1, FLASH_OPTR, 4) & 0x80400000u, 0x80400000u);
    assert_int_equal(se_flashif_read(f0, FLASH_NSCR, 4), 0xC0000000u); /* NSLOCK | OPTLOCK */
    assert_int_equal(se_flashif_read(f0, 0x50, 4), 0xFF00FF00u);      /* SECWM1R1 */
    free(f0);
    free(f1);
}

/* ---- RCC behaviour ---------------------------------------------------------------------- */

static void test_ready_flags_follow_their_enables(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    rcc_set(r, RCC_CR, CR_HSION);
    assert_true(se_rcc_read(r, RCC_CR, 4) & CR_HSIRDY);
    rcc_clear(r, RCC_CR, CR_HSION);
    assert_false(se_rcc_read(r, RCC_CR, 4) & CR_HSIRDY);

    se_rcc_write(r, RCC_PLLCFGR, 0x01000000u | (40u << 8) | 1u, 4); /* MSI, N=40, REN */
    rcc_set(r, RCC_CR, CR_PLLON);
    assert_true(se_rcc_read(r, RCC_CR, 4) & CR_PLLRDY);
    rcc_clear(r, RCC_CR, CR_PLLON);
    assert_false(se_rcc_read(r, RCC_CR, 4) & CR_PLLRDY);

    se_rcc_write(r, 0x10, (24u << 8) | 1u, 4); /* PLLSAI1 from MSI */
    rcc_set(r, RCC_CR, CR_PLLSAI1ON);
    assert_true(se_rcc_read(r, RCC_CR, 4) & CR_PLLSAI1RDY);
    free(r);
}

static void test_hse_never_ready_without_a_crystal(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_rcc *r = new_rcc();
    r->host = &host;
    rcc_set(r, RCC_CR, CR_HSEON);
    assert_false(se_rcc_read(r, RCC_CR, 4) & CR_HSERDY);
    assert_int_equal(book.n, 1);
    assert_non_null(strstr(book.last, "HSE"));

    r->hse_hz = 16000000u; /* a board with a crystal */
    se_rcc_reset(r);
    rcc_set(r, RCC_CR, CR_HSEON);
    assert_true(se_rcc_read(r, RCC_CR, 4) & CR_HSERDY);
    free(r);
}

static void test_pll_from_a_stopped_source_does_not_lock_and_is_reported(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_rcc *r = new_rcc();
    r->host = &host;
    se_rcc_write(r, RCC_PLLCFGR, (40u << 8) | 2u, 4); /* HSI16, which is off */
    rcc_set(r, RCC_CR, CR_PLLON);
    assert_false(se_rcc_read(r, RCC_CR, 4) & CR_PLLRDY);
    assert_int_equal(book.n, 1);
    assert_non_null(strstr(book.last, "PLLRDY stays 0"));
    rcc_set(r, RCC_CR, CR_HSION); /* the PLL locks once its input runs */
    assert_true(se_rcc_read(r, RCC_CR, 4) & CR_PLLRDY);
    free(r);
}

static void test_sws_follows_sw_only_when_the_source_is_ready(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_rcc *r = new_rcc();
    r->host = &host;
    se_rcc_write(r, RCC_CFGR, 1u, 4); /* SW = HSI16, HSI off */
    assert_int_equal(se_rcc_read(r, RCC_CFGR, 4) & 0xFu, 0x1u); /* SWS still MSI */
    assert_int_equal(book.n, 1);
    assert_int_equal(se_rcc_hclk(r), 4000000u);

    rcc_set(r, RCC_CR, CR_HSION); /* the pending switch completes */
    assert_int_equal(se_rcc_read(r, RCC_CFGR, 4) & 0xFu, 0x5u);
    assert_int_equal(se_rcc_hclk(r), 16000000u);
    assert_int_equal(r->hclk, 16000000u);

    /* RM0438: the oscillator driving SYSCLK cannot be stopped */
    rcc_clear(r, RCC_CR, CR_HSION);
    assert_true(se_rcc_read(r, RCC_CR, 4) & CR_HSIRDY);
    free(r);
}

static void test_msi_range_from_cr_only_after_msirgsel(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    /* MSIRANGE = 8 (16 MHz) without MSIRGSEL: CSR.MSISRANGE (4 MHz) still rules */
    se_rcc_write(r, RCC_CR, (se_rcc_read(r, RCC_CR, 4) & ~0xF0u) | 0x80u, 4);
    assert_int_equal(se_rcc_msi_hz(r), 4000000u);
    rcc_set(r, RCC_CR, CR_MSIRGSEL);
    assert_int_equal(se_rcc_msi_hz(r), 16000000u);
    assert_int_equal(se_rcc_hclk(r), 16000000u);
    rcc_clear(r, RCC_CR, CR_MSIRGSEL); /* set-only */
    assert_true(se_rcc_read(r, RCC_CR, 4) & CR_MSIRGSEL);
    free(r);
}

static void test_byte_write_merges_into_its_lane(void **state)
{
    (void)state;
    se_rcc *r = new_rcc();
    se_rcc_write(r, RCC_APB1ENR1 + 3, 0x10u, 1); /* PWREN (bit 28) by a STRB */
    assert_int_equal(se_rcc_read(r, RCC_APB1ENR1, 4), 0x10000000u);
    assert_int_equal(se_rcc_read(r, RCC_APB1ENR1 + 3, 1), 0x10u);
    assert_int_equal(se_rcc_read(r, RCC_CSR + 2, 2), 0x0C00u);
    free(r);
}

/* ---- FLASH and PWR ---------------------------------------------------------------------- */

static void test_acr_latency_reads_back(void **state)
{
    (void)state;
    se_flashif *f = new_flash(false);
    for (uint32_t lat = 0; lat <= 5; lat++) {
        se_flashif_write(f, FLASH_ACR, (se_flashif_read(f, FLASH_ACR, 4) & ~0xFu) | lat, 4);
        assert_int_equal(se_flashif_read(f, FLASH_ACR, 4) & 0xFu, lat);
        assert_int_equal(se_flashif_latency(f), lat);
    }
    se_flashif_write(f, FLASH_ACR, 0xFFFFFFFFu, 4); /* reserved bits stay 0 */
    assert_int_equal(se_flashif_read(f, FLASH_ACR, 4), 0x0000E00Fu);
    free(f);
}

static void test_flash_cr_unlocks_with_the_key_sequence_only(void **state)
{
    (void)state;
    logbook book = {0};
    se_periph_host host = {.opaque = &book, .log = book_log};
    se_flashif *f = new_flash(false);
    f->host = &host;
    se_flashif_write(f, FLASH_NSCR, 0x1u, 4); /* locked: ignored */
    assert_int_equal(se_flashif_read(f, FLASH_NSCR, 4), 0xC0000000u);
    se_flashif_write(f, FLASH_NSKEYR, 0x45670123u, 4);
    se_flashif_write(f, FLASH_NSKEYR, 0xCDEF89ABu, 4);
    assert_int_equal(se_flashif_read(f, FLASH_NSCR, 4), 0x40000000u);
    assert_int_equal(se_flashif_read(f, FLASH_NSKEYR, 4), 0); /* write-only */
    se_flashif_write(f, FLASH_NSCR, 0x1u, 4); /* PG: stored, reported once */
    se_flashif_write(f, FLASH_NSCR, 0x1u, 4);
    assert_int_equal(se_flashif_read(f, FLASH_NSCR, 4), 0x40000001u);
    assert_int_equal(book.n, 2); /* locked write + PG notice */
    free(f);
}

static void test_vosf_clear_after_vos_change(void **state)
{
    (void)state;
    se_pwr *p = new_pwr();
    se_pwr_write(p, PWR_CR1, se_pwr_read(p, PWR_CR1, 4) & ~0x600u, 4); /* range 0 */
    assert_int_equal(se_pwr_vos(p), 0);
    assert_int_equal(se_pwr_read(p, PWR_SR2, 4) & (1u << 10), 0);
    se_pwr_write(p, PWR_CR1, 0x200u, 4); /* range 1 */
    assert_int_equal(se_pwr_read(p, PWR_SR2, 4) & (1u << 10), 0);
    free(p);
}

static void test_smpshprdy_set_after_reset(void **state)
{
    (void)state;
    se_pwr *p = new_pwr();
    assert_int_equal(se_pwr_read(p, PWR_SR1, 4), 0x00008000u);
    se_pwr_write(p, PWR_SR1, 0, 4); /* read-only */
    assert_int_equal(se_pwr_read(p, PWR_SR1, 4), 0x00008000u);
    se_pwr_write(p, 0x0C, 1u << 12, 4); /* CR4.SMPSBYP: bypass ready instead */
    assert_int_equal(se_pwr_read(p, PWR_SR1, 4), 0x00001000u);
    free(p);
}

/* ---- GPIO ------------------------------------------------------------------------------- */

static void test_bsrr_sets_and_resets_odr(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(2, false);
    se_gpio_write(g, GPIO_BSRR, 0x00000005u, 4);
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x5u);
    se_gpio_write(g, GPIO_BSRR, 0x00010002u, 4); /* reset 0, set 1 */
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x6u);
    se_gpio_write(g, GPIO_BSRR, 0x00020002u, 4); /* both: set wins */
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x6u);
    se_gpio_write(g, GPIO_BSRR + 2, 0x0004u, 2); /* STRH to the BR half */
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0x2u);
    se_gpio_write(g, GPIO_BRR, 0x2u, 4);
    assert_int_equal(se_gpio_read(g, GPIO_ODR, 4), 0);
    assert_int_equal(se_gpio_read(g, GPIO_BSRR, 4), 0); /* write-only */
    free(g);
}

static void test_idr_shows_outputs_and_pull_ups(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(3, false);
    se_gpio_write(g, GPIO_MODER, 0xFFFFFFF1u, 4); /* pin 0 output, pin 1 input */
    se_gpio_write(g, 0x0C, 0x4u, 4);               /* pin 1 pull-up */
    se_gpio_write(g, GPIO_ODR, 0x1u, 4);
    assert_int_equal(se_gpio_read(g, GPIO_IDR, 4), 0x3u);
    free(g);
}

static void test_lckr_sequence_freezes_the_pin_configuration(void **state)
{
    (void)state;
    se_gpio *g = new_gpio(4, false);
    se_gpio_write(g, GPIO_LCKR, 0x10001u, 4);
    se_gpio_write(g, GPIO_LCKR, 0x00001u, 4);
    se_gpio_write(g, GPIO_LCKR, 0x10001u, 4);
    (void)se_gpio_read(g, GPIO_LCKR, 4);
    assert_int_equal(se_gpio_read(g, GPIO_LCKR, 4), 0x10001u);
    se_gpio_write(g, GPIO_MODER, 0, 4);
    assert_int_equal(se_gpio_read(g, GPIO_MODER, 4), 0x3u); /* pin 0 kept analog */
    free(g);
}

/* ---- through the bus -------------------------------------------------------------------- */

typedef struct board {
    se_bus *bus;
    se_stm32l5 soc;
    logbook book;
    se_periph_host host;
} board;

static board *board_new(bool tzen)
{
    board *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->host.opaque = &b->book;
    b->host.log = book_log;
    b->bus = se_bus_new(0x40000000u, 0x10000000u, 0x50000000u);
    assert_non_null(b->bus);
    assert_int_equal(se_stm32l5_attach(b->bus, tzen, &b->host, &b->soc), 0);
    return b;
}

static void board_free(board *b)
{
    se_bus_free(b->bus);
    free(b);
}

static uint32_t rd(board *b, uint32_t a)
{
    return se_bus_read(b->bus, a, 4);
}

static void wr(board *b, uint32_t a, uint32_t v)
{
    se_bus_write(b->bus, a, v, 4);
}

#define RCC 0x40021000u
#define PWR 0x40007000u
#define FLASH 0x40022000u

/* docs/hardware.md C.7: HAL_PWREx_ControlVoltageScaling(SCALE0), HAL_RCC_OscConfig(MSI range 6,
 * PLL from MSI M=1 N=55 R=2), HAL_RCC_ClockConfig(PLL, latency 5), in the HAL's order. */
static void test_l562e_dk_loader_clock_sequence_reaches_110_mhz(void **state)
{
    (void)state;
    board *b = board_new(false);

    /* 1. voltage scaling, before PWREN is set */
    assert_int_equal((rd(b, PWR + PWR_CR1) >> 9) & 3u, 2u);
    assert_true(rd(b, PWR + PWR_SR1) & ((1u << 12) | (1u << 15)));
    assert_int_equal(rd(b, PWR + 0x0C) & (1u << 15), 0); /* CR4.SMPSLPEN */
    wr(b, PWR + PWR_CR1, rd(b, PWR + PWR_CR1) & ~0x600u);
    assert_int_equal(rd(b, PWR + PWR_SR2) & (1u << 10), 0);

    /* 2. MSI range 6 while SWS = MSI */
    assert_int_equal(rd(b, RCC + RCC_CFGR) & 0xCu, 0);
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) | CR_MSIRGSEL);
    wr(b, RCC + RCC_CR, (rd(b, RCC + RCC_CR) & ~0xF0u) | 0x60u);
    wr(b, RCC + RCC_ICSCR, (rd(b, RCC + RCC_ICSCR) & ~0xFF00u)); /* MSITRIM 0 */
    wr(b, RCC + RCC_APB1ENR1, rd(b, RCC + RCC_APB1ENR1) | (1u << 28));
    assert_int_equal((rd(b, PWR + PWR_CR1) >> 9) & 3u, 0u);
    wr(b, RCC + RCC_APB1ENR1, rd(b, RCC + RCC_APB1ENR1) & ~(1u << 28));
    wr(b, FLASH + FLASH_ACR, (rd(b, FLASH + FLASH_ACR) & ~0xFu) | 0u);
    assert_int_equal(rd(b, FLASH + FLASH_ACR) & 0xFu, 0u);
    /* PLL off, wait unlocked, configure, on, wait locked */
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) & ~CR_PLLON);
    assert_int_equal(rd(b, RCC + RCC_CR) & CR_PLLRDY, 0);
    uint32_t pllcfgr = 1u /* MSI */ | (0u << 4) /* M-1 */ | (55u << 8) | (0u << 17) /* P=7 */ |
                       (0u << 21) /* Q=2 */ | (0u << 25) /* R=2 */;
    wr(b, RCC + RCC_PLLCFGR, pllcfgr);
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) | CR_PLLON);
    wr(b, RCC + RCC_PLLCFGR, rd(b, RCC + RCC_PLLCFGR) | (1u << 24)); /* PLLREN */
    assert_true(rd(b, RCC + RCC_CR) & CR_PLLRDY);

    /* 3. latency 5, HPRE /2 across the switch, SW = PLL, HPRE /1 */
    wr(b, FLASH + FLASH_ACR, (rd(b, FLASH + FLASH_ACR) & ~0xFu) | 5u);
    assert_int_equal(rd(b, FLASH + FLASH_ACR) & 0xFu, 5u);
    assert_true(rd(b, RCC + RCC_CR) & CR_PLLRDY);
    wr(b, RCC + RCC_CFGR, (rd(b, RCC + RCC_CFGR) & ~0xF0u) | 0x80u);
    wr(b, RCC + RCC_CFGR, (rd(b, RCC + RCC_CFGR) & ~0x3u) | 0x3u);
    assert_int_equal(rd(b, RCC + RCC_CFGR) & 0xCu, 0xCu);
    assert_int_equal(se_rcc_hclk(b->soc.rcc), 55000000u);
    wr(b, RCC + RCC_CFGR, rd(b, RCC + RCC_CFGR) & ~0xF0u);
    wr(b, RCC + RCC_CFGR, rd(b, RCC + RCC_CFGR) & ~0x3F00u); /* PPRE1/2 /1 */

    assert_int_equal((rd(b, RCC + RCC_CFGR) >> 2) & 3u, 3u);
    assert_int_equal(se_rcc_sysclk(b->soc.rcc), 110000000u);
    assert_int_equal(se_rcc_hclk(b->soc.rcc), 110000000u);
    assert_int_equal(b->soc.rcc->hclk, 110000000u);
    assert_int_equal(b->book.n, 0); /* nothing to report in the good path */
    board_free(b);
}

static void test_secure_alias_reaches_the_same_rcc_state(void **state)
{
    (void)state;
    board *b = board_new(true);
    wr(b, 0x50021000u + RCC_AHB1ENR, 0x00400100u); /* GTZCEN through the secure alias */
    assert_int_equal(rd(b, RCC + RCC_AHB1ENR), 0x00400100u);
    assert_int_equal(b->soc.rcc->r[RCC_AHB1ENR / 4], 0x00400100u);
    assert_int_equal(rd(b, 0x50021000u + RCC_CR), 0x63u);
    assert_int_equal(rd(b, 0x52020000u + GPIO_SECCFGR), 0xFFFFu); /* GPIOA, TZEN=1 */
    assert_int_equal(rd(b, 0x50022000u + FLASH_OPTR) >> 31, 1u);
    board_free(b);
}

static void test_unknown_offset_logs_once_and_reads_zero(void **state)
{
    (void)state;
    board *b = board_new(false);
    assert_int_equal(rd(b, RCC + 0x24), 0); /* reserved hole */
    assert_int_equal(rd(b, RCC + 0x24), 0);
    wr(b, RCC + 0x24, 0x1234u);
    assert_int_equal(b->book.n, 1);
    assert_non_null(strstr(b->book.last, "0x40021024"));
    assert_int_equal(rd(b, 0x42020000u + 0x2C), 0); /* GPIOA +0x2C: no HSLVR on the L5 */
    assert_int_equal(b->book.n, 2);
    assert_non_null(strstr(b->book.last, "GPIOA"));
    board_free(b);
}

static void test_bus_reset_keeps_the_board_configuration(void **state)
{
    (void)state;
    board *b = board_new(true);
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) | CR_HSION);
    wr(b, RCC + RCC_CFGR, 1u);
    assert_int_equal(b->soc.rcc->hclk, 16000000u);
    se_bus_reset(b->bus);
    assert_int_equal(rd(b, RCC + RCC_CR), 0x63u);
    assert_int_equal(b->soc.rcc->hclk, 4000000u);
    assert_int_equal(rd(b, 0x42020400u + GPIO_MODER), 0xFFFFFEBFu); /* GPIOB values kept */
    assert_int_equal(rd(b, 0x42020400u + GPIO_SECCFGR), 0xFFFFu);
    assert_int_equal(rd(b, FLASH + FLASH_OPTR) >> 31, 1u);
    assert_ptr_equal(b->soc.rcc->host, &b->host);
    board_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rcc_reset_values_match_the_svd),
        cmocka_unit_test(test_pwr_reset_selects_range_2),
        cmocka_unit_test(test_gpio_moder_reset_values_per_port),
        cmocka_unit_test(test_gpio_seccfgr_all_secure_when_tzen),
        cmocka_unit_test(test_flash_optr_reflects_tzen_and_dbank),
        cmocka_unit_test(test_ready_flags_follow_their_enables),
        cmocka_unit_test(test_hse_never_ready_without_a_crystal),
        cmocka_unit_test(test_pll_from_a_stopped_source_does_not_lock_and_is_reported),
        cmocka_unit_test(test_sws_follows_sw_only_when_the_source_is_ready),
        cmocka_unit_test(test_msi_range_from_cr_only_after_msirgsel),
        cmocka_unit_test(test_byte_write_merges_into_its_lane),
        cmocka_unit_test(test_acr_latency_reads_back),
        cmocka_unit_test(test_flash_cr_unlocks_with_the_key_sequence_only),
        cmocka_unit_test(test_vosf_clear_after_vos_change),
        cmocka_unit_test(test_smpshprdy_set_after_reset),
        cmocka_unit_test(test_bsrr_sets_and_resets_odr),
        cmocka_unit_test(test_idr_shows_outputs_and_pull_ups),
        cmocka_unit_test(test_lckr_sequence_freezes_the_pin_configuration),
        cmocka_unit_test(test_l562e_dk_loader_clock_sequence_reaches_110_mhz),
        cmocka_unit_test(test_secure_alias_reaches_the_same_rcc_state),
        cmocka_unit_test(test_unknown_offset_logs_once_and_reads_zero),
        cmocka_unit_test(test_bus_reset_keeps_the_board_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
