package core_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

// readCounter is the OS file system, counting the files read.
type readCounter struct {
	core.OSFileSystem
	mu    sync.Mutex
	reads map[string]int
}

func (r *readCounter) ReadFile(path string) ([]byte, error) {
	data, err := r.OSFileSystem.ReadFile(path)
	if err == nil { // bundler manifests are looked for in every directory
		r.mu.Lock()
		r.reads[path]++
		r.mu.Unlock()
	}
	return data, err
}

// planWithCache plans a fresh Project (a new build process) with the scan
// cache of the previous plan; it returns the plan and the files read.
func planWithCache(t *testing.T, cfg core.Config, previous *core.Plan, now time.Time) (*core.Plan, map[string]int) {
	t.Helper()
	fsys := &readCounter{reads: map[string]int{}}
	p, err := core.NewProject(fsys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := core.PlanOptions{Now: now}
	if previous != nil {
		opts.ScanCache = previous.ScanCache()
		opts.Known = previous.Sources()
	}
	plan, err := p.Plan(opts)
	if err != nil || plan.HasErrors() {
		t.Fatalf("plan: %v %v", err, plan.Diagnostics)
	}
	return plan, fsys.reads
}

func samePlans(t *testing.T, a, b *core.Plan) {
	t.Helper()
	if string(a.ManifestJSON) != string(b.ManifestJSON) || string(a.IntegrityJSON) != string(b.IntegrityJSON) || len(a.Files) != len(b.Files) {
		t.Fatalf("plans differ:\n%s\n%s", a.ManifestJSON, b.ManifestJSON)
	}
	for i := range a.Files {
		fa, fb := a.Files[i], b.Files[i]
		if fa.Path != fb.Path || fa.MD5 != fb.MD5 || fa.SRI != fb.SRI || fa.Size != fb.Size || fa.Rewritten != fb.Rewritten {
			t.Errorf("file %d: %+v != %+v", i, fa, fb)
		}
		ca, err := a.Content(fa)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := b.Content(fb)
		if err != nil {
			t.Fatal(err)
		}
		if string(ca) != string(cb) {
			t.Errorf("%s: the bytes differ: %q != %q", fa.Path, ca, cb)
		}
	}
}

// TestScanCache: an unchanged CSS/JS file is neither read nor scanned by the
// next build, whose plan is the same (the rewritten bytes are made on
// demand); a changed image costs a read of it and of the stylesheet that
// names it, nothing else; an edit whose mtime is set back is seen (the
// ctime moves); a file changed within the racy window, or a cache of other
// settings, is not trusted; the cache holds one record per CSS/JS file of
// the last build.
func TestScanCache(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"css/a.css":     `a{background:url("../img/a.svg")}`,
		"css/b.css":     `b{background:url("../img/b.svg")}`,
		"js/app.js":     "//# sourceMappingURL=app.js.map\n",
		"js/app.js.map": "{}",
		"img/a.svg":     "<svg>a</svg>",
		"img/b.svg":     "<svg>b</svg>",
	})
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	later := time.Now().Add(time.Hour) // every file is older than the racy window
	cold, reads := planWithCache(t, cfg, nil, later)
	if reads[root+"/css/a.css"] != 1 {
		t.Fatalf("the cold plan read a.css %d times", reads[root+"/css/a.css"])
	}

	warm, reads := planWithCache(t, cfg, cold, later)
	if len(reads) != 0 {
		t.Errorf("a no-change plan read %v", reads)
	}
	samePlans(t, cold, warm)
	if warm.ScanCacheChanged() || warm.SourcesChanged() || !cold.ScanCacheChanged() {
		t.Errorf("changed: cold %v, no-change %v/%v; want true, false/false", cold.ScanCacheChanged(), warm.ScanCacheChanged(), warm.SourcesChanged())
	}
	if n := len(warm.ScanCache().Records); n != 3 {
		t.Errorf("the cache holds %d records, want one per CSS/JS file (3)", n)
	}

	if err := os.WriteFile(root+"/img/a.svg", []byte("<svg>A</svg>"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, reads := planWithCache(t, cfg, warm, later)
	if reads[root+"/css/a.css"] == 0 || reads[root+"/img/a.svg"] == 0 || reads[root+"/css/b.css"] != 0 || reads[root+"/js/app.js"] != 0 {
		t.Errorf("a changed image read %v; want it and a.css only", reads)
	}
	if changed.Manifest["css/a.css"] == warm.Manifest["css/a.css"] || changed.Manifest["css/b.css"] != warm.Manifest["css/b.css"] {
		t.Errorf("names after the change: %v, before: %v", changed.Manifest, warm.Manifest)
	}
	fresh, _ := planWithCache(t, cfg, nil, later)
	samePlans(t, fresh, changed)
	if !changed.ScanCacheChanged() || !changed.SourcesChanged() {
		t.Error("a plan with a changed file says its records are unchanged")
	}

	// Same size, mtime set back: only the ctime tells.
	info, _ := os.Stat(root + "/css/b.css")
	if err := os.WriteFile(root+"/css/b.css", []byte(`i{background:url("../img/b.svg")}`), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(root+"/css/b.css", info.ModTime(), info.ModTime())
	lied, reads := planWithCache(t, cfg, changed, later)
	if reads[root+"/css/b.css"] == 0 || lied.Manifest["css/b.css"] == changed.Manifest["css/b.css"] {
		t.Errorf("an edit with its mtime set back was missed: reads %v, %s", reads, lied.Manifest["css/b.css"])
	}

	// The same for a file that is never scanned (its sum comes from the
	// previous build's Sources): an image edited in place, same size, mtime
	// set back, is read again and renamed, and so is the stylesheet naming it.
	info, _ = os.Stat(root + "/img/b.svg")
	if err := os.WriteFile(root+"/img/b.svg", []byte("<svg>B</svg>"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(root+"/img/b.svg", info.ModTime(), info.ModTime())
	liedImage, reads := planWithCache(t, cfg, lied, later)
	if reads[root+"/img/b.svg"] == 0 || liedImage.Manifest["img/b.svg"] == lied.Manifest["img/b.svg"] ||
		liedImage.Manifest["css/b.css"] == lied.Manifest["css/b.css"] {
		t.Errorf("an image edit with its mtime set back was missed: reads %v, %s", reads, liedImage.Manifest["img/b.svg"])
	}
	fresh, _ = planWithCache(t, cfg, nil, later)
	samePlans(t, fresh, liedImage)

	// Planned right after the files changed: nothing recorded.
	racy, _ := planWithCache(t, cfg, nil, time.Now())
	if n := len(racy.ScanCache().Records); n != 0 {
		t.Errorf("files changed within the racy window were recorded: %d", n)
	}

	// Other settings: the cache is dropped.
	cfg.StaticURL = "/assets/"
	_, reads = planWithCache(t, cfg, lied, later)
	if reads[root+"/css/a.css"] == 0 {
		t.Error("a cache of another STATIC_URL was used")
	}

	// A deleted file leaves the cache with the next build.
	cfg.StaticURL = ""
	os.Remove(root + "/css/a.css")
	after, _ := planWithCache(t, cfg, lied, later)
	if _, ok := after.ScanCache().Records[root+"/css/a.css"]; ok {
		t.Error("a deleted file kept its record")
	}
}
