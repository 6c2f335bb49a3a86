"""Writing a static root the way ``assetc build`` does: with the native CLI
when it is available (fast, parallel, compresses), else by writing the wasm
core's plan (writer.py). collectstatic and ``manage.py assetc build`` both
come here.

Each builder yields ``(name, hashed_name, processed)`` like Django's
``post_process``; a failure is ``(name, None, exception)``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import compress, conf
from .errors import BrokenStaticFile, error_for
from .project import configured_core, core_config
from .runtime import Core, CoreError
from .sources import collect_sources
from .writer import LockedError, write_root

logger = logging.getLogger("assetc_django")


def build_native(
    binary: str,
    location: str,
    stats: dict[str, Any] | None = None,
    *,
    ignore_patterns: list[str] | None = None,
    hashed_only: bool = False,
) -> Iterator[tuple[str, str | None, Any]]:
    """``assetc build --config FILE -o location`` with the roots and options from the settings,
    precompressed variants included (ASSETC_COMPRESS). The CLI's counters
    (``files``, ``variants``, ``compressed``, ``compression_reused``...) go to
    ``stats`` when given, and to the "assetc_django" logger at INFO.
    ``ignore_patterns`` replace the staticfiles app's (collectstatic's ``-i``);
    ``hashed_only`` leaves the unhashed copies to collectstatic."""
    error = compress.settings_error(native=True)
    if error is not None:
        yield error.setting, None, ImproperlyConfigured(error.message)
        return
    with native_config_file(ignore_patterns) as config:
        command = [binary, "build", "--config", config, *compress.cli_args(), "-o", location, "--json", "-q"]
        if hashed_only:
            command.append("--hashed-only")
        proc = subprocess.run(command, capture_output=True, text=True)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        result = {"ok": False}
    if proc.returncode != 0 or not result.get("ok"):
        diagnostics = result.get("diagnostics") or []
        failed = sorted({d.get("logical_path", "") for d in diagnostics if d.get("severity") == "error"})
        message = result.get("rendered") or result.get("error") or proc.stderr.strip() or f"assetc exited with {proc.returncode}"
        errors = [d for d in diagnostics if d.get("severity") == "error"]
        # A broken reference is Django's ValueError ("could not be found"); anything else is the CLI failing.
        failure: Exception = BrokenStaticFile(failed[0], errors, message) if errors and failed else RuntimeError(message)
        yield ", ".join(failed) or "assetc build", None, failure
        return
    manifest: dict[str, str] = result.get("manifest") or {}
    if result.get("rendered"):
        logger.warning("%s", result["rendered"].rstrip("\n"))
    if stats is not None:
        stats.update({k: v for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)})
    logger.info("assetc build: %s written to %s", compress.summary(result), location)
    for name in sorted(manifest):
        yield name, manifest[name], True


def build_with_core(location: str, *, core: Core | None = None, hashed_only: bool = False) -> Iterator[tuple[str, str | None, Any]]:
    """Write the engine's plan of the static root into ``location`` through the
    wasm core (:mod:`assetc_django.writer`): the same bytes, records and lock
    as ``assetc build``, so ``assetc clean`` and later builds take it over.

    The core has no codecs: with ASSETC_COMPRESS set this fails at once
    rather than writing a root without the variants the settings ask for.
    ``core`` defaults to the settings' (collectstatic passes one with its
    ignore patterns); ``hashed_only`` leaves the unhashed copies to collectstatic."""
    error = compress.settings_error(native=False)
    if error is not None:
        yield error.setting, None, ImproperlyConfigured(error.message)
        return
    try:
        yield from write_root(core or configured_core(), location, hashed_only=hashed_only)
    except CoreError as exc:
        failed = sorted({d.get("logical_path", "") for d in exc.detail.get("diagnostics") or [] if d.get("severity") == "error"})
        name = ", ".join(failed) or "assetc build"
        yield name, None, error_for(name, exc)
    except LockedError as exc:
        yield "assetc build", None, exc


def native_binary() -> str | None:
    """The native ``assetc`` CLI to use, or None for the wasm core.

    With the default setting ("assetc"), the binary of the ``assetc`` package
    (the platform wheel django-assetc depends on, same version) comes first,
    then an ``assetc`` on PATH."""
    setting = conf.get("ASSETC_NATIVE_BINARY")
    if not setting:
        return None
    if setting == conf.DEFAULTS["ASSETC_NATIVE_BINARY"]:
        packaged = packaged_binary()
        if packaged:
            return packaged
    return shutil.which(setting)


def packaged_binary() -> str | None:
    """The CLI inside the installed ``assetc`` wheel, or None."""
    try:
        import assetc  # type: ignore[import-not-found]  # the CLI wheel, absent in a source checkout
    except ImportError:
        return None
    try:
        return str(assetc.binary_path())
    except (OSError, AttributeError):
        return None



@contextlib.contextmanager
def native_config_file(ignore_patterns: list[str] | None = None) -> Iterator[str]:
    """A temporary file holding the configuration document for the current
    settings: the JSON the wasm core's ``configure`` takes, which the CLI
    reads with ``--config`` — one translation of the settings for both.
    ``ignore_patterns`` replace the settings' ones (collectstatic's ``-i``)."""
    sources = collect_sources()
    if not sources.roots:
        raise ImproperlyConfigured("assetc: no static source roots (STATICFILES_DIRS and app static/ dirs are empty)")
    config = core_config(sources)
    if ignore_patterns is not None:
        config["ignore_patterns"] = list(ignore_patterns)
    fd, path = tempfile.mkstemp(prefix="assetc-config-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(config, out)
        yield path
    finally:
        os.unlink(path)
