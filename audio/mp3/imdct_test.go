package mp3

import (
	"math"
	"math/rand/v2"
	"testing"
)

// imdctRef is the inverse MDCT of the n lines x[off], x[off+stride], ...
// by its definition, in float64.
func imdctRef(x []float32, off, stride, n int) []float64 {
	y := make([]float64, 2*n)
	for i := range y {
		for k := range n {
			y[i] += float64(x[off+k*stride]) * math.Cos(math.Pi/float64(4*n)*float64((2*i+1+n)*(2*k+1)))
		}
	}
	return y
}

// TestIMDCT checks the fast inverse MDCTs and their overlap-add against
// the definition.
func TestIMDCT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 200 {
		var x, ov, out [subbandLines]float32
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			ov[i] = float32(rng.NormFloat64())
		}
		ov0 := ov
		bt := []int{blockNormal, blockStart, blockStop}[iter%3]
		imdctLong(&x, bt, &ov, &out)
		y := imdctRef(x[:], 0, 1, 18)
		for i := range 18 {
			want := float64(ov0[i]) + y[i]*float64(imdctWindows[bt][i])
			if d := math.Abs(float64(out[i]) - want); d > 1e-5 {
				t.Fatalf("long %d: out[%d] = %v, want %v", bt, i, out[i], want)
			}
			want = y[18+i] * float64(imdctWindows[bt][18+i])
			if d := math.Abs(float64(ov[i]) - want); d > 1e-5 {
				t.Fatalf("long %d: overlap[%d] = %v, want %v", bt, i, ov[i], want)
			}
		}

		ov = ov0
		imdctShort(&x, &ov, &out)
		var z [36]float64
		for w := range 3 {
			y := imdctRef(x[:], w, 3, 6)
			for i := range 12 {
				z[6+6*w+i] += y[i] * float64(shortWindow[i])
			}
		}
		for i := range 18 {
			if d := math.Abs(float64(out[i]) - (float64(ov0[i]) + z[i])); d > 1e-5 {
				t.Fatalf("short: out[%d] = %v, want %v", i, out[i], float64(ov0[i])+z[i])
			}
			if d := math.Abs(float64(ov[i]) - z[18+i]); d > 1e-5 {
				t.Fatalf("short: overlap[%d] = %v, want %v", i, ov[i], z[18+i])
			}
		}
	}
}
