package core

import (
	_ "embed"
	"encoding/json"
	"path"
	"strings"
)

// contentTypesJSON is the one table of Content-Types (contenttypes.json):
// assetc publish uploads with it, and the Django bridge serves with a
// Python rendering of it that a test keeps identical
// (TestBridgeContentTypesAreGenerated).
//
//go:embed contenttypes.json
var contentTypesJSON []byte

// contentTypeTable is contenttypes.json.
type contentTypeTable struct {
	Types map[string]string `json:"types"`
	// Text are the prefixes of the types that get "; charset=utf-8":
	// static text is served as UTF-8.
	Text []string `json:"text"`
}

var contentTypes = func() contentTypeTable {
	var table contentTypeTable
	if err := json.Unmarshal(contentTypesJSON, &table); err != nil {
		panic("core: contenttypes.json: " + err.Error()) // embedded: a test reads it
	}
	return table
}()

// ContentType is the Content-Type of a file name: its extension decides,
// whatever its case. A precompressed variant has its original's type (its
// Content-Encoding says how it is compressed), so pass the original's name.
func ContentType(name string) string {
	ctype, ok := contentTypes.Types[strings.ToLower(path.Ext(name))]
	if !ok {
		return "application/octet-stream"
	}
	for _, prefix := range contentTypes.Text {
		if strings.HasPrefix(ctype, prefix) {
			return ctype + "; charset=utf-8"
		}
	}
	return ctype
}
