package xdna

import (
	"context"
	"sync"
	"time"
)

// Watched wraps a Device and records whether it makes progress: how many
// encodes are waiting or running on it, and when the last one finished. The
// worker's liveness check (/healthz) reads Stalled.
type Watched struct {
	Device

	mu       sync.Mutex
	busy     int       // Encode calls in progress (waiting for a context or running)
	progress time.Time // last finished encode, or the start of the busy spell
	encodes  uint64
}

// Watch returns dev wrapped so that its progress can be observed.
func Watch(dev Device) *Watched { return &Watched{Device: dev} }

// Encode runs the wrapped device's Encode, recording its start and end.
func (w *Watched) Encode(ctx context.Context, mel, out []float32) error {
	w.mu.Lock()
	if w.busy == 0 {
		// A new busy spell: the clock starts now, not at the last encode of
		// the previous one.
		w.progress = time.Now()
	}
	w.busy++
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.busy--
		w.encodes++
		w.progress = time.Now()
		w.mu.Unlock()
	}()
	return w.Device.Encode(ctx, mel, out)
}

// Progress reports how many encodes are waiting or running, how long it has
// been since the device last made progress (an encode finished, or the
// current busy spell began), and how many encodes have finished in all.
// The idle time is 0 when no encode is in progress: an idle device is not
// stalled.
func (w *Watched) Progress() (busy int, idle time.Duration, encodes uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.busy > 0 {
		idle = time.Since(w.progress)
	}
	return w.busy, idle, w.encodes
}

// Stalled reports whether encodes have been waiting on the device for
// longer than bound without any of them finishing, and for how long.
func (w *Watched) Stalled(bound time.Duration) (time.Duration, bool) {
	busy, idle, _ := w.Progress()
	return idle, busy > 0 && idle > bound
}
