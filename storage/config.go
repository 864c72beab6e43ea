package storage

// Config locates and authenticates an S3-compatible endpoint.
type Config struct {
	// Endpoint is the host:port of the S3 API, for example "minio:9000" or
	// "s3.eu-central-1.amazonaws.com". A leading "http://" or "https://" is
	// accepted and then decides TLS, overriding UseTLS.
	Endpoint string
	// AccessKey and SecretKey are static credentials. Both empty means
	// anonymous requests.
	AccessKey string
	SecretKey string
	// Region is the bucket region. Empty lets the client discover it per
	// bucket (one extra, cached, GetBucketLocation request); MinIO's default
	// is "us-east-1".
	Region string
	// UseTLS selects https.
	UseTLS bool
	// MaxRetries is how many times the client tries one request that fails
	// with a retryable error before giving up and reporting a transient
	// error. Zero means DefaultMaxRetries; 1 disables retries. The job queue
	// retries with backoff anyway, so this only smooths short blips.
	MaxRetries int
}

// DefaultMaxRetries is the number of attempts per request when
// Config.MaxRetries is zero. With minio-go's backoff (200 ms doubling, capped
// at 1 s, jittered) an unreachable server is reported within about a second.
const DefaultMaxRetries = 3
