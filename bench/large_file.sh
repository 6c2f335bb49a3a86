#!/usr/bin/env bash
# Peak memory of `assetc build` on one large generated stylesheet.
#
# usage: bench/large_file.sh [MB]      (default 20; the issue's figure is 200)
#
# Two files of MB megabytes are generated in a temporary directory: "plain"
# (rules, no references) and "dense" (one url() reference per ~68-byte line,
# the worst realistic case: memory then follows the number of references, see
# core/project.go load). Prints one markdown row per file: size, wall time,
# peak RSS (GNU time's "Maximum resident set size") and RSS / size.
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-20}"
[ -x bin/assetc ] || make build >&2
/usr/bin/time -v true >/dev/null 2>&1 || { echo "large_file: needs GNU time (apt-get install time)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$mb" <<'PY'
import os, sys
work, mb = sys.argv[1], int(sys.argv[2])
lines = {
    "plain": b".c%d{color:red;margin:0 auto;padding:1px 2px 3px 4px}\n",
    "dense": b".c%d{color:red;background:url(img/a.png) no-repeat;margin:0 auto}\n",
}
for name, line in lines.items():
    os.makedirs(os.path.join(work, name, "img"))
    with open(os.path.join(work, name, "img", "a.png"), "wb") as f:
        f.write(b"png")
    with open(os.path.join(work, name, "big.css"), "wb") as f:
        size = i = 0
        while size < mb << 20:
            chunk = b"".join(line % j for j in range(i, i + 1000))
            f.write(chunk)
            size += len(chunk)
            i += 1000
PY

echo "| file | size MB | wall s | peak RSS MB | RSS / size |"
echo "|---|---:|---:|---:|---:|"
for name in plain dense; do
  size=$(stat -c %s "$work/$name/big.css")
  /usr/bin/time -v bin/assetc build -q -s "$work/$name" -o "$work/out-$name" 2>"$work/time-$name" >/dev/null
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$name")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$name")
  python3 -c "import sys; s, r, w = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]; m, x = (w.split(':') + ['0'])[:2]; secs = float(m) * 60 + float(x); print(f'| {sys.argv[4]} | {s / 2**20:.0f} | {secs:.1f} | {r / 1024:.0f} | {r * 1024 / s:.1f}x |')" \
    "$size" "$rss_kb" "$wall" "$name"
done
