"""The assetc command-line tool, shipped as a native binary in this platform wheel.

``python -m assetc ...`` and the ``assetc`` script run it; other packages
(django-assetc) find it with :func:`binary_path`.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

__all__ = ["binary_path", "__version__"]

__version__ = version("assetc")


def binary_path() -> str:
    """The path of the ``assetc`` executable inside this package.

    Raises FileNotFoundError when the wheel was installed without it (a broken install).
    """
    name = "assetc.exe" if sys.platform == "win32" else "assetc"
    path = Path(__file__).resolve().parent / "bin" / name
    if not path.is_file():
        raise FileNotFoundError(f"the assetc binary is missing from {path.parent}: reinstall the 'assetc' package")
    return str(path)
