#!/bin/sh
# Installation, smoke-tested (docs/install.md): install_smoke.sh BUILD_DIR WORK_DIR LOADER
# 1. `cmake --install` into a DESTDIR: the binary, the man pages of the command and of every
#    subcommand, the bash and zsh completion, the documentation; the installed binary prints
#    its version and runs the standard session and a CubeProgrammer-syntax session on LOADER;
# 2. `cpack -G DEB`: the package is stldr-emu with its library dependencies; extracted with
#    dpkg-deb -x, its binary does the same.
set -eu
build="$1"; work="$2"; loader="$3"
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

check_tree() { # ROOT: an installed /usr tree
    root="$1"
    bin="$root/usr/bin/stldr-emu"
    [ -x "$bin" ] || fail "no $bin"
    "$bin" --version | grep -q '^stldr-emu [0-9]' || fail "$bin --version"
    "$bin" run "$loader" >"$work/session.log" 2>&1 || { cat "$work/session.log"; fail "standard session"; }
    grep -q '^OK: 9 calls' "$work/session.log" || fail "standard session log"
    "$bin" -c port=SWD -el "$loader" -e [0 1] -r32 0x90000000 16 >"$work/cube.log" 2>&1 ||
        { cat "$work/cube.log"; fail "CubeProgrammer-syntax session"; }
    for c in "" -run -trace -info -lint -gdb -fuzz -cube; do
        page="$root/usr/share/man/man1/stldr-emu$c.1"
        [ -f "$page" ] || fail "no $page"
        head -n 1 "$page" | grep -q '^\.TH ' || fail "$page is not a man page"
    done
    comp="$root/usr/share/bash-completion/completions/stldr-emu"
    [ -f "$comp" ] || fail "no $comp"
    bash -n "$comp" || fail "$comp does not parse"
    [ -f "$root/usr/share/zsh/vendor-completions/_stldr-emu" ] || fail "no zsh completion"
    for doc in README.md docs/cube.md docs/install.md; do
        [ -f "$root/usr/share/doc/stldr-emu/$doc" ] || fail "no $doc"
    done
}

DESTDIR="$work/dest" cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "cmake --install"; }
check_tree "$work/dest"
echo "cmake --install: ok"

(cd "$work" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/pkg") \
    >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/pkg/*.deb)
[ "$(dpkg-deb -f "$deb" Package)" = stldr-emu ] || fail "$deb: package name"
# Unicorn is a dependency exactly when the executable loads it (not with STLDR_STATIC_DEPS).
if readelf -d "$build/stldr-emu" | grep NEEDED | grep -q libunicorn; then
    dpkg-deb -f "$deb" Depends | grep -q unicorn || fail "$deb: no dependency on Unicorn"
else
    dpkg-deb -f "$deb" Depends | grep -q unicorn && fail "$deb: depends on Unicorn, linked in"
fi
dpkg-deb -x "$deb" "$work/deb"
check_tree "$work/deb"
echo "$(basename "$deb"): ok"
