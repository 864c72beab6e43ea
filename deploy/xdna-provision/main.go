// Command xdna-provision creates or updates the worker fleet's JetStream
// streams and durable consumers (JOBS, RESULTS, DLQ, JOBS_EXHAUSTED and,
// with UPLOADS_ENABLED, UPLOADS) and exits. It is the provisioning step for
// workers that run with PROVISION=false as the least-privileged NATS user of
// deploy/nats/nats-server.conf: run it once, as a user allowed to manage
// streams (admin there), with the workers' queue settings.
//
// It reads the same environment variables as the worker (NATS_URL, NATS_USER,
// NATS_PASSWORD, NATS_CREDS, NATS_TLS_*, JOBS_STREAM, RESULTS_*, DLQ_*,
// CONSUMER, ACK_WAIT, MAX_DELIVER, UPLOADS_*, ...) and exits 0 once every
// stream and consumer matches them, 1 on an error and 2 on a configuration
// error. Compose runs it as the one-shot service `provision`.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/internal/envconfig"
	"github.com/xdna-worker/xdna-worker/queue"
)

// config is the part of the worker's configuration provisioning needs.
type config struct {
	NATS    queue.Config
	Uploads queue.UploadsConfig
	// Timeout bounds the whole run, connecting included.
	Timeout time.Duration `env:"PROVISION_TIMEOUT" envDefault:"60s"`
}

func loadConfig(environ map[string]string) (config, error) {
	c, errs := envconfig.Parse[config](environ)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	c.NATS = c.NATS.WithDefaults()
	c.Uploads = c.Uploads.WithDefaults()
	if c.NATS.Name == "" {
		c.NATS.Name = "xdna-provision"
	}
	errs = []error{c.NATS.Validate()}
	if c.Uploads.Enabled {
		errs = append(errs, c.Uploads.Validate(c.NATS))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("PROVISION_TIMEOUT %v must be positive", c.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// provision creates or updates every stream and consumer of c.
func provision(ctx context.Context, c config, log *slog.Logger) error {
	nc, err := queue.Connect(ctx, c.NATS, queue.ConnectLogger(log))
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if c.Uploads.Enabled {
		if err := queue.ProvisionUploads(ctx, js, c.Uploads, c.NATS); err != nil {
			return fmt.Errorf("provision uploads: %w", err)
		}
	}
	if err := queue.Provision(ctx, js, c.NATS); err != nil {
		return fmt.Errorf("provision streams: %w", err)
	}
	return nil
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	c, err := loadConfig(nil)
	if err != nil {
		log.Error("xdna-provision: refusing to start", "err", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	if err := provision(ctx, c, log); err != nil {
		log.Error("xdna-provision failed", "err", err)
		os.Exit(1)
	}
	log.Info("xdna-provision: streams and consumers are in place", "nats", c.NATS)
}
