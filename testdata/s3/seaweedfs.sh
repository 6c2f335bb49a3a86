#!/usr/bin/env bash
# Builds (once) or reuses the SeaweedFS server the S3 tests run against, and
# prints the binary's path; `seaweedfs.sh --path` only prints where it goes.
# SeaweedFS is a Go module whose go.mod has replace directives, so
# `go install` refuses it: download the module, copy it to a writable
# directory outside the repository and build ./weed inside it.
#
# Cached under $ASSETC_TEST_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/assetc-test),
# keyed by the pinned version: changing SEAWEEDFS_VERSION invalidates it;
# one source copy and one binary per version bound it (~400 MB). Building
# takes several CPU-minutes once, at the lowest priority.
set -euo pipefail

SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
cache="${ASSETC_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/assetc-test}"
dir="$cache/seaweedfs-$SEAWEEDFS_VERSION"
bin="$dir/bin/weed"

if [ "${1:-}" = --path ]; then
	echo "$bin"
	exit 0
fi
if [ -f "$bin" ] && [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$cache"
# One build at a time per cache, even when several checkouts ask at once.
exec 9>"$cache/seaweedfs.lock"
flock 9
if [ -f "$bin" ] && [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

if [ ! -f "$dir/go.mod" ]; then
	src=$(cd "$cache" && go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ -z "$src" ] || [ ! -d "$src" ]; then
		echo "seaweedfs.sh: go mod download gave no module directory" >&2
		exit 1
	fi
	rm -rf "$dir.tmp"
	cp -r "$src" "$dir.tmp"
	chmod -R u+w "$dir.tmp"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
mkdir -p "$dir/bin"
(cd "$dir" && nice -n 19 go build -o "$bin.tmp" ./weed) >&2
mv "$bin.tmp" "$bin"
echo "$bin"
