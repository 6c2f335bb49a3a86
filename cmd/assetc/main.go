// Command assetc builds a Django static root: every file under its content
// hash, references inside CSS and JS rewritten, and a staticfiles.json that
// Django's ManifestStaticFilesStorage reads — in a fraction of collectstatic's
// time. It also answers questions about the sources without building.
//
// This file is only wiring: flags, output and exit codes. The engine is
// package core.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/spf13/pflag"

	"github.com/assetc/assetc"
	"github.com/assetc/assetc/core/compress"
)

// Exit codes.
const (
	exitOK          = 0
	exitDiagnostics = 1 // the sources have problems (or a command failed)
	exitUsage       = 2 // the command line is wrong
)

// version is the project's one version number (the file VERSION).
var version = assetc.Version

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"build", "write a static root: hashed and unhashed copies plus staticfiles.json", runBuild},
		{"resolve", "print the hashed name of logical paths, computed from the sources", runResolve},
		{"refs", "list the references inside CSS/JS files and what they resolve to", runRefs},
		{"explain", "everything about one logical path: why it is (not) collected", runExplain},
		{"publish", "upload a static root to an S3-compatible bucket: only what it lacks, manifest last", runPublish},
		{"clean", "remove hashed files that recent builds no longer use (rolling deploys)", runClean},
		{"importmap", "print an import map of the JS modules' hashed URLs, with integrity", runImportMap},
		{"version", "print the version", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			return exitCode(err, stderr)
		}
	}
	fmt.Fprintf(stderr, "assetc: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, "assetc builds Django static files by content hash, with Django's names.\n\nUsage:\n  assetc <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'assetc <command> --help' for a command's flags and examples.\n")
}

// usageError is a mistake on the command line (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// reported marks an error whose details were already printed.
type reported struct{ code int }

func (reported) Error() string { return "" }

func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	var rep reported
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "assetc: %s\n", ue.msg)
		return exitUsage
	case errors.As(err, &rep):
		return rep.code
	default:
		fmt.Fprintf(stderr, "assetc: %s\n", err)
		return exitDiagnostics
	}
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fmt.Fprintf(stdout, "assetc %s\n", version)
	// Which encoders --compress uses: the C libraries are faster, and
	// libdeflate's gzip changes the default levels (see core/compress/compress.go).
	fmt.Fprintf(stdout, "brotli: %s, default quality %d\n", compress.BrotliImplementation, compress.DefaultBrotliLevel)
	fmt.Fprintf(stdout, "gzip: %s, default level %d\n", compress.GzipImplementation, compress.DefaultGzipLevel)
	// The release wheels are cross-compiled with CGO_ENABLED=0: this line
	// says whether the C encoders could be in this binary at all.
	fmt.Fprintf(stdout, "built: %s %s/%s, cgo %s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, cgoSetting())
	return nil
}

// cgoSetting is "on" or "off", as recorded by the Go toolchain at build time.
func cgoSetting() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, setting := range info.Settings {
			if setting.Key == "CGO_ENABLED" && setting.Value == "1" {
				return "on"
			}
		}
	}
	return "off"
}
