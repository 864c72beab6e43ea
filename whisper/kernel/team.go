package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A team is a set of helper goroutines that wait, spinning briefly, for the
// next parallel loop, instead of starting goroutines for it: 3.3 µs of work
// split in two takes 2.0 µs on the team, 4.9–5.4 µs on new goroutines
// (slower than serial); 22 µs takes 18 µs and 30–32 µs
// (`go test -run '^$' -bench ParallelFor ./whisper/kernel/`, 2 vCPUs).
// That latency matters for the text decoder,
// which runs ~40 small matrix products per token, each worth splitting over
// two cores only if the split is cheap (ggml's thread pool spins for the
// same reason).
//
// One loop uses the team at a time (the caller that wins the team's lock);
// concurrent loops start goroutines as before. Helpers spin for up to
// teamSpin after a loop, then park; a parked helper exits after teamIdle
// without work, so an idle process keeps no goroutines and tests' leak
// checks pass.
type team struct {
	mu     sync.Mutex               // held by the loop using the team
	cur    atomic.Pointer[teamLoop] // the loop on offer, nil between loops
	alive  atomic.Int32             // helper goroutines running
	parked atomic.Int32             // helpers blocked on wake
	wake   chan struct{}
}

// teamLoop is one parallel loop: tasks [0, n) handed out by next.
type teamLoop struct {
	n     int64
	fn    func(i int)
	next  atomic.Int64
	state atomic.Int64 // helpers inside run; closedBit once the caller is done
}

const closedBit = 1 << 40

// How long a helper spins for the next loop before parking, and how long a
// parked helper waits before exiting.
var (
	teamSpin = 200 * time.Microsecond
	teamIdle = 20 * time.Millisecond
)

var theTeam = &team{wake: make(chan struct{}, 64)}

// run executes tasks until none are left. It reports false if the loop
// was already closed.
func (l *teamLoop) run() bool {
	for {
		s := l.state.Load()
		if s&closedBit != 0 {
			return false
		}
		if l.state.CompareAndSwap(s, s+1) {
			break
		}
	}
	for {
		i := l.next.Add(1) - 1
		if i >= l.n {
			break
		}
		l.fn(int(i))
	}
	l.state.Add(-1)
	return true
}

// tryFor runs fn(i) for i in [0, n) on the calling goroutine and up to
// nw-1 helpers. It reports false, having done nothing, when another loop
// holds the team.
func (t *team) tryFor(n, nw int, fn func(i int)) bool {
	if !t.mu.TryLock() {
		return false
	}
	defer t.mu.Unlock()
	l := &teamLoop{n: int64(n), fn: fn}
	t.cur.Store(l)
	// Enough helpers for this loop: start the missing ones, wake the parked.
	want := int32(nw - 1)
	for a := t.alive.Load(); a < want; a = t.alive.Load() {
		if t.alive.CompareAndSwap(a, a+1) {
			go t.helper()
		}
	}
	for p := t.parked.Load(); p > 0; p-- {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
	for {
		i := l.next.Add(1) - 1
		if i >= l.n {
			break
		}
		fn(int(i))
	}
	// Close the loop: helpers that have not joined will not; wait for
	// those inside to finish their last task.
	for {
		s := l.state.Load()
		if l.state.CompareAndSwap(s, s|closedBit) {
			break
		}
	}
	t.cur.Store(nil)
	for spins := 0; l.state.Load() != closedBit; spins++ {
		if spins > 64 {
			runtime.Gosched()
		}
	}
	return true
}

// helper is a team goroutine: it runs the loops on offer, spinning between
// them for up to teamSpin, parking after that, and exiting after teamIdle
// parked without work.
func (t *team) helper() {
	defer t.alive.Add(-1)
	var last *teamLoop
	timer := time.NewTimer(teamIdle)
	defer timer.Stop()
	for {
		deadline := time.Now().Add(teamSpin)
		for spins := 0; ; spins++ {
			if l := t.cur.Load(); l != nil && l != last {
				last = l
				l.run()
				deadline = time.Now().Add(teamSpin)
				spins = 0
				continue
			}
			if spins&63 == 63 {
				if time.Now().After(deadline) {
					break
				}
				runtime.Gosched()
			}
		}
		// Park. Re-check after announcing, so a loop offered between the
		// check and the announcement is not missed.
		t.parked.Add(1)
		if l := t.cur.Load(); l != nil && l != last {
			t.parked.Add(-1)
			continue
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(teamIdle)
		select {
		case <-t.wake:
			t.parked.Add(-1)
		case <-timer.C:
			t.parked.Add(-1)
			return
		}
	}
}
