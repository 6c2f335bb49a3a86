package core

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// pythonFnmatchRegexp is a port of Python 3.12's fnmatch.translate (the
// oracle Django's ignore patterns follow) to a Go regexp: the same
// character-class splitting, empty ranges removed, "(?!)" for a class that
// can match nothing.
func pythonFnmatchRegexp(pat string) *regexp.Regexp {
	p := []rune(pat)
	n := len(p)
	var res strings.Builder
	for i := 0; i < n; {
		c := p[i]
		i++
		switch c {
		case '*':
			for i < n && p[i] == '*' {
				i++
			}
			res.WriteString(".*")
		case '?':
			res.WriteString(".")
		case '[':
			j := i
			if j < n && p[j] == '!' {
				j++
			}
			if j < n && p[j] == ']' {
				j++
			}
			for j < n && p[j] != ']' {
				j++
			}
			if j >= n {
				res.WriteString(`\[`)
				continue
			}
			var chunks []string
			if !containsRune(p[i:j], '-') {
				chunks = []string{string(p[i:j])}
			} else {
				k := i + 1
				if p[i] == '!' {
					k = i + 2
				}
				for {
					k = indexRune(p, '-', k, j)
					if k < 0 {
						break
					}
					chunks = append(chunks, string(p[i:k]))
					i = k + 1
					k = k + 3
				}
				if chunk := string(p[i:j]); chunk != "" {
					chunks = append(chunks, chunk)
				} else {
					chunks[len(chunks)-1] += "-"
				}
				for k := len(chunks) - 1; k > 0; k-- {
					prev, cur := []rune(chunks[k-1]), []rune(chunks[k])
					if prev[len(prev)-1] > cur[0] {
						chunks[k-1] = string(prev[:len(prev)-1]) + string(cur[1:])
						chunks = append(chunks[:k], chunks[k+1:]...)
					}
				}
			}
			// Escape for Go what Python escapes, and "[" "]" and "\" which
			// are literal in a Python class at these places.
			escaped := make([]string, len(chunks))
			for k, s := range chunks {
				r := strings.NewReplacer(`\`, `\\`, "-", `\-`, "[", `\[`, "]", `\]`, "&", `\&`, "~", `\~`, "|", `\|`)
				if len(chunks) == 1 {
					r = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "&", `\&`, "~", `\~`, "|", `\|`, "-", `\-`)
				}
				escaped[k] = r.Replace(s)
			}
			stuff := strings.Join(escaped, "-")
			i = j + 1
			switch {
			case stuff == "":
				res.WriteString(`[^\x00-\x{10FFFF}]`) // Python's (?!): matches nothing
			case stuff == "!":
				res.WriteString(".")
			case stuff[0] == '!':
				res.WriteString("[^" + stuff[1:] + "]")
			case stuff[0] == '^':
				res.WriteString(`[\` + stuff + "]")
			default:
				res.WriteString("[" + stuff + "]")
			}
		default:
			res.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return regexp.MustCompile(`\A(?s:` + res.String() + `)\z`)
}

func containsRune(rs []rune, r rune) bool { return indexRune(rs, r, 0, len(rs)) >= 0 }

func indexRune(rs []rune, r rune, from, to int) int {
	for i := from; i < to && i < len(rs); i++ {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// fnmatchCases are (pattern, name) pairs at the edges of Python's rules,
// the last found by FuzzFnmatch: a backwards range is removed with its ends,
// after which "!" comes first and negates.
var fnmatchCases = [][2]string{
	{"*.css", "css/site.css"}, {".*", ".hidden"}, {"*~", "a.css~"}, {"CVS", "CVS"},
	{"[!a]*", "b"}, {"[a-c]x", "bx"}, {"[]]", "]"}, {"[!]]", "a"}, {"[a-]", "-"}, {"[z-a]", "m"},
	{"[!z-a]", "m"}, {"[", "["}, {"a[b", "a[b"}, {"[--0]", "."}, {"*a*a*a*b", "aaaaaaaaaaaaaaaa"},
	{"[!-x]", "-"}, {"[a-c-e]", "-"}, {"[é-!!?^^]", "\\"}, {"*[é-!!?^^]", "[[.\\"},
}

// FuzzFnmatch checks fnmatch against Python's fnmatch.fnmatchcase, ported
// as a regular expression: Django decides with it what is collected.
func FuzzFnmatch(f *testing.F) {
	for _, seed := range fnmatchCases {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		// Paths and patterns are short; long ones only make each run slow.
		if !utf8.ValidString(pattern) || !utf8.ValidString(name) || len(pattern) > 64 || len(name) > 256 {
			return
		}
		want := pythonFnmatchRegexp(pattern).MatchString(name)
		if got := fnmatch(pattern, name); got != want {
			t.Errorf("fnmatch(%q, %q) = %v, Python's fnmatchcase says %v", pattern, name, got, want)
		}
	})
}

// TestFnmatchAgainstPython compares fnmatch with the real
// fnmatch.fnmatchcase on random patterns over the characters that matter
// ("[", "]", "!", "-", "*", "?", a non-ASCII letter), all in one Python
// process. FuzzFnmatch's port of translate is checked by the same run.
func TestFnmatchAgainstPython(t *testing.T) {
	python := os.Getenv("ASSETC_PYTHON")
	if python == "" {
		t.Skip("ASSETC_PYTHON is not set: run through 'make test' to compare against Python")
	}
	alphabet := []rune("ab*?[]!-^\\.é/")
	random := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		w := make([]rune, random.IntN(10))
		for i := range w {
			w[i] = alphabet[random.IntN(len(alphabet))]
		}
		return string(w)
	}
	pairs := append([][2]string(nil), fnmatchCases...)
	for range 5000 {
		pairs = append(pairs, [2]string{word(), word()})
	}
	input, _ := json.Marshal(pairs)
	cmd := exec.Command(python, "-c", "import fnmatch, json, sys\n"+
		"print(json.dumps([fnmatch.fnmatchcase(n, p) for p, n in json.load(sys.stdin)]))")
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v (run 'make venv')", python, err)
	}
	var want []bool
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(pairs) {
		t.Fatalf("python answered %d results, %v", len(want), err)
	}
	failures := 0
	for i, pair := range pairs {
		got, port := fnmatch(pair[0], pair[1]), pythonFnmatchRegexp(pair[0]).MatchString(pair[1])
		if (got != want[i] || port != want[i]) && failures < 10 {
			failures++
			t.Errorf("fnmatch(%q, %q) = %v, the fuzz oracle says %v, Python says %v", pair[0], pair[1], got, port, want[i])
		}
	}
}
