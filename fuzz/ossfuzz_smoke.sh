#!/bin/sh
# The OSS-Fuzz / ClusterFuzzLite build, smoke-tested without docker (docs/fuzzing.md
# "OSS-Fuzz and ClusterFuzzLite"):  ossfuzz_smoke.sh SRC_ROOT WORK_DIR CC SECONDS
# 1. .clusterfuzzlite/build.sh runs as OSS-Fuzz's `compile` would start it: in
#    $SRC/stldr-emu, with CC, CFLAGS = ASan + libFuzzer's coverage instrumentation (OSS-Fuzz's
#    ASan flags), LIB_FUZZING_ENGINE=-fsanitize=fuzzer, a fresh $OUT and $WORK;
# 2. $OUT must hold every target with its seed corpus zip, the dictionaries and options that
#    fuzz/dict/ has, the fixed loaders, and the targets must resolve Unicorn from $OUT/lib;
# 3. $OUT is copied elsewhere (a runner has nothing else) and each target fuzzes there for
#    SECONDS from its unzipped seed corpus, with its dictionary: a crash, leak, sanitizer
#    report or timeout fails the test.
set -eu
root="$1"; work="$2"; cc="$3"; secs="$4"
targets="fuzz_stldr fuzz_rsp fuzz_flash_image fuzz_profile fuzz_loader fuzz_ihex fuzz_srec fuzz_elfdata"
for tool in zip unzip; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found (Debian: apt-get install $tool)" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work/src" "$work/out" "$work/build"
ln -s "$root" "$work/src/stldr-emu"
(cd "$work/src/stldr-emu" &&
    CC="$cc" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$work/out" SRC="$work/src" \
    WORK="$work/build" STLDR_JOBS=2 \
    CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
    bash -eu .clusterfuzzlite/build.sh) >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log"
    echo "FAIL: .clusterfuzzlite/build.sh" >&2
    exit 1
}

out="$work/out"
for t in $targets; do
    [ -x "$out/$t" ] || { echo "FAIL: build.sh made no $out/$t" >&2; exit 1; }
    unzip -tq "$out/${t}_seed_corpus.zip" >/dev/null || { echo "FAIL: $out/${t}_seed_corpus.zip" >&2; exit 1; }
    for ext in dict options; do
        if [ -f "$root/fuzz/dict/$t.$ext" ] && ! cmp -s "$root/fuzz/dict/$t.$ext" "$out/$t.$ext"; then
            echo "FAIL: $out/$t.$ext is not fuzz/dict/$t.$ext" >&2
            exit 1
        fi
    done
    ldd "$out/$t" | grep -q "libunicorn.*=> $out/lib/" ||
        { ldd "$out/$t"; echo "FAIL: $t does not take Unicorn from \$OUT/lib" >&2; exit 1; }
done
for l in ref_mx25_l562 sram_loader; do
    [ -f "$out/stldr_loaders/$l.stldr" ] || { echo "FAIL: no $out/stldr_loaders/$l.stldr" >&2; exit 1; }
done

runner="$work/runner"
cp -R "$out" "$runner"
rm -rf "$work/build"
for t in $targets; do
    mkdir -p "$runner/corpus-$t"
    unzip -q "$runner/${t}_seed_corpus.zip" -d "$runner/corpus-$t"
    dict=""
    [ -f "$runner/$t.dict" ] && dict="-dict=$runner/$t.dict"
    status=0
    # shellcheck disable=SC2086 # $dict is one option or nothing
    (cd "$runner" && "./$t" -error_exitcode=77 -timeout=25 -rss_limit_mb=2048 \
        -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$runner/$t-" $dict \
        "corpus-$t") >"$runner/$t.log" 2>&1 || status=$?
    echo "$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$runner/$t.log") runs," \
         "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$runner/$t.log")/s from $(ls "$runner/corpus-$t" | wc -l) inputs"
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$runner/$t.log"
        echo "FAIL: $t exited with $status (artifacts in $runner/)" >&2
        exit 1
    fi
done
