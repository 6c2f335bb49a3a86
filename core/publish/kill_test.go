package publish_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/core/publish"
	"github.com/assetc/assetc/internal/s3test"
)

// childEnv, when set, makes the test binary a publisher to be killed: it
// holds a childJob.
const childEnv = "ASSETC_PUBLISH_TEST_CHILD"

type childJob struct {
	Endpoint, Bucket, Prefix, Root string
}

// runChild publishes one tree, two uploads at a time so that a kill lands
// part way.
func runChild() int {
	var job childJob
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &job); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	pl, err := planOf(job.Root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	client, err := publish.NewClient(context.Background(), publish.ClientOptions{Endpoint: job.Endpoint, PathStyle: true, Credentials: s3test.Credentials})
	fmt.Println("publishing") // the parent times its kill from here
	if err == nil {
		_, err = publish.Publish(context.Background(), publish.Bucket{Client: client, Name: job.Bucket, Prefix: job.Prefix}, pl, publish.Options{Workers: 2, Compress: gzipOnly})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChild starts a publisher and returns once it has planned and is
// about to publish.
func startChild(exe string, job []byte) (*exec.Cmd, error) {
	child := exec.Command(exe, "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+string(job))
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := child.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "publishing\n" {
		child.Process.Kill()
		child.Wait()
		return nil, fmt.Errorf("the publisher said %q (%v)", line, err)
	}
	return child, nil
}

// writeRelease writes release n of a tree: 40 files, a quarter of them
// changed from the last release, and a CSS file that refers to one of the
// changed ones (so its name changes too).
func writeRelease(t *testing.T, root string, n int) {
	t.Helper()
	pad := strings.Repeat("/* padding so gzip pays */\n", 40)
	files := map[string]string{"css/site.css": "body { background: url(../img/bg.svg) }\n" + pad}
	for i := range 40 {
		files[fmt.Sprintf("js/m%02d.js", i)] = fmt.Sprintf("console.log(%d, %d);\n%s", i, (n+i%4)/4, pad)
	}
	files["img/bg.svg"] = fmt.Sprintf("<svg>%d</svg>%s", n, pad)
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKilledPublishNeverNamesAMissingObject kills publishes at random
// moments, each of a new release: after every kill the bucket's
// staticfiles.json and sidecar name only keys that are there, and the next
// publish, which finishes the job, uploads nothing that had landed.
func TestKilledPublishNeverNamesAMissingObject(t *testing.T) {
	f := newFixture(t)
	root := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	job, _ := json.Marshal(childJob{Endpoint: f.server.Endpoint, Bucket: f.bucket.Name, Prefix: f.bucket.Prefix, Root: filepath.ToSlash(root)})

	// How long the publishing part of a run takes (after planning) bounds
	// the moments to kill at.
	// The first publish also pays for the server growing its volumes: time
	// the second.
	var whole time.Duration
	for n := range 2 {
		writeRelease(t, root, 100+n)
		publishing, err := startChild(exe, job)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := publishing.Wait(); err != nil {
			t.Fatalf("publisher: %v", err)
		}
		whole = time.Since(start)
	}
	f.assertManifestComplete(t)

	// Kill until four publishes were stopped part way (their pending
	// record is there), at most 16 rounds.
	const maxRounds, wantPartWay = 16, 4
	partWay, rounds := 0, 0
	for n := 1; n <= maxRounds && partWay < wantPartWay; n++ {
		rounds++
		writeRelease(t, root, n)
		child, err := startChild(exe, job)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(whole))))
		child.Process.Kill()
		child.Wait()
		f.assertManifestComplete(t)
		if _, _, stopped := f.get(t, ".assetc/pending.json"); !stopped {
			continue
		}
		partWay++
		if partWay%2 == 1 {
			continue // the next killed publish starts from this one's debris
		}
		// Finish the job: no hashed key (or its variant) that landed is
		// sent again. (An unhashed key that landed may hold an older
		// release's bytes and be rightly replaced.)
		landed := f.keys(t)
		pl := plan(t, filepath.ToSlash(root))
		hashed := map[string]bool{}
		for _, file := range pl.Files {
			hashed[file.Path] = file.Hashed
		}
		r := f.publish(t, pl, publish.Options{Compress: gzipOnly})
		for _, k := range r.UploadedKeys {
			if landed[k] && hashed[strings.TrimSuffix(k, ".gz")] {
				t.Errorf("round %d: %s had landed and was uploaded again", n, k)
			}
		}
		manifest := f.assertManifestComplete(t)
		if want := plan(t, filepath.ToSlash(root)).Manifest["css/site.css"]; manifest["css/site.css"] != want {
			t.Errorf("round %d: the bucket's manifest is not the last release's", n)
		}
	}
	t.Logf("%d of %d publishes killed part way (a whole one takes %s)", partWay, rounds, whole.Round(time.Millisecond))
	if partWay == 0 {
		t.Error("no publish was killed part way: the test checked nothing")
	}
}

// TestCleanKeepsRecentReleases publishes three releases and cleans with
// --keep 2: the first release's own hashed keys and variants go, the last
// two releases' and the live manifest's stay, and the index forgets what
// went, so publishing the first release again uploads it again.
func TestCleanKeepsRecentReleases(t *testing.T) {
	f := newFixture(t)
	root := t.TempDir()
	var releases []map[string]string
	for n := range 3 {
		writeRelease(t, root, n*4) // *4: every file changes
		pl := plan(t, filepath.ToSlash(root))
		f.publish(t, pl, publish.Options{Compress: gzipOnly})
		releases = append(releases, pl.Manifest)
	}
	ctx := context.Background()
	if r, _ := publish.Clean(ctx, f.bucket, publish.CleanOptions{Keep: 2, OlderThan: time.Hour}); len(r.Removed) != 0 || r.Young == 0 {
		t.Errorf("--older-than 1h removed %v (young %d)", r.Removed, r.Young)
	}
	dry, err := publish.Clean(ctx, f.bucket, publish.CleanOptions{Keep: 2, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	before := f.keys(t)
	for _, k := range dry.Removed {
		if !before[k] {
			t.Errorf("dry run lists %s, which is not there", k)
		}
	}
	r, err := publish.Clean(ctx, f.bucket, publish.CleanOptions{Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.Removed, " ") != strings.Join(dry.Removed, " ") {
		t.Errorf("clean removed %v, the dry run said %v", r.Removed, dry.Removed)
	}
	after := f.keys(t)
	for logical, hashed := range releases[0] {
		gone := hashed != releases[1][logical] && hashed != releases[2][logical] && hashed != logical
		if gone == after[hashed] {
			t.Errorf("release 0's %s: present=%v after clean", hashed, after[hashed])
		}
		if gone && after[hashed+".gz"] {
			t.Errorf("release 0's %s.gz is still there", hashed)
		}
	}
	for _, m := range releases[1:] {
		for _, hashed := range m {
			if !after[hashed] {
				t.Errorf("a kept release's %s is gone", hashed)
			}
		}
	}
	if len(r.Removed) == 0 || r.PrunedRecords != 1 {
		t.Errorf("clean: %+v", r)
	}
	f.assertManifestComplete(t)

	writeRelease(t, root, 0)
	again := f.publish(t, plan(t, filepath.ToSlash(root)), publish.Options{Compress: gzipOnly})
	for _, k := range r.Removed {
		if !after[k] && !slices.Contains(again.UploadedKeys, k) {
			t.Errorf("republishing release 0 did not upload %s again", k)
		}
	}
	f.assertManifestComplete(t)
}

// TestStoppedAtEveryStep stops a publish before each of its steps in turn
// (the deterministic twin of the random kills above): the bucket's
// manifest names only present keys, and the next publish finishes without
// uploading again a hashed key that landed.
func TestStoppedAtEveryStep(t *testing.T) {
	steps := []struct {
		name string
		skip int
	}{
		{"pending", 0}, {"upload", 0}, {"upload", 5}, {"release", 0},
		{"staticfiles.integrity.json", 0}, {"staticfiles.json", 0}, {"index", 0}, {"done", 0},
	}
	stop := errors.New("stopped (test)")
	f := newFixture(t)
	root := t.TempDir()
	for n, s := range steps {
		writeRelease(t, root, n)
		pl := plan(t, filepath.ToSlash(root))
		_, err := publish.Publish(context.Background(), f.bucket, pl, publish.StopAt(publish.Options{Workers: 1, Compress: gzipOnly}, s.name, s.skip, stop))
		if !errors.Is(err, stop) {
			t.Fatalf("stop before %s: %v", s.name, err)
		}
		f.assertManifestComplete(t)
		landed := f.keys(t)
		hashed := map[string]bool{}
		for _, file := range pl.Files {
			hashed[file.Path] = file.Hashed
		}
		r := f.publish(t, pl, publish.Options{Compress: gzipOnly})
		for _, k := range r.UploadedKeys {
			if landed[k] && hashed[strings.TrimSuffix(k, ".gz")] {
				t.Errorf("stopped before %s: %s had landed and was uploaded again", s.name, k)
			}
		}
		if m := f.assertManifestComplete(t); m["css/site.css"] != pl.Manifest["css/site.css"] {
			t.Errorf("stopped before %s: the next publish did not make the release live", s.name)
		}
		if _, _, pending := f.get(t, ".assetc/pending.json"); pending {
			t.Errorf("stopped before %s: the pending record outlived the finishing publish", s.name)
		}
	}
}
