package main

import (
	"fmt"
	"io"
	"time"

	"github.com/assetc/assetc/core/publish"
	"github.com/assetc/assetc/core/writer"
)

const cleanExamples = `  # Keep the files of the last 2 builds, and anything written in the last hour:
  assetc clean -o staticfiles --keep 2 --older-than 1h

  # See what would go:
  assetc clean -o staticfiles --keep 1 --older-than 0 --dry-run

  # A bucket that assetc publish wrote (with publish's --endpoint etc.):
  assetc clean -o s3://my-bucket/static/ --keep 2 --older-than 24h
`

func runClean(args []string, stdout, stderr io.Writer) error {
	var output string
	var opts writer.CleanOptions
	var asJSON bool
	var bucket bucketFlags
	fs := newFlagSet("clean", "-o OUTPUT [--keep N] [--older-than DURATION] [flags]", cleanExamples)
	fs.StringVarP(&output, "output", "o", "", "the static root that assetc build wrote, or s3://BUCKET/PREFIX that assetc publish wrote")
	fs.IntVar(&opts.Keep, "keep", 2, "keep every file of the last N builds (at least 1: the current build is never cleaned)")
	fs.DurationVar(&opts.OlderThan, "older-than", time.Hour, "only remove files older than this (pages rendered before a deploy still load theirs)")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "list what would be removed; remove nothing")
	fs.DurationVar(&opts.LockWait, "wait", 0, "wait this long for a running build of the same output (default: fail at once)")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	bucket.register(fs) // for -o s3://BUCKET/PREFIX (publish.go)
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("clean takes no arguments (got %q); the directory is given with -o", fs.Args())
	}
	if output == "" {
		return usagef("clean needs the output directory: -o DIR")
	}
	if opts.Keep < 1 {
		return usagef("--keep must be at least 1: the current build is never cleaned")
	}
	if opts.OlderThan < 0 {
		return usagef("--older-than must not be negative")
	}
	if isBucket(output) {
		return cleanBucket(output, bucket, publish.CleanOptions{Keep: opts.Keep, OlderThan: opts.OlderThan, DryRun: opts.DryRun}, asJSON, stdout, stderr)
	}
	result, err := writer.Clean(output, opts)
	if err != nil {
		return err
	}
	if asJSON {
		if result.Removed == nil {
			result.Removed = []string{}
		}
		return printJSON(stdout, result, exitOK)
	}
	if result.Recovered {
		fmt.Fprintln(stderr, "removed the files and temporaries of an unfinished build")
	}
	if result.IntegrityError != "" {
		fmt.Fprintf(stderr, "warning: %s\n", result.IntegrityError)
	}
	verb := listRemoved(stdout, opts.DryRun, result.Removed)
	fmt.Fprintf(stderr, "%s %d files (%d bytes); kept the last %d builds", verb, len(result.Removed), result.Bytes, result.KeptBuilds)
	if result.Young > 0 {
		fmt.Fprintf(stderr, "; %d older-build files are younger than %s and stay for now", result.Young, opts.OlderThan)
	}
	fmt.Fprintln(stderr)
	return nil
}

// listRemoved prints what a clean removed (or, in a dry run, would
// remove), one path per line on stdout, and returns the verb it used.
func listRemoved(stdout io.Writer, dryRun bool, removed []string) string {
	verb := "removed"
	if dryRun {
		verb = "would remove"
	}
	for _, rel := range removed {
		fmt.Fprintf(stdout, "%s %s\n", verb, rel)
	}
	return verb
}
