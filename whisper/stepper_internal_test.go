package whisper

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/pipeline"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// stepDims is a small two-layer model with the real vocabulary.
var stepDims = whispertest.Dims{NVocab: 51864, NAudioCtx: 1500, NAudioState: 64, NAudioHead: 2, NAudioLayer: 1,
	NTextCtx: 448, NTextState: 64, NTextHead: 2, NTextLayer: 2, NMels: 80}

// typedModel writes and loads a model of dims d, weight type typ and
// seeded weights.
func typedModel(tb testing.TB, d whispertest.Dims, typ ggml.Type, seed uint64) *Model {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("m%d-%v.bin", seed, typ))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := whispertest.WriteModel(f, whispertest.SyntheticHeader(d), d, typ, whispertest.SeededValue(seed)); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// forked returns a decoder over audio seed with a prompt of plen tokens,
// forked into n rows (n = 0: no batch, the decoder's own single row).
func forked(t *testing.T, m *Model, seed uint64, plen, n int) (*Decoder, *Batch) {
	t.Helper()
	dec := m.NewDecoder()
	if err := dec.SetAudio(context.Background(), randomAudio(m, seed)); err != nil {
		t.Fatal(err)
	}
	prompt := make([]int, plen)
	for i := range prompt {
		prompt[i] = (int(seed)*7919 + i*104729) % m.Tok.EOT()
	}
	if _, err := dec.Forward(prompt); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		return dec, nil
	}
	b, err := dec.Fork(n)
	if err != nil {
		t.Fatal(err)
	}
	return dec, b
}

// wideDims has an MLP wider than 512, where LinearT packs products of more
// than 16 rows into a GEMM that sums in another order.
var wideDims = whispertest.Dims{NVocab: 51864, NAudioCtx: 1500, NAudioState: 192, NAudioHead: 2, NAudioLayer: 1,
	NTextCtx: 448, NTextState: 192, NTextHead: 2, NTextLayer: 1, NMels: 80}

// One step over the rows of several jobs gives every row the bits it gets
// stepped alone: the logits and the keys and values cached. 1 + 5 + 16 + 3
// rows cross the 16 rows above which LinearT would pack a GEMM; the
// quantized types take LinearT's few-row path 16 rows at a time.
func TestStepRowsMatchAlone(t *testing.T) {
	for _, typ := range []ggml.Type{ggml.F32, ggml.F16, ggml.Q8_0, ggml.Q5_1, ggml.Q4_0} {
		t.Run(typ.String(), func(t *testing.T) {
			m := typedModel(t, wideDims, typ, 3)
			sizes := []int{0, 5, 16, 3} // 0: a single sequence (Forward)
			type job struct {
				dec *Decoder
				b   *Batch
			}
			mk := func() []job {
				var js []job
				for i, n := range sizes {
					dec, b := forked(t, m, uint64(10+i), 3+i, n)
					js = append(js, job{dec, b})
				}
				return js
			}
			alone, together := mk(), mk()
			nv := m.H.NVocab
			for step := range 3 {
				toks := func(i, n int) []int {
					out := make([]int, max(n, 1))
					for r := range out {
						out[r] = (step*131 + i*17 + r*1009) % nv
					}
					return out
				}
				var want [][]float32
				for i, j := range alone {
					var out []float32
					var err error
					if j.b == nil {
						out, err = j.dec.Forward(toks(i, 0))
					} else {
						out, err = j.b.Step(toks(i, sizes[i]))
					}
					if err != nil {
						t.Fatal(err)
					}
					want = append(want, slices.Clone(out))
				}
				var groups []*stepGroup
				for i, j := range together {
					g := &stepGroup{dec: j.dec}
					for r, tk := range toks(i, sizes[i]) {
						if j.b == nil {
							g.rows = append(g.rows, stepRow{tok: tk, pos: j.dec.n, selfK: j.dec.selfK, selfV: j.dec.selfV})
						} else {
							s := j.b.slotOf[r]
							g.rows = append(g.rows, stepRow{tok: tk, pos: j.b.past, selfK: j.b.selfK[s], selfV: j.b.selfV[s]})
						}
					}
					g.logits = make([]float32, len(g.rows)*nv)
					groups = append(groups, g)
				}
				var w stepWork
				m.step(&w, groups)
				for i, j := range together {
					if j.b == nil {
						j.dec.n++
					} else {
						j.b.past++
					}
					if k := firstDiff(groups[i].logits, want[i]); k >= 0 {
						t.Fatalf("step %d, job %d: logit %d is %v batched, %v alone", step, i, k, groups[i].logits[k], want[i][k])
					}
				}
			}
			// The caches hold the same keys and values.
			for i := range alone {
				a, b := alone[i], together[i]
				for l := range m.H.NTextLayer {
					if k := firstDiff(a.dec.selfK[l], b.dec.selfK[l]); k >= 0 {
						t.Fatalf("job %d layer %d: cached key %d differs", i, l, k)
					}
					if a.b != nil {
						for s := range a.b.selfV {
							if k := firstDiff(a.b.selfV[s][l], b.b.selfV[s][l]); k >= 0 {
								t.Fatalf("job %d slot %d layer %d: cached value %d differs", i, s, l, k)
							}
						}
					}
				}
			}
		})
	}
}

// firstDiff returns the first index where a and b differ in bits, or -1.
func firstDiff(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// stepJobs are decodes of every kind: greedy and single-sample (batched
// across jobs) under both rule sets, whisper.cpp's and OpenAI's beam
// search and best_of sampling (stepping alone), with fallback.
func stepJobs() []*job.Decoding {
	one, five, three := 1, 5, 3
	zero, hot := 0.0, 0.4
	yes := true
	return []*job.Decoding{
		{BeamSize: &one, Temperature: &zero, Fallback: &yes},
		{BeamSize: &one, Rules: RulesOpenAI, Temperature: &zero, Fallback: &yes},
		{BeamSize: &one, BestOf: &one, Temperature: &hot},
		{BeamSize: &five, Temperature: &zero, Fallback: &yes},
		{BeamSize: &three, Rules: RulesOpenAI, Temperature: &zero, Fallback: &yes},
		{BeamSize: &one, BestOf: &three, Rules: RulesOpenAI, Temperature: &hot, Fallback: &yes},
	}
}

// decodeJob decodes two windows of audio seed as job d with td.
func decodeJob(ctx context.Context, td *TextDecoder, d *job.Decoding, seed uint64) ([]pipeline.WindowText, error) {
	s, err := td.Start(ctx, &pipeline.Request{Decoding: d})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var out []pipeline.WindowText
	for w := range 2 {
		text, err := s.DecodeWindow(ctx, randomAudio(td.m, seed+uint64(w)), fullWindow)
		if err != nil {
			return out, err
		}
		out = append(out, text)
	}
	return out, nil
}

// Four jobs decoding at once on one TextDecoder share their steps and
// decode exactly what each decodes alone, unbatched.
func TestConcurrentSessionsMatchAlone(t *testing.T) {
	defer goleak.VerifyNone(t)
	m := typedModel(t, stepDims, ggml.F16, 5)
	opts := Options{MaxTokens: 12}
	jobs := stepJobs()
	want := make([][]pipeline.WindowText, len(jobs))
	alone := m.NewTextDecoder(Options{MaxTokens: 12, Unbatched: true})
	for i, d := range jobs {
		var err error
		if want[i], err = decodeJob(context.Background(), alone, d, uint64(100*i)); err != nil {
			t.Fatal(err)
		}
	}
	td := m.NewTextDecoder(opts)
	got := make([][]pipeline.WindowText, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, d := range jobs {
		wg.Go(func() { got[i], errs[i] = decodeJob(context.Background(), td, d, uint64(100*i)) })
	}
	wg.Wait()
	for i := range jobs {
		if errs[i] != nil {
			t.Fatalf("job %d: %v", i, errs[i])
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("job %d batched:\n%+v\nalone:\n%+v", i, got[i], want[i])
		}
	}
	st := td.st
	st.mu.Lock()
	steps, shared, active, pending, leading := st.steps, st.shared, st.active, len(st.pending), st.leading
	st.mu.Unlock()
	t.Logf("%d steps, %d of them shared by several jobs", steps, shared)
	if shared == 0 {
		t.Error("no step served several jobs")
	}
	if active != 0 || pending != 0 || leading {
		t.Errorf("after the jobs: %d active, %d pending, leading %v", active, pending, leading)
	}
}

// A job cancelled while it decodes with others fails with its context's
// error at once and stalls none of the others, which decode what they
// decode alone; a session that joined but asks for no step only delays
// steps by the gather bound.
func TestStepperCancelDoesNotStall(t *testing.T) {
	defer goleak.VerifyNone(t)
	m := typedModel(t, stepDims, ggml.F16, 5)
	jobs := stepJobs()
	alone := m.NewTextDecoder(Options{MaxTokens: 12, Unbatched: true})
	want := make([][]pipeline.WindowText, len(jobs))
	for i, d := range jobs {
		var err error
		if want[i], err = decodeJob(context.Background(), alone, d, uint64(100*i)); err != nil {
			t.Fatal(err)
		}
	}
	td := m.NewTextDecoder(Options{MaxTokens: 12})
	// A member that never steps: every step waits for it at most stepGather.
	td.st.join()
	cancelled := 0
	for victim := range jobs {
		got := make([][]pipeline.WindowText, len(jobs))
		errs := make([]error, len(jobs))
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for i, d := range jobs {
			c := context.Background()
			if i == victim {
				c = ctx
			}
			wg.Go(func() { got[i], errs[i] = decodeJob(c, td, d, uint64(100*i)) })
		}
		time.Sleep(time.Duration(5+10*victim) * time.Millisecond)
		cancel()
		wg.Wait()
		for i := range jobs {
			if i == victim {
				if errs[i] != nil && !errors.Is(errs[i], context.Canceled) {
					t.Errorf("victim %d: %v", i, errs[i])
				}
				if errs[i] != nil {
					cancelled++
				}
				continue
			}
			if errs[i] != nil {
				t.Fatalf("victim %d, job %d: %v", victim, i, errs[i])
			}
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("victim %d, job %d decoded differently", victim, i)
			}
		}
	}
	td.st.leave()
	if cancelled == 0 {
		t.Error("no job was cancelled while decoding")
	}
	st := td.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.active != 0 || len(st.pending) != 0 || st.leading {
		t.Errorf("after the jobs: %d active, %d pending, leading %v", st.active, len(st.pending), st.leading)
	}
}

// A request whose context ends while it waits leaves the queue at once;
// the step it was waiting for goes on for the others (with the lead handed
// to it: TestStepperLeadHandedToCancelled).
func TestStepperAbandon(t *testing.T) {
	defer goleak.VerifyNone(t)
	m := typedModel(t, stepDims, ggml.F32, 5)
	st := newStepper(m)
	st.gather = time.Hour // the leader waits for every member
	decs := make([]*Decoder, 3)
	for i := range decs {
		decs[i], _ = forked(t, m, uint64(i), 2, 0)
	}
	single := func(dec *Decoder) {
		dec.req.g = stepGroup{dec: dec, logits: dec.logits,
			rows: []stepRow{{tok: 220, pos: dec.n, selfK: dec.selfK, selfV: dec.selfV}}}
	}
	for i := range 3 {
		st.join()
		single(decs[i])
	}
	// Member 0 leads and waits for members 1 and 2.
	done0 := make(chan error, 1)
	go func() { done0 <- st.run(context.Background(), &decs[0].req) }()
	waitFor(t, func() bool { st.mu.Lock(); defer st.mu.Unlock(); return st.leading && len(st.pending) == 1 })
	// Member 1 asks, then gives up: it leaves the queue at once.
	ctx, cancel := context.WithCancel(context.Background())
	done1 := make(chan error, 1)
	go func() { done1 <- st.run(ctx, &decs[1].req) }()
	waitFor(t, func() bool { st.mu.Lock(); defer st.mu.Unlock(); return len(st.pending) == 2 })
	cancel()
	if err := <-done1; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned request: %v", err)
	}
	st.leave() // member 1 leaves; 0 still waits for 2
	select {
	case err := <-done0:
		t.Fatalf("the leader stepped before member 2 asked: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	if err := st.run(context.Background(), &decs[2].req); err != nil {
		t.Fatal(err)
	}
	if err := <-done0; err != nil {
		t.Fatal(err)
	}
	st.leave()
	st.leave()
	if st.steps != 1 || st.shared != 1 || st.leading || len(st.pending) != 0 {
		t.Fatalf("%d steps, %d shared, leading %v, %d pending", st.steps, st.shared, st.leading, len(st.pending))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("timed out")
		}
	}
}

// singleRow sets dec's request to one row stepping token 220.
func singleRow(dec *Decoder) *stepReq {
	dec.req.g = stepGroup{dec: dec, logits: dec.logits,
		rows: []stepRow{{tok: 220, pos: dec.n, selfK: dec.selfK, selfV: dec.selfV}}}
	dec.req.wake = make(chan struct{}, 1)
	return &dec.req
}

// A request handed the lead whose context has ended passes the lead on to
// the next request, which then steps: the lead is never lost.
func TestStepperLeadHandedToCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	m := typedModel(t, stepDims, ggml.F32, 5)
	st := newStepper(m)
	b, _ := forked(t, m, 1, 2, 0)
	c, _ := forked(t, m, 2, 2, 0)
	rb, rc := singleRow(b), singleRow(c)
	st.mu.Lock()
	st.active = 1 // c's session; b's has given up
	st.leading = true
	rb.state, rc.state = reqPending, reqPending
	st.pending = append(st.pending, rb, rc)
	st.handOffLocked() // a leader finishing its step hands the lead to b
	st.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := st.abandon(ctx, rb); !errors.Is(err, context.Canceled) {
		t.Fatalf("abandon: %v", err)
	}
	st.mu.Lock()
	if rc.state != reqLead || !st.leading || len(st.pending) != 1 {
		t.Fatalf("after b gave up: c in state %d, leading %v, %d pending", rc.state, st.leading, len(st.pending))
	}
	st.mu.Unlock()
	<-rc.wake // what c's waiting session receives, then it leads
	st.lead(rc)
	if rc.state != reqDone || rc.err != nil || st.leading || len(st.pending) != 0 || st.steps != 1 {
		t.Fatalf("c: state %d, err %v; leading %v, %d pending, %d steps", rc.state, rc.err, st.leading, len(st.pending), st.steps)
	}
}

// A step that panics fails every request in it with errStepPanicked, the
// leader's panic goes on up its own stack, and the stepper is free again.
func TestStepperPanickingStep(t *testing.T) {
	defer goleak.VerifyNone(t)
	m := typedModel(t, stepDims, ggml.F32, 5)
	st := newStepper(m)
	st.gather = time.Hour // the leader waits for the follower
	a, _ := forked(t, m, 1, 2, 0)
	b, _ := forked(t, m, 2, 2, 0)
	ra, rb := singleRow(a), singleRow(b)
	rb.g.rows[0].selfK = nil // the step indexes it: panic
	st.join()
	st.join()
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_ = st.run(context.Background(), ra)
	}()
	waitFor(t, func() bool { st.mu.Lock(); defer st.mu.Unlock(); return st.leading && len(st.pending) == 1 })
	if err := st.run(context.Background(), rb); !errors.Is(err, errStepPanicked) {
		t.Fatalf("follower of a panicking step: %v", err)
	}
	if p := <-panicked; p == nil {
		t.Fatal("the leader's panic was swallowed")
	}
	st.leave()
	st.leave()
	if ra.err != errStepPanicked || st.leading || len(st.pending) != 0 {
		t.Fatalf("leader err %v, leading %v, %d pending", ra.err, st.leading, len(st.pending))
	}
}
