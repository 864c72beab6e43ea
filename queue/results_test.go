package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

// watcher runs Watch in a goroutine and collects job ids.
type watcher struct {
	mu   sync.Mutex
	seen []string
	done chan error
}

func startWatch(t *testing.T, ctx context.Context, e *env, opts ...queue.WatchOption) *watcher {
	t.Helper()
	w := &watcher{done: make(chan error, 1)}
	go func() {
		w.done <- queue.Watch(ctx, e.js, e.cfg, func(r *job.Result, _ jetstream.Msg) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.seen = append(w.seen, r.JobID)
			return nil
		}, opts...)
	}()
	return w
}

func (w *watcher) ids() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen...)
}

func (w *watcher) waitFor(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range w.ids() {
			if s == id {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("watch never saw %s; saw %v", id, w.ids())
}

func publishResult(t *testing.T, e *env, id string) {
	t.Helper()
	if _, err := e.pub.Result(testCtx(t), &job.Result{JobID: id, Status: job.StatusSucceeded}); err != nil {
		t.Fatal(err)
	}
}

func TestWatchSeesNewResults(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	publishResult(t, e, "before")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := startWatch(t, ctx, e)
	// Probe until the watch is live: it starts with new results only.
	for i := 0; len(w.ids()) == 0; i++ {
		if i > 200 {
			t.Fatal("watch never went live")
		}
		publishResult(t, e, fmt.Sprintf("probe-%d", i))
		time.Sleep(20 * time.Millisecond)
	}
	publishResult(t, e, "after-1")
	publishResult(t, e, "after-2")
	w.waitFor(t, "after-2")
	for _, id := range w.ids() {
		if id == "before" {
			t.Fatal("a new-only watch replayed an old result")
		}
	}
	cancel()
	if err := <-w.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch returned %v, want context.Canceled", err)
	}
}

func TestWatchFromStartFiltered(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	publishResult(t, e, "mine")
	publishResult(t, e, "other")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := startWatch(t, ctx, e, queue.WatchFromStart(), queue.WatchJobs("mine", "mine-2"))
	w.waitFor(t, "mine")
	publishResult(t, e, "mine-2")
	w.waitFor(t, "mine-2")
	if got := w.ids(); len(got) != 2 {
		t.Fatalf("filtered watch saw %v", got)
	}
	cancel()
	<-w.done
}

func TestWatchStopsOnCallbackError(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	publishResult(t, e, "x-1")
	stop := errors.New("enough")
	err := queue.Watch(testCtx(t), e.js, e.cfg, func(*job.Result, jetstream.Msg) error { return stop }, queue.WatchFromStart())
	if !errors.Is(err, stop) {
		t.Fatalf("Watch = %v, want the callback's error", err)
	}
}

func TestLastResult(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	want := &job.Result{JobID: "call-7", Status: job.StatusFailed,
		Error: &job.ErrorBody{Code: job.CodeAudioNotFound, Message: "no such key"}}
	if _, err := e.pub.Result(testCtx(t), want); err != nil {
		t.Fatal(err)
	}
	got, err := queue.LastResult(testCtx(t), e.js, e.cfg, "call-7")
	if err != nil {
		t.Fatal(err)
	}
	if got.JobID != want.JobID || got.Status != want.Status || got.Error == nil || got.Error.Code != job.CodeAudioNotFound {
		t.Fatalf("LastResult = %+v", got)
	}
	if _, err := queue.LastResult(testCtx(t), e.js, e.cfg, "nope"); !errors.Is(err, queue.ErrNoResult) {
		t.Fatalf("unknown id: %v, want ErrNoResult", err)
	}
	if _, err := queue.LastResult(testCtx(t), e.js, e.cfg, "a.>"); !errors.Is(err, queue.ErrInvalidJobID) {
		t.Fatalf("bad id: %v, want ErrInvalidJobID", err)
	}
}
