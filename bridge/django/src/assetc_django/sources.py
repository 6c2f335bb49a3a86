"""The source roots and ignore patterns, read from Django's configured finders.

Django looks files up finder by finder (``STATICFILES_FINDERS`` order):
``FileSystemFinder`` walks ``STATICFILES_DIRS`` entries in order (``dir`` or
``(prefix, dir)``), ``AppDirectoriesFinder`` the ``static/`` dir of every app
in ``INSTALLED_APPS`` order. The first file found for a path wins. The core
gets the same list, in the same order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.apps import apps
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import AppDirectoriesFinder, FileSystemFinder


@dataclass(frozen=True)
class SourceRoot:
    """One directory of static files and the prefix its paths get."""

    prefix: str
    dir: str
    origin: str  # "STATICFILES_DIRS" or the app's name, for messages

    def as_config(self) -> dict[str, str]:
        return {"prefix": self.prefix, "dir": self.dir}

    def as_cli(self) -> str:
        """The root in the CLI's ``-s`` syntax."""
        return f"{self.prefix}={self.dir}" if self.prefix else self.dir


@dataclass(frozen=True)
class Sources:
    roots: list[SourceRoot]
    ignore_patterns: list[str]
    # Finders whose files assetc cannot see (custom finder classes), by dotted path.
    unsupported_finders: list[str]


def _host_path(path: str) -> str:
    # The core wants absolute, "/"-separated host paths.
    return os.path.abspath(os.fspath(path)).replace(os.sep, "/")


def static_ignore_patterns() -> list[str]:
    """The staticfiles app config's ignore patterns (a project may subclass it)."""
    try:
        config = apps.get_app_config("staticfiles")
    except LookupError:
        return ["CVS", ".*", "*~"]
    return list(getattr(config, "ignore_patterns", ["CVS", ".*", "*~"]))


def collect_sources() -> Sources:
    """Read the roots from Django's finders, in Django's lookup order."""
    roots: list[SourceRoot] = []
    unsupported: list[str] = []
    for finder in finders.get_finders():
        if isinstance(finder, FileSystemFinder):
            for prefix, root in finder.locations:
                roots.append(SourceRoot(prefix=prefix or "", dir=_host_path(os.fspath(root)), origin="STATICFILES_DIRS"))
        elif isinstance(finder, AppDirectoriesFinder):
            for app_name, storage in finder.storages.items():
                roots.append(SourceRoot(prefix="", dir=_host_path(os.fspath(storage.location)), origin=app_name))
        else:
            cls = type(finder)
            unsupported.append(f"{cls.__module__}.{cls.__qualname__}")
    return Sources(roots=roots, ignore_patterns=static_ignore_patterns(), unsupported_finders=unsupported)
