"""``AssetcStorage``: a drop-in for ``ManifestStaticFilesStorage`` whose names come
from the assetc core, computed from the sources: no manifest is read or needed.

``url()`` asks the core (through wasm) for the hashed name of a logical path;
the names equal what ``assetc build`` and Django 6.1's collectstatic write.
``post_process()`` (collectstatic) writes the same static root as
``assetc build``, with the native CLI when it is on PATH, else with the core
(see ``build``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from . import conf
from .build import build_native, build_with_core, native_binary, native_source_args
from .errors import BrokenStaticFile, MissingStaticFile, error_for
from .project import configured_core
from .publish import publish_native
from .runtime import Core, CoreError

__all__ = ["AssetcStorage", "BrokenStaticFile", "MissingStaticFile"]

logger = logging.getLogger("assetc_django")


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
        if conf.get("ASSETC_PUBLISH"):  # to a bucket: publish.py
            yield from publish_native(binary, native_source_args())
        elif binary:
            yield from build_native(binary, self.location)
        else:
            yield from build_with_core(self.location)

