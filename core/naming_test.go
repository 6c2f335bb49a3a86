package core

import "testing"

func TestHashedNameFollowsDjango(t *testing.T) {
	for _, tc := range []struct{ logical, want string }{
		{"css/a.css", "css/a.0123456789ab.css"},
		{"archive.tar.gz", "archive.tar.0123456789ab.gz"},
		{"noext", "noext.0123456789ab"},
		{"dir/.htaccess", "dir/.htaccess.0123456789ab"},
		{"dir.v1/file", "dir.v1/file.0123456789ab"},
		{"trailing.", "trailing.0123456789ab."},
		{"double..dot.txt", "double..dot.0123456789ab.txt"},
		{"..foo", "..foo.0123456789ab"},
	} {
		if got := HashedName(tc.logical, "0123456789ab"); got != tc.want {
			t.Errorf("HashedName(%q) = %q, want %q", tc.logical, got, tc.want)
		}
	}
	// Known answers from Django's own test suite (spec §8).
	if got := HashedName("test/foo.png", ContentHash([]byte("foo"))); got != "test/foo.acbd18db4cc2.png" {
		t.Errorf("foo.png: %s", got)
	}
	if got := ContentHash([]byte(`@import url("other.d41d8cd98f00.css");` + "\n")); got != "5e0040571e1a" {
		t.Errorf("cached/styles.css hash: %s", got)
	}
}

func TestManifestBytes(t *testing.T) {
	got := string(Manifest(map[string]string{"b.css": "b.1.css", "a/ü.png": "a/ü.2.png", `q"\.txt`: "x"}))
	want := `{"paths": {"a/\u00fc.png": "a/\u00fc.2.png", "b.css": "b.1.css", "q\"\\.txt": "x"}, "version": "1.1", "hash": "` +
		ContentHash([]byte(`[["a/\u00fc.png", "a/\u00fc.2.png"], ["b.css", "b.1.css"], ["q\"\\.txt", "x"]]`)) + `"}`
	if got != want {
		t.Errorf("manifest\n got %s\nwant %s", got, want)
	}
	if got := string(Manifest(map[string]string{"😀": "x"})); got[:22] != `{"paths": {"\ud83d\ude` {
		t.Errorf("astral characters must be surrogate pairs: %s", got)
	}
}

func TestFnmatchIsPythons(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{".*", ".DS_Store", true}, {".*", "a.css", false}, {"*~", "a.css~", true}, {"CVS", "CVS", true},
		{"CVS", "cvs", false}, {"*.css", "a/b.css", true}, {"*.css", "A.CSS", false}, {"a?c", "abc", true},
		{"[ab]x", "bx", true}, {"[!ab]x", "bx", false}, {"[a-c]x", "cx", true}, {"[x", "[x", true},
		{"*a*b*c", "xxaxxbxxc", true}, {"*a*b*c", "xxaxxbxx", false}, {"", "", true}, {"*", "", true},
	} {
		if got := fnmatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestParseReferenceURL(t *testing.T) {
	for _, tc := range []struct {
		value, from string
		action      urlAction
		target, out string
	}{
		{"../img/a.png", "css/x.css", resolveFile, "img/a.png", "../img/a.H.png"},
		{"a.eot?#iefix", "css/x.css", resolveFile, "css/a.eot", "a.H.eot?#iefix"},
		{"a.woff?v=1", "css/x.css", resolveFile, "css/a.woff", "a.H.woff?v=1"},
		{"i.svg#s", "css/x.css", resolveFile, "css/i.svg", "i.H.svg#s"},
		{"/static/img/a.png", "css/x.css", resolveFile, "img/a.png", "/static/img/a.H.png"},
		{"/other/a.png", "css/x.css", leaveAlone, "", ""},
		{"DATA:image/png,xx", "css/x.css", leaveAlone, "", ""},
		{"chrome-extension://x/y.png", "css/x.css", leaveAlone, "", ""},
		{"//cdn/x.png", "css/x.css", leaveAlone, "", ""},
		{"#id", "css/x.css", leaveAlone, "", ""},
		{"fonts/", "css/x.css", keepDirectory, "", ""},
		{"../../x.png", "css/x.css", escapesRoot, "../x.png", ""},
		{"a%20b.png", "x.css", resolveFile, "a b.png", "a b.H.png"},
	} {
		u := parseReferenceURL(tc.value, tc.from, "/static/")
		if u.action != tc.action || u.target != tc.target {
			t.Errorf("%q from %s: action %d target %q, want %d %q", tc.value, tc.from, u.action, u.target, tc.action, tc.target)
			continue
		}
		if tc.out != "" {
			if got := u.rewrittenURL(HashedName(tc.target, "H")); got != tc.out {
				t.Errorf("%q: rewritten %q, want %q", tc.value, got, tc.out)
			}
		}
	}
}
