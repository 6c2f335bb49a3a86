"""Settings of the fixture project: a copy of testdata/example.

STATICFILES_DIRS = [static/, ("vendor", node_modules/widget/dist)], then the
blog app's static/ dir, exactly as testdata/example/README.md describes.
The copy is made once per test session (tests may edit it).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TESTDATA = REPO / "testdata"

if "ASSETC_TEST_SITE" not in os.environ:
    _tmp = tempfile.mkdtemp(prefix="assetc-site-")
    shutil.copytree(TESTDATA / "example", os.path.join(_tmp, "site"), symlinks=True)
    os.environ["ASSETC_TEST_SITE"] = os.path.join(_tmp, "site")
    atexit.register(shutil.rmtree, _tmp, True)
SITE = Path(os.environ["ASSETC_TEST_SITE"])

SECRET_KEY = "assetc-tests"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "tests.urls"
DATABASES: dict = {}
INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "assetc_django",
    "tests.blog.apps.BlogConfig",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "assetc_django.middleware.AssetcMiddleware",
    "django.middleware.common.CommonMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [str(SITE / "templates")],
        "APP_DIRS": True,
    }
]
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("ASSETC_TEST_STATIC_ROOT") or str(SITE.parent / "no-static-root")
STATICFILES_DIRS = [str(SITE / "static"), ("vendor", str(SITE / "node_modules" / "widget" / "dist"))]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "assetc_django.storage.AssetcStorage"},
}
# The example's widget.css.map etc. exist; nothing is missing. Keep the default.
WSGI_APPLICATION = "tests.wsgi.application"
