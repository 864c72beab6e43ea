package kernel

import (
	"fmt"
	"math"
	"testing"
)

// refGemmRow computes row i of alpha·A·op(B) + beta·C (+bias) in float64 and
// the matching componentwise error bound for a float32 evaluation:
// γ_{k+2}·(|alpha|·Σ|a||b| + |beta·c| + |bias|) plus the final rounding.
func refGemmRow(transB bool, i, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, bias []float32) (ref, bound []float64) {
	ref = make([]float64, n)
	bound = make([]float64, n)
	for j := 0; j < n; j++ {
		s, sa := 0.0, 0.0
		for p := 0; p < k; p++ {
			av := float64(a[i*lda+p])
			var bv float64
			if transB {
				bv = float64(b[j*ldb+p])
			} else {
				bv = float64(b[p*ldb+j])
			}
			s += av * bv
			sa += math.Abs(av * bv)
		}
		v := float64(alpha) * s
		mag := math.Abs(float64(alpha)) * sa
		if beta != 0 {
			cv := float64(beta) * float64(c[i*ldc+j])
			v += cv
			mag += math.Abs(cv)
		}
		if bias != nil {
			v += float64(bias[j])
			mag += math.Abs(float64(bias[j]))
		}
		ref[j] = v
		bound[j] = gamma(k+4)*mag + 2*u*math.Abs(v) + 1e-30
	}
	return ref, bound
}

type gemmCase struct {
	transB        bool
	m, n, k       int
	lda, ldb, ldc int // 0 = dense
	alpha, beta   float32
	bias          bool
	sampleRows    int // 0 = check all rows
}

func (gc gemmCase) String() string {
	t := "N"
	if gc.transB {
		t = "T"
	}
	return fmt.Sprintf("%s_%dx%dx%d_ld%d.%d.%d_a%g_b%g_bias%v", t, gc.m, gc.n, gc.k, gc.lda, gc.ldb, gc.ldc, gc.alpha, gc.beta, gc.bias)
}

func runGemmCase(t *testing.T, gc gemmCase, seed uint64) {
	t.Helper()
	r := newRand(seed)
	m, n, k := gc.m, gc.n, gc.k
	lda, ldb, ldc := max(gc.lda, k), gc.ldb, max(gc.ldc, n)
	if gc.transB {
		ldb = max(ldb, k)
	} else {
		ldb = max(ldb, n)
	}
	a := randSlice(r, max(0, (m-1)*lda+k))
	var b []float32
	if gc.transB {
		b = randSlice(r, max(0, (n-1)*ldb+k))
	} else {
		b = randSlice(r, max(0, (k-1)*ldb+n))
	}
	c := randSlice(r, max(0, (m-1)*ldc+n))
	if gc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN()) // must be ignored
		}
	}
	// Padding between rows must be left untouched.
	const pad = 12345
	for i := 0; i < m; i++ {
		for j := n; j < ldc && i*ldc+j < len(c); j++ {
			c[i*ldc+j] = pad
		}
	}
	c0 := append([]float32(nil), c...)
	var bias []float32
	if gc.bias {
		bias = randSlice(r, n)
		gemm(gc.transB, m, n, k, a, lda, b, ldb, c, ldc, gc.alpha, gc.beta, bias, 0)
	} else {
		Gemm(gc.transB, m, n, k, a, lda, b, ldb, c, ldc, gc.alpha, gc.beta)
	}
	rows := make([]int, 0, m)
	if gc.sampleRows == 0 || gc.sampleRows >= m {
		for i := 0; i < m; i++ {
			rows = append(rows, i)
		}
	} else {
		rows = append(rows, 0, m-1)
		for len(rows) < gc.sampleRows {
			rows = append(rows, r.IntN(m))
		}
	}
	bad := 0
	for _, i := range rows {
		ref, bound := refGemmRow(gc.transB, i, n, k, a, lda, b, ldb, c0, ldc, gc.alpha, gc.beta, bias)
		for j := 0; j < n; j++ {
			got := float64(c[i*ldc+j])
			if d := math.Abs(got - ref[j]); !(d <= bound[j]) {
				if bad < 5 {
					t.Errorf("%v: c[%d,%d] = %g, want %g (|Δ|=%.3g > bound %.3g)", gc, i, j, got, ref[j], d, bound[j])
				}
				bad++
			}
		}
		for j := n; j < ldc && i*ldc+j < len(c); j++ {
			if c[i*ldc+j] != pad {
				t.Fatalf("%v: padding c[%d,%d] overwritten", gc, i, j)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d bad elements", gc, bad)
	}
}

func TestGemmShapes(t *testing.T) {
	sizes := []int{1, 3, 17, 33, 65, 127}
	gemmPaths(t, func(t *testing.T) {
		seed := uint64(1)
		for _, tb := range []bool{true, false} {
			for _, m := range sizes {
				for _, n := range sizes {
					for _, k := range sizes {
						seed++
						runGemmCase(t, gemmCase{transB: tb, m: m, n: n, k: k, alpha: 1}, seed)
					}
				}
			}
		}
	})
}

func TestGemmEdgeTiles(t *testing.T) {
	// Sizes around the register tile (6×16, 4×4) and the small-m cut-off.
	sizes := []int{2, 4, 5, 6, 7, 8, 12, 15, 16, 18, 31, 32}
	gemmPaths(t, func(t *testing.T) {
		seed := uint64(1000)
		for _, tb := range []bool{true, false} {
			for _, m := range sizes {
				for _, n := range sizes {
					seed++
					runGemmCase(t, gemmCase{transB: tb, m: m, n: n, k: 9 + int(seed%23), alpha: 1}, seed)
				}
			}
		}
	})
}

func TestGemmAlphaBetaStrides(t *testing.T) {
	gemmPaths(t, func(t *testing.T) {
		seed := uint64(5000)
		for _, tb := range []bool{true, false} {
			for _, m := range []int{1, 4, 5, 40, 130} {
				for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}, {1.5, -1}, {0, 0.5}, {0, 0}} {
					for _, bias := range []bool{false, true} {
						seed++
						runGemmCase(t, gemmCase{transB: tb, m: m, n: 37, k: 70, lda: 75, ldb: 80, ldc: 41,
							alpha: ab[0], beta: ab[1], bias: bias}, seed)
					}
				}
			}
		}
	})
}

func TestGemmZeroDims(t *testing.T) {
	gemmPaths(t, func(t *testing.T) {
		// k == 0: C = beta·C (+bias).
		runGemmCase(t, gemmCase{transB: true, m: 7, n: 5, k: 0, alpha: 1, beta: 0.5}, 1)
		runGemmCase(t, gemmCase{transB: false, m: 7, n: 5, k: 0, alpha: 1, beta: 0, bias: true}, 2)
		// m or n == 0: nothing to do, must not panic.
		Gemm(true, 0, 5, 3, nil, 3, make([]float32, 15), 3, nil, 5, 1, 0)
		Gemm(false, 4, 0, 3, make([]float32, 12), 3, nil, 1, nil, 1, 1, 0)
	})
}

// TestGemmBlocking shrinks the cache-blocking parameters so that small
// problems exercise multiple k blocks, row blocks and B phases.
func TestGemmBlocking(t *testing.T) {
	defer func(kc, mc, bb int) { kcMax, mcMax, bBudget = kc, mc, bb }(kcMax, mcMax, bBudget)
	kcMax, mcMax, bBudget = 16, 12, 600
	gemmPaths(t, func(t *testing.T) {
		seed := uint64(7000)
		for _, tb := range []bool{true, false} {
			for _, s := range [][3]int{{50, 70, 45}, {13, 129, 33}, {97, 20, 100}, {6, 16, 17}} {
				for _, bias := range []bool{false, true} {
					seed++
					runGemmCase(t, gemmCase{transB: tb, m: s[0], n: s[1], k: s[2], alpha: 0.75, beta: 1, bias: bias}, seed)
					runGemmCase(t, gemmCase{transB: tb, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0, bias: bias}, seed)
				}
			}
		}
	})
}

func TestGemmThreads(t *testing.T) {
	for _, th := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprint(th), func(t *testing.T) {
			defer SetThreads(SetThreads(th))
			gemmPaths(t, func(t *testing.T) {
				runGemmCase(t, gemmCase{transB: true, m: 301, n: 95, k: 130, alpha: 1, bias: true}, uint64(th))
				runGemmCase(t, gemmCase{transB: false, m: 9, n: 301, k: 130, alpha: 1, beta: 1}, uint64(th+10))
				runGemmCase(t, gemmCase{transB: true, m: 2, n: 1001, k: 64, alpha: 1}, uint64(th+20))
			})
		})
	}
}

// TestGemmWhisperShapes checks the real Whisper (tiny/base) shapes, verifying
// a sample of rows against the float64 reference.
func TestGemmWhisperShapes(t *testing.T) {
	cases := []gemmCase{
		{transB: true, m: 1500, n: 384, k: 384, alpha: 1, bias: true, sampleRows: 12},
		{transB: true, m: 1500, n: 1536, k: 384, alpha: 1, bias: true, sampleRows: 6},
		{transB: true, m: 1500, n: 384, k: 1536, alpha: 1, bias: true, sampleRows: 6},
		{transB: true, m: 1500, n: 512, k: 512, alpha: 1, sampleRows: 6},
		{transB: true, m: 1, n: 51864, k: 384, alpha: 1},
		{transB: true, m: 1, n: 384, k: 384, alpha: 1, bias: true},
		{transB: true, m: 5, n: 1536, k: 384, alpha: 1, bias: true},
		{transB: false, m: 1500, n: 64, k: 1500, lda: 1500, ldb: 384, ldc: 384, alpha: 1, sampleRows: 10},
	}
	paths(t, func(t *testing.T) {
		for i, gc := range cases {
			// The pure-Go kernel is slow (especially under -race); it is
			// covered by the smaller shapes, so skip its largest products.
			if (testing.Short() || gemmKern.name == genericKernel.name) && gc.m*gc.n*gc.k > 3e8 {
				continue
			}
			runGemmCase(t, gc, uint64(100+i))
		}
	})
}

// TestGemmAsmMatchesGo compares the assembly and pure-Go paths directly.
func TestGemmAsmMatchesGo(t *testing.T) {
	if !haveAVX2FMA {
		t.Skip("no AVX2/FMA")
	}
	r := newRand(77)
	for _, s := range [][3]int{{1, 100, 64}, {3, 50, 37}, {200, 300, 129}, {61, 17, 400}} {
		m, n, k := s[0], s[1], s[2]
		a, b, bias := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, n)
		got, want := make([]float32, m*n), make([]float32, m*n)
		MatMulTBias(got, a, b, bias, m, n, k)
		selectKernels(false)
		MatMulTBias(want, a, b, bias, m, n, k)
		selectKernels(true)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 2*gamma(k+2)*float64(k) {
				t.Fatalf("%v: element %d asm %g go %g", s, i, got[i], want[i])
			}
		}
	}
}

func TestMatMulWrappers(t *testing.T) {
	gemmPaths(t, testMatMulWrappers)
}

func testMatMulWrappers(t *testing.T) {
	r := newRand(3)
	m, n, k := 23, 41, 19
	a, bt, bias := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, n)
	b := make([]float32, k*n) // b = btᵀ
	for j := 0; j < n; j++ {
		for p := 0; p < k; p++ {
			b[p*n+j] = bt[j*k+p]
		}
	}
	d1, d2, d3 := make([]float32, m*n), make([]float32, m*n), make([]float32, m*n)
	MatMulT(d1, a, bt, m, n, k)
	MatMul(d2, a, b, m, n, k)
	MatMulTBias(d3, a, bt, bias, m, n, k)
	res := randSlice(r, m*n)
	d4 := append([]float32(nil), res...)
	MatMulTBiasAdd(d4, a, bt, bias, m, n, k)
	d5 := append([]float32(nil), res...)
	MatMulTBiasAdd(d5, a, bt, nil, m, n, k)
	for i := 0; i < m; i++ {
		ref, bound := refGemmRow(true, i, n, k, a, k, bt, k, nil, n, 1, 0, nil)
		for j := 0; j < n; j++ {
			x, bj := float64(res[i*n+j]), float64(bias[j])
			tol := bound[j] + 4*u*(math.Abs(bj)+math.Abs(x)+math.Abs(ref[j]))
			for _, c := range [][2]float64{
				{float64(d1[i*n+j]), ref[j]},
				{float64(d2[i*n+j]), ref[j]},
				{float64(d3[i*n+j]), ref[j] + bj},
				{float64(d4[i*n+j]), ref[j] + bj + x},
				{float64(d5[i*n+j]), ref[j] + x},
			} {
				if math.Abs(c[0]-c[1]) > tol {
					t.Fatalf("(%d,%d): got %g want %g", i, j, c[0], c[1])
				}
			}
		}
	}
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 12)
	mustPanic(t, "MatMulT short dst", "", func() { MatMulT(make([]float32, 5), a, a, 2, 3, 4) })
	mustPanic(t, "MatMulT short b", "", func() { MatMulT(make([]float32, 6), a, a[:11], 2, 3, 4) })
	mustPanic(t, "MatMulTBias bias", "", func() { MatMulTBias(make([]float32, 6), a, a, a[:2], 2, 3, 4) })
	mustPanic(t, "MatMul short a", "", func() { MatMul(make([]float32, 6), a[:7], a, 2, 3, 4) })
	mustPanic(t, "MatMulTBiasAdd bias", "", func() { MatMulTBiasAdd(make([]float32, 6), a, a, a[:2], 2, 3, 4) })
	mustPanic(t, "Gemm lda", "", func() { Gemm(true, 2, 3, 4, a, 3, a, 4, make([]float32, 6), 3, 1, 0) })
	mustPanic(t, "Gemm ldc", "", func() { Gemm(true, 2, 3, 4, a, 4, a, 4, make([]float32, 6), 2, 1, 0) })
	mustPanic(t, "Gemm short c", "", func() { Gemm(false, 2, 3, 4, a, 4, a, 3, make([]float32, 5), 3, 1, 0) })
}

// TestGemmEachKernel runs the packed GEMM with every micro-kernel this CPU
// can run (AVX-512 12×32, AVX2 6×16, pure Go), whichever selectKernels
// picks, on shapes around both tiles and the Whisper shapes' blocking.
func TestGemmEachKernel(t *testing.T) {
	kerns := []microKernel{genericKernel}
	if haveAVX2FMA {
		kerns = append(kerns, avx2Kernel)
	}
	if haveAVX512 {
		kerns = append(kerns, avx512Kernel)
	}
	defer func(v float64, a, b int) { minWorkPerWorker, smallM, smallMDots = v, a, b }(minWorkPerWorker, smallM, smallMDots)
	minWorkPerWorker, smallM, smallMDots = 0, 0, 0
	defer selectKernels(true)
	for _, mk := range kerns {
		t.Run(mk.name, func(t *testing.T) {
			selectKernels(true)
			gemmKern = mk
			seed := uint64(9000)
			for _, tb := range []bool{true, false} {
				for _, s := range [][3]int{{8, 32, 16}, {9, 33, 17}, {7, 31, 8}, {16, 64, 64}, {50, 70, 45}, {130, 95, 130}, {24, 96, 400}} {
					for _, ab := range [][2]float32{{1, 0}, {0.5, 1}} {
						seed++
						runGemmCase(t, gemmCase{transB: tb, m: s[0], n: s[1], k: s[2], alpha: ab[0], beta: ab[1], bias: seed%2 == 0}, seed)
					}
				}
			}
			runGemmCase(t, gemmCase{transB: true, m: 1500, n: 384, k: 384, alpha: 1, bias: true, sampleRows: 12}, 1)
			// Attention and convolution run on gemmKern as well.
			testMatMulWrappers(t)
		})
	}
}
