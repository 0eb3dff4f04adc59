#!/usr/bin/env bash
# One entry point for a fresh Debian machine (run as root):
#   scripts/quickstart.sh run   install dependencies, build, run the sample loader session
#   scripts/quickstart.sh test  install dependencies, build with -Werror, run every test,
#                               then the same tests in an ASan+UBSan build
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
jobs="$(nproc 2>/dev/null || echo 2)"

packages=(build-essential cmake pkg-config libunicorn-dev libelf-dev libdw-dev libcapstone-dev
          libcmocka-dev gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
          sigrok-cli gdb-multiarch clang-format
          clang libclang-rt-dev  # fuzz: clang + libFuzzer for the fuzz smoke tests (fuzz/)
          zip unzip afl++)       # fuzz: OSS-Fuzz build's seed corpus zips, AFL++ parallel smoke

install_deps() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "== installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

build() { # build DIR [cmake options...]
    local dir="$1"; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
}

case "${1:-}" in
run)
    install_deps
    build build
    echo "== stldr-emu run build/tests/firmware/ref_mx25_l562.stldr (target stm32l562e-dk, TrustZone off)"
    ./build/stldr-emu run build/tests/firmware/ref_mx25_l562.stldr
    ;;
test)
    install_deps
    echo "== format (.clang-format)"
    bash scripts/check_format.sh
    echo "== build (warnings are errors)"
    build build-ci -DSTLDR_WERROR=ON -DSTLDR_FUZZ=ON # fuzz: the libFuzzer targets too
    echo "== tests (including the fuzz smoke tests: a few seconds per target)"
    (cd build-ci && ctest --output-on-failure -j"$jobs")
    echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
    build build-asan -DSTLDR_WERROR=ON -DSTLDR_SANITIZE=ON -DSTLDR_FUZZ=OFF # fuzz: ran above, sanitized
    echo "== tests under ASan+UBSan"
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure -j"$jobs")
    ;;
*)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
