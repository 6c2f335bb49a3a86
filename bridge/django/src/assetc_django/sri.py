"""Subresource Integrity values and the import map, from the assetc core.

Both are computed from the sources by the wasm core and equal what
``assetc build`` writes in ``staticfiles.integrity.json``. They are cached per
process like the storage's names; in DEBUG the cache is dropped whenever the
core's generation moves (every request, see apps.py), so an edit shows at once.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

from .errors import error_for
from .project import configured_core
from .runtime import Core, CoreError

ALGORITHM = "sha384"  # what `assetc build` records by default

_lock = threading.Lock()
_cache: dict[Any, Any] = {}
_cache_key: tuple[int, int] | None = None


def _current_cache(core: Core) -> dict[Any, Any]:
    global _cache, _cache_key
    key = (id(core), core.generation if settings.DEBUG else 0)
    if _cache_key != key:
        with _lock:
            if _cache_key != key:
                _cache, _cache_key = {}, key
    return _cache


def integrity(name: str) -> str:
    """The SRI value (``sha384-<base64>``) of the file served under ``static(name)``.

    Raises :class:`~assetc_django.errors.MissingStaticFile` or
    :class:`~assetc_django.errors.BrokenStaticFile` like the storage does.
    """
    core = configured_core()
    cache = _current_cache(core)
    value = cache.get(("integrity", name))
    if value is None:
        try:
            value = core.integrity_one(name, ALGORITHM)
        except CoreError as exc:
            raise error_for(name, exc) from None
        cache[("integrity", name)] = value
    return value


def importmap() -> dict[str, Any]:
    """The import map (``{"imports": …, "integrity": …}``) of the project's JS modules."""
    core = configured_core()
    cache = _current_cache(core)
    value = cache.get("importmap")
    if value is None:
        try:
            value = core.importmap({"integrity": ALGORITHM})
        except CoreError as exc:
            raise error_for("import map", exc) from None
        cache["importmap"] = value
    return value
