"""AssetcStorage: hashed names with no manifest, DEBUG and production, edits,
missing files, the wasm runtime's trap recovery."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import request_started
from django.template import Context, Template
from django.templatetags.static import static
from django.test import Client, override_settings

from assetc_django import compiled, runtime
from assetc_django.project import configured_core
from assetc_django.storage import BrokenStaticFile, MissingStaticFile

from .conftest import native_resolve

TEMPLATE_NAMES = ["img/favicon.ico", "css/site.css", "css/theme-a.css", "blog/blog.css", "img/logo.png", "vendor/widget.js", "js/app.js"]


def site_copy(tmp_path: Path) -> dict:
    """A private copy of the example's STATICFILES_DIRS, for tests that edit files."""

    site = Path(os.environ["ASSETC_TEST_SITE"])
    shutil.copytree(site / "static", tmp_path / "static")
    shutil.copytree(site / "node_modules" / "widget" / "dist", tmp_path / "widget")
    return {"STATICFILES_DIRS": [str(tmp_path / "static"), ("vendor", str(tmp_path / "widget"))]}


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_template_renders_hashed_urls(debug: bool) -> None:
    expected = native_resolve(TEMPLATE_NAMES)
    with override_settings(DEBUG=debug):
        response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in TEMPLATE_NAMES:
        assert f"/static/{expected[name]}" in html, name
    assert "theme-a." in html  # the reference cycle Django cannot name


def test_no_manifest_is_read(tmp_path: Path) -> None:
    (tmp_path / "staticfiles.json").write_text('{"paths": {"css/site.css": "css/site.bogus.css"}, "version": "1.1"}')
    with override_settings(STATIC_ROOT=str(tmp_path)):
        staticfiles_storage._setup()
        assert "bogus" not in static("css/site.css")
        assert static("css/site.css") == "/static/" + native_resolve(["css/site.css"])["css/site.css"]


def test_query_fragment_and_trailing_slash_like_django() -> None:
    hashed = native_resolve(["fonts/source-sans.eot"])["fonts/source-sans.eot"]
    assert static("fonts/source-sans.eot?#iefix") == f"/static/{hashed}?#iefix"
    assert static("fonts/source-sans.eot#frag") == f"/static/{hashed}#frag"
    assert static("img/") == "/static/img/"


def test_unhashed_debug_urls_setting() -> None:
    with override_settings(DEBUG=True, ASSETC_HASHED_URLS_IN_DEBUG=False):
        assert static("css/site.css") == "/static/css/site.css"
    with override_settings(DEBUG=False, ASSETC_HASHED_URLS_IN_DEBUG=False):
        assert static("css/site.css") != "/static/css/site.css"


def test_debug_edit_gets_new_url_next_request(tmp_path: Path) -> None:
    with override_settings(DEBUG=True, **site_copy(tmp_path)):
        before = static("css/site.css")
        base = tmp_path / "static" / "css" / "base.css"  # imported by site.css
        base.write_text(base.read_text() + "\n/* edited */\n")
        os.utime(base, (1, 1))  # a different mtime even on coarse clocks
        request_started.send(sender=None)  # what every request does
        after = static("css/site.css")
        assert after != before
        assert Client().get(after).status_code == 200


def test_production_caches_for_the_process(tmp_path: Path) -> None:
    with override_settings(DEBUG=False, **site_copy(tmp_path)):
        before = static("css/site.css")
        base = tmp_path / "static" / "css" / "base.css"
        base.write_text(base.read_text() + "\n/* edited */\n")
        request_started.send(sender=None)
        assert static("css/site.css") == before


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(
    "name,suggestion",
    [("css/sit.css", "css/site.css"), ("/css/site.css", "css/site.css"), ("css/Site.css", "css/site.css"), ("nothing/like/it.xyz", None)],
)
def test_missing_file_error_names_path_roots_and_suggestions(debug: bool, name: str, suggestion: str | None) -> None:
    with override_settings(DEBUG=debug):
        with pytest.raises(MissingStaticFile) as info:
            static(name)
    message = str(info.value)
    assert f"'{name}'" in message
    assert os.environ["ASSETC_TEST_SITE"] in message  # the roots searched
    assert info.value.searched
    if suggestion:
        assert suggestion in info.value.suggestions
        assert f"Did you mean '{suggestion}'" in message
    assert isinstance(info.value, ValueError)  # like Django's manifest error


def test_missing_file_in_template_raises_in_debug_too() -> None:
    with override_settings(DEBUG=True):
        with pytest.raises(MissingStaticFile):
            Template("{% load static %}{% static 'css/nope.css' %}").render(Context())


def test_forgiving_setting_logs_and_returns_unhashed(caplog: pytest.LogCaptureFixture) -> None:
    with override_settings(ASSETC_MISSING_FILE="warn"), caplog.at_level(logging.WARNING, "assetc_django"):
        assert static("css/nope.css") == "/static/css/nope.css"
    assert "css/nope.css" in caplog.text


def test_broken_reference_is_reported_with_location(tmp_path: Path) -> None:
    with override_settings(**site_copy(tmp_path)):
        (tmp_path / "static" / "css" / "broken.css").write_text('body { background: url("../img/missing.png"); }\n')
        with pytest.raises(BrokenStaticFile) as info:
            static("css/broken.css")
    assert "broken.css:1:" in str(info.value)
    assert "img/missing.png" in str(info.value)


def test_trapped_instance_is_replaced_and_only_one_call_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    core = runtime.Core(configured_core().config)
    calls = {"n": 0}
    real = runtime._fs_read

    def flaky_read(*args: int) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("simulated host failure")  # becomes a trap in the guest
        return real(*args)

    monkeypatch.setattr(runtime, "_fs_read", flaky_read)
    with pytest.raises(runtime.CoreTrap):
        core.resolve(["css/site.css"])
    assert core.resolve_one("css/site.css") == native_resolve(["css/site.css"])["css/site.css"]
    assert core.instances_created == 2


def test_compiled_module_cache_is_written_atomically(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    runtime._modules.clear()
    runtime.load_module(cache_dir=cache)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].name.endswith(f"-wasmtime-{compiled.wasmtime_version()}.cwasm")
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    runtime._modules.clear()
    runtime.load_module(cache_dir=cache)  # loads from the cache
    assert list(cache.iterdir()) == files


def test_cache_dir_writable_by_others_is_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "shared"
    cache.mkdir()
    cache.chmod(0o777)
    runtime._modules.clear()
    runtime.load_module(cache_dir=cache)
    assert list(cache.iterdir()) == []
