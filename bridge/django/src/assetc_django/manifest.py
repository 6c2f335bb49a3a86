"""``staticfiles.json`` in Django's format (django-compat.md §4), byte for byte."""

from __future__ import annotations

import hashlib
import json


def manifest_bytes(paths: dict[str, str]) -> bytes:
    """The manifest Django 6.x's ManifestStaticFilesStorage writes for ``paths``."""
    items = sorted(paths.items())
    digest = hashlib.md5(json.dumps(items).encode(), usedforsecurity=False).hexdigest()[:12]
    return json.dumps({"paths": dict(items), "version": "1.1", "hash": digest}).encode()
