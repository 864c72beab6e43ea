package vorbis

import "math"

// imdct computes the inverse MDCT of one block size through a DCT-IV of
// its n/2 coefficients, itself computed with an n/4-point complex FFT.
//
// The inverse MDCT y (n values) of X (n/2 values) is
//
//	y[i] = Σ_k X[k]·cos(2π/n·(i + 1/2 + n/4)·(k + 1/2))
//
// and, with u the DCT-IV of X (u[i] = Σ_k X[k]·cos(2π/n·(i+1/2)·(k+1/2)),
// M = n/2), y is u unfolded: y[i] = u[i+M/2] for i < M/2, −u[3M/2−1−i]
// for M/2 ≤ i < 3M/2 and −u[i−3M/2] above. Callers keep u and unfold the
// halves they need.
type imdct struct {
	n     int
	twCos []float32 // cos(π(k+1/8)/M), the pre- and post-rotation
	twSin []float32 // sin(π(k+1/8)/M)
	// fftCos[h+k], fftSin[h+k] are cos and sin of 2πk/(2h), k < h: the
	// twiddles of the FFT stage that joins transforms of size h.
	fftCos []float32
	fftSin []float32
	rev    []int32   // bit reversal permutation of L indices
	re, im []float32 // scratch
}

// newIMDCT prepares the transform of blocks of n samples (n ≥ 64, a power
// of two).
func newIMDCT(n int) *imdct {
	m, l := n/2, n/4
	t := &imdct{
		n:      n,
		twCos:  make([]float32, l),
		twSin:  make([]float32, l),
		fftCos: make([]float32, l),
		fftSin: make([]float32, l),
		rev:    make([]int32, l),
		re:     make([]float32, l),
		im:     make([]float32, l),
	}
	for k := range l {
		a := math.Pi * (float64(k) + 0.125) / float64(m)
		t.twCos[k], t.twSin[k] = float32(math.Cos(a)), float32(math.Sin(a))
	}
	for h := 1; h < l; h <<= 1 {
		for k := range h {
			a := math.Pi * float64(k) / float64(h)
			t.fftCos[h+k], t.fftSin[h+k] = float32(math.Cos(a)), float32(math.Sin(a))
		}
	}
	bits := ilog(l - 1)
	for k := range l {
		r := 0
		for b := range bits {
			if k&(1<<b) != 0 {
				r |= 1 << (bits - 1 - b)
			}
		}
		t.rev[k] = int32(r)
	}
	return t
}

// dct4 writes the DCT-IV of x (n/2 values) to u.
func (t *imdct) dct4(x, u []float32) {
	m := t.n / 2
	l := t.n / 4
	re, im := t.re[:l], t.im[:l]
	x = x[:m]
	u = u[:m]
	// Pair the even coefficients with the odd ones read backwards and
	// rotate by exp(−iπ(k+1/8)/M).
	for k := range l {
		a, b := x[2*k], x[m-1-2*k]
		c, s := t.twCos[k], t.twSin[k]
		r := t.rev[k]
		re[r] = a*c + b*s
		im[r] = b*c - a*s
	}
	t.fft(re, im)
	for j := range l {
		xr, xi := re[j], im[j]
		c, s := t.twCos[j], t.twSin[j]
		u[2*j] = xr*c + xi*s
		u[m-1-2*j] = xr*s - xi*c
	}
}

// fft transforms re+i·im (in bit-reversed order) in place:
// X[j] = Σ_k x[k]·exp(−2πi·jk/L).
func (t *imdct) fft(re, im []float32) {
	l := len(re)
	// First two stages as radix-4 butterflies of 4 neighbours.
	for s := 0; s+3 < l; s += 4 {
		ar, ai := re[s]+re[s+1], im[s]+im[s+1]
		br, bi := re[s]-re[s+1], im[s]-im[s+1]
		cr, ci := re[s+2]+re[s+3], im[s+2]+im[s+3]
		dr, di := re[s+2]-re[s+3], im[s+2]-im[s+3]
		re[s], im[s] = ar+cr, ai+ci
		re[s+2], im[s+2] = ar-cr, ai-ci
		// d·(−i)
		re[s+1], im[s+1] = br+di, bi-dr
		re[s+3], im[s+3] = br-di, bi+dr
	}
	for size := 8; size <= l; size <<= 1 {
		half := size >> 1
		wc, ws := t.fftCos[half:size], t.fftSin[half:size]
		for start := 0; start < l; start += size {
			a := re[start : start+half]
			ai := im[start : start+half]
			b := re[start+half : start+size]
			bi := im[start+half : start+size]
			for k := range half {
				wr, wi := wc[k], ws[k]
				// b·exp(−iθ) = (br + i·bi)(wr − i·wi)
				tr := b[k]*wr + bi[k]*wi
				ti := bi[k]*wr - b[k]*wi
				b[k], bi[k] = a[k]-tr, ai[k]-ti
				a[k] += tr
				ai[k] += ti
			}
		}
	}
}
