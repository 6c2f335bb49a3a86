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
assetc.E007    the storage subclass overrides file_hash, hashed_name, patterns or js_patterns
assetc.E008    (``check --deploy``) a static file cannot be named: a broken reference,
               reported as path:line:col for every problem
assetc.W001    a staticfiles.json sits in a source dir (stale; it would be collected)
assetc.W002    a template hard-codes a STATIC_URL path instead of ``{% static %}``
assetc.W003    two apps or two STATICFILES_DIRS entries provide the same path by accident
               (not a STATICFILES_DIRS file over an app's, nor ASSETC_ALLOW_OVERRIDES)
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
from dataclasses import dataclass
from fnmatch import fnmatchcase
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
    errors: list[checks.CheckMessage] = []
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
    warnings: list[checks.CheckMessage] = []
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


@dataclass(frozen=True)
class Duplicate:
    """A logical path two sources provide; the first is collected (Django's rule)."""

    logical_path: str
    used: str  # host path of the file collected
    used_by: str  # "STATICFILES_DIRS", an app's name, or a finder's class
    shadowed: str  # host path of the file never used
    shadowed_by: str
    # "override": a STATICFILES_DIRS file over an app's (what the project
    # directory is for); "allowed": matches ASSETC_ALLOW_OVERRIDES; else "accident".
    kind: str


def duplicates() -> list[Duplicate]:
    """Every shadowed file, classified (see :class:`Duplicate`)."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.finders import AppDirectoriesFinder, FileSystemFinder

    from . import conf
    from .sources import static_ignore_patterns

    allowed = list(conf.get("ASSETC_ALLOW_OVERRIDES"))
    ignore = static_ignore_patterns()
    first: dict[str, tuple[str, str]] = {}
    found: list[Duplicate] = []
    for finder in finders.get_finders():
        origins: dict[int, str] = {}
        if isinstance(finder, FileSystemFinder):
            origins = {id(storage): "STATICFILES_DIRS" for storage in finder.storages.values()}
        elif isinstance(finder, AppDirectoriesFinder):
            origins = {id(storage): f"app '{app}'" for app, storage in finder.storages.items()}
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            logical = (os.path.join(prefix, path) if prefix else path).replace(os.sep, "/")
            where = storage.path(path)
            origin = origins.get(id(storage), f"{type(finder).__module__}.{type(finder).__qualname__}")
            if logical not in first:
                first[logical] = (where, origin)
                continue
            used, used_by = first[logical]
            if used_by == "STATICFILES_DIRS" and origin.startswith("app "):
                kind = "override"
            elif any(fnmatchcase(logical, pattern) for pattern in allowed):
                kind = "allowed"
            else:
                kind = "accident"
            found.append(Duplicate(logical, used, used_by, where, origin, kind))
    return found


@checks.register(checks.Tags.staticfiles)
def check_duplicates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Only accidents warn: a project file over an app's (jazzmin-style theme
    # overrides, a patched admin file) is what STATICFILES_DIRS is for, and a
    # warning on every command would only teach people to silence W003.
    warnings: list[checks.CheckMessage] = []
    for dup in duplicates():
        if dup.kind != "accident":
            continue
        if len(warnings) >= _MAX_REPORTED:
            break
        warnings.append(
            checks.Warning(
                f"The static path '{dup.logical_path}' is provided by {dup.used} ({dup.used_by}) and by "
                f"{dup.shadowed} ({dup.shadowed_by}); the second is never used.",
                hint="The first root wins, as in collectstatic. Rename or delete one of them, reorder "
                "STATICFILES_DIRS / INSTALLED_APPS if the other should win, or, if the override is on "
                f"purpose, allow it: ASSETC_ALLOW_OVERRIDES = [{dup.logical_path!r}] (globs work).",
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


# js_patterns is what a subclass would name its own JS patterns (Django keeps
# them in patterns and _js_module_import_aggregation_patterns).
_NAMING_HOOKS = ("file_hash", "hashed_name", "patterns", "js_patterns", "_js_module_import_aggregation_patterns")


@checks.register(checks.Tags.staticfiles)
def check_storage_overrides(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """assetc.E007: a storage subclass overriding how Django names files. The
    core names files itself (MD5[:12], Django 6.1's patterns, django-compat.md
    §2-3): such an override would be silently ignored, so it stops startup."""
    from django.utils.module_loading import import_string

    from .storage import AssetcStorage

    backend = getattr(settings, "STORAGES", {}).get("staticfiles", {}).get("BACKEND", "")
    try:
        cls = import_string(backend) if backend else None
    except ImportError:
        return []  # Django's own checks and startup report it
    if not isinstance(cls, type) or not issubclass(cls, AssetcStorage):
        return []
    errors: list[checks.CheckMessage] = []
    for name in _NAMING_HOOKS:
        if getattr(cls, name, None) is not getattr(AssetcStorage, name, None):
            errors.append(
                checks.Error(
                    f"{cls.__module__}.{cls.__qualname__}.{name} is overridden, but assetc names files itself: "
                    "the override would have no effect.",
                    hint="Remove the override (the hashed names equal Django 6.1's), or use Django's "
                    "ManifestStaticFilesStorage if the project needs its own naming.",
                    id="assetc.E007",
                )
            )
    return errors


def reference_problems() -> list[str]:
    """Every file collectstatic would collect, resolved as the build resolves it:
    one line per problem, ``path:line:col: error: message`` (the core's
    diagnostics), each once."""
    from .collect import found_files, plan_collect, unique_diagnostics
    from .sources import static_ignore_patterns

    plan = plan_collect(found_files(static_ignore_patterns()))
    lines = [str(d.get("rendered") or d.get("message", "")).rstrip("\n") for d in unique_diagnostics(plan.broken)]
    lines += [str(error) for error in plan.broken.values() if not getattr(error, "diagnostics", None)]
    return lines


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_references(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """assetc.E008 (``check --deploy``): a file that cannot be named, e.g. a
    ``url()`` to a missing file, fails the deploy rather than a request."""
    if not _uses_assetc():
        return []
    from .runtime import ModuleLoadError

    try:
        problems = reference_problems()
    except ModuleLoadError:
        return []  # assetc.E002 says it
    return [
        checks.Error(
            problem,
            hint="Fix the file or the reference; ASSETC_ALLOW_MISSING lists references that may be missing.",
            id="assetc.E008",
        )
        for problem in problems
    ]


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
