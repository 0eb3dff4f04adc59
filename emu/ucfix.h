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

#endif
