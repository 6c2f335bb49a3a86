package core

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/assetc/assetc/core/scan"
)

// namedFile is the outcome of naming one file.
type namedFile struct {
	// generation is the last generation the name was known to be right in
	// (guarded by Project.mu); node is the file as it was named, and
	// targetNames the final name each reference's target had then ("" for
	// a missing one). While neither changed, the name is reused (see reuse).
	generation  uint64
	node        *fileNode
	targetNames map[string]string
	hashedName  string
	// content is what the hashed copy holds when it differs from the source
	// (a CSS/JS file whose references were rewritten); nil means "the source
	// bytes as they are". sum is its MD5 once computed (zero before).
	content []byte
	sum     [16]byte
	// deps are the logical paths of the files this one references.
	deps []string
	// diags are the problems in this file (not in its dependencies).
	diags []Diagnostic
	// cycle is set for members of a reference cycle, which are named as a
	// group (see nameCycle).
	cycle bool
	// lazyRewrite describes the rewritten bytes when content does not hold
	// them (see rewrittenContent): for a name taken from the scan cache, and
	// for every file named in a Plan, whose budget may keep them (settle).
	lazyRewrite *rewrittenCopy
	// fromRecord says the name is the scan cache's (node.record).
	fromRecord bool
	// remake makes the rewritten bytes again when remakeRewritten cannot:
	// for a name a PlanRecord gave, whose node has no references (see
	// trustedNode); nil otherwise.
	remake func() ([]byte, error)
	// pooled is the buffer of sourceBuffers content was written into while
	// a Plan names it: settle gives it back once the budget has copied what
	// it keeps; nil when content is a slice of its own.
	pooled *[]byte
}

// nameAll names the files with the given logical paths and everything they
// reference, in dependency order, using up to workers goroutines. It must be
// called with p.naming held. Files already named in this generation are
// reused. It returns the error of a file that cannot be read.
func (p *Project) nameAll(starts []string, workers int) error {
	components, edges, err := p.components(starts)
	if err != nil {
		return err
	}
	// Tarjan emits each component after every component it depends on, so
	// one pass gives each its level: 1 + the highest level it depends on.
	// Components of one level are independent and are named in parallel.
	level := map[string]int{}
	var byLevel [][][]string
	for _, comp := range components {
		l := 0
		for _, member := range comp {
			for _, dep := range edges[member] {
				if dl, ok := level[dep]; ok && dl+1 > l && !contains(comp, dep) {
					l = dl + 1
				}
			}
		}
		for _, member := range comp {
			level[member] = l
		}
		for len(byLevel) <= l {
			byLevel = append(byLevel, nil)
		}
		byLevel[l] = append(byLevel[l], comp)
	}
	for _, comps := range byLevel {
		results := make([]map[string]*namedFile, len(comps))
		errs := make([]error, len(comps))
		forEach(len(comps), workers, func(i int) {
			results[i], errs[i] = p.nameComponent(comps[i])
		})
		if err := errors.Join(errs...); err != nil {
			return err
		}
		p.mu.Lock()
		for _, r := range results {
			for logical, named := range r {
				named.generation = p.generation
				p.names[logical] = named
				p.namings++
			}
		}
		p.mu.Unlock()
	}
	return nil
}

// components finds the strongly connected components of the graph of
// adjustable files reachable from starts (Tarjan's algorithm), in the order
// Tarjan emits them: dependencies first. It also returns the edges it
// walked, so callers need not resolve references again.
func (p *Project) components(starts []string) ([][]string, map[string][]string, error) {
	edges := map[string][]string{}
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	var visit func(string) error
	visit = func(l string) error {
		index[l], low[l] = len(index), len(index)
		stack = append(stack, l)
		onStack[l] = true
		deps, err := p.loadDeps(l)
		if err != nil {
			return err
		}
		edges[l] = deps
		for _, dep := range deps {
			if _, seen := index[dep]; !seen {
				if err := visit(dep); err != nil {
					return err
				}
				low[l] = min(low[l], low[dep])
			} else if onStack[dep] {
				low[l] = min(low[l], index[dep])
			}
		}
		if low[l] == index[l] {
			var comp []string
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				comp = append(comp, top)
				if top == l {
					break
				}
			}
			sort.Strings(comp)
			out = append(out, comp)
		}
		return nil
	}
	for _, s := range starts {
		if _, seen := index[s]; seen || p.isNamed(s) || p.reuse(s, 0) {
			continue
		}
		node, err := p.node(s)
		if err != nil {
			return nil, nil, err
		}
		if node == nil || !needsNaming(node) {
			continue
		}
		if err := visit(s); err != nil {
			return nil, nil, err
		}
	}
	return out, edges, nil
}

// needsNaming reports whether a file's name depends on other files.
func needsNaming(n *fileNode) bool { return (n.css || n.js) && !n.prehashed }

// loadDeps loads the targets of a file's references and returns those that
// are adjustable and not yet named: the graph edges still to walk.
func (p *Project) loadDeps(l string) ([]string, error) {
	node, err := p.node(l)
	if err != nil || node == nil {
		return nil, err
	}
	var deps []string
	for ref := range node.references() {
		if ref.url.action != resolveFile {
			continue
		}
		target, err := p.node(ref.url.target)
		if err != nil {
			return nil, err
		}
		if target != nil && needsNaming(target) && !p.isNamed(ref.url.target) && !p.reuse(ref.url.target, 0) && !contains(deps, ref.url.target) {
			deps = append(deps, ref.url.target)
		}
	}
	return deps, nil
}

func (p *Project) isNamed(l string) bool {
	return p.named(l) != nil
}

// named is the name of l in this generation, nil when it has none yet.
func (p *Project) named(l string) *namedFile {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.names[l]; n != nil && n.generation == p.generation {
		return n
	}
	return nil
}

// maxReuseDepth stops reuse on a reference chain deeper than any real one.
const maxReuseDepth = 256

// reuse makes the name l got in an earlier generation current again when
// its file was not read again since (Invalidate re-checks by stat) and every
// target it references still has the final name it had then: after an
// Invalidate only the files that changed, and those whose references'
// names changed, are rewritten and hashed again. Cycle members are always
// named again (as a group). Called with p.naming held.
func (p *Project) reuse(l string, depth int) bool {
	p.mu.Lock()
	prev := p.names[l]
	p.mu.Unlock()
	if prev == nil || prev.cycle || depth > maxReuseDepth {
		return false
	}
	node, err := p.node(l)
	if err != nil || node != prev.node {
		p.mu.Lock()
		if p.names[l] == prev && prev.generation != p.generation {
			delete(p.names, l) // the file changed or went away: its old name is of no use
		}
		p.mu.Unlock()
		return false
	}
	for target, name := range prev.targetNames {
		t, err := p.node(target)
		if err != nil {
			return false
		}
		if t != nil && needsNaming(t) && !p.isNamed(target) && !p.reuse(target, depth+1) {
			return false
		}
		if now, _ := p.finalName(target); now != name {
			return false
		}
	}
	p.mu.Lock()
	prev.generation = p.generation
	p.mu.Unlock()
	return true
}

// nameComponent names the members of one component. Every file it references
// outside the component is named already.
func (p *Project) nameComponent(comp []string) (map[string]*namedFile, error) {
	nodes := make([]*fileNode, len(comp))
	for i, l := range comp {
		nodes[i], _ = p.node(l) // loaded by components(); cannot fail now
	}
	single := len(comp) == 1 && !p.referencesItself(nodes[0])
	if single {
		if named := p.fromRecord(nodes[0]); named != nil {
			return map[string]*namedFile{comp[0]: named}, nil
		}
	}
	p.mu.Lock()
	started := p.planStarted
	p.mu.Unlock()
	contents := make([][]byte, len(nodes))
	for i, n := range nodes {
		content, release, err := sourceBytes(p.fsys, n, started)
		if err != nil {
			return nil, err
		}
		// Naming keeps no byte of contents: rewrite copies what it keeps
		// (scan.Rewrite), diagnostics copy their excerpts.
		defer release()
		contents[i] = content
	}
	var out map[string]*namedFile
	if single {
		named := p.rewrite(nodes[0], contents[0], nil)
		hash := nodes[0].hash // the bytes as they are; a file with nothing to rewrite keeps no copy
		if named.content != nil {
			named.sum = md5.Sum(named.content) // ContentHash, and settle's MD5
			hash = hex.EncodeToString(named.sum[:6])
		}
		named.hashedName = HashedName(comp[0], hash)
		out = map[string]*namedFile{comp[0]: named}
	} else {
		out = p.nameCycle(comp, nodes, contents)
	}
	for _, n := range nodes {
		p.release(n)
	}
	p.settle(out)
	return out, nil
}

// settle hands the rewritten copies of files named in a Plan to its budget
// (see keptBytes): each named file keeps only what its copy will be (MD5,
// size, SRI value), and the bytes stay in memory only while the budget
// has room. Outside a Plan, a named file keeps its bytes (lookups serve
// them again and again).
func (p *Project) settle(nameds map[string]*namedFile) {
	p.mu.Lock()
	budget, algorithm := p.kept, p.integrity
	p.mu.Unlock()
	if budget == nil || algorithm == "" {
		return
	}
	for logical, named := range nameds {
		if named.content == nil {
			continue
		}
		if named.sum == ([16]byte{}) { // a cycle member, named by its group
			named.sum = md5.Sum(named.content)
		}
		sri, _ := SRI(algorithm, named.content) // the Plan checked the algorithm
		named.lazyRewrite = &rewrittenCopy{md5: hex.EncodeToString(named.sum[:]), size: int64(len(named.content)), sri: sri}
		budget.keepRewritten(logical, named.content)
		if named.pooled != nil {
			putSourceBuffer(named.pooled, named.content)
		}
		named.content, named.pooled = nil, nil
	}
}

func (p *Project) referencesItself(n *fileNode) bool {
	for ref := range n.references() {
		if ref.url.action == resolveFile && ref.url.target == n.source.LogicalPath {
			return true
		}
	}
	return false
}

// nameCycle names the members of a reference cycle (a file that references
// itself is a cycle of one). No content can contain its own hash, so Django
// gives up ("Max post-process passes exceeded."); assetc names the group:
//
//  1. each member is rewritten with the final names of everything outside
//     the cycle, references inside the cycle kept as written;
//  2. the group key is the MD5 of those contents with their logical paths,
//     in path order;
//  3. a member's hash is the first 12 hex digits of MD5(group key, NUL,
//     logical path), and its content is then rewritten with every name.
//
// A change to any member, or to anything a member references, changes every
// member's name, and the result is the same whatever order files are read in.
func (p *Project) nameCycle(comp []string, nodes []*fileNode, contents [][]byte) map[string]*namedFile {
	key := md5.New()
	for i, n := range nodes {
		partial := p.rewrite(n, contents[i], comp)
		fmt.Fprintf(key, "%s\x00%d\x00", comp[i], len(contentOf(contents[i], partial)))
		key.Write(contentOf(contents[i], partial))
	}
	groupKey := hex.EncodeToString(key.Sum(nil))
	names := map[string]string{}
	for _, l := range comp {
		names[l] = HashedName(l, ContentHash([]byte(groupKey+"\x00"+l)))
	}
	out := map[string]*namedFile{}
	for i, n := range nodes {
		named := p.rewriteWith(n, contents[i], nil, names)
		named.hashedName = names[comp[i]]
		named.cycle = true
		out[comp[i]] = named
	}
	return out
}

// contentOf returns the bytes of the hashed copy of a file read as source.
func contentOf(source []byte, named *namedFile) []byte {
	if named.content != nil {
		return named.content
	}
	return source
}

// rewrite rewrites a file's references (content is its bytes) to the final
// names of their targets, except references to the logical paths in keep,
// which stay as written.
func (p *Project) rewrite(n *fileNode, content []byte, keep []string) *namedFile {
	return p.rewriteWith(n, content, keep, nil)
}

// rewriteWith is rewrite with the names of cycle members, which take
// precedence over the generation's names.
func (p *Project) rewriteWith(n *fileNode, content []byte, keep []string, extra map[string]string) *namedFile {
	named := &namedFile{node: n, targetNames: map[string]string{}, diags: append([]Diagnostic(nil), n.diags...)}
	edits := referenceEdits(n, content, func(ref fileReference) string {
		u := ref.url
		if u.action == escapesRoot {
			named.diags = append(named.diags, p.referenceProblem(n, content, ref, CodeEscapesRoot,
				fmt.Sprintf("%q climbs above the static root (it resolves to %q)", ref.Value, u.target),
				"a reference must stay inside the static files; fix the number of '../'"))
			return ""
		}
		if !contains(named.deps, u.target) {
			named.deps = append(named.deps, u.target)
		}
		if contains(keep, u.target) {
			return ""
		}
		hashed, found := extra[u.target]
		if !found {
			hashed, found = p.finalName(u.target)
		}
		// Every name used is recorded, those of cycle members too: a
		// copy is made again from them (remakeRewritten).
		named.targetNames[u.target] = hashed
		if !found {
			named.diags = append(named.diags, p.missingReference(n, content, ref))
			return ""
		}
		return hashed
	})
	if len(edits) > 0 {
		// In a Plan, settle drops the copy once hashed unless the budget
		// keeps it (copied out), so it is written into a pooled buffer: at
		// 100,000 files these copies were 85 MB of garbage.
		p.mu.Lock()
		inPlan := p.kept != nil && p.integrity != "" // settle's condition
		p.mu.Unlock()
		var buf *[]byte
		var rewritten []byte
		if inPlan {
			buf = getSourceBuffer()
			rewritten = scan.AppendRewrite((*buf)[:0], content, edits)
		} else {
			rewritten = scan.Rewrite(content, edits)
		}
		if !bytes.Equal(rewritten, content) {
			named.content, named.pooled = rewritten, buf
		} else if buf != nil {
			putSourceBuffer(buf, rewritten)
		}
	}
	return named
}

// referenceEdits lists the edits that rewrite a file's references, in
// order: a directory reference keeps its text in the form Django writes
// back, and a file reference (or one that climbs above the root) gets the
// name nameOf gives it; "" leaves it as written.
func referenceEdits(n *fileNode, content []byte, nameOf func(fileReference) string) []scan.Edit {
	edits := make([]scan.Edit, 0, len(n.refs)) // sized once: a file can hold a million references
	for ref := range n.references() {
		u := ref.url
		switch u.action {
		case leaveAlone:
		case keepDirectory:
			edits = append(edits, scan.Edit{Start: ref.Start, End: ref.End, Text: writeBack(content, ref.Reference, u.keptURL(ref.Value))})
		default:
			if name := nameOf(ref); name != "" {
				edits = append(edits, scan.Edit{Start: ref.Start, End: ref.End, Text: writeBack(content, ref.Reference, u.rewrittenURL(name))})
			}
		}
	}
	return edits
}

// remakeRewritten makes a named file's rewritten copy again from a new read
// of its source, checked against the sum it was named by (sourceBytes).
func remakeRewritten(fsys FileSystem, named *namedFile) ([]byte, error) {
	content, release, err := sourceBytes(fsys, named.node, time.Time{})
	if err != nil {
		return nil, err
	}
	defer release() // rewriteAgain copies what it keeps
	return rewriteAgain(nil, named, content), nil
}

// rewriteAgain rewrites a source's bytes with the names its targets had
// when it was named (namedFile.targetNames): the copy planned, whatever the
// Project has learned since, appended to dst (a pooled buffer, or nil). It
// needs only the file system, so a Plan makes copies without keeping the
// Project's caches alive (rewriteRecipe).
func rewriteAgain(dst []byte, named *namedFile, content []byte) []byte {
	edits := referenceEdits(named.node, content, func(ref fileReference) string {
		if ref.url.action != resolveFile {
			return ""
		}
		return named.targetNames[ref.url.target]
	})
	return scan.AppendRewrite(dst, content, edits)
}

// finalName is the hashed name of a file that is already named or needs no
// naming of its own; found is false when no root provides it.
func (p *Project) finalName(logical string) (string, bool) {
	target, err := p.node(logical)
	if err != nil || target == nil {
		return "", false
	}
	if !needsNaming(target) {
		return plainName(target), true
	}
	if named := p.named(logical); named != nil {
		return named.hashedName, true
	}
	return "", false
}

// plainName names a file whose name depends on its bytes alone.
func plainName(n *fileNode) string {
	if n.plain != "" {
		return n.plain
	}
	if n.prehashed {
		return n.source.LogicalPath
	}
	return HashedName(n.source.LogicalPath, n.hash)
}

func (p *Project) missingReference(n *fileNode, content []byte, ref fileReference) Diagnostic {
	target := ref.url.target
	msg := fmt.Sprintf("%q refers to %q, which no source root provides", ref.Value, target)
	hint := "add the file, fix the reference, or allow it to be missing (an allow-missing pattern such as '" + allowPatternFor(target) + "')"
	if s := p.suggest(target); len(s) > 0 {
		hint = "did you mean " + quoteAll(s) + "? Otherwise " + hint
	}
	d := p.referenceProblem(n, content, ref, CodeMissingReference, msg, hint)
	return d
}

// referenceProblem makes a diagnostic about a reference, downgraded to a
// warning when the configuration allows the target to be missing.
func (p *Project) referenceProblem(n *fileNode, content []byte, ref fileReference, code, msg, hint string) Diagnostic {
	d := Diagnostic{Severity: SeverityError, Code: code, LogicalPath: n.source.LogicalPath, Path: n.source.Path,
		Line: ref.Line, Col: ref.Col, Message: msg, Hint: hint, Reference: ref.Value,
		excerpt: excerptAt(content, ref.ValueStart, ref.ValueEnd)}
	if ref.ValueEnd > ref.ValueStart {
		d.EndCol = ref.Col + ref.ValueEnd - ref.ValueStart
	}
	if p.cfg.Missing == MissingWarn || p.allowedMissing(ref) {
		d.Severity = SeverityWarning
		d.Hint = "left as written"
	}
	return d
}

func (p *Project) allowedMissing(ref fileReference) bool {
	for _, pattern := range p.cfg.AllowMissing {
		if (ref.url.target != "" && fnmatch(pattern, ref.url.target)) || fnmatch(pattern, ref.Value) {
			return true
		}
	}
	return false
}

// allowPatternFor suggests an allow-missing pattern: source maps are the
// usual missing file, so "*.map" covers them all.
func allowPatternFor(target string) string {
	if len(target) > 4 && target[len(target)-4:] == ".map" {
		return "*.map"
	}
	return target
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// forEach runs fn(0..n-1) on up to workers goroutines.
func forEach(n, workers int, fn func(int)) {
	if workers <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
