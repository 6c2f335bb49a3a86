package core

import (
	"path"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseReferenceURL checks the invariants of reference URL parsing on
// any text: a resolved target is a clean logical path that stays inside the
// static root, a climb above it is reported as such, and the text written
// back for a target names the same target when read again.
func FuzzParseReferenceURL(f *testing.F) {
	for _, seed := range [][2]string{
		{"../img/logo.png", "css/site.css"}, {"img/a.png?v=1#x", "css/site.css"}, {"/static/img/a.png", "css/a.css"},
		{"font.eot?#iefix", "fonts/f.css"}, {"a%20b.png", "css/a.css"}, {"../../../x.png", "css/a.css"},
		{"data:image/png;base64,AAA", "a.css"}, {"//cdn.example/x.js", "a.js"}, {"#frag", "a.css"}, {"dir/", "a.css"},
		{"a%23b.png", "a.css"}, {"./x/../y.png", "a/b/c.css"}, {"/static//x.png", "a.css"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, value, from string) {
		// References come from files checked to be UTF-8 (checkText), and
		// logical paths from file names.
		if !utf8.ValidString(value) || !utf8.ValidString(from) {
			return
		}
		u := parseReferenceURL(value, from, "/static/")
		switch u.action {
		case resolveFile:
			if u.target != path.Clean(u.target) || u.target == ".." || strings.HasPrefix(u.target, "../") {
				t.Fatalf("%q from %q: target %q is not a clean path inside the root", value, from, u.target)
			}
			// Django writes the directories as written and the target's
			// basename: when the text ends in a dot segment ("img/."), that
			// names another file, in Django as here. Only other texts must
			// name their target again.
			rawPath, _, _ := strings.Cut(strings.SplitN(value, "#", 2)[0], "?")
			if last := strings.TrimSpace(unquote(rawPath[strings.LastIndexByte(rawPath, '/')+1:])); last == "." || last == ".." {
				return
			}
			again := parseReferenceURL(u.rewrittenURL(u.target), from, "/static/")
			if again.action != resolveFile || again.target != u.target {
				t.Errorf("%q from %q names %q, but its rewritten text %q names %q (action %d)",
					value, from, u.target, u.rewrittenURL(u.target), again.target, again.action)
			}
		case escapesRoot:
			if u.target != ".." && !strings.HasPrefix(u.target, "../") {
				t.Fatalf("%q from %q: escapes the root, but the target is %q", value, from, u.target)
			}
		}
	})
}
