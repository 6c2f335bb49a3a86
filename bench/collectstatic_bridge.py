"""collectstatic through the Django bridge against Django's own, same tree.

Usage (from the repository root, after ``make build wasm venv``)::

    .venv/bin/python bench/collectstatic_bridge.py            # admin + bootstrap, 3 runs (~1 min)
    .venv/bin/python bench/collectstatic_bridge.py --full     # the whole corpus, 5 runs

Three ``manage.py collectstatic`` runs, alternately (bench/measure.py), each
a fresh process (bench/django_collectstatic.py), into an empty STATIC_ROOT,
then again into the same one with nothing changed:
Django's ManifestStaticFilesStorage, AssetcStorage with the native CLI, and
AssetcStorage through the wasm core (no CLI: what a pip install gives). The
bridge's runs include its check of every file before the copy phase.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from measure import Command, alternate, paired_ratio, tree_bytes  # noqa: E402

CORPUS = "bench/corpus"
WORK = os.environ.get("BENCH_WORK") or ("/dev/shm/assetc-bench-bridge" if os.path.isdir("/dev/shm") else "bench/work/bridge")
QUICK_PACKAGES = ("admin", "bootstrap-5.3.3")


def word(ratio: float) -> str:
    """Django's time over the bridge's, in words."""
    return f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the whole corpus, 5 runs (default: admin + bootstrap, 3 runs)")
    parser.add_argument("--runs", type=int, help="timed runs of each (after one untimed round)")
    args = parser.parse_args(argv)
    packages = tuple(sorted(n for n in os.listdir(CORPUS) if not n.startswith("."))) if args.full else QUICK_PACKAGES
    runs = args.runs or (5 if args.full else 3)
    tree, out = f"{WORK}/tree", f"{WORK}/out"
    shutil.rmtree(WORK, ignore_errors=True)
    for name in packages:
        shutil.copytree(f"{CORPUS}/{name}", f"{tree}/{name}", symlinks=True)
    files, size = tree_bytes(tree)

    def command(storage: str, cold: bool) -> Command:
        target = f"{out}/{storage}"
        return Command(
            storage,
            [sys.executable, "bench/django_collectstatic.py", "--storage", storage, "--out", target, tree],
            prepare=(lambda: shutil.rmtree(target, ignore_errors=True)) if cold else None,
        )

    storages = ("manifest", "assetc", "assetc-wasm")
    labels = ("ManifestStaticFilesStorage (Django)", "AssetcStorage, native CLI", "AssetcStorage, wasm core")
    print(f"collectstatic, {files} files ({size / 1e6:.1f} MB: {', '.join(packages)}), median of {runs} alternate runs")
    print()
    print("| run | storage | wall | CPU | peak RSS | vs Django's (wall, CPU) |")
    print("|---|---|---|---|---|---|")
    for row, cold in (("cold (empty STATIC_ROOT)", True), ("rerun, nothing changed", False)):
        stats = alternate([command(s, cold) for s in storages], runs)
        django = stats[0]
        for label, one in zip(labels, stats):
            ratio = f"{word(paired_ratio(django, one))} (CPU {word(paired_ratio(django, one, 'cpu'))})" if one is not django else "1.00"
            print(f"| {row if one is django else ''} | {label} | {one.wall:.2f} s | {one.cpu:.2f} s | {one.rss_kb / 1024:.0f} MB | {ratio} |")
    print()
    print(f"Load average at the end: {os.getloadavg()[0]:.1f}. Cold runs remove STATIC_ROOT (--out) first:")
    for one in stats:
        print(f"- `{one.command.shell()}`")
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
