package scan

import (
	"unicode/utf8"
)

// hexValue returns the value of an ASCII hex digit, or -1.
func hexValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// isCSSWhitespace reports CSS Syntax §4.2 whitespace: space, tab and the
// newlines \n, \r, \f (preprocessing turns \r\n, \r and \f into \n).
func isCSSWhitespace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// decodeCSS decodes the backslash escapes in raw, the text of a CSS string
// (without its quotes) or of an unquoted url(), following CSS Syntax §4.3.7
// "consume an escaped code point": up to six hex digits and one optional
// whitespace (\r\n counting as one), with zero, surrogates and values above
// U+10FFFF becoming U+FFFD; any other character stands for itself. In
// strings, §4.3.5 drops a backslash followed by a newline (a line
// continuation) and a backslash at the end of input.
func decodeCSS(raw []byte) string {
	i := 0
	for i < len(raw) && raw[i] != '\\' {
		i++
	}
	if i == len(raw) {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	out = append(out, raw[:i]...)
	for i < len(raw) {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		i++
		if i == len(raw) {
			break // §4.3.5: a backslash at EOF in a string is dropped
		}
		c = raw[i]
		switch {
		case c == '\n' || c == '\f':
			i++ // line continuation
		case c == '\r':
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case hexValue(c) >= 0:
			v, n := 0, 0
			for n < 6 && i < len(raw) && hexValue(raw[i]) >= 0 {
				v = v<<4 | hexValue(raw[i])
				i++
				n++
			}
			if i < len(raw) && isCSSWhitespace(raw[i]) {
				if raw[i] == '\r' && i+1 < len(raw) && raw[i+1] == '\n' {
					i++
				}
				i++
			}
			if v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > utf8.MaxRune {
				v = utf8.RuneError
			}
			out = utf8.AppendRune(out, rune(v))
		default:
			// Any other code point (a whole UTF-8 sequence) stands for itself.
			_, n := utf8.DecodeRune(raw[i:])
			out = append(out, raw[i:i+n]...)
			i += n
		}
	}
	return string(out)
}

// decodeJS decodes the escapes of a JavaScript string literal body (without
// its quotes), per ECMAScript §12.9.4 (String Literals): the single-character
// escapes, \xHH, \uHHHH, \u{H…}, legacy octal escapes (Annex B.1.2), line
// continuations, and any other character standing for itself. A surrogate
// pair written as two \u escapes becomes one code point; a lone surrogate
// becomes U+FFFD because a Go string holds UTF-8.
func decodeJS(raw []byte) string {
	i := 0
	for i < len(raw) && raw[i] != '\\' {
		i++
	}
	if i == len(raw) {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	out = append(out, raw[:i]...)
	var high rune // a pending high surrogate from a \u escape
	flush := func() {
		if high != 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			high = 0
		}
	}
	for i < len(raw) {
		c := raw[i]
		if c != '\\' {
			flush()
			out = append(out, c)
			i++
			continue
		}
		i++
		if i == len(raw) {
			break
		}
		c = raw[i]
		i++
		var r rune = -1
		switch c {
		case 'n':
			r = '\n'
		case 't':
			r = '\t'
		case 'r':
			r = '\r'
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'v':
			r = '\v'
		case '\n':
			flush()
			continue // line continuation
		case '\r':
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
			flush()
			continue
		case 'x':
			if i+2 <= len(raw) && hexValue(raw[i]) >= 0 && hexValue(raw[i+1]) >= 0 {
				r = rune(hexValue(raw[i])<<4 | hexValue(raw[i+1]))
				i += 2
			} else {
				r = 'x'
			}
		case 'u':
			if v, n, ok := unicodeEscape(raw[i:]); ok {
				i += n
				switch {
				case v >= 0xD800 && v <= 0xDBFF:
					flush()
					high = v
					continue
				case v >= 0xDC00 && v <= 0xDFFF && high != 0:
					out = utf8.AppendRune(out, 0x10000+(high-0xD800)<<10+(v-0xDC00))
					high = 0
					continue
				}
				r = v
			} else {
				r = 'u'
			}
		default:
			if '0' <= c && c <= '7' {
				// Annex B.1.2 LegacyOctalEscapeSequence; \0 alone is NUL.
				v := rune(c - '0')
				limit := 2
				if c > '3' {
					limit = 1
				}
				for n := 0; n < limit && i < len(raw) && '0' <= raw[i] && raw[i] <= '7'; n++ {
					v = v<<3 | rune(raw[i]-'0')
					i++
				}
				r = v
			} else if c >= utf8.RuneSelf {
				// \u2028 and \u2029 are line continuations too; any other
				// code point stands for itself.
				rr, n := utf8.DecodeRune(raw[i-1:])
				i += n - 1
				if rr == '\u2028' || rr == '\u2029' {
					flush()
					continue
				}
				r = rr
			} else {
				r = rune(c)
			}
		}
		flush()
		out = utf8.AppendRune(out, r)
	}
	flush()
	return string(out)
}

// unicodeEscape reads the part of a \u escape after the "u": four hex digits
// or {hex digits} up to U+10FFFF.
func unicodeEscape(b []byte) (rune, int, bool) {
	if len(b) > 0 && b[0] == '{' {
		v, n := 0, 1
		for n < len(b) && hexValue(b[n]) >= 0 {
			v = v<<4 | hexValue(b[n])
			if v > utf8.MaxRune {
				return 0, 0, false
			}
			n++
		}
		if n == 1 || n >= len(b) || b[n] != '}' {
			return 0, 0, false
		}
		return rune(v), n + 1, true
	}
	if len(b) < 4 {
		return 0, 0, false
	}
	v := 0
	for _, c := range b[:4] {
		h := hexValue(c)
		if h < 0 {
			return 0, 0, false
		}
		v = v<<4 | h
	}
	return rune(v), 4, true
}
