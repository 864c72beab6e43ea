//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// haveAVX512 reports whether the AVX-512 (F, VL, BW, DQ) GEMM kernels can
// run; haveAVX512BF16 whether the bf16 compute mode can.
var (
	haveAVX512     = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && haveAVX2FMA
	haveAVX512BF16 = haveAVX512 && cpu.X86.HasAVX512BF16
)

// fmaPeakY runs n iterations of 12 independent 8-lane VFMADD231PS.
//
//go:noescape
func fmaPeakY(n int)

// fmaPeakZ runs n iterations of 12 independent 16-lane VFMADD231PS.
//
//go:noescape
func fmaPeakZ(n int)

// dpbf16Peak runs n iterations of 12 independent 512-bit VDPBF16PS.
//
//go:noescape
func dpbf16Peak(n int)

// sgemm8x32 is the AVX-512 counterpart of sgemm6x16: an 8×32 tile over
// packed panels (A p*8+i, B p*32+j), same flags.
//
//go:noescape
func sgemm8x32(kc int, a, b, c *float32, ldc, flags int, bias *float32)

// sgemm8x32d is sgemm8x32 reading A from eight row-major rows (row stride
// lda), scaling by alpha with flags&flagAlpha, as sgemm6x16d.
//
//go:noescape
func sgemm8x32d(kc int, a *float32, lda int, b, c *float32, ldc, flags int, bias *float32, alpha float32)

var avx512Kernel = microKernel{name: "avx512-8x32", mr: 8, nr: 32, fn: sgemm8x32, direct: sgemm8x32d}
