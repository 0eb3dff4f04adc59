/* Numbers as the command line and profile files write them. */
#ifndef SE_PARSE_H
#define SE_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* The one parser of numbers on the command line and in profiles: decimal (also with a
 * fraction or exponent when the value is whole: 2e9, 1.5e6), 0x hex or 0 octal, then an
 * optional K (x1024) or M (x1048576) suffix; no sign, no blank, nothing after it, no
 * wrap-around; false unless min <= value <= max. */
bool se_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* se_parse_u64 over 0..UINT32_MAX. */
bool se_parse_u32(const char *s, uint32_t *out);
/* A duration in seconds (decimal, fraction and exponent allowed: 0.5, 2e3), min <= s <= max;
 * no sign, no inf or nan. */
bool se_parse_seconds(const char *s, double min, double max, double *out);

#endif
