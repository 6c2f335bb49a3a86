package publish

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// ClientOptions says how to reach an S3-compatible service. Everything left
// empty comes from the standard AWS chain: environment (AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_S3…), the shared config and
// credentials files (AWS_PROFILE), then instance and web-identity roles.
type ClientOptions struct {
	// Endpoint is the service's URL, for S3-compatible services (R2, B2,
	// MinIO, SeaweedFS, GCS interoperability); "" means AWS S3 (or
	// AWS_ENDPOINT_URL_S3).
	Endpoint string
	// Region; "" takes the configured one, or us-east-1 when none is
	// (S3-compatible services mostly ignore it, but signatures need one).
	Region string
	// Profile names a shared-config profile; "" means AWS_PROFILE or default.
	Profile string
	// PathStyle addresses buckets as ENDPOINT/BUCKET/KEY instead of
	// BUCKET.ENDPOINT/KEY: what MinIO, SeaweedFS and most self-hosted
	// services need.
	PathStyle bool
	// MaxAttempts is how often a request is tried before it fails (the
	// SDK's standard retryer: exponential backoff with jitter, for
	// throttling, 5xx and connection errors); 0 means 5.
	MaxAttempts int
	// Credentials, when set, replace the chain (tests use static keys).
	Credentials aws.CredentialsProvider
}

// Client is an S3 client that counts the HTTP requests it makes, retries
// included: what a publish costs is reported, and a test can show that a
// publish with nothing to do makes a fixed number of them.
type Client struct {
	S3       *s3.Client
	requests atomic.Int64
}

// Requests is the number of HTTP requests made so far.
func (c *Client) Requests() int64 { return c.requests.Load() }

// countAttempts is a middleware after the retryer and the signer: it sees
// each HTTP request, every retry included.
func (c *Client) countAttempts(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("assetcCountRequests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.requests.Add(1)
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// NewClient makes a Client from the AWS configuration chain and opts.
func NewClient(ctx context.Context, opts ClientOptions) (*Client, error) {
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	c := &Client{}
	load := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			// Uploads run in parallel: keep a connection per worker
			// instead of opening one per request.
			tr.MaxIdleConnsPerHost = 128
		})),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.MaxBackoff = 10 * time.Second
				// The default token bucket stops retrying after a burst of
				// failures; a publish of thousands of files in parallel
				// would give up on a transient outage it should ride out.
				o.RateLimiter = ratelimit.None
			})
		}),
		// Checksums only where S3 requires them: the trailing CRC the SDK
		// adds by default is not understood by every S3-compatible service.
		// Each upload carries Content-MD5 instead, which all of them check.
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("cannot load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c.S3 = s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.UsePathStyle = opts.PathStyle
		o.APIOptions = append(o.APIOptions, c.countAttempts)
	})
	return c, nil
}
