package kernel

import (
	"encoding/binary"
	"math"
	"sync"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// Quantized weights (ggml's Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) are consumed in
// their 32-element blocks, as ggml's CPU backend does:
//
//   - Few rows of A (the decoder, gemmQuant's unpacked path): every row of
//     A is quantized per 32-block to 8 bits (ggml's quantize_row_q8_0 for
//     the _0 weight types, quantize_row_q8_1 for the _1 types), then each
//     output is Σ_blocks d_w·d_a·Σ q_w·q_a (+ m_w·s_a for the _1 types)
//     with the inner sums in integers (ggml_vec_dot_q*_q8_*).
//   - Many rows (the encoder): B panels are dequantized to float32 while
//     being packed and the float32 GEMM runs on them; A is not quantized.

// qk is the number of elements in a block of every quantized type.
const qk = 32

// quantKnown reports whether t is one of the block-quantized types the
// kernels read directly.
func quantKnown(t ggml.Type) bool {
	switch t {
	case ggml.Q4_0, ggml.Q4_1, ggml.Q5_0, ggml.Q5_1, ggml.Q8_0:
		return true
	}
	return false
}

// quantVNNI reports whether the integer block-dot routines (in use with
// the other F16 assembly, f16simd: AVX2, FMA, F16C) use AVX512-VNNI's
// VPDPBUSD on 256-bit vectors. Set by selectKernels.
var quantVNNI bool

// decodeRange dequantizes elements [off, off+len(dst)) of the blocks in raw
// (type t) into dst, exactly as ggml.Type.Decode.
func decodeRange(t ggml.Type, raw []byte, dst []float32, off int) {
	bb := t.BlockBytes()
	var tmp [qk]float32
	for len(dst) > 0 {
		b, in := off/qk, off%qk
		if in == 0 && len(dst) >= qk {
			nb := len(dst) / qk
			decodeBlocks(t, dst[:nb*qk], raw[b*bb:(b+nb)*bb])
			dst, off = dst[nb*qk:], off+nb*qk
			continue
		}
		decodeBlocks(t, tmp[:], raw[b*bb:(b+1)*bb])
		c := copy(dst, tmp[in:])
		dst, off = dst[c:], off+c
	}
}

// decodeBlocks dequantizes whole blocks; the lengths are the caller's
// invariant, so an error is a bug.
func decodeBlocks(t ggml.Type, dst []float32, src []byte) {
	if err := t.Decode(dst, src); err != nil {
		panic("kernel: " + err.Error())
	}
}

// actQ8 is m rows of k activations quantized per 32-block: qs the int8
// quants (row-major m×k), d each block's scale as ggml stores it (rounded
// to half precision, widened), s (Q8_1 only) the half-rounded d·Σqs.
type actQ8 struct {
	qs   []int8
	d, s []float32
	k    int
	// gq, gd, gs are the rows interleaved in groups (see interleave).
	gq     []int8
	gd, gs []float32
}

var actPool = sync.Pool{New: func() any { return new(actQ8) }}

// quantizeActs quantizes the m×k rows of a for weights of type t: Q8_1
// (with sums) for Q4_1 and Q5_1, Q8_0 otherwise. Release with actPool.Put.
func quantizeActs(t ggml.Type, a []float32, m, k int) *actQ8 {
	q := actPool.Get().(*actQ8)
	nb := m * k / qk
	if cap(q.qs) < m*k {
		q.qs = make([]int8, m*k)
	}
	if cap(q.d) < nb {
		q.d, q.s = make([]float32, nb), make([]float32, nb)
	}
	q.qs, q.d, q.s, q.k = q.qs[:m*k], q.d[:nb], q.s[:nb], k
	sums := t == ggml.Q4_1 || t == ggml.Q5_1
	quantizeRows(q.qs, q.d, q.s, a[:m*k], sums)
	return q
}

// row returns row i's quants, scales and sums.
func (q *actQ8) row(i int) ([]int8, []float32, []float32) {
	nb := q.k / qk
	return q.qs[i*q.k : (i+1)*q.k], q.d[i*nb : (i+1)*nb], q.s[i*nb : (i+1)*nb]
}

// quantizeRows quantizes x per 32-block as ggml's x86 quantize_row_q8_0
// (quantize_row_q8_1 with sums): d = max|x|/127 stored in half precision,
// q = x·(127/max|x|) rounded to nearest even, s = half(d·Σq).
func quantizeRows(qs []int8, d, s []float32, x []float32, sums bool) {
	for b := range d {
		xb := x[b*qk : b*qk+qk]
		var amax float32
		for _, v := range xb {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		db := amax / 127
		d[b] = roundHalf(db)
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		qb := qs[b*qk : b*qk+qk]
		sum := 0
		for j, v := range xb {
			r := math.RoundToEven(float64(v * id))
			r = max(-128, min(127, r))
			qb[j] = int8(r)
			sum += int(r)
		}
		if sums {
			s[b] = roundHalf(db * float32(sum))
		}
	}
}

// roundHalf rounds f to half precision and back.
func roundHalf(f float32) float32 { return ggml.Float16ToFloat32(ggml.Float32ToFloat16(f)) }

// halfAt reads the little-endian half at b[0:2] as float32.
func halfAt(b []byte) float32 { return halfTable()[binary.LittleEndian.Uint16(b)] }

// gemmQuant computes C (+)= A·Bᵀ (+ bias) for B n×k stored in quantized
// blocks (k a multiple of 32). nw = 0 picks the goroutine count.
func gemmQuant(m, n, k int, a []float32, w Weights, c []float32, accum bool, bias []float32, nw int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clearBias(m, n, c, accum, bias)
		return
	}
	nw, small := smallWorkers(m, n, k, nw)
	if !small {
		src := denseA{a: a, lda: k, alpha: 1}
		bs := quantB{t: w.typ, raw: w.raw, k: k}
		j := gemmJob{a: &src, b: &bs, m: m, n: n, k: k, c: c, ldc: n, accum: accum, bias: bias}
		j.run(nw)
		return
	}
	acts := quantizeActs(w.typ, a, m, k)
	defer actPool.Put(acts)
	// With the assembly, groups of na rows of A go through the
	// several-activations routine (each weight block unpacked once for
	// them), the rows left over one at a time.
	na, groups := 1, 0
	if f16simd && m > 1 {
		na = groupActs(w.typ)
		groups = m / na
		acts.interleave(na, groups)
	}
	rb := w.typ.RowBytes(k)
	nb := k / qk
	chunks, bound := dotChunks(n, nw)
	parallelFor(chunks, nw, func(t int) {
		j0, j1 := bound(t), bound(t+1)
		const jb = 16
		var out [4 * jb]float32
		for j := j0; j < j1; j += jb {
			nr := min(jb, j1-j)
			blk := w.raw[j*rb : (j+nr)*rb]
			for g := 0; g < groups; g++ {
				gq := acts.gq[g*na*k : (g+1)*na*k]
				gd := acts.gd[g*na*nb : (g+1)*na*nb]
				gs := acts.gs[g*na*nb : (g+1)*na*nb]
				quantDotsGroupAsm(w.typ, out[:], jb, blk, nr, gq, gd, gs)
				for r := 0; r < na; r++ {
					i := g*na + r
					storeRow(c[i*n+j:i*n+j+nr], out[r*jb:r*jb+nr], bias, j, accum)
				}
			}
			for i := groups * na; i < m; i++ {
				qs, d, s := acts.row(i)
				quantDots(w.typ, out[:nr], blk, rb, qs, d, s)
				storeRow(c[i*n+j:i*n+j+nr], out[:nr], bias, j, accum)
			}
		}
	})
}

// interleave copies the first groups·na rows into gq, gd, gs with each
// group's blocks interleaved: block b of the group's row r at
// gq[g·na·k + (b·na+r)·32:], its scale and sum at gd, gs[g·na·nb + b·na+r].
func (q *actQ8) interleave(na, groups int) {
	k, nb := q.k, q.k/qk
	if cap(q.gq) < groups*na*k {
		q.gq = make([]int8, groups*na*k)
	}
	if cap(q.gd) < groups*na*nb {
		q.gd, q.gs = make([]float32, groups*na*nb), make([]float32, groups*na*nb)
	}
	q.gq, q.gd, q.gs = q.gq[:groups*na*k], q.gd[:groups*na*nb], q.gs[:groups*na*nb]
	for g := 0; g < groups; g++ {
		for r := 0; r < na; r++ {
			qs, d, s := q.row(g*na + r)
			for b := 0; b < nb; b++ {
				o := g*na*nb + b*na + r
				copy(q.gq[o*qk:o*qk+qk], qs[b*qk:b*qk+qk])
				q.gd[o], q.gs[o] = d[b], s[b]
			}
		}
	}
}

// quantB is a transposed B operand (Bᵀ stored n×k) in quantized blocks:
// panels are dequantized to float32 as they are packed.
type quantB struct {
	t   ggml.Type
	raw []byte
	k   int
}

func (q *quantB) packPanel(dst []float32, k0, kq, c0, w, nr int) {
	b0, b1 := k0/qk, ceilDiv(k0+kq, qk)
	span := (b1 - b0) * qk
	buf := getBuf(w * span)
	rows := *buf
	rb, bb := q.t.RowBytes(q.k), q.t.BlockBytes()
	for r := 0; r < w; r++ {
		base := (c0 + r) * rb
		decodeBlocks(q.t, rows[r*span:(r+1)*span], q.raw[base+b0*bb:base+b1*bb])
	}
	packPanels(dst, rows, span, 0, w, k0-b0*qk, kq, nr, 1)
	putBuf(buf)
}

// quantDots sets out[r] = row r of w (row stride rb bytes, type t) dotted
// with one activation row quantized as qs, d, s.
func quantDots(t ggml.Type, out []float32, w []byte, rb int, qs []int8, d, s []float32) {
	if len(out) == 0 {
		return
	}
	if f16simd {
		quantDotsAsm(t, out, w, rb, qs, d, s)
		return
	}
	for r := range out {
		out[r] = dotRowGo(t, w[r*rb:(r+1)*rb], qs, d, s)
	}
}

// dotRowGo is one row's block dot product in Go (ggml's generic
// ggml_vec_dot_q*_q8_*): Σ_b d_w·d_a·Σ q_w·q_a (+ m_w·s_a).
func dotRowGo(t ggml.Type, w []byte, qs []int8, d, s []float32) float32 {
	var sum float32
	bb := t.BlockBytes()
	for b, da := range d {
		blk := w[b*bb : (b+1)*bb]
		x := qs[b*qk : b*qk+qk]
		dw := halfAt(blk)
		var sumi int32
		switch t {
		case ggml.Q8_0:
			q := blk[2 : 2+qk]
			for j := range qk {
				sumi += int32(int8(q[j])) * int32(x[j])
			}
		case ggml.Q4_0:
			q := blk[2 : 2+qk/2]
			for j := range qk / 2 {
				sumi += (int32(q[j]&15)-8)*int32(x[j]) + (int32(q[j]>>4)-8)*int32(x[j+qk/2])
			}
		case ggml.Q4_1:
			q := blk[4 : 4+qk/2]
			for j := range qk / 2 {
				sumi += int32(q[j]&15)*int32(x[j]) + int32(q[j]>>4)*int32(x[j+qk/2])
			}
		case ggml.Q5_0, ggml.Q5_1:
			o := 2
			if t == ggml.Q5_1 {
				o = 4
			}
			qh := binary.LittleEndian.Uint32(blk[o:])
			q := blk[o+4 : o+4+qk/2]
			off := int32(16)
			if t == ggml.Q5_1 {
				off = 0
			}
			for j := range qk / 2 {
				h0 := int32(qh>>j&1) << 4
				h1 := int32(qh>>(j+16)&1) << 4
				sumi += ((int32(q[j]&15)|h0)-off)*int32(x[j]) + ((int32(q[j]>>4)|h1)-off)*int32(x[j+qk/2])
			}
		}
		sum += float32(sumi) * (dw * da)
		if t == ggml.Q4_1 || t == ggml.Q5_1 {
			sum += halfAt(blk[2:]) * s[b]
		}
	}
	return sum
}
