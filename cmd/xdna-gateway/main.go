// Command xdna-gateway is the fleet's OpenAI-compatible HTTP front door
// (package gateway): POST /v1/audio/transcriptions and /translations, GET
// /v1/models. It is configured from the environment (GATEWAY_*, and the
// worker's NATS_* and S3_* variables); a bad configuration exits 2.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	// Public CAs for S3_USE_TLS and tls:// NATS URLs in a FROM-scratch
	// image, as in xdna-worker.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/xdna-worker/xdna-worker/buildinfo"
	"github.com/xdna-worker/xdna-worker/gateway"
	"github.com/xdna-worker/xdna-worker/internal/healthcheck"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
	"github.com/xdna-worker/xdna-worker/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// run serves until ctx ends and returns the exit status: 0, 1 on a
// failure, 2 for a usage error or a bad configuration.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "--version", "version":
			fmt.Fprintln(stderr, "xdna-gateway", buildinfo.Get().String())
			return 0
		case "healthcheck":
			return healthcheck.Run(ctx, "GATEWAY_ADDR", ":8000", stderr)
		default:
			fmt.Fprintf(stderr, "xdna-gateway: unknown argument %q: it takes none (healthcheck, version); it is configured from the environment\n", args[0])
			return 2
		}
	}
	cfg, err := gateway.LoadConfig(nil)
	if err != nil {
		fmt.Fprintf(stderr, "xdna-gateway: invalid configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	log.Info("starting", "version", buildinfo.Get().Version, "config", cfg)
	for _, w := range cfg.S3.Warnings() {
		log.Warn(w)
	}

	// Tracing: a request's traceparent is continued through the job to its
	// result; spans are exported only when OTEL_EXPORTER_OTLP_* asks.
	shutdownTracing, err := telemetry.Setup(ctx, "xdna-gateway", telemetry.WithVersion(buildinfo.Get().Version), telemetry.WithLogger(log))
	if err != nil {
		log.Error("cannot set up tracing", "error", err)
		if errors.Is(err, telemetry.ErrConfig) {
			return 2
		}
		return 1
	}
	defer func() {
		tctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(tctx); err != nil {
			log.Warn("tracing: spans not flushed at exit", "error", err)
		}
	}()

	store, err := storage.New(cfg.S3)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 2
	}
	defer store.Close()
	nc, err := queue.Connect(ctx, cfg.NATS, queue.ConnectLogger(log))
	if err != nil {
		log.Error("cannot connect to NATS", "error", err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}

	gopts := []gateway.Option{gateway.WithLogger(log)}
	// The job of a request that ends before its result is cancelled, when
	// the cancellation bucket exists (the workers' provisioning makes it).
	switch cancels, err := queue.OpenCancels(ctx, js, cfg.NATS, queue.CancelsLogger(log)); {
	case err == nil:
		gopts = append(gopts, gateway.WithCancels(cancels))
	case errors.Is(err, queue.ErrNoCancelBucket):
		log.Warn("no cancellation bucket: jobs whose client goes away will run on", "error", err)
	default:
		log.Error("cannot start", "error", err)
		return 1
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("cannot listen", "addr", cfg.Addr, "error", err)
		return 1
	}
	srv := &http.Server{
		Handler:           gateway.New(cfg, js, store, gopts...),
		ReadHeaderTimeout: 10 * time.Second,
		// A request's body and answer are bounded by GATEWAY_REQUEST_TIMEOUT
		// (the handler sets the read deadline); the write timeout leaves
		// a minute to answer after it.
		WriteTimeout:   cfg.RequestTimeout + time.Minute,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("http listening", "addr", ln.Addr().String())

	select {
	case <-ctx.Done():
	case err := <-served:
		log.Error("http server stopped", "error", err)
		return 1
	}
	// Requests in flight wait for their results; give them the time a
	// request may take, as a drain.
	sctx, cancel := context.WithTimeout(context.Background(), cfg.RequestTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown cut requests short", "error", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("http server", "error", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// newLogger is JSON on stderr, or text with LOG_FORMAT=text.
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
