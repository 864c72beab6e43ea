// Command xdna-worker runs one worker of the transcription fleet: it pulls
// jobs from NATS JetStream, reads audio from S3-compatible storage and
// publishes transcripts. `xdna-worker demo` runs the whole system in-process.
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

	"github.com/xdna-worker/xdna-worker/worker"
)

const usage = `usage:
  xdna-worker            run a worker, configured from the environment (see README)
  xdna-worker healthcheck
                         exit 0 if the worker on HTTP_ADDR answers /healthz (for container healthchecks)
  xdna-worker demo [FILE...]
                         run NATS, an S3 endpoint and a worker in-process, transcribe
                         the WAV files (a generated tone if none) and print the results
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout io.Writer, stderr *os.File) int {
	if len(args) > 0 {
		switch args[0] {
		case "demo":
			return demo(ctx, args[1:], stdout, stderr)
		case "healthcheck":
			return healthcheck(ctx, stderr)
		case "help", "-h", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		default:
			fmt.Fprintf(stderr, "xdna-worker: unknown command %q\n\n%s", args[0], usage)
			return 2
		}
	}
	cfg, err := worker.LoadConfig(nil)
	if err != nil {
		fmt.Fprintf(stderr, "xdna-worker: invalid configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	slog.SetDefault(log)
	log.Info("starting", "config", cfg)

	w, err := worker.Open(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		if errors.Is(err, worker.ErrConfig) {
			return 2
		}
		return 1
	}
	defer w.Close()

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		log.Error("cannot listen", "addr", cfg.HTTPAddr, "err", err)
		return 1
	}
	srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("http listening", "addr", ln.Addr().String())

	err = w.Run(ctx)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	srv.Shutdown(sctx)
	cancel()
	<-served
	if err != nil {
		log.Error("worker stopped", "err", err)
		return 1
	}
	log.Info("worker stopped")
	return 0
}

// healthcheck asks the local worker's /healthz, for container healthchecks
// in images without a shell or curl.
func healthcheck(ctx context.Context, stderr io.Writer) int {
	addr := os.Getenv("HTTP_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck: HTTP_ADDR:", err)
		return 2
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.Status)
		return 1
	}
	return 0
}
