#!/usr/bin/env bash
# Builds the podcap image without Docker and imports it into the running realnode
# (../shared/realnode): the Dockerfile's runtime stage, assembled as a root file system.
#
# What goes in is read from deploy/runtime-programs.txt, the list scripts/lint-runtime-programs.py
# (make lint) keeps equal to the Dockerfile's runtime stage:
#   program  --bin HOST:PATH for each, with every shared library ldd names (and the loader);
#            `copy` programs come from the build (podcap: PODCAP_BIN, the static release binary),
#            the others are this machine's (Debian 12: same paths and package names as Ubuntu)
#   library  checked to be among what ldd brought along
#   file     copied from this machine to the same path
#   entrypoint, cmd  the image config
# The root file system starts with Ubuntu's merged-/usr links (bin, sbin, lib, lib64 -> usr/...).
# No busybox: the image holds the real tar, ls and bash the Dockerfile ships, nothing else.
#
# Usage: node-image.sh [IMAGE]      (default $IMAGE, else podcap:dev)
# Environment:
#   PODCAP_BIN    the podcap binary (default .build/release/podcap; `make node-image` builds it)
#   REALNODE      the realnode kit (default ../shared/realnode beside the repository)
#   REALNODE_DIR  the running realnode's state DIR (set by `source DIR/env`; default: the one
#                 /run/realnode/active names). With none running, or OUT set, only the archive is
#                 written, to OUT (default .build-node/<image>.tar).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${1:-${IMAGE:-podcap:dev}}
PODCAP_BIN=${PODCAP_BIN:-$repo/.build/release/podcap}
REALNODE=${REALNODE:-$repo/../shared/realnode}
LIST=$repo/deploy/runtime-programs.txt
work=$repo/.build-node
rootfs=$work/rootfs

say() { printf '[node-image] %s\n' "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }

[[ -x $REALNODE/image.sh ]] || die "no realnode kit at $REALNODE (set REALNODE)"
[[ -x $PODCAP_BIN ]] || die "no podcap binary at $PODCAP_BIN (make node-bin builds it)"
command -v ldd > /dev/null || die "ldd is required (libc-bin)"

# An empty root file system with the merged-/usr layout of ubuntu:24.04.
rm -rf "$rootfs"
mkdir -p "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/usr/lib" "$rootfs/usr/lib64" "$rootfs/usr/local/bin"
for link in bin sbin lib lib64; do
    ln -s "usr/$link" "$rootfs/$link"
done

args=()
programs=() libraries=() entrypoint="" cmd=""
while IFS= read -r line; do
    read -r kind name path source _ <<< "$line"
    case ${kind:-#} in
        '#'*) continue ;;
        entrypoint) entrypoint=${line#*entrypoint} ;;
        cmd) cmd=${line#*cmd} ;;
        program)
            if [[ $source == copy ]]; then
                [[ $name == podcap ]] || die "$LIST: no build product for copied program $name"
                host=$PODCAP_BIN
            else
                host=$(command -v "$name") || die "$name is not installed here (Debian package ${source#*:})"
            fi
            args+=(--bin "$host:$path")
            programs+=("$host")
            ;;
        library) libraries+=("$name") ;;
        file)
            [[ -e $path ]] || die "$path is missing here (Debian package ${source#*:})"
            args+=(--file "$path:$path")
            ;;
        *) die "$LIST: unknown entry $kind (scripts/lint-runtime-programs.py checks this file)" ;;
    esac
done < "$LIST"
[[ -n $entrypoint && -n $cmd ]] || die "$LIST has no entrypoint or cmd line"
((${#programs[@]} > 0)) || die "$LIST lists no program"

for library in "${libraries[@]}"; do
    found=0
    for program in "${programs[@]}"; do
        if ldd "$program" 2> /dev/null | grep -q "^[[:space:]]*$library "; then
            found=1
            break
        fi
    done
    ((found)) || die "no program of $LIST links $library, so the image would lack it"
done
if ldd "$PODCAP_BIN" | grep -q 'not found'; then
    ldd "$PODCAP_BIN"
    die "$PODCAP_BIN needs a library this machine does not have"
fi

args+=(--entrypoint "$entrypoint" --cmd "$cmd")

dir=${REALNODE_DIR:-}
if [[ -z $dir && -f /run/realnode/active ]]; then
    dir=$(cat /run/realnode/active)
fi
if [[ -n ${OUT:-} || -z $dir ]]; then
    out=${OUT:-$work/$(tr '/:' '__' <<< "$IMAGE").tar}
    "$REALNODE/image.sh" "$IMAGE" "$rootfs" "${args[@]}" --out "$out"
    say "no realnode running: wrote $out only (import: ctr -n k8s.io images import $out)"
else
    "$REALNODE/image.sh" -d "$dir" "$IMAGE" "$rootfs" "${args[@]}"
    say "imported $IMAGE into the realnode in $dir: $(basename "$PODCAP_BIN") + ${#programs[@]} programs from $(basename "$LIST")"
fi
