"""Writing a static root the way ``assetc build`` does: with the native CLI
when it is available (fast, parallel, compresses), else by writing the wasm
core's plan (writer.py). collectstatic and ``manage.py assetc build`` both
come here.

Each builder yields ``(name, hashed_name, processed)`` like Django's
``post_process``; a failure is ``(name, None, exception)``.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import compress, conf
from .errors import error_for, format_diagnostic
from .project import configured_core, core_config, js_modules
from .runtime import CoreError
from .sources import collect_sources
from .writer import LockedError, write_root

logger = logging.getLogger("assetc_django")


def build_native(binary: str, location: str, stats: dict[str, Any] | None = None) -> Iterator[tuple[str, str | None, Any]]:
    """``assetc build -o location`` with the roots and options from the settings,
    precompressed variants included (ASSETC_COMPRESS). The CLI's counters
    (``files``, ``variants``, ``compressed``, ``compression_reused``...) go to
    ``stats`` when given, and to the "assetc_django" logger at INFO."""
    error = compress.settings_error(native=True)
    if error is not None:
        yield error.setting, None, ImproperlyConfigured(error.message)
        return
    command = [binary, "build", *native_source_args(), *compress.cli_args(), "-o", location, "--json", "-q"]
    proc = subprocess.run(command, capture_output=True, text=True)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        result = {"ok": False}
    if proc.returncode != 0 or not result.get("ok"):
        diagnostics = result.get("diagnostics") or []
        failed = sorted({d.get("logical_path", "") for d in diagnostics if d.get("severity") == "error"})
        detail = "\n".join(format_diagnostic(d) for d in diagnostics if d.get("severity") == "error")
        message = detail or result.get("error") or proc.stderr.strip() or f"assetc exited with {proc.returncode}"
        yield ", ".join(failed) or "assetc build", None, RuntimeError(message)
        return
    manifest: dict[str, str] = result.get("manifest") or {}
    for diag in result.get("diagnostics") or []:
        logger.warning("%s", format_diagnostic(diag))
    if stats is not None:
        stats.update({k: v for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)})
    logger.info("assetc build: %s written to %s", compress.summary(result), location)
    for name in sorted(manifest):
        yield name, manifest[name], True


def build_with_core(location: str) -> Iterator[tuple[str, str | None, Any]]:
    """Write the engine's plan of the static root into ``location`` through the
    wasm core (:mod:`assetc_django.writer`): the same bytes, records and lock
    as ``assetc build``, so ``assetc clean`` and later builds take it over.

    The core has no codecs: with ASSETC_COMPRESS set this fails at once
    rather than writing a root without the variants the settings ask for."""
    error = compress.settings_error(native=False)
    if error is not None:
        yield error.setting, None, ImproperlyConfigured(error.message)
        return
    try:
        yield from write_root(configured_core(), location)
    except CoreError as exc:
        failed = sorted({d.get("logical_path", "") for d in exc.detail.get("diagnostics") or [] if d.get("severity") == "error"})
        name = ", ".join(failed) or "assetc build"
        yield name, None, error_for(name, exc)
    except LockedError as exc:
        yield "assetc build", None, exc


def native_binary() -> str | None:
    """The native ``assetc`` CLI to use, or None for the wasm core."""
    setting = conf.get("ASSETC_NATIVE_BINARY")
    if not setting:
        return None
    return shutil.which(setting)


def native_source_args() -> list[str]:
    """The CLI flags that give it the same configuration as the core."""
    sources = collect_sources()
    if not sources.roots:
        raise ImproperlyConfigured("assetc: no static source roots (STATICFILES_DIRS and app static/ dirs are empty)")
    config = core_config(sources)
    args: list[str] = []
    for root in sources.roots:
        args += ["-s", root.as_cli()]
    args.append("--no-default-ignore")
    for pattern in sources.ignore_patterns:
        args += ["-i", pattern]
    args += ["--static-url", config["static_url"], "--missing", config["missing"]]
    if js_modules():
        args.append("--js-modules")
    for pattern in config["prehashed"]:
        args += ["--prehashed", pattern]
    for pattern in config["allow_missing"]:
        args += ["--allow-missing", pattern]
    return args
