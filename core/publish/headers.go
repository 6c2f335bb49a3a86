package publish

// Cache-Control of each kind of object.
const (
	// HashedCacheControl is for keys whose name is their content: a year,
	// the longest RFC 9111 §5.2.2.1 advises, and immutable (RFC 8246) so
	// browsers do not revalidate on reload.
	HashedCacheControl = "public, max-age=31536000, immutable"
	// DefaultUnhashedCacheControl is for the unhashed copies, which change
	// in place from one release to the next: a CDN may keep them a minute.
	DefaultUnhashedCacheControl = "public, max-age=60"
	// metadataCacheControl is for staticfiles.json and the sidecar, which
	// must be current the moment a release is published.
	metadataCacheControl = "no-cache"
)
