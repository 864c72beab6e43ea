package whisper_test

import (
	"fmt"
	"testing"

	"github.com/xdna-worker/xdna-worker/whisper/whispertest"
)

// benchBatchStep times one batched decoder step of n sequences (beams) over
// ≤ 64 cached tokens each: the cost of advancing all beams by one token.
// Compare n=5 with n=1: one pass over the weights serves all rows, so five
// beams cost far less than five single steps.
func benchBatchStep(b *testing.B, d whispertest.Dims, n int) {
	_, dec := primedDecoder(b, d)
	batch, err := dec.Fork(n)
	if err != nil {
		b.Fatal(err)
	}
	toks := make([]int, n)
	for i := range toks {
		toks[i] = 220 + i
	}
	b.ResetTimer()
	for b.Loop() {
		if batch.Len() >= 64 {
			if batch, err = dec.Fork(n); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := batch.Step(toks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/step")
}

// One batched step of 1 and of 5 sequences (`-bench BatchStep`): the n=5
// step should cost well under 5× the n=1 step.
func BenchmarkBatchStep(b *testing.B) {
	for _, c := range []struct {
		name string
		d    whispertest.Dims
	}{{"tiny", whispertest.Tiny}, {"base", whispertest.Base}} {
		for _, n := range []int{1, 5} {
			b.Run(fmt.Sprintf("%s/beams=%d", c.name, n), func(b *testing.B) { benchBatchStep(b, c.d, n) })
		}
	}
}
