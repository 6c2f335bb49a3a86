package core

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// urlAction is what a reference's text asks of the engine.
type urlAction int

const (
	// leaveAlone: not a file of ours (another site, a data: URI, an absolute
	// path outside STATIC_URL, a fragment-only URL). Django returns the
	// matched text unchanged for these, and so do we.
	leaveAlone urlAction = iota
	// keepDirectory: a path ending in "/" names a directory; Django writes
	// it back in its template without hashing it.
	keepDirectory
	// resolveFile: the text names a static file, target says which.
	resolveFile
	// escapesRoot: a "../" climbs above the logical root.
	escapesRoot
)

// parsedURL is a reference's text split the way Django's url_converter
// splits it, plus the logical path it names.
type parsedURL struct {
	action   urlAction
	target   string // logical path of the file named (resolveFile, escapesRoot)
	rawDirs  string // the directories exactly as written, "../img/" (kept in the output)
	query    string // without "?"
	fragment string // without "#"
	// iefix is the "?#" font hack (x.eot?#iefix): Django keeps "?#" before
	// the fragment.
	iefix bool
}

// parseReferenceURL applies Django 6.1's url_converter rules, in its order,
// to the text of a reference found in the file with logical path from.
//
// One deliberate difference: the path is percent-decoded after the query and
// fragment are split off, not before, so "a%23b.png" names the file "a#b.png"
// (Django splits at the decoded "#" and mangles it).
func parseReferenceURL(value, from, staticURL string) parsedURL {
	if hasScheme(value) || strings.HasPrefix(value, "//") {
		return parsedURL{action: leaveAlone}
	}
	if strings.HasPrefix(value, "/") && !strings.HasPrefix(value, staticURL) {
		return parsedURL{action: leaveAlone}
	}
	pathAndQuery, fragment, _ := strings.Cut(value, "#")
	if pathAndQuery == "" {
		return parsedURL{action: leaveAlone}
	}
	rawPath, query, _ := strings.Cut(pathAndQuery, "?")
	u := parsedURL{
		query:    query,
		fragment: fragment,
		iefix:    strings.Contains(value, "?#"),
	}
	if i := strings.LastIndexByte(rawPath, '/'); i >= 0 {
		u.rawDirs = rawPath[:i+1]
	}
	var joined string
	if strings.HasPrefix(rawPath, "/") {
		joined = strings.TrimPrefix(rawPath, staticURL)
	} else {
		joined = path.Join(path.Dir(from), rawPath)
		if strings.HasSuffix(rawPath, "/") {
			joined += "/"
		}
	}
	decoded := strings.TrimFunc(unquote(joined), unicode.IsSpace)
	if strings.HasSuffix(decoded, "/") || decoded == "" {
		u.action = keepDirectory
		return u
	}
	u.target = path.Clean(decoded)
	if u.target == ".." || strings.HasPrefix(u.target, "../") {
		u.action = escapesRoot
		return u
	}
	u.action = resolveFile
	return u
}

// rewrittenURL is the text Django writes for a resolved reference: the
// directories as written, the target's hashed basename, the query and the
// fragment, all percent-decoded (Django unquotes the result).
func (u parsedURL) rewrittenURL(hashedTarget string) string {
	var b strings.Builder
	b.WriteString(escapeURLDelimiters(unquote(u.rawDirs) + path.Base(hashedTarget)))
	if u.query != "" {
		b.WriteString("?")
		b.WriteString(unquote(u.query))
	}
	if u.fragment != "" {
		if u.iefix {
			b.WriteString("?#")
		} else {
			b.WriteString("#")
		}
		b.WriteString(unquote(u.fragment))
	}
	return b.String()
}

// escapeURLDelimiters percent-encodes the three characters that would change
// what a decoded path means in a URL: "%", "?" and "#". Django decodes the
// whole URL and so breaks references to files named "a#b.png"; for every
// other name the bytes are Django's.
func escapeURLDelimiters(p string) string {
	if !strings.ContainsAny(p, "%?#") {
		return p
	}
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(p)
}

// hasScheme reports whether the URL starts with an RFC 3986 scheme
// ("http:", "DATA:", "chrome-extension:"). Django only knows lowercase
// letters and crashes on the others; any letter case is a scheme here.
func hasScheme(value string) bool {
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// unquote is Python's urllib.parse.unquote: %XX sequences are decoded as
// UTF-8 (invalid sequences become U+FFFD) and malformed escapes stay as
// written.
func unquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var raw []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			raw = append(raw, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		raw = append(raw, s[i])
	}
	if utf8.Valid(raw) {
		return string(raw)
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// keptURL is what Django writes for a reference it does not hash (a
// directory path ending in "/"): the text itself, percent-decoded.
func (u parsedURL) keptURL(value string) string {
	pathAndQuery, fragment, hasFragment := strings.Cut(value, "#")
	out := unquote(pathAndQuery)
	if hasFragment && fragment != "" {
		if u.iefix {
			out = strings.TrimSuffix(out, "?") + "?#"
		} else {
			out += "#"
		}
		out += unquote(fragment)
	}
	return out
}
