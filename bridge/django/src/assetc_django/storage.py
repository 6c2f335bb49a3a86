"""``AssetcStorage``: a drop-in for ``ManifestStaticFilesStorage`` whose names come
from the assetc core, computed from the sources: no manifest is read or needed.

``url()`` asks the core (through wasm) for the hashed name of a logical path;
the names equal what ``assetc build`` and Django 6.1's collectstatic write.
``post_process()`` (collectstatic) writes the same static root as
``assetc build``, with the native CLI when it is on PATH, else with the core.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.exceptions import ImproperlyConfigured

from . import conf
from .manifest import manifest_bytes
from .project import configured_core, core_config, js_modules
from .runtime import Core, CoreError
from .sources import collect_sources

logger = logging.getLogger("assetc_django")


class MissingStaticFile(ValueError):
    """``{% static %}`` named a file no source root provides.

    A ValueError, like Django's "Missing staticfiles manifest entry", so code
    that catches that keeps working. ``searched`` lists the roots looked in,
    ``suggestions`` close matches (a typo, a leading "/", a wrong case).
    """

    def __init__(self, name: str, searched: list[str], suggestions: list[str], detail: str = ""):
        self.name, self.searched, self.suggestions = name, searched, suggestions
        lines = [f"Static file '{name}' not found."]
        if searched:
            lines.append("Searched: " + ", ".join(searched) + ".")
        if suggestions:
            lines.append("Did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?")
        if detail and not searched:
            lines.append(detail)
        super().__init__(" ".join(lines))


class BrokenStaticFile(ValueError):
    """The file exists but cannot be named: it (or a file it references) has errors,
    e.g. a ``url()`` to a missing file. ``diagnostics`` are the core's."""

    def __init__(self, name: str, diagnostics: list[dict[str, Any]], message: str):
        self.name, self.diagnostics = name, diagnostics
        shown = [format_diagnostic(d) for d in diagnostics] or [message]
        super().__init__(f"Static file '{name}' cannot be given a hashed name:\n" + "\n".join(shown))


def format_diagnostic(diag: dict[str, Any]) -> str:
    """A diagnostic the way compilers print them: path:line:col: severity: message."""
    where = f"{diag.get('path') or diag.get('logical_path')}:{diag.get('line', 0)}:{diag.get('col', 0)}"
    text = f"{where}: {diag.get('severity', 'error')}: {diag.get('message', '')}"
    if diag.get("hint"):
        text += f"\n    hint: {diag['hint']}"
    return text


def error_for(name: str, exc: CoreError) -> ValueError:
    """The exception ``{% static %}`` raises for a core error."""
    if exc.kind == "not_found":
        return MissingStaticFile(
            name, list(exc.detail.get("searched") or []), list(exc.detail.get("suggestions") or []), exc.message
        )
    if exc.kind == "diagnostics":
        return BrokenStaticFile(name, list(exc.detail.get("diagnostics") or []), exc.message)
    return ValueError(f"Static file '{name}': the assetc core failed ({exc.kind}): {exc.message}")


class AssetcStorage(ManifestStaticFilesStorage):
    """Static files storage that names files by content through the assetc core."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._names: dict[str, str] = {}
        self._names_core: Core | None = None
        self._names_generation = -1
        self._names_lock = threading.Lock()

    # -- naming ---------------------------------------------------------------------

    def load_manifest(self) -> tuple[dict[str, str], str]:
        # Names come from the sources; a staticfiles.json on disk is never read.
        return {}, ""

    def url(self, name: str, force: bool = False) -> str:
        if settings.DEBUG and not force and not conf.get("ASSETC_HASHED_URLS_IN_DEBUG"):
            return super().url(name)  # Django's unhashed DEBUG URL
        return self._url(self.stored_name, name, force=True)

    def stored_name(self, name: str) -> str:
        # Same parsing as ManifestFilesMixin.stored_name: an exact lookup of
        # the unquoted path, query and fragment kept.
        parsed = urlsplit(unquote(name))
        clean_name = parsed.path.strip()
        parts = list(parsed)
        parts[2] = self.hashed_path(clean_name)
        if "?#" in name and not parts[3]:
            parts[2] += "?"
        return urlunsplit(parts)

    def hashed_path(self, clean_name: str) -> str:
        """The hashed logical path of ``clean_name`` (cached; see the module doc)."""
        core = configured_core()
        names = self._current_names(core)
        hashed = names.get(clean_name)
        if hashed is not None:
            return hashed
        try:
            hashed = core.resolve_one(clean_name)
        except CoreError as exc:
            error = error_for(clean_name, exc)
            if conf.get("ASSETC_MISSING_FILE") == "warn":
                logger.warning("%s Serving the unhashed URL.", error)
                return clean_name
            raise error from None
        names[clean_name] = hashed
        return hashed

    def _current_names(self, core: Core) -> dict[str, str]:
        # Production: names are cached for the life of the process. DEBUG: the
        # core's generation moves at every request (apps.py), so the cache is
        # dropped and an edited source gets its new name on the next request.
        generation = core.generation if settings.DEBUG else 0
        if self._names_core is not core or self._names_generation != generation:
            with self._names_lock:
                self._names = {}
                self._names_core, self._names_generation = core, generation
        return self._names

    # -- collectstatic ----------------------------------------------------------------

    def post_process(self, paths: dict[str, Any], dry_run: bool = False, **options: Any) -> Iterator[tuple[str, str | None, Any]]:
        """Write the hashed copies and staticfiles.json, as ``assetc build`` does.

        collectstatic has already copied the unhashed files. Yields
        ``(name, hashed_name, processed)`` like Django; a failure is yielded as
        ``(name, None, exception)`` and collectstatic stops on it.
        """
        if dry_run:
            return
        binary = native_binary()
        if binary:
            yield from self._build_native(binary, paths)
        else:
            yield from self._build_wasm(paths)

    def _build_native(self, binary: str, paths: dict[str, Any]) -> Iterator[tuple[str, str | None, Any]]:
        command = [binary, "build", *native_source_args(), "-o", self.location, "--json", "-q"]
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
        for name in sorted(manifest):
            yield name, manifest[name], True

    def _build_wasm(self, paths: dict[str, Any]) -> Iterator[tuple[str, str | None, Any]]:
        core = configured_core()
        names = sorted(paths)
        manifest: dict[str, str] = {}
        for start in range(0, len(names), 256):
            for result in core.resolve(names[start : start + 256]):
                if "error" in result:
                    from .runtime import error_from

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
            write_atomic(self.path(hashed), data)
            if content.body is not None:
                with open(content.source, "rb") as handle:
                    write_atomic(self.path(name), handle.read())
            else:
                write_atomic(self.path(name), data)
            yield name, hashed, True
        write_atomic(self.path(self.manifest_name), manifest_bytes(manifest))


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
