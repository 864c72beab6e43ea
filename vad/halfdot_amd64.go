//go:build amd64 && !purego

package vad

import "golang.org/x/sys/cpu"

var (
	// haveFP16: the CPU (and OS) run AVX512-FP16, whose binary16 FMA is
	// ggml's own (CPUID leaf 7 EDX bit 23; x/sys/cpu does not report it).
	haveFP16 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpuid7EDX()&(1<<23) != 0
	// haveAVX2 selects the AVX2 float64 emulation when haveFP16 is false.
	haveAVX2 = cpu.X86.HasAVX2
	// haveF16C: VCVTPS2PH converts to binary16 (toHalf).
	haveF16C = cpu.X86.HasAVX && cpuHasF16C()
)

// cpuid7EDX returns EDX of CPUID leaf 7, subleaf 0.
func cpuid7EDX() uint32

// cpuid1ECX returns ECX of CPUID leaf 1.
func cpuid1ECX() uint32

func cpuHasF16C() bool { return cpuid1ECX()&(1<<29) != 0 }

// dotRowsF16 sets dst[o], o < n, to the binary16 part of
// ggml_vec_dot_f16(a, b_o) with AVX512-FP16 (nblocks ≥ 1 blocks of 128),
// converted to float32; row o of b starts at b + o·k halves.
//
//go:noescape
func dotRowsF16(dst *float32, a, b *uint16, n, k, nblocks int)

// cvtHalf8 converts 8·n float32 at src to binary16 at dst (VCVTPS2PH,
// round to nearest even).
//
//go:noescape
func cvtHalf8(dst *uint16, src *float32, n int)

// toHalf converts src to binary16 bits (round to nearest even).
func toHalf(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	n := len(src) / 8
	if haveF16C && n > 0 {
		cvtHalf8(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	toHalfGo(dst[8*n:], src[8*n:])
}

// dotHalf4BlocksAVX2 is halfBlocks for x with four rows of y at once (row
// r at y + r·ldy floats, nblocks ≥ 1 blocks of 128): the FMAs and the
// reduction, in 4-lane float64 vectors. ok is false when a result went
// beyond ±65504 (or NaN): the sums are then not meaningful and the caller
// falls back to the scalar code.
//
//go:noescape
func dotHalf4BlocksAVX2(x, y *float32, ldy, nblocks int, tmp *[4][128]float64) (s0, s1, s2, s3 float64, ok bool)

// tailF64 adds the leftovers of ggml_vec_dot_f16 to acc[o], o < n (n a
// multiple of 8): acc[o] += float64(a[i]·tail[i·n + o]) for i < cnt, in
// order.
//
//go:noescape
func tailF64(acc *float64, a, tail *float32, n, cnt int)
