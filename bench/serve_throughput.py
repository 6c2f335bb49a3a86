#!/usr/bin/env python3
"""Requests/s of AssetcMiddleware against WhiteNoise, in the same server process.

One Django project (testdata/example's sources, STATIC_ROOT built by
``bin/assetc build --compress br,gzip``) has both middlewares: assetc serves
STATIC_ROOT under /static/, WhiteNoise the same STATIC_ROOT under /wn/
(WHITENOISE_STATIC_PREFIX). AssetcMiddleware comes first, so each side's
requests pass only through its own middleware (WhiteNoise's also pay
assetc's prefix test, a ``str.startswith``). DEBUG is off.

For each server (waitress --threads=8, uvicorn one worker) and each row (a
small hashed CSS; the same with ``Accept-Encoding: br``; a 404), 32 keep-alive
clients on 127.0.0.1 send requests for ``--seconds`` per batch; batches
alternate between assetc and WhiteNoise (A B, B A, ...) for ``--rounds``
rounds. A row prints the requests/s of each (all batches pooled), the
requests per CPU second of the server process (what a busy machine disturbs
least), and for each the median over the rounds of the ratio assetc/WhiteNoise
(each round measures both sides back to back). The "in-proc" rows call
Django's WSGIHandler directly (no server, no sockets; best of 10 alternating
batches): what the two middlewares cost on top of Django's own handling.

    .venv/bin/python bench/serve_throughput.py           # short: 5 rounds x 1 s per side and row (~1 minute)
    .venv/bin/python bench/serve_throughput.py --long    # 12 rounds x 2.5 s (~3 minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "testdata" / "example"
CLIENTS = 32

SETTINGS = """
import os
SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "bench_urls"
DATABASES = {{}}
INSTALLED_APPS = ["django.contrib.staticfiles", "assetc_django"]
MIDDLEWARE = [
    "assetc_django.middleware.AssetcMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
]
STATIC_URL = "/static/"
STATIC_ROOT = {root!r}
STATICFILES_DIRS = [{static!r}, ("vendor", {vendor!r})]
STORAGES = {{
    "default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    "staticfiles": {{"BACKEND": "assetc_django.storage.AssetcStorage"}},
}}
WHITENOISE_STATIC_PREFIX = "/wn/"
LOGGING = {{"version": 1, "disable_existing_loggers": True}}
"""

URLS = """
from django.http import HttpResponse
from django.urls import path
urlpatterns = [path("hello", lambda request: HttpResponse("hello"))]
"""

ASGI = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
from django.core.asgi import get_asgi_application
application = get_asgi_application()
"""

WSGI = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_project(work: Path) -> dict[str, str]:
    root = work / "static-root"
    assetc = REPO / "bin" / "assetc"
    if not assetc.is_file():
        sys.exit("bench/serve_throughput.py: bin/assetc is missing: run 'make build'")
    subprocess.run(
        [str(assetc), "build", "-s", str(EXAMPLE / "static"), "-s", f"vendor={EXAMPLE / 'node_modules/widget/dist'}",
         "-o", str(root), "--compress", "br,gzip", "-q"],
        check=True, timeout=300,
    )
    (work / "bench_settings.py").write_text(
        SETTINGS.format(root=str(root), static=str(EXAMPLE / "static"), vendor=str(EXAMPLE / "node_modules/widget/dist"))
    )
    (work / "bench_urls.py").write_text(URLS)
    (work / "bench_asgi.py").write_text(ASGI)
    (work / "bench_wsgi.py").write_text(WSGI)
    return json.loads((root / "staticfiles.json").read_text())["paths"]


class Server:
    def __init__(self, kind: str, work: Path):
        self.kind = kind
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=str(work), DJANGO_SETTINGS_MODULE="bench_settings")
        if kind == "uvicorn":
            cmd = [sys.executable, "-m", "uvicorn", "bench_asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
                   "--log-level", "warning", "--lifespan", "off", "--no-access-log"]
        else:
            cmd = [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={self.port}", "--threads=8",
                   "--connection-limit=200", "bench_wsgi:application"]
        self.proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited: {self.proc.stderr.read().decode(errors='replace') if self.proc.stderr else ''}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hello", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError(f"{kind} did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (/proc/PID/stat)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers


async def _client(port: int, request: bytes, deadline: float, expect: tuple[int, str | None], counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < deadline:
            writer.write(request)
            status, headers = await _read_response(reader)
            if status != expect[0] or headers.get("content-encoding") != expect[1]:
                counts[1] += 1
            counts[0] += 1
            if headers.get("connection", "").lower() == "close":
                counts[2] += 1  # the server ended keep-alive: a new connection
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def batch(port: int, path: str, accept: str | None, expect: tuple[int, str | None], seconds: float) -> tuple[int, float, int]:
    """(requests, seconds, unexpected answers) of CLIENTS keep-alive clients."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    if accept:
        lines.append(f"Accept-Encoding: {accept}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    counts = [0, 0, 0]

    async def run() -> float:
        start = time.monotonic()
        await asyncio.gather(*(_client(port, request, start + seconds, expect, counts) for _ in range(CLIENTS)))
        return time.monotonic() - start

    elapsed = asyncio.run(run())
    if counts[2]:
        print(f"#   {path}: the server closed {counts[2]} of {counts[0]} keep-alive connections", flush=True)
    return counts[0], elapsed, counts[1]


def in_process(work: Path, rows: list[tuple[str, str, str | None, tuple[int, str | None]]]) -> None:
    """Django's WSGIHandler called directly (no server, no sockets): requests
    per CPU second of this process, best of 10 alternating batches of 400.
    Shows what the middlewares themselves cost, on top of Django's handler."""
    sys.path.insert(0, str(work))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    import django
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    django.setup()
    handler = WSGIHandler()

    def run(path: str, accept: str | None, n: int = 400) -> float:
        environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
        if accept:
            environ["HTTP_ACCEPT_ENCODING"] = accept
        start = time.process_time()
        for _ in range(n):
            response = handler(dict(environ), lambda status, headers: None)
            for _chunk in response:
                pass
            response.close()
        return n / (time.process_time() - start)

    for label, name, accept, _ in rows:
        best = {"assetc": 0.0, "whitenoise": 0.0}
        for _ in range(10):
            for side, path in (("assetc", f"/static/{name}"), ("whitenoise", f"/wn/{name}")):
                best[side] = max(best[side], run(path, accept))
        print(f"{'in-proc':9} {label:17} {'':>12} {'':>16} {'':>6} {best['assetc']:10.0f} {best['whitenoise']:10.0f}"
              f" {best['assetc'] / best['whitenoise']:5.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--long", action="store_true", help="12 rounds of 2.5 s batches (default: 5 rounds of 1 s)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--servers", default="waitress,uvicorn")
    args = parser.parse_args()
    rounds = args.rounds or (12 if args.long else 5)
    seconds = args.seconds or (2.5 if args.long else 1.0)
    work = Path(tempfile.mkdtemp(prefix="assetc-serve-bench-"))
    try:
        manifest = make_project(work)
        css = manifest["css/site.css"]
        rows = [
            ("small hashed CSS", css, None, (200, None)),
            ("br variant", css, "br", (200, "br")),
            ("404", "css/missing.css", None, (404, None)),
        ]
        size = (work / "static-root" / css).stat().st_size
        print(f"# serve throughput: {CLIENTS} keep-alive clients, {rounds} rounds x {seconds:g} s per side, alternating;"
              f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        print(f"# small hashed CSS: /static/{css} ({size} bytes); command: {' '.join(sys.argv)}")
        print("# req/s: wall clock; req/CPU-s: requests per CPU second of the server process (steadier on a busy machine)")
        print(f"{'server':9} {'row':17} {'assetc req/s':>12} {'WhiteNoise req/s':>16} {'ratio':>6}"
              f" {'assetc':>10} {'WhiteNoise':>10} {'ratio':>6}  unexpected")
        print(f"{'':9} {'':17} {'':>12} {'':>16} {'':>6} {'req/CPU-s':>10} {'req/CPU-s':>10}")
        for kind in args.servers.split(","):
            server = Server(kind, work)
            try:
                for label, name, accept, expect in rows:
                    sides = {"assetc": f"/static/{name}", "whitenoise": f"/wn/{name}"}
                    for path in sides.values():  # warm-up: first lookups, thread pools
                        batch(server.port, path, accept, expect, 0.3)
                    totals = {side: [0, 0.0, 0, 0.0] for side in sides}
                    wall_ratios, cpu_ratios = [], []
                    for r in range(rounds):
                        order = ["assetc", "whitenoise"] if r % 2 == 0 else ["whitenoise", "assetc"]
                        this_round = {}
                        for side in order:
                            cpu = server.cpu_seconds()
                            count, elapsed, bad = batch(server.port, sides[side], accept, expect, seconds)
                            used = max(server.cpu_seconds() - cpu, 1e-9)
                            totals[side][0] += count
                            totals[side][1] += elapsed
                            totals[side][2] += bad
                            totals[side][3] += used
                            this_round[side] = (count / elapsed, count / used)
                        wall_ratios.append(this_round["assetc"][0] / this_round["whitenoise"][0])
                        cpu_ratios.append(this_round["assetc"][1] / this_round["whitenoise"][1])
                    ours, theirs = (totals[s][0] / totals[s][1] for s in ("assetc", "whitenoise"))
                    ours_cpu, theirs_cpu = (totals[s][0] / totals[s][3] for s in ("assetc", "whitenoise"))
                    bad = f"{totals['assetc'][2]}/{totals['whitenoise'][2]}"
                    print(f"{kind:9} {label:17} {ours:12.0f} {theirs:16.0f} {statistics.median(wall_ratios):5.2f}x"
                          f" {ours_cpu:10.0f} {theirs_cpu:10.0f} {statistics.median(cpu_ratios):5.2f}x  {bad}", flush=True)
            finally:
                server.close()
        in_process(work, rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
