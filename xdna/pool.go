// Package xdna owns the accelerator side of the worker: the pre-allocated
// buffer pools that bound a worker's memory and admission, and the Device
// drivers that run the Whisper encoder (cpu, sim, xrt).
package xdna

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Growth says whether a pool may allocate buffers beyond its initial count.
type Growth string

// Growth policies.
const (
	// GrowthNone keeps a pool at its pre-allocated count; acquisitions wait.
	GrowthNone Growth = "none"
	// GrowthAuto adds buffers under sustained demand, up to MaxCount.
	GrowthAuto Growth = "auto"
)

// ErrClosed is returned by Acquire on a closed pool.
var ErrClosed = errors.New("xdna: pool closed")

// DefaultGrowAfter is how long an acquisition waits for a free buffer before
// an auto-growing pool allocates a new one ("sustained demand").
const DefaultGrowAfter = 50 * time.Millisecond

// PoolConfig describes one pool.
type PoolConfig struct {
	Name      string        // audio, mel or encoder_output
	Size      int           // float32 elements per buffer
	Count     int           // buffers pre-allocated
	MaxCount  int           // cap under GrowthAuto; ignored under GrowthNone
	Growth    Growth        // none or auto
	GrowAfter time.Duration // wait before growing; DefaultGrowAfter when 0
}

// Capacity is the largest number of buffers the pool may ever hold.
func (c PoolConfig) Capacity() int {
	if c.Growth == GrowthAuto && c.MaxCount > c.Count {
		return c.MaxCount
	}
	return c.Count
}

// Validate reports what is wrong with the configuration.
func (c PoolConfig) Validate() error {
	var errs []error
	if c.Size <= 0 {
		errs = append(errs, fmt.Errorf("pool %s: buffer size %d must be positive", c.Name, c.Size))
	}
	if c.Count <= 0 {
		errs = append(errs, fmt.Errorf("pool %s: count %d must be at least 1", c.Name, c.Count))
	}
	switch c.Growth {
	case GrowthNone, "":
	case GrowthAuto:
		if c.MaxCount < c.Count {
			errs = append(errs, fmt.Errorf("pool %s: max_count %d is below count %d", c.Name, c.MaxCount, c.Count))
		}
	default:
		errs = append(errs, fmt.Errorf("pool %s: growth %q is not none or auto", c.Name, c.Growth))
	}
	return errors.Join(errs...)
}

// slot is one pre-allocated buffer and who holds it.
type slot struct {
	data []float32
	// gen is bumped (under Pool.mu) on every release and reclaim, so
	// handles taken before no longer match; Data reads it without the lock.
	gen       atomic.Uint64
	held      bool
	owner     *Owner
	freeSince time.Time
}

// Buffer is a handle on a pool buffer held by one owner (one delivery of a
// job). It is a small value: copying it is cheap, and releasing any copy
// releases the buffer once. A handle goes stale when the buffer is released
// or reclaimed: a stale handle has no Data, and releasing it does nothing,
// so it can neither read nor write nor free a buffer that by then may
// belong to another job.
type Buffer struct {
	pool *Pool
	s    *slot
	gen  uint64
}

// Data returns the buffer's storage, or nil once the handle is stale
// (released or reclaimed). A slice obtained before must not be used after
// Release.
func (b Buffer) Data() []float32 {
	if b.s == nil || b.s.gen.Load() != b.gen {
		return nil
	}
	return b.s.data
}

// Valid reports whether the handle refers to a buffer it still holds.
func (b Buffer) Valid() bool { return b.s != nil && b.s.gen.Load() == b.gen }

// Assign records o as the holder of the buffer, for a buffer reserved
// before its delivery was known (reserve-then-poll).
func (b Buffer) Assign(o *Owner) {
	if b.pool == nil {
		return
	}
	b.pool.mu.Lock()
	defer b.pool.mu.Unlock()
	if b.s.held && b.s.gen.Load() == b.gen {
		b.s.owner = o
	}
}

// Release returns the buffer to its pool. Releasing twice, or releasing a
// handle whose buffer was reclaimed as a leak, is a no-op.
func (b Buffer) Release() {
	if b.pool != nil {
		b.pool.release(b.s, b.gen)
	}
}

// waiter is one Acquire blocked on an empty pool.
type waiter struct {
	ch    chan *slot // buffered 1: a hand-off never blocks Release
	owner *Owner
}

// Pool is a fixed set of equally sized float32 buffers. Acquire blocks until
// a buffer is free (FIFO among waiters), so an empty pool turns into waiting,
// never into an error.
type Pool struct {
	cfg PoolConfig

	mu      sync.Mutex
	all     []*slot
	free    []*slot // stack; the hottest buffer is reused first
	waiters []*waiter
	closed  bool

	acquires, hits, misses, grown, waits, leaks, trimmed uint64
	waitTotal                                            time.Duration
}

// NewPool pre-allocates cfg.Count buffers.
func NewPool(cfg PoolConfig) (*Pool, error) {
	if cfg.Growth == "" {
		cfg.Growth = GrowthNone
	}
	if cfg.GrowAfter <= 0 {
		cfg.GrowAfter = DefaultGrowAfter
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Pool{cfg: cfg}
	p.all = make([]*slot, 0, cfg.Capacity())
	p.free = make([]*slot, 0, cfg.Capacity())
	for range cfg.Count {
		s := &slot{data: make([]float32, cfg.Size)}
		p.all = append(p.all, s)
		p.free = append(p.free, s)
	}
	return p, nil
}

// Name returns the pool's name.
func (p *Pool) Name() string { return p.cfg.Name }

// Config returns the pool's configuration.
func (p *Pool) Config() PoolConfig { return p.cfg }

// BufferSize returns the number of float32 elements in each buffer.
func (p *Pool) BufferSize() int { return p.cfg.Size }

// Capacity is the most buffers the pool can ever hold.
func (p *Pool) Capacity() int { return p.cfg.Capacity() }

// MaxBytes is the memory the pool's buffers occupy at full capacity.
func (p *Pool) MaxBytes() int64 { return int64(p.Capacity()) * int64(p.cfg.Size) * 4 }

// Acquire returns a free buffer, waiting for one if none is free. The buffer
// is recorded as held by the owner in ctx (see WithOwner). Waiters are
// served first come, first served. Acquire fails only when ctx ends or the
// pool is closed.
func (p *Pool) Acquire(ctx context.Context) (Buffer, error) {
	owner := OwnerFrom(ctx)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return Buffer{}, ErrClosed
	}
	p.acquires++
	if n := len(p.free); n > 0 && len(p.waiters) == 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		p.hits++
		b := p.hold(s, owner)
		p.mu.Unlock()
		return b, nil
	}
	p.misses++
	p.waits++
	w := &waiter{ch: make(chan *slot, 1), owner: owner}
	p.waiters = append(p.waiters, w)
	canGrow := p.cfg.Growth == GrowthAuto && len(p.all) < p.cfg.MaxCount
	p.mu.Unlock()

	start := time.Now()
	defer func() {
		p.mu.Lock()
		p.waitTotal += time.Since(start)
		p.mu.Unlock()
	}()

	var grow <-chan time.Time
	if canGrow {
		t := time.NewTimer(p.cfg.GrowAfter)
		defer t.Stop()
		grow = t.C
	}
	for {
		select {
		case s := <-w.ch:
			if s == nil {
				return Buffer{}, ErrClosed
			}
			return p.handed(s), nil
		case <-grow:
			grow = nil
			p.mu.Lock()
			if p.removeWaiter(w) && len(p.all) < p.cfg.MaxCount && !p.closed {
				s := &slot{data: make([]float32, p.cfg.Size)}
				p.all = append(p.all, s)
				p.grown++
				b := p.hold(s, owner)
				p.mu.Unlock()
				return b, nil
			}
			if !p.closed && !p.isWaiting(w) && len(w.ch) == 0 {
				// Removed but could not grow: queue again at the back.
				p.waiters = append(p.waiters, w)
			}
			p.mu.Unlock()
		case <-ctx.Done():
			p.mu.Lock()
			if p.removeWaiter(w) {
				p.mu.Unlock()
				return Buffer{}, ctx.Err()
			}
			p.mu.Unlock()
			// A buffer was handed to us as we gave up: pass it on.
			if s := <-w.ch; s != nil {
				p.handed(s).Release()
			}
			return Buffer{}, ctx.Err()
		}
	}
}

// TryAcquire returns a free buffer if one is available right now.
func (p *Pool) TryAcquire(ctx context.Context) (Buffer, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.free)
	if p.closed || n == 0 || len(p.waiters) > 0 {
		return Buffer{}, false
	}
	p.acquires++
	p.hits++
	s := p.free[n-1]
	p.free = p.free[:n-1]
	return p.hold(s, OwnerFrom(ctx)), true
}

// hold marks s as held by owner; p.mu is held.
func (p *Pool) hold(s *slot, owner *Owner) Buffer {
	s.held = true
	s.owner = owner
	return Buffer{pool: p, s: s, gen: s.gen.Load()}
}

// handed turns a slot received from Release into a handle; the slot was
// already marked held for the waiter by Release.
func (p *Pool) handed(s *slot) Buffer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Buffer{pool: p, s: s, gen: s.gen.Load()}
}

func (p *Pool) isWaiting(w *waiter) bool {
	for _, x := range p.waiters {
		if x == w {
			return true
		}
	}
	return false
}

// removeWaiter drops w from the queue and reports whether it was there.
func (p *Pool) removeWaiter(w *waiter) bool {
	for i, x := range p.waiters {
		if x == w {
			copy(p.waiters[i:], p.waiters[i+1:])
			p.waiters[len(p.waiters)-1] = nil
			p.waiters = p.waiters[:len(p.waiters)-1]
			return true
		}
	}
	return false
}

func (p *Pool) release(s *slot, gen uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s == nil || !s.held || s.gen.Load() != gen {
		return // double release, or reclaimed as a leak already
	}
	p.putLocked(s)
}

// putLocked returns a held slot: to the first waiter, or to the free list.
func (p *Pool) putLocked(s *slot) {
	s.gen.Add(1)
	s.held = false
	s.owner = nil
	if len(p.waiters) > 0 && !p.closed {
		w := p.waiters[0]
		copy(p.waiters, p.waiters[1:])
		p.waiters[len(p.waiters)-1] = nil
		p.waiters = p.waiters[:len(p.waiters)-1]
		s.held = true
		s.owner = w.owner
		w.ch <- s
		return
	}
	s.freeSince = time.Now()
	p.free = append(p.free, s)
}

// Reclaim returns every buffer still held by o to the pool, counting each
// as a leak, and reports how many there were. Call it when o's delivery has
// ended: any buffer it still holds then is a leak. The handles o held go
// stale. A nil owner reclaims nothing.
func (p *Pool) Reclaim(o *Owner) int {
	if o == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.all {
		if s.held && s.owner == o {
			p.putLocked(s)
			n++
		}
	}
	p.leaks += uint64(n)
	return n
}

// HeldBy reports how many buffers o holds now.
func (p *Pool) HeldBy(o *Owner) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.all {
		if s.held && o != nil && s.owner == o {
			n++
		}
	}
	return n
}

// Held reports how many buffers the owners made for job id hold now, all
// deliveries of the job together.
func (p *Pool) Held(job string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.all {
		if s.held && s.owner != nil && s.owner.job == job {
			n++
		}
	}
	return n
}

// Available reports how many buffers are free right now.
func (p *Pool) Available() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// Trim frees buffers beyond the initial count that have been idle for at
// least idle, shrinking an auto-grown pool back after a burst, and reports
// how many it freed. The free list is a stack, so the buffers that sit
// longest unused are the ones at its bottom, and those go first. The worker
// calls it every POOL_IDLE_TRIM/2.
func (p *Pool) Trim(idle time.Duration) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	now := time.Now()
	defer func() { p.trimmed += uint64(n) }()
	for i := 0; i < len(p.free) && len(p.all) > p.cfg.Count; {
		s := p.free[i]
		if now.Sub(s.freeSince) < idle {
			i++
			continue
		}
		p.free = append(p.free[:i], p.free[i+1:]...)
		for j, x := range p.all {
			if x == s {
				p.all = append(p.all[:j], p.all[j+1:]...)
				break
			}
		}
		n++
	}
	return n
}

// Close wakes every waiter with ErrClosed; later acquisitions fail.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, w := range p.waiters {
		w.ch <- nil
	}
	p.waiters = nil
}

// Stats is a snapshot of a pool, in the shape of the seed server's /health.
type Stats struct {
	Name             string  `json:"-"`
	HitRate          float64 `json:"hit_rate"`
	BuffersAvailable int     `json:"buffers_available"`
	BuffersInUse     int     `json:"buffers_in_use"`
	TotalBuffers     int     `json:"total_buffers"`
	MaxBuffers       int     `json:"max_buffers"`
	BufferBytes      int64   `json:"buffer_bytes"`
	Waiting          int     `json:"waiting"`
	Acquires         uint64  `json:"acquires"`
	Hits             uint64  `json:"hits"`
	Misses           uint64  `json:"misses"`
	Grown            uint64  `json:"grown"`
	Trimmed          uint64  `json:"trimmed"`
	WaitSeconds      float64 `json:"wait_seconds"`
	Leaks            uint64  `json:"leaks"`
	HasLeaks         bool    `json:"has_leaks"`
}

// Stats returns a snapshot. HitRate is the share of acquisitions served at
// once from a free buffer; one that had to wait or grow the pool is a miss.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stats{
		Name:             p.cfg.Name,
		HitRate:          1,
		BuffersAvailable: len(p.free),
		BuffersInUse:     len(p.all) - len(p.free),
		TotalBuffers:     len(p.all),
		MaxBuffers:       p.cfg.Capacity(),
		BufferBytes:      int64(p.cfg.Size) * 4,
		Waiting:          len(p.waiters),
		Acquires:         p.acquires,
		Hits:             p.hits,
		Misses:           p.misses,
		Grown:            p.grown,
		Trimmed:          p.trimmed,
		WaitSeconds:      p.waitTotal.Seconds(),
		Leaks:            p.leaks,
		HasLeaks:         p.leaks > 0,
	}
	if p.acquires > 0 {
		st.HitRate = float64(p.hits) / float64(p.acquires)
	}
	return st
}
