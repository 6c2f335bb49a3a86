"""The compiled-core cache (compiled.py): where it is found, whom it trusts,
what invalidates it, what bounds it, and that migrate never loads the core.

Cases that need another user run a child process that imports wasmtime as
root and then drops to uid/gid 65534 (nobody) before touching the cache: root
ignores file permissions, so only another user shows what is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from assetc_django import compiled, runtime

BRIDGE = Path(__file__).resolve().parents[1]
NOBODY = 65534
needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to act as another user")


def digest() -> str:
    return hashlib.sha256(runtime.default_wasm_path().read_bytes()).hexdigest()


# An empty module compiles in microseconds; the cache treats every module
# alike, so the cases that must compile use it instead of the core (seconds).
TINY = b"\0asm\x01\0\0\0"
TINY_DIGEST = hashlib.sha256(TINY).hexdigest()


def fresh_tiny(cache: Path | bool | None) -> tuple[object, Path | None]:
    """Compile or load the tiny module as a new process would."""
    import wasmtime

    return compiled.compile_cached(wasmtime.Engine(), TINY, TINY_DIGEST, cache)


def test_warm_writes_a_copy_that_the_next_load_uses(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    result = compiled.warm(explicit=cache)
    assert result.path == cache / compiled.entry_name(digest())
    stamp = result.path.stat().st_mtime_ns
    import wasmtime

    _, source = compiled.compile_cached(wasmtime.Engine(), runtime.default_wasm_path().read_bytes(), digest(), cache)
    assert source == result.path and result.path.stat().st_mtime_ns == stamp  # loaded, not rewritten
    assert not compiled.warm(explicit=cache).compiled


def test_key_changes_with_the_module_and_with_wasmtime(monkeypatch: pytest.MonkeyPatch) -> None:
    name = compiled.entry_name(digest())
    assert compiled.entry_name("0" * 64) != name
    monkeypatch.setattr(compiled, "wasmtime_version", lambda: "0.0.0")
    assert compiled.entry_name(digest()) != name


def test_corrupt_copy_is_recompiled_and_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    entry = cache / compiled.entry_name(TINY_DIGEST)
    entry.write_bytes(b"not compiled code")
    _, source = fresh_tiny(cache)
    assert source == entry and entry.read_bytes() != b"not compiled code"
    assert fresh_tiny(cache)[1] == entry  # and it loads


def test_at_most_max_entries_per_directory(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    for age in range(6):
        old = cache / f"{age:032d}-wasmtime-0{compiled.SUFFIX}"
        old.write_bytes(b"x")
        os.utime(old, (1_000_000 + age, 1_000_000 + age))
    compiled.store(cache, compiled.entry_name(digest()), b"y")
    kept = sorted(p.name for p in cache.iterdir())
    assert len(kept) == compiled.MAX_ENTRIES
    assert compiled.entry_name(digest()) in kept and f"{5:032d}-wasmtime-0{compiled.SUFFIX}" in kept
    assert f"{0:032d}-wasmtime-0{compiled.SUFFIX}" not in kept  # the oldest went first


def test_directory_writable_by_others_is_not_trusted(tmp_path: Path) -> None:
    cache = tmp_path / "shared"
    cache.mkdir()
    cache.chmod(0o777)
    state = compiled.inspect(digest(), cache)
    assert not state.usable and "writable by other users" in state.problems[0]


@needs_root
def test_group_write_is_trusted_only_for_group_0(tmp_path: Path) -> None:
    openshift = tmp_path / "openshift"  # chgrp 0 + chmod g=u, as OpenShift images do
    openshift.mkdir(mode=0o775)
    os.chown(openshift, 0, 0)
    openshift.chmod(0o775)
    assert compiled.inspect(digest(), openshift).writable == openshift
    other = tmp_path / "other-group"
    other.mkdir()
    os.chown(other, 0, 4321)
    other.chmod(0o775)
    assert not compiled.inspect(digest(), other).usable


@needs_root
def test_copy_owned_by_another_user_is_not_trusted(tmp_path: Path) -> None:
    cache = tmp_path / "theirs"
    compiled.warm(explicit=cache)
    os.chown(cache, NOBODY, NOBODY)
    state = compiled.inspect(digest(), cache)
    assert state.hit is None and "belongs to uid 65534" in state.problems[0]


def test_no_usable_cache_is_a_system_check_warning(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with override_settings(ASSETC_CACHE_DIR=str(shared)):
        messages = [m for m in run_checks() if m.id == "assetc.W006"]
    assert len(messages) == 1 and "manage.py assetc warm" in messages[0].msg
    with override_settings(ASSETC_CACHE_DIR=str(tmp_path / "mine")):
        assert "assetc.W006" not in {m.id for m in run_checks()}


# --- another user ---------------------------------------------------------------------

_CHILD = """
import json, logging, os, sys, hashlib
import wasmtime
from assetc_django import compiled, runtime
compiled.wasmtime_version()  # reads package metadata before the user loses access
compiled.PACKAGE_CACHE = __import__("pathlib").Path(sys.argv[1])
wasm = b"\\0asm\\x01\\0\\0\\0"  # TINY
digest = hashlib.sha256(wasm).hexdigest()
warnings = []
compiled.logger.addHandler(type("H", (logging.Handler,), {"emit": lambda self, r: warnings.append(r.getMessage())})())
os.setgroups([]); os.setgid(65534); os.setuid(65534)
os.environ["HOME"] = "/nonexistent"
os.environ.pop("XDG_CACHE_HOME", None)
os.environ.pop("ASSETC_CACHE_DIR", None)
before = compiled.inspect(digest)
sources = [str(compiled.compile_cached(wasmtime.Engine(), wasm, digest)[1]) for _ in range(2)]
print(json.dumps({"hit": str(before.hit), "sources": sources, "warnings": warnings}))
"""


def as_nobody(package_cache: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("ASSETC_CACHE_DIR", "XDG_CACHE_HOME")}
    env["PYTHONPATH"] = os.pathsep.join([str(BRIDGE / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD), str(package_cache)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A directory every user can reach (pytest's tmp_path is under a 0700 directory)."""
    directory = Path(tempfile.mkdtemp(prefix="assetc-cache-test-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@needs_root
def test_cache_warmed_by_root_is_used_by_another_uid_without_home(public_dir: Path) -> None:
    """The Docker case: `warm` at image build (root), the app runs as another UID
    with HOME=/nonexistent and a package directory it cannot write."""
    package_cache = public_dir / "_compiled"
    _, warmed = fresh_tiny(package_cache)
    assert warmed is not None and oct(package_cache.stat().st_mode & 0o777) == "0o700"
    package_cache.chmod(0o755)  # what the package directory gets (compiled._private_dir_mode)
    result = as_nobody(package_cache)
    assert result["hit"] == str(warmed)
    assert result["sources"] == [str(warmed)] * 2
    assert result["warnings"] == []


@needs_root
def test_no_usable_cache_warns_once(public_dir: Path) -> None:
    package_cache = public_dir / "_compiled"
    package_cache.mkdir(mode=0o755)  # root's, empty: readable, not writable by nobody
    result = as_nobody(package_cache)
    assert result["sources"] == ["None", "None"]
    assert len(result["warnings"]) == 1 and "manage.py assetc warm" in str(result["warnings"][0])
    assert "/nonexistent" in str(result["warnings"][0])


# --- commands that never resolve a name ---------------------------------------------


def test_migrate_does_not_load_the_core_but_check_does(tmp_path: Path) -> None:
    """A broken module path: loading the core would fail the system checks.
    migrate must not notice; check must (assetc.E002)."""
    (tmp_path / "settings_migrate.py").write_text(
        "from tests.settings import *\n"
        f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.sqlite3', 'NAME': {str(tmp_path / 'db.sqlite3')!r}}}}}\n"
        "INSTALLED_APPS = [*INSTALLED_APPS, 'django.contrib.contenttypes', 'django.contrib.auth']\n"
    )
    (tmp_path / "manage.py").write_text("import sys\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings_migrate", ASSETC_WASM=str(tmp_path / "absent.wasm"))
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(BRIDGE), str(BRIDGE / "src")])
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    assert "wasmtime" not in subprocess.run(
        [sys.executable, "-c", "import sys, runpy; sys.argv=['manage.py','migrate','-v','0']; runpy.run_path('manage.py'); print(sorted(sys.modules))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    ).stdout
    check = subprocess.run([sys.executable, "manage.py", "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert check.returncode != 0 and "assetc.E002" in check.stderr


def test_stale_module_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_bridge_version", ["9.9.9"])
    with pytest.raises(runtime.ModuleLoadError, match=r"version .* django-assetc is 9\.9\.9"):
        runtime.Core({"roots": []}, cache_dir=False).ping()


# --- the deploy steps ---------------------------------------------------------------


def test_warm_command_reports_where_and_refuses_an_unusable_cache(tmp_path: Path) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    with override_settings(ASSETC_CACHE_DIR=str(tmp_path / "cache")):
        call_command("assetc", "warm", stdout=out)
    assert str(tmp_path / "cache" / compiled.entry_name(digest())) in out.getvalue()
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with override_settings(ASSETC_CACHE_DIR=str(shared)), pytest.raises(CommandError, match="writable by other users"):
        call_command("assetc", "warm", stdout=io.StringIO())
    with override_settings(ASSETC_CACHE_DIR=False), pytest.raises(CommandError, match="disables"):
        call_command("assetc", "warm", stdout=io.StringIO())


def test_warm_writes_the_bytecode_of_what_a_first_static_imports() -> None:
    """Without bytecode (uv's default install, PYTHONDONTWRITEBYTECODE=1) every new
    process compiles wasmtime's bindings from source: warm writes it."""
    import importlib.util

    import wasmtime._bindings

    cached = Path(importlib.util.cache_from_source(wasmtime._bindings.__file__))
    cached.unlink(missing_ok=True)
    compiled.warm()
    assert cached.is_file()


def test_byte_compile_writes_missing_bytecode_once_and_reports_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    package = tmp_path / "lib" / "first_use_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "bindings.py").write_text("X = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    assert compiled.byte_compile(("first_use_pkg", "no_such_package_here")) == []
    cached = Path(importlib.util.cache_from_source(str(package / "bindings.py")))
    stamp = cached.stat().st_mtime_ns
    assert compiled.byte_compile(("first_use_pkg",)) == []
    assert cached.stat().st_mtime_ns == stamp  # up to date: left alone
    (package / "broken.py").write_text("def (:\n")
    assert compiled.byte_compile(("first_use_pkg",)) == ["first_use_pkg"]


def test_collectstatic_leaves_a_warm_cache(tmp_path: Path) -> None:
    from .conftest import run_collectstatic

    cache = tmp_path / "cache"
    with override_settings(STATIC_ROOT=str(tmp_path / "root"), ASSETC_CACHE_DIR=str(cache)):
        run_collectstatic()
    assert (cache / compiled.entry_name(digest())).is_file()
