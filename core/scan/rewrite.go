package scan

import "sort"

// Edit replaces src[Start:End] with Text.
type Edit struct {
	Start, End int
	Text       string
}

// Rewrite applies edits (sorted by Start, non-overlapping) and returns a new
// slice; src is not modified. Edits are usually built from a Reference's
// Start/End (Django-style write-back of the whole construct) or
// ValueStart/ValueEnd (replace only the URL text).
//
// Rewrite does not fail: edits given out of order are sorted (stably), and an
// edit that is out of range or overlaps the previous one is skipped, so the
// result is always well-formed. Two insertions at the same offset (Start ==
// End) both apply, in the given order.
func Rewrite(src []byte, edits []Edit) []byte {
	return AppendRewrite(nil, src, edits)
}

// AppendRewrite is Rewrite appending the result to dst (which must not
// overlap src), for a caller that reuses its buffers.
func AppendRewrite(dst, src []byte, edits []Edit) []byte {
	if !sort.SliceIsSorted(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start }) {
		edits = append([]Edit(nil), edits...)
		sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	}
	size := len(src) // an upper bound: texts added, nothing removed
	for _, e := range edits {
		size += len(e.Text)
	}
	out := dst
	if cap(out)-len(out) < size {
		out = make([]byte, len(dst), len(dst)+size)
		copy(out, dst)
	}
	pos := 0
	for _, e := range edits {
		if e.Start < pos || e.End < e.Start || e.End > len(src) {
			continue
		}
		out = append(out, src[pos:e.Start]...)
		out = append(out, e.Text...)
		pos = e.End
	}
	return append(out, src[pos:]...)
}
