package kernel

import (
	"fmt"
	"math"
)

// expf is the scalar float32 exp used by the pure-Go paths and for vector
// tails: the same Cephes expf algorithm as the assembly (≈1 ulp on
// [-87, 88.37]; exactly 0 below -87, saturating above 88.37).
func expf(x float32) float32 {
	if !(x >= -87) {
		if x != x {
			return x // NaN
		}
		return 0
	}
	if x > 88.3762626647949 {
		x = 88.3762626647949
	}
	n := float32(math.RoundToEven(float64(x * 1.44269504088896341)))
	r := x - n*0.693359375
	r -= n * -2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r + 1
	p = p*r + 1
	return math.Float32frombits(math.Float32bits(p) + uint32(int32(n))<<23)
}

// geluf is the scalar GELU, 0.5·x·(1+erf(x/√2)), with erfc from Abramowitz &
// Stegun 7.1.26 (|erf error| ≤ 1.5e-7) evaluated without cancellation for
// negative x. Same algorithm as the assembly.
func geluf(x float32) float32 {
	z := float32(math.Abs(float64(x))) * 0.7071067811865476
	e := expf(-(z * z))
	t := 1 / (1 + 0.3275911*z)
	p := float32(1.061405429)
	p = p*t - 1.453152027
	p = p*t + 1.421413741
	p = p*t - 0.284496736
	p = p*t + 0.254829592
	g := 0.5 * x * (p * t * e)
	if x >= 0 {
		return x - g
	}
	return g
}

// GELU applies the Gaussian error linear unit in place,
// x = 0.5·x·(1+erf(x/√2)) — the exact (erf) form used by Whisper, not the
// tanh approximation. erf is evaluated in float32 with the Abramowitz &
// Stegun 7.1.26 rational approximation (absolute erf error ≤ 1.5e-7, so the
// GELU error is ≲ 1e-7·|x| plus float32 rounding); the AVX2 path processes 8
// values at a time and large inputs are split across goroutines.
func GELU(x []float32) {
	n := len(x)
	const chunk = 16384
	nw := workersFor(float64(n)*1.5, ceilDiv(n, chunk))
	if nw <= 1 {
		gelu(x)
		return
	}
	parallelFor(ceilDiv(n, chunk), nw, func(t int) {
		gelu(x[t*chunk : min(n, (t+1)*chunk)])
	})
}

func gelu(x []float32) {
	i := 0
	if simd && len(x) >= 8 {
		i = len(x) &^ 7
		geluAVX2(&x[0], i)
	}
	for ; i < len(x); i++ {
		x[i] = geluf(x[i])
	}
}

// Exp replaces every element of x by exp(x) (float32, ≈1 ulp; inputs below
// -87 give exactly 0).
func Exp(x []float32) {
	i := 0
	if simd && len(x) >= 8 {
		i = len(x) &^ 7
		expAVX2(&x[0], i)
	}
	for ; i < len(x); i++ {
		x[i] = expf(x[i])
	}
}

// Softmax replaces row by softmax(row) in place: the maximum is subtracted
// before exponentiation and the normalising sum is accumulated in float64.
// Entries equal to -Inf (masked) become exactly 0, as does every entry more
// than 87 below the maximum. An empty row is a no-op; a row that is entirely
// -Inf becomes all zeros.
func Softmax(row []float32) {
	if len(row) == 0 {
		return
	}
	m := maxOf(row)
	if math.IsInf(float64(m), -1) {
		clear(row)
		return
	}
	s := expSub(row, m)
	Scale(row, float32(1/s))
}

func maxOf(x []float32) float32 {
	i := 0
	m := float32(math.Inf(-1))
	if simd && len(x) >= 8 {
		i = len(x) &^ 7
		m = maxAVX2(&x[0], i)
	}
	for ; i < len(x); i++ {
		if x[i] > m {
			m = x[i]
		}
	}
	return m
}

// expSub sets x[i] = exp(x[i]-m) and returns the float64 sum.
func expSub(x []float32, m float32) float64 {
	i := 0
	s := 0.0
	if simd && len(x) >= 8 {
		i = len(x) &^ 7
		s = expSubAVX2(&x[0], i, m)
	}
	for ; i < len(x); i++ {
		v := expf(x[i] - m)
		x[i] = v
		s += float64(v)
	}
	return s
}

// LayerNorm normalises each row of the rows×cols matrix x in place:
// x = (x-mean)/sqrt(var+eps)·gamma + beta, with the biased variance. Mean and
// variance are computed in float64 with a two-pass algorithm, so rows with a
// large mean relative to their spread stay accurate. Whisper uses eps=1e-5.
func LayerNorm(x []float32, rows, cols int, gamma, beta []float32, eps float32) {
	checkLen("LayerNorm: x", x, rows*cols)
	checkLen("LayerNorm: gamma", gamma, cols)
	checkLen("LayerNorm: beta", beta, cols)
	if rows == 0 || cols == 0 {
		return
	}
	const rowsPerTask = 32
	tasks := ceilDiv(rows, rowsPerTask)
	nw := workersFor(float64(rows*cols)*0.4, tasks)
	parallelFor(tasks, nw, func(t int) {
		for r := t * rowsPerTask; r < min(rows, (t+1)*rowsPerTask); r++ {
			layerNormRow(x[r*cols:(r+1)*cols], gamma, beta, eps)
		}
	})
}

func layerNormRow(x, gamma, beta []float32, eps float32) {
	n := len(x)
	gamma, beta = gamma[:n], beta[:n]
	v := 0
	if simd {
		v = n &^ 7
	}
	var s float64
	if v > 0 {
		s = sumF64AVX2(&x[0], v)
	}
	for i := v; i < n; i++ {
		s += float64(x[i])
	}
	mean := s / float64(n)
	var q float64
	if v > 0 {
		q = sqDevF64AVX2(&x[0], v, mean)
	}
	for i := v; i < n; i++ {
		d := float64(x[i]) - mean
		q += d * d
	}
	rstd := 1 / math.Sqrt(q/float64(n)+float64(eps))
	m32, r32 := float32(mean), float32(rstd)
	if v > 0 {
		normAVX2(&x[0], &gamma[0], &beta[0], v, m32, r32)
	}
	for i := v; i < n; i++ {
		x[i] = (x[i]-m32)*r32*gamma[i] + beta[i]
	}
}

// checkPositive panics unless all the given dimensions are positive.
func checkPositive(what string, dims ...int) {
	for _, d := range dims {
		if d <= 0 {
			panic(fmt.Sprintf("kernel: %s: non-positive dimension in %v", what, dims))
		}
	}
}
