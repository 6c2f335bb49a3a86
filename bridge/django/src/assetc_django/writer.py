"""Applying the engine's Plan to a static root without the native CLI: the
fallback writer of collectstatic and ``manage.py assetc build``.

Every byte comes from the wasm core (ABI ``plan`` and ``plan_content``,
wasm/README.md): the files, ``staticfiles.json``, the integrity sidecar and
``.assetc/sources.json``. This module only moves them onto the disk with the
semantics of the Go writer (core/writer), so ``assetc build`` and
``assetc clean`` take over a root it wrote:

- ``.assetc/lock`` holds the writer's pid while it writes;
- ``.assetc/pending.json`` lists the paths it creates before it creates any,
  and an unfinished write's files are removed on the next write (or by
  ``assetc clean``);
- each file is written to ``.NAME.assetc-tmp`` and renamed; equal contents
  are hard links; a file whose size and mtime ``.assetc/state.json``
  recorded with the same MD5 is not written again;
- the sidecar, the build record, then ``staticfiles.json`` (the commit
  point), then the state;
- ``.assetc/snapshot.bin`` (the native writer's proof that nothing changed)
  is deleted before anything is written; this writer records none.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from .runtime import Core, CoreError, decode_answer, decode_framed, error_from

MANIFEST_NAME = "staticfiles.json"
INTEGRITY_NAME = "staticfiles.integrity.json"
STATE_DIR = ".assetc"
TMP_SUFFIX = ".assetc-tmp"
PAGE = 2000


class LockedError(RuntimeError):
    """Another build or clean holds the output directory."""


# A core call on the instance that holds the plan (Core.session).
_Call = Callable[[str, dict[str, Any]], bytes]


def _plan_page(call: _Call, request: dict[str, Any]) -> dict[str, Any]:
    answer = decode_answer(call("plan", request))
    if not answer.get("ok"):
        raise error_from(answer.get("error") or {})
    return answer


def _plan_content(call: _Call, plan_id: int, path: str) -> bytes:
    _, body = decode_framed(call("plan_content", {"plan_id": plan_id, "output_path": path}))
    if body is None:
        raise CoreError("internal", f"the core answered no inline content for {path}")
    return body


def write_root(core: Core, location: str, *, hashed_only: bool = False) -> Iterator[tuple[str, str, bool]]:
    """Plan through the core and write the plan into ``location``; yields
    ``(logical_path, hashed_name, True)`` for every file once committed.
    Raises :class:`~assetc_django.runtime.CoreError` (kind ``diagnostics``
    for errors in the sources) before anything is written."""
    out = _Output(location)
    out.lock()
    # One instance for the whole write: the plan lives in the instance that
    # made it, and its pages and contents are asked of that instance.
    try:
        with core.session() as call:
            out.recover()
            # The native writer's snapshot (core/writer/snapshot.go) must not
            # outlive a write it did not see: the next `assetc build` plans.
            _remove(os.path.join(out.state_dir, "snapshot.bin"))
            known = out.read_json("sources.json") or {}
            first = _plan_page(call, {"plan_id": 0, "offset": 0, "limit": PAGE, "known": known, "hashed_only": hashed_only})
            files = list(first["files"])
            while len(files) < first["total"]:
                files.extend(_plan_page(call, {"plan_id": first["plan_id"], "offset": len(files), "limit": PAGE})["files"])
            manifest_json = first["manifest_json"].encode()
            pending = out.start_pending(files, manifest_json)
            committed = False
            try:
                out.write_files(files, lambda f: _plan_content(call, first["plan_id"], f["output_path"]))
                out.commit(first, files, pending)
                committed = True
            finally:
                if not committed:
                    out.recover()  # a failed write leaves no file of its own
    finally:
        out.unlock()
    manifest: dict[str, str] = first.get("manifest") or {}
    for name in sorted(manifest):
        yield name, manifest[name], True


class _Output:
    def __init__(self, location: str):
        self.dir = location
        self.state_dir = os.path.join(location, STATE_DIR)
        self.state: dict[str, dict[str, Any]] = {}

    def path(self, rel: str) -> str:
        return os.path.join(self.dir, *rel.split("/"))

    def read_json(self, name: str) -> Any:
        try:
            with open(os.path.join(self.state_dir, name), "rb") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    # -- the lock (core/writer/lock.go)

    def lock(self) -> None:
        os.makedirs(self.state_dir, exist_ok=True)
        lock = os.path.join(self.state_dir, "lock")
        for _ in range(3):
            tmp = f"{lock}.{os.getpid()}-{time.time_ns()}{TMP_SUFFIX}"
            with open(tmp, "wb") as handle:
                handle.write(f"{os.getpid()}\n".encode())
            try:
                os.link(tmp, lock)
                return
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
            try:
                with open(lock, "rb") as handle:
                    pid = int(handle.read().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid > 0 and _alive(pid):
                raise LockedError(f"another assetc build (pid {pid}) is writing to {self.dir}; wait for it to finish (lock: {lock})")
            try:
                os.unlink(lock)  # stale: its process is gone
            except FileNotFoundError:
                pass
        raise LockedError(f"cannot lock the output directory {self.dir}: remove {lock} if no build is running")

    def unlock(self) -> None:
        try:
            os.unlink(os.path.join(self.state_dir, "lock"))
        except FileNotFoundError:
            pass

    # -- unfinished builds (core/writer/commit.go)

    def start_pending(self, files: list[dict[str, Any]], manifest_json: bytes) -> dict[str, Any]:
        self.state = self.read_json("state.json") or {}
        paths = [f["output_path"] for f in files if f["output_path"] not in self.state and not os.path.lexists(self.path(f["output_path"]))]
        pending = {"manifest": hashlib.md5(manifest_json).hexdigest(), "record": f"{time.time_ns()}.json", "paths": paths}
        write_file_atomically(os.path.join(self.state_dir, "pending.json"), json.dumps(pending).encode())
        return pending

    def recover(self) -> None:
        pending = self.read_json("pending.json")
        if pending is None:
            if os.path.exists(os.path.join(self.state_dir, "pending.json")):
                self._finish_recovery()
            return
        try:
            with open(os.path.join(self.dir, MANIFEST_NAME), "rb") as handle:
                live = handle.read()
        except FileNotFoundError:
            live = b""
        if hashlib.md5(live).hexdigest() != pending.get("manifest"):
            if pending.get("record"):
                _remove(os.path.join(self.state_dir, "builds", os.path.basename(pending["record"])))
            kept = self._kept(live)
            for rel in pending.get("paths") or []:
                if rel not in kept:
                    _remove(self.path(rel))
        self._finish_recovery()

    def _kept(self, manifest: bytes) -> set[str]:
        kept = set(self.read_json("state.json") or {})
        builds = os.path.join(self.state_dir, "builds")
        for name in os.listdir(builds) if os.path.isdir(builds) else []:
            record = self.read_json(os.path.join("builds", name)) if name.endswith(".json") else None
            if record:
                kept.update(record.get("files") or [])
        try:
            paths = json.loads(manifest)["paths"]
            kept.update(paths)
            kept.update(paths.values())
        except (ValueError, KeyError, TypeError):
            pass
        return kept

    def _finish_recovery(self) -> None:
        for directory, _, names in os.walk(self.dir):
            for name in names:
                if name.endswith(TMP_SUFFIX) and not name.startswith("lock."):
                    _remove(os.path.join(directory, name))
        _remove(os.path.join(self.state_dir, "pending.json"))

    # -- the files (core/writer/files.go)

    def write_files(self, files: list[dict[str, Any]], rewritten: Any) -> None:
        groups: dict[str, list[dict[str, Any]]] = {}
        for f in files:
            groups.setdefault(f["md5"], []).append(f)
        for group in groups.values():
            data: bytes | None = None
            link_from = ""
            for f in group:
                if self._up_to_date(f["output_path"], f["md5"]):
                    link_from = link_from or f["output_path"]
                    continue
                if link_from and self._link(link_from, f["output_path"], f["md5"]):
                    continue
                if data is None:
                    data = rewritten(f) if f["rewritten"] else _read_source(f)
                self._write(f["output_path"], data, f["md5"])
                link_from = f["output_path"]

    def _up_to_date(self, rel: str, md5: str) -> bool:
        written = self.state.get(rel)
        if not written or written.get("md5") != md5:
            return False
        try:
            st = os.lstat(self.path(rel))
        except OSError:
            return False
        return st.st_size == written.get("size") and st.st_mtime_ns == written.get("mtime")

    def _tmp(self, target: str) -> str:
        return os.path.join(os.path.dirname(target), "." + os.path.basename(target) + TMP_SUFFIX)

    def _write(self, rel: str, data: bytes, md5: str) -> None:
        target = self.path(rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = self._tmp(target)
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
            st = os.stat(tmp)
            os.replace(tmp, target)
        except BaseException:
            _remove(tmp)
            raise
        self.state[rel] = {"md5": md5, "size": st.st_size, "mtime": st.st_mtime_ns}

    def _link(self, source_rel: str, rel: str, md5: str) -> bool:
        target = self.path(rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = self._tmp(target)
        _remove(tmp)
        try:
            os.link(self.path(source_rel), tmp)
            st = os.stat(tmp)
            os.replace(tmp, target)
        except OSError:
            return False
        finally:
            _remove(tmp)  # a rename onto another link of the same file does nothing (POSIX)
        self.state[rel] = {"md5": md5, "size": st.st_size, "mtime": st.st_mtime_ns}
        return True

    # -- the switch (core/writer/commit.go)

    def commit(self, first: dict[str, Any], files: list[dict[str, Any]], pending: dict[str, Any]) -> None:
        write_file_atomically(os.path.join(self.dir, INTEGRITY_NAME), first["integrity_json"].encode())
        record = {"time": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"), "files": [f["output_path"] for f in files if f["hashed"]]}
        os.makedirs(os.path.join(self.state_dir, "builds"), exist_ok=True)
        write_file_atomically(os.path.join(self.state_dir, "builds", pending["record"]), _go_json(record))
        write_file_atomically(os.path.join(self.dir, MANIFEST_NAME), first["manifest_json"].encode())
        write_file_atomically(os.path.join(self.state_dir, "state.json"), _go_json(self.state))
        write_file_atomically(os.path.join(self.state_dir, "sources.json"), first["sources_json"].encode())
        _remove(os.path.join(self.state_dir, "pending.json"))


def _read_source(f: dict[str, Any]) -> bytes:
    """A source's bytes, checked against the plan: a file edited since the
    plan would be written under a name that no longer matches it."""
    with open(f["source_path"], "rb") as handle:
        data = handle.read()
    if hashlib.md5(data).hexdigest() != f["md5"]:
        raise CoreError("internal", f"{f['source_path']} changed during the build; run the build again")
    return data


def _go_json(value: Any) -> bytes:
    """JSON as Go's encoding/json writes it: compact, keys sorted, <>& escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def write_file_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through ``path.assetc-tmp`` and a rename:
    readers see the old bytes or the new, and ``assetc clean`` removes a
    temporary a kill left."""
    tmp = path + TMP_SUFFIX
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError as exc:
        return exc.errno != errno.ESRCH
    return True
