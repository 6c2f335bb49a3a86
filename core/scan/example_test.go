package scan_test

import (
	"fmt"

	"github.com/assetc/assetc/core/scan"
)

func ExampleCSS() {
	src := []byte(`@import "base.css";
/* url(ignored.png) */
.logo { background: url( 'img/logo.png' ) no-repeat; content: "url(not-a-reference)"; }
/*# sourceMappingURL=site.css.map */`)
	refs, err := scan.CSS(src)
	if err != nil {
		panic(err)
	}
	for _, r := range refs {
		fmt.Printf("%d:%d %s %q in %s\n", r.Line, r.Col, r.Kind, r.Value, src[r.Start:r.End])
	}
	// Output:
	// 1:10 css-import "base.css" in @import "base.css"
	// 3:27 css-url "img/logo.png" in url( 'img/logo.png' )
	// 4:22 css-source-map "site.css.map" in /*# sourceMappingURL=site.css.map */
}

func ExampleJS() {
	src := []byte(`import { render } from './app.js';
const re = /import '.\/no.js'/;
const lazy = () => import("./chunk.js");
//# sourceMappingURL=main.js.map`)
	refs, err := scan.JS(src, true)
	if err != nil {
		panic(err)
	}
	for _, r := range refs {
		fmt.Printf("%s %q clause=%q\n", r.Kind, r.Value, r.Clause)
	}
	// Output:
	// js-import "./app.js" clause=" { render }"
	// js-dynamic-import "./chunk.js" clause=""
	// js-source-map "main.js.map" clause=""
}

func ExampleRewrite() {
	src := []byte(`a { background: url(img/a.png) } b { background: url("img/b.png") }`)
	refs, _ := scan.CSS(src)
	hashed := map[string]string{"img/a.png": "img/a.1a2b3c4d5e6f.png", "img/b.png": "img/b.6f5e4d3c2b1a.png"}
	var edits []scan.Edit
	for _, r := range refs {
		// Django's template for url(): the whole token becomes url("…").
		edits = append(edits, scan.Edit{Start: r.Start, End: r.End, Text: `url("` + hashed[r.Value] + `")`})
	}
	fmt.Println(string(scan.Rewrite(src, edits)))
	// Output:
	// a { background: url("img/a.1a2b3c4d5e6f.png") } b { background: url("img/b.6f5e4d3c2b1a.png") }
}
