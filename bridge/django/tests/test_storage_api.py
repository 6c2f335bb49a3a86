"""AssetcStorage's ManifestStaticFilesStorage API, for code that reads it:
hashed_files, manifest_hash, load_manifest/save_manifest, manifest_strict,
url() through super() (django-debug-toolbar's Static files panel)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import override_settings

from assetc_django.project import configured_core
from assetc_django.storage import AssetcStorage, MissingStaticFile

from .conftest import MANIFEST_BACKEND, native_resolve, run_collectstatic
from .test_storage import site_copy


def test_hashed_files_and_manifest_hash_are_what_collectstatic_writes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with override_settings(STATIC_ROOT=str(root)):
        run_collectstatic()
        written = json.loads((root / "staticfiles.json").read_text())
        assert staticfiles_storage.hashed_files == written["paths"]  # after post_process
        fresh = AssetcStorage()  # a new process: computed from the sources
        assert fresh.hashed_files == written["paths"]
        assert fresh.manifest_hash == written["hash"] and len(written["hash"]) == 12
        assert fresh.hashed_files["css/site.css"] == native_resolve(["css/site.css"])["css/site.css"]


def test_hashed_files_follow_edits_when_the_core_rechecks(tmp_path: Path) -> None:
    with override_settings(**site_copy(tmp_path)):
        storage = AssetcStorage()
        before = storage.hashed_files["css/site.css"]
        assert storage.hashed_files is storage.hashed_files  # cached
        (tmp_path / "static" / "css" / "site.css").write_text("body { color: blue; }\n")
        assert storage.hashed_files["css/site.css"] == before  # until the sources are re-checked
        configured_core().invalidate()  # DEBUG requests, ASSETC_REFRESH_INTERVAL
        assert storage.hashed_files["css/site.css"] != before


def test_load_manifest_reads_static_root_like_django(tmp_path: Path) -> None:
    (tmp_path / "staticfiles.json").write_text('{"paths": {"a.css": "a.123456789012.css"}, "version": "1.1", "hash": "abc"}')
    storage = AssetcStorage(location=str(tmp_path))
    assert storage.load_manifest() == ({"a.css": "a.123456789012.css"}, "abc")
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "9"}')
    with pytest.raises(ValueError, match="Couldn't load manifest"):
        storage.load_manifest()
    # The constructor does not read it: a bad manifest cannot stop a process.
    assert AssetcStorage(location=str(tmp_path)).hashed_files["css/site.css"]


def test_save_manifest_never_replaces_a_manifest_with_an_empty_one(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with override_settings(STATIC_ROOT=str(root)):
        run_collectstatic()
        written = (root / "staticfiles.json").read_bytes()
        AssetcStorage().save_manifest()  # the inherited API, from the sources
        assert (root / "staticfiles.json").read_bytes() == written
        with override_settings(STATICFILES_DIRS=[], STATICFILES_FINDERS=[]):
            storage = AssetcStorage()
            assert storage.hashed_files == {}
            storage.save_manifest()
        assert (root / "staticfiles.json").read_bytes() == written


class LenientStorage(AssetcStorage):
    manifest_strict = False


def test_manifest_strict_false_gives_the_unhashed_name() -> None:
    assert LenientStorage().url("css/not-a-file.css") == "/static/css/not-a-file.css"
    assert LenientStorage().url("css/site.css") == "/static/" + native_resolve(["css/site.css"])["css/site.css"]
    with pytest.raises(MissingStaticFile):
        AssetcStorage().url("css/not-a-file.css")


class RecordingMixin:
    seen: list[str] = []

    def url(self, name: str, *args: object, **kwargs: object) -> str:
        url = super().url(name, *args, **kwargs)  # type: ignore[misc]
        self.seen.append(url)
        return url


class RecordingStorage(RecordingMixin, AssetcStorage):
    pass


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_url_goes_through_super_so_mixins_see_it(debug: bool) -> None:
    RecordingMixin.seen = []
    hashed = native_resolve(["css/site.css"])["css/site.css"]
    with override_settings(DEBUG=debug):
        assert RecordingStorage().url("css/site.css") == f"/static/{hashed}"
    assert RecordingMixin.seen == [f"/static/{hashed}"]


def files_used_by_the_home_page(backend: str) -> int:
    """django-debug-toolbar's Static files panel for GET / in a fresh process."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "html = Client().get('/').content.decode()\n"
        "import re; print(re.search(r'(\\d+) files? used', html).group(1))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_toolbar", "ASSETC_TEST_STATIC_BACKEND": backend}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1], env=env)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip())


def test_debug_toolbar_counts_the_files_a_page_used() -> None:
    pytest.importorskip("debug_toolbar")
    template = (Path(os.environ["ASSETC_TEST_SITE"]) / "templates" / "base.html").read_text()
    used = len(set(re.findall(r"{% static ['\"]([^'\"]+)['\"]", template)))
    assert used > 0
    assert files_used_by_the_home_page("assetc_django.storage.AssetcStorage") == files_used_by_the_home_page(MANIFEST_BACKEND) == used
