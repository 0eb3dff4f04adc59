#!/bin/sh
# Coverage-guided mode finds a planted bug in a bounded run, and its crash input becomes a
# reproducer: loader_finds.sh FUZZ_LOADER STLDR_EMU LOADER KIND WORK_DIR
# 1. fuzz_loader on LOADER for at most 120 s from an empty corpus must stop on a finding of
#    KIND (it aborts, libFuzzer saves the input as crash-*);
# 2. stldr-emu fuzz LOADER --from-input crash-* --out WORK_DIR writes the reproducer;
# 3. stldr-emu run LOADER --replay it reports KIND again.
set -eu
bin="$1"; tool="$2"; loader="$3"; kind="$4"; work="$5"
[ -x "$bin" ] || { echo "$bin: not built" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work/corpus"
status=0
STLDR_FUZZ_LOADER="$loader" STLDR_FUZZ_BUDGET=2000000 "$bin" -seed=1 -max_total_time=120 \
    -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$work/" "$work/corpus" \
    >"$work/fuzz.log" 2>&1 || status=$?
grep -E '^(fuzz_loader:|#[0-9]+ +(INITED|NEW)|stat::)' "$work/fuzz.log" | tail -n 8 || true
if [ "$status" -eq 0 ] || ! grep -q "fuzz_loader: finding: $kind" "$work/fuzz.log"; then
    tail -n 40 "$work/fuzz.log"
    echo "FAIL: no $kind finding in 120 s (exit $status)" >&2
    exit 1
fi
crash=$(ls "$work"/crash-* | head -n 1)
"$tool" fuzz "$loader" --budget 2000000 --from-input "$crash" --out "$work/repro" \
    >"$work/from-input.log" 2>&1 && { cat "$work/from-input.log"; echo "FAIL: the crash input gives no finding" >&2; exit 1; }
cat "$work/from-input.log"
repro=$(ls "$work"/repro/*.repro | head -n 1)
if "$tool" run "$loader" --replay "$repro" --budget 2000000 >"$work/replay.log" 2>&1 ||
   ! grep -q "$kind" "$work/replay.log"; then
    cat "$work/replay.log"
    echo "FAIL: $repro does not replay to $kind" >&2
    exit 1
fi
echo "fuzz_loader: $kind found and replayed from $repro"
