"""The wasm glue: load the assetc core (``assetc.wasm``) with wasmtime and call it.

This module knows nothing about Django. It speaks ABI 3 (see
``wasm/README.md`` in the repository):

* one ``wasmtime.Engine`` and one compiled ``Module`` per process, the
  compiled code cached on disk (``compiled.py``: keyed by the wasm's sha256
  and the wasmtime version, written atomically, loaded only from a directory
  no one else can write);
* a bounded pool of ``Store`` + ``Instance`` pairs per :class:`Core` (a Store
  is not thread-safe and ctypes releases the GIL, so a thread borrows one for
  each call): at most ``instances`` exist, created lazily and configured with
  the same JSON, whatever the number of threads (runserver starts one per
  request; each instance costs ~57 ms to create and its own linear memory);
* the guest does all file I/O through three host imports (``assetc_host``),
  so symlinks that leave a source root work as they do for Django;
* any wasm trap discards that instance: the call that trapped fails with
  :class:`CoreTrap`, a later call gets a fresh instance. So does an instance
  whose linear memory (which never shrinks) grew past ``max_memory``.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import json
import os
import stat
import struct
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import compiled

if TYPE_CHECKING:
    import wasmtime

# wasmtime is imported on first use, not with this module: loading its native
# library costs ~0.25 s, which processes that never resolve a name (migrate,
# shell) should not pay.

ABI_VERSION = 3
_MASK64 = 0xFFFFFFFFFFFFFFFF

# fs_stat / fs_read / fs_read_dir result codes (ABI v1).
_STAT_OK, _STAT_NOT_FOUND, _STAT_ERROR = 0, 1, 2
_READ_NOT_FOUND, _READ_ERROR, _READ_NOT_REGULAR = -1, -2, -3


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


_bridge_version: list[str | None] = []


def bridge_version() -> str | None:
    """The installed django-assetc's version (the repository's VERSION), or None when not installed."""
    if not _bridge_version:
        try:
            _bridge_version.append(version("django-assetc"))
        except PackageNotFoundError:
            _bridge_version.append(None)
    return _bridge_version[0]


def default_wasm_path() -> Path:
    """``$ASSETC_WASM`` when set, else the module shipped in this package."""
    env = os.environ.get("ASSETC_WASM")
    return Path(env) if env else Path(__file__).with_name("assetc.wasm")


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
        core._idle.clear()
        core._module = core._engine = None  # type: ignore[assignment]
    _modules.clear()
    _engine = None
    import gc

    gc.collect()


def load_module(wasm_path: Path | None = None, cache_dir: Path | None | bool = None) -> wasmtime.Module:
    """Compile (or load from the on-disk cache, see ``compiled``) the core module; cached per process.

    ``cache_dir`` is ASSETC_CACHE_DIR: a directory, None for the default
    places, False for no disk cache.
    """
    global _engine
    import wasmtime

    path = Path(wasm_path) if wasm_path else default_wasm_path()
    try:
        wasm = path.read_bytes()
    except OSError as exc:
        raise ModuleLoadError(
            f"cannot read the assetc wasm module {path}: {exc.strerror or exc}. "
            "Reinstall django-assetc (its wheel ships the module; in the repository, 'make wasm' builds it)."
        ) from exc
    digest = hashlib.sha256(wasm).hexdigest()
    key = (digest, str(path))
    with _modules_lock:
        module = _modules.get(key)
        if module is not None:
            return module
        if _engine is None:
            _engine = wasmtime.Engine()
        try:
            module, _ = compiled.compile_cached(_engine, wasm, digest, cache_dir)
        except wasmtime.WasmtimeError as exc:
            raise ModuleLoadError(f"the assetc wasm module {path} is not valid: {exc}") from exc
        _modules[key] = module
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


def _file_kind(mode: int) -> int:
    """The stat record's kind (core.FileKind): what a path is after following links."""
    if stat.S_ISREG(mode):
        return 0
    if stat.S_ISDIR(mode):
        return 1
    if stat.S_ISFIFO(mode):
        return 2
    if stat.S_ISSOCK(mode):
        return 3
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return 4
    return 5


def _fs_stat(caller: wasmtime.Caller, path_ptr: int, path_len: int, out_ptr: int) -> int:
    try:
        path = _guest_bytes(caller, path_ptr, path_len)
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return _STAT_NOT_FOUND
        except (OSError, ValueError):
            return _STAT_ERROR
        # ABI 3: size, mtime_ns, kind, reserved, device, inode, ctime_ns (README "Imports").
        record = struct.pack(
            "<qqIIQQq",
            info.st_size,
            info.st_mtime_ns,
            _file_kind(info.st_mode),
            0,
            info.st_dev,
            info.st_ino,
            info.st_ctime_ns,
        )
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


# O_NONBLOCK: opening a FIFO swapped in after the guest's stat returns at once
# instead of waiting for a writer; fstat then refuses it before any read.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_regular(path: bytes) -> bytes | None:
    """The bytes of a regular file, or None if the path is anything else."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def _fs_read(caller: wasmtime.Caller, path_ptr: int, path_len: int, buf_ptr: int, buf_len: int) -> int:
    try:
        path = _guest_bytes(caller, path_ptr, path_len)
        try:
            data = _read_regular(path)
        except (FileNotFoundError, NotADirectoryError):
            return _READ_NOT_FOUND
        except (OSError, ValueError):
            return _READ_ERROR
        if data is None:
            return _READ_NOT_REGULAR
        return _sized_answer(caller, data, buf_ptr, buf_len)
    except Exception:
        return _READ_ERROR


def _entry_type(entry: os.DirEntry[bytes]) -> bytes | None:
    """A listing entry's type byte (ABI 2), or None for a dangling symlink."""
    if entry.is_dir():  # follows symlinks, like Django's listdir
        kind = b"d"
    elif entry.is_file():
        kind = b"f"
    elif entry.is_symlink() and not os.path.exists(entry.path):
        return None  # dangling: omitted
    else:
        kind = b"o"  # a FIFO, socket or device
    return kind.upper() if entry.is_symlink() else kind


def _fs_read_dir(caller: wasmtime.Caller, path_ptr: int, path_len: int, buf_ptr: int, buf_len: int) -> int:
    try:
        path = _guest_bytes(caller, path_ptr, path_len)
        parts: list[bytes] = []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    try:
                        kind = _entry_type(entry)
                    except OSError:
                        continue
                    if kind is not None:
                        parts.append(kind + entry.name + b"\0")
        except (FileNotFoundError, NotADirectoryError):
            return _READ_NOT_FOUND
        except (OSError, ValueError):
            return _READ_ERROR
        return _sized_answer(caller, b"".join(parts), buf_ptr, buf_len)
    except Exception:
        return _READ_ERROR


def _fs_real_path(caller: wasmtime.Caller, path_ptr: int, path_len: int, buf_ptr: int, buf_len: int) -> int:
    try:
        path = _guest_bytes(caller, path_ptr, path_len)
        try:
            real = os.path.realpath(path, strict=True)
        except (FileNotFoundError, NotADirectoryError):
            return _READ_NOT_FOUND
        except (OSError, ValueError):
            return _READ_ERROR
        return _sized_answer(caller, real, buf_ptr, buf_len)
    except Exception:
        return _READ_ERROR


def _host_funcs() -> list[tuple[str, wasmtime.FuncType, Callable[..., int]]]:
    import wasmtime

    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    return [
        ("fs_stat", wasmtime.FuncType([i32, i32, i32], [i32]), _fs_stat),
        ("fs_read", wasmtime.FuncType([i32, i32, i32, i32], [i64]), _fs_read),
        ("fs_read_dir", wasmtime.FuncType([i32, i32, i32, i32], [i64]), _fs_read_dir),
        ("fs_real_path", wasmtime.FuncType([i32, i32, i32, i32], [i64]), _fs_real_path),
    ]


# --- one instance ----------------------------------------------------------------------


class _Instance:
    """A Store + Instance, used by one thread at a time (borrowed from a Core's pool)."""

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
        # One version number (the repository's VERSION): a module from another
        # release is a stale build, e.g. an old assetc.wasm left in a checkout.
        built, expected = self._module_version(exports), bridge_version()
        if built and expected and built != expected:
            raise ModuleLoadError(
                f"the assetc wasm module is version {built}, django-assetc is {expected}: "
                "rebuild it ('make wasm') or reinstall django-assetc"
            )
        self.generation = 0

    def _module_version(self, exports: Any) -> str | None:
        try:
            export = exports["assetc_version"]
        except (KeyError, IndexError):
            return None  # a module older than the export (ABI 1.1)
        return self._take(export(self.store)).decode()

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

    def memory_size(self) -> int:
        """Bytes of linear memory: it grows with the guest's heap and never shrinks."""
        return int(self.memory.data_len(self.store))


def decode_answer(raw: bytes) -> dict[str, Any]:
    """A JSON response of the core as an object; ``CoreError("internal")`` when it is not one."""
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise CoreError("internal", f"the core answered invalid JSON: {exc}") from exc
    if not isinstance(answer, dict):
        raise CoreError("internal", "the core answered JSON that is not an object")
    return answer


def decode_framed(raw: bytes) -> tuple[dict[str, Any], bytes | None]:
    """A framed binary response (``content``, ``plan_content``): a u32 LE header length, the JSON
    header, then the body, which is ``None`` unless the header says ``inline``. An error answer
    raises its error."""
    if len(raw) < 4:
        raise CoreError("internal", "the core answered a truncated framed response")
    (header_len,) = struct.unpack_from("<I", raw)
    header = decode_answer(raw[4 : 4 + header_len])
    if not header.get("ok"):
        raise error_from(header.get("error") or {})
    return header, (raw[4 + header_len :] if header.get("inline") else None)


def error_from(obj: dict[str, Any]) -> CoreError:
    """Turn an ABI error object into a CoreError."""
    return CoreError(str(obj.get("kind", "internal")), str(obj.get("message", "unknown error")), obj)


# Exports added in ABI 1.1 (wasm/README.md): hosts check that they exist.
_ABI_1_1 = frozenset({"integrity", "importmap", "plan", "plan_content", "inventory", "manifest"})


@dataclass(frozen=True)
class Content:
    """A file as the core serves it (ABI ``content``)."""

    logical_path: str  # the path under STATIC_URL
    hashed_name: str  # its hashed path
    source_path: str  # the source file on the host
    body: bytes | None  # the bytes to serve when they differ from ``source_path`` (rewritten CSS/JS)
    # The identity of the source bytes the core named (size, mtime, whole MD5
    # in hex): a host checks the file still has it before streaming ``source``.
    source_size: int = -1
    source_mtime_ns: int = -1
    source_md5: str = ""


_T = TypeVar("_T")


def default_instances() -> int:
    """The default pool size: ``min(4, os.cpu_count())``. More instances than
    cores only add memory: every call is CPU work in the guest."""
    return max(1, min(4, os.cpu_count() or 1))


# An instance whose linear memory grew past this is discarded after its call
# (a fresh one starts at ~20 MB): wasm memory never shrinks, so one burst
# (a page naming thousands of files) would otherwise be kept for good.
DEFAULT_MAX_MEMORY = 512 * 1024 * 1024


class Core:
    """The assetc core for one configuration, usable from any thread.

    ``config`` is the ABI ``configure`` request. Threads borrow an instance
    from a pool for each call; at most ``instances`` (default
    :func:`default_instances`) exist, and a thread waits when all are busy.
    :meth:`invalidate` makes every instance re-check its sources before its
    next call.
    """

    def __init__(
        self,
        config: dict[str, Any],
        wasm_path: Path | None = None,
        cache_dir: Path | None | bool = None,
        instances: int | None = None,
        max_memory: int = DEFAULT_MAX_MEMORY,
    ):
        self.config = config
        self._config_json = json.dumps(config).encode()
        self._module = load_module(wasm_path, cache_dir)
        assert _engine is not None
        self._engine = _engine
        self.max_instances = default_instances() if instances is None else int(instances)
        if self.max_instances < 1:
            raise ValueError(f"a Core needs at least one instance, not {instances!r} (ASSETC_INSTANCES)")
        self.max_memory = max_memory
        # The pool: idle instances (most recently used last) and how many
        # exist, idle or borrowed. Bounded by max_instances; an instance
        # leaves it when it traps or outgrows max_memory.
        self._idle: list[_Instance] = []
        self._live = 0
        self._available = threading.Condition(threading.Lock())
        self._generation = 0
        self.instances_created = 0  # for tests and diagnostics
        _live_cores.add(self)

    # -- instance management

    def _new_instance(self) -> _Instance:
        inst = _Instance(self._engine, self._module)
        answer = decode_answer(inst.call("configure", self._config_json))
        if not answer.get("ok"):
            raise error_from(answer.get("error") or {})
        inst.generation = self._generation
        with self._available:
            self.instances_created += 1
        return inst

    def _borrow(self) -> _Instance:
        with self._available:
            while not self._idle and self._live >= self.max_instances:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._live += 1
        try:
            return self._new_instance()  # outside the lock: ~57 ms
        except BaseException:
            self._give_back(None)
            raise

    def _give_back(self, inst: _Instance | None) -> None:
        """Return a borrowed instance to the pool; None discards it."""
        with self._available:
            if inst is None:
                self._live -= 1
            else:
                self._idle.append(inst)
            self._available.notify()

    def _with_instance(self, call: Callable[[_Instance], _T]) -> _T:
        """Run ``call`` on a borrowed instance, brought up to date with invalidate()."""
        inst = self._borrow()
        keep = False
        try:
            generation = self._generation
            if inst.generation != generation:
                inst.call_void("invalidate")
                inst.generation = generation
            result = call(inst)
            keep = inst.memory_size() <= self.max_memory
            return result
        except ModuleLoadError:
            keep = True  # raised by the glue before any call: the instance is fine
            raise
        except Exception as exc:  # a trap, or a host import that raised: same thing
            # A trapped instance may hold any state: never reuse it.
            raise CoreTrap("trap", f"the assetc core trapped: {exc}") from exc
        finally:
            self._give_back(inst if keep else None)

    @contextlib.contextmanager
    def session(self) -> Iterator[Callable[[str, dict[str, Any]], bytes]]:
        """One instance for a sequence of calls that share guest state (a plan,
        then its pages and contents): the pool would give each call any
        instance. Yields ``call(export, request) -> response bytes``. Only an
        error of the call itself (a trap) discards the instance; errors of the
        caller's own work between calls pass through unchanged."""
        inst = self._borrow()
        keep = True

        def call(name: str, request: dict[str, Any]) -> bytes:
            nonlocal keep
            if name in _ABI_1_1 and not inst.has_export(name):
                raise ModuleLoadError(f"the assetc wasm module has no '{name}' export (ABI 1.1): rebuild it with 'make wasm'")
            try:
                if inst.generation != self._generation:
                    inst.call_void("invalidate")
                    inst.generation = self._generation
                return inst.call(name, json.dumps(request).encode())
            except Exception as exc:
                keep = False
                raise CoreTrap("trap", f"the assetc core trapped: {exc}") from exc

        try:
            yield call
            keep = keep and inst.memory_size() <= self.max_memory
        finally:
            self._give_back(inst if keep else None)

    def _call(self, name: str, request: dict[str, Any]) -> bytes:
        body = json.dumps(request).encode()

        def call(inst: _Instance) -> bytes:
            if name in _ABI_1_1 and not inst.has_export(name):
                raise ModuleLoadError(f"the assetc wasm module has no '{name}' export (ABI 1.1): rebuild it with 'make wasm'")
            return inst.call(name, body)

        return self._with_instance(call)

    @property
    def instances(self) -> int:
        """How many instances exist now (idle or borrowed); at most ``max_instances``."""
        with self._available:
            return self._live

    @property
    def generation(self) -> int:
        """Moves every time :meth:`invalidate` is called."""
        return self._generation

    def invalidate(self) -> None:
        """Sources may have changed: every instance re-stats what it read before its next call."""
        with self._available:
            self._generation += 1

    # -- the ABI calls

    def ping(self) -> None:
        """Make sure a working, configured instance can be had (or raise)."""
        inst = self._borrow()
        self._give_back(inst)

    def resolve(self, paths: list[str]) -> list[dict[str, Any]]:
        """Resolve a batch of logical paths; one result object per path, in order."""
        if not paths:
            return []
        answer = decode_answer(self._call("resolve", {"paths": list(paths)}))
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
        header, body = decode_framed(self._call("content", request))
        return Content(
            logical_path=header["logical_path"],
            hashed_name=header["hashed_name"],
            source_path=header["source_path"],
            body=body,
            source_size=int(header.get("source_size", -1)),
            source_mtime_ns=int(header.get("source_mtime_ns", -1)),
            source_md5=str(header.get("source_md5", "")),
        )

    def integrity(self, paths: list[str], algorithm: str = "sha384") -> list[dict[str, Any]]:
        """SRI values of a batch of logical paths (ABI 1.1 ``integrity``); one result per path."""
        if not paths:
            return []
        answer = decode_answer(self._call("integrity", {"paths": list(paths), "algorithm": algorithm}))
        if "results" not in answer:
            raise error_from(answer.get("error") or {})
        return answer["results"]

    def integrity_one(self, path: str, algorithm: str = "sha384") -> str:
        """The SRI value (``sha384-…``) of one path's hashed copy, or a CoreError."""
        result = self.integrity([path], algorithm)[0]
        if "error" in result:
            raise error_from(result["error"])
        return result["integrity"]

    def manifest(self, paths: dict[str, str]) -> bytes:
        """staticfiles.json for ``paths`` (logical path -> hashed name), byte for
        byte as Django writes it, encoded by the core (ABI 1.1 ``manifest``)."""
        answer = decode_answer(self._call("manifest", {"paths": dict(paths)}))
        if not answer.get("ok"):
            raise error_from(answer.get("error") or {})
        return str(answer["manifest_json"]).encode()

    def importmap(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """The browser import map (ABI 1.1 ``importmap``); ``options`` mirror core.ImportMapOptions."""
        answer = decode_answer(self._call("importmap", dict(options or {})))
        if not answer.get("ok"):
            raise error_from(answer.get("error") or {})
        return answer["importmap"]
