#!/usr/bin/env bash
# What a Thaw home's ext4 layers (made before layers became EROFS) would take as EROFS, with
# the options ErofsImage uses: mounts each layer read-only, runs mkfs.erofs into a temporary
# file, prints "name ext4-allocated-bytes erofs-bytes". Changes nothing in the home. Root only.
#   scripts/erofs-sizes.sh ~/.cache/thaw/images/rootfs
set -euo pipefail
rootfs=${1:?usage: scripts/erofs-sizes.sh THAW_HOME/images/rootfs}
work=$(mktemp -d)
trap 'umount -q "$work/mnt" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/mnt"
for image in "$rootfs"/*.ext4; do
    name=$(basename "$image" .ext4)
    [ "${name%%-*}" = upper ] && continue # the writable disk stays ext4
    mount -o ro,loop,noload "$image" "$work/mnt"
    nice -n 10 mkfs.erofs --quiet -zlz4hc -C65536 -T1700000000 "$work/layer.erofs" "$work/mnt"
    umount "$work/mnt"
    printf '%s\t%s\t%s\n' "${name%-*}" "$(du -B1 "$image" | cut -f1)" "$(stat -c %s "$work/layer.erofs")"
    rm -f "$work/layer.erofs"
done | awk -F'\t' '{ printf "%-14s %9.1f MiB -> %8.1f MiB\n", $1, $2 / 2^20, $3 / 2^20; e += $2; r += $3 }
    END { printf "%-14s %9.2f GiB -> %8.2f GiB (%.2f)\n", "all", e / 2^30, r / 2^30, r / e }'
