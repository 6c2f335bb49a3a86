"""Finding the file a static URL names: in a built static root, or in the
sources through the core. Framework-free; the middleware wires it to Django.

What STATIC_ROOT serves (``RootFiles``):

- never a path with a segment starting with ``.`` (``.env``, ``.git/config``,
  assetc's ``.assetc/`` bookkeeping, the ``.name.assetc-tmp`` and
  ``.name.XXXX.tmp`` temporaries of a build in progress), nor any
  ``*.assetc-tmp`` name (``staticfiles.json.assetc-tmp``; core/build.go,
  core/compress.go name every temporary so);
- never a file whose real path leaves STATIC_ROOT, unless it lies inside a
  source root (``collectstatic --link`` makes such links) or a directory of
  ``ASSETC_ALLOW_SYMLINKS_INTO``;
- a content-hashed name only with bytes whose hash is the one in the name
  (see :func:`RootFiles.find`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import stat
import threading
import zlib
from base64 import b64encode
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from .lru import LRU
from .responders import ENCODINGS, Representation, StaticFile
from .runtime import Content, Core, CoreError

# Django's hashed names: "name.<md5[:12]>.ext" or "noext.<md5[:12]>".
_HASHED_BASENAME = re.compile(r"\.([0-9a-f]{12})(\.[^./]+)?$")
# Percent-encoded "/", "\", NUL and "." in the raw request path: a client
# that encodes them is probing for traversal; no real static URL needs them.
_ENCODED_PROBES = re.compile(r"%(2f|5c|00|2e)", re.IGNORECASE)
# Every temporary file assetc writes ends so (core/build.go writeAtomic,
# linkAtomic, writeFileAtomic, the lock; core/compress.go).
TEMPORARY_SUFFIX = ".assetc-tmp"
# Bytes read into memory once per file and answered from there; larger
# files are streamed from disk on every request.
IN_MEMORY_LIMIT = 64 * 1024
_READ_CHUNK = 1024 * 1024


def safe_name(path: str, raw_path: str | None = None) -> str | None:
    """The relative static path for a decoded URL path under the prefix, or None.

    Refuses anything that could leave the root or list a directory: ``..``
    and ``.`` segments, empty segments, a trailing ``/``, backslashes, NUL and
    other control characters, and encoded probes in the raw path.
    """
    if not path or path.endswith("/") or path.startswith("/"):
        return None
    if raw_path is not None and _ENCODED_PROBES.search(raw_path):
        return None
    if "\\" in path or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return None
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        return None
    return path


def hidden_or_temporary(relative: str) -> bool:
    """True for a ``/``-separated path STATIC_ROOT never serves: a dotfile or
    anything under a dot-directory, or one of assetc's temporaries."""
    return any(segment.startswith(".") or segment.endswith(TEMPORARY_SUFFIX) for segment in relative.split("/"))


def looks_hashed(name: str, prehashed: Iterable[str] = ()) -> bool:
    """True for content-addressed names (Django's scheme or a prehashed glob)."""
    base = name.rsplit("/", 1)[-1]
    return bool(_HASHED_BASENAME.search(base)) or any(fnmatch.fnmatchcase(name, p) for p in prehashed)


def name_hash(name: str) -> str | None:
    """The 12 hex digits of a Django hashed name (``md5(bytes)[:12]``), or None."""
    found = _HASHED_BASENAME.search(name.rsplit("/", 1)[-1])
    return found.group(1) if found else None


def unhashed_name(name: str) -> str | None:
    """``css/site.0123456789ab.css`` → ``css/site.css`` (None if not hashed so)."""
    head, _, base = name.rpartition("/")
    found = _HASHED_BASENAME.search(base)
    if found is None or found.start() == 0:
        return None
    base = base[: found.start()] + (found.group(2) or "")
    return f"{head}/{base}" if head else base


FileKey = tuple[int, int, int, int, int]


def file_key(info: os.stat_result) -> FileKey:
    """What identifies a file's bytes without reading them: a new write or
    rename changes one of these (ctime catches a write that restores mtime)."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


class FileChanged(OSError):
    """The file at a path is no longer the one looked up (or not a regular file)."""


def open_regular(path: str, key: FileKey | None = None) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (and, given
    ``key``, still the file with that identity); else raise FileChanged.

    O_NONBLOCK: a FIFO swapped in after the lookup must not block a serving
    thread on open (it is then refused by the fstat check)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (key is not None and file_key(info) != key):
            raise FileChanged(f"{path} changed since it was looked up")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _disk_etag(info: os.stat_result, encoding: str | None = None) -> str:
    tag = f"{info.st_mtime_ns:x}-{info.st_size:x}"
    return f'"{tag}-{encoding}"' if encoding else f'"{tag}"'


def _relative_inside(real: str, directory: str) -> str | None:
    if not real.startswith(directory + os.sep):
        return None
    return real[len(directory) + 1 :].replace(os.sep, "/")


# --- what assetc's builds recorded --------------------------------------------------


class _JSONRecord:
    """One JSON file of a static root, parsed again only when it changes.

    Invalidated by the file's FileKey; bounded: one parsed copy."""

    def __init__(self, path: str, parse: Callable[[Any], Any]):
        self.path = path
        self._parse = parse
        self._key: FileKey | None = None
        self._value: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        key = file_key(info)
        with self._lock:
            if key != self._key:
                try:
                    with open(self.path, "rb") as handle:
                        value = self._parse(json.loads(handle.read()))
                except (OSError, ValueError, TypeError, AttributeError):
                    value = None  # a damaged record proves nothing
                self._key, self._value = key, value
            return self._value


def _state_entries(data: Any) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _integrity_entries(data: Any) -> tuple[str, dict[str, str]]:
    return str(data.get("algorithm", "")), dict(data.get("files") or {})


def _manifest_paths(data: Any) -> dict[str, str]:
    return dict(data.get("paths") or {})


class BuildRecords:
    """What the builds into a static root recorded about the bytes they wrote
    (core/build.go): ``.assetc/state.json`` (output path → md5 of the bytes,
    size, mtime; a variant's md5 is ``<md5 of its source>.<coding>-<level>``,
    kept across builds), ``staticfiles.integrity.json`` (hashed path → SRI of
    the bytes, assetc build and the wasm fallback write it) and
    ``staticfiles.json`` (logical path → hashed path)."""

    def __init__(self, root: str):
        self.state = _JSONRecord(os.path.join(root, ".assetc", "state.json"), _state_entries)
        self.integrity = _JSONRecord(os.path.join(root, "staticfiles.integrity.json"), _integrity_entries)
        self.manifest = _JSONRecord(os.path.join(root, "staticfiles.json"), _manifest_paths)

    def wrote(self, rel: str, md5: str, data_sri: Callable[[str], str | None]) -> bool:
        """True when a build recorded writing exactly these bytes at ``rel``."""
        entry = (self.state.get() or {}).get(rel)
        if entry is not None and entry.get("md5") == md5:
            return True
        integrity = self.integrity.get()
        if integrity is not None:
            algorithm, files = integrity
            recorded = files.get(rel)
            if recorded and recorded == data_sri(algorithm):
                return True
        return False

    def variant_source(self, rel: str, info: os.stat_result) -> str | None:
        """The md5 of the content a variant file was compressed from, when the
        state records this variant with the file's size and mtime (the build's
        own test of "still the bytes it wrote", core/build.go upToDate)."""
        entry = (self.state.get() or {}).get(rel)
        if entry is None or entry.get("size") != info.st_size or entry.get("mtime") != info.st_mtime_ns:
            return None
        key = str(entry.get("md5", ""))
        return key.split(".", 1)[0] if "-" in key else None

    def is_logical_path(self, name: str) -> bool:
        """True for an unhashed name the manifest lists (a source file whose
        own name merely looks hashed)."""
        paths = self.manifest.get() or {}
        return name in paths and paths[name] != name


def _sri(algorithm: str, data: bytes) -> str | None:
    if algorithm not in ("sha256", "sha384", "sha512"):
        return None
    return f"{algorithm}-{b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _decoded(encoding: str, data: bytes, limit: int) -> bytes | None:
    """A variant's bytes decoded, at most ``limit`` + 1 bytes; None without a decoder."""
    try:
        if encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit + 1)
        if encoding == "br":
            import brotli  # type: ignore[import-untyped]  # optional: WhiteNoise installs it for its own compression

            decoder = brotli.Decompressor()
            out = bytearray()
            for start in range(0, len(data), 4096):
                out += decoder.process(data[start : start + 4096])
                if len(out) > limit:
                    break
            return bytes(out)
        if encoding == "zstd":
            import zstandard  # optional

            return zstandard.ZstdDecompressor().decompress(data, max_output_size=limit + 1)
    except ImportError:
        return None
    except Exception:  # any decoder error: the bytes are not a valid variant
        return b""
    return None


# --- STATIC_ROOT ----------------------------------------------------------------------


@dataclass(frozen=True)
class RootLookup:
    """What STATIC_ROOT holds for a name: ``file`` is servable when ``verified``;
    an unverified file is a hashed name whose bytes do not match it."""

    file: StaticFile | None
    verified: bool
    key: FileKey | None  # of the identity file, to revalidate with one stat


_MISSING = RootLookup(None, True, None)


class RootFiles:
    """A built static root (STATIC_ROOT): files and their precompressed siblings.

    The one invariant: a content-hashed name is answered only with bytes whose
    content hash is the one in the name. Django's names carry md5(bytes)[:12];
    names whose hash is not md5 of their bytes (assetc's reference-cycle
    members, bundler-prehashed names matching ASSETC_PREHASHED) pass when a
    build recorded writing exactly these bytes under this name
    (:class:`BuildRecords`). A variant (``.br``...) passes when the state
    records it as made from the identity's bytes, or when it decodes to them.
    """

    def __init__(self, root: str, prehashed: Iterable[str] = (), allowed_dirs: Iterable[str] = ()):
        self.root = root
        self.prehashed = list(prehashed)
        self.root_real = os.path.realpath(root)
        # Where a symlink in the root may lead besides the root itself.
        self.allowed_real = [os.path.realpath(d) for d in allowed_dirs]
        self.records = BuildRecords(root)
        # md5 of a file's bytes by (path, FileKey): each file is read and
        # hashed once. Invalidated by any change of the key; bounded below.
        self._digests: LRU[tuple[str, FileKey], str] = LRU(16384)

    def path_of(self, name: str) -> str:
        return os.path.join(self.root, *name.split("/"))

    def find(self, name: str) -> StaticFile | None:
        """The servable file for ``name``, or None (also for a hash mismatch)."""
        found = self.lookup(name)
        return found.file if found.verified else None

    def lookup(self, name: str) -> RootLookup:
        if hidden_or_temporary(name):
            return _MISSING
        full = self.path_of(name)
        opened = self._open(full)
        if opened is None:
            return _MISSING
        handle, info, real = opened
        with handle:
            hashed = looks_hashed(name, self.prehashed)
            body, md5 = self._read(full, info, handle, need_md5=hashed)
        siblings = self._siblings(name, full)
        if siblings and md5 is None:
            md5 = self._md5_of(full, info)
        verified = True
        immutable = hashed
        if hashed and md5 is not None and not self._name_matches(name, md5, full, info):
            if self.records.is_logical_path(name):
                immutable = False  # an unhashed source name that looks hashed
            else:
                verified = False
        variants: dict[str, Representation] = {}
        if md5 is not None:
            for encoding, (sibling_full, sibling_info) in siblings.items():
                rep = self._variant(name, encoding, sibling_full, sibling_info, md5, info.st_size)
                if rep is not None:
                    variants[encoding] = rep
        # Streamed from the checked real path, not through the link again.
        identity = Representation(size=info.st_size, path=real, body=body, etag=_disk_etag(info), key=file_key(info))
        file = StaticFile(name=name, identity=identity, mtime=info.st_mtime, immutable=immutable, variants=variants)
        return RootLookup(file, verified, file_key(info))

    # -- the symlink rule

    def _contained(self, real: str) -> bool:
        for base in (self.root_real, *self.allowed_real):
            rel = _relative_inside(real, base)
            if rel is not None:
                return not hidden_or_temporary(rel)
        return False

    def _open(self, full: str) -> tuple[BinaryIO, os.stat_result, str] | None:
        """The open file, its stat and real path, when the symlink rule allows it."""
        try:
            real = os.path.realpath(full)
            if not self._contained(real):
                return None
            handle = open(real, "rb")
        except (OSError, ValueError):
            return None
        try:
            info = os.fstat(handle.fileno())
        except OSError:
            handle.close()
            return None
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            return None
        return handle, info, real

    # -- reading and hashing, once per file

    def _read(self, full: str, info: os.stat_result, handle: BinaryIO, need_md5: bool) -> tuple[bytes | None, str | None]:
        """The bytes to keep in memory (small files) and their md5 when needed."""
        if info.st_size <= IN_MEMORY_LIMIT:
            body = handle.read()
            md5 = hashlib.md5(body, usedforsecurity=False).hexdigest()
            self._digests.put((full, file_key(info)), md5)
            return body, md5
        if not need_md5:
            return None, None
        key = (full, file_key(info))
        known = self._digests.get(key)
        if known is None:
            digest = hashlib.md5(usedforsecurity=False)
            while chunk := handle.read(_READ_CHUNK):
                digest.update(chunk)
            known = digest.hexdigest()
            self._digests.put(key, known)
        return None, known

    def _md5_of(self, full: str, info: os.stat_result) -> str | None:
        opened = self._open(full)
        if opened is None:
            return None
        handle, now, _ = opened
        with handle:
            if file_key(now) != file_key(info):
                return None
            return self._read(full, now, handle, need_md5=True)[1]

    def _name_matches(self, name: str, md5: str, full: str, info: os.stat_result) -> bool:
        if name_hash(name) == md5[:12]:
            return True  # Django's scheme: md5(bytes)[:12]

        def sri(algorithm: str) -> str | None:
            with open(full, "rb") as handle:
                return _sri(algorithm, handle.read())

        return self.records.wrote(name, md5, sri)

    # -- precompressed siblings

    def _siblings(self, name: str, full: str) -> dict[str, tuple[str, os.stat_result]]:
        if name.endswith(tuple(suffix for _, suffix in ENCODINGS)):
            return {}
        found: dict[str, tuple[str, os.stat_result]] = {}
        for encoding, suffix in ENCODINGS:
            try:
                real = os.path.realpath(full + suffix)
                if not self._contained(real):
                    continue
                info = os.stat(real)
            except (OSError, ValueError):
                continue
            if stat.S_ISREG(info.st_mode):
                found[encoding] = (real, info)
        return found

    def _variant(self, name: str, encoding: str, full: str, info: os.stat_result, source_md5: str, source_size: int) -> Representation | None:
        suffix = dict(ENCODINGS)[encoding]
        body: bytes | None = None
        if info.st_size <= IN_MEMORY_LIMIT:
            try:
                with open(full, "rb") as handle:
                    body = handle.read()
                if len(body) != info.st_size:
                    return None  # changed while read: served once it is stable
            except OSError:
                return None
        if self.records.variant_source(name + suffix, info) != source_md5 and not self._decodes_to(
            encoding, full, info, body, source_md5, source_size
        ):
            return None  # a stale or foreign variant is never offered
        return Representation(
            size=info.st_size, path=full, body=body, encoding=encoding, etag=_disk_etag(info, encoding), key=file_key(info)
        )

    def _decodes_to(self, encoding: str, full: str, info: os.stat_result, body: bytes | None, source_md5: str, source_size: int) -> bool:
        key = ("decoded:" + full, file_key(info))
        decoded_md5 = self._digests.get(key)
        if decoded_md5 is None:
            if body is None:
                try:
                    with open(full, "rb") as handle:
                        body = handle.read()
                except OSError:
                    return False
            decoded = _decoded(encoding, body, source_size)
            if decoded is None:
                return False  # no decoder here: unproven, not offered
            decoded_md5 = hashlib.md5(decoded, usedforsecurity=False).hexdigest()
            self._digests.put(key, decoded_md5)
        return decoded_md5 == source_md5


# Source files up to this size are read and compared by MD5 with what the
# core hashed before they are served (and then served from those very bytes);
# larger ones are compared by size and mtime only, as the core itself does.
_VERIFY_BYTES_LIMIT = 256 * 1024


def _as_hashed(content: Content) -> tuple[os.stat_result, bytes | None] | None:
    """The source file's stat (and bytes, when small) if it still holds the
    bytes the core named; None when it changed since the core read it."""
    try:
        info = os.stat(content.source_path)
    except OSError:
        return None
    if content.source_size >= 0 and (info.st_size != content.source_size or info.st_mtime_ns != content.source_mtime_ns):
        return None
    if not content.source_md5 or info.st_size > _VERIFY_BYTES_LIMIT:
        return info, None
    try:
        with open_regular(content.source_path, file_key(info)) as handle:
            data = handle.read(_VERIFY_BYTES_LIMIT + 1)
    except OSError:
        return None
    if hashlib.md5(data, usedforsecurity=False).hexdigest() != content.source_md5:
        return None  # same size and mtime, other bytes: an edit within the clock's resolution
    return info, data


class SourceFiles:
    """The sources, through the core: a hashed name is served only while it is
    the current name of its file; an unhashed name is served as it is.

    The invariant: a hashed name is only answered with bytes whose hash is the
    one in the name. A rewritten CSS/JS body is exactly what the core hashed;
    a file streamed from the sources is first checked against the identity
    the core answered (size, mtime, MD5 for small files). If it changed since
    the core read it, the core is invalidated and asked again, once: then the
    name is either current again or not found (404, or STATIC_ROOT's copy).
    """

    def __init__(self, core: Core, prehashed: Iterable[str] = ()):
        self.core = core
        self.prehashed = list(prehashed)

    def _content(self, name: str) -> tuple[Content, bool] | None:
        try:
            return self.core.content(hashed_name=name), True
        except CoreError as exc:
            if exc.kind != "not_found":
                raise
        try:
            return self.core.content(logical_path=name), False
        except CoreError as exc:
            if exc.kind == "not_found":
                return None
            raise

    def find(self, name: str) -> StaticFile | None:
        for _ in range(2):
            found = self._content(name)
            if found is None:
                return None
            content, hashed = found
            immutable = (hashed and content.hashed_name != content.logical_path) or any(
                fnmatch.fnmatchcase(content.logical_path, p) for p in self.prehashed
            )
            if content.body is not None:
                try:
                    mtime = os.stat(content.source_path).st_mtime
                except OSError:
                    mtime = 0.0
                return StaticFile(name=name, identity=_in_memory(content.body), mtime=mtime, immutable=immutable)
            checked = _as_hashed(content)
            if checked is not None:
                info, data = checked
                identity = _in_memory(data) if data is not None else Representation(
                    size=info.st_size, path=content.source_path, etag=_disk_etag(info), key=file_key(info)
                )
                return StaticFile(name=name, identity=identity, mtime=info.st_mtime, immutable=immutable)
            # Edited since the core read it: make the core look again.
            self.core.invalidate()
        return None  # changing under our feet twice: nothing to serve that is known to match


def _in_memory(body: bytes) -> Representation:
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()[:16]
    return Representation(size=len(body), body=body, etag=f'"{digest}"')
