//go:build !amd64 || purego

package kernel

import "github.com/xdna-worker/xdna-worker/ggml"

const haveVNNI = false

// quantDotsAsm is never called: f16simd is false on these platforms.
func quantDotsAsm(t ggml.Type, out []float32, w []byte, rb int, qs []int8, d, s []float32) {
	panic("unreachable")
}

// groupActs is never called: f16simd is false on these platforms.
func groupActs(t ggml.Type) int { panic("unreachable") }

// quantDotsGroupAsm is never called: f16simd is false on these platforms.
func quantDotsGroupAsm(t ggml.Type, out []float32, ldo int, w []byte, nrows int, qs []int8, d, s []float32) {
	panic("unreachable")
}
