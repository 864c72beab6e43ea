package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/xdna-worker/xdna-worker/internal/envconfig"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
)

// Limits of the gateway's inputs besides the uploaded file.
const (
	// MaxModelBytes is the longest model name, in a request and in
	// GATEWAY_MODELS.
	MaxModelBytes = 64
	// MaxLanguageBytes is the longest language a request may give.
	MaxLanguageBytes = 16
)

// ErrConfig is wrapped by every problem LoadConfig reports.
var ErrConfig = errors.New("gateway: invalid configuration")

// Config is the gateway's whole configuration, read from the environment.
// NATS and S3 are the worker's settings, under the same variables.
type Config struct {
	NATS queue.Config   // NATS_URL, NATS_*, JOBS_*, RESULTS_*
	S3   storage.Config // S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION, S3_USE_TLS, S3_TLS_CA

	// Addr is the address the HTTP server listens on.
	Addr string `env:"GATEWAY_ADDR" envDefault:":8000"`
	// AudioBucket receives uploads, as gateway/<job_id>; each is removed
	// once its job has a result.
	AudioBucket string `env:"GATEWAY_AUDIO_BUCKET" envDefault:"audio"`
	// MaxUploadBytes caps the uploaded file (OpenAI's 25 MiB by default);
	// a larger one is answered 413.
	MaxUploadBytes queue.Bytes `env:"GATEWAY_MAX_UPLOAD_BYTES" envDefault:"25MiB"`
	// Models are the model names requests may give; the first is the
	// default, which jobs leave to the worker (job.Model empty).
	Models []string `env:"GATEWAY_MODELS" envDefault:"whisper-1"`
	// APIKeys, when GATEWAY_API_KEYS_FILE names a file, are the keys a
	// request must present (one per line, optionally followed by a tenant
	// name; '#' starts a comment). Without a file, requests need no key.
	APIKeys APIKeys `env:"GATEWAY_API_KEYS_FILE,file"`
	// MaxConcurrentPerKey bounds the requests in flight per API key; one
	// more is answered 429.
	MaxConcurrentPerKey int `env:"GATEWAY_MAX_CONCURRENT_PER_KEY" envDefault:"4"`
	// MaxConcurrent bounds the transcription and translation requests in
	// flight in this gateway, whatever their key (each upload may hold a
	// 16 MiB part in memory); one more is answered 503.
	MaxConcurrent int `env:"GATEWAY_MAX_CONCURRENT" envDefault:"64"`
	// RequestTimeout bounds a request from its first byte to its answer;
	// then it is answered 504.
	RequestTimeout time.Duration `env:"GATEWAY_REQUEST_TIMEOUT" envDefault:"10m"`
	// Priority is the priority of the gateway's jobs: high by default,
	// since a client waits on each (GATEWAY_REQUEST_TIMEOUT) while batch
	// work can queue (docs/decisions.md).
	Priority job.Priority `env:"GATEWAY_PRIORITY" envDefault:"high"`

	LogLevel  slog.Level `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string     `env:"LOG_FORMAT" envDefault:"auto"`
}

// LoadConfig reads the configuration from environ (os.Environ() when nil)
// and validates it, reporting every problem at once, each wrapping
// ErrConfig.
func LoadConfig(environ map[string]string) (Config, error) {
	cfg, errs := envconfig.Parse[Config](environ)
	cfg.NATS.Name = "xdna-gateway"
	models := cfg.Models[:0]
	for _, m := range cfg.Models {
		if m = strings.TrimSpace(m); m != "" {
			models = append(models, m)
		}
	}
	cfg.Models = models
	errs = append(errs, cfg.Validate())
	for i, e := range errs {
		if e != nil && !errors.Is(e, ErrConfig) {
			errs[i] = fmt.Errorf("%w: %w", ErrConfig, e)
		}
	}
	return cfg, errors.Join(errs...)
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if err := c.NATS.WithDefaults().Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.S3.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.S3.Endpoint == "" || strings.Contains(c.S3.Endpoint, "://") {
		bad("S3_ENDPOINT %q must be host:port without a scheme (use S3_USE_TLS)", c.S3.Endpoint)
	}
	if c.Addr == "" {
		bad("GATEWAY_ADDR is empty")
	}
	if c.AudioBucket == "" || strings.ContainsAny(c.AudioBucket, "/ ") {
		bad("GATEWAY_AUDIO_BUCKET %q must be a bucket name", c.AudioBucket)
	}
	if c.MaxUploadBytes <= 0 {
		bad("GATEWAY_MAX_UPLOAD_BYTES %d must be positive", c.MaxUploadBytes)
	}
	if !c.Priority.Valid() {
		bad("GATEWAY_PRIORITY %.32q is not high, normal or low", string(c.Priority))
	}
	if len(c.Models) == 0 {
		bad("GATEWAY_MODELS is empty: it needs at least the default model's name")
	}
	seen := map[string]bool{}
	for _, m := range c.Models {
		if !validModel(m) {
			bad("GATEWAY_MODELS: %.80q must be 1–%d characters of [A-Za-z0-9._:-]", m, MaxModelBytes)
		}
		if seen[m] {
			bad("GATEWAY_MODELS names %q twice", m)
		}
		seen[m] = true
	}
	if c.MaxConcurrentPerKey < 1 {
		bad("GATEWAY_MAX_CONCURRENT_PER_KEY %d must be at least 1", c.MaxConcurrentPerKey)
	}
	if c.MaxConcurrent < 1 {
		bad("GATEWAY_MAX_CONCURRENT %d must be at least 1", c.MaxConcurrent)
	}
	if c.RequestTimeout <= 0 {
		bad("GATEWAY_REQUEST_TIMEOUT %v must be positive", c.RequestTimeout)
	}
	return errors.Join(errs...)
}

// validModel reports whether name may be a model name.
func validModel(name string) bool {
	if name == "" || len(name) > MaxModelBytes {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)) {
			return false
		}
	}
	return true
}

// LogValue renders c for logs without secrets: no S3 secret key, no NATS
// password or token, and only the number of API keys.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("nats", c.NATS),
		slog.String("s3_endpoint", c.S3.Endpoint),
		slog.Bool("s3_tls", c.S3.UseTLS),
		slog.String("addr", c.Addr),
		slog.String("audio_bucket", c.AudioBucket),
		slog.Int64("max_upload_bytes", int64(c.MaxUploadBytes)),
		slog.Any("models", c.Models),
		slog.Int("api_keys", c.APIKeys.Len()),
		slog.Int("max_concurrent_per_key", c.MaxConcurrentPerKey),
		slog.Int("max_concurrent", c.MaxConcurrent),
		slog.Duration("request_timeout", c.RequestTimeout),
	)
}
