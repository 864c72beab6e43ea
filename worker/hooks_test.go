package worker

import (
	"context"
	"log/slog"

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
