"""What STATIC_ROOT serves, over real servers (waitress, uvicorn on 127.0.0.1,
DEBUG off) and the test client: no dotfiles, no temporaries, no symlink
escapes, only verified bytes under a hashed name, and no 500 for any header."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assetc_django import files
from assetc_django.files import RootFiles

from .conftest import example_cli_sources
from .http_transports import Answer, ServerTransport, TestClientTransport

SECRET = b"SECRET-BYTES"


def build(root: Path) -> dict[str, str]:
    subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(root), "-q"], check=True, timeout=120)
    return json.loads((root / "staticfiles.json").read_text())["paths"]


@pytest.fixture(scope="module")
def probe_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """A built root with every kind of file it must not serve, plus a hashed
    file rewritten with other bytes and a symlink into an allowed directory."""
    base = tmp_path_factory.mktemp("probe")
    root = base / "static-root"
    manifest = build(root)
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_bytes(SECRET)
    (base / "allowed").mkdir()
    (base / "allowed" / "shared.txt").write_bytes(b"shared bytes")
    (base / "allowed" / ".env").write_bytes(SECRET)
    for rel in (".env", ".git/config", ".hidden/site.css", "css/.site.css.assetc-tmp", "css/site.css.assetc-tmp",
                "staticfiles.json.assetc-tmp", "css/.site.css.123.tmp", ".assetc/lock.1-2.assetc-tmp"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(SECRET)
    source_logo = Path(settings.STATICFILES_DIRS[0]) / "img" / "logo.png"
    os.symlink(base / "outside" / "secret.txt", root / "escape.txt")
    os.symlink(base / "outside", root / "outside-dir")
    os.symlink(source_logo, root / "img" / "linked-logo.png")  # collectstatic --link
    os.symlink(base / "allowed" / "shared.txt", root / "shared.txt")
    os.symlink(base / "allowed" / ".env", root / "allowed-env.txt")
    os.symlink(root / ".env", root / "env-alias.txt")  # a link to a dotfile inside the root
    # A hashed file rewritten in place (a second collectstatic that wrote old
    # names): its name no longer matches its bytes.
    rewritten = manifest["img/logo.png"]
    (root / rewritten).unlink()  # hard-linked to img/logo.png: do not change that one
    (root / rewritten).write_bytes(b"\x89PNG other bytes")
    (root / "css/wrong.0123456789ab.css").write_bytes(b"body{}")
    # Precompressed siblings no build recorded: one decodes to its file, one
    # is left over from other bytes.
    base_css = manifest["css/base.css"]
    (root / (base_css + ".gz")).write_bytes(gzip.compress((root / base_css).read_bytes()))
    (root / (manifest["css/site.css"] + ".gz")).write_bytes(gzip.compress(b"/* stale */"))
    return root, manifest, base / "allowed"


@pytest.fixture(scope="module")
def probe_servers(probe_root: tuple[Path, dict[str, str], Path]) -> Iterator[dict[str, ServerTransport]]:
    root, _, allowed = probe_root
    env = {"ASSETC_TEST_ALLOW_SYMLINKS_INTO": str(allowed)}
    started: dict[str, ServerTransport] = {}
    try:
        for name in ("waitress", "uvicorn"):
            started[name] = ServerTransport(name, str(root), "tests.settings_serving", env)
        yield started
    finally:
        for server in started.values():
            server.close()


@pytest.fixture(params=["waitress", "uvicorn", "testclient"])
def transport(request: pytest.FixtureRequest, probe_root: tuple[Path, dict[str, str], Path]) -> Iterator[object]:
    if request.param != "testclient":
        yield request.getfixturevalue("probe_servers")[request.param]
        return
    root, _, allowed = probe_root
    with override_settings(STATIC_ROOT=str(root), DEBUG=False, ASSETC_ALLOW_SYMLINKS_INTO=[str(allowed)]):
        yield TestClientTransport()


def get(transport: object, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
    return transport.fetch(method, path, headers or {})  # type: ignore[attr-defined]


REFUSED = [
    "/static/.env",
    "/static/.git/config",
    "/static/.hidden/site.css",
    "/static/.assetc/state.json",
    "/static/.assetc/sources.json",
    "/static/.assetc/lock.1-2.assetc-tmp",
    "/static/css/.site.css.assetc-tmp",
    "/static/css/site.css.assetc-tmp",
    "/static/staticfiles.json.assetc-tmp",
    "/static/css/.site.css.123.tmp",
    "/static/escape.txt",
    "/static/outside-dir/secret.txt",
    "/static/allowed-env.txt",
    "/static/env-alias.txt",
]


@pytest.mark.parametrize("path", REFUSED)
def test_root_never_serves_hidden_temporary_or_escaping_files(transport: object, path: str) -> None:
    answer = get(transport, path)
    assert answer.status == 404, path
    assert SECRET not in answer.body
    assert answer.headers["cache-control"] == "no-store"


def test_links_into_source_roots_and_allowed_dirs_are_served(transport: object, probe_root: tuple[Path, dict[str, str], Path]) -> None:
    root, _, _ = probe_root
    linked = get(transport, "/static/img/linked-logo.png")
    assert linked.status == 200
    assert linked.body == (root / "img" / "linked-logo.png").read_bytes()
    shared = get(transport, "/static/shared.txt")
    assert shared.status == 200 and shared.body == b"shared bytes"


def test_a_hashed_name_is_never_answered_with_other_bytes(transport: object, probe_root: tuple[Path, dict[str, str], Path]) -> None:
    root, manifest, _ = probe_root
    # The sources' current logo has this name: the core answers it with the
    # right bytes, not the root's rewritten file.
    rewritten = get(transport, f"/static/{manifest['img/logo.png']}")
    assert rewritten.status == 200
    assert rewritten.body == (root / "img" / "logo.png").read_bytes()
    assert rewritten.body != (root / manifest["img/logo.png"]).read_bytes()
    # No bytes anywhere match this name: 404, never stored.
    wrong = get(transport, "/static/css/wrong.0123456789ab.css")
    assert wrong.status == 404
    assert wrong.headers["cache-control"] == "no-store"
    assert wrong.body != b"body{}"


def test_only_variants_of_the_same_bytes_are_offered(transport: object, probe_root: tuple[Path, dict[str, str], Path]) -> None:
    root, manifest, _ = probe_root
    good = get(transport, f"/static/{manifest['css/base.css']}", {"Accept-Encoding": "gzip"})
    assert good.headers.get("content-encoding") == "gzip"
    assert gzip.decompress(good.body) == (root / manifest["css/base.css"]).read_bytes()
    stale = get(transport, f"/static/{manifest['css/site.css']}", {"Accept-Encoding": "gzip"})
    assert stale.status == 200 and "content-encoding" not in stale.headers
    assert stale.body == (root / manifest["css/site.css"]).read_bytes()


def test_recorded_variants_need_no_decoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(root), "-q", "--compress", "br"], check=True, timeout=120)
    hashed = json.loads((root / "staticfiles.json").read_text())["paths"]["css/site.css"]
    monkeypatch.setattr(files, "_decoded", lambda *args: None)  # as without the brotli package
    assert "br" in RootFiles(str(root)).find(hashed).variants  # type: ignore[union-attr]
    (root / (hashed + ".br")).write_bytes((root / (hashed + ".br")).read_bytes() + b"")  # rewritten: new mtime
    os.utime(root / (hashed + ".br"), ns=(1, 1))
    assert "br" not in RootFiles(str(root)).find(hashed).variants  # type: ignore[union-attr]


def test_cycle_members_are_verified_by_the_build_records(transport: object, probe_root: tuple[Path, dict[str, str], Path]) -> None:
    root, manifest, _ = probe_root
    hashed = manifest["css/theme-a.css"]  # theme-a and theme-b import each other
    answer = get(transport, f"/static/{hashed}")
    assert answer.status == 200
    assert answer.headers["cache-control"] == "max-age=315360000, public, immutable"
    assert answer.body == (root / hashed).read_bytes()


BAD_HEADERS = [
    {"Range": "bytes=²-"},
    {"Range": "bytes=" + "9" * 5000 + "-"},
    {"Range": "bytes=-" + "9" * 5000},
    {"Range": "bytes=0-" + "9" * 5000},
    {"Range": "bytes=5-2"},
    {"Range": "bytes=0-1,2-3,4-5"},
    {"Range": "bytes=-0"},
    {"Range": "bytes=0-1", "If-Range": "garbage"},
    {"Range": "bytes=0-1", "If-Range": "Mon, 99 Foo 99999 99:99:99 GMT"},
    {"If-None-Match": ", , W/, *, \"\""},
    {"If-Modified-Since": "Mon, 99 Foo 99999 99:99:99 GMT"},
    {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"},
    {"If-Modified-Since": "9" * 5000},
    {"If-Unmodified-Since": "-1"},
    {"If-Match": "W/\"x\""},
    {"Accept-Encoding": "br;q=nan, gzip;q=1e999, zstd;q=inf"},
    {"Accept-Encoding": "br;q=" + "9" * 5000},
    {"Accept-Encoding": ", ".join(f"c{i};q=0.{i % 10}" for i in range(1500))},
]


def test_no_header_gives_a_500(transport: object, probe_root: tuple[Path, dict[str, str], Path]) -> None:
    _, manifest, _ = probe_root
    for path in (f"/static/{manifest['css/site.css']}", "/static/img/logo.png", "/static/css/nope.css"):
        for headers in BAD_HEADERS:
            for method in ("GET", "HEAD"):
                answer = get(transport, path, headers, method)
                assert answer.status in (200, 206, 304, 404, 412, 416), (path, headers, answer.status)
                if method == "GET" and answer.status in (200, 206, 404):
                    assert answer.headers["content-length"] == str(len(answer.body))
    if isinstance(transport, ServerTransport):  # UTF-8 bytes on the wire, decoded as latin-1
        raw = get(transport, "/static/img/logo.png", {"Range": "bytes=²-".encode()})  # type: ignore[dict-item]
        assert raw.status == 200


@pytest.fixture(scope="module")
def fallback_server(probe_root: tuple[Path, dict[str, str], Path]) -> Iterator[ServerTransport]:
    root, _, _ = probe_root
    server = ServerTransport("waitress", str(root), "tests.settings_serving", {"ASSETC_TEST_STALE_HASH_FALLBACK": "1"})
    try:
        yield server
    finally:
        server.close()


def test_stale_hash_fallback_serves_current_bytes_briefly(fallback_server: ServerTransport, probe_root: tuple[Path, dict[str, str], Path]) -> None:
    root, _, _ = probe_root
    answer = get(fallback_server, "/static/css/site.0123456789ab.css")  # not a name any build wrote
    assert answer.status == 200
    assert answer.body == (root / "css" / "site.css").read_bytes()
    assert answer.headers["cache-control"] == "max-age=60, public"  # never immutable
    mismatched = get(fallback_server, "/static/css/wrong.0123456789ab.css")
    assert mismatched.status == 200 and "immutable" not in mismatched.headers["cache-control"]


def test_root_verdicts_without_a_server(probe_root: tuple[Path, dict[str, str], Path], tmp_path: Path) -> None:
    """RootFiles alone: the records are what verify a cycle member; without them
    (and with a name not md5 of the bytes) the file is refused."""
    root, manifest, _ = probe_root
    copy = tmp_path / "root"
    shutil.copytree(root, copy, symlinks=True)
    cycle = manifest["css/theme-a.css"]
    assert RootFiles(str(copy)).find(cycle) is not None
    shutil.rmtree(copy / ".assetc")
    (copy / "staticfiles.integrity.json").unlink()
    assert RootFiles(str(copy)).find(cycle) is None
    assert RootFiles(str(copy)).find(manifest["css/site.css"]) is not None  # md5 in the name


_SEGMENTS = st.sampled_from([".env", ".git", "config", "css", "a.css", "..", ".", "", "out", "in", "secret.txt",
                             "a.css.assetc-tmp", ".a.css.assetc-tmp", "a.css.br", "%2e%2e", "dot"])


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_SEGMENTS, min_size=1, max_size=5).map("/".join))
@example("dot/config")  # a link to a dotfile inside the root
@example("css/config/config")  # through a link to a dot-directory
@example("in/.env")
@example("out/secret.txt")
def test_no_path_reaches_a_refused_file(tmp_path_factory: pytest.TempPathFactory, path: str) -> None:
    """Whatever path a client asks, what STATIC_ROOT serves is a regular file
    inside the root (or the allowed dir), under no dot segment, not a temporary."""
    base = _property_tree(tmp_path_factory)
    name = files.safe_name(path, path)
    found = RootFiles(str(base / "root"), allowed_dirs=[str(base / "allowed")]).find(name) if name else None
    if found is None:
        return
    real = os.path.realpath(found.identity.path or "")
    inside = [os.path.relpath(real, base / d) for d in ("root", "allowed") if real.startswith(str(base / d) + os.sep)]
    assert inside, real
    assert not files.hidden_or_temporary(inside[0].replace(os.sep, "/"))
    assert found.identity.body != SECRET


_TREE: dict[str, Path] = {}


def _property_tree(factory: pytest.TempPathFactory) -> Path:
    if "base" not in _TREE:
        base = factory.mktemp("property")
        root, allowed, outside = base / "root", base / "allowed", base / "out"
        for directory in (root / "css", root / ".git", root / "dot", allowed, outside):
            directory.mkdir(parents=True)
        (root / "css" / "a.css").write_bytes(b"a{}")
        (root / "css" / "a.css.br").write_bytes(b"not brotli")
        for secret in (root / ".env", root / ".git" / "config", root / "css" / "a.css.assetc-tmp",
                       root / "css" / ".a.css.assetc-tmp", outside / "secret.txt", allowed / ".env", root / "dot" / ".env"):
            secret.write_bytes(SECRET)
        (allowed / "a.css").write_bytes(b"shared{}")
        os.symlink(outside, root / "out")
        os.symlink(allowed, root / "in")
        os.symlink(root / ".git", root / "css" / "config")
        os.symlink(root / ".env", root / "dot" / "config")
        _TREE["base"] = base
    return _TREE["base"]


_HEADER_NAMES = ["Accept-Encoding", "Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"]
_PIECES = st.sampled_from(["bytes", "=", "-", ",", " ", "0", "7", "²", "1e999", "nan", "q", ";", "br", "gzip", "*", "W/",
                           '"', "Tue, 14 Nov 2023 22:13:20 GMT", "9" * 5000])


@hypothesis_settings(max_examples=100, deadline=None)
@given(
    headers=st.dictionaries(st.sampled_from(_HEADER_NAMES), st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=8).map("".join))),
    which=st.sampled_from(["hashed", "plain", "missing", "cycle"]),
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_no_request_header_gives_a_500_through_django(probe_root: tuple[Path, dict[str, str], Path], headers: dict[str, str], which: str, method: str) -> None:
    root, manifest, allowed = probe_root
    path = {
        "hashed": f"/static/{manifest['css/site.css']}",
        "plain": "/static/css/site.css",
        "missing": "/static/css/nope.css",
        "cycle": f"/static/{manifest['css/theme-a.css']}",
    }[which]
    with override_settings(STATIC_ROOT=str(root), DEBUG=False, ASSETC_ALLOW_SYMLINKS_INTO=[str(allowed)]):
        answer = TestClientTransport().fetch(method, path, headers)
    assert answer.status in (200, 206, 304, 404, 412, 416)
    if method == "GET" and answer.status in (200, 206, 404):
        assert answer.headers["content-length"] == str(len(answer.body))
