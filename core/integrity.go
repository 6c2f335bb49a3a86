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

// sidecarOf is the sidecar marshal gives for the Plan's files (every
// Hashed file's Path and SRI; files sorted by Path, one per path), written
// from them in their order: the map of every hashed file marshal sorts was
// ~10 MB at 100,000 files, at the peak of planning. When a string needs an
// escape (nearly never), it is marshal's.
func sidecarOf(algorithm, manifestMD5 string, files []PlanFile) []byte {
	size := 256
	plain := needsNoEscape(algorithm) && needsNoEscape(manifestMD5)
	for i := range files {
		if f := &files[i]; f.Hashed {
			size += len(f.Path) + len(f.SRI) + 6
			plain = plain && needsNoEscape(f.Path) && needsNoEscape(f.SRI)
		}
	}
	if !plain {
		sidecar := &IntegrityFile{Version: 1, Algorithm: algorithm, Files: map[string]string{}, Manifest: manifestMD5}
		for i := range files {
			if f := &files[i]; f.Hashed {
				sidecar.Files[f.Path] = f.SRI
			}
		}
		return sidecar.marshal()
	}
	// marshal's plain layout: IntegrityFile's fields in order, with its
	// tags; the paths ascending as encoding/json sorts map keys.
	buf := make([]byte, 0, size)
	buf = append(buf, `{"version":1,"algorithm":"`...)
	buf = append(buf, algorithm...)
	buf = append(buf, `","files":{`...)
	first := true
	for i := range files {
		if f := &files[i]; f.Hashed {
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, '"')
			buf = append(buf, f.Path...)
			buf = append(buf, `":"`...)
			buf = append(buf, f.SRI...)
			buf = append(buf, '"')
		}
	}
	buf = append(buf, '}')
	if manifestMD5 != "" {
		buf = append(buf, `,"manifest":"`...)
		buf = append(buf, manifestMD5...)
		buf = append(buf, '"')
	}
	return append(buf, "}\n"...) // json.Encoder ends each value with a newline
}

// patchIntegrity returns the sidecar marshal gives for the Plan's files
// (every Hashed file's Path and SRI; files sorted by Path), made from old,
// the sidecar of an earlier Plan whose hashed files differ from these at
// most at the paths listed, sorted, in touched (the old and new hashed
// names of the files a Plan from that Plan's record named again: see
// prior.go). Old's entries are copied in order but those touched, which
// are written from files when a hashed file still has the path. ok is
// false, and the caller marshals the whole, when old or a touched entry is
// not in marshal's plain layout, or the entries do not come to one per
// hashed file.
func patchIntegrity(old []byte, algorithm, manifestMD5 string, files []PlanFile, touched []string) (out []byte, ok bool) {
	head := `{"version":1,"algorithm":"` + algorithm + `","files":{`
	if !bytes.HasPrefix(old, []byte(head)) || bytes.IndexByte(old, '\\') >= 0 || !needsNoEscape(manifestMD5) {
		return nil, false // with no backslash in old, every string ends at the next quote
	}
	hashed := 0
	for i := range files {
		if files[i].Hashed {
			hashed++
		}
	}
	var b bytes.Buffer
	b.Grow(len(old) + 128*len(touched))
	b.WriteString(head)
	entries := 0
	emit := func(entry []byte) {
		if entries > 0 {
			b.WriteByte(',')
		}
		entries++
		b.Write(entry)
	}
	var entry []byte
	encode := func(path string) bool {
		i := sort.Search(len(files), func(i int) bool { return files[i].Path >= path })
		if i == len(files) || files[i].Path != path || !files[i].Hashed {
			return true // no longer a hashed file's path
		}
		if !needsNoEscape(path) || !needsNoEscape(files[i].SRI) {
			return false
		}
		entry = append(append(append(append(append(entry[:0], '"'), path...), `":"`...), files[i].SRI...), '"')
		emit(entry)
		return true
	}
	t, i := 0, len(head)
	last := ""
	for i < len(old) && old[i] == '"' {
		keyEnd := bytes.IndexByte(old[i+1:], '"') + i + 1
		if keyEnd <= i || keyEnd+2 >= len(old) || old[keyEnd+1] != ':' || old[keyEnd+2] != '"' {
			return nil, false
		}
		valueEnd := bytes.IndexByte(old[keyEnd+3:], '"') + keyEnd + 3
		if valueEnd < keyEnd+3 {
			return nil, false
		}
		key := string(old[i+1 : keyEnd])
		if entries > 0 && key <= last {
			return nil, false // not sorted: not marshal's bytes
		}
		last = key
		for ; t < len(touched) && touched[t] < key; t++ {
			if !encode(touched[t]) {
				return nil, false
			}
		}
		if t < len(touched) && touched[t] == key {
			if !encode(touched[t]) {
				return nil, false
			}
			t++
		} else {
			emit(old[i : valueEnd+1])
		}
		i = valueEnd + 1
		if i < len(old) && old[i] == ',' {
			i++
		}
	}
	if i >= len(old) || old[i] != '}' {
		return nil, false
	}
	if tail := old[i:]; !bytes.HasPrefix(tail, []byte(`},"manifest":"`)) || !bytes.HasSuffix(tail, []byte("\"}\n")) {
		return nil, false
	}
	for ; t < len(touched); t++ {
		if !encode(touched[t]) {
			return nil, false
		}
	}
	if entries != hashed || hashed == 0 {
		return nil, false
	}
	b.WriteString(`},"manifest":"` + manifestMD5 + "\"}\n")
	return b.Bytes(), true
}
