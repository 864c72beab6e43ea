package aac

import "math"

// imdctPlan computes the inverse MDCT of ISO/IEC 14496-3 subpart 4,
//
//	x[n] = 2/N · Σ_{k<N/2} X[k]·cos(2π/N·(n + n0)·(k + ½)),  n0 = (N/2+1)/2,
//
// for N = 2048 or 256, through the DCT-IV of N/2 points, which in turn is
// an N/4-point complex FFT between two rotations.
type imdctPlan struct {
	n int // output length N
	// preRe and preIm are the pre-rotation e^{-iπ(k+1/8)/(N/2)} of
	// coefficient pair k, in the FFT's bit-reversed input order (at
	// rev[k]).
	preRe, preIm []float32
	// natRe and natIm are the pre-rotation in natural order.
	natRe, natIm []float32
	// postRe and postIm are the rotation of output k, scaled by 2/N.
	postRe, postIm []float32
	fft            *fftPlan
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
	p := &imdctPlan{n: n, fft: newFFTPlan(l),
		preRe: make([]float32, l), preIm: make([]float32, l),
		natRe: make([]float32, l), natIm: make([]float32, l),
		postRe: make([]float32, l), postIm: make([]float32, l)}
	scale := 2 / float64(n)
	for k := range l {
		a := -math.Pi * (float64(k) + 0.125) / float64(m)
		i := p.fft.rev[k]
		p.preRe[i], p.preIm[i] = float32(math.Cos(a)), float32(math.Sin(a))
		p.natRe[k], p.natIm[k] = p.preRe[i], p.preIm[i]
		p.postRe[k], p.postIm[k] = float32(math.Cos(a)*scale), float32(math.Sin(a)*scale)
	}
	return p
}

// dct4 writes the scaled DCT-IV of the N/2 coefficients in to u. The
// rotations are fused with the first and last stages of the FFT.
func (p *imdctPlan) dct4(in, u []float32, s *imdctScratch) {
	l := p.n / 4
	re, im := s.re[:l], s.im[:l]
	p.rotateIn(in[:2*l], re, im)
	p.fft.middle(re, im)
	p.rotateOut(re, im, u[:2*l])
}

// rotateInGo is rotateIn in Go.
func (p *imdctPlan) rotateInGo(in, re, im []float32) {
	m := p.n / 2
	l := m / 2
	in, re, im = in[:m], re[:l], im[:l]
	rev := p.fft.rev[:l]
	preRe, preIm := p.preRe[:l], p.preIm[:l]
	for i := 0; i+4 <= len(re); i += 4 {
		r := (*[4]int32)(rev[i : i+4])
		wr, wi := (*[4]float32)(preRe[i:i+4]), (*[4]float32)(preIm[i:i+4])
		k0, k1, k2, k3 := int(r[0]), int(r[1]), int(r[2]), int(r[3])
		a, b := in[2*k0], in[m-1-2*k0]
		x0r, x0i := a*wr[0]-b*wi[0], a*wi[0]+b*wr[0]
		a, b = in[2*k1], in[m-1-2*k1]
		x1r, x1i := a*wr[1]-b*wi[1], a*wi[1]+b*wr[1]
		a, b = in[2*k2], in[m-1-2*k2]
		x2r, x2i := a*wr[2]-b*wi[2], a*wi[2]+b*wr[2]
		a, b = in[2*k3], in[m-1-2*k3]
		x3r, x3i := a*wr[3]-b*wi[3], a*wi[3]+b*wr[3]
		ar, ai := x0r+x1r, x0i+x1i
		br, bi := x0r-x1r, x0i-x1i
		cr, ci := x2r+x3r, x2i+x3i
		dr, di := x2r-x3r, x2i-x3i
		zr, zi := (*[4]float32)(re[i:i+4]), (*[4]float32)(im[i:i+4])
		zr[0], zi[0] = ar+cr, ai+ci
		zr[1], zi[1] = br+di, bi-dr
		zr[2], zi[2] = ar-cr, ai-ci
		zr[3], zi[3] = br-di, bi+dr
	}
}

// rotateOutGo is rotateOut in Go.
func (p *imdctPlan) rotateOutGo(re, im, u []float32) {
	l := p.n / 4
	m := 2 * l
	re, im, u = re[:l], im[:l], u[:m]
	postRe, postIm := p.postRe[:l], p.postIm[:l]
	if p.fft.lastRe != nil {
		// With the last radix-2 stage of the FFT.
		h := l / 2
		lr, li, hr, hi := re[:h], im[:h], re[h:], im[h:]
		li, hr, hi = li[:len(lr)], hr[:len(lr)], hi[:len(lr)]
		tr, ti := p.fft.lastRe[:len(lr)], p.fft.lastIm[:len(lr)]
		plr, pli := postRe[:len(lr)], postIm[:len(lr)]
		phr, phi := postRe[h:], postIm[h:]
		phr, phi = phr[:len(lr)], phi[:len(lr)]
		for j := range lr {
			xr := hr[j]*tr[j] - hi[j]*ti[j]
			xi := hr[j]*ti[j] + hi[j]*tr[j]
			ar, ai := lr[j]+xr, li[j]+xi
			br, bi := lr[j]-xr, li[j]-xi
			u[2*j] = ar*plr[j] - ai*pli[j]
			u[m-1-2*j] = -(ar*pli[j] + ai*plr[j])
			u[2*(j+h)] = br*phr[j] - bi*phi[j]
			u[m-1-2*(j+h)] = -(br*phi[j] + bi*phr[j])
		}
		return
	}
	im, postIm = im[:len(re)], postIm[:len(postRe)]
	for k, c := range postRe {
		a, b, d := re[k], im[k], postIm[k]
		u[2*k] = a*c - b*d
		u[m-1-2*k] = -(a*d + b*c)
	}
}

// transform writes the N outputs of the N/2 coefficients in to out.
func (p *imdctPlan) transform(in, out []float32, s *imdctScratch) {
	m := p.n / 2
	u := s.u[:m]
	p.dct4(in, u, s)
	out = out[:2*m]
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
