//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// haveF16C reports the F16C half-precision conversions (VCVTPH2PS) that the
// F16 weight kernels use alongside AVX2/FMA.
var haveF16C = cpu.X86.HasF16C

// widenF16AVX2 sets dst[i] = float32(src[i]) for i < n (a multiple of 8),
// src n little-endian IEEE halves at any byte alignment.
//
//go:noescape
func widenF16AVX2(dst *float32, src *byte, n int)

// narrowF16AVX2 sets dst[i] = half(src[i]), rounded to nearest even, for
// i < n (a multiple of 8), dst little-endian halves at any byte alignment.
//
//go:noescape
func narrowF16AVX2(dst *byte, src *float32, n int)

// dotsF16Acc4AVX2 sets out[j] = Σ_p q[p]·k[j*ldk+p] for j < nrows and
// p < d (a multiple of 32), k little-endian halves, in the acc4 order
// (f16acc.go).
//
//go:noescape
func dotsF16Acc4AVX2(q *float32, k *byte, ldk, d, nrows int, out *float32)

// dotsF16Acc4x2AVX2 is dotsF16Acc4AVX2 for two rows of activations, q0
// and q1, at once: each chunk of halves is converted once; each row's sums
// are the single-row kernel's (the same bits).
//
//go:noescape
func dotsF16Acc4x2AVX2(q0, q1 *float32, k *byte, ldk, d, nrows int, out0, out1 *float32)

// dotsF16Acc4x3AVX2 is dotsF16Acc4x2AVX2 for three rows of activations.
//
//go:noescape
func dotsF16Acc4x3AVX2(q0, q1, q2 *float32, k *byte, ldk, d, nrows int, out0, out1, out2 *float32)

// dotsAcc4AVX2 is dotsF16Acc4AVX2 on float32 rows.
//
//go:noescape
func dotsAcc4AVX2(q *float32, k *float32, ldk, d, nrows int, out *float32)
