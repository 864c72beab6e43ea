package storage

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
	// MaxRetries is how many times the client tries one request that fails
	// with a retryable error before giving up and reporting a transient
	// error. Zero means DefaultMaxRetries; 1 disables retries. The job queue
	// retries with backoff anyway, so this only smooths short blips.
	MaxRetries int `env:"S3_MAX_RETRIES"`
}

// DefaultMaxRetries is the number of attempts per request when
// Config.MaxRetries is zero. With minio-go's backoff (200 ms doubling, capped
// at 1 s, jittered) an unreachable server is reported within about a second.
const DefaultMaxRetries = 3
