"""The fallback writer (no native CLI): it writes the wasm core's plan with the
Go writer's semantics, so a root it wrote is byte-identical to ``assetc
build``'s, build records included, and the CLI takes it over."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from django.test import override_settings

from assetc_django.build import build_with_core

from .conftest import example_cli_sources, tree


def fallback_build(root: Path) -> list[tuple[str, Any, Any]]:
    with override_settings(ASSETC_NATIVE_BINARY=None):
        return list(build_with_core(str(root)))


def records(root: Path) -> list[dict[str, Any]]:
    """The build records, without the time each one was written."""
    out = []
    for name in sorted(os.listdir(root / ".assetc" / "builds")):
        record = json.loads((root / ".assetc" / "builds" / name).read_text())
        record.pop("time")
        out.append(record)
    return out


def settled_site() -> None:
    """Wait until the fixture site (copied when the session started) is older than
    core.RacyWindow (2 s): the source records of both builds then hold every file,
    which is what the comparison below is about."""
    newest = max(p.stat().st_ctime for p in Path(os.environ["ASSETC_TEST_SITE"]).rglob("*"))
    time.sleep(max(0.0, newest + 2.1 - time.time()))


def test_fallback_root_is_byte_identical_to_assetc_build(tmp_path: Path) -> None:
    settled_site()
    cli, bridge = tmp_path / "cli", tmp_path / "bridge"
    subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(cli), "-q"], check=True, timeout=120)
    results = fallback_build(bridge)
    assert results and all(processed is True for _, _, processed in results)
    got, want = tree(bridge), tree(cli)
    assert sorted(got) == sorted(want)
    assert [k for k in got if got[k] != want[k]] == []
    # The records: one build, the same hashed files; the same source records;
    # the same state but for the mtimes of the files each wrote.
    assert records(bridge) == records(cli)
    sources = (cli / ".assetc" / "sources.json").read_bytes()
    assert (bridge / ".assetc" / "sources.json").read_bytes() == sources and b'"ctime"' in sources
    state_bridge = json.loads((bridge / ".assetc" / "state.json").read_text())
    state_cli = json.loads((cli / ".assetc" / "state.json").read_text())
    assert {k: (v["md5"], v["size"]) for k, v in state_bridge.items()} == {k: (v["md5"], v["size"]) for k, v in state_cli.items()}
    assert not (bridge / ".assetc" / "lock").exists() and not (bridge / ".assetc" / "pending.json").exists()

    # The CLI takes the root over: a rebuild writes nothing, clean works.
    proc = subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(bridge), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["written"] == 0
    proc = subprocess.run(["assetc", "clean", "-o", str(bridge), "--keep", "1", "--older-than", "0s"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert tree(bridge) == want


def test_fallback_rebuild_is_incremental_and_removes_an_unfinished_write(tmp_path: Path) -> None:
    root = tmp_path / "root"
    fallback_build(root)
    before = tree(root)
    # What a killed write leaves: a temporary and a file it created, listed
    # as pending, with a manifest that never arrived.
    (root / "css" / ".x.css.assetc-tmp").write_bytes(b"half")
    (root / "css" / "new.0123456789ab.css").write_bytes(b"new")
    (root / ".assetc" / "pending.json").write_text(json.dumps({"manifest": "0" * 32, "record": "1.json", "paths": ["css/new.0123456789ab.css"]}))
    fallback_build(root)
    assert tree(root) == before
    assert not (root / ".assetc" / "pending.json").exists()
    assert len(records(root)) == 2


def test_fallback_refuses_while_a_build_holds_the_lock(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / ".assetc").mkdir(parents=True)
    (root / ".assetc" / "lock").write_text(f"{os.getpid()}\n")  # a live process holds it
    results = fallback_build(root)
    assert len(results) == 1 and "another assetc build" in str(results[0][2])
    assert not (root / "staticfiles.json").exists()
    assert (root / ".assetc" / "lock").read_text() == f"{os.getpid()}\n"  # not taken from its holder


def test_fallback_write_drops_the_native_snapshot(tmp_path: Path) -> None:
    """The native writer's snapshot (.assetc/snapshot.bin) proves that nothing
    changed since the native build that recorded it; after the fallback has
    written the root it proves nothing, so the fallback deletes it and the next
    ``assetc build`` plans."""
    root = tmp_path / "root"
    subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(root), "-q"], check=True, timeout=120)
    snapshot = root / ".assetc" / "snapshot.bin"
    if not snapshot.exists():  # sources changed within the racy window: none was recorded
        snapshot.write_bytes(b"assetc-snapshot\n")
    fallback_build(root)
    assert not snapshot.exists()
    proc = subprocess.run(["assetc", "build", *example_cli_sources(), "-o", str(root), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["planned"] is True
