// Package kernel provides the float32 numeric kernels of the pure-Go Whisper
// inference engine: a cache-blocked, packed SGEMM with AVX2/FMA assembly
// micro-kernels (and a portable pure-Go fallback chosen at run time),
// convolution as an implicit-im2col GEMM, layer normalisation, GELU, softmax,
// multi-head attention and a few BLAS-1 style vector helpers.
//
// All matrices are dense, row-major float32 slices. Functions validate their
// arguments cheaply and panic on length mismatches, in the style of gonum.
//
// # Kernels
//
// On amd64 CPUs with AVX2 and FMA (golang.org/x/sys/cpu) the GEMM uses a 6×16
// register tile (12 ymm accumulators, VFMADD231PS with broadcast A and packed
// B), which runs at ≈90% of the FMA peak of a Zen 4 core; B is packed into
// 16-column panels (kc ≤ 384 deep, so a panel stays in L1) and A is read in
// place from its rows (only edge panels are packed). Products with few rows
// (decoder steps) skip packing and use dot-product or weighted-row-sum
// kernels. Elsewhere — or with the purego build tag — a pure-Go 4×4 kernel
// and scalar loops are used; KernelName reports the choice. AVX-512 is not
// used for FP32: on Zen 4 it executes as two 256-bit halves, and an 8×32
// zmm tile, tried, made the whole encoder no faster (docs/performance.md).
// The bf16 compute mode uses AVX512_BF16 (bf16.go).
//
// Accuracy: products accumulate in float32 (FMA), with error within the
// classic γ_k·Σ|a||b| bound; exp is Cephes' expf (≈1 ulp); GELU is the exact
// erf form with erf from Abramowitz & Stegun 7.1.26 (|Δerf| ≤ 1.5e-7);
// softmax and layer-norm statistics are accumulated in float64.
//
// # Parallelism
//
// The heavy kernels (Gemm and friends, Conv1D, Attention, and LayerNorm and
// GELU on large inputs) split their work across up to Threads() goroutines
// that are started per call and have all exited when the call returns; the
// package keeps no background goroutines, so goleak-based tests are not
// affected. Kernels may be called concurrently from several goroutines.
// Starting a goroutine on an idle core costs a thread wake-up (≈100 µs
// measured on the 2-vCPU development VM), so jobs estimated to take less
// than about 100 µs per extra goroutine run on the calling goroutine alone,
// and each kernel uses a single parallel section.
//
// # Whisper usage notes
//
//   - Linear layers: MatMulTBias (weights as stored, [out][in]); residual
//     connections can be fused with MatMulTBiasAdd (dst += a·wᵀ + b).
//   - conv1 on the mel spectrogram: Conv1D (channel-major input); conv2 on
//     conv1's time-major output: Conv1DT, which avoids a transpose.
//   - Attention takes q, k, v as [tokens][heads·dHead]; AttentionLD reads them
//     straight from a fused QKV projection or a KV cache with spare capacity.
package kernel
