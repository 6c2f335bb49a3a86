package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
)

const buildExamples = `  # STATICFILES_DIRS = ["static", ("vendor", "node_modules/some/dist")] plus an app:
  assetc build -s static -s vendor=node_modules/some/dist -s apps/blog/static -o staticfiles

  # Source maps that are not shipped are fine; everything else must exist:
  assetc build -s static -o staticfiles --allow-missing '*.map'

  # Precompressed variants for WhiteNoise/ServeStatic (.br, .gz, .zst), only
  # what changed since the last build is compressed:
  assetc build -s static -o staticfiles --compress br,gzip,zstd

  # A deploy that starts from an empty directory (Docker, CI) compresses
  # only new content when the cache outlives it:
  assetc build -s static -o staticfiles --compress br,gzip --compress-cache ~/.cache/assetc

  # Another build may be running in CI on the same directory: wait for it.
  assetc build -s static -o staticfiles --wait 2m

  # To an S3-compatible bucket instead of a directory (= assetc publish):
  assetc build -s static -o s3://my-bucket/static/ --compress br,gzip
`

func runBuild(args []string, stdout, stderr io.Writer) error {
	// -o s3://BUCKET/PREFIX: the same Plan, written to a bucket instead of
	// a directory, is what publish does (its flags apply).
	if isBucket(outputArg(args)) {
		return runPublish(args, stdout, stderr)
	}
	var src sourceFlags
	var output string
	var workers int
	var hashedOnly, asJSON, quiet bool
	var compression compress.Options
	var integrity string
	var wait time.Duration
	var maxDiagnostics int
	fs := newFlagSet("build", "-s DIR [-s PREFIX=DIR ...] -o OUTPUT [flags]", buildExamples)
	src.register(fs.FlagSet)
	fs.StringSliceVar(&compression.Encodings, "compress", nil, "write precompressed variants: br, gzip, zstd (comma-separated)")
	fs.IntVar(&compression.BrotliLevel, "brotli-level", compress.DefaultBrotliLevel, "Brotli quality, 1-11 (11 makes WhiteNoise's bytes; the default keeps br+gzip bytes below WhiteNoise's in less time)")
	fs.IntVar(&compression.GzipLevel, "gzip-level", compress.DefaultGzipLevel, fmt.Sprintf("gzip level, 1-%d (%s)", compress.MaxGzipLevel, compress.GzipImplementation))
	fs.IntVar(&compression.ZstdLevel, "zstd-level", compress.DefaultZstdLevel, "zstd level, 1-22 (the encoder has four speeds: <3, <6, <10, more)")
	fs.StringSliceVar(&compression.SkipExtensions, "compress-skip", compress.DefaultSkip, "extensions never compressed (already compressed formats)")
	fs.StringVar(&compression.CacheDir, "compress-cache", os.Getenv("ASSETC_COMPRESS_CACHE"), "keep compressed bytes in this directory for later builds into any output, e.g. a CI cache; clean never prunes it (default: inside the output; env ASSETC_COMPRESS_CACHE)")
	fs.StringVar(&integrity, "integrity", core.DefaultIntegrityAlgorithm, "hash of the SRI values in "+core.IntegrityName+": sha256, sha384 or sha512")
	fs.DurationVar(&wait, "wait", 0, "wait this long for another build of the same output to finish (default: fail at once)")
	fs.StringVarP(&output, "output", "o", "", "the static root to write (Django's STATIC_ROOT)")
	fs.IntVar(&workers, "workers", 0, "files processed at once (default: one per CPU)")
	fs.BoolVar(&hashedOnly, "hashed-only", false, "write only the hashed copies, not the unhashed ones")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON on stdout")
	registerMaxDiagnostics(fs.FlagSet, &maxDiagnostics)
	fs.BoolVarP(&quiet, "quiet", "q", false, "print nothing but errors")
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("build takes no arguments (got %q); sources are given with -s", fs.Args())
	}
	if output == "" {
		return usagef("build needs an output directory: -o DIR")
	}
	for _, name := range []string{"brotli-level", "gzip-level", "zstd-level"} {
		// The core reads 0 as "the default"; said on the command line it is
		// a mistake, not a request for the default.
		if fs.Changed(name) && fs.Lookup(name).Value.String() == "0" {
			return usagef("--%s 0 is not a level; leave the flag out for the default", name)
		}
	}
	project, err := src.project()
	if err != nil {
		return err
	}
	if err := project.CheckOutputDir(output); err != nil {
		return err
	}
	progress := newProgress(stderr, quiet || asJSON)
	if compression.SkipExtensions == nil {
		compression.SkipExtensions = []string{} // --compress-skip '' skips nothing
	}
	result, err := writer.Build(project, writer.BuildOptions{
		OutputDir: output, Workers: workers, HashedOnly: hashedOnly, Progress: progress.update,
		Compress: compression, Integrity: integrity, LockWait: wait,
	})
	progress.done()
	var diagErr *core.DiagnosticsError
	if err != nil && !errors.As(err, &diagErr) {
		return err
	}
	if asJSON {
		return printJSON(stdout, buildJSON(result, err, renderDiagnostics(result.Diagnostics, quiet, maxDiagnostics)), exitCodeFor(err))
	}
	if result != nil {
		printDiagnostics(stderr, result.Diagnostics, quiet, maxDiagnostics)
	}
	if err != nil {
		fmt.Fprintf(stderr, "assetc: build stopped, nothing written: %s\n", countErrors(diagErr.Diagnostics))
		return reported{exitDiagnostics}
	}
	if !quiet {
		printDuplicates(stderr, result.Duplicates)
		fmt.Fprintln(stdout, summary(result))
	}
	return nil
}

// summary is the one-line report, in collectstatic's spirit.
func summary(r *writer.Result) string {
	s := fmt.Sprintf("%d files collected, %d hashed, %d rewritten", r.Files, r.Hashed, r.Rewritten)
	if len(r.Duplicates) > 0 {
		s += fmt.Sprintf(", %d skipped due to conflict", len(r.Duplicates))
	}
	if r.Cycles > 0 {
		s += fmt.Sprintf(", %d in reference cycles", r.Cycles)
	}
	s += fmt.Sprintf("; %d written, %d unchanged", r.Written, r.Unchanged)
	if r.Compressed+r.CompressionReused > 0 {
		s += fmt.Sprintf("; %d compressed, %d reused, %d variants", r.Compressed, r.CompressionReused, r.Variants)
	}
	s += fmt.Sprintf(", in %s", r.Duration.Round(time.Millisecond))
	return s
}

func printDuplicates(w io.Writer, dups []core.Duplicate) {
	const shown = 10
	for i, d := range dups {
		if i == shown {
			fmt.Fprintf(w, "... and %d more duplicates (assetc explain PATH shows one)\n", len(dups)-shown)
			break
		}
		fmt.Fprintf(w, "note: %s hides %s (both are %q; the first root wins)\n", d.Winner.Path, d.Hidden.Path, d.LogicalPath)
	}
}

// printDiagnostics prints diagnostics as core renders them.
func printDiagnostics(w io.Writer, diags []core.Diagnostic, errorsOnly bool, max int) {
	fmt.Fprint(w, renderDiagnostics(diags, errorsOnly, max))
}

// renderDiagnostics renders the diagnostics (only the errors when
// errorsOnly), at most max (0: all).
func renderDiagnostics(diags []core.Diagnostic, errorsOnly bool, max int) string {
	var shown []core.Diagnostic
	for _, d := range diags {
		if !errorsOnly || d.Severity == core.SeverityError {
			shown = append(shown, d)
		}
	}
	return core.RenderDiagnostics(shown, max)
}

func countErrors(diags []core.Diagnostic) string {
	n := 0
	for _, d := range diags {
		if d.Severity == core.SeverityError {
			n++
		}
	}
	if n == 1 {
		return "1 error"
	}
	return fmt.Sprintf("%d errors", n)
}

type buildOutput struct {
	OK         bool  `json:"ok"`
	Files      int   `json:"files"`
	Hashed     int   `json:"hashed"`
	Rewritten  int   `json:"rewritten"`
	Cycles     int   `json:"cycles"`
	Written    int   `json:"written"`
	Unchanged  int   `json:"unchanged"`
	Compressed int   `json:"compressed"`
	Reused     int   `json:"compression_reused"`
	Variants   int   `json:"variants"`
	DurationMS int64 `json:"duration_ms"`
	// Planned is false when the snapshot of the last build showed that
	// nothing changed and no Plan was made (writer.Result.Planned).
	Planned bool `json:"planned"`
	// FromRecord says the Plan started from the last build's record
	// (only some sources changed; writer.Result.FromRecord).
	FromRecord  bool              `json:"from_record"`
	Duplicates  []core.Duplicate  `json:"duplicates"`
	Diagnostics []core.Diagnostic `json:"diagnostics"`
	// Rendered is what the build prints on stderr without --json: the
	// diagnostics as core renders them (errors only with -q), at most
	// --max-diagnostics.
	Rendered string            `json:"rendered"`
	Manifest map[string]string `json:"manifest,omitempty"`
}

func buildJSON(r *writer.Result, err error, rendered string) buildOutput {
	out := buildOutput{OK: err == nil, Duplicates: r.Duplicates, Diagnostics: r.Diagnostics, Rendered: rendered}
	out.Files, out.Hashed, out.Rewritten, out.Cycles = r.Files, r.Hashed, r.Rewritten, r.Cycles
	out.Written, out.Unchanged, out.DurationMS, out.Planned, out.FromRecord = r.Written, r.Unchanged, r.Duration.Milliseconds(), r.Planned, r.FromRecord
	out.Compressed, out.Reused, out.Variants = r.Compressed, r.CompressionReused, r.Variants
	if err == nil {
		out.Manifest = r.Manifest
	}
	if out.Duplicates == nil {
		out.Duplicates = []core.Duplicate{}
	}
	if out.Diagnostics == nil {
		out.Diagnostics = []core.Diagnostic{}
	}
	return out
}

func exitCodeFor(err error) int {
	if err != nil {
		return exitDiagnostics
	}
	return exitOK
}

// printJSON writes v indented; a non-zero code is returned as already
// reported.
func printJSON(w io.Writer, v any, code int) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if code != exitOK {
		return reported{code}
	}
	return nil
}
