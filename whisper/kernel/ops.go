package kernel

import "fmt"

func checkSame(what string, a, b []float32) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("kernel: %s: length mismatch %d != %d", what, len(a), len(b)))
	}
}

// Dot returns Σ a[i]·b[i]. It panics if the lengths differ.
func Dot(a, b []float32) float32 {
	checkSame("Dot", a, b)
	return dot(a, b)
}

func dot(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s float32
	i := 0
	if simd && n >= 8 {
		i = n &^ 7
		s = dotAVX2(&a[0], &b[0], i)
	}
	for ; i < n; i++ {
		s += a[i] * b[i]
	}
	return s
}

// dot4 sets out[r] = Σ_p a[p]·b[r*ldb+p] for r < 4 and p < len(a).
func dot4(a, b []float32, ldb int, out *[4]float32) {
	k := len(a)
	b = b[:3*ldb+k]
	i := 0
	if simd && k >= 8 {
		i = k &^ 7
		dot4AVX2(&a[0], &b[0], ldb, i, out)
	} else {
		*out = [4]float32{}
	}
	if i == k {
		return
	}
	b0, b1, b2, b3 := b[:k], b[ldb:ldb+k], b[2*ldb:2*ldb+k], b[3*ldb:3*ldb+k]
	for ; i < k; i++ {
		av := a[i]
		out[0] += av * b0[i]
		out[1] += av * b1[i]
		out[2] += av * b2[i]
		out[3] += av * b3[i]
	}
}

// Axpy computes y += alpha·x. It panics if the lengths differ.
func Axpy(alpha float32, x, y []float32) {
	checkSame("Axpy", x, y)
	axpy(alpha, x, y)
}

func axpy(alpha float32, x, y []float32) {
	n := len(y)
	x = x[:n]
	i := 0
	if simd && n >= 8 {
		i = n &^ 7
		axpyAVX2(alpha, &x[0], &y[0], i)
	}
	for ; i < n; i++ {
		y[i] += alpha * x[i]
	}
}

// Add computes dst += src element-wise. It panics if the lengths differ.
func Add(dst, src []float32) {
	checkSame("Add", dst, src)
	add(dst, src)
}

func add(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if simd && n >= 8 {
		i = n &^ 7
		addAVX2(&dst[0], &src[0], i)
	}
	for ; i < n; i++ {
		dst[i] += src[i]
	}
}

// AddBias adds bias (length cols) to every row of the rows×cols matrix x.
func AddBias(x, bias []float32, rows, cols int) {
	checkLen("AddBias: x", x, rows*cols)
	checkLen("AddBias: bias", bias, cols)
	for r := 0; r < rows; r++ {
		add(x[r*cols:(r+1)*cols], bias)
	}
}

// Scale multiplies every element of x by s.
func Scale(x []float32, s float32) {
	n := len(x)
	i := 0
	if simd && n >= 8 {
		i = n &^ 7
		scaleAVX2(&x[0], i, s)
	}
	for ; i < n; i++ {
		x[i] *= s
	}
}

// dots sets out[j] = Σ_p q[p]·k[j*ldk+p] for j < len(out), p < len(q).
func dots(out, q, k []float32, ldk int) {
	d, n := len(q), len(out)
	if n == 0 {
		return
	}
	k = k[:(n-1)*ldk+d]
	j := 0
	if simd && d >= 8 {
		if n8 := n &^ 7; n8 > 0 {
			dotsAVX2(&q[0], &k[0], ldk, d&^7, n8, &out[0])
			j = n8
			if d&7 != 0 {
				for jj := 0; jj < n8; jj++ {
					row := k[jj*ldk : jj*ldk+d]
					for p := d &^ 7; p < d; p++ {
						out[jj] += q[p] * row[p]
					}
				}
			}
		}
	}
	var o4 [4]float32
	for ; j+4 <= n; j += 4 {
		dot4(q, k[j*ldk:(j+3)*ldk+d], ldk, &o4)
		copy(out[j:j+4], o4[:])
	}
	for ; j < n; j++ {
		out[j] = dot(q, k[j*ldk:j*ldk+d])
	}
}

// gemvT sets y[c] = Σ_j p[j]·v[j*ldv+c] for c < len(y), j < len(p).
func gemvT(y, p, v []float32, ldv int) {
	nc, nr := len(y), len(p)
	if nr == 0 {
		clear(y)
		return
	}
	v = v[:(nr-1)*ldv+nc]
	c := 0
	if simd && nc >= 8 {
		c = nc &^ 7
		gemvTAVX2(&y[0], &p[0], &v[0], ldv, nr, c)
	}
	if c == nc {
		return
	}
	clear(y[c:])
	for j, pj := range p {
		row := v[j*ldv+c : j*ldv+nc]
		for i, x := range row {
			y[c+i] += pj * x
		}
	}
}
