"""Many threads resolving and serving at once give the same answers as one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client, override_settings

from assetc_django.project import configured_core
from assetc_django.runtime import Core

NAMES = [
    "css/site.css", "css/theme-a.css", "css/theme-b.css", "css/base.css", "js/app.js", "img/logo.png",
    "img/icons.svg", "vendor/widget.css", "vendor/widget.js", "blog/blog.css", "fonts/source-sans.woff2",
]
THREADS, ROUNDS = 16, 25


def test_threads_resolve_and_serve_identically(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=str(tmp_path / "absent"), DEBUG=False):
        # A fresh core: every thread starts cold, so instance creation races too.
        fresh = Core(configured_core().config)
        baseline = {n: fresh.resolve_one(n) for n in NAMES}
        client = Client()
        bodies = {n: client.get("/static/" + baseline[n]).content for n in NAMES}
        fresh = Core(configured_core().config)
        start = threading.Barrier(THREADS, timeout=60)

        def work(index: int) -> list[str]:
            problems: list[str] = []
            own = Client()
            start.wait()
            for round_ in range(ROUNDS):
                results = fresh.resolve(NAMES)
                for result in results:
                    if result.get("hashed_name") != baseline[result["logical_path"]]:
                        problems.append(f"thread {index} round {round_}: {result}")
                name = NAMES[(index + round_) % len(NAMES)]
                if staticfiles_storage.url(name) != "/static/" + baseline[name]:
                    problems.append(f"thread {index}: url({name})")
                response = own.get("/static/" + baseline[name])
                if response.status_code != 200 or response.content != bodies[name]:
                    problems.append(f"thread {index}: served {name} {response.status_code}")
            return problems

        with ThreadPoolExecutor(THREADS) as pool:
            problems = [p for ps in pool.map(work, range(THREADS), timeout=300) for p in ps]
    assert problems == []
    # 16 threads share the pool (runtime.Core): never more instances than its bound.
    assert 1 <= fresh.instances_created <= fresh.max_instances
