"""manage.py assetc, the system checks, and runserver's static handler."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, override_settings

from .conftest import example_cli_sources, native_resolve, tree


def call(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("assetc", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_resolve_command() -> None:
    expected = native_resolve(["css/site.css", "vendor/widget.js"])
    out = call("resolve", "css/site.css", "vendor/widget.js")
    assert out.splitlines() == [f"css/site.css {expected['css/site.css']}", f"vendor/widget.js {expected['vendor/widget.js']}"]


def test_resolve_command_missing_fails() -> None:
    with pytest.raises(CommandError):
        call("resolve", "css/nope.css")


@pytest.mark.parametrize("native", [True, False], ids=["native-cli", "wasm-core"])
def test_explain_command(native: bool) -> None:
    with override_settings(**({} if native else {"ASSETC_NATIVE_BINARY": None})):
        out = call("explain", "css/base.css")
    assert "css/base." in out
    assert "blog" in out or "static" in out


@pytest.mark.parametrize("native", [True, False], ids=["native-cli", "wasm-core"])
def test_build_command_equals_assetc_build(native: bool, tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(tmp_path / "ref"), "-q"], check=True, timeout=120)
    with override_settings(**({} if native else {"ASSETC_NATIVE_BINARY": None})):
        out = call("build", "-o", str(tmp_path / "out"))
    assert "static files written" in out
    assert tree(tmp_path / "out") == tree(tmp_path / "ref")


def ids(**overrides: object) -> set[str]:
    with override_settings(**overrides):
        return {m.id for m in run_checks()}


def test_checks_clean_project_has_no_assetc_messages() -> None:
    assert not {i for i in ids() if i and i.startswith("assetc.")} - {"assetc.W003"}  # the example shadows css/base.css


def test_check_duplicates_warns() -> None:
    assert "assetc.W003" in ids()


def test_check_static_root_inside_source_dir(tmp_path: Path) -> None:
    from django.conf import settings

    inside = Path(settings.STATICFILES_DIRS[0]) / "collected"
    assert "assetc.E001" in ids(STATIC_ROOT=str(inside))


def test_check_stale_manifest(tmp_path: Path) -> None:
    (tmp_path / "staticfiles.json").write_text("{}")
    assert "assetc.W001" in ids(STATICFILES_DIRS=[str(tmp_path)])


def test_check_hard_coded_static_paths(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text('<link href="/static/css/site.css">\n')
    templates = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [str(tmp_path)]}]
    assert "assetc.W002" in ids(TEMPLATES=templates)


def test_check_wasm_module_cannot_load(tmp_path: Path) -> None:
    (tmp_path / "broken.wasm").write_bytes(b"not wasm")
    assert "assetc.E002" in ids(ASSETC_WASM_PATH=str(tmp_path / "broken.wasm"))
    assert "assetc.E002" in ids(ASSETC_WASM_PATH=str(tmp_path / "absent.wasm"))


def test_runserver_static_handler_serves_hashed_urls_in_debug() -> None:
    """runserver wraps the site in StaticFilesHandler; hashed URLs must not 404 there."""
    hashed = native_resolve(["css/site.css"])["css/site.css"]
    with override_settings(DEBUG=True):
        handler = StaticFilesHandler(lambda environ, start_response: [])
        response = handler.get_response(RequestFactory().get(f"/static/{hashed}"))
        assert response.status_code == 200
        unhashed = handler.get_response(RequestFactory().get("/static/css/site.css"))
        assert unhashed.status_code == 200
