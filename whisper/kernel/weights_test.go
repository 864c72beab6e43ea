package kernel

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// randHalf returns n random halves in [-1, 1] and their float32 values.
func randHalf(seed uint64, n int) ([]uint16, []float32) {
	r := newRand(seed)
	h := make([]uint16, n)
	f := make([]float32, n)
	for i := range h {
		h[i] = ggml.Float32ToFloat16(float32(r.Float64()*2 - 1))
		f[i] = ggml.Float16ToFloat32(h[i])
	}
	return h, f
}

// TestLinearTF16 checks the half-precision weight paths (unpacked dots for
// few rows, packed GEMM for many) against a float64 product of the exact
// widened weights: they must agree up to float32 rounding.
func TestLinearTF16(t *testing.T) {
	shapes := [][3]int{
		{1, 1, 1}, {1, 7, 5}, {1, 100, 64}, {1, 51, 37}, {1, 513, 384},
		{2, 33, 72}, {3, 50, 37}, {5, 1536, 384}, {16, 40, 129},
		{17, 48, 384}, {40, 31, 200}, {49, 33, 64}, {61, 17, 400},
		{200, 300, 129}, {128, 384, 384},
	}
	gemmPaths(t, func(t *testing.T) {
		for i, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for _, mode := range []struct {
				bias, accum bool
			}{{false, false}, {true, false}, {true, true}, {false, true}} {
				name := fmt.Sprintf("%dx%dx%d/bias=%v/accum=%v", m, n, k, mode.bias, mode.accum)
				r := newRand(uint64(1000 + i))
				a := randSlice(r, m*k)
				wh, wf := randHalf(uint64(2000+i), n*k)
				var bias []float32
				if mode.bias {
					bias = randSlice(r, n)
				}
				c := randSlice(r, m*n)
				c0 := append([]float32(nil), c...)
				beta := float32(0)
				if mode.accum {
					LinearTAdd(c, a, F16Weights(wh), bias, m, n, k)
					beta = 1
				} else {
					for i := range c {
						c[i] = float32(math.NaN()) // must not be read
					}
					LinearT(c, a, F16Weights(wh), bias, m, n, k)
				}
				for i := 0; i < m; i++ {
					ref, bound := refGemmRow(true, i, n, k, a, k, wf, k, c0, n, 1, beta, bias)
					for j := 0; j < n; j++ {
						if d := math.Abs(float64(c[i*n+j]) - ref[j]); !(d <= bound[j]) {
							t.Fatalf("%s: c[%d,%d] = %g, want %g (|Δ| %.3g > %.3g)", name, i, j, c[i*n+j], ref[j], d, bound[j])
						}
					}
				}
			}
		}
	})
}

// TestLinearTF16WhisperShapes runs the encoder's and the logits' shapes
// (tiny), sampling rows of the encoder products.
func TestLinearTF16WhisperShapes(t *testing.T) {
	cases := [][3]int{{1500, 1536, 384}, {1500, 384, 1536}, {1, 51864, 384}, {4, 51864, 384}}
	paths(t, func(t *testing.T) {
		for i, s := range cases {
			m, n, k := s[0], s[1], s[2]
			if (testing.Short() || gemmKern.name == genericKernel.name) && m*n*k > 3e8 {
				continue
			}
			r := newRand(uint64(3000 + i))
			a := randSlice(r, m*k)
			wh, wf := randHalf(uint64(4000+i), n*k)
			bias := randSlice(r, n)
			c := make([]float32, m*n)
			LinearT(c, a, F16Weights(wh), bias, m, n, k)
			for _, i := range []int{0, m / 3, m - 1} {
				ref, bound := refGemmRow(true, i, n, k, a, k, wf, k, nil, n, 1, 0, bias)
				for j := 0; j < n; j++ {
					if d := math.Abs(float64(c[i*n+j]) - ref[j]); !(d <= bound[j]) {
						t.Fatalf("%v: c[%d,%d] = %g, want %g", s, i, j, c[i*n+j], ref[j])
					}
				}
			}
		}
	})
}

// TestLinearTF32IsMatMulT checks that F32 weights take MatMulT's path:
// bit-identical results.
func TestLinearTF32IsMatMulT(t *testing.T) {
	r := newRand(5)
	for _, s := range [][3]int{{1, 300, 64}, {7, 100, 40}, {300, 200, 129}} {
		m, n, k := s[0], s[1], s[2]
		a, w, bias, c := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, n), randSlice(r, m*n)
		got, want := make([]float32, m*n), make([]float32, m*n)
		LinearT(got, a, F32Weights(w), nil, m, n, k)
		MatMulT(want, a, w, m, n, k)
		LinearT(got, a, F32Weights(w), bias, m, n, k)
		MatMulTBias(want, a, w, bias, m, n, k)
		got2, want2 := append([]float32(nil), c...), append([]float32(nil), c...)
		LinearTAdd(got2, a, F32Weights(w), bias, m, n, k)
		MatMulTBiasAdd(want2, a, w, bias, m, n, k)
		for i := range got {
			if got[i] != want[i] || got2[i] != want2[i] {
				t.Fatalf("%v: element %d differs", s, i)
			}
		}
	}
}

// TestWidenF16 checks the conversion (assembly and Go) on every half bit
// pattern, specials included, against ggml.Float16ToFloat32.
func TestWidenF16(t *testing.T) {
	src := make([]uint16, 1<<16)
	raw := make([]byte, 1+2*len(src))
	for i := range src {
		src[i] = uint16(i)
		binary.LittleEndian.PutUint16(raw[1+2*i:], src[i])
	}
	paths(t, func(t *testing.T) {
		for _, off := range []int{0, 3} {
			dst := make([]float32, len(src)-off)
			// raw[1:] starts at an odd address: data in a mapped file
			// need not be aligned.
			widenF16(dst, raw[1+2*off:])
			for i, v := range dst {
				want := ggml.Float16ToFloat32(src[off+i])
				if want != want && f16simd {
					// F16C quiets signalling NaNs (as ggml's F16C builds do).
					want = math.Float32frombits(math.Float32bits(want) | 0x400000)
				}
				if math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("half %#04x: got %#08x, want %#08x", src[off+i], math.Float32bits(v), math.Float32bits(want))
				}
			}
		}
		w := F16Weights(src[:40])
		row := make([]float32, 9)
		w.Widen(row, 13)
		for i, v := range row {
			if v != ggml.Float16ToFloat32(src[13+i]) {
				t.Fatalf("Widen: element %d", i)
			}
		}
	})
}

// TestF16AsmMatchesGo compares the assembly and pure-Go F16 paths directly.
func TestF16AsmMatchesGo(t *testing.T) {
	if !haveAVX2FMA || !haveF16C {
		t.Skip("no AVX2/FMA/F16C")
	}
	for i, s := range [][3]int{{1, 100, 64}, {1, 51, 37}, {3, 50, 37}, {200, 300, 129}, {61, 17, 400}} {
		m, n, k := s[0], s[1], s[2]
		r := newRand(uint64(90 + i))
		a, bias := randSlice(r, m*k), randSlice(r, n)
		wh, _ := randHalf(uint64(95+i), n*k)
		got, want := make([]float32, m*n), make([]float32, m*n)
		LinearT(got, a, F16Weights(wh), bias, m, n, k)
		selectKernels(false)
		LinearT(want, a, F16Weights(wh), bias, m, n, k)
		selectKernels(true)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 2*gamma(k+2)*float64(k) {
				t.Fatalf("%v: element %d asm %g go %g", s, i, got[i], want[i])
			}
		}
	}
}

func TestLinearTPanics(t *testing.T) {
	w := F16Weights(make([]uint16, 6))
	mustPanic(t, "short w", "", func() { LinearT(make([]float32, 4), make([]float32, 8), w, nil, 2, 2, 4) })
	mustPanic(t, "short dst", "", func() { LinearT(make([]float32, 3), make([]float32, 6), w, nil, 2, 2, 2) })
	mustPanic(t, "bias", "", func() { LinearT(make([]float32, 6), make([]float32, 4), w, make([]float32, 2), 2, 3, 2) })
}
