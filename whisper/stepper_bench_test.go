package whisper

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// benchJobs times jobs decoding at once, each on its own window: every job
// takes 32 tokens greedily (beams = 1) or with a batch of beams rows
// (tokens chosen per row by argmax), joined to one stepper (batched) or
// each stepping alone. It reports tokens per second over all jobs (a
// beam-search step counts as one token of its job).
func benchJobs(b *testing.B, m *Model, jobs, beams int, batched bool) {
	var st *stepper
	if batched {
		st = newStepper(m)
	}
	ctx := context.Background()
	prompt := m.Tok.SOTSequence("en", job.TaskTranscribe, true)
	decs := make([]*Decoder, jobs)
	for i := range decs {
		decs[i] = m.NewDecoder()
		if err := decs[i].SetAudio(ctx, randomAudio(m, uint64(i))); err != nil {
			b.Fatal(err)
		}
		if _, err := decs[i].Forward(prompt); err != nil {
			b.Fatal(err)
		}
	}
	const tokens = 32
	nv := m.H.NVocab
	argmax := func(row []float32) int {
		best := 0
		for i, v := range row {
			if v > row[best] {
				best = i
			}
		}
		return best
	}
	run := func(dec *Decoder) error {
		if st != nil {
			st.join()
			defer st.leave()
		}
		dec.Truncate(len(prompt))
		if beams == 1 {
			tok := 220
			for range tokens {
				logits, err := dec.forwardVia(ctx, st, tok)
				if err != nil {
					return err
				}
				tok = argmax(logits)
			}
			return nil
		}
		batch, err := dec.Fork(beams)
		if err != nil {
			return err
		}
		toks := make([]int, beams)
		for r := range toks {
			toks[r] = 220 + r
		}
		for range tokens {
			logits, err := batch.stepVia(ctx, st, toks)
			if err != nil {
				return err
			}
			for r := range toks {
				toks[r] = argmax(logits[r*nv : (r+1)*nv])
			}
		}
		return nil
	}
	errs := make([]error, jobs)
	for b.Loop() {
		var wg sync.WaitGroup
		for i, dec := range decs {
			wg.Go(func() { errs[i] = run(dec) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(jobs*tokens*b.N)/b.Elapsed().Seconds(), "tok/s")
	if st != nil {
		st.mu.Lock()
		b.ReportMetric(float64(st.rows)/float64(max(st.steps, 1)), "rows/step")
		st.mu.Unlock()
	}
}

// Jobs decoding at once, batched or each alone (issue 10 item 3: 4 jobs
// batched must reach 2.5× the tokens per second of one):
//
//	go test -run '^$' -bench 'DecoderJobs' -benchtime 5x ./whisper/
//
// Compare the tok/s of jobs=4/batched with jobs=1/batched (the same as
// jobs=1/alone).
func BenchmarkDecoderJobs(b *testing.B) {
	for _, c := range []struct {
		name string
		d    whispertest.Dims
		typ  ggml.Type
	}{
		{"tiny", whispertest.Tiny, ggml.F16}, {"base", whispertest.Base, ggml.F16},
		{"tiny-q8_0", whispertest.Tiny, ggml.Q8_0}, {"base-q8_0", whispertest.Base, ggml.Q8_0},
		{"tiny-q5_0", whispertest.Tiny, ggml.Q5_0},
	} {
		m := typedModel(b, c.d, c.typ, 1)
		for _, beams := range []int{1, 5} {
			for _, jobs := range []int{1, 2, 4} {
				for _, batched := range []bool{true, false} {
					if jobs == 1 && !batched {
						continue // the same as batched: a lone job steps alone
					}
					mode := "alone"
					if batched {
						mode = "batched"
					}
					b.Run(fmt.Sprintf("%s/beams=%d/jobs=%d/%s", c.name, beams, jobs, mode), func(b *testing.B) {
						benchJobs(b, m, jobs, beams, batched)
					})
				}
			}
		}
	}
}

// One step over rows rows (one job's batch) without the stepper: how a
// step's cost grows with its rows.
//
//	go test -run '^$' -bench 'StepRows' ./whisper/
func BenchmarkStepRows(b *testing.B) {
	for _, c := range []struct {
		name string
		d    whispertest.Dims
	}{{"tiny", whispertest.Tiny}, {"base", whispertest.Base}} {
		m := typedModel(b, c.d, ggml.F16, 1)
		for _, rows := range []int{1, 4, 8, 20} {
			b.Run(fmt.Sprintf("%s/rows=%d", c.name, rows), func(b *testing.B) {
				ctx := context.Background()
				dec := m.NewDecoder()
				if err := dec.SetAudio(ctx, randomAudio(m, 1)); err != nil {
					b.Fatal(err)
				}
				if _, err := dec.Forward(m.Tok.SOTSequence("en", job.TaskTranscribe, true)); err != nil {
					b.Fatal(err)
				}
				batch, err := dec.Fork(min(rows, maxBatch))
				if err != nil {
					b.Fatal(err)
				}
				g := &stepGroup{dec: dec, logits: make([]float32, rows*m.H.NVocab)}
				for r := range rows {
					s := batch.slotOf[r%batch.n]
					g.rows = append(g.rows, stepRow{tok: 220 + r, pos: batch.past, selfK: batch.selfK[s], selfV: batch.selfV[s]})
				}
				var w stepWork
				groups := []*stepGroup{g}
				for b.Loop() {
					m.step(&w, groups)
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/step")
			})
		}
	}
}
