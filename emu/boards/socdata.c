/* A SoC as data (emu/boards/socdata.h). */
#include "emu/boards/socdata.h"

#include <stdio.h>

static se_err attach_block(se_soc *soc, const se_soc_block *b, bool tzen, se_soc_parts *p, size_t k,
                           se_error *err)
{
    /* The table lives as long as the machine (a register file keeps a pointer to it). */
    __typeof__(p->table[0]) *t = &p->table[k];
    unsigned n = b->nwords > SE_REGFILE_NWORDS ? SE_REGFILE_NWORDS : b->nwords;
    for (unsigned i = 0; i < n; i++)
        t->regs[i] = (se_reg){(uint16_t)(4 * i), SE_ACC_RW, 0, 0xFFFFFFFFu, 0, NULL};
    for (size_t i = 0; i < b->nregs; i++)
        if (b->regs[i].off / 4u < n) {
            se_reg *r = &t->regs[b->regs[i].off / 4u];
            r->reset = b->regs[i].reset;
            r->wmask = b->regs[i].wmask;
        }
    t->desc = (se_regfile_desc){t->regs, n, NULL, 0, NULL, 0};
    se_regfile *s = se_soc_attach(soc, &se_regfile_class, b->name, b->base, SE_REGFILE_SIZE, err);
    if (!s)
        return err->code;
    se_regfile_setup(s, b->name, b->base, &t->desc, se_soc_host(soc), tzen);
    se_regfile_set_follow(s, b->follow, b->nfollow);
    p->block[k] = s;
    return SE_OK;
}

se_soc_parts *se_soc_data_build(se_soc *soc, const se_soc_data *d, bool tzen, se_error *err)
{
    const se_periph_host *host = se_soc_host(soc);
    se_soc_parts *out = se_soc_board_data(soc, sizeof *out);
    if (!out) {
        se_error_set(err, SE_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < d->nblocks && i < SE_SOC_MAX_BLOCKS; i++)
        if (attach_block(soc, &d->blocks[i], tzen, out, i, err))
            return NULL;
    for (unsigned i = 0; i < d->ngpio && i < SE_SOC_MAX_GPIO; i++) {
        char name[8];
        snprintf(name, sizeof name, "GPIO%c", 'A' + i);
        uint32_t base = d->gpio_base + i * d->gpio_stride;
        se_gpio *g = se_soc_attach(soc, &se_gpio_class, name, base, SE_GPIO_SIZE, err);
        if (!g)
            return NULL;
        g->host = host;
        g->base = base;
        se_gpio_configure(g, i, tzen);
        out->gpio[i] = g;
    }
    if (d->gtzc_base && se_soc_attach_gtzc(soc, d->gtzc_base, err))
        return NULL;
    for (unsigned i = 0; i < SE_SOC_MAX_OSPI; i++) {
        if (!d->ospi_base[i])
            continue;
        se_octospi *o = se_soc_attach(soc, &se_octospi_class, d->ospi_name[i], d->ospi_base[i],
                                      SE_OCTOSPI_SIZE, err);
        if (!o)
            return NULL;
        o->host = host;
        o->base = d->ospi_base[i];
        o->dcr3_more = d->ospi_dcr3_more;
        out->ospi[i] = o;
    }
    return out;
}
