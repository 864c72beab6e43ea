package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// u is the float32 unit roundoff.
const u = 1.0 / (1 << 24)

// paths runs f once with the assembly kernels (when the CPU supports them)
// and once with the pure-Go fallback forced. Work is split across goroutines
// however small it is, so the parallel paths are exercised (and checked by
// -race) on small inputs.
func paths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer func(v float64) { minWorkPerWorker = v }(minWorkPerWorker)
	minWorkPerWorker = 0
	if haveAVX2FMA {
		t.Run("asm", func(t *testing.T) {
			selectKernels(true)
			f(t)
		})
	}
	t.Run("go", func(t *testing.T) {
		selectKernels(false)
		defer selectKernels(true)
		f(t)
	})
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// gamma is the classic bound γ_n = n·u/(1-n·u) on the relative error of an
// n-term float32 sum of products, valid for any summation order, with or
// without FMA (Higham, Accuracy and Stability, §3.1).
func gamma(n int) float64 { return float64(n) * u / (1 - float64(n)*u) }

func maxAbs(s []float32) float64 {
	m := 0.0
	for _, v := range s {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

// gemmPaths is paths with each kernel path run twice: with the default
// small-m dispatch and with the unpacked small-m paths disabled, so the
// packed GEMM is exercised for every shape.
func gemmPaths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	paths(t, func(t *testing.T) {
		t.Run("default", f)
		t.Run("packed", func(t *testing.T) {
			defer func(a, b int) { smallM, smallMDots = a, b }(smallM, smallMDots)
			smallM, smallMDots = 0, 0
			f(t)
		})
	})
}

// mustPanic checks that f panics, with a message containing want (any
// message when want is "").
func mustPanic(t *testing.T, name, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
		} else if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Errorf("%s: panic %q, want one about %q", name, msg, want)
		}
	}()
	f()
}
