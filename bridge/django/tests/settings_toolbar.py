"""The fixture project with django-debug-toolbar's Static files panel, for
tests/test_storage_api.py (run in a subprocess: the toolbar patches the
staticfiles storage class when it starts). $ASSETC_TEST_STATIC_BACKEND picks
the staticfiles storage."""

from __future__ import annotations

import os

from .settings import *  # noqa: F403

DEBUG = True
INTERNAL_IPS = ["127.0.0.1"]
INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar"]  # noqa: F405
MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE]  # noqa: F405
ROOT_URLCONF = "tests.urls_toolbar"
DEBUG_TOOLBAR_PANELS = ["debug_toolbar.panels.staticfiles.StaticFilesPanel"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": os.environ.get("ASSETC_TEST_STATIC_BACKEND", "assetc_django.storage.AssetcStorage")},
}
