"""The compiled core on disk: compile ``assetc.wasm`` once, load it in every later process.

Compiling the module takes seconds of CPU (3.6-13 s measured on 2 loaded
cores); loading compiled code takes under a millisecond (wasmtime maps the
file). ``manage.py assetc warm`` (run by collectstatic too) compiles it into a
cache where later processes find it, also in containers:

* **where**: ``ASSETC_CACHE_DIR`` (setting, else ``$ASSETC_CACHE_DIR``) when
  set, and nothing else; otherwise the package's own ``_compiled/`` directory
  (beside ``assetc.wasm``: written by ``warm`` at image build, read by every
  user of the install, also on a read-only root file system), then the
  user's ``$XDG_CACHE_HOME/assetc-django`` (``~/.cache/assetc-django``).
  A process loads from the first directory that has a trusted copy and stores
  a fresh one in the first directory it can write and trust.
* **trust**: compiled code is native code, so a copy is used only when its
  directory and the file are owned by this user or root and writable by no
  one else: no write bit for others, and a group write bit only for group 0
  (OpenShift runs an arbitrary UID in group 0 over ``chmod g=u`` image
  directories: group 0 is the image's own). A copy anyone else could have
  written is ignored (wasm.md: "only from a directory you own").
* **invalidated by** a different module (the key has the wasm's sha256) or a
  different wasmtime (the key has its version; wasmtime itself refuses a
  file compiled with another configuration, which is then recompiled).
* **bounded**: at most :data:`MAX_ENTRIES` compiled files per directory;
  storing one removes the oldest beyond that.

When no directory can be used, every process compiles: that is said once
per process in the log and by the system check ``assetc.W006``.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import wasmtime

logger = logging.getLogger("assetc_django")

MAX_ENTRIES = 4
SUFFIX = ".cwasm"
PACKAGE_CACHE = Path(__file__).resolve().with_name("_compiled")


def wasmtime_version() -> str:
    try:
        return version("wasmtime")
    except PackageNotFoundError:  # pragma: no cover - vendored wasmtime
        return "unknown"


def default_cache_dir() -> Path:
    """The per-user cache: ``$XDG_CACHE_HOME/assetc-django``, else ``~/.cache/assetc-django``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "assetc-django"


def cache_dirs(explicit: Path | None | bool = None) -> list[Path]:
    """The directories to look in, in order. ``explicit`` is ASSETC_CACHE_DIR (False: none)."""
    if explicit is False:
        return []
    chosen = (explicit if explicit is not True else None) or os.environ.get("ASSETC_CACHE_DIR")
    if chosen:
        return [Path(chosen)]
    return [PACKAGE_CACHE, default_cache_dir()]


def entry_name(digest: str) -> str:
    """The file name of a compiled module: the key of the cache."""
    return f"{digest[:32]}-wasmtime-{wasmtime_version()}{SUFFIX}"


def _trusted(info: os.stat_result) -> bool:
    if not hasattr(os, "geteuid"):  # Windows: ACLs, not mode bits; the directory is the user's
        return True
    if info.st_uid not in (os.geteuid(), 0):
        return False
    if info.st_mode & stat.S_IWOTH:
        return False
    return not (info.st_mode & stat.S_IWGRP and info.st_gid != 0)


def _why_untrusted(path: Path, info: os.stat_result) -> str:
    if hasattr(os, "geteuid") and info.st_uid not in (os.geteuid(), 0):
        return f"{path} belongs to uid {info.st_uid}, not to this user (uid {os.geteuid()}) or root"
    return f"{path} is writable by other users (mode {stat.filemode(info.st_mode)}, group {info.st_gid})"


def _private_dir_mode(directory: Path) -> int:
    # The package's directory is shared by every user of the install (read
    # only for them); a user's cache is private.
    return 0o755 if directory == PACKAGE_CACHE else 0o700


@dataclass
class CacheState:
    """What the cache offers this process, found without loading wasmtime."""

    hit: Path | None = None  # a trusted compiled copy of this module
    writable: Path | None = None  # the directory a fresh copy would be stored in
    problems: list[str] = field(default_factory=list)  # why other directories were not used

    @property
    def usable(self) -> bool:
        return self.hit is not None or self.writable is not None


def inspect(digest: str, explicit: Path | None | bool = None) -> CacheState:
    """Look for a trusted copy of the module ``digest`` and a directory to store one in.

    Creates the user's cache directory; the package's is made by the first store.
    """
    state = CacheState()
    name = entry_name(digest)
    for directory in cache_dirs(explicit):
        try:
            if directory != PACKAGE_CACHE:
                directory.mkdir(mode=_private_dir_mode(directory), parents=True, exist_ok=True)
            info = directory.stat()
        except OSError as exc:
            if directory != PACKAGE_CACHE:
                state.problems.append(f"{directory}: {exc.strerror or exc}")
            elif os.access(directory.parent, os.W_OK) and _trusted(directory.parent.stat()):
                state.writable = state.writable or directory
            else:
                state.problems.append(f"{directory}: absent, and this user cannot create it")
            continue
        if not stat.S_ISDIR(info.st_mode) or not _trusted(info):
            state.problems.append(_why_untrusted(directory, info) if stat.S_ISDIR(info.st_mode) else f"{directory} is not a directory")
            continue
        if state.hit is None:
            try:
                entry = (directory / name).lstat()  # a symlink is not followed: it could point anywhere
                if stat.S_ISREG(entry.st_mode) and _trusted(entry):
                    state.hit = directory / name
                elif stat.S_ISREG(entry.st_mode):
                    state.problems.append(_why_untrusted(directory / name, entry))
            except OSError:
                pass
        if os.access(directory, os.W_OK):
            state.writable = state.writable or directory
        else:
            state.problems.append(f"{directory}: not writable by this user")  # only said when nothing is usable
    return state


_warned = False


def _warn_uncached(state: CacheState) -> None:
    global _warned
    if _warned:
        return
    _warned = True
    logger.warning("%s", uncached_message(state))


def uncached_message(state: CacheState) -> str:
    """What to say (and do) when no cache directory can be used."""
    why = "; ".join(state.problems) or "no cache directory"
    return (
        f"assetc: the compiled wasm core cannot be cached ({why}), so every process compiles it (seconds of CPU). "
        "Run 'manage.py assetc warm' where the package directory is writable (e.g. at image build), "
        "or set ASSETC_CACHE_DIR to a directory this user owns."
    )


def compile_cached(engine: wasmtime.Engine, wasm: bytes, digest: str, explicit: Path | None | bool = None) -> tuple[wasmtime.Module, Path | None]:
    """The compiled module, from the cache when a trusted copy exists, else compiled and stored.

    Returns the module and the cached file it came from or went to (None when
    not cached). Raises ``wasmtime.WasmtimeError`` for an invalid module.
    """
    import wasmtime

    state = inspect(digest, explicit)
    if state.hit is not None:
        try:
            return wasmtime.Module.deserialize_file(engine, str(state.hit)), state.hit
        except wasmtime.WasmtimeError:
            pass  # corrupt, or from another engine configuration: recompiled below
    module = wasmtime.Module(engine, wasm)
    if explicit is False:
        return module, None
    if state.writable is None:
        _warn_uncached(state)
        return module, None
    return module, store(state.writable, entry_name(digest), bytes(module.serialize()))


def store(directory: Path, name: str, data: bytes) -> Path | None:
    """Write ``data`` as ``directory/name`` atomically, then keep the newest MAX_ENTRIES copies."""
    tmp = None
    try:
        directory.mkdir(mode=_private_dir_mode(directory), exist_ok=True)
        # temp + rename: several workers may start at once and none may see a half file.
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=SUFFIX)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # readable by the other users of a shared (package) cache
        os.replace(tmp, directory / name)
    except OSError as exc:
        logger.warning("assetc: cannot store the compiled wasm core in %s: %s", directory, exc.strerror or exc)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return None
    prune(directory, keep=name)
    return directory / name


def prune(directory: Path, keep: str) -> None:
    """Remove the oldest compiled files beyond MAX_ENTRIES (never ``keep``)."""
    try:
        entries = [p for p in directory.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith(".")]
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in [p for p in entries if p.name != keep][MAX_ENTRIES - 1 :]:
        try:
            old.unlink()
        except OSError:
            pass


@dataclass
class Warmed:
    """What :func:`warm` did."""

    path: Path | None  # the trusted compiled copy later processes load, or None
    compiled: bool  # True when this call compiled the module (no copy existed)
    state: CacheState
    #: packages of FIRST_USE_PACKAGES whose bytecode could not be written (see byte_compile)
    bytecode_unwritten: list[str] = field(default_factory=list)


def warm(wasm_path: Path | None = None, explicit: Path | None | bool = None) -> Warmed:
    """Make sure a trusted compiled copy of the module exists in the cache (compiling it if needed)."""
    import hashlib

    from .runtime import default_wasm_path, load_module

    path = Path(wasm_path) if wasm_path else default_wasm_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    before = inspect(digest, explicit)
    module = load_module(path, explicit)
    after = inspect(digest, explicit)
    if after.hit is None and after.writable is not None:
        # The module was already in this process's memory: store that one.
        store(after.writable, entry_name(digest), bytes(module.serialize()))
        after = inspect(digest, explicit)
    unwritten = byte_compile()
    return Warmed(after.hit, before.hit is None and after.hit is not None, after, unwritten)


#: What a process imports for its first ``{% static %}``: their bytecode is part
#: of a warm start. Compiled from source, wasmtime's generated ctypes bindings
#: alone take ~60 ms, more than everything else the first call does.
FIRST_USE_PACKAGES = ("assetc_django", "wasmtime")


def byte_compile(packages: tuple[str, ...] = FIRST_USE_PACKAGES) -> list[str]:
    """Write the missing or stale bytecode of ``packages``; return those it could not write.

    ``pip install`` does this at install time, ``uv pip install`` only with
    ``--compile-bytecode``, and a process never does it under
    ``PYTHONDONTWRITEBYTECODE=1`` (common in container images): without it every
    new process compiles these modules again. compileall writes standard
    timestamp-checked ``__pycache__`` files, so an upgraded package is
    recompiled by the interpreter as usual; an up-to-date file is left alone.
    """
    import compileall
    import importlib.util

    failed = []
    for name in packages:
        spec = importlib.util.find_spec(name)  # finds, does not import
        for directory in (spec.submodule_search_locations or []) if spec else []:
            if not compileall.compile_dir(directory, quiet=2):
                failed.append(name)
    return failed


def configured_cache() -> tuple[Path | None, Path | None | bool]:
    """ASSETC_WASM_PATH and ASSETC_CACHE_DIR from the Django settings (the one Django-aware function here)."""
    from . import conf

    wasm = conf.get("ASSETC_WASM_PATH")
    cache = conf.get("ASSETC_CACHE_DIR")
    return (Path(wasm) if wasm else None), (cache if cache is False else Path(cache) if cache else None)


def check_message() -> str | None:
    """The system check's warning (assetc.W006) when no cache can be used, else None. Loads no wasmtime."""
    import hashlib

    from .runtime import default_wasm_path

    wasm_path, explicit = configured_cache()
    if explicit is False:
        return None  # disabled on purpose
    try:
        digest = hashlib.sha256((wasm_path or default_wasm_path()).read_bytes()).hexdigest()
    except OSError:
        return None  # assetc.E002 reports an unreadable module
    state = inspect(digest, explicit)
    return None if state.usable else uncached_message(state)
