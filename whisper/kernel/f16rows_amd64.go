//go:build amd64 && !purego

package kernel

//go:generate python3 f16rows_gen.py

// dotsF16Rows sets out[i*ldo+j] = Σ_p a[i*lda+p]·k[j*ldk+p] for i < r
// (2 ≤ r ≤ maxF16Rows), j < nrows and p < d (a positive multiple of 32), k
// holding little-endian halves (ldk, lda and ldo in elements), in the order
// of dotsF16Acc4AVX2: each row's sums have the single-row kernel's bits.
// AVX-512 F/DQ and F16C. A switch, not a table of functions: an indirect
// call would make the compiler move the caller's out array to the heap.
func dotsF16Rows(r int, a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int) {
	switch r {
	case 2:
		dotsF16Rows2(a, lda, k, ldk, d, nrows, out, ldo)
	case 3:
		dotsF16Rows3(a, lda, k, ldk, d, nrows, out, ldo)
	case 4:
		dotsF16Rows4(a, lda, k, ldk, d, nrows, out, ldo)
	case 5:
		dotsF16Rows5(a, lda, k, ldk, d, nrows, out, ldo)
	case 6:
		dotsF16Rows6(a, lda, k, ldk, d, nrows, out, ldo)
	case 7:
		dotsF16Rows7(a, lda, k, ldk, d, nrows, out, ldo)
	default:
		panic("kernel: dotsF16Rows: rows out of range")
	}
}

//go:noescape
func dotsF16Rows2(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int)

//go:noescape
func dotsF16Rows3(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int)

//go:noescape
func dotsF16Rows4(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int)

//go:noescape
func dotsF16Rows5(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int)

//go:noescape
func dotsF16Rows6(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int)

//go:noescape
func dotsF16Rows7(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int)
