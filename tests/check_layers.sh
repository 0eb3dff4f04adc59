#!/bin/sh
# The layers' direction (cmake/layers.cmake), checked on the sources: no "../" include (it
# would get around the include views), no Unicorn header outside emu/ (and the benchmark),
# and no include of a layer above. Prints every offending line; exit 1 if there is one.
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 2
bad=0
report() { echo "layers: $1"; bad=1; }
for f in $(git ls-files 'base/*.[ch]' 'peripherals/*.[ch]' 'emu/*.[ch]' 'emu/*/*.[ch]' \
                         'loader/*.[ch]' 'tools/*.[ch]' 'fuzz/*.[ch]' 'bench/*.[ch]' 'tests/*.[ch]' \
                         'tests/util/*.[ch]' 2>/dev/null); do
    case "$f" in tests/firmware/*) continue ;; esac
    grep -n '#include "\.\./' "$f" | while IFS= read -r l; do echo "layers: $f:$l: a \"../\" include"; done | grep . && bad=1
    case "$f" in
    base/*) forbid='"peripherals/|"emu/|"loader/|"tools/|<unicorn/' ;;
    peripherals/*) forbid='"emu/|"loader/|"tools/|<unicorn/' ;;
    emu/*) forbid='"loader/|"tools/' ;;
    loader/*|tools/*) forbid='"peripherals/|<unicorn/|"emu/(bus|scs|tz|window|soc|inspect|machine_impl|traps|faultpc|disasm|ucfix)\.h' ;;
    *) forbid='' ;;
    esac
    [ -n "$forbid" ] || continue
    case "$f" in loader/*) forbid="$forbid|\"tools/" ;; esac
    hits=$(grep -nE "#include ($forbid)" "$f")
    [ -z "$hits" ] || report "$f includes a layer above it or a private header: $hits"
done
[ $bad -eq 0 ] && echo "layers: every include goes down"
exit $bad
