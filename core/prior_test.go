package core_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

// TestPlanFromRecordMatchesWalk: a Plan made from the last Plan's record
// and the sources changed since is the Plan a walk makes, in everything a
// writer sees: the files with their names, sums and SRI values, the bytes
// Content gives for each (rewritten ones included, though the record holds
// no references), staticfiles.json, the sidecar, the source records, the
// counts and the record for the next Plan. Edits go one after another,
// each Plan from the record of the one before.
func TestPlanFromRecordMatchesWalk(t *testing.T) {
	tree := map[string]string{
		"css/main.css":    `@import "theme.css"; .m{background:url(../img/logo.svg)}`,
		"css/theme.css":   `@import url("base.css"); .t{color:red}`,
		"css/base.css":    `.b{background:url("../img/sprite.png")}`,
		"css/cycle-a.css": `@import "cycle-b.css"; .a{background:url(../img/logo.svg)}`,
		"css/cycle-b.css": `@import "cycle-a.css"; .b{color:blue}`,
		"js/app.js":       "import { x } from './lib.js';\nconsole.log(x);\n",
		"js/lib.js":       "export const x = 1;\n",
		"img/logo.svg":    "<svg>logo</svg>",
		"img/sprite.png":  "PNG sprite",
		"img/other.gif":   "GIF",
	}
	edits := []struct{ name, path, content string }{
		{"nothing (every rewritten file from the record)", "", ""},
		{"image at the end of an @import chain", "img/sprite.png", "PNG sprite 2"},
		{"member of a cycle", "css/cycle-b.css", `@import "cycle-a.css"; .b{color:green}`},
		{"stylesheet adds a reference and drops one", "css/base.css", `.b{background:url("../img/other.gif")} @import "main.css";`},
		{"stylesheet joins the cycle of main and theme", "css/theme.css", `@import url("base.css"); .t{color:red}`},
		{"module a module imports", "js/lib.js", "export const x = 2;\n"},
		{"image a cycle references", "img/logo.svg", "<svg>logo 2</svg>"},
		{"stylesheet of a prefixed root", "vendor:lib.css", `.v{background:url(../img/sprite.png)}`},
		{"hidden duplicate (no output changes)", "hidden:img/logo.svg", "<svg>hidden 2</svg>"},
	}
	for name, opts := range map[string]core.PlanOptions{
		"defaults":            {},
		"hashed only, sha256": {HashedOnly: true, Integrity: "sha256"},
	} {
		t.Run(name, func(t *testing.T) {
			root := testtree.Write(t, tree)
			// A second root under a prefix, and a third whose file is
			// hidden by the first root's (a duplicate).
			vendor := testtree.Write(t, map[string]string{"lib.css": `.v{background:url(../img/logo.svg)}`})
			hidden := testtree.Write(t, map[string]string{"img/logo.svg": "<svg>hidden</svg>"})
			cfg := core.Config{Roots: []core.Root{{Dir: root}, {Dir: vendor, Prefix: "vendor"}, {Dir: hidden}}}
			opts.Record = true
			last, err := newProject(t, cfg).Plan(opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, edit := range edits {
				var changed []string
				if edit.path != "" {
					path := filepath.Join(root, edit.path)
					if dir, rel, ok := strings.Cut(edit.path, ":"); ok {
						path = filepath.Join(map[string]string{"vendor": vendor, "hidden": hidden}[dir], rel)
					}
					if err := os.WriteFile(path, []byte(edit.content), 0o644); err != nil {
						t.Fatal(err)
					}
					changed = append(changed, filepath.ToSlash(path))
				}
				fromRecord := opts
				fromRecord.Prior, fromRecord.Changed = last.Record(), changed
				fromRecord.PriorManifest, fromRecord.PriorIntegrity = last.ManifestJSON, last.IntegrityJSON
				got, err := newProject(t, cfg).Plan(fromRecord)
				if err != nil {
					t.Fatal(err)
				}
				want, err := newProject(t, cfg).Plan(opts)
				if err != nil {
					t.Fatal(err)
				}
				samePlan(t, edit.name, got, want)
				sourcesPatchHolds(t, edit.name, last, got)
				patchedFromPrior(t, edit.name, cfg, fromRecord, last)
				last = got
			}
		})
	}
}

// sourcesPatchHolds checks Plan.SourcesPatch's promise: every source
// record but those it names is the one of the Plan the record came from.
func sourcesPatchHolds(t *testing.T, what string, last, got *core.Plan) {
	t.Helper()
	touched, ok := got.SourcesPatch()
	if !ok {
		t.Fatalf("%s: a Plan from a record has no SourcesPatch", what)
	}
	lastSources, gotSources := last.Sources(), got.Sources()
	for _, m := range []map[string]core.SourceRecord{lastSources, gotSources} {
		for path := range m {
			if a, b := lastSources[path], gotSources[path]; !slices.Contains(touched, path) && a != b {
				t.Errorf("%s: the source record of %s changed but is not in SourcesPatch %v:\n%+v\n%+v", what, path, touched, a, b)
			}
		}
	}
}

// patchedFromPrior shows that staticfiles.json and the sidecar of a Plan
// from a record are copied from the last ones where no file was named
// again, not encoded anew: a value the last manifest held for a file not
// named again, altered in those bytes, is what the new one holds.
func patchedFromPrior(t *testing.T, what string, cfg core.Config, opts core.PlanOptions, last *core.Plan) {
	t.Helper()
	const logical = "img/other.gif" // no edit changes it, nor anything it references
	name := last.Manifest[logical]
	altered := strings.Replace(name, "other.", "other-altered.", 1)
	opts.PriorManifest = bytes.Replace(last.ManifestJSON, []byte(`"`+name+`"`), []byte(`"`+altered+`"`), 1)
	opts.PriorIntegrity = bytes.Replace(last.IntegrityJSON, []byte(`"`+name+`"`), []byte(`"`+altered+`"`), 1)
	p, err := newProject(t, cfg).Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(p.ManifestJSON, []byte(altered)) || !bytes.Contains(p.IntegrityJSON, []byte(altered)) {
		t.Errorf("%s: staticfiles.json or the sidecar was encoded again, not patched:\n%s\n%s", what, p.ManifestJSON, p.IntegrityJSON)
	}
}

// samePlan compares two Plans as a writer sees them.
func samePlan(t *testing.T, what string, got, want *core.Plan) {
	t.Helper()
	if len(got.Files) != len(want.Files) {
		t.Fatalf("%s: %d files, want %d", what, len(got.Files), len(want.Files))
	}
	for i := range got.Files {
		g, w := got.Files[i], want.Files[i]
		if exported := func(f core.PlanFile) [8]any {
			return [8]any{f.Path, f.LogicalPath, f.SourcePath, f.Hashed, f.Rewritten, f.Size, f.MD5, f.SRI}
		}; exported(g) != exported(w) {
			t.Errorf("%s: file %d is\n%+v\nwant\n%+v", what, i, g, w)
			continue
		}
		gc, gerr := got.Content(g)
		wc, werr := want.Content(w)
		if gerr != nil || werr != nil || !bytes.Equal(gc, wc) {
			t.Errorf("%s: the bytes of %s are %q (%v), want %q (%v)", what, g.Path, gc, gerr, wc, werr)
		}
	}
	if !bytes.Equal(got.ManifestJSON, want.ManifestJSON) || !bytes.Equal(got.IntegrityJSON, want.IntegrityJSON) {
		t.Errorf("%s: staticfiles.json or the sidecar differ:\n%s\n%s\nwant\n%s\n%s", what, got.ManifestJSON, got.IntegrityJSON, want.ManifestJSON, want.IntegrityJSON)
	}
	if !reflect.DeepEqual(got.Sources(), want.Sources()) {
		t.Errorf("%s: the source records differ:\n%v\nwant\n%v", what, got.Sources(), want.Sources())
	}
	if got.Collected != want.Collected || got.Hashed != want.Hashed || got.Rewritten != want.Rewritten || got.Cycles != want.Cycles {
		t.Errorf("%s: counts %d/%d/%d/%d, want %d/%d/%d/%d", what, got.Collected, got.Hashed, got.Rewritten, got.Cycles,
			want.Collected, want.Hashed, want.Rewritten, want.Cycles)
	}
	if !reflect.DeepEqual(got.Record(), want.Record()) {
		t.Errorf("%s: the records for the next Plan differ:\n%+v\nwant\n%+v", what, got.Record(), want.Record())
	}
}
