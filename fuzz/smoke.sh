#!/bin/sh
# Fuzz smoke test: smoke.sh BINARY FUZZ_SRC_DIR WORK_DIR SECONDS [SEED_DIR_WITH_STLDRS]
# 1. Runs every file of FUZZ_SRC_DIR/regressions/<target>/ once (inputs that once crashed).
# 2. Fuzzes for SECONDS (with FUZZ_SRC_DIR/dict/<target>.dict when there is one)
#    from FUZZ_SRC_DIR/corpus/<target>/ (read-only) into a fresh scratch
#    corpus WORK_DIR (plus copies of the *.stldr files in SEED_DIR). Any crash, leak,
#    sanitizer report or timeout fails the test; the crashing input is left in WORK_DIR.
set -eu
bin="$1"; src="$2"; work="$3"; secs="$4"; seeds="${5:-}"
name="$(basename "$bin")"
[ -x "$bin" ] || { echo "$bin: not built" >&2; exit 1; }
opts="-error_exitcode=77 -timeout=20 -rss_limit_mb=2048"
mkdir -p "$(dirname "$work")"

reg="$src/regressions/$name"
if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
    n=0
    for f in "$reg"/*; do
        "$bin" $opts "$f" >"$work.regression.log" 2>&1 || {
            cat "$work.regression.log"
            echo "FAIL: $name crashes on regression input $f" >&2
            exit 1
        }
        n=$((n + 1))
    done
    echo "$name: $n regression input(s) pass"
fi

rm -rf "$work"
mkdir -p "$work"
if [ -n "$seeds" ] && [ -d "$seeds" ]; then
    for f in "$seeds"/*.stldr; do
        [ -f "$f" ] && cp "$f" "$work/"
    done
fi
log="$work.log"
status=0
dict=""
[ -f "$src/dict/$name.dict" ] && dict="-dict=$src/dict/$name.dict"
"$bin" $opts -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" $dict \
    "$work" "$src/corpus/$name" >"$log" 2>&1 || status=$?
grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|Done [0-9]+ runs)' "$log" || true
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    echo "FAIL: $name exited with $status (artifacts in $work/)" >&2
    exit 1
fi
