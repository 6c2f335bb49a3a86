"""collectstatic with :class:`~assetc_django.storage.AssetcStorage`: every file
is named (and every reference resolved) before anything is written.

Django's collectstatic copies every file into STATIC_ROOT and only then calls
``post_process``, so a broken ``url()`` found while hashing leaves the copies
behind (django-compat.md §9). Here collectstatic's ``collect()`` first plans
the run: it lists what it is about to collect (its finders, its ``-i`` and
``--no-default-ignore-patterns``), resolves every file with those ignore
patterns the way the build will (``assetc resolve`` when the native CLI is
found, else the wasm core), and fails before ``--clear`` deletes and before
the first copy, naming every broken reference. Then Django's own ``collect()`` runs unchanged
(clear, copy or ``--link``, permissions, ``--dry-run``), and
``AssetcStorage.post_process`` writes the hashed copies from the plan.

Why a wrapper of Django's ``Command.collect`` rather than an overriding
``collectstatic`` command: Django takes a command from the *first* app in
INSTALLED_APPS that has one, and the documented order lists
``django.contrib.staticfiles`` before ``assetc_django``; an override would be
silently inactive there, and a broken ``url()`` would reach STATIC_ROOT again.
``devserver.py`` makes the same choice for runserver. The wrapper only acts
when the command's storage is an AssetcStorage.

Files assetc cannot model (from a finder other than Django's two, e.g.
``DefaultStorageFinder`` or a custom one; or a file the core does not see,
such as a symlink leaving its root) are collected by Django as usual and left
unhashed, with a warning: never an abort.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import django
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import AppDirectoriesFinder, FileSystemFinder
from django.core.management.base import CommandError

from .build import native_binary, native_config_file
from .errors import BrokenStaticFile, error_for
from .project import core_config, core_for
from .runtime import Core, error_from
from .sources import collect_sources

logger = logging.getLogger("assetc_django")

_BATCH = 256


@dataclass
class CollectPlan:
    """What one collectstatic run writes besides Django's copies."""

    # the ABI configure request of this run (the settings', with the run's ignore patterns)
    config: dict[str, Any]
    # the native CLI that checked the files and builds them, or None for the wasm core
    native: str | None
    # logical path -> hashed name, for every collected file the core models
    hashed: dict[str, str] = field(default_factory=dict)
    # collected, but left unhashed (see the module doc), sorted
    unhashed: list[str] = field(default_factory=list)
    # the files that cannot be named, and why (every one, not only the first)
    broken: dict[str, ValueError] = field(default_factory=dict)
    failure: tuple[str, ValueError] | None = None
    # collectstatic --link: logical path -> the source its symlink points at
    linked: dict[str, str] = field(default_factory=dict)

    @property
    def ignore_patterns(self) -> list[str]:
        return list(self.config["ignore_patterns"])

    @property
    def core(self) -> Core:
        """The wasm core for this run's configuration (cached per configuration)."""
        return core_for(self.config)


def modeled_storages() -> set[int]:
    """The finder storages whose files the core sees (ids; the finders are cached
    by Django, so collectstatic's ``found_files`` hold these very objects)."""
    ids: set[int] = set()
    for finder in finders.get_finders():
        if isinstance(finder, (FileSystemFinder, AppDirectoriesFinder)):
            ids.update(id(storage) for storage in finder.storages.values())
    return ids


def found_files(ignore_patterns: list[str]) -> dict[str, tuple[Any, str]]:
    """What collectstatic's copy phase will collect, as its ``found_files``:
    every finder in order, the first file for a destination path wins."""
    found: dict[str, tuple[Any, str]] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore_patterns):
            prefix = getattr(storage, "prefix", None)
            prefixed = os.path.join(prefix, path) if prefix else path
            found.setdefault(prefixed.replace(os.sep, "/"), (storage, path))
    return found


def plan_collect(
    paths: dict[str, tuple[Any, str]], ignore_patterns: list[str] | None = None, *, fresh: bool = True, native: bool = True
) -> CollectPlan:
    """Resolve every file of ``paths`` (collectstatic's ``found_files``) as the
    build will, with ``ignore_patterns`` (None: the staticfiles app's): through
    the native CLI when ``native`` and it is found (parallel: a fraction of the
    wasm core's time), else through the wasm core. ``fresh`` re-checks the
    sources first (collectstatic in a long-lived process)."""
    config = core_config(collect_sources())
    if ignore_patterns is not None:
        config = {**config, "ignore_patterns": sorted(set(ignore_patterns))}
    plan = CollectPlan(config=config, native=native_binary() if native else None)
    modeled = modeled_storages()
    names = sorted(name for name, (storage, _) in paths.items() if id(storage) in modeled)
    plan.unhashed = sorted(name for name, (storage, _) in paths.items() if id(storage) not in modeled)
    if plan.native:
        results = resolve_native(plan.native, names, plan.ignore_patterns)
    else:
        if fresh:
            plan.core.invalidate()  # a long-lived process: re-check the sources before this run
        results = resolve_with_core(plan.core, names)
    for name, hashed, error in results:
        if hashed is not None:
            plan.hashed[name] = hashed
        elif error is None:
            plan.unhashed.append(name)  # collected by Django, not seen by the core
        else:
            plan.broken[name] = error
    plan.unhashed.sort()
    if plan.broken:
        plan.failure = combined_failure(plan.broken)
    return plan


# One result of resolving a file: (logical path, hashed name, None), or
# (logical path, None, None) for a file the core does not see, or
# (logical path, None, error) for a file that cannot be named.
Resolved = tuple[str, "str | None", "ValueError | None"]


def resolve_with_core(core: Core, names: list[str]) -> Iterator[Resolved]:
    for start in range(0, len(names), _BATCH):
        for result in core.resolve(names[start : start + _BATCH]):
            yield resolved(result)


def resolved(result: dict[str, Any]) -> Resolved:
    """One resolve result, from the ABI or the CLI's ``--json`` (the same
    document: one vocabulary)."""
    name = result["logical_path"]
    if "error" not in result:
        return name, result["hashed_name"], None
    error = error_from(result["error"])
    return name, None, None if error.kind == "not_found" else error_for(name, error)


# Logical paths per ``assetc resolve`` process: far below ARG_MAX (Linux: 2 MB).
_ARGV_BYTES = 64 * 1024


def resolve_native(binary: str, names: list[str], ignore_patterns: list[str]) -> Iterator[Resolved]:
    """``assetc resolve --config FILE --json`` over ``names``, a few thousand per process."""
    with native_config_file(ignore_patterns) as config:
        base = [binary, "resolve", "--config", config, "--json", "--"]
        chunk: list[str] = []
        size = 0
        for name in [*names, None]:
            if name is not None and size + len(name) < _ARGV_BYTES:
                chunk.append(name)
                size += len(name) + 1
                continue
            if chunk:
                yield from _resolved_by_cli([*base, *chunk])
            chunk, size = ([name], len(name) + 1) if name is not None else ([], 0)


def _resolved_by_cli(command: list[str]) -> Iterator[Resolved]:
    proc = subprocess.run(command, capture_output=True, text=True)
    try:
        answers = json.loads(proc.stdout)
    except ValueError:
        raise RuntimeError(proc.stderr.strip() or f"assetc resolve exited with {proc.returncode}") from None
    for answer in answers:
        yield resolved(answer)


def unique_diagnostics(broken: dict[str, ValueError]) -> list[dict[str, Any]]:
    """The core's diagnostics of every broken file, each once (a file imported
    by several others reports the same problem through each of them)."""
    diagnostics: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for name in sorted(broken):
        for diag in getattr(broken[name], "diagnostics", None) or []:
            key = (diag.get("path"), diag.get("line"), diag.get("col"), diag.get("message"))
            if key not in seen:
                seen.add(key)
                diagnostics.append(diag)
    return diagnostics


def combined_failure(broken: dict[str, ValueError]) -> tuple[str, ValueError]:
    """One error naming every broken file and every problem."""
    names = sorted(broken)
    diagnostics = unique_diagnostics(broken)
    if not diagnostics:
        return names[0], broken[names[0]]
    label = ", ".join(names)
    return label, BrokenStaticFile(label, diagnostics, str(broken[names[0]]))


def warn_unhashed(names: list[str]) -> Iterator[tuple[str, str, bool]]:
    """collectstatic's results for the files left unhashed, with one warning."""
    if not names:
        return
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    logger.warning(
        "%d collected file(s) get no hashed name: assetc cannot see their finder or source (%s). "
        "They are served under their own names; move them into STATICFILES_DIRS or an app's static/ "
        "directory to have them hashed.",
        len(names),
        shown,
    )
    for name in names:
        yield name, name, False


def relink(storage: Any, linked: dict[str, str]) -> None:
    """Put back collectstatic --link's symlinks that a build replaced with copies
    (Django's link_file: an absolute symlink to the source)."""
    for name, source in linked.items():
        path = storage.path(name)
        if os.path.islink(path) or not os.path.exists(source):
            continue
        tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".assetc-link")
        try:
            os.symlink(source, tmp)
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def raise_like_collectstatic(command: Any, name: str, error: Exception) -> None:
    """Fail as this Django's collectstatic fails on a post-processing error:
    6.1 wraps it in a CommandError with its notes, earlier versions re-raise it."""
    command.stderr.write(f"Post-processing '{name}' failed!")
    command.stderr.write()
    if django.VERSION >= (6, 1):
        message = str(error)
        notes: list[str] = getattr(error, "__notes__", None) or []  # Python 3.11+
        if notes:
            message += "\n" + "\n".join(notes)
        raise CommandError(message) from error
    raise error


def install() -> None:
    """Wrap collectstatic's ``collect()`` (see the module doc); idempotent."""
    from django.contrib.staticfiles.management.commands.collectstatic import Command

    original = Command.collect
    if getattr(original, "_assetc", False):
        return

    def collect(self: Any) -> dict[str, list[str]]:
        from .storage import AssetcStorage

        if isinstance(self.storage, AssetcStorage) and self.post_process and not self.dry_run:
            plan = plan_collect(found_files(self.ignore_patterns), self.ignore_patterns)
            if plan.failure is not None:
                raise_like_collectstatic(self, *plan.failure)
            if self.symlink:
                plan.linked = {name: storage.path(path) for name, (storage, path) in found_files(self.ignore_patterns).items()}
            self.storage.collect_plan = plan  # type: ignore[attr-defined]  # read by AssetcStorage.post_process
        return original(self)

    collect._assetc = True  # type: ignore[attr-defined]
    Command.collect = collect  # type: ignore[method-assign]
