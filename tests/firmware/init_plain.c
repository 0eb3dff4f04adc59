/* Init of sram_loader / sram_loader_tz: nothing to set up for an SRAM "device". */
#include "loader.h"

#ifdef ODD_TAIL
/* An image whose size is odd (the last downloaded byte is this one): the host's SP rule
 * then gives an odd sum, which the core holds with bits [1:0] clear. */
__attribute__((section(".data.odd_tail"), used)) char odd_tail[1] = {0x5A};
#endif

#ifdef CODE_PAGE_STORES
/* A word in the same 1 KiB page as Init's code, stored to many times: Unicorn 2.0.1 then
 * builds that page's code bitmap in tb_invalidate_phys_page_fast and never frees it (128
 * bytes, reported by LeakSanitizer at exit; tests/lsan.supp and tools/main.c). */
__attribute__((section(".text.zz_code_page_word"), used)) volatile uint32_t code_page_word;
#endif

#ifdef UNMODELLED_READ
/* Reads of RTC_TR and RTC_DR (0x40002800/4, registers no model answers) in the middle of a
 * block, each marked (unmod_insn1, unmod_insn2: object symbols) so that the tests know
 * where the reports must say they were made. */
static inline __attribute__((always_inline)) uint32_t read_unmodelled(void)
{
    uint32_t a, b;
    __asm volatile("movs %0, #0\n\t"
                   "adds %0, %0, #1\n\t"
                   ".global unmod_insn1\n\t.type unmod_insn1, %%object\nunmod_insn1:\n\t"
                   "ldr %0, [%2]\n\t"
                   "adds %1, %0, #3\n\t"
                   ".global unmod_insn2\n\t.type unmod_insn2, %%object\nunmod_insn2:\n\t"
                   "ldr %1, [%2, #4]"
                   : "=&r"(a), "=&r"(b)
                   : "r"(0x40002800u)
                   : "memory");
    return a + b;
}
#endif

#ifdef REPEAT_WARNINGS
/* As ST's BSP before HAL_OSPI_DeInit: OCTOSPI1 reset through RCC_AHB3RSTR and touched with
 * its clock (RCC_AHB3ENR.OSPI1EN) off, three times per Init: the same warning each time. */
#define RCC_AHB3RSTR (*(volatile uint32_t *)0x40021030u)
#define OSPI1_CR (*(volatile uint32_t *)0x44021000u)
static void touch_ospi_unclocked(void)
{
    for (uint32_t i = 0; i < 3u; i++) {
        RCC_AHB3RSTR |= 1u << 8;
        RCC_AHB3RSTR &= ~(1u << 8);
        (void)OSPI1_CR;
    }
}
#endif

#ifdef BIG_IMAGE
/* 0x2000 bytes of constants: an image the size of real loaders (0x1950..0x19FF0 bytes),
 * over the 0x1000 seen once with TrustZone on (docs/protocol.md 2.8). */
const unsigned char big_table[0x2000] = {1, 2, 3};
#endif

int Init(void)
{
    loader_zero_bss();
#ifdef ODD_TAIL
    (void)*(volatile char *)odd_tail; /* referenced: --gc-sections keeps it */
#endif
#ifdef UNMODELLED_READ
    (void)read_unmodelled();
#endif
#ifdef REPEAT_WARNINGS
    touch_ospi_unclocked();
#endif
#ifdef CODE_PAGE_STORES
    for (uint32_t i = 0; i < 64u; i++)
        code_page_word = i;
#endif
#ifdef BIG_IMAGE
    (void)*(volatile const unsigned char *)big_table; /* referenced: --gc-sections keeps it */
#endif
    return 1;
}
