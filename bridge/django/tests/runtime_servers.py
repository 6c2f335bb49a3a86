"""Real servers on 127.0.0.1 for the runtime tests (waitress, gunicorn),
started with tests.runtime_settings and stopped by their own pid."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .http_transports import BRIDGE, free_port


def site_copy(into: Path) -> Path:
    """A private copy of the fixture site (tests edit it)."""
    site = into / "site"
    shutil.copytree(os.environ["ASSETC_TEST_SITE"], site, symlinks=True)
    return site


class Server:
    """One server process; ``kind`` is "waitress" or "gunicorn"."""

    def __init__(self, kind: str, site: Path, *, debug: bool = False, refresh_interval: float | None = None, workers: int = 2):
        self.port = free_port()
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="tests.runtime_settings",
            ASSETC_TEST_SITE=str(site),
            ASSETC_TEST_STATIC_ROOT=str(site.parent / "no-static-root"),
        )
        if refresh_interval is not None:
            env["ASSETC_TEST_REFRESH_INTERVAL"] = str(refresh_interval)
        env["PYTHONPATH"] = str(BRIDGE) + os.pathsep + env.get("PYTHONPATH", "")
        if kind == "gunicorn":
            command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "tests.wsgi:application"]
        else:
            command = [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={self.port}", "--threads=8", "tests.wsgi:application"]
        # stderr to a file: a pipe nobody reads blocks the server once full.
        self.log = site.parent / f"{kind}-{self.port}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, cwd=BRIDGE, env=env, stdout=subprocess.DEVNULL, stderr=log)
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited: {self.log.read_text(errors='replace')}")
            try:
                if self.get("/hello")[0] == 200:
                    break
            except OSError:
                self.connection.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """GET over a kept-alive connection (reconnecting once if the server closed it)."""
        for attempt in (0, 1):
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def rss_kib(self) -> int:
        """VmRSS of the server process (the master for gunicorn), in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self) -> None:
        self.connection.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
