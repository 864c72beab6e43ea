package xdna

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newPool(t testing.TB, cfg PoolConfig) *Pool {
	t.Helper()
	if cfg.Size == 0 {
		cfg.Size = 16
	}
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPoolAcquireRelease(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "audio", Count: 2})
	ctx := context.Background()
	a, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if &a.Data()[0] == &b.Data()[0] {
		t.Fatal("two holders got the same buffer")
	}
	if len(a.Data()) != 16 {
		t.Fatalf("buffer len %d", len(a.Data()))
	}
	st := p.Stats()
	if st.BuffersInUse != 2 || st.BuffersAvailable != 0 || st.TotalBuffers != 2 {
		t.Fatalf("stats %+v", st)
	}
	a.Release()
	a.Release() // double release is a no-op
	if got := p.Available(); got != 1 {
		t.Fatalf("available %d after double release, want 1", got)
	}
	b.Release()
	if st := p.Stats(); st.BuffersAvailable != 2 || st.HitRate != 1 || st.HasLeaks {
		t.Fatalf("stats %+v", st)
	}
}

func TestPoolWaitsInsteadOfFailing(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "mel", Count: 3})
	const workers, rounds = 64, 50
	var held, maxHeld atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				b, err := p.Acquire(context.Background())
				if err != nil {
					errs <- err
					return
				}
				n := held.Add(1)
				for {
					m := maxHeld.Load()
					if n <= m || maxHeld.CompareAndSwap(m, n) {
						break
					}
				}
				b.Data()[0]++
				held.Add(-1)
				b.Release()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("acquire failed under contention: %v", err)
	}
	if maxHeld.Load() > 3 {
		t.Fatalf("%d buffers held at once from a pool of 3", maxHeld.Load())
	}
	st := p.Stats()
	if st.Acquires != workers*rounds || st.BuffersAvailable != 3 || st.HasLeaks {
		t.Fatalf("stats %+v", st)
	}
	if st.Waiting != 0 {
		t.Fatalf("%d waiters left", st.Waiting)
	}
}

func TestPoolFIFOAndCancel(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "audio", Count: 1})
	first, _ := p.Acquire(context.Background())

	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := p.Acquire(ctx)
		cancelled <- err
	}()
	waitFor(t, func() bool { return p.Stats().Waiting == 1 })

	got := make(chan Buffer, 1)
	go func() {
		b, err := p.Acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	waitFor(t, func() bool { return p.Stats().Waiting == 2 })
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled acquire: %v", err)
	}
	first.Release()
	select {
	case b := <-got:
		b.Release()
	case <-time.After(5 * time.Second):
		t.Fatal("waiter never got the released buffer")
	}
	if st := p.Stats(); st.BuffersAvailable != 1 || st.Waiting != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPoolReclaimCountsLeaks(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "encoder_output", Count: 2})
	ctx := WithJob(context.Background(), "job-1")
	leaked, _ := p.Acquire(ctx)
	ctx2 := WithJob(context.Background(), "job-2")
	kept, _ := p.Acquire(ctx2)
	if n := p.Held("job-1"); n != 1 {
		t.Fatalf("held %d", n)
	}
	if n := p.Reclaim(OwnerFrom(ctx)); n != 1 {
		t.Fatalf("reclaimed %d, want 1", n)
	}
	st := p.Stats()
	if !st.HasLeaks || st.Leaks != 1 || st.BuffersAvailable != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The leaked handle is stale now: releasing it must not free the buffer
	// that someone else acquires next.
	next, _ := p.Acquire(WithJob(context.Background(), "job-3"))
	leaked.Release()
	if n := p.Held("job-3"); n != 1 {
		t.Fatalf("stale release freed job-3's buffer")
	}
	if n := p.Reclaim(OwnerFrom(ctx2)); n != 1 {
		t.Fatalf("reclaimed %d for job-2", n)
	}
	kept.Release() // stale too
	next.Release()
	if p.Available() != 2 {
		t.Fatalf("available %d", p.Available())
	}
}

func TestPoolAutoGrowth(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "audio", Count: 1, MaxCount: 3, Growth: GrowthAuto, GrowAfter: time.Millisecond})
	var bufs []Buffer
	for range 3 {
		b, err := p.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	st := p.Stats()
	if st.TotalBuffers != 3 || st.Grown != 2 || st.HitRate > 0.34 {
		t.Fatalf("stats %+v", st)
	}
	// At max_count it waits rather than growing or failing.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire at max_count: %v", err)
	}
	for _, b := range bufs {
		b.Release()
	}
	if n := p.Trim(0); n != 2 {
		t.Fatalf("trimmed %d, want 2", n)
	}
	if st := p.Stats(); st.TotalBuffers != 1 {
		t.Fatalf("after trim %+v", st)
	}
}

func TestPoolCloseWakesWaiters(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "audio", Count: 1})
	b, _ := p.Acquire(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Acquire(context.Background())
		done <- err
	}()
	waitFor(t, func() bool { return p.Stats().Waiting == 1 })
	p.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v", err)
	}
	b.Release()
}

func TestPoolConfigValidate(t *testing.T) {
	for _, cfg := range []PoolConfig{
		{Name: "a", Size: 0, Count: 1},
		{Name: "a", Size: 1, Count: 0},
		{Name: "a", Size: 1, Count: 4, MaxCount: 2, Growth: GrowthAuto},
		{Name: "a", Size: 1, Count: 1, Growth: "sometimes"},
	} {
		if _, err := NewPool(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestPoolsSetsAndBytes(t *testing.T) {
	ps, err := NewPools(Dims{NMels: 80, NAudioCtx: 1500, NAudioState: 384}, PoolsConfig{AudioCount: 4, MelCount: 2, EncoderCount: 3})
	if err != nil {
		t.Fatal(err)
	}
	if ps.Sets() != 2 {
		t.Fatalf("sets %d", ps.Sets())
	}
	want := int64(4*480000+2*80*3000+3*1500*384) * 4
	if ps.MaxBytes() != want {
		t.Fatalf("bytes %d want %d", ps.MaxBytes(), want)
	}
}

func TestPoolAcquireDoesNotAllocate(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "audio", Count: 2})
	ctx := WithJob(context.Background(), "j")
	allocs := testing.AllocsPerRun(1000, func() {
		b, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.Release()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per acquire/release", allocs)
	}
}

func BenchmarkPoolAcquireRelease(b *testing.B) {
	p := newPool(b, PoolConfig{Name: "audio", Count: 4})
	ctx := WithJob(context.Background(), "bench")
	b.ReportAllocs()
	for b.Loop() {
		buf, err := p.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		buf.Release()
	}
}

func BenchmarkPoolAcquireReleaseParallel(b *testing.B) {
	p := newPool(b, PoolConfig{Name: "audio", Count: 4})
	ctx := WithJob(context.Background(), "bench")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			buf, err := p.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			buf.Release()
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// Two live waiters are served in the order they started waiting: a LIFO
// hand-off (the newest waiter first) fails this test.
func TestPoolFIFOTwoLiveWaiters(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "audio", Count: 1})
	held, _ := p.Acquire(context.Background())

	type got struct {
		name string
		b    Buffer
	}
	served := make(chan got, 2)
	wait := func(name string) {
		b, err := p.Acquire(WithJob(context.Background(), name))
		if err != nil {
			t.Error(err)
		}
		served <- got{name, b}
	}
	go wait("first")
	waitFor(t, func() bool { return p.Stats().Waiting == 1 })
	go wait("second")
	waitFor(t, func() bool { return p.Stats().Waiting == 2 })

	held.Release()
	g := <-served
	if g.name != "first" {
		t.Fatalf("the buffer went to the %s waiter; FIFO wants the first", g.name)
	}
	// The second is still waiting, and live: it gets the buffer next.
	if st := p.Stats(); st.Waiting != 1 {
		t.Fatalf("%d waiting after one hand-off, want 1", st.Waiting)
	}
	select {
	case g2 := <-served:
		t.Fatalf("%s served while the buffer was held", g2.name)
	case <-time.After(20 * time.Millisecond):
	}
	g.b.Release()
	select {
	case g2 := <-served:
		if g2.name != "second" {
			t.Fatalf("second hand-off went to %s", g2.name)
		}
		g2.b.Release()
	case <-time.After(5 * time.Second):
		t.Fatal("the second waiter never got the buffer")
	}
	if st := p.Stats(); st.BuffersAvailable != 1 || st.Waiting != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A handle whose buffer was reclaimed gives no access to it: the buffer may
// already belong to another job.
func TestPoolStaleHandleUnusable(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "mel", Count: 1})
	o := NewOwner("job-1")
	stale, _ := p.Acquire(WithOwner(context.Background(), o))
	if stale.Data() == nil || !stale.Valid() {
		t.Fatal("a held handle has no data")
	}
	if n := p.Reclaim(o); n != 1 {
		t.Fatalf("reclaimed %d", n)
	}
	next, _ := p.Acquire(WithJob(context.Background(), "job-2"))
	if d := stale.Data(); d != nil {
		t.Fatalf("a reclaimed handle still reaches the buffer (%d floats), now job-2's", len(d))
	}
	if stale.Valid() {
		t.Fatal("a reclaimed handle says it is valid")
	}
	if next.Data() == nil {
		t.Fatal("the new holder has no data")
	}
	next.Release()
	if next.Data() != nil {
		t.Fatal("a released handle still reaches the buffer")
	}
}

// Buffers belong to one owner (one delivery), not to a job id: two owners
// with the same job id do not reclaim each other's buffers.
func TestPoolOwnersAreDeliveriesNotJobIDs(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "encoder_output", Count: 2})
	a, b := NewOwner("same-id"), NewOwner("same-id")
	ba, _ := p.Acquire(WithOwner(context.Background(), a))
	bb, _ := p.Acquire(WithOwner(context.Background(), b))
	if p.HeldBy(a) != 1 || p.HeldBy(b) != 1 || p.Held("same-id") != 2 {
		t.Fatalf("held: a %d, b %d, job %d", p.HeldBy(a), p.HeldBy(b), p.Held("same-id"))
	}
	ba.Release()
	if n := p.Reclaim(a); n != 0 {
		t.Fatalf("owner a ended clean but %d buffers were reclaimed (b's)", n)
	}
	if bb.Data() == nil || p.HeldBy(b) != 1 {
		t.Fatal("b lost its buffer when a ended")
	}
	if st := p.Stats(); st.HasLeaks {
		t.Fatalf("stats %+v", st)
	}
	if OwnerFrom(WithOwner(context.Background(), b)) != b || JobFrom(WithOwner(context.Background(), b)) != "same-id" {
		t.Fatal("owner not carried by the context")
	}
	if WithJob(context.Background(), "x") == WithJob(context.Background(), "x") ||
		OwnerFrom(WithJob(context.Background(), "x")) == OwnerFrom(WithJob(context.Background(), "x")) {
		t.Fatal("WithJob must make a new owner each time")
	}
	bb.Release()
}

// Trim drops only extras (beyond Count) that have been free for the idle
// time, coldest first; recently used ones stay.
func TestPoolTrimIdleExtras(t *testing.T) {
	p := newPool(t, PoolConfig{Name: "audio", Count: 1, MaxCount: 3, Growth: GrowthAuto, GrowAfter: time.Millisecond})
	var bufs []Buffer
	for range 3 {
		b, err := p.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	bufs[0].Release()
	time.Sleep(60 * time.Millisecond)
	bufs[1].Release() // just used
	bufs[2].Release()
	if n := p.Trim(time.Hour); n != 0 {
		t.Fatalf("trimmed %d buffers that were not idle for long", n)
	}
	if n := p.Trim(40 * time.Millisecond); n != 1 {
		t.Fatalf("trimmed %d, want the 1 buffer idle for 60 ms", n)
	}
	st := p.Stats()
	if st.TotalBuffers != 2 || st.Trimmed != 1 {
		t.Fatalf("after trim %+v", st)
	}
	time.Sleep(60 * time.Millisecond)
	// Both are idle now, but the pool keeps Count buffers.
	if n := p.Trim(40 * time.Millisecond); n != 1 {
		t.Fatalf("second trim %d, want 1", n)
	}
	if n := p.Trim(0); n != 0 {
		t.Fatalf("trimmed below Count: %d", n)
	}
	// It grows again under demand.
	b1, _ := p.Acquire(context.Background())
	b2, _ := p.Acquire(context.Background())
	if st := p.Stats(); st.TotalBuffers != 2 {
		t.Fatalf("regrow %+v", st)
	}
	b1.Release()
	b2.Release()
}

// Pools.Trim trims every pool.
func TestPoolsTrim(t *testing.T) {
	ps, err := NewPools(Dims{NMels: 80, NAudioCtx: 1500, NAudioState: 8}, PoolsConfig{AudioCount: 1, MelCount: 1, EncoderCount: 1, MaxCount: 2, Growth: GrowthAuto})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.All() {
		p.cfg.GrowAfter = time.Millisecond
		a, _ := p.Acquire(context.Background())
		b, _ := p.Acquire(context.Background())
		a.Release()
		b.Release()
	}
	if n := ps.Trim(0); n != 3 {
		t.Fatalf("trimmed %d, want one extra per pool", n)
	}
}
