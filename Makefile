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
# The native binary compresses with C libraries when they are installed
# (Debian: libbrotli-dev, libdeflate-dev): Brotli's reference encoder, ~1.8x
# faster than the Go port for the same bytes, and libdeflate, whose smaller
# gzip lets the default Brotli quality drop (core/compress.go). Without them
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

.PHONY: all build print-gotags wasm run test test-go test-python lint fuzz venv corpus seaweedfs bench bench-quick bench-publish clean

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

$(VENV)/.stamp: bridge/django/requirements-test.txt bridge/django/pyproject.toml
	test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r bridge/django/requirements-test.txt
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

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags "$(GOTAGS)" ./...

# Fetches ../shared/corpus's packages once (npm pack), plus Django's admin
# files from the venv's Django.
corpus: $(CORPUS)/.stamp

$(CORPUS)/.stamp: venv
	PATH=$(abspath $(VENV))/bin:$$PATH bash ../shared/corpus/fetch.sh $(CORPUS)
	touch $@

seaweedfs:
	$(SEAWEEDFS) >/dev/null

test: export ASSETC_REQUIRE_S3 := 1
test: lint venv wasm build corpus seaweedfs test-go test-python

# The second run gives the pure Go encoders (go install, no cgo) the
# compression tests too.
test-go:
	$(GO) test -tags "$(GOTAGS)" -count=1 ./...
	CGO_ENABLED=0 $(GO) test -count=1 -run 'Compress|Variant|Cache|Stale|Skip|Default' ./core/... ./cmd/assetc

test-python: venv wasm build
	cd bridge/django && PATH=$(abspath bin):$$PATH ../../$(VENV_PY) -m pytest -q tests

# Short fuzz runs of every scanner; FUZZTIME=5m for a longer session.
fuzz:
	$(GO) test ./core/scan -run '^$$' -fuzz FuzzCSS -fuzztime $(FUZZTIME)
	$(GO) test ./core/scan -run '^$$' -fuzz FuzzJS -fuzztime $(FUZZTIME)

bench: build venv
	bench/run.sh

bench-quick: build venv
	bench/run.sh --quick

bench-publish: build venv seaweedfs
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r bench/requirements-publish.txt
	$(VENV_PY) bench/publish.py

clean:
	rm -rf bin example-out $(WASM)
