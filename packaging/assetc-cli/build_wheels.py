"""Build the ``assetc`` platform wheels: the Go CLI cross-compiled for each
platform (static, ``CGO_ENABLED=0``) plus the small Python package beside
this script, written as wheels by hand (the wheel spec, PEP 427/491: a zip
with a dist-info whose RECORD lists every file with its sha256).

    python packaging/assetc-cli/build_wheels.py --out dist            # every platform
    python packaging/assetc-cli/build_wheels.py --out dist --host     # this machine's only

The version is the repository's VERSION file, as for the CLI and django-assetc.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
from notices import go_notices  # noqa: E402


@dataclass(frozen=True)
class Target:
    goos: str
    goarch: str
    # A static binary runs on every glibc and musl Linux: one wheel carries
    # both tag families (a compressed tag set, PEP 425).
    platform_tags: tuple[str, ...]

    @property
    def exe(self) -> str:
        return "assetc.exe" if self.goos == "windows" else "assetc"


# Go 1.25+ needs macOS 12 and Linux 3.2 (any manylinux2014/musllinux_1_1 system).
TARGETS = (
    Target("linux", "amd64", ("manylinux_2_17_x86_64", "manylinux2014_x86_64", "musllinux_1_1_x86_64")),
    Target("linux", "arm64", ("manylinux_2_17_aarch64", "manylinux2014_aarch64", "musllinux_1_1_aarch64")),
    Target("darwin", "amd64", ("macosx_12_0_x86_64",)),
    Target("darwin", "arm64", ("macosx_12_0_arm64",)),
    Target("windows", "amd64", ("win_amd64",)),
)

_HOST_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def host_target() -> Target:
    goos = {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(sys.platform)
    goarch = _HOST_ARCH.get(platform.machine().lower())
    for target in TARGETS:
        if (target.goos, target.goarch) == (goos, goarch):
            return target
    raise SystemExit(f"build_wheels: no assetc wheel for this platform ({sys.platform} {platform.machine()})")


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _zip_time() -> tuple[int, int, int, int, int, int]:
    # Reproducible: the same inputs give the same wheel bytes.
    import time

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "1767225600"))  # 2026-01-01
    return time.gmtime(max(epoch, 315532800))[:6]


def metadata(version: str) -> str:
    readme = (HERE / "README.md").read_text()
    return (
        "Metadata-Version: 2.4\n"
        "Name: assetc\n"
        f"Version: {version}\n"
        "Summary: The assetc static-files compiler (hashed names, rewritten references, precompressed variants) as a native binary.\n"
        "License-Expression: MIT\n"
        "License-File: LICENSE\n"
        "License-File: THIRD_PARTY_NOTICES\n"
        "Requires-Python: >=3.8\n"
        "Description-Content-Type: text/markdown\n"
        "\n" + readme
    )


def write_wheel(target: Target, binary: bytes, version: str, notices: str, out: Path) -> Path:
    """Write ``assetc-VERSION-py3-none-TAGS.whl`` into ``out``; returns its path."""
    tags = ".".join(target.platform_tags)
    dist_info = f"assetc-{version}.dist-info"
    files: list[tuple[str, bytes, int]] = []  # (archive name, bytes, unix mode)
    for source in sorted((HERE / "assetc").glob("*.py")):
        files.append((f"assetc/{source.name}", source.read_bytes(), 0o644))
    files.append((f"assetc/bin/{target.exe}", binary, 0o755))
    wheel = "Wheel-Version: 1.0\nGenerator: assetc build_wheels.py\nRoot-Is-Purelib: false\n"
    wheel += "".join(f"Tag: py3-none-{tag}\n" for tag in target.platform_tags)
    files += [
        (f"{dist_info}/METADATA", metadata(version).encode(), 0o644),
        (f"{dist_info}/WHEEL", wheel.encode(), 0o644),
        (f"{dist_info}/entry_points.txt", b"[console_scripts]\nassetc = assetc.__main__:main\n", 0o644),
        (f"{dist_info}/licenses/LICENSE", (REPOSITORY / "LICENSE").read_bytes(), 0o644),
        (f"{dist_info}/licenses/THIRD_PARTY_NOTICES", notices.encode(), 0o644),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data, _ in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode(), 0o644))
    path = out / f"assetc-{version}-py3-none-{tags}.whl"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=_zip_time())
            info.external_attr = (0o100000 | mode) << 16  # a regular file with its permissions
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)
    os.replace(tmp, path)
    return path


def compile_cli(target: Target, go: str, into: Path) -> bytes:
    """``go build ./cmd/assetc`` for ``target``: static, no cgo (so the pure Go encoders), stripped."""
    env = dict(os.environ, GOOS=target.goos, GOARCH=target.goarch, CGO_ENABLED="0")
    output = into / f"{target.goos}-{target.goarch}-{target.exe}"
    command = [go, "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", str(output), "./cmd/assetc"]
    print(f"build_wheels: GOOS={target.goos} GOARCH={target.goarch} CGO_ENABLED=0 {' '.join(command[1:])}", file=sys.stderr)
    subprocess.run(command, cwd=REPOSITORY, env=env, check=True)
    return output.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="directory to write the wheels into")
    parser.add_argument("--host", action="store_true", help="only this machine's platform")
    args = parser.parse_args()
    go = os.environ.get("GO", "go")
    version = (REPOSITORY / "VERSION").read_text().strip()
    args.out.mkdir(parents=True, exist_ok=True)
    targets = [host_target()] if args.host else list(TARGETS)
    with tempfile.TemporaryDirectory(prefix="assetc-wheels-") as scratch:
        for target in targets:
            binary = compile_cli(target, go, Path(scratch))
            env = {"GOOS": target.goos, "GOARCH": target.goarch, "CGO_ENABLED": "0"}
            notices = go_notices(REPOSITORY, ["./cmd/assetc"], env, go)
            print(write_wheel(target, binary, version, notices, args.out))


if __name__ == "__main__":
    main()
