/* The STM32L5 SoC's system devices on the bus (emu/boards/stm32l5.c): the clock/power
 * sequence of ST's L562E-DK loader (docs/hardware.md C.7), the secure alias, unknown offsets,
 * a bus reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/boards/stm32l5.h"
#include "emu/bus.h"
#include "peripherals/flashif.h"
#include "peripherals/flashif_regs.h"
#include "peripherals/gpio.h"
#include "peripherals/gpio_regs.h"
#include "peripherals/pwr.h"
#include "peripherals/pwr_regs.h"
#include "peripherals/rcc.h"
#include "peripherals/rcc_regs.h"

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
    assert_int_equal(se_stm32l5_attach_system(b->bus, tzen, &b->host, &b->soc), 0);
    return b;
}

static void board_free(board *b)
{
    se_bus_free(b->bus);
    free(b);
}

static uint32_t rd(board *b, uint32_t a) { return se_bus_read(b->bus, a, 4); }

static void wr(board *b, uint32_t a, uint32_t v) { se_bus_write(b->bus, a, v, 4); }

#define RCC 0x40021000u
#define PWR 0x40007000u
#define FLASH 0x40022000u

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
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) | RCC_CR_MSIRGSEL);
    wr(b, RCC + RCC_CR, (rd(b, RCC + RCC_CR) & ~0xF0u) | 0x60u);
    wr(b, RCC + RCC_ICSCR, (rd(b, RCC + RCC_ICSCR) & ~0xFF00u)); /* MSITRIM 0 */
    wr(b, RCC + RCC_APB1ENR1, rd(b, RCC + RCC_APB1ENR1) | (1u << 28));
    assert_int_equal((rd(b, PWR + PWR_CR1) >> 9) & 3u, 0u);
    wr(b, RCC + RCC_APB1ENR1, rd(b, RCC + RCC_APB1ENR1) & ~(1u << 28));
    wr(b, FLASH + FLASH_ACR, (rd(b, FLASH + FLASH_ACR) & ~0xFu) | 0u);
    assert_int_equal(rd(b, FLASH + FLASH_ACR) & 0xFu, 0u);
    /* PLL off, wait unlocked, configure, on, wait locked */
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) & ~RCC_CR_PLLON);
    assert_int_equal(rd(b, RCC + RCC_CR) & RCC_CR_PLLRDY, 0);
    uint32_t pllcfgr = 1u /* MSI */ | (0u << 4) /* M-1 */ | (55u << 8) | (0u << 17) /* P=7 */ |
                       (0u << 21) /* Q=2 */ | (0u << 25) /* R=2 */;
    wr(b, RCC + RCC_PLLCFGR, pllcfgr);
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) | RCC_CR_PLLON);
    wr(b, RCC + RCC_PLLCFGR, rd(b, RCC + RCC_PLLCFGR) | (1u << 24)); /* PLLREN */
    assert_true(rd(b, RCC + RCC_CR) & RCC_CR_PLLRDY);

    /* 3. latency 5, HPRE /2 across the switch, SW = PLL, HPRE /1 */
    wr(b, FLASH + FLASH_ACR, (rd(b, FLASH + FLASH_ACR) & ~0xFu) | 5u);
    assert_int_equal(rd(b, FLASH + FLASH_ACR) & 0xFu, 5u);
    assert_true(rd(b, RCC + RCC_CR) & RCC_CR_PLLRDY);
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
    wr(b, RCC + RCC_CR, rd(b, RCC + RCC_CR) | RCC_CR_HSION);
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
        cmocka_unit_test(test_l562e_dk_loader_clock_sequence_reaches_110_mhz),
        cmocka_unit_test(test_secure_alias_reaches_the_same_rcc_state),
        cmocka_unit_test(test_unknown_offset_logs_once_and_reads_zero),
        cmocka_unit_test(test_bus_reset_keeps_the_board_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
