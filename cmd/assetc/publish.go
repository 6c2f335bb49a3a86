package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/publish"
)

const publishExamples = `  # AWS S3, credentials from the environment, ~/.aws or an instance role:
  assetc publish -s static -o s3://my-bucket/static/ --compress br,gzip

  # Cloudflare R2 (or B2, MinIO, SeaweedFS…): the service's endpoint, path-style:
  assetc publish -s static -o s3://assets/static/ --endpoint https://ACCOUNT.r2.cloudflarestorage.com --region auto

  # Something else changed the bucket (a lifecycle rule, a manual delete):
  assetc publish -s static -o s3://my-bucket/static/ --verify

  # Then, once the previous release's pages are gone, remove what no recent
  # release uses:
  assetc clean -o s3://my-bucket/static/ --keep 2 --older-than 24h
`

// bucketFlags say where a bucket is and how to reach it.
type bucketFlags struct {
	client publish.ClientOptions
}

func (b *bucketFlags) register(fs *commandFlags) {
	fs.StringVar(&b.client.Endpoint, "endpoint", "", "the S3-compatible service's URL (R2, B2, MinIO, SeaweedFS…; default: AWS, or AWS_ENDPOINT_URL_S3)")
	fs.StringVar(&b.client.Region, "region", "", "the bucket's region (default: AWS_REGION or the profile's; us-east-1 when none)")
	fs.StringVar(&b.client.Profile, "profile", "", "the shared-config profile for credentials (default: AWS_PROFILE or default)")
	fs.BoolVar(&b.client.PathStyle, "path-style", false, "address the bucket as ENDPOINT/BUCKET (MinIO, SeaweedFS and most self-hosted services; default: BUCKET.ENDPOINT)")
	fs.IntVar(&b.client.MaxAttempts, "retries", 5, "attempts per request, with exponential backoff, before a publish fails")
}

// isBucket reports whether an output names a bucket rather than a directory.
func isBucket(output string) bool { return strings.HasPrefix(output, "s3://") }

// outputArg is the value of -o/--output in a command's arguments, before
// they are parsed (the last one wins, as pflag does); "" when absent.
func outputArg(args []string) string {
	output := ""
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			return output
		case arg == "-o" || arg == "--output":
			if i+1 < len(args) {
				output = args[i+1]
				i++
			}
		case strings.HasPrefix(arg, "--output="):
			output = strings.TrimPrefix(arg, "--output=")
		case strings.HasPrefix(arg, "-o"):
			output = strings.TrimPrefix(strings.TrimPrefix(arg, "-o"), "=")
		}
	}
	return output
}

// bucket makes the Bucket an s3://BUCKET/PREFIX output names.
func (b *bucketFlags) bucket(ctx context.Context, output string) (publish.Bucket, error) {
	name, prefix, _ := strings.Cut(strings.TrimPrefix(output, "s3://"), "/")
	if name == "" {
		return publish.Bucket{}, usagef("%q names no bucket: use s3://BUCKET/PREFIX", output)
	}
	if b.client.MaxAttempts < 1 {
		return publish.Bucket{}, usagef("--retries must be at least 1")
	}
	client, err := publish.NewClient(ctx, b.client)
	if err != nil {
		return publish.Bucket{}, err
	}
	return publish.Bucket{Client: client, Name: name, Prefix: prefix}, nil
}

func runPublish(args []string, stdout, stderr io.Writer) error {
	var src sourceFlags
	var bucketOpts bucketFlags
	var output, integrity string
	var hashedOnly, asJSON, quiet bool
	var maxDiagnostics int
	var opts publish.Options
	fs := newFlagSet("publish", "-s DIR [-s PREFIX=DIR ...] -o s3://BUCKET/PREFIX [flags]", publishExamples)
	src.register(fs.FlagSet)
	fs.StringVarP(&output, "output", "o", "", "the bucket and key prefix to publish to: s3://BUCKET/PREFIX")
	bucketOpts.register(fs)
	registerMaxDiagnostics(fs.FlagSet, &maxDiagnostics)
	fs.StringSliceVar(&opts.Compress.Encodings, "compress", nil, "upload precompressed variants as keys of their own with Content-Encoding: br, gzip, zstd")
	fs.IntVar(&opts.Compress.BrotliLevel, "brotli-level", compress.DefaultBrotliLevel, "Brotli quality, 1-11")
	fs.IntVar(&opts.Compress.GzipLevel, "gzip-level", compress.DefaultGzipLevel, fmt.Sprintf("gzip level, 1-%d (%s)", compress.MaxGzipLevel, compress.GzipImplementation))
	fs.IntVar(&opts.Compress.ZstdLevel, "zstd-level", compress.DefaultZstdLevel, "zstd level, 1-22")
	fs.StringSliceVar(&opts.Compress.SkipExtensions, "compress-skip", compress.DefaultSkip, "extensions never compressed (already compressed formats)")
	fs.StringVar(&integrity, "integrity", core.DefaultIntegrityAlgorithm, "hash of the SRI values in "+core.IntegrityName+": sha256, sha384 or sha512")
	fs.BoolVar(&opts.Verify, "verify", false, "list the bucket instead of trusting the publisher's index (after a lifecycle rule or a manual delete)")
	fs.StringVar(&opts.UnhashedCacheControl, "unhashed-cache-control", publish.DefaultUnhashedCacheControl, "Cache-Control of the unhashed copies (hashed keys get a year, immutable)")
	fs.IntVar(&opts.Workers, "workers", 0, "uploads at once (default: 16, or 4 per CPU when more)")
	fs.BoolVar(&hashedOnly, "hashed-only", false, "publish only the hashed copies, not the unhashed ones")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON on stdout")
	fs.BoolVarP(&quiet, "quiet", "q", false, "print nothing but errors")
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("publish takes no arguments (got %q); sources are given with -s", fs.Args())
	}
	if !isBucket(output) {
		return usagef("publish needs a bucket: -o s3://BUCKET/PREFIX (assetc build writes a directory)")
	}
	if opts.Compress.SkipExtensions == nil {
		opts.Compress.SkipExtensions = []string{}
	}
	ctx := context.Background()
	bucket, err := bucketOpts.bucket(ctx, output)
	if err != nil {
		return err
	}
	project, err := src.project()
	if err != nil {
		return err
	}
	start := time.Now()
	progress := newProgress(stderr, quiet || asJSON)
	opts.Progress = progress.update
	plan, err := project.Plan(core.PlanOptions{HashedOnly: hashedOnly, Integrity: integrity, Progress: progress.update})
	if err != nil {
		progress.done()
		return err
	}
	var result *publish.Result
	if !plan.HasErrors() {
		result, err = publish.Publish(ctx, bucket, plan, opts)
	}
	progress.done()
	var diagErr *core.DiagnosticsError
	if err != nil && !errors.As(err, &diagErr) {
		if result != nil && !asJSON {
			fmt.Fprintf(stderr, "uploaded %d objects before the failure; the next publish uploads only the rest\n", result.Uploaded)
		}
		return err
	}
	if asJSON {
		out := publishOutput{OK: !plan.HasErrors(), Diagnostics: plan.Diagnostics, Result: result, DurationMS: time.Since(start).Milliseconds()}
		if out.OK {
			out.Manifest = plan.Manifest
		}
		if out.Diagnostics == nil {
			out.Diagnostics = []core.Diagnostic{}
		}
		code := exitOK
		if plan.HasErrors() {
			code = exitDiagnostics
		}
		return printJSON(stdout, out, code)
	}
	printDiagnostics(stderr, plan.Diagnostics, quiet, maxDiagnostics)
	if plan.HasErrors() {
		fmt.Fprintf(stderr, "assetc: publish stopped, nothing uploaded: %s\n", countErrors(plan.Diagnostics))
		return reported{exitDiagnostics}
	}
	if !quiet {
		printDuplicates(stderr, plan.Duplicates)
		fmt.Fprintln(stdout, publishSummary(plan, result, time.Since(start)))
	}
	return nil
}

type publishOutput struct {
	OK          bool              `json:"ok"`
	Diagnostics []core.Diagnostic `json:"diagnostics"`
	*publish.Result
	DurationMS int64 `json:"duration_ms"`
	// Manifest maps each logical path to its hashed path, as build's does.
	Manifest map[string]string `json:"manifest,omitempty"`
}

func publishSummary(plan *core.Plan, r *publish.Result, took time.Duration) string {
	s := fmt.Sprintf("%d files collected, %d hashed, %d rewritten; %d objects: %d uploaded (%d bytes), %d already there",
		plan.Collected, plan.Hashed, plan.Rewritten, r.Objects, r.Uploaded, r.Bytes, r.Present)
	if r.Compressed > 0 {
		s += fmt.Sprintf(", %d compressed", r.Compressed)
	}
	if r.Removed > 0 {
		s += fmt.Sprintf(", %d stale variants removed", r.Removed)
	}
	if r.Listed {
		s += "; listed the bucket"
	}
	return s + fmt.Sprintf("; %d requests, in %s", r.Requests, took.Round(time.Millisecond))
}

// cleanBucket is assetc clean on s3://BUCKET/PREFIX.
func cleanBucket(output string, bucketOpts bucketFlags, opts publish.CleanOptions, asJSON bool, stdout, stderr io.Writer) error {
	ctx := context.Background()
	bucket, err := bucketOpts.bucket(ctx, output)
	if err != nil {
		return err
	}
	result, err := publish.Clean(ctx, bucket, opts)
	if err != nil {
		return err
	}
	if asJSON {
		if result.Removed == nil {
			result.Removed = []string{}
		}
		return printJSON(stdout, result, exitOK)
	}
	verb := listRemoved(stdout, opts.DryRun, result.Removed)
	fmt.Fprintf(stderr, "%s %d objects (%d bytes); kept the last %d releases", verb, len(result.Removed), result.Bytes, result.KeptReleases)
	if result.Young > 0 {
		fmt.Fprintf(stderr, "; %d older-release objects are younger than %s and stay for now", result.Young, opts.OlderThan)
	}
	fmt.Fprintf(stderr, "; %d requests\n", result.Requests)
	return nil
}
