package kernel

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// parallelFor runs fn(i) for every i in [0, n) using up to nw goroutines, the
// calling goroutine being one of them. Tasks are handed out dynamically.
// The helpers come from the team (team.go) when it is free, and are
// started here otherwise; either way every task has returned when
// parallelFor returns.
func parallelFor(n, nw int, fn func(i int)) {
	if nw > n {
		nw = n
	}
	if nw <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	if theTeam.tryFor(n, nw, fn) {
		return
	}
	spawnFor(n, nw, fn)
}

// spawnFor is parallelFor on nw-1 goroutines started for the loop.
func spawnFor(n, nw int, fn func(i int)) {
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(i)
		}
	}
	var wg sync.WaitGroup
	wg.Add(nw - 1)
	for w := 1; w < nw; w++ {
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// minWorkPerWorker is the estimated single-thread time (ns) of work that
// justifies one more goroutine. Starting goroutines for a split loses to
// running it serially below ≈ 20 µs of work on this 2-vCPU VM (an earlier
// VM measured ≈ 100 µs); handing it to the spinning team (team.go) wins
// from a few µs (`go test -run '^$' -bench ParallelFor ./whisper/kernel/`),
// so 10 µs of work is split. Tests set it to 0 to exercise the parallel paths on
// small inputs.
var minWorkPerWorker = 10e3

// workersFor returns how many goroutines to use for a job estimated to take
// ns nanoseconds on one core that can be split into at most tasks pieces.
func workersFor(ns float64, tasks int) int {
	nw := Threads()
	if lim := int(ns / minWorkPerWorker); lim < nw {
		nw = lim
	}
	if nw > tasks {
		nw = tasks
	}
	if nw < 1 {
		nw = 1
	}
	return nw
}

// Single-core throughput estimates used to size parallel jobs.
const (
	gemmFlopsPerNs  = 100 // packed SGEMM, AVX2/FMA on a ~3.5 GHz core
	smallFlopsPerNs = 20  // unpacked dot/axpy paths (memory bound)
)

// bufPools recycle float32 scratch buffers by power-of-two capacity class.
var bufPools [48]sync.Pool

// getBuf returns a scratch slice of length n (contents undefined). Release it
// with putBuf.
func getBuf(n int) *[]float32 {
	cls := bits.Len(uint(n))
	if n > 0 && n&(n-1) == 0 {
		cls-- // exact power of two
	}
	if p, ok := bufPools[cls].Get().(*[]float32); ok {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n, 1<<cls)
	return &s
}

// putBuf returns a buffer obtained from getBuf to its pool.
func putBuf(p *[]float32) {
	c := cap(*p)
	cls := bits.Len(uint(c)) - 1
	if c == 0 || 1<<cls != c {
		return
	}
	bufPools[cls].Put(p)
}
