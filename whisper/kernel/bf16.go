package kernel

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Compute selects the arithmetic of the large matrix products (the
// encoder's linear layers): F32 (the default) multiplies in float32; BF16
// rounds both operands to bfloat16 (8-bit mantissa) and accumulates the
// products in float32, which doubles the arithmetic throughput on CPUs
// with AVX512_BF16 at the cost of precision.
type Compute uint8

// The compute modes.
const (
	F32 Compute = iota
	BF16
)

// String returns "f32" or "bf16".
func (c Compute) String() string {
	switch c {
	case F32:
		return "f32"
	case BF16:
		return "bf16"
	}
	return fmt.Sprintf("Compute(%d)", uint8(c))
}

// ParseCompute parses "f32" or "bf16" ("" means f32).
func ParseCompute(s string) (Compute, error) {
	switch s {
	case "", "f32":
		return F32, nil
	case "bf16":
		return BF16, nil
	}
	return F32, fmt.Errorf("kernel: unknown compute mode %q (want f32 or bf16)", s)
}

// Supported reports whether this CPU and build can run the mode: F32
// always, BF16 with AVX512_BF16 assembly kernels.
func (c Compute) Supported() bool {
	switch c {
	case F32:
		return true
	case BF16:
		return bf16Kern.fn != nil
	}
	return false
}

// Kernel returns the name of the micro-kernel the mode runs on, e.g.
// "avx2-fma-6x16" or "avx512bf16-8x32"; BF16 on a CPU without
// AVX512_BF16 runs the pure-Go twin ("go-bf16-8x32", correct but slow).
func (c Compute) Kernel() string {
	if c == BF16 {
		return bf16Or().name
	}
	return KernelName()
}

// LinearTCompute is LinearT (dst = a·wᵀ + bias; a m×k, w n×k, dst m×n)
// computed in mode c. F32 is exactly LinearT. BF16 rounds a and w to
// bfloat16 and accumulates in float32 (AVX512_BF16; without it a pure-Go
// twin gives the same results slowly).
func LinearTCompute(c Compute, dst, a []float32, w Weights, bias []float32, m, n, k int) {
	linearTCompute(c, dst, a, w, bias, m, n, k, false)
}

// LinearTAddCompute is LinearTAdd (dst += a·wᵀ + bias) computed in mode c.
func LinearTAddCompute(c Compute, dst, a []float32, w Weights, bias []float32, m, n, k int) {
	linearTCompute(c, dst, a, w, bias, m, n, k, true)
}

func linearTCompute(c Compute, dst, a []float32, w Weights, bias []float32, m, n, k int, accum bool) {
	if c != BF16 || k == 0 {
		linearT(dst, a, w, bias, m, n, k, accum)
		return
	}
	checkLen("LinearTCompute: a", a, m*k)
	checkLen("LinearTCompute: dst", dst, m*n)
	if w.Len() != n*k {
		panic(fmt.Sprintf("kernel: LinearTCompute: w has length %d, want %d", w.Len(), n*k))
	}
	if bias != nil {
		checkLen("LinearTCompute: bias", bias, n)
	}
	kn := bf16Or()
	gemmBF16(&kn, m, n, k, a, k, w, dst, n, accum, bias, 0)
}

// bf16Kernel is a bf16 micro-kernel on bfMR×bfNR tiles with its packing
// routine. Packed operands hold uint32 pairs of bfloat16 values: k values
// 2p (low half) and 2p+1 (high half); A panels are [p][bfMR], B panels
// [p][bfNR].
type bf16Kernel struct {
	name string
	// fn computes the tile over kp pairs into c (row stride ldc),
	// honouring flagAccum / flagBias (bias[0:bfNR]).
	fn func(kp int, a, b *uint32, c *float32, ldc, flags int, bias *float32)
	// pack8, if not nil, packs 8 rows × 8·n16 pairs (16·n16 floats) with
	// row stride stride words in dst (see bf16Pack8).
	pack8 func(dst *uint32, stride int, src *float32, ld, n16 int)
}

// bf16 tile and blocking: kcBF16 is the depth of a k block in pairs (k =
// 512; the 32-column B micro-panel is then 32 KiB; 128 and 192 pairs
// measured 2-7 % slower on Zen 4 with
// `go test -run '^$' -bench EncoderGEMM/bf16 ./whisper/kernel/` and kcBF16
// edited), mcBF16 the rows of A packed per block
// (kept in L2).
const (
	bfMR = 8
	bfNR = 32
)

var (
	kcBF16 = 256
	mcBF16 = 120
)

var (
	// bf16Kern is the bf16 kernel selected for this CPU; fn is nil
	// without AVX512_BF16.
	bf16Kern bf16Kernel
	// bf16GoKern is the pure-Go twin of the assembly kernel.
	bf16GoKern = bf16Kernel{name: "go-bf16-8x32", fn: kernBF16Go}
)

// bf16Or returns the selected bf16 kernel, or the pure-Go twin.
func bf16Or() bf16Kernel {
	if bf16Kern.fn != nil {
		return bf16Kern
	}
	return bf16GoKern
}

// roundBF16 returns the bfloat16 nearest to f (ties to even) in the low 16
// bits, as VCVTNEPS2BF16 computes it: NaNs stay (quiet) NaNs and
// subnormal inputs become signed zeros.
func roundBF16(f float32) uint32 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return b>>16 | 0x40
	}
	if b&0x7f800000 == 0 {
		return b >> 16 & 0x8000
	}
	b += 0x7fff + (b>>16)&1
	return b >> 16
}

// pack writes dst[p*stride+r] = the bf16 pair of k values k0+2p, k0+2p+1
// of row r of src (row r at src[r*ld:], values at k ≥ kEnd taken as 0)
// for r < w (a multiple of 8) and p < kq; rows r ≥ rows are zero.
func (kn *bf16Kernel) pack(dst []uint32, stride, w int, src []float32, ld, rows, k0, kq, kEnd int) {
	for r0 := 0; r0 < w; r0 += 8 {
		p0 := 0
		if kn.pack8 != nil && r0+8 <= rows {
			if n16 := min(kq/8, (kEnd-k0)/16); n16 > 0 {
				p0 = 8 * n16
				_ = dst[(p0-1)*stride+r0+7]
				_ = src[(r0+7)*ld+k0+2*p0-1]
				kn.pack8(&dst[r0], stride, &src[r0*ld+k0], ld, n16)
			}
		}
		for r := r0; r < r0+8; r++ {
			if r >= rows {
				for p := p0; p < kq; p++ {
					dst[p*stride+r] = 0
				}
				continue
			}
			row := src[r*ld : r*ld+kEnd]
			for p := p0; p < kq; p++ {
				var v uint32
				if kk := k0 + 2*p; kk+1 < kEnd {
					v = roundBF16(row[kk]) | roundBF16(row[kk+1])<<16
				} else if kk < kEnd {
					v = roundBF16(row[kk])
				}
				dst[p*stride+r] = v
			}
		}
	}
}

// kernBF16Go is the pure-Go twin of bf16Kern8x32: products of bf16 values
// are exact in float32 and are added in the instruction's order (odd k,
// then even k).
func kernBF16Go(kp int, a, b *uint32, c *float32, ldc, flags int, bias *float32) {
	ap := unsafe.Slice(a, bfMR*kp)
	bp := unsafe.Slice(b, bfNR*kp)
	var acc [bfMR][bfNR]float32
	var bl, bh [bfNR]float32
	for p := 0; p < kp; p++ {
		bv := bp[p*bfNR : p*bfNR+bfNR : p*bfNR+bfNR]
		for j, x := range bv {
			bl[j] = math.Float32frombits(x << 16)
			bh[j] = math.Float32frombits(x & 0xffff0000)
		}
		for i, x := range ap[p*bfMR : p*bfMR+bfMR : p*bfMR+bfMR] {
			al := math.Float32frombits(x << 16)
			ah := math.Float32frombits(x & 0xffff0000)
			row := &acc[i]
			for j := range row {
				s := row[j] + ah*bh[j]
				row[j] = s + al*bl[j]
			}
		}
	}
	cs := unsafe.Slice(c, (bfMR-1)*ldc+bfNR)
	var bs []float32
	if flags&flagBias != 0 {
		bs = unsafe.Slice(bias, bfNR)
	}
	for i := range acc {
		crow := cs[i*ldc : i*ldc+bfNR]
		for j, v := range acc[i] {
			if bs != nil {
				v += bs[j]
			}
			if flags&flagAccum != 0 {
				v += crow[j]
			}
			crow[j] = v
		}
	}
}

// asU32 reinterprets a float32 scratch buffer as uint32 words.
func asU32(s []float32) []uint32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&s[0])), len(s))
}

// gemmBF16 computes C (+)= A·Bᵀ (+ bias) in bf16 arithmetic: A is m×k (row
// stride lda), B = w stored n×k, C m×n (row stride ldc), k > 0. All of B is
// packed first (in parallel), then row blocks of A are packed and
// multiplied. nw = 0 picks the goroutine count.
func gemmBF16(kn *bf16Kernel, m, n, k int, a []float32, lda int, w Weights, c []float32, ldc int, accum bool, bias []float32, nw int) {
	if m == 0 || n == 0 {
		return
	}
	kp := (k + 1) / 2
	nkb := ceilDiv(kp, kcBF16)
	kcb := ceilDiv(kp, nkb)
	panels := ceilDiv(n, bfNR)
	if nw <= 0 {
		nw = workersFor(float64(m)*float64(n)*float64(k)/gemmFlopsPerNs, max(ceilDiv(m, bfMR), panels))
	}

	pbuf := getBuf(panels * bfNR * kp)
	pb := asU32(*pbuf)
	defer putBuf(pbuf)
	packTasks := min(panels, 4*nw)
	parallelFor(packTasks, nw, func(t int) {
		var wide *[]float32
		if w.Type() != ggml.F32 {
			wide = getBuf(bfNR * k)
			defer putBuf(wide)
		}
		for jp := t * panels / packTasks; jp < (t+1)*panels/packTasks; jp++ {
			j0 := jp * bfNR
			rows := min(bfNR, n-j0)
			var src []float32
			if wide == nil {
				src = w.f32[j0*k : (j0+rows)*k]
			} else {
				src = (*wide)[:rows*k]
				for r := 0; r < rows; r++ {
					w.Widen(src[r*k:(r+1)*k], (j0+r)*k)
				}
			}
			for q := 0; q < nkb; q++ {
				k0 := q * kcb
				kq := min(kcb, kp-k0)
				blk := pb[k0*panels*bfNR+jp*kq*bfNR:]
				kn.pack(blk[:kq*bfNR], bfNR, bfNR, src, k, rows, 2*k0, kq, k)
			}
		}
	})

	mcLim := max(mcBF16/bfMR*bfMR, bfMR)
	rb := ceilDiv(m, mcLim)
	if nw > 1 && rb%nw != 0 {
		rb += nw - rb%nw
	}
	mc := ceilDiv(ceilDiv(m, rb), bfMR) * bfMR
	rb = ceilDiv(m, mc)
	cc := 1
	if rb < nw {
		cc = min(panels, ceilDiv(nw, rb))
	}
	parallelFor(rb*cc, nw, func(t int) {
		ib, ci := t/cc, t%cc
		i0 := ib * mc
		rows := min(mc, m-i0)
		pan0, pan1 := ci*panels/cc, (ci+1)*panels/cc
		np := ceilDiv(rows, bfMR)
		abuf := getBuf(np * bfMR * kcb)
		defer putBuf(abuf)
		pa := asU32(*abuf)
		var tmp [bfMR * bfNR]float32
		for q := 0; q < nkb; q++ {
			k0 := q * kcb
			kq := min(kcb, kp-k0)
			for ip := 0; ip < np; ip++ {
				r0 := i0 + ip*bfMR
				h := min(bfMR, m-r0)
				kn.pack(pa[ip*kq*bfMR:(ip+1)*kq*bfMR], bfMR, bfMR, a[r0*lda:], lda, h, 2*k0, kq, k)
			}
			flags := flagAccum
			if q == 0 {
				flags = 0
				if accum {
					flags = flagAccum
				}
				if bias != nil {
					flags |= flagBias
				}
			}
			for jp := pan0; jp < pan1; jp++ {
				j := jp * bfNR
				nrb := min(bfNR, n-j)
				bp := &pb[k0*panels*bfNR+jp*kq*bfNR]
				var bptr *float32
				if flags&flagBias != 0 && nrb == bfNR {
					bptr = &bias[j]
				}
				for ip := 0; ip < np; ip++ {
					mrb := min(bfMR, rows-ip*bfMR)
					off := (i0+ip*bfMR)*ldc + j
					ap := &pa[ip*kq*bfMR]
					if mrb == bfMR && nrb == bfNR {
						kn.fn(kq, ap, bp, &c[off], ldc, flags, bptr)
						continue
					}
					kn.fn(kq, ap, bp, &tmp[0], bfNR, 0, nil)
					for r := 0; r < mrb; r++ {
						crow := c[off+r*ldc : off+r*ldc+nrb]
						for jj, v := range tmp[r*bfNR : r*bfNR+nrb] {
							if flags&flagBias != 0 {
								v += bias[j+jj]
							}
							if flags&flagAccum != 0 {
								v += crow[jj]
							}
							crow[jj] = v
						}
					}
				}
			}
		}
	})
}
