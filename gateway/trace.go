package gateway

import (
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/telemetry"
)

// tracerName names the gateway's instrumentation scope.
const tracerName = "github.com/xdna-worker/xdna-worker/gateway"

// WithTracerProvider sets where the gateway's request spans go (default:
// the global provider, which telemetry.Setup installs).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(s *Server) { s.tracer = tp.Tracer(tracerName) }
}

// traced serves next inside a server span named after the route. A W3C
// traceparent on the request is continued, so a client's trace runs on
// through the gateway: the job is submitted with this span's context
// (queue.Publisher.Submit puts it on the job's headers), the worker's
// spans follow it, and the result carries it back.
func (s *Server) traced(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := telemetry.Propagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := s.tracer.Start(ctx, route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route)))
		defer span.End()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
		if rec.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(rec.status))
		}
	})
}

// statusRecorder remembers the status a handler answered with. Unwrap
// keeps http.ResponseController (deadlines, flushing) working through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// defaultTracer is the global provider's tracer for the gateway.
func defaultTracer() trace.Tracer { return otel.GetTracerProvider().Tracer(tracerName) }
