//go:build amd64 && !purego

package kernel

// bf16Kern8x32 is the AVX512_BF16 micro-kernel: it computes the 8×32 tile
// acc[i][j] = Σ_p a[p*8+i]·b[p*32+j] over kp packed bf16 pairs (each
// uint32 holds two consecutive k values, the even one in the low half;
// VDPBF16PS accumulates both products in float32) and stores it to c (row
// stride ldc floats), adding bias[0:32] if flags&flagBias and the existing
// contents of c if flags&flagAccum.
//
//go:noescape
func bf16Kern8x32(kp int, a, b *uint32, c *float32, ldc, flags int, bias *float32)

// bf16Pack8 sets dst[p*stride+r] = the bf16 pair (src[r*ld+2p],
// src[r*ld+2p+1]), each rounded to nearest even by VCVTNEPS2BF16, for
// r < 8 and p < 8*n16.
//
//go:noescape
func bf16Pack8(dst *uint32, stride int, src *float32, ld, n16 int)

var bf16AsmKern = bf16Kernel{name: "avx512bf16-8x32", fn: bf16Kern8x32, pack8: bf16Pack8}
