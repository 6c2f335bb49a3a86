"""collectstatic with AssetcStorage writes the same tree and manifest as
`assetc build` (native CLI on PATH, and the wasm core without it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from .conftest import collectstatic_error, example_cli_sources, run_collectstatic, tree


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("assetc-build") / "root"
    subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(out), "-q"], check=True, timeout=120)
    return tree(out)


@pytest.mark.parametrize("native", [True, False], ids=["native-cli", "wasm-core"])
def test_collectstatic_equals_assetc_build(native: bool, reference: dict[str, bytes], tmp_path: Path) -> None:
    root = tmp_path / "static-root"
    extra = {} if native else {"ASSETC_NATIVE_BINARY": None}
    with override_settings(STATIC_ROOT=str(root), **extra):
        output = run_collectstatic()
    got = tree(root)
    assert sorted(got) == sorted(reference)
    assert {k for k in got if got[k] != reference[k]} == set()
    manifest = json.loads(got["staticfiles.json"])
    assert manifest["version"] == "1.1" and "css/theme-a.css" in manifest["paths"]  # the cycle Django fails on
    assert f"{len(manifest['paths'])} post-processed" in output
    assert (root / ".assetc" / "builds").is_dir()  # both writers keep build records


def test_collectstatic_failure_names_the_file(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "css").mkdir(parents=True)
    (src / "css" / "bad.css").write_text('a { background: url("missing.png"); }\n')
    for extra in ({}, {"ASSETC_NATIVE_BINARY": None}):
        with override_settings(STATIC_ROOT=str(tmp_path / "out"), STATICFILES_DIRS=[str(src)], STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"], **extra):
            # Django's exception type for a missing file (ValueError), wrapped as this Django's collectstatic does.
            with pytest.raises(collectstatic_error(ValueError)) as info:
                run_collectstatic()
        assert "missing.png" in str(info.value), extra
