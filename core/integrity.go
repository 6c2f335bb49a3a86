package core

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"sort"
	"strconv"
)

// IntegrityName is the sidecar a build writes next to staticfiles.json: the
// Subresource Integrity value of every hashed file. It is a separate file
// so that staticfiles.json stays byte-identical to Django's.
const IntegrityName = "staticfiles.integrity.json"

// DefaultIntegrityAlgorithm is the hash SRI values use unless told
// otherwise: sha384, what the SRI spec's examples and most CDNs use.
const DefaultIntegrityAlgorithm = "sha384"

// IntegrityFile is the content of staticfiles.integrity.json.
type IntegrityFile struct {
	Version   int    `json:"version"` // 1
	Algorithm string `json:"algorithm"`
	// Files maps each hashed path (a value of staticfiles.json) to its SRI
	// value, like "sha384-<base64>".
	Files map[string]string `json:"files"`
	// Manifest is the MD5 (hex) of the staticfiles.json written with this
	// sidecar. The manifest is a build's commit point and the sidecar is
	// written just before it, so a sidecar whose manifest never arrived (a
	// build stopped between the two) is told apart by Matches. Empty in
	// sidecars of assetc before it was added.
	Manifest string `json:"manifest,omitempty"`
}

// Matches reports, as an error saying what to do, whether the sidecar
// belongs to this staticfiles.json.
func (f *IntegrityFile) Matches(manifest []byte) error {
	if f.Manifest == "" {
		return nil // written before sidecars named their manifest
	}
	if sum := md5.Sum(manifest); hex.EncodeToString(sum[:]) != f.Manifest {
		return fmt.Errorf("%s does not belong to %s (a build was stopped before its manifest was written): build again", IntegrityName, ManifestName)
	}
	return nil
}

// SRI returns the Subresource Integrity value of content ("sha384-<base64
// of the digest>", W3C SRI §3.1). algorithm is sha256, sha384 or sha512;
// "" means DefaultIntegrityAlgorithm.
func SRI(algorithm string, content []byte) (string, error) {
	h, algorithm, err := newIntegrityHash(algorithm)
	if err != nil {
		return "", err
	}
	h.Write(content)
	return sriValue(algorithm, h), nil
}

// sriValue is the SRI value of the bytes h has hashed.
func sriValue(algorithm string, h hash.Hash) string {
	return algorithm + "-" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func newIntegrityHash(algorithm string) (hash.Hash, string, error) {
	switch algorithm {
	case "", "sha384":
		return sha512.New384(), "sha384", nil
	case "sha256":
		return sha256.New(), algorithm, nil
	case "sha512":
		return sha512.New(), algorithm, nil
	}
	return nil, "", fmt.Errorf("unknown integrity algorithm %q: use sha256, sha384 or sha512", algorithm)
}

// Integrity returns the SRI value of the hashed copy of a file (its
// rewritten bytes for CSS/JS), computed from the sources: no build is needed,
// and it equals what a build records in IntegrityName. It fails like Asset,
// or for an unknown algorithm.
func (p *Project) Integrity(logical, algorithm string) (string, error) {
	if _, _, err := newIntegrityHash(algorithm); err != nil {
		return "", err
	}
	content, _, err := p.hashedContent(logical)
	if err != nil {
		return "", err
	}
	return SRI(algorithm, content)
}

// hashedContent returns the bytes and the hashed name of a file's hashed
// copy.
func (p *Project) hashedContent(logical string) ([]byte, string, error) {
	asset, err := p.Asset(logical)
	if err != nil {
		return nil, "", err
	}
	if asset.Content != nil {
		return asset.Content, asset.HashedName, nil
	}
	content, err := p.fsys.ReadFile(asset.Source.Path)
	if err != nil {
		return nil, "", fmt.Errorf("cannot read %s (%s): %w", asset.Source.Path, logical, err)
	}
	return content, asset.HashedName, nil
}

// marshal gives the sidecar's bytes: keys sorted (encoding/json sorts map
// keys), so equal builds write equal files. They are json.Encoder's bytes
// (HTML not escaped); when every string needs no escape (nearly always),
// they are written without reflection: at 100,000 files encoding/json
// spent ~70 ms sorting and encoding the map.
func (f *IntegrityFile) marshal() []byte {
	var buf bytes.Buffer
	// Sized once: a buffer grown by doubling keeps up to twice the bytes
	// alive with the Plan (12 MB of sidecar at 100,000 files).
	size := 256
	plain := needsNoEscape(f.Algorithm) && needsNoEscape(f.Manifest)
	for path, sri := range f.Files {
		size += len(path) + len(sri) + 8
		plain = plain && needsNoEscape(path) && needsNoEscape(sri)
	}
	buf.Grow(size)
	if !plain {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(f) // a struct of strings cannot fail
		return buf.Bytes()
	}
	paths := make([]string, 0, len(f.Files))
	for path := range f.Files {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	quoted := func(s string) {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
	}
	// The fields in IntegrityFile's order, with its tags.
	buf.WriteString(`{"version":` + strconv.Itoa(f.Version) + `,"algorithm":`)
	quoted(f.Algorithm)
	buf.WriteString(`,"files":`)
	if f.Files == nil {
		buf.WriteString("null")
	} else {
		buf.WriteByte('{')
		for i, path := range paths {
			if i > 0 {
				buf.WriteByte(',')
			}
			quoted(path)
			buf.WriteByte(':')
			quoted(f.Files[path])
		}
		buf.WriteByte('}')
	}
	if f.Manifest != "" {
		buf.WriteString(`,"manifest":`)
		quoted(f.Manifest)
	}
	buf.WriteString("}\n") // json.Encoder ends each value with a newline
	return buf.Bytes()
}
