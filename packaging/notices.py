"""The license notices of the Go code linked into a binary: Go's own (the
runtime and standard library) and every module the packages depend on, read
from the module cache. Release artifacts (the CLI wheels, django-assetc's
wasm core) ship this text, as the MIT/BSD/Apache-2.0 terms ask for."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

_LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING", "NOTICE", "NOTICE.md", "NOTICE.txt")


def go_notices(repository: Path, packages: list[str], env: dict[str, str], go: str = "go") -> str:
    """The notices text for ``packages`` built with ``env`` (GOOS, GOARCH...)."""
    run_env = dict(os.environ, **env)
    listing = subprocess.run(
        [go, "list", "-deps", "-json=Module", *packages], cwd=repository, env=run_env, capture_output=True, text=True, check=True
    ).stdout
    modules: dict[str, dict[str, str]] = {}
    decoder = json.JSONDecoder()
    index = 0
    while index < len(listing):
        if listing[index].isspace():
            index += 1
            continue
        package, index = decoder.raw_decode(listing, index)
        module = package.get("Module")
        if module and not module.get("Main"):
            modules[module["Path"]] = module
    goroot = subprocess.run([go, "env", "GOROOT"], env=run_env, capture_output=True, text=True, check=True).stdout.strip()
    sections = [("Go (runtime and standard library)", Path(goroot))]
    sections += [(f"{path} {module.get('Version', '')}".strip(), Path(module["Dir"])) for path, module in sorted(modules.items())]
    parts = ["Third-party software linked into this artifact, with its license terms.\n"]
    for title, directory in sections:
        texts = [(directory / name).read_text(errors="replace") for name in _LICENSE_NAMES if (directory / name).is_file()]
        if not texts:
            raise RuntimeError(f"no license file found for {title} in {directory}")
        parts.append("=" * 78 + f"\n{title}\n" + "=" * 78 + "\n\n" + "\n".join(texts).rstrip() + "\n")
    return "\n".join(parts)
