"""Run Django's ``collectstatic`` the way a project would, for the benchmark.

Usage::

    python django_collectstatic.py --storage manifest|compressed|assetc|assetc-wasm --out DIR ROOT_SPEC...

``manifest`` is Django's ``ManifestStaticFilesStorage``; ``compressed`` is
WhiteNoise's ``CompressedManifestStaticFilesStorage`` (gzip + Brotli when the
``brotli`` module is importable); ``assetc`` is the bridge's ``AssetcStorage``
with the native CLI (bin/assetc), ``assetc-wasm`` the same through the wasm
core (``ASSETC_NATIVE_BINARY = ""``, what a pip install without the CLI does). Each ROOT_SPEC is ``DIR`` or ``PREFIX=DIR``
and becomes one ``STATICFILES_DIRS`` entry, in order. STATIC_ROOT is not
cleared: a second run into the same DIR is Django's rebuild (it skips copying
sources that are not newer, then post-processes everything again).

Exits 0 on success and 1 with the error on stderr when collectstatic fails
(the benchmark treats a failure as a result, not as a figure).
"""

from __future__ import annotations

import argparse
import os
import sys

import django
from django.conf import settings
from django.core.management import call_command

BACKENDS = {
    "manifest": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    "compressed": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    "assetc": "assetc_django.storage.AssetcStorage",
    "assetc-wasm": "assetc_django.storage.AssetcStorage",
}
NATIVE_BINARY = {"assetc": os.path.abspath("bin/assetc"), "assetc-wasm": ""}


def parse_root(spec: str) -> str | tuple[str, str]:
    prefix, sep, directory = spec.partition("=")
    if not sep:
        return os.path.abspath(spec)
    return (prefix, os.path.abspath(directory))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", choices=sorted(BACKENDS), default="manifest")
    parser.add_argument("--out", required=True, help="STATIC_ROOT")
    parser.add_argument("roots", nargs="+", type=parse_root, metavar="ROOT_SPEC")
    args = parser.parse_args(argv)
    bridge = {"ASSETC_NATIVE_BINARY": NATIVE_BINARY[args.storage]} if args.storage in NATIVE_BINARY else {}
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=["django.contrib.staticfiles", *(["assetc_django"] if bridge else [])],
        **bridge,
        DATABASES={},
        STATIC_URL="/static/",
        STATIC_ROOT=os.path.abspath(args.out),
        STATICFILES_DIRS=args.roots,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": BACKENDS[args.storage]},
        },
        USE_TZ=True,
    )
    django.setup()
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
    except Exception as exc:  # reported, not a crash: the table says Django failed
        cause = exc.__cause__ or exc
        print(f"collectstatic failed: {type(cause).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
