package aac

import "math"

// fftPlan is an in-place radix-2 complex FFT of a power-of-two length
// (at least 8), forward (e^{-2πi·jk/L}), taking its input in bit-reversed
// order.
type fftPlan struct {
	l   int
	rev []int
	// twRe and twIm hold the twiddles e^{-2πi·j/size} of each stage from
	// size 8 up, one stage after another (size/2 values each).
	twRe, twIm []float32
}

// newFFTPlan prepares an FFT of length l.
func newFFTPlan(l int) *fftPlan {
	p := &fftPlan{l: l, rev: make([]int, l)}
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
		p.rev[i] = r
	}
	for size := 8; size <= l; size <<= 1 {
		for j := range size / 2 {
			a := -2 * math.Pi * float64(j) / float64(size)
			p.twRe = append(p.twRe, float32(math.Cos(a)))
			p.twIm = append(p.twIm, float32(math.Sin(a)))
		}
	}
	return p
}

// transform runs the FFT on bit-reversed input.
func (p *fftPlan) transform(re, im []float32) {
	l := p.l
	re, im = re[:l], im[:l]
	// Sizes 2 and 4 at once: twiddles 1 and -i.
	for i := 0; i+4 <= l; i += 4 {
		r, m := re[i:i+4:i+4], im[i:i+4:i+4]
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
	off := 0
	for size := 8; size <= l; size <<= 1 {
		half := size / 2
		twr, twi := p.twRe[off:off+half], p.twIm[off:off+half]
		off += half
		for start := 0; start < l; start += size {
			ar, ai := re[start:start+half], im[start:start+half]
			br, bi := re[start+half:start+size], im[start+half:start+size]
			br, bi = br[:len(ar)], bi[:len(ar)]
			twr, twi := twr[:len(ar)], twi[:len(ar)]
			for j := range ar {
				wr, wi := twr[j], twi[j]
				xr := br[j]*wr - bi[j]*wi
				xi := br[j]*wi + bi[j]*wr
				br[j], bi[j] = ar[j]-xr, ai[j]-xi
				ar[j], ai[j] = ar[j]+xr, ai[j]+xi
			}
		}
	}
}
