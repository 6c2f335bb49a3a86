"""``AssetcMiddleware``: serves STATIC_URL from the sources (through the core) and
from a built STATIC_ROOT, under WSGI and ASGI. Thin Django glue over
``files`` (what to serve) and ``responders`` (HTTP semantics).

What a request costs once its path is known: one dict lookup, one
``os.stat`` (is the STATIC_ROOT file still the one looked up?), the
precomputed headers of the file (``responders.Prepared``) and, for files up
to ``files.IN_MEMORY_LIMIT``, bytes already in memory.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase, ResponseHeaders

from . import conf
from .files import (
    _ENCODED_PROBES,
    FileKey,
    RootFiles,
    SourceFiles,
    file_key,
    hidden_or_temporary,
    open_regular,
    safe_name,
    unhashed_name,
)
from .lru import LRU
from .project import configured_core
from .responders import Headers, Representation, Response, StaticFile, not_found, respond
from .runtime import CoreError, ModuleLoadError

logger = logging.getLogger("assetc_django")

_CHUNK = 64 * 1024
# Smaller ranges of files not held in memory are read in one go; larger
# ones are streamed.
_IN_MEMORY_LIMIT = 256 * 1024

# The per-path caches (see Entry): found files at most _MAX_FILES entries
# holding at most _MAX_BODY_BYTES of in-memory bodies; misses at most
# _MAX_MISSES entries (~300 bytes each). Least recently used go first.
_MAX_FILES = 4096
_MAX_BODY_BYTES = 32 * 1024 * 1024
_MAX_MISSES = 8192


def static_prefix() -> str:
    path = urlsplit(settings.STATIC_URL or "/static/").path or "/"
    return path if path.endswith("/") else path + "/"


def raw_request_path(request: HttpRequest) -> str | None:
    """The path as the client sent it (still percent-encoded), when the server tells us."""
    scope = getattr(request, "scope", None)
    if scope and scope.get("raw_path"):
        return scope["raw_path"].decode("latin-1").split("?", 1)[0]
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    return raw.split("?", 1)[0] if raw else None


class _MetaHeaders:
    """The request headers respond() reads, straight from the WSGI/ASGI environ
    (``request.headers`` would copy every header on first use)."""

    _KEYS = {
        name: "HTTP_" + name.upper().replace("-", "_")
        for name in ("Accept-Encoding", "Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since")
    }
    __slots__ = ("meta",)

    def __init__(self, meta: dict[str, Any]):
        self.meta = meta

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.meta.get(self._KEYS[name], default)


@dataclass(frozen=True)
class Entry:
    """What the per-path cache holds for a request path.

    Valid while (1) ``root_path`` still has ``root_key`` (one ``os.stat``: a
    file added, replaced or removed in STATIC_ROOT invalidates), and (2) when
    ``tied`` (anything derived from the sources, every miss, and everything
    in DEBUG), ``Core.generation`` is still ``generation`` (moved by
    ``Core.invalidate()``: the periodic refresh, every request in DEBUG).
    """

    file: StaticFile | None  # None: a 404
    generation: int
    root_path: str | None
    root_key: FileKey | None
    tied: bool


def _stat_key(path: str | None) -> FileKey | None:
    if path is None:
        return None
    try:
        return file_key(os.stat(path))
    except (OSError, ValueError):
        return None


def _body_bytes(entry: Entry) -> int:
    file = entry.file
    if file is None:
        return 0
    return (len(file.identity.body or b"")) + sum(len(v.body or b"") for v in file.variants.values())


class Serving:
    """The static server of one configuration: settings read once, the root,
    and the per-path caches. One per process (see :func:`serving`)."""

    def __init__(self) -> None:
        self.prefix = static_prefix()
        self.debug = bool(settings.DEBUG)
        self.max_age = 0 if self.debug else int(conf.get("ASSETC_MAX_AGE"))
        self.allow_all_origins = bool(conf.get("ASSETC_ALLOW_ALL_ORIGINS"))
        self.serve_sources = bool(conf.get("ASSETC_SERVE_SOURCES"))
        self.stale_fallback = bool(conf.get("ASSETC_STALE_HASH_FALLBACK"))
        self.prehashed = list(conf.get("ASSETC_PREHASHED"))
        self.root: RootFiles | None = None
        if conf.get("ASSETC_SERVE_ROOT") and settings.STATIC_ROOT:
            self.root = RootFiles(os.fspath(settings.STATIC_ROOT), self.prehashed, _link_targets())
        self.files: LRU[str, Entry] = LRU(_MAX_FILES, _MAX_BODY_BYTES, _body_bytes)
        self.misses: LRU[str, Entry] = LRU(_MAX_MISSES)

    # -- the per-path cache

    def generation(self) -> int:
        if not self.serve_sources:
            return 0
        try:
            return configured_core().generation
        except (CoreError, ModuleLoadError):
            return -1

    def _valid(self, entry: Entry) -> bool:
        if entry.tied and entry.generation != self.generation():
            return False
        return entry.root_path is None or _stat_key(entry.root_path) == entry.root_key

    def cached(self, path: str) -> Entry | None:
        entry = self.files.get(path) or self.misses.get(path)
        if entry is not None and self._valid(entry):
            return entry
        return None

    def forget(self, path: str) -> None:
        self.files.pop(path)
        self.misses.pop(path)

    def lookup(self, path: str) -> StaticFile | None:
        entry = self.cached(path)
        if entry is None:
            entry = self._find(path)
            if entry.file is None:
                self.files.pop(path)
                self.misses.put(path, entry)
            else:
                self.misses.pop(path)
                self.files.put(path, entry)
        return entry.file

    # -- finding

    def _find(self, path: str) -> Entry:
        generation = self.generation()
        name = safe_name(path[len(self.prefix) :])
        if name is None:
            return Entry(None, generation, None, None, tied=False)
        root_path = self.root.path_of(name) if self.root and not hidden_or_temporary(name) else None
        root_key = _stat_key(root_path)  # before the lookup: a change after it shows next time
        root = self.root.lookup(name) if self.root else None
        root_file = root.file if root is not None and root.verified else None
        if root_file is not None and not self.debug:
            # Production: the built root first (its variants, old hashed names
            # of a rolling deploy); the sources cannot shadow it.
            return Entry(root_file, generation, root_path, root_key, tied=False)
        # DEBUG: the sources are the truth (edits show at once).
        found = self._from_sources(name) or root_file
        if found is None and self.stale_fallback:
            found = self._stale(name, root.file if root is not None else None)
        return Entry(found, generation, root_path, root_key, tied=True)

    def _from_sources(self, name: str) -> StaticFile | None:
        if not self.serve_sources:
            return None
        try:
            return SourceFiles(configured_core(), self.prehashed).find(name)
        except (CoreError, ModuleLoadError) as exc:
            logger.warning("assetc: cannot serve %r: %s", name, exc)
            return None

    def _stale(self, name: str, mismatched: StaticFile | None) -> StaticFile | None:
        """ASSETC_STALE_HASH_FALLBACK: a hashed name no available bytes match gets
        the current bytes of its file, cached like an unhashed name."""
        logical = unhashed_name(name)
        current = None
        if logical is not None:
            current = (self.root.find(logical) if self.root else None) or self._from_sources(logical)
        current = current or mismatched
        if current is None:
            return None
        return StaticFile(name=name, identity=current.identity, mtime=current.mtime, immutable=False, variants=current.variants)

    # -- answering

    def answer(self, request: HttpRequest) -> Response:
        """The framework-free answer for a request under the prefix."""
        method = request.method or "GET"
        file = None
        if method in ("GET", "HEAD"):
            raw = raw_request_path(request)
            if raw is not None and "%" in raw and _ENCODED_PROBES.search(raw):
                return not_found(method)
            file = self.lookup(request.path)
        return respond(method, _MetaHeaders(request.META), file, max_age=self.max_age, allow_all_origins=self.allow_all_origins)

    def answer_from_memory(self, request: HttpRequest) -> Response | None:
        """The answer when the cache holds it with its bytes in memory (no
        lookup, no disk read: fit to run on an event loop); else None."""
        method = request.method or "GET"
        if method not in ("GET", "HEAD"):
            return None
        raw = raw_request_path(request)
        if raw is not None and "%" in raw:
            return None
        entry = self.cached(request.path)
        if entry is None:
            return None
        answer = respond(method, _MetaHeaders(request.META), entry.file, max_age=self.max_age, allow_all_origins=self.allow_all_origins)
        rep = answer.representation
        if rep is not None and answer.length and rep.body is None:
            return None
        return answer

    def serve(self, request: HttpRequest, asynchronous: bool) -> HttpResponseBase:
        """Answer as a Django response. A file that vanished since it was looked
        up (a deploy or a clean) is looked up again once, then a 404."""
        for _ in range(2):
            answer = self.answer(request)
            try:
                return to_django(answer, asynchronous)
            except OSError:
                self.forget(request.path)
        return to_django(not_found(request.method or "GET"), asynchronous)


def _link_targets() -> list[str]:
    """Where a symlink in STATIC_ROOT may lead: the source roots (collectstatic
    --link) and ASSETC_ALLOW_SYMLINKS_INTO."""
    from .sources import collect_sources

    dirs = [root.dir for root in collect_sources().roots]
    # The row is helper "discovery"'s (conf.py); read it with its default here.
    allowed = getattr(settings, "ASSETC_ALLOW_SYMLINKS_INTO", conf.DEFAULTS.get("ASSETC_ALLOW_SYMLINKS_INTO", []))
    return dirs + [os.fspath(d) for d in allowed or []]


_serving: Serving | None = None


def serving() -> Serving:
    """This process's static server for the current settings."""
    global _serving
    current = _serving
    if current is None:
        current = _serving = Serving()
    return current


def _settings_changed(**kwargs: Any) -> None:
    # override_settings in tests: the next request reads the settings again.
    global _serving
    _serving = None


setting_changed.connect(_settings_changed, dispatch_uid="assetc_django.middleware.serving")


class StaticServer:
    """Looks files up and answers (the devserver hook uses it too)."""

    def answer(self, request: HttpRequest, prefix: str | None = None) -> Response:
        return serving().answer(request)


def _read_range(rep: Representation, start: int, length: int) -> bytes:
    assert rep.path is not None
    with open_regular(rep.path, rep.key) as handle:
        handle.seek(start)
        return handle.read(length)


def _iter_range(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


async def _aiter_range(handle: BinaryIO, start: int, length: int) -> AsyncIterator[bytes]:
    try:
        await asyncio.to_thread(handle.seek, start)
        while length > 0:
            chunk = await asyncio.to_thread(handle.read, min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def to_django(answer: Response, asynchronous: bool) -> HttpResponseBase:
    """Turn the framework-free answer into a Django response (OSError when the
    file to read is gone or no longer the one looked up)."""
    rep: Representation | None = answer.representation
    start, length = answer.start, answer.length
    if rep is None or length == 0:
        return _response(b"", answer)
    if rep.body is not None:
        return _response(rep.body if start == 0 and length == len(rep.body) else rep.body[start : start + length], answer)
    assert rep.path is not None
    if length <= _IN_MEMORY_LIMIT:
        return _response(_read_range(rep, start, length), answer)
    # Opened here, not in the iterator: a vanished or changed file is known now.
    handle = open_regular(rep.path, rep.key)
    stream: Any = (_aiter_range if asynchronous else _iter_range)(handle, start, length)
    return _with_headers(StreamingHttpResponse(stream, status=answer.status), answer.headers)


def _header_store(headers: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, str]]:
    """Django's checked and converted form of ``headers`` (ResponseHeaders'
    table, ``_store``, as Django has kept it since 3.2), made once per file:
    Django checks every header it is given (~1.4 us each), and a file's
    headers are the same on every response (``Headers.converted``)."""
    store = getattr(headers, "converted", None)
    if store is None:
        store = ResponseHeaders(dict(headers))._store
        if isinstance(headers, Headers):
            headers.converted = store
    return store


class StaticResponse(HttpResponse):
    """An HttpResponse built from bytes and headers already checked once per
    file: it sets what HttpResponse.__init__ sets, without re-checking the
    headers, re-encoding the bytes or looking up the default charset (half
    the middleware's time per request). Used only while its attributes are
    exactly those Django's own constructor gives (checked once, below)."""

    def __init__(self, content: bytes, status: int, store: dict[str, tuple[str, str]]):
        headers = ResponseHeaders({})
        headers._store = store.copy()
        self.headers = headers
        self._charset = None
        self._resource_closers: list[Any] = []
        self._handler_class = None
        self.cookies = SimpleCookie()
        self.closed = False
        self.status_code = status
        self._reason_phrase = None
        self._container = [content]


def _lean_response_matches_django() -> bool:
    ours = StaticResponse(b"x", 200, {}).__dict__
    theirs = HttpResponse(b"x", status=200).__dict__
    return (
        ours.keys() == theirs.keys()
        and all(type(ours[k]) is type(theirs[k]) for k in ours)
        and vars(theirs["headers"]).keys() == {"_store"}  # ResponseHeaders keeps only its table
    )


_LEAN = _lean_response_matches_django()


def _response(body: bytes, answer: Response) -> HttpResponseBase:
    if _LEAN:
        return StaticResponse(body, answer.status, _header_store(answer.headers))
    return _with_headers(HttpResponse(body, status=answer.status), answer.headers)


def _with_headers(response: HttpResponseBase, headers: tuple[tuple[str, str], ...]) -> HttpResponseBase:
    """``headers`` in place of the response's (Django's default Content-Type
    included: ours, or none on 304/416)."""
    if _LEAN:
        response.headers._store = _header_store(headers).copy()
        return response
    response.headers.pop("Content-Type", None)
    for key, value in headers:
        response.headers[key] = value
    return response


class AssetcMiddleware:
    """Serve static files; place it right after SecurityMiddleware."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]):
        self.get_response = get_response
        self.asynchronous = iscoroutinefunction(get_response)
        if self.asynchronous:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.asynchronous:
            return self.__acall__(request)
        server = serving()
        if server.prefix == "/" or not request.path.startswith(server.prefix):
            return self.get_response(request)  # STATIC_URL "/" would swallow the whole site
        return server.serve(request, asynchronous=False)

    async def __acall__(self, request: HttpRequest) -> Any:
        server = serving()
        if server.prefix == "/" or not request.path.startswith(server.prefix):
            return await self.get_response(request)
        # A cached answer with its bytes in memory costs microseconds: answer
        # on the event loop. Anything else (the core, reading a file) runs in
        # a worker thread.
        answer = server.answer_from_memory(request)
        if answer is not None:
            return to_django(answer, asynchronous=True)
        return await sync_to_async(server.serve, thread_sensitive=False)(request, True)
