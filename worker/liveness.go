package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
)

// intakeState is where the intake loop is: waiting to admit (a job slot
// and the first stage's buffer), pulling a message, or stopped.
type intakeState int32

const (
	intakeIdle intakeState = iota
	intakeAdmit
	intakePull
)

func (s intakeState) String() string {
	switch s {
	case intakeAdmit:
		return "admitting (waiting for a job slot and an audio buffer)"
	case intakePull:
		return "pulling"
	}
	return "idle"
}

// setIntake records that the intake loop entered state s now.
func (w *Worker) setIntake(s intakeState) {
	w.intakeSince.Store(time.Now().UnixNano())
	w.intake.Store(int32(s))
}

// intakeMayBeStuck reports whether an intake loop that has been in state
// for stuck, with inFlight jobs running, counts as wedged should work be
// waiting. Waiting to admit while jobs run is backpressure: they free the
// slot, and their own timeouts bound them. Waiting to admit with nothing
// in flight, or pulling without looking at the lanes for longer than the
// bound and the intake's poll wait while messages wait, is not.
func intakeMayBeStuck(state intakeState, stuck time.Duration, inFlight int64, bound, pollWait time.Duration) bool {
	switch state {
	case intakePull:
		// stuck counts from the intake's last look at the lanes; a job
		// that came since (a redelivery wakes no one) is taken at the
		// next look, one poll wait later at most.
		return stuck > bound+pollWait
	case intakeAdmit:
		return stuck > bound && inFlight == 0
	}
	return false
}

// Live reports why the worker is wedged, or nil: encodes have waited on
// the device for LIVENESS_TIMEOUT without one finishing, or the intake loop
// has made no progress for LIVENESS_TIMEOUT while messages wait on the
// jobs consumer. An idle worker is live. /healthz serves it.
func (w *Worker) Live(ctx context.Context) error {
	bound := w.cfg.LivenessTimeout
	for i, dev := range w.devs { // one per model on the cpu device
		if idle, stalled := dev.Stalled(bound); stalled {
			busy, _, _ := dev.Progress()
			which := dev.Name()
			if len(w.devs) > 1 {
				which = fmt.Sprintf("%s (model %s)", which, w.models[i].name)
			}
			return fmt.Errorf("device %s: %d encodes waiting, none finished for %v (LIVENESS_TIMEOUT %v)", which, busy, idle.Round(time.Second), bound)
		}
	}
	state := intakeState(w.intake.Load())
	since := time.Unix(0, w.intakeSince.Load())
	if looked := w.in.Looked(); state == intakePull && looked.After(since) {
		// An intake waiting for jobs looks at the lanes at least once a
		// poll wait: progress, even with nothing taken.
		since = looked
	}
	stuck := time.Since(since)
	if !intakeMayBeStuck(state, stuck, w.inFlight.Load(), bound, w.in.PollWait()) {
		return nil
	}
	waiting, err := w.waitingMessages(ctx)
	if err != nil || waiting == 0 {
		// Without an answer from the broker, liveness does not guess:
		// /readyz reports the broker.
		return nil
	}
	return fmt.Errorf("intake: %s for %v while %d messages wait (LIVENESS_TIMEOUT %v)", state, stuck.Round(time.Second), waiting, bound)
}

// waitingMessages is the number of messages the lanes' consumers have not
// yet delivered.
func (w *Worker) waitingMessages(ctx context.Context) (uint64, error) {
	if w.js == nil {
		return 0, fmt.Errorf("not connected")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var waiting uint64
	for _, p := range job.Priorities {
		c, err := w.js.Consumer(ctx, w.cfg.NATS.JobsStream, w.cfg.NATS.LaneConsumer(p))
		if err != nil {
			return 0, err
		}
		waiting += c.CachedInfo().NumPending
	}
	return waiting, nil
}
