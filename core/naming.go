package core

import (
	"crypto/md5"
	"encoding/hex"
	"path"
	"strings"
)

// ContentHash is Django's file_hash: the first 12 lowercase hex digits of the
// MD5 of the bytes.
func ContentHash(content []byte) string {
	sum := md5.Sum(content)
	return hex.EncodeToString(sum[:])[:12]
}

// HashedName inserts a content hash into a logical path the way Django's
// HashedFilesMixin.hashed_name does: before the last extension of the
// basename, as Python's os.path.splitext splits it.
//
//	css/a.css       -> css/a.<hash>.css
//	archive.tar.gz  -> archive.tar.<hash>.gz
//	noext           -> noext.<hash>
//	.htaccess       -> .htaccess.<hash>   (leading dots are not an extension)
//	dir.v1/file     -> dir.v1/file.<hash>
func HashedName(logical, hash string) string {
	dir, base := path.Split(logical)
	root, ext := splitExt(base)
	return dir + root + "." + hash + ext
}

// splitExt is Python's os.path.splitext on a basename: the extension starts
// at the last dot, unless every dot before it is a leading dot.
func splitExt(base string) (root, ext string) {
	dot := strings.LastIndexByte(base, '.')
	if dot <= 0 {
		return base, ""
	}
	if strings.TrimLeft(base[:dot], ".") == "" {
		return base, ""
	}
	return base[:dot], base[dot:]
}

// isAdjustable reports whether Django would rewrite references inside the
// file: its patterns are "*.css" and "*.js", matched case-sensitively, so
// "A.CSS" is hashed but never rewritten. ".mjs" joins them when ES module
// rewriting is on (Django never rewrites .mjs, which is simply a miss).
func isAdjustable(logical string, jsModules bool) (css, js bool) {
	switch {
	case strings.HasSuffix(logical, ".css"):
		return true, false
	case strings.HasSuffix(logical, ".js"):
		return false, true
	case jsModules && strings.HasSuffix(logical, ".mjs"):
		return false, true
	}
	return false, false
}
