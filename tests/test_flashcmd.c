/* --log-flash as data (base/flashcmd.h): the MX25LM51245G model, driven frame by frame with
 * no CPU, reports each command through se_periph_host.flash_cmd with its fields and the
 * range it affects, and only when commands are logged; without the callback it logs the
 * same text line as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/mx25lm51245g.h"

#define MAXEV 16

typedef struct fx {
    se_flash_image *img;
    se_mx25 *chip;
    se_periph_host host;
    unsigned nev, nlog;
    se_flash_cmd ev[MAXEV];
    char text[MAXEV][400];
    char log[MAXEV][400];
} fx;

static void on_cmd(void *opaque, const se_flash_cmd *c)
{
    fx *f = opaque;
    if (f->nev < MAXEV) {
        f->ev[f->nev] = *c;
        snprintf(f->text[f->nev], sizeof f->text[0], "%s", c->text);
        f->ev[f->nev].text = f->text[f->nev];
    }
    f->nev++;
}

static void on_log(void *opaque, int level, const char *msg)
{
    fx *f = opaque;
    (void)level;
    if (f->nlog < MAXEV)
        snprintf(f->log[f->nlog], sizeof f->log[0], "%s", msg);
    f->nlog++;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->img = se_flash_image_new(SE_MX25_SIZE, 0xFF);
    f->host.opaque = f;
    f->host.log = on_log;
    f->host.flash_cmd = on_cmd;
    f->chip = se_mx25_new(&f->host, f->img);
    f->chip->log_commands = true;
    *state = f;
    return f->chip ? 0 : -1;
}

static int teardown(void **state)
{
    fx *f = *state;
    se_mx25_free(f->chip);
    se_flash_image_free(f->img);
    free(f);
    return 0;
}

/* An SPI frame: 1-line opcode, na address bytes, optional data. */
static void spi(fx *f, uint8_t op, unsigned na, uint32_t addr, void *buf, uint32_t len, bool write)
{
    se_flash_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.inst = (se_flash_phase){1, false, 1};
    fr.inst_value = op;
    if (na) {
        fr.addr = (se_flash_phase){1, false, (uint8_t)na};
        fr.addr_value = addr;
    }
    if (buf) {
        fr.data = (se_flash_phase){1, false, 0};
        fr.write = write;
        fr.buf = buf;
        fr.len = len;
    }
    se_mx25_transfer(f->chip, &fr, 1000000ull);
}

static void test_page_program_reports_its_fields_and_range(void **state)
{
    fx *f = *state;
    uint8_t page[16];
    memset(page, 0x5A, sizeof page);
    spi(f, 0x06, 0, 0, NULL, 0, false);        /* WREN */
    spi(f, 0x02, 3, 0x000120, page, 16, true); /* PP 16 bytes at 0x120 */
    assert_int_equal(f->nev, 2);
    assert_int_equal(f->nlog, 0); /* data, not text lines */
    const se_flash_cmd *c = &f->ev[1];
    assert_string_equal(c->mode, "SPI");
    assert_int_equal(c->opcode, 0x02);
    assert_int_equal(c->opcode_bytes, 1);
    assert_non_null(c->name);
    assert_true(c->has_addr);
    assert_int_equal(c->addr, 0x120);
    assert_int_equal(c->len, 16);
    assert_true(c->write);
    assert_false(c->ignored);
    assert_string_equal(c->effect, "program");
    assert_int_equal(c->nranges, 1);
    assert_int_equal(c->range[0].first, 0x120);
    assert_int_equal(c->range[0].last, 0x12F);
    assert_non_null(strstr(c->text, "program 0x00000120..0x0000012f"));
}

static void test_program_without_wel_is_reported_ignored(void **state)
{
    fx *f = *state;
    uint8_t b[4] = {1, 2, 3, 4};
    spi(f, 0x02, 3, 0, b, 4, true);
    assert_int_equal(f->nev, 1);
    assert_true(f->ev[0].ignored);
    assert_null(f->ev[0].effect);
    assert_int_equal(f->ev[0].nranges, 0);
}

static void test_sector_erase_reports_the_sector(void **state)
{
    fx *f = *state;
    spi(f, 0x06, 0, 0, NULL, 0, false);
    spi(f, 0x20, 3, 0x001234, NULL, 0, false); /* SE: the 4 KiB sector holding it */
    assert_string_equal(f->ev[1].effect, "erase");
    assert_int_equal(f->ev[1].range[0].first, 0x1000);
    assert_int_equal(f->ev[1].range[0].last, 0x1FFF);
}

static void test_nothing_is_reported_unless_commands_are_logged(void **state)
{
    fx *f = *state;
    f->chip->log_commands = false;
    spi(f, 0x06, 0, 0, NULL, 0, false);
    assert_int_equal(f->nev, 0);
}

static void test_without_the_callback_the_text_line_is_logged(void **state)
{
    fx *f = *state;
    f->host.flash_cmd = NULL;
    spi(f, 0x06, 0, 0, NULL, 0, false);
    assert_int_equal(f->nev, 0);
    assert_int_equal(f->nlog, 1);
    assert_non_null(strstr(f->log[0], "flash SPI 0x06"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_page_program_reports_its_fields_and_range, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_program_without_wel_is_reported_ignored, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sector_erase_reports_the_sector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_is_reported_unless_commands_are_logged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_without_the_callback_the_text_line_is_logged, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
