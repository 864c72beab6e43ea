package pipeline

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/telemetry"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// tracerName names the pipeline's instrumentation scope.
const tracerName = "github.com/xdna-worker/xdna-worker/pipeline"

// WithTracerProvider sets where the stage spans (decode, vad, and mel,
// encode, decode_text per window) go; by default the global provider
// (otel.GetTracerProvider) at NewTranscriber.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(t *Transcriber) { t.tracer = tp.Tracer(tracerName) }
}

// startStage starts the span of one stage of the job ctx carries
// (xdna.WithOwner), with job.id and the given attributes.
func (t *Transcriber) startStage(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	attrs = append(attrs, telemetry.AttrJobID.String(xdna.JobFrom(ctx)))
	return t.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
}

// endStage ends a stage's span, failed if err is not nil.
func endStage(span trace.Span, err error) {
	if err != nil {
		telemetry.Fail(span, string(job.CodeOf(err)), err)
	}
	span.End()
}

// defaultTracer is the global provider's tracer for the pipeline.
func defaultTracer() trace.Tracer { return otel.GetTracerProvider().Tracer(tracerName) }
