"""The runtime under real servers on 127.0.0.1: memory stays flat under a
flood of unique 404s (waitress), and two gunicorn workers sharing the sources
follow an in-place edit without ever serving wrong bytes or a 404 for a name
either of them rendered. Bounded in requests and time."""

from __future__ import annotations

import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .runtime_servers import Server, site_copy

# Unique misses asked in all, the first WARM_UP of them before the baseline
# (they fill the core's miss cache, 2,000 entries, and grow the wasm heap to
# its working size). Without a bound on misses, the rest would add ~140 MB.
# The loop stops after MISS_SECONDS whatever the count: ~45 s gives ~20,000
# misses on a loaded 2-core machine (~15 s of them CPU in the server), enough
# for an unbounded cache to grow past the bound; ASSETC_TEST_MISS_SECONDS=300
# runs all 100,000 (~3 minutes).
MISSES, WARM_UP = 100_000, 5_000
RSS_GROWTH_BOUND_KIB = 16 * 1024
MISS_SECONDS = float(os.environ.get("ASSETC_TEST_MISS_SECONDS", "45"))
ENOUGH = 12_000  # unbounded, as many misses would add ~18-36 MB
CLIENTS = 4


def test_unique_404s_keep_memory_flat(tmp_path: Path) -> None:
    server = Server("waitress", site_copy(tmp_path))
    try:
        def ask(numbers: range) -> int:
            own = Server.__new__(Server)  # a connection of its own to the same server
            own.port = server.port
            own.connection = type(server.connection)("127.0.0.1", server.port, timeout=60)
            done = 0
            for n in numbers:
                if time.monotonic() > deadline:
                    break
                status = own.get(f"/static/miss/{n}/file.0123456789ab.css" if n % 2 else f"/static/miss-{n}.png")[0]
                assert status == 404, (n, status)
                done += 1
            own.connection.close()
            return done

        def flood(start: int, stop: int) -> int:
            with ThreadPoolExecutor(CLIENTS) as pool:
                return sum(pool.map(ask, [range(start + i, stop, CLIENTS) for i in range(CLIENTS)]))

        deadline = time.monotonic() + 10 * MISS_SECONDS  # the warm-up is not the measure
        assert flood(0, WARM_UP) == WARM_UP
        baseline = server.rss_kib()
        deadline = time.monotonic() + MISS_SECONDS
        done = flood(WARM_UP, MISSES)
        growth = server.rss_kib() - baseline
    finally:
        server.stop()
    print(f"\n{done} unique 404s after {WARM_UP} warm-up: RSS {baseline} KiB -> {baseline + growth} KiB")
    if done < ENOUGH:
        pytest.skip(f"only {done} misses in {MISS_SECONDS} s on this machine: too few to tell a bounded cache")
    assert growth <= RSS_GROWTH_BOUND_KIB, f"RSS grew {growth} KiB over {done} unique 404s (bound {RSS_GROWTH_BOUND_KIB} KiB)"


def _hash_of(name: str) -> str:
    match = re.search(r"\.([0-9a-f]{12})\.[a-z]+$", name)
    assert match, name
    return match.group(1)


def test_two_workers_follow_an_in_place_edit(tmp_path: Path) -> None:
    site = site_copy(tmp_path)
    interval = 2.0
    server = Server("gunicorn", site, refresh_interval=interval, workers=2)
    paths = ["css/base.css", "css/site.css"]  # base.css streamed from the source, site.css rewritten
    problems: list[str] = []
    fetched: dict[str, set[int]] = {}

    def rendered() -> list[tuple[str, str, str]]:
        """(worker pid, path, name) from 8 concurrent requests: both sync workers answer some."""
        def one(i: int) -> tuple[str, str, str]:
            status, headers, body = server_get(f"/name?path={paths[i % 2]}")
            assert status == 200, body
            return headers["x-worker"], paths[i % 2], body.decode().removeprefix("/static/")

        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(one, range(8)))

    def check_served(name: str, old: bool) -> None:
        def one(_: int) -> int:
            status, _headers, body = server_get("/static/" + name)
            if status == 200 and hashlib.md5(body).hexdigest()[:12] != _hash_of(name):
                problems.append(f"{name}: served bytes of another hash")
            elif status == 404 and not old:
                problems.append(f"{name}: 404 for a name a worker rendered")
            elif status not in (200, 404):
                problems.append(f"{name}: status {status}")
            return status

        with ThreadPoolExecutor(4) as pool:
            fetched.setdefault(name, set()).update(pool.map(one, range(8)))

    def server_get(path: str) -> tuple[int, dict[str, str], bytes]:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    try:
        before: dict[str, str] = {}
        workers: set[str] = set()
        for _ in range(20):
            for pid, path, name in rendered():
                workers.add(pid)
                assert before.setdefault(path, name) == name
            if len(workers) == 2:
                break
        assert len(workers) == 2, "could not reach both workers"
        for name in before.values():
            check_served(name, old=False)

        source = site / "static" / "css" / "base.css"
        data = source.read_bytes()
        with open(source, "r+b") as handle:  # in place, same size
            handle.write(data.replace(b"#0b5fff", b"#0b5ffe"))
        edited = time.monotonic()

        converged: dict[str, set[str]] = {path: set() for path in paths}
        while time.monotonic() < edited + 10 * interval:
            # The 8 answers of a batch are concurrent: order only across batches.
            earlier = {path: set(pids) for path, pids in converged.items()}
            for pid, path, name in rendered():
                if name != before[path]:
                    converged[path].add(pid)
                    if name not in fetched:
                        check_served(name, old=False)
                elif pid in earlier[path]:
                    problems.append(f"worker {pid} went back to the old name of {path}")
            for name in before.values():
                check_served(name, old=True)  # mid-way: the old bytes are gone, never the new ones under it
            if all(len(pids) == 2 for pids in converged.values()):
                break
        assert all(len(pids) == 2 for pids in converged.values()), f"the workers did not all follow the edit: {converged}"
        for name in before.values():
            check_served(name, old=True)  # its bytes exist nowhere now: 404, never the new bytes
        base_new = next(n for n in fetched if n.startswith("css/base.") and n != before["css/base.css"])
        assert _hash_of(base_new) == hashlib.md5(source.read_bytes()).hexdigest()[:12]
    finally:
        server.stop()
    assert problems == []
    assert fetched[before["css/base.css"]] >= {404}  # the old name of the edited file now 404s
