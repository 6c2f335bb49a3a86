"""Oracle: run real Django ``collectstatic`` with ManifestStaticFilesStorage.

Usage::

    python collectstatic.py --out DIR [--static-url /static/] [--js-modules] ROOT_SPEC...

Each ROOT_SPEC is ``DIR`` or ``PREFIX=DIR`` and becomes one ``STATICFILES_DIRS``
entry, in the order given (so the first root wins on a duplicate path, as in
Django). ``--js-modules`` switches on ``support_js_module_import_aggregation``.

Prints exactly one JSON object on stdout and exits 0:

* ``{"ok": true}`` when collectstatic succeeded;
* ``{"ok": false, "error": "<exception class>: <message>", "failed": "<paths>"}``
  when it failed. The class is the underlying exception (collectstatic wraps
  post-processing errors in ``CommandError``; its message, including Django
  6.1's "contains this reference" notes, is kept as is). ``failed`` is the
  path list from Django's "Post-processing '%s' failed!" line, or null when
  the error escaped collectstatic without that line.

Exits 2 on usage errors. Go tests run it through ``$ASSETC_PYTHON``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from typing import Any

import django
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command
from django.core.management.base import CommandError

BACKEND = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
JS_MODULES_BACKEND = f"{__name__}.JSModulesManifestStaticFilesStorage"


class JSModulesManifestStaticFilesStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage that also rewrites ES module specifiers."""

    support_js_module_import_aggregation = True


def parse_root(spec: str) -> str | tuple[str, str]:
    """Turn ``DIR`` or ``PREFIX=DIR`` into a STATICFILES_DIRS entry."""
    prefix, sep, directory = spec.partition("=")
    if not sep:
        return os.path.abspath(spec)
    if not prefix or not directory:
        raise argparse.ArgumentTypeError(f"bad root spec {spec!r}: want DIR or PREFIX=DIR")
    return (prefix, os.path.abspath(directory))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="STATIC_ROOT (created if missing)")
    parser.add_argument("--static-url", default="/static/", help="STATIC_URL (default /static/)")
    parser.add_argument(
        "--js-modules",
        action="store_true",
        help="set support_js_module_import_aggregation = True",
    )
    parser.add_argument("roots", nargs="+", type=parse_root, metavar="ROOT_SPEC")
    return parser.parse_args(argv)  # exits 2 on usage errors


def configure(args: argparse.Namespace) -> None:
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=["django.contrib.staticfiles"],
        DATABASES={},
        STATIC_URL=args.static_url,
        STATIC_ROOT=os.path.abspath(args.out),
        STATICFILES_DIRS=args.roots,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": JS_MODULES_BACKEND if args.js_modules else BACKEND},
        },
        USE_TZ=True,
    )
    django.setup()


def run_collectstatic() -> dict[str, Any]:
    """Run collectstatic and describe the outcome as a JSON-able dict."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=0,
            stdout=stdout,
            stderr=stderr,
        )
    except Exception as exc:  # every failure is an answer, not a crash
        # collectstatic re-raises post-processing errors as CommandError
        # "from" the original; name the original, keep CommandError's message.
        cause = exc.__cause__ if isinstance(exc, CommandError) and exc.__cause__ else exc
        message = str(exc)
        notes = getattr(exc, "__notes__", None)
        if notes and exc is cause:
            message += "\n" + "\n".join(notes)
        failed = re.search(r"^Post-processing '(.*)' failed!$", stderr.getvalue(), re.M)
        return {
            "ok": False,
            "error": f"{type(cause).__name__}: {message}",
            "failed": failed.group(1) if failed else None,
        }
    return {"ok": True}


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    configure(args)
    json.dump(run_collectstatic(), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
