"""PEP 517 backend of django-assetc: setuptools, after making sure the package
has its core.

``assetc.wasm`` is a build output (git-ignored), so a wheel built straight from
setuptools could ship without it and fail at run time (issue 14). Here:

* inside the repository (``../../go.mod`` exists), every build compiles the
  core with Go (``GOOS=wasip1``) and copies the repository's ``VERSION`` and
  ``LICENSE`` beside this project, and renders ``dependencies.txt`` (the
  assetc CLI wheel pinned to the same version); no Go is an error that says
  what to do;
* from an sdist (made here, so it already holds all of that), nothing is
  compiled: a missing core is an error too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  # the hooks this module does not wrap

PROJECT = Path(__file__).resolve().parent.parent
REPOSITORY = PROJECT.parent.parent
WASM = PROJECT / "src" / "assetc_django" / "assetc.wasm"
NOTICES = PROJECT / "THIRD_PARTY_NOTICES"

# The assetc CLI wheels exist for these platforms (packaging/assetc-cli):
# elsewhere django-assetc installs without it and builds through the wasm core.
CLI_PLATFORMS = (
    '(sys_platform == "linux" and (platform_machine == "x86_64" or platform_machine == "aarch64"))'
    ' or sys_platform == "darwin"'
    ' or (sys_platform == "win32" and platform_machine == "AMD64")'
)
DEPENDENCIES = ["Django>=4.2", "wasmtime>=50,<51", "assetc=={version} ; " + CLI_PLATFORMS]


class BuildError(RuntimeError):
    pass


def _in_repository() -> bool:
    return (REPOSITORY / "go.mod").is_file() and (REPOSITORY / "VERSION").is_file() and (REPOSITORY / "wasm").is_dir()


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def _sync_metadata() -> None:
    """VERSION, LICENSE and dependencies.txt beside pyproject.toml (setuptools reads them)."""
    if _in_repository():
        version = (REPOSITORY / "VERSION").read_text().strip()
        _write_if_changed(PROJECT / "VERSION", version + "\n")
        _write_if_changed(PROJECT / "LICENSE", (REPOSITORY / "LICENSE").read_text())
        _write_if_changed(PROJECT / "dependencies.txt", "".join(d.format(version=version) + "\n" for d in DEPENDENCIES))
        # The wheel ships the core, which links Go's runtime and tdewolff/parse: their notices go along.
        sys.path.insert(0, str(REPOSITORY / "packaging"))
        try:
            from notices import go_notices
        finally:
            sys.path.pop(0)
        _write_if_changed(NOTICES, go_notices(REPOSITORY, ["./wasm"], {"GOOS": "wasip1", "GOARCH": "wasm"}, _go()))
    missing = [name for name in ("VERSION", "LICENSE", "dependencies.txt", NOTICES.name) if not (PROJECT / name).is_file()]
    if missing:
        raise BuildError(f"django-assetc: {', '.join(missing)} missing from {PROJECT}: build from the repository or from its sdist ('make dist').")


def _go() -> str:
    go = os.environ.get("GO") or shutil.which("go")
    if not go:
        raise BuildError(
            "django-assetc: building the package compiles its wasm core (assetc.wasm) with Go, and 'go' is not on PATH. "
            "Install Go (the version in go.mod) or set GO=/path/to/go; or install the published wheel instead."
        )
    return go


def _compile_core() -> None:
    if not _in_repository():
        if not WASM.is_file():
            raise BuildError(f"django-assetc: the wasm core {WASM} is missing from this source tree; build the package from the repository (with Go) or from the sdist 'make dist' writes.")
        return
    go = _go()
    env = dict(os.environ, GOOS="wasip1", GOARCH="wasm", CGO_ENABLED="0")
    command = [go, "build", "-trimpath", "-buildmode=c-shared", "-o", str(WASM), "./wasm"]
    print("django-assetc:", " ".join(command), file=sys.stderr)
    proc = subprocess.run(command, cwd=REPOSITORY, env=env)
    if proc.returncode != 0:
        raise BuildError(f"django-assetc: compiling the wasm core failed (exit {proc.returncode}): {' '.join(command)}")


_sync_metadata()


def build_wheel(wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None) -> str:
    _compile_core()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    _compile_core()
    return _setuptools.build_sdist(sdist_directory, config_settings)


def build_editable(wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None) -> str:
    _compile_core()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
