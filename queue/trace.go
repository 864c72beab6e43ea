package queue

import (
	"context"
	"strings"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/propagation"
)

// Trace context travels on NATS headers under the W3C names, whatever the
// process's global propagator: a job's publisher, the worker, and a reader
// of results or dead letters agree on it without configuration.
const (
	// HeaderTraceparent is the W3C traceparent header.
	HeaderTraceparent = "traceparent"
	// HeaderTracestate is the W3C tracestate header.
	HeaderTracestate = "tracestate"
)

// tracePropagator is the wire format of trace context on NATS headers: W3C
// Trace Context and Baggage.
var tracePropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// HeaderCarrier adapts NATS message headers to OpenTelemetry propagation.
// Get finds a key in any letter case (NATS headers are case-sensitive, HTTP
// ones are not, and a bridge may have capitalised them); Set writes the key
// as given.
type HeaderCarrier nats.Header

var _ propagation.TextMapCarrier = HeaderCarrier(nil)

// Get returns the first value of key, matched without regard to case.
func (c HeaderCarrier) Get(key string) string {
	if vs := c[key]; len(vs) > 0 {
		return vs[0]
	}
	for k, vs := range c {
		if len(vs) > 0 && strings.EqualFold(k, key) {
			return vs[0]
		}
	}
	return ""
}

// Set replaces the values of key, and of any spelling of it in another
// letter case, with value.
func (c HeaderCarrier) Set(key, value string) {
	for k := range c {
		if k != key && strings.EqualFold(k, key) {
			delete(c, k)
		}
	}
	c[key] = []string{value}
}

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// InjectTrace writes the trace context of ctx (its span, else a remote
// span context it carries, and its baggage) into h. A context without one
// leaves h as it is.
func InjectTrace(ctx context.Context, h nats.Header) {
	if h == nil {
		return
	}
	tracePropagator.Inject(ctx, HeaderCarrier(h))
}

// ExtractTrace returns ctx with the trace context carried by h, if any, as
// the remote parent of the spans started from it.
func ExtractTrace(ctx context.Context, h nats.Header) context.Context {
	if h == nil {
		return ctx
	}
	return tracePropagator.Extract(ctx, HeaderCarrier(h))
}
