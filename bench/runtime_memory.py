"""RSS over time of a Django process using the bridge under sustained load.

Usage::

    python bench/runtime_memory.py                   # 30 s per scenario
    python bench/runtime_memory.py --minutes 3       # the issue's row (3 min per scenario)
    python bench/runtime_memory.py --scenario render --seconds 10
    python bench/runtime_memory.py --src OLD/bridge/django/src --wasm OLD/assetc.wasm   # another build

Two scenarios, each in a fresh process on the corpus (bench/corpus, one
STATICFILES_DIRS root, DEBUG on, missing files and references "warn"):

* ``render``: 16 lanes, each a new thread per request as runserver does; a
  request sends ``request_started`` (DEBUG: the sources are re-checked) and
  renders a template with ``{% static %}`` for 100 files, cycling through
  the whole corpus;
* ``serve``: 8 threads serving hashed URLs of the corpus from the sources
  through the middleware (Django's test client, no socket), cycling through
  every file.

Prints one line per sample (seconds, RSS MB, requests done) and a summary:
RSS at start (after Django and the first instance), at the end of the first
third (warm-up) and at the end, and the growth after warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "bench" / "corpus"
PAGE = 100  # {% static %} calls per rendered page


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def corpus_names() -> list[str]:
    names = []
    for dirpath, dirnames, filenames in os.walk(CORPUS, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if not filename.startswith(".") and not filename.endswith("~"):
                names.append(os.path.relpath(os.path.join(dirpath, filename), CORPUS).replace(os.sep, "/"))
    return names


def setup_django() -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=True,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["django.contrib.staticfiles", "assetc_django"],
        MIDDLEWARE=["assetc_django.middleware.AssetcMiddleware"],
        ROOT_URLCONF=__name__,
        STATIC_URL="/static/",
        STATIC_ROOT=str(REPO / "bench-unused-static-root"),
        STATICFILES_DIRS=[str(CORPUS)],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "assetc_django.storage.AssetcStorage"},
        },
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        ASSETC_MISSING_FILE="warn",
        ASSETC_MISSING_REFERENCES="warn",
        ASSETC_NATIVE_BINARY=None,
        LOGGING_CONFIG=None,
    )
    django.setup()


urlpatterns: list = []


def child(scenario: str, seconds: float) -> None:
    """Run one scenario in this process and print JSON lines."""
    setup_django()
    import logging

    logging.disable(logging.WARNING)  # "warn" mode logs every missing file
    from django.core.signals import request_started
    from django.template import Context, Template
    from django.test import Client

    from assetc_django.project import configured_core

    names = corpus_names()
    watch_instances()
    configured_core().ping()
    start_rss = rss_mb()
    done = [0]
    stop = threading.Event()
    lock = threading.Lock()

    def count() -> None:
        with lock:
            done[0] += 1

    if scenario == "render":
        template = Template("{% load static %}{% for n in names %}{% static n %}\n{% endfor %}")
        cursor = [0]

        def page() -> None:
            with lock:
                first = cursor[0]
                cursor[0] = (first + PAGE) % len(names)
            request_started.send(sender=None)
            template.render(Context({"names": [names[(first + i) % len(names)] for i in range(PAGE)]}))
            count()

        def lane() -> None:
            while not stop.is_set():
                request = threading.Thread(target=page)  # runserver: a thread per request
                request.start()
                request.join()

        lanes = 16
    else:
        core = configured_core()
        hashed = []
        for i in range(0, len(names), 256):
            hashed += [r["hashed_name"] for r in core.resolve(names[i : i + 256]) if "hashed_name" in r]
        if not hashed:
            raise SystemExit("serve: the core named none of the corpus files: nothing to measure")
        cursor = [0]

        def lane() -> None:
            client = Client()
            while not stop.is_set():
                with lock:
                    i = cursor[0]
                    cursor[0] = (i + 1) % len(hashed)
                client.get("/static/" + hashed[i])
                count()

        lanes = 8

    threads = [threading.Thread(target=lane, daemon=True) for _ in range(lanes)]
    began = time.monotonic()
    print(json.dumps({"t": 0.0, "rss": round(start_rss, 1), "done": 0}), flush=True)
    for t in threads:
        t.start()
    step = max(1.0, seconds / 30)
    while (elapsed := time.monotonic() - began) < seconds:
        time.sleep(min(step, seconds - elapsed))
        sample = {"t": round(time.monotonic() - began, 1), "rss": round(rss_mb(), 1), "done": done[0], "wasm": wasm_mb()}
        print(json.dumps(sample), flush=True)
    stop.set()
    for t in threads:
        t.join(60)
    print(json.dumps({"instances": core_instances()}), flush=True)
    os._exit(0)  # daemon lanes and wasmtime finalizers: nothing to tidy


# Linear memory of each live wasm instance as last returned to the pool
# (recorded by watch_instances), by id.
_instance_memory: dict[int, int] = {}


def watch_instances() -> None:
    """Record each instance's linear memory when it goes back to the pool (bridges with a pool only)."""
    from assetc_django import runtime

    give_back = getattr(runtime.Core, "_give_back", None)
    if give_back is None:
        return

    def recording(self, inst):  # type: ignore[no-untyped-def]
        if inst is not None:
            _instance_memory[id(inst)] = inst.memory_size()
        return give_back(self, inst)

    runtime.Core._give_back = recording  # type: ignore[method-assign]


def wasm_mb() -> float:
    """Linear memory of the instances, in MB; -1 when unknown."""
    if not _instance_memory:
        return -1.0
    return round(sum(_instance_memory.values()) / 2**20, 1)


def core_instances() -> int:
    from assetc_django.project import configured_core

    return int(getattr(configured_core(), "instances_created", -1))


def run(scenario: str, seconds: float, src: str | None, wasm: str | None) -> None:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    if wasm:
        env["ASSETC_WASM"] = wasm
    command = [sys.executable, __file__, "--child", scenario, "--seconds", str(seconds)]
    samples = []
    instances = -1
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            record = json.loads(line)
            if "instances" in record:
                instances = record["instances"]
                continue
            samples.append(record)
            wasm = f"  (wasm memory {record['wasm']:.0f} MB)" if record.get("wasm", -1) >= 0 else ""
            print(f"  {scenario:6} {record['t']:6.1f} s  {record['rss']:8.1f} MB  {record['done']:7d} requests{wasm}", flush=True)
    if proc.returncode or not samples:
        raise SystemExit(f"{scenario}: the child failed ({proc.returncode})")
    warm = next(s for s in samples if s["t"] >= seconds / 3)
    end = samples[-1]
    print(
        f"{scenario}: RSS {samples[0]['rss']:.0f} MB at start, {warm['rss']:.0f} MB after warm-up ({warm['t']:.0f} s), "
        f"{end['rss']:.0f} MB at {end['t']:.0f} s: +{end['rss'] - warm['rss']:.0f} MB after warm-up; "
        f"{end['done']} requests, {instances} wasm instances created",
        flush=True,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per scenario (default 30)")
    parser.add_argument("--minutes", type=float, help="per scenario, instead of --seconds")
    parser.add_argument("--scenario", choices=["render", "serve", "both"], default="both")
    parser.add_argument("--src", help="a bridge source dir to import assetc_django from (compare builds)")
    parser.add_argument("--wasm", help="the core module to load (ASSETC_WASM)")
    parser.add_argument("--child", choices=["render", "serve"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    seconds = args.minutes * 60 if args.minutes else args.seconds
    if args.child:
        child(args.child, seconds)
        return 0
    if not CORPUS.is_dir():
        raise SystemExit(f"{CORPUS} is missing: run 'make corpus'")
    for scenario in ("render", "serve") if args.scenario == "both" else (args.scenario,):
        run(scenario, seconds, args.src, args.wasm)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
