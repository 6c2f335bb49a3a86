"""Run Django's ``collectstatic`` to an S3 bucket the way a project would
with django-storages, for bench/publish.py.

Usage::

    python django_s3_collectstatic.py --storage s3manifest|collectfasta \\
        --endpoint URL --bucket NAME --out DIR ROOT...

``s3manifest`` is django-storages' ``S3ManifestStaticStorage``;
``collectfasta`` is the same storage under collectfasta's
``Boto3ManifestMemoryStrategy`` (its checksum cache for manifest storage).
Exits 1 with the error on stderr when collectstatic fails.
"""

from __future__ import annotations

import argparse
import os
import sys

import django
from django.conf import settings
from django.core.management import call_command


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", choices=["s3manifest", "collectfasta"], required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--out", required=True, help="STATIC_ROOT (collectfasta's manifest strategy stages files there)")
    parser.add_argument("roots", nargs="+")
    args = parser.parse_args(argv)
    apps = ["django.contrib.staticfiles"]
    extra: dict[str, object] = {}
    if args.storage == "collectfasta":
        apps.insert(0, "collectfasta")
        extra["COLLECTFASTA_STRATEGY"] = "collectfasta.strategies.boto3.Boto3ManifestMemoryStrategy"
        extra["COLLECTFASTA_THREADS"] = 16
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=apps,
        DATABASES={},
        STATIC_URL="/static/",
        STATIC_ROOT=os.path.abspath(args.out),
        STATICFILES_DIRS=[os.path.abspath(r) for r in args.roots],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {
                "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
                "OPTIONS": {
                    "bucket_name": args.bucket,
                    "endpoint_url": args.endpoint,
                    "access_key": os.environ.get("AWS_ACCESS_KEY_ID", "bench"),
                    "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", "bench-secret"),
                    "region_name": "us-east-1",
                    "addressing_style": "path",
                    "location": "static",
                    "querystring_auth": False,
                },
            },
        },
        # collectfasta keeps its checksums in the cache: a file cache outlives the
        # process, its best case for a no-change run.
        CACHES={"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": os.path.abspath(args.out) + "-cache"}},
        USE_TZ=True,
        **extra,
    )
    django.setup()
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
    except Exception as exc:  # reported, not a crash: the table says it failed
        print(f"collectstatic failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
