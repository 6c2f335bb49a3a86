"""HTTP semantics for static files, free of any framework.

Given a request's method and headers and the file found for its path (or
None), :func:`respond` decides the status, the headers and which bytes to
send. Each RFC rule lives in one small function that names its section
(RFC 9110: HTTP Semantics; RFC 9111: Caching), like Go's ``net/http/fs.go``.
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime

# Hashed (content-addressed) names never change: cache them "forever".
IMMUTABLE_CACHE_CONTROL = "max-age=315360000, public, immutable"
# A 404 under the static prefix may be a file of a deploy still rolling out:
# never let a CDN keep it.
NOT_FOUND_CACHE_CONTROL = "no-store"

# Precompressed siblings, in order of preference when q-values tie.
ENCODINGS: list[tuple[str, str]] = [("br", ".br"), ("zstd", ".zst"), ("gzip", ".gz")]

ALLOWED_METHODS = "GET, HEAD"

# Types the platform tables get wrong or lack (WhiteNoise's table misses
# .map and .webmanifest; mimetypes varies with /etc/mime.types).
_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",  # RFC 9239
    ".mjs": "text/javascript",
    ".cjs": "text/javascript",
    ".map": "application/json",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".svg": "image/svg+xml",
    ".avif": "image/avif",
    ".webp": "image/webp",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/vnd.microsoft.icon",
    ".html": "text/html",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
    ".br": "application/x-brotli",
    ".zst": "application/zstd",
    ".zip": "application/zip",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
_TEXT_TYPES = ("text/", "application/json", "application/manifest+json", "application/xml", "image/svg+xml")


def content_type(name: str) -> str:
    """The Content-Type for a file name (the extension decides; charset for text)."""
    ext = posixpath.splitext(name)[1].lower()
    ctype = _TYPES.get(ext) or mimetypes.types_map.get(ext) or "application/octet-stream"
    if ctype.startswith(_TEXT_TYPES):
        ctype += "; charset=utf-8"
    return ctype


@dataclass(frozen=True)
class Representation:
    """One set of bytes for a file: the identity bytes or a compressed variant."""

    size: int
    path: str | None = None  # a file to stream from
    body: bytes | None = None  # or the bytes themselves
    encoding: str | None = None  # Content-Encoding, None for identity
    etag: str = ""  # strong entity tag, quoted


@dataclass(frozen=True)
class StaticFile:
    """What a lookup found for a URL path."""

    name: str  # the path under the static prefix
    identity: Representation
    mtime: float  # seconds since the epoch, for Last-Modified
    immutable: bool  # a content-hashed name
    variants: dict[str, Representation] = field(default_factory=dict)  # by encoding


@dataclass
class Response:
    """The answer: status, headers, and ``length`` bytes of ``representation`` from ``start``."""

    status: int
    headers: list[tuple[str, str]]
    representation: Representation | None = None
    start: int = 0
    length: int = 0


# --- RFC 9110 §12.5.3 Accept-Encoding -------------------------------------------------


def parse_qlist(header: str) -> dict[str, float]:
    """``"br;q=1, gzip;q=0.5, *;q=0"`` → {"br": 1.0, "gzip": 0.5, "*": 0.0} (lowercased)."""
    out: dict[str, float] = {}
    for item in header.split(","):
        token, _, params = item.strip().partition(";")
        token = token.strip().lower()
        if not token:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        out[token] = q
    return out


def choose_encoding(accept_encoding: str | None, available: list[str]) -> str | None:
    """The coding to send among ``available``, or None for identity.

    A coding not listed is acceptable only through ``*``; ``q=0`` refuses
    (RFC 9110 §12.5.3). The highest q wins; ties go by ENCODINGS order.
    """
    if not accept_encoding or not available:
        return None
    qs = parse_qlist(accept_encoding)
    if "x-gzip" in qs and "gzip" not in qs:
        qs["gzip"] = qs["x-gzip"]
    best, best_q = None, 0.0
    for coding, _ in ENCODINGS:
        if coding not in available:
            continue
        q = qs.get(coding, qs.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


# --- RFC 9110 §13.1 conditional requests ----------------------------------------------


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def none_match(if_none_match: str, etag: str) -> bool:
    """True when If-None-Match matches (§13.1.2: weak comparison, lists, ``*``)."""
    value = if_none_match.strip()
    if value == "*":
        return True
    ours = _opaque(etag)
    return any(_opaque(tag) == ours for tag in value.split(",") if tag.strip())


def not_modified_since(if_modified_since: str, mtime: float) -> bool:
    """True when the file is not newer than the If-Modified-Since date (§13.1.3)."""
    try:
        since = parsedate_to_datetime(if_modified_since).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # an invalid date is ignored
    return int(mtime) <= since


# --- RFC 9110 §14 Range ---------------------------------------------------------------


class Unsatisfiable(Exception):
    """A valid range header none of whose ranges overlaps the representation."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, length) for a single ``bytes=`` range; None to ignore the header.

    Multiple ranges and syntax errors are ignored (a 200 is allowed, §14.2);
    raises Unsatisfiable for a range that starts beyond the end (§15.5.17).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    if not first:  # suffix range: the last N bytes
        if not last.isdigit():
            return None
        count = int(last)
        if count == 0:
            raise Unsatisfiable
        count = min(count, size)
        return size - count, count
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored (§14.1.1)
    if start >= size:
        raise Unsatisfiable
    end = min(end, size - 1)
    return start, end - start + 1


def _if_range_allows(if_range: str | None, etag: str, last_modified: str) -> bool:
    # §13.1.5: a Range applies only if the validator still matches (strongly).
    if not if_range:
        return True
    if_range = if_range.strip()
    if if_range.startswith('"') or if_range.startswith("W/"):
        return if_range == etag
    return if_range == last_modified


# --- the decision ---------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name) or headers.get(name.lower()) or None


def respond(
    method: str,
    headers: Mapping[str, str],
    file: StaticFile | None,
    *,
    max_age: int = 60,
    allow_all_origins: bool = True,
) -> Response:
    """Decide the response for a request of a static path.

    ``headers`` maps request header names (``Accept-Encoding`` etc.) to
    values. ``max_age`` is for names that are not content-hashed.
    """
    if method not in ("GET", "HEAD"):
        return Response(405, [("Allow", ALLOWED_METHODS), ("Cache-Control", NOT_FOUND_CACHE_CONTROL), ("Content-Length", "0")])
    if file is None:
        body = b"Not Found\n"
        return Response(
            404,
            [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", NOT_FOUND_CACHE_CONTROL), ("Content-Length", str(len(body)))],
            Representation(size=len(body), body=body),
            0,
            len(body) if method == "GET" else 0,
        )

    encoding = choose_encoding(_header(headers, "Accept-Encoding"), list(file.variants))
    rep = file.variants[encoding] if encoding else file.identity
    last_modified = formatdate(file.mtime, usegmt=True)
    out: list[tuple[str, str]] = [
        ("Content-Type", content_type(file.name)),
        ("Cache-Control", IMMUTABLE_CACHE_CONTROL if file.immutable else f"max-age={max_age}, public"),
        ("ETag", rep.etag),
        ("Last-Modified", last_modified),
        ("Accept-Ranges", "bytes"),
    ]
    if file.variants:
        out.append(("Vary", "Accept-Encoding"))  # RFC 9110 §12.5.5
    if allow_all_origins:
        out.append(("Access-Control-Allow-Origin", "*"))

    # §13.2.2: If-None-Match first; If-Modified-Since only without it.
    if_none_match = _header(headers, "If-None-Match")
    if if_none_match is not None:
        not_modified = none_match(if_none_match, rep.etag)
    else:
        ims = _header(headers, "If-Modified-Since")
        not_modified = ims is not None and not_modified_since(ims, file.mtime)
    if not_modified:
        # §15.4.5: a 304 carries the validators and caching headers, no body.
        kept = {"Cache-Control", "ETag", "Last-Modified", "Vary", "Access-Control-Allow-Origin"}
        return Response(304, [(k, v) for k, v in out if k in kept])

    if rep.encoding:
        out.append(("Content-Encoding", rep.encoding))
    range_header = _header(headers, "Range")
    if method == "GET" and range_header and _if_range_allows(_header(headers, "If-Range"), rep.etag, last_modified):
        try:
            byte_range = parse_range(range_header, rep.size)
        except Unsatisfiable:
            out = [(k, v) for k, v in out if k != "Content-Encoding"]
            out += [("Content-Range", f"bytes */{rep.size}"), ("Content-Length", "0")]
            return Response(416, out)
        if byte_range is not None:
            start, length = byte_range
            out += [("Content-Range", f"bytes {start}-{start + length - 1}/{rep.size}"), ("Content-Length", str(length))]
            return Response(206, out, rep, start, length)
    out.append(("Content-Length", str(rep.size)))
    return Response(200, out, rep, 0, rep.size if method == "GET" else 0)
