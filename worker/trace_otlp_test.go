package worker_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/xdna-worker/xdna-worker/internal/otlptest"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/telemetry"
	"github.com/xdna-worker/xdna-worker/worker"
)

// TestTraceExportsOverOTLPHTTP runs a job through a worker set up as the
// binary is (telemetry.Setup from the OTEL_* variables, the global
// provider) and checks what an OTLP/HTTP collector received. It changes
// process-wide state, so it does not run in parallel (t.Setenv forbids it).
func TestTraceExportsOverOTLPHTTP(t *testing.T) {
	c := otlptest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", c.URL)
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	shutdown, err := telemetry.Setup(context.Background(), "xdna-worker")
	if err != nil {
		t.Fatal(err)
	}
	flushed := false
	t.Cleanup(func() {
		if !flushed {
			_ = shutdown(context.Background())
		}
	})

	e := newEnv(t)
	_, stop := e.startWorkerWith(nil, worker.OpenWithText(wordsText{}))
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), callerSC)
	if err := e.pub.Submit(ctx, &job.Job{ID: "otlp", Audio: e.put("otlp.wav", tone(1))}); err != nil {
		t.Fatal(err)
	}
	e.resultHeaders(time.Minute, "otlp")
	stop() // the job's spans have ended once the worker has drained
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	flushed = true
	if err := shutdown(sctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	got := map[string]otlptest.Span{}
	for _, s := range c.Spans() {
		if s.Attributes["job.id"] == "otlp" {
			got[s.Name] = s
		}
	}
	for _, name := range []string{"job", "fetch", "decode", "mel", "encode", "decode_text", "publish"} {
		s, ok := got[name]
		if !ok {
			t.Errorf("collector has no %s span with job.id (got %d spans)", name, len(c.Spans()))
			continue
		}
		if s.TraceID != callerTrace.String() || s.Resource["service.name"] != "xdna-worker" {
			t.Errorf("%s: trace %s, service %q; want trace %s, service xdna-worker", name, s.TraceID, s.Resource["service.name"], callerTrace)
		}
	}
	if got["job"].ParentID != callerSpan.String() {
		t.Errorf("job span parent %s, want the caller's %s", got["job"].ParentID, callerSpan)
	}
}
