package mp3

import "math"

// The polyphase synthesis filterbank, ISO/IEC 11172-3 2.4.3.4.10.2 and
// Figure A.2: every 32 subband samples are matrixed into a 64-value vector
// V (with a fast DCT-II of 32 points), and the last 16 vectors, windowed
// by D, give 32 output samples.

// synthWindowF is D as float32, in rows of 32: row 2i is D[64i:64i+32],
// row 2i+1 is D[64i+32:64i+64].
var synthWindowF = makeSynthWindowF()

func makeSynthWindowF() (d [16][32]float32) {
	for i, v := range synthWindow {
		d[i/32][i%32] = float32(v) / 65536
	}
	return d
}

// dctCoefs holds 1/(2·cos((2i+1)π/(2n))) for the butterflies of the DCT of
// n = 32, 16, 8, 4, 2 points, at dctCoefs[log2(32/n)][i].
var dctCoefs = makeDCTCoefs()

func makeDCTCoefs() (c [5][16]float32) {
	for l, n := 0, 32; n >= 2; l, n = l+1, n/2 {
		for i := range n / 2 {
			c[l][i] = float32(1 / (2 * math.Cos(float64(2*i+1)*math.Pi/float64(2*n))))
		}
	}
	return c
}

// dct32 computes in place the DCT-II X[k] = Σ x[n]·cos((2n+1)kπ/64) of
// 32 points with Lee's recursive factorisation: the sums and the scaled
// differences of mirrored inputs each take a DCT of half the size, whose
// outputs give the even and (added in pairs) the odd outputs. The sizes
// have functions of their own so that they work on arrays.
func dct32(x *[32]float32) {
	var a, b [16]float32
	c := &dctCoefs[0]
	for i := range 16 {
		u, v := x[i], x[31-i]
		a[i] = u + v
		b[i] = (u - v) * c[i]
	}
	dct16(&a)
	dct16(&b)
	for k := range 15 {
		x[2*k] = a[k]
		x[2*k+1] = b[k] + b[k+1]
	}
	x[30] = a[15]
	x[31] = b[15]
}

func dct16(x *[16]float32) {
	var a, b [8]float32
	c := &dctCoefs[1]
	for i := range 8 {
		u, v := x[i], x[15-i]
		a[i] = u + v
		b[i] = (u - v) * c[i]
	}
	dct8(&a)
	dct8(&b)
	for k := range 7 {
		x[2*k] = a[k]
		x[2*k+1] = b[k] + b[k+1]
	}
	x[14] = a[7]
	x[15] = b[7]
}

func dct8(x *[8]float32) {
	var a, b [4]float32
	c := &dctCoefs[2]
	for i := range 4 {
		u, v := x[i], x[7-i]
		a[i] = u + v
		b[i] = (u - v) * c[i]
	}
	dct4(&a)
	dct4(&b)
	for k := range 3 {
		x[2*k] = a[k]
		x[2*k+1] = b[k] + b[k+1]
	}
	x[6] = a[3]
	x[7] = b[3]
}

func dct4(x *[4]float32) {
	var a, b [2]float32
	c := &dctCoefs[3]
	for i := range 2 {
		u, v := x[i], x[3-i]
		a[i] = u + v
		b[i] = (u - v) * c[i]
	}
	dct2(&a)
	dct2(&b)
	for k := range 1 {
		x[2*k] = a[k]
		x[2*k+1] = b[k] + b[k+1]
	}
	x[2] = a[1]
	x[3] = b[1]
}

func dct2(x *[2]float32) {
	u, v := x[0], x[1]
	x[0] = u + v
	x[1] = (u - v) * dctCoefs[4][0]
}

// A synthesis is the state of one channel's filterbank: the last 16 V
// vectors, each stored twice (slots k and k+16) so that the 16 from the
// newest on are contiguous.
type synthesis struct {
	v   [32][64]float32
	pos int // slot of the newest vector
}

// synthesize turns the 32 subband samples s of one time slot into 32 output
// samples.
func (st *synthesis) synthesize(s *[32]float32, out []float32) {
	x := *s
	dct32(&x)
	st.pos = (st.pos + 15) & 15
	v := &st.v[st.pos]
	for i := range 16 {
		v[i] = x[i+16]
	}
	v[16] = 0
	for i := 17; i <= 48; i++ {
		v[i] = -x[48-i]
	}
	for i := 49; i < 64; i++ {
		v[i] = -x[i-48]
	}
	st.v[st.pos+16] = *v

	var acc [32]float32
	for i := range 8 {
		a, b := &st.v[st.pos+2*i], &st.v[st.pos+2*i+1]
		d0, d1 := &synthWindowF[2*i], &synthWindowF[2*i+1]
		for j := range 32 {
			acc[j] += d0[j]*a[j] + d1[j]*b[j+32]
		}
	}
	copy(out[:32], acc[:])
}
