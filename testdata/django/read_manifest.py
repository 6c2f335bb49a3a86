"""Oracle: resolve names through Django's ManifestStaticFilesStorage.

Usage::

    python read_manifest.py --root DIR [--static-url /static/] NAME...

Loads ``DIR/staticfiles.json`` with ``ManifestStaticFilesStorage(location=DIR)``
(``manifest_strict`` on, DEBUG off) and prints one JSON object mapping each
NAME to ``storage.url(NAME)``, or to ``{"error": "<exception class>: <message>"}``
when Django raises for it. If the manifest itself cannot be loaded, prints
``{"error": "..."}`` instead. Exits 0 either way; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import django
from django.conf import settings


def describe(exc: Exception) -> dict[str, str]:
    return {"error": f"{type(exc).__name__}: {exc}"}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="directory holding staticfiles.json")
    parser.add_argument("--static-url", default="/static/", help="STATIC_URL (default /static/)")
    parser.add_argument("names", nargs="+", metavar="NAME")
    args = parser.parse_args(argv)

    root = os.path.abspath(args.root)
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=["django.contrib.staticfiles"],
        DATABASES={},
        STATIC_URL=args.static_url,
        STATIC_ROOT=root,
    )
    django.setup()
    from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

    try:
        storage = ManifestStaticFilesStorage(location=root)
    except Exception as exc:  # e.g. "Couldn't load manifest ..."
        json.dump(describe(exc), sys.stdout)
        sys.stdout.write("\n")
        return 0

    result: dict[str, Any] = {}
    for name in args.names:
        try:
            result[name] = storage.url(name)
        except Exception as exc:
            result[name] = describe(exc)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
