package core

import "sync"

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
// when a writer asks for it (Plan.Content), checked against the planned MD5.
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

// keepRewritten keeps the rewritten copy of a file if it fits.
func (k *keptBytes) keepRewritten(logical string, data []byte) {
	if !k.take(len(data)) {
		return
	}
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

// inUse returns the bytes held now and the most ever held at once.
func (k *keptBytes) inUse() (used, peak int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.used, k.peak
}
