package xdna

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSimRunsAtMostContextsAtOnce(t *testing.T) {
	s, err := NewSim(20*time.Millisecond, 2)
	if err != nil {
		t.Fatal(err)
	}
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Count inside the slot by wrapping the window in our own probe.
			s.slots <- struct{}{}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			<-s.slots
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Fatalf("peak %d contexts", peak.Load())
	}
	start := time.Now()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Encode(context.Background(), nil, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// 4 encodes on 2 contexts take at least two windows.
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Fatalf("4 encodes on 2 contexts took %v", el)
	}
}

func TestSimEncodeHonoursContext(t *testing.T) {
	s, _ := NewSim(time.Hour, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := s.Encode(ctx, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if _, err := NewSim(time.Second, 0); err == nil {
		t.Fatal("0 contexts accepted")
	}
}

// A watched device reports a stall only while encodes wait on it without
// any finishing for longer than the bound.
func TestWatchedStall(t *testing.T) {
	sim, err := NewSim(300*time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	w := Watch(sim)
	if w.Name() != DriverSim {
		t.Fatalf("name %s", w.Name())
	}
	if _, stalled := w.Stalled(0); stalled {
		t.Fatal("an idle device is stalled")
	}
	done := make(chan error, 1)
	go func() { done <- w.Encode(context.Background(), nil, nil) }()
	waitForBusy := time.Now().Add(5 * time.Second)
	for {
		if busy, _, _ := w.Progress(); busy == 1 {
			break
		}
		if time.Now().After(waitForBusy) {
			t.Fatal("encode never started")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if _, stalled := w.Stalled(50 * time.Millisecond); !stalled {
		t.Fatal("an encode running past the bound is not a stall")
	}
	if _, stalled := w.Stalled(time.Minute); stalled {
		t.Fatal("stalled within the bound")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if busy, idle, n := w.Progress(); busy != 0 || idle != 0 || n != 1 {
		t.Fatalf("after the encode: busy %d idle %v encodes %d", busy, idle, n)
	}
}
