"""Measure what ``{% static %}`` costs at run time, inside one fresh process.

Usage::

    python django_runtime.py --storage manifest --root STATIC_ROOT --first NAME --css NAME --warm NAME...
    python django_runtime.py --storage assetc --source DIR [--source DIR ...] --first NAME --css NAME --warm NAME...

``manifest`` is Django's ManifestStaticFilesStorage reading STATIC_ROOT/staticfiles.json
(written by collectstatic); ``assetc`` is the bridge's ``assetc_django.storage.AssetcStorage``
computing names from the sources (STATICFILES_DIRS), with no manifest.

Prints one JSON object (seconds, measured with time.perf_counter in this process):

* ``startup``: from the first line of this script to ``django.setup()`` done, the
  storage's module imported;
* ``first_static``: the first ``static(--first)`` call (Django: loads the manifest;
  the bridge: loads the compiled wasm module and names the file);
* ``first_css``: the first ``static(--css)`` after that, a CSS file with many
  references (the bridge must name everything it refers to first);
* ``warm_static``: one warm ``static()`` call, the mean over many calls cycling
  through ``--warm`` names (the cost of each ``{% static %}`` in a template).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402  (imports after START: they are part of startup)
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

WARM_CALLS = 20_000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", choices=["manifest", "assetc"], required=True)
    parser.add_argument("--root", help="STATIC_ROOT holding staticfiles.json (manifest)")
    parser.add_argument("--source", action="append", default=[], help="a STATICFILES_DIRS entry (assetc)")
    parser.add_argument("--first", required=True)
    parser.add_argument("--css", required=True)
    parser.add_argument("--warm", nargs="+", required=True)
    args = parser.parse_args(argv)

    import django
    from django.conf import settings

    apps = ["django.contrib.staticfiles"]
    if args.storage == "manifest":
        backend = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        root = os.path.abspath(args.root)
    else:
        backend = "assetc_django.storage.AssetcStorage"
        apps.append("assetc_django")
        root = os.path.abspath("bench-unused-static-root")
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=apps,
        DATABASES={},
        STATIC_URL="/static/",
        STATIC_ROOT=root,
        STATICFILES_DIRS=[os.path.abspath(s) for s in args.source],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": backend},
        },
        USE_TZ=True,
    )
    django.setup()
    from django.templatetags.static import static

    if args.storage == "assetc":  # imported at startup, as a project's first request would
        importlib.import_module("assetc_django.storage")
    startup = time.perf_counter() - START

    t0 = time.perf_counter()
    first_url = static(args.first)
    first_static = time.perf_counter() - t0

    t0 = time.perf_counter()
    css_url = static(args.css)
    first_css = time.perf_counter() - t0

    names = args.warm
    for name in names:  # every name resolved once before timing
        static(name)
    t0 = time.perf_counter()
    for i in range(WARM_CALLS):
        static(names[i % len(names)])
    warm_static = (time.perf_counter() - t0) / WARM_CALLS

    json.dump(
        {
            "startup": startup,
            "first_static": first_static,
            "first_css": first_css,
            "warm_static": warm_static,
            "first_url": first_url,
            "css_url": css_url,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
