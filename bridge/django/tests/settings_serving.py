"""The fixture project with the serving settings the STATIC_ROOT probes need,
taken from the environment (a real server process reads them at start)."""

from __future__ import annotations

import os

from .settings import *  # noqa: F403

ASSETC_ALLOW_SYMLINKS_INTO = [p for p in os.environ.get("ASSETC_TEST_ALLOW_SYMLINKS_INTO", "").split(os.pathsep) if p]
ASSETC_STALE_HASH_FALLBACK = os.environ.get("ASSETC_TEST_STALE_HASH_FALLBACK") == "1"
