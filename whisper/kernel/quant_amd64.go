//go:build amd64 && !purego

package kernel

//go:generate python3 quant_gen.py

import (
	"golang.org/x/sys/cpu"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// haveVNNI reports AVX512-VNNI with AVX512-VL: VPDPBUSD on 256-bit vectors.
var haveVNNI = cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512VL

// The block-dot routines (quant_amd64.s): out[r] = row r of nrows rows of
// blocks at w (stride rb bytes, nb blocks each) dotted with the activation
// row quantized as qs (nb·32 int8), d (nb scales) and, for the _1 types, s
// (nb half-rounded d·Σqs). nrows and nb are at least 1.

//go:noescape
func dotsQ8_0AVX2(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ8_0VNNI(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ4_0AVX2(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ4_0VNNI(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ4_1AVX2(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ4_1VNNI(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ5_0AVX2(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ5_0VNNI(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ5_1AVX2(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsQ5_1VNNI(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

// The several-activations routines: out[a*ldo+r] = row r of nrows
// contiguous rows of blocks at w dotted with activation a < groupActs(t),
// the activations' blocks interleaved (block b of activation a at
// qs[(b*A+a)*32:], its scale at d[b*A+a], its sum at s[b*A+a]).

//go:noescape
func dotsMQ8_0AVX2(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ8_0VNNI(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ4_0AVX2(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ4_0VNNI(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ4_1AVX2(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ4_1VNNI(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ5_0AVX2(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ5_0VNNI(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ5_1AVX2(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

//go:noescape
func dotsMQ5_1VNNI(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

type dotsFunc = func(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)

// dotsAsm are the routines per type: AVX2 and VNNI.
var dotsAsm = map[ggml.Type][2]dotsFunc{
	ggml.Q8_0: {dotsQ8_0AVX2, dotsQ8_0VNNI},
	ggml.Q4_0: {dotsQ4_0AVX2, dotsQ4_0VNNI},
	ggml.Q4_1: {dotsQ4_1AVX2, dotsQ4_1VNNI},
	ggml.Q5_0: {dotsQ5_0AVX2, dotsQ5_0VNNI},
	ggml.Q5_1: {dotsQ5_1AVX2, dotsQ5_1VNNI},
}

type dotsMFunc = func(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)

// dotsMAsm are the several-activations routines per type: AVX2 and VNNI.
var dotsMAsm = map[ggml.Type][2]dotsMFunc{
	ggml.Q8_0: {dotsMQ8_0AVX2, dotsMQ8_0VNNI},
	ggml.Q4_0: {dotsMQ4_0AVX2, dotsMQ4_0VNNI},
	ggml.Q4_1: {dotsMQ4_1AVX2, dotsMQ4_1VNNI},
	ggml.Q5_0: {dotsMQ5_0AVX2, dotsMQ5_0VNNI},
	ggml.Q5_1: {dotsMQ5_1AVX2, dotsMQ5_1VNNI},
}

// groupActs is the number of activation rows the several-activations
// routine of type t takes: four for the _0 types, two for the _1 types
// (whose m·s sums need registers of their own).
func groupActs(t ggml.Type) int {
	if t == ggml.Q4_1 || t == ggml.Q5_1 {
		return 2
	}
	return 4
}

// quantDotsGroupAsm runs the several-activations routine: out[a*ldo+r] for
// a < groupActs(t) and r < nrows, with qs, d, s one interleaved group.
func quantDotsGroupAsm(t ggml.Type, out []float32, ldo int, w []byte, nrows int, qs []int8, d, s []float32) {
	na := groupActs(t)
	nb := len(d) / na
	_ = out[(na-1)*ldo+nrows-1]
	_ = w[nrows*t.RowBytes(nb*qk)-1]
	_ = qs[nb*na*qk-1]
	_ = s[nb*na-1]
	f := dotsMAsm[t]
	fn := f[0]
	if quantVNNI {
		fn = f[1]
	}
	fn(&out[0], ldo, &w[0], nrows, &qs[0], &d[0], &s[0], nb)
}

// quantDotsAsm is quantDots' assembly path (len(out) ≥ 1).
func quantDotsAsm(t ggml.Type, out []float32, w []byte, rb int, qs []int8, d, s []float32) {
	nb := len(d)
	_ = w[(len(out)-1)*rb+t.RowBytes(nb*qk)-1]
	_ = qs[nb*qk-1]
	_ = s[nb-1]
	f := dotsAsm[t]
	fn := f[0]
	if quantVNNI {
		fn = f[1]
	}
	fn(&out[0], &w[0], rb, len(out), &qs[0], &d[0], &s[0], nb)
}
