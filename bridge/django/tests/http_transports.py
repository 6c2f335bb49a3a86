"""Ways to send a request to the fixture project: Django's test client (sync
and async middleware paths) and real servers on loopback (uvicorn for ASGI,
waitress for WSGI), all behind one ``fetch`` signature."""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.test import AsyncClient, Client

BRIDGE = Path(__file__).resolve().parents[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lowercased names
    body: bytes


class TestClientTransport:
    name = "testclient"

    def fetch(self, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
        response = Client().generic(method, path, headers=headers or {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return Answer(response.status_code, {k.lower(): v for k, v in response.items()}, body)


class AsyncTestClientTransport:
    name = "asyncclient"

    def fetch(self, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
        async def go() -> Answer:
            response = await AsyncClient().generic(method, path, headers=headers or {})
            if response.streaming:
                body = b"".join([chunk async for chunk in response.streaming_content])
            else:
                body = response.content
            return Answer(response.status_code, {k.lower(): v for k, v in response.items()}, body)

        return asyncio.run(go())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerTransport:
    """A real server process on 127.0.0.1, started with the fixture settings."""

    def __init__(self, name: str, static_root: str, settings_module: str = "tests.settings", env: dict[str, str] | None = None):
        self.name = name
        self.port = free_port()
        env = dict(os.environ, **(env or {}), DJANGO_SETTINGS_MODULE=settings_module, ASSETC_TEST_STATIC_ROOT=static_root)
        env["PYTHONPATH"] = str(BRIDGE) + os.pathsep + env.get("PYTHONPATH", "")
        if name == "uvicorn":
            command = [sys.executable, "-m", "uvicorn", "tests.asgi:application", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", "--lifespan", "off"]
        else:
            command = [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={self.port}", "--threads=8", "tests.wsgi:application"]
        self.proc = subprocess.Popen(command, cwd=BRIDGE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.proc.stderr.read().decode(errors='replace') if self.proc.stderr else ''}")
            try:
                if self.fetch("GET", "/hello").status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise RuntimeError(f"{self.name} did not answer within {timeout}s")

    def fetch(self, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for key, value in (headers or {}).items():
                conn.putheader(key, value)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        finally:
            conn.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
