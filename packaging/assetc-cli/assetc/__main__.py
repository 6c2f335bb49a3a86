"""``assetc ...`` (the console script) and ``python -m assetc ...``: run the binary."""

from __future__ import annotations

import os
import subprocess
import sys

from . import binary_path


def main() -> None:
    binary = binary_path()
    if sys.platform == "win32":
        # No exec on Windows: run it and pass its exit code on.
        sys.exit(subprocess.call([binary, *sys.argv[1:]]))
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
