#include "emu/trace.h"

#include "base/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "emu/disasm.h"

static const char *const reg_names[SE_CORE_NREGS] = {
    "r0", "r1", "r2",  "r3",  "r4",  "r5", "r6", "r7",
    "r8", "r9", "r10", "r11", "r12", "sp", "lr", "xpsr",
};

#define TEXT_LEN sizeof(((se_insn_info *)0)->text)

typedef struct decoded {
    uint32_t pc;
    uint32_t size;
    char text[TEXT_LEN];
} decoded;

/* Decode up to max instructions of code[0..len) (address pc) into out, in order. Each
 * cs_disasm call starts outside any IT block (cs_disasm_iter would carry the IT state of
 * an earlier call over), so a run must start at an instruction boundary outside an IT
 * block or at the IT instruction itself. A halfword Capstone does not decode is shown as
 * such and decoding goes on after it. Returns the number decoded. */
static size_t decode_run(csh h, const uint8_t *code, uint32_t len, uint32_t pc, size_t max,
                         decoded *out)
{
    size_t n = 0;
    uint32_t off = 0;
    while (n < max && off + 2 <= len) {
        cs_insn *insn = NULL;
        size_t got = cs_disasm(h, code + off, len - off, pc + off, max - n, &insn);
        for (size_t i = 0; i < got; i++) {
            out[n].pc = (uint32_t)insn[i].address;
            out[n].size = insn[i].size;
            se_insn_text(&insn[i], out[n].text, sizeof out[n].text);
            off += insn[i].size;
            n++;
        }
        if (got) {
            cs_free(insn, got);
            continue; /* all done, or stopped before something it cannot decode */
        }
        out[n].pc = pc + off;
        out[n].size = 2;
        snprintf(out[n].text, sizeof out[n].text, ".hword 0x%04x (not decoded)",
                 (unsigned)(code[off] | (code[off + 1] << 8)));
        off += 2;
        n++;
    }
    return n;
}

static void describe(se_machine *m, uint32_t pc, const char *text, se_insn_info *out)
{
    out->pc = pc;
    se_machine_symbolize(m, pc, out->sym, sizeof out->sym);
    if (!se_machine_srcline(m, pc, out->src, sizeof out->src))
        out->src[0] = '\0';
    snprintf(out->text, sizeof out->text, "%s", text);
}

/* ---- the last instructions ------------------------------------------------------------ */

unsigned se_last_insns(se_machine *m, unsigned n, se_insn_info *out)
{
    if (n > SE_LAST_MAX)
        n = SE_LAST_MAX;
    if (n == 0)
        return 0;
    uint32_t addr[SE_LAST_MAX], size[SE_LAST_MAX];
    unsigned nb = se_machine_recent_blocks(m, addr, size, SE_LAST_MAX);
    csh h;
    if (nb == 0 || !se_cs_open(&h))
        return 0;
    decoded *tmp = NULL;
    size_t tcap = 0;
    /* Newest block first; each block's instructions fill `out` from the back. */
    unsigned have = 0;
    for (unsigned b = nb; b-- > 0 && have < n;) {
        uint32_t len = size[b];
        if (len == 0)
            continue;
        if (tcap < len / 2 + 1) {
            decoded *nt = realloc(tmp, (len / 2 + 1) * sizeof *nt);
            if (!nt)
                break;
            tmp = nt;
            tcap = len / 2 + 1;
        }
        const uint8_t *code = se_machine_code_ptr(m, addr[b], len);
        size_t cnt;
        if (code) {
            cnt = decode_run(h, code, len, addr[b], tcap, tmp);
        } else {
            tmp[0].pc = addr[b];
            snprintf(tmp[0].text, sizeof tmp[0].text, "(code not readable)");
            cnt = 1;
        }
        while (cnt > 0 && have < n) {
            cnt--;
            describe(m, tmp[cnt].pc, tmp[cnt].text, &out[n - 1 - have]);
            have++;
        }
    }
    free(tmp);
    cs_close(&h);
    if (have < n)
        memmove(out, out + (n - have), have * sizeof *out);
    return have;
}

void se_insn_format(const se_insn_info *i, char *buf, size_t len)
{
    snprintf(buf, len, "0x%08" PRIx32 "  %-22s %-20s %s", i->pc, i->sym, i->src[0] ? i->src : "-",
             i->text);
}

/* ---- the full trace ------------------------------------------------------------------- */

/* An IT instruction and the up to four instructions it makes conditional. Unicorn does not
 * call the code hook for those whose condition fails: the tracer reports them as skipped,
 * so that the trace has every instruction the machine counts. */
#define IT_SLOTS 5

struct se_tracer {
    se_machine *m;
    se_trace_opts o;
    csh cs;
    bool in_call;    /* the current call passes --trace-call */
    bool header_due; /* its header waits for its first traced instruction */
    se_call call;
    bool pending; /* an instruction waits for its register changes */
    uint32_t ppc;
    char ptext[TEXT_LEN];
    uint32_t pregs[SE_CORE_NREGS];
    unsigned it_n;    /* entries of it[] (0 = not in an IT block) */
    unsigned it_next; /* the next entry not seen yet */
    decoded it[IT_SLOTS];
    uint64_t lines;
};

static bool wanted(const se_tracer *t, uint32_t pc)
{
    if (t->o.has_range && !(pc >= t->o.range_lo && pc < t->o.range_hi))
        return false;
    if (t->o.has_func && !(pc >= t->o.func_lo && pc < t->o.func_hi))
        return false;
    return true;
}

/* "--- call Init ..." once a call has something to show. */
static void print_header(se_tracer *t)
{
    t->header_due = false;
    const se_call *c = &t->call;
    char sym[64];
    se_machine_symbolize(t->m, c->entry & ~1u, sym, sizeof sym);
    if (t->o.json) {
        fprintf(t->o.out,
                "{\"event\":\"trace_call\",\"entry\":%" PRIu32 ",\"sym\":", c->entry & ~1u);
        se_json_str(t->o.out, sym);
        fprintf(t->o.out, ",\"args\":[%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 "]}\n",
                c->args[0], c->args[1], c->args[2], c->args[3]);
    } else {
        fprintf(t->o.out,
                "--- call %s (0x%08" PRIx32 "), r0-r3 = 0x%08" PRIx32 " 0x%08" PRIx32
                " 0x%08" PRIx32 " 0x%08" PRIx32 "\n",
                sym, c->entry & ~1u, c->args[0], c->args[1], c->args[2], c->args[3]);
    }
}

/* One line. regs: the registers after the instruction (compared with before[]); NULL for
 * an instruction of an IT block whose condition failed. */
static void print_insn(se_tracer *t, uint32_t pc, const char *text, const uint32_t *before,
                       const uint32_t *after)
{
    if (t->header_due)
        print_header(t);
    se_insn_info i;
    describe(t->m, pc, text, &i);
    FILE *f = t->o.out;
    t->lines++;
    if (t->o.json) {
        fprintf(f, "{\"event\":\"insn\",\"pc\":%" PRIu32 ",\"sym\":", i.pc);
        se_json_str(f, i.sym);
        fputs(",\"src\":", f);
        if (i.src[0])
            se_json_str(f, i.src);
        else
            fputs("null", f);
        fputs(",\"asm\":", f);
        se_json_str(f, i.text);
        if (!after)
            fputs(",\"skipped\":true", f);
        fputs(",\"regs\":{", f);
        bool first = true;
        for (unsigned r = 0; after && r < SE_CORE_NREGS; r++)
            if (after[r] != before[r]) {
                fprintf(f, "%s\"%s\":%" PRIu32, first ? "" : ",", reg_names[r], after[r]);
                first = false;
            }
        fputs("}}\n", f);
        return;
    }
    char line[200];
    se_insn_format(&i, line, sizeof line);
    fputs(line, f);
    int pad = 28 - (int)strlen(i.text); /* the changes line up after the disassembly */
    if (!after) {
        fprintf(f, "%*s(condition false: not executed)\n", pad > 1 ? pad : 1, "");
        return;
    }
    bool first = true;
    for (unsigned r = 0; r < SE_CORE_NREGS; r++)
        if (after[r] != before[r]) {
            if (first)
                fprintf(f, "%*s", pad > 1 ? pad : 1, "");
            fprintf(f, "%s%s=0x%08" PRIx32, first ? "" : " ", reg_names[r], after[r]);
            first = false;
        }
    fputc('\n', f);
}

static void flush(se_tracer *t)
{
    if (!t->pending)
        return;
    uint32_t now[SE_CORE_NREGS];
    se_machine_core_regs(t->m, now);
    t->pending = false;
    print_insn(t, t->ppc, t->ptext, t->pregs, now);
}

/* Entries first..last-1 of the IT block did not run. */
static void it_skipped(se_tracer *t, unsigned first, unsigned last)
{
    for (unsigned k = first; k < last; k++)
        if (wanted(t, t->it[k].pc))
            print_insn(t, t->it[k].pc, t->it[k].text, NULL, NULL);
}

/* The instruction at pc is about to run: which entries of the IT block were passed over.
 * Returns the entry that pc is, or NULL. */
static const decoded *it_advance(se_tracer *t, uint32_t pc)
{
    for (unsigned j = t->it_next; j < t->it_n; j++)
        if (t->it[j].pc == pc) {
            it_skipped(t, t->it_next, j);
            t->it_next = j + 1;
            const decoded *d = &t->it[j];
            if (t->it_next >= t->it_n)
                t->it_n = 0;
            return d;
        }
    /* Past the block: what was left did not run. Elsewhere (an exception): unknown. */
    const decoded *last = &t->it[t->it_n - 1];
    if (pc == last->pc + last->size)
        it_skipped(t, t->it_next, t->it_n);
    t->it_n = 0;
    return NULL;
}

/* Text of the instruction at pc (text NULL: not needed); an IT instruction starts a new
 * block in t->it either way. */
static void insn_at(se_tracer *t, uint32_t pc, uint32_t size, char *text, size_t tl)
{
    const uint8_t *p = se_machine_code_ptr(t->m, pc, 2);
    if (!p) {
        if (text)
            snprintf(text, tl, "(code not readable)");
        return;
    }
    uint16_t hw = (uint16_t)(p[0] | (p[1] << 8));
    if ((hw & 0xFF00u) == 0xBF00u && (hw & 0xFu) != 0) {
        /* IT: the number of conditional instructions is where the mask's last 1 is. */
        unsigned nslots = 4u - (unsigned)__builtin_ctz(hw & 0xFu);
        uint32_t len = 2;
        for (unsigned k = 0; k < nslots; k++) {
            const uint8_t *q = se_machine_code_ptr(t->m, pc + len, 2);
            if (!q)
                break;
            len += (((q[0] | (q[1] << 8)) >> 11) >= 0x1D) ? 4 : 2;
        }
        const uint8_t *code = se_machine_code_ptr(t->m, pc, len);
        size_t n = code ? decode_run(t->cs, code, len, pc, 1 + nslots, t->it) : 0;
        if (n > 1) {
            t->it_n = (unsigned)n;
            t->it_next = 1;
            if (text)
                snprintf(text, tl, "%s", t->it[0].text);
            return;
        }
    }
    if (!text)
        return;
    decoded d;
    const uint8_t *code = se_machine_code_ptr(t->m, pc, size);
    if (code && size >= 2 && decode_run(t->cs, code, size, pc, 1, &d) == 1)
        snprintf(text, tl, "%s", d.text);
    else
        snprintf(text, tl, "(code not readable)");
}

static void on_insn(void *ctx, uint32_t pc, uint32_t size)
{
    se_tracer *t = ctx;
    if (!t->in_call)
        return;
    bool want = wanted(t, pc);
    uint32_t now[SE_CORE_NREGS];
    bool have_now = false;
    if (t->pending) {
        se_machine_core_regs(t->m, now);
        have_now = true;
        t->pending = false;
        print_insn(t, t->ppc, t->ptext, t->pregs, now);
    }
    const decoded *slot = t->it_n ? it_advance(t, pc) : NULL;
    char text[TEXT_LEN];
    if (slot)
        snprintf(text, sizeof text, "%s", slot->text);
    else
        insn_at(t, pc, size, want ? text : NULL, sizeof text);
    if (!want)
        return;
    if (!have_now)
        se_machine_core_regs(t->m, now);
    t->pending = true;
    t->ppc = pc;
    snprintf(t->ptext, sizeof t->ptext, "%s", text);
    memcpy(t->pregs, now, sizeof now);
}

static void on_paused(void *ctx) { flush(ctx); }

static void on_call_begin(void *ctx, const se_call *c)
{
    se_tracer *t = ctx;
    t->pending = false;
    t->it_n = 0;
    t->in_call = !t->o.has_call || ((c->entry ^ t->o.call_entry) & ~1u) == 0;
    t->call = *c;
    t->header_due = t->in_call;
}

static void on_call_end(void *ctx, const se_call_result *r)
{
    se_tracer *t = ctx;
    if (!t->in_call)
        return;
    flush(t);
    t->it_n = 0;
    t->in_call = false;
    if (t->header_due) /* nothing of this call passed the filters */
        return;
    if (t->o.json)
        fprintf(t->o.out,
                "{\"event\":\"trace_end\",\"status\":\"%s\",\"r0\":%" PRIu32
                ",\"instructions\":%" PRIu64 "}\n",
                se_err_name(r->status), r->r0, r->instructions);
    else
        fprintf(t->o.out, "--- end: %s, r0 = 0x%08" PRIx32 ", %" PRIu64 " instructions\n",
                se_err_name(r->status), r->r0, r->instructions);
}

se_err se_tracer_start(se_machine *m, const se_trace_opts *o, se_tracer **out, se_error *err)
{
    *out = NULL;
    se_tracer *t = calloc(1, sizeof *t);
    if (!t)
        return se_error_set(err, SE_ERR_NOMEM, "out of memory");
    t->m = m;
    t->o = *o;
    if (!t->o.out)
        t->o.out = stdout;
    if (!se_cs_open(&t->cs)) {
        free(t);
        return se_error_set(err, SE_ERR_EMU, "capstone: cannot open a Thumb disassembler");
    }
    se_insn_observer obs = {
        .call_begin = on_call_begin,
        .insn = on_insn,
        .paused = on_paused,
        .call_end = on_call_end,
        .ctx = t,
    };
    se_err e = se_machine_set_observer(m, &obs, err);
    if (e) {
        cs_close(&t->cs);
        free(t);
        return e;
    }
    *out = t;
    return SE_OK;
}

void se_tracer_stop(se_tracer *t)
{
    if (!t)
        return;
    flush(t);
    se_machine_set_observer(t->m, NULL, NULL);
    fflush(t->o.out);
    cs_close(&t->cs);
    free(t);
}

uint64_t se_tracer_lines(const se_tracer *t) { return t ? t->lines : 0; }
