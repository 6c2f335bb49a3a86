package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetc/assetc/core"
)

const refsExamples = `  assetc refs static/css/site.css            # the current directory is the root
  assetc refs -s static -s vendor=node_modules/x/dist static/css/site.css
  assetc refs --json -s static static/css/site.css
`

func runRefs(args []string, stdout, stderr io.Writer) error {
	var src sourceFlags
	var asJSON bool
	fs := newFlagSet("refs", "[-s DIR ...] FILE... [flags]", refsExamples)
	src.register(fs.FlagSet)
	fs.BoolVar(&asJSON, "json", false, "print the references as JSON")
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("refs needs at least one CSS or JS file")
	}
	if len(src.sources) == 0 {
		src.sources = []string{"."} // resolve against the current directory
	}
	project, err := src.project()
	if err != nil {
		return err
	}
	type fileRefs struct {
		SourcePath  string               `json:"source_path"`
		LogicalPath string               `json:"logical_path"`
		References  []core.ReferenceInfo `json:"references"`
	}
	var out []fileRefs
	for _, file := range fs.Args() {
		logical, err := logicalPathOf(project.Config(), file)
		if err != nil {
			return err
		}
		refs, err := project.References(logical)
		if err != nil {
			return err
		}
		if refs == nil {
			refs = []core.ReferenceInfo{}
		}
		out = append(out, fileRefs{SourcePath: file, LogicalPath: logical, References: refs})
	}
	if asJSON {
		return printJSON(stdout, out, exitOK)
	}
	for _, f := range out {
		for _, r := range f.References {
			where := fmt.Sprintf("%s:%d:%d", f.SourcePath, r.Line, r.Col)
			detail := r.Outcome
			switch r.Outcome {
			case core.OutcomeRewritten, core.OutcomeInCycle:
				detail = fmt.Sprintf("%s -> %s", r.Target, r.Rewritten)
			case core.OutcomeMissing:
				detail = fmt.Sprintf("MISSING %s", r.Target)
			case core.OutcomeEscapesRoot:
				detail = fmt.Sprintf("ESCAPES ROOT (%s)", r.Target)
			}
			fmt.Fprintf(stdout, "%s\t%s\t%q\t%s\n", where, r.Kind, r.Value, detail)
		}
	}
	return nil
}

// logicalPathOf turns a file on disk into its logical path under the first
// root that contains it.
func logicalPathOf(cfg core.Config, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", usagef("%v", err)
	}
	abs = filepath.ToSlash(abs)
	for _, root := range cfg.Roots {
		if rel, ok := strings.CutPrefix(abs, strings.TrimSuffix(root.Dir, "/")+"/"); ok {
			if root.Prefix != "" {
				rel = root.Prefix + "/" + rel
			}
			return rel, nil
		}
	}
	return "", usagef("%s is in none of the sources; add its directory with -s", file)
}
