package celt

// Products are wrapped in float32() conversions throughout the float code
// of this package: Go may otherwise fuse a multiply and an add into one
// rounding (on arm64, or amd64 built for v3), which libopus's x86-64 build
// does not do.

// The mixed-radix complex FFT CELT's MDCT runs on (libopus celt/kiss_fft.c,
// itself after Mark Borgerding's KISS FFT), in the float build. There is
// one FFT per MDCT size: 480, 240, 120 and 60 points, sharing the
// twiddles of the 480-point one.

const maxFactors = 8

type complex32 struct{ r, i float32 }

type fftState struct {
	nfft    int
	scale   float32
	shift   int
	factors [2 * maxFactors]int
	bitrev  []int16
}

// ffts are the FFTs of the four MDCT sizes, indexed by shift.
var ffts = func() (f [4]fftState) {
	for shift := range f {
		st := &f[shift]
		st.nfft = 480 >> shift
		st.scale = 1 / float32(st.nfft)
		st.shift = shift
		kfFactor(st.nfft, &st.factors)
		st.bitrev = make([]int16, st.nfft)
		computeBitrev(0, st.bitrev, 0, 1, 1, st.factors[:])
	}
	return f
}()

// kfFactor factors n into radices 4, 2, 3 and 5, in the order libopus
// uses (kf_factor).
func kfFactor(n int, fac *[2 * maxFactors]int) {
	p := 4
	stages := 0
	nbak := n
	for {
		for n%p != 0 {
			switch p {
			case 4:
				p = 2
			case 2:
				p = 3
			default:
				p += 2
			}
			if p > 32000 || p*p > n {
				p = n
			}
		}
		n /= p
		fac[2*stages] = p
		if p == 2 && stages > 1 {
			fac[2*stages] = 4
			fac[2] = 2
		}
		stages++
		if n <= 1 {
			break
		}
	}
	n = nbak
	for i := 0; i < stages/2; i++ {
		fac[2*i], fac[2*(stages-i-1)] = fac[2*(stages-i-1)], fac[2*i]
	}
	for i := 0; i < stages; i++ {
		n /= fac[2*i]
		fac[2*i+1] = n
	}
}

// computeBitrev fills the bit-reversal (digit-reversal) table
// (compute_bitrev_table).
func computeBitrev(fout int, f []int16, fi int, fstride, inStride int, factors []int) {
	p := factors[0]
	m := factors[1]
	if m == 1 {
		for j := 0; j < p; j++ {
			f[fi] = int16(fout + j)
			fi += fstride * inStride
		}
		return
	}
	for j := 0; j < p; j++ {
		computeBitrev(fout, f, fi, fstride*p, inStride, factors[2:])
		fi += fstride * inStride
		fout += m
	}
}

// fftImpl runs the FFT in place on data already in bit-reversed order
// (opus_fft_impl).
func (st *fftState) fftImpl(fout []complex32) {
	var fstride [maxFactors]int
	shift := max(st.shift, 0)
	fstride[0] = 1
	l := 0
	var m int
	for {
		p := st.factors[2*l]
		m = st.factors[2*l+1]
		fstride[l+1] = fstride[l] * p
		l++
		if m == 1 {
			break
		}
	}
	m = st.factors[2*l-1]
	for i := l - 1; i >= 0; i-- {
		m2 := 1
		if i != 0 {
			m2 = st.factors[2*i-1]
		}
		switch st.factors[2*i] {
		case 2:
			kfBfly2(fout, m, fstride[i])
		case 4:
			kfBfly4(fout, fstride[i]<<shift, m, fstride[i], m2)
		case 3:
			kfBfly3(fout, fstride[i]<<shift, m, fstride[i], m2)
		case 5:
			kfBfly5(fout, fstride[i]<<shift, m, fstride[i], m2)
		}
		m = m2
	}
}

func kfBfly2(fout []complex32, m, n int) {
	const tw = float32(0.7071067812)
	// m is always 4 here: the radix 2 follows a radix 4.
	for i := 0; i < n; i++ {
		f := fout[8*i : 8*i+8]
		f2 := f[4:]
		t := f2[0]
		f2[0] = complex32{f[0].r - t.r, f[0].i - t.i}
		f[0] = complex32{f[0].r + t.r, f[0].i + t.i}

		t = complex32{float32((f2[1].r + f2[1].i) * tw), float32((f2[1].i - f2[1].r) * tw)}
		f2[1] = complex32{f[1].r - t.r, f[1].i - t.i}
		f[1] = complex32{f[1].r + t.r, f[1].i + t.i}

		t = complex32{f2[2].i, -f2[2].r}
		f2[2] = complex32{f[2].r - t.r, f[2].i - t.i}
		f[2] = complex32{f[2].r + t.r, f[2].i + t.i}

		t = complex32{float32((f2[3].i - f2[3].r) * tw), float32(-(f2[3].i + f2[3].r) * tw)}
		f2[3] = complex32{f[3].r - t.r, f[3].i - t.i}
		f[3] = complex32{f[3].r + t.r, f[3].i + t.i}
	}
}

func cmul(a, b complex32) complex32 {
	return complex32{float32(a.r*b.r) - float32(a.i*b.i), float32(a.r*b.i) + float32(a.i*b.r)}
}

func kfBfly4(fout []complex32, fstride, m, n, mm int) {
	if m == 1 {
		// All twiddles are 1.
		for i := 0; i < n; i++ {
			f := fout[4*i : 4*i+4]
			s0 := complex32{f[0].r - f[2].r, f[0].i - f[2].i}
			f[0] = complex32{f[0].r + f[2].r, f[0].i + f[2].i}
			s1 := complex32{f[1].r + f[3].r, f[1].i + f[3].i}
			f[2] = complex32{f[0].r - s1.r, f[0].i - s1.i}
			f[0] = complex32{f[0].r + s1.r, f[0].i + s1.i}
			s1 = complex32{f[1].r - f[3].r, f[1].i - f[3].i}
			f[1] = complex32{s0.r + s1.i, s0.i - s1.r}
			f[3] = complex32{s0.r - s1.i, s0.i + s1.r}
		}
		return
	}
	m2 := 2 * m
	m3 := 3 * m
	for i := 0; i < n; i++ {
		f := fout[i*mm:]
		for j := 0; j < m; j++ {
			s0 := cmul(f[j+m], fftTwiddles[j*fstride])
			s1 := cmul(f[j+m2], fftTwiddles[2*j*fstride])
			s2 := cmul(f[j+m3], fftTwiddles[3*j*fstride])
			s5 := complex32{f[j].r - s1.r, f[j].i - s1.i}
			f[j] = complex32{f[j].r + s1.r, f[j].i + s1.i}
			s3 := complex32{s0.r + s2.r, s0.i + s2.i}
			s4 := complex32{s0.r - s2.r, s0.i - s2.i}
			f[j+m2] = complex32{f[j].r - s3.r, f[j].i - s3.i}
			f[j] = complex32{f[j].r + s3.r, f[j].i + s3.i}
			f[j+m] = complex32{s5.r + s4.i, s5.i - s4.r}
			f[j+m3] = complex32{s5.r - s4.i, s5.i + s4.r}
		}
	}
}

func kfBfly3(fout []complex32, fstride, m, n, mm int) {
	m2 := 2 * m
	epi3 := fftTwiddles[fstride*m]
	for i := 0; i < n; i++ {
		f := fout[i*mm:]
		for k := 0; k < m; k++ {
			s1 := cmul(f[k+m], fftTwiddles[k*fstride])
			s2 := cmul(f[k+m2], fftTwiddles[2*k*fstride])
			s3 := complex32{s1.r + s2.r, s1.i + s2.i}
			s0 := complex32{s1.r - s2.r, s1.i - s2.i}
			fm := complex32{f[k].r - float32(s3.r*0.5), f[k].i - float32(s3.i*0.5)}
			s0 = complex32{float32(s0.r * epi3.i), float32(s0.i * epi3.i)}
			f[k] = complex32{f[k].r + s3.r, f[k].i + s3.i}
			f[k+m2] = complex32{fm.r + s0.i, fm.i - s0.r}
			f[k+m] = complex32{fm.r - s0.i, fm.i + s0.r}
		}
	}
}

func kfBfly5(fout []complex32, fstride, m, n, mm int) {
	ya := fftTwiddles[fstride*m]
	yb := fftTwiddles[fstride*2*m]
	for i := 0; i < n; i++ {
		f := fout[i*mm:]
		f0, f1, f2, f3, f4 := f[0:m], f[m:2*m], f[2*m:3*m], f[3*m:4*m], f[4*m:5*m]
		for u := 0; u < m; u++ {
			s0 := f0[u]
			s1 := cmul(f1[u], fftTwiddles[u*fstride])
			s2 := cmul(f2[u], fftTwiddles[2*u*fstride])
			s3 := cmul(f3[u], fftTwiddles[3*u*fstride])
			s4 := cmul(f4[u], fftTwiddles[4*u*fstride])
			s7 := complex32{s1.r + s4.r, s1.i + s4.i}
			s10 := complex32{s1.r - s4.r, s1.i - s4.i}
			s8 := complex32{s2.r + s3.r, s2.i + s3.i}
			s9 := complex32{s2.r - s3.r, s2.i - s3.i}

			f0[u] = complex32{f0[u].r + (s7.r + s8.r), f0[u].i + (s7.i + s8.i)}

			s5 := complex32{s0.r + (float32(s7.r*ya.r) + float32(s8.r*yb.r)), s0.i + (float32(s7.i*ya.r) + float32(s8.i*yb.r))}
			s6 := complex32{float32(s10.i*ya.i) + float32(s9.i*yb.i), -(float32(s10.r*ya.i) + float32(s9.r*yb.i))}
			f1[u] = complex32{s5.r - s6.r, s5.i - s6.i}
			f4[u] = complex32{s5.r + s6.r, s5.i + s6.i}

			s11 := complex32{s0.r + (float32(s7.r*yb.r) + float32(s8.r*ya.r)), s0.i + (float32(s7.i*yb.r) + float32(s8.i*ya.r))}
			s12 := complex32{float32(s9.i*ya.i) - float32(s10.i*yb.i), float32(s10.r*yb.i) - float32(s9.r*ya.i)}
			f2[u] = complex32{s11.r + s12.r, s11.i + s12.i}
			f3[u] = complex32{s11.r - s12.r, s11.i - s12.i}
		}
	}
}
