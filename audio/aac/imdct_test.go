package aac

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIMDCTMatchesDefinition compares the FFT-based transform with the
// specification's formula, computed directly in float64.
func TestIMDCTMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2048, 256} {
		p := newIMDCTPlan(n)
		in := make([]float32, n/2)
		for k := range in {
			in[k] = float32(rng.NormFloat64() * 1000)
		}
		out := make([]float32, n)
		var s imdctScratch
		p.transform(in, out, &s)
		n0 := (float64(n)/2 + 1) / 2
		var errSum, sigSum float64
		for i := range n {
			var x float64
			for k, v := range in {
				x += float64(v) * math.Cos(2*math.Pi/float64(n)*(float64(i)+n0)*(float64(k)+0.5))
			}
			x *= 2 / float64(n)
			d := x - float64(out[i])
			errSum += d * d
			sigSum += x * x
		}
		snr := 10 * math.Log10(sigSum/errSum)
		if snr < 120 {
			t.Errorf("IMDCT %d: SNR %.1f dB against the definition", n, snr)
		}
	}
}

// TestWindows checks the windows' Princen-Bradley condition, w[n]² +
// w[n+N/2]² = 1, which perfect reconstruction needs.
func TestWindows(t *testing.T) {
	tb := sharedTables()
	for shape := range 2 {
		for size := range 2 {
			w := tb.windows[shape][size]
			for i := range w {
				s := float64(w[i])*float64(w[i]) + float64(w[len(w)-1-i])*float64(w[len(w)-1-i])
				if math.Abs(s-1) > 1e-6 {
					t.Fatalf("shape %d size %d: w²+w'² = %v at %d", shape, size, s, i)
				}
			}
		}
	}
}
