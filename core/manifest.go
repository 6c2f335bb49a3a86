package core

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
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
//
// It costs one pass per entry and one buffer of the manifest's size: the
// pairs the hash covers are streamed into MD5 a chunk at a time, not held
// (at 100,000 files both strings and their copies were ~30 MB a build).
func Manifest(paths map[string]string) []byte {
	keys := make([]string, 0, len(paths))
	size := 64
	for k, v := range paths {
		keys = append(keys, k)
		size += len(k) + len(v) + 8 // exact unless escaped
	}
	// Python sorts str by code point; Go's string order is by UTF-8 bytes,
	// which is the same order.
	sort.Strings(keys)

	sum := md5.New()
	var pairs bytes.Buffer
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
		if pairs.Len() >= 32<<10 {
			sum.Write(pairs.Bytes())
			pairs.Reset()
		}
	}
	pairs.WriteByte(']')
	sum.Write(pairs.Bytes())

	var b bytes.Buffer
	b.Grow(size)
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
	b.WriteString(hex.EncodeToString(sum.Sum(nil))[:12]) // ContentHash of the pairs
	b.WriteString(`"}`)
	return b.Bytes()
}

// writePythonJSONString writes s as Python's json.dumps(ensure_ascii=True)
// does: the short escapes for \" \\ \n \r \t \b \f, \u00XX for other control
// characters, \uXXXX (a surrogate pair above U+FFFF) for non-ASCII.
func writePythonJSONString(b *bytes.Buffer, s string) {
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
// It looks at eight bytes at a time (the bit tricks of "Bit Twiddling
// Hacks", hasless and haszero): at 100,000 files it runs over every path
// of the manifest and the sidecar, ~50 ms a build byte by byte.
func needsNoEscape(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if x&highs != 0 { // a byte >= 0x80
			return false
		}
		// With every byte < 0x80, a byte below 0x20 borrows into its high
		// bit, and so does a byte equal to one of the others once xored.
		below := (x - 0x20*ones) & ^x
		del, quote, backslash := x^(0x7f*ones), x^('"'*ones), x^('\\'*ones)
		equal := (del-ones) & ^del | (quote-ones) & ^quote | (backslash-ones) & ^backslash
		if (below|equal)&highs != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func writeUnicodeEscape(b *bytes.Buffer, r rune) {
	hex := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u`)
	b.WriteString(strings.Repeat("0", 4-len(hex)))
	b.WriteString(hex)
}

// patchManifest returns Manifest(paths) made from old, the manifest of an
// earlier Plan whose paths had the same keys, with the values of the keys
// listed in changed (logical paths) perhaps different and every other
// value the same (a Plan made from that Plan's record: see prior.go). The
// entries are copied from old in their order, the changed ones written
// anew, and the hash is that of the pairs as copied: no key is sorted or
// looked up in paths but the changed ones. ok is false, and the caller
// encodes the whole, when old is not Manifest's layout or does not hold
// exactly len(paths) entries and every changed key.
func patchManifest(old []byte, paths map[string]string, changed []string) (out []byte, ok bool) {
	const head, version = `{"paths": {`, `}, "version": "` + ManifestVersion + `", "hash": "`
	if !bytes.HasPrefix(old, []byte(head)) || len(paths) == 0 {
		return nil, false
	}
	newValues := make(map[string]string, len(changed)) // the changed keys as encoded -> their values as encoded
	var enc bytes.Buffer
	for _, l := range changed {
		v, exists := paths[l]
		if !exists {
			return nil, false
		}
		enc.Reset()
		writePythonJSONString(&enc, l)
		key := enc.String()
		enc.Reset()
		writePythonJSONString(&enc, v)
		newValues[key] = enc.String()
	}
	var b bytes.Buffer
	b.Grow(len(old) + 64*len(changed))
	b.WriteString(head)
	sum := md5.New()
	var pairs bytes.Buffer
	pairs.WriteByte('[')
	i, entries, found := len(head), 0, 0
	for {
		keyEnd := jsonStringEnd(old, i)
		if keyEnd < 0 || !bytes.HasPrefix(old[keyEnd:], []byte(": ")) {
			return nil, false
		}
		valueEnd := jsonStringEnd(old, keyEnd+2)
		if valueEnd < 0 {
			return nil, false
		}
		key, value := old[i:keyEnd], old[keyEnd+2:valueEnd]
		if v, ok := newValues[string(key)]; ok {
			value = []byte(v)
			found++
		}
		if entries > 0 {
			b.WriteString(", ")
			pairs.WriteString(", ")
		}
		entries++
		b.Write(key)
		b.WriteString(": ")
		b.Write(value)
		pairs.WriteByte('[')
		pairs.Write(key)
		pairs.WriteString(", ")
		pairs.Write(value)
		pairs.WriteByte(']')
		if pairs.Len() >= 32<<10 {
			sum.Write(pairs.Bytes())
			pairs.Reset()
		}
		if bytes.HasPrefix(old[valueEnd:], []byte(", ")) {
			i = valueEnd + 2
			continue
		}
		if rest := old[valueEnd:]; !bytes.HasPrefix(rest, []byte(version)) || len(rest) != len(version)+12+2 || string(rest[len(rest)-2:]) != `"}` {
			return nil, false
		}
		break
	}
	if entries != len(paths) || found != len(newValues) {
		return nil, false
	}
	pairs.WriteByte(']')
	sum.Write(pairs.Bytes())
	b.WriteString(version)
	b.WriteString(hex.EncodeToString(sum.Sum(nil))[:12])
	b.WriteString(`"}`)
	return b.Bytes(), true
}

// jsonStringEnd returns the index just past the JSON string that starts
// at data[i] (a '"'), or -1 when none does: a quote ends it unless an odd
// number of backslashes precede it.
func jsonStringEnd(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	for j := i + 1; ; {
		q := bytes.IndexByte(data[j:], '"')
		if q < 0 {
			return -1
		}
		j += q
		backslashes := 0
		for k := j - 1; k > i && data[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return j + 1
		}
		j++
	}
}
