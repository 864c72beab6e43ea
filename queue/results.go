package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// WatchOption tunes Watch.
type WatchOption func(*watchOptions)

type watchOptions struct {
	fromStart bool
	jobIDs    []string
	prefixes  []string
	ready     chan<- struct{}
	log       *slog.Logger
}

// WatchJobPrefix restricts Watch to jobs whose id is prefix followed by a
// dot and more tokens (prefix "lt.ab12" matches "lt.ab12.000001"), so one
// batch of jobs can be followed without listing every id.
func WatchJobPrefix(prefix string) WatchOption {
	return func(o *watchOptions) { o.prefixes = append(o.prefixes, prefix) }
}

// WatchReady closes ready once Watch has created its consumer: from then
// on, no newly published result can be missed.
func WatchReady(ready chan<- struct{}) WatchOption {
	return func(o *watchOptions) { o.ready = ready }
}

// WatchFromStart replays every result RESULTS still holds before the new
// ones. By default Watch sees only results published after it starts.
func WatchFromStart() WatchOption {
	return func(o *watchOptions) { o.fromStart = true }
}

// WatchJobs restricts Watch to the results of the given job ids. Combine it
// with WatchFromStart to also see a result that is already there.
func WatchJobs(jobIDs ...string) WatchOption {
	return func(o *watchOptions) { o.jobIDs = append(o.jobIDs, jobIDs...) }
}

// WatchLogger sets the logger that reports skipped, undecodable messages
// (default slog.Default()).
func WatchLogger(l *slog.Logger) WatchOption {
	return func(o *watchOptions) {
		if l != nil {
			o.log = l
		}
	}
}

// Watch calls fn, in stream order, for each result published on RESULTS
// (see the options for which ones) until ctx ends or fn returns an error. It
// reads through an ordered consumer: ephemeral, no acks, and recreated by the
// client library across reconnects and server restarts, so no result is
// skipped or repeated.
//
// Watch returns fn's error, or ctx.Err() when ctx ends. Messages on RESULTS
// that are not result JSON are logged and skipped.
func Watch(ctx context.Context, js jetstream.JetStream, cfg Config, fn func(*job.Result, jetstream.Msg) error, opts ...WatchOption) error {
	cfg = cfg.WithDefaults()
	o := watchOptions{log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	occ := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy}
	if o.fromStart {
		occ.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	for _, id := range o.jobIDs {
		if !job.ValidID(id) {
			return fmt.Errorf("%w: watch %.64q", ErrInvalidJobID, id)
		}
		occ.FilterSubjects = append(occ.FilterSubjects, cfg.ResultsSubjectPrefix+"."+id)
	}
	for _, p := range o.prefixes {
		if !job.ValidID(p) {
			return fmt.Errorf("%w: watch prefix %.64q", ErrInvalidJobID, p)
		}
		occ.FilterSubjects = append(occ.FilterSubjects, cfg.ResultsSubjectPrefix+"."+p+".>")
	}
	cons, err := js.OrderedConsumer(ctx, cfg.ResultsStream, occ)
	if err != nil {
		return fmt.Errorf("queue: watch %s: %w", cfg.ResultsStream, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("queue: watch %s: %w", cfg.ResultsStream, err)
	}
	defer it.Stop()
	if o.ready != nil {
		close(o.ready)
	}
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return fmt.Errorf("queue: watch %s: %w", cfg.ResultsStream, err)
		}
		var r job.Result
		if err := json.Unmarshal(msg.Data(), &r); err != nil {
			o.log.Warn("skipping a message that is not a result", slog.String("subject", msg.Subject()), slog.Any("error", err))
			continue
		}
		if err := fn(&r, msg); err != nil {
			return err
		}
	}
}

// LastResult returns the result RESULTS holds for jobID, or ErrNoResult.
func LastResult(ctx context.Context, js jetstream.JetStream, cfg Config, jobID string) (*job.Result, error) {
	cfg = cfg.WithDefaults()
	if !job.ValidID(jobID) {
		return nil, fmt.Errorf("%w: %.64q", ErrInvalidJobID, jobID)
	}
	stream, err := js.Stream(ctx, cfg.ResultsStream)
	if err != nil {
		return nil, fmt.Errorf("queue: result of %s: %w", jobID, err)
	}
	raw, err := stream.GetLastMsgForSubject(ctx, cfg.ResultsSubjectPrefix+"."+jobID)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("%w for job %s", ErrNoResult, jobID)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: result of %s: %w", jobID, err)
	}
	var r job.Result
	if err := json.Unmarshal(raw.Data, &r); err != nil {
		return nil, fmt.Errorf("queue: result of %s: decode: %w", jobID, err)
	}
	return &r, nil
}

// Await calls fn once for the result of each job in ids, whether already
// stored or yet to come, and returns nil when every job has one. It returns
// ctx's error if ctx ends first.
func Await(ctx context.Context, js jetstream.JetStream, cfg Config, ids []string, fn func(*job.Result)) error {
	left := make(map[string]bool, len(ids))
	for _, id := range ids {
		left[id] = true
	}
	if len(left) == 0 {
		return nil
	}
	errDone := errors.New("all results arrived")
	err := Watch(ctx, js, cfg, func(r *job.Result, _ jetstream.Msg) error {
		if !left[r.JobID] {
			return nil
		}
		delete(left, r.JobID)
		fn(r)
		if len(left) == 0 {
			return errDone
		}
		return nil
	}, WatchFromStart(), WatchJobs(ids...))
	if errors.Is(err, errDone) {
		return nil
	}
	return fmt.Errorf("%d of %d results missing: %w", len(left), len(ids), err)
}
