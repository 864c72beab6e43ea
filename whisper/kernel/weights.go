package kernel

import (
	"fmt"
	"sync"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Weights is a row-major weight matrix kept in the type it was stored in:
// float32, or IEEE 754 half precision (ggml's F16) widened to float32 only
// inside the kernels that read it. The zero value is an empty matrix.
type Weights struct {
	f32 []float32
	f16 []uint16
}

// F32Weights wraps float32 weights (not copied).
func F32Weights(w []float32) Weights { return Weights{f32: w} }

// F16Weights wraps half-precision weights (not copied).
func F16Weights(w []uint16) Weights { return Weights{f16: w} }

// IsF16 reports whether the weights are stored in half precision.
func (w Weights) IsF16() bool { return w.f16 != nil }

// Len is the number of elements.
func (w Weights) Len() int {
	if w.f16 != nil {
		return len(w.f16)
	}
	return len(w.f32)
}

// Bytes is the size of the stored elements in memory.
func (w Weights) Bytes() int64 {
	if w.f16 != nil {
		return 2 * int64(len(w.f16))
	}
	return 4 * int64(len(w.f32))
}

// Slice returns elements [lo, hi), sharing storage.
func (w Weights) Slice(lo, hi int) Weights {
	if w.f16 != nil {
		return Weights{f16: w.f16[lo:hi]}
	}
	return Weights{f32: w.f32[lo:hi]}
}

// Widen writes elements [off, off+len(dst)) to dst as float32: a row
// lookup such as the token embedding's (ggml's get_rows).
func (w Weights) Widen(dst []float32, off int) {
	if w.f16 != nil {
		widenF16(dst, w.f16[off:off+len(dst)])
		return
	}
	copy(dst, w.f32[off:off+len(dst)])
}

// LinearT computes dst = a·wᵀ (+ bias): a is m×k, w is n×k, dst is m×n,
// bias (nil or length n) is added to every row. F32 weights take exactly
// MatMulT's (MatMulTBias's) path.
func LinearT(dst, a []float32, w Weights, bias []float32, m, n, k int) {
	linearT(dst, a, w, bias, m, n, k, false)
}

// LinearTAdd computes dst += a·wᵀ (+ bias), as MatMulTBiasAdd does.
func LinearTAdd(dst, a []float32, w Weights, bias []float32, m, n, k int) {
	linearT(dst, a, w, bias, m, n, k, true)
}

func linearT(dst, a []float32, w Weights, bias []float32, m, n, k int, accum bool) {
	checkLen("LinearT: a", a, m*k)
	checkLen("LinearT: dst", dst, m*n)
	if w.Len() != n*k {
		panic(fmt.Sprintf("kernel: LinearT: w has length %d, want %d", w.Len(), n*k))
	}
	if bias != nil {
		checkLen("LinearT: bias", bias, n)
	}
	beta := float32(0)
	if accum {
		beta = 1
	}
	if w.f16 == nil {
		gemm(true, m, n, k, a, k, w.f32, k, dst, n, 1, beta, bias, 0)
		return
	}
	gemmF16(m, n, k, a, w.f16, dst, accum, bias, 0)
}

// gemmF16 computes C (+)= A·Bᵀ (+ bias) for B stored n×k in half
// precision, A m×k and C m×n dense. nw = 0 picks the goroutine count.
func gemmF16(m, n, k int, a []float32, b []uint16, c []float32, accum bool, bias []float32, nw int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			row := c[i*n : i*n+n]
			if !accum {
				clear(row)
			}
			if bias != nil {
				add(row, bias[:n])
			}
		}
		return
	}
	small := useSmallPath(true, m, k)
	if nw <= 0 {
		rate := float64(gemmFlopsPerNs)
		if small {
			rate = smallFlopsPerNs
		}
		nw = workersFor(2*float64(m)*float64(n)*float64(k)/rate, max(m, ceilDiv(n, 16)))
	}
	if small {
		gemmDotsF16(m, n, k, a, b, c, accum, bias, nw)
		return
	}
	src := denseA{a: a, lda: k, alpha: 1}
	bs := f16B{b: b, ldb: k}
	j := gemmJob{a: &src, b: &bs, m: m, n: n, k: k, c: c, ldc: n, accum: accum, bias: bias}
	j.run(nw)
}

// f16B is a transposed B operand (Bᵀ stored n×k, row stride ldb) in half
// precision: panels are widened to float32 as they are packed.
type f16B struct {
	b   []uint16
	ldb int
}

func (f *f16B) packPanel(dst []float32, k0, kq, c0, w, nr int) {
	buf := getBuf(w * kq)
	rows := *buf
	for r := 0; r < w; r++ {
		s := (c0+r)*f.ldb + k0
		widenF16(rows[r*kq:(r+1)*kq], f.b[s:s+kq])
	}
	packPanels(dst, rows, kq, 0, w, 0, kq, nr, 1)
	putBuf(buf)
}

// gemmDotsF16 is gemmDots (alpha 1) for half-precision B. A single row of
// A reads B in place (converted in registers); several rows share each
// block of 16 rows of B, widened once into scratch.
func gemmDotsF16(m, n, k int, a []float32, b []uint16, c []float32, accum bool, bias []float32, nw int) {
	chunks, bound := dotChunks(n, nw)
	parallelFor(chunks, nw, func(t int) {
		j0, j1 := bound(t), bound(t+1)
		const jb = 16
		var out [jb]float32
		var wide []float32
		var buf *[]float32
		if m > 1 {
			buf = getBuf(jb * k)
			wide = *buf
		}
		for j := j0; j < j1; j += jb {
			w := min(jb, j1-j)
			blk := b[j*k : (j+w)*k]
			if m > 1 {
				widenF16(wide[:w*k], blk)
			}
			for i := 0; i < m; i++ {
				if m > 1 {
					dots(out[:w], a[i*k:i*k+k], wide, k)
				} else {
					dotsF16(out[:w], a[i*k:i*k+k], blk, k)
				}
				crow := c[i*n+j : i*n+j+w]
				for jj, v := range out[:w] {
					if bias != nil {
						v += bias[j+jj]
					}
					if accum {
						v += crow[jj]
					}
					crow[jj] = v
				}
			}
		}
		if buf != nil {
			putBuf(buf)
		}
	})
}

// dotsF16 sets out[j] = Σ_p q[p]·k[j*ldk+p] for j < len(out), p < len(q),
// the k rows in half precision. Rows are summed in the order dots sums
// them, so the result is dots' on the widened rows, bit for bit.
func dotsF16(out, q []float32, k []uint16, ldk int) {
	d, n := len(q), len(out)
	if n == 0 {
		return
	}
	k = k[:(n-1)*ldk+d]
	j := 0
	if f16simd && d >= 8 {
		if n8 := n &^ 7; n8 > 0 {
			dotsF16AVX2(&q[0], &k[0], ldk, d&^7, n8, &out[0])
			j = n8
			if d&7 != 0 {
				t := halfTable()
				for jj := 0; jj < n8; jj++ {
					row := k[jj*ldk : jj*ldk+d]
					for p := d &^ 7; p < d; p++ {
						out[jj] += q[p] * t[row[p]]
					}
				}
			}
		}
	}
	if j == n {
		return
	}
	// The remaining rows (all of them without F16C) are widened and
	// summed by dots.
	buf := getBuf((n - j) * d)
	wide := *buf
	for r := j; r < n; r++ {
		widenF16(wide[(r-j)*d:(r-j+1)*d], k[r*ldk:r*ldk+d])
	}
	dots(out[j:], q, wide, d)
	putBuf(buf)
}

// widenF16 sets dst[i] to the float32 value of the half src[i].
func widenF16(dst []float32, src []uint16) {
	n := len(dst)
	src = src[:n]
	i := 0
	if f16simd && n >= 8 {
		i = n &^ 7
		widenF16AVX2(&dst[0], &src[0], i)
	}
	if i == n {
		return
	}
	t := halfTable()
	for ; i < n; i++ {
		dst[i] = t[src[i]]
	}
}

// halfTable returns the float32 value of every half-precision bit pattern
// (256 KiB, built on first use): the pure-Go conversion.
var halfTable = sync.OnceValue(func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for i := range t {
		t[i] = ggml.Float16ToFloat32(uint16(i))
	}
	return t
})
