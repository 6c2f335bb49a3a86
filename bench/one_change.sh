#!/bin/bash
# One changed file, two binaries: the cost of a rebuild after an image that
# a stylesheet references gets new content, next to the no-change rebuild.
#
#   bench/one_change.sh OLD_BIN NEW_BIN TREE IMAGE [RUNS]
#
# Each binary builds TREE into its own fresh output under $BENCH_WORK
# (default /dev/shm/assetc-one-change), cold, then no-change, then RUNS times
# (default 3): IMAGE (relative to TREE) gets a comment appended and each
# binary rebuilds, alternately. Every line is "BIN KIND: wall_s user_u sys_s
# peakRSS_KB" from /usr/bin/time. IMAGE is edited in place (the bench row 3
# way); put it back yourself if the tree matters. Examples:
#   bench/one_change.sh /tmp/assetc-main bin/assetc /dev/shm/assetc-bench/tree admin/img/sorting-icons.svg 5
#   bench/one_change.sh /tmp/assetc-main bin/assetc /dev/shm/assetc-bench/gen-100000 pkg0000/img/svg-03.svg 3
set -euo pipefail
old=$1 new=$2 tree=$3 image=$4 runs=${5:-3}
work=${BENCH_WORK:-/dev/shm/assetc-one-change}
rm -rf "$work" && mkdir -p "$work"
build() { # NAME KIND BIN
	/usr/bin/time -f "%e_s %U_u %S_s %M_KB" "$3" build -s "$tree" -o "$work/$1" -q 2>&1 | sed "s/^/$1 $2: /"
}
for kind in cold no-change; do build old $kind "$old"; build new $kind "$new"; done
for _ in $(seq "$runs"); do
	for name in old new; do
		printf '<!-- edit %s -->\n' "$(date +%s%N)" >>"$tree/$image"
		[ $name = old ] && build old edit "$old" || build new edit "$new"
	done
done
rm -rf "$work"
