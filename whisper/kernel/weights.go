package kernel

import (
	"encoding/binary"
	"fmt"
	"sync"
	"unsafe"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Weights is a row-major weight matrix kept in the type it was stored in:
// float32; IEEE 754 half precision (ggml's F16), widened to float32 only
// inside the kernels that read it; or one of ggml's 32-element block
// quantizations (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0), whose raw blocks the
// kernels read directly (see LinearT). F16 and quantized weights are byte
// slices in the file's little-endian layout, read in place at any byte
// alignment (a slice of a mapped model file). The zero value is an empty
// float32 matrix.
type Weights struct {
	f32 []float32
	raw []byte    // F16 or quantized data, little-endian as in a ggml file
	typ ggml.Type // F32 (then f32 is used), F16 or a quantized type
	n   int       // elements in raw
}

// F32Weights wraps float32 weights (not copied).
func F32Weights(w []float32) Weights { return Weights{f32: w} }

// F16Weights wraps half-precision weights (not copied on a little-endian
// host; a big-endian host gets a little-endian copy).
func F16Weights(w []uint16) Weights {
	var b []byte
	if len(w) > 0 {
		if hostLittleEndian {
			b = unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), 2*len(w))
		} else {
			b = make([]byte, 2*len(w))
			for i, h := range w {
				binary.LittleEndian.PutUint16(b[2*i:], h)
			}
		}
	}
	return Weights{raw: b, typ: ggml.F16, n: len(w)}
}

// hostLittleEndian reports whether the host stores a uint16 as ggml files do.
var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// StoredWeights wraps a rows×cols matrix stored as ggml type t, F16 or one
// of the quantized types, exactly as a ggml file holds it (data is not
// copied and may start at any byte address). For a quantized type cols
// must be a multiple of 32 (whole blocks per row). data must hold exactly
// t.RowBytes(rows·cols) bytes.
func StoredWeights(t ggml.Type, data []byte, rows, cols int) (Weights, error) {
	if t != ggml.F16 && !quantKnown(t) {
		return Weights{}, fmt.Errorf("kernel: weights of type %v are not kept in storage form: %w", t, ggml.ErrUnsupportedType)
	}
	if rows < 0 || cols < 0 || cols%t.BlockSize() != 0 {
		return Weights{}, fmt.Errorf("kernel: %d×%d %v weights: rows are not whole blocks of %d: %w", rows, cols, t, t.BlockSize(), ggml.ErrShape)
	}
	if want := t.RowBytes(rows * cols); len(data) != want {
		return Weights{}, fmt.Errorf("kernel: %d×%d %v weights take %d bytes, got %d: %w", rows, cols, t, want, len(data), ggml.ErrShape)
	}
	return Weights{raw: data, typ: t, n: rows * cols}, nil
}

// Type is the stored element type: ggml.F32, ggml.F16 or a quantized type.
func (w Weights) Type() ggml.Type { return w.typ }

// Len is the number of elements.
func (w Weights) Len() int {
	if w.typ != ggml.F32 {
		return w.n
	}
	return len(w.f32)
}

// Bytes is the size of the stored elements in memory.
func (w Weights) Bytes() int64 {
	if w.typ != ggml.F32 {
		return int64(len(w.raw))
	}
	return 4 * int64(len(w.f32))
}

// Slice returns elements [lo, hi), sharing storage. For quantized weights
// lo and hi must be multiples of the block size 32 (row boundaries are);
// Slice panics otherwise.
func (w Weights) Slice(lo, hi int) Weights {
	if w.typ == ggml.F32 {
		return Weights{f32: w.f32[lo:hi]}
	}
	bs := w.typ.BlockSize()
	if lo < 0 || hi < lo || hi > w.n || lo%bs != 0 || hi%bs != 0 {
		panic(fmt.Sprintf("kernel: Weights.Slice(%d, %d) of %d %v elements: not whole blocks in range", lo, hi, w.n, w.typ))
	}
	bb := w.typ.BlockBytes()
	return Weights{raw: w.raw[lo/bs*bb : hi/bs*bb], typ: w.typ, n: hi - lo}
}

// Widen writes elements [off, off+len(dst)) to dst as float32: a row
// lookup such as the token embedding's (ggml's get_rows). Quantized blocks
// are dequantized exactly as ggml's dequantize_row_* (ggml.Type.Decode).
func (w Weights) Widen(dst []float32, off int) {
	switch w.typ {
	case ggml.F32:
		copy(dst, w.f32[off:off+len(dst)])
		return
	case ggml.F16:
		widenF16(dst, w.raw[2*off:2*(off+len(dst))])
		return
	}
	if off < 0 || off+len(dst) > w.n {
		panic(fmt.Sprintf("kernel: Weights.Widen [%d, %d) of %d elements", off, off+len(dst), w.n))
	}
	decodeRange(w.typ, w.raw, dst, off)
}

// LinearT computes dst = a·wᵀ (+ bias): a is m×k, w is n×k, dst is m×n,
// bias (nil or length n) is added to every row. F32 weights take exactly
// MatMulT's (MatMulTBias's) path. Quantized weights need k to be a
// multiple of 32; few rows (the decoder) quantize a to 8 bits per 32-block
// as ggml does and sum integer block dot products (quant.go), many rows
// (the encoder) dequantize w while packing it for the float32 GEMM.
func LinearT(dst, a []float32, w Weights, bias []float32, m, n, k int) {
	linearT(dst, a, w, bias, m, n, k, false)
}

// LinearTAdd computes dst += a·wᵀ (+ bias), as MatMulTBiasAdd does.
func LinearTAdd(dst, a []float32, w Weights, bias []float32, m, n, k int) {
	linearT(dst, a, w, bias, m, n, k, true)
}

func linearT(dst, a []float32, w Weights, bias []float32, m, n, k int, accum bool) {
	checkLen("LinearT: a", a, m*k)
	checkLen("LinearT: dst", dst, m*n)
	if w.Len() != n*k {
		panic(fmt.Sprintf("kernel: LinearT: w has length %d, want %d", w.Len(), n*k))
	}
	if bias != nil {
		checkLen("LinearT: bias", bias, n)
	}
	switch w.typ {
	case ggml.F32:
		beta := float32(0)
		if accum {
			beta = 1
		}
		gemm(true, m, n, k, a, k, w.f32, k, dst, n, 1, beta, bias, 0)
	case ggml.F16:
		gemmF16(m, n, k, a, w.raw, dst, accum, bias, 0)
	default:
		if k%qk != 0 {
			panic(fmt.Sprintf("kernel: LinearT: %v weights need k a multiple of %d, got %d", w.typ, qk, k))
		}
		gemmQuant(m, n, k, a, w, dst, accum, bias, 0)
	}
}

// clearBias handles k = 0: C (+)= bias.
func clearBias(m, n int, c []float32, accum bool, bias []float32) {
	for i := 0; i < m; i++ {
		row := c[i*n : i*n+n]
		if !accum {
			clear(row)
		}
		if bias != nil {
			add(row, bias[:n])
		}
	}
}

// smallWorkers returns the goroutine count for an m×n×k product and
// whether it takes the unpacked few-rows path.
func smallWorkers(m, n, k, nw int) (int, bool) {
	small := useSmallPath(true, m, k)
	if nw <= 0 {
		rate := float64(gemmFlopsPerNs)
		if small {
			rate = smallFlopsPerNs
		}
		nw = workersFor(2*float64(m)*float64(n)*float64(k)/rate, max(m, ceilDiv(n, 16)))
	}
	return nw, small
}

// gemmF16 computes C (+)= A·Bᵀ (+ bias) for B stored n×k in half
// precision (2·n·k little-endian bytes), A m×k and C m×n dense. nw = 0
// picks the goroutine count.
func gemmF16(m, n, k int, a []float32, b []byte, c []float32, accum bool, bias []float32, nw int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clearBias(m, n, c, accum, bias)
		return
	}
	nw, small := smallWorkers(m, n, k, nw)
	if small {
		gemmDotsF16(m, n, k, a, b, c, accum, bias, nw)
		return
	}
	src := denseA{a: a, lda: k, alpha: 1}
	bs := f16B{b: b, ldb: k}
	j := gemmJob{a: &src, b: &bs, m: m, n: n, k: k, c: c, ldc: n, accum: accum, bias: bias}
	j.run(nw)
}

// f16B is a transposed B operand (Bᵀ stored n×k, row stride ldb elements)
// in half precision: panels are widened to float32 as they are packed.
type f16B struct {
	b   []byte
	ldb int
}

func (f *f16B) packPanel(dst []float32, k0, kq, c0, w, nr int) {
	buf := getBuf(w * kq)
	rows := *buf
	for r := 0; r < w; r++ {
		s := (c0+r)*f.ldb + k0
		widenF16(rows[r*kq:(r+1)*kq], f.b[2*s:2*(s+kq)])
	}
	packPanels(dst, rows, kq, 0, w, 0, kq, nr, 1)
	putBuf(buf)
}

// gemmDotsF16 is gemmDots (alpha 1) for half-precision B: every row of A
// reads each block of 16 rows of B in place, converted in registers
// (dotsHalf); the block stays in L1 for the next row of A. Converting again
// per row measured faster on Zen 4 than widening the block once into
// scratch (m = 5 tiny logits, 2 threads: 3.0–3.9 ms against 4.6–5.7 ms,
// `go test -run '^$' -bench 'LinearTStored/F16/m=5$' ./whisper/kernel/`
// with each variant).
func gemmDotsF16(m, n, k int, a []float32, b []byte, c []float32, accum bool, bias []float32, nw int) {
	chunks, bound := dotChunks(n, nw)
	parallelFor(chunks, nw, func(t int) {
		j0, j1 := bound(t), bound(t+1)
		const jb = 16
		var out [jb]float32
		for j := j0; j < j1; j += jb {
			w := min(jb, j1-j)
			blk := b[2*j*k : 2*(j+w)*k]
			for i := 0; i < m; i++ {
				dotsHalf(out[:w], a[i*k:i*k+k], blk, k)
				storeRow(c[i*n+j:i*n+j+w], out[:w], bias, j, accum)
			}
		}
	})
}

// storeRow writes out (+ bias[j0:], + the existing row if accum) to crow.
func storeRow(crow, out, bias []float32, j0 int, accum bool) {
	for jj, v := range out {
		if bias != nil {
			v += bias[j0+jj]
		}
		if accum {
			v += crow[jj]
		}
		crow[jj] = v
	}
}

// widenF16 sets dst[i] to the float32 value of the little-endian half at
// src[2i:2i+2].
func widenF16(dst []float32, src []byte) {
	n := len(dst)
	src = src[:2*n]
	i := 0
	if f16simd && n >= 8 {
		i = n &^ 7
		widenF16AVX2(&dst[0], &src[0], i)
	}
	if i == n {
		return
	}
	t := halfTable()
	for ; i < n; i++ {
		dst[i] = t[binary.LittleEndian.Uint16(src[2*i:])]
	}
}

// halfTable returns the float32 value of every half-precision bit pattern
// (256 KiB, built on first use): the pure-Go conversion.
var halfTable = sync.OnceValue(func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for i := range t {
		t[i] = ggml.Float16ToFloat32(uint16(i))
	}
	return t
})
