package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/xdna-worker/xdna-worker/gateway"
	"github.com/xdna-worker/xdna-worker/telemetry"
)

// A client's trace runs through the gateway to the job and its result: the
// gateway's span continues the request's traceparent and names the job,
// and the result the worker publishes carries the same trace.
func TestTraceLinksRequestToResult(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	e := startEnv(t, nil, true, gateway.WithTracerProvider(tp))

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	c := e.client()
	if _, err := c.Audio.Transcriptions.New(testCtx(t), openai.AudioTranscriptionNewParams{File: file(jfk(t), "jfk.wav", "audio/wav"), Model: openai.AudioModelWhisper1},
		option.WithHeader("traceparent", "00-"+traceID+"-"+parentID+"-01")); err != nil {
		t.Fatal(err)
	}
	var span tracetest.SpanStub
	deadline := time.Now().Add(5 * time.Second)
	for span.Name == "" {
		for _, s := range exp.GetSpans() {
			if s.Name == "POST /v1/audio/transcriptions" {
				span = s
			}
		}
		if span.Name == "" && time.Now().After(deadline) {
			t.Fatalf("no gateway span; got %v", exp.GetSpans())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := span.SpanContext.TraceID().String(); got != traceID {
		t.Fatalf("gateway span in trace %s, want the request's %s", got, traceID)
	}
	if got := span.Parent.SpanID().String(); got != parentID || !span.Parent.IsRemote() {
		t.Fatalf("gateway span's parent %s, want the request's span %s", got, parentID)
	}
	id := ""
	for _, a := range span.Attributes {
		if a.Key == telemetry.AttrJobID {
			id = a.Value.AsString()
		}
	}
	if !strings.HasPrefix(id, "gw-") || !hasAttr(span.Attributes, attribute.Int("http.response.status_code", 200)) {
		t.Fatalf("gateway span attributes %v: want job.id and status 200", span.Attributes)
	}
	// The result on transcribe.results.<job_id> carries the trace on.
	s, err := e.js.Stream(testCtx(t), e.cfg.NATS.WithDefaults().ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(testCtx(t), e.cfg.NATS.ResultSubject(id))
	if err != nil {
		t.Fatal(err)
	}
	if tp := m.Header.Get("traceparent"); !strings.HasPrefix(tp, "00-"+traceID+"-") {
		t.Fatalf("result traceparent %q, want trace %s", tp, traceID)
	}
}

func hasAttr(attrs []attribute.KeyValue, want attribute.KeyValue) bool {
	for _, a := range attrs {
		if a == want {
			return true
		}
	}
	return false
}
