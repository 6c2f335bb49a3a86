"""Finding the file a static URL names: in a built static root, or in the
sources through the core. Framework-free; the middleware wires it to Django.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
from collections.abc import Iterable

from .responders import ENCODINGS, Representation, StaticFile
from .runtime import Core, CoreError

# Django's hashed names: "name.<md5[:12]>.ext" or "noext.<md5[:12]>".
_HASHED_BASENAME = re.compile(r"\.[0-9a-f]{12}(\.[^./]+)?$")
# Percent-encoded "/", "\", NUL and "." in the raw request path: a client
# that encodes them is probing for traversal; no real static URL needs them.
_ENCODED_PROBES = re.compile(r"%(2f|5c|00|2e)", re.IGNORECASE)


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


def looks_hashed(name: str, prehashed: Iterable[str] = ()) -> bool:
    """True for content-addressed names (Django's scheme or a prehashed glob)."""
    base = name.rsplit("/", 1)[-1]
    return bool(_HASHED_BASENAME.search(base)) or any(fnmatch.fnmatchcase(name, p) for p in prehashed)


def _regular_file_inside(root_real: str, path: str) -> os.stat_result | None:
    # Symlinks may point anywhere; only targets inside the root are served.
    try:
        real = os.path.realpath(path)
        if not real.startswith(root_real + os.sep):
            return None
        info = os.stat(real)
    except (OSError, ValueError):
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def _disk_etag(info: os.stat_result, encoding: str | None = None) -> str:
    tag = f"{info.st_mtime_ns:x}-{info.st_size:x}"
    return f'"{tag}-{encoding}"' if encoding else f'"{tag}"'


class RootFiles:
    """A built static root (STATIC_ROOT): files and their precompressed siblings."""

    def __init__(self, root: str, prehashed: Iterable[str] = ()):
        self.root = root
        self.prehashed = list(prehashed)

    def find(self, name: str) -> StaticFile | None:
        if name.split("/", 1)[0] == ".assetc":  # assetc's bookkeeping, not content
            return None
        try:
            root_real = os.path.realpath(self.root)
        except OSError:
            return None
        full = os.path.join(self.root, *name.split("/"))
        info = _regular_file_inside(root_real, full)
        if info is None:
            return None
        identity = Representation(size=info.st_size, path=full, etag=_disk_etag(info))
        variants: dict[str, Representation] = {}
        if not name.endswith(tuple(suffix for _, suffix in ENCODINGS)):
            for encoding, suffix in ENCODINGS:
                sibling = _regular_file_inside(root_real, full + suffix)
                if sibling is not None:
                    variants[encoding] = Representation(
                        size=sibling.st_size, path=full + suffix, encoding=encoding, etag=_disk_etag(sibling, encoding)
                    )
        return StaticFile(
            name=name,
            identity=identity,
            mtime=info.st_mtime,
            immutable=looks_hashed(name, self.prehashed),
            variants=variants,
        )


class SourceFiles:
    """The sources, through the core: a hashed name is served only while it is
    the current name of its file; an unhashed name is served as it is."""

    def __init__(self, core: Core, prehashed: Iterable[str] = ()):
        self.core = core
        self.prehashed = list(prehashed)

    def find(self, name: str) -> StaticFile | None:
        try:
            content = self.core.content(hashed_name=name)
            hashed = True
        except CoreError as exc:
            if exc.kind != "not_found":
                raise
            try:
                content = self.core.content(logical_path=name)
            except CoreError as exc2:
                if exc2.kind == "not_found":
                    return None
                raise
            hashed = False
        try:
            info = os.stat(content.source_path)
        except OSError:
            return None
        immutable = (hashed and content.hashed_name != content.logical_path) or any(
            fnmatch.fnmatchcase(content.logical_path, p) for p in self.prehashed
        )
        if content.body is not None:
            digest = hashlib.md5(content.body, usedforsecurity=False).hexdigest()[:16]
            identity = Representation(size=len(content.body), body=content.body, etag=f'"{digest}"')
        else:
            identity = Representation(size=info.st_size, path=content.source_path, etag=_disk_etag(info))
        return StaticFile(name=name, identity=identity, mtime=info.st_mtime, immutable=immutable)
