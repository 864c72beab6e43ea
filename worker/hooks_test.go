package worker

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/xdna-worker/xdna-worker/pipeline"
)

// OpenWithText returns an Open that gives the worker's pipeline the text
// decoder text (the sim device has none), for tests that need a text stage
// of their own.
func OpenWithText(text pipeline.TextDecoder) func(context.Context, Config, *slog.Logger) (*Worker, error) {
	return func(ctx context.Context, cfg Config, log *slog.Logger) (*Worker, error) {
		return open(ctx, cfg, log, pipeline.WithTextDecoder(text))
	}
}

// OpenWithTracing returns an Open whose worker and pipeline send their
// spans to tp instead of the global provider, with the text decoder text
// (nil: none).
func OpenWithTracing(tp trace.TracerProvider, text pipeline.TextDecoder) func(context.Context, Config, *slog.Logger) (*Worker, error) {
	return func(ctx context.Context, cfg Config, log *slog.Logger) (*Worker, error) {
		opts := []pipeline.Option{pipeline.WithTracerProvider(tp)}
		if text != nil {
			opts = append(opts, pipeline.WithTextDecoder(text))
		}
		w, err := open(ctx, cfg, log, opts...)
		if err != nil {
			return nil, err
		}
		w.tracer = tp.Tracer(tracerName)
		return w, nil
	}
}
