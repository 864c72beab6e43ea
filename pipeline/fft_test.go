package pipeline

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// directDFT is the O(n²) definition X[k] = Σ x[j]·exp(-2πi·jk/n).
func directDFT(x []complex128) []complex128 {
	n := len(x)
	out := make([]complex128, n)
	for k := range n {
		var s complex128
		for j, v := range x {
			s += v * cmplx.Rect(1, -2*math.Pi*float64((j*k)%n)/float64(n))
		}
		out[k] = s
	}
	return out
}

func TestFFTPlanMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 4, 5, 6, 8, 9, 12, 15, 16, 20, 25, 30, 40, 60, 75, 100, 125, 200, 240, 400} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p, err := newFFTPlan(n)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]complex128, n)
			for i := range x {
				x[i] = complex(rng.NormFloat64(), rng.NormFloat64())
			}
			got := make([]complex128, n)
			p.transform(got, x)
			want := directDFT(x)
			for k := range want {
				if d := cmplx.Abs(got[k] - want[k]); d > 1e-12*float64(n) {
					t.Fatalf("X[%d] = %v, want %v (|Δ| %.2g)", k, got[k], want[k], d)
				}
			}
		})
	}
}

func TestFFTPlanRejectsOtherPrimes(t *testing.T) {
	for _, n := range []int{0, 7, 14, 22, 49} {
		if _, err := newFFTPlan(n); err == nil {
			t.Errorf("newFFTPlan(%d) succeeded", n)
		}
	}
}

func TestRealFFTPower(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{2, 4, 10, 16, 50, 400} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f, err := newRealFFT(n)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, n)
			win := make([]float64, n)
			cx := make([]complex128, n)
			for i := range x {
				x[i] = float32(rng.Float64()*2 - 1)
				win[i] = rng.Float64()
				cx[i] = complex(float64(x[i])*win[i], 0)
			}
			pow := make([]float64, n/2+1)
			f.power(pow, x, win, make([]complex128, n/2))
			want := directDFT(cx)
			for k := range pow {
				w := real(want[k])*real(want[k]) + imag(want[k])*imag(want[k])
				if d := math.Abs(pow[k] - w); d > 1e-11*float64(n)*(1+w) {
					t.Fatalf("|X[%d]|² = %v, want %v", k, pow[k], w)
				}
			}
		})
	}
}
