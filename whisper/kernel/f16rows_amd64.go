//go:build amd64 && !purego

package kernel

//go:generate python3 f16rows_gen.py

// dotsF16RowsFuncs[R] (R = 2..7) sets out[i*ldo+j] = Σ_p a[i*lda+p]·k[j*ldk+p]
// for i < R, j < nrows and p < d (a positive multiple of 32), k holding
// little-endian halves (ldk, lda and ldo in elements), in the order of
// dotsF16Acc4AVX2: each row's sums have the single-row kernel's bits.
// AVX-512 F/DQ and F16C.
var dotsF16RowsFuncs = [...]func(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int){
	nil, nil, dotsF16Rows2, dotsF16Rows3, dotsF16Rows4, dotsF16Rows5, dotsF16Rows6, dotsF16Rows7,
}

// haveF16Rows reports whether the AVX-512 several-rows F16 kernels run here.
var haveF16Rows = haveAVX512 && haveF16C

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
