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

// dotsF16AVX2 is dotsAVX2 with the k rows in half precision: out[j] =
// Σ_p q[p]·k[j*ldk+p] for j < nrows (a multiple of 8) and p < d (a multiple
// of 8), ldk in elements.
//
//go:noescape
func dotsF16AVX2(q *float32, k *byte, ldk, d, nrows int, out *float32)
