#!/bin/sh
# stldr-emu built with STLDR_STATIC_DEPS (cmake/deps.cmake): no shared Unicorn, Capstone, libdw
# or libelf to load and relocate at start-up, and emu/ucfix.c's two functions are the ones
# linked (strong "T"; the archive's own were made weak, "W" would mean ours are missing).
# Usage: check_static_deps.sh <stldr-emu>
exe="$1"
[ -x "$exe" ] || { echo "static deps: no executable '$exe'"; exit 2; }
bad=0
needed=$(readelf -d "$exe" | grep NEEDED)
for lib in libunicorn libcapstone libdw libelf; do
    case "$needed" in *"$lib"*) echo "static deps: $exe still needs $lib"; bad=1 ;; esac
done
readelf -h "$exe" | grep -q 'Type:.*EXEC' || { echo "static deps: $exe is not a non-PIE executable"; bad=1; }
for sym in page_collection_lock_arm page_collection_unlock_arm; do
    nm "$exe" | grep -q " T $sym\$" || { echo "static deps: $sym is not emu/ucfix.c's"; bad=1; }
done
[ $bad -eq 0 ] && echo "static deps: $exe links Unicorn, Capstone, libdw and libelf statically, with emu/ucfix.c"
exit $bad
