package vorbis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDCT4MatchesDefinition checks the FFT-based DCT-IV against its O(n²)
// definition for every block size.
func TestDCT4MatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for bits := 6; bits <= 13; bits++ {
		n := 1 << bits
		m := n / 2
		tr := newIMDCT(n)
		x := make([]float32, m)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		got := make([]float32, m)
		tr.dct4(x, got)
		var maxErr, maxVal float64
		for i := range m {
			sum := 0.0
			for k, v := range x {
				sum += float64(v) * math.Cos(2*math.Pi/float64(n)*(float64(i)+0.5)*(float64(k)+0.5))
			}
			maxErr = max(maxErr, math.Abs(sum-float64(got[i])))
			maxVal = max(maxVal, math.Abs(sum))
		}
		if maxErr > 1e-5*maxVal {
			t.Errorf("n=%d: largest error %g for values up to %g", n, maxErr, maxVal)
		}
	}
}

// TestIMDCTUnfolding checks that the decoder's overlap of two blocks equals
// windowing and adding the full inverse MDCTs of the definition.
func TestIMDCTUnfolding(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	d := &Decoder{id: identification{channels: 1, blocksizes: [2]int{64, 256}}}
	for i, n := range d.id.blocksizes {
		d.mdct[i] = newIMDCT(n)
		w := n / 2
		d.slope[i] = make([]float32, w)
		for k := range w {
			s := math.Sin((float64(k) + 0.5) / float64(w) * math.Pi / 2)
			d.slope[i][k] = float32(math.Sin(math.Pi / 2 * s * s))
		}
	}
	d.saved = planar(1, 64)
	d.dct = planar(1, 128)
	d.out = planar(1, 128)
	d.ret = make([][]float32, 1)
	// window(n, left, right) is the specification's window of a block of
	// size n whose neighbours have sizes left and right.
	window := func(n, left, right, i int) float64 {
		slope := func(x float64, w int) float64 {
			s := math.Sin((x + 0.5) / float64(w) * math.Pi / 2)
			return math.Sin(math.Pi / 2 * s * s)
		}
		lw := min(n, left) / 2
		rw := min(n, right) / 2
		ls, le := n/4-lw/2, n/4+lw/2
		rs, re := 3*n/4-rw/2, 3*n/4+rw/2
		switch {
		case i < ls || i >= re:
			return 0
		case i < le:
			return slope(float64(i-ls), lw)
		case i < rs:
			return 1
		}
		return slope(float64(re-1-i), rw)
	}
	imdct := func(x []float32, n, i int) float64 {
		sum := 0.0
		for k, v := range x {
			sum += float64(v) * math.Cos(2*math.Pi/float64(n)*(float64(i)+0.5+float64(n)/4)*(float64(k)+0.5))
		}
		return sum
	}
	for _, pair := range [][2]int{{64, 64}, {256, 256}, {64, 256}, {256, 64}} {
		pn, n := pair[0], pair[1]
		px := make([]float32, pn/2)
		x := make([]float32, n/2)
		for i := range px {
			px[i] = float32(rng.NormFloat64())
		}
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		blk := func(size int) int {
			if size == 64 {
				return 0
			}
			return 1
		}
		d.mdct[blk(pn)].dct4(px, d.dct[0])
		d.keep(pn)
		d.mdct[blk(n)].dct4(x, d.dct[0])
		d.overlap(pn, n)
		out := d.ret[0]
		if len(out) != pn/4+n/4 {
			t.Fatalf("%d then %d: %d samples, want %d", pn, n, len(out), pn/4+n/4)
		}
		// Output t is at pn/2+t in the previous block and at
		// t-(pn/4-n/4) in the current one.
		for ti, got := range out {
			want := 0.0
			if j := pn/2 + ti; j < pn {
				want += imdct(px, pn, j) * window(pn, pn, n, j)
			}
			if j := ti - (pn/4 - n/4); j >= 0 && j < n {
				want += imdct(x, n, j) * window(n, pn, n, j)
			}
			if math.Abs(want-float64(got)) > 1e-4 {
				t.Fatalf("%d then %d: sample %d is %g, want %g", pn, n, ti, got, want)
			}
		}
	}
}
