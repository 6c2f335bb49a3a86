"""``manage.py assetc resolve|explain|build|check|warm``: the assetc CLI with Django's
settings as the source list (STATICFILES_DIRS, app static/ dirs, ASSETC_*).

``check`` is the deploy-time check for CI: every file collectstatic would
collect, resolved as the build resolves it; every problem printed as
``path:line:col: error: message``; exit status 1 when there is one."""

from __future__ import annotations

import json
import subprocess
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ... import compress
from ...build import build_native, build_with_core, native_binary, native_config_file
from ...errors import error_for
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
        sub.add_parser("check", help="resolve every file and reference as collectstatic would; print every problem")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        action = options["action"]
        if action == "resolve":
            self.resolve(options["names"], options["json"])
        elif action == "explain":
            self.explain(options["name"])
        elif action == "warm":
            self.warm()
        elif action == "check":
            self.check_sources()
        else:
            self.build(options.get("output") or settings.STATIC_ROOT)

    def resolve(self, names: list[str], as_json: bool) -> None:
        failed = False
        for result in configured_core().resolve(names):
            if as_json:
                self.stdout.write(json.dumps(result))
            elif "error" in result:
                self.stderr.write(str(error_for(result["logical_path"], error_from(result["error"]))))
            else:
                self.stdout.write(f"{result['logical_path']} {result['hashed_name']}")
            failed = failed or "error" in result
        if failed:
            raise CommandError("some paths could not be resolved", returncode=1)

    def check_sources(self) -> None:
        from ...checks import duplicates, reference_problems

        problems = reference_problems()
        for problem in problems:
            self.stderr.write(problem)
        dups = duplicates()
        for dup in dups:
            if dup.kind == "accident":
                self.stderr.write(f"{dup.shadowed}: warning: '{dup.logical_path}' is shadowed by {dup.used} ({dup.used_by}); this file is never used")
            elif self.verbosity >= 2:
                self.stdout.write(f"{dup.shadowed}: note: '{dup.logical_path}' is overridden on purpose by {dup.used} ({dup.used_by})")
        overrides = sum(1 for dup in dups if dup.kind != "accident")
        accidents = len(dups) - overrides
        self.stdout.write(f"{len(problems)} error(s), {accidents} shadowed file(s), {overrides} intentional override(s).")
        if problems:
            raise CommandError(f"{len(problems)} static file problem(s)", returncode=1)

    def explain(self, name: str) -> None:
        binary = native_binary()
        if binary:
            with native_config_file() as config:
                proc = subprocess.run([binary, "explain", "--config", config, name], capture_output=True, text=True)
            self.stdout.write(proc.stdout.rstrip("\n"))
            if proc.returncode != 0:
                raise CommandError(proc.stderr.strip() or f"assetc explain exited with {proc.returncode}", returncode=proc.returncode)
            return
        # Without the CLI: what the core can tell.
        core = configured_core()
        try:
            content = core.content(logical_path=name)
        except CoreError as exc:
            raise CommandError(str(error_for(name, exc))) from None
        self.stdout.write(f"{name}\n  source: {content.source_path}\n  hashed: {content.hashed_name}")
        self.stdout.write(f"  rewritten: {'yes' if content.body is not None else 'no'}")
        roots = "\n".join(f"    {r['prefix'] + '=' if r['prefix'] else ''}{r['dir']}" for r in core.config["roots"])
        self.stdout.write(f"  roots, in lookup order:\n{roots}")

    def build(self, output: str | None) -> None:
        if not output:
            raise CommandError("no output directory: pass -o DIR or set STATIC_ROOT")
        binary = native_binary()
        stats: dict[str, Any] = {}
        results = build_native(binary, str(output), stats) if binary else build_with_core(str(output))
        count = 0
        for name, hashed, processed in results:
            if isinstance(processed, Exception):
                raise CommandError(f"Post-processing '{name}' failed!\n{processed}")
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
        for package in result.bytecode_unwritten:
            self.stderr.write(
                f"Could not write the bytecode of {package} (a read-only install?): every new process compiles it "
                "again, ~60 ms. Install with bytecode (pip does by default; uv pip install --compile-bytecode)."
            )
