// Package core is the assetc engine: it finds static files the way Django's
// finders do, finds the references inside CSS and JS, names every file by its
// content with Django's naming scheme, rewrites references and computes the
// Plan of a static root that Django's ManifestStaticFilesStorage can read.
//
// The engine is pure Go: it prints nothing, knows no flags, writes nothing
// and reaches files only through a FileSystem (fs.go holds the one adapter to
// package os; a test checks that no other file imports it), so the same code
// runs in the native CLI and in the WebAssembly module that the Django bridge
// loads.
//
// Packages, by phase:
//
//	core          the engine: sources → names → Plan
//	core/scan     finding references in CSS and JS
//	core/writer   applying a Plan to a directory: lock, atomic and
//	              incremental writes, links, variants, the manifest switch,
//	              build records, clean (native only)
//	core/publish  applying a Plan to an S3-compatible bucket: only what it
//	              lacks (an index object), manifest last, release records,
//	              clean (native only)
//	core/compress the codecs of the .br/.gz/.zst variants and the rules of
//	              which files get them (native only: the wasm module links
//	              neither writer, publish nor compress)
//
// The pieces, in the order data flows through them:
//
//	fs.go        FileSystem: what the engine asks of the host (stat, read
//	             regular files only, list, real paths); OSFileSystem
//	sources.go   Root, Config: where files come from (STATICFILES_DIRS
//	             semantics); Config's JSON is the configuration document of
//	             every face; CheckOutputDir (no output inside a source)
//	bundler.go   files a bundler already named by content (Vite, esbuild)
//	ignore.go    Django's ignore patterns (fnmatch)
//	collectable.go what a found file must be: regular, nameable, reached
//	             without a symlink out of its root (unless allowed)
//	lookup.go    Find: one logical path to its source file, lazily
//	inventory.go Walk: every file of every root, with shadowed duplicates;
//	             directory loops recognised by (device, inode)
//	textencoding.go UTF-16/UTF-32 stylesheets and scripts, named as such
//	urls.go      how a reference's text resolves to a logical path (Django's rules)
//	naming.go    HashedName: Django's "name.<md5[:12]>.ext"
//	graph.go     naming in dependency order, cycles included
//	writeback.go the bytes a rewritten reference gets (Django 6.1's templates)
//	project.go   Project: the lazy, cached view the CLI, wasm and bridge use
//	manifest.go  staticfiles.json, byte-compatible with Django
//	integrity.go SRI hashes and the staticfiles.integrity.json sidecar
//	plan.go      Plan: every output file (bytes or source), sums, SRI values,
//	             manifest and sidecar bytes, diagnostics, output collisions;
//	             Inputs: the directories and probed paths it depends on
//	scancache.go ScanCache: unchanged CSS/JS (same size, mtime, ctime,
//	             inode) neither read nor scanned by the next Plan; their
//	             rewritten bytes made only when a writer asks
//	prior.go     PlanRecord: a Plan from the last one's record when only
//	             some sources changed: no walk; only they and the CSS/JS
//	             that reference them are read, scanned and named again,
//	             the other PlanFiles copied from the record, the manifest
//	             and sidecar patched from the last bytes (Plan.Difference,
//	             Plan.SourcesPatch say what a writer must look at)
//	kept.go      the byte budget of a Plan (PlanOptions.KeptBytes): CSS/JS
//	             bytes beyond it are read and rewritten again when needed,
//	             proven unchanged by the source's identity (readAgain)
//	retention.go Retention: which files of old releases a clean may remove
//	             (a directory's builds or a bucket's publishes alike)
//	importmap.go an import map from logical module paths to hashed URLs
//	contenttype.go the Content-Type of a file name (contenttypes.json: the
//	             one table; the Django bridge's content_types.py is
//	             generated from it)
//	diagnostic.go Diagnostic and its rendering (source line, caret, notes),
//	             ErrorReport: an error as every face's JSON tells it
//
// Reference scanning lives in the sub-package scan.
package core
