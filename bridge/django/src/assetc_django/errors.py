"""The errors users see when a static file cannot be named. Diagnostics are
shown as the core renders them (the error's message, or a diagnostic's
``rendered``): the bridge never formats them itself."""

from __future__ import annotations

from typing import Any

from .runtime import CoreError


class MissingStaticFile(ValueError):
    """``{% static %}`` named a file no source root provides.

    A ValueError, like Django's "Missing staticfiles manifest entry", so code
    that catches that keeps working. ``searched`` lists the roots looked in,
    ``suggestions`` close matches (a typo, a leading "/", a wrong case).
    """

    def __init__(self, name: str, searched: list[str], suggestions: list[str], detail: str = ""):
        self.name, self.searched, self.suggestions = name, searched, suggestions
        lines = [f"Static file '{name}' not found."]
        if searched:
            lines.append("Searched: " + ", ".join(searched) + ".")
        if suggestions:
            lines.append("Did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?")
        if detail and not searched:
            lines.append(detail)
        super().__init__(" ".join(lines))


class BrokenStaticFile(ValueError):
    """The file exists but cannot be named: it (or a file it references) has errors,
    e.g. a ``url()`` to a missing file. ``diagnostics`` are the core's; the
    message shows them as the core rendered them."""

    def __init__(self, name: str, diagnostics: list[dict[str, Any]], message: str):
        self.name, self.diagnostics = name, diagnostics
        super().__init__(f"Static file '{name}' cannot be given a hashed name:\n{message}")


def error_for(name: str, exc: CoreError) -> ValueError:
    """The exception ``{% static %}`` raises for a core error."""
    if exc.kind == "not_found":
        return MissingStaticFile(
            name, list(exc.detail.get("searched") or []), list(exc.detail.get("suggestions") or []), exc.message
        )
    if exc.kind == "diagnostics":
        return BrokenStaticFile(name, list(exc.detail.get("diagnostics") or []), exc.message)
    return ValueError(f"Static file '{name}': the assetc core failed ({exc.kind}): {exc.message}")
