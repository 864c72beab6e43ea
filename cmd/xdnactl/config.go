package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
)

// config is xdnactl's configuration: the worker's connection settings,
// read from the same environment variables, overridden by flags.
type config struct {
	NATSURL      string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	NATSCreds    string `env:"NATS_CREDS"`
	NATSUser     string `env:"NATS_USER"`
	NATSPassword string `env:"NATS_PASSWORD"`
	NATSToken    string `env:"NATS_TOKEN"`
	NATSTLSCA    string `env:"NATS_TLS_CA"`

	JobsStream           string        `env:"JOBS_STREAM" envDefault:"JOBS"`
	JobsSubject          string        `env:"JOBS_SUBJECT" envDefault:"transcribe.jobs"`
	ResultsStream        string        `env:"RESULTS_STREAM" envDefault:"RESULTS"`
	ResultsSubjectPrefix string        `env:"RESULTS_SUBJECT_PREFIX" envDefault:"transcribe.results"`
	DLQStream            string        `env:"DLQ_STREAM" envDefault:"DLQ"`
	DLQSubject           string        `env:"DLQ_SUBJECT" envDefault:"transcribe.dlq"`
	Consumer             string        `env:"CONSUMER" envDefault:"xdna-workers"`
	AckWait              time.Duration `env:"ACK_WAIT" envDefault:"60s"`
	MaxDeliver           int           `env:"MAX_DELIVER" envDefault:"5"`

	S3Endpoint  string `env:"S3_ENDPOINT" envDefault:"127.0.0.1:9000"`
	S3AccessKey string `env:"S3_ACCESS_KEY"`
	S3SecretKey string `env:"S3_SECRET_KEY"`
	S3Region    string `env:"S3_REGION" envDefault:"us-east-1"`
	S3UseTLS    bool   `env:"S3_USE_TLS" envDefault:"false"`
	Bucket      string `env:"XDNACTL_BUCKET" envDefault:"audio"`
}

func loadConfig() (config, error) {
	c, err := env.ParseAs[config]()
	if err != nil {
		return c, err
	}
	return c, nil
}

// flags registers the connection flags that override the environment.
func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "NATS server URL (NATS_URL)")
	fs.StringVar(&c.S3Endpoint, "s3-endpoint", c.S3Endpoint, "S3 endpoint host:port (S3_ENDPOINT)")
	fs.StringVar(&c.S3AccessKey, "s3-access-key", c.S3AccessKey, "S3 access key (S3_ACCESS_KEY)")
	fs.StringVar(&c.S3SecretKey, "s3-secret-key", c.S3SecretKey, "S3 secret key (S3_SECRET_KEY)")
	fs.StringVar(&c.Bucket, "bucket", c.Bucket, "bucket for uploaded audio (XDNACTL_BUCKET)")
}

func (c *config) validate() error {
	var errs []error
	if c.NATSURL == "" {
		errs = append(errs, errors.New("NATS_URL / --nats-url is required"))
	}
	if c.S3Endpoint == "" || strings.Contains(c.S3Endpoint, "://") {
		errs = append(errs, fmt.Errorf("S3_ENDPOINT %q must be host:port", c.S3Endpoint))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("--bucket must not be empty"))
	}
	return errors.Join(errs...)
}

func (c *config) queue() queue.Config {
	return queue.Config{
		URL: c.NATSURL, Creds: c.NATSCreds, User: c.NATSUser, Password: c.NATSPassword,
		Token: c.NATSToken, TLSCA: c.NATSTLSCA, Name: "xdnactl",
		JobsStream: c.JobsStream, JobsSubject: c.JobsSubject,
		ResultsStream: c.ResultsStream, ResultsSubjectPrefix: c.ResultsSubjectPrefix,
		DLQStream: c.DLQStream, DLQSubject: c.DLQSubject, Consumer: c.Consumer,
		AckWait: c.AckWait, MaxDeliver: c.MaxDeliver,
	}.WithDefaults()
}

func (c *config) storage() storage.Config {
	return storage.Config{Endpoint: c.S3Endpoint, AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey, Region: c.S3Region, UseTLS: c.S3UseTLS}
}
