"""Publish to S3: assetc publish against Django's collectstatic with
django-storages' S3ManifestStaticStorage and with collectfasta, against the
same SeaweedFS server in the same run, cold (empty bucket) and with nothing
changed.

Usage::

    python bench/publish.py [--full] [--assetc-only]

By default four corpus packages (about 500 files) keep the run short; --full
publishes the whole corpus (about 7,000 files; long). Needs bin/assetc,
$ASSETC_CORPUS, $ASSETC_WEED (testdata/s3/seaweedfs.sh) and, unless
--assetc-only, bench/requirements-publish.txt in the interpreter running
this. Prints a Markdown table: seconds and, for assetc, the HTTP requests it
counted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bridge" / "django" / "tests"))
from s3server import seaweedfs  # noqa: E402  (the tests' server runner)

QUICK = ["admin", "htmx.org-1.9.12", "jquery-3.7.1", "select2-4.0.13"]


def roots(full: bool) -> list[str]:
    corpus = Path(os.environ.get("ASSETC_CORPUS", REPO / "bench" / "corpus"))
    names = sorted(p.name for p in corpus.iterdir() if p.is_dir() and not p.name.startswith(".")) if full else QUICK
    return [str(corpus / name) for name in names]


def make_bucket(endpoint: str, name: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{name}", method="PUT"), timeout=30).close()


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{proc.stderr[-3000:]}")
    return took, proc.stdout


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the whole corpus (long)")
    parser.add_argument("--assetc-only", action="store_true", help="skip the django-storages runs")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    # boto3's default trailing checksums are not what every S3-compatible service takes.
    os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    sources = roots(args.full)
    rows: list[tuple[str, str, float, str]] = []
    with seaweedfs() as endpoint, tempfile.TemporaryDirectory() as tmp:
        # A fresh server grows its first volumes on the first writes (seconds):
        # an untimed publish to another bucket pays that before any row.
        make_bucket(endpoint, "warmup")
        timed([str(REPO / "bin" / "assetc"), "publish", "-s", sources[0], "-o", "s3://warmup/static/",
               "--endpoint", endpoint, "--path-style", "-q"])
        make_bucket(endpoint, "assetc")
        command = [str(REPO / "bin" / "assetc"), "publish", *[a for r in sources for a in ("-s", r)],
                   "-o", "s3://assetc/static/", "--endpoint", endpoint, "--path-style", "--json", "-q"]
        for run in ("cold", "no change"):
            took, out = timed(command)
            result = json.loads(out)
            rows.append(("assetc publish", run, took, f"{result['uploaded']} uploaded, {result['requests']} requests"))
        if not args.assetc_only:
            helper = str(REPO / "bench" / "django_s3_collectstatic.py")
            for storage in ("s3manifest", "collectfasta"):
                make_bucket(endpoint, storage)
                out_dir = os.path.join(tmp, storage)
                for run in ("cold", "no change"):
                    took, _ = timed([sys.executable, helper, "--storage", storage, "--endpoint", endpoint,
                                     "--bucket", storage, "--out", out_dir, *sources])
                    name = {"s3manifest": "collectstatic + S3ManifestStaticStorage", "collectfasta": "collectfasta + S3ManifestStaticStorage"}[storage]
                    rows.append((name, run, took, ""))
    print(f"{len(sources)} corpus packages, SeaweedFS on 127.0.0.1, {os.cpu_count()} CPUs\n")
    print("| publisher | run | seconds | notes |\n|---|---|---|---|")
    for name, run, took, notes in rows:
        print(f"| {name} | {run} | {took:.2f} | {notes} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
