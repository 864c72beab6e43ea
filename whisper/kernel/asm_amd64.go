//go:build amd64 && !purego

package kernel

// sgemm6x16 is the AVX2/FMA micro-kernel: it computes the 6×16 tile
// acc = Σ_p a[p*6+i]·b[p*16+j] over kc steps of packed panels and stores it
// to c (row stride ldc floats), first adding bias[0:16] if flags&flagBias
// and the existing contents of c if flags&flagAccum.
//
//go:noescape
func sgemm6x16(kc int, a, b, c *float32, ldc, flags int, bias *float32)

// sgemm6x16d is sgemm6x16 reading A directly from six row-major rows
// (element (i,p) at a[i*lda+p]) instead of a packed panel; with
// flags&flagAlpha the accumulated product is multiplied by alpha before the
// bias and C are added.
//
//go:noescape
func sgemm6x16d(kc int, a *float32, lda int, b, c *float32, ldc, flags int, bias *float32, alpha float32)

// dotAVX2 returns Σ a[i]·b[i] for i < n; n must be a multiple of 8.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// dot4AVX2 sets out[r] = Σ_p a[p]·b[r*ldb+p] for r < 4, p < n; n must be a
// multiple of 8.
//
//go:noescape
func dot4AVX2(a, b *float32, ldb, n int, out *[4]float32)

// axpyAVX2 computes y[i] += alpha·x[i] for i < n; n must be a multiple of 8.
//
//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

// addAVX2 computes dst[i] += src[i] for i < n; n must be a multiple of 8.
//
//go:noescape
func addAVX2(dst, src *float32, n int)

// scaleAVX2 computes x[i] *= s for i < n; n must be a multiple of 8.
//
//go:noescape
func scaleAVX2(x *float32, n int, s float32)

// expAVX2 computes x[i] = exp(x[i]) for i < n (n a multiple of 8).
//
//go:noescape
func expAVX2(x *float32, n int)

// maxAVX2 returns max x[i] for i < n (n a positive multiple of 8).
//
//go:noescape
func maxAVX2(x *float32, n int) float32

// expSubAVX2 sets x[i] = exp(x[i]-m) for i < n (n a multiple of 8) and
// returns their sum accumulated in float64.
//
//go:noescape
func expSubAVX2(x *float32, n int, m float32) float64

// geluAVX2 applies GELU in place to x[0:n] (n a multiple of 8).
//
//go:noescape
func geluAVX2(x *float32, n int)

// sumF64AVX2 returns Σ x[i] (i < n, n a multiple of 8) accumulated in float64.
//
//go:noescape
func sumF64AVX2(x *float32, n int) float64

// sqDevF64AVX2 returns Σ (x[i]-mean)² (i < n, n a multiple of 8) in float64.
//
//go:noescape
func sqDevF64AVX2(x *float32, n int, mean float64) float64

// normAVX2 sets x[i] = (x[i]-mean)·rstd·gamma[i] + beta[i] for i < n (n a
// multiple of 8).
//
//go:noescape
func normAVX2(x, gamma, beta *float32, n int, mean, rstd float32)

// dotsAVX2 sets out[j] = Σ_p q[p]·k[j*ldk+p] for j < nrows (a multiple of
// 8) and p < d (a multiple of 8).
//
//go:noescape
func dotsAVX2(q, k *float32, ldk, d, nrows int, out *float32)

// gemvTAVX2 sets y[c] = Σ_j p[j]·v[j*ldv+c] for c < ncols (a multiple of 8)
// and j < nrows.
//
//go:noescape
func gemvTAVX2(y, p, v *float32, ldv, nrows, ncols int)

// pack16TAVX2 sets dst[p*16+r] = src[r*ld+p] for r < 16 and p < kc (a
// multiple of 8): it packs 16 rows into a B panel with 8×8 transposes.
//
//go:noescape
func pack16TAVX2(dst, src *float32, ld, kc int)

// transpose8AVX2 transposes nb consecutive 8×8 blocks of an 8-row strip:
// dst[(8b+c)*ldd + r] = src[r*lds + 8b + c] for r, c < 8, b < nb.
//
//go:noescape
func transpose8AVX2(dst *float32, ldd int, src *float32, lds, nb int)
