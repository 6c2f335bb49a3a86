"""The two JSON files a static root holds: ``staticfiles.json`` in Django's
format (django-compat.md §4), byte for byte, and assetc's Subresource
Integrity sidecar ``staticfiles.integrity.json`` (core/integrity.go), so a
build through the wasm core writes what ``assetc build`` writes."""

from __future__ import annotations

import base64
import hashlib
import json

MANIFEST_NAME = "staticfiles.json"

INTEGRITY_NAME = "staticfiles.integrity.json"


def manifest_bytes(paths: dict[str, str]) -> bytes:
    """The manifest Django 6.x's ManifestStaticFilesStorage writes for ``paths``."""
    items = sorted(paths.items())
    digest = hashlib.md5(json.dumps(items).encode(), usedforsecurity=False).hexdigest()[:12]
    return json.dumps({"paths": dict(items), "version": "1.1", "hash": digest}).encode()


def sri(content: bytes) -> str:
    """The SRI value of ``content`` with sha384 (W3C SRI §3.1), assetc's default."""
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def integrity_bytes(files: dict[str, str], manifest: bytes) -> bytes:
    """``staticfiles.integrity.json`` for hashed path → SRI value, as Go's encoder
    writes it (sorted keys, no spaces, UTF-8, U+2028/2029 escaped, newline),
    naming the MD5 of the manifest it belongs to."""
    digest = hashlib.md5(manifest, usedforsecurity=False).hexdigest()
    text = json.dumps(
        {"version": 1, "algorithm": "sha384", "files": dict(sorted(files.items())), "manifest": digest},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return (text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n").encode()
