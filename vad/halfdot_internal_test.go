package vad

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// refRoundHalf rounds the exact x to binary16 (ties to even), with big.Float:
// independent of halfRound64.
func refRoundHalf(x *big.Float) float64 {
	f, _ := x.Float64()
	if math.Abs(f) < 0x1p-14 { // subnormal: multiples of 2⁻²⁴
		y := new(big.Float).SetPrec(300).SetMantExp(x, 24)
		i, _ := y.Int(nil) // truncated toward zero
		r := new(big.Float).SetPrec(300).Sub(y, new(big.Float).SetInt(i))
		q, _ := i.Float64()
		if c := r.Abs(r).Cmp(big.NewFloat(0.5)); c > 0 || c == 0 && math.Mod(q, 2) != 0 {
			q += math.Copysign(1, f) // away from zero
		}
		return math.Copysign(math.Ldexp(q, -24), f)
	}
	r := new(big.Float).SetPrec(11).SetMode(big.ToNearestEven).Set(x)
	v, _ := r.Float64()
	if math.Abs(v) > 65504 {
		return math.Copysign(math.Inf(1), v)
	}
	return v
}

// refDotHalf is ggml_vec_dot_f16 with AVX512-FP16 written from the rule,
// with exact big.Float sums: the reference for every kernel.
func refDotHalf(x, y []float32) float32 {
	n := len(x)
	np := n &^ 127
	var acc [128]float64
	exact := func(a, b, c float64) float64 {
		if math.IsNaN(a*b+c) || math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsInf(c, 0) {
			return a*b + c // ±Inf or NaN as IEEE says
		}
		s := new(big.Float).SetPrec(300).SetFloat64(a)
		s.Mul(s, new(big.Float).SetFloat64(b))
		return refRoundHalf(s.Add(s, new(big.Float).SetFloat64(c)))
	}
	for i := 0; i < np; i += 128 {
		for j := range acc {
			acc[j] = exact(float64(x[i+j]), float64(y[i+j]), acc[j])
		}
	}
	sum := 0.0
	if np > 0 {
		for _, h := range []int{64, 32, 16, 8, 4, 2, 1} {
			for j := range h {
				acc[j] = exact(acc[j], 1, acc[j+h])
			}
		}
		sum = acc[0]
	}
	for i := np; i < n; i++ {
		sum += float64(x[i] * y[i])
	}
	return float32(sum)
}

// halfKernels are the binary16 kernels this CPU can run, by name, each
// selected by setting haveFP16 and haveAVX2.
func halfKernels() []struct {
	name       string
	fp16, avx2 bool
} {
	ks := []struct {
		name       string
		fp16, avx2 bool
	}{{"go", false, false}}
	if haveAVX2 {
		ks = append(ks, struct {
			name       string
			fp16, avx2 bool
		}{"avx2-f64", false, true})
	}
	if haveFP16 {
		ks = append(ks, struct {
			name       string
			fp16, avx2 bool
		}{"avx512fp16", true, haveAVX2})
	}
	return ks
}

// TestHalfKernels: halfMat.mulT with every kernel equals refDotHalf bit for
// bit (NaN for NaN) on random binary16 inputs of many scales, with zeros,
// subnormals, ties, values near ±65504 (sums overflowing to ±Inf), Inf and
// NaN, for the sizes of the VAD graph and others.
func TestHalfKernels(t *testing.T) {
	fp16, avx2 := haveFP16, haveAVX2
	defer func() { haveFP16, haveAVX2 = fp16, avx2 }()
	r := rand.New(rand.NewPCG(9, 16))
	special := []float32{0, float32(math.Copysign(0, -1)), 0x1p-24, -0x1p-24, 0x1p-14, 65504, -65504, 1, -1, 0.5, 3, 2049.0 / 2048,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	value := func(scale float64, trial int) float32 {
		switch u := r.IntN(100); {
		case u < 5:
			return 0
		case u < 8 && trial%4 == 3:
			return special[r.IntN(len(special))]
		case u < 12:
			return roundHalf(float32(r.IntN(4096)-2048) * 0x1p-24) // subnormals
		}
		return roundHalf(float32(r.NormFloat64() * scale))
	}
	sizes := []int{128, 192, 256, 384, 387, 129, 100, 3}
	scales := []float64{1e-6, 1e-3, 0.1, 1, 30, 300, 4000}
	mismatches := 0
	for trial := range 400 {
		m, n := 1+r.IntN(3), 1+r.IntN(11)
		k := sizes[trial%len(sizes)]
		scale := scales[trial/len(sizes)%len(scales)]
		a, b := make([]float32, m*k), make([]float32, n*k)
		for i := range a {
			a[i] = value(scale, trial)
		}
		for i := range b {
			b[i] = value(scale, trial)
		}
		want := make([]float32, m*n)
		for i := range m {
			for o := range n {
				want[i*n+o] = refDotHalf(a[i*k:(i+1)*k], b[o*k:(o+1)*k])
			}
		}
		haveFP16 = fp16
		w := newHalfMat(b, n, k)
		for _, kn := range halfKernels() {
			haveFP16, haveAVX2 = kn.fp16, kn.avx2
			got := make([]float32, m*n)
			w.mulT(got, a, make([]uint16, m*k), nil, m)
			for i := range got {
				g, x := got[i], want[i]
				if math.Float32bits(g) != math.Float32bits(x) && !(g != g && x != x) {
					mismatches++
					if mismatches < 10 {
						t.Errorf("%s: trial %d (k=%d, scale %g): output %d = %g [%08x], want %g [%08x]",
							kn.name, trial, k, scale, i, g, math.Float32bits(g), x, math.Float32bits(x))
					}
				}
			}
		}
	}
	t.Logf("kernels %v: %d mismatches", halfKernels(), mismatches)
}

// TestHalfDoubleRounding: the case that makes float32 arithmetic unusable
// for the emulation (the FMA 683/1024·3/2 + 2⁻²⁴ lands on a binary16 tie
// in float32), through every kernel.
func TestHalfDoubleRounding(t *testing.T) {
	fp16, avx2 := haveFP16, haveAVX2
	defer func() { haveFP16, haveAVX2 = fp16, avx2 }()
	a, b := make([]float32, 256), make([]float32, 256)
	a[0], b[0] = 1, 0x1p-24 // block 1, lane 0: 2⁻²⁴
	a[128], b[128] = 1.5, 683.0/1024
	const want = 1 + 0x1p-10 // 1 + 2⁻¹¹ + 2⁻²⁴ rounds up
	if f := float32(1.5) * float32(683.0/1024); roundHalf(f+0x1p-24) != 1 {
		t.Fatalf("float32 double rounding gives %g, expected 1 (the case is not the one meant)", roundHalf(f+0x1p-24))
	}
	w := newHalfMat(b, 1, 256)
	for _, kn := range halfKernels() {
		haveFP16, haveAVX2 = kn.fp16, kn.avx2
		var got [1]float32
		w.mulT(got[:], a, make([]uint16, 256), nil, 1)
		if got[0] != want {
			t.Errorf("%s: %g, want %g", kn.name, got[0], float32(want))
		}
	}
}
