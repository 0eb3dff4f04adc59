/* JSON output: one string writer for every --json producer. */
#ifndef SE_JSON_H
#define SE_JSON_H

#include <stdio.h>

/* s as a JSON string, quoted: '"' and '\\' escaped, '\n' as \n, other controls as \u00XX. */
void se_json_str(FILE *f, const char *s);

#endif
