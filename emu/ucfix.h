/* Workaround for Unicorn 2.0.x's slow guest stores (ucfix.c says why it is safe): the
 * executable provides the two page-collection functions every RAM store goes through.
 * Linked in by se_machine_new's call to se_ucfix_active(). */
#ifndef SE_UCFIX_H
#define SE_UCFIX_H

#include <stdbool.h>
#include <stdint.h>

/* True when stores take the short path (Unicorn 2.0.x, not switched off). */
bool se_ucfix_active(void);
/* false: Unicorn's own functions, as shipped (stldr-bench compares both). */
void se_ucfix_set(bool on);

/* Part 2 (ucfix.c): while a machine runs, pages for which fn(ctx, page) is true (read-write
 * RAM without code) lose Unicorn's store checks, so their stores take the fast path. *cpu receives
 * Unicorn's CPU for se_ucfix_flush_tlb(), which a machine calls when a page first holds code
 * (the TLB is flushed so that page's entries get their check back). */
typedef bool (*se_ucfix_fast_fn)(void *ctx, uint32_t page); /* true: stores may be fast */
void se_ucfix_enter(se_ucfix_fast_fn fn, void *ctx, void **cpu);
void se_ucfix_leave(void);
void se_ucfix_flush_tlb(void *cpu); /* also when its answers may have changed */

#endif
