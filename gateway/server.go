package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/storage"
)

// Server is the gateway's HTTP handler. It is safe for concurrent use.
type Server struct {
	cfg     Config
	js      jetstream.JetStream
	pub     *queue.Publisher
	store   *storage.Client
	limiter *limiter
	jobs    chan struct{}  // a slot per transcription in flight (MaxConcurrent)
	cancels *queue.Cancels // nil: jobs nobody waits for any more run on
	tracer  trace.Tracer
	log     *slog.Logger
	mux     *http.ServeMux
	created int64 // the "created" time of every listed model
}

// Option tunes New.
type Option func(*Server)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) {
		if l != nil {
			s.log = l
		}
	}
}

// WithCancels lets the gateway cancel the job of a request that ends
// before its result arrives (the client went away, or the request timed
// out): nobody would read that transcript. Without it those jobs run on.
func WithCancels(c *queue.Cancels) Option {
	return func(s *Server) { s.cancels = c }
}

// WithModelsCreated sets the Unix time /v1/models gives as each model's
// "created" (default 0).
func WithModelsCreated(unix int64) Option {
	return func(s *Server) { s.created = unix }
}

// New returns a gateway that publishes jobs through js with the streams
// and subjects of cfg.NATS (which must exist: the gateway provisions
// nothing) and uploads audio with store. cfg should come from LoadConfig.
func New(cfg Config, js jetstream.JetStream, store *storage.Client, opts ...Option) *Server {
	s := &Server{
		cfg:     cfg,
		js:      js,
		pub:     queue.NewPublisher(js, cfg.NATS),
		store:   store,
		limiter: newLimiter(cfg.MaxConcurrentPerKey),
		jobs:    make(chan struct{}, max(cfg.MaxConcurrent, 1)),
		log:     slog.Default(),
		mux:     http.NewServeMux(),
		tracer:  defaultTracer(),
	}
	for _, o := range opts {
		o(s)
	}
	for route, h := range map[string]http.Handler{
		"POST /v1/audio/transcriptions": s.authorized(s.bounded(s.transcriptions(taskTranscribe))),
		"POST /v1/audio/translations":   s.authorized(s.bounded(s.transcriptions(taskTranslate))),
		"GET /v1/models":                s.authorized(http.HandlerFunc(s.listModels)),
		"GET /v1/models/{model}":        s.authorized(http.HandlerFunc(s.retrieveModel)),
	} {
		s.mux.Handle(route, s.traced(route, h))
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newError(http.StatusNotFound, TypeInvalidRequest, "unknown_url", "", "Unknown request URL: "+r.Method+" "+paramName(r.URL.Path)+"."))
	})
	return s
}

// ServeHTTP serves the gateway's endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// identityKey is the context key of a request's identity.
type identityKey struct{}

// authorized checks the request's API key (when keys are configured) and
// holds one of its key's concurrent slots while next runs.
func (s *Server) authorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := s.cfg.APIKeys.authenticate(r)
		if err != nil {
			writeError(w, err)
			return
		}
		if id.tenant != "" {
			release, err := s.limiter.acquire(id.key)
			if err != nil {
				writeError(w, err)
				return
			}
			defer release()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

// bounded runs next only while one of the MaxConcurrent slots is free, and
// answers 503 at once otherwise: the gateway queues nothing itself.
func (s *Server) bounded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.jobs <- struct{}{}:
			defer func() { <-s.jobs }()
			next.ServeHTTP(w, r)
		default:
			writeError(w, newError(http.StatusServiceUnavailable, TypeServer, CodeOverloaded, "",
				"The server is handling as many requests as it may; retry later."))
		}
	})
}

// identityOf returns the identity authorized stored in ctx.
func identityOf(ctx context.Context) identity {
	id, _ := ctx.Value(identityKey{}).(identity)
	return id
}

// newJobID returns "gw-" and 32 random hex digits: a valid job_id
// (job.ValidID) no client can guess.
func newJobID() string {
	var b [16]byte
	rand.Read(b[:])
	return "gw-" + hex.EncodeToString(b[:])
}
