/* Run-time diagnoses: what the call's reason says before the fault or hang itself (the stack
 * grown into the image or the host's buffer, execution outside the downloaded image), each
 * noted once per call. */
#include "emu/machine_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A note for this call's reason (the end of the call puts the notes first) and its detail. */
void mc_diag_add(se_machine *m, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mc_chain_add(m, "%s", line);
    size_t n = strlen(m->diag);
    snprintf(m->diag + n, sizeof m->diag - n, "%s%s", n ? "; " : "", line);
}

void se_machine_set_link_base(se_machine *m, uint32_t link_base) { m->link_base = link_base; }

void se_machine_add_region(se_machine *m, const char *name, uint32_t lo, uint32_t hi)
{
    if (m->nregion < SE_MAX_REGIONS && hi > lo)
        m->region[m->nregion++] = (typeof(m->region[0])){name, lo, hi};
}

/* addr in [base, end) or in its secure alias. */
bool mc_in_range_or_alias(const se_machine *m, uint32_t addr, uint32_t base, uint32_t end)
{
    uint32_t alias = m->prof->sram_alias - m->prof->sram.base;
    return addr - base < end - base || addr - (base + alias) < end - base;
}

/* The stack has grown into the loader image or the host's data buffer: recorded once per
 * call as a cause; the run goes on as on the target. */
void mc_stack_check(se_machine *m, uint32_t pc)
{
    if (m->stack_noted || !m->image_end)
        return;
    uint32_t sp = mc_reg(m, UC_ARM_REG_SP);
    const char *what;
    if (m->reserve_hi > m->reserve_lo && mc_in_range_or_alias(m, sp, m->reserve_lo, m->reserve_hi))
        return; /* the image's own stack reservation: what it was linked to use */
    char in_image[200];
    if (mc_in_range_or_alias(m, sp, m->image_base, m->image_end)) {
        /* the section SP is in, and what is there */
        const char *sec = NULL;
        uint32_t a = mc_in_sram(m, sp) ? sp : sp - (m->prof->sram_alias - m->prof->sram.base);
        for (unsigned i = 0; i < m->nregion && !sec; i++)
            if (a - m->region[i].lo < m->region[i].hi - m->region[i].lo)
                sec = m->region[i].name;
        char at[128];
        mc_fmt_addr(m, a, at, sizeof at);
        snprintf(in_image, sizeof in_image, "the loader image (%s, %s)", sec ? sec : "image", at);
        what = in_image;
    } else if (m->buf_end && mc_in_range_or_alias(m, sp, m->buf_base, m->buf_end))
        what = "the host's data buffer";
    else
        return;
    char sym[128];
    m->stack_noted = true;
    mc_diag_add(m, "stack overflowed into %s at 0x%08" PRIx32 ", SP 0x%08" PRIx32 " at %s", what,
                sp, sp, mc_fmt_addr(m, pc, sym, sizeof sym));
}

/* A block outside the downloaded image and internal flash: recorded once per call. */
void mc_exec_check(se_machine *m, uint32_t addr)
{
    if (m->exec_noted)
        return;
    if (mc_in_iflash(m, addr))
        return;
    char sym[128];
    uint32_t from = m->ring_pos ? m->ring[(m->ring_pos - 1) & (RING - 1)].addr : 0;
    m->exec_noted = true;
    mc_diag_add(m,
                "executing at 0x%08" PRIx32 " outside the downloaded image 0x%08" PRIx32
                "..0x%08" PRIx32 " (from %s)",
                addr, m->image_base, m->image_end,
                m->ring_pos ? mc_fmt_addr(m, from, sym, sizeof sym) : "the entry point");
}
