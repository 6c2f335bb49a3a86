package main

import (
	"io"
	"strings"

	"github.com/assetc/assetc/core"
)

const importMapExamples = `  assetc importmap -s static > importmap.json
  assetc importmap -s static --static-url https://cdn.example.com/static/ --include 'js/*.mjs'
  assetc importmap -s static --alias app=js/app.js     # import "app" in a page
`

func runImportMap(args []string, stdout, stderr io.Writer) error {
	var src sourceFlags
	var opts core.ImportMapOptions
	var aliases []string
	fs := newFlagSet("importmap", "-s DIR [...] [flags]", importMapExamples)
	src.register(fs.FlagSet)
	fs.StringArrayVar(&opts.Include, "include", nil, "list modules whose logical path matches this glob (repeatable; default *.js and *.mjs)")
	fs.StringArrayVar(&aliases, "alias", nil, "NAME=LOGICAL_PATH: a bare specifier for a module (repeatable)")
	fs.StringVar(&opts.Integrity, "integrity", core.DefaultIntegrityAlgorithm, "hash of the SRI values: sha256, sha384 or sha512")
	if err := fs.parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("importmap takes no arguments (got %q)", fs.Args())
	}
	for _, a := range aliases {
		name, logical, ok := strings.Cut(a, "=")
		if !ok || name == "" || logical == "" {
			return usagef("--alias wants NAME=LOGICAL_PATH, not %q", a)
		}
		if opts.Aliases == nil {
			opts.Aliases = map[string]string{}
		}
		opts.Aliases[name] = logical
	}
	project, err := src.project()
	if err != nil {
		return err
	}
	m, err := project.ImportMap(opts)
	if err != nil {
		return err
	}
	return printJSON(stdout, m, exitOK)
}
