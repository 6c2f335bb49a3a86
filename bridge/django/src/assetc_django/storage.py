"""``AssetcStorage``: a drop-in for ``ManifestStaticFilesStorage`` whose names come
from the assetc core, computed from the sources: no manifest is read or needed.

``url()`` asks the core (through wasm) for the hashed name of a logical path;
the names equal what ``assetc build`` and Django 6.1's collectstatic write.
``post_process()`` (collectstatic) writes the same static root as
``assetc build``, with the native CLI when it is on PATH, else with the core
(see ``build``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from . import compress, conf
from .build import build_native, build_with_core, native_binary
from .collect import found_files, plan_collect, relink, warn_unhashed
from .errors import BrokenStaticFile, MissingStaticFile, error_for
from .project import configured_core, invalidate_all
from .publish import publish_native
from .runtime import Core, CoreError
from .sources import static_ignore_patterns
from .writer import INTEGRITY_NAME, MANIFEST_NAME, write_file_atomically

__all__ = ["AssetcStorage", "BrokenStaticFile", "MissingStaticFile"]

logger = logging.getLogger("assetc_django")

# The most names AssetcStorage caches (~200 bytes each): more than the static
# files of any real site, so the cache empties only on an invalidation.
_MAX_CACHED_NAMES = 20_000
# The files ASSETC_COMPRESS adds beside each copy (compress.py).
_VARIANT_SUFFIX = {"br": ".br", "gzip": ".gz", "zstd": ".zst"}


class AssetcStorage(ManifestStaticFilesStorage):
    """Static files storage that names files by content through the assetc core."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._names: dict[str, str] = {}
        self._names_core: Core | None = None
        self._names_generation = -1
        self._names_lock = threading.Lock()
        # hashed_files, computed on first use; see the property.
        self._hashed_files: dict[str, str] | None = None
        self._hashed_files_key: tuple[int, int] | None = None
        # ManifestFilesMixin.__init__ reads staticfiles.json (load_manifest);
        # the names come from the sources, so that read is skipped, and a
        # missing or stale manifest in STATIC_ROOT cannot stop the process.
        self._reading_at_init = True
        super().__init__(*args, **kwargs)
        self._reading_at_init = False

    # -- the manifest API of ManifestFilesMixin, for code that reads it ---------------

    @property
    def hashed_files(self) -> dict[str, str]:
        """Logical path → hashed name of every file collectstatic collects, as
        staticfiles.json lists them: computed from the sources (the names
        ``url()`` gives), or after ``post_process`` the names it wrote.

        Cached until the core's generation moves (sources re-checked: DEBUG
        requests, ASSETC_REFRESH_INTERVAL); bounded by the number of files.
        """
        if self._hashed_files is not None and self._hashed_files_key is None:
            return self._hashed_files  # assigned (post_process, or code that sets it)
        core = configured_core()
        key = (id(core), core.generation)
        if self._hashed_files is None or self._hashed_files_key != key:
            # The wasm core, as url() uses (a web process does not spawn the CLI).
            plan = plan_collect(found_files(static_ignore_patterns()), fresh=False, native=False)
            self._hashed_files, self._hashed_files_key = plan.hashed, key
        return self._hashed_files

    @hashed_files.setter
    def hashed_files(self, value: dict[str, str]) -> None:
        # An empty assignment (ManifestFilesMixin.__init__) means "compute".
        self._hashed_files = dict(value) if value else None
        self._hashed_files_key = None

    @property
    def manifest_hash(self) -> str:
        """The ``hash`` of staticfiles.json for :attr:`hashed_files` (django-compat.md §4)."""
        return str(json.loads(configured_core().manifest(self.hashed_files))["hash"])

    @manifest_hash.setter
    def manifest_hash(self, value: str) -> None:
        pass  # derived from hashed_files; ManifestFilesMixin assigns it

    def load_manifest(self) -> tuple[dict[str, str], str]:  # type: ignore[override]  # Django 6.1 returns (paths, hash); the stubs lag
        """STATIC_ROOT's staticfiles.json, read as Django reads it (the names
        ``url()`` gives do not depend on it)."""
        if self._reading_at_init:
            return {}, ""
        return super().load_manifest()  # type: ignore[return-value]  # the stubs lag Django 6.1

    def save_manifest(self) -> None:
        """Write staticfiles.json for :attr:`hashed_files`, byte for byte as
        Django 6.x does, atomically. With no files (e.g. a container without
        the sources) nothing is written: an existing manifest is never replaced
        by an empty one."""
        paths = self.hashed_files
        if not paths:
            logger.warning("save_manifest: no static files found; %s is left as it is.", self.manifest_name)
            return
        assert self.manifest_storage is not None  # ManifestFilesMixin.__init__ sets it
        write_file_atomically(self.manifest_storage.path(self.manifest_name), configured_core().manifest(paths))
        self._apply_permissions([self.manifest_name])

    # -- naming ---------------------------------------------------------------------

    def url(self, name: str, force: bool = False) -> str:  # type: ignore[override]  # ManifestFilesMixin.url, as Django defines it
        # Through super(), so storage mixins (django-debug-toolbar's) see every
        # URL. Django's _url gives unhashed names in DEBUG unless forced.
        if settings.DEBUG and conf.get("ASSETC_HASHED_URLS_IN_DEBUG"):
            force = True
        return super().url(name, force)

    def stored_name(self, name: str) -> str:
        # Same parsing as ManifestFilesMixin.stored_name: an exact lookup of
        # the unquoted path, query and fragment kept.
        parsed = urlsplit(unquote(name))
        clean_name = parsed.path.strip()
        parts = list(parsed)
        try:
            parts[2] = self.hashed_path(clean_name)
        except MissingStaticFile:
            if self.manifest_strict:
                raise
            # manifest_strict = False: Django serves a name it has no entry for
            # rather than raising; unhashed here, as the file is not the core's.
            parts[2] = clean_name
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
        # The names cache holds what the core answered in its current
        # generation. Invalidated when Core.generation moves: every request in
        # DEBUG (apps.py), every ASSETC_REFRESH_INTERVAL in production
        # (project.refresh_if_due), before collectstatic (post_process); so an
        # edited source gets its new name. Bounded: only names that resolved
        # are kept (never misses), and it is emptied when it reaches
        # _MAX_CACHED_NAMES.
        generation = core.generation
        names = self._names
        if self._names_core is not core or self._names_generation != generation or len(names) >= _MAX_CACHED_NAMES:
            with self._names_lock:
                names = self._names = {}
                self._names_core, self._names_generation = core, generation
        return names

    # -- collectstatic ----------------------------------------------------------------

    def post_process(  # type: ignore[override]  # Django calls it as post_process(paths, dry_run=..., **options)
        self, paths: dict[str, Any], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str | None, Any]]:
        """Write the hashed copies and staticfiles.json, as ``assetc build --hashed-only`` does.

        collectstatic has already copied (or ``--link``ed) the unhashed files,
        and, through ``collect.install``, checked every file before copying:
        the plan it left is used here. Called without that plan (another
        collectstatic), the files are checked now, after the copies.
        Yields ``(name, hashed_name, processed)`` like Django; a failure is
        yielded as ``(name, None, exception)`` and collectstatic stops on it.
        """
        if dry_run:
            return  # Django's ManifestFilesMixin does nothing on --dry-run either
        plan = self.__dict__.pop("collect_plan", None) or plan_collect(paths)
        if plan.failure is not None:
            name, error = plan.failure
            yield name, None, error
            return
        # Names always come from the current sources: a process that named
        # files earlier (a second collectstatic, a shell) must not write its
        # cached names over files whose bytes have changed since.
        invalidate_all()
        if conf.get("ASSETC_PUBLISH"):  # to a bucket: publish.py
            yield from publish_native(plan.native or native_binary(), plan.ignore_patterns)
            return
        binary = plan.native
        if binary:
            # The CLI compresses only what it writes: with ASSETC_COMPRESS it
            # writes the unhashed copies too (same bytes as Django's), so
            # they get their variants; --link's symlinks are put back below.
            hashed_only = not compress.encodings()
            results = build_native(binary, os.fspath(self.location), ignore_patterns=plan.ignore_patterns, hashed_only=hashed_only)
        else:
            results = build_with_core(os.fspath(self.location), core=plan.core, hashed_only=True)
        written: dict[str, str] = {}
        unhashed = set(plan.unhashed)
        for name, hashed, processed in results:
            if isinstance(processed, Exception):
                yield name, hashed, processed
                return
            if name in unhashed:
                continue
            written[name] = hashed or name
        relink(self, plan.linked)
        files = [*written.values(), *written.keys()]
        files += [name + _VARIANT_SUFFIX[e] for e in compress.encodings() if e in _VARIANT_SUFFIX for name in files]
        self._apply_permissions([*files, MANIFEST_NAME, INTEGRITY_NAME])
        self.hashed_files = written
        for name in sorted(written):
            yield name, written[name], True
        yield from warn_unhashed(sorted(unhashed - written.keys()))
        # A deploy step anyway: leave the compiled core where the app's
        # processes will load it (compiled.py), as `manage.py assetc warm` does.
        from .compiled import configured_cache, warm

        try:
            warm(*configured_cache())
        except Exception as exc:  # the root is written; a core that cannot load is assetc.E002's to report
            logger.warning("assetc: collectstatic could not compile the wasm core for later processes: %s", exc)

    def _apply_permissions(self, names: list[str]) -> None:
        # Django's FileSystemStorage._save gives every file it writes
        # file_permissions_mode (FILE_UPLOAD_PERMISSIONS), or leaves the
        # umask's mode; the hashed copies and the manifests get the same.
        mode = self.file_permissions_mode
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        for name in names:
            path = self.path(name)
            try:
                if not os.path.islink(path) and os.stat(path).st_mode & 0o7777 != mode:
                    os.chmod(path, mode)
            except FileNotFoundError:
                pass  # e.g. no integrity sidecar
