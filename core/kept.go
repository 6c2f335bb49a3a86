package core

import (
	"bytes"
	"sync"
	"time"
)

// DefaultKeptBytes is the PlanOptions.KeptBytes of a Plan that sets none.
// The 7,400-file corpus bench/ builds holds at most 3 MB at once, so its
// build reads each file once; at 100,000 files (~90 MB of CSS/JS with
// references to rewrite) the bytes beyond it are read again when their file
// is named, and rewritten again when a writer asks for them.
const DefaultKeptBytes = 8 << 20

// keptBytes is the byte budget of one Plan: the CSS/JS bytes it holds in
// memory, sources from the time they are read until their file is named
// (fileNode.content, fileNode.keptBy) and rewritten copies until the Plan
// is dropped (rewritten, by logical path). A file whose bytes do not fit
// is read again when it is named, and its rewritten copy is made again
// when a writer asks for it (Plan.Content). A source read again is checked
// against the MD5 planning read, unless its identity proves it the same
// bytes (readAgain).
//
// What bounds it: limit, counted in bytes of content (the few bytes of a
// map entry are not counted). What invalidates it: nothing needs to: a
// rewritten copy kept is the planned bytes of its file, as the Plan's MD5,
// size and SRI value say, and it lives and dies with its Plan; a source
// kept belongs to one read of the file (its node) and is dropped when the
// file is named.
type keptBytes struct {
	limit int64

	mu        sync.Mutex
	used      int64
	peak      int64 // the most used at once, for tests
	rewritten map[string][]byte
}

func newKeptBytes(limit int64) *keptBytes {
	if limit <= 0 {
		limit = DefaultKeptBytes
	}
	return &keptBytes{limit: limit, rewritten: map[string][]byte{}}
}

// take reserves n bytes; false when they do not fit. A nil budget (outside
// a Plan) takes everything: the Project keeps what it read, as it always
// has for lookups (see Project.load).
func (k *keptBytes) take(n int) bool {
	if k == nil {
		return true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.used+int64(n) > k.limit {
		return false
	}
	k.used += int64(n)
	k.peak = max(k.peak, k.used)
	return true
}

// give returns n bytes taken earlier.
func (k *keptBytes) give(n int) {
	k.mu.Lock()
	k.used -= int64(n)
	k.mu.Unlock()
}

// keepRewritten keeps a copy of the rewritten bytes of a file if they fit:
// a copy, since data may be a pooled buffer (settle), whose capacity the
// budget would not count.
func (k *keptBytes) keepRewritten(logical string, data []byte) {
	if !k.take(len(data)) {
		return
	}
	data = bytes.Clone(data)
	k.mu.Lock()
	k.rewritten[logical] = data
	k.mu.Unlock()
}

// rewrittenOf returns the kept rewritten copy of a file, nil when it was not
// kept.
func (k *keptBytes) rewrittenOf(logical string) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.rewritten[logical]
}

// dropRewritten drops every rewritten copy kept (see Plan.ForgetKeptBytes).
func (k *keptBytes) dropRewritten() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, data := range k.rewritten {
		k.used -= int64(len(data))
	}
	k.rewritten = map[string][]byte{}
}

// inUse returns the bytes held now and the most ever held at once.
func (k *keptBytes) inUse() (used, peak int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.used, k.peak
}

// readAgain reads a source the Plan being made (or a writer of it) read or
// trusted before and did not keep. same says the bytes are those planning
// saw, proven by the file's identity rather than by a second MD5: on the
// host, the file still has, after the read, the identity the walk gave it
// before planning read it (size, mtime, ctime, device, inode), and that
// identity can vouch for its bytes (identityVouches). It is the rule
// Plan.SourceInfo gives a writer for copy_file_range, and the one by which
// PlanOptions.Known and the scan cache trust a source without reading it
// at all. Otherwise (same is false) the caller checks the bytes.
//
// Host bytes are read into a pooled buffer (see sourceBuffers): a file
// read again is rewritten and hashed, never kept, and at 100,000 files
// these reads were a tenth of what a cold build allocated. release gives
// the buffer back; nothing may refer to data after it.
func readAgain(fsys FileSystem, path string, planned FileInfo, started time.Time) (data []byte, same bool, release func(), err error) {
	if _, host := fsys.(OSFileSystem); !host {
		data, err = fsys.ReadFile(path)
		return data, false, func() {}, err
	}
	buf := getSourceBuffer()
	if data, same, err = readRegularFileAgain(path, planned, *buf); err != nil {
		sourceBuffers.Put(buf)
		return nil, false, func() {}, err
	}
	return data, same && identityVouches(planned, started), func() { putSourceBuffer(buf, data) }, nil
}

// identityVouches reports whether a source's identity, as planning started
// at started saw it, can stand for its bytes: the host gave a ctime and an
// inode, and the file did not change within RacyWindow before planning (an
// edit in the same timestamp tick would keep its identity: see Racy).
func identityVouches(planned FileInfo, started time.Time) bool {
	return planned.Inode != 0 && planned.ChangeTime != 0 && !started.IsZero() &&
		!Racy(started, planned.ModTime, planned.ChangeTime)
}

// sameIdentity reports whether two stats of a file show the same identity.
func sameIdentity(a, b FileInfo) bool {
	return a.Size == b.Size && a.ModTime == b.ModTime && a.ChangeTime == b.ChangeTime &&
		a.Device == b.Device && a.Inode == b.Inode
}
