"""HTTP semantics for static files, free of any framework.

Given a request's method and headers and the file found for its path (or
None), :func:`respond` decides the status, the headers and which bytes to
send. Each RFC rule lives in one small function that names its section
(RFC 9110: HTTP Semantics; RFC 9111: Caching), like Go's ``net/http/fs.go``.
"""

from __future__ import annotations

import posixpath
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, Protocol

from . import content_types


class RequestHeaders(Protocol):
    """What respond() needs of the request headers: a lookup by name (a dict,
    Django's ``request.headers``, or the middleware's view of the environ)."""

    def get(self, name: str, /) -> str | None: ...


# Hashed (content-addressed) names never change: cache them "forever".
IMMUTABLE_CACHE_CONTROL = "max-age=315360000, public, immutable"
# A 404 under the static prefix may be a file of a deploy still rolling out:
# never let a CDN keep it.
NOT_FOUND_CACHE_CONTROL = "no-store"

# Precompressed siblings, in order of preference when q-values tie.
ENCODINGS: list[tuple[str, str]] = [("br", ".br"), ("zstd", ".zst"), ("gzip", ".gz")]

ALLOWED_METHODS = "GET, HEAD"

def content_type(name: str) -> str:
    """The Content-Type for a file name: core/contenttypes.json's, as ``assetc publish`` uploads it
    (the extension decides, whatever its case; charset for text; fixed, not the machine's
    /etc/mime.types, which WhiteNoise's fallback depends on)."""
    ext = posixpath.splitext(name)[1].lower()
    ctype = content_types.TYPES.get(ext, "application/octet-stream")
    if ctype.startswith(content_types.TEXT_PREFIXES):
        ctype += "; charset=utf-8"
    return ctype


@dataclass(frozen=True)
class Representation:
    """One set of bytes for a file: the identity bytes or a compressed variant."""

    size: int
    path: str | None = None  # a file to stream from
    body: bytes | None = None  # or the bytes themselves (preferred when both are set)
    encoding: str | None = None  # Content-Encoding, None for identity
    etag: str = ""  # strong entity tag, quoted
    # The identity of ``path`` when it was looked up (device, inode, size,
    # mtime_ns, ctime_ns): bytes are streamed from it only while the opened
    # file still has it, so an edit after the lookup never sends other bytes
    # under the same headers (a hashed name's ETag and ``immutable``).
    key: tuple[int, int, int, int, int] | None = None


class Headers(tuple[tuple[str, str], ...]):
    """Response headers, ``(name, value)`` pairs, computed once and shared by
    every response of a file. ``converted`` is where a framework may keep its
    own form of them (the Django glue keeps its header store), also once."""

    converted: Any = None


@dataclass(frozen=True)
class Prepared:
    """The response headers of one representation, computed once per file (as
    WhiteNoise does) so that a request only picks among them."""

    full: Headers  # 200, Content-Length included
    partial: tuple[tuple[str, str], ...]  # 206, without Content-Range/Length
    not_modified: Headers  # 304
    unsatisfiable: Headers  # 416
    last_modified: str


@dataclass(frozen=True)
class StaticFile:
    """What a lookup found for a URL path."""

    name: str  # the path under the static prefix
    identity: Representation
    mtime: float  # seconds since the epoch, for Last-Modified
    immutable: bool  # a content-hashed name
    variants: dict[str, Representation] = field(default_factory=dict)  # by encoding
    # Headers by (encoding, max_age, allow_all_origins), filled on first use.
    # Bounded: 4 representations x the few max_age/CORS values a process uses.
    _prepared: dict[tuple[str | None, int, bool], Prepared] = field(default_factory=dict, compare=False, repr=False)

    def prepared(self, encoding: str | None, max_age: int, allow_all_origins: bool) -> Prepared:
        key = (encoding, max_age, allow_all_origins)
        found = self._prepared.get(key)
        if found is None:
            found = self._prepared[key] = _prepare(self, encoding, max_age, allow_all_origins)
        return found


@dataclass(frozen=True)
class Response:
    """The answer: status, headers, and ``length`` bytes of ``representation`` from ``start``."""

    status: int
    headers: tuple[tuple[str, str], ...]
    representation: Representation | None = None
    start: int = 0
    length: int = 0


# Every status respond() can give (the property tests check this).
STATUSES = frozenset({200, 206, 304, 404, 405, 412, 416})


def _prepare(file: StaticFile, encoding: str | None, max_age: int, allow_all_origins: bool) -> Prepared:
    rep = file.variants[encoding] if encoding else file.identity
    last_modified = formatdate(file.mtime, usegmt=True)
    common: list[tuple[str, str]] = [
        ("Content-Type", content_type(file.name)),
        ("Cache-Control", IMMUTABLE_CACHE_CONTROL if file.immutable else f"max-age={max_age}, public"),
        ("ETag", rep.etag),
        ("Last-Modified", last_modified),
        ("Accept-Ranges", "bytes"),
    ]
    if file.variants:
        common.append(("Vary", "Accept-Encoding"))  # RFC 9110 §12.5.5
    if allow_all_origins:
        common.append(("Access-Control-Allow-Origin", "*"))
    coding = [("Content-Encoding", rep.encoding)] if rep.encoding else []
    # §15.4.5: a 304 carries the validators and caching headers, no content headers.
    kept = {"Cache-Control", "ETag", "Last-Modified", "Vary", "Access-Control-Allow-Origin"}
    return Prepared(
        full=Headers(common + coding + [("Content-Length", str(rep.size))]),
        partial=tuple(common + coding),
        not_modified=Headers((k, v) for k, v in common if k in kept),
        # §15.5.17: a 416 says the current length; it has no encoded content.
        unsatisfiable=Headers(common + [("Content-Range", f"bytes */{rep.size}"), ("Content-Length", "0")]),
        last_modified=last_modified,
    )


def _header(headers: RequestHeaders, name: str) -> str | None:
    return headers.get(name) or None  # an empty value has nothing to evaluate: as if absent


# --- RFC 9110 §12.5.3 Accept-Encoding -------------------------------------------------

# §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), ASCII digits
# only (so no "nan", "1e999", "+1" or non-ASCII digits that float() would take).
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
# Parsed headers by value: clients send a handful of distinct values, but the
# value is client-controlled, so the table is cleared when it reaches the bound.
_QLIST_CACHE: dict[str, dict[str, float]] = {}
_QLIST_CACHE_MAX = 256
_QLIST_CACHEABLE_LENGTH = 256


def parse_qlist(header: str) -> dict[str, float]:
    """``"br;q=1, gzip;q=0.5, *;q=0"`` → {"br": 1.0, "gzip": 0.5, "*": 0.0} (lowercased).

    A member with an invalid qvalue is ignored: it states no preference.
    """
    out: dict[str, float] = {}
    for item in header.split(","):
        token, _, params = item.strip().partition(";")
        token = token.strip().lower()
        if not token:
            continue  # §5.6.1: empty list elements are allowed and ignored
        q: float | None = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                q = float(value) if _QVALUE.fullmatch(value) else None
        if q is not None:
            out[token] = q
    return out


def _accepted(accept_encoding: str) -> dict[str, float]:
    found = _QLIST_CACHE.get(accept_encoding)
    if found is None:
        found = parse_qlist(accept_encoding)
        if "x-gzip" in found and "gzip" not in found:
            found["gzip"] = found["x-gzip"]  # §12.5.3: x-gzip is gzip
        if len(accept_encoding) <= _QLIST_CACHEABLE_LENGTH:
            if len(_QLIST_CACHE) >= _QLIST_CACHE_MAX:
                _QLIST_CACHE.clear()
            _QLIST_CACHE[accept_encoding] = found
    return found


def choose_encoding(accept_encoding: str | None, available: Mapping[str, object] | list[str]) -> str | None:
    """The coding to send among ``available``, or None for identity.

    A coding not listed is acceptable only through ``*``; ``q=0`` refuses
    (RFC 9110 §12.5.3). The highest q wins; ties go by ENCODINGS order.
    """
    if not accept_encoding or not available:
        return None
    qs = _accepted(accept_encoding)
    best, best_q = None, 0.0
    for coding, _ in ENCODINGS:
        if coding not in available:
            continue
        q = qs.get(coding, qs.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


# --- RFC 9110 §13.1 preconditions -----------------------------------------------------


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def none_match(if_none_match: str, etag: str) -> bool:
    """True when If-None-Match matches (§13.1.2: weak comparison, lists, ``*``)."""
    value = if_none_match.strip()
    if value == "*":
        return True
    ours = _opaque(etag)
    return any(_opaque(tag) == ours for tag in value.split(","))


def match(if_match: str, etag: str) -> bool:
    """True when If-Match matches (§13.1.1: strong comparison; ``*`` for any)."""
    value = if_match.strip()
    if value == "*":
        return True
    return any(tag.strip() == etag and not etag.startswith("W/") for tag in value.split(","))


def _http_date(value: str) -> float | None:
    """Seconds since the epoch of an HTTP-date (§5.6.7), None when invalid."""
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)  # HTTP-dates are GMT
        return when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


def not_modified_since(if_modified_since: str, mtime: float) -> bool:
    """True when the file is not newer than the If-Modified-Since date (§13.1.3).

    An invalid date, or one later than the server's current time, is ignored.
    """
    since = _http_date(if_modified_since)
    if since is None or since > time.time():
        return False
    return int(mtime) <= since


def modified_since(if_unmodified_since: str, mtime: float) -> bool:
    """True when the file is newer than the If-Unmodified-Since date (§13.1.4);
    an invalid date is ignored."""
    since = _http_date(if_unmodified_since)
    return since is not None and int(mtime) > since


def precondition_failed(headers: RequestHeaders, etag: str, mtime: float) -> bool:
    """§13.2.2 steps 1-2: If-Match, else If-Unmodified-Since (412 when false)."""
    if_match = _header(headers, "If-Match")
    if if_match is not None:
        return not match(if_match, etag)
    ius = _header(headers, "If-Unmodified-Since")
    return ius is not None and modified_since(ius, mtime)


def not_modified(headers: RequestHeaders, etag: str, mtime: float) -> bool:
    """§13.2.2 steps 3-4 for GET/HEAD: If-None-Match, else If-Modified-Since (304 when true)."""
    if_none_match = _header(headers, "If-None-Match")
    if if_none_match is not None:
        return none_match(if_none_match, etag)
    ims = _header(headers, "If-Modified-Since")
    return ims is not None and not_modified_since(ims, mtime)


# --- RFC 9110 §14 Range ---------------------------------------------------------------


class Unsatisfiable(Exception):
    """A valid range header none of whose ranges overlaps the representation."""


# §14.1.1: int-range = first-pos "-" [ last-pos ], suffix-range = "-" suffix-length,
# positions are 1*DIGIT (ASCII: str.isdigit() would take "²" and int() would fail).
_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")
# Beyond any file size: longer digit strings are not given to int(), whose
# digit limit (sys.get_int_max_str_digits) raises ValueError.
_HUGE = 1 << 63


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else _HUGE


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, length) for a single ``bytes=`` range; None to ignore the header.

    Other units, syntax errors, multiple ranges and ranges of an empty
    representation are ignored (a server MAY ignore Range, §14.2: 200);
    raises Unsatisfiable when the one range does not overlap (§15.5.17: 416).
    """
    unit, equals, spec = header.partition("=")
    if not equals or unit.strip().lower() != "bytes" or size <= 0:
        return None
    specs = [s.strip() for s in spec.split(",") if s.strip()]  # §5.6.1: empty elements
    if len(specs) != 1:
        return None
    found = _RANGE_SPEC.fullmatch(specs[0])
    if found is None:
        return None
    first, last = found.groups()
    if not first:
        if not last:
            return None  # "-" alone is not a range-spec
        count = _position(last)
        if count == 0:
            raise Unsatisfiable  # §14.1.1: a suffix-range needs a nonzero length
        count = min(count, size)  # §14.1.3: longer than the file → the whole file
        return size - count, count
    start = _position(first)
    end = _position(last) if last else _HUGE
    if end < start:
        return None  # §14.1.1: last-pos < first-pos is invalid: ignored
    if start >= size:
        raise Unsatisfiable  # §14.1.1: satisfiable only if first-pos < length
    end = min(end, size - 1)  # §14.1.2: a last-pos beyond the end means the end
    return start, end - start + 1


def if_range_allows(if_range: str | None, etag: str, last_modified: str) -> bool:
    """§13.1.5: a Range applies only while the If-Range validator still matches
    (strong comparison: a weak tag never does; a date must be Last-Modified)."""
    if not if_range:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        return value == etag and not etag.startswith("W/")
    return value == last_modified


# --- the decision ---------------------------------------------------------------------


_NOT_FOUND_BODY = b"Not Found\n"
_NOT_FOUND = Representation(size=len(_NOT_FOUND_BODY), body=_NOT_FOUND_BODY)
_NOT_FOUND_HEADERS = Headers(
    (
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Cache-Control", NOT_FOUND_CACHE_CONTROL),
        ("Content-Length", str(len(_NOT_FOUND_BODY))),
    )
)
NOT_FOUND_GET = Response(404, _NOT_FOUND_HEADERS, _NOT_FOUND, 0, len(_NOT_FOUND_BODY))
NOT_FOUND_HEAD = Response(404, _NOT_FOUND_HEADERS, _NOT_FOUND, 0, 0)
METHOD_NOT_ALLOWED = Response(
    405, Headers((("Allow", ALLOWED_METHODS), ("Cache-Control", NOT_FOUND_CACHE_CONTROL), ("Content-Length", "0")))
)
PRECONDITION_FAILED = Response(412, Headers((("Cache-Control", NOT_FOUND_CACHE_CONTROL), ("Content-Length", "0"))))


def not_found(method: str) -> Response:
    """The 404 for a static path (never cached, §15.5.5 + RFC 9111 §5.2.2.5 no-store)."""
    return NOT_FOUND_HEAD if method == "HEAD" else NOT_FOUND_GET


def respond(
    method: str,
    headers: RequestHeaders,
    file: StaticFile | None,
    *,
    max_age: int = 60,
    allow_all_origins: bool = True,
) -> Response:
    """Decide the response for a request of a static path.

    ``headers`` maps request header names, as RFC 9110 spells them
    (``Accept-Encoding``...), to values; Django's ``request.headers`` does.
    ``max_age`` is for names that are not content-hashed. Never raises for
    any header text.
    """
    if method not in ("GET", "HEAD"):
        return METHOD_NOT_ALLOWED  # §15.5.6, with Allow
    if file is None:
        return not_found(method)

    encoding = choose_encoding(_header(headers, "Accept-Encoding"), file.variants)
    rep = file.variants[encoding] if encoding else file.identity
    prepared = file.prepared(encoding, max_age, allow_all_origins)

    # §13.2.2: the preconditions in their order, then If-Range with Range.
    if precondition_failed(headers, rep.etag, file.mtime):
        return PRECONDITION_FAILED
    if not_modified(headers, rep.etag, file.mtime):
        return Response(304, prepared.not_modified)

    if method == "HEAD":
        return Response(200, prepared.full, rep, 0, 0)
    range_header = _header(headers, "Range")  # §14.2: GET only
    if range_header and if_range_allows(_header(headers, "If-Range"), rep.etag, prepared.last_modified):
        try:
            byte_range = parse_range(range_header, rep.size)
        except Unsatisfiable:
            return Response(416, prepared.unsatisfiable)
        if byte_range is not None:
            start, length = byte_range
            partial = prepared.partial + (
                ("Content-Range", f"bytes {start}-{start + length - 1}/{rep.size}"),
                ("Content-Length", str(length)),
            )
            return Response(206, partial, rep, start, length)
    return Response(200, prepared.full, rep, 0, rep.size)
