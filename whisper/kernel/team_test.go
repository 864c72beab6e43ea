package kernel

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Every task of every loop runs exactly once, with loops racing for the
// team from several goroutines (the losers start their own goroutines).
func TestTeamRunsEveryTaskOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	const callers, loops = 4, 300
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range loops {
				n := 1 + (c*loops+l)%37
				counts := make([]atomic.Int32, n)
				parallelFor(n, 2+l%3, func(i int) { counts[i].Add(1) })
				for i := range counts {
					if got := counts[i].Load(); got != 1 {
						t.Errorf("caller %d loop %d: task %d ran %d times", c, l, i, got)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	waitTeamIdle(t)
}

// A loop on the team returns only when every task has returned, even when
// the helper holds the slow one.
func TestTeamWaitsForHelpers(t *testing.T) {
	defer goleak.VerifyNone(t)
	for range 50 {
		var done atomic.Int32
		parallelFor(2, 2, func(i int) {
			if i == 1 {
				time.Sleep(200 * time.Microsecond)
			}
			done.Add(1)
		})
		if got := done.Load(); got != 2 {
			t.Fatalf("parallelFor returned with %d of 2 tasks done", got)
		}
	}
	waitTeamIdle(t)
}

// The team's helpers exit once idle: an idle process keeps no goroutines.
func TestTeamHelpersExitWhenIdle(t *testing.T) {
	parallelFor(8, 2, func(int) { time.Sleep(10 * time.Microsecond) })
	waitTeamIdle(t)
	goleak.VerifyNone(t)
}

func waitTeamIdle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for theTeam.alive.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d team helpers still running after 5 s idle", theTeam.alive.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkParallelFor splits 20 µs of work in two, handed to the team or
// to goroutines started for the loop, against running it serially: what a
// split costs, the reason for minWorkPerWorker.
func BenchmarkParallelFor(b *testing.B) {
	const iters = 36000 // ≈ 10 µs per half on Zen 4
	var sink atomic.Int64
	half := func(int) {
		x := 0
		for i := range iters {
			x += i * i
		}
		sink.Add(int64(x))
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			half(0)
			half(1)
		}
	})
	b.Run("team", func(b *testing.B) {
		for b.Loop() {
			parallelFor(2, 2, half)
		}
	})
	b.Run("goroutines", func(b *testing.B) {
		for b.Loop() {
			spawnFor(2, 2, half)
		}
	})
}
