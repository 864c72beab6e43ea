//go:build !amd64 || purego

package kernel

const haveF16Rows = false

var dotsF16RowsFuncs [8]func(a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int)
