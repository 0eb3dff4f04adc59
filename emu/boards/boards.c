/* The built-in boards (emu/board.h): one line per board file. */
#include <string.h>

#include "emu/board.h"

extern const se_board se_board_stm32l562e_dk;
extern const se_board se_board_stm32u585i_iot02a;
extern const se_board se_board_stm32u5a9j_dk;
extern const se_board se_board_stm32h573i_dk;
extern const se_board se_board_stm32l552_w25q256;
extern const se_board se_board_stm32l496g_disco;
extern const se_board se_board_stm32f469i_eval;
extern const se_board se_board_stm32h7b3i_eval;
extern const se_board se_board_stm32h7b3i_dk;
extern const se_board se_board_stm32f7508_dk;
extern const se_board se_board_stm32f446re_nucleo;
extern const se_board se_board_stm32f411_blackpill;

/* One line per board (the comments keep clang-format from packing them). */
static const se_board *const boards[] = {
    &se_board_stm32l562e_dk,       /* OCTOSPI, MX25LM51245G */
    &se_board_stm32u585i_iot02a,   /* STM32U5, OCTOSPI2 */
    &se_board_stm32u5a9j_dk,       /* STM32U5, MX25UM51245G */
    &se_board_stm32h573i_dk,       /* STM32H5 */
    &se_board_stm32l552_w25q256,   /* quad SPI on OCTOSPI1 */
    &se_board_stm32l496g_disco,    /* QUADSPI */
    &se_board_stm32f469i_eval,     /* QUADSPI, F4 */
    &se_board_stm32h7b3i_eval,     /* Cortex-M7, OCTOSPI1 */
    &se_board_stm32h7b3i_dk,       /* Cortex-M7, OCTOSPI1 */
    &se_board_stm32f7508_dk,       /* Cortex-M7, QUADSPI */
    &se_board_stm32f446re_nucleo,  /* SPI1, F4 */
    &se_board_stm32f411_blackpill, /* SPI1, F4 */
    NULL,
};

const se_board *const *se_boards(void) { return boards; }

const se_board *se_board_find(const char *name)
{
    for (size_t i = 0; name && boards[i]; i++)
        if (strcmp(boards[i]->name, name) == 0)
            return boards[i];
    return NULL;
}

bool se_tz_mode_parse(const char *s, se_tz_mode *out)
{
    static const char *const names[SE_TZ_NMODES] = {"off", "on", "secure"};
    for (int i = 0; s && i < SE_TZ_NMODES; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (se_tz_mode)i;
            return true;
        }
    return false;
}
