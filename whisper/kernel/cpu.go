package kernel

import (
	"runtime"
	"sync/atomic"
)

// Flags for micro-kernels.
const (
	flagAccum = 1 // add the existing contents of C to the tile
	flagBias  = 2 // add bias[0:nr] to every row of the tile
	flagAlpha = 4 // direct kernels: scale the product by alpha
)

// microKernel describes a GEMM register-tile kernel working on packed panels:
// A panels hold mr rows interleaved per k step (p*mr+i), B panels nr columns
// (p*nr+j).
type microKernel struct {
	name   string
	mr, nr int
	// fn computes the mr×nr tile over kc steps and writes it to c with row
	// stride ldc (in floats), honouring flagAccum / flagBias.
	fn func(kc int, a, b, c *float32, ldc, flags int, bias *float32)
	// direct, if not nil, is fn reading A straight from mr row-major rows
	// with row stride lda (no packing), scaling by alpha if flags&flagAlpha.
	direct func(kc int, a *float32, lda int, b, c *float32, ldc, flags int, bias *float32, alpha float32)
}

// Maximum tile dimensions over all kernels (size of the edge scratch tile).
const (
	maxMR = 12
	maxNR = 32
)

var (
	// gemmKern is the micro-kernel in use.
	gemmKern microKernel
	// simd reports whether the vector (BLAS-1, exp, GELU, layer norm)
	// assembly routines are in use.
	simd bool
	// f16simd reports whether the half-precision weight routines (F16C
	// conversions with AVX2/FMA) are in use.
	f16simd bool
	// f16rows reports whether several rows of activations are multiplied
	// with F16 weights by the AVX-512 kernels (dotsF16Rows).
	f16rows bool

	threads atomic.Int64
)

func init() {
	selectKernels(true)
}

// selectKernels installs the fastest kernels the CPU supports; with
// allowAsm=false it installs the pure-Go fallbacks (used by tests).
func selectKernels(allowAsm bool) {
	gemmKern = genericKernel
	bf16Kern = bf16Kernel{}
	simd = false
	f16simd = false
	if allowAsm && haveAVX2FMA {
		gemmKern = avx2Kernel
		if haveAVX512 {
			gemmKern = avx512Kernel
		}
		simd = true
		f16simd = haveF16C
	}
	quantVNNI = f16simd && haveVNNI
	f16rows = f16simd && haveAVX512
	if allowAsm && haveAVX512BF16 {
		bf16Kern = bf16AsmKern
	}
}

// KernelName returns a short description of the GEMM micro-kernel selected
// for this CPU, e.g. "avx2-fma-6x16" or "go-4x4".
func KernelName() string { return gemmKern.name }

// SetThreads sets the maximum number of goroutines a single kernel call
// may use. n <= 0 restores the default, runtime.GOMAXPROCS(0). It returns the
// previous setting (0 meaning the default).
func SetThreads(n int) int {
	if n < 0 {
		n = 0
	}
	return int(threads.Swap(int64(n)))
}

// Threads reports the maximum number of goroutines a kernel call may use.
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}
