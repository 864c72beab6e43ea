//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// haveAVX512 reports AVX-512 F, VL, BW and DQ (the zmm peak probe);
// haveAVX512BF16 whether the bf16 compute mode can run.
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
