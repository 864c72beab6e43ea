package queue_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/queue"
)

func TestTraceHeadersRoundTrip(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
	h := nats.Header{}
	queue.InjectTrace(trace.ContextWithRemoteSpanContext(context.Background(), sc), h)
	if got, want := h.Get(queue.HeaderTraceparent), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"; got != want {
		t.Fatalf("traceparent %q, want %q (headers %v)", got, want, h)
	}
	if got := trace.SpanContextFromContext(queue.ExtractTrace(context.Background(), h)); !got.Equal(sc) {
		t.Errorf("extracted %v, want %v", got, sc)
	}

	// A bridge that capitalised the header (as HTTP libraries do) still
	// carries the trace, and injecting replaces that spelling.
	h = nats.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	ctx := queue.ExtractTrace(context.Background(), h)
	if got := trace.SpanContextFromContext(ctx); got.TraceID() != tid {
		t.Errorf("capitalised header: trace %s, want %s", got.TraceID(), tid)
	}
	queue.InjectTrace(ctx, h)
	if _, ok := h["Traceparent"]; ok || h.Get(queue.HeaderTraceparent) == "" {
		t.Errorf("after inject: %v, want one lowercase traceparent", h)
	}

	// No trace context: nothing is written.
	h = nats.Header{}
	queue.InjectTrace(context.Background(), h)
	if len(h) != 0 {
		t.Errorf("inject without a trace wrote %v", h)
	}
}
