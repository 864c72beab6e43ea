package celt

import (
	"math"

	"github.com/xdna-worker/xdna-worker/audio/opus/internal/rangecoding"
)

// Vector quantization of the band shapes (libopus celt/vq.c, float build).

var spreadFactor = [3]int{15, 10, 5}

// expRotation1 applies one pass of Givens rotations to x.
func expRotation1(x []float32, length, stride int, c, s float32) {
	ms := -s
	for i := 0; i < length-stride; i++ {
		x1 := x[i]
		x2 := x[i+stride]
		x[i+stride] = float32(c*x2) + float32(s*x1)
		x[i] = float32(c*x1) + float32(ms*x2)
	}
	for i := length - 2*stride - 1; i >= 0; i-- {
		x1 := x[i]
		x2 := x[i+stride]
		x[i+stride] = float32(c*x2) + float32(s*x1)
		x[i] = float32(c*x1) + float32(ms*x2)
	}
}

// expRotation spreads (dir < 0 undoes) the energy of the k pulses of x
// over its length (exp_rotation).
func expRotation(x []float32, length, dir, stride, k, spread int) {
	if 2*k >= length || spread == spreadNone {
		return
	}
	factor := spreadFactor[spread-1]
	gain := float32(length) / float32(length+factor*k)
	theta := float32(0.5 * float32(gain*gain))
	c := cosNorm(theta)
	s := cosNorm(1 - theta)

	stride2 := 0
	if length >= 8*stride {
		stride2 = 1
		for (stride2*stride2+stride2)*stride+(stride>>2) < length {
			stride2++
		}
	}
	length /= stride
	for i := 0; i < stride; i++ {
		xi := x[i*length:]
		if dir < 0 {
			if stride2 != 0 {
				expRotation1(xi, length, stride2, s, c)
			}
			expRotation1(xi, length, 1, c, s)
		} else {
			expRotation1(xi, length, 1, c, -s)
			if stride2 != 0 {
				expRotation1(xi, length, stride2, s, -c)
			}
		}
	}
}

// extractCollapseMask returns which of the b blocks of iy have pulses.
func extractCollapseMask(iy []int, n, b int) uint {
	if b <= 1 {
		return 1
	}
	n0 := n / b
	var mask uint
	for i := 0; i < b; i++ {
		tmp := 0
		for j := 0; j < n0; j++ {
			tmp |= iy[i*n0+j]
		}
		if tmp != 0 {
			mask |= 1 << uint(i)
		}
	}
	return mask
}

// algUnquant decodes a band shape of n samples with k pulses into x,
// scaled to gain, and returns its collapse mask (alg_unquant).
func algUnquant(x []float32, n, k, spread, b int, rd *rangecoding.Decoder, gain float32, iy []int) uint {
	ryy := decodePulses(iy[:n], n, k, rd)
	// normalise_residual
	g := (1 / float32(math.Sqrt(float64(ryy)))) * gain
	for i := 0; i < n; i++ {
		x[i] = g * float32(iy[i])
	}
	expRotation(x, n, -1, b, k, spread)
	return extractCollapseMask(iy, n, b)
}

// renormaliseVector scales x to norm gain (renormalise_vector).
func renormaliseVector(x []float32, gain float32) {
	e := float32(1e-15) + innerProd(x, x)
	g := (1 / float32(math.Sqrt(float64(e)))) * gain
	for i := range x {
		x[i] *= g
	}
}
