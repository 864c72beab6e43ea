//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

var avx2Kernel = microKernel{name: "avx2-fma-6x16", mr: 6, nr: 16, fn: sgemm6x16, direct: sgemm6x16d}
