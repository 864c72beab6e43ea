//go:build !amd64 || purego

package kernel

const haveF16C = false

// Stubs for the F16 assembly routines; never called because f16simd is
// false on these platforms.

func widenF16AVX2(dst *float32, src *byte, n int) { panic("unreachable") }

func narrowF16AVX2(dst *byte, src *float32, n int) { panic("unreachable") }

func dotsF16Acc4AVX2(q *float32, k *byte, ldk, d, nrows int, out *float32) {
	panic("unreachable")
}
func dotsAcc4AVX2(q *float32, k *float32, ldk, d, nrows int, out *float32) {
	panic("unreachable")
}
