package aac

import "math"

// imdctPlan computes the inverse MDCT of ISO/IEC 14496-3 subpart 4,
//
//	x[n] = 2/N · Σ_{k<N/2} X[k]·cos(2π/N·(n + n0)·(k + ½)),  n0 = (N/2+1)/2,
//
// for N = 2048 or 256, through the DCT-IV of N/2 points, which in turn is
// an N/8-point complex FFT between two rotations.
type imdctPlan struct {
	n      int       // output length N
	twRe   []float32 // pre-rotation e^{-iπ(k+1/8)/(N/2)}
	twIm   []float32
	postRe []float32 // the same rotation, scaled by 2/N
	postIm []float32
	fft    *fftPlan
}

// imdctScratch is the working space of one transform.
type imdctScratch struct {
	re, im [512]float32
	u      [1024]float32
}

// newIMDCTPlan prepares the transform of n output samples.
func newIMDCTPlan(n int) *imdctPlan {
	m := n / 2
	l := m / 2
	p := &imdctPlan{n: n, twRe: make([]float32, l), twIm: make([]float32, l),
		postRe: make([]float32, l), postIm: make([]float32, l), fft: newFFTPlan(l)}
	scale := 2 / float64(n)
	for k := range l {
		a := -math.Pi * (float64(k) + 0.125) / float64(m)
		p.twRe[k], p.twIm[k] = float32(math.Cos(a)), float32(math.Sin(a))
		p.postRe[k], p.postIm[k] = float32(math.Cos(a)*scale), float32(math.Sin(a)*scale)
	}
	return p
}

// transform writes the N outputs of the N/2 coefficients in to out.
func (p *imdctPlan) transform(in, out []float32, s *imdctScratch) {
	m := p.n / 2
	l := m / 2
	re, im := s.re[:l], s.im[:l]
	rev := p.fft.rev
	// Pack even and mirrored odd coefficients as complex numbers and
	// rotate them, in bit-reversed order for the FFT.
	for k := range l {
		a, b := in[2*k], in[m-1-2*k]
		c, d := p.twRe[k], p.twIm[k]
		j := rev[k]
		re[j] = a*c - b*d
		im[j] = a*d + b*c
	}
	p.fft.transform(re, im)
	// Rotate back: the DCT-IV is u[2k] = Re z[k], u[m-1-2k] = -Im z[k].
	u := s.u[:m]
	for k := range l {
		a, b := re[k], im[k]
		c, d := p.postRe[k], p.postIm[k]
		u[2*k] = a*c - b*d
		u[m-1-2*k] = -(a*d + b*c)
	}
	// Unfold the DCT-IV into the MDCT's time-domain aliasing.
	h := m / 2
	for n := range h {
		out[n] = u[h+n]
	}
	for n := h; n < 3*h; n++ {
		out[n] = -u[3*h-1-n]
	}
	for n := 3 * h; n < 2*m; n++ {
		out[n] = -u[n-3*h]
	}
}
