package xdna

import "context"

type jobKey struct{}

// WithJob returns a context whose pool acquisitions are recorded as held by
// the job id, so that Reclaim can find what a finished job failed to release.
func WithJob(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, jobKey{}, id)
}

// JobFrom returns the job id recorded by WithJob, or "".
func JobFrom(ctx context.Context) string {
	id, _ := ctx.Value(jobKey{}).(string)
	return id
}
