package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/caarlos0/env/v11"

	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
)

// config is xdnactl's configuration: the worker's connection settings, read
// from the same environment variables, overridden by flags.
type config struct {
	NATS   queue.Config   // NATS_URL, NATS_*, JOBS_*, RESULTS_*, DLQ_*, ...
	S3     storage.Config // S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, ...
	Bucket string         `env:"XDNACTL_BUCKET" envDefault:"audio"`
}

func loadConfig() (config, error) { return env.ParseAs[config]() }

// flags registers the connection flags that override the environment.
func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.NATS.URL, "nats-url", c.NATS.URL, "NATS server URL (NATS_URL)")
	fs.StringVar(&c.S3.Endpoint, "s3-endpoint", c.S3.Endpoint, "S3 endpoint host:port (S3_ENDPOINT)")
	fs.StringVar(&c.S3.AccessKey, "s3-access-key", c.S3.AccessKey, "S3 access key (S3_ACCESS_KEY)")
	fs.StringVar(&c.S3.SecretKey, "s3-secret-key", c.S3.SecretKey, "S3 secret key (S3_SECRET_KEY)")
	fs.StringVar(&c.Bucket, "bucket", c.Bucket, "bucket for uploaded audio (XDNACTL_BUCKET)")
}

func (c *config) validate() error {
	var errs []error
	if c.NATS.URL == "" {
		errs = append(errs, errors.New("NATS_URL / --nats-url is required"))
	}
	if c.S3.Endpoint == "" || strings.Contains(c.S3.Endpoint, "://") {
		errs = append(errs, fmt.Errorf("S3_ENDPOINT %q must be host:port", c.S3.Endpoint))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("--bucket must not be empty"))
	}
	return errors.Join(errs...)
}

func (c *config) queue() queue.Config {
	q := c.NATS
	q.Name = "xdnactl"
	return q.WithDefaults()
}

func (c *config) storage() storage.Config { return c.S3 }
