package kernel

import (
	"fmt"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// LinearRows computes dst = a·wᵀ (+ bias), or dst += a·wᵀ (+ bias) with
// accum, for a few rows of a (m×k) against w (n×k): the decoder's step over
// the rows of several sequences, the weights read once for all rows.
//
// For F32 weights every element is a plain dot product summed in dots'
// order for its place in w — rows below n&^7 of w with dotsAVX2's
// eight-lane sum, the rest with dot4's and dot's — and for F16 weights in
// dotsHalf's order (each weight row alone, f16acc.go), whatever m is and
// however the work is split, so a row's result does not depend on the
// other rows computed with it or on the machine's thread count: m rows
// together give the bits each row gives alone. (LinearT packs products of
// more than 16 rows into a GEMM that sums in another order, and its
// few-rows split can move an element from dotsAVX2 to dot4.) Quantized
// weights take LinearT's few-rows path, 16 rows at a time, whose rows are
// independent too (TestQuantRowsIndependent).
func LinearRows(dst, a []float32, w Weights, bias []float32, m, n, k int, accum bool) {
	checkLen("LinearRows: a", a, m*k)
	checkLen("LinearRows: dst", dst, m*n)
	if w.Len() != n*k {
		panic(fmt.Sprintf("kernel: LinearRows: w has length %d, want %d", w.Len(), n*k))
	}
	if bias != nil {
		checkLen("LinearRows: bias", bias, n)
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clearBias(m, n, dst, accum, bias)
		return
	}
	switch w.typ {
	case ggml.F32, ggml.F16:
		nw := workersFor(2*float64(m)*float64(n)*float64(k)/smallFlopsPerNs, max(m, ceilDiv(n, 16)))
		rowsDots(m, n, k, a, w, dst, accum, bias, nw)
	default:
		// Quantized weights: LinearT's few-rows path, as many rows at a
		// time as it takes.
		chunk := max(smallM, 1)
		for i := 0; i < m; i += chunk {
			r := min(chunk, m-i)
			linearT(dst[i*n:(i+r)*n], a[i*k:(i+r)*k], w, bias, r, n, k, accum)
		}
	}
}

// rowChunkStart is the first of W's n rows in chunk t of rowsDots' chunks:
// a multiple of 8, n for t = chunks.
func rowChunkStart(t, chunks, n int) int {
	if t >= chunks {
		return n
	}
	return (t * n / chunks) &^ 7
}

// maxF16Rows is the most rows of activations dotsF16Rows takes a pass.
const maxF16Rows = 7

// rowsDots computes C (+)= A·Wᵀ (+ bias) for F32 or F16 W with nw
// goroutines, over chunks of W's rows that start at multiples of 8 and
// blocks of 16 rows within them, so for F32 the rows below n&^7 always
// fill whole groups of eight for dots. F16 blocks are read in place by dotsHalf for
// every row of A (f16acc.go; as gemmDotsF16 does), whose sums do not depend
// on the other rows; with AVX-512, two to seven rows of A share each pass
// over a block (dotsF16Rows), without AVX-512 three or two
// (dotsHalf3, dotsHalf2), in the same order.
func rowsDots(m, n, k int, a []float32, w Weights, c []float32, accum bool, bias []float32, nw int) {
	chunks := 1
	if nw > 1 {
		chunks = min(4*nw, ceilDiv(n, 8))
	}
	f16 := w.typ == ggml.F16
	parallelFor(chunks, nw, func(t int) {
		j0, j1 := rowChunkStart(t, chunks, n), rowChunkStart(t+1, chunks, n)
		const jb = 16
		var outs [maxF16Rows][jb]float32
		out := &outs[0]
		for j := j0; j < j1; j += jb {
			nr := min(jb, j1-j)
			switch {
			case !f16:
				for i := range m {
					dots(out[:nr], a[i*k:i*k+k], w.f32[j*k:], k)
					storeRow(c[i*n+j:i*n+j+nr], out[:nr], bias, j, accum)
				}
			default:
				blk := w.raw[2*j*k : 2*(j+nr)*k]
				i := 0
				switch {
				case f16rows && m >= 2 && halfRowsAtOnce(k):
					// Two to seven rows a pass with AVX-512 (each chunk
					// converted once, the same sums; f16rows_gen.py),
					// in passes of balanced sizes (8 rows as 4+4, never
					// one alone); a single row keeps dotsHalf.
					passes := ceilDiv(m, maxF16Rows)
					for p := range passes {
						r := m / passes
						if p < m%passes {
							r++
						}
						dotsF16Rows(r, &a[i*k], k, &blk[0], k, k, nr, &outs[0][0], jb)
						for q := range r {
							storeRow(c[(i+q)*n+j:(i+q)*n+j+nr], outs[q][:nr], bias, j, accum)
						}
						i += r
					}
				case halfRowsAtOnce(k):
					// Three, then two rows at a time: each block
					// converted once per pass, the same sums.
					for ; i+2 <= m; i += 3 {
						o0, o1, o2 := outs[0][:nr], outs[1][:nr], outs[2][:nr]
						if i+3 > m {
							dotsHalf2(o0, o1, a[i*k:i*k+k], a[(i+1)*k:(i+2)*k], blk, k)
						} else {
							dotsHalf3(o0, o1, o2, a[i*k:i*k+k], a[(i+1)*k:(i+2)*k], a[(i+2)*k:(i+3)*k], blk, k)
						}
						for r := i; r < min(i+3, m); r++ {
							storeRow(c[r*n+j:r*n+j+nr], outs[r-i][:nr], bias, j, accum)
						}
					}
				}
				for ; i < m; i++ {
					dotsHalf(out[:nr], a[i*k:i*k+k], blk, k)
					storeRow(c[i*n+j:i*n+j+nr], out[:nr], bias, j, accum)
				}
			}
		}
	})
}
