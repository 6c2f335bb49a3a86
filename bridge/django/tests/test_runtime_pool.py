"""The wasm instance pool (runtime.Core): bounded however many threads come
and go, a trap or an outgrown memory discards only that instance."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from assetc_django import runtime
from assetc_django.project import configured_core

from .conftest import native_resolve

NAMES = ["css/site.css", "js/app.js", "img/logo.png", "vendor/widget.css", "blog/blog.css"]


def test_short_lived_threads_share_a_bounded_pool() -> None:
    # runserver starts a thread per request: 60 threads, 6 at a time, must
    # not make 60 instances (~57 ms and their own memory each).
    core = runtime.Core(configured_core().config, instances=2)
    expected = native_resolve(NAMES)
    answers: list[dict[str, str]] = []

    def request() -> None:
        answers.append({r["logical_path"]: r["hashed_name"] for r in core.resolve(NAMES)})

    for _ in range(10):
        threads = [threading.Thread(target=request) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert answers == [expected] * 60
    assert core.instances_created == 2
    assert core.instances == 2


def test_waiting_threads_get_an_instance_when_one_is_returned() -> None:
    core = runtime.Core(configured_core().config, instances=1)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: core.resolve_one("css/site.css"), range(40), timeout=120))
    assert len(set(results)) == 1
    assert core.instances_created == 1


def test_default_size_is_min_4_and_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 16)
    assert runtime.default_instances() == 4
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 1)
    assert runtime.default_instances() == 1
    with pytest.raises(ValueError, match="ASSETC_INSTANCES"):
        runtime.Core(configured_core().config, instances=0)


def test_a_trap_discards_only_that_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    real = runtime._fs_stat
    failing = {"armed": False}

    def flaky_stat(*args: int) -> int:
        if failing["armed"]:
            failing["armed"] = False
            raise RuntimeError("simulated host failure")
        return real(*args)

    monkeypatch.setattr(runtime, "_fs_stat", flaky_stat)  # instances made from now on use it
    core = runtime.Core(configured_core().config, instances=2)
    core.resolve(NAMES)  # one instance, warm
    failing["armed"] = True
    core.invalidate()  # the next call re-stats, and its first stat traps
    with pytest.raises(runtime.CoreTrap):
        core.resolve(["css/site.css"])
    assert core.instances == 0  # the trapped instance left the pool
    assert core.resolve_one("css/site.css") == native_resolve(["css/site.css"])["css/site.css"]
    assert (core.instances, core.instances_created) == (1, 2)


def test_an_instance_that_outgrew_max_memory_is_replaced() -> None:
    # Wasm memory never shrinks: an instance above the bound is dropped after
    # its call and a fresh one answers the next.
    core = runtime.Core(configured_core().config, instances=1, max_memory=1)
    first = core.resolve_one("css/site.css")
    assert core.instances == 0
    assert core.resolve_one("css/site.css") == first
    assert core.instances_created == 2
    roomy = runtime.Core(configured_core().config, instances=1)
    roomy.resolve_one("css/site.css")
    roomy.resolve_one("css/site.css")
    assert (roomy.instances, roomy.instances_created) == (1, 1)
