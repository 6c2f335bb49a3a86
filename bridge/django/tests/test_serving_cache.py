"""The static server's per-path caches: what bounds them and what invalidates
them (a STATIC_ROOT change, Core.generation), shown through real requests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from assetc_django import middleware
from assetc_django.files import IN_MEMORY_LIMIT, SourceFiles
from assetc_django.lru import LRU
from assetc_django.project import configured_core

from .http_transports import TestClientTransport


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    static_root = tmp_path / "root"
    (static_root / "css").mkdir(parents=True)
    (static_root / "css" / "a.css").write_text("a{}")
    (static_root / "big.txt").write_bytes(b"x" * (IN_MEMORY_LIMIT + 10))
    for i in range(20):
        (static_root / f"f{i}.txt").write_bytes(b"y" * 1000)
    with override_settings(STATIC_ROOT=str(static_root), DEBUG=False):
        yield static_root


@pytest.fixture
def find_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every lookup that reaches the core (SourceFiles.find), by name."""
    calls: list[str] = []
    original = SourceFiles.find

    def counted(self: SourceFiles, name: str):  # type: ignore[no-untyped-def]
        calls.append(name)
        return original(self, name)

    monkeypatch.setattr(SourceFiles, "find", counted)
    return calls


def get(path: str) -> tuple[int, bytes, dict[str, str]]:
    answer = TestClientTransport().fetch("GET", path)
    return answer.status, answer.body, answer.headers


def test_a_repeated_404_asks_the_core_once_per_generation(root: Path, find_calls: list[str]) -> None:
    for _ in range(5):
        assert get("/static/css/missing.css")[0] == 404
    assert find_calls == ["css/missing.css"]
    configured_core().invalidate()  # the sources may have changed (the periodic refresh)
    assert get("/static/css/missing.css")[0] == 404
    assert find_calls == ["css/missing.css"] * 2


def test_a_miss_becomes_a_hit_when_the_root_gets_the_file(root: Path) -> None:
    assert get("/static/css/new.css")[0] == 404
    (root / "css" / "new.css").write_text("new{}")
    status, body, _ = get("/static/css/new.css")
    assert (status, body) == (200, b"new{}")


def test_misses_are_bounded(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware, "_MAX_MISSES", 50)
    with override_settings(ASSETC_MAX_AGE=60):  # a fresh Serving with the bound
        for i in range(200):
            assert get(f"/static/missing/{i}.css")[0] == 404
        assert len(middleware.serving().misses) == 50


def test_found_files_are_bounded_by_count_and_bytes(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware, "_MAX_FILES", 8)
    monkeypatch.setattr(middleware, "_MAX_BODY_BYTES", 5000)
    with override_settings(ASSETC_MAX_AGE=60):
        for i in range(20):
            assert get(f"/static/f{i}.txt")[0] == 200
        files = middleware.serving().files
        assert len(files) <= 8
        assert files.total_cost <= 5000
        assert len(files) == 5  # 1000 bytes in memory each


def test_a_root_file_changed_or_removed_is_seen_at_once(root: Path) -> None:
    assert get("/static/css/a.css")[1] == b"a{}"
    (root / "css" / "a.css").write_text("changed{}")
    assert get("/static/css/a.css")[1] == b"changed{}"
    (root / "css" / "a.css").unlink()
    status, _, headers = get("/static/css/a.css")
    assert status == 404 and headers["cache-control"] == "no-store"


def test_a_file_gone_between_lookup_and_open_is_a_404_not_a_500(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert get("/static/big.txt")[0] == 200  # streamed from disk, not held in memory
    # The race: the cached entry still looks valid, the file is gone on open.
    monkeypatch.setattr(middleware.Serving, "_valid", lambda self, entry: True)
    (root / "big.txt").unlink()
    status, _, headers = get("/static/big.txt")
    assert status == 404 and headers["cache-control"] == "no-store"


def test_entries_from_the_sources_follow_core_generation(tmp_path: Path) -> None:
    """No STATIC_ROOT: a file served from the sources keeps its cached bytes
    until Core.generation moves, then the edit is served."""
    site = Path(settings.STATICFILES_DIRS[0])
    copy = tmp_path / "static"
    shutil.copytree(site, copy, symlinks=True)
    dirs = [str(copy), *settings.STATICFILES_DIRS[1:]]
    with override_settings(STATIC_ROOT=str(tmp_path / "absent"), DEBUG=False, STATICFILES_DIRS=dirs):
        path = copy / "img" / "logo.png"
        before = get("/static/img/logo.png")[1]
        assert before == path.read_bytes()
        path.write_bytes(before + b"edited")
        os.utime(path, (1, 1))
        assert get("/static/img/logo.png")[1] == before  # cached: no core call, no stat of the source
        configured_core().invalidate()
        assert get("/static/img/logo.png")[1] == before + b"edited"


def test_lru_bounds() -> None:
    table: LRU[int, bytes] = LRU(3, 10, len)
    for i in range(5):
        table.put(i, b"ab")
    assert len(table) == 3 and table.get(0) is None and table.get(4) == b"ab"
    table.put(9, b"x" * 9)  # 9 + the newest others must stay within 10 bytes
    assert table.total_cost <= 10 and table.get(9) is not None
    table.put(10, b"y" * 11)  # larger than the whole budget: not kept
    assert table.get(10) is None and table.total_cost <= 10


def test_static_response_is_what_django_would_build() -> None:
    """The lean response is in use with this Django, and it is the same
    response HttpResponse makes from the same bytes and headers."""
    from django.http import HttpResponse
    from django.http.response import ResponseHeaders

    headers = {"Content-Type": "text/css; charset=utf-8", "Content-Length": "2", "ETag": '"x"'}
    assert middleware._LEAN
    ours = middleware.StaticResponse(b"ab", 200, ResponseHeaders(headers)._store)
    theirs = HttpResponse(b"ab", status=200, headers=headers)
    assert ours.serialize() == theirs.serialize()
    assert ours.__dict__.keys() == theirs.__dict__.keys()
    ours["X-Later"] = "set by another middleware"  # a copy: the file's headers stay as they were
    assert "X-Later" not in middleware.StaticResponse(b"ab", 200, ResponseHeaders(headers)._store)
