package xdna

import (
	"context"
	"fmt"
	"time"
)

// Sim is the NPU timing model: it does no math, but takes Window per encode
// and runs at most Contexts encodes at once, like the NPU's hardware
// contexts. It is for capacity planning and load tests; results produced with
// it carry "device": "sim" and empty text.
type Sim struct {
	window time.Duration
	slots  chan struct{}
}

// NewSim returns a simulated device with the given per-window latency and
// number of parallel contexts.
func NewSim(window time.Duration, contexts int) (*Sim, error) {
	if window < 0 {
		return nil, fmt.Errorf("xdna: sim window %v is negative", window)
	}
	if contexts < 1 {
		return nil, fmt.Errorf("xdna: sim contexts %d must be at least 1", contexts)
	}
	return &Sim{window: window, slots: make(chan struct{}, contexts)}, nil
}

// Name returns "sim".
func (s *Sim) Name() string { return DriverSim }

// Contexts is the number of encodes the sim runs at once.
func (s *Sim) Contexts() int { return cap(s.slots) }

// Window is the simulated latency of one encode.
func (s *Sim) Window() time.Duration { return s.window }

// Encode waits for a free context, then holds it for the window latency.
// out is left as it is: the sim computes nothing.
func (s *Sim) Encode(ctx context.Context, mel, out []float32) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.slots }()
	if s.window <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(s.window)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close does nothing.
func (s *Sim) Close() error { return nil }
