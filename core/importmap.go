package core

import (
	"errors"
	"fmt"
	"sort"
)

// ImportMapOptions says which modules an import map lists and how.
type ImportMapOptions struct {
	// StaticURL is put in front of every path; "" means the project's
	// Config.StaticURL.
	StaticURL string
	// Include lists fnmatch patterns of the logical paths of the modules
	// ("*" crosses "/", as in Django's patterns); nil means
	// DefaultImportMapInclude.
	Include []string
	// Aliases maps bare specifiers ("app", "lib/chart") to logical paths, so
	// pages can import by name; each must be an included module.
	Aliases map[string]string
	// Integrity is the SRI hash: sha256, sha384 or sha512; "" means
	// DefaultIntegrityAlgorithm.
	Integrity string
}

// DefaultImportMapInclude is what an import map lists unless told otherwise.
var DefaultImportMapInclude = []string{"*.js", "*.mjs"}

// ImportMap is a browser import map (HTML §8.1.5.3 "import maps") that lets ES
// modules load hashed files without rewriting their imports.
type ImportMap struct {
	// Imports maps each module's unhashed URL (STATIC_URL + logical path)
	// and each alias to its hashed URL. A relative import inside a hashed
	// module ("./dep.js" from "/static/js/app.<hash>.js") resolves to the
	// unhashed URL "/static/js/dep.js" first, which this map then sends to
	// the hashed file.
	Imports map[string]string `json:"imports"`
	// Integrity maps each hashed URL to its SRI value, which the browser
	// checks for every module it loads through the map.
	Integrity map[string]string `json:"integrity"`
}

// ImportMap builds the import map of every included module, from the
// sources. It fails with the errors of every module that cannot be named
// (a *DiagnosticsError or *NotFoundError each, joined), and when an alias
// names a path that is not an included module.
func (p *Project) ImportMap(opts ImportMapOptions) (ImportMap, error) {
	if _, _, err := newIntegrityHash(opts.Integrity); err != nil {
		return ImportMap{}, err
	}
	staticURL := opts.StaticURL
	if staticURL == "" {
		staticURL = p.cfg.StaticURL
	}
	include := opts.Include
	if include == nil {
		include = DefaultImportMapInclude
	}
	inv, err := p.Walk()
	if err != nil {
		return ImportMap{}, err
	}
	var modules []string
	for _, l := range inv.Paths() {
		if _, ok := matchAny(include, l); ok {
			modules = append(modules, l)
		}
	}
	m := ImportMap{Imports: map[string]string{}, Integrity: map[string]string{}}
	hashedURL := map[string]string{}
	var errs []error
	for _, l := range modules {
		content, hashed, err := p.hashedContent(l)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sri, err := SRI(opts.Integrity, content)
		if err != nil {
			return ImportMap{}, err
		}
		url := staticURL + hashed
		hashedURL[l] = url
		m.Imports[staticURL+l] = url
		m.Integrity[url] = sri
	}
	aliases := make([]string, 0, len(opts.Aliases))
	for a := range opts.Aliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		url, ok := hashedURL[opts.Aliases[a]]
		if !ok {
			errs = append(errs, fmt.Errorf("import map alias %q names %q, which is not an included module", a, opts.Aliases[a]))
			continue
		}
		m.Imports[a] = url
	}
	if err := errors.Join(errs...); err != nil {
		return ImportMap{}, err
	}
	return m, nil
}
