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


def ids(include_deployment_checks: bool = False, **overrides: object) -> set[str]:
    with override_settings(**overrides):
        return {m.id for m in run_checks(include_deployment_checks=include_deployment_checks)}


def test_checks_clean_project_has_no_assetc_messages() -> None:
    # The example's static/css/base.css overrides the blog app's on purpose: no W003.
    assert not {i for i in ids() if i and i.startswith("assetc.")}


def test_check_project_file_over_an_app_file_is_an_intentional_override() -> None:
    from assetc_django.checks import duplicates

    (dup,) = [d for d in duplicates() if d.logical_path == "css/base.css"]
    assert dup.kind == "override" and dup.used_by == "STATICFILES_DIRS" and dup.shadowed_by == "app 'tests.blog'"
    out = io.StringIO()
    call_command("assetc", "check", verbosity=2, stdout=out, stderr=io.StringIO())
    assert "note: 'css/base.css' is overridden on purpose" in out.getvalue()
    assert "0 error(s), 0 shadowed file(s), 1 intentional override(s)." in out.getvalue()


def two_dirs(tmp_path: Path) -> list[str]:
    for name in ("one", "two"):
        (tmp_path / name / "admin" / "js").mkdir(parents=True)
        (tmp_path / name / "admin" / "js" / "menu.js").write_text(f"// {name}\n")
    return [str(tmp_path / "one"), str(tmp_path / "two")]


def test_check_duplicates_between_two_dirs_warn_unless_allowed(tmp_path: Path) -> None:
    dirs = two_dirs(tmp_path)
    assert "assetc.W003" in ids(STATICFILES_DIRS=dirs)
    with override_settings(STATICFILES_DIRS=dirs):
        (warning,) = [m for m in run_checks() if m.id == "assetc.W003"]
    assert "admin/js/menu.js" in warning.msg and str(tmp_path / "two") in warning.msg
    assert "ASSETC_ALLOW_OVERRIDES = ['admin/js/menu.js']" in warning.hint
    assert "assetc.W003" not in ids(STATICFILES_DIRS=dirs, ASSETC_ALLOW_OVERRIDES=["admin/js/*"])
    assert "assetc.W003" in ids(STATICFILES_DIRS=dirs, ASSETC_ALLOW_OVERRIDES=["admin/css/*"])


FILESYSTEM_ONLY = ["django.contrib.staticfiles.finders.FileSystemFinder"]


def broken_site(tmp_path: Path) -> list[str]:
    src = tmp_path / "broken"
    (src / "css").mkdir(parents=True)
    (src / "css" / "a.css").write_text('@import "b.css";\nh1 { background: url("gone.png"); }\n')
    (src / "css" / "b.css").write_text('\n\np { background: url("../img/missing.svg"); }\n')
    return [str(src)]


@pytest.mark.parametrize("native", [True, False], ids=["native-cli", "wasm-core"])
def test_check_deploy_reports_every_broken_reference_with_its_location(native: bool, tmp_path: Path) -> None:
    dirs = broken_site(tmp_path)
    extra = {} if native else {"ASSETC_NATIVE_BINARY": ""}
    with override_settings(STATICFILES_DIRS=dirs, STATICFILES_FINDERS=FILESYSTEM_ONLY, **extra):
        assert "assetc.E008" not in {m.id for m in run_checks()}  # only with --deploy
        errors = [m for m in run_checks(include_deployment_checks=True) if m.id == "assetc.E008"]
    messages = sorted(e.msg for e in errors)
    src = Path(dirs[0]).as_posix()
    assert len(messages) == 2, messages  # b.css's problem once, though a.css imports it
    assert messages[0].startswith(f"{src}/css/a.css:2:") and "gone.png" in messages[0]
    assert messages[1].startswith(f"{src}/css/b.css:3:") and "missing.svg" in messages[1]
    assert "assetc.E008" not in ids(include_deployment_checks=True)  # the example is clean


def test_assetc_check_command_for_ci(tmp_path: Path) -> None:
    dirs = broken_site(tmp_path)
    err = io.StringIO()
    with override_settings(STATICFILES_DIRS=dirs, STATICFILES_FINDERS=FILESYSTEM_ONLY), pytest.raises(CommandError) as info:
        call_command("assetc", "check", stdout=io.StringIO(), stderr=err)
    assert info.value.returncode == 1
    assert f"{Path(dirs[0]).as_posix()}/css/b.css:3:" in err.getvalue()
    assert call("check").strip().endswith("0 error(s), 0 shadowed file(s), 1 intentional override(s).")


@pytest.mark.parametrize("hook", ["file_hash", "hashed_name", "patterns", "js_patterns"])
def test_check_naming_override_on_a_subclass_fails_at_startup(hook: str) -> None:
    backend = f"tests.storages.Overrides{hook.title().replace('_', '')}"
    with override_settings(STORAGES={"staticfiles": {"BACKEND": backend}, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}):
        errors = [m for m in run_checks() if m.id == "assetc.E007"]
    assert [e.msg.split(" is overridden")[0] for e in errors] == [f"{backend}.{hook}"]
    assert "assetc.E007" not in ids(
        STORAGES={"staticfiles": {"BACKEND": "tests.storages.JSModulesAssetcStorage"}, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    )


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
