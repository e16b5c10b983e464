#!/usr/bin/env bash
# The same night again on a file system with reflinks (docs/nightly.md, "The same night again"): makes a
# 512 MB XFS image, mounts it through a loop device, runs the example pipeline twice in it with the release
# binary, and checks that the second run was served from the first run's files, that its files are byte
# for byte the first run's, that their blocks are shared (cloned with FICLONE, not copied), and that a write
# into the clone leaves the source as it was. Unmounts and removes what it made.
#
# Needs root, xfsprogs and a loop device; where the machine has no loop device or refuses the mount (an
# unprivileged container), it says so and exits 0: the copy path every other file system takes is covered
# by the test suite (NightlyCLITests). Uses .build/release/stratopt unless STRATOPT_BIN names another.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bin=${STRATOPT_BIN:-$repo/.build/release/stratopt}
if [ ! -x "$bin" ]; then swift build -c release --product stratopt; fi

echo "== reflink: the same night again on XFS"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v mkfs.xfs >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq --no-install-recommends xfsprogs >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends xfsprogs; }
fi
work=$(mktemp -d)
image=$work/xfs.img
mnt=$work/mnt
mkdir -p "$mnt"
cleanup() {
    mountpoint -q "$mnt" && $SUDO umount "$mnt"
    rm -rf "$work"
}
trap cleanup EXIT
truncate -s 512M "$image"
mkfs.xfs -q -m reflink=1 "$image"
if ! $SUDO mount -o loop "$image" "$mnt" 2>"$work/mount.err"; then
    echo "reflink: skipped, this machine cannot mount a loop device: $(head -c 200 "$work/mount.err")"
    exit 0
fi
$SUDO chown "$(id -u):$(id -g)" "$mnt"

run() {
    "$bin" run "$repo/pipelines/example.yaml" --data-dir "$mnt/data" --reports-dir "$mnt/reports" \
        --as-of 2025-06-30 > "$mnt/$1.out" 2> "$mnt/$1.err" || { cat "$mnt/$1.err" >&2; exit 1; }
}
run first
run second
grep -q 'whose verified files were copied' "$mnt/second.out" \
    || { echo "reflink: the second run was not served from the first" >&2; cat "$mnt/second.out" >&2; exit 1; }
first=$(sed -n 's|^report: \(.*\)/report.html$|\1|p' "$mnt/first.out")
second=$(sed -n 's|^report: \(.*\)/report.html$|\1|p' "$mnt/second.out")
[ -n "$first" ] && [ -n "$second" ] && [ "$first" != "$second" ] \
    || { echo "reflink: no two run folders (first '$first', second '$second')" >&2; exit 1; }

files=0
for f in $(cd "$first" && find . -type f ! -name manifest.json ! -name events.jsonl ! -name '.*' | sort); do
    cmp -s "$first/$f" "$second/$f" || { echo "reflink: $f differs between the two runs" >&2; exit 1; }
    files=$((files + 1))
done
# FIEMAP's flag 0x2000 (FIEMAP_EXTENT_SHARED) on every extent: the clone holds no blocks of its own.
for f in trades.csv results.csv report.html; do
    flags=$(xfs_io -r -c 'fiemap -v' "$second/$f" | awk 'NR > 2 { print $NF }')
    [ -n "$flags" ] || { echo "reflink: no extents listed for $f" >&2; exit 1; }
    for x in $flags; do
        (( x & 0x2000 )) || { echo "reflink: $f has an extent that is not shared (flags $x)" >&2; exit 1; }
    done
done
before=$(sha256sum "$first/trades.csv" | cut -d' ' -f1)
echo "an edit of the clone" >> "$second/trades.csv"
after=$(sha256sum "$first/trades.csv" | cut -d' ' -f1)
[ "$before" = "$after" ] || { echo "reflink: writing the clone changed the source" >&2; exit 1; }
echo "reflink: second run served from the first; $files files byte-identical, blocks shared; the source unchanged by a write into the clone"
