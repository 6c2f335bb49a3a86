# assetc — every entry point a developer or CI needs. `make run` and `make test`
# work on a fresh clone: they build the Go code and create the Python
# virtualenv (.venv, pinned Django 6.1 + wasmtime) themselves.

GO        ?= go
PYTHON    ?= $(shell .ci/find-python)
VENV      := .venv
VENV_PY   := $(VENV)/bin/python
BIN       := bin/assetc
WASM      := bridge/django/src/assetc_django/assetc.wasm
GOFILES   := $(shell find . -name '*.go' -not -path './bench/corpus/*' -not -path './.venv/*' 2>/dev/null)
FUZZTIME  ?= 10s
# staticcheck, pinned, built from the Go module proxy into bin/.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/staticcheck-$(STATICCHECK_VERSION)
# The race detector needs cgo; without a C toolchain the Go tests run without it.
RACE      := $(shell [ "$$($(GO) env CGO_ENABLED 2>/dev/null)" = 1 ] && echo -race)
# The native binary compresses with C libraries when they are installed
# (Debian: libbrotli-dev, libdeflate-dev): Brotli's reference encoder, faster
# than the Go port for the same bytes (bench/results/compression-levels.md), and libdeflate, whose smaller
# gzip lets the default Brotli quality drop (core/compress/compress.go). Without them
# the pure Go build still works, with its own defaults.
GOTAGS    ?= $(strip $(shell pkg-config --exists libbrotlienc 2>/dev/null && echo cbrotli) \
                     $(shell pkg-config --exists libdeflate 2>/dev/null && echo cdeflate))

# Go tests that compare against real Django find the interpreter here.
export ASSETC_PYTHON := $(abspath $(VENV_PY))
export ASSETC_WASM   := $(abspath $(WASM))
# The real-world corpus (../shared/corpus) that integration tests and bench use.
CORPUS    := bench/corpus
export ASSETC_CORPUS := $(abspath $(CORPUS))

# The SeaweedFS server the S3 publish tests run against (core/publish),
# built once into a cache outside the repository: testdata/s3/seaweedfs.sh
# says what invalidates and bounds it. Tests skip without it, except under
# make test, which builds it first and requires it.
SEAWEEDFS := testdata/s3/seaweedfs.sh
export ASSETC_WEED ?= $(shell $(SEAWEEDFS) --path)

.PHONY: all build print-gotags wasm run test test-go test-python test-install test-matrix matrix-venvs lint fuzz venv corpus bench bench-quick clean dist dist-host bench-serve bench-memory seaweedfs bench-publish

all: build wasm

build: $(BIN)

print-gotags:
	@echo $(GOTAGS)

$(BIN): $(GOFILES) go.mod go.sum
	$(GO) build -tags "$(GOTAGS)" -o $(BIN) ./cmd/assetc

wasm: $(WASM)

$(WASM): $(GOFILES) go.mod go.sum
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o $(WASM) ./wasm

# The virtualenv holds the pinned Django, wasmtime and test tools, plus the
# bridge installed in editable mode. Re-created when the pins change.
venv: $(VENV)/.stamp

$(VENV)/.stamp: bridge/django/requirements-test.txt bridge/django/requirements-lint.txt bridge/django/pyproject.toml VERSION
	test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r bridge/django/requirements-test.txt -r bridge/django/requirements-lint.txt
	$(VENV_PY) -m pip install -q --disable-pip-version-check --no-deps -e bridge/django
	touch $@

# Builds the bundled example site (testdata/example) and shows what assetc did.
run: build
	./$(BIN) build \
	  -s testdata/example/static \
	  -s vendor=testdata/example/node_modules/widget/dist \
	  -s testdata/example/apps/blog/static \
	  -o example-out
	./$(BIN) explain -s testdata/example/static -s vendor=testdata/example/node_modules/widget/dist \
	  -s testdata/example/apps/blog/static css/site.css
	@echo "--- example-out/staticfiles.json"
	@cat example-out/staticfiles.json; echo

# gofmt, go vet and staticcheck on the Go code (the wasm package also as
# wasip1, where its exports live); ruff and mypy on the bridge (settings in
# bridge/django/ruff.toml and mypy.ini, versions in requirements-lint.txt).
lint: venv $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags "$(GOTAGS)" ./...
	$(STATICCHECK) -tags "$(GOTAGS)" ./...
	GOOS=wasip1 GOARCH=wasm $(STATICCHECK) ./wasm
	@# The CLI wheels' other platforms (make dist) must keep compiling.
	for target in darwin/arm64 darwin/amd64 windows/amd64; do \
	  GOOS=$${target%/*} GOARCH=$${target#*/} CGO_ENABLED=0 $(GO) vet ./cmd/assetc ./core/... || exit 1; \
	done
	cd bridge/django && ../../$(VENV)/bin/ruff check src tests
	cd bridge/django && ../../$(VENV)/bin/mypy

$(STATICCHECK):
	GOBIN=$(abspath bin) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv bin/staticcheck $@

# Fetches ../shared/corpus's packages once (npm pack), plus Django's admin
# files from the venv's Django.
corpus: $(CORPUS)/.stamp

$(CORPUS)/.stamp: venv
	PATH=$(abspath $(VENV))/bin:$$PATH bash ../shared/corpus/fetch.sh $(CORPUS)
	touch $@

seaweedfs:
	$(SEAWEEDFS) >/dev/null

test: export ASSETC_REQUIRE_S3 := 1
test: lint venv wasm build corpus seaweedfs test-go test-python test-matrix test-install

# Packages that run goroutines are tested under the race detector; core/scan
# is single-threaded, and its pathological-input test bounds a time the
# detector's slowdown would break. The publish kill test kills a child at
# random moments of a publish timed beforehand: under the detector the
# moments drift, so it runs without it. The last run gives the pure Go
# encoders (go install, no cgo) the compression tests too.
RACE_SKIP := TestKilledPublishNeverNamesAMissingObject
test-go:
	$(GO) test $(RACE) -tags "$(GOTAGS)" -count=1 -skip '$(RACE_SKIP)' $$($(GO) list ./... | grep -v -e '/core/scan$$' -e '/bench$$')
	$(GO) test -tags "$(GOTAGS)" -count=1 ./core/scan ./bench
	$(GO) test -tags "$(GOTAGS)" -count=1 -run '$(RACE_SKIP)' ./core/publish
	CGO_ENABLED=0 $(GO) test -count=1 -run 'Compress|Variant|Cache|Stale|Skip|Default|Bytes|Options' ./core/... ./cmd/assetc

test-python: venv wasm build
	cd bridge/django && PATH=$(abspath bin):$$PATH ../../$(VENV_PY) -m pytest -q tests

# Release artifacts in dist/: django-assetc's sdist and wheel (the wheel built
# from the sdist, so the sdist is proven to build without Go; the backend
# compiles the wasm core), and the assetc CLI platform wheels (Go
# cross-compiles, packaging/assetc-cli). `make dist-host` makes only this
# machine's CLI wheel (what the install test needs). Both end with twine check.
BUILD_VENV := .cache/build-venv
DIST       := dist

$(BUILD_VENV)/.stamp: packaging/requirements-build.txt
	test -x $(BUILD_VENV)/bin/python || $(PYTHON) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/python -m pip install -q --disable-pip-version-check -r packaging/requirements-build.txt
	touch $@

dist dist-host: $(BUILD_VENV)/.stamp
	rm -rf $(DIST) && mkdir -p $(DIST)
	$(BUILD_VENV)/bin/uv build -q --python $(BUILD_VENV)/bin/python --out-dir $(DIST) bridge/django
	$(BUILD_VENV)/bin/python packaging/assetc-cli/build_wheels.py --out $(DIST) $(if $(filter dist-host,$@),--host)
	$(BUILD_VENV)/bin/twine check --strict $(DIST)/*

# Installs dist-host's wheels into clean venvs (uv) with no Go on PATH and runs
# a Django project end to end: Python 3.10 + Django 4.2, 3.13 + Django 6.1.
test-install: dist-host
	ASSETC_DIST=$(abspath $(DIST)) ASSETC_UV=$(abspath $(BUILD_VENV))/bin/uv $(VENV_PY) -m pytest -q packaging/tests
# The Django version matrix: every supported Django on a Python it supports,
# each its own oracle (the compat tests run its collectstatic). Together with
# .venv (Python 3.12, Django 6.1) it covers every Python and Django version
# pyproject.toml declares. An entry is PYTHON-DJANGO; its venv is made with uv
# from requirements-test.txt's pins, bridge/django/matrix/django-X.Y.txt
# overriding, in .venv-matrix/ (git-ignored), and re-made when the pins change.
MATRIX     := 3.10-4.2 3.11-5.2 3.13-6.1
MATRIX_DIR := .venv-matrix
UV         := $(VENV)/bin/uv


$(MATRIX_DIR)/%/.stamp: bridge/django/requirements-test.txt bridge/django/pyproject.toml bridge/django/matrix/*.txt $(VENV)/.stamp
	rm -rf $(MATRIX_DIR)/$*
	$(UV) venv -q --no-python-downloads --python "$$(.ci/find-python $(word 1,$(subst -, ,$*)))" $(MATRIX_DIR)/$*
	$(UV) pip install -q --python $(MATRIX_DIR)/$*/bin/python -r bridge/django/requirements-test.txt \
	  --override bridge/django/matrix/django-$(word 2,$(subst -, ,$*)).txt
	$(UV) pip install -q --python $(MATRIX_DIR)/$*/bin/python --no-deps -e bridge/django
	touch $@

# An entry whose Python is not installed is skipped with the reason (the
# house rule for tests that cannot run here), not failed.
matrix-venvs:
	@for m in $(MATRIX); do \
	  if .ci/find-python $${m%%-*} >/dev/null 2>&1; then $(MAKE) -s $(MATRIX_DIR)/$$m/.stamp || exit 1; fi; \
	done

test-matrix: matrix-venvs wasm build
	@for m in $(MATRIX); do \
	  echo "--- bridge tests, Python-Django $$m"; \
	  if [ ! -f $(MATRIX_DIR)/$$m/.stamp ]; then echo "SKIPPED: no Python $${m%%-*} here ($$(.ci/find-python $${m%%-*} 2>&1))"; continue; fi; \
	  (cd bridge/django && PATH=$(abspath bin):$$PATH ../../$(MATRIX_DIR)/$$m/bin/python -m pytest -q -p no:cacheprovider tests) || exit 1; \
	done

# Short fuzz runs of every fuzz target: the scanners, reference URL parsing,
# fnmatch, the staticfiles.json encoder and the ABI's request decoding;
# FUZZTIME=5m for a longer session.
fuzz:
	$(GO) test ./core/scan -run '^$$' -fuzz FuzzCSS -fuzztime $(FUZZTIME)
	$(GO) test ./core/scan -run '^$$' -fuzz FuzzJS -fuzztime $(FUZZTIME)
	$(GO) test ./core -run '^$$' -fuzz FuzzParseReferenceURL -fuzztime $(FUZZTIME)
	$(GO) test ./core -run '^$$' -fuzz FuzzFnmatch -fuzztime $(FUZZTIME)
	$(GO) test ./core -run '^$$' -fuzz FuzzManifest -fuzztime $(FUZZTIME)
	$(GO) test ./core -run '^$$' -fuzz FuzzSidecarMarshal -fuzztime $(FUZZTIME)
	$(GO) test ./core/scan -run '^$$' -fuzz FuzzContainsSourceMappingURL -fuzztime $(FUZZTIME)
	$(GO) test ./wasm -run '^$$' -fuzz FuzzRequests -fuzztime $(FUZZTIME)

bench: build venv
	bench/run.sh

bench-quick: build venv
	bench/run.sh --quick

# AssetcMiddleware vs WhiteNoise requests/s in one server process (~1 minute;
# BENCH_SERVE_FLAGS=--long for 12 rounds of 2.5 s, ~3 minutes).
bench-serve: build venv wasm
	$(VENV_PY) bench/serve_throughput.py $(BENCH_SERVE_FLAGS)

# RSS over time of the bridge under DEBUG rendering and serving from the sources
# (30 s per scenario; `.venv/bin/python bench/runtime_memory.py --minutes 3` for the issue's row).
bench-memory: venv wasm corpus
	$(VENV_PY) bench/runtime_memory.py

bench-publish: build venv seaweedfs
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r bench/requirements-publish.txt
	$(VENV_PY) bench/publish.py

clean:
	rm -rf bin example-out $(WASM) $(DIST) bridge/django/src/assetc_django/_compiled
