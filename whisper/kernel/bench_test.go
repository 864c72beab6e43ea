package kernel

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func benchMatMulT(b *testing.B, m, n, k int, bias bool) {
	r := newRand(1)
	a, w, bs := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, n)
	dst := make([]float32, m*n)
	b.SetBytes(int64(4 * (m*k + n*k + m*n)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if bias {
			MatMulTBias(dst, a, w, bs, m, n, k)
		} else {
			MatMulT(dst, a, w, m, n, k)
		}
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMatMulT covers the Whisper tiny encoder projections (1500 tokens,
// d=384), the MLP (384↔1536), the decoder logits (1×51864×384) and a decoder
// step projection (1×384×384).
func BenchmarkMatMulT(b *testing.B) {
	for _, s := range [][3]int{{1500, 384, 384}, {1500, 1536, 384}, {1500, 384, 1536}, {1, 51864, 384}, {1, 384, 384}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]), func(b *testing.B) { benchMatMulT(b, s[0], s[1], s[2], true) })
	}
}

// BenchmarkMatMulTGo is BenchmarkMatMulT with the pure-Go fallback forced.
func BenchmarkMatMulTGo(b *testing.B) {
	selectKernels(false)
	defer selectKernels(true)
	for _, s := range [][3]int{{1500, 384, 384}, {1, 384, 384}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]), func(b *testing.B) { benchMatMulT(b, s[0], s[1], s[2], true) })
	}
}

// BenchmarkAttention1500 is one Whisper tiny encoder self-attention: 6 heads
// × 64, 1500 queries × 1500 keys (4·nq·nk·d FLOP counted for QKᵀ and P·V).
func BenchmarkAttention1500(b *testing.B) {
	benchAttention(b, 1500, 1500, 6, 64, false)
}

// BenchmarkAttentionDecode is one decoder cross-attention step: 1 query
// against the 1500 encoder keys, 6 heads × 64.
func BenchmarkAttentionDecode(b *testing.B) {
	benchAttention(b, 1, 1500, 6, 64, false)
}

func benchAttention(b *testing.B, nq, nk, nh, dh int, causal bool) {
	r := newRand(2)
	d := nh * dh
	q, k, v := randSlice(r, nq*d), randSlice(r, nk*d), randSlice(r, nk*d)
	dst := make([]float32, nq*d)
	scratch := make([]float32, AttentionScratchSize(nq, nk, nh, dh))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Attention(dst, q, k, v, nq, nk, nh, dh, causal, scratch)
	}
	b.ReportMetric(4*float64(nq)*float64(nk)*float64(d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkConv2Tiny is Whisper tiny's second convolution: 384→384 channels,
// kernel 3, stride 2, pad 1 over 3000 frames (1500 outputs).
func BenchmarkConv2Tiny(b *testing.B) { benchConv(b, 384, 384, 3000, 3, 2, 1) }

// BenchmarkConv2TinyT is BenchmarkConv2Tiny with a time-major input (the
// layout conv1 produces), skipping the input transpose.
func BenchmarkConv2TinyT(b *testing.B) { benchConvT(b, 384, 384, 3000, 3, 2, 1) }

func benchConvT(b *testing.B, cin, cout, t, kernel, stride, pad int) {
	r := newRand(3)
	x, w, bias := randSlice(r, cin*t), randSlice(r, cout*cin*kernel), randSlice(r, cout)
	tout := ConvOutLen(t, kernel, stride, pad)
	dst := make([]float32, tout*cout)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Conv1DT(dst, x, w, bias, cin, cout, t, kernel, stride, pad)
	}
	b.ReportMetric(2*float64(tout)*float64(cout)*float64(cin*kernel)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkConv1Tiny is Whisper tiny's first convolution: 80 mel bins → 384,
// kernel 3, stride 1, pad 1 over 3000 frames.
func BenchmarkConv1Tiny(b *testing.B) { benchConv(b, 80, 384, 3000, 3, 1, 1) }

func benchConv(b *testing.B, cin, cout, t, kernel, stride, pad int) {
	r := newRand(3)
	x, w, bias := randSlice(r, cin*t), randSlice(r, cout*cin*kernel), randSlice(r, cout)
	tout := ConvOutLen(t, kernel, stride, pad)
	dst := make([]float32, tout*cout)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Conv1D(dst, x, w, bias, cin, cout, t, kernel, stride, pad)
	}
	b.ReportMetric(2*float64(tout)*float64(cout)*float64(cin*kernel)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGELU is GELU over the tiny encoder's MLP activations (1500×1536,
// values in [-4, 4)); the input is restored outside the timer each iteration.
func BenchmarkGELU(b *testing.B) {
	src := randSlice(newRand(4), 1500*1536)
	for i := range src {
		src[i] *= 4
	}
	x := make([]float32, len(src))
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		copy(x, src)
		b.StartTimer()
		GELU(x)
	}
}

func BenchmarkLayerNorm(b *testing.B) {
	r := newRand(5)
	x, g, bb := randSlice(r, 1500*384), randSlice(r, 384), randSlice(r, 384)
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		LayerNorm(x, 1500, 384, g, bb, 1e-5)
	}
}

func BenchmarkSoftmax1500(b *testing.B) {
	x := randSlice(newRand(6), 1500)
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		Softmax(x)
	}
}

// BenchmarkTranspose is the transpose Conv1D applies to a channel-major
// 384×3000 input.
func BenchmarkTranspose(b *testing.B) {
	x := randSlice(newRand(1), 384*3000)
	y := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		Transpose(y, x, 384, 3000)
	}
}

// BenchmarkPeakFMA measures the core's arithmetic peak with loops of 12
// independent multiply-adds (assembly): 8-lane VFMADD231PS (AVX2), 16-lane
// VFMADD231PS (AVX-512) and VDPBF16PS (bf16 pairs into float32), on 1 and 2
// goroutines. "GHz" is the clock the loop implies on Zen 4: GFLOP/s per
// goroutine divided by 32 FLOP/cycle for FP32 (two 256-bit FMA pipes × 8
// lanes × 2) and by 64 for VDPBF16PS (one 512-bit instruction per cycle,
// 16 lanes × 2 products × 2).
//
//	go test -run '^$' -bench PeakFMA ./whisper/kernel/
func BenchmarkPeakFMA(b *testing.B) {
	const iters = 1 << 16
	probes := []struct {
		name  string
		ok    bool
		flops float64 // per iteration
		cycle float64 // FLOP per cycle per core at peak (Zen 4)
		fn    func(int)
	}{
		{"ymm-fma", haveAVX2FMA, 12 * 8 * 2, 32, fmaPeakY},
		{"zmm-fma", haveAVX512, 12 * 16 * 2, 32, fmaPeakZ},
		{"zmm-dpbf16", haveAVX512BF16, 12 * 32 * 2, 64, dpbf16Peak},
	}
	for _, p := range probes {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", p.name, th), func(b *testing.B) {
				if !p.ok {
					b.Skip("not supported by this CPU or build")
				}
				for b.Loop() {
					done := make(chan struct{})
					for w := 1; w < th; w++ {
						go func() {
							defer func() { done <- struct{}{} }()
							p.fn(iters)
						}()
					}
					p.fn(iters)
					for w := 1; w < th; w++ {
						<-done
					}
				}
				gf := p.flops * iters * float64(th) * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gf, "GFLOP/s")
				b.ReportMetric(gf/float64(th)/p.cycle, "GHz")
			})
		}
	}
}

// corePeak is one core's measured FP32 peak in GFLOP/s: the best of several
// short runs of the FMA probes, ymm and (where the CPU has AVX-512) zmm, so
// a core that runs 512-bit FMAs at full width is held to twice the AVX2
// figure. 0 without AVX2/FMA.
var corePeak = sync.OnceValue(func() float64 {
	if !haveAVX2FMA {
		return 0
	}
	const iters = 1 << 16
	best := 0.0
	for range 20 {
		t := time.Now()
		fmaPeakY(iters)
		best = max(best, 12*8*2*iters/float64(time.Since(t).Nanoseconds()))
		if haveAVX512 {
			t = time.Now()
			fmaPeakZ(iters)
			best = max(best, 12*16*2*iters/float64(time.Since(t).Nanoseconds()))
		}
	}
	return best
})

// encoderShapes are the encoder's linear layers (m tokens × n outputs × k
// inputs) for tiny (d=384) and base (d=512): q/k/v/out projections, fc1 and
// fc2; m = 3000 is two 30 s windows encoded as one batch.
var encoderShapes = [][3]int{
	{1500, 384, 384}, {1500, 1536, 384}, {1500, 384, 1536},
	{1500, 512, 512}, {1500, 2048, 512}, {1500, 512, 2048},
	{3000, 384, 384}, {3000, 1536, 384}, {3000, 384, 1536},
}

// BenchmarkEncoderGEMM measures the encoder's GEMMs (C = A·Wᵀ + bias, as
// kernel.LinearT runs them) with each FP32 micro-kernel (avx2 6×16,
// avx512 12×32) and in
// bf16 compute, on 1 and 2 threads; "%peak" is
// relative to threads × one core's FP32 peak measured by the FMA probe in
// the same process (see BenchmarkPeakFMA), also for bf16.
//
//	go test -run '^$' -bench EncoderGEMM -count 3 ./whisper/kernel/
func BenchmarkEncoderGEMM(b *testing.B) {
	variants := []struct {
		name string
		ok   bool
		mode Compute
		kern microKernel
	}{
		{"f32-avx2", haveAVX2FMA, F32, avx2Kernel},
		{"f32-avx512", haveAVX512, F32, avx512Kernel},
		{"bf16", BF16.Supported(), BF16, microKernel{}},
	}
	for _, v := range variants {
		for _, s := range encoderShapes {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%dx%dx%d/threads=%d", v.name, s[0], s[1], s[2], th), func(b *testing.B) {
					if !v.ok {
						b.Skip("not supported here")
					}
					if v.kern.fn != nil {
						defer func(k microKernel) { gemmKern = k }(gemmKern)
						gemmKern = v.kern
					}
					defer SetThreads(SetThreads(th))
					m, n, k := s[0], s[1], s[2]
					r := newRand(1)
					a, w, bias := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, n)
					dst := make([]float32, m*n)
					ww := F32Weights(w)
					for b.Loop() {
						LinearTCompute(v.mode, dst, a, ww, bias, m, n, k)
					}
					gf := 2 * float64(m) * float64(n) * float64(k) * float64(b.N) / b.Elapsed().Seconds() / 1e9
					b.ReportMetric(gf, "GFLOP/s")
					if p := corePeak(); p > 0 {
						b.ReportMetric(100*gf/(p*float64(th)), "%peak")
					}
				})
			}
		}
	}
}
