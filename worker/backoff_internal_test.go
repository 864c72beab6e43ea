package worker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/queue"
)

// Item 20: retry delays are spread (full jitter) over [0, RETRY_BACKOFF ·
// 2^(attempt-1)], capped at 2 minutes, so workers that failed together do
// not retry together. The checks are statistical with bounds far outside
// what chance produces (a false failure is less likely than 1 in 10^9).
func TestBackoffJitter(t *testing.T) {
	w := &Worker{cfg: Config{RetryBackoff: time.Second}}
	const n = 20000
	for _, c := range []struct {
		attempt int
		ceiling time.Duration
	}{{1, time.Second}, {3, 4 * time.Second}, {8, 2 * time.Minute}, {30, 2 * time.Minute}} {
		draws := make([]float64, n)
		same := 0
		var sum float64
		for i := range draws {
			d := w.backoff(c.attempt)
			if d < 0 || d > c.ceiling {
				t.Fatalf("attempt %d: delay %v outside [0, %v]", c.attempt, d, c.ceiling)
			}
			draws[i] = float64(d) / float64(c.ceiling)
			sum += draws[i]
			if i > 0 && draws[i] == draws[i-1] {
				same++
			}
		}
		// Two workers retrying the same attempt: how often in lockstep?
		if same > n/100 {
			t.Fatalf("attempt %d: %d of %d consecutive delays are identical: no jitter", c.attempt, same, n)
		}
		// Uniform on [0, 1]: mean 1/2 (σ of the mean ≈ 0.002) and the
		// Kolmogorov–Smirnov distance below 0.03 (p < 1e-9 by chance).
		if mean := sum / n; math.Abs(mean-0.5) > 0.025 {
			t.Fatalf("attempt %d: mean delay %.3f of the ceiling, want 0.5", c.attempt, mean)
		}
		slices.Sort(draws)
		ks := 0.0
		for i, x := range draws {
			ks = max(ks, math.Abs(x-float64(i)/n), math.Abs(x-float64(i+1)/n))
		}
		if ks > 0.03 {
			t.Fatalf("attempt %d: delays are not uniform over [0, %v] (KS distance %.4f)", c.attempt, c.ceiling, ks)
		}
	}
	if d := (&Worker{cfg: Config{RetryBackoff: 0}}).backoff(3); d != 0 {
		t.Fatalf("RETRY_BACKOFF=0 gave %v", d)
	}
}

// Item 5: when the intake loop counts as stuck. Waiting for admission while
// jobs are in flight is backpressure (they free the slot, and their own
// timeouts bound them); waiting for admission with nothing in flight, or
// pulling without a look at the lanes for longer than the bound and a poll
// wait, is a wedge — but only while work is waiting.
func TestIntakeStallRule(t *testing.T) {
	const bound = time.Minute
	const poll = 4 * queue.DefaultPollWait // the intake's own poll wait counts, not the default
	for _, c := range []struct {
		state    intakeState
		stuck    time.Duration
		inFlight int64
		want     bool // whether work waiting would make it a stall
	}{
		{intakePull, 2 * bound, 0, true},
		{intakePull, 2 * bound, 3, true},
		{intakePull, bound / 2, 0, false},
		// An intake between two looks at the lanes, with a job that came
		// since: it takes it at its next look, within a poll wait.
		{intakePull, bound + poll/2, 0, false},
		{intakePull, bound + 2*queue.DefaultPollWait, 0, false},
		{intakePull, bound + 2*poll, 0, true},
		{intakeAdmit, 2 * bound, 0, true},
		{intakeAdmit, 2 * bound, 1, false},
		{intakeAdmit, bound / 2, 0, false},
		{intakeIdle, 2 * bound, 0, false},
	} {
		if got := intakeMayBeStuck(c.state, c.stuck, c.inFlight, bound, poll); got != c.want {
			t.Errorf("%+v: %v, want %v", c, got, c.want)
		}
	}
}

// Item 10: a publish refused as too large is permanent: retry gives up at
// once instead of retrying until ACK_WAIT and leaving the message to be
// redelivered (and refused again) forever.
func TestRetryStopsOnTooLarge(t *testing.T) {
	calls := 0
	start := time.Now()
	err := retry(context.Background(), func() error {
		calls++
		return fmt.Errorf("publish result: %w", queue.ErrTooLarge)
	})
	if !errors.Is(err, queue.ErrTooLarge) || calls != 1 || time.Since(start) > time.Second {
		t.Fatalf("retry: %v after %d calls in %v", err, calls, time.Since(start))
	}
	calls = 0
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := retry(ctx, func() error { calls++; return errors.New("transient") }); err == nil || calls < 2 {
		t.Fatalf("a transient error was not retried: %v after %d calls", err, calls)
	}
}
