"""{% static %} through AssetcStorage gives exactly the URLs real Django
collectstatic + ManifestStaticFilesStorage gives, for every file: both run here,
on every Django of the version matrix (``make test-matrix``).

assetc names files as Django 6.1 does (django-compat.md). The few cases where
an older Django differs from 6.1 are listed in ``DIFFERS_BEFORE_6_1``: there the
test checks that the installed Django still differs (so the list cannot go
stale) and compares assetc with Django 6.1's recorded manifest instead."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.contrib.staticfiles.finders import get_finder
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import Context, Template
from django.test import override_settings

from .conftest import ASSETC_BACKEND, MANIFEST_BACKEND, compat_cases, load_case, run_collectstatic, storages

JS_MODULES_MANIFEST = "tests.conftest.JSModulesManifestStaticFilesStorage"
JS_MODULES_ASSETC = "tests.storages.JSModulesAssetcStorage"


def render_static(names: list[str]) -> list[str]:
    template = Template("{% load static %}{% autoescape off %}{% for n in names %}{% static n %}\n{% endfor %}{% endautoescape %}")
    return template.render(Context({"names": names})).splitlines()


def django_urls(case: dict, out: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Run real collectstatic; return the manifest's paths and Django's url() for each."""
    backend = JS_MODULES_MANIFEST if case["js_modules"] else MANIFEST_BACKEND
    with override_settings(STORAGES=storages(backend), STATIC_ROOT=str(out), DEBUG=False):
        run_collectstatic()
        paths = json.loads((out / "staticfiles.json").read_text())["paths"]
        staticfiles_storage._setup()  # re-read the new manifest
        return paths, {name: staticfiles_storage.url(name) for name in paths}


# Cases where Django before 6.1 gives other names than 6.1 (or fails), and why
# (django-compat.md §3 and §9).
DIFFERS_BEFORE_6_1 = {
    # ≤6.0 resolves url() inside CSS comments: a commented-out missing file aborts.
    "css-urls": "url() inside a comment is resolved",
    # ≤6.0's ES module patterns also match import text inside strings and
    # comments, and imports without a trailing semicolon differently.
    "js-modules-ignored-text": "import text in strings/comments is rewritten",
    "js-modules-no-semicolons": "imports without ';' are matched differently",
}


def oracle_is_live(case_name: str) -> bool:
    """True when the installed Django's names are 6.1's for this case."""
    return django.VERSION >= (6, 1) or case_name not in DIFFERS_BEFORE_6_1


FILESYSTEM_ONLY = ["django.contrib.staticfiles.finders.FileSystemFinder"]


@pytest.fixture
def blog_app_static(tmp_path: Path) -> Iterator[Path]:
    """Point the blog app at a directory whose static/ the test fills."""
    config = apps.get_app_config("blog")
    saved = config.path
    config.path = str(tmp_path / "blog-app")
    get_finder.cache_clear()
    try:
        yield tmp_path / "blog-app" / "static"
    finally:
        config.path = saved
        get_finder.cache_clear()


@pytest.mark.parametrize("name", compat_cases())
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_static_matches_django_collectstatic(name: str, debug: bool, tmp_path: Path) -> None:
    case = load_case(name, tmp_path)
    common = {"STATICFILES_DIRS": case["STATICFILES_DIRS"], "STATIC_URL": case["STATIC_URL"], "STATICFILES_FINDERS": FILESYSTEM_ONLY}
    if oracle_is_live(name):
        compare(case, common, debug, tmp_path)
    else:
        compare_with_recorded(name, case, common, debug, tmp_path)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_fixture_project_with_app_static_dir(debug: bool, tmp_path: Path, blog_app_static: Path) -> None:
    """roots-and-prefixes as a project: main and vendor= in STATICFILES_DIRS, the
    "app" root as the blog app's static/ dir (AppDirectoriesFinder, after the dirs)."""
    case = load_case("roots-and-prefixes", tmp_path)
    shutil.copytree(tmp_path / "roots" / "app", blog_app_static)
    dirs = [d for d in case["STATICFILES_DIRS"] if not str(d).endswith("/app")]
    assert len(dirs) == 2
    compare(case, {"STATICFILES_DIRS": dirs, "STATIC_URL": case["STATIC_URL"]}, debug, tmp_path)


def compare(case: dict, common: dict, debug: bool, tmp_path: Path) -> None:
    with override_settings(**common):
        paths, expected = django_urls(case, tmp_path / "django-root")
        assert paths, "Django collected nothing"
        backend = JS_MODULES_ASSETC if case["js_modules"] else ASSETC_BACKEND
        # No STATIC_ROOT with a manifest: the names come from the sources alone.
        with override_settings(STORAGES=storages(backend), STATIC_ROOT=str(tmp_path / "empty"), DEBUG=debug):
            names = sorted(paths)
            got = dict(zip(names, render_static(names), strict=True))
    assert got == {n: expected[n] for n in names}
    for n in names:
        assert got[n] == case["STATIC_URL"] + paths[n] or "?" in n or "%" in got[n] or got[n].endswith(paths[n])


def compare_with_recorded(name: str, case: dict, common: dict, debug: bool, tmp_path: Path) -> None:
    """An older Django that differs from 6.1 on this case: it must still differ
    (else the case belongs back in the live comparison), and assetc must give
    6.1's names, from the manifest recorded with Django 6.1 (testdata/compat)."""
    from .conftest import COMPAT

    recorded = json.loads((COMPAT / name / "staticfiles.json").read_text())["paths"]
    with override_settings(**common):
        try:
            live, _ = django_urls(case, tmp_path / "django-root")
        except ValueError:
            live = None  # this Django aborts on the case
        assert live != recorded, f"Django {django.get_version()} now agrees with 6.1 on {name}: remove it from DIFFERS_BEFORE_6_1"
        backend = JS_MODULES_ASSETC if case["js_modules"] else ASSETC_BACKEND
        with override_settings(STORAGES=storages(backend), STATIC_ROOT=str(tmp_path / "empty"), DEBUG=debug):
            names = sorted(recorded)
            got = dict(zip(names, render_static(names), strict=False))
    assert got == {n: case["STATIC_URL"] + recorded[n] for n in names}
