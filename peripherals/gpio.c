#include "peripherals/gpio.h"
#include "peripherals/gpio_regs.h"

#include <stdio.h>
#include <string.h>

static const se_reg regs[] = {
    {GPIO_MODER, SE_ACC_RW, 0xFFFFFFFFu, 0xFFFFFFFFu, 0, NULL},
    {GPIO_OTYPER, SE_ACC_RW, 0, 0x0000FFFFu, 0, NULL},
    {GPIO_OSPEEDR, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {GPIO_PUPDR, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {GPIO_IDR, SE_ACC_RO, 0, 0, 0, NULL},
    {GPIO_ODR, SE_ACC_RW, 0, 0x0000FFFFu, 0, NULL},
    {GPIO_BSRR, SE_ACC_WO, 0, 0xFFFFFFFFu, 0, NULL},
    {GPIO_LCKR, SE_ACC_RW, 0, 0x0001FFFFu, 0, NULL},
    {GPIO_AFRL, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {GPIO_AFRH, SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL},
    {GPIO_BRR, SE_ACC_WO, 0, 0x0000FFFFu, 0, NULL},
    {GPIO_SECCFGR, SE_ACC_RW, 0, 0x0000FFFFu, 0, NULL},
};
#define NREGS (sizeof regs / sizeof regs[0])
SE_REG_TABLE(reg_table, regs, SE_GPIO_SIZE);

#define R(s, off) ((s)->r[(off) >> 2])

/* Per-port reset values that differ from the table, from the ST SVD (docs/hardware.md S6): the
 * debug pins PA13/PA14/PA15 and PB3/PB4 come up in AF with their pulls and speed; GPIOH has
 * only PH0/PH1 (0x0000000F, where docs/hardware.md C.1 says 0xFFFFFFFF for "all others"). */
static void port_reset_values(se_gpio *s)
{
    switch (s->port) {
    case 0:
        R(s, GPIO_MODER) = 0xABFFFFFFu;
        R(s, GPIO_OSPEEDR) = 0x0C000000u;
        R(s, GPIO_PUPDR) = 0x64000000u;
        break;
    case 1:
        R(s, GPIO_MODER) = 0xFFFFFEBFu;
        R(s, GPIO_PUPDR) = 0x00000100u;
        break;
    case 7: R(s, GPIO_MODER) = 0x0000000Fu; break;
    default: break;
    }
    /* docs/hardware.md C.6/S12: with TZEN=1 "all IOs are by default allocated to secure"; the SVD's
     * 0 is the TZEN=0 value. Open question docs/hardware.md D.9. */
    R(s, GPIO_SECCFGR) = s->tzen ? 0x0000FFFFu : 0;
}

void se_gpio_reset(se_gpio *s)
{
    const se_periph_host *host = s->host;
    uint32_t base = s->base;
    uint8_t port = s->port;
    bool tzen = s->tzen;
    void (*on_write)(void *, se_gpio *) = s->on_write;
    void *on_write_ctx = s->on_write_ctx;
    memset(s, 0, sizeof *s);
    s->on_write = on_write;
    s->on_write_ctx = on_write_ctx;
    s->host = host;
    s->base = base;
    s->port = port;
    s->tzen = tzen;
    for (size_t i = 0; i < NREGS; i++)
        R(s, regs[i].off) = regs[i].reset;
    port_reset_values(s);
}

void se_gpio_configure(se_gpio *s, unsigned port, bool tzen)
{
    s->port = (uint8_t)port;
    s->tzen = tzen;
    se_gpio_reset(s);
}

/* Policy: no external world drives the pins. A pin reads its ODR bit when it is an output,
 * 1 when it is an input with pull-up, else 0 (floating inputs, pull-downs, analog, and AF
 * pins whose level the peripheral would set). */
static uint32_t idr(const se_gpio *s)
{
    uint32_t v = 0;
    for (unsigned pin = 0; pin < 16; pin++) {
        uint32_t mode = (R(s, GPIO_MODER) >> (2 * pin)) & 3u;
        uint32_t pupd = (R(s, GPIO_PUPDR) >> (2 * pin)) & 3u;
        if (mode == 1u)
            v |= R(s, GPIO_ODR) & (1u << pin);
        else if (mode == 0u && pupd == 1u)
            v |= 1u << pin;
    }
    return v;
}

static void dev_name(const se_gpio *s, char name[8])
{
    snprintf(name, 8, "GPIO%c", (char)('A' + s->port));
}

uint32_t se_gpio_read(se_gpio *s, uint32_t offset, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    if (!d) {
        char name[8];
        dev_name(s, name);
        se_periph_unknown(s->host, s->unknown_seen, name, s->base, off, false, 0);
        return 0;
    }
    uint32_t v;
    if (off == GPIO_IDR)
        v = idr(s);
    else
        v = d->access == SE_ACC_WO ? 0 : R(s, off);
    return se_reg_lane_read(v, offset, size);
}

/* Bits of a configuration register frozen by LCKR (width 1, 2 or 4 bits per pin). */
static uint32_t locked_mask(const se_gpio *s, uint32_t off)
{
    uint32_t lck = R(s, GPIO_LCKR);
    if (!(lck & GPIO_LCKK))
        return 0;
    uint32_t m = 0;
    for (unsigned pin = 0; pin < 16; pin++) {
        if (!(lck & (1u << pin)))
            continue;
        switch (off) {
        case GPIO_OTYPER: m |= 1u << pin; break;
        case GPIO_MODER:
        case GPIO_OSPEEDR:
        case GPIO_PUPDR: m |= 3u << (2 * pin); break;
        case GPIO_AFRL:
            if (pin < 8)
                m |= 0xFu << (4 * pin);
            break;
        case GPIO_AFRH:
            if (pin >= 8)
                m |= 0xFu << (4 * (pin - 8));
            break;
        default: break;
        }
    }
    return m;
}

static void write_lckr(se_gpio *s, uint32_t v)
{
    if (R(s, GPIO_LCKR) & GPIO_LCKK)
        return; /* RM0438: frozen until the next reset */
    uint32_t keys = v & 0xFFFFu;
    bool k = (v & GPIO_LCKK) != 0;
    bool same = keys == (R(s, GPIO_LCKR) & 0xFFFFu);
    if (s->lock_step == 0 && k)
        s->lock_step = 1;
    else if (s->lock_step == 1 && !k && same)
        s->lock_step = 2;
    else if (s->lock_step == 2 && k && same) {
        /* RM0438: write 1, write 0, write 1 with the same LCK bits; the HAL then reads LCKR
         * twice and expects GPIO_LCKK = 1 on the second read, so the lock takes effect here. */
        s->lock_step = 0;
        R(s, GPIO_LCKR) = keys | GPIO_LCKK;
        return;
    } else
        s->lock_step = k ? 1 : 0;
    R(s, GPIO_LCKR) = keys;
}

static void gpio_write(se_gpio *s, uint32_t offset, uint32_t value, unsigned size);

void se_gpio_write(se_gpio *s, uint32_t offset, uint32_t value, unsigned size)
{
    gpio_write(s, offset, value, size);
    if (s->on_write)
        s->on_write(s->on_write_ctx, s);
}

static void gpio_write(se_gpio *s, uint32_t offset, uint32_t value, unsigned size)
{
    uint32_t off = offset & ~3u;
    const se_reg *d = se_reg_lookup(&reg_table, off);
    char name[8];
    if (!d) {
        dev_name(s, name);
        se_periph_unknown(s->host, s->unknown_seen, name, s->base, off, true, value);
        return;
    }
    uint32_t lanes = se_reg_lanes(offset, size);
    uint32_t v = se_reg_lane_value(offset, value, size);
    switch (off) {
    case GPIO_BSRR: /* RM0438: BSy sets, BRy resets; set wins when both are 1 */
        R(s, GPIO_ODR) = (R(s, GPIO_ODR) & ~(v >> 16)) | (v & 0xFFFFu);
        return;
    case GPIO_BRR: R(s, GPIO_ODR) &= ~(v & 0xFFFFu); return;
    case GPIO_LCKR:
        if (size != 4) {
            dev_name(s, name);
            se_periph_log(s->host, SE_LOG_WARN, name, s->base, off,
                          "LCKR needs 32-bit writes (RM0438); sub-word write ignored");
            return;
        }
        write_lckr(s, value);
        return;
    case GPIO_IDR:
        if (se_reg_once(s->unknown_seen, off)) {
            dev_name(s, name);
            se_periph_log(s->host, SE_LOG_WARN, name, s->base, off,
                          "write to the read-only IDR ignored");
        }
        return;
    default: break;
    }
    uint32_t m = d->wmask & lanes & ~locked_mask(s, off);
    R(s, off) = (R(s, off) & ~m) | (v & m);
}

SE_PERIPH_CLASS(se_gpio_class, "GPIO", se_gpio, se_gpio);
