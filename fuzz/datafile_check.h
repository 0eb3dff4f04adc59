/* What the data-file fuzz targets (fuzz_ihex, fuzz_srec, fuzz_elfdata) check on a file the
 * parser accepted (base/datafile.h): segments sorted, disjoint, not touching, inside the
 * window, their lengths adding up; and the same bytes after a round trip through the HEX
 * and S-record writers. Any violation aborts (a crash for libFuzzer). */
#ifndef SE_FUZZ_DATAFILE_CHECK_H
#define SE_FUZZ_DATAFILE_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/datafile.h"

/* Where the targets let data land: 0x08000000..0xA0000000, internal to external flash (a
 * record outside it is refused, which the inputs exercise too), at most 1 MiB of data in
 * at most 4096 runs. */
static const se_df_limits fuzz_df_limits = {0x08000000u, 0xA0000000ull, 1u << 20, 4096,
                                            "the fuzz window"};

static void fuzz_df_fail(const char *what)
{
    fprintf(stderr, "datafile invariant broken: %s\n", what);
    abort();
}

static void fuzz_df_round_trip(const se_datafile *df, se_df_format fmt)
{
    for (size_t i = 0; i < df->nsegs; i++) {
        const se_df_segment *s = &df->segs[i];
        char *text;
        size_t n;
        se_error err;
        if (se_df_format_text(fmt, s->addr, s->data, s->len, &text, &n, &err) != SE_OK)
            fuzz_df_fail(err.msg);
        se_datafile back;
        if (se_df_parse((const uint8_t *)text, n, fmt, "round trip", &fuzz_df_limits, &back,
                        &err) != SE_OK)
            fuzz_df_fail(err.msg);
        if (back.nsegs != 1 || back.segs[0].addr != s->addr || back.segs[0].len != s->len ||
            memcmp(back.segs[0].data, s->data, s->len))
            fuzz_df_fail("round trip changed the bytes");
        if (se_df_sniff((const uint8_t *)text, n) != fmt)
            fuzz_df_fail("written text not recognised");
        se_df_free(&back);
        free(text);
    }
}

static void fuzz_df_check(const uint8_t *data, size_t size, se_df_format fmt)
{
    (void)se_df_sniff(data, size);
    se_datafile df;
    se_error err;
    if (se_df_parse(data, size, fmt, "input", &fuzz_df_limits, &df, &err) != SE_OK) {
        if (df.segs || df.pool || strlen(err.msg) == 0)
            fuzz_df_fail("a refusal left segments or said nothing");
        return;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < df.nsegs; i++) {
        const se_df_segment *s = &df.segs[i];
        if (s->len == 0 || s->addr < fuzz_df_limits.lo ||
            (uint64_t)s->addr + s->len > fuzz_df_limits.hi)
            fuzz_df_fail("segment empty or outside the window");
        if (i && (uint64_t)df.segs[i - 1].addr + df.segs[i - 1].len >= s->addr)
            fuzz_df_fail("segments unsorted, overlapping or touching");
        total += s->len;
    }
    if (total != df.bytes || total > fuzz_df_limits.max_bytes || df.nsegs == 0)
        fuzz_df_fail("byte count");
    fuzz_df_round_trip(&df, SE_DF_IHEX);
    fuzz_df_round_trip(&df, SE_DF_SREC);
    se_df_free(&df);
}

#endif
