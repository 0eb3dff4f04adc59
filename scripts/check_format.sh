#!/usr/bin/env bash
# The C sources as .clang-format says (clang-format from Debian's package); prints the files
# that differ and exits 1. Fix with: clang-format -i $(git ls-files '*.c' '*.h')
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.c' '*.h')
bad=0
for f in "${files[@]}"; do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "format: $f differs from .clang-format (clang-format -i $f)"
        bad=1
    fi
done
[ $bad -eq 0 ] && echo "format: ${#files[@]} files as .clang-format says"
exit $bad
