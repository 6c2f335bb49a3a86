"""Measure the bridge's startup cost in a fresh process (not a test).

    cd bridge/django && ../../.venv/bin/python -m tests.measure_startup

Prints: Django setup, importing the bridge's modules, the first {% static %}
(wasmtime import + module load from the on-disk cache + instance + first
resolve) and a second, cached {% static %}.
"""

from __future__ import annotations

import os
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    t0 = time.perf_counter()
    import django

    django.setup()
    t1 = time.perf_counter()
    import importlib

    importlib.import_module("assetc_django.storage")
    importlib.import_module("assetc_django.middleware")

    t2 = time.perf_counter()
    from django.templatetags.static import static

    first = static("css/site.css")
    t3 = time.perf_counter()
    static("css/site.css")
    t4 = time.perf_counter()
    static("img/logo.png")
    t5 = time.perf_counter()
    print(f"django.setup() incl. assetc_django app: {1e3 * (t1 - t0):7.1f} ms")
    print(f"import storage + middleware modules:    {1e3 * (t2 - t1):7.1f} ms")
    print(f"first {{% static %}} ({first}): {1e3 * (t3 - t2):7.1f} ms")
    print(f"same name again (cached):                {1e3 * (t4 - t3):7.3f} ms")
    print(f"another name (one wasm resolve):         {1e3 * (t5 - t4):7.3f} ms")


if __name__ == "__main__":
    main()
