//go:build !amd64 || purego

package kernel

const haveAVX2FMA = false

var avx2Kernel = genericKernel

var avx512Kernel = genericKernel

const (
	haveAVX512     = false
	haveAVX512BF16 = false
)

var bf16AsmKern bf16Kernel
