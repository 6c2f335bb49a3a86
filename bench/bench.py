"""assetc against Django's collectstatic, row by row (see bench/README.md).

Run from the repository root by bench/run.sh, which installs what this needs:

    python bench/bench.py [--quick]

Writes bench/results/latest.md (or latest-quick.md) and prints it.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from measure import Command, CommandFailed, Stats, alternate, paired_ratio, run_once, tree_bytes

PYTHON = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable
ASSETC = "bin/assetc"
CORPUS = "bench/corpus"
# Trees and outputs live on tmpfs when there is one: this machine's ext4 disk
# (mounted with online discard) makes creating files right after deleting many
# take seconds of kernel time, and that noise swamped both tools' figures.
# BENCH_WORK overrides; bench/work (git-ignored) is the fallback.
TMPFS_WORK = os.environ.get("BENCH_WORK") or ("/dev/shm/assetc-bench" if os.path.isdir("/dev/shm") else "bench/work")
# The full run measures the rows whose goals are about files (1, 2, 3, 6) on
# the disk too (issue 15): in the repository's file system, BENCH_DISK_WORK
# overrides. Every cold run there writes a fresh directory as on tmpfs.
DISK_WORK = os.environ.get("BENCH_DISK_WORK") or "bench/work"
DISK_ROWS = ("1", "2", "3", "6")


@dataclass(frozen=True)
class Place:
    """Where a pass of the rows keeps its trees and outputs."""

    name: str  # "tmpfs" or "disk"
    work: str
    suffix: str  # added to the row titles ("" on tmpfs)
    prefix: str  # added to the command idents ("" on tmpfs)


WORK = TMPFS_WORK
TREE = f"{WORK}/tree"  # a copy of the corpus (row 3 edits a file in it)
OUT = f"{WORK}/out"
PLACE = Place("tmpfs", TMPFS_WORK, "", "")


def use(place: Place) -> None:
    """Point every row at place's directories."""
    global WORK, TREE, OUT, RETIRED, PLACE
    WORK, PLACE = place.work, place
    TREE, OUT, RETIRED = f"{WORK}/tree", f"{WORK}/out", f"{WORK}/retired"
RESULTS = "bench/results"

# Row 3: an image that exactly one CSS file of the tree refers to (admin/css/base.css).
CHANGED_IMAGE = "admin/img/sorting-icons.svg"
# Row 5: CSS files with many references, the first one the tree has.
MANY_DEPENDENCY_CSS = ["fortawesome-fontawesome-free-6.5.2/css/all.css", "admin/css/base.css"]


@dataclass(frozen=True)
class Mode:
    name: str
    runs: int  # timed runs of each corpus command
    packages: tuple[str, ...]  # corpus packages in the tree; () = all
    compress_packages: tuple[str, ...]
    compress_runs: int
    compress_whole_corpus: bool  # also one cold compressed build of the whole corpus each
    scale_sizes: tuple[int, int]
    scale_runs: int
    go_benchmarks: bool


FULL = Mode(
    name="full",
    runs=5,
    packages=(),
    compress_packages=("admin", "jquery-3.7.1", "htmx.org-1.9.12", "select2-4.0.13"),
    compress_runs=3,
    compress_whole_corpus=True,
    scale_sizes=(10_000, 100_000),
    scale_runs=3,
    go_benchmarks=True,
)
QUICK = Mode(
    name="quick",
    runs=3,
    packages=("admin", "bootstrap-5.3.3"),
    compress_packages=("admin",),
    compress_runs=1,
    compress_whole_corpus=False,
    scale_sizes=(1_000, 5_000),
    scale_runs=3,
    go_benchmarks=False,
)


class Report:
    """The table, the notes under it and the commands, in Markdown."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.commands: list[tuple[str, str]] = []

    def measured(self, row: str, ident: str, what: str, stats: Stats, ratio: str = "") -> None:
        row, ident = (row + PLACE.suffix if row else row), PLACE.prefix + ident
        low, high = stats.spread
        runs = len(stats.samples)
        self.lines.append(
            f"| {row} | `{ident}` {what} | {seconds(stats.wall)} ({seconds(low)}–{seconds(high)}) | "
            f"{seconds(stats.cpu)} | {stats.rss_kb / 1024:.0f} MB | {ratio} | {runs} |"
        )
        self.commands.append((ident, stats.command.shell()))

    def missing(self, row: str, ident: str, what: str, why: str, command: str | None = None) -> None:
        row, ident = (row + PLACE.suffix if row else row), PLACE.prefix + ident
        self.lines.append(f"| {row} | `{ident}` {what} | {why} | | | | 0 |")
        if command:
            self.commands.append((ident, command + "   # not run: " + why))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def render(self, header: str) -> str:
        out = [header, ""]
        out.append("| row | command | wall, median (min–max) | CPU user+sys | peak RSS | ratio | runs |")
        out.append("|---|---|---|---|---|---|---|")
        out.extend(self.lines)
        out.append("")
        out.extend(self.notes)
        out.append("")
        out.append("### Commands (run from the repository root)")
        out.append("")
        for ident, command in self.commands:
            out.append(f"- `{ident}`: `{command}`")
        return "\n".join(out) + "\n"


def seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:.1f} µs"
    if value < 1:
        return f"{value * 1e3:.0f} ms"
    return f"{value:.2f} s"


def slower(peer: Stats, assetc: Stats) -> str:
    """How the peer compares with assetc: wall time, then CPU time."""

    def word(ratio: float) -> str:
        return f"{ratio:.1f}× slower" if ratio >= 1 else f"{1 / ratio:.1f}× faster"

    return f"**{word(paired_ratio(peer, assetc))}** (CPU {word(paired_ratio(peer, assetc, 'cpu'))})"


def rm(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def copy_packages(packages: tuple[str, ...], dest: str) -> None:
    rm(dest)
    os.makedirs(dest)
    names = packages or tuple(sorted(n for n in os.listdir(CORPUS) if not n.startswith(".")))
    for name in names:
        shutil.copytree(f"{CORPUS}/{name}", f"{dest}/{name}", symlinks=True)


def assetc_build(tree: str, out: str, *extra: str) -> list[str]:
    return [ASSETC, "build", "-s", tree, "-o", out, "-q", *extra]


def django_collectstatic(tree: str, out: str, storage: str = "manifest") -> list[str]:
    return [PYTHON, "bench/django_collectstatic.py", "--storage", storage, "--out", out, tree]


RETIRED = f"{WORK}/retired"  # outputs of earlier runs, removed after each row
_retired = iter(range(1_000_000_000))


def cold(out: str):
    """Before a cold run: move the previous output aside (a rename), so each
    run writes a fresh directory where no tree was just deleted: creating
    files where thousands were just freed measures the file system's inode
    allocation, not the program (issue 15)."""

    def prepare() -> None:
        if os.path.exists(out):
            os.makedirs(RETIRED, exist_ok=True)
            os.rename(out, f"{RETIRED}/{next(_retired)}")

    return prepare


def retire_outputs() -> None:
    rm(RETIRED)


def floor_command(label: str, tree: str, out: str) -> Command:
    """The floor of a cold build (issue 15): copy the tree once and MD5 every
    byte, with as many md5sum processes as cores."""
    floor = f"cp -r {tree} {out} && find {tree} -type f -print0 | xargs -0 -P{os.cpu_count()} md5sum >/dev/null"
    return Command(label, ["bash", "-c", floor], prepare=cold(out))


# Row 1: cold build, with the floor.
def row_cold(report: Report, mode: Mode) -> None:
    a_out, d_out, f_out = f"{OUT}/assetc", f"{OUT}/django", f"{OUT}/floor"
    commands = [
        Command("assetc", assetc_build(TREE, a_out), prepare=cold(a_out)),
        Command("collectstatic", django_collectstatic(TREE, d_out), prepare=cold(d_out)),
        floor_command("floor", TREE, f_out),
    ]
    a, d, f = alternate(commands, mode.runs)
    report.measured("1 cold build", "1a", "assetc build", a, "1.00")
    report.measured("", "1b", "collectstatic (ManifestStaticFilesStorage)", d, slower(d, a))
    report.measured("", "1c", "floor: copy tree once + MD5 every byte", f, f"assetc = {paired_ratio(a, f):.1f}× floor")
    rm(f_out)


# Row 2: no-change rebuild.
def row_rebuild(report: Report, mode: Mode) -> None:
    a_out, d_out = f"{OUT}/assetc", f"{OUT}/django"
    commands = [
        Command("assetc", assetc_build(TREE, a_out)),
        Command("collectstatic", django_collectstatic(TREE, d_out)),
    ]
    a, d = alternate(commands, mode.runs)
    report.measured("2 no-change rebuild", "2a", "assetc build (same output dir)", a, "1.00")
    report.measured("", "2b", "collectstatic (same STATIC_ROOT)", d, slower(d, a))
    _, out = run_once(Command("assetc --json", [ASSETC, "build", "-s", TREE, "-o", a_out, "--json"]))
    result = json.loads(out)
    how = (
        "without planning: the snapshot of the last build (.assetc/snapshot.bin) showed every source, directory "
        "and output with its recorded identity"
        if result.get("planned") is False
        else "after planning (it compares output bytes, not mtimes)"
    )
    report.note(
        f"- Row 2{PLACE.suffix}: assetc's rebuild wrote {result['written']} files and found {result['unchanged']} unchanged, {how}; "
        "collectstatic skips copying sources that are not newer but post-processes (reads, hashes, rewrites) every file again."
    )


# Row 3: one image referenced by one CSS file changed.
def row_one_change(report: Report, mode: Mode) -> None:
    a_out, d_out = f"{OUT}/assetc", f"{OUT}/django"
    image = f"{TREE}/{CHANGED_IMAGE}"
    with open(image, "rb") as f:
        original = f.read()
    referrers = [
        os.path.relpath(os.path.join(dirpath, name), TREE)
        for dirpath, _, names in os.walk(TREE)
        for name in names
        if name.endswith(".css") and os.path.basename(CHANGED_IMAGE).encode() in open(os.path.join(dirpath, name), "rb").read()
    ]
    counter = iter(range(1_000_000))

    def edit() -> None:
        # New content each time (a comment after the SVG), so each build sees a change.
        with open(image, "wb") as f:
            f.write(original + f"<!-- bench edit {next(counter)} -->\n".encode())

    commands = [
        Command("assetc", assetc_build(TREE, a_out), prepare=edit),
        Command("collectstatic", django_collectstatic(TREE, d_out), prepare=edit),
    ]
    try:
        a, d = alternate(commands, mode.runs)
        _, out = run_once(Command("assetc --json", [ASSETC, "build", "-s", TREE, "-o", a_out, "--json"], prepare=edit))
    finally:
        with open(image, "wb") as f:
            f.write(original)
    result = json.loads(out)
    written = result["written"]
    how = (
        "planning from the last build's record (`from_record`: only the changed image and the files that "
        "reference it were read and named again)"
        if result.get("from_record")
        else "after planning every file"
    )
    report.measured("3 one image changed", "3a", "assetc build", a, "1.00")
    report.measured("", "3b", "collectstatic", d, slower(d, a))
    report.note(
        f"- Row 3{PLACE.suffix}: before each run the content of `{CHANGED_IMAGE}` is changed (untimed); CSS files in the tree "
        f"naming it: {', '.join(f'`{r}`' for r in referrers)}. On such a rebuild assetc wrote {written} files "
        f"(the `written` count of `assetc build --json`), {how}; collectstatic copies the one newer source and "
        "post-processes every file again."
    )


# Row 4: compressed build.
def row_compressed(report: Report, mode: Mode) -> None:
    tree = f"{WORK}/compress-tree"
    copy_packages(mode.compress_packages, tree)
    files, size = tree_bytes(tree)
    a_out, w_out, c_out = f"{OUT}/assetc-compressed", f"{OUT}/whitenoise", f"{OUT}/assetc-compressed-cached"
    cache = f"{WORK}/compress-cache"
    whitenoise = Command("whitenoise", django_collectstatic(tree, w_out, "compressed"), prepare=cold(w_out))
    assetc = Command("assetc", assetc_build(tree, a_out, "--compress", "br,gzip"), prepare=cold(a_out))
    a, w = alternate([assetc, whitenoise], mode.compress_runs, warmup=0)
    report.measured("4 compressed build", "4a", "assetc build --compress br,gzip", a, "1.00")
    report.measured("", "4b", "collectstatic (WhiteNoise CompressedManifestStaticFilesStorage)", w, slower(w, a))
    sizes = compressed_sizes(a_out, w_out)

    # A deploy that builds into an empty directory each time, with a
    # compression cache that outlives it (a CI cache, a Docker cache mount).
    rm(cache)
    run_once(Command("fill cache", assetc_build(tree, c_out, "--compress", "br,gzip", "--compress-cache", cache), prepare=cold(c_out)))
    cached = Command("assetc cached", assetc_build(tree, c_out, "--compress", "br,gzip", "--compress-cache", cache), prepare=cold(c_out))
    (c,) = alternate([cached], mode.compress_runs, warmup=0)
    report.measured("", "4c", "assetc build --compress br,gzip into an empty output, warm --compress-cache", c, f"`4b` is {w.wall / max(c.wall, 1e-3):.0f}× slower")
    rm(cache)
    rm(c_out)

    subset = ", ".join(mode.compress_packages)
    report.note(
        f"- Row 4: on a subset of the corpus ({subset}: {files} files, {size / 1e6:.1f} MB), cold builds; "
        f"assetc's Brotli: {brotli_implementation()}; WhiteNoise's: Brotli module {brotli_version()} (C). "
        f"Compressed output: {sizes}. `4c` is a deploy that builds into an empty output each time but keeps "
        "`--compress-cache` (ratio against `4b`'s median)."
    )
    rm(tree)

    if mode.compress_whole_corpus:
        a_out, w_out = f"{OUT}/corpus-compressed", f"{OUT}/corpus-whitenoise"
        a, w = alternate(
            [
                Command("assetc", assetc_build(TREE, a_out, "--compress", "br,gzip"), prepare=cold(a_out)),
                Command("whitenoise", django_collectstatic(TREE, w_out, "compressed"), prepare=cold(w_out)),
            ],
            1,
            warmup=0,
        )
        report.measured("", "4d", "assetc build --compress br,gzip, whole corpus", a, "1.00")
        report.measured("", "4e", "collectstatic (WhiteNoise), whole corpus", w, slower(w, a))
        report.note(f"- Rows 4d/4e: the whole corpus tree (row 1's), one cold run each. Compressed output: {compressed_sizes(a_out, w_out)}.")
        rm(a_out)
        rm(w_out)


def compressed_sizes(a_out: str, w_out: str) -> str:
    sizes = []
    totals: dict[str, dict[str, int]] = {}
    for label, out in [("assetc", a_out), ("WhiteNoise", w_out)]:
        if not os.path.isdir(out):
            continue
        parts = []
        for suffix in (".br", ".gz", ".zst"):
            n, b = tree_bytes(out, (suffix,))
            totals.setdefault(suffix, {})[label] = b
            if n:
                parts.append(f"{n} `{suffix}` files, {b / 1e6:.3f} MB")
        sizes.append(f"{label}: {'; '.join(parts) or 'no compressed files'}")
    for suffix, by_tool in totals.items():
        if by_tool.get("assetc") and by_tool.get("WhiteNoise"):
            sizes.append(f"`{suffix}` bytes assetc/WhiteNoise = {by_tool['assetc'] / by_tool['WhiteNoise']:.4f}")
    return " — ".join(sizes)


def brotli_implementation() -> str:
    out = subprocess.run([ASSETC, "version"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("brotli: "):
            return line.removeprefix("brotli: ")
    return "?"


def brotli_version() -> str:
    try:
        import brotli  # type: ignore

        return getattr(brotli, "__version__", "installed")
    except ImportError:
        return "MISSING (WhiteNoise writes no .br)"


# Row 5: runtime.
def bridge_available() -> tuple[bool, str]:
    probe = (
        "import django; from django.conf import settings; "
        "settings.configure(INSTALLED_APPS=['django.contrib.staticfiles'], STATIC_URL='/static/'); "
        "django.setup(); import assetc_django.storage; assetc_django.storage.AssetcStorage"
    )
    proc = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True)
    if proc.returncode == 0:
        return True, ""
    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
    return False, last


def row_runtime(report: Report, mode: Mode) -> None:
    css = next(c for c in MANY_DEPENDENCY_CSS if os.path.exists(f"{TREE}/{c}"))
    first = "admin/img/search.svg"
    warm = list(dict.fromkeys([first, css, "admin/css/base.css", "admin/js/core.js", "admin/img/icon-yes.svg"]))
    names = ["--first", first, "--css", css, "--warm", *warm]
    django = Command("django", [PYTHON, "bench/django_runtime.py", "--storage", "manifest", "--root", f"{OUT}/django", *names])
    bridge = Command("bridge", [PYTHON, "bench/django_runtime.py", "--storage", "assetc", "--source", TREE, *names])
    available, why = bridge_available()
    if available:
        try:  # one untimed run: it also fills the bridge's compiled-module cache
            run_once(bridge)
        except CommandFailed as exc:
            available, why = False, "it fails: " + str(exc).strip().splitlines()[-1]
    commands = [bridge, django] if available else [django]
    stats = alternate(commands, mode.runs)
    by_label = {s.command.label: s for s in stats}

    def inner(s: Stats, key: str) -> float:
        values = sorted(json.loads(o)[key] for o in s.outputs)
        return values[len(values) // 2]

    def line(ident: str, what: str, s: Stats, ratio: str = "") -> None:
        report.measured("5 runtime" if ident == "5a" else "", ident, what, s, ratio)
        report.note(
            f"  - `{ident}` in-process medians: startup (imports + django.setup) {seconds(inner(s, 'startup'))}, "
            f"first `static('{first}')` {seconds(inner(s, 'first_static'))}, "
            f"first `static('{css}')` after it {seconds(inner(s, 'first_css'))}, "
            f"warm `static()` {seconds(inner(s, 'warm_static'))} per call"
        )

    report.note(f"- Row 5 (fresh process each run; STATIC_ROOT from row 3's collectstatic, {manifest_entries(f'{OUT}/django')} manifest entries):")
    if available:
        b, d = by_label["bridge"], by_label["django"]
        line("5a", "bridge: AssetcStorage, fresh process, no manifest", b, "1.00")
        line("5b", "Django: ManifestStaticFilesStorage reading staticfiles.json", d, f"bridge = {paired_ratio(b, d):.2f}× Django")
    else:
        report.missing("5 runtime", "5a", "bridge: AssetcStorage", f"not available yet (`import assetc_django.storage`: {why})", bridge.shell())
        line("5b", "Django: ManifestStaticFilesStorage reading staticfiles.json", by_label["django"])


def manifest_entries(root: str) -> int:
    with open(f"{root}/staticfiles.json") as f:
        return len(json.load(f)["paths"])


# Row 6: scale.
def row_scale(report: Report, mode: Mode) -> None:
    small, large = mode.scale_sizes
    trees = {}
    for n in (small, large):
        trees[n] = f"{WORK}/gen-{n}"
        start = time.perf_counter()
        subprocess.run([PYTHON, "bench/gen_tree.py", trees[n], "--files", str(n)], check=True)
        elapsed = time.perf_counter() - start
        if elapsed > 1:
            report.note(f"- Row 6{PLACE.suffix}: generated the {n}-file tree in {elapsed:.0f} s (`{PYTHON} bench/gen_tree.py {trees[n]} --files {n}`).")
    a_small_out, d_small_out, a_large_out = f"{OUT}/gen-assetc-small", f"{OUT}/gen-django-small", f"{OUT}/gen-assetc-large"
    a_small = Command("assetc small", assetc_build(trees[small], a_small_out), prepare=cold(a_small_out))
    d_small = Command("django small", django_collectstatic(trees[small], d_small_out), prepare=cold(d_small_out))
    a_large = Command("assetc large", assetc_build(trees[large], a_large_out), prepare=cold(a_large_out))
    # The floor at both sizes tells how much of the growth is the kernel's
    # (creating and copying 10x the files on the same file system) rather
    # than assetc's.
    f_small_out, f_large_out = f"{OUT}/gen-floor-small", f"{OUT}/gen-floor-large"
    f_small, f_large = floor_command("floor small", trees[small], f_small_out), floor_command("floor large", trees[large], f_large_out)
    run_once(a_small)  # untimed: brings the tree into the page cache for both
    a_s, d_s, f_s = alternate([a_small, d_small, f_small], mode.scale_runs, warmup=0)
    a_l, f_l = alternate([a_large, f_large], mode.scale_runs, warmup=1)
    a_large_again = Command("assetc large no-change", assetc_build(trees[large], a_large_out))
    (a_ln,) = alternate([a_large_again], mode.scale_runs, warmup=0)
    same = open(f"{a_small_out}/staticfiles.json", "rb").read() == open(f"{d_small_out}/staticfiles.json", "rb").read()
    report.measured("6 scale", "6a", f"assetc build, {small:,} files", a_s, "1.00")
    report.measured("", "6b", f"collectstatic, {small:,} files", d_s, slower(d_s, a_s))
    report.measured("", "6c", f"assetc build, {large:,} files", a_l, f"{a_l.wall / a_s.wall:.1f}× the {small:,} time")
    report.measured("", "6d", f"assetc build, {large:,} files, no change", a_ln, f"{a_ln.wall / a_l.wall:.0%} of `6c` (CPU {a_ln.cpu / a_l.cpu:.0%})")
    report.measured("", "6e", f"floor, {small:,} files", f_s, f"assetc = {paired_ratio(a_s, f_s):.1f}× floor")
    report.measured("", "6f", f"floor, {large:,} files", f_l, f"{f_l.wall / f_s.wall:.1f}× the {small:,} time; assetc = {paired_ratio(a_l, f_l):.1f}× floor")
    report.note(
        f"- Row 6{PLACE.suffix}: growth from {small:,} to {large:,} files ({large // small}× the files): wall "
        f"{a_l.wall / a_s.wall:.1f}×, CPU {a_l.cpu / a_s.cpu:.1f}×, peak RSS {a_l.rss_kb / a_s.rss_kb:.1f}× "
        f"({a_s.rss_kb / 1024:.0f} → {a_l.rss_kb / 1024:.0f} MB); the floor (`cp -r` + MD5, same runs, alternating) "
        f"{f_s.wall:.2f} → {f_l.wall:.2f} s, wall {f_l.wall / f_s.wall:.1f}×, CPU {f_l.cpu / f_s.cpu:.1f}×; assetc = "
        f"{a_s.wall / f_s.wall:.1f}× the floor at {small:,} files, {a_l.wall / f_l.wall:.1f}× at {large:,}. At {small:,} files assetc's and Django's "
        f"staticfiles.json are {'byte-identical' if same else 'DIFFERENT'}. Tree sizes: "
        + ", ".join(f"{n:,} files {tree_bytes(t)[1] / 1e6:.0f} MB" for n, t in trees.items())
        + "."
    )
    for out in (a_small_out, d_small_out, a_large_out, f_small_out, f_large_out):
        rm(out)


# Row 7: output equality (from row 1's outputs, before rows 3's edits).
def equality(report: Report) -> list[str]:
    a_root, d_root = f"{OUT}/assetc", f"{OUT}/django"
    with open(f"{a_root}/staticfiles.json", "rb") as f:
        a_bytes = f.read()
    with open(f"{d_root}/staticfiles.json", "rb") as f:
        d_bytes = f.read()
    a, d = json.loads(a_bytes), json.loads(d_bytes)
    pa, pd = a["paths"], d["paths"]
    keys = sorted(set(pa) | set(pd))
    same = [k for k in keys if pa.get(k) == pd.get(k)]
    differences = []
    for k in keys:
        if pa.get(k) == pd.get(k):
            continue
        if k not in pd:
            differences.append(f"  - `{k}`: only in assetc's manifest (`{pa[k]}`)")
        elif k not in pa:
            differences.append(f"  - `{k}`: only in Django's manifest (`{pd[k]}`)")
        else:
            differences.append(f"  - `{k}`: assetc `{pa[k]}`, Django `{pd[k]}`; {why_different(k, pa[k], pd[k], a_root, d_root)}")
    identical_files, differing_files, extra_files = compare_trees(a_root, d_root)
    lines = [
        f"- Row 7 (output equality, row 1's cold outputs): **{len(same)} of {len(keys)} manifest entries "
        f"({100 * len(same) / len(keys):.2f}%) have identical hashed names**; staticfiles.json "
        f"{'byte-identical' if a_bytes == d_bytes else 'differs in bytes'} (manifest hash assetc `{a.get('hash')}`, "
        f"Django `{d.get('hash')}`); {identical_files} output files byte-identical, {len(differing_files)} differ"
        + (f" ({', '.join(f'`{p}`' for p in differing_files[:20])}{' …' if len(differing_files) > 20 else ''})" if differing_files else "")
        + (f"; files only assetc writes: {', '.join(f'`{p}`' for p in extra_files)}" if extra_files else "")
        + ". Both ran with default settings (no `--allow-missing`): Django 6.1 succeeds on this tree."
    ]
    if differences:
        lines.append("  Every difference:")
        lines.extend(differences)
    return lines


def why_different(logical: str, a_name: str, d_name: str, a_root: str, d_root: str) -> str:
    source = f"{TREE}/{logical}"
    reasons = []
    if os.path.exists(source):
        with open(source, "rb") as f:
            plain = hashlib.md5(f.read()).hexdigest()[:12]
        for label, name in (("assetc", a_name), ("Django", d_name)):
            if plain in name:
                reasons.append(f"{label}'s hash is the MD5 of the unmodified source")
    a_path, d_path = f"{a_root}/{a_name}", f"{d_root}/{d_name}"
    if os.path.exists(a_path) and os.path.exists(d_path):
        a_lines = open(a_path, "rb").read().splitlines()
        d_lines = open(d_path, "rb").read().splitlines()
        for i, (x, y) in enumerate(zip(a_lines, d_lines)):
            if x != y:
                reasons.append(f"first differing line {i + 1}: assetc `{x[:160]!r}` vs Django `{y[:160]!r}`")
                break
        else:
            if len(a_lines) != len(d_lines):
                reasons.append(f"line counts differ ({len(a_lines)} vs {len(d_lines)})")
    return "; ".join(reasons) or "no further detail"


def compare_trees(a_root: str, d_root: str) -> tuple[int, list[str], list[str]]:
    """(files byte-identical, Django's files that assetc lacks or writes differently, assetc's extra files)."""
    identical, differing, extra = 0, [], []
    for dirpath, dirnames, filenames in os.walk(d_root):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), d_root)
            if rel == "staticfiles.json":
                continue
            other = os.path.join(a_root, rel)
            if os.path.exists(other) and open(other, "rb").read() == open(os.path.join(dirpath, name), "rb").read():
                identical += 1
            else:
                differing.append(rel)
    for dirpath, dirnames, filenames in os.walk(a_root):
        dirnames[:] = [n for n in dirnames if n != ".assetc"]  # assetc's build state
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), a_root)
            if rel != "staticfiles.json" and not os.path.exists(os.path.join(d_root, rel)):
                extra.append(rel)
    return identical, sorted(differing), sorted(extra)


def go_benchmarks() -> str:
    argv = ["go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1", "./bench", "./core/scan"]
    proc = subprocess.run(argv, capture_output=True, text=True)
    body = "\n".join(l for l in proc.stdout.splitlines() if l.startswith(("Benchmark", "ok", "FAIL", "goos", "cpu")))
    if proc.returncode != 0:
        body += "\n" + proc.stderr[-2000:]
    return f"### Go benchmarks of core hot paths\n\n`{' '.join(argv)}`\n\n```\n{body}\n```\n"


def file_system(path: str) -> str:
    """The file system type of path's mount (from /proc/mounts), or '?'."""
    try:
        real = os.path.realpath(path)
        best = ("", "?")
        with open("/proc/mounts") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) > 2 and (real == fields[1] or real.startswith(fields[1].rstrip("/") + "/")) and len(fields[1]) >= len(best[0]):
                    best = (fields[1], fields[2])
        return best[1]
    except OSError:
        return "?"


DISK_PASS = False  # set by main when the disk rows run


def disk_note() -> str:
    return f"; rows {', '.join(DISK_ROWS)} also on disk in `{DISK_WORK}` ({file_system(os.path.dirname(os.path.abspath(DISK_WORK)))})" if DISK_PASS else ""


def machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    version = "; ".join(subprocess.run([ASSETC, "version"], capture_output=True, text=True).stdout.split("\n")).strip("; ")
    import django
    from importlib.metadata import version as pkg_version

    return (
        f"Machine: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}; "
        f"{version or 'assetc ?'} (bin/assetc); Django {django.get_version()}, WhiteNoise {pkg_version('whitenoise')}, "
        f"Python {platform.python_version()}; trees and outputs in `{TMPFS_WORK}` (tmpfs){disk_note()}; warm page cache; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC."
    )


def run_steps(report: Report, steps: list) -> None:
    for row, step in steps:
        print(f"bench: row {row}{PLACE.suffix}...", file=sys.stderr, flush=True)
        try:
            step()
        except CommandFailed as exc:
            report.lines.append(f"| {row}{PLACE.suffix} | FAILED | {str(exc).splitlines()[0]} | | | | |")
            report.note(f"- Row {row}{PLACE.suffix} FAILED:\n\n```\n{exc}\n```")
        retire_outputs()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small subset, fewer runs (under 2 minutes)")
    parser.add_argument("--rows", default="", help="run only these rows, comma-separated (e.g. 1,2,3,6); the report says which")
    parser.add_argument("--disk", choices=("yes", "no"), help=f"also run rows {', '.join(DISK_ROWS)} on disk (default: yes for the full run)")
    args = parser.parse_args(argv)
    global DISK_PASS
    only = set(args.rows.split(",")) - {""}
    mode = QUICK if args.quick else FULL
    DISK_PASS = args.disk == "yes" if args.disk else mode is FULL
    started = time.perf_counter()
    load_start = f"{os.getloadavg()[0]:.1f}"

    copy_packages(mode.packages, TREE)
    rm(OUT)
    os.makedirs(OUT)
    files, size = tree_bytes(TREE)
    packages = ", ".join(mode.packages) if mode.packages else "all of bench/corpus"
    report = Report()
    report.note(f"- Corpus tree `{TREE}`: {packages} ({files} files, {size / 1e6:.0f} MB), one STATICFILES_DIRS root.")

    steps = [
        ("1", lambda: row_cold(report, mode)),
        ("7", lambda: equality_lines.extend(equality(report))),
        ("2", lambda: row_rebuild(report, mode)),
        ("3", lambda: row_one_change(report, mode)),
        ("4", lambda: row_compressed(report, mode)),
        ("5", lambda: row_runtime(report, mode)),
        ("6", lambda: row_scale(report, mode)),
    ]
    equality_lines: list[str] = []
    if only:
        steps = [(row, step) for row, step in steps if row in only]
        report.note(f"- Only rows {', '.join(row for row, _ in steps)} were run (`--rows {args.rows}`).")
    run_steps(report, steps)
    report.notes.extend(equality_lines)
    if DISK_PASS:
        # The same rows again with trees and outputs on the disk.
        disk_steps = [(row, step) for row, step in steps if row in DISK_ROWS]
        use(Place("disk", DISK_WORK, " (disk)", "d"))
        copy_packages(mode.packages, TREE)
        rm(OUT)
        os.makedirs(OUT)
        report.note(f"- Rows marked (disk): trees and outputs in `{DISK_WORK}` ({file_system(os.path.dirname(os.path.abspath(DISK_WORK)))}), the same commands.")
        run_steps(report, disk_steps)
        rm(OUT)
        rm(TREE)
        for name in os.listdir(WORK) if os.path.isdir(WORK) else []:
            if name.startswith("gen-"):
                rm(f"{WORK}/{name}")  # disk space: regenerated by the next run
        use(Place("tmpfs", TMPFS_WORK, "", ""))

    header = (
        f"## assetc vs collectstatic ({mode.name} run)\n\n{machine()}\n\n"
        "Each figure is the median of the timed runs (after one untimed warm-up round unless noted); commands "
        "that are compared ran alternately (ABBA) in the same loop, and a ratio is the median of the per-run "
        "ratios. CPU is user+sys and peak RSS is the largest process, both from `/usr/bin/time -v`. "
        "\"Cold\" means an empty output directory, not a cold page cache: each cold run writes a fresh directory "
        "(the previous output is renamed aside, deleted after the row), never where a tree was just deleted."
    )
    text = report.render(header)
    if mode.go_benchmarks:
        print("bench: go benchmarks...", file=sys.stderr, flush=True)
        text += "\n" + go_benchmarks()
    text += (
        f"\nTotal benchmark time: {time.perf_counter() - started:.0f} s. Load average (1 min) at the start "
        f"{load_start}, at the end {os.getloadavg()[0]:.1f} (other work on the machine inflates wall times; "
        "alternation spreads it over both sides of a ratio).\n"
    )
    # tmpfs is memory: free the outputs and the corpus copy; the generated
    # trees stay (regenerating 100k files takes a while; gen_tree.py's stamp keeps them).
    rm(OUT)
    rm(TREE)
    os.makedirs(RESULTS, exist_ok=True)
    path = f"{RESULTS}/latest.md" if mode is FULL else f"{RESULTS}/latest-quick.md"
    if only:
        path = path.replace(".md", "-rows.md")
    with open(path, "w") as f:
        f.write(text)
    print(text)
    print(f"(written to {path})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
