package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetc/assetc/core"
	"github.com/spf13/pflag"
)

// sourceFlags are the flags every command that reads sources shares: they
// make a core.Config.
type sourceFlags struct {
	sources         []string
	ignore          []string
	noDefaultIgnore bool
	staticURL       string
	jsModules       bool
	prehashed       []string
	allowMissing    []string
	missing         core.MissingPolicy
	symlinksInto    []string
	configFile      string
	flags           *pflag.FlagSet // to tell which flags were given
}

func (s *sourceFlags) register(fs *pflag.FlagSet) {
	s.flags = fs
	fs.StringVar(&s.configFile, "config", "", "read the sources and their options from this JSON file instead of the flags above and below: the document the wasm ABI's configure takes (see wasm/README.md)")
	fs.StringArrayVarP(&s.sources, "source", "s", nil, "a directory of static files, or PREFIX=DIR (repeatable; earlier wins, like STATICFILES_DIRS)")
	fs.StringArrayVarP(&s.ignore, "ignore", "i", nil, "ignore files and directories matching this glob (repeatable; added to CVS, .*, *~)")
	fs.BoolVar(&s.noDefaultIgnore, "no-default-ignore", false, "do not ignore CVS, .* and *~")
	fs.StringVar(&s.staticURL, "static-url", "/static/", "Django's STATIC_URL: references starting with it resolve from the static root")
	fs.BoolVar(&s.jsModules, "js-modules", false, "rewrite ES module imports/exports and new URL(…, import.meta.url) in JS")
	fs.StringArrayVar(&s.prehashed, "prehashed", nil, "files matching this glob are already content-hashed: keep their names (repeatable)")
	fs.StringArrayVar(&s.allowMissing, "allow-missing", nil, "references to missing files matching this glob are left as written, with a warning (repeatable; e.g. '*.map')")
	fs.StringArrayVar(&s.symlinksInto, "allow-symlinks-into", nil, "follow symbolic links that leave a source root when they lead into this directory (repeatable; by default such links are refused)")
	fs.TextVar(&s.missing, "missing", core.MissingError, "what a reference to a missing file does: error (stop, write nothing) or warn (leave it as written)")
}

func (s *sourceFlags) config() (core.Config, error) {
	if s.configFile != "" {
		return s.configFromFile()
	}
	if len(s.sources) == 0 {
		return core.Config{}, usagef("no sources: give at least one -s DIR (or -s PREFIX=DIR)")
	}
	cfg := core.Config{StaticURL: s.staticURL, JSModules: s.jsModules, Prehashed: s.prehashed, AllowMissing: s.allowMissing, Missing: s.missing}
	for _, spec := range s.sources {
		root, err := parseSource(spec)
		if err != nil {
			return cfg, err
		}
		cfg.Roots = append(cfg.Roots, root)
	}
	if !s.noDefaultIgnore {
		cfg.IgnorePatterns = append(cfg.IgnorePatterns, core.DefaultIgnorePatterns...)
	}
	cfg.IgnorePatterns = append(append([]string{}, cfg.IgnorePatterns...), s.ignore...)
	for _, dir := range s.symlinksInto {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return cfg, usagef("--allow-symlinks-into %q: %v", dir, err)
		}
		cfg.AllowSymlinksInto = append(cfg.AllowSymlinksInto, filepath.ToSlash(abs))
	}
	return cfg, nil
}

// parseSource reads "DIR" or "PREFIX=DIR". A directory must exist: a typo in
// a source is the classic "collectstatic silently skipped my files".
func parseSource(spec string) (core.Root, error) {
	prefix, dir, hasPrefix := strings.Cut(spec, "=")
	if !hasPrefix {
		prefix, dir = "", spec
	}
	if dir == "" {
		return core.Root{}, usagef("source %q has no directory", spec)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return core.Root{}, usagef("source %q: %v", spec, err)
	}
	info, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return core.Root{}, usagef("source %q: %s does not exist; check the -s path (nothing would be collected from it)", spec, abs)
	}
	if err != nil {
		return core.Root{}, usagef("source %q: %v", spec, err)
	}
	if !info.IsDir() {
		return core.Root{}, usagef("source %q is not a directory", spec)
	}
	return core.Root{Prefix: prefix, Dir: filepath.ToSlash(abs)}, nil
}

func (s *sourceFlags) project() (*core.Project, error) {
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	return core.NewProject(core.OSFileSystem{}, cfg)
}

// commandFlags is a command's flag set with its help text.
type commandFlags struct {
	*pflag.FlagSet
	synopsis, examples string
}

// newFlagSet makes a command's flag set; help goes to stdout, parse errors
// are returned (and printed once, by exitCode).
func newFlagSet(name, synopsis, examples string) *commandFlags {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.Usage = func() {}
	return &commandFlags{FlagSet: fs, synopsis: synopsis, examples: examples}
}

// parse parses args; --help prints the command's help to stdout.
func (c *commandFlags) parse(args []string, stdout io.Writer) error {
	err := c.Parse(args)
	if err == pflag.ErrHelp {
		fmt.Fprintf(stdout, "Usage: assetc %s %s\n\nFlags:\n%s\nExamples:\n%s", c.Name(), c.synopsis, c.FlagUsages(), c.examples)
		return err
	}
	if err != nil {
		return usagef("%s: %v (see 'assetc %s --help')", c.Name(), err, c.Name())
	}
	return nil
}

// registerMaxDiagnostics adds --max-diagnostics: a broken vendor tree can
// have thousands of problems, and the first screen is what gets fixed.
func registerMaxDiagnostics(fs *pflag.FlagSet, max *int) {
	fs.IntVar(max, "max-diagnostics", core.DefaultMaxDiagnostics, "print at most this many diagnostics, then how many more there are (0: all; --json always has all)")
}
