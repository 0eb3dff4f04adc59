#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of the fuzz targets in fuzz/ (docs/fuzzing.md "OSS-Fuzz and
# ClusterFuzzLite").
# It takes what OSS-Fuzz's `compile` gives a build script:
#   $CC, $CFLAGS         compile every source (the sanitizer and the engine's coverage
#                        instrumentation come in $CFLAGS; nothing of our own is added)
#   $LIB_FUZZING_ENGINE  links each target with the engine's main (a flag or a library)
#   $OUT                 where the targets and their files go
#   $SRC                 the source tree is $SRC/stldr-emu (or the current directory when
#                        it is the repository, as OSS-Fuzz starts the script in WORKDIR)
#   $WORK                scratch (the CMake build); a temporary directory when unset
# Into $OUT: fuzz_stldr fuzz_rsp fuzz_flash_image fuzz_profile fuzz_loader fuzz_ihex fuzz_srec
# fuzz_elfdata; per target
# <target>_seed_corpus.zip (fuzz/corpus/<target>/ and fuzz/regressions/<target>/), and
# <target>.dict / <target>.options where fuzz/dict/ has them; stldr_loaders/, the fixed test
# loaders fuzz_profile and fuzz_loader open (found beside the executable, fuzz/fuzz_files.h);
# lib/, the shared libraries the targets link (Unicorn, libelf, libdw, Capstone and what they
# need) that a runner image does not have, found through the targets' rpath $ORIGIN/lib.
# STLDR_FUZZ_TARGETS (default: all eight) names the targets to build; STLDR_JOBS the build's
# parallelism (default: nproc).

targets="${STLDR_FUZZ_TARGETS:-fuzz_stldr fuzz_rsp fuzz_flash_image fuzz_profile fuzz_loader fuzz_ihex fuzz_srec fuzz_elfdata}"
root="$PWD"
[ -f "$root/fuzz/clang/CMakeLists.txt" ] || root="$SRC/stldr-emu"
[ -f "$root/fuzz/clang/CMakeLists.txt" ] || { echo "build.sh: no stldr-emu tree in $PWD or $SRC/stldr-emu" >&2; exit 1; }
if [ -n "${WORK:-}" ]; then
    build="$WORK/stldr-fuzz-build"
else
    build="$(mktemp -d)"
    trap 'rm -rf "$build"' EXIT
fi

# No CMAKE_BUILD_TYPE: the optimisation and debug flags are those of $CFLAGS alone.
# FUZZ_SANITIZE=OFF and FUZZ_INSTRUMENT empty: $CFLAGS carries both.
cmake -S "$root/fuzz/clang" -B "$build" \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
    -DSTLDR_ROOT="$root" -DFUZZ_OUT="$OUT" \
    -DFUZZ_SANITIZE=OFF -DFUZZ_INSTRUMENT= -DFUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
    -DFUZZ_PATHS=OFF -DCMAKE_BUILD_RPATH='$ORIGIN/lib'
# shellcheck disable=SC2086 # one target per word
cmake --build "$build" -j"${STLDR_JOBS:-$(nproc)}" --target $targets

mkdir -p "$OUT/stldr_loaders" "$OUT/lib"
install -m 644 "$root/fuzz/corpus/fuzz_stldr/ref_mx25_l562.stldr" \
               "$root/fuzz/corpus/fuzz_stldr/sram_loader.stldr" "$OUT/stldr_loaders/"
for t in $targets; do
    rm -f "$OUT/${t}_seed_corpus.zip"
    for d in "$root/fuzz/corpus/$t" "$root/fuzz/regressions/$t"; do
        if [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then
            zip -q -j "$OUT/${t}_seed_corpus.zip" "$d"/*
        fi
    done
    for ext in dict options; do
        if [ -f "$root/fuzz/dict/$t.$ext" ]; then
            install -m 644 "$root/fuzz/dict/$t.$ext" "$OUT/"
        fi
    done
    # Every shared library the target resolves outside the C runtime goes into $OUT/lib
    # (once: the second target already resolves the first one's copies there).
    ldd "$OUT/$t" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
        case "${lib##*/}" in
        libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | ld-linux* | \
            libgcc_s.so* | libstdc++.so* | libresolv.so*) ;;
        *) [ -e "$OUT/lib/${lib##*/}" ] || cp -L "$lib" "$OUT/lib/" ;;
        esac
    done
done
