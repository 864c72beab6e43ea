package vad

import (
	"math"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// roundHalf rounds x to the nearest IEEE half-precision value (ties to
// even) and returns it as float32: what ggml's im2col does to a
// convolution's input before multiplying it with F16 weights.
func roundHalf(x float32) float32 {
	b := math.Float32bits(x)
	e := b >> 23 & 0xff
	if e-113 < 29 {
		// Half's normal range (float32 exponents 113 to 141 here; 142
		// may round to infinity): round the mantissa to 10 bits.
		b += 0xfff + (b >> 13 & 1)
		return math.Float32frombits(b &^ 0x1fff)
	}
	if e < 113 {
		// Half subnormals are multiples of 2⁻²⁴, the float32 spacing in
		// [0.5, 1): adding and removing 0.5 rounds |x| to one, ties to
		// even.
		a := math.Float32frombits(b&^(1<<31)) + 0.5
		return math.Float32frombits(math.Float32bits(a-0.5) | b&(1<<31))
	}
	return roundHalfSlow(x)
}

// roundHalfSlow is roundHalf by way of ggml's conversions, for values at
// or beyond half's largest.
func roundHalfSlow(x float32) float32 { return ggml.Float16ToFloat32(ggml.Float32ToFloat16(x)) }

// roundHalfSlice applies roundHalf to every element of x.
func roundHalfSlice(x []float32) {
	for i, v := range x {
		x[i] = roundHalf(v)
	}
}

// reluHalf applies ReLU and then roundHalf to every element of x.
func reluHalf(x []float32) {
	for i, v := range x {
		if v <= 0 {
			x[i] = 0
		} else {
			x[i] = roundHalf(v)
		}
	}
}

// relu applies ReLU to every element of x.
func relu(x []float32) {
	for i, v := range x {
		x[i] = max(v, 0)
	}
}

// The F16 products of NumericsHalf follow ggml_vec_dot_f16 as whisper.cpp's
// CPU backend compiles it for a CPU with AVX512-FP16 (GGML_NATIVE on Intel
// Sapphire Rapids and later; ggml/src/ggml-cpu/simd-mappings.h:495-530 and
// vec.cpp:345-366 at 233fe1fc9b48): the row is cut into blocks of 128
// elements, element j of every block going to lane j of four 32-lane
// binary16 accumulators (_mm512_fmadd_ph: product and sum rounded once, to
// binary16). The four accumulators are then added lane-wise (0+2, 1+3, then
// 0+1) and the 32 lanes summed by GCC's _mm512_reduce_add_ph (halves 16, 8,
// 4, 2, 1), every sum rounded to binary16; the len%128 leftovers are added
// to that in float64, each as a float32 product, and the sum is converted
// to float32. Other builds accumulate in float32 (NumericsFloat).
//
// Three implementations compute the binary16 part, bit for bit alike
// (TestHalfKernels): the CPU's own binary16 FMA where it has AVX512-FP16
// (dotRowsF16), an AVX2 emulation in float64 (dotHalf4BlocksAVX2), and the
// pure-Go emulation halfBlocks. The emulations work in float64: a·b is
// exact there (22 significant bits), and rounding the float64 sum a·b+c to
// binary16 gives the correctly rounded FMA; when that sum is inexact, a·b is
// below 2⁻³⁰ of c, far from moving c to a binary16 rounding boundary, so
// both round to c. (Working in float32 instead is not exact: rounding a·b+c
// to float32 and then to binary16 differs from one rounding when the
// float32 sum lands on a binary16 midpoint, 1452 of jfk.wav's 184 million
// FMAs.)

// halfRound64 rounds x to binary16 (ties to even) and returns it as
// float64, by adding and removing 1.5·2^(q+52), q being the exponent of
// binary16's last place at x (2⁻²⁴ for subnormals): the float64 sum rounds
// x to that place.
func halfRound64(x float64) float64 {
	ef := max(math.Float64bits(x)>>52&0x7ff, 1023-14)
	c := math.Float64frombits((ef+42)<<52 | 1<<51)
	r := (x + c) - c
	if !(r <= 65504 && r >= -65504) {
		return halfBeyond(x)
	}
	return r
}

// halfBeyond is halfRound64 for x rounding beyond binary16's largest
// finite value, or NaN.
func halfBeyond(x float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	return math.Copysign(math.Inf(1), x)
}

// halfBlocks is the binary16 part of ggml_vec_dot_f16 with AVX512-FP16 for
// x and y of a whole number of 128-element blocks (x and y hold binary16
// values), in pure Go. halfRound64 is written out in the FMA loop: the
// compiler does not inline it.
func halfBlocks(x, y []float32) float64 {
	n := len(x)
	if n == 0 {
		return 0
	}
	y = y[:n]
	var acc [128]float64
	for i := 0; i+128 <= n; i += 128 {
		xb, yb := (*[128]float32)(x[i:]), (*[128]float32)(y[i:])
		for j := range acc {
			s := float64(xb[j]*yb[j]) + acc[j]
			ef := max(math.Float64bits(s)>>52&0x7ff, 1023-14)
			c := math.Float64frombits((ef+42)<<52 | 1<<51)
			r := (s + c) - c
			if !(r <= 65504 && r >= -65504) {
				r = halfBeyond(s)
			}
			acc[j] = r
		}
	}
	for _, h := range [...]int{64, 32, 16, 8, 4, 2, 1} {
		// 64: accumulators 0+2 and 1+3; 32: 0+1; then the halves of
		// _mm512_reduce_add_ph.
		for j := range h {
			acc[j] = halfRound64(acc[j] + acc[j+h]) // exact sum
		}
	}
	return acc[0]
}

// halfMat is an F16 weight matrix for NumericsHalf products: n rows of k
// binary16 values, as float32 (f), as binary16 bits for the AVX512-FP16
// kernel (h, only on CPUs that have it) and, for the k%128 leftover
// columns, transposed (tail[i][o]) so that they are summed for all rows at
// once.
type halfMat struct {
	n, k, np int
	f        []float32
	h        []uint16
	tail     []float32
}

func newHalfMat(w []float32, n, k int) halfMat {
	m := halfMat{n: n, k: k, np: k &^ 127, f: w}
	if haveFP16 {
		m.h = make([]uint16, len(w))
		toHalf(m.h, w)
	}
	m.tail = make([]float32, (k-m.np)*n)
	for i := m.np; i < k; i++ {
		for o := range n {
			m.tail[(i-m.np)*n+o] = w[o*k+i]
		}
	}
	return m
}

// maxHalfRows is the largest n of a halfMat (the STFT's 2·nBins).
const maxHalfRows = 2 * nBins

// mulT sets dst[r·n + o] = a_r·w_o + bias[o] (bias may be nil) for the m
// rows of a (m×k, binary16 values), every product summed as
// ggml_vec_dot_f16 does with AVX512-FP16. ah is scratch of m·k binary16
// values for the AVX512-FP16 kernel.
func (w *halfMat) mulT(dst, a []float32, ah []uint16, bias []float32, m int) {
	n, k, np := w.n, w.k, w.np
	dst, a = dst[:m*n], a[:m*k]
	switch {
	case np == 0:
		clear(dst)
	case haveFP16:
		ah = ah[:m*k]
		toHalf(ah, a)
		for r := range m {
			dotRowsF16(&dst[r*n], &ah[r*k], &w.h[0], n, k, np/128)
		}
	default:
		var tmp [4][128]float64
		for r := range m {
			ar, out := a[r*k:(r+1)*k], dst[r*n:(r+1)*n]
			o := 0
			if haveAVX2 {
				for ; o+4 <= n; o += 4 {
					s0, s1, s2, s3, ok := dotHalf4BlocksAVX2(&ar[0], &w.f[o*k], k, np/128, &tmp)
					if !ok {
						break // beyond ±65504 or NaN: the pure-Go code says which
					}
					out[o], out[o+1], out[o+2], out[o+3] = float32(s0), float32(s1), float32(s2), float32(s3)
				}
			}
			for ; o < n; o++ {
				out[o] = float32(halfBlocks(ar[:np], w.f[o*k:o*k+np]))
			}
		}
	}
	if np == k {
		if bias != nil {
			for r := range m {
				out := dst[r*n : (r+1)*n]
				for o, b := range bias[:n] {
					out[o] += b
				}
			}
		}
		return
	}
	var acc [maxHalfRows]float64
	for r := range m {
		out := dst[r*n : (r+1)*n]
		s := acc[:n]
		for o, v := range out {
			s[o] = float64(v)
		}
		if haveAVX2 && n%8 == 0 {
			tailF64(&s[0], &a[r*k+np], &w.tail[0], n, k-np)
		} else {
			for i := np; i < k; i++ {
				ai := a[r*k+i]
				t := w.tail[(i-np)*n : (i-np+1)*n]
				for o, v := range t {
					s[o] += float64(ai * v)
				}
			}
		}
		for o, v := range s {
			out[o] = float32(v)
		}
		if bias != nil {
			for o, b := range bias[:n] {
				out[o] += b
			}
		}
	}
}

// toHalfGo converts src (binary16 values) to binary16 bits.
func toHalfGo(dst []uint16, src []float32) {
	for i, v := range src {
		dst[i] = ggml.Float32ToFloat16(v)
	}
}
