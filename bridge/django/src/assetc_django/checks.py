"""System checks for the static-files mistakes users make (``manage.py check``).

=============  ========================================================================
id             problem
=============  ========================================================================
assetc.E001    STATIC_ROOT is inside a STATICFILES_DIRS entry (or contains one)
assetc.E002    the wasm core cannot be loaded
assetc.E003    the core rejects the configuration built from the settings
assetc.E004    ASSETC_COMPRESS is not a list of "br", "gzip", "zstd"
assetc.E005    ASSETC_COMPRESS_LEVELS has an unknown key or a level out of range
assetc.E006    ASSETC_COMPRESS_CACHE is not a path, or not a directory
assetc.W001    a staticfiles.json sits in a source dir (stale; it would be collected)
assetc.W002    a template hard-codes a STATIC_URL path instead of ``{% static %}``
assetc.W003    two source roots provide the same path: the later one is never used
assetc.W004    a custom staticfiles finder assetc cannot see
assetc.W005    ASSETC_COMPRESS is set but the native CLI is not found (collectstatic fails)
assetc.W006    no directory can cache the compiled wasm core: every process compiles it
=============  ========================================================================
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

from .sources import collect_sources

_TEMPLATE_SUFFIXES = (".html", ".htm", ".txt", ".jinja", ".jinja2", ".j2")
_MAX_TEMPLATE_BYTES = 1 << 20
_MAX_REPORTED = 10


def _inside(child: str, parent: str) -> bool:
    child, parent = os.path.realpath(child), os.path.realpath(parent)
    return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)


def _uses_assetc() -> bool:
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "") if hasattr(settings, "STORAGES") else ""
    middleware = getattr(settings, "MIDDLEWARE", None) or []
    return backend.startswith("assetc_django.") or any(m.startswith("assetc_django.") for m in middleware)


@checks.register(checks.Tags.staticfiles)
def check_static_root(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    static_root = getattr(settings, "STATIC_ROOT", None)
    if not static_root:
        return []
    errors = []
    for root in collect_sources().roots:
        if root.origin != "STATICFILES_DIRS":
            continue
        if _inside(os.fspath(static_root), root.dir) or _inside(root.dir, os.fspath(static_root)):
            errors.append(
                checks.Error(
                    f"STATIC_ROOT ({static_root}) overlaps the STATICFILES_DIRS entry {root.dir}.",
                    hint="collectstatic would collect its own output (hashed copies get hashed again). "
                    "Put STATIC_ROOT outside every source directory, e.g. BASE_DIR / 'staticfiles'.",
                    id="assetc.E001",
                )
            )
    return errors


@checks.register(checks.Tags.staticfiles)
def check_stale_manifest(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    warnings = []
    for root in collect_sources().roots:
        manifest = os.path.join(root.dir, "staticfiles.json")
        if os.path.isfile(manifest):
            warnings.append(
                checks.Warning(
                    f"{manifest} is in a static source directory ({root.origin}).",
                    hint="It is a build output, most likely committed by mistake: it is collected as a "
                    "static file and goes stale. Delete it (and add it to .gitignore).",
                    id="assetc.W001",
                )
            )
    return warnings


def _template_dirs() -> Iterator[Path]:
    from django.template import engines
    from django.template.backends.django import DjangoTemplates

    for engine in engines.all():
        dirs: list[Any] = list(getattr(engine, "dirs", []) or [])
        if isinstance(engine, DjangoTemplates):
            dirs = list(engine.engine.dirs)
            if engine.engine.app_dirs:
                from django.template.utils import get_app_template_dirs

                dirs += list(get_app_template_dirs("templates"))
        for directory in dirs:
            yield Path(directory)


def _hard_coded_pattern() -> re.Pattern[str] | None:
    url = settings.STATIC_URL or ""
    if not url or url == "/":
        return None
    # src="/static/…", href='/static/…', url(/static/…) in a template.
    return re.compile(r"""(?:src|href|srcset|content)\s*=\s*["']\s*""" + re.escape(url) + r"""|url\(\s*["']?""" + re.escape(url))


@checks.register(checks.Tags.templates)
def check_hard_coded_static_paths(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    pattern = _hard_coded_pattern()
    if pattern is None:
        return []
    warnings: list[checks.CheckMessage] = []
    seen: set[Path] = set()
    for directory in _template_dirs():
        if "site-packages" in directory.parts or not directory.is_dir():
            continue  # third-party templates are not the project's to fix
        for path in sorted(directory.rglob("*")):
            if path in seen or path.suffix not in _TEMPLATE_SUFFIXES or not path.is_file():
                continue
            seen.add(path)
            try:
                if path.stat().st_size > _MAX_TEMPLATE_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            match = pattern.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                warnings.append(
                    checks.Warning(
                        f"{path}:{line}: hard-coded static path {match.group(0)!r}.",
                        hint="Use {% load static %} and {% static 'path' %}: a hard-coded URL bypasses the "
                        "hashed name, so browsers keep a stale copy after a deploy.",
                        id="assetc.W002",
                    )
                )
                if len(warnings) >= _MAX_REPORTED:
                    return warnings
    return warnings


@checks.register(checks.Tags.staticfiles)
def check_duplicates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.contrib.staticfiles import finders

    from .sources import static_ignore_patterns

    ignore = static_ignore_patterns()
    first: dict[str, str] = {}
    warnings: list[checks.CheckMessage] = []
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            logical = os.path.join(prefix, path) if prefix else path
            logical = logical.replace(os.sep, "/")
            where = storage.path(path)
            if logical not in first:
                first[logical] = where
                continue
            if len(warnings) < _MAX_REPORTED:
                warnings.append(
                    checks.Warning(
                        f"The static path '{logical}' is provided by {first[logical]} and by {where}; "
                        "the second is never used.",
                        hint="The first root wins, as in collectstatic. Rename or delete one of them, or "
                        "reorder STATICFILES_DIRS / INSTALLED_APPS if the other should win.",
                        id="assetc.W003",
                    )
                )
    return warnings


# Commands whose checks load the core: they use it anyway, or exist to report
# problems. Others (migrate, shell, createsuperuser...) never resolve a static
# name and must not pay seconds for it (issue 14: migrate 7.0 s, not 0.56 s).
_COMMANDS_LOADING_THE_CORE = frozenset({"check", "runserver", "collectstatic", "assetc", "test"})


def _command_uses_the_core() -> bool:
    """False for a manage.py / django-admin command outside _COMMANDS_LOADING_THE_CORE."""
    if len(sys.argv) < 2:
        return True
    program = sys.argv[0]
    if os.path.basename(program) in ("manage.py", "django-admin") or program.endswith(os.path.join("django", "__main__.py")):
        return sys.argv[1] in _COMMANDS_LOADING_THE_CORE
    return True  # a server, a test run: not a command


@checks.register(checks.Tags.staticfiles)
def check_compiled_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _uses_assetc() or not _command_uses_the_core():
        return []  # hashing the module costs tens of ms that migrate & co need not pay
    from .compiled import check_message

    message = check_message()
    hint = "Compiled code is only loaded from a directory this user or root owns that no one else can write."
    return [checks.Warning(message, hint=hint, id="assetc.W006")] if message else []


@checks.register(checks.Tags.staticfiles)
def check_core(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _uses_assetc():
        return []
    if not _command_uses_the_core():
        return []
    from .project import configured_core
    from .runtime import CoreError, ModuleLoadError

    messages: list[checks.CheckMessage] = []
    unsupported = collect_sources().unsupported_finders
    for finder in unsupported:
        messages.append(
            checks.Warning(
                f"The staticfiles finder {finder} is not supported by assetc: its files get no hashed names.",
                hint="Move those files into STATICFILES_DIRS or an app's static/ directory.",
                id="assetc.W004",
            )
        )
    try:
        configured_core().ping()
    except ModuleLoadError as exc:
        messages.append(
            checks.Error(
                f"The assetc wasm core cannot be loaded: {exc}",
                hint="Reinstall django-assetc (the wheel ships assetc.wasm), or point ASSETC_WASM_PATH at it.",
                id="assetc.E002",
            )
        )
    except CoreError as exc:
        messages.append(
            checks.Error(
                f"The assetc core rejects the static files configuration: {exc.message}",
                hint="Check STATICFILES_DIRS, STATIC_URL and the ASSETC_* settings.",
                id="assetc.E003",
            )
        )
    except Exception as exc:  # a broken native library, a trap: still a check failure
        messages.append(
            checks.Error(
                f"The assetc wasm core failed to start: {exc}",
                hint="Reinstall django-assetc and wasmtime.",
                id="assetc.E002",
            )
        )
    return messages


_COMPRESS_IDS = {"ASSETC_COMPRESS": "assetc.E004", "ASSETC_COMPRESS_LEVELS": "assetc.E005", "ASSETC_COMPRESS_CACHE": "assetc.E006"}


@checks.register(checks.Tags.staticfiles)
def check_compress(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from . import compress
    from .build import native_binary

    messages: list[checks.CheckMessage] = [checks.Error(p.message, hint=p.hint, id=_COMPRESS_IDS[p.setting]) for p in compress.problems()]
    if compress.encodings() and not native_binary():
        # A warning, not an error: an error would stop runserver, migrate and
        # every other command wherever the CLI is absent, e.g. a developer's
        # machine or the slim runtime stage of a Docker build that only
        # serves what the build stage collected. Only collectstatic (and
        # `manage.py assetc build`) needs the CLI, and it fails on its own
        # with the same message, so nothing ships without its variants.
        messages.append(
            checks.Warning(
                compress.without_native_message(),
                hint="Where the CLI is never needed (a container that only serves a root built elsewhere), "
                'silence this with SILENCED_SYSTEM_CHECKS = ["assetc.W005"].',
                id="assetc.W005",
            )
        )
    return messages
