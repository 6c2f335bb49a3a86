package core

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
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
	return algorithm + "-" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
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

// integrity computes the SRI value of every hashed file of a build. A file
// assetc did not write in this build and that still holds the bytes of the
// last build keeps the value the last sidecar recorded, so a no-change
// rebuild reads no file.
func (o *output) integrity(files []outputFile, hashedOnly bool, algorithm string, workers int) (*IntegrityFile, error) {
	_, algorithm, err := newIntegrityHash(algorithm)
	if err != nil {
		return nil, err
	}
	var previous IntegrityFile
	if data, err := os.ReadFile(filepath.Join(o.dir, IntegrityName)); err == nil {
		_ = json.Unmarshal(data, &previous) // a damaged sidecar only costs hashing
	}
	values := make([]string, len(files))
	errs := make([]error, len(files))
	forEach(len(files), workers, func(i int) {
		targets := files[i].targets(hashedOnly)
		t := targets[len(targets)-1] // the hashed copy comes last
		o.mu.Lock()
		fresh := o.fresh[t.rel]
		o.mu.Unlock()
		if old := previous.Files[t.rel]; old != "" && previous.Algorithm == algorithm && !fresh && o.upToDate(t.rel, t.sum) {
			values[i] = old
			return
		}
		content := t.content
		if content == nil {
			data, err := os.ReadFile(filepath.Join(o.dir, filepath.FromSlash(t.rel)))
			if err != nil {
				errs[i] = fmt.Errorf("cannot hash %s: %w", t.rel, err)
				return
			}
			content = data
		}
		values[i], errs[i] = SRI(algorithm, content)
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := &IntegrityFile{Version: 1, Algorithm: algorithm, Files: make(map[string]string, len(files))}
	for i, f := range files {
		out.Files[f.hashedName] = values[i]
	}
	return out, nil
}

// marshal gives the sidecar's bytes: keys sorted (encoding/json sorts map
// keys), so equal builds write equal files.
func (f *IntegrityFile) marshal() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(f) // a struct of strings cannot fail
	return buf.Bytes()
}
