package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/queue"
)

func TestAckRemovesFromWorkQueue(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{})
	e.submit(t, "a-1", "a-2")
	if n := e.streamMsgs(t, "JOBS"); n != 2 {
		t.Fatalf("JOBS holds %d messages, want 2", n)
	}
	in := e.intake(t)
	e.waitRouted(t, 2) // while a job moves, JOBS holds it twice
	d := next(t, in, 5*time.Second)
	if err := d.Ack(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := e.streamMsgs(t, "JOBS"); n != 1 {
		t.Fatalf("after Ack JOBS holds %d messages, want 1", n)
	}
	if err := d.Ack(testCtx(t)); err == nil {
		t.Fatal("second Ack succeeded")
	}
}

func TestNakWithDelayRedelivers(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{MaxDeliver: 2})
	e.submit(t, "nak-1")
	in := e.intake(t)
	d := next(t, in, 5*time.Second)
	if d.LastAttempt() {
		t.Fatal("attempt 1 of 2 reported as last")
	}
	const delay = 700 * time.Millisecond
	nakAt := time.Now()
	if err := d.NakWithDelay(delay); err != nil {
		t.Fatal(err)
	}
	d2 := next(t, in, 5*time.Second)
	if el := time.Since(nakAt); el < delay-50*time.Millisecond {
		t.Fatalf("redelivered after %v, before the %v delay", el, delay)
	}
	if jobID(t, d2) != "nak-1" || d2.Attempt() != 2 || d2.StreamSeq() != d.StreamSeq() {
		t.Fatalf("redelivery: %s attempt %d seq %d", jobID(t, d2), d2.Attempt(), d2.StreamSeq())
	}
	if !d2.LastAttempt() {
		t.Fatal("attempt 2 of 2 not reported as last")
	}
}

func TestTermDoesNotRedeliver(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{AckWait: 500 * time.Millisecond})
	e.submit(t, "term-1")
	in := e.intake(t)
	d := next(t, in, 5*time.Second)
	if err := d.Term("bad input:\n not a\twav"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if d, err := in.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after Term, Next = %v, %v; want nothing", d, err)
	}
}

// KeepAlive holds a message past AckWait; without it the server redelivers.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{AckWait: time.Second})
	e.submit(t, "long-1")
	worker, other := e.intake(t), e.intake(t)

	d := next(t, worker, 5*time.Second)
	stop := d.KeepAlive(testCtx(t), 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if d2, err := other.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("while kept alive, another worker got %v, %v", d2, err)
	}
	stop()
	stop() // idempotent

	// Heartbeats stopped: the server redelivers after AckWait.
	d2 := next(t, other, 3*time.Second)
	if d2.StreamSeq() != d.StreamSeq() || d2.Attempt() != 2 {
		t.Fatalf("redelivery: seq %d attempt %d", d2.StreamSeq(), d2.Attempt())
	}
	if err := d2.Ack(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestKeepAliveEndsWithSettlementAndContext(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{AckWait: time.Second})
	e.submit(t, "ka-1")
	d := next(t, e.intake(t), 5*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	stopByCtx := d.KeepAlive(ctx, 20*time.Millisecond)
	cancel()
	stopByCtx()

	stopBySettle := d.KeepAlive(context.Background(), 0) // default interval
	if err := d.Ack(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	stopBySettle() // returns: the goroutine saw the settlement or the stop
}

func TestBackOffSetsAckWaitPerAttempt(t *testing.T) {
	t.Parallel()
	e := setup(t, queue.Config{MaxDeliver: 3, BackOff: []time.Duration{300 * time.Millisecond, 2 * time.Second}})
	e.submit(t, "bo-1")
	in := e.intake(t)
	d := next(t, in, 5*time.Second)
	if d.AckWait() != 300*time.Millisecond {
		t.Fatalf("attempt 1 AckWait = %v", d.AckWait())
	}
	// Not acked: redelivered after BackOff[0].
	d2 := next(t, in, 5*time.Second)
	if d2.Attempt() != 2 || d2.AckWait() != 2*time.Second {
		t.Fatalf("attempt %d AckWait = %v", d2.Attempt(), d2.AckWait())
	}
	if err := d2.Ack(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}
