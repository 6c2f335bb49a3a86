"""``AssetcMiddleware``: serves STATIC_URL from the sources (through the core) and
from a built STATIC_ROOT, under WSGI and ASGI. Thin Django glue over
``files`` (what to serve) and ``responders`` (HTTP semantics)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from . import conf
from .files import RootFiles, SourceFiles, safe_name
from .project import configured_core
from .responders import Representation, Response, StaticFile, respond
from .runtime import CoreError

logger = logging.getLogger("assetc_django")

_CHUNK = 64 * 1024
# Smaller bodies are read into memory: one write, no iterator machinery.
_IN_MEMORY_LIMIT = 256 * 1024


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


class StaticServer:
    """Looks files up and answers; shared by the sync and async paths."""

    def find(self, name: str) -> StaticFile | None:
        sources: SourceFiles | None = None
        if conf.get("ASSETC_SERVE_SOURCES"):
            sources = SourceFiles(configured_core(), conf.get("ASSETC_PREHASHED"))
        root: RootFiles | None = None
        if conf.get("ASSETC_SERVE_ROOT") and settings.STATIC_ROOT and os.path.isdir(settings.STATIC_ROOT):
            root = RootFiles(os.fspath(settings.STATIC_ROOT), conf.get("ASSETC_PREHASHED"))
        # DEBUG: the sources are the truth (edits show at once). Production:
        # the built root first (its precompressed variants, old hashed names of
        # a rolling deploy), the sources for anything it lacks.
        order = [sources, root] if settings.DEBUG else [root, sources]
        for finder in order:
            if finder is None:
                continue
            try:
                found = finder.find(name)
            except CoreError as exc:
                logger.warning("assetc: cannot serve %r: %s", name, exc)
                found = None
            if found is not None:
                return found
        return None

    def answer(self, request: HttpRequest, prefix: str) -> Response:
        name = safe_name(request.path[len(prefix) :], raw_request_path(request))
        file = self.find(name) if name is not None and request.method in ("GET", "HEAD") else None
        max_age = 0 if settings.DEBUG else int(conf.get("ASSETC_MAX_AGE"))
        return respond(
            request.method or "GET",
            request.headers,
            file,
            max_age=max_age,
            allow_all_origins=bool(conf.get("ASSETC_ALLOW_ALL_ORIGINS")),
        )


def _read_range(path: str, start: int, length: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(start)
        return handle.read(length)


def _iter_range(path: str, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


async def _aiter_range(path: str, start: int, length: int) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(open, path, "rb")
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
    """Turn the framework-free answer into a Django response."""
    rep: Representation | None = answer.representation
    response: HttpResponseBase
    if rep is None or answer.length == 0:
        response = HttpResponse(b"", status=answer.status)
    elif rep.body is not None:
        response = HttpResponse(rep.body[answer.start : answer.start + answer.length], status=answer.status)
    elif answer.length <= _IN_MEMORY_LIMIT:
        assert rep.path is not None
        response = HttpResponse(_read_range(rep.path, answer.start, answer.length), status=answer.status)
    else:
        assert rep.path is not None
        stream: Any = (_aiter_range if asynchronous else _iter_range)(rep.path, answer.start, answer.length)
        response = StreamingHttpResponse(stream, status=answer.status)
    # Django sets a default Content-Type; ours replaces it (or none on 304/416).
    if "Content-Type" in response.headers:
        del response.headers["Content-Type"]
    for key, value in answer.headers:
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
        self.server = StaticServer()

    def _prefix_for(self, request: HttpRequest) -> str | None:
        prefix = static_prefix()
        if prefix == "/" or not request.path.startswith(prefix):
            return None  # STATIC_URL "/" would swallow the whole site
        return prefix

    def __call__(self, request: HttpRequest) -> Any:
        if self.asynchronous:
            return self.__acall__(request)
        prefix = self._prefix_for(request)
        if prefix is None:
            return self.get_response(request)
        return to_django(self.server.answer(request, prefix), asynchronous=False)

    async def __acall__(self, request: HttpRequest) -> Any:
        prefix = self._prefix_for(request)
        if prefix is None:
            return await self.get_response(request)
        # The core and the file system block: answer in a worker thread (each
        # thread has its own wasm instance, so no thread is special).
        def serve() -> HttpResponseBase:
            return to_django(self.server.answer(request, prefix), asynchronous=True)

        return await sync_to_async(serve, thread_sensitive=False)()
