//go:build !amd64 || purego

package kernel

// Stubs for the assembly routines; never called because simd is false and
// the generic GEMM kernel is selected on these platforms.

func sgemm6x16(kc int, a, b, c *float32, ldc, flags int, bias *float32) { panic("unreachable") }
func sgemm6x16d(kc int, a *float32, lda int, b, c *float32, ldc, flags int, bias *float32, alpha float32) {
	panic("unreachable")
}
func dotAVX2(a, b *float32, n int) float32                            { panic("unreachable") }
func dot4AVX2(a, b *float32, ldb, n int, out *[4]float32)             { panic("unreachable") }
func axpyAVX2(alpha float32, x, y *float32, n int)                    { panic("unreachable") }
func addAVX2(dst, src *float32, n int)                                { panic("unreachable") }
func scaleAVX2(x *float32, n int, s float32)                          { panic("unreachable") }
func expAVX2(x *float32, n int)                                       { panic("unreachable") }
func maxAVX2(x *float32, n int) float32                               { panic("unreachable") }
func expSubAVX2(x *float32, n int, m float32) float64                 { panic("unreachable") }
func geluAVX2(x *float32, n int)                                      { panic("unreachable") }
func sumF64AVX2(x *float32, n int) float64                            { panic("unreachable") }
func sqDevF64AVX2(x *float32, n int, mean float64) float64            { panic("unreachable") }
func normAVX2(x, gamma, beta *float32, n int, mean, rstd float32)     { panic("unreachable") }
func dotsAVX2(q, k *float32, ldk, d, nrows int, out *float32)         { panic("unreachable") }
func gemvTAVX2(y, p, v *float32, ldv, nrows, ncols int)               { panic("unreachable") }
func pack16TAVX2(dst, src *float32, ld, kc int)                       { panic("unreachable") }
func transpose8AVX2(dst *float32, ldd int, src *float32, lds, nb int) { panic("unreachable") }
func fmaPeakY(n int)                                                  { panic("unreachable") }
func fmaPeakZ(n int)                                                  { panic("unreachable") }
func dpbf16Peak(n int)                                                { panic("unreachable") }
