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
func dotsF16Acc4x2AVX2(q0, q1 *float32, k *byte, ldk, d, nrows int, out0, out1 *float32) {
	panic("unreachable")
}
func dotsF16Acc4x3AVX2(q0, q1, q2 *float32, k *byte, ldk, d, nrows int, out0, out1, out2 *float32) {
	panic("unreachable")
}
func dotsAcc4AVX2(q *float32, k *float32, ldk, d, nrows int, out *float32) {
	panic("unreachable")
}
