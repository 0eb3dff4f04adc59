#!/bin/sh
# AFL++ parallel mode, smoke-tested (docs/fuzzing.md "AFL++ in parallel"):
#   afl_parallel_smoke.sh SRC_ROOT WORK_DIR SECONDS
# 1. .clusterfuzzlite/build.sh builds fuzz_rsp with afl-clang-fast and AFL++'s libFuzzer
#    driver, as OSS-Fuzz's AFL++ build does ($CC, $LIB_FUZZING_ENGINE);
# 2. a main instance (-M main, the seed corpus) and, once it is up, a secondary (-S sec1,
#    one trivial seed) fuzz for SECONDS over one sync directory;
# 3. both fuzzer_stats must show executions and no crash or hang, and the secondary must have
#    imported inputs from the main's queue, which is how instances share work. A secondary
#    syncs at the end of a queue cycle or every AFL_SYNC_TIME minutes (30 by default in
#    4.04c); AFL_IMPORT_FIRST=1 makes it sync once before its first cycle, which a test of
#    a few seconds can see.
# Without afl++ installed the test is skipped (exit 77), except under CI (CI=true), where
# scripts/quickstart.sh installs it and its absence is a failure.
set -eu
root="$1"; work="$2"; secs="$3"
if ! command -v afl-fuzz >/dev/null 2>&1 || ! command -v afl-clang-fast >/dev/null 2>&1; then
    echo "afl-fuzz/afl-clang-fast not found (Debian: apt-get install afl++)" >&2
    [ "${CI:-}" = true ] && exit 1
    exit 77
fi
driver=""
for d in /usr/lib/afl/libAFLDriver.a /usr/local/lib/afl/libAFLDriver.a; do
    [ -f "$d" ] && driver="$d" && break
done
[ -n "$driver" ] || { echo "libAFLDriver.a not found" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/src" "$work/out" "$work/build" "$work/seeds" "$work/seed1"
ln -s "$root" "$work/src/stldr-emu"
(cd "$work/src/stldr-emu" &&
    CC=afl-clang-fast CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only" \
    LIB_FUZZING_ENGINE="$driver" OUT="$work/out" SRC="$work/src" WORK="$work/build" \
    STLDR_FUZZ_TARGETS=fuzz_rsp STLDR_JOBS=2 AFL_QUIET=1 \
    bash -eu .clusterfuzzlite/build.sh) >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log"
    echo "FAIL: build.sh with afl-clang-fast" >&2
    exit 1
}
unzip -q "$work/out/fuzz_rsp_seed_corpus.zip" -d "$work/seeds"
printf '+' >"$work/seed1/ack"

# A shared 2-core host: no CPU binding, no UI, no core_pattern or frequency checks.
export AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FAST_CAL=1
sync="$work/sync"
afl-fuzz -i "$work/seeds" -o "$sync" -M main -V "$secs" -x "$work/out/fuzz_rsp.dict" \
    -- "$work/out/fuzz_rsp" >"$work/main.log" 2>&1 &
main=$!
# The secondary starts once the main has its queue (its stats file is written after the
# seeds ran), so the secondary's first sync has something to import.
n=0
while [ ! -f "$sync/main/fuzzer_stats" ] && kill -0 "$main" 2>/dev/null && [ $n -lt 600 ]; do
    sleep 0.1
    n=$((n + 1))
done
status=0
AFL_IMPORT_FIRST=1 afl-fuzz -i "$work/seed1" -o "$sync" -S sec1 -V "$secs" \
    -- "$work/out/fuzz_rsp" >"$work/sec1.log" 2>&1 || status=$?
wait "$main" || status=$?
if [ "$status" -ne 0 ]; then
    tail -n 20 "$work/main.log" "$work/sec1.log"
    echo "FAIL: afl-fuzz exited with $status" >&2
    exit 1
fi

stat() { sed -n "s/^$2 *: *//p" "$sync/$1/fuzzer_stats"; }
fail=0
for inst in main sec1; do
    [ -f "$sync/$inst/fuzzer_stats" ] || { echo "FAIL: no $sync/$inst/fuzzer_stats" >&2; exit 1; }
    echo "$inst: execs_done $(stat $inst execs_done), corpus_count $(stat $inst corpus_count)," \
         "corpus_found $(stat $inst corpus_found), corpus_imported $(stat $inst corpus_imported)," \
         "saved_crashes $(stat $inst saved_crashes), saved_hangs $(stat $inst saved_hangs)"
    [ "$(stat $inst execs_done)" -gt 0 ] || { echo "FAIL: $inst ran nothing" >&2; fail=1; }
    [ "$(stat $inst saved_crashes)" -eq 0 ] || { echo "FAIL: $inst saved crashes" >&2; fail=1; }
    [ "$(stat $inst saved_hangs)" -eq 0 ] || { echo "FAIL: $inst saved hangs" >&2; fail=1; }
done
if [ "$(stat sec1 corpus_imported)" -eq 0 ]; then
    echo "FAIL: the secondary imported nothing from the main's queue (no sync)" >&2
    fail=1
fi
exit "$fail"
