"""The bridge speaks the engine's words: diagnostics as the engine rendered
them, and the same JSON field names from the CLI and the wasm ABI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.templatetags.static import static
from django.test import override_settings

from assetc_django import build
from assetc_django.project import configured_core
from assetc_django.storage import BrokenStaticFile

from .test_storage import site_copy


def test_broken_file_shows_the_engines_rendering(tmp_path: Path) -> None:
    with override_settings(**site_copy(tmp_path)):
        css = tmp_path / "static" / "css"
        (css / "broken.css").write_text('@import "parts/inner.css";\n')
        (css / "parts").mkdir()
        (css / "parts" / "inner.css").write_text('body { background: url("../../img/missing.png"); }\n')
        with pytest.raises(BrokenStaticFile) as info:
            static("css/broken.css")
    text = str(info.value)
    (diag,) = info.value.diagnostics
    # The engine's text, verbatim: the source line, a caret under the
    # reference, the note saying which file led there.
    assert diag["rendered"] in text
    assert '    1 | body { background: url("../../img/missing.png"); }\n' in text
    assert "      | " + " " * len('body { background: url("') + "^" + "~" * 20 + "\n" in text
    assert f"note: referenced from {css / 'broken.css'}:1:10" in text
    assert "inner.css:0:0" not in text


def read_result(obj: dict[str, Any]) -> tuple[str, str | None, str | None, str | None, list[str]]:
    """One reader for a resolve result, whoever wrote it: the CLI's
    ``resolve --json`` or the wasm ABI's ``resolve`` (the same names)."""
    error = obj.get("error")
    if error is None:
        return obj["logical_path"], obj["hashed_name"], None, None, []
    rendered = [d["rendered"] for d in error.get("diagnostics", [])]
    return obj["logical_path"], obj.get("hashed_name"), error["kind"], error["message"], rendered


def test_cli_and_abi_speak_the_same_json(tmp_path: Path) -> None:
    """The CLI, given the very document the wasm core was configured with
    (``--config``), answers with the same JSON the ABI does."""
    with override_settings(**site_copy(tmp_path)):
        (tmp_path / "static" / "css" / "broken.css").write_text("p { background: url(gone.png) }\n")
        core = configured_core()
        names = ["css/site.css", "img/logo.png", "vendor/widget.js", "css/broken.css", "css/sitee.css"]
        from_abi = [read_result(r) for r in core.resolve(names)]
        config = tmp_path / "assetc.json"
        config.write_text(json.dumps(core.config))
        exe = shutil.which("assetc")
        assert exe, "bin/assetc must be on PATH (make test-python puts it there)"
        proc = subprocess.run([exe, "resolve", "--config", str(config), "--json", *names], capture_output=True, text=True, timeout=60)
    from_cli = [read_result(r) for r in json.loads(proc.stdout)]
    assert proc.returncode == 1  # two names fail
    assert from_cli == from_abi
    kinds = [r[2] for r in from_abi]
    assert kinds == [None, None, None, "diagnostics", "not_found"]
    assert "^~~~~~~~" in from_abi[3][4][0]


def test_native_build_uses_the_config_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build_native hands the CLI the configuration document, not flags."""
    seen: list[dict[str, Any]] = []
    real_run = subprocess.run

    def spy(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        config = command[command.index("--config") + 1]
        seen.append(json.loads(Path(config).read_text()))
        assert "-s" not in command
        return real_run(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    exe = shutil.which("assetc")
    assert exe
    with override_settings(**site_copy(tmp_path)):
        results = list(build.build_native(exe, str(tmp_path / "out")))
        assert seen == [configured_core().config]
    assert results and all(processed is True for _, _, processed in results)
    manifest = json.loads((tmp_path / "out" / "staticfiles.json").read_text())
    assert manifest["paths"] == {name: hashed for name, hashed, _ in results}
