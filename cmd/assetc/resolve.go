package main

import (
	"fmt"
	"io"

	"github.com/assetc/assetc/core"
)

const resolveExamples = `  assetc resolve -s static css/site.css img/logo.png
  assetc resolve -s static --json css/site.css
  assetc resolve -s static --integrity js/app.js     # js/app.<hash>.js<TAB>sha384-…
  assetc resolve -s static --integrity=sha512 js/app.js
`

func runResolve(args []string, stdout, stderr io.Writer) error {
	var src sourceFlags
	var asJSON bool
	var integrity string
	var maxDiagnostics int
	fs := newFlagSet("resolve", "-s DIR [...] LOGICAL_PATH... [flags]", resolveExamples)
	src.register(fs.FlagSet)
	fs.BoolVar(&asJSON, "json", false, "print a JSON object per path")
	fs.StringVar(&integrity, "integrity", "", "also print the SRI value of the hashed copy: sha256, sha384 or sha512 (alone: "+core.DefaultIntegrityAlgorithm+")")
	fs.Lookup("integrity").NoOptDefVal = core.DefaultIntegrityAlgorithm
	registerMaxDiagnostics(fs.FlagSet, &maxDiagnostics)
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("resolve needs at least one logical path (like css/site.css)")
	}
	if integrity != "" {
		if _, err := core.SRI(integrity, nil); err != nil {
			return usagef("--integrity: %v", err)
		}
	}
	project, err := src.project()
	if err != nil {
		return err
	}
	// An answer is shaped as the wasm ABI's resolve result (wasm/README.md),
	// so a tool reads both with one decoder.
	type answer struct {
		LogicalPath string            `json:"logical_path"`
		HashedName  string            `json:"hashed_name,omitempty"`
		Integrity   string            `json:"integrity,omitempty"`
		Error       *core.ErrorReport `json:"error,omitempty"`
	}
	var answers []answer
	failed := false
	for _, r := range project.Resolve(fs.Args()) {
		a := answer{LogicalPath: r.LogicalPath, HashedName: r.HashedName}
		if r.Err == nil && integrity != "" {
			a.Integrity, r.Err = project.Integrity(r.LogicalPath, integrity)
		}
		if r.Err != nil {
			failed = true
			report := core.ReportError(r.Err)
			a.Error = &report
		}
		answers = append(answers, a)
	}
	code := exitOK
	if failed {
		code = exitDiagnostics
	}
	if asJSON {
		return printJSON(stdout, answers, code)
	}
	for _, a := range answers {
		if a.Error != nil && a.Error.Diagnostics != nil {
			fmt.Fprintf(stderr, "%s: cannot be named:\n", a.LogicalPath)
			printDiagnostics(stderr, a.Error.Diagnostics, true, maxDiagnostics)
			continue
		}
		if a.Error != nil {
			fmt.Fprintf(stderr, "%s: %s\n", a.LogicalPath, a.Error.Message)
			continue
		}
		if a.Integrity != "" {
			fmt.Fprintf(stdout, "%s\t%s\n", a.HashedName, a.Integrity)
			continue
		}
		fmt.Fprintln(stdout, a.HashedName)
	}
	if failed {
		return reported{code}
	}
	return nil
}
