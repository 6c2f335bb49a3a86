#!/usr/bin/env bash
# Records what real Django does on every fixture case, as golden files for the Go tests.
#
# How it was run: `make venv && testdata/django/record.sh` from the repo root, with
# ASSETC_PYTHON=.venv/bin/python (Django 6.1.3 from bridge/django/requirements-test.txt,
# CPython 3.12), on Linux/ext4. Re-run it after changing a case or the Django pin.
#
# For each testdata/compat/<case>/ and testdata/failures/<case>/ it runs
# testdata/django/collectstatic.py (ManifestStaticFilesStorage) on the roots named in
# case.json into a fresh temporary STATIC_ROOT, then writes:
#   compat/<case>/django.json       {"manifest": {...paths...}, "files": {"<out path>": "<md5 hex>"}}
#   compat/<case>/staticfiles.json  the manifest exactly as Django wrote it
#   failures/<case>/django.json     {"oracle": <oracle JSON>, and when Django did not fail:
#                                    "manifest", "files", "adjusted": {<hashed .css/.js>: <text>},
#                                    "dangling": hashed references to files Django never wrote}
# "files" lists every file collectstatic wrote except staticfiles.json.
# Django's error texts embed "<... object at 0x7f...>" and the temporary STATIC_ROOT; they
# are replaced by 0xADDR and <STATIC_ROOT>.
# A compat case on which Django fails makes this script exit 1.
#
# Usage: testdata/django/record.sh [CASE_DIR...]   (default: every case)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
testdata=$(dirname "$here")
python=${ASSETC_PYTHON:-$(cd "$testdata/.." && pwd)/.venv/bin/python}
"$python" -c 'import django, sys; sys.exit(0 if django.VERSION[:2] == (6, 1) else "need Django 6.1, have " + django.__version__)'

if [ $# -eq 0 ]; then
  set -- "$testdata"/compat/*/ "$testdata"/failures/*/
fi

status=0
for case_dir in "$@"; do
  case_dir=${case_dir%/}
  out=$(mktemp -d)
  # case.json -> oracle arguments, one per line (names may contain spaces).
  mapfile -t args < <("$python" - "$case_dir" <<'EOF'
import json, os, sys
case_dir = sys.argv[1]
case = json.load(open(os.path.join(case_dir, "case.json")))
print("--static-url"); print(case.get("static_url", "/static/"))
if case.get("js_modules"):
    print("--js-modules")
for spec in case["roots"]:
    prefix, sep, name = spec.rpartition("=")
    print(f"{prefix}{sep}{os.path.join(case_dir, 'roots', name)}")
EOF
  )
  result=$("$python" "$here/collectstatic.py" --out "$out" "${args[@]}")
  "$python" - "$case_dir" "$out" "$result" <<'EOF' || status=1
import hashlib, json, os, re, sys
case_dir, out, result = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
group = os.path.basename(os.path.dirname(case_dir))
name = os.path.basename(case_dir)
if result.get("error"):
    error = re.sub(r" at 0x[0-9a-f]+>", " at 0xADDR>", result["error"])
    error = error.replace(out, "<STATIC_ROOT>").replace(os.path.dirname(out) + "/", "<STATIC_ROOT>/../")
    result["error"] = error

def write(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, sort_keys=True)
        f.write("\n")

record = {}
if result["ok"]:
    with open(os.path.join(out, "staticfiles.json"), "rb") as f:
        manifest_bytes = f.read()
    files, adjusted = {}, {}
    for dirpath, _, filenames in os.walk(out):
        for filename in filenames:
            full = os.path.join(dirpath, filename)
            rel = os.path.relpath(full, out).replace(os.sep, "/")
            if rel == "staticfiles.json":
                continue
            with open(full, "rb") as f:
                data = f.read()
            files[rel] = hashlib.md5(data).hexdigest()
            if re.search(r"\.[0-9a-f]{12}\.(css|js)$", rel):
                adjusted[rel] = data.decode("utf-8", "backslashreplace")
    record = {"manifest": json.loads(manifest_bytes)["paths"], "files": files}
    if group == "compat":
        with open(os.path.join(case_dir, "staticfiles.json"), "wb") as f:
            f.write(manifest_bytes)
    else:
        record["adjusted"] = adjusted
        # Hashed names that the adjusted files refer to but Django never wrote.
        static_url = json.load(open(os.path.join(case_dir, "case.json"))).get("static_url", "/static/")
        dangling = []
        for rel, text in sorted(adjusted.items()):
            for ref in re.findall(r"""[^\s"'()=]+\.[0-9a-f]{12}(?:\.[A-Za-z0-9]+)?(?=[?#"')\s])""", text):
                if ref.startswith(static_url):
                    target = ref[len(static_url):]
                else:
                    target = os.path.normpath(os.path.join(os.path.dirname(rel), ref))
                if target not in files:
                    dangling.append({"in": rel, "reference": ref, "missing": target})
        record["dangling"] = dangling
if group == "failures":
    record["oracle"] = result
write(os.path.join(case_dir, "django.json"), record)
summary = "ok" if result["ok"] else result["error"].splitlines()[0]
print(f"{group}/{name}: {summary}")
if group == "compat" and not result["ok"]:
    print(f"  compat case failed in Django: {result['error']}", file=sys.stderr)
    sys.exit(1)
EOF
  rm -rf "$out"
done
exit $status
