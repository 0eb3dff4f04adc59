/* The STM32 families the tool knows (emu/family.h). Every base below is a non-secure address
 * from the family's ST CMSIS device header (emu/family.h names them; docs/hardware.md C.1 for
 * the L5); a block's size is its 1 KiB slot unless said. RAM sizes marked in the headers as
 * "up to" are the largest part's. */
#include "emu/family.h"

#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define K 0x400u

/* ---- STM32L5 (RM0438; stm32l562xx.h): every block of the map, modelled or not ---- */
static const se_block l5_ram[] = {
    {0x20000000u, 0x30000u, "SRAM1"},
    {0x20030000u, 0x10000u, "SRAM2"},
};
static const se_block l5_periph[] = {
    {0x40000000u, K, "TIM2"},        {0x40000400u, K, "TIM3"},        {0x40000800u, K, "TIM4"},
    {0x40000C00u, K, "TIM5"},        {0x40001000u, K, "TIM6"},        {0x40001400u, K, "TIM7"},
    {0x40002800u, K, "RTC"},         {0x40002C00u, K, "WWDG"},        {0x40003000u, K, "IWDG"},
    {0x40003400u, K, "TAMP"},        {0x40003800u, K, "SPI2"},        {0x40003C00u, K, "SPI3"},
    {0x40004400u, K, "USART2"},      {0x40004800u, K, "USART3"},      {0x40004C00u, K, "UART4"},
    {0x40005000u, K, "UART5"},       {0x40005400u, K, "I2C1"},        {0x40005800u, K, "I2C2"},
    {0x40005C00u, K, "I2C3"},        {0x40006000u, K, "CRS"},         {0x40007000u, K, "PWR"},
    {0x40007400u, K, "DAC1"},        {0x40007800u, K, "OPAMP"},       {0x40007C00u, K, "LPTIM1"},
    {0x40008000u, K, "LPUART1"},     {0x40008400u, K, "I2C4"},        {0x40009400u, K, "LPTIM2"},
    {0x40009800u, K, "LPTIM3"},      {0x4000A400u, K, "FDCAN1"},      {0x4000AC00u, K, "SRAMCAN"},
    {0x4000D400u, K, "USB"},         {0x4000DC00u, K, "UCPD1"},       {0x40010000u, K, "SYSCFG"},
    {0x40012C00u, K, "TIM1"},        {0x40013000u, K, "SPI1"},        {0x40013400u, K, "TIM8"},
    {0x40013800u, K, "USART1"},      {0x40014000u, K, "TIM15"},       {0x40014400u, K, "TIM16"},
    {0x40014800u, K, "TIM17"},       {0x40015400u, K, "SAI1"},        {0x40015800u, K, "SAI2"},
    {0x40016000u, K, "DFSDM1"},      {0x40020000u, K, "DMA1"},        {0x40020400u, K, "DMA2"},
    {0x40020800u, K, "DMAMUX1"},     {0x40021000u, K, "RCC"},         {0x40022000u, K, "FLASH"},
    {0x40023000u, K, "CRC"},         {0x40024000u, K, "TSC"},         {0x4002F400u, K, "EXTI"},
    {0x40030400u, K, "ICACHE"},      {0x40032400u, K, "GTZC_TZSC"},   {0x40032800u, K, "GTZC_TZIC"},
    {0x40032C00u, K, "GTZC_MPCBB1"}, {0x40033000u, K, "GTZC_MPCBB2"}, {0x42020000u, K, "GPIOA"},
    {0x42020400u, K, "GPIOB"},       {0x42020800u, K, "GPIOC"},       {0x42020C00u, K, "GPIOD"},
    {0x42021000u, K, "GPIOE"},       {0x42021400u, K, "GPIOF"},       {0x42021800u, K, "GPIOG"},
    {0x42021C00u, K, "GPIOH"},       {0x42028000u, K, "ADC12"},       {0x420C0000u, K, "AES"},
    {0x420C0400u, K, "HASH"},        {0x420C0800u, K, "RNG"},         {0x420C2000u, 0x2000u, "PKA"},
    {0x420C5000u, K, "OTFDEC1"},     {0x420C8000u, K, "SDMMC1"},      {0x44020000u, K, "FMC"},
    {0x44021000u, K, "OCTOSPI1"},    {0xE0044000u, K, "DBGMCU"},
};

/* ---- STM32F4/F7 (F469, F411, F446, F750): §5.2, §5.3, §6 ---- */
static const se_block f4_ram[] = {
    {0x20000000u, 0x50000u, "SRAM"},
    {0x10000000u, 0x10000u, "CCM RAM (F4)"},
};
static const se_block f4_periph[] = {
    {0x40007000u, K, "PWR"},   {0x40013000u, K, "SPI1"},    {0x40013800u, K, "SYSCFG"},
    {0x40013C00u, K, "EXTI"},  {0x40020000u, K, "GPIOA"},   {0x40020400u, K, "GPIOB"},
    {0x40020800u, K, "GPIOC"}, {0x40020C00u, K, "GPIOD"},   {0x40021000u, K, "GPIOE"},
    {0x40021400u, K, "GPIOF"}, {0x40021800u, K, "GPIOG"},   {0x40021C00u, K, "GPIOH"},
    {0x40023800u, K, "RCC"},   {0x40023C00u, K, "FLASH"},   {0x40024000u, K, "BKPSRAM"},
    {0xA0000000u, K, "FMC"},   {0xA0001000u, K, "QUADSPI"}, {0xE0042000u, K, "DBGMCU"},
};

/* ---- STM32L4 (L496): §5.4 ---- */
static const se_block l4_ram[] = {
    {0x20000000u, 0x50000u, "SRAM1/SRAM2"},
    {0x10000000u, 0x10000u, "SRAM2"},
};
static const se_block l4_periph[] = {
    {0x40007000u, K, "PWR"},   {0x40010000u, K, "SYSCFG"}, {0x40010400u, K, "EXTI"},
    {0x40021000u, K, "RCC"},   {0x40022000u, K, "FLASH"},  {0x48000000u, K, "GPIOA"},
    {0x48000400u, K, "GPIOB"}, {0x48000800u, K, "GPIOC"},  {0x48000C00u, K, "GPIOD"},
    {0x48001000u, K, "GPIOE"}, {0x48001400u, K, "GPIOF"},  {0x48001800u, K, "GPIOG"},
    {0x48001C00u, K, "GPIOH"}, {0x48002000u, K, "GPIOI"},  {0xA0001000u, K, "QUADSPI"},
};

/* ---- STM32H7 (H7A3/H7B3, RM0455): §1.1, §1.2 ---- */
static const se_block h7_ram[] = {
    {0x00000000u, 0x10000u, "ITCM"},      {0x20000000u, 0x20000u, "DTCM"},
    {0x24000000u, 0x100000u, "AXI SRAM"}, {0x30000000u, 0x20000u, "AHB SRAM"},
    {0x38000000u, 0x8000u, "SRD SRAM"},
};
static const se_block h7_periph[] = {
    {0x40013000u, K, "SPI1"},     {0x51008000u, K, "AXI GPV"},  {0x52002000u, K, "FLASH"},
    {0x52004000u, K, "FMC"},      {0x52005000u, K, "OCTOSPI1"}, {0x52006000u, K, "DLYB1"},
    {0x5200A000u, K, "OCTOSPI2"}, {0x5200B000u, K, "DLYB2"},    {0x5200B400u, K, "OCTOSPIM"},
    {0x5200B800u, K, "OTFDEC1"},  {0x5200BC00u, K, "OTFDEC2"},  {0x58000000u, K, "EXTI"},
    {0x58000400u, K, "SYSCFG"},   {0x58020000u, K, "GPIOA"},    {0x58020400u, K, "GPIOB"},
    {0x58020800u, K, "GPIOC"},    {0x58020C00u, K, "GPIOD"},    {0x58021000u, K, "GPIOE"},
    {0x58021400u, K, "GPIOF"},    {0x58021800u, K, "GPIOG"},    {0x58021C00u, K, "GPIOH"},
    {0x58022000u, K, "GPIOI"},    {0x58022400u, K, "GPIOJ"},    {0x58022800u, K, "GPIOK"},
    {0x58024400u, K, "RCC"},      {0x58024800u, K, "PWR"},      {0x5C001000u, K, "DBGMCU"},
};

/* ---- STM32U5 (U575/U585, U59x/U5Ax; RM0456): §2.1, §2.2 ---- */
static const se_block u5_ram[] = {
    {0x20000000u, 0x270000u, "SRAM1..SRAM5"},
    {0x28000000u, 0x4000u, "SRAM4"},
};
static const se_block u5_periph[] = {
    {0x40013000u, K, "SPI1"},          {0x40022000u, K, "FLASH"},
    {0x40032400u, K, "GTZC_TZSC"},     {0x40032C00u, K, "GTZC_MPCBB1"},
    {0x42020000u, K, "GPIOA"},         {0x42020400u, K, "GPIOB"},
    {0x42020800u, K, "GPIOC"},         {0x42020C00u, K, "GPIOD"},
    {0x42021000u, K, "GPIOE"},         {0x42021400u, K, "GPIOF"},
    {0x42021800u, K, "GPIOG"},         {0x42021C00u, K, "GPIOH"},
    {0x42022000u, K, "GPIOI"},         {0x42022400u, K, "GPIOJ"},
    {0x420C4000u, K, "OCTOSPIM"},      {0x420C5000u, K, "OTFDEC1"},
    {0x420CF000u, K, "DLYB_OCTOSPI1"}, {0x420CF400u, K, "DLYB_OCTOSPI2"},
    {0x420D1400u, K, "OCTOSPI1"},      {0x420D2400u, K, "OCTOSPI2"},
    {0x420D3400u, K, "HSPI1"},         {0x46000400u, K, "SYSCFG"},
    {0x46020800u, K, "PWR"},           {0x46020C00u, K, "RCC"},
    {0x46022000u, K, "EXTI"},          {0xE0044000u, K, "DBGMCU"},
};

/* ---- STM32H5 (H573; RM0481): §3.1, §3.2 ---- */
static const se_block h5_ram[] = {
    {0x20000000u, 0xA0000u, "SRAM1..SRAM3"},
};
static const se_block h5_periph[] = {
    {0x40013000u, K, "SPI1"},      {0x40022000u, K, "FLASH"},
    {0x40032400u, K, "GTZC_TZSC"}, {0x40032C00u, K, "GTZC_MPCBB1"},
    {0x42020000u, K, "GPIOA"},     {0x42020400u, K, "GPIOB"},
    {0x42020800u, K, "GPIOC"},     {0x42020C00u, K, "GPIOD"},
    {0x42021000u, K, "GPIOE"},     {0x42021400u, K, "GPIOF"},
    {0x42021800u, K, "GPIOG"},     {0x42021C00u, K, "GPIOH"},
    {0x42022000u, K, "GPIOI"},     {0x44000400u, K, "SBS"},
    {0x44020800u, K, "PWR"},       {0x44020C00u, K, "RCC"},
    {0x44022000u, K, "EXTI"},      {0x44024000u, K, "DBGMCU"},
    {0x46005000u, K, "OTFDEC1"},   {0x4600F000u, K, "DLYB_OCTOSPI1"},
    {0x47000400u, K, "FMC"},       {0x47001400u, K, "OCTOSPI1"},
};

#define FAM(n, pre, alt, c, a, so, r, p, full)        \
    {                                                 \
        n, pre, alt, c, a, so, r, N(r), p, N(p), full \
    }
static const se_family fam_l5 = FAM("STM32L5", "STM32L5", NULL, "Cortex-M33", SE_ARCH_V8M_MAIN,
                                    0x10000000u, l5_ram, l5_periph, true);
static const se_family fam_u5 = FAM("STM32U5", "STM32U5", NULL, "Cortex-M33", SE_ARCH_V8M_MAIN,
                                    0x10000000u, u5_ram, u5_periph, false);
static const se_family fam_h5 = FAM("STM32H5", "STM32H5", NULL, "Cortex-M33", SE_ARCH_V8M_MAIN,
                                    0x10000000u, h5_ram, h5_periph, false);
static const se_family fam_h7 =
    FAM("STM32H7", "STM32H7", NULL, "Cortex-M7", SE_ARCH_V7EM, 0, h7_ram, h7_periph, false);
static const se_family fam_f4 = FAM("STM32F4/F7", "STM32F4", "STM32F7", "Cortex-M4/M7",
                                    SE_ARCH_V7EM, 0, f4_ram, f4_periph, false);
static const se_family fam_l4 =
    FAM("STM32L4", "STM32L4", NULL, "Cortex-M4", SE_ARCH_V7EM, 0, l4_ram, l4_periph, false);

static const se_family *const families[] = {&fam_l5, &fam_u5, &fam_h5, &fam_h7,
                                            &fam_f4, &fam_l4, NULL};

const se_family *const *se_families(void) { return families; }

static bool starts(const char *s, const char *prefix)
{
    return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

const se_family *se_family_of_mcu(const char *mcu)
{
    for (size_t i = 0; families[i]; i++)
        if (starts(mcu, families[i]->prefix) || starts(mcu, families[i]->alt_prefix))
            return families[i];
    return NULL;
}

static const se_block *find(const se_block *b, size_t n, uint32_t so, uint32_t addr)
{
    for (size_t i = 0; i < n; i++) {
        if (addr - b[i].base < b[i].size)
            return &b[i];
        if (so && addr - (b[i].base + so) < b[i].size)
            return &b[i];
    }
    return NULL;
}

const se_block *se_family_periph(const se_family *f, uint32_t addr)
{
    return f ? find(f->periph, f->nperiph, f->secure_offset, addr) : NULL;
}

const se_block *se_family_ram(const se_family *f, uint32_t addr)
{
    return f ? find(f->ram, f->nram, f->secure_offset, addr) : NULL;
}

static size_t foreign(const se_family *self, uint32_t addr, bool ram, char *buf, size_t len)
{
    size_t n = 0, k = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; families[i]; i++) {
        const se_family *f = families[i];
        if (f == self)
            continue;
        const se_block *b = ram ? se_family_ram(f, addr) : se_family_periph(f, addr);
        if (!b)
            continue;
        if (len > k) {
            int w = snprintf(buf + k, len - k, "%s%s %s", n ? ", " : "", f->name, b->name);
            k += w > 0 ? (size_t)w : 0;
            if (k >= len)
                k = len - 1;
        }
        n++;
    }
    return n;
}

size_t se_family_foreign_periph(const se_family *self, uint32_t addr, char *buf, size_t len)
{
    return foreign(self, addr, false, buf, len);
}

size_t se_family_foreign_ram(const se_family *self, uint32_t addr, char *buf, size_t len)
{
    return foreign(self, addr, true, buf, len);
}

const char *se_arch_name(unsigned arch)
{
    switch (arch) {
    case SE_ARCH_V7: return "v7";
    case SE_ARCH_V6M: return "v6-M";
    case SE_ARCH_V7EM: return "v7E-M";
    case SE_ARCH_V8M_BASE: return "v8-M.base";
    case SE_ARCH_V8M_MAIN: return "v8-M.main";
    case SE_ARCH_V81M_MAIN: return "v8.1-M.main";
    }
    return "?";
}

const char *se_arch_cores(unsigned arch)
{
    switch (arch) {
    case SE_ARCH_V7: return "Cortex-M3";
    case SE_ARCH_V6M: return "Cortex-M0/M0+";
    case SE_ARCH_V7EM: return "Cortex-M4/M7";
    case SE_ARCH_V8M_BASE: return "Cortex-M23";
    case SE_ARCH_V8M_MAIN: return "Cortex-M33/M35P";
    case SE_ARCH_V81M_MAIN: return "Cortex-M55/M85";
    }
    return NULL;
}
