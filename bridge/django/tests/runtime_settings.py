"""Settings for the real-server runtime tests: the fixture project's, with the
site, STATIC_ROOT and ASSETC_REFRESH_INTERVAL from the environment, and a view
that names a file (tests/runtime_urls.py)."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.runtime_urls"
if "ASSETC_TEST_REFRESH_INTERVAL" in os.environ:
    ASSETC_REFRESH_INTERVAL = float(os.environ["ASSETC_TEST_REFRESH_INTERVAL"])
