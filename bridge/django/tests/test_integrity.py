"""SRI template tags and assetc_django.integrity(): values from the wasm core
that match the bytes served and a native build's staticfiles.integrity.json."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.template import Context, Template
from django.templatetags.static import static
from django.test import Client, override_settings

import assetc_django
from assetc_django.errors import MissingStaticFile

from .conftest import example_cli_sources
from .test_storage import site_copy


def served(url: str) -> bytes:
    response = Client().get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def sri_of(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def render(source: str) -> str:
    return Template("{% load assetc %}" + source).render(Context())


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_script_and_stylesheet_tags(debug: bool) -> None:
    with override_settings(DEBUG=debug):
        html = render('{% assetc_script "js/app.js" %}|{% assetc_script "vendor/widget.js" module=True %}|{% assetc_stylesheet "css/site.css" %}')
        script, module, link = html.split("|")
        m = re.fullmatch(r'<script src="([^"]+)" integrity="([^"]+)" crossorigin="anonymous"></script>', script)
        assert m, script
        assert m[1] == static("js/app.js") and m[1] != "/static/js/app.js"
        assert m[2] == sri_of(served(m[1]))
        m = re.fullmatch(r'<script type="module" src="([^"]+)" integrity="([^"]+)" crossorigin="anonymous"></script>', module)
        assert m, module
        assert m[1] == static("vendor/widget.js") and m[2] == sri_of(served(m[1]))
        m = re.fullmatch(r'<link rel="stylesheet" href="([^"]+)" integrity="([^"]+)" crossorigin="anonymous">', link)
        assert m, link
        assert m[1] == static("css/site.css") and m[2] == sri_of(served(m[1]))  # rewritten CSS: hashed copy's bytes


def test_importmap_tag() -> None:
    html = render("{% assetc_importmap %}")
    m = re.fullmatch(r'<script type="importmap">(.*)</script>', html, re.S)
    assert m, html
    assert "<" not in m[1]
    data = json.loads(m[1])
    assert data["imports"], data
    for key, url in data["imports"].items():
        logical = key.removeprefix("/static/")
        assert key == "/static/" + logical
        assert url == static(logical)
        assert data["integrity"][url] == sri_of(served(url))
    assert "/static/js/app.js" in data["imports"]


def test_importmap_escapes_lt(tmp_path: Path) -> None:
    dirs = site_copy(tmp_path)
    (tmp_path / "static" / "js" / "a<b.js").write_text("export const x = 1;\n")
    with override_settings(**dirs):
        html = render("{% assetc_importmap %}")
    body = html.removeprefix('<script type="importmap">').removesuffix("</script>")
    assert "<" not in body and "\\u003c" in body
    assert "/static/js/a<b.js" in json.loads(body)["imports"]


def test_integrity_function_matches_native_build(tmp_path: Path) -> None:
    exe = shutil.which("assetc")
    assert exe, "bin/assetc must be on PATH (make test-python puts it there)"
    out = tmp_path / "out"
    proc = subprocess.run([exe, "build", *example_cli_sources(), "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "staticfiles.json").read_text())["paths"]
    sidecar = json.loads((out / "staticfiles.integrity.json").read_text())
    assert sidecar["algorithm"] == "sha384"
    checked = 0
    for logical, hashed in manifest.items():
        if logical.endswith((".js", ".css", ".png", ".svg")):
            assert assetc_django.integrity(logical) == sidecar["files"][hashed], logical
            checked += 1
    assert checked >= 4


def test_integrity_follows_edits_in_debug(tmp_path: Path) -> None:
    dirs = site_copy(tmp_path)
    with override_settings(DEBUG=True, **dirs):
        before = render('{% assetc_script "js/app.js" %}')
        (tmp_path / "static" / "js" / "app.js").write_text("console.log('edited');\n")
        Client().get("/")  # a request: DEBUG invalidation (as for URLs)
        after = render('{% assetc_script "js/app.js" %}')
        assert after != before
        m = re.search(r'src="([^"]+)" integrity="([^"]+)"', after)
        assert m and m[2] == sri_of(served(m[1]))


def test_missing_file_raises() -> None:
    with pytest.raises(MissingStaticFile):
        assetc_django.integrity("js/nope.js")
    with pytest.raises(MissingStaticFile):
        render('{% assetc_script "js/nope.js" %}')
