#include "emu/boards/bitband.h"

#define BB_ALIAS 0x42000000u
#define BB_SIZE 0x02000000u
#define BB_TARGET 0x40000000u

typedef struct bitband {
    se_bus *bus;
} bitband;

static void bitband_reset(bitband *s) { (void)s; }

/* The word and bit an alias offset stands for (each bit has a word: offset = byte * 32 +
 * bit * 4). */
static uint32_t target(uint32_t offset, unsigned *bit)
{
    uint32_t byte = offset >> 5;
    *bit = ((byte & 3u) * 8u) + ((offset >> 2) & 7u);
    return BB_TARGET + (byte & ~3u);
}

static uint32_t bitband_read(bitband *s, uint32_t offset, unsigned size)
{
    (void)size;
    unsigned bit;
    uint32_t a = target(offset, &bit);
    return s->bus ? (se_bus_read(s->bus, a, 4) >> bit) & 1u : 0u;
}

static void bitband_write(bitband *s, uint32_t offset, uint32_t value, unsigned size)
{
    (void)size;
    unsigned bit;
    uint32_t a = target(offset, &bit);
    if (!s->bus)
        return;
    uint32_t w = se_bus_read(s->bus, a, 4);
    w = (value & 1u) ? w | (1u << bit) : w & ~(1u << bit);
    se_bus_write(s->bus, a, w, 4);
}

SE_PERIPH_CLASS(bitband_class, "BITBAND", bitband, bitband);

se_err se_bitband_attach(se_soc *soc, se_error *err)
{
    bitband *b = se_soc_attach(soc, &bitband_class, "BITBAND", BB_ALIAS, BB_SIZE, err);
    if (!b)
        return err->code;
    b->bus = se_soc_bus(soc);
    return SE_OK;
}
