package aac

import "math"

// fftPlan is an in-place complex FFT of a power-of-two length l (at least
// 16), forward (e^{-2πi·jk/l}), on separate arrays of real and imaginary
// parts, taking its input in bit-reversed order. It runs the radix-2
// stages two at a time, as radix-4 butterflies of three complex
// multiplications, and a last radix-2 stage when l is not a power of 4.
type fftPlan struct {
	l   int
	rev []int32
	// passes are the radix-4 passes after the first (whose twiddles are
	// trivial): each combines the stages of half-sizes h and 2h.
	passes []fftPass
	// lastRe and lastIm are the twiddles e^{-2πi·j/l}, j < l/2, of a last
	// radix-2 stage, nil if there is none.
	lastRe, lastIm []float32
}

// fftPass is a radix-4 pass over blocks of 4h points (h a multiple of 4);
// its butterfly j takes the twiddles w1 = w^{2j}, w2 = w^j and w3 = w^{3j}
// of w = e^{-2πi/4h}. tw holds them by groups of four butterflies: for
// butterflies 4g..4g+3, the real parts of w1, its imaginary parts, then
// those of w2 and w3, 24 values in all.
type fftPass struct {
	h  int
	tw []float32
}

// newFFTPlan prepares an FFT of length l.
func newFFTPlan(l int) *fftPlan {
	p := &fftPlan{l: l, rev: make([]int32, l)}
	bits := 0
	for 1<<bits < l {
		bits++
	}
	for i := range l {
		r := 0
		for b := range bits {
			if i&(1<<b) != 0 {
				r |= 1 << (bits - 1 - b)
			}
		}
		p.rev[i] = int32(r)
	}
	tw := func(j, size int) (float32, float32) {
		a := -2 * math.Pi * float64(j) / float64(size)
		return float32(math.Cos(a)), float32(math.Sin(a))
	}
	h := 4
	for ; 4*h <= l; h *= 4 {
		ps := fftPass{h: h, tw: make([]float32, 6*h)}
		for j := range h {
			g := ps.tw[24*(j/4) : 24*(j/4)+24]
			k := j % 4
			g[k], g[4+k] = tw(2*j, 4*h)
			g[8+k], g[12+k] = tw(j, 4*h)
			g[16+k], g[20+k] = tw(3*j, 4*h)
		}
		p.passes = append(p.passes, ps)
	}
	if h < l {
		p.lastRe, p.lastIm = make([]float32, l/2), make([]float32, l/2)
		for j := range l / 2 {
			p.lastRe[j], p.lastIm[j] = tw(j, l)
		}
	}
	return p
}

// transform runs the FFT on bit-reversed input.
func (p *fftPlan) transform(re, im []float32) {
	re, im = re[:p.l], im[:p.l]
	// Stages of sizes 2 and 4 at once: twiddles 1 and -i.
	for i := 0; i+4 <= len(re); i += 4 {
		r, m := (*[4]float32)(re[i:i+4]), (*[4]float32)(im[i:i+4])
		ar, ai := r[0]+r[1], m[0]+m[1]
		br, bi := r[0]-r[1], m[0]-m[1]
		cr, ci := r[2]+r[3], m[2]+m[3]
		dr, di := r[2]-r[3], m[2]-m[3]
		r[0], m[0] = ar+cr, ai+ci
		r[2], m[2] = ar-cr, ai-ci
		// (dr + i·di)·(-i) = di - i·dr
		r[1], m[1] = br+di, bi-dr
		r[3], m[3] = br-di, bi+dr
	}
	p.middle(re, im)
	if p.lastRe != nil {
		h := len(re) / 2
		lr, li, hr, hi := re[:h], im[:h], re[h:], im[h:]
		li, hr, hi = li[:len(lr)], hr[:len(lr)], hi[:len(lr)]
		wr, wi := p.lastRe[:len(lr)], p.lastIm[:len(lr)]
		for j := range lr {
			xr := hr[j]*wr[j] - hi[j]*wi[j]
			xi := hr[j]*wi[j] + hi[j]*wr[j]
			ar, ai := lr[j], li[j]
			lr[j], li[j] = ar+xr, ai+xi
			hr[j], hi[j] = ar-xr, ai-xi
		}
	}
}

// middle runs the radix-4 passes after the first.
func (p *fftPlan) middle(re, im []float32) {
	for i := range p.passes {
		ps := &p.passes[i]
		radix4(re, im, ps.h, ps.tw)
	}
}

// radix4Go is radix4 in Go: a radix-4 pass of half-sizes h and 2h over re
// and im.
func radix4Go(re, im []float32, h int, tw []float32) {
	im = im[:len(re)]
	for s := 0; s+4*h <= len(re); s += 4 * h {
		blk := re[s : s+4*h]
		bim := im[s : s+4*h]
		for j := 0; j+4 <= h; j += 4 {
			g := (*[24]float32)(tw[6*j : 6*j+24])
			for k := range 4 {
				i0, i1, i2, i3 := j+k, h+j+k, 2*h+j+k, 3*h+j+k
				x0r, x0i := blk[i0], bim[i0]
				y1r, y1i := blk[i1], bim[i1]
				y2r, y2i := blk[i2], bim[i2]
				y3r, y3i := blk[i3], bim[i3]
				w1r, w1i := g[k], g[4+k]
				w2r, w2i := g[8+k], g[12+k]
				w3r, w3i := g[16+k], g[20+k]
				x1r, x1i := y1r*w1r-y1i*w1i, y1r*w1i+y1i*w1r
				x2r, x2i := y2r*w2r-y2i*w2i, y2r*w2i+y2i*w2r
				x3r, x3i := y3r*w3r-y3i*w3i, y3r*w3i+y3i*w3r
				a0r, a0i := x0r+x1r, x0i+x1i
				a1r, a1i := x0r-x1r, x0i-x1i
				cr, ci := x2r+x3r, x2i+x3i
				dr, di := x2r-x3r, x2i-x3i
				blk[i0], bim[i0] = a0r+cr, a0i+ci
				blk[i2], bim[i2] = a0r-cr, a0i-ci
				blk[i1], bim[i1] = a1r+di, a1i-dr
				blk[i3], bim[i3] = a1r-di, a1i+dr
			}
		}
	}
}
