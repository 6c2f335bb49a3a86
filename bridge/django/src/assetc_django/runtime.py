"""The wasm glue: load the assetc core (``assetc.wasm``) with wasmtime and call it.

This module knows nothing about Django. It speaks ABI 2 (see
``wasm/README.md`` in the repository):

* one ``wasmtime.Engine`` and one compiled ``Module`` per process, the
  compiled code cached on disk (keyed by the wasm's sha256 and the wasmtime
  version, written atomically, only in a directory this user owns);
* one ``Store`` + ``Instance`` per thread (a Store is not thread-safe and
  ctypes releases the GIL), created lazily and configured with the same JSON;
* the guest does all file I/O through three host imports (``assetc_host``),
  so symlinks that leave a source root work as they do for Django;
* any wasm trap discards that thread's instance: the call that trapped fails
  with :class:`CoreTrap`, the next call gets a fresh instance.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import json
import os
import stat
import struct
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import wasmtime

# wasmtime is imported on first use, not with this module: loading its native
# library costs ~0.25 s, which processes that never resolve a name (migrate,
# shell) should not pay.

ABI_VERSION = 2
_MASK64 = 0xFFFFFFFFFFFFFFFF

# fs_stat / fs_read / fs_read_dir result codes (ABI v1).
_STAT_OK, _STAT_NOT_FOUND, _STAT_ERROR = 0, 1, 2
_READ_NOT_FOUND, _READ_ERROR = -1, -2


class CoreError(Exception):
    """An error answered by the core (or by the glue around it).

    ``kind`` is the ABI's error kind (``config``, ``not_found``,
    ``diagnostics``, ``internal``, ``panic``, ``trap``) and ``detail`` the
    whole error object, e.g. ``searched`` and ``suggestions`` for not_found.
    """

    def __init__(self, kind: str, message: str, detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail or {}


class CoreTrap(CoreError):
    """The instance trapped; it has been discarded and only this call failed."""


class ModuleLoadError(Exception):
    """The wasm module is missing, invalid or speaks another ABI."""


def wasmtime_version() -> str:
    try:
        return version("wasmtime")
    except PackageNotFoundError:  # pragma: no cover - vendored wasmtime
        return "unknown"


def default_wasm_path() -> Path:
    """``$ASSETC_WASM`` when set, else the module shipped in this package."""
    env = os.environ.get("ASSETC_WASM")
    return Path(env) if env else Path(__file__).with_name("assetc.wasm")


def default_cache_dir() -> Path:
    """``$ASSETC_CACHE_DIR``, else ``$XDG_CACHE_HOME/assetc-django``, else ``~/.cache/assetc-django``."""
    env = os.environ.get("ASSETC_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "assetc-django"


# --- compiled module, shared by every thread ------------------------------------------

_engine: wasmtime.Engine | None = None
_modules: dict[tuple[str, str], wasmtime.Module] = {}
_modules_lock = threading.Lock()
_live_cores: weakref.WeakSet[Core] = weakref.WeakSet()


@atexit.register
def _release_at_exit() -> None:
    # Drop wasmtime objects while their native library is still loaded;
    # otherwise their finalizers run during interpreter teardown and print
    # "Exception ignored in Managed.__del__".
    global _engine
    for core in list(_live_cores):
        core._local = threading.local()
        core._module = core._engine = None  # type: ignore[assignment]
    _modules.clear()
    _engine = None
    import gc

    gc.collect()


def _owned_private_dir(directory: Path) -> bool:
    """True when ``directory`` exists (or was created), is ours and not writable by others.

    Deserializing loads native code, so a cache another user can write to is
    never read (wasm.md: "only from a directory you own").
    """
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def load_module(wasm_path: Path | None = None, cache_dir: Path | None | bool = None) -> wasmtime.Module:
    """Compile (or load from the on-disk cache) the core module; cached per process.

    ``cache_dir=False`` disables the disk cache.
    """
    global _engine
    import wasmtime

    path = Path(wasm_path) if wasm_path else default_wasm_path()
    try:
        wasm = path.read_bytes()
    except OSError as exc:
        raise ModuleLoadError(
            f"cannot read the assetc wasm module {path}: {exc.strerror or exc}. "
            "Build it with 'make wasm' or reinstall django-assetc."
        ) from exc
    digest = hashlib.sha256(wasm).hexdigest()
    key = (digest, str(path))
    with _modules_lock:
        module = _modules.get(key)
        if module is not None:
            return module
        if _engine is None:
            _engine = wasmtime.Engine()
        module = _compile_cached(_engine, wasm, digest, cache_dir)
        _modules[key] = module
        return module


def _compile_cached(engine: wasmtime.Engine, wasm: bytes, digest: str, cache_dir: Path | None | bool) -> wasmtime.Module:
    import wasmtime

    directory = None if cache_dir is False else default_cache_dir() if cache_dir is None or cache_dir is True else Path(cache_dir)
    cached = None
    if directory is not None and _owned_private_dir(directory):
        cached = directory / f"{digest[:32]}-wasmtime-{wasmtime_version()}.cwasm"
        if cached.is_file():
            try:
                return wasmtime.Module.deserialize_file(engine, str(cached))
            except wasmtime.WasmtimeError:
                pass  # corrupt or from another engine config: recompile below
    try:
        module = wasmtime.Module(engine, wasm)
    except wasmtime.WasmtimeError as exc:
        raise ModuleLoadError(f"the assetc wasm module is not valid: {exc}") from exc
    if cached is not None:
        # temp + rename: several workers may start at once and none may see a half file.
        try:
            fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".tmp-", suffix=".cwasm")
            with os.fdopen(fd, "wb") as out:
                out.write(module.serialize())
            os.replace(tmp, cached)
        except OSError:
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass
    return module


# --- host imports: the guest's file I/O ------------------------------------------------


def _memory_address(caller: wasmtime.Caller, ptr: int, length: int) -> tuple[Any, int]:
    memory: Any = caller["memory"]
    if ptr < 0 or length < 0 or ptr + length > memory.data_len(caller):
        raise IndexError("guest pointer out of bounds")
    base = ctypes.addressof(memory.data_ptr(caller).contents)
    return memory, base + ptr


def _guest_bytes(caller: wasmtime.Caller, ptr: int, length: int) -> bytes:
    _, address = _memory_address(caller, ptr, length)
    return ctypes.string_at(address, length)


def _put_bytes(caller: wasmtime.Caller, ptr: int, data: bytes) -> None:
    _, address = _memory_address(caller, ptr, len(data))
    ctypes.memmove(address, data, len(data))


def _fs_stat(caller: wasmtime.Caller, path_ptr: int, path_len: int, out_ptr: int) -> int:
    try:
        path = _guest_bytes(caller, path_ptr, path_len)
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return _STAT_NOT_FOUND
        except (OSError, ValueError):
            return _STAT_ERROR
        record = struct.pack("<qqII", info.st_size, info.st_mtime_ns, 1 if stat.S_ISDIR(info.st_mode) else 0, 0)
        _put_bytes(caller, out_ptr, record)
        return _STAT_OK
    except Exception:  # never let a Python exception become a trap
        return _STAT_ERROR


def _sized_answer(caller: wasmtime.Caller, data: bytes, buf_ptr: int, buf_len: int) -> int:
    # ABI: always return the size; write only when it fits, so the guest can
    # ask with a small buffer and retry with the right one.
    if len(data) <= buf_len:
        _put_bytes(caller, buf_ptr, data)
    return len(data)


def _fs_read(caller: wasmtime.Caller, path_ptr: int, path_len: int, buf_ptr: int, buf_len: int) -> int:
    try:
        path = _guest_bytes(caller, path_ptr, path_len)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except (FileNotFoundError, NotADirectoryError):
            return _READ_NOT_FOUND
        except (OSError, ValueError):
            return _READ_ERROR
        return _sized_answer(caller, data, buf_ptr, buf_len)
    except Exception:
        return _READ_ERROR


def _fs_read_dir(caller: wasmtime.Caller, path_ptr: int, path_len: int, buf_ptr: int, buf_len: int) -> int:
    try:
        path = _guest_bytes(caller, path_ptr, path_len)
        parts: list[bytes] = []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()  # follows symlinks
                        if entry.is_symlink() and not os.path.exists(entry.path):
                            continue  # dangling symlink: omitted (ABI v1)
                    except OSError:
                        continue
                    parts.append((b"d" if is_dir else b"f") + entry.name + b"\0")
        except (FileNotFoundError, NotADirectoryError):
            return _READ_NOT_FOUND
        except (OSError, ValueError):
            return _READ_ERROR
        return _sized_answer(caller, b"".join(parts), buf_ptr, buf_len)
    except Exception:
        return _READ_ERROR


def _host_funcs() -> list[tuple[str, wasmtime.FuncType, Callable[..., int]]]:
    import wasmtime

    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    return [
        ("fs_stat", wasmtime.FuncType([i32, i32, i32], [i32]), _fs_stat),
        ("fs_read", wasmtime.FuncType([i32, i32, i32, i32], [i64]), _fs_read),
        ("fs_read_dir", wasmtime.FuncType([i32, i32, i32, i32], [i64]), _fs_read_dir),
    ]


# --- one instance ----------------------------------------------------------------------


class _Instance:
    """A Store + Instance used by exactly one thread."""

    def __init__(self, engine: wasmtime.Engine, module: wasmtime.Module):
        import wasmtime

        self.store = wasmtime.Store(engine)
        self.store.set_wasi(wasmtime.WasiConfig())
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        for name, func_type, callback in _host_funcs():
            linker.define_func("assetc_host", name, func_type, callback, access_caller=True)
        instance = linker.instantiate(self.store, module)
        exports = instance.exports(self.store)
        self._exports = exports
        self.memory: wasmtime.Memory = exports["memory"]  # type: ignore[assignment]
        exports["_initialize"](self.store)  # type: ignore[operator]
        got = exports["abi_version"](self.store)  # type: ignore[operator]
        if got != ABI_VERSION:
            raise ModuleLoadError(f"the assetc wasm module speaks ABI {got}, this bridge speaks ABI {ABI_VERSION}")
        self.generation = 0

    def _func(self, name: str) -> Any:
        return self._exports[name]

    def _take(self, packed: int) -> bytes:
        packed &= _MASK64
        ptr, length = packed >> 32, packed & 0xFFFFFFFF
        if ptr == 0 and length == 0:
            return b""
        base = ctypes.addressof(self.memory.data_ptr(self.store).contents)
        if ptr + length > self.memory.data_len(self.store):
            raise CoreError("internal", "the core returned a buffer outside its memory")
        data = ctypes.string_at(base + ptr, length)
        self._func("free")(self.store, ptr)
        return data

    def call(self, name: str, request: bytes | None) -> bytes:
        """Call ``name(ptr, len) -> i64`` (or ``name() -> i64`` for request None)."""
        if request is None:
            return self._take(self._func(name)(self.store))
        size = max(len(request), 1)
        ptr = self._func("alloc")(self.store, size)
        try:
            base = ctypes.addressof(self.memory.data_ptr(self.store).contents)
            ctypes.memmove(base + ptr, request, len(request))
            packed = self._func(name)(self.store, ptr, len(request))
        finally:
            self._func("free")(self.store, ptr)
        return self._take(packed)

    def has_export(self, name: str) -> bool:
        try:
            self._exports[name]
        except (KeyError, IndexError):
            return False
        return True

    def call_void(self, name: str) -> None:
        self._func(name)(self.store)


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise CoreError("internal", f"the core answered invalid JSON: {exc}") from exc
    if not isinstance(answer, dict):
        raise CoreError("internal", "the core answered JSON that is not an object")
    return answer


def error_from(obj: dict[str, Any]) -> CoreError:
    """Turn an ABI error object into a CoreError."""
    return CoreError(str(obj.get("kind", "internal")), str(obj.get("message", "unknown error")), obj)


# Exports added in ABI 1.1 (wasm/README.md): hosts check that they exist.
_ABI_1_1 = frozenset({"integrity", "importmap"})


@dataclass(frozen=True)
class Content:
    """A file as the core serves it (ABI ``content``)."""

    logical_path: str  # the path under STATIC_URL
    hashed_name: str  # its hashed path
    source_path: str  # the source file on the host
    body: bytes | None  # the bytes to serve when they differ from ``source_path`` (rewritten CSS/JS)


class Core:
    """The assetc core for one configuration, usable from any thread.

    ``config`` is the ABI ``configure`` request. Every thread gets its own
    instance, configured on first use; :meth:`invalidate` makes every
    instance re-check its sources before its next call.
    """

    def __init__(self, config: dict[str, Any], wasm_path: Path | None = None, cache_dir: Path | None | bool = None):
        self.config = config
        self._config_json = json.dumps(config).encode()
        self._module = load_module(wasm_path, cache_dir)
        assert _engine is not None
        self._engine = _engine
        self._local = threading.local()
        self._generation = 0
        self.instances_created = 0  # for tests and diagnostics
        _live_cores.add(self)

    # -- instance management

    def _instance(self) -> _Instance:
        inst: _Instance | None = getattr(self._local, "instance", None)
        if inst is None:
            inst = _Instance(self._engine, self._module)
            answer = _decode(inst.call("configure", self._config_json))
            if not answer.get("ok"):
                raise error_from(answer.get("error") or {})
            inst.generation = self._generation
            self._local.instance = inst
            self.instances_created += 1
        elif inst.generation != self._generation:
            self._guarded(inst, lambda: inst.call_void("invalidate"))
            inst.generation = self._generation
        return inst

    def _guarded(self, inst: _Instance, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:  # a trap, or a host import that raised: same thing
            # A trapped instance may hold any state: never reuse it.
            if getattr(self._local, "instance", None) is inst:
                self._local.instance = None
            raise CoreTrap("trap", f"the assetc core trapped: {exc}") from exc

    def _call(self, name: str, request: dict[str, Any]) -> bytes:
        inst = self._instance()
        if name in _ABI_1_1 and not inst.has_export(name):
            raise ModuleLoadError(f"the assetc wasm module has no '{name}' export (ABI 1.1): rebuild it with 'make wasm'")
        body = json.dumps(request).encode()
        return self._guarded(inst, lambda: inst.call(name, body))

    @property
    def generation(self) -> int:
        """Moves every time :meth:`invalidate` is called."""
        return self._generation

    def invalidate(self) -> None:
        """Sources may have changed: every thread's next call re-stats what it read."""
        self._generation += 1

    # -- the ABI calls

    def ping(self) -> None:
        """Make sure this thread has a working, configured instance (or raise)."""
        self._instance()

    def resolve(self, paths: list[str]) -> list[dict[str, Any]]:
        """Resolve a batch of logical paths; one result object per path, in order."""
        if not paths:
            return []
        answer = _decode(self._call("resolve", {"paths": list(paths)}))
        if "results" not in answer:
            raise error_from(answer.get("error") or {})
        return answer["results"]

    def resolve_one(self, path: str) -> str:
        """The hashed name of one path, or a CoreError."""
        result = self.resolve([path])[0]
        if "error" in result:
            raise error_from(result["error"])
        return result["hashed_name"]

    def content(self, *, hashed_name: str | None = None, logical_path: str | None = None) -> Content:
        """The file served under a hashed name (or, with ``logical_path``, a logical path)."""
        request = {"hashed_name": hashed_name} if hashed_name is not None else {"logical_path": logical_path}
        raw = self._call("content", request)
        if len(raw) < 4:
            raise CoreError("internal", "the core answered a truncated content response")
        (header_len,) = struct.unpack_from("<I", raw)
        header = _decode(raw[4 : 4 + header_len])
        if not header.get("ok"):
            raise error_from(header.get("error") or {})
        body = raw[4 + header_len :] if header.get("inline") else None
        return Content(
            logical_path=header["logical_path"], hashed_name=header["hashed_name"], source_path=header["source_path"], body=body
        )

    def integrity(self, paths: list[str], algorithm: str = "sha384") -> list[dict[str, Any]]:
        """SRI values of a batch of logical paths (ABI 1.1 ``integrity``); one result per path."""
        if not paths:
            return []
        answer = _decode(self._call("integrity", {"paths": list(paths), "algorithm": algorithm}))
        if "results" not in answer:
            raise error_from(answer.get("error") or {})
        return answer["results"]

    def integrity_one(self, path: str, algorithm: str = "sha384") -> str:
        """The SRI value (``sha384-…``) of one path's hashed copy, or a CoreError."""
        result = self.integrity([path], algorithm)[0]
        if "error" in result:
            raise error_from(result["error"])
        return result["integrity"]

    def importmap(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """The browser import map (ABI 1.1 ``importmap``); ``options`` mirror core.ImportMapOptions."""
        answer = _decode(self._call("importmap", dict(options or {})))
        if not answer.get("ok"):
            raise error_from(answer.get("error") or {})
        return answer["importmap"]
