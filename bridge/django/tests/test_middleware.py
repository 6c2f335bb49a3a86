"""AssetcMiddleware over HTTP: Django's test client (sync and async paths) and
real uvicorn (ASGI) and waitress (WSGI) processes on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import brotli
import pytest
import zstandard
from django.test import override_settings

from .conftest import example_cli_sources
from .http_transports import Answer, AsyncTestClientTransport, ServerTransport, TestClientTransport

IMMUTABLE = "max-age=315360000, public, immutable"
# The previous deploy's site.css: named by its bytes, as Django names it.
OLD_BYTES = b"/* the previous deploy's site.css */\n"
OLD_HASHED = f"css/site.{hashlib.md5(OLD_BYTES).hexdigest()[:12]}.css"
EXTRA_TYPES = {
    "js/mod.mjs": ("export default 1;\n", "text/javascript; charset=utf-8"),
    "wasm/x.wasm": ("\0asm\1\0\0\0", "application/wasm"),
    "site.webmanifest": ('{"name": "x"}', "application/manifest+json; charset=utf-8"),
    "img/i.avif": ("avif", "image/avif"),
    "css/site.css.map": (None, "application/json; charset=utf-8"),
    "fonts/source-sans.woff2": (None, "font/woff2"),
    # core/contenttypes.json, the table assetc publish uploads with: not the machine's mime.types
    "audio/ding.mp3": ("ID3", "audio/mpeg"),
    "data/T.CSV": ("a,b\n", "text/csv; charset=utf-8"),
    "data/notes.assetc-unknown": ("?", "application/octet-stream"),
}


@pytest.fixture(scope="session")
def built_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`assetc build` of the fixture project, plus compressed siblings, extra
    file types, an old hashed name (rolling deploy) and symlinks out of the root."""
    base = tmp_path_factory.mktemp("built")
    root = base / "static-root"
    subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(root), "-q"], check=True, timeout=120)
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    for name in (manifest["css/site.css"], "css/site.css"):
        data = (root / name).read_bytes()
        (root / (name + ".gz")).write_bytes(gzip.compress(data, 9, mtime=0))
        (root / (name + ".br")).write_bytes(brotli.compress(data))
        (root / (name + ".zst")).write_bytes(zstandard.ZstdCompressor().compress(data))
    for name, (text, _) in EXTRA_TYPES.items():
        if text is not None:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
    (root / OLD_HASHED).write_bytes(OLD_BYTES)
    (base / "secret.txt").write_text("SECRET")
    (base / "secret-dir").mkdir()
    (base / "secret-dir" / "secret.txt").write_text("SECRET")
    os.symlink(base / "secret.txt", root / "escape.txt")
    os.symlink(base / "secret-dir", root / "linkdir")
    return root


@pytest.fixture(scope="session")
def manifest(built_root: Path) -> dict[str, str]:
    return json.loads((built_root / "staticfiles.json").read_text())["paths"]


@pytest.fixture(scope="session")
def servers(built_root: Path) -> Iterator[dict[str, ServerTransport]]:
    started: dict[str, ServerTransport] = {}
    try:
        for name in ("uvicorn", "waitress"):
            started[name] = ServerTransport(name, str(built_root))
        yield started
    finally:
        for server in started.values():
            server.close()


@pytest.fixture(params=["testclient", "asyncclient", "uvicorn", "waitress"])
def transport(request: pytest.FixtureRequest, built_root: Path) -> Iterator[object]:
    if request.param in ("uvicorn", "waitress"):
        yield request.getfixturevalue("servers")[request.param]
        return
    with override_settings(STATIC_ROOT=str(built_root), DEBUG=False):
        yield TestClientTransport() if request.param == "testclient" else AsyncTestClientTransport()


def get(transport: object, path: str, **headers: str) -> Answer:
    return transport.fetch("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})  # type: ignore[attr-defined]


def test_hashed_name_is_immutable(transport: object, built_root: Path, manifest: dict[str, str]) -> None:
    hashed = manifest["css/site.css"]
    answer = get(transport, f"/static/{hashed}")
    assert answer.status == 200
    assert answer.headers["cache-control"] == IMMUTABLE
    assert answer.headers["content-type"] == "text/css; charset=utf-8"
    assert answer.body == (built_root / hashed).read_bytes()
    assert answer.headers["content-length"] == str(len(answer.body))
    assert answer.headers["etag"].startswith('"')
    assert "last-modified" in answer.headers
    assert answer.headers["vary"] == "Accept-Encoding"


def test_unhashed_name_has_short_max_age(transport: object, built_root: Path) -> None:
    answer = get(transport, "/static/img/logo.png")
    assert answer.status == 200
    assert answer.headers["cache-control"] == "max-age=60, public"
    assert answer.body == (built_root / "img/logo.png").read_bytes()
    assert "vary" not in answer.headers  # no compressed sibling


def test_not_found_under_prefix_is_not_cacheable(transport: object) -> None:
    answer = get(transport, "/static/css/nope.css")
    assert answer.status == 404
    assert answer.headers["cache-control"] == "no-store"
    assert get(transport, "/hello").body == b"hello"  # other paths reach the app


def test_old_hashed_name_still_served_during_rolling_deploy(transport: object, built_root: Path) -> None:
    answer = get(transport, f"/static/{OLD_HASHED}")
    assert answer.status == 200
    assert answer.headers["cache-control"] == IMMUTABLE
    assert answer.body == (built_root / OLD_HASHED).read_bytes()


def test_conditional_requests(transport: object, manifest: dict[str, str]) -> None:
    path = f"/static/{manifest['img/logo.png']}"
    first = get(transport, path)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    for value in (etag, f'"nope", {etag}', f"W/{etag}", "*"):
        answer = get(transport, path, If_None_Match=value)
        assert answer.status == 304, value
        assert answer.body == b""
        assert answer.headers["etag"] == etag
        assert answer.headers["cache-control"] == IMMUTABLE
    assert get(transport, path, If_None_Match='"other"').status == 200
    assert get(transport, path, If_Modified_Since=last_modified).status == 304
    assert get(transport, path, If_Modified_Since=formatdate(0, usegmt=True)).status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    assert get(transport, path, If_None_Match='"other"', If_Modified_Since=last_modified).status == 200


def test_head(transport: object, built_root: Path) -> None:
    answer = transport.fetch("HEAD", "/static/img/logo.png")  # type: ignore[attr-defined]
    assert answer.status == 200
    assert answer.body == b""
    assert answer.headers["content-length"] == str((built_root / "img/logo.png").stat().st_size)


def test_ranges(transport: object, built_root: Path) -> None:
    data = (built_root / "img/logo.png").read_bytes()
    size = len(data)
    assert size > 20
    for spec, start, end in (("bytes=0-9", 0, 9), ("bytes=-5", size - 5, size - 1), ("bytes=10-", 10, size - 1), ("bytes=5-100000", 5, size - 1)):
        answer = get(transport, "/static/img/logo.png", Range=spec)
        assert answer.status == 206, spec
        assert answer.body == data[start : end + 1], spec
        assert answer.headers["content-range"] == f"bytes {start}-{end}/{size}"
    unsatisfiable = get(transport, "/static/img/logo.png", Range=f"bytes={size}-")
    assert unsatisfiable.status == 416
    assert unsatisfiable.headers["content-range"] == f"bytes */{size}"
    assert get(transport, "/static/img/logo.png", Range="bytes=0-1,3-4").status == 200  # multi-range: whole file


def test_other_methods(transport: object) -> None:
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        answer = transport.fetch(method, "/static/img/logo.png")  # type: ignore[attr-defined]
        assert answer.status == 405, method
        assert answer.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("br", "br"),
        ("gzip", "gzip"),
        ("zstd", "zstd"),
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.9", "br"),
        ("gzip;q=1, br;q=0.5", "gzip"),
        ("*", "br"),
        ("*;q=0.1, gzip;q=0.8", "gzip"),
        ("identity", None),
        ("br;q=0, gzip;q=0, zstd;q=0", None),
        ("", None),
    ],
)
def test_compression_negotiation(transport: object, manifest: dict[str, str], built_root: Path, accept: str, expected: str | None) -> None:
    hashed = manifest["css/site.css"]
    original = (built_root / hashed).read_bytes()
    answer = get(transport, f"/static/{hashed}", Accept_Encoding=accept) if accept else get(transport, f"/static/{hashed}")
    assert answer.status == 200
    assert answer.headers.get("content-encoding") == expected
    assert answer.headers["vary"] == "Accept-Encoding"
    decoders = {None: lambda b: b, "gzip": gzip.decompress, "br": brotli.decompress, "zstd": lambda b: zstandard.ZstdDecompressor().decompress(b)}
    assert decoders[expected](answer.body) == original
    assert answer.headers["content-length"] == str(len(answer.body))


@pytest.mark.parametrize("name", sorted(EXTRA_TYPES))
def test_content_types(transport: object, name: str) -> None:
    answer = get(transport, f"/static/{name}")
    assert answer.status == 200
    assert answer.headers["content-type"] == EXTRA_TYPES[name][1]


TRAVERSALS = [
    ("/static/../tests/settings.py", False),
    ("/static/css/../../secret.txt", False),
    ("/static/%2e%2e/secret.txt", False),
    ("/static/%2E%2E/%2e%2e/etc/passwd", False),
    ("/static/css%2fsite.css", True),
    ("/static/css%5csite.css", True),
    ("/static/css\\site.css", False),
    ("/static/css/site.css%00", False),
    ("/static/css/site.css%00.png", False),
    ("/static/escape.txt", False),
    ("/static/linkdir/secret.txt", False),
    ("/static/css/", False),
    ("/static/css", False),
    ("/static/", False),
    ("/static//etc/passwd", False),
    ("/static/./css/site.css", False),
    ("/static/.assetc/state.json", False),
]


@pytest.mark.parametrize("path,raw_only", TRAVERSALS)
def test_traversal_and_escapes_are_404(transport: object, path: str, raw_only: bool) -> None:
    if raw_only and isinstance(transport, (TestClientTransport, AsyncTestClientTransport)):
        pytest.skip("the test client decodes %2f before Django sees the path")
    answer = get(transport, path)
    assert answer.status in (400, 404), path  # a server may refuse first
    assert b"SECRET" not in answer.body
    assert b"SECRET_KEY" not in answer.body


@pytest.mark.parametrize("client", [TestClientTransport, AsyncTestClientTransport])
def test_served_from_sources_without_static_root(client: type, built_root: Path, manifest: dict[str, str], tmp_path: Path) -> None:
    """No collectstatic at all: the core serves hashed (rewritten) and unhashed files."""
    with override_settings(STATIC_ROOT=str(tmp_path / "absent"), DEBUG=False):
        transport = client()
        for name in ("css/site.css", "css/theme-a.css", "img/logo.png", "vendor/widget.css", "blog/blog.css"):
            hashed = get(transport, f"/static/{manifest[name]}")
            assert hashed.status == 200, name
            assert hashed.headers["cache-control"] == IMMUTABLE
            assert hashed.body == (built_root / manifest[name]).read_bytes(), name
            plain = get(transport, f"/static/{name}")
            assert plain.status == 200
            assert plain.headers["cache-control"] == "max-age=60, public"
        assert get(transport, "/static/css/site.0123456789ab.css").status == 404  # not a current name
        etag = get(transport, f"/static/{manifest['css/site.css']}").headers["etag"]
        assert get(transport, f"/static/{manifest['css/site.css']}", If_None_Match=etag).status == 304


def test_debug_max_age_is_zero(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=str(tmp_path / "absent"), DEBUG=True):
        answer = get(TestClientTransport(), "/static/img/logo.png")
    assert answer.headers["cache-control"] == "max-age=0, public"
