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

	"github.com/alecthomas/kong"
	// Public CAs for S3_USE_TLS and tls:// NATS URLs in the FROM-scratch
	// image, which has no CA bundle: used only when the system has no roots
	// (SSL_CERT_FILE and SSL_CERT_DIR still win where they name some).
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/xdna-worker/xdna-worker/buildinfo"
	"github.com/xdna-worker/xdna-worker/internal/healthcheck"
	"github.com/xdna-worker/xdna-worker/telemetry"
	"github.com/xdna-worker/xdna-worker/worker"
)

// cli is xdna-worker's command line: with no command it runs a worker.
type cli struct {
	Version kong.VersionFlag `help:"Print the version and exit."`

	Serve       serveCmd       `cmd:"" default:"1" help:"Run a worker, configured from the environment (see README); the default command."`
	Healthcheck healthcheckCmd `cmd:"" help:"Exit 0 if the worker on HTTP_ADDR answers /healthz (for container healthchecks)."`
	Demo        demoCmd        `cmd:"" help:"Run NATS, an S3 endpoint and a worker in-process, transcribe the WAV files (a generated tone if none) and print the results."`
}

type serveCmd struct{}

type healthcheckCmd struct{}

type demoCmd struct {
	Files []string `arg:"" optional:"" name:"file" help:"Audio files to transcribe."`
}

// exitStatus ends a command with a given exit status.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// app is what every command runs with.
type app struct {
	ctx    context.Context
	stdout io.Writer
	stderr *os.File
}

// Run runs the worker until SIGTERM or SIGINT.
func (serveCmd) Run(a *app) error { return exitStatus(serve(a.ctx, a.stderr)) }

// Run asks the local worker's /healthz.
func (healthcheckCmd) Run(a *app) error {
	return exitStatus(healthcheck.Run(a.ctx, "HTTP_ADDR", ":8080", a.stderr))
}

// Run runs the demo.
func (c *demoCmd) Run(a *app) error { return exitStatus(demo(a.ctx, c.Files, a.stdout, a.stderr)) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitRequest is how kong's help and --version stop parsing in run, which
// must return rather than exit the process.
type exitRequest int

// run runs the command line args and returns the exit status: 0, 1 on a
// failure, 2 for a usage error or a bad configuration.
func run(ctx context.Context, args []string, stdout io.Writer, stderr *os.File) (code int) {
	var c cli
	parser, err := kong.New(&c, kong.Name("xdna-worker"),
		kong.Description("A worker of the xdna-worker transcription fleet: it pulls jobs from NATS JetStream, reads audio from S3-compatible storage and publishes transcripts. It is configured from the environment (see README); `xdna-worker demo` runs the whole system in-process."),
		kong.Vars{"version": "xdna-worker " + buildinfo.Get().String()},
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitRequest(code)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}))
	if err != nil {
		panic(err) // the grammar above is wrong
	}
	defer func() {
		if r := recover(); r != nil {
			ex, ok := r.(exitRequest)
			if !ok {
				panic(r)
			}
			code = int(ex)
		}
	}()
	if len(args) > 0 && args[0] == "help" {
		args = append(args[1:len(args):len(args)], "--help")
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "xdna-worker: %v\nrun \"xdna-worker --help\" for usage\n", err)
		return 2
	}
	err = kctx.Run(&app{ctx: ctx, stdout: stdout, stderr: stderr})
	var st exitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	if err != nil {
		fmt.Fprintln(stderr, "xdna-worker:", err)
		return 1
	}
	return 0
}

// serve runs a worker configured from the environment until ctx ends.
func serve(ctx context.Context, stderr *os.File) int {
	cfg, err := worker.LoadConfig(nil)
	if err != nil {
		fmt.Fprintf(stderr, "xdna-worker: invalid configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	slog.SetDefault(log)
	log.Info("starting", "version", buildinfo.Get().Version, "revision", buildinfo.Get().Revision, "config", cfg)

	// Tracing: the W3C propagators always; spans are exported only when
	// the OTEL_EXPORTER_OTLP_* variables name an endpoint.
	shutdownTracing, err := telemetry.Setup(ctx, "xdna-worker", telemetry.WithVersion(buildinfo.Get().Version), telemetry.WithLogger(log))
	if err != nil {
		log.Error("cannot set up tracing", "err", err)
		if errors.Is(err, telemetry.ErrConfig) {
			return 2
		}
		return 1
	}
	defer func() {
		// The last spans (the drained jobs') are flushed before exit.
		tctx, cancel := context.WithTimeout(context.Background(), tracingFlushTimeout)
		defer cancel()
		if err := shutdownTracing(tctx); err != nil {
			log.Warn("tracing: spans not flushed at exit", "err", err)
		}
	}()

	w, err := worker.Open(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		if errors.Is(err, worker.ErrConfig) {
			return 2
		}
		return 1
	}
	defer w.Close()

	addr, stopHTTP, err := startHTTP(cfg.HTTPAddr, w.Handler())
	if err != nil {
		log.Error("cannot listen", "addr", cfg.HTTPAddr, "err", err)
		return 1
	}
	defer stopHTTP()
	log.Info("http listening", "addr", addr.String())
	if cfg.DebugAddr != "" {
		// Profiles only where the operator asked for them, on a server of
		// their own that stops with the worker.
		debugAddr, stopDebug, err := startHTTP(cfg.DebugAddr, worker.DebugHandler())
		if err != nil {
			log.Error("cannot listen", "addr", cfg.DebugAddr, "err", err)
			return 1
		}
		defer stopDebug()
		log.Warn("debug endpoint listening: /debug/pprof/ (profiles and the command line; keep DEBUG_ADDR off public networks)", "addr", debugAddr.String())
	}

	err = w.Run(ctx)
	if err != nil {
		log.Error("worker stopped", "err", err)
		return 1
	}
	log.Info("worker stopped")
	return 0
}

// tracingFlushTimeout bounds how long exit waits for the last spans to
// reach the collector.
const tracingFlushTimeout = 5 * time.Second

// httpTimeouts bound how long a client of the worker's HTTP endpoints
// (/healthz, /readyz, /health, /metrics) may hold a connection, so that
// slow or idle clients cannot pile up connections and goroutines.
type httpTimeouts struct {
	ReadHeader time.Duration // the request line and headers
	Read       time.Duration // the whole request (the endpoints take no body)
	Write      time.Duration // from the end of the headers to the end of the response
	Idle       time.Duration // a keep-alive connection between requests
}

// defaultHTTPTimeouts suit probes (every few seconds) and Prometheus
// scrapes (a scrape_timeout of at most a minute; /metrics answers in
// milliseconds).
var defaultHTTPTimeouts = httpTimeouts{ReadHeader: 10 * time.Second, Read: 15 * time.Second, Write: 60 * time.Second, Idle: 120 * time.Second}

// newHTTPServer is the server of the worker's endpoints, with every
// timeout of t set.
func newHTTPServer(h http.Handler, t httpTimeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
	}
}

// startHTTP listens on addr and serves h there with the default timeouts,
// in a goroutine that stop ends: stop shuts the server down (in-flight
// requests get 5 s) and returns once the goroutine has.
func startHTTP(addr string, h http.Handler) (_ net.Addr, stop func(), _ error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	srv := newHTTPServer(h, defaultHTTPTimeouts)
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln) // http.ErrServerClosed once stopped
	}()
	return ln.Addr(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close() // a request still running after 5 s is cut
		}
		<-served
	}, nil
}
