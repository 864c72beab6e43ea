//go:build !purego

package aac

// The kernels in SSE (amd64 without the purego tag; SSE2 is part of the
// amd64 baseline). Each has a Go version (…Go), which the tests compare it
// with; the purego tag selects the Go versions everywhere.

// radix4 runs a radix-4 pass of half-sizes h and 2h (h a multiple of 4)
// over re and im, with the twiddles tw of an fftPass, four butterflies at
// a time in SSE.
func radix4(re, im []float32, h int, tw []float32) {
	if len(re) == 0 || len(im) < len(re) || h < 4 || h%4 != 0 || len(re)%(4*h) != 0 || len(tw) < 6*h {
		radix4Go(re, im, h, tw)
		return
	}
	radix4SSE(&re[0], &im[0], len(re), h, &tw[0])
}

//go:noescape
func radix4SSE(re, im *float32, l, h int, tw *float32)

// windowLong windows the inverse MDCT of a long sequence, whose DCT-IV is
// u, and overlaps it: out[n] = x[n]·left[n] + ov[n] for n from `from` on,
// then ov[n] = x[1024+n]·right[n]. It reports whether out may hold
// samples beyond ±maxSample (or NaN), which the caller then clamps.
func windowLong(u, left, right, ov, out *[1024]float32, from int) bool {
	if from < 0 || from > 512 || from%4 != 0 {
		return windowLongGo(u, left, right, ov, out, from)
	}
	return windowLongSSE(u, left, right, ov, out, from)
}

//go:noescape
func windowLongSSE(u, left, right, ov, out *[1024]float32, from int) bool

// rotateIn packs the N/2 coefficients in as N/4 complex numbers, the even
// coefficient 2k and the mirrored odd one N/2-1-2k as pair k, rotates them
// and puts them in the FFT's bit-reversed input order (point i is pair
// rev[i]), then runs the FFT's stages of sizes 2 and 4 (twiddles 1 and
// -i). In SSE.
func (p *imdctPlan) rotateIn(in, re, im []float32) {
	l := p.n / 4
	if (l != 512 && l != 64) || len(in) < 2*l || len(re) < l || len(im) < l {
		p.rotateInGo(in, re, im)
		return
	}
	if l == 512 {
		rotateIn512SSE(&in[0], &p.natRe[0], &p.natIm[0], &p.fft.rev[0], &re[0], &im[0])
	} else {
		rotateIn64SSE(&in[0], &p.natRe[0], &p.natIm[0], &p.fft.rev[0], &re[0], &im[0])
	}
}

// rotateOut runs the FFT's last radix-2 stage if it has one, and rotates
// its output z back into the DCT-IV: u[2k] = Re z[k], u[N/2-1-2k] = -Im
// z[k]. In SSE.
func (p *imdctPlan) rotateOut(re, im, u []float32) {
	l := p.n / 4
	if (l != 512 && l != 64) || len(re) < l || len(im) < l || len(u) < 2*l {
		p.rotateOutGo(re, im, u)
		return
	}
	if l == 512 {
		rotateOut512SSE(&re[0], &im[0], &p.fft.lastRe[0], &p.fft.lastIm[0], &p.postRe[0], &p.postIm[0], &u[0])
	} else {
		rotateOut64SSE(&re[0], &im[0], &p.postRe[0], &p.postIm[0], &u[0])
	}
}

// shortSpan sets dst to the falling half of the short window whose DCT-IV
// is a, windowed by fall, plus the rising half of the one whose DCT-IV is
// b, windowed by rise (see shortSpanGo). In SSE.
func shortSpan(a, b, fall, rise, dst *[128]float32) { shortSpanSSE(a, b, fall, rise, dst) }

//go:noescape
func rotateIn512SSE(in, natRe, natIm *float32, rev *int32, re, im *float32)

//go:noescape
func rotateOut512SSE(re, im, tr, ti, pr, pi, u *float32)

//go:noescape
func rotateIn64SSE(in, natRe, natIm *float32, rev *int32, re, im *float32)

//go:noescape
func rotateOut64SSE(re, im, pr, pi, u *float32)

//go:noescape
func shortSpanSSE(a, b, fall, rise, dst *[128]float32)
