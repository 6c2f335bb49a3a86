"""Which files the core may read, through the wasm core and the bridge's host
I/O: symlinks out of a source root are refused unless
``ASSETC_ALLOW_SYMLINKS_INTO`` allows their target, and only regular files are
ever opened for reading (a FIFO or /dev/zero would hang or never end)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template
from django.test import override_settings

from assetc_django import runtime
from assetc_django.errors import BrokenStaticFile
from assetc_django.project import configured_core
from tests.http_transports import ServerTransport

# Not a speed bound: before the fix these calls never returned.
HANG_BOUND = 60.0


def within_bound(what: str, call: Callable[[], Any]) -> Any:
    """call() in a thread; the test fails (instead of hanging) if it never returns."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_BOUND)
    if thread.is_alive():
        pytest.fail(f"{what} did not return within {HANG_BOUND}s: it hangs")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def sources_with_links(tmp_path: Path) -> tuple[Path, Path]:
    """A static dir with a link to a directory outside it (like etclink -> /etc),
    a link to a file outside it, and a link that stays inside it."""
    outside = tmp_path / "outside"
    (outside / "lib").mkdir(parents=True)
    (outside / "passwd").write_text("root:x:0:0\n")
    (outside / "lib" / "x.js").write_text("x()\n")
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body{}\n")
    os.symlink(outside, static / "outlink")
    os.symlink(outside / "passwd", static / "secret.txt")
    os.symlink("site.css", static / "css" / "alias.css")
    return static, outside


def test_symlink_out_of_root_gives_the_diagnostic(tmp_path: Path) -> None:
    static, outside = sources_with_links(tmp_path)
    with override_settings(STATICFILES_DIRS=[str(static)], DEBUG=False):
        core = configured_core()
        for name, link in (("outlink/passwd", static / "outlink"), ("secret.txt", static / "secret.txt")):
            result = core.resolve([name])[0]
            diagnostics = result["error"]["diagnostics"]
            assert [d["code"] for d in diagnostics] == ["symlink-leaves-root"], result
            text = " ".join(diagnostics[0][key] for key in ("path", "message", "hint"))
            assert str(link) in text and str(outside) in text
            assert "ASSETC_ALLOW_SYMLINKS_INTO" in text and "/usr/share/javascript" in text
        with pytest.raises(BrokenStaticFile) as info:
            Template("{% load static %}{% static 'outlink/passwd' %}").render(Context())
        assert "ASSETC_ALLOW_SYMLINKS_INTO" in str(info.value)
        # A link that stays inside the root keeps working.
        assert core.resolve_one("css/alias.css") == core.resolve_one("css/site.css").replace("site.", "alias.")
    with override_settings(STATICFILES_DIRS=[str(static)], ASSETC_ALLOW_SYMLINKS_INTO=[str(outside)]):
        core = configured_core()
        assert core.resolve_one("outlink/passwd").startswith("outlink/passwd.")
        assert core.resolve_one("outlink/lib/x.js").startswith("outlink/lib/x.")


@pytest.mark.skipif(not os.path.isfile("/etc/passwd"), reason="needs /etc/passwd")
def test_etc_link_is_404_on_a_real_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The probe: src/etclink -> /etc, asked of waitress on 127.0.0.1.
    site = tmp_path / "site"
    shutil.copytree(os.environ["ASSETC_TEST_SITE"], site, symlinks=True)
    os.symlink("/etc", site / "static" / "etclink")
    os.symlink("site.css", site / "static" / "css" / "alias.css")
    monkeypatch.setenv("ASSETC_TEST_SITE", str(site))
    server = ServerTransport("waitress", static_root=str(tmp_path / "no-static-root"))
    try:
        for path in ("/static/etclink/passwd", "/static/etclink/hostname", "/static/etclink/"):
            answer = server.fetch("GET", path)
            assert answer.status == 404, (path, answer.status)
            assert b"root:" not in answer.body
        assert server.fetch("GET", "/static/css/alias.css").status == 200
        assert server.fetch("GET", "/static/css/site.css").status == 200
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_dev_zero_are_reported_not_read(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "a.css").write_text("a{}\n")
    os.mkfifo(static / "fifo.css")
    os.symlink("/dev/zero", static / "zero.css")
    with override_settings(STATICFILES_DIRS=[str(static)], ASSETC_ALLOW_SYMLINKS_INTO=["/dev"]):
        core = configured_core()
        results = within_bound("resolve", lambda: core.resolve(["fifo.css", "zero.css", "a.css"]))
    for result, kind in zip(results[:2], ("named pipe (FIFO)", "device"), strict=False):
        diagnostic = result["error"]["diagnostics"][0]
        assert diagnostic["code"] == "not-regular-file" and kind in diagnostic["message"], result
    assert "hashed_name" in results[2]
    # The host's read refuses them without blocking, for a swap racing the stat.
    for name in ("fifo.css", "zero.css"):
        assert within_bound("_read_regular", lambda name=name: runtime._read_regular(os.fsencode(static / name))) is None


@pytest.mark.parametrize("native", [True, False], ids=["native-cli", "wasm-core"])
def test_collectstatic_refuses_then_allows_the_link(native: bool, tmp_path: Path) -> None:
    from .conftest import collectstatic_error, run_collectstatic

    static, outside = sources_with_links(tmp_path)
    extra: dict[str, Any] = {} if native else {"ASSETC_NATIVE_BINARY": None}
    settings = {
        "STATICFILES_DIRS": [str(static)],
        "STATICFILES_FINDERS": ["django.contrib.staticfiles.finders.FileSystemFinder"],
        **extra,
    }
    with override_settings(STATIC_ROOT=str(tmp_path / "refused"), **settings):
        with pytest.raises(collectstatic_error(ValueError)) as info:
            run_collectstatic()
    assert "ASSETC_ALLOW_SYMLINKS_INTO" in str(info.value) and str(outside) in str(info.value)
    # Refused before Django's copy phase: nothing behind the link (nothing at
    # all) reached STATIC_ROOT.
    refused = tmp_path / "refused"
    assert not refused.exists() or not any(refused.rglob("*")), sorted(refused.rglob("*"))
    root = tmp_path / "allowed"
    with override_settings(STATIC_ROOT=str(root), ASSETC_ALLOW_SYMLINKS_INTO=[outside], **settings):
        run_collectstatic()
    paths = json.loads((root / "staticfiles.json").read_text())["paths"]
    assert {"outlink/passwd", "outlink/lib/x.js", "secret.txt", "css/alias.css"} <= set(paths)


@pytest.mark.parametrize("native", [True, False], ids=["native-cli", "wasm-core"])
def test_collectstatic_refuses_a_fifo_before_copying(native: bool, tmp_path: Path) -> None:
    # Django's own copy phase would open the FIFO and block forever: the
    # check before it names the file and nothing is copied.
    from .conftest import collectstatic_error, run_collectstatic

    static = tmp_path / "static"
    static.mkdir()
    (static / "a.css").write_text("a{}\n")
    os.mkfifo(static / "fifo.css")
    root = tmp_path / "root"
    extra: dict[str, Any] = {} if native else {"ASSETC_NATIVE_BINARY": None}
    finders = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    with override_settings(STATIC_ROOT=str(root), STATICFILES_DIRS=[str(static)], STATICFILES_FINDERS=finders, **extra):
        with pytest.raises(collectstatic_error(ValueError)) as info:
            within_bound("collectstatic", run_collectstatic)
    assert "fifo.css" in str(info.value) and "FIFO" in str(info.value)
    assert not root.exists() or not any(root.rglob("*")), sorted(root.rglob("*"))
