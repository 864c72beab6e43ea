package kernel

import (
	"fmt"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// benchWeights returns n×k random weights stored as t.
func benchWeights(b *testing.B, t ggml.Type, n, k int) Weights {
	b.Helper()
	w := randSlice(newRand(1), n*k)
	for i := range w {
		w[i] *= 0.05
	}
	if t == ggml.F32 {
		return F32Weights(w)
	}
	raw := make([]byte, t.RowBytes(n*k))
	if err := t.Encode(raw, w); err != nil {
		b.Fatal(err)
	}
	sw, err := StoredWeights(t, raw, n, k)
	if err != nil {
		b.Fatal(err)
	}
	return sw
}

// BenchmarkLinearTStored times LinearT per weight type on whisper tiny's
// shapes: the decoder's token (m=1) and beams (m=5) through the logits
// (51864×384) and an MLP matrix (1536×384), and the encoder's window
// (m=1500). Filter by type, e.g. -bench 'LinearTStored/(Q8_0|Q5_0)'.
// GB/s is weight bytes read per second.
func BenchmarkLinearTStored(b *testing.B) {
	shapes := [][3]int{{1, 51864, 384}, {1, 1536, 384}, {5, 51864, 384}, {1500, 1536, 384}}
	for _, t := range []ggml.Type{ggml.F32, ggml.F16, ggml.Q8_0, ggml.Q5_0, ggml.Q5_1, ggml.Q4_0, ggml.Q4_1} {
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			b.Run(fmt.Sprintf("%v/m=%d/n=%d/k=%d", t, m, n, k), func(b *testing.B) {
				w := benchWeights(b, t, n, k)
				a := randSlice(newRand(2), m*k)
				c := make([]float32, m*n)
				b.SetBytes(w.Bytes())
				for b.Loop() {
					LinearT(c, a, w, nil, m, n, k)
				}
			})
		}
	}
}

// BenchmarkLinearTFromMemory times the single-token product (m=1) of base's
// logits shape (51865×512) per weight type, rotating through five matrices
// (75 MB in all for Q4_0, 266 MB for F16) so that the weights come from
// memory, as a decoder token's do; BenchmarkLinearTStored's one matrix can
// stay in the cache. GB/s is weight bytes read per second.
//
//	go test -run '^$' -bench LinearTFromMemory ./whisper/kernel/
func BenchmarkLinearTFromMemory(b *testing.B) {
	const n, k, nm = 51865, 512, 5
	for _, t := range []ggml.Type{ggml.F16, ggml.Q8_0, ggml.Q5_0, ggml.Q4_0} {
		b.Run(t.String(), func(b *testing.B) {
			ws := make([]Weights, nm)
			for i := range ws {
				ws[i] = benchWeights(b, t, n, k)
			}
			a := randSlice(newRand(2), k)
			c := make([]float32, n)
			b.SetBytes(ws[0].Bytes())
			i := 0
			for b.Loop() {
				LinearT(c, a, ws[i%nm], nil, 1, n, k)
				i++
			}
		})
	}
}
