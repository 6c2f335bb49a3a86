"""Precompressed variants (``.br``, ``.gz``, ``.zst``) from collectstatic: the
``ASSETC_COMPRESS*`` settings checked and turned into ``assetc build`` flags.

Only the native CLI compresses (the wasm core has no codecs), so a build
that asks for variants without the CLI fails instead of skipping them: a
deploy that silently loses its ``.br`` files serves every page bigger.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from . import conf

#: The encodings ASSETC_COMPRESS accepts (HTTP ``Content-Encoding`` tokens),
#: with the CLI flag and the range of each one's level. gzip 10-12 need a CLI
#: built with libdeflate (``assetc version`` says); another one refuses them
#: with a clear message, which the build reports.
LEVELS: dict[str, tuple[str, int, int]] = {
    "br": ("--brotli-level", 1, 11),
    "gzip": ("--gzip-level", 1, 12),
    "zstd": ("--zstd-level", 1, 22),
}

# What people write instead (file suffixes, library names).
_ALIASES = {"brotli": "br", "gz": "gzip", "zst": "zstd", "zstandard": "zstd"}


class Problem(NamedTuple):
    setting: str
    message: str
    hint: str


def _unknown(value: object, what: str) -> tuple[str, str]:
    known = ", ".join(f'"{e}"' for e in LEVELS)
    alias = _ALIASES.get(value.lower()) if isinstance(value, str) else None
    hint = f'Use "{alias}" (the Content-Encoding token).' if alias else f"Use {known}."
    return f"{what} {value!r} is not an encoding assetc can write.", hint


def encodings() -> list[str]:
    """ASSETC_COMPRESS as a list (None counts as [])."""
    value = conf.get("ASSETC_COMPRESS")
    return list(value) if isinstance(value, (list, tuple)) else []


def problems() -> list[Problem]:
    """Everything wrong with ASSETC_COMPRESS, ASSETC_COMPRESS_LEVELS and
    ASSETC_COMPRESS_CACHE; the system checks and the build both use it."""
    found: list[Problem] = []
    value = conf.get("ASSETC_COMPRESS")
    if value is not None and not isinstance(value, (list, tuple)):
        example = f"[{value!r}]" if isinstance(value, str) else '["br", "gzip"]'
        found.append(Problem("ASSETC_COMPRESS", f"ASSETC_COMPRESS must be a list of encodings, not {value!r}.", f"Write ASSETC_COMPRESS = {example}."))
    for encoding in encodings():
        if not isinstance(encoding, str) or encoding not in LEVELS:
            found.append(Problem("ASSETC_COMPRESS", *_unknown(encoding, "ASSETC_COMPRESS lists")))

    levels = conf.get("ASSETC_COMPRESS_LEVELS")
    if levels is not None and not isinstance(levels, Mapping):
        found.append(
            Problem("ASSETC_COMPRESS_LEVELS", f"ASSETC_COMPRESS_LEVELS must be a dict, not {levels!r}.", 'Write e.g. ASSETC_COMPRESS_LEVELS = {"br": 11, "gzip": 9}.')
        )
    for key, level in (levels or {}).items() if isinstance(levels, Mapping) else ():
        if key not in LEVELS:
            found.append(Problem("ASSETC_COMPRESS_LEVELS", *_unknown(key, "ASSETC_COMPRESS_LEVELS has the key")))
            continue
        _, low, high = LEVELS[key]
        if isinstance(level, bool) or not isinstance(level, int) or not low <= level <= high:
            found.append(
                Problem(
                    "ASSETC_COMPRESS_LEVELS",
                    f'ASSETC_COMPRESS_LEVELS["{key}"] = {level!r} is not a level of {key}.',
                    f"Use an integer from {low} to {high} (higher is smaller and slower), or leave it out for the default.",
                )
            )

    cache = conf.get("ASSETC_COMPRESS_CACHE")
    if cache is not None and not isinstance(cache, (str, os.PathLike)):
        found.append(Problem("ASSETC_COMPRESS_CACHE", f"ASSETC_COMPRESS_CACHE must be a directory path or None, not {cache!r}.", "Use a str or a pathlib.Path."))
    elif cache and os.path.exists(cache) and not os.path.isdir(cache):
        found.append(
            Problem("ASSETC_COMPRESS_CACHE", f"ASSETC_COMPRESS_CACHE ({os.fspath(cache)}) exists and is not a directory.", "Point it at a directory (assetc creates it if missing).")
        )
    return found


def cli_args() -> list[str]:
    """The ``assetc build`` flags for the settings (none when ASSETC_COMPRESS is empty).

    Call after :func:`problems` returned nothing.
    """
    wanted = encodings()
    if not wanted:
        return []
    args = ["--compress", ",".join(wanted)]
    for key, level in (conf.get("ASSETC_COMPRESS_LEVELS") or {}).items():
        args += [LEVELS[key][0], str(level)]
    cache = conf.get("ASSETC_COMPRESS_CACHE")
    if cache:
        # Absent, the CLI reads $ASSETC_COMPRESS_CACHE, then keeps its cache inside STATIC_ROOT.
        args += ["--compress-cache", os.path.abspath(os.fspath(cache))]
    return args


def without_native_message() -> str:
    """Why a build that asks for variants cannot run on the wasm core, and what to do."""
    binary = conf.get("ASSETC_NATIVE_BINARY")
    why = f"the assetc CLI ({binary!r}) is not on PATH" if binary else f"ASSETC_NATIVE_BINARY = {binary!r} turns the CLI off"
    return (
        f"ASSETC_COMPRESS = {conf.get('ASSETC_COMPRESS')!r} asks for precompressed variants, but {why}, "
        "and the wasm core cannot compress (it has no codecs). Put the assetc binary on PATH or set "
        "ASSETC_NATIVE_BINARY to its path, or set ASSETC_COMPRESS = [] to build without variants."
    )


def settings_error(native: bool) -> Problem | None:
    """What stops a build (``native``: with the CLI, else with the wasm core), or None.

    ``setting`` names the first setting at fault (collectstatic prints
    "Post-processing '<setting>' failed!"); ``message`` tells everything.
    """
    found = problems()
    lines = [f"{p.message} {p.hint}" for p in found]
    if not native and conf.get("ASSETC_COMPRESS") not in (None, [], ()):
        lines.append(without_native_message())
    if not lines:
        return None
    return Problem(found[0].setting if found else "ASSETC_COMPRESS", "\n".join(lines), "")


def summary(result: Mapping[str, Any]) -> str:
    """One line about a native build from its ``--json`` counters."""
    line = f"{result.get('files', 0)} files"
    if encodings():
        line += f", {result.get('variants', 0)} variants ({result.get('compressed', 0)} compressed, {result.get('compression_reused', 0)} reused)"
    return line
