"""collectstatic's options and settings through AssetcStorage do what they do
with Django's ManifestStaticFilesStorage: both run here on the same tree, on
both assetc paths (the native CLI on PATH, and the wasm core with
ASSETC_NATIVE_BINARY = ""), on every Django of the matrix."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from .conftest import ASSETC_BACKEND, MANIFEST_BACKEND, collectstatic_error, storages

PATHS = ["native-cli", "wasm-core"]
FILESYSTEM = "django.contrib.staticfiles.finders.FileSystemFinder"
# Files assetc adds to a static root (its SRI sidecar, the CLI's bookkeeping).
ASSETC_ONLY = ("staticfiles.integrity.json", ".assetc/")


def make_tree(root: Path) -> Path:
    src = root / "src"
    files = {
        "css/site.css": '@import "base.css";\nbody { background: url("../img/logo.png"); }\n',
        "css/base.css": "h1 { color: red; }\n",
        "img/logo.png": "png bytes",
        "js/app.js": "console.log('app');\n//# sourceMappingURL=app.js.map\n",
        "js/app.js.map": "{}",
        "notes/readme.txt": "text",
        ".hidden": "dotfile",
        "css/.editor": "dotfile in a dir",
        "backup.css~": "editor backup",
    }
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    return src


def collect(backend: str, out: Path, src: Path, native: str, **options: Any) -> str:
    extra = {} if native == "native-cli" else {"ASSETC_NATIVE_BINARY": ""}
    settings = {"STORAGES": storages(backend), "STATIC_ROOT": str(out), "STATICFILES_DIRS": [str(src)], "STATICFILES_FINDERS": [FILESYSTEM]}
    stdout = io.StringIO()
    with override_settings(**{**settings, **extra, **options.pop("settings", {})}):
        call_command("collectstatic", interactive=False, verbosity=1, stdout=stdout, stderr=io.StringIO(), **options)
    return stdout.getvalue()


def listing(root: Path) -> dict[str, str]:
    """Every entry under root: "link" for a symlink, else "file"/"dir" and its mode."""
    entries: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix() + ("/" if name in dirnames else "")
            if rel.startswith(ASSETC_ONLY) or rel in ASSETC_ONLY:
                continue
            info = path.lstat()
            kind = "link" if stat.S_ISLNK(info.st_mode) else "dir" if name in dirnames else "file"
            entries[rel] = kind if kind == "link" else f"{kind} {oct(info.st_mode & 0o777)}"
    return entries


def manifest(root: Path) -> dict[str, str]:
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def both(tmp_path: Path, native: str, **options: Any) -> tuple[Path, Path]:
    """Django's run and assetc's, same tree and options; returns the two roots."""
    src = make_tree(tmp_path)
    django_root, assetc_root = tmp_path / "django", tmp_path / "assetc"
    collect(MANIFEST_BACKEND, django_root, src, native, **dict(options, settings=dict(options.get("settings", {}))))
    collect(ASSETC_BACKEND, assetc_root, src, native, **options)
    return django_root, assetc_root


@pytest.mark.parametrize("native", PATHS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"ignore_patterns": ["*.txt"]},
        {"ignore_patterns": ["notes", "img/*.gif"]},
        {"use_default_ignore_patterns": False},
        {"use_default_ignore_patterns": False, "ignore_patterns": ["*~"]},
        {"link": True},
        {"settings": {"FILE_UPLOAD_PERMISSIONS": 0o640, "FILE_UPLOAD_DIRECTORY_PERMISSIONS": 0o750}},
        {"settings": {"FILE_UPLOAD_PERMISSIONS": None}},
    ],
    ids=["defaults", "ignore", "ignore-dir", "no-default-ignore", "no-default-ignore+ignore", "link", "permissions", "umask"],
)
def test_same_root_as_django(native: str, options: dict[str, Any], tmp_path: Path) -> None:
    django_root, assetc_root = both(tmp_path, native, **options)
    assert manifest(assetc_root) == manifest(django_root)
    assert listing(assetc_root) == listing(django_root)


@pytest.mark.parametrize("native", PATHS)
def test_link_keeps_symlinks_and_writes_hashed_files(native: str, tmp_path: Path) -> None:
    _, root = both(tmp_path, native, link=True)
    hashed = manifest(root)["css/site.css"]
    assert (root / "css/site.css").is_symlink()
    assert not (root / hashed).is_symlink() and b"base." in (root / hashed).read_bytes()


@pytest.mark.parametrize("native", PATHS)
def test_clear_and_dry_run(native: str, tmp_path: Path) -> None:
    src = make_tree(tmp_path)
    root = tmp_path / "root"
    (root / "old").mkdir(parents=True)
    (root / "old" / "stale.css").write_text("stale")
    collect(ASSETC_BACKEND, root, src, native, dry_run=True)
    assert listing(root) == {"old/": "dir " + oct((root / "old").stat().st_mode & 0o777), "old/stale.css": "file " + oct((root / "old/stale.css").stat().st_mode & 0o777)}
    collect(ASSETC_BACKEND, root, src, native, clear=True)
    assert not (root / "old" / "stale.css").exists()
    assert "css/site.css" in manifest(root)


@pytest.mark.parametrize("native", PATHS)
def test_failed_collectstatic_writes_nothing(native: str, tmp_path: Path) -> None:
    src = make_tree(tmp_path)
    (src / "css" / "broken.css").write_text('a { background: url("missing.png"); }\n/* ok */\nb { background: url("../img/gone.png"); }\n')
    root = tmp_path / "root"
    root.mkdir()
    (root / "keep.txt").write_text("from the last deploy")
    with pytest.raises(collectstatic_error(ValueError)) as info:
        collect(ASSETC_BACKEND, root, src, native, clear=True)
    message = str(info.value)
    # Every problem, with file:line:col.
    assert f"{src.as_posix()}/css/broken.css:1:" in message and "missing.png" in message
    assert f"{src.as_posix()}/css/broken.css:3:" in message and "gone.png" in message
    # Nothing was written, nothing was cleared.
    assert sorted(p.name for p in root.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("native", PATHS)
def test_an_ignored_reference_fails_like_django(native: str, tmp_path: Path) -> None:
    """-i drops a file a stylesheet uses: Django's post_process cannot find it, nor can assetc."""
    src = make_tree(tmp_path)
    with pytest.raises(collectstatic_error(ValueError)):
        collect(MANIFEST_BACKEND, tmp_path / "django", src, native, ignore_patterns=["*.png"])
    with pytest.raises(collectstatic_error(ValueError)) as info:
        collect(ASSETC_BACKEND, tmp_path / "assetc", src, native, ignore_patterns=["*.png"])
    assert "logo.png" in str(info.value)
    assert not (tmp_path / "assetc").exists()


@pytest.mark.parametrize("native", PATHS)
def test_files_from_other_finders_are_collected_unhashed(native: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = make_tree(tmp_path)
    media = tmp_path / "media"
    (media / "uploads").mkdir(parents=True)
    (media / "uploads" / "from-default-storage.txt").write_text("default storage file")
    root = tmp_path / "root"
    finders = [FILESYSTEM, "django.contrib.staticfiles.finders.DefaultStorageFinder"]
    with caplog.at_level(logging.WARNING, "assetc_django"):
        output = collect(ASSETC_BACKEND, root, src, native, settings={"STATICFILES_FINDERS": finders, "MEDIA_ROOT": str(media)})
    assert (root / "uploads" / "from-default-storage.txt").read_text() == "default storage file"
    assert "uploads/from-default-storage.txt" not in manifest(root)
    assert "css/site.css" in manifest(root)
    assert "uploads/from-default-storage.txt" in caplog.text and "no hashed name" in caplog.text
    assert "post-processed" in output


def test_link_and_permissions_with_precompressed_variants(tmp_path: Path) -> None:
    """ASSETC_COMPRESS (native CLI only): the CLI writes the unhashed copies to
    compress them; --link's symlinks are put back, variants get the file mode."""
    src = make_tree(tmp_path)
    (src / "css" / "big.css").write_text("".join(f".rule-{i} {{ color: red; margin: {i}px; }}\n" for i in range(300)))
    root = tmp_path / "root"
    collect(ASSETC_BACKEND, root, src, "native-cli", link=True, settings={"ASSETC_COMPRESS": ["gzip"], "FILE_UPLOAD_PERMISSIONS": 0o640})
    hashed = manifest(root)["css/big.css"]
    assert (root / "css/big.css").is_symlink()
    for name in (hashed, hashed + ".gz", "css/big.css.gz", "staticfiles.json"):
        assert oct((root / name).lstat().st_mode & 0o777) == "0o640", name


@pytest.mark.parametrize("native", PATHS)
def test_post_process_without_the_collect_check(native: str, tmp_path: Path) -> None:
    """Another collectstatic (one that does not call Django's collect()) calls
    post_process directly: the files are checked there, and named the same."""
    from assetc_django.collect import found_files
    from assetc_django.storage import AssetcStorage

    src = make_tree(tmp_path)
    django_root = tmp_path / "django"
    collect(MANIFEST_BACKEND, django_root, src, native)
    extra = {} if native == "native-cli" else {"ASSETC_NATIVE_BINARY": ""}
    with override_settings(STATICFILES_DIRS=[str(src)], STATICFILES_FINDERS=[FILESYSTEM], **extra):
        storage = AssetcStorage(location=str(tmp_path / "root"))
        results = list(storage.post_process(found_files(["CVS", ".*", "*~"])))
        assert all(processed is True for _, _, processed in results)
        assert {name: hashed for name, hashed, _ in results} == manifest(django_root)
        (src / "css" / "broken.css").write_text('a { background: url("nope.png"); }\n')
        ((name, hashed, error),) = list(storage.post_process(found_files(["CVS", ".*", "*~"])))
    assert name == "css/broken.css" and hashed is None and isinstance(error, ValueError) and "nope.png" in str(error)
