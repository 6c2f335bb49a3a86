"""Install the release wheels (``make dist-host``) into clean virtualenvs, with
no Go on PATH, and run a Django project end to end: ``assetc warm``,
collectstatic with Brotli and gzip variants (the CLI from the ``assetc``
wheel), ``{% static %}`` and a file served by the middleware.

Run by ``make test-install`` (part of ``make test``): ASSETC_DIST names the
directory with the wheels, ASSETC_UV the pinned uv that makes the venvs.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DIST = Path(os.environ.get("ASSETC_DIST", Path(__file__).resolve().parents[2] / "dist"))
UV = os.environ.get("ASSETC_UV") or shutil.which("uv")
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"

# (Python, Django pin): the oldest and the newest pair the package supports.
MATRIX = [("3.10", "Django==4.2.30"), ("3.13", "Django==6.1.3")]


def find_python(minor: str) -> str | None:
    """An interpreter for ``minor`` (3.10...) that runs: on PATH, else pyenv's, as .ci/find-python looks."""
    candidates = [shutil.which(f"python{minor}")] + sorted(glob.glob(str(PYENV / f"{minor}.*" / "bin" / "python3")), reverse=True)
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == minor:
            return candidate
    return None


def wheels() -> list[Path]:
    """django-assetc's wheel and this machine's assetc CLI wheel."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "assetc-cli"))
    try:
        from build_wheels import host_target
    finally:
        sys.path.pop(0)
    tags = ".".join(host_target().platform_tags)
    found = sorted(DIST.glob("django_assetc-*.whl")) + sorted(DIST.glob(f"assetc-*-py3-none-{tags}.whl"))
    if len(found) != 2:
        pytest.fail(f"no wheels in {DIST}: run 'make dist-host' (make test-install does)")
    return found


PROJECT_FILES = {
    "manage.py": """
        import os, sys
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
        from django.core.management import execute_from_command_line
        execute_from_command_line(sys.argv)
    """,
    "site_settings.py": """
        from pathlib import Path
        BASE_DIR = Path(__file__).resolve().parent
        SECRET_KEY = "install-test"
        DEBUG = False
        ALLOWED_HOSTS = ["*"]
        ROOT_URLCONF = "site_urls"
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles", "assetc_django"]
        MIDDLEWARE = ["assetc_django.middleware.AssetcMiddleware"]
        TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [BASE_DIR / "templates"]}]
        # The quickstart's three settings (README.md).
        STATIC_URL = "/static/"
        STATIC_ROOT = BASE_DIR / "staticfiles"
        STATICFILES_DIRS = [BASE_DIR / "static"]
        STORAGES = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "assetc_django.storage.AssetcStorage"},
        }
        ASSETC_COMPRESS = ["br", "gzip"]
    """,
    "site_urls.py": "urlpatterns = []\n",
    "templates/page.html": "{% load static %}<link rel=stylesheet href=\"{% static 'css/site.css' %}\">\n",
    "static/css/site.css": "body { background: url(../img/dot.svg) } " + "p { color: #123456 } " * 200 + "\n",
    "static/img/dot.svg": '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>\n',
    "serve.py": """
        import json, os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
        import django
        django.setup()
        from django.template.loader import render_to_string
        from django.test import Client
        html = render_to_string("page.html")
        url = html.split('href="')[1].split('"')[0]
        response = Client().get(url, HTTP_ACCEPT_ENCODING="br, gzip")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        print(json.dumps({"url": url, "status": response.status_code, "encoding": response.get("Content-Encoding"), "length": len(body)}))
    """,
}


def write_project(into: Path) -> None:
    for name, text in PROJECT_FILES.items():
        path = into / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(command)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.mark.parametrize(("python", "django"), MATRIX, ids=[f"py{p}-{d.split('==')[1]}" for p, d in MATRIX])
def test_wheels_install_and_run_a_project_without_go(python: str, django: str, tmp_path: Path) -> None:
    interpreter = find_python(python)
    if interpreter is None:
        pytest.skip(f"no Python {python} on this machine (pyenv install {python})")
    if UV is None:
        pytest.skip("uv not found: make test-install installs the pinned one")
    venv = tmp_path / "venv"
    run([UV, "venv", "-q", "--python", interpreter, str(venv)], tmp_path, dict(os.environ))
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    run([UV, "pip", "install", "-q", "--python", str(bindir / "python"), *map(str, wheels()), django], tmp_path, dict(os.environ))

    # A clean environment: the system's basic tools, no Go, and not the venv's bin/ either, so
    # collectstatic finds the CLI in the assetc package (build.native_binary), not on PATH.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    assert shutil.which("go", path=env["PATH"]) is None and shutil.which("assetc", path=env["PATH"]) is None
    project = tmp_path / "site"
    write_project(project)
    py = str(bindir / "python")

    version = run([str(bindir / "assetc"), "version"], project, env)
    assert "cgo off" in version and "brotli: andybalholm/brotli (Go)" in version

    warm = run([py, "manage.py", "assetc", "warm"], project, env)
    assert "_compiled" in warm  # the package's own cache directory, found by every later process
    run([py, "manage.py", "check", "--fail-level", "WARNING"], project, env)
    run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], project, env)

    root = project / "staticfiles"
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/site.css"]
    assert (root / hashed).is_file() and (root / (hashed + ".br")).is_file() and (root / (hashed + ".gz")).is_file()
    assert manifest["img/dot.svg"] in (root / hashed).read_text()  # the reference was rewritten

    served = json.loads(run([py, "serve.py"], project, env).strip().splitlines()[-1])
    assert served["url"] == "/static/" + hashed
    assert served["status"] == 200 and served["encoding"] == "br"
    assert served["length"] == (root / (hashed + ".br")).stat().st_size


def no_go_env(tmp_path: Path) -> dict[str, str]:
    # The rest of the environment stays: uv needs its proxy and certificate settings.
    env = {k: v for k, v in os.environ.items() if k not in ("GO", "GOROOT", "GOPATH")}
    env["PATH"] = "/usr/bin:/bin"
    assert shutil.which("go", path=env["PATH"]) is None
    return env


def test_sdist_builds_a_wheel_with_the_core_without_go(tmp_path: Path) -> None:
    """The sdist carries the compiled core: pip can build the wheel where there is no Go."""
    import tarfile
    import zipfile

    if UV is None:
        pytest.skip("uv not found: make test-install installs the pinned one")
    (sdist,) = DIST.glob("django_assetc-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (source,) = (tmp_path / "src").iterdir()
    interpreter = find_python("3.13") or find_python("3.10")
    assert interpreter is not None
    run([UV, "build", "-q", "--wheel", "--python", interpreter, "--out-dir", str(tmp_path / "out"), str(source)], tmp_path, no_go_env(tmp_path))
    (wheel,) = (tmp_path / "out").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("assetc_django/assetc.wasm") == (source / "src" / "assetc_django" / "assetc.wasm").read_bytes()


def test_building_from_the_repository_without_go_fails_saying_what_to_do(tmp_path: Path) -> None:
    if UV is None:
        pytest.skip("uv not found: make test-install installs the pinned one")
    interpreter = find_python("3.13") or find_python("3.10")
    assert interpreter is not None
    bridge = Path(__file__).resolve().parents[2] / "bridge" / "django"
    proc = subprocess.run(
        [UV, "build", "--wheel", "--python", interpreter, "--out-dir", str(tmp_path / "out"), str(bridge)],
        env=no_go_env(tmp_path), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "'go' is not on PATH" in output and "Install Go" in output
    assert not list((tmp_path / "out").glob("*.whl"))


# The uv platforms each CLI wheel must install on, by the GOOS/GOARCH it was built for.
UV_PLATFORMS = {
    "manylinux_2_17_x86_64": ["x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"],
    "manylinux_2_17_aarch64": ["aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl"],
    "macosx_12_0_x86_64": ["x86_64-apple-darwin"],
    "macosx_12_0_arm64": ["aarch64-apple-darwin"],
    "win_amd64": ["x86_64-pc-windows-msvc"],
}
MAGIC = {"linux": b"\x7fELF", "apple": b"\xcf\xfa\xed\xfe", "windows": b"MZ"}


def test_each_cli_wheel_installs_its_platforms_binary(tmp_path: Path) -> None:
    """Every CLI wheel in dist/ (the host's after make dist-host, all five after make dist)
    is chosen by an installer for the platforms its tags promise, with that platform's binary."""
    if UV is None:
        pytest.skip("uv not found: make test-install installs the pinned one")
    cli_wheels = sorted(DIST.glob("assetc-*.whl"))
    assert cli_wheels
    for wheel in cli_wheels:
        first_tag = wheel.name.split("-py3-none-")[1].split(".")[0]
        for platform_name in UV_PLATFORMS[first_tag]:
            target = tmp_path / platform_name
            run([UV, "pip", "install", "-q", "--python-platform", platform_name, "--python-version", "3.12", "--target", str(target),
                 "--no-index", "--find-links", str(DIST), "assetc"], tmp_path, dict(os.environ))
            (binary,) = (target / "assetc" / "bin").iterdir()
            kind = next(k for k in MAGIC if k in platform_name)
            assert binary.read_bytes()[:4].startswith(MAGIC[kind]), (wheel.name, platform_name)
