"""The bridge speaks the engine's words: diagnostics as the engine rendered
them, and the same JSON field names from the CLI and the wasm ABI."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.templatetags.static import static
from django.test import override_settings

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
