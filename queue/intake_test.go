package queue_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
)

func TestNextReturnsJobsOneAtATime(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	want := ids("job", 10)
	e.submit(t, want...)
	in := e.intake(t)
	before := time.Now()
	for i, id := range want {
		d := next(t, in, 5*time.Second)
		if got := jobID(t, d); got != id {
			t.Fatalf("delivery %d is %s, want %s", i, got, id)
		}
		if d.Attempt() != 1 || d.LastAttempt() {
			t.Fatalf("Attempt = %d, LastAttempt = %v", d.Attempt(), d.LastAttempt())
		}
		if d.Stream() != "JOBS" || d.Subject() != "transcribe.jobs.normal" || d.Priority() != job.PriorityNormal {
			t.Fatalf("stream %s subject %s priority %s", d.Stream(), d.Subject(), d.Priority())
		}
		// The router's copy of the message published as seq i+1.
		if got, want := d.Headers().Get("Nats-Msg-Id"), "route:"+strconv.Itoa(i+1); got != want {
			t.Fatalf("Nats-Msg-Id = %q, want %q", got, want)
		}
		if p := d.Published(); p.After(d.Received()) || p.Before(before.Add(-time.Minute)) {
			t.Fatalf("Published %v, Received %v", p, d.Received())
		}
		if d.AckWait() != 60*time.Second {
			t.Fatalf("AckWait = %v", d.AckWait())
		}
		// Only what we fetched is pending on the server: nothing pre-fetched.
		if ci := e.consumerInfo(t); ci.NumAckPending != i+1 {
			t.Fatalf("after %d Next: NumAckPending = %d", i+1, ci.NumAckPending)
		}
	}
}

// Reserve-then-poll: the server hands out exactly what Next asked for.
func TestNextDoesNotPrefetch(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	e.submit(t, ids("bulk", 100)...)
	in := e.intake(t)
	e.waitRouted(t, 100)
	for range 3 {
		next(t, in, 5*time.Second)
	}
	// Give a hypothetical background pull time to show up.
	time.Sleep(300 * time.Millisecond)
	ci := e.consumerInfo(t)
	if ci.NumAckPending != 3 || ci.NumPending != 97 || ci.Delivered.Consumer != 3 {
		t.Fatalf("NumAckPending = %d, NumPending = %d, delivered = %d; want 3, 97, 3",
			ci.NumAckPending, ci.NumPending, ci.Delivered.Consumer)
	}
	if ci.NumWaiting != 0 {
		t.Fatalf("NumWaiting = %d: a pull request outlived Next", ci.NumWaiting)
	}
}

func TestNextReturnsPromptlyOnCancel(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	e.route(t)
	in := queue.NewIntake(e.js, e.cfg) // default 5 s poll wait
	t.Cleanup(in.Close)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	d, err := in.Next(ctx)
	if d != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v, %v; want context.Canceled", d, err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("Next took %v after cancel at 200ms", el)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := in.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next = %v; want DeadlineExceeded", err)
	}
	// A cancelled pull must not strand a message: one published now is
	// delivered at once to the next caller (after the pull requests the
	// cancelled calls left running took it and handed it back: each such
	// hand-back counts as a delivery).
	e.submit(t, "after-cancel")
	d = next(t, in, 2*time.Second)
	if jobID(t, d) != "after-cancel" || d.Attempt() > 3 {
		t.Fatalf("got %s attempt %d", jobID(t, d), d.Attempt())
	}
}

// Next rides out a server restart: it neither returns nor loses a job, and
// each job is taken once. A job may come back only after its ack wait (3 s
// here) rather than at once: a pull request written as the server went
// away is sent again on the reconnect, and the server answers it to an
// inbox whose pull has given up (found at stop 19; see the note), so the
// order of r-2 and r-3 is not asserted.
func TestNextSurvivesServerRestart(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{AckWait: 3 * time.Second})
	e.submit(t, "r-1", "r-2", "r-3")
	in := e.intake(t)
	d := next(t, in, 5*time.Second)
	if err := d.Ack(testCtx(t)); err != nil {
		t.Fatal(err)
	}

	e.srv.Shutdown()
	type res struct {
		d   *queue.Delivery
		err error
	}
	got := make(chan res, 1)
	go func() {
		d, err := in.Next(testCtx(t))
		got <- res{d, err}
	}()
	select {
	case r := <-got:
		t.Fatalf("Next returned while the server was down: %v, %v", r.d, r.err)
	case <-time.After(time.Second):
	}
	e.srv.Restart(t)
	r := <-got
	if r.err != nil {
		t.Fatalf("Next after restart: %v", r.err)
	}
	taken := map[string]int{jobID(t, r.d): 1}
	if err := r.d.Ack(testCtx(t)); err != nil {
		t.Fatalf("Ack after restart: %v", err)
	}
	d = next(t, in, 15*time.Second)
	taken[jobID(t, d)]++
	if err := d.Ack(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if taken["r-2"] != 1 || taken["r-3"] != 1 {
		t.Fatalf("after restart took %v, want r-2 and r-3 once each", taken)
	}
}

func TestNextWaitsForConsumer(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{Consumer: "late"})
	if err := e.js.DeleteConsumer(testCtx(t), "JOBS", "late"); err != nil {
		t.Fatal(err)
	}
	in := e.intake(t)
	got := make(chan error, 1)
	go func() {
		_, err := in.Next(testCtx(t))
		got <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := queue.Provision(testCtx(t), e.js, e.cfg); err != nil {
		t.Fatal(err)
	}
	e.submit(t, "late-1")
	if err := <-got; err != nil {
		t.Fatalf("Next once the consumer exists: %v", err)
	}
}

func TestNextFailsOnClosedConnection(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	in := e.intake(t)
	e.js.Conn().Close()
	if _, err := in.Next(testCtx(t)); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on a closed connection = %v, want a prompt error", err)
	}
}

// TestCancelledNextLosesNothing: a job that the server hands to a pull
// request just as the worker stops (SIGTERM) is handed back at once, not
// stranded on the server until ACK_WAIT (60 s) because its pull request's
// inbox was already closed.
func TestCancelledNextLosesNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	e.route(t)
	in := queue.NewIntake(e.js, e.cfg, queue.IntakePollWait(300*time.Millisecond))
	t.Cleanup(in.Close)
	// The jobs come from another connection, as in production: on the
	// worker's own connection the server would see its unsubscribe first.
	pub := queue.NewPublisher(e.srv.JetStream(t), e.cfg)
	for i := range 100 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if d, err := in.Next(ctx); err == nil {
				d.NakWithDelay(0) // a worker that got it before the stop hands it back
			}
		}()
		time.Sleep(time.Duration(i%5) * time.Millisecond)
		go cancel()
		id := "stop-" + strconv.Itoa(i)
		if err := pub.Submit(context.Background(), &job.Job{ID: id, Audio: job.ObjectRef{Bucket: "a", Key: id}}); err != nil {
			t.Fatal(err)
		}
		<-done
		// Whatever happened, the job must be deliverable now (ACK_WAIT is
		// 60 s: a stranded job would not be).
		ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
		d, err := in.Next(ctx2)
		cancel2()
		if err != nil {
			t.Fatalf("round %d: the job is not deliverable: %v (stranded until ACK_WAIT %v)", i, err, e.cfg.AckWait)
		}
		d.Ack(context.Background())
	}
}
