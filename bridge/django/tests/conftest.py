"""Shared fixtures: the compat cases and a Django collectstatic runner."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import django
import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command
from django.core.management.base import CommandError

from assetc_django.runtime import default_wasm_path

REPO = Path(__file__).resolve().parents[3]
TESTDATA = REPO / "testdata"
COMPAT = TESTDATA / "compat"
MANIFEST_BACKEND = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
ASSETC_BACKEND = "assetc_django.storage.AssetcStorage"


class JSModulesManifestStaticFilesStorage(ManifestStaticFilesStorage):
    support_js_module_import_aggregation = True


def pytest_sessionstart(session: pytest.Session) -> None:
    # `make test` always builds the module first: a missing one is a failure, not a skip.
    path = default_wasm_path()
    if not path.is_file():
        raise pytest.UsageError(f"the assetc wasm module {path} is missing: run 'make wasm' (make test-python does)")


def collectstatic_error(storage_error: type[Exception]) -> type[Exception]:
    """What collectstatic raises when post-processing fails with ``storage_error``:
    Django 6.1 wraps it in a CommandError (with its notes), earlier versions
    re-raise the storage's exception as it is."""
    return CommandError if django.VERSION >= (6, 1) else storage_error


def compat_cases() -> list[str]:
    return sorted(p.name for p in COMPAT.iterdir() if (p / "case.json").is_file())


def load_case(name: str, into: Path) -> dict[str, Any]:
    """Copy a compat case's roots to ``into`` and return its settings."""
    case = json.loads((COMPAT / name / "case.json").read_text())
    shutil.copytree(COMPAT / name / "roots", into / "roots", symlinks=True)
    dirs: list[Any] = []
    for spec in case["roots"]:
        prefix, sep, directory = spec.partition("=")
        if sep:
            dirs.append((prefix, str(into / "roots" / directory)))
        else:
            dirs.append(str(into / "roots" / spec))
    return {
        "STATICFILES_DIRS": dirs,
        "STATIC_URL": case["static_url"],
        "js_modules": case["js_modules"],
    }


def storages(backend: str) -> dict[str, Any]:
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": backend},
    }


def run_collectstatic(**options: Any) -> str:
    out = io.StringIO()
    call_command("collectstatic", interactive=False, verbosity=1, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def tree(root: Path, exclude: tuple[str, ...] = (".assetc",)) -> dict[str, bytes]:
    """Every file under root (relative "/" paths) with its bytes."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in exclude]
        for filename in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, filename)).replace(os.sep, "/")
            files[rel] = (Path(dirpath) / filename).read_bytes()
    return files


@pytest.fixture
def site() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).parent


def example_cli_sources() -> list[str]:
    """The fixture project's roots in the CLI's -s syntax (dirs, then the blog app)."""
    args: list[str] = []
    for entry in settings.STATICFILES_DIRS:
        if isinstance(entry, (list, tuple)):
            args += ["-s", f"{entry[0]}={entry[1]}"]
        else:
            args += ["-s", str(entry)]
    return args + ["-s", os.path.join(os.environ["ASSETC_TEST_SITE"], "apps", "blog", "static")]


def native_resolve(names: list[str], sources: list[str] | None = None) -> dict[str, str]:
    """Hashed names from the native CLI (the reference for the bridge)."""
    import subprocess

    exe = shutil.which("assetc")
    assert exe, "bin/assetc must be on PATH (make test-python puts it there)"
    proc = subprocess.run(
        [exe, "resolve", *(sources or example_cli_sources()), "--json", *names],
        capture_output=True, text=True, timeout=60,
    )
    results = json.loads(proc.stdout)
    return {r["logical_path"]: r.get("hashed_name", "") for r in results}
