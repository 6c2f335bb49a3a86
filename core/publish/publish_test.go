package publish_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/publish"
	"github.com/assetc/assetc/internal/s3test"
	"github.com/assetc/assetc/internal/testtree"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(s3test.Main(m))
}

// gzipOnly keeps the tests' compression fast: the codecs are tested in
// package compress; here what matters is that variants are their own keys.
var gzipOnly = compress.Options{Encodings: []string{compress.Gzip}, GzipLevel: 1}

func planOf(roots ...string) (*core.Plan, error) {
	var cfg core.Config
	for _, r := range roots {
		cfg.Roots = append(cfg.Roots, core.Root{Dir: r})
	}
	cfg.IgnorePatterns = core.DefaultIgnorePatterns
	p, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		return nil, err
	}
	pl, err := p.Plan(core.PlanOptions{})
	if err == nil && pl.HasErrors() {
		err = &core.DiagnosticsError{Diagnostics: pl.Diagnostics}
	}
	return pl, err
}

func plan(t testing.TB, roots ...string) *core.Plan {
	t.Helper()
	pl, err := planOf(roots...)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// fixture is a bucket of the shared server.
type fixture struct {
	server *s3test.Server
	bucket publish.Bucket
}

func newFixture(t testing.TB) fixture {
	server := s3test.Shared(t)
	return fixture{server, publish.Bucket{Client: server.Client(t), Name: server.Bucket(t), Prefix: "static/"}}
}

func (f fixture) publish(t testing.TB, pl *core.Plan, opts publish.Options) *publish.Result {
	t.Helper()
	r, err := publish.Publish(context.Background(), f.bucket, pl, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// get reads one key (relative to the prefix) with its headers; ok is
// false when it does not exist.
func (f fixture) get(t testing.TB, rel string) (data []byte, out *s3.GetObjectOutput, ok bool) {
	t.Helper()
	out, err := f.bucket.Client.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &f.bucket.Name, Key: aws.String(f.bucket.Prefix + rel)})
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchKey") || strings.Contains(err.Error(), "404") {
			return nil, nil, false
		}
		t.Fatal(err)
	}
	defer out.Body.Close()
	data, err = io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data, out, true
}

// keys lists every key under the prefix, relative to it.
func (f fixture) keys(t testing.TB) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	pages := s3.NewListObjectsV2Paginator(f.bucket.Client.S3, &s3.ListObjectsV2Input{Bucket: &f.bucket.Name, Prefix: aws.String(f.bucket.Prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys[strings.TrimPrefix(aws.ToString(o.Key), f.bucket.Prefix)] = true
		}
	}
	return keys
}

// assertManifestComplete checks the promise a reader relies on: every
// key the bucket's staticfiles.json and integrity sidecar name is there.
func (f fixture) assertManifestComplete(t testing.TB) (manifest map[string]string) {
	t.Helper()
	data, _, ok := f.get(t, core.ManifestName)
	if !ok {
		return nil
	}
	keys := f.keys(t)
	var m struct {
		Paths map[string]string `json:"paths"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("staticfiles.json in the bucket: %v", err)
	}
	for logical, hashed := range m.Paths {
		if !keys[hashed] {
			t.Errorf("staticfiles.json names %s, which the bucket lacks", hashed)
		}
		if !keys[logical] {
			t.Errorf("staticfiles.json names %s, which the bucket lacks", logical)
		}
	}
	if data, _, ok := f.get(t, core.IntegrityName); ok {
		var sidecar core.IntegrityFile
		if err := json.Unmarshal(data, &sidecar); err != nil {
			t.Fatal(err)
		}
		for name := range sidecar.Files {
			if !keys[name] {
				t.Errorf("%s names %s, which the bucket lacks", core.IntegrityName, name)
			}
		}
	}
	return m.Paths
}

func md5Hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// corpusSubset is four packages of the real-world corpus (Django's admin,
// jQuery, htmx, Select2: about 500 files), or skips.
func corpusSubset(t testing.TB) []string {
	dir := os.Getenv("ASSETC_CORPUS")
	if dir == "" {
		t.Skip("ASSETC_CORPUS is not set: run 'make corpus' (make test does) to fetch the corpus")
	}
	var roots []string
	for _, name := range []string{"admin", "htmx.org-1.9.12", "jquery-3.7.1", "select2-4.0.13"} {
		abs, err := filepath.Abs(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(abs); err != nil {
			t.Fatalf("the corpus lacks %s: is it fetched completely? (%v)", name, err)
		}
		roots = append(roots, filepath.ToSlash(abs))
	}
	return roots
}

// TestPublishCorpus publishes real packages and reads every object back:
// its bytes, Content-Type, Cache-Control and, for variants,
// Content-Encoding. Then a publish with nothing to do uploads nothing and
// makes a fixed number of requests, however many files there are.
func TestPublishCorpus(t *testing.T) {
	roots := corpusSubset(t)
	f := newFixture(t)
	pl := plan(t, roots...)
	r := f.publish(t, pl, publish.Options{Compress: gzipOnly})
	if r.Uploaded < len(pl.Files) || r.Present != 0 || !r.Released {
		t.Fatalf("first publish: %+v", r)
	}
	t.Logf("first publish: %d objects, %d bytes, %d requests", r.Uploaded, r.Bytes, r.Requests)

	variants := 0
	shipped := map[string]bool{} // paths of the sources: htmx ships its own .gz
	for _, file := range pl.Files {
		shipped[file.Path] = true
	}
	for _, file := range pl.Files {
		want, err := pl.Content(file)
		if err != nil {
			t.Fatal(err)
		}
		data, out, ok := f.get(t, file.Path)
		if !ok {
			t.Fatalf("%s was not uploaded", file.Path)
		}
		if md5Hex(data) != file.MD5 {
			t.Errorf("%s: wrong bytes", file.Path)
		}
		wantCC := publish.DefaultUnhashedCacheControl
		if file.Hashed {
			wantCC = publish.HashedCacheControl
		}
		if got := aws.ToString(out.CacheControl); got != wantCC {
			t.Errorf("%s: Cache-Control %q, want %q", file.Path, got, wantCC)
		}
		// An upload typed application/octet-stream (an extension the table
		// does not know) gets a type SeaweedFS guesses; AWS keeps ours.
		wantType := core.ContentType(file.Path)
		typed := wantType != "application/octet-stream"
		if got := aws.ToString(out.ContentType); typed && got != wantType {
			t.Errorf("%s: Content-Type %q, want %q", file.Path, got, wantType)
		}
		if shipped[file.Path+".gz"] {
			continue
		}
		if gz, out, ok := f.get(t, file.Path+".gz"); ok {
			variants++
			if got := aws.ToString(out.ContentEncoding); got != "gzip" {
				t.Errorf("%s.gz: Content-Encoding %q", file.Path, got)
			}
			if got := aws.ToString(out.ContentType); typed && got != wantType {
				t.Errorf("%s.gz: Content-Type %q, want the original's", file.Path, got)
			}
			if got := aws.ToString(out.CacheControl); got != wantCC {
				t.Errorf("%s.gz: Cache-Control %q, want %q", file.Path, got, wantCC)
			}
			if md5Hex(testtree.Decompress(t, "gzip", gz)) != md5Hex(want) {
				t.Errorf("%s.gz does not decompress to %s", file.Path, file.Path)
			}
		} else if !gzipOnly.Skips(file.Path) && len(want) > 1000 && strings.HasSuffix(file.Path, ".js") {
			t.Errorf("%s has no .gz variant", file.Path)
		}
	}
	if variants == 0 {
		t.Fatal("no variants")
	}
	for name, want := range map[string][]byte{core.ManifestName: pl.ManifestJSON, core.IntegrityName: pl.IntegrityJSON} {
		if data, _, _ := f.get(t, name); string(data) != string(want) {
			t.Errorf("%s in the bucket is not the plan's", name)
		}
	}
	f.assertManifestComplete(t)

	again := f.publish(t, plan(t, roots...), publish.Options{Compress: gzipOnly})
	if again.Uploaded != 0 || again.Compressed != 0 || again.Released || again.Present != r.Uploaded || again.Objects != r.Objects {
		t.Errorf("no-change publish: %+v (first uploaded %d)", again, r.Uploaded)
	}
	// Read the index, ask whether a publish was stopped: two requests,
	// whatever the number of files.
	if again.Requests != 2 {
		t.Errorf("no-change publish made %d requests, want 2", again.Requests)
	}
	t.Logf("no-change publish: %d requests for %d objects", again.Requests, again.Present)
}

// site is a small tree whose CSS refers to an image, so a change to the
// image changes the CSS's name too.
func site(t testing.TB) string {
	big := strings.Repeat("/* padding so gzip pays */\n", 50)
	return testtree.Write(t, map[string]string{
		"css/site.css": "body { background: url(../img/bg.svg) }\n" + big,
		"img/bg.svg":   "<svg>v1</svg>" + big,
		"img/logo.png": "not really a png",
		"js/app.js":    "console.log('v1');\n" + big,
		"js/vendor.js": "console.log('vendor');\n" + big,
	})
}

// TestOneChangeUploadsOnlyWhatChanged changes one image: its copies, the
// CSS that refers to it (whose name changes with it), their variants and
// the manifest are uploaded; nothing else.
func TestOneChangeUploadsOnlyWhatChanged(t *testing.T) {
	f := newFixture(t)
	root := site(t)
	v1 := plan(t, root)
	f.publish(t, v1, publish.Options{Compress: gzipOnly})

	big := strings.Repeat("/* padding so gzip pays */\n", 50)
	os.WriteFile(filepath.Join(root, "img/bg.svg"), []byte("<svg>v2</svg>"+big), 0o644)
	v2 := plan(t, root)
	r := f.publish(t, v2, publish.Options{Compress: gzipOnly})
	css, svg := v2.Manifest["css/site.css"], v2.Manifest["img/bg.svg"]
	want := []string{
		css, css + ".gz", // the unhashed css/site.css holds the source's bytes: unchanged
		"img/bg.svg", "img/bg.svg.gz", svg, svg + ".gz",
		core.IntegrityName, core.ManifestName,
	}
	sort.Strings(want)
	if !slices.Equal(r.UploadedKeys, want) {
		t.Errorf("uploaded %v\nwant     %v", r.UploadedKeys, want)
	}
	// The previous release's keys stay: pages rendered by it still load.
	keys := f.keys(t)
	for _, hashed := range v1.Manifest {
		if !keys[hashed] {
			t.Errorf("v1's %s is gone", hashed)
		}
	}
	f.assertManifestComplete(t)
}

// TestVerifyFindsWhatTheIndexMisses deletes an object behind the
// publisher's back: the index does not know (so a plain publish trusts
// it), --verify lists the bucket and uploads it again.
func TestVerifyFindsWhatTheIndexMisses(t *testing.T) {
	f := newFixture(t)
	pl := plan(t, site(t))
	f.publish(t, pl, publish.Options{})
	gone := pl.Manifest["js/app.js"]
	if _, err := f.bucket.Client.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &f.bucket.Name, Key: aws.String(f.bucket.Prefix + gone)}); err != nil {
		t.Fatal(err)
	}
	if r := f.publish(t, pl, publish.Options{}); r.Uploaded != 0 || r.Listed {
		t.Errorf("plain publish: %+v", r)
	}
	r := f.publish(t, pl, publish.Options{Verify: true})
	if !r.Listed || !slices.Equal(r.UploadedKeys, []string{gone}) {
		t.Errorf("verified publish: %+v", r)
	}
	f.assertManifestComplete(t)
}

// TestStaleVariantOfUnhashedKeyGoes: an unhashed key changes in place; its
// old variant must not stay to be served for the new bytes.
func TestStaleVariantOfUnhashedKeyGoes(t *testing.T) {
	f := newFixture(t)
	root := site(t)
	f.publish(t, plan(t, root), publish.Options{Compress: gzipOnly})
	if _, _, ok := f.get(t, "js/app.js.gz"); !ok {
		t.Fatal("no variant to go stale")
	}
	// Too short to be worth compressing: no new variant replaces the old.
	os.WriteFile(filepath.Join(root, "js/app.js"), []byte("x"), 0o644)
	pl := plan(t, root)
	r := f.publish(t, pl, publish.Options{Compress: gzipOnly})
	if r.Removed != 1 {
		t.Errorf("removed %d stale variants, want 1", r.Removed)
	}
	if _, _, ok := f.get(t, "js/app.js.gz"); ok {
		t.Error("the stale js/app.js.gz is still there")
	}
	if again := f.publish(t, pl, publish.Options{Compress: gzipOnly}); again.Uploaded != 0 || again.Compressed != 0 || again.Requests != 2 {
		t.Errorf("next publish: %+v", again)
	}
}
