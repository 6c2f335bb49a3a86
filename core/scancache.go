package core

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/assetc/assetc/core/scan"
)

// The scan cache lets a rebuild skip reading, scanning, rewriting and
// hashing a CSS/JS file that did not change: a build records, for each such
// file, its identity on disk, its references and what naming made of them;
// the next Plan takes the record instead of the file while the identity is
// the same, and the name while every target it references still has the
// name recorded. The bytes of a rewritten copy are then made only if a
// writer asks for them (Plan.Content), which a no-change rebuild never does.
//
// What invalidates a record: any change of the file's size, mtime, ctime,
// device or inode (an edit with its mtime set back still moves the ctime,
// which no program can set); a file changed within RacyWindow before the
// build that recorded it (not recorded: an edit in the same timestamp tick
// keeps the identity); another logical path, STATIC_URL, JS-modules setting
// or cache format (the whole cache is dropped); a target's new name (the
// file is rewritten, the record stays for its references). What bounds it:
// one record per CSS/JS file of the last build, replaced by each build; files
// with diagnostics and members of reference cycles get none.

// scanCacheFormat changes whenever scanning, resolving or rewriting
// references changes what a record would hold: an older cache is dropped.
const scanCacheFormat = 1

// ScanCache is what a build records about its CSS/JS files for the next one
// (Plan.ScanCache, PlanOptions.ScanCache). How it is stored is the
// writer's business (core/writer keeps it in .assetc/scans.gob).
type ScanCache struct {
	// Format identifies the scanner and the settings the records depend on.
	Format  string                `json:"format"`
	Records map[string]ScanRecord `json:"records"` // by host path
}

// ScanRecord is one CSS/JS file as a build found and named it.
type ScanRecord struct {
	LogicalPath string `json:"logical_path"`
	Size        int64  `json:"size"`
	ModTime     int64  `json:"mtime"`
	ChangeTime  int64  `json:"ctime"`
	Device      uint64 `json:"dev"`
	Inode       uint64 `json:"ino"`
	MD5         string `json:"md5"`
	// SRI is the SRI value of the source bytes ("" when not computed).
	SRI        string           `json:"sri,omitempty"`
	References []scan.Reference `json:"references"`
	// Targets maps each referenced logical path to the name it had; while
	// each still has it, HashedName and the rewritten bytes are the same.
	Targets      map[string]string `json:"targets"`
	HashedName   string            `json:"hashed_name"`
	Rewritten    bool              `json:"rewritten"`
	RewrittenMD5 string            `json:"rewritten_md5,omitempty"`
	RewrittenLen int64             `json:"rewritten_size,omitempty"`
	RewrittenSRI string            `json:"rewritten_sri,omitempty"`
}

// scanCacheFormatOf is the format string of a configuration.
func scanCacheFormatOf(cfg *Config) string {
	return fmt.Sprintf("%d js-modules=%t static-url=%s", scanCacheFormat, cfg.JSModules, cfg.StaticURL)
}

// ScanCache is the scan cache of this plan, for the next build's
// PlanOptions.ScanCache.
func (p *Plan) ScanCache() *ScanCache {
	return &ScanCache{Format: p.scanFormat, Records: p.scans}
}

// ForgetScanCache drops the Plan's scan cache, for a writer that stored it
// before writing the Plan's files: its records (~8 MB at 100,000 files)
// need not be held through the write. ScanCache is empty and
// ScanCacheChanged false afterwards: there is nothing left to store.
func (p *Plan) ForgetScanCache() { p.scans, p.scansSame = nil, true }

// cachedNode makes the node of a CSS/JS file from its record when the file
// on disk is the one recorded; nil otherwise. Its content is not read
// (fileNode.lazy).
func (p *Project) cachedNode(source Source, info FileInfo) *fileNode {
	p.mu.Lock()
	rec, ok := p.scans[source.Path]
	algorithm := p.integrity
	p.mu.Unlock()
	if !ok || rec.LogicalPath != source.LogicalPath || info.ChangeTime == 0 || info.Inode == 0 ||
		rec.Size != info.Size || rec.ModTime != info.ModTime || rec.ChangeTime != info.ChangeTime ||
		rec.Device != info.Device || rec.Inode != info.Inode {
		return nil
	}
	sum, err := hex.DecodeString(rec.MD5)
	if err != nil || len(sum) != 16 {
		return nil
	}
	node := &fileNode{source: source, info: info, hash: rec.MD5[:12], lazy: true, record: &rec}
	copy(node.sum[:], sum)
	node.css, node.js = isAdjustable(source.LogicalPath, p.cfg.JSModules)
	if algorithm != "" && len(rec.SRI) > len(algorithm) && rec.SRI[:len(algorithm)+1] == algorithm+"-" {
		node.sri = rec.SRI
	}
	p.attachReferences(node, rec.References, nil)
	return node
}

// fromRecord is the name of a cached node when every target it references
// has the name recorded; nil otherwise.
func (p *Project) fromRecord(n *fileNode) *namedFile {
	rec := n.record
	if rec == nil {
		return nil
	}
	named := &namedFile{node: n, hashedName: rec.HashedName, fromRecord: true}
	for ref := range n.references() {
		switch ref.url.action {
		case leaveAlone, keepDirectory:
			continue
		case escapesRoot:
			return nil
		}
		if !contains(named.deps, ref.url.target) {
			named.deps = append(named.deps, ref.url.target)
		}
		name, found := p.finalName(ref.url.target)
		if !found || rec.Targets[ref.url.target] != name {
			return nil
		}
	}
	if len(named.deps) != len(rec.Targets) {
		return nil
	}
	named.targetNames = rec.Targets // every one checked: shared, not copied
	p.mu.Lock()
	algorithm := p.integrity
	p.mu.Unlock()
	if rec.Rewritten && (algorithm == "" || !strings.HasPrefix(rec.RewrittenSRI, algorithm+"-")) {
		return nil // another integrity algorithm, or named outside a Plan
	}
	if rec.Rewritten {
		named.lazyRewrite = &rewrittenCopy{md5: rec.RewrittenMD5, size: rec.RewrittenLen, sri: rec.RewrittenSRI}
	}
	return named
}

// rewrittenCopy describes the bytes of a hashed copy that a named file does
// not hold: what the scan cache says they would be, or what they were when
// a Plan named the file (settle).
type rewrittenCopy struct {
	md5  string
	size int64
	sri  string
}

// rewrittenContent returns the bytes of a named file's hashed copy, making
// them again when it does not hold them (a name from the scan cache or
// from a Plan, see settle); nil means the source's bytes.
func (p *Project) rewrittenContent(named *namedFile) ([]byte, error) {
	if named.content != nil || named.lazyRewrite == nil {
		return named.content, nil
	}
	if named.remake != nil {
		return named.remake()
	}
	return remakeRewritten(p.fsys, named)
}
