/* A strict JSON well-formedness check for the tests of --json output (RFC 8259: objects,
 * arrays, strings with their escapes, numbers, true/false/null; nothing after the value). */
#ifndef SE_TEST_JSON_CHECK_H
#define SE_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is exactly one JSON value (blanks around it allowed). */
bool json_valid(const char *s, size_t n);
/* Every non-empty line of text is one JSON object: the number of lines, or -1 with the
 * first bad line's number in *bad. */
int json_lines_valid(const char *text, int *bad);

#endif
