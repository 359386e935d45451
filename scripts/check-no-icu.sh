#!/usr/bin/env bash
# Memory regression guard: the shipped `podcap` binary must not link full Foundation, which
# brings FoundationInternationalization and ~34 MB of ICU data (icudt*_dat) into the static
# binary and ~30 MB of file-backed pages into every node's RSS.
#
# Usage: scripts/check-no-icu.sh BINARY...
#   A dynamically linked (debug) build is checked by its DT_NEEDED entries: a module that imports
#   Foundation adds libFoundation.so there, and the static release link would pull the same
#   archives. A static (release) build is checked by its symbols and its size.
set -euo pipefail

status=0
for binary in "$@"; do
    if [ ! -x "$binary" ]; then
        echo "check-no-icu: $binary: not built" >&2
        status=1
        continue
    fi
    needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    bad=$(grep -E '^lib(Foundation|FoundationInternationalization|_FoundationICU|FoundationNetworking|FoundationXML)\.so' <<<"$needed" || true)
    if [ -n "$bad" ]; then
        echo "check-no-icu: $binary links $(tr '\n' ' ' <<<"$bad")— a shipped module imports Foundation; use FoundationEssentials" >&2
        status=1
        continue
    fi
    if grep -q '^libswiftCore\.so' <<<"$needed"; then
        echo "check-no-icu: $binary: ok (dynamic; NEEDED has no Foundation/ICU library)"
        continue
    fi
    # Static stdlib: look for the ICU data blob and FoundationInternationalization's symbols.
    # shellcheck disable=SC2016 # a literal $ of a mangled Swift symbol
    icu=$(nm "$binary" 2>/dev/null | grep -cE ' (icudt[0-9]+_dat|ures_open)$| \$s30FoundationInternationalization' || true)
    size=$(stat -c %s "$binary")
    if [ "$icu" -gt 0 ]; then
        echo "check-no-icu: $binary ($((size / 1048576)) MiB) contains ICU data or FoundationInternationalization ($icu symbols)" >&2
        status=1
        continue
    fi
    echo "check-no-icu: $binary: ok (static, $((size / 1048576)) MiB, no icudt/FoundationInternationalization symbols)"
done
exit "$status"
