/* The FLASH interface model (peripherals/flashif.c): OPTR by TZEN, ACR latency, the unlock keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/flashif.h"
#include "peripherals/flashif_regs.h"

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

static se_flashif *new_flash(bool tzen)
{
    se_flashif *s = calloc(1, sizeof *s);
    assert_non_null(s);
    se_flashif_configure(s, tzen);
    return s;
}

static void test_flash_optr_reflects_tzen_and_dbank(void **state)
{
    (void)state;
    se_flashif *f0 = new_flash(false);
    se_flashif *f1 = new_flash(true);
    assert_int_equal(se_flashif_read(f0, FLASH_OPTR, 4) & 0x80400000u, 0x00400000u);
    assert_int_equal(se_flashif_read(f1, FLASH_OPTR, 4) & 0x80400000u, 0x80400000u);
    assert_int_equal(se_flashif_read(f0, FLASH_NSCR, 4), 0xC0000000u); /* NSLOCK | OPTLOCK */
    assert_int_equal(se_flashif_read(f0, 0x50, 4), 0xFF00FF00u);       /* SECWM1R1 */
    free(f0);
    free(f1);
}

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
    se_flashif_write(f, FLASH_NSCR, 0x1u, 4);                 /* PG: stored, reported once */
    se_flashif_write(f, FLASH_NSCR, 0x1u, 4);
    assert_int_equal(se_flashif_read(f, FLASH_NSCR, 4), 0x40000001u);
    assert_int_equal(book.n, 2); /* locked write + PG notice */
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_optr_reflects_tzen_and_dbank),
        cmocka_unit_test(test_acr_latency_reads_back),
        cmocka_unit_test(test_flash_cr_unlocks_with_the_key_sequence_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
