package kernel

import (
	"math"
	"testing"
)

// ulpDiff returns |got-want| in units of float32 ulp at want.
func ulpErr(got float32, want float64) float64 {
	w := float32(want)
	ulp := float64(math.Nextafter32(float32(math.Abs(float64(w))), float32(math.Inf(1))) - float32(math.Abs(float64(w))))
	return math.Abs(float64(got)-want) / ulp
}

func TestExp(t *testing.T) {
	paths(t, func(t *testing.T) {
		var xs []float32
		for x := -86.9; x < 88.3; x += 0.0137 {
			xs = append(xs, float32(x))
		}
		xs = append(xs, 0, -0.0, 1e-8, -1e-8, 88.37, 88.3762626647949, 100, -87, -87.1, -200, float32(math.Inf(-1)))
		got := append([]float32(nil), xs...)
		Exp(got)
		worst := 0.0
		for i, x := range xs {
			want := math.Exp(float64(x))
			switch {
			case x < -87:
				if got[i] != 0 {
					t.Errorf("exp(%g) = %g, want 0", x, got[i])
				}
			case x > 88.3762626647949:
				if math.IsInf(float64(got[i]), 0) || math.IsNaN(float64(got[i])) || got[i] < 2e38 {
					t.Errorf("exp(%g) = %g, want saturated finite", x, got[i])
				}
			default:
				e := ulpErr(got[i], want)
				worst = math.Max(worst, e)
				if e > 2 {
					t.Errorf("exp(%g) = %g, want %g (%.2f ulp)", x, got[i], want, e)
				}
			}
		}
		t.Logf("max error %.2f ulp", worst)
		nan := []float32{float32(math.NaN()), 1, 2, 3, 4, 5, 6, 7, float32(math.NaN())}
		Exp(nan)
		if !math.IsNaN(float64(nan[0])) || !math.IsNaN(float64(nan[8])) {
			t.Errorf("NaN not propagated: %v", nan)
		}
	})
}

func refGELU(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

// TestGELU checks GELU against the exact erf form in float64. The bound is
// 2e-7·|x| (A&S 7.1.26 erf error 1.5e-7 times 0.5|x|, plus float32 rounding
// of the intermediate terms) plus 2 ulp of the result.
func TestGELU(t *testing.T) {
	paths(t, func(t *testing.T) {
		var xs []float32
		for x := -12.0; x <= 12; x += 0.000731 {
			xs = append(xs, float32(x))
		}
		xs = append(xs, 0, 1e-30, -1e-30, 30, -30, 1e4, -1e4)
		got := append([]float32(nil), xs...)
		GELU(got)
		worst := 0.0
		for i, x := range xs {
			want := refGELU(float64(x))
			d := math.Abs(float64(got[i]) - want)
			ulp := float64(math.Nextafter32(float32(math.Abs(want)), float32(math.Inf(1))) - float32(math.Abs(want)))
			bound := 2e-7*math.Abs(float64(x)) + 2*ulp
			worst = math.Max(worst, d/math.Max(1, math.Abs(float64(x))))
			if !(d <= bound) {
				t.Errorf("GELU(%g) = %g, want %g (|Δ|=%.3g > %.3g)", x, got[i], want, d, bound)
			}
		}
		t.Logf("max |Δ|/max(1,|x|) = %.3g over %d points", worst, len(xs))
	})
}

func TestGELUParallelMatchesSerial(t *testing.T) {
	r := newRand(9)
	x := randSlice(r, 100003)
	for i := range x {
		x[i] *= 8
	}
	y := append([]float32(nil), x...)
	GELU(x)
	gelu(y)
	for i := range x {
		if x[i] != y[i] {
			t.Fatalf("element %d: %g vs %g", i, x[i], y[i])
		}
	}
}

func refSoftmax(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	out := make([]float64, len(x))
	s := 0.0
	for i, v := range x {
		out[i] = math.Exp(float64(v) - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

func TestSoftmax(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := newRand(11)
		for _, n := range []int{1, 2, 7, 8, 9, 31, 64, 100, 1500, 51864} {
			for _, scale := range []float32{1, 10, 300} {
				x := randSlice(r, n)
				for i := range x {
					x[i] *= scale
				}
				if n > 3 {
					x[1] = float32(math.Inf(-1))
				}
				want := refSoftmax(x)
				mx := math.Inf(-1)
				for _, v := range x {
					mx = math.Max(mx, float64(v))
				}
				x0 := append([]float32(nil), x...)
				Softmax(x)
				sum := 0.0
				for i := range x {
					sum += float64(x[i])
					// x-max is rounded in float32 (relative error u), which exp
					// amplifies by its condition number |x-max|; exp itself is ≤2 ulp
					// and the scaling by a float32 1/sum adds ~2u: bound
					// (8+|x-max|)·u relative, plus 1e-37 absolute for flushed tails.
					cond := math.Abs(float64(x0[i]) - mx)
					if math.IsInf(cond, 0) {
						cond = 0
					}
					if d := math.Abs(float64(x[i]) - want[i]); d > (8+cond)*u*want[i]+1e-37 {
						t.Fatalf("n=%d scale=%g: p[%d]=%g want %g", n, scale, i, x[i], want[i])
					}
				}
				if n > 3 && x[1] != 0 {
					t.Fatalf("masked entry = %g", x[1])
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Fatalf("n=%d: sum %g", n, sum)
				}
			}
		}
		allMasked := []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}
		Softmax(allMasked)
		if allMasked[0] != 0 || allMasked[1] != 0 {
			t.Fatalf("all-masked row: %v", allMasked)
		}
		Softmax(nil)
	})
}

func TestLayerNorm(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := newRand(13)
		for _, sh := range [][2]int{{1, 1}, {3, 7}, {5, 384}, {40, 385}, {1500, 384}, {2, 1280}} {
			rows, cols := sh[0], sh[1]
			x := randSlice(r, rows*cols)
			// Give rows a large offset relative to their spread to check the
			// two-pass variance.
			for i := range x {
				x[i] = x[i]*3 + 100*float32(i/cols%3)
			}
			g, b := randSlice(r, cols), randSlice(r, cols)
			x0 := append([]float32(nil), x...)
			LayerNorm(x, rows, cols, g, b, 1e-5)
			for i := 0; i < rows; i++ {
				row := x0[i*cols : (i+1)*cols]
				mean, q := 0.0, 0.0
				for _, v := range row {
					mean += float64(v)
				}
				mean /= float64(cols)
				for _, v := range row {
					q += (float64(v) - mean) * (float64(v) - mean)
				}
				rstd := 1 / math.Sqrt(q/float64(cols)+1e-5)
				for j, v := range row {
					want := (float64(v)-mean)*rstd*float64(g[j]) + float64(b[j])
					// Inputs are exact; errors: mean rounded to float32 (|Δ|≤u·|mean|),
					// x-mean, ·rstd, ·gamma, +beta: a few u of each term.
					norm := math.Abs((float64(v)-mean)*rstd) + u*math.Abs(mean)*rstd
					bound := 6*u*(norm*math.Abs(float64(g[j]))+math.Abs(float64(b[j]))) + u*math.Abs(mean)*rstd*math.Abs(float64(g[j]))
					if d := math.Abs(float64(x[i*cols+j]) - want); d > bound {
						t.Fatalf("%v: (%d,%d) = %g want %g (|Δ|=%.3g > %.3g)", sh, i, j, x[i*cols+j], want, d, bound)
					}
				}
			}
		}
	})
}

func TestVectorOps(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := newRand(17)
		for _, n := range []int{0, 1, 5, 8, 9, 31, 32, 33, 100, 1027} {
			a, b := randSlice(r, n), randSlice(r, n)
			// Dot.
			ref, mag := 0.0, 0.0
			for i := range a {
				ref += float64(a[i]) * float64(b[i])
				mag += math.Abs(float64(a[i]) * float64(b[i]))
			}
			if d := math.Abs(float64(Dot(a, b)) - ref); d > gamma(n+1)*mag {
				t.Fatalf("Dot n=%d: |Δ| %g", n, d)
			}
			// Axpy, Add, Scale are element-wise: one or two roundings.
			y := append([]float32(nil), b...)
			Axpy(0.37, a, y)
			for i := range y {
				want := float64(b[i]) + 0.37*float64(a[i])
				if d := math.Abs(float64(y[i]) - want); d > 2*u*(math.Abs(float64(b[i]))+math.Abs(0.37*float64(a[i]))) {
					t.Fatalf("Axpy n=%d i=%d: %g want %g", n, i, y[i], want)
				}
			}
			y = append(y[:0], b...)
			Add(y, a)
			for i := range y {
				if y[i] != b[i]+a[i] {
					t.Fatalf("Add n=%d i=%d", n, i)
				}
			}
			Scale(y, -1.5)
			for i := range y {
				if y[i] != (b[i]+a[i])*-1.5 {
					t.Fatalf("Scale n=%d i=%d", n, i)
				}
			}
		}
		// AddBias.
		x := randSlice(r, 3*10)
		bias := randSlice(r, 10)
		x0 := append([]float32(nil), x...)
		AddBias(x, bias, 3, 10)
		for i := range x {
			if x[i] != x0[i]+bias[i%10] {
				t.Fatalf("AddBias %d", i)
			}
		}
		// dot4 with a stride.
		a := randSlice(r, 45)
		bm := randSlice(r, 3*50+45)
		var out [4]float32
		dot4(a, bm, 50, &out)
		for k := 0; k < 4; k++ {
			want := float64(Dot(a, bm[k*50:k*50+45]))
			if math.Abs(float64(out[k])-want) > 1e-5 {
				t.Fatalf("dot4[%d] = %g want %g", k, out[k], want)
			}
		}
	})
}

func TestOpsPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Dot":       func() { Dot(make([]float32, 3), make([]float32, 4)) },
		"Axpy":      func() { Axpy(1, make([]float32, 3), make([]float32, 4)) },
		"Add":       func() { Add(make([]float32, 3), make([]float32, 4)) },
		"AddBias":   func() { AddBias(make([]float32, 6), make([]float32, 4), 2, 3) },
		"LayerNorm": func() { LayerNorm(make([]float32, 6), 2, 3, make([]float32, 3), make([]float32, 2), 1e-5) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
