package aac

import (
	"math"
	"testing"
)

// The kernels with an assembly version (amd64, without the purego tag)
// must compute what their Go versions compute: bit for bit where the
// operations are the same.

// TestFFTAgainstDFT compares the FFT with the DFT, in float64.
func TestFFTAgainstDFT(t *testing.T) {
	for _, l := range []int{16, 32, 64, 128, 256, 512} {
		p := newFFTPlan(l)
		re, im := make([]float32, l), make([]float32, l)
		xr, xi := make([]float64, l), make([]float64, l)
		for i := range l {
			xr[i], xi[i] = float64(i%7)-3, float64(i%5)-2+float64(i)/float64(l)
		}
		for i := range l {
			re[p.rev[i]], im[p.rev[i]] = float32(xr[i]), float32(xi[i])
		}
		p.transform(re, im)
		var errMax float64
		for k := range l {
			var sr, si float64
			for n := range l {
				a := -2 * math.Pi * float64(n*k%l) / float64(l)
				c, s := math.Cos(a), math.Sin(a)
				sr += xr[n]*c - xi[n]*s
				si += xr[n]*s + xi[n]*c
			}
			errMax = max(errMax, math.Abs(sr-float64(re[k])), math.Abs(si-float64(im[k])))
		}
		if errMax > 1e-3 {
			t.Errorf("l=%d: max error %g", l, errMax)
		}
	}
}

// TestWindowLongMatchesGo compares windowLong with windowLongGo, out-of-range
// samples and NaN included.
func TestWindowLongMatchesGo(t *testing.T) {
	var u, l, r, ov1, out1, out2 [1024]float32
	for i := range u {
		u[i] = float32(math.Sin(float64(i))) * 40
		l[i] = float32(math.Cos(float64(i) * 0.3))
		r[i] = float32(math.Cos(float64(i) * 0.7))
		ov1[i] = float32(math.Sin(float64(i) * 1.3))
	}
	u[700] = float32(math.NaN())
	for _, from := range []int{0, 448} {
		o1, o2 := ov1, ov1
		b1 := windowLongGo(&u, &l, &r, &o1, &out1, from)
		b2 := windowLong(&u, &l, &r, &o2, &out2, from)
		if b1 != b2 {
			t.Errorf("bad %v %v", b1, b2)
		}
		for i := range out1 {
			same := func(a, b float32) bool {
				return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
			}
			if !same(out1[i], out2[i]) || !same(o1[i], o2[i]) {
				t.Fatalf("from %d i %d: %v %v / %v %v", from, i, out1[i], out2[i], o1[i], o2[i])
			}
		}
	}
	u[700] = 1
	for i := range u {
		u[i] /= 100
	}
	o1, o2 := ov1, ov1
	b1 := windowLongGo(&u, &l, &r, &o1, &out1, 0)
	b2 := windowLong(&u, &l, &r, &o2, &out2, 0)
	if b1 || b2 {
		t.Errorf("in range: bad %v %v", b1, b2)
	}
}

// TestRotationsMatchGo compares the rotations around the FFTs and shortSpan
// with their Go versions.
func TestRotationsMatchGo(t *testing.T) {
	for _, p := range []*imdctPlan{sharedTables().imdctLong, sharedTables().imdctShort} {
		m := p.n / 2
		l := m / 2
		in := make([]float32, m)
		for i := range in {
			in[i] = float32(math.Sin(float64(i)*0.37)) * 100
		}
		re1, im1 := make([]float32, l), make([]float32, l)
		re2, im2 := make([]float32, l), make([]float32, l)
		p.rotateInGo(in, re1, im1)
		p.rotateIn(in, re2, im2)
		for i := range re1 {
			if re1[i] != re2[i] || im1[i] != im2[i] {
				t.Fatalf("%d in %d: %v %v / %v %v", p.n, i, re1[i], re2[i], im1[i], im2[i])
			}
		}
		for i := range re1 {
			re1[i] = float32(math.Cos(float64(i)*0.11)) * 10
			im1[i] = float32(math.Sin(float64(i)*0.7)) * 10
		}
		u1, u2 := make([]float32, m), make([]float32, m)
		p.rotateOutGo(re1, im1, u1)
		p.rotateOut(re1, im1, u2)
		for i := range u1 {
			if u1[i] != u2[i] {
				t.Fatalf("%d out %d: %v %v", p.n, i, u1[i], u2[i])
			}
		}
	}
	var a, b, f, r, d1, d2 [128]float32
	for i := range a {
		a[i], b[i] = float32(math.Sin(float64(i))), float32(math.Cos(float64(i)))
		f[i], r[i] = float32(i)/128, float32(128-i)/128
	}
	shortSpanGo(&a, &b, &f, &r, &d1)
	shortSpan(&a, &b, &f, &r, &d2)
	if d1 != d2 {
		t.Errorf("shortSpan differs:\n%v\n%v", d1, d2)
	}
}
