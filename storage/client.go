package storage

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/xdna-worker/xdna-worker/job"
)

// Transport timeouts. Dial and response-header timeouts bound how long a dead
// or wedged server can hold a job; a body transfer has no overall timeout,
// because audio objects can be large, but one that stops delivering is cut
// by Config.StallTimeout (see Fetch).
const (
	dialTimeout           = 5 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 30 * time.Second
	idleConnTimeout       = 90 * time.Second
)

// Client is a handle on one S3-compatible endpoint. It is safe for concurrent
// use.
type Client struct {
	mc        *minio.Client
	transport *http.Transport
	endpoint  string
	region    string
	stall     time.Duration
}

// New returns a Client for cfg. It does not contact the server; use Ping for
// that. With TLS, the server's certificate is checked against the system's
// roots plus those of cfg.TLSCA; New fails if that file cannot be used (see
// Config.Validate).
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	_, secure, err := parseEndpoint(cfg)
	if err != nil {
		return nil, err
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("storage: transport: %w", err)
	}
	tr.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = tlsHandshakeTimeout
	tr.ResponseHeaderTimeout = responseHeaderTimeout
	tr.IdleConnTimeout = idleConnTimeout
	if cfg.TLSCA != "" {
		roots, err := loadCA(cfg.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
		tr.TLSClientConfig.RootCAs = roots
	}
	return newClient(cfg, tr)
}

// newClient builds a Client on top of rt. Tests use it to observe traffic.
func newClient(cfg Config, rt http.RoundTripper) (*Client, error) {
	endpoint, secure, err := parseEndpoint(cfg)
	if err != nil {
		return nil, err
	}
	retries := cfg.MaxRetries
	if retries <= 0 {
		retries = DefaultMaxRetries
	}
	mc, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		Transport:    rt,
		BucketLookup: minio.BucketLookupAuto,
		MaxRetries:   retries,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: endpoint %q: %w", cfg.Endpoint, err)
	}
	tr, _ := rt.(*http.Transport)
	stall := cfg.StallTimeout
	if stall <= 0 {
		stall = DefaultStallTimeout
	}
	return &Client{mc: mc, transport: tr, endpoint: endpoint, region: cfg.Region, stall: stall}, nil
}

// parseEndpoint splits an optional URL scheme off cfg.Endpoint.
func parseEndpoint(cfg Config) (endpoint string, secure bool, err error) {
	endpoint, secure = cfg.Endpoint, cfg.UseTLS
	switch {
	case strings.HasPrefix(endpoint, "https://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "https://"), true
	case strings.HasPrefix(endpoint, "http://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "http://"), false
	}
	endpoint = strings.TrimSuffix(endpoint, "/")
	if endpoint == "" {
		return "", false, errors.New("storage: endpoint is required")
	}
	if strings.Contains(endpoint, "/") {
		return "", false, fmt.Errorf("storage: endpoint %q must be host[:port] without a path", cfg.Endpoint)
	}
	return endpoint, secure, nil
}

// Endpoint returns the host:port the client talks to.
func (c *Client) Endpoint() string { return c.endpoint }

// Close releases the client's idle connections. The client stays usable;
// Close exists so that tests and shutdown leave no connection goroutines
// behind.
func (c *Client) Close() error {
	if c.transport != nil {
		c.transport.CloseIdleConnections()
	}
	return nil
}

// Ping is a cheap readiness check: one ListBuckets request. It succeeds when
// the endpoint answers and accepts the client's credentials. An AccessDenied
// answer also counts as ready: the server has then validated the signature
// (bad keys yield InvalidAccessKeyId or SignatureDoesNotMatch) and the
// credentials merely lack s3:ListAllMyBuckets, which a least-privilege worker
// does not need.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.mc.ListBuckets(ctx)
	if err == nil || s3Code(err) == codeAccessDenied {
		return nil
	}
	return c.fail(ctx, "ping", "", classify(err, job.CodeInternal))
}

// EnsureBucket creates bucket unless it exists already. It is idempotent and
// safe to race with other workers creating the same bucket.
//
// Credentials that may neither inspect (s3:ListBucket) nor create the bucket
// cannot tell whether it exists; EnsureBucket then returns nil and leaves it
// to Put to report a missing bucket or a denied write.
func (c *Client) EnsureBucket(ctx context.Context, bucket string) error {
	const op = "ensure bucket"
	what := "s3://" + bucket
	if err := validateBucket(bucket); err != nil {
		return c.fail(ctx, op, "", err) // the error quotes the name
	}
	exists, err := c.mc.BucketExists(ctx, bucket)
	if err == nil && exists {
		return nil
	}
	denied := s3Code(err) == codeAccessDenied
	if err != nil && !denied {
		return c.fail(ctx, op, what, classify(err, job.CodeInvalidJob))
	}

	err = c.mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: c.region})
	switch code := s3Code(err); {
	case err == nil:
		return nil
	case code == "BucketAlreadyOwnedByYou":
		return nil // lost a creation race to another worker
	case code == "BucketAlreadyExists":
		// Some servers say this for their own buckets too; AWS says it
		// for a name owned by another account. Fine only if it is usable.
		if exists, err2 := c.mc.BucketExists(ctx, bucket); err2 == nil && exists {
			return nil
		}
	case code == codeAccessDenied && denied:
		return nil // see the doc comment
	}
	return c.fail(ctx, op, what, classify(err, job.CodeInvalidJob))
}

// fail wraps an already classified error with the operation and the object it
// concerned. If the caller's context has ended, the result wraps the
// context's error and nothing else (the underlying error is kept as text
// only): whatever minio-go saw after a cancellation, such as a connection torn
// down, is a consequence of it and must not make the error look transient or
// permanent.
func (c *Client) fail(ctx context.Context, op, what string, err error) error {
	if what != "" {
		op += " " + what
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(err, ctxErr) && !job.IsTransient(err) && !isJobError(err) {
			return fmt.Errorf("storage: %s: %w", op, err)
		}
		return fmt.Errorf("storage: %s: %w (%v)", op, ctxErr, err)
	}
	return fmt.Errorf("storage: %s: %w", op, err)
}
