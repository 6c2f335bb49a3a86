"""The ``ASSETC_*`` settings, with their defaults. Every one is optional.

=============================  =========  ==================================================
setting                        default    meaning
=============================  =========  ==================================================
ASSETC_HASHED_URLS_IN_DEBUG    True       ``{% static %}`` gives hashed URLs in DEBUG too (the
                                          same URLs as production). False restores Django's
                                          unhashed DEBUG URLs.
ASSETC_MISSING_FILE            "error"    ``{% static %}`` for a file that does not exist (or
                                          whose references are broken): "error" raises
                                          :class:`~assetc_django.storage.MissingStaticFile`
                                          in DEBUG and production alike; "warn" logs and
                                          returns the unhashed URL.
ASSETC_MISSING_REFERENCES      "error"    a ``url()``/``@import``/source map pointing at a
                                          missing file: "error" or "warn" (left as written).
ASSETC_ALLOW_MISSING           []         globs of references that may be missing (``"*.map"``).
ASSETC_PREHASHED               []         globs of files a bundler already named by content.
ASSETC_ALLOW_SYMLINKS_INTO     []         directories (str or Path) that symlinks in a source
                                          root may lead into. Any other link out of its root
                                          is refused (not resolved, not served, not built) with
                                          a diagnostic naming it; e.g. Debian's Django links
                                          admin files into ``/usr/share/javascript``.
ASSETC_JS_MODULES              None       rewrite ES module imports; None follows the storage
                                          class's ``support_js_module_import_aggregation``.
ASSETC_NATIVE_BINARY           "assetc"   the native CLI used by collectstatic and
                                          ``manage.py assetc build/explain``: the one in the
                                          ``assetc`` wheel (installed with django-assetc),
                                          else ``assetc`` on PATH; a name or path looks only
                                          there. None or "" always uses the wasm core.
ASSETC_WASM_PATH               None       the core module; default: the one in the package
                                          (or ``$ASSETC_WASM``).
ASSETC_CACHE_DIR               None       the one directory for compiled wasm code; default
                                          ``$ASSETC_CACHE_DIR``, else the package's
                                          ``_compiled/`` then ``$XDG_CACHE_HOME/assetc-django``
                                          (``compiled.py``). False disables.
ASSETC_COMPRESS                []         precompressed variants collectstatic writes next to
                                          every compressible file (hashed and unhashed), in
                                          the order given: "br" (``.br``), "gzip" (``.gz``),
                                          "zstd" (``.zst``); passed as ``--compress br,gzip``.
                                          Already compressed formats (jpg, png, gif, webp,
                                          woff2, archives...) are skipped, and a variant
                                          not 5% smaller is not kept. Needs the
                                          native CLI: the wasm core cannot compress, so
                                          collectstatic fails without it.
ASSETC_COMPRESS_LEVELS         {}         levels by encoding, e.g. ``{"br": 11, "gzip": 9}``;
                                          br 1-11, gzip 1-12 (10-12 need libdeflate), zstd
                                          1-22. Only the keys given are passed; the others
                                          are the CLI's defaults (``assetc version``).
ASSETC_COMPRESS_CACHE          None       a directory (str or Path) keeping compressed bytes
                                          by content (``--compress-cache``): a deploy that
                                          builds into an empty STATIC_ROOT each time (Docker,
                                          CI) then compresses only content no earlier build
                                          compressed. None: the CLI's ``$ASSETC_COMPRESS_CACHE``,
                                          else a cache inside STATIC_ROOT. Not to be confused
                                          with ASSETC_CACHE_DIR (compiled wasm code).
ASSETC_PUBLISH                 None       collectstatic publishes to an S3-compatible bucket
                                          with ``assetc publish`` instead of building
                                          STATIC_ROOT: ``{"bucket": "s3://BUCKET/PREFIX",
                                          "endpoint": ..., "path_style": True, ...}``
                                          (publish.py; set STATIC_URL to the CDN's URL).
ASSETC_SERVE_SOURCES           True       the middleware serves files from the sources.
ASSETC_SERVE_ROOT              True       the middleware serves files from STATIC_ROOT when it
                                          exists (old hashed names too: rolling deploys).
ASSETC_MAX_AGE                 60         max-age of unhashed files (0 in DEBUG).
ASSETC_ALLOW_ALL_ORIGINS       True       ``Access-Control-Allow-Origin: *`` on static files.
ASSETC_STALE_HASH_FALLBACK     False      a hashed URL whose hash matches no available bytes
                                          (a STATIC_ROOT file rewritten with other bytes, a
                                          name from another deploy): False answers 404 with
                                          ``no-store``; True answers the file's current
                                          bytes cached like its unhashed name (ASSETC_MAX_AGE,
                                          never ``immutable``), what rolling deploys behind a
                                          CDN may prefer.
ASSETC_REFRESH_INTERVAL        2          seconds after which a production process re-checks
                                          the sources (by stat, lazily: no tree walk, no
                                          re-hashing of unchanged files), so edited files get
                                          their new names and are served without a restart.
                                          0 or None: never (names fixed at first use). DEBUG
                                          re-checks on every request whatever this says.
ASSETC_INSTANCES               None       wasm instances per configuration, shared by all
                                          threads (each costs its own memory); None:
                                          ``min(4, os.cpu_count())``.
ASSETC_ALLOW_OVERRIDES         []         globs of logical paths one app's or STATICFILES_DIRS
                                          entry may provide over another's on purpose
                                          (``["admin/js/*"]``): no assetc.W003 for them. A
                                          STATICFILES_DIRS file over an app's never warns.
=============================  =========  ==================================================
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ASSETC_HASHED_URLS_IN_DEBUG": True,
    "ASSETC_MISSING_FILE": "error",
    "ASSETC_MISSING_REFERENCES": "error",
    "ASSETC_ALLOW_MISSING": [],
    "ASSETC_PREHASHED": [],
    "ASSETC_ALLOW_SYMLINKS_INTO": [],
    "ASSETC_JS_MODULES": None,
    "ASSETC_NATIVE_BINARY": "assetc",
    "ASSETC_WASM_PATH": None,
    "ASSETC_CACHE_DIR": None,
    "ASSETC_COMPRESS": [],
    "ASSETC_COMPRESS_LEVELS": {},
    "ASSETC_COMPRESS_CACHE": None,
    "ASSETC_PUBLISH": None,
    "ASSETC_SERVE_SOURCES": True,
    "ASSETC_SERVE_ROOT": True,
    "ASSETC_MAX_AGE": 60,
    "ASSETC_ALLOW_ALL_ORIGINS": True,
    "ASSETC_STALE_HASH_FALLBACK": False,
    "ASSETC_REFRESH_INTERVAL": 2,
    "ASSETC_INSTANCES": None,
    "ASSETC_ALLOW_OVERRIDES": [],
}


def get(name: str) -> Any:
    """The value of an ``ASSETC_*`` setting, or its default."""
    return getattr(settings, name, DEFAULTS[name])
