package core

import "bytes"

// wideEncoding names the encoding of a CSS/JS file saved as UTF-16 or UTF-32
// ("UTF-16 little-endian"), or returns "" for anything else. Such files are
// full of NUL bytes, so without this check they would be reported as binary
// data; Django fails on them too (it decodes every stylesheet as UTF-8). A
// byte order mark decides; without one, text whose every other byte is NUL
// in the first 64 bytes is taken to be UTF-16.
func wideEncoding(content []byte) string {
	switch {
	case bytes.HasPrefix(content, []byte{0xFF, 0xFE, 0, 0}):
		return "UTF-32 little-endian"
	case bytes.HasPrefix(content, []byte{0, 0, 0xFE, 0xFF}):
		return "UTF-32 big-endian"
	case bytes.HasPrefix(content, []byte{0xFF, 0xFE}):
		return "UTF-16 little-endian"
	case bytes.HasPrefix(content, []byte{0xFE, 0xFF}):
		return "UTF-16 big-endian"
	}
	head := content[:min(len(content), 64)]
	if len(head) < 4 || len(head)%2 != 0 {
		return ""
	}
	evenNUL, oddNUL := 0, 0
	for i := 0; i < len(head); i += 2 {
		if head[i] == 0 {
			evenNUL++
		}
		if head[i+1] == 0 {
			oddNUL++
		}
	}
	pairs := len(head) / 2
	switch {
	case oddNUL == pairs && evenNUL == 0:
		return "UTF-16 little-endian"
	case evenNUL == pairs && oddNUL == 0:
		return "UTF-16 big-endian"
	}
	return ""
}
