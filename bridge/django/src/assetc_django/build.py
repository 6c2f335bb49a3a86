"""Writing a static root the way ``assetc build`` does: with the native CLI
when it is available (fast, parallel), else through the wasm core (resolve
every file, take its content, write atomically). collectstatic and
``manage.py assetc build`` both come here.

Each builder yields ``(name, hashed_name, processed)`` like Django's
``post_process``; a failure is ``(name, None, exception)``.
"""

from __future__ import annotations

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
from .errors import error_for, format_diagnostic
from .manifest import INTEGRITY_NAME, MANIFEST_NAME, integrity_bytes, manifest_bytes, sri
from .project import configured_core, core_config, js_modules
from .runtime import error_from
from .sources import collect_sources

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


def build_with_core(names: list[str], location: str) -> Iterator[tuple[str, str | None, Any]]:
    """Write ``names`` (logical paths, as collectstatic found them) through the core:
    the hashed copy (rewritten bytes for CSS/JS), the unhashed copy (the
    source's bytes), the integrity sidecar, then staticfiles.json.

    The core has no codecs: with ASSETC_COMPRESS set this fails at once
    rather than writing a root without the variants the settings ask for."""
    error = compress.settings_error(native=False)
    if error is not None:
        yield error.setting, None, ImproperlyConfigured(error.message)
        return
    core = configured_core()
    names = sorted(names)
    manifest: dict[str, str] = {}
    integrity: dict[str, str] = {}
    for start in range(0, len(names), 256):
        for result in core.resolve(names[start : start + 256]):
            if "error" in result:
                yield result["path"], None, error_for(result["path"], error_from(result["error"]))
                return
            manifest[result["path"]] = result["hashed"]
    for name in names:
        hashed = manifest[name]
        content = core.content(hashed=hashed)
        if content.body is not None:
            data = content.body
        else:
            with open(content.source, "rb") as handle:
                data = handle.read()
        write_atomic(os.path.join(location, hashed), data)
        integrity[hashed] = sri(data)
        if content.body is not None:
            with open(content.source, "rb") as handle:
                write_atomic(os.path.join(location, name), handle.read())
        else:
            write_atomic(os.path.join(location, name), data)
        yield name, hashed, True
    # The sidecar first, the manifest last, as assetc build does: a reader
    # never sees a manifest naming files that are not written yet.
    manifest_json = manifest_bytes(manifest)
    write_atomic(os.path.join(location, INTEGRITY_NAME), integrity_bytes(integrity, manifest_json))
    write_atomic(os.path.join(location, MANIFEST_NAME), manifest_json)


def found_paths() -> list[str]:
    """Every logical path collectstatic would collect: Django's finders, the
    staticfiles ignore patterns, the first file for a path wins."""
    from django.contrib.staticfiles import finders

    from .sources import static_ignore_patterns

    seen: dict[str, None] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(static_ignore_patterns()):
            prefix = getattr(storage, "prefix", None)
            logical = (os.path.join(prefix, path) if prefix else path).replace(os.sep, "/")
            seen.setdefault(logical, None)
    return list(seen)


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename; skip equal bytes."""
    try:
        if os.path.getsize(path) == len(data):
            with open(path, "rb") as handle:
                if handle.read() == data:
                    return
    except OSError:
        pass
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
