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
