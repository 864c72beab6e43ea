package worker

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/telemetry"
)

// tracerName names the worker's instrumentation scope.
const tracerName = "github.com/xdna-worker/xdna-worker/worker"

// defaultTracer is the global provider's tracer for the worker (telemetry.Setup
// installs it; without it, spans are no-ops and a job's trace context still
// travels on to its result or dead letter).
func defaultTracer() trace.Tracer { return otel.GetTracerProvider().Tracer(tracerName) }

// startJob starts the span of one delivery, "job": the child of the trace
// context in the message's headers, or the root of a new trace. j is nil
// for a message that is not a job.
func (w *Worker) startJob(ctx context.Context, d *queue.Delivery, j *job.Job) (context.Context, trace.Span) {
	ctx = queue.ExtractTrace(ctx, d.Headers())
	attrs := []attribute.KeyValue{
		attribute.String("messaging.system", "nats"),
		attribute.String("messaging.destination.name", d.Subject()),
		telemetry.AttrAttempt.Int(d.Attempt()),
		attribute.String("job.priority", string(d.Priority())),
	}
	if j != nil {
		attrs = append(attrs, telemetry.AttrJobID.String(j.ID))
	}
	return w.tracer.Start(ctx, "job", trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
}

// startStep starts the span of a step of job id the worker runs itself:
// fetch, output, publish.
func (w *Worker) startStep(ctx context.Context, name, id string) (context.Context, trace.Span) {
	return w.tracer.Start(ctx, name, trace.WithAttributes(telemetry.AttrJobID.String(id)))
}

// endStep ends a step's span, failed if err is not nil.
func endStep(span trace.Span, err error) {
	if err != nil {
		telemetry.Fail(span, string(job.CodeOf(err)), err)
	}
	span.End()
}
