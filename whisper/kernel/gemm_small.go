package kernel

// gemmDots handles C (+)= alpha·A·Bᵀ (+bias) for very few rows of A without
// packing: every element is a dot product of two contiguous rows; blocks of
// 16 rows of B are reused from L1 across the rows of A. This is the
// decoder's path (m = 1 token or a few beams).
func gemmDots(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha float32, accum bool, bias []float32, nw int) {
	chunks, bound := dotChunks(n, nw)
	parallelFor(chunks, nw, func(t int) {
		j0, j1 := bound(t), bound(t+1)
		const jb = 16
		var out [jb]float32
		for j := j0; j < j1; j += jb {
			w := min(jb, j1-j)
			for i := 0; i < m; i++ {
				dots(out[:w], a[i*lda:i*lda+k], b[j*ldb:], ldb)
				crow := c[i*ldc+j : i*ldc+j+w]
				for jj, v := range out[:w] {
					v *= alpha
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
	})
}

// gemmAxpy handles C (+)= alpha·A·B (+bias) for very few rows of A without
// packing: each row of C is a weighted sum of rows of B, computed in column
// chunks with the accumulators held in registers.
func gemmAxpy(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha float32, accum bool, bias []float32, nw int) {
	const w = 512
	chunks := ceilDiv(n, w)
	parallelFor(chunks, nw, func(t int) {
		j0 := t * w
		j1 := min(n, j0+w)
		var tmp [w]float32
		y := tmp[:j1-j0]
		for i := 0; i < m; i++ {
			gemvT(y, a[i*lda:i*lda+k], b[j0:], ldb)
			crow := c[i*ldc+j0 : i*ldc+j1]
			for jj, v := range y {
				v *= alpha
				if bias != nil {
					v += bias[j0+jj]
				}
				if accum {
					v += crow[jj]
				}
				crow[jj] = v
			}
		}
	})
}

// dotChunks splits n rows of B into the chunks the dot paths hand to nw
// workers (about four per worker, boundaries on multiples of 4); bound(t)
// is chunk t's first row and bound(chunks) is n.
func dotChunks(n, nw int) (chunks int, bound func(int) int) {
	chunks = 1
	if nw > 1 {
		chunks = min(4*nw, ceilDiv(n, 4))
	}
	return chunks, func(t int) int {
		if t >= chunks {
			return n
		}
		return (t * n / chunks) &^ 3
	}
}
