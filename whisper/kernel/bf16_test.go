package kernel

import (
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

func TestRoundBF16(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want uint32
	}{
		{1, 0x3f80},
		{-2, 0xc000},
		{math.Float32frombits(0x3f808000), 0x3f80}, // tie, even stays
		{math.Float32frombits(0x3f818000), 0x3f82}, // tie, odd rounds up
		{math.Float32frombits(0x3f808001), 0x3f81},
		{math.Float32frombits(0x00400000), 0},      // subnormal → 0
		{math.Float32frombits(0x80400000), 0x8000}, // subnormal → -0
		{float32(math.Inf(1)), 0x7f80},
		{math.Float32frombits(0x7f7fffff), 0x7f80}, // max float rounds to inf
	} {
		if got := roundBF16(c.in); got != c.want {
			t.Errorf("roundBF16(%#x) = %#x, want %#x", math.Float32bits(c.in), got, c.want)
		}
	}
	if got := roundBF16(float32(math.NaN())); got&0x7f80 != 0x7f80 || got&0x7f == 0 {
		t.Errorf("roundBF16(NaN) = %#x", got)
	}
}

func bf(x float32) float64 { return float64(math.Float32frombits(roundBF16(x) << 16)) }

// bf16Kernels returns the kernels to test: the assembly kernel when the
// CPU has AVX512_BF16, and the pure-Go twin.
func bf16Kernels() []bf16Kernel {
	ks := []bf16Kernel{bf16GoKern}
	if haveAVX512BF16 {
		ks = append(ks, bf16AsmKern)
	}
	return ks
}

// TestGemmBF16 checks the bf16 GEMM against a float64 evaluation of the
// bf16-rounded operands (exact products, so only the float32 sums err).
func TestGemmBF16(t *testing.T) {
	defer func(v float64, kc, mc int) { minWorkPerWorker, kcBF16, mcBF16 = v, kc, mc }(minWorkPerWorker, kcBF16, mcBF16)
	minWorkPerWorker = 0
	shapes := [][3]int{{1, 1, 1}, {8, 32, 16}, {9, 33, 17}, {7, 31, 15}, {40, 70, 64}, {130, 95, 130}, {16, 64, 33}, {200, 40, 390}}
	for _, kn := range bf16Kernels() {
		for si, s := range shapes {
			for _, f16 := range []bool{false, true} {
				for _, blk := range [][2]int{{192, 120}, {8, 16}} {
					kcBF16, mcBF16 = blk[0], blk[1]
					for _, nw := range []int{1, 3} {
						checkGemmBF16(t, &kn, s[0], s[1], s[2], f16, si%2 == 0, si%3 == 0, nw, uint64(si))
					}
				}
			}
		}
	}
}

func checkGemmBF16(t *testing.T, kn *bf16Kernel, m, n, k int, f16, bias, accum bool, nw int, seed uint64) {
	t.Helper()
	r := newRand(seed)
	a, b := randSlice(r, m*k), randSlice(r, n*k)
	w := F32Weights(b)
	if f16 {
		h := make([]uint16, len(b))
		for i, v := range b {
			h[i] = ggml.Float32ToFloat16(v)
			b[i] = ggml.Float16ToFloat32(h[i])
		}
		w = F16Weights(h)
	}
	var bs []float32
	if bias {
		bs = randSlice(r, n)
	}
	c0 := randSlice(r, m*n)
	c := append([]float32(nil), c0...)
	gemmBF16(kn, m, n, k, a, k, w, c, n, accum, bs, nw)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s, mag := 0.0, 0.0
			for p := 0; p < k; p++ {
				v := bf(a[i*k+p]) * bf(b[j*k+p])
				s += v
				mag += math.Abs(v)
			}
			if bias {
				s += float64(bs[j])
				mag += math.Abs(float64(bs[j]))
			}
			if accum {
				s += float64(c0[i*n+j])
				mag += math.Abs(float64(c0[i*n+j]))
			}
			got := float64(c[i*n+j])
			if d := math.Abs(got - s); d > gamma(k+4)*mag+1e-30 {
				t.Fatalf("%s %dx%dx%d f16=%v bias=%v accum=%v nw=%d kc=%d: (%d,%d) = %g, want %g (Δ %g)",
					kn.name, m, n, k, f16, bias, accum, nw, kcBF16, i, j, got, s, d)
			}
		}
	}
}

// TestBF16AsmMatchesGo: the assembly kernel and its Go twin add the same
// exact products in the same order per k pair, so they agree bit for bit
// on normal inputs.
func TestBF16AsmMatchesGo(t *testing.T) {
	if !haveAVX512BF16 {
		t.Skip("no AVX512_BF16")
	}
	r := newRand(9)
	m, n, k := 50, 70, 200
	a, b := randSlice(r, m*k), randSlice(r, n*k)
	got, want := make([]float32, m*n), make([]float32, m*n)
	asm, g := bf16AsmKern, bf16GoKern
	gemmBF16(&asm, m, n, k, a, k, F32Weights(b), got, n, false, nil, 1)
	gemmBF16(&g, m, n, k, a, k, F32Weights(b), want, n, false, nil, 1)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("element %d: asm %g, go %g", i, got[i], want[i])
		}
	}
}

func TestComputeParse(t *testing.T) {
	for _, s := range []string{"", "f32", "bf16"} {
		c, err := ParseCompute(s)
		if err != nil {
			t.Fatal(err)
		}
		if s != "" && c.String() != s {
			t.Errorf("%q → %v", s, c)
		}
	}
	if _, err := ParseCompute("fp8"); err == nil {
		t.Error("ParseCompute(fp8): no error")
	}
	if !F32.Supported() {
		t.Error("F32 not supported")
	}
	if BF16.Supported() != haveAVX512BF16 {
		t.Errorf("BF16.Supported() = %v, CPU has AVX512_BF16: %v", BF16.Supported(), haveAVX512BF16)
	}
}
