package align

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAlign: a full 30 s window (1500 encoder frames) of 100 text
// tokens with large-v3's 10 alignment heads.
func BenchmarkAlign(b *testing.B) {
	const heads, tokens, ctx = 10, 104, 1500
	r := rand.New(rand.NewPCG(7, 8))
	w := Weights{Data: make([]float32, heads*tokens*ctx), Heads: heads, Tokens: tokens, Ctx: ctx}
	for i := range w.Data {
		w.Data[i] = r.Float32() / ctx
	}
	var a Aligner
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Align(w, 2, 3000); err != nil {
			b.Fatal(err)
		}
	}
}
