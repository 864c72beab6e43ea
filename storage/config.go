package storage

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// Config locates and authenticates an S3-compatible endpoint. The env tags
// name the environment variables the binaries read it from.
type Config struct {
	// Endpoint is the host:port of the S3 API, for example "minio:9000" or
	// "s3.eu-central-1.amazonaws.com". A leading "http://" or "https://" is
	// accepted and then decides TLS, overriding UseTLS.
	Endpoint string `env:"S3_ENDPOINT" envDefault:"127.0.0.1:9000"`
	// AccessKey and SecretKey are static credentials. Both empty means
	// anonymous requests.
	AccessKey string `env:"S3_ACCESS_KEY"`
	SecretKey string `env:"S3_SECRET_KEY"`
	// Region is the bucket region. Empty lets the client discover it per
	// bucket (one extra, cached, GetBucketLocation request); MinIO's default
	// is "us-east-1".
	Region string `env:"S3_REGION" envDefault:"us-east-1"`
	// UseTLS selects https.
	UseTLS bool `env:"S3_USE_TLS" envDefault:"false"`
	// TLSCA is the path of a PEM file of CA certificates trusted for the
	// endpoint's certificate, in addition to the system's (or, in an image
	// without any, the roots built into the binary). For a private CA, such
	// as one a cluster's MinIO certificates come from. It needs TLS.
	TLSCA string `env:"S3_TLS_CA"`
	// MaxRetries is how many times the client tries one request that fails
	// with a retryable error before giving up and reporting a transient
	// error. Zero means DefaultMaxRetries; 1 disables retries. The job queue
	// retries with backoff anyway, so this only smooths short blips.
	MaxRetries int `env:"S3_MAX_RETRIES"`
	// StallTimeout bounds how long the body of an object being fetched may
	// deliver nothing: a read that waits longer aborts the fetch with a
	// transient error (the job is retried), instead of holding the job's
	// slot until JOB_TIMEOUT. A slow but steady body is not a stall. Zero
	// means DefaultStallTimeout.
	StallTimeout time.Duration `env:"S3_STALL_TIMEOUT" envDefault:"60s"`
}

// DefaultMaxRetries is the number of attempts per request when
// Config.MaxRetries is zero. With minio-go's backoff (200 ms doubling, capped
// at 1 s, jittered) an unreachable server is reported within about a second.
const DefaultMaxRetries = 3

// DefaultStallTimeout is the stall timeout when Config.StallTimeout is
// zero: far longer than any pause of a healthy server or network, far
// shorter than a job's timeout.
const DefaultStallTimeout = 60 * time.Second

// Validate checks the settings New would otherwise refuse or silently
// ignore, naming their environment variables: S3_STALL_TIMEOUT must not be
// negative, and S3_TLS_CA must be a readable PEM file of certificates and
// go with TLS. (The endpoint's form is checked by New, and more strictly by
// the worker's own configuration.)
func (c Config) Validate() error {
	var errs []error
	if c.StallTimeout < 0 {
		errs = append(errs, fmt.Errorf("S3_STALL_TIMEOUT %v must not be negative", c.StallTimeout))
	}
	if c.MaxRetries < 0 {
		errs = append(errs, fmt.Errorf("S3_MAX_RETRIES %d must not be negative", c.MaxRetries))
	}
	if c.TLSCA != "" {
		if _, secure, err := parseEndpoint(c); err == nil && !secure {
			errs = append(errs, errors.New("S3_TLS_CA is set but S3 is reached over plain http: set S3_USE_TLS=true"))
		}
		if _, err := loadCA(c.TLSCA); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Warnings returns what an operator should be told at start-up about this
// configuration: signed requests (carrying the access key) and the audio
// itself travelling unencrypted to a host other than this one. Loopback
// endpoints and anonymous access do not warrant a warning. The secret key
// is never part of a warning.
func (c Config) Warnings() []string {
	endpoint, secure, err := parseEndpoint(c)
	if err != nil || secure || (c.AccessKey == "" && c.SecretKey == "") || isLoopback(endpoint) {
		return nil
	}
	return []string{fmt.Sprintf("S3 requests with the worker's access key and signatures, and the audio and transcripts, travel unencrypted over plain http to %s: "+
		"anyone on the network path can read them; set S3_USE_TLS=true (with S3_TLS_CA for a private CA)", endpoint)}
}

// isLoopback reports whether a host[:port] is this machine: localhost or a
// loopback address.
func isLoopback(endpoint string) bool {
	host := endpoint
	if h, _, err := net.SplitHostPort(endpoint); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadCA returns the system's roots plus the certificates of the PEM file
// path.
func loadCA(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("S3_TLS_CA: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("S3_TLS_CA %s holds no PEM certificate", path)
	}
	return pool, nil
}
