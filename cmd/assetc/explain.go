package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/assetc/assetc/core"
)

const explainExamples = `  assetc explain -s static -s apps/blog/static css/base.css
  assetc explain -s static --json img/logo.png
`

func runExplain(args []string, stdout, stderr io.Writer) error {
	var src sourceFlags
	var asJSON bool
	fs := newFlagSet("explain", "-s DIR [...] LOGICAL_PATH [flags]", explainExamples)
	src.register(fs.FlagSet)
	fs.BoolVar(&asJSON, "json", false, "print the explanation as JSON")
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("explain takes exactly one logical path (like css/site.css)")
	}
	project, err := src.project()
	if err != nil {
		return err
	}
	ex, err := project.Explain(fs.Arg(0))
	if err != nil {
		return err
	}
	code := exitOK
	if ex.Error != "" {
		code = exitDiagnostics
	}
	if asJSON {
		return printJSON(stdout, ex, code)
	}
	printExplanation(stdout, project.Config(), ex)
	if code != exitOK {
		return reported{code}
	}
	return nil
}

func printExplanation(w io.Writer, cfg core.Config, ex *core.Explanation) {
	fmt.Fprintf(w, "%s\n", ex.LogicalPath)
	root := func(i int) string { return cfg.Roots[i].String() }
	if ex.Source != nil {
		fmt.Fprintf(w, "  provided by   %s (root %d: %s)\n", ex.Source.Path, ex.Source.Root+1, root(ex.Source.Root))
	} else {
		fmt.Fprintf(w, "  provided by   nothing: no root has this file\n")
	}
	for _, s := range ex.Shadowed {
		fmt.Fprintf(w, "  hides         %s (root %d: %s), which is not collected\n", s.Path, s.Root+1, root(s.Root))
	}
	for _, ig := range ex.Ignored {
		fmt.Fprintf(w, "  ignored       %s (root %d): matches ignore pattern %q\n", ig.Path, ig.Root+1, ig.Pattern)
	}
	if ex.Prehashed {
		fmt.Fprintf(w, "  prehashed     a bundler already named it by content; its name is kept\n")
	}
	if ex.HashedName != "" {
		fmt.Fprintf(w, "  hashed name   %s\n", ex.HashedName)
		fmt.Fprintf(w, "  written to    %s\n", strings.Join(ex.OutputPaths, ", "))
	}
	if ex.Error != "" {
		fmt.Fprintf(w, "  error         %s\n", strings.ReplaceAll(ex.Error, "\n", "\n                "))
	}
	if len(ex.References) > 0 {
		fmt.Fprintf(w, "  references\n")
		for _, r := range ex.References {
			target := r.Target
			if r.Rewritten != "" {
				target += " -> " + r.Rewritten
			}
			fmt.Fprintf(w, "    %d:%d %-16s %q %s %s\n", r.Line, r.Col, r.Kind, r.Value, r.Outcome, target)
		}
	}
	if len(ex.ReferencedBy) > 0 {
		fmt.Fprintf(w, "  referenced by\n")
		for _, r := range ex.ReferencedBy {
			fmt.Fprintf(w, "    %s:%d:%d %q\n", r.LogicalPath, r.Line, r.Col, r.Value)
		}
	}
	for _, d := range ex.Diagnostics {
		fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(d.Render(), "\n", "\n  "))
	}
}
