"""The core configured from the current Django settings, shared by the storage,
the middleware, the checks and the management command."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import conf
from .runtime import Core
from .sources import Sources, collect_sources

# One Core per distinct configuration (settings, wasm, cache dir, pool size):
# a process has one, tests with override_settings a few; nothing else adds
# entries. What a Core caches is re-checked by invalidate_all().
_cores: dict[str, Core] = {}
_lock = threading.Lock()


def js_modules() -> bool:
    """ASSETC_JS_MODULES, else the staticfiles storage's Django flag."""
    value = conf.get("ASSETC_JS_MODULES")
    if value is not None:
        return bool(value)
    from django.contrib.staticfiles.storage import staticfiles_storage

    return bool(getattr(staticfiles_storage, "support_js_module_import_aggregation", False))


def static_url() -> str:
    return settings.STATIC_URL or "/static/"


def core_config(sources: Sources | None = None) -> dict[str, Any]:
    """The ABI ``configure`` request for the current settings."""
    sources = sources or collect_sources()
    return {
        "roots": [root.as_config() for root in sources.roots],
        "ignore_patterns": sources.ignore_patterns,
        "static_url": static_url(),
        "js_modules": js_modules(),
        "prehashed": list(conf.get("ASSETC_PREHASHED")),
        "allow_missing": list(conf.get("ASSETC_ALLOW_MISSING")),
        "allow_symlinks_into": [str(Path(d).resolve()) for d in conf.get("ASSETC_ALLOW_SYMLINKS_INTO")],
        "missing": conf.get("ASSETC_MISSING_REFERENCES"),
    }


_current: Core | None = None
# When the cores were last invalidated for ASSETC_REFRESH_INTERVAL (monotonic).
_last_refresh = time.monotonic()


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    # Settings only change like this in tests (override_settings); the next
    # configured_core() call reads them again.
    global _current
    _current = None


def refresh_if_due() -> None:
    """Zero-deploy updates: invalidate every core once ASSETC_REFRESH_INTERVAL
    seconds have passed since the last time, so a production process follows
    edited sources within the interval.

    Invalidating costs nothing at once: each cached file is re-checked with
    one stat when it is next needed, and only a changed file is read and
    hashed again; nothing walks the tree. DEBUG invalidates on every request
    instead (apps.py); 0 or None turns this off.
    """
    global _last_refresh
    interval = conf.get("ASSETC_REFRESH_INTERVAL")
    if not interval or settings.DEBUG:
        return
    now = time.monotonic()
    if now - _last_refresh >= float(interval):
        _last_refresh = now
        invalidate_all()


def configured_core() -> Core:
    """The Core for the current settings; one per distinct configuration per process.

    The settings are read once; a production process keeps its core (and its
    caches) for its whole life, re-checking the sources every
    ASSETC_REFRESH_INTERVAL seconds (:func:`refresh_if_due`).
    """
    global _current
    refresh_if_due()
    current = _current
    if current is not None:
        return current
    core = core_for(core_config())
    _current = core
    return core


def core_for(config: dict[str, Any]) -> Core:
    """The Core for an ABI ``configure`` request, one per distinct configuration
    per process (bounded by the configurations a process uses: the settings',
    and collectstatic's with its own ignore patterns)."""
    wasm = conf.get("ASSETC_WASM_PATH")
    cache = conf.get("ASSETC_CACHE_DIR")
    instances = conf.get("ASSETC_INSTANCES")
    key = json.dumps([config, str(wasm), str(cache), instances], sort_keys=True)
    core = _cores.get(key)
    if core is None:
        with _lock:
            core = _cores.get(key)
            if core is None:
                core = Core(
                    config,
                    Path(wasm) if wasm else None,
                    cache if cache is False else (Path(cache) if cache else None),
                    instances=instances,
                )
                _cores[key] = core
    return core


def invalidate_all() -> None:
    """Sources may have changed: every core re-checks them before its next answer."""
    for core in list(_cores.values()):
        core.invalidate()
