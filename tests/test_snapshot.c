/* Snapshots (emu/snapshot.c): a restore rolls back each part the machine has (the CPU,
 * SRAM, every device, the flash part's state, the flash array, the machine's own state:
 * time, the SCS, TrustZone), and leaves its resources (the coverage map) alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/boards/stm32l5.h"
#include "emu/inspect.h"
#include "emu/profile.h"
#include "peripherals/gpio_regs.h"
#include "util/harness.h"

#define DEV 0x90000000u

static void test_restore_rolls_back_every_part(void **state)
{
    (void)state;
    th_session s;
    th_open(&s, "ref_mx25_l562", false, NULL, NULL);
    assert_int_equal(se_host_init_only(s.h, &s.err), SE_OK);
    se_machine *m = s.m;
    se_machine_snap *snap = se_machine_snap_take(m);
    assert_non_null(snap);

    /* before */
    uint32_t r4 = se_machine_reg_read(m, SE_REG_R4);
    uint64_t cycles = se_machine_cycles(m), ns = se_machine_now_ns(m);
    uint32_t core_hz = se_machine_core_hz(m);
    uint8_t sram_byte = se_machine_sram(m)[0x30000];
    uint32_t odr = se_bus_read(se_machine_bus(m), SE_L5_GPIOA_BASE + GPIO_ODR, 4);
    se_scs *scs = se_machine_scs(m);
    uint32_t vtor = scs->vtor, sau_ctrl = scs->sau_ctrl;
    uint8_t flash[64], now[64];
    assert_true(se_machine_device_read(m, DEV, flash, sizeof flash));
    se_flash_stats fs0, fs1;
    se_machine_flash_stats(m, &fs0);
    unsigned warnings = se_machine_warnings(m);

    /* change every part: the loader erases and programs (CPU, SRAM buffer, time, the
     * flash part and array), the debugger writes the rest */
    uint8_t data[256];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    assert_int_equal(se_host_erase(s.h, DEV, sizeof data, &s.err), SE_OK);
    assert_int_equal(se_host_write(s.h, DEV, data, sizeof data, &s.err), SE_OK);
    se_machine_reg_write(m, SE_REG_R4, r4 ^ 0xA5A5A5A5u);
    se_machine_sram(m)[0x30000] = (uint8_t)~sram_byte;
    se_bus_write(se_machine_bus(m), SE_L5_GPIOA_BASE + GPIO_ODR, odr ^ 0x8001u, 4);
    scs->vtor = vtor + 0x200u;
    scs->sau_ctrl = sau_ctrl ^ 1u;
    se_machine_set_core_hz(m, core_hz == 16000000u ? 8000000u : 16000000u);
    assert_true(se_machine_cycles(m) > cycles);
    assert_true(se_machine_device_read(m, DEV, now, sizeof now));
    assert_memory_not_equal(now, flash, sizeof now);
    se_machine_flash_stats(m, &fs1);
    assert_true(fs1.frames > fs0.frames);

    static uint8_t map[1024];
    assert_int_equal(se_machine_set_coverage(m, map, sizeof map, &s.err), SE_OK);
    se_machine_snap_restore(m, snap);

    assert_int_equal(se_machine_reg_read(m, SE_REG_R4), r4);  /* cpu */
    assert_int_equal(se_machine_sram(m)[0x30000], sram_byte); /* sram */
    assert_int_equal(se_bus_read(se_machine_bus(m), SE_L5_GPIOA_BASE + GPIO_ODR, 4),
                     odr); /* devices */
    assert_true(se_machine_device_read(m, DEV, now, sizeof now));
    assert_memory_equal(now, flash, sizeof now); /* flash array */
    se_machine_flash_stats(m, &fs1);
    assert_int_equal(fs1.frames, fs0.frames);       /* flash part */
    assert_int_equal(se_machine_cycles(m), cycles); /* machine: time */
    assert_int_equal(se_machine_now_ns(m), ns);
    assert_int_equal(se_machine_core_hz(m), core_hz);
    assert_int_equal(scs->vtor, vtor);                  /* machine: SCS */
    assert_int_equal(scs->sau_ctrl, sau_ctrl);          /* machine: TZ */
    assert_int_equal(se_machine_warnings(m), warnings); /* machine: reports */

    /* resources stay: the coverage map set after the snapshot still counts */
    memset(map, 0, sizeof map);
    assert_int_equal(se_host_erase(s.h, DEV, sizeof data, &s.err), SE_OK);
    unsigned hit = 0;
    for (unsigned i = 0; i < sizeof map; i++)
        hit += map[i] != 0;
    assert_true(hit > 0);
    assert_int_equal(se_machine_set_coverage(m, NULL, 0, &s.err), SE_OK);

    /* and the machine runs on from the restored state: the same write programs again */
    assert_int_equal(se_host_write(s.h, DEV, data, sizeof data, &s.err), SE_OK);
    assert_true(se_machine_device_read(m, DEV, now, sizeof now));
    assert_memory_equal(now, data, sizeof now);
    se_machine_snap_free(snap);
    th_close(&s);
}

/* A profile's more RAM (the STM32F7508-DK's ITCM RAM at 0, where Keil RWPI loaders keep their
 * data through R9 = 0) is a part too: a fuzz run's data there does not leak into the next. */
static void test_restore_rolls_back_more_ram(void **state)
{
    (void)state;
    th_session s;
    th_open_profile(&s, "ref_n25q_f750", se_profile_find_tz("stm32f7508-dk", "off"), NULL, NULL);
    uint32_t before = 0x11223344u, after = 0x55667788u, v = 0;
    assert_int_equal(se_machine_write(s.m, 0x40u, &before, 4, &s.err), SE_OK);
    se_machine_snap *snap = se_machine_snap_take(s.m);
    assert_non_null(snap);
    assert_int_equal(se_machine_write(s.m, 0x40u, &after, 4, &s.err), SE_OK);
    assert_int_equal(se_machine_read(s.m, 0x40u, &v, 4, &s.err), SE_OK);
    assert_int_equal(v, after);
    se_machine_snap_restore(s.m, snap);
    assert_int_equal(se_machine_read(s.m, 0x40u, &v, 4, &s.err), SE_OK);
    assert_int_equal(v, before);
    se_machine_snap_free(snap);
    th_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restore_rolls_back_every_part),
        cmocka_unit_test(test_restore_rolls_back_more_ram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
