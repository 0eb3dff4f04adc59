/* The serial-NOR parts table: one constant row per chip (docs/serial-nor.md; docs/modelled.md
 * "Serial NOR parts"). Busy times are typical figures; a value marked [uncertain] was not found
 * in a datasheet or loader table and is an estimate of the family's usual order. */
#include <stdlib.h>
#include <strings.h>

#include "peripherals/mx25lm51245g.h"
#include "peripherals/spinor.h"

#define MS 1000000ull
#define US 1000ull
#define S 1000000000ull

/* Winbond W25Q (docs/serial-nor.md 3): dummies 0x0B/0x3B/0x6B 8, 0xBB mode byte on 2
 * lines = 4, 0xEB mode byte (2) + 4. Times: the JV datasheet figures "commonly quoted"
 * [uncertain]: page 0.7 ms, 4 KiB 45 ms, 32 KiB 120 ms, 64 KiB 150 ms, SR write 10 ms. */
#define WINBOND_DUMMY    \
    {                    \
        8, 8, 4, 8, 6, 0 \
    }
#define WINBOND_CAPS (SE_SPINOR_CAP_32K | SE_SPINOR_CAP_PP_114 | SE_SPINOR_CAP_READ_122_144)
#define WINBOND_TIMES(chip_s)                                      \
    {                                                              \
        700 * US, 45 * MS, 120 * MS, 150 * MS, (chip_s)*S, 10 * MS \
    }

/* Micron (7.2, 7.3, S9e, S9n): defaults 8 dummies, 10 for 0xEB and in QPI; VCR overrides. */
#define MICRON_DUMMY       \
    {                      \
        8, 8, 8, 8, 10, 10 \
    }
#define MICRON_CAPS \
    (SE_SPINOR_CAP_PP_114 | SE_SPINOR_CAP_PP_144 | SE_SPINOR_CAP_READ_122_144 | SE_SPINOR_CAP_QPI)

/* Macronix (7.5, 7.6, S9m): 0x0B/0x3B/0x6B 8, 0xBB 4, 0xEB 2 + 4 (the L496 BSP sends the
 * alternate byte on 4 lines and 4 dummies), QPI 6 [uncertain: ST's mx25r6435f.h lists
 * 4 for the dual and quad-output reads; the datasheet figures used here were not re-read]. */
#define MACRONIX_DUMMY   \
    {                    \
        8, 8, 4, 8, 6, 6 \
    }

enum {
    P_W25Q80,
    P_W25Q64JV,
    P_W25Q128JV,
    P_W25Q256JV,
    P_N25Q128A,
    P_MT25QL512A,
    P_MT25QL256A,
    P_MX25R6435F,
    P_MX25L6433F,
    NPARTS
};

static const se_spinor_part parts[NPARTS] = {
    [P_W25Q80] = {"W25Q80",
                  {0xEF, 0x40, 0x14},
                  3,
                  0x13,
                  0x00100000u,
                  256,
                  SE_SPINOR_WINBOND,
                  WINBOND_CAPS,
                  1,
                  WINBOND_DUMMY,
                  WINBOND_TIMES(2),
                  "serial-nor.md 3 [S12, S13d]"},
    [P_W25Q64JV] = {"W25Q64JV",
                    {0xEF, 0x40, 0x17},
                    3,
                    0x16,
                    0x00800000u,
                    256,
                    SE_SPINOR_WINBOND,
                    WINBOND_CAPS,
                    1,
                    WINBOND_DUMMY,
                    WINBOND_TIMES(20),
                    "serial-nor.md 3 [S12, S13d]; ID from the family's numbering [uncertain]"},
    [P_W25Q128JV] = {"W25Q128JV",
                     {0xEF, 0x40, 0x18},
                     3,
                     0x17,
                     0x01000000u,
                     256,
                     SE_SPINOR_WINBOND,
                     WINBOND_CAPS,
                     1,
                     WINBOND_DUMMY,
                     WINBOND_TIMES(40),
                     "serial-nor.md 3 [S12, S13d]"},
    [P_W25Q256JV] = {"W25Q256JV",
                     {0xEF, 0x40, 0x19},
                     3,
                     0x18,
                     0x02000000u,
                     256,
                     SE_SPINOR_WINBOND,
                     WINBOND_CAPS | SE_SPINOR_CAP_4B,
                     1,
                     WINBOND_DUMMY,
                     WINBOND_TIMES(80),
                     "serial-nor.md 3 [S12, S13d]"},
    /* N25Q128A: 4 KiB and 64 KiB erase only; loader table page 0.2 ms, 64 KiB 0.7 s, chip
     * 100 s (S1f); 4 KiB 50 ms [uncertain]. Extended ID bytes not sourced: 3 bytes. */
    [P_N25Q128A] = {"N25Q128A",
                    {0x20, 0xBA, 0x18},
                    3,
                    0x00,
                    0x01000000u,
                    256,
                    SE_SPINOR_MICRON,
                    MICRON_CAPS,
                    0,
                    MICRON_DUMMY,
                    {200 * US, 50 * MS, 0, 700 * MS, 100 * S, 1 * MS},
                    "serial-nor.md 4 [S9n, S1f]"},
    /* MT25QL512A: page 0.12 ms, 64 KiB 150 ms, chip 153 s (S1e); 4/32 KiB [uncertain]. */
    [P_MT25QL512A] = {"MT25QL512A",
                      {0x20, 0xBA, 0x20, 0x10, 0x44, 0x00},
                      6,
                      0x00,
                      0x04000000u,
                      256,
                      SE_SPINOR_MICRON,
                      MICRON_CAPS | SE_SPINOR_CAP_4B | SE_SPINOR_CAP_32K,
                      0,
                      MICRON_DUMMY,
                      {120 * US, 50 * MS, 100 * MS, 150 * MS, 153 * S, 1 * MS},
                      "serial-nor.md 4 [S9e, S1e]"},
    /* MT25QL256A: the MT25QL512A's organisation at 32 MiB; ID from S12; times as the
     * MT25QL512A's but chip erase halved [uncertain]. */
    [P_MT25QL256A] = {"MT25QL256A",
                      {0x20, 0xBA, 0x19},
                      3,
                      0x00,
                      0x02000000u,
                      256,
                      SE_SPINOR_MICRON,
                      MICRON_CAPS | SE_SPINOR_CAP_4B | SE_SPINOR_CAP_32K,
                      0,
                      MICRON_DUMMY,
                      {120 * US, 50 * MS, 100 * MS, 150 * MS, 77 * S, 1 * MS},
                      "serial-nor.md 4 [S12; times uncertain]"},
    /* MX25R6435F: page 0.85 ms, 4 KiB 40 ms, chip 50 s (S1g); 32/64 KiB [uncertain]. REMS
     * device ID [uncertain]. */
    [P_MX25R6435F] = {"MX25R6435F",
                      {0xC2, 0x28, 0x17},
                      3,
                      0x17,
                      0x00800000u,
                      256,
                      SE_SPINOR_MACRONIX,
                      SE_SPINOR_CAP_32K | SE_SPINOR_CAP_PP_144 | SE_SPINOR_CAP_READ_122_144 |
                          SE_SPINOR_CAP_SECR | SE_SPINOR_CAP_CR2,
                      6,
                      MACRONIX_DUMMY,
                      {850 * US, 40 * MS, 200 * MS, 400 * MS, 50 * S, 10 * MS},
                      "serial-nor.md 5 [S9m, S1g, S10]"},
    /* MX25L6433F: structure from the Macronix family (7.6, not read in a datasheet); times
     * as the MX25R [uncertain]. */
    [P_MX25L6433F] = {"MX25L6433F",
                      {0xC2, 0x20, 0x17},
                      3,
                      0x16,
                      0x00800000u,
                      256,
                      SE_SPINOR_MACRONIX,
                      SE_SPINOR_CAP_32K | SE_SPINOR_CAP_PP_144 | SE_SPINOR_CAP_READ_122_144 |
                          SE_SPINOR_CAP_SECR | SE_SPINOR_CAP_QPI,
                      6,
                      MACRONIX_DUMMY,
                      {850 * US, 40 * MS, 200 * MS, 400 * MS, 50 * S, 10 * MS},
                      "serial-nor.md 5 [S12; structure uncertain]"},
};

static const se_spinor_part *const part_list[NPARTS + 1] = {
    &parts[P_W25Q80],     &parts[P_W25Q64JV],
    &parts[P_W25Q128JV],  &parts[P_W25Q256JV],
    &parts[P_N25Q128A],   &parts[P_MT25QL512A],
    &parts[P_MT25QL256A], &parts[P_MX25R6435F],
    &parts[P_MX25L6433F], NULL,
};

const se_spinor_part *const *se_spinor_parts(void) { return part_list; }

const se_spinor_part *se_spinor_part_find(const char *name)
{
    for (size_t i = 0; name && i < NPARTS; i++)
        if (strcasecmp(parts[i].name, name) == 0)
            return &parts[i];
    return NULL;
}

/* ---- one board-facing class per row ---------------------------------------------------- */

static void class_destroy(void *chip) { se_spinor_free(chip); }

static void class_times(const void *chip, se_flash_times *t)
{
    const se_spinor_part *p = ((const se_spinor *)chip)->part;
    *t = (se_flash_times){p->t.page, p->page, p->t.e4k, p->t.e64k, p->t.chip};
}

static void class_configure(void *chip, bool log_commands, unsigned warn_log_limit)
{
    se_spinor *s = chip;
    s->log_commands = log_commands;
    s->warn_log_limit = warn_log_limit;
}

static unsigned class_stats(const void *chip, uint64_t *frames, uint64_t *warnings,
                            se_flash_stat *kinds, unsigned max)
{
    const se_spinor_counters *c = &((const se_spinor *)chip)->counters;
    const se_flash_stat all[] = {
        {"unerased_program", c->unerased_program},
        {"unerased_bytes", c->unerased_bytes},
        {"no_wel", c->no_wel},
        {"read_while_busy", c->read_while_busy},
        {"command_while_busy", c->cmd_while_busy},
        {"unknown_command", c->unknown_command},
        {"wrong_mode", c->wrong_mode},
        {"quad_disabled", c->quad_disabled},
        {"wrong_dummy", c->wrong_dummy},
        {"bad_frame", c->bad_frame},
        {"bad_sequence", c->bad_sequence},
        {"deep_power_down", c->deep_power_down},
        {"not_modelled", c->not_modelled},
    };
    unsigned n = 0;
    for (; n < max && n < sizeof all / sizeof all[0]; n++)
        kinds[n] = all[n];
    *frames = c->frames;
    *warnings = c->warnings;
    return n;
}

#define PART_CREATE(i)                                                                     \
    static void *create_##i(const struct se_periph_host *host, struct se_flash_image *img) \
    {                                                                                      \
        return se_spinor_new(&parts[i], host, img);                                        \
    }
PART_CREATE(0)
PART_CREATE(1)
PART_CREATE(2)
PART_CREATE(3)
PART_CREATE(4)
PART_CREATE(5)
PART_CREATE(6)
PART_CREATE(7)
PART_CREATE(8)

/* Names and sizes repeat the rows (a static initializer cannot read them); test_spinor
 * checks that every class matches its row. */
#define PART_CLASS(i, label, bytes)                                                           \
    {                                                                                         \
        .name = label, .size = bytes, .state_size = sizeof(se_spinor), .ops = &se_spinor_ops, \
        .create = create_##i, .destroy = class_destroy, .configure = class_configure,         \
        .stats = class_stats, .times = class_times,                                           \
    }
static const se_flash_chip_class classes[NPARTS] = {
    PART_CLASS(0, "W25Q80", 0x00100000u),     PART_CLASS(1, "W25Q64JV", 0x00800000u),
    PART_CLASS(2, "W25Q128JV", 0x01000000u),  PART_CLASS(3, "W25Q256JV", 0x02000000u),
    PART_CLASS(4, "N25Q128A", 0x01000000u),   PART_CLASS(5, "MT25QL512A", 0x04000000u),
    PART_CLASS(6, "MT25QL256A", 0x02000000u), PART_CLASS(7, "MX25R6435F", 0x00800000u),
    PART_CLASS(8, "MX25L6433F", 0x00800000u),
};
_Static_assert(NPARTS == 9, "one PART_CREATE and PART_CLASS per row");

const se_flash_chip_class *se_spinor_class(const se_spinor_part *part)
{
    for (size_t i = 0; i < NPARTS; i++)
        if (part == &parts[i])
            return &classes[i];
    return NULL;
}

const se_flash_chip_class *se_flash_chip_find(const char *name)
{
    if (name && strcasecmp(name, se_mx25lm51245g_class.name) == 0)
        return &se_mx25lm51245g_class;
    return se_spinor_class(se_spinor_part_find(name));
}
