package pipeline

import (
	"fmt"
	"math"
	"math/cmplx"
)

// fftPlan is a mixed-radix (2, 3, 4, 5) decimation-in-time complex FFT of a
// fixed size. The input is loaded in digit-reversed order (perm), then the
// stages run in place. A plan is immutable and safe for concurrent use.
type fftPlan struct {
	n      int
	perm   []int // y[pos] = x[perm[pos]]
	stages []fftStage
}

// fftStage combines radix sub-DFTs of size span into DFTs of size
// span×radix.
type fftStage struct {
	radix, span int
	tw          []complex128 // tw[j*(radix-1)+q-1] = exp(-2πi·j·q/(span·radix))
}

// newFFTPlan returns a plan for size n, whose prime factors must be 2, 3
// or 5.
func newFFTPlan(n int) (*fftPlan, error) {
	if n < 1 {
		return nil, fmt.Errorf("fft: size %d", n)
	}
	var radices []int
	for m := n; m > 1; {
		switch {
		case m%4 == 0:
			radices = append(radices, 4)
			m /= 4
		case m%2 == 0:
			radices = append(radices, 2)
			m /= 2
		case m%3 == 0:
			radices = append(radices, 3)
			m /= 3
		case m%5 == 0:
			radices = append(radices, 5)
			m /= 5
		default:
			return nil, fmt.Errorf("fft: size %d has a prime factor other than 2, 3 and 5", n)
		}
	}
	p := &fftPlan{n: n, perm: make([]int, n)}
	for i := range n {
		p.perm[digitReversed(i, n, radices)] = i
	}
	span := 1
	for _, r := range radices {
		st := fftStage{radix: r, span: span, tw: make([]complex128, span*(r-1))}
		for j := range span {
			for q := 1; q < r; q++ {
				st.tw[j*(r-1)+q-1] = cmplx.Rect(1, -2*math.Pi*float64(j*q)/float64(span*r))
			}
		}
		p.stages = append(p.stages, st)
		span *= r
	}
	return p, nil
}

// digitReversed is the position of input i of a size-n DIT transform whose
// stages use radices (first stage first): the last stage splits the input
// into radix decimated subsequences stored one after another.
func digitReversed(i, n int, radices []int) int {
	if len(radices) == 0 {
		return 0
	}
	r := radices[len(radices)-1]
	m := n / r
	return (i%r)*m + digitReversed(i/r, m, radices[:len(radices)-1])
}

// transform computes the DFT of x into y (both of length n).
func (p *fftPlan) transform(y, x []complex128) {
	for pos, i := range p.perm {
		y[pos] = x[i]
	}
	p.run(y)
}

// run transforms y in place; y must hold the input in perm order.
func (p *fftPlan) run(y []complex128) {
	y = y[:p.n]
	for s := range p.stages {
		st := &p.stages[s]
		switch st.radix {
		case 2:
			radix2(y, st.span, st.tw)
		case 3:
			radix3(y, st.span, st.tw)
		case 4:
			radix4(y, st.span, st.tw)
		case 5:
			radix5(y, st.span, st.tw)
		}
	}
}

func radix2(y []complex128, l int, tw []complex128) {
	for b := 0; b < len(y); b += 2 * l {
		blk := y[b : b+2*l]
		for j := range l {
			a0, a1 := blk[j], blk[j+l]
			if l > 1 {
				a1 *= tw[j]
			}
			blk[j], blk[j+l] = a0+a1, a0-a1
		}
	}
}

func radix3(y []complex128, l int, tw []complex128) {
	const s = 0.86602540378443864676 // sin(2π/3)
	for b := 0; b < len(y); b += 3 * l {
		blk := y[b : b+3*l]
		for j := range l {
			a0, a1, a2 := blk[j], blk[j+l], blk[j+2*l]
			if l > 1 {
				w := tw[2*j : 2*j+2]
				a1, a2 = a1*w[0], a2*w[1]
			}
			t := a1 + a2
			m := a0 - complex(0.5*real(t), 0.5*imag(t))
			d := a1 - a2
			n := complex(s*imag(d), -s*real(d)) // -i·s·d
			blk[j], blk[j+l], blk[j+2*l] = a0+t, m+n, m-n
		}
	}
}

func radix4(y []complex128, l int, tw []complex128) {
	for b := 0; b < len(y); b += 4 * l {
		blk := y[b : b+4*l]
		for j := range l {
			a0, a1, a2, a3 := blk[j], blk[j+l], blk[j+2*l], blk[j+3*l]
			if l > 1 {
				w := tw[3*j : 3*j+3]
				a1, a2, a3 = a1*w[0], a2*w[1], a3*w[2]
			}
			s02, d02 := a0+a2, a0-a2
			s13, d13 := a1+a3, a1-a3
			jd := complex(imag(d13), -real(d13)) // -i·(a1-a3)
			blk[j], blk[j+l], blk[j+2*l], blk[j+3*l] = s02+s13, d02+jd, s02-s13, d02-jd
		}
	}
}

func radix5(y []complex128, l int, tw []complex128) {
	const (
		c1 = 0.30901699437494742410  // cos(2π/5)
		c2 = -0.80901699437494742410 // cos(4π/5)
		s1 = 0.95105651629515357212  // sin(2π/5)
		s2 = 0.58778525229247312917  // sin(4π/5)
	)
	for b := 0; b < len(y); b += 5 * l {
		blk := y[b : b+5*l]
		for j := range l {
			a0, a1, a2, a3, a4 := blk[j], blk[j+l], blk[j+2*l], blk[j+3*l], blk[j+4*l]
			if l > 1 {
				w := tw[4*j : 4*j+4]
				a1, a2, a3, a4 = a1*w[0], a2*w[1], a3*w[2], a4*w[3]
			}
			// Real arithmetic: Go multiplies complex values in full even
			// when one factor is real.
			t1r, t1i := real(a1)+real(a4), imag(a1)+imag(a4)
			t2r, t2i := real(a2)+real(a3), imag(a2)+imag(a3)
			t3r, t3i := real(a1)-real(a4), imag(a1)-imag(a4)
			t4r, t4i := real(a2)-real(a3), imag(a2)-imag(a3)
			m1r, m1i := real(a0)+c1*t1r+c2*t2r, imag(a0)+c1*t1i+c2*t2i
			m2r, m2i := real(a0)+c2*t1r+c1*t2r, imag(a0)+c2*t1i+c1*t2i
			// -i·n: n = s1·t3 + s2·t4 and s2·t3 - s1·t4.
			n1r, n1i := s1*t3r+s2*t4r, s1*t3i+s2*t4i
			n2r, n2i := s2*t3r-s1*t4r, s2*t3i-s1*t4i
			blk[j] = complex(real(a0)+t1r+t2r, imag(a0)+t1i+t2i)
			blk[j+l], blk[j+4*l] = complex(m1r+n1i, m1i-n1r), complex(m1r-n1i, m1i+n1r)
			blk[j+2*l], blk[j+3*l] = complex(m2r+n2i, m2i-n2r), complex(m2r-n2i, m2i+n2r)
		}
	}
}

// realFFT computes power spectra of real frames of even size n through a
// complex FFT of size n/2 (even samples in the real part, odd samples in the
// imaginary part). It is immutable and safe for concurrent use.
type realFFT struct {
	n    int
	half *fftPlan
	idx  []int        // idx[pos] = 2·half.perm[pos]: the even sample loaded at pos
	tw   []complex128 // tw[k] = exp(-2πi·k/n), k = 0..n/2
}

// newRealFFT returns a real FFT of size n.
func newRealFFT(n int) (*realFFT, error) {
	if n < 2 || n%2 != 0 {
		return nil, fmt.Errorf("fft: real size %d is not even", n)
	}
	half, err := newFFTPlan(n / 2)
	if err != nil {
		return nil, err
	}
	f := &realFFT{n: n, half: half, idx: make([]int, n/2), tw: make([]complex128, n/2+1)}
	for pos, i := range half.perm {
		f.idx[pos] = 2 * i
	}
	for k := range f.tw {
		f.tw[k] = cmplx.Rect(1, -2*math.Pi*float64(k)/float64(n))
	}
	return f, nil
}

// power writes |X[k]|², k = 0..n/2, of the DFT X of x[j]·win[j] into pow.
// y is scratch of length n/2.
func (f *realFFT) power(pow []float64, x []float32, win []float64, y []complex128) {
	h := f.n / 2
	x, win, y, pow = x[:f.n], win[:f.n], y[:h], pow[:h+1]
	for pos, i := range f.idx {
		y[pos] = complex(float64(x[i])*win[i], float64(x[i+1])*win[i+1])
	}
	f.half.run(y)
	z0 := y[0]
	pow[0] = sq(real(z0) + imag(z0))
	pow[h] = sq(real(z0) - imag(z0))
	for k := 1; k < h; k++ {
		a, b := y[k], y[h-k]
		// E = (a + conj(b))/2, O = (a - conj(b))/(2i), X = E + tw·O.
		er, ei := 0.5*(real(a)+real(b)), 0.5*(imag(a)-imag(b))
		or, oi := 0.5*(imag(a)+imag(b)), -0.5*(real(a)-real(b))
		t := f.tw[k]
		xr := er + real(t)*or - imag(t)*oi
		xi := ei + real(t)*oi + imag(t)*or
		pow[k] = xr*xr + xi*xi
	}
}

func sq(v float64) float64 { return v * v }
