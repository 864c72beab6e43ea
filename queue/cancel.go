package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
)

// Cancels is the cancellation bucket of the fleet: a JetStream key-value
// bucket (Config.CancelBucket) in which a key named after a job id says
// that the job is cancelled. Keys expire after Config.CancelTTL.
//
// A job id is a valid key as it is: its tokens of [A-Za-z0-9_-] joined by
// single dots are within the key grammar of JetStream key-value stores
// (no leading, trailing or double dot).
//
// Publishers (xdnactl cancel, a gateway) call Cancel. A worker checks
// Canceled when it picks a job up, and runs one Watch for the jobs it is
// running. A cancellation of a job that is unknown, or already finished,
// is harmless: it expires unused.
type Cancels struct {
	kv  jetstream.KeyValue
	log *slog.Logger
}

// CancelsOption configures OpenCancels.
type CancelsOption func(*Cancels)

// CancelsLogger sets the logger of the watch (default slog.Default()).
func CancelsLogger(log *slog.Logger) CancelsOption {
	return func(c *Cancels) { c.log = log }
}

// OpenCancels binds to the cancellation bucket of cfg, which Provision
// creates. It changes nothing; a missing bucket is ErrNoCancelBucket.
func OpenCancels(ctx context.Context, js jetstream.JetStream, cfg Config, opts ...CancelsOption) (*Cancels, error) {
	cfg = cfg.WithDefaults()
	c := &Cancels{log: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	err := guarded(ctx, js, func(ctx context.Context) (err error) {
		c.kv, err = js.KeyValue(ctx, cfg.CancelBucket)
		return err
	})
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
		return nil, fmt.Errorf("%w: %s: %w; %s", ErrNoCancelBucket, cfg.CancelBucket, err, bindHint)
	case errors.Is(err, ErrPermission):
		return nil, fmt.Errorf("queue: open cancellation bucket %s: %w (deploy/nats)", cfg.CancelBucket, err)
	case err != nil:
		return nil, fmt.Errorf("queue: open cancellation bucket %s: %w", cfg.CancelBucket, err)
	}
	return c, nil
}

// Cancel marks job jobID cancelled. Cancelling twice is the same as once
// (the TTL starts again).
func (c *Cancels) Cancel(ctx context.Context, jobID string) error {
	if !job.ValidID(jobID) {
		return fmt.Errorf("%w: %.64q", ErrInvalidJobID, jobID)
	}
	if _, err := c.kv.Put(ctx, jobID, []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil {
		return fmt.Errorf("queue: cancel %s: %w", jobID, err)
	}
	return nil
}

// Canceled reports whether job jobID has been cancelled (within the TTL).
func (c *Cancels) Canceled(ctx context.Context, jobID string) (bool, error) {
	if !job.ValidID(jobID) {
		return false, fmt.Errorf("%w: %.64q", ErrInvalidJobID, jobID)
	}
	e, err := c.kv.Get(ctx, jobID)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("queue: is %s cancelled: %w", jobID, err)
	}
	return e.Operation() == jetstream.KeyValuePut, nil
}

// canceledCause is the cause a tracked job's context is cancelled with.
var canceledCause = job.WithCode(job.CodeCanceled, ErrCanceled)

// Watch starts the one watch of the bucket a worker needs for all the jobs
// it runs: jobs register with CancelWatch.Track, and a cancellation that
// arrives while one runs cancels its context. The watch is live when Watch
// returns; it ends when ctx ends (CancelWatch.Done is closed then). If the
// server ends it (a lost connection), it is started again, and the jobs
// running then are checked for cancellations made in between.
func (c *Cancels) Watch(ctx context.Context) (*CancelWatch, error) {
	kw, err := c.kv.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		return nil, fmt.Errorf("queue: watch cancellations: %w", err)
	}
	w := &CancelWatch{c: c, jobs: map[string]map[uint64]context.CancelCauseFunc{}, done: make(chan struct{})}
	go w.run(ctx, kw)
	return w, nil
}

// CancelWatch dispatches the cancellations of a Cancels watch to the
// running jobs that registered with Track. Safe for concurrent use.
type CancelWatch struct {
	c    *Cancels
	done chan struct{}

	mu   sync.Mutex
	next uint64
	jobs map[string]map[uint64]context.CancelCauseFunc // job id → its tracked contexts
}

// Track returns a context derived from ctx that is cancelled, with cause a
// CodeCanceled job error wrapping ErrCanceled, when job jobID is cancelled
// from now on, and a function that ends the tracking (and that context);
// call it when the job ends. A cancellation made before Track is not seen
// by it: check Cancels.Canceled after Track, so that none falls in between.
func (w *CancelWatch) Track(ctx context.Context, jobID string) (context.Context, func()) {
	jctx, cancel := context.WithCancelCause(ctx)
	w.mu.Lock()
	w.next++
	n := w.next
	if w.jobs[jobID] == nil {
		w.jobs[jobID] = map[uint64]context.CancelCauseFunc{}
	}
	w.jobs[jobID][n] = cancel
	w.mu.Unlock()
	return jctx, func() {
		w.mu.Lock()
		delete(w.jobs[jobID], n)
		if len(w.jobs[jobID]) == 0 {
			delete(w.jobs, jobID)
		}
		w.mu.Unlock()
		cancel(nil)
	}
}

// Done is closed once the watch has ended (its context ended).
func (w *CancelWatch) Done() <-chan struct{} { return w.done }

// run reads the watch until ctx ends, restarting it if the server ends it.
func (w *CancelWatch) run(ctx context.Context, kw jetstream.KeyWatcher) {
	defer close(w.done)
	for {
		if kw == nil {
			if sleep(ctx, time.Second) != nil {
				return
			}
			var err error
			if kw, err = w.c.kv.WatchAll(ctx, jetstream.UpdatesOnly()); err != nil {
				w.c.log.Warn("cancellations: watch not restarted; retrying", "err", err)
				kw = nil
				continue
			}
			w.recheck(ctx)
		}
		select {
		case <-ctx.Done():
			_ = kw.Stop()
			return
		case e, ok := <-kw.Updates():
			if !ok {
				if ctx.Err() == nil {
					w.c.log.Warn("cancellations: the watch ended; restarting it")
				}
				kw = nil
				continue
			}
			if e != nil && e.Operation() == jetstream.KeyValuePut {
				w.cancel(e.Key())
			}
		}
	}
}

// cancel cancels the tracked contexts of job id, if it runs.
func (w *CancelWatch) cancel(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, cancel := range w.jobs[id] {
		cancel(canceledCause)
	}
}

// recheck asks the bucket about every running job, after a gap in the
// watch.
func (w *CancelWatch) recheck(ctx context.Context) {
	w.mu.Lock()
	ids := make([]string, 0, len(w.jobs))
	for id := range w.jobs {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	for _, id := range ids {
		gctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		yes, err := w.c.Canceled(gctx, id)
		cancel()
		if err != nil {
			w.c.log.Warn("cancellations: running job not checked after a gap in the watch", "job_id", id, "err", err)
			continue
		}
		if yes {
			w.cancel(id)
		}
	}
}
