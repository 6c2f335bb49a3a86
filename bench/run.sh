#!/usr/bin/env bash
# assetc against Django's collectstatic: see bench/README.md.
#
# usage: bench/run.sh [--quick]
#
# Installs what it needs, then runs bench/bench.py, which writes
# bench/results/latest.md (latest-quick.md with --quick) and prints it:
#   - bin/assetc (make build) and the project's virtualenv .venv with the pinned
#     Django 6.1, WhiteNoise and Brotli (make venv);
#   - GNU time (/usr/bin/time -v), from Debian's `time` package when missing;
#   - the corpus: ../shared/corpus/fetch.sh into bench/corpus (kept between runs),
#     with the virtualenv's python first on PATH so Django's admin files are added.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
case "${1:-}" in
  --quick) quick=(--quick) ;;
  "") ;;
  *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac

python=.venv/bin/python
[ -x bin/assetc ] || make build
[ -x "$python" ] || make venv
"$python" -c 'import django, whitenoise, brotli, sys; sys.exit(0 if django.VERSION[:2] == (6, 1) else "bench needs Django 6.1, .venv has " + django.__version__)'

# The bridge's wasm module, for the runtime row (skipped there when it cannot be built).
if [ -d wasm ]; then
  make -s wasm >&2 || echo "bench: make wasm failed; the runtime row will say the bridge is not available" >&2
fi

if ! /usr/bin/time -v true >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q time >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; }
  else
    echo "bench: GNU time is missing: apt-get install time" >&2; exit 1
  fi
fi

corpus_script=../shared/corpus/fetch.sh
if [ ! -f bench/corpus/.complete ] || [ "$corpus_script" -nt bench/corpus/.complete ] \
   || [ "$(dirname "$corpus_script")/packages.txt" -nt bench/corpus/.complete ]; then
  [ -f "$corpus_script" ] || { echo "bench: $corpus_script not found (the shared/ checkout beside this repo)" >&2; exit 1; }
  echo "bench: fetching the corpus into bench/corpus" >&2
  PATH="$PWD/.venv/bin:$PATH" bash "$corpus_script" bench/corpus >&2
  [ -d bench/corpus/admin ] || { echo "bench: Django admin missing from bench/corpus" >&2; exit 1; }
  touch bench/corpus/.complete
fi

exec "$python" bench/bench.py "${quick[@]}"
