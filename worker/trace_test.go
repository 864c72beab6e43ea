package worker_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/telemetry"
	"github.com/xdna-worker/xdna-worker/worker"
)

// A remote caller's span, as a gateway's HTTP request would carry it.
var (
	callerTrace, _ = trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	callerSpan, _  = trace.SpanIDFromHex("00f067aa0ba902b7")
	callerSC       = trace.NewSpanContext(trace.SpanContextConfig{TraceID: callerTrace, SpanID: callerSpan, TraceFlags: trace.FlagsSampled, Remote: true})
)

const callerTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// tracedEnv is an env whose worker sends its spans to an in-memory
// exporter.
func tracedEnv(t *testing.T) (*env, *tracetest.InMemoryExporter) {
	t.Helper()
	e := newEnv(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	e.startWorkerWith(nil, worker.OpenWithTracing(tp, wordsText{}))
	return e, exp
}

// resultHeaders waits for the results of ids and returns each one's
// message headers.
func (e *env) resultHeaders(timeout time.Duration, ids ...string) map[string]nats.Header {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	got := map[string]nats.Header{}
	errDone := errors.New("done")
	err := queue.Watch(ctx, e.js, e.qc, func(r *job.Result, m jetstream.Msg) error {
		mu.Lock()
		defer mu.Unlock()
		got[r.JobID] = m.Headers()
		if len(got) == len(ids) {
			return errDone
		}
		return nil
	}, queue.WatchFromStart(), queue.WatchJobs(ids...))
	if !errors.Is(err, errDone) {
		e.t.Fatalf("results: %d of %d after %v: %v", len(got), len(ids), timeout, err)
	}
	return got
}

// jobSpans waits until the "job" span of id has ended and returns every
// ended span with job.id = id.
func jobSpans(t *testing.T, exp *tracetest.InMemoryExporter, id string) []tracetest.SpanStub {
	t.Helper()
	var spans []tracetest.SpanStub
	waitFor(t, 10*time.Second, func() bool {
		spans = spans[:0]
		done := false
		for _, s := range exp.GetSpans() {
			if attrOf(s.Attributes, telemetry.AttrJobID) != id {
				continue
			}
			spans = append(spans, s)
			done = done || s.Name == "job"
		}
		return done
	})
	return spans
}

func attrOf(attrs []attribute.KeyValue, key attribute.Key) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func spanNamed(spans []tracetest.SpanStub, name string) (tracetest.SpanStub, bool) {
	for _, s := range spans {
		if s.Name == name {
			return s, true
		}
	}
	return tracetest.SpanStub{}, false
}

// traceOf is the span context a message's headers carry.
func traceOf(h nats.Header) trace.SpanContext {
	return trace.SpanContextFromContext(queue.ExtractTrace(context.Background(), h))
}

func TestTraceJobContinuesThePublishersTrace(t *testing.T) {
	e, exp := tracedEnv(t)
	ref := e.put("traced.wav", tone(2))
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), callerSC)
	if err := e.pub.Submit(ctx, &job.Job{ID: "traced", Audio: ref}); err != nil {
		t.Fatal(err)
	}
	e.submit(&job.Job{ID: "untraced", Audio: e.put("untraced.wav", tone(2))})
	headers := e.resultHeaders(time.Minute, "traced", "untraced")

	spans := jobSpans(t, exp, "traced")
	root, ok := spanNamed(spans, "job")
	if !ok {
		t.Fatal("no job span")
	}
	if root.SpanContext.TraceID() != callerTrace || root.Parent.SpanID() != callerSpan || !root.Parent.IsRemote() {
		t.Errorf("job span: trace %s parent %s (remote %v), want trace %s parent %s (remote)",
			root.SpanContext.TraceID(), root.Parent.SpanID(), root.Parent.IsRemote(), callerTrace, callerSpan)
	}
	if root.SpanKind != trace.SpanKindConsumer || attrOf(root.Attributes, "messaging.system") != "nats" {
		t.Errorf("job span: kind %v, attributes %v", root.SpanKind, root.Attributes)
	}
	for _, name := range []string{"fetch", "decode", "mel", "encode", "decode_text", "publish"} {
		s, ok := spanNamed(spans, name)
		if !ok {
			t.Errorf("no %s span with job.id among %d", name, len(spans))
			continue
		}
		if s.SpanContext.TraceID() != callerTrace || s.Parent.SpanID() != root.SpanContext.SpanID() {
			t.Errorf("%s span: trace %s parent %s, want trace %s parent %s (the job span)",
				name, s.SpanContext.TraceID(), s.Parent.SpanID(), callerTrace, root.SpanContext.SpanID())
		}
		if s.Status.Code != 0 {
			t.Errorf("%s span: status %v", name, s.Status)
		}
	}
	if s, ok := spanNamed(spans, "encode"); ok && attrOf(s.Attributes, telemetry.AttrWindow) != "0" {
		t.Errorf("encode span: window %q, want 0", attrOf(s.Attributes, telemetry.AttrWindow))
	}
	if _, ok := spanNamed(spans, "vad"); ok {
		t.Error("a vad span for a job that ran without voice activity detection")
	}
	if got := traceOf(headers["traced"]); got.TraceID() != callerTrace {
		t.Errorf("result headers %v: trace %s, want %s", headers["traced"], got.TraceID(), callerTrace)
	}

	// Without a traceparent, the job is the root of a new trace, and its
	// result carries that trace.
	spans = jobSpans(t, exp, "untraced")
	root, ok = spanNamed(spans, "job")
	if !ok {
		t.Fatal("no job span for the untraced job")
	}
	if root.Parent.IsValid() || root.SpanContext.TraceID() == callerTrace || !root.SpanContext.TraceID().IsValid() {
		t.Errorf("untraced job span: trace %s, parent %v: want the root of a new trace", root.SpanContext.TraceID(), root.Parent)
	}
	if got := traceOf(headers["untraced"]); got.TraceID() != root.SpanContext.TraceID() {
		t.Errorf("untraced result: trace %s, want the job's %s", got.TraceID(), root.SpanContext.TraceID())
	}
}

func TestTraceFailedJobRecordsItsCode(t *testing.T) {
	e, exp := tracedEnv(t)
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), callerSC)
	if err := e.pub.Submit(ctx, &job.Job{ID: "missing", Audio: job.ObjectRef{Bucket: bucket, Key: "no-such.wav"}}); err != nil {
		t.Fatal(err)
	}
	headers := e.resultHeaders(time.Minute, "missing")
	spans := jobSpans(t, exp, "missing")
	for _, name := range []string{"job", "fetch"} {
		s, ok := spanNamed(spans, name)
		if !ok {
			t.Errorf("no %s span", name)
			continue
		}
		if s.Status.Code.String() != "Error" || attrOf(s.Attributes, telemetry.AttrErrorCode) != string(job.CodeAudioNotFound) || len(s.Events) == 0 {
			t.Errorf("%s span: status %v, error.code %q, %d events; want Error, %s, the error recorded",
				name, s.Status, attrOf(s.Attributes, telemetry.AttrErrorCode), len(s.Events), job.CodeAudioNotFound)
		}
	}
	if got := traceOf(headers["missing"]); got.TraceID() != callerTrace {
		t.Errorf("failed result: trace %s, want %s", got.TraceID(), callerTrace)
	}
}

// publishNotAJob publishes a message that is not a job with the caller's
// traceparent, and returns its dead letter's headers.
func publishNotAJob(t *testing.T, e *env) nats.Header {
	t.Helper()
	msg := &nats.Msg{Subject: e.qc.JobsSubject, Data: []byte("not json {"), Header: nats.Header{}}
	msg.Header.Set("traceparent", callerTraceparent)
	if _, err := e.js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { return e.streamMsgs(e.qc.DLQStream) == 1 })
	dlq, err := e.js.Stream(context.Background(), e.qc.DLQStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := dlq.GetMsg(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return m.Header
}

func TestTraceDeadLetterCarriesTheTrace(t *testing.T) {
	e, exp := tracedEnv(t)
	h := publishNotAJob(t, e)
	if got := traceOf(h); got.TraceID() != callerTrace {
		t.Errorf("dead letter headers %v: trace %s, want %s", h, got.TraceID(), callerTrace)
	}
	var root tracetest.SpanStub
	waitFor(t, 10*time.Second, func() bool {
		for _, s := range exp.GetSpans() {
			if s.Name == "job" {
				root = s
				return true
			}
		}
		return false
	})
	if root.Parent.SpanID() != callerSpan || attrOf(root.Attributes, telemetry.AttrErrorCode) != "not_a_job" {
		t.Errorf("job span of a non-job: parent %s, error.code %q", root.Parent.SpanID(), attrOf(root.Attributes, telemetry.AttrErrorCode))
	}
}

// With tracing off (no provider installed), the trace context a message
// came with still travels on, unchanged, to its result and dead letter.
func TestTracePropagatesWithTracingOff(t *testing.T) {
	e := newEnv(t)
	e.startWorker(nil)
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), callerSC)
	if err := e.pub.Submit(ctx, &job.Job{ID: "off", Audio: e.put("off.wav", tone(1))}); err != nil {
		t.Fatal(err)
	}
	if got := e.resultHeaders(time.Minute, "off")["off"].Get("traceparent"); got != callerTraceparent {
		t.Errorf("result traceparent %q, want %q", got, callerTraceparent)
	}
	if got := publishNotAJob(t, e).Get("traceparent"); got != callerTraceparent {
		t.Errorf("dead letter traceparent %q, want %q", got, callerTraceparent)
	}
}
