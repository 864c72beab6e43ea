package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/xdna-worker/xdna-worker/internal/envconfig"
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

// connFlags are the connection flags of the commands that talk to the
// fleet; each overrides its environment variable when given.
type connFlags struct {
	NATSURL     *string `name:"nats-url" placeholder:"URL" help:"NATS server URL (default $NATS_URL, else nats://127.0.0.1:4222)."`
	S3Endpoint  *string `name:"s3-endpoint" placeholder:"HOST:PORT" help:"S3 endpoint (default $S3_ENDPOINT, else 127.0.0.1:9000)."`
	S3AccessKey *string `name:"s3-access-key" placeholder:"KEY" help:"S3 access key (default $S3_ACCESS_KEY)."`
	S3SecretKey *string `name:"s3-secret-key" placeholder:"SECRET" help:"S3 secret key (default $S3_SECRET_KEY)."`
	Bucket      *string `name:"bucket" placeholder:"BUCKET" help:"Bucket for uploaded audio (default $XDNACTL_BUCKET, else audio)."`
}

// config reads the environment, applies the flags given and validates the
// result; problems are usage errors (exit status 2).
func (f *connFlags) config() (*config, error) {
	cfg, errs := envconfig.Parse[config](nil)
	if len(errs) > 0 {
		return nil, usageError{fmt.Errorf("configuration: %w", errors.Join(errs...))}
	}
	for _, o := range []struct {
		flag *string
		dst  *string
	}{{f.NATSURL, &cfg.NATS.URL}, {f.S3Endpoint, &cfg.S3.Endpoint}, {f.S3AccessKey, &cfg.S3.AccessKey}, {f.S3SecretKey, &cfg.S3.SecretKey}, {f.Bucket, &cfg.Bucket}} {
		if o.flag != nil {
			*o.dst = *o.flag
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, usageError{err}
	}
	return &cfg, nil
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
