"""What a pip user gets (issue 14): the release wheels installed in a clean venv.

    make dist-host && .venv/bin/python bench/ship.py [--long]

Installs ``dist/``'s wheels (django-assetc + the assetc CLI wheel) with the
pinned Django, WhiteNoise and Brotli into ``$BENCH_WORK/ship-venv`` (uv, from
``make dist-host``'s build venv), then measures, alternating the commands
compared (bench/measure.py):

* S1 the wheel's CLI (pure Go encoders) ``assetc build --compress br,gzip``
  vs collectstatic with WhiteNoise's CompressedManifestStaticFilesStorage;
* S2 collectstatic with AssetcStorage + ASSETC_COMPRESS = ["br", "gzip"]
  (the wheel's CLI) vs Django's ManifestStaticFilesStorage (no compression)
  and WhiteNoise's (compression);
* S3 ``manage.py assetc warm`` once, then the first ``{% static %}`` of a new
  process (wasmtime import, loading the compiled core, instance, resolve);
* S4 ``manage.py migrate`` (nothing to apply) with and without assetc.

Short by default (the admin files, 3 runs); ``--long`` takes row 4's full
subset and 5 runs. Writes bench/results/ship.md and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import Command, Stats, alternate, paired_ratio, run_once, tree_bytes  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("BENCH_WORK") or ("/dev/shm/assetc-bench" if os.path.isdir("/dev/shm") else f"{REPO}/bench/work")
VENV = f"{WORK}/ship-venv"
PROJECT = f"{WORK}/ship-project"
UV = f"{REPO}/.cache/build-venv/bin/uv"
PINS = ["Django==6.1.3", "whitenoise==6.12.0", "Brotli==1.2.1"]
SHORT_SUBSET = ("admin",)
LONG_SUBSET = ("admin", "jquery-3.7.1", "htmx.org-1.9.12", "select2-4.0.13")

SETTINGS = """
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "urls"
USE_TZ = True
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db-{name}.sqlite3"}}}}
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles"{apps}]
MIDDLEWARE = [{middleware}]
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "out-{name}"
STATICFILES_DIRS = [BASE_DIR / "tree"]
STORAGES = {{"default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}}, "staticfiles": {{"BACKEND": "{backend}"}}}}
{extra}
"""
FLAVOURS = {
    "assetc": dict(
        apps=', "assetc_django"',
        middleware='"assetc_django.middleware.AssetcMiddleware"',
        backend="assetc_django.storage.AssetcStorage",
        extra='ASSETC_COMPRESS = ["br", "gzip"]',
    ),
    "django": dict(apps="", middleware="", backend="django.contrib.staticfiles.storage.ManifestStaticFilesStorage", extra=""),
    "whitenoise": dict(apps="", middleware="", backend="whitenoise.storage.CompressedManifestStaticFilesStorage", extra=""),
}
FIRST_STATIC = """
import json, sys, time
start = time.perf_counter()
import django
django.setup()
from django.templatetags.static import static
ready, ready_cpu = time.perf_counter(), time.process_time()
import wasmtime  # what static() would import first: timed on its own
imported = time.perf_counter()
url = static(sys.argv[1])
done, done_cpu = time.perf_counter(), time.process_time()
print(json.dumps({"setup": ready - start, "first_static": done - ready, "wasmtime_import": imported - ready, "first_static_cpu": done_cpu - ready_cpu, "url": url}))
"""


def install() -> str:
    wheels = sorted(os.path.join(REPO, "dist", n) for n in os.listdir(f"{REPO}/dist") if n.endswith(".whl")) if os.path.isdir(f"{REPO}/dist") else []
    if len(wheels) < 2 or not os.path.exists(UV):
        raise SystemExit("bench/ship.py: run 'make dist-host' first (the wheels in dist/ and the build venv's uv)")
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, VENV], check=True)
    subprocess.run([UV, "pip", "install", "-q", "--python", f"{VENV}/bin/python", *wheels, *PINS], check=True)
    return f"{VENV}/bin/python"


def write_project(subset: tuple[str, ...]) -> None:
    shutil.rmtree(PROJECT, ignore_errors=True)
    os.makedirs(PROJECT)
    for name in subset:
        shutil.copytree(f"{REPO}/bench/corpus/{name}", f"{PROJECT}/tree/{name}", symlinks=True)
    for name, values in FLAVOURS.items():
        with open(f"{PROJECT}/settings_{name}.py", "w") as out:
            out.write(textwrap.dedent(SETTINGS.format(name=name, **values)))
    with open(f"{PROJECT}/urls.py", "w") as out:
        out.write("urlpatterns = []\n")
    with open(f"{PROJECT}/manage.py", "w") as out:
        out.write("import sys\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n")
    with open(f"{PROJECT}/first_static.py", "w") as out:
        out.write(textwrap.dedent(FIRST_STATIC))


def manage(python: str, flavour: str, *args: str) -> list[str]:
    return ["env", f"DJANGO_SETTINGS_MODULE=settings_{flavour}", python, "manage.py", *args]


def cold(path: str):
    return lambda: shutil.rmtree(path, ignore_errors=True)


def row(ident: str, what: str, stats: Stats, ratio: str = "") -> str:
    low, high = stats.spread
    return f"| `{ident}` {what} | {stats.wall:.2f} s ({low:.2f}–{high:.2f}) | {stats.cpu:.2f} s | {stats.rss_kb / 1024:.0f} MB | {ratio} | {len(stats.samples)} |"


def variant_bytes(root: str) -> str:
    parts = []
    for suffix in (".br", ".gz"):
        count, size = tree_bytes(root, (suffix,))
        parts.append(f"{count} `{suffix}` {size / 1e6:.3f} MB")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="row 4's full subset and 5 runs")
    args = parser.parse_args()
    runs, subset = (5, LONG_SUBSET) if args.long else (3, SHORT_SUBSET)
    python = install()
    write_project(subset)
    files, size = tree_bytes(f"{PROJECT}/tree")
    binary = subprocess.run([python, "-c", "import assetc; print(assetc.binary_path())"], capture_output=True, text=True, check=True).stdout.strip()
    version = subprocess.run([binary, "version"], capture_output=True, text=True, check=True).stdout.strip().replace("\n", "; ")
    lines, commands, notes = [], [], []

    def record(ident: str, what: str, stats: Stats, ratio: str = "") -> None:
        lines.append(row(ident, what, stats, ratio))
        commands.append(f"- `{ident}` (in {PROJECT}): `{stats.command.shell()}`")

    # S1: the wheel's binary against WhiteNoise's compressor.
    out_cli = f"{PROJECT}/out-cli"
    cli = Command("wheel CLI", [binary, "build", "-s", "tree", "-o", out_cli, "-q", "--compress", "br,gzip"], prepare=cold(out_cli), cwd=PROJECT)
    whitenoise = Command("whitenoise", manage(python, "whitenoise", "collectstatic", "--noinput", "-v", "0"), prepare=cold(f"{PROJECT}/out-whitenoise"), cwd=PROJECT)
    c, w = alternate([cli, whitenoise], runs, warmup=0)
    record("S1a", "wheel's `assetc build --compress br,gzip`", c, "1.00")
    record("S1b", "collectstatic, WhiteNoise CompressedManifestStaticFilesStorage", w, f"{paired_ratio(w, c):.1f}× slower (CPU {paired_ratio(w, c, 'cpu'):.1f}×)")
    notes.append(f"- S1 variants: wheel CLI {variant_bytes(out_cli)}; WhiteNoise {variant_bytes(f'{PROJECT}/out-whitenoise')}.")

    # S2: collectstatic from the wheel install against Django's own.
    for flavour in FLAVOURS:
        run_once(Command("migrate", manage(python, flavour, "migrate", "-v", "0"), cwd=PROJECT))  # the databases for S4
    collect = {f: Command(f, manage(python, f, "collectstatic", "--noinput", "-v", "0"), prepare=cold(f"{PROJECT}/out-{f}"), cwd=PROJECT) for f in ("assetc", "django")}
    a, d = alternate([collect["assetc"], collect["django"]], runs, warmup=1)
    record("S2a", "collectstatic, AssetcStorage + ASSETC_COMPRESS br,gzip (wheel install)", a, "1.00")
    record("S2b", "collectstatic, Django ManifestStaticFilesStorage (no compression)", d, f"{paired_ratio(d, a):.1f}× (CPU {paired_ratio(d, a, 'cpu'):.1f}×)")
    record("S2c", "collectstatic, WhiteNoise compressed (S1b)", w, f"{w.wall / a.wall:.1f}× (medians)")

    # S3: warm, then the first {% static %} of new processes.
    warm_out = f"{PROJECT}/warm-cache"
    os.environ["ASSETC_CACHE_DIR"] = warm_out  # a cache of its own: the first warm compiles
    try:
        (warm,) = alternate([Command("warm", manage(python, "assetc", "assetc", "warm"), prepare=cold(warm_out), cwd=PROJECT)], 1, warmup=0)
        record("S3a", "`manage.py assetc warm` (compiles the core into an empty cache)", warm)
        first = Command("first static", ["env", "DJANGO_SETTINGS_MODULE=settings_assetc", python, "first_static.py", "admin/css/base.css"], cwd=PROJECT)
        (f,) = alternate([first], runs * 2, warmup=1)
    finally:
        del os.environ["ASSETC_CACHE_DIR"]
    results = [json.loads(o.strip().splitlines()[-1]) for o in f.outputs]
    inner = statistics.median(r["first_static"] for r in results) * 1000
    inner_cpu = statistics.median(r["first_static_cpu"] for r in results) * 1000
    low = min(r["first_static"] for r in results) * 1000
    setup = statistics.median(r["setup"] for r in results) * 1000
    wasmtime_import = statistics.median(r["wasmtime_import"] for r in results) * 1000
    record(
        "S3b",
        f"new process after warm: first `static()` {inner:.0f} ms wall (min {low:.0f}), {inner_cpu:.0f} ms CPU, "
        f"of which importing wasmtime {wasmtime_import:.0f} ms (medians; Django setup {setup:.0f} ms before it)",
        f,
    )

    notes.append(
        "- S3: the venv is installed as `uv pip install` does by default, without bytecode"
        f" (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')} here);"
        " `warm` writes the bytecode of assetc_django and wasmtime (`compiled.byte_compile`), which S3b then loads."
        " Without it, importing wasmtime compiles its generated bindings from source in every process (~60 ms more)."
    )

    # S4: migrate with nothing to apply.
    m_a, m_d = alternate([Command("migrate assetc", manage(python, "assetc", "migrate", "-v", "0"), cwd=PROJECT), Command("migrate django", manage(python, "django", "migrate", "-v", "0"), cwd=PROJECT)], runs, warmup=1)
    record("S4a", "`manage.py migrate` (no-op), assetc_django installed", m_a, f"{paired_ratio(m_a, m_d):.2f}× of S4b")
    record("S4b", "`manage.py migrate` (no-op), without assetc", m_d, "1.00")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    report = "\n".join(
        [
            f"## ship: the wheel install ({'long' if args.long else 'short'}: {', '.join(subset)}; {files} files, {size / 1e6:.1f} MB)",
            "",
            f"Wheel CLI: {version}. Load average at the end: {load:.1f} (2 cores).",
            "",
            "| command | wall, median (min–max) | CPU | peak RSS | ratio | runs |",
            "|---|---|---|---|---|---|",
            *lines,
            "",
            *notes,
            "",
            "### Commands",
            "",
            *commands,
            "",
        ]
    )
    os.makedirs(f"{REPO}/bench/results", exist_ok=True)
    with open(f"{REPO}/bench/results/ship{'-long' if args.long else ''}.md", "w") as out:
        out.write(report)
    print(report)


if __name__ == "__main__":
    main()
