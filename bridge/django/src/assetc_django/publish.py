"""collectstatic to an S3-compatible bucket behind a CDN: ``assetc publish``
with the settings' sources and ``ASSETC_PUBLISH``.

Set ``STATIC_URL`` to the CDN's URL of the bucket prefix: ``{% static %}``
names stay computed from the sources (no manifest is read), so templates
render the CDN URLs of exactly the keys the publish uploaded.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import compress, conf
from .build import native_config_file

logger = logging.getLogger("assetc_django")

# ASSETC_PUBLISH keys and the ``assetc publish`` flags they become.
_FLAGS = {
    "endpoint": "--endpoint",
    "region": "--region",
    "profile": "--profile",
    "unhashed_cache_control": "--unhashed-cache-control",
    "workers": "--workers",
    "retries": "--retries",
}
_SWITCHES = {"path_style": "--path-style", "verify": "--verify"}


def publish_args(setting: dict[str, Any]) -> list[str]:
    """The ``assetc publish`` flags for ``ASSETC_PUBLISH`` (a dict with
    ``"bucket": "s3://BUCKET/PREFIX"`` and optional ``endpoint``, ``region``,
    ``profile``, ``path_style``, ``verify``, ``unhashed_cache_control``,
    ``workers``, ``retries``); credentials come from the standard AWS chain."""
    unknown = sorted(set(setting) - set(_FLAGS) - set(_SWITCHES) - {"bucket"})
    if unknown:
        raise ImproperlyConfigured(f"ASSETC_PUBLISH has unknown keys {unknown}; known: bucket, {', '.join(sorted([*_FLAGS, *_SWITCHES]))}")
    bucket = setting.get("bucket")
    if not isinstance(bucket, str) or not bucket.startswith("s3://"):
        raise ImproperlyConfigured(f'ASSETC_PUBLISH["bucket"] must be "s3://BUCKET/PREFIX", not {bucket!r}')
    args = ["-o", bucket]
    for key, flag in _FLAGS.items():
        if setting.get(key) is not None:
            args += [flag, str(setting[key])]
    for key, flag in _SWITCHES.items():
        if setting.get(key):
            args.append(flag)
    wanted = compress.encodings()
    if wanted:
        args += ["--compress", ",".join(wanted)]
        for key, level in (conf.get("ASSETC_COMPRESS_LEVELS") or {}).items():
            args += [compress.LEVELS[key][0], str(level)]
    return args


def publish_native(binary: str | None, ignore_patterns: list[str] | None = None) -> Iterator[tuple[str, str | None, Any]]:
    """Run ``assetc publish``; yields ``(name, hashed_name, processed)`` like
    Django's ``post_process``, a failure as ``(name, None, exception)``."""
    setting = conf.get("ASSETC_PUBLISH")
    if not binary:
        yield "ASSETC_PUBLISH", None, ImproperlyConfigured(
            "ASSETC_PUBLISH needs the assetc CLI: put it on PATH or set ASSETC_NATIVE_BINARY to its path"
        )
        return
    try:
        args = publish_args(setting)
    except ImproperlyConfigured as exc:
        yield "ASSETC_PUBLISH", None, exc
        return
    with native_config_file(ignore_patterns) as config:
        proc = subprocess.run([binary, "publish", "--config", config, *args, "--json", "-q"], capture_output=True, text=True)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        result = {"ok": False}
    if proc.returncode != 0 or not result.get("ok"):
        diagnostics = result.get("diagnostics") or []
        detail = "\n".join(str(d.get("rendered") or d.get("message", "")) for d in diagnostics if d.get("severity") == "error")
        yield "assetc publish", None, RuntimeError(detail or proc.stderr.strip() or f"assetc exited with {proc.returncode}")
        return
    for diag in result.get("diagnostics") or []:
        logger.warning("%s", str(diag.get("rendered") or diag.get("message", "")).rstrip("\n"))
    logger.info(
        "assetc publish: %s objects, %s uploaded (%s bytes), %s already there; %s requests",
        result.get("objects"), result.get("uploaded"), result.get("bytes"), result.get("present"), result.get("requests"),
    )
    manifest: dict[str, str] = result.get("manifest") or {}
    for name in sorted(manifest):
        yield name, manifest[name], True
