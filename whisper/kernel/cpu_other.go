//go:build !amd64 || purego

package kernel

const haveAVX2FMA = false

var avx2Kernel = genericKernel
