package core

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ManifestVersion is the staticfiles.json format Django 4.2 to 6.1 write.
const ManifestVersion = "1.1"

// ManifestName is the file Django's ManifestStaticFilesStorage reads.
const ManifestName = "staticfiles.json"

// Manifest returns the bytes of a staticfiles.json for the given map of
// logical path to hashed path, exactly as Django's save_manifest writes them:
//
//	{"paths": {…sorted by key…}, "version": "1.1", "hash": "<md5[:12]>"}
//
// with Python json.dumps defaults (", " and ": " separators, non-ASCII
// escaped as \uXXXX, no trailing newline). hash is the MD5 of
// json.dumps(sorted(paths.items())), a list of [key, value] pairs.
func Manifest(paths map[string]string) []byte {
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	// Python sorts str by code point; Go's string order is by UTF-8 bytes,
	// which is the same order.
	sort.Strings(keys)
	// Both texts are sized once: grown by doubling, at 100,000 files they
	// were copied a dozen times each while the build waited.
	size := 0
	for _, k := range keys {
		size += len(k) + len(paths[k]) + len(`["", ""], `)
	}

	var pairs strings.Builder
	pairs.Grow(size + 2)
	pairs.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			pairs.WriteString(", ")
		}
		pairs.WriteByte('[')
		writePythonJSONString(&pairs, k)
		pairs.WriteString(", ")
		writePythonJSONString(&pairs, paths[k])
		pairs.WriteByte(']')
	}
	pairs.WriteByte(']')

	var b strings.Builder
	b.Grow(size + 64)
	b.WriteString(`{"paths": {`)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		writePythonJSONString(&b, k)
		b.WriteString(": ")
		writePythonJSONString(&b, paths[k])
	}
	b.WriteString(`}, "version": "` + ManifestVersion + `", "hash": "`)
	b.WriteString(ContentHash([]byte(pairs.String())))
	b.WriteString(`"}`)
	return []byte(b.String())
}

// writePythonJSONString writes s as Python's json.dumps(ensure_ascii=True)
// does: the short escapes for \" \\ \n \r \t \b \f, \u00XX for other control
// characters, \uXXXX (a surrogate pair above U+FFFF) for non-ASCII.
func writePythonJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	if needsNoEscape(s) { // nearly every path: written as it is, not rune by rune
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r >= 0x7f && r <= 0xffff) || r == utf8.RuneError:
				writeUnicodeEscape(b, r)
			case r > 0xffff:
				r -= 0x10000
				writeUnicodeEscape(b, 0xd800+(r>>10))
				writeUnicodeEscape(b, 0xdc00+(r&0x3ff))
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// needsNoEscape reports whether s is printable ASCII without '"' or '\\'.
func needsNoEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func writeUnicodeEscape(b *strings.Builder, r rune) {
	hex := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u`)
	b.WriteString(strings.Repeat("0", 4-len(hex)))
	b.WriteString(hex)
}
