"""django-assetc: Django static files named by content through the assetc core."""

from __future__ import annotations


def integrity(name: str) -> str:
    """The Subresource Integrity value (``sha384-…``) of the static file ``name``.

    Equal to what ``assetc build`` records in ``staticfiles.integrity.json``.
    """
    from .sri import integrity as _integrity  # Django and wasmtime load on first use

    return _integrity(name)
