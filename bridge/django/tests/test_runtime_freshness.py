"""Zero-deploy updates in one process: ASSETC_REFRESH_INTERVAL, the storage's
names cache, collectstatic naming from the current sources, and the sources
path never answering a hashed URL with bytes of another hash."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.test import Client, override_settings

from assetc_django import project, storage
from assetc_django.project import configured_core

from .conftest import run_collectstatic


def site_copy(tmp_path: Path) -> dict:
    site = Path(os.environ["ASSETC_TEST_SITE"])
    shutil.copytree(site / "static", tmp_path / "static")
    shutil.copytree(site / "node_modules" / "widget" / "dist", tmp_path / "widget")
    return {"STATICFILES_DIRS": [str(tmp_path / "static"), ("vendor", str(tmp_path / "widget"))]}


def edit_in_place(path: Path, old: bytes, new: bytes) -> None:
    """Rewrite bytes inside the file (same inode; same size when old and new are)."""
    data = path.read_bytes()
    assert old in data
    with open(path, "r+b") as handle:
        handle.write(data.replace(old, new))
        handle.truncate()


def interval_passed() -> None:
    project._last_refresh -= 3600  # as if the interval had long passed, without sleeping


def md5_12(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()[:12]


@pytest.mark.parametrize("interval", [2, 0, None])
def test_production_follows_edits_after_the_interval(tmp_path: Path, interval: float | None) -> None:
    with override_settings(**site_copy(tmp_path), DEBUG=False, ASSETC_REFRESH_INTERVAL=interval):
        project._last_refresh = project.time.monotonic()
        before = static("css/base.css")
        edit_in_place(tmp_path / "static/css/base.css", b"#0b5fff", b"#0b5ffe")
        assert static("css/base.css") == before  # within the interval: cached
        interval_passed()
        after = static("css/base.css")
    if interval:
        assert after != before
        assert md5_12((tmp_path / "static/css/base.css").read_bytes()) in after
    else:
        assert after == before  # 0/None: names fixed for the life of the process


def test_names_cache_drops_on_generation_and_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "_MAX_CACHED_NAMES", 3)
    with override_settings(**site_copy(tmp_path), DEBUG=False, ASSETC_REFRESH_INTERVAL=None):
        names = ["css/base.css", "css/site.css", "js/app.js", "img/logo.png", "img/icons.svg", "vendor/widget.js"]
        for name in names * 2:
            static(name)
            assert len(staticfiles_storage._names) <= 3
        core = configured_core()
        generation = core.generation
        core.invalidate()
        static("css/base.css")
        assert staticfiles_storage._names_generation == generation + 1
        assert list(staticfiles_storage._names) == ["css/base.css"]


def test_second_collectstatic_names_from_current_sources(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with override_settings(**site_copy(tmp_path), DEBUG=False, STATIC_ROOT=str(root), ASSETC_NATIVE_BINARY=None, ASSETC_REFRESH_INTERVAL=None):
        run_collectstatic()
        first = static("css/base.css")  # the process now holds names
        edit_in_place(tmp_path / "static/css/base.css", b"#0b5fff", b"#0b5ffe")
        run_collectstatic()
        second = static("css/base.css")
    assert second != first
    for hashed in root.rglob("*.css"):
        match = re.search(r"\.([0-9a-f]{12})\.css$", hashed.name)
        if match and not hashed.name.startswith("theme-"):  # a cycle is named as a group
            assert md5_12(hashed.read_bytes()) == match.group(1), hashed


def test_old_hashed_url_never_gets_the_new_bytes(tmp_path: Path) -> None:
    # No STATIC_ROOT, no refresh: only the check of the source's identity
    # stands between the old hashed URL and the edited file.
    with override_settings(**site_copy(tmp_path), DEBUG=False, STATIC_ROOT=str(tmp_path / "absent"), ASSETC_REFRESH_INTERVAL=None):
        client = Client()
        source = tmp_path / "static/css/base.css"
        old = static("css/base.css")
        assert client.get(old).status_code == 200
        edit_in_place(source, b"#0b5fff", b"#0b5ffe")  # same size
        answer = client.get(old)
        assert answer.status_code == 404 or md5_12(answer.content) in old, answer.content
        # Refresh is off here, so the process learns the new name when it is
        # told to look again (what the refresh interval does).
        configured_core().invalidate()
        new = "/static/" + configured_core().resolve_one("css/base.css")
        assert new != old
        answer = client.get(new)
        assert answer.status_code == 200 and md5_12(answer.content) in new
        assert "immutable" in answer["Cache-Control"]


def test_same_size_and_mtime_edit_is_caught_by_the_md5(tmp_path: Path) -> None:
    with override_settings(**site_copy(tmp_path), DEBUG=False, STATIC_ROOT=str(tmp_path / "absent"), ASSETC_REFRESH_INTERVAL=None):
        source = tmp_path / "static/css/base.css"
        old = static("css/base.css")
        info = source.stat()
        edit_in_place(source, b"#0b5fff", b"#0b5ffe")
        os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns))  # stat cannot tell
        answer = Client().get(old)
        # Until told to look again, the core still believes the old name; the
        # MD5 check refuses to put the new bytes under it.
        assert answer.status_code == 404
        # The ctime moved (no program can set it back): once told to look
        # again, the core sees the edit that size and mtime hide (ABI 3).
        configured_core().invalidate()
        new = "/static/" + configured_core().resolve_one("css/base.css")
        assert new != old and md5_12(source.read_bytes()) in new


def test_streamed_source_edited_after_lookup_never_sends_new_bytes(tmp_path: Path) -> None:
    # A file large enough to be streamed from the source: the per-path cache
    # keeps its headers (hashed name, immutable) while the refresh is off, so
    # only the identity check when the file is opened keeps new bytes from
    # going out under the old hash.
    with override_settings(**site_copy(tmp_path), DEBUG=False, STATIC_ROOT=str(tmp_path / "absent"), ASSETC_REFRESH_INTERVAL=None):
        big = tmp_path / "static/img/big.bin"
        big.write_bytes(b"a" * 600_000)
        client = Client()
        old = static("img/big.bin")
        first = client.get(old)
        assert first.status_code == 200 and first.streaming
        assert md5_12(b"".join(first.streaming_content)) in old
        big.write_bytes(b"b" * 600_000)  # in place, same size
        answer = client.get(old)
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        assert answer.status_code == 404 or md5_12(body) in old, answer.status_code
