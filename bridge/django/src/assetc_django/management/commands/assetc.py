"""``manage.py assetc resolve|explain|build|warm``: the assetc CLI with Django's
settings as the source list (STATICFILES_DIRS, app static/ dirs, ASSETC_*)."""

from __future__ import annotations

import json
import subprocess
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ... import compress
from ...build import build_native, build_with_core, found_paths, native_binary, native_source_args
from ...errors import error_for, format_diagnostic
from ...project import configured_core
from ...runtime import CoreError, error_from


class Command(BaseCommand):
    help = "Resolve, explain or build static files with assetc, using Django's static files settings."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        resolve = sub.add_parser("resolve", help="print the hashed name of logical paths (through the wasm core)")
        resolve.add_argument("names", nargs="+", metavar="NAME")
        resolve.add_argument("--json", action="store_true", help="print one JSON object per path")
        explain = sub.add_parser("explain", help="everything about one logical path: where it comes from, its name")
        explain.add_argument("name", metavar="NAME")
        build = sub.add_parser("build", help="write a static root, like collectstatic with AssetcStorage")
        build.add_argument("-o", "--output", help="the static root to write (default: STATIC_ROOT)")
        sub.add_parser("warm", help="compile the wasm core into the cache later processes load it from (a deploy step)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        action = options["action"]
        if action == "resolve":
            self.resolve(options["names"], options["json"])
        elif action == "explain":
            self.explain(options["name"])
        elif action == "warm":
            self.warm()
        else:
            self.build(options.get("output") or settings.STATIC_ROOT)

    def resolve(self, names: list[str], as_json: bool) -> None:
        failed = False
        for result in configured_core().resolve(names):
            if as_json:
                self.stdout.write(json.dumps(result))
            elif "error" in result:
                self.stderr.write(str(error_for(result["path"], error_from(result["error"]))))
            else:
                self.stdout.write(f"{result['path']} {result['hashed']}")
            failed = failed or "error" in result
        if failed:
            raise CommandError("some paths could not be resolved", returncode=1)

    def explain(self, name: str) -> None:
        binary = native_binary()
        if binary:
            proc = subprocess.run([binary, "explain", *native_source_args(), name], capture_output=True, text=True)
            self.stdout.write(proc.stdout.rstrip("\n"))
            if proc.returncode != 0:
                raise CommandError(proc.stderr.strip() or f"assetc explain exited with {proc.returncode}", returncode=proc.returncode)
            return
        # Without the CLI: what the core can tell.
        core = configured_core()
        try:
            content = core.content(path=name)
        except CoreError as exc:
            raise CommandError(str(error_for(name, exc))) from None
        self.stdout.write(f"{name}\n  source: {content.source}\n  hashed: {content.hashed}")
        self.stdout.write(f"  rewritten: {'yes' if content.body is not None else 'no'}")
        roots = "\n".join(f"    {r['prefix'] + '=' if r['prefix'] else ''}{r['dir']}" for r in core.config["roots"])
        self.stdout.write(f"  roots, in lookup order:\n{roots}")

    def build(self, output: str | None) -> None:
        if not output:
            raise CommandError("no output directory: pass -o DIR or set STATIC_ROOT")
        binary = native_binary()
        stats: dict[str, Any] = {}
        results = build_native(binary, str(output), stats) if binary else build_with_core(found_paths(), str(output))
        count = 0
        for name, hashed, processed in results:
            if isinstance(processed, Exception):
                message = str(processed)
                diagnostics = getattr(processed, "diagnostics", None)
                if diagnostics:
                    message = "\n".join(format_diagnostic(d) for d in diagnostics)
                raise CommandError(f"Post-processing '{name}' failed!\n{message}")
            count += 1
            if self.verbosity >= 2:
                self.stdout.write(f"{name} -> {hashed}")
        via = "assetc CLI" if binary else "wasm core"
        variants = ""
        if compress.encodings() and stats:
            variants = f", {stats.get('variants', 0)} variants ({stats.get('compressed', 0)} compressed, {stats.get('compression_reused', 0)} reused)"
        self.stdout.write(f"{count} static files written to '{output}' ({via}){variants}.")

    def warm(self) -> None:
        from ...compiled import configured_cache, uncached_message, warm

        wasm, cache = configured_cache()
        if cache is False:
            raise CommandError("ASSETC_CACHE_DIR = False disables the compiled-core cache: there is nothing to warm.")
        result = warm(wasm, cache)
        if result.path is None:
            raise CommandError(uncached_message(result.state))
        self.stdout.write(f"Compiled wasm core {'written to' if result.compiled else 'already in'} {result.path}.")
