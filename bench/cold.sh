#!/bin/bash
# Cold builds against the floor: two binaries and the floor (`cp -r` of the
# tree plus MD5 of every byte, two md5sum at once) run alternately, each
# into a fresh directory that nothing was deleted from (issue 15: creating
# files where a tree was just removed measures the file system).
#
#   bench/cold.sh OLD_BIN NEW_BIN TREE [RUNS] [WORK]
#
# WORK (default /dev/shm/assetc-cold) must not exist. On tmpfs each output
# is removed once timed (a shared tmpfs runs out of inodes); on a disk they
# are left for you to remove when nothing is timed (ext4 then makes new
# files slowly for a while). Prints one line per
# run, "KIND wall_s cpu_s peakRSS_KB", then the median wall and CPU
# (user+sys) of each kind and the load average. Example:
#   bench/cold.sh /tmp/assetc-main bin/assetc /dev/shm/assetc-bench/tree 7 /work/cold-disk
set -euo pipefail
old=$1 new=$2 tree=$3 runs=${4:-5} work=${5:-/dev/shm/assetc-cold}
if [ -e "$work" ]; then
	echo "$work exists: give a directory to create" >&2
	exit 2
fi
mkdir -p "$work"
log=$work/times
tmpfs=$([ "$(stat -f -c %T "$work")" = tmpfs ] && echo yes || true)
measure() { # KIND OUTPUT COMMAND...
	local kind=$1 output=$2
	shift 2
	/usr/bin/time -f "$kind %e %U %S %M" -a -o "$log" "$@" >/dev/null 2>"$work/errors" || { tail -3 "$work/errors" >&2; exit 1; }
	if [ -n "$tmpfs" ]; then rm -rf "$output"; fi
}
for i in $(seq "$runs"); do
	measure old "$work/old-$i" "$old" build -q -s "$tree" -o "$work/old-$i"
	measure new "$work/new-$i" "$new" build -q -s "$tree" -o "$work/new-$i"
	measure floor "$work/floor-$i" sh -c 'cp -r "$1" "$2" && find "$1" -type f -print0 | xargs -0 -P2 md5sum' floor "$tree" "$work/floor-$i"
done
awk '{ printf "%s %.2f %.2f %d\n", $1, $2, $3 + $4, $5 }' "$log"
echo "median (wall cpu):"
for kind in old new floor; do
	printf '%s ' "$kind"
	awk -v k="$kind" '$1 == k { print $2, $3 + $4 }' "$log" | sort -n -k1,1 | awk '{ w[NR] = $1 } END { printf "%.3f ", w[int((NR + 1) / 2)] }'
	awk -v k="$kind" '$1 == k { print $3 + $4 }' "$log" | sort -n | awk '{ c[NR] = $1 } END { printf "%.3f\n", c[int((NR + 1) / 2)] }'
done
uptime
if [ -n "$tmpfs" ]; then
	rm -rf "$work"
else
	echo "left $work: remove it when nothing is timed"
fi
