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

// marshal gives the sidecar's bytes: what a json.Encoder without HTML
// escaping writes (keys sorted, so equal builds write equal files), written
// directly. Through reflection it took ~5 ms on the corpus, in the part of
// planning that runs on one core.
func (f *IntegrityFile) marshal() []byte {
	keys := make([]string, 0, len(f.Files))
	// Sized once: a buffer grown by doubling keeps up to twice the bytes
	// alive with the Plan (12 MB of sidecar at 100,000 files).
	size := 256 + len(f.Algorithm) + len(f.Manifest)
	for path, sri := range f.Files {
		keys = append(keys, path)
		size += len(path) + len(sri) + 6
	}
	sort.Strings(keys) // encoding/json sorts map keys by their bytes too
	buf := make([]byte, 0, size)
	buf = append(buf, `{"version":`...)
	buf = strconv.AppendInt(buf, int64(f.Version), 10)
	buf = append(buf, `,"algorithm":`...)
	buf = appendJSONString(buf, f.Algorithm)
	buf = append(buf, `,"files":`...)
	if f.Files == nil {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, '{')
		for i, path := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, path)
			buf = append(buf, ':')
			buf = appendJSONString(buf, f.Files[path])
		}
		buf = append(buf, '}')
	}
	if f.Manifest != "" {
		buf = append(buf, `,"manifest":`...)
		buf = appendJSONString(buf, f.Manifest)
	}
	return append(buf, "}\n"...)
}

// appendJSONString appends s as a json.Encoder without HTML escaping writes
// it: as it is between quotes when it is printable ASCII without '"' or
// '\\', through the encoder otherwise.
func appendJSONString(buf []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
	}
	if plain {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	var quoted bytes.Buffer
	enc := json.NewEncoder(&quoted)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string cannot fail
	return append(buf, bytes.TrimSuffix(quoted.Bytes(), []byte("\n"))...)
}
