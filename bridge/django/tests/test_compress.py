"""ASSETC_COMPRESS*: collectstatic writes precompressed variants with the real
CLI, the middleware serves them, a shared cache spares recompression, the
wasm fallback refuses, and the system checks catch bad settings."""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
from pathlib import Path

import brotli
import pytest
import zstandard
from django.core.checks import Error, Warning, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import Client, override_settings

from .conftest import collectstatic_error, run_collectstatic, tree

EXAMPLE = Path(__file__).resolve().parents[3] / "testdata" / "example" / "static"
# Compressible and large enough for both variants to be kept (5% smaller).
TEXT_FILES = ["css/app.css", "css/base.css", "js/app.js"]
# WhiteNoise's skip list: already compressed formats never get a variant.
SKIPPED = ["img/hero.jpg", "img/logo.png", "fonts/source-sans.woff2"]
SUMMARY = re.compile(r"assetc build: (\d+) files, (\d+) variants \((\d+) compressed, (\d+) reused\)")
MISSING_CLI = "assetc-not-installed-anywhere"


@pytest.fixture
def project(tmp_path: Path) -> dict[str, object]:
    """Settings of a one-root project with a few KB of CSS and JS (the example
    site's files are too small for a gzip variant to pay) and binary files."""
    src = tmp_path / "src"
    for directory in ("css", "js", "img", "fonts"):
        (src / directory).mkdir(parents=True)
    rules = "".join(f".c{i} {{ margin: {i}px; color: #{i * 4099 % 0xFFFFFF:06x}; }}\n" for i in range(300))
    (src / "css" / "app.css").write_text('@import url("base.css");\n.hero { background: url("../img/hero.jpg"); }\n' + rules)
    (src / "css" / "base.css").write_text("body { font-family: serif; }\n" + rules.replace(".c", ".b"))
    (src / "css" / "tiny.css").write_text("a{}\n")  # its variants would not be smaller: none kept
    (src / "js" / "app.js").write_text("".join(f"export function f{i}(x) {{ return x * {i} + {i * i}; }}\n" for i in range(300)))
    for name in SKIPPED:
        (src / name).write_bytes((EXAMPLE / name).read_bytes())
    return {"STATICFILES_DIRS": [str(src)], "STATICFILES_FINDERS": ["django.contrib.staticfiles.finders.FileSystemFinder"]}


def collect(root: Path, caplog: pytest.LogCaptureFixture | None = None, **settings: object) -> tuple[int, int, int] | None:
    """collectstatic into ``root``; the (variants, compressed, reused) the build logged."""
    if caplog is not None:
        caplog.clear()
    with override_settings(STATIC_ROOT=str(root), **settings):
        run_collectstatic()
    if caplog is None:
        return None
    found = [SUMMARY.search(r.getMessage()) for r in caplog.records if r.name == "assetc_django"]
    matches = [m for m in found if m]
    assert len(matches) == 1, [r.getMessage() for r in caplog.records]
    files, variants, compressed, reused = map(int, matches[0].groups())
    assert files > 0
    return variants, compressed, reused


def paths(root: Path) -> dict[str, str]:
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def test_collectstatic_writes_br_and_gzip_variants(tmp_path: Path, project: dict[str, object]) -> None:
    root = tmp_path / "static-root"
    collect(root, ASSETC_COMPRESS=["br", "gzip"], **project)
    manifest = paths(root)
    files = tree(root)
    for name in TEXT_FILES:
        for stored in (name, manifest[name]):
            data = files[stored]
            assert brotli.decompress(files[stored + ".br"]) == data, stored
            assert gzip.decompress(files[stored + ".gz"]) == data, stored
            assert len(files[stored + ".br"]) < len(data)
    for name in SKIPPED:
        for stored in (name, manifest[name]):
            assert stored in files
            assert not {stored + ".br", stored + ".gz"} & set(files), stored
    assert not [n for n in files if n.startswith("css/tiny.") and n.endswith((".br", ".gz"))]
    # Every variant is the exact bytes of its file, and only the encodings asked for exist.
    variants = [n for n in files if n.endswith((".br", ".gz", ".zst"))]
    assert not [n for n in variants if n.endswith(".zst")]
    for name in variants:
        original, _, suffix = name.rpartition(".")
        decode = brotli.decompress if suffix == "br" else gzip.decompress
        assert decode(files[name]) == files[original], name


def test_middleware_serves_the_collected_br_variant(tmp_path: Path, project: dict[str, object]) -> None:
    root = tmp_path / "static-root"
    collect(root, ASSETC_COMPRESS=["br", "gzip"], **project)
    hashed = paths(root)["css/app.css"]
    with override_settings(STATIC_ROOT=str(root), DEBUG=False, **project):
        for stored in (hashed, "css/app.css"):
            response = Client().get(f"/static/{stored}", HTTP_ACCEPT_ENCODING="br")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code == 200
            assert response["Content-Encoding"] == "br"
            assert response["Vary"] == "Accept-Encoding"
            assert body == (root / (stored + ".br")).read_bytes()
            assert brotli.decompress(body) == (root / stored).read_bytes()
        plain = Client().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="identity")
        assert not plain.has_header("Content-Encoding")
        gz = Client().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip")
        assert gz["Content-Encoding"] == "gzip"
        png = Client().get("/static/img/logo.png", HTTP_ACCEPT_ENCODING="br")
        assert not png.has_header("Content-Encoding")


def test_levels_and_zstd_reach_the_cli(tmp_path: Path, project: dict[str, object]) -> None:
    root, cache = tmp_path / "static-root", tmp_path / "compress-cache"
    collect(root, ASSETC_COMPRESS=["zstd", "br"], ASSETC_COMPRESS_LEVELS={"zstd": 3, "br": 5}, ASSETC_COMPRESS_CACHE=cache, **project)
    # Cache entries are named "<md5>.<encoding>-<level>": the levels the CLI used.
    assert {entry.split(".", 1)[1] for entry in os.listdir(cache)} == {"zstd-3", "br-5"}
    files = tree(root)
    hashed = paths(root)["js/app.js"]
    assert zstandard.ZstdDecompressor().decompress(files[hashed + ".zst"]) == files[hashed]
    assert brotli.decompress(files[hashed + ".br"]) == files[hashed]
    assert not [n for n in files if n.endswith(".gz")]
    assert not (root / ".assetc" / "compressed").exists()  # the cache lives where the setting says


def test_compress_cache_is_reused_by_a_build_into_an_empty_root(tmp_path: Path, project: dict[str, object], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="assetc_django")
    cache = tmp_path / "ci-cache"
    settings = {"ASSETC_COMPRESS": ["br", "gzip"], "ASSETC_COMPRESS_CACHE": str(cache), **project}
    first = collect(tmp_path / "deploy-1", caplog, **settings)
    assert first is not None
    variants, compressed, reused = first
    assert compressed > 0 and reused == 0 and variants > 0
    entries = {e.name: (e.stat().st_mtime_ns, e.stat().st_ino) for e in os.scandir(cache)}
    assert len(entries) == compressed

    second = collect(tmp_path / "deploy-2", caplog, **settings)
    assert second == (variants, 0, compressed)  # nothing compressed again
    assert {e.name: (e.stat().st_mtime_ns, e.stat().st_ino) for e in os.scandir(cache)} == entries
    one, two = tree(tmp_path / "deploy-1"), tree(tmp_path / "deploy-2")
    variant_names = sorted(n for n in two if n.endswith((".br", ".gz")))
    assert len(variant_names) == variants
    assert variant_names == sorted(n for n in one if n.endswith((".br", ".gz")))
    assert all(one[n] == two[n] for n in variant_names)
    cached_inodes = {ino for _, ino in entries.values()}
    assert all((tmp_path / "deploy-2" / n).stat().st_ino in cached_inodes for n in variant_names)  # hard links

    # `manage.py assetc build` says the same on its last line.
    out = io.StringIO()
    with override_settings(**settings):
        call_command("assetc", "build", "-o", str(tmp_path / "deploy-3"), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip().endswith(f"(assetc CLI), {variants} variants (0 compressed, {compressed} reused).")


def test_compress_without_the_cli_fails_clearly(tmp_path: Path) -> None:
    root = tmp_path / "static-root"
    for binary, why in ((MISSING_CLI, f"the assetc CLI ('{MISSING_CLI}') is not on PATH"), (None, "ASSETC_NATIVE_BINARY = None turns the CLI off")):
        with pytest.raises(collectstatic_error(ImproperlyConfigured)) as info:
            collect(root, ASSETC_COMPRESS=["br", "gzip"], ASSETC_NATIVE_BINARY=binary)
        message = str(info.value)
        assert message.startswith("ASSETC_COMPRESS = ['br', 'gzip'] asks for precompressed variants"), message
        assert why in message
        assert "the wasm core cannot compress" in message
        assert "Put the assetc binary on PATH or set ASSETC_NATIVE_BINARY to its path" in message
        assert "or set ASSETC_COMPRESS = [] to build without variants" in message
        # Nothing was built: no manifest, no hashed copy, no variant.
        assert not (root / "staticfiles.json").exists()
        assert not [n for n in tree(root) if n.endswith((".br", ".gz"))]
    with override_settings(ASSETC_COMPRESS=["br"], ASSETC_NATIVE_BINARY=MISSING_CLI):
        with pytest.raises(CommandError, match="the wasm core cannot compress"):
            call_command("assetc", "build", "-o", str(tmp_path / "out"), stdout=io.StringIO(), stderr=io.StringIO())
    # The same missing CLI without ASSETC_COMPRESS: the wasm core builds the root.
    collect(root, ASSETC_NATIVE_BINARY=MISSING_CLI)
    assert "css/site.css" in paths(root)


def test_bad_levels_stop_the_native_build(tmp_path: Path) -> None:
    with override_settings(ASSETC_COMPRESS=["gzip"], ASSETC_COMPRESS_LEVELS={"gzip": 13}):
        with pytest.raises(CommandError, match=r'ASSETC_COMPRESS_LEVELS\["gzip"\] = 13 is not a level of gzip'):
            call_command("assetc", "build", "-o", str(tmp_path / "out"), stdout=io.StringIO(), stderr=io.StringIO())
    assert not (tmp_path / "out").exists()


def test_cli_args_follow_the_settings(tmp_path: Path) -> None:
    from assetc_django.compress import cli_args

    assert cli_args() == []
    with override_settings(ASSETC_COMPRESS=["gzip", "br"], ASSETC_COMPRESS_LEVELS={"gzip": 6}, ASSETC_COMPRESS_CACHE=tmp_path / "c"):
        assert cli_args() == ["--compress", "gzip,br", "--gzip-level", "6", "--compress-cache", str(tmp_path / "c")]
    with override_settings(ASSETC_COMPRESS=[], ASSETC_COMPRESS_LEVELS={"gzip": 6}):
        assert cli_args() == []


def messages(**overrides: object) -> dict[str, list[object]]:
    with override_settings(**overrides):
        found: dict[str, list[object]] = {}
        for message in run_checks():
            if message.id in ("assetc.E004", "assetc.E005", "assetc.E006", "assetc.W005"):
                found.setdefault(message.id, []).append(message)
        return found


@pytest.mark.parametrize(
    "value,hint",
    [(["brotli"], 'Use "br"'), (["gz", "br"], 'Use "gzip"'), (["deflate"], '"br", "gzip", "zstd"'), ("br", "ASSETC_COMPRESS = ['br']"), ([1], '"br", "gzip", "zstd"')],
)
def test_check_unknown_encoding(value: object, hint: str) -> None:
    found = messages(ASSETC_COMPRESS=value)
    assert list(found) == ["assetc.E004"]
    assert all(isinstance(m, Error) for m in found["assetc.E004"])
    assert hint in found["assetc.E004"][0].hint  # type: ignore[attr-defined]


@pytest.mark.parametrize("levels", [{"br": 12}, {"br": 0}, {"gzip": 0}, {"gzip": 13}, {"zstd": 23}, {"zstd": "19"}, {"gzip": True}, {"gz": 9}, [("br", 5)]])
def test_check_bad_levels(levels: object) -> None:
    found = messages(ASSETC_COMPRESS=["br", "gzip", "zstd"], ASSETC_COMPRESS_LEVELS=levels)
    assert list(found) == ["assetc.E005"]
    assert isinstance(found["assetc.E005"][0], Error)


def test_check_bad_cache(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    assert list(messages(ASSETC_COMPRESS=["br"], ASSETC_COMPRESS_CACHE=tmp_path / "a-file")) == ["assetc.E006"]
    assert list(messages(ASSETC_COMPRESS=["br"], ASSETC_COMPRESS_CACHE=42)) == ["assetc.E006"]
    assert messages(ASSETC_COMPRESS=["br"], ASSETC_COMPRESS_CACHE=tmp_path / "not-yet") == {}


def test_check_valid_settings_are_quiet(tmp_path: Path) -> None:
    assert messages() == {}
    assert messages(ASSETC_COMPRESS=["br", "gzip", "zstd"], ASSETC_COMPRESS_LEVELS={"br": 1, "gzip": 12, "zstd": 22}, ASSETC_COMPRESS_CACHE=str(tmp_path)) == {}
    assert messages(ASSETC_COMPRESS=None) == {}


def test_check_compress_without_cli_warns() -> None:
    found = messages(ASSETC_COMPRESS=["br"], ASSETC_NATIVE_BINARY=MISSING_CLI)
    assert list(found) == ["assetc.W005"]
    warning = found["assetc.W005"][0]
    assert isinstance(warning, Warning)
    assert "the wasm core cannot compress" in warning.msg  # type: ignore[attr-defined]
    assert messages(ASSETC_COMPRESS=[], ASSETC_NATIVE_BINARY=MISSING_CLI) == {}
    assert messages(ASSETC_COMPRESS=["br"], ASSETC_NATIVE_BINARY=None).keys() == {"assetc.W005"}


def test_collectstatic_stops_on_a_bad_setting_before_copying(tmp_path: Path) -> None:
    root = tmp_path / "static-root"
    with override_settings(STATIC_ROOT=str(root), ASSETC_COMPRESS=["brotli"]):
        with pytest.raises(SystemCheckError, match="assetc.E004"):
            call_command("collectstatic", interactive=False, skip_checks=False, stdout=io.StringIO(), stderr=io.StringIO())
    assert not root.exists()
