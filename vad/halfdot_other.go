//go:build !amd64 || purego

package vad

// Without assembly, the pure-Go emulation computes every product.
var haveFP16, haveAVX2 = false, false

func toHalf(dst []uint16, src []float32) { toHalfGo(dst, src) }

func dotRowsF16(dst *float32, a, b *uint16, n, k, nblocks int) {
	panic("vad: dotRowsF16 without AVX512-FP16")
}

func dotHalf4BlocksAVX2(x, y *float32, ldy, nblocks int, tmp *[4][128]float64) (s0, s1, s2, s3 float64, ok bool) {
	panic("vad: dotHalf4BlocksAVX2 without AVX2")
}

func tailF64(acc *float64, a, tail *float32, n, cnt int) {
	panic("vad: tailF64 without AVX2")
}
