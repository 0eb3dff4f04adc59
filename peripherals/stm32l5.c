#include "stm32l5.h"

#include <inttypes.h>
#include <stdio.h>

/* docs/hardware.md C.1: non-secure bases; the secure alias is +0x10000000 and is the bus's job. */
enum {
    PWR_BASE = 0x40007000u,
    RCC_BASE = 0x40021000u,
    FLASH_BASE = 0x40022000u,
    GPIOA_BASE = 0x42020000u,
    GPIO_STRIDE = 0x400u,
};

int se_stm32l5_attach(se_bus *bus, bool tzen, const se_periph_host *host, se_stm32l5 *out)
{
    se_rcc *rcc = se_bus_attach(bus, &se_rcc_class, "RCC", RCC_BASE, SE_RCC_SIZE);
    if (!rcc)
        return -1;
    rcc->host = host;
    rcc->base = RCC_BASE;
    out->rcc = rcc;

    se_pwr *pwr = se_bus_attach(bus, &se_pwr_class, "PWR", PWR_BASE, SE_PWR_SIZE);
    if (!pwr)
        return -1;
    pwr->host = host;
    pwr->base = PWR_BASE;
    out->pwr = pwr;

    se_flashif *fl = se_bus_attach(bus, &se_flashif_class, "FLASH", FLASH_BASE, SE_FLASHIF_SIZE);
    if (!fl)
        return -1;
    fl->host = host;
    fl->base = FLASH_BASE;
    se_flashif_configure(fl, tzen);
    out->flash = fl;

    for (unsigned i = 0; i < SE_STM32L5_NGPIO; i++) {
        char name[8];
        snprintf(name, sizeof name, "GPIO%c", 'A' + i);
        uint32_t base = GPIOA_BASE + i * GPIO_STRIDE;
        se_gpio *g = se_bus_attach(bus, &se_gpio_class, name, base, SE_GPIO_SIZE);
        if (!g)
            return -1;
        g->host = host;
        g->base = base;
        se_gpio_configure(g, i, tzen);
        out->gpio[i] = g;
    }
    return 0;
}

/* ---- shared helpers --------------------------------------------------------------------- */

const se_l5_reg *se_l5_reg_find(const se_l5_reg *tab, size_t n, uint32_t off)
{
    for (size_t i = 0; i < n; i++)
        if (tab[i].off == off)
            return &tab[i];
    return NULL;
}

uint32_t se_l5_lanes(uint32_t offset, unsigned size)
{
    if (size >= 4)
        return 0xFFFFFFFFu;
    uint32_t m = size == 1 ? 0xFFu : 0xFFFFu;
    return m << ((offset & 3u) * 8u);
}

uint32_t se_l5_lane_value(uint32_t offset, uint32_t value, unsigned size)
{
    if (size >= 4)
        return value;
    return (value << ((offset & 3u) * 8u)) & se_l5_lanes(offset, size);
}

uint32_t se_l5_lane_read(uint32_t reg, uint32_t offset, unsigned size)
{
    uint32_t v = reg >> ((offset & 3u) * 8u);
    if (size == 1)
        return v & 0xFFu;
    if (size == 2)
        return v & 0xFFFFu;
    return v;
}

bool se_l5_once(uint32_t seen[8], uint32_t offset)
{
    uint32_t i = (offset & 0x3FFu) >> 2;
    uint32_t bit = 1u << (i & 31u);
    if (seen[i >> 5] & bit)
        return false;
    seen[i >> 5] |= bit;
    return true;
}

void se_l5_log(const se_periph_host *host, int level, const char *dev, uint32_t base,
               uint32_t offset, const char *what)
{
    if (!host || !host->log)
        return;
    char where[48];
    if (base)
        snprintf(where, sizeof where, "0x%08" PRIx32 " (+0x%03" PRIx32 ")", base + offset, offset);
    else
        snprintf(where, sizeof where, "+0x%03" PRIx32, offset);
    uint32_t pc = host->pc ? host->pc(host->opaque) : 0;
    char msg[256];
    if (pc)
        snprintf(msg, sizeof msg, "%s %s: %s, pc 0x%08" PRIx32, dev, where, what, pc);
    else
        snprintf(msg, sizeof msg, "%s %s: %s", dev, where, what);
    host->log(host->opaque, level, msg);
}

void se_l5_unknown(const se_periph_host *host, uint32_t seen[8], const char *dev, uint32_t base,
                   uint32_t offset, bool write, uint32_t value)
{
    if (!se_l5_once(seen, offset & ~3u))
        return;
    char what[96];
    if (write)
        snprintf(what, sizeof what, "write of 0x%08" PRIx32 " to an unmodelled register ignored",
                 value);
    else
        snprintf(what, sizeof what, "read of an unmodelled register returns 0");
    se_l5_log(host, SE_LOG_WARN, dev, base, offset, what);
}
