package scan

import (
	"strings"
	"testing"
)

// want describes one expected reference. Span is the exact source text of
// [Start, End) with the raw value [ValueStart, ValueEnd) marked by « and »;
// the test finds the span in the source after the previous reference, so the
// offsets are checked exactly without being written out by hand.
type want struct {
	Kind   Kind
	Value  string
	Span   string
	Quote  byte
	Clause string
	// Line and Col are checked when Line is not 0.
	Line, Col int
}

// scanCase is one row of a scanner table.
type scanCase struct {
	name string
	src  string
	want []want
}

// checkRefs compares got with the expectations for src.
func checkRefs(t *testing.T, src string, got []Reference, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("got %d references, want %d:\n%s", len(got), len(wants), dumpRefs(src, got))
		return
	}
	from := 0
	for i, w := range wants {
		g := got[i]
		open := strings.Index(w.Span, "«")
		close := strings.Index(w.Span, "»")
		if open < 0 || close < open {
			t.Fatalf("want[%d]: span %q lacks «value» markers", i, w.Span)
		}
		span := w.Span[:open] + w.Span[open+len("«"):close] + w.Span[close+len("»"):]
		rel := strings.Index(src[from:], span)
		if rel < 0 {
			t.Fatalf("want[%d]: span %q not in source after offset %d", i, span, from)
		}
		start := from + rel
		exp := Reference{
			Kind:       w.Kind,
			Value:      w.Value,
			Start:      start,
			End:        start + len(span),
			ValueStart: start + open,
			ValueEnd:   start + close - len("«"),
			Quote:      w.Quote,
			Clause:     w.Clause,
			Line:       g.Line,
			Col:        g.Col,
		}
		if w.Line != 0 {
			exp.Line, exp.Col = w.Line, w.Col
		}
		if g != exp {
			t.Errorf("ref %d:\n got %+v\nwant %+v\n%s", i, g, exp, dumpRefs(src, got))
		}
		from = exp.End
	}
}

func dumpRefs(src string, refs []Reference) string {
	var b strings.Builder
	for _, r := range refs {
		if r.Start < 0 || r.End > len(src) || r.Start > r.End {
			b.WriteString("  (out of range) ")
			continue
		}
		b.WriteString("  " + r.Kind.String() + " " + src[r.Start:r.End] + " value=" + r.Value + "\n")
	}
	return b.String()
}
