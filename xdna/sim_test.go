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
