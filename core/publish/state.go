package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/assetc/assetc/core"
)

// stateDir holds the publisher's own records under the prefix, as
// core/writer's .assetc does in a directory.
const stateDir = ".assetc/"

// Names of the records in stateDir.
const (
	indexName   = stateDir + "index.json"
	pendingName = stateDir + "pending.json"
	releasesDir = stateDir + "releases/"
)

// index is what the publisher knows the bucket holds, so that a publish
// with nothing to do reads one object instead of asking about each key: a
// cache of the bucket's listing. Invalidated: --verify rebuilds it from a
// listing (TestVerifyFindsWhatTheIndexMisses), and so does a publish after
// one was stopped (pendingName) or when it is missing or damaged; it can
// only be wrong when something else changes the prefix (a lifecycle rule, a
// manual delete). Bounded: one entry per key under the prefix, since it is
// rewritten at the end of every publish and forgets what Clean deletes
// (TestCleanKeepsRecentReleases republishes what clean removed).
type index struct {
	Version int `json:"version"`
	// Objects maps each key (relative to the prefix) to the MD5 of its
	// bytes; "" when a listing showed the key but not its MD5 (an ETag of
	// a multipart or KMS-encrypted upload).
	Objects map[string]string `json:"objects"`
	// Variants maps each precompressed variant's key to the compress.Key
	// of what it was made from. A key that Objects lacks was not worth
	// keeping (WhiteNoise's 95% rule): it is not compressed again.
	Variants map[string]string `json:"variants"`
}

// pendingRecord is written before a publish uploads anything and deleted
// once its index is saved: if it is there when a publish starts, the last
// one stopped part way, and the index does not list what it uploaded.
type pendingRecord struct {
	Started string `json:"started"`
	// Manifest is the MD5 of the staticfiles.json the publish commits:
	// when the bucket's has it, the publish got past its commit point.
	Manifest string `json:"manifest"`
	// Release is the key of the release record it writes before its
	// manifest; "" when the manifest does not change.
	Release string `json:"release,omitempty"`
}

// readPending reads the pending record of a publish that is running or was
// stopped; nil when there is none. A damaged one still says a publish
// stopped.
func (s store) readPending(ctx context.Context) (*pendingRecord, error) {
	data, ok, err := s.get(ctx, pendingName)
	if err != nil || !ok {
		return nil, err
	}
	var p pendingRecord
	_ = json.Unmarshal(data, &p)
	return &p, nil
}

// releaseRecord lists the hashed keys of one release, so that clean keeps
// those of the last few (rolling deploys: pages rendered by the previous
// release still load them) like the directory writer's build records.
type releaseRecord struct {
	Time     string   `json:"time"`
	Manifest string   `json:"manifest"`
	Files    []string `json:"files"`
}

// store is one bucket and prefix.
type store struct {
	client *Client
	bucket string
	prefix string
}

func (s store) key(rel string) string { return s.prefix + rel }

// fail says what failed on which key, and what to do about the usual
// causes: a bucket that does not exist, refused or missing credentials.
func (s store) fail(verb, key string, err error) error {
	hint := ""
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchBucket":
			hint = fmt.Sprintf(" (bucket %q does not exist: create it, or check --endpoint and --region)", s.bucket)
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden":
			hint = " (the credentials are refused: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile, or the role's permissions on the bucket)"
		}
	}
	if hint == "" && strings.Contains(err.Error(), "failed to retrieve credentials") {
		hint = " (no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --profile, or run with an instance or web-identity role)"
	}
	return fmt.Errorf("cannot %s s3://%s/%s%s: %w", verb, s.bucket, key, hint, err)
}

// notFound reports whether err is S3's answer for a missing key.
func notFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound")
}

// get reads an object; ok is false when it does not exist.
func (s store) get(ctx context.Context, rel string) (data []byte, ok bool, err error) {
	out, err := s.client.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(rel))})
	if notFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.fail("read", s.key(rel), err)
	}
	defer out.Body.Close()
	data, err = io.ReadAll(out.Body)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read s3://%s/%s: %w", s.bucket, s.key(rel), err)
	}
	return data, true, nil
}

// exists asks whether one key exists.
func (s store) exists(ctx context.Context, rel string) (bool, error) {
	_, err := s.client.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(rel))})
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("read", s.key(rel), err)
	}
	return true, nil
}

// object is one upload: bytes and the headers they are served with.
type object struct {
	rel             string
	data            []byte
	md5             string
	contentType     string
	cacheControl    string
	contentEncoding string
}

// put uploads one object with Content-MD5, so the service rejects bytes
// damaged on the way (RFC 1864).
func (s store) put(ctx context.Context, o object) error {
	in := &s3.PutObjectInput{
		Bucket: &s.bucket, Key: aws.String(s.key(o.rel)), Body: bytes.NewReader(o.data),
		ContentLength: aws.Int64(int64(len(o.data))), ContentMD5: aws.String(md5Base64(o.data)),
		ContentType: aws.String(o.contentType), CacheControl: aws.String(o.cacheControl),
	}
	if o.contentEncoding != "" {
		in.ContentEncoding = aws.String(o.contentEncoding)
	}
	if _, err := s.client.S3.PutObject(ctx, in); err != nil {
		return s.fail("upload", s.key(o.rel), err)
	}
	return nil
}

// putJSON uploads one of the publisher's records.
func (s store) putJSON(ctx context.Context, rel string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.put(ctx, object{rel: rel, data: data, contentType: "application/json", cacheControl: "no-store"})
}

// remove deletes keys, up to 1000 a request (the DeleteObjects limit).
func (s store) remove(ctx context.Context, rels []string) error {
	for start := 0; start < len(rels); start += 1000 {
		batch := rels[start:min(start+1000, len(rels))]
		ids := make([]types.ObjectIdentifier, len(batch))
		for i, rel := range batch {
			ids[i] = types.ObjectIdentifier{Key: aws.String(s.key(rel))}
		}
		out, err := s.client.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &s.bucket, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return s.fail("delete from", s.prefix, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("cannot delete s3://%s/%s: %s", s.bucket, aws.ToString(e.Key), aws.ToString(e.Message))
		}
	}
	return nil
}

// listed is one key of a listing.
type listed struct {
	etag     string // the MD5 in hex when the ETag is one
	modified time.Time
	size     int64
}

// list returns every key under the prefix and below (relative to it),
// 1000 a request.
func (s store) list(ctx context.Context, under string) (map[string]listed, error) {
	keys := map[string]listed{}
	pages := s3.NewListObjectsV2Paginator(s.client.S3, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.key(under))})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list", s.key(under), err)
		}
		for _, o := range page.Contents {
			rel := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			keys[rel] = listed{etag: plainMD5(aws.ToString(o.ETag)), modified: aws.ToTime(o.LastModified), size: aws.ToInt64(o.Size)}
		}
	}
	return keys, nil
}

// plainMD5 is the MD5 an ETag states, or "": a single-part upload without
// KMS encryption has its MD5 as ETag; others have a "-" or another value.
func plainMD5(etag string) string {
	etag = strings.Trim(etag, `"`)
	if len(etag) != 32 || strings.Trim(strings.ToLower(etag), "0123456789abcdef") != "" {
		return ""
	}
	return strings.ToLower(etag)
}

// readIndex reads the index; a missing or damaged one is empty (it costs a
// listing, never a wrong answer: the caller lists when it is not found).
func (s store) readIndex(ctx context.Context) (idx *index, found bool, err error) {
	idx = &index{Version: 1, Objects: map[string]string{}, Variants: map[string]string{}}
	data, ok, err := s.get(ctx, indexName)
	if err != nil || !ok {
		return idx, false, err
	}
	var stored index
	if json.Unmarshal(data, &stored) != nil || stored.Version != 1 || stored.Objects == nil {
		return idx, false, nil
	}
	if stored.Variants == nil {
		stored.Variants = map[string]string{}
	}
	return &stored, true, nil
}

// verified is the index corrected by a listing: a key that is not there is
// dropped, a key that is there and unknown is added with the MD5 of its
// ETag, and a key whose ETag disagrees with the index takes the ETag's.
func verified(idx *index, keys map[string]listed) *index {
	out := &index{Version: 1, Objects: map[string]string{}, Variants: map[string]string{}}
	for rel, l := range keys {
		if strings.HasPrefix(rel, stateDir) {
			continue
		}
		sum, known := idx.Objects[rel]
		if !known || (l.etag != "" && l.etag != sum) {
			sum = l.etag
		}
		out.Objects[rel] = sum
	}
	for rel, from := range idx.Variants {
		_, present := out.Objects[rel]
		_, wasPresent := idx.Objects[rel]
		// A variant still there, or one that was never kept: what it was
		// made from is still known.
		if present == wasPresent && (!present || out.Objects[rel] == idx.Objects[rel]) {
			out.Variants[rel] = from
		}
	}
	return out
}

// readReleases reads every release record, oldest first, each named by
// its key.
func (s store) readReleases(ctx context.Context) ([]core.Release, error) {
	keys, err := s.list(ctx, releasesDir)
	if err != nil {
		return nil, err
	}
	var releases []core.Release
	for rel := range keys {
		if !strings.HasSuffix(rel, ".json") {
			continue
		}
		data, ok, err := s.get(ctx, rel)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // removed by a clean since the listing
		}
		var r releaseRecord
		if err := json.Unmarshal(data, &r); err != nil {
			// Guessing what a damaged record listed could delete a live key.
			return nil, fmt.Errorf("release record s3://%s/%s is damaged (%v): delete it to clean", s.bucket, s.key(rel), err)
		}
		releases = append(releases, core.Release{Name: rel, Files: r.Files})
	}
	sort.Slice(releases, func(i, j int) bool { return core.OlderRelease(releases[i].Name, releases[j].Name) })
	return releases, nil
}
