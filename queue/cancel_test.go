package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/queue/natstest"
)

func openCancels(t *testing.T, e *env) *queue.Cancels {
	t.Helper()
	c, err := queue.OpenCancels(testCtx(t), e.js, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every shape of job id is a key of the bucket; a cancellation is seen by
// Canceled; the bucket Provision made has the configured TTL.
func TestCancelsCancelAndCanceled(t *testing.T) {
	e := setup(t, queue.Config{CancelTTL: 90 * time.Minute})
	ctx := testCtx(t)
	c := openCancels(t, e)
	for _, id := range []string{"a", "call-0001", "tenant_A.2026-11.call-7", "x.y.z", "-_-.0"} {
		if yes, err := c.Canceled(ctx, id); err != nil || yes {
			t.Fatalf("%s before Cancel: %v, %v", id, yes, err)
		}
		if err := c.Cancel(ctx, id); err != nil {
			t.Fatalf("Cancel(%q): %v", id, err)
		}
		if err := c.Cancel(ctx, id); err != nil {
			t.Fatalf("Cancel(%q) again: %v", id, err)
		}
		if yes, err := c.Canceled(ctx, id); err != nil || !yes {
			t.Fatalf("%s after Cancel: %v, %v", id, yes, err)
		}
	}
	for _, id := range []string{"", ".a", "a.", "a..b", "a b", "a*", "a>"} {
		if err := c.Cancel(ctx, id); !errors.Is(err, queue.ErrInvalidJobID) {
			t.Fatalf("Cancel(%q): %v, want ErrInvalidJobID", id, err)
		}
	}
	kv, err := e.js.KeyValue(ctx, queue.DefaultCancelBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != 90*time.Minute || st.History() != 1 {
		t.Fatalf("bucket TTL %v history %d, want 1h30m and 1", st.TTL(), st.History())
	}
}

// Without the bucket, OpenCancels says so (a worker with PROVISION=false
// in front of an old provisioning).
func TestOpenCancelsWithoutBucket(t *testing.T) {
	srv := natstest.Start(t)
	_, err := queue.OpenCancels(testCtx(t), srv.JetStream(t), queue.Config{URL: srv.URL()})
	if !errors.Is(err, queue.ErrNoCancelBucket) {
		t.Fatalf("OpenCancels without a bucket: %v, want ErrNoCancelBucket", err)
	}
}

// waitDone waits for ctx to end, failing after d.
func waitDone(t *testing.T, ctx context.Context, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(d):
		t.Fatalf("%s: context not cancelled after %v", what, d)
	}
}

// A cancellation reaches exactly the tracked contexts of its job id, with
// a cause that is ErrCanceled and carries the code canceled; the watch ends
// with its context.
func TestCancelWatchCancelsTrackedJob(t *testing.T) {
	e := setup(t, queue.Config{})
	c := openCancels(t, e)
	wctx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	w, err := c.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	a, untrackA := w.Track(context.Background(), "tenant.a")
	defer untrackA()
	b, untrackB := w.Track(context.Background(), "tenant.b")
	defer untrackB()
	done, untrackDone := w.Track(context.Background(), "tenant.done")
	untrackDone() // a job that ended: its cancellation cancels nothing

	start := time.Now()
	if err := c.Cancel(testCtx(t), "tenant.a"); err != nil {
		t.Fatal(err)
	}
	waitDone(t, a, 5*time.Second, "tenant.a")
	t.Logf("cancellation reached the job in %v", time.Since(start))
	cause := context.Cause(a)
	if !errors.Is(cause, queue.ErrCanceled) || job.CodeOf(cause) != job.CodeCanceled {
		t.Fatalf("cause %v (code %s), want ErrCanceled with code canceled", cause, job.CodeOf(cause))
	}
	if err := c.Cancel(testCtx(t), "tenant.done"); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(testCtx(t), "tenant.a"); err != nil { // a second cancel is harmless
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if b.Err() != nil {
		t.Fatalf("tenant.b cancelled by another job's cancellation: %v", context.Cause(b))
	}
	if !errors.Is(context.Cause(done), context.Canceled) || errors.Is(context.Cause(done), queue.ErrCanceled) {
		t.Fatalf("untracked context: cause %v, want plain context.Canceled", context.Cause(done))
	}
	stopWatch()
	select {
	case <-w.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("watch did not end with its context")
	}
}

// The watch outlives a restart of the server: a cancellation made after it
// still reaches the running job.
func TestCancelWatchSurvivesServerRestart(t *testing.T) {
	e := setup(t, queue.Config{})
	c := openCancels(t, e)
	wctx, stopWatch := context.WithCancel(context.Background())
	w, err := c.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { stopWatch(); <-w.Done() }()
	jctx, untrack := w.Track(context.Background(), "long-job")
	defer untrack()

	e.srv.Restart(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if err := c.Cancel(ctx, "long-job"); err == nil {
			break
		} else if ctx.Err() != nil {
			t.Fatalf("cancel after restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitDone(t, jctx, 15*time.Second, "after a server restart")
	if !errors.Is(context.Cause(jctx), queue.ErrCanceled) {
		t.Fatalf("cause %v", context.Cause(jctx))
	}
}
