package core

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/assetc/assetc/internal/testtree"
)

// listingFS is the host's file system, counting the listings of each
// directory and how many run at once; a listing of a path in hold waits
// until release is closed.
type listingFS struct {
	OSFileSystem
	mu            sync.Mutex
	listed        map[string]int
	running, most int
	hold          string
	release       chan struct{}
	fail          string // a directory whose listing fails
}

func (f *listingFS) ReadDir(path string) ([]DirEntry, error) {
	f.mu.Lock()
	f.listed[path]++
	f.running++
	f.most = max(f.most, f.running)
	f.mu.Unlock()
	if path == f.hold {
		<-f.release
	}
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()
	if path == f.fail {
		return nil, errors.New("listing refused (test)")
	}
	return f.OSFileSystem.ReadDir(path)
}

// aheadTree is 120 directories, some nested, some ignored, a file in each.
func aheadTree(t *testing.T) string {
	files := map[string]string{}
	for i := range 40 {
		files[fmt.Sprintf("d%02d/a.css", i)] = "a{}"
		files[fmt.Sprintf("d%02d/sub/b.js", i)] = "b"
		files[fmt.Sprintf("d%02d/.hidden/c.txt", i)] = "c"
	}
	files["top.txt"] = "t"
	return testtree.Write(t, files)
}

// TestWalkListingAheadSameInventory: whatever the bound on listings ahead
// of the walk, the Inventory is the one the walk without them makes, and
// every directory is listed once (a listing ahead is used, not made again);
// directories an ignore pattern drops are not listed at all.
func TestWalkListingAheadSameInventory(t *testing.T) {
	root := aheadTree(t)
	cfg := &Config{Roots: []Root{{Dir: root}, {Prefix: "p", Dir: root + "/d00"}}, IgnorePatterns: DefaultIgnorePatterns}
	want, err := walkListingAhead(OSFileSystem{}, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Files) != 40*2+1+2 {
		t.Fatalf("%d files collected, want %d", len(want.Files), 40*2+1+2)
	}
	for _, bound := range []int{1, 3, maxListingsAhead, 1000} {
		fsys := &listingFS{listed: map[string]int{}}
		got, err := walkListingAhead(fsys, cfg, bound)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("bound %d: the Inventory differs from the walk's without listings ahead", bound)
		}
		for dir, n := range fsys.listed {
			if n != 1 && !strings.HasSuffix(dir, "/d00") && !strings.HasSuffix(dir, "/d00/sub") { // d00 is also the second root
				t.Errorf("bound %d: %s listed %d times", bound, dir, n)
			}
			if strings.Contains(dir, ".hidden") {
				t.Errorf("bound %d: %s listed, though ignored", bound, dir)
			}
		}
		if fsys.most > listersAtOnce+1 { // the walk's own listing beside the listers
			t.Errorf("bound %d: %d listings at once, want at most %d", bound, fsys.most, listersAtOnce+1)
		}
	}
}

// TestWalkListingAheadBounded: while the walk waits for one directory, at
// most maxAhead others are listed: what the listings ahead hold in memory
// is bounded by the bound, not by the tree.
func TestWalkListingAheadBounded(t *testing.T) {
	root := aheadTree(t)
	cfg := &Config{Roots: []Root{{Dir: root}}, IgnorePatterns: DefaultIgnorePatterns}
	const bound = 5
	fsys := &listingFS{listed: map[string]int{}, hold: root + "/d00", release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { _, err := walkListingAhead(fsys, cfg, bound); done <- err }()
	// The walk lists the root itself, then starts the first bound
	// directories ahead and waits for d00, the first of them, held.
	// What it starts meanwhile is bounded however long d00 takes.
	for {
		fsys.mu.Lock()
		started := len(fsys.listed)
		fsys.mu.Unlock()
		if started >= 1+bound {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the walk ended while a listing was held: %v", err)
		default:
		}
	}
	fsys.mu.Lock()
	listed := len(fsys.listed)
	fsys.mu.Unlock()
	if listed != 1+bound {
		t.Errorf("%d directories listed while the walk waits for one, want the root and %d ahead", listed, bound)
	}
	close(fsys.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestWalkListingAheadError: a directory whose listing fails fails the walk
// with the error a walk without listings ahead gives, naming it.
func TestWalkListingAheadError(t *testing.T) {
	root := aheadTree(t)
	cfg := &Config{Roots: []Root{{Dir: root}}, IgnorePatterns: DefaultIgnorePatterns}
	for _, bound := range []int{0, maxListingsAhead} {
		fsys := &listingFS{listed: map[string]int{}, fail: root + "/d07/sub"}
		_, err := walkListingAhead(fsys, cfg, bound)
		if err == nil || !strings.Contains(err.Error(), "cannot list "+root+"/d07/sub: listing refused") {
			t.Errorf("bound %d: error %v, want one naming d07/sub", bound, err)
		}
	}
}
