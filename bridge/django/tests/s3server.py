"""A real SeaweedFS S3 server on 127.0.0.1 for the publish tests (the Go
tests' internal/s3test, for Python): built once by testdata/s3/seaweedfs.sh
and found through $ASSETC_WEED; tests skip without it unless
ASSETC_REQUIRE_S3=1 (make test)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest


def weed_binary() -> str:
    path = os.environ.get("ASSETC_WEED", "")
    if path and os.path.isfile(path):
        return path
    why = f"{path or 'ASSETC_WEED'} is not built (testdata/s3/seaweedfs.sh builds it once; make test does)"
    if os.environ.get("ASSETC_REQUIRE_S3") == "1":
        pytest.fail(f"ASSETC_REQUIRE_S3=1 but {why}")
    pytest.skip(f"no S3 server: {why}")


def free_ports(n: int) -> list[int]:
    with ExitStack() as stack:
        ports = []
        for _ in range(n):
            s = stack.enter_context(socket.socket())
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
        return ports


@contextmanager
def seaweedfs() -> Iterator[str]:
    """Run ``weed server`` with S3 on free ports; yields the endpoint URL and
    stops the server by its PID."""
    binary = weed_binary()
    data = tempfile.mkdtemp(prefix="assetc-seaweedfs-")
    p = [str(port) for port in free_ports(8)]
    args = [
        binary, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={p[0]}", f"-master.port.grpc={p[1]}", f"-volume.port={p[2]}", f"-volume.port.grpc={p[3]}",
        "-filer", f"-filer.port={p[4]}", f"-filer.port.grpc={p[5]}", "-s3", f"-s3.port={p[6]}", f"-s3.port.grpc={p[7]}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.iam=false", "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64", "-volume.max=50",
    ]
    log = open(os.path.join(data, "weed.log"), "wb")
    # SeaweedFS makes AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY an identity and
    # then refuses anonymous requests: the server runs without them.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(args, cwd=data, env=env, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{p[6]}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint + "/", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break  # it answers (403 for an anonymous listing is an answer)
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError("weed server did not start: " + open(log.name).read()[-2000:]) from None
                time.sleep(0.2)
        yield endpoint
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(data, ignore_errors=True)
