"""ASSETC_PUBLISH: collectstatic publishes to a real S3 server (SeaweedFS)
with the assetc CLI, and ``{% static %}`` gives URLs on that server (standing
in for the CDN) that load the published bytes."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import override_settings

from assetc_django.publish import publish_args

from .conftest import ASSETC_BACKEND, run_collectstatic, storages
from .s3server import seaweedfs

BIN = Path(__file__).resolve().parents[3] / "bin" / "assetc"


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with seaweedfs() as endpoint:
        yield endpoint


def make_bucket(endpoint: str, name: str) -> None:
    # A server without identities lets anyone create a bucket.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{name}", method="PUT"), timeout=30).close()


def fetch(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read(), response.headers.get("Cache-Control", "")


def test_collectstatic_publishes_and_static_gives_cdn_urls(s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not BIN.is_file():
        pytest.fail(f"{BIN} is missing: run 'make build' (make test-python does)")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "assetc-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "assetc-test-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    make_bucket(s3, "django")
    src = tmp_path / "src"
    (src / "css").mkdir(parents=True)
    (src / "img").mkdir()
    (src / "img" / "bg.svg").write_text("<svg/>")
    (src / "css" / "site.css").write_text('body { background: url("../img/bg.svg") }\n')
    static_url = f"{s3}/django/static/"
    settings = {
        "STATIC_ROOT": str(tmp_path / "root"),
        "STATIC_URL": static_url,
        "STATICFILES_DIRS": [str(src)],
        "STATICFILES_FINDERS": ["django.contrib.staticfiles.finders.FileSystemFinder"],
        "STORAGES": storages(ASSETC_BACKEND),
        "ASSETC_NATIVE_BINARY": str(BIN),
        "ASSETC_PUBLISH": {"bucket": "s3://django/static/", "endpoint": s3, "path_style": True},
        "DEBUG": False,
    }
    with override_settings(**settings):
        run_collectstatic()
        url = Template('{% load static %}{% static "css/site.css" %}').render(Context())
    assert url.startswith(static_url) and url != static_url + "css/site.css"
    status, body, cache_control = fetch(url)
    assert status == 200 and "immutable" in cache_control
    # The CSS refers to the image by its hashed name, relative: it loads too.
    image = body.decode().split('url("')[1].split('"')[0]
    assert fetch(url.rsplit("/", 2)[0] + "/img/" + image.split("/")[-1])[0] == 200
    manifest = json.loads(fetch(static_url + "staticfiles.json")[1])
    assert manifest["paths"]["css/site.css"] == url[len(static_url):]


def test_publish_settings_errors() -> None:
    with pytest.raises(ImproperlyConfigured, match="s3://BUCKET/PREFIX"):
        publish_args({"bucket": "my-bucket"})
    with pytest.raises(ImproperlyConfigured, match="unknown keys"):
        publish_args({"bucket": "s3://b/", "endpiont": "x"})
    assert publish_args({"bucket": "s3://b/static/", "endpoint": "https://r2", "path_style": True}) == [
        "-o", "s3://b/static/", "--endpoint", "https://r2", "--path-style",
    ]


