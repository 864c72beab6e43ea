//go:build !amd64 || purego

package kernel

// dotsF16Rows is only called where f16rows is set, never in this build.
func dotsF16Rows(r int, a *float32, lda int, k *byte, ldk, d, nrows int, out *float32, ldo int) {
	panic("unreachable")
}
