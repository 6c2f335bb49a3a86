package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/assetc/assetc/core"
)

const resolveExamples = `  assetc resolve -s static css/site.css img/logo.png
  assetc resolve -s static --json css/site.css
`

func runResolve(args []string, stdout, stderr io.Writer) error {
	var src sourceFlags
	var asJSON bool
	fs := newFlagSet("resolve", "-s DIR [...] LOGICAL_PATH... [flags]", resolveExamples)
	src.register(fs.FlagSet)
	fs.BoolVar(&asJSON, "json", false, "print a JSON object per path")
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("resolve needs at least one logical path (like css/site.css)")
	}
	project, err := src.project()
	if err != nil {
		return err
	}
	type answer struct {
		LogicalPath string            `json:"logical_path"`
		HashedName  string            `json:"hashed_name,omitempty"`
		Error       string            `json:"error,omitempty"`
		Diagnostics []core.Diagnostic `json:"diagnostics,omitempty"`
	}
	var answers []answer
	failed := false
	for _, r := range project.Resolve(fs.Args()) {
		a := answer{LogicalPath: r.LogicalPath, HashedName: r.HashedName}
		if r.Err != nil {
			failed = true
			a.Error = r.Err.Error()
			var de *core.DiagnosticsError
			if errors.As(r.Err, &de) {
				a.Diagnostics = de.Diagnostics
			}
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
		if a.Error != "" {
			fmt.Fprintf(stderr, "%s: %s\n", a.LogicalPath, a.Error)
			continue
		}
		fmt.Fprintln(stdout, a.HashedName)
	}
	if failed {
		return reported{code}
	}
	return nil
}
