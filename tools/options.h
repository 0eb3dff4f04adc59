/* Numeric command-line options of every stldr-emu command: one parser (se_parse_u64 /
 * se_parse_seconds in emu/profile.h) with the option's range; a bad value is one line and
 * the usage exit status (2). */
#ifndef SE_TOOLS_OPTIONS_H
#define SE_TOOLS_OPTIONS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "emu/profile.h"

/* cmd: "run", "fuzz", ...; what: "a TCP port", "an instruction count", ... */
static inline uint64_t se_opt_u64(const char *cmd, const char *opt, const char *s,
                                  uint64_t min, uint64_t max, const char *what)
{
    uint64_t v;
    if (!se_parse_u64(s, min, max, &v)) {
        fprintf(stderr, "stldr-emu: %s: %s takes %s %" PRIu64 "..%" PRIu64 ", not '%s'\n"
                        "(stldr-emu --help for usage)\n",
                cmd, opt, what, min, max, s);
        exit(se_err_exit_code(SE_ERR_USAGE));
    }
    return v;
}

/* A duration: more than 0, at most max seconds. */
static inline double se_opt_seconds(const char *cmd, const char *opt, const char *s, double max)
{
    double v;
    if (!se_parse_seconds(s, 0, max, &v) || !(v > 0)) {
        fprintf(stderr, "stldr-emu: %s: %s takes seconds, more than 0 and at most %g, not "
                        "'%s'\n(stldr-emu --help for usage)\n",
                cmd, opt, max, s);
        exit(se_err_exit_code(SE_ERR_USAGE));
    }
    return v;
}

/* The ranges, in one place (README "Limits"). */
#define SE_OPT_MAX_SECONDS 1e6   /* --timeout, fuzz --time: 11.5 days */

#endif
