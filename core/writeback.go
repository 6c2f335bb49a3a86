package core

import (
	"strings"

	"github.com/assetc/assetc/core/scan"
)

// writeBack returns the bytes that replace ref.Start:ref.End once the
// reference points at newURL.
//
// Where Django 6.1 rewrites a reference it re-applies a template to the
// whole match: quotes become '"', spaces inside url( … ) go, @import "x"
// becomes @import url("x") and source-map comments are normalised. Those bytes
// feed the file's hash, so assetc writes exactly the same bytes and its names
// equal Django's. References Django does not know (image-set strings, src(),
// new URL(…)) keep their own quoting: only the string changes.
func writeBack(src []byte, ref scan.Reference, newURL string) string {
	switch ref.Kind {
	case scan.CSSURL:
		return `url("` + cssStringEscape(newURL) + `")`
	case scan.CSSImport:
		return `@import url("` + cssStringEscape(newURL) + `")`
	case scan.CSSSourceMap:
		return string(src[ref.Start:ref.Start+3]) + " sourceMappingURL=" + newURL + " */"
	case scan.JSSourceMap:
		opener := string(src[ref.Start : ref.Start+3])
		if strings.HasPrefix(opener, "/*") {
			return opener + " sourceMappingURL=" + newURL + " */"
		}
		return opener + " sourceMappingURL=" + newURL
	case scan.JSImport:
		return "import" + ref.Clause + ` from "` + jsStringEscape(newURL, '"') + `"`
	case scan.JSExport:
		return "export" + ref.Clause + ` from "` + jsStringEscape(newURL, '"') + `"`
	case scan.JSSideEffectImport:
		return `import"` + jsStringEscape(newURL, '"') + `"`
	case scan.JSDynamicImport:
		// Django's template covers import("…") only; with an options argument
		// the call is left as written and only the string changes.
		if closing := strings.TrimSpace(string(src[ref.ValueEnd+1 : ref.End])); closing == ")" {
			return `import("` + jsStringEscape(newURL, '"') + `")`
		}
		return string(src[ref.Start:ref.ValueStart-1]) + `"` + jsStringEscape(newURL, '"') + `"` + string(src[ref.ValueEnd+1:ref.End])
	}
	// CSSImageSet, CSSSrc, JSNewURL: a string literal, requoted as it was.
	quote := ref.Quote
	if quote == 0 {
		quote = '"'
	}
	if ref.Kind == scan.JSNewURL {
		return string(quote) + jsStringEscape(newURL, quote) + string(quote)
	}
	return string(quote) + cssStringEscape(newURL) + string(quote)
}

// cssStringEscape makes text safe inside a double-quoted CSS string (CSS
// Syntax §4.3.5). Django writes the URL raw; the two differ only for file
// names containing '"', '\' or a newline, which Django turns into broken CSS.
func cssStringEscape(text string) string {
	if !strings.ContainsAny(text, "\"\\\n") {
		return text
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\a `)
	return r.Replace(text)
}

// jsStringEscape makes text safe inside a JS string literal with the given
// quote.
func jsStringEscape(text string, quote byte) string {
	if !strings.ContainsAny(text, "\\\n\r'\"") {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case quote:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
