//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

//go:generate python3 sgemm512_gen.py

// haveAVX512 reports AVX-512 F, VL, BW and DQ (the zmm peak probe);
// haveAVX512BF16 whether the bf16 compute mode can run.
var (
	haveAVX512     = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && haveAVX2FMA
	haveAVX512BF16 = haveAVX512 && cpu.X86.HasAVX512BF16
)

// avx512Kernel is the AVX-512 FP32 micro-kernel (12×32 tile; see
// sgemm512_gen.py for the register plan). Where 512-bit FMAs run at full width (Zen 5,
// Intel server cores) it doubles the arithmetic of a k step against the
// AVX2 6×16 kernel; where they run as two halves (Zen 4) it issues half the
// instructions for the same work.
var avx512Kernel = microKernel{name: "avx512-fma-12x32", mr: 12, nr: 32, fn: sgemm12x32, direct: sgemm12x32d}

// sgemm12x32 computes the 12×32 tile acc = Σ_p a[p*12+i]·b[p*32+j] over kc
// steps of packed panels and stores it to c (row stride ldc floats), first
// adding bias[0:32] if flags&flagBias and the existing contents of c if
// flags&flagAccum.
//
//go:noescape
func sgemm12x32(kc int, a, b, c *float32, ldc, flags int, bias *float32)

// sgemm12x32d is sgemm12x32 reading A directly from twelve row-major rows
// (element (i,p) at a[i*lda+p]); with flags&flagAlpha the product is
// multiplied by alpha before the bias and C are added.
//
//go:noescape
func sgemm12x32d(kc int, a *float32, lda int, b, c *float32, ldc, flags int, bias *float32, alpha float32)

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
