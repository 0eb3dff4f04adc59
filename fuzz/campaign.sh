#!/bin/sh
# A fuzzing campaign over the libFuzzer targets, one target after the other on one core
# (docs/fuzzing.md "Campaign, 2026-12-05"):
#   fuzz/campaign.sh BIN_DIR WORK_DIR TARGET:SECONDS...
# Each TARGET (a binary in BIN_DIR) fuzzes for SECONDS, under nice -n 10, from
# fuzz/corpus/<target>/ (read only) into WORK_DIR/<target>/corpus, with its dictionary
# fuzz/dict/<target>.dict when there is one and OSS-Fuzz's limits (25 s per input, 2 GB).
# Crash, leak, timeout and out-of-memory inputs are left in WORK_DIR/<target>/ as libFuzzer
# names them. Prints one Markdown table row per target; exits 1 if any target found
# anything or stopped early.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BIN_DIR WORK_DIR TARGET:SECONDS..." >&2; exit 2; }
bins="$1"; work="$2"; shift 2
src="$(cd "$(dirname "$0")" && pwd)"
failed=0
echo "| target | seconds | executions | exec/s | new inputs | corpus (files, KiB) | peak RSS MB | crashes | leaks | timeouts | OOMs | exit |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for spec in "$@"; do
    t="${spec%%:*}"; secs="${spec#*:}"
    bin="$bins/$t"
    [ -x "$bin" ] || { echo "$bin: not built" >&2; exit 2; }
    dir="$work/$t"
    mkdir -p "$dir/corpus"
    dict=""
    [ -f "$src/dict/$t.dict" ] && dict="-dict=$src/dict/$t.dict"
    status=0
    # shellcheck disable=SC2086 # $dict is one option or nothing
    nice -n 10 "$bin" -timeout=25 -rss_limit_mb=2048 -max_total_time="$secs" \
        -print_final_stats=1 -artifact_prefix="$dir/" $dict \
        "$dir/corpus" "$src/corpus/$t" >"$dir/fuzz.log" 2>&1 || status=$?
    stat() { sed -n "s/^stat::$1: *//p" "$dir/fuzz.log" | tail -n 1; }
    count() { find "$dir" -maxdepth 1 -name "$1-*" | wc -l; }
    files=$(find "$dir/corpus" -type f | wc -l)
    kib=$(find "$dir/corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", (s + 1023) / 1024 }')
    crashes=$(count crash); leaks=$(count leak); timeouts=$(count timeout); ooms=$(count oom)
    echo "| $t | $secs | $(stat number_of_executed_units) | $(stat average_exec_per_sec) |" \
         "$(stat new_units_added) | $files, $kib | $(stat peak_rss_mb) | $crashes | $leaks |" \
         "$timeouts | $ooms | $status |"
    if [ "$status" -ne 0 ] || [ $((crashes + leaks + timeouts + ooms)) -ne 0 ]; then
        failed=1
    fi
done
exit "$failed"
