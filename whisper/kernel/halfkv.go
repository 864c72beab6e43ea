package kernel

import (
	"fmt"
	"math"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// HalfKV holds the keys and values that a decoder's cross-attention reads
// at every token of a window, in half precision as whisper.cpp keeps its
// cross-attention cache (whisper_kv_cache_init with the F16 itype): half
// the bytes of float32 streamed per token. Each head's block is contiguous:
// keys are [nHead][nk][dHead] and values are transposed, [nHead][dHead][ldv]
// with ldv = nk rounded up to 32 and the padding zero, so both products of
// a query (scores = K·q, output = Vᵀ·p) are row dots over one head's block
// (dotsHalf) and read it front to back.
//
// Products are computed in float32 from the stored halves; only the
// storage is rounded (to nearest even, as ggml_fp32_to_fp16).
type HalfKV struct {
	k, v             []byte
	nk, nHead, dHead int
	ldv              int
}

// halfSmallQ is the largest number of queries that Attend computes one at
// a time over the stored halves (a token step, the beams or samples of one
// job); more (a prompt) widen each head once and take the blocked path.
var halfSmallQ = 8

// NewHalfKV allocates the keys and values of nk positions for nHead heads
// of dHead values: 4·nk·nHead·dHead bytes (plus the values' padding).
func NewHalfKV(nk, nHead, dHead int) *HalfKV {
	checkPositive("NewHalfKV", nHead, dHead)
	if nk <= 0 {
		panic(fmt.Sprintf("kernel: NewHalfKV: nk=%d", nk))
	}
	ldv := ceilDiv(nk, 32) * 32
	return &HalfKV{
		k:  make([]byte, 2*nHead*nk*dHead),
		v:  make([]byte, 2*nHead*dHead*ldv),
		nk: nk, nHead: nHead, dHead: dHead, ldv: ldv,
	}
}

// Len is the number of positions (keys).
func (kv *HalfKV) Len() int { return kv.nk }

// Bytes is the size of the stored halves.
func (kv *HalfKV) Bytes() int64 { return int64(len(kv.k) + len(kv.v)) }

// ScratchSize is the number of float32s of scratch with which Attend runs
// a few queries without taking buffers from the kernel's pool, given the
// current Threads() setting.
func (kv *HalfKV) ScratchSize() int { return Threads() * (kv.ldv + kv.dHead) }

// Set stores positions r0 … r0+n-1: k and v hold n rows of nHead·dHead
// values each (a key and a value projection's output). tmp is scratch of
// at least n·nHead·dHead floats for the values' transpose.
func (kv *HalfKV) Set(k, v []float32, r0, n int, tmp []float32) {
	d, dh := kv.nHead*kv.dHead, kv.dHead
	if r0 < 0 || n < 0 || r0+n > kv.nk {
		panic(fmt.Sprintf("kernel: HalfKV.Set: rows %d…%d of %d", r0, r0+n, kv.nk))
	}
	checkLen("HalfKV.Set: k", k, n*d)
	checkLen("HalfKV.Set: v", v, n*d)
	if len(tmp) < n*d {
		panic(fmt.Sprintf("kernel: HalfKV.Set: tmp has length %d, want at least %d", len(tmp), n*d))
	}
	for r := range n {
		for h := range kv.nHead {
			o := 2 * ((h*kv.nk + r0 + r) * dh)
			narrowF16(kv.k[o:o+2*dh], k[r*d+h*dh:r*d+h*dh+dh])
		}
	}
	// Transpose the values to [d][n], then narrow each run of n.
	tmp = tmp[:n*d]
	for r := range n {
		row := v[r*d : r*d+d]
		for c, x := range row {
			tmp[c*n+r] = x
		}
	}
	for c := range d {
		h, j := c/dh, c%dh
		o := 2 * ((h*dh+j)*kv.ldv + r0)
		narrowF16(kv.v[o:o+2*n], tmp[c*n:c*n+n])
	}
}

// Keys sets dst, [nk][dHead], to head h's keys.
func (kv *HalfKV) Keys(h int, dst []float32) {
	n := kv.nk * kv.dHead
	checkLen("HalfKV.Keys: dst", dst, n)
	o := 2 * h * n
	widenF16(dst[:n], kv.k[o:o+2*n])
}

// Values sets dst, [nk][dHead], to head h's values.
func (kv *HalfKV) Values(h int, dst []float32) {
	nk, dh := kv.nk, kv.dHead
	checkLen("HalfKV.Values: dst", dst, nk*dh)
	buf := getBuf(nk)
	col := (*buf)[:nk]
	for j := range dh {
		o := 2 * ((h*dh + j) * kv.ldv)
		widenF16(col, kv.v[o:o+2*nk])
		for r, x := range col {
			dst[r*dh+j] = x
		}
	}
	putBuf(buf)
}

// Attend sets dst, nq rows of nHead·dHead, to the attention of the nq query
// rows of q over every stored position (no mask), as Attention computes it.
// scratch may be nil; with at least ScratchSize() floats it is used instead
// of pooled buffers for a few queries. A query's result does not depend on
// nq while nq ≤ halfSmallQ.
func (kv *HalfKV) Attend(dst, q []float32, nq int, scratch []float32) {
	d := kv.nHead * kv.dHead
	if nq < 0 {
		panic(fmt.Sprintf("kernel: HalfKV.Attend: nq=%d", nq))
	}
	checkLen("HalfKV.Attend: q", q, nq*d)
	checkLen("HalfKV.Attend: dst", dst, nq*d)
	if nq == 0 {
		return
	}
	if nq > halfSmallQ {
		kv.attendWide(dst, q, nq)
		return
	}
	nk, dh, ldv := kv.nk, kv.dHead, kv.ldv
	scale := float32(1 / math.Sqrt(float64(dh)))
	// 2 bytes per key and value element against smallFlopsPerNs's 8 bytes
	// per multiply-add of float32.
	nw := workersFor(4*float64(nq)*float64(nk)*float64(d)/smallFlopsPerNs, kv.nHead)
	per := ldv + dh
	var pbuf *[]float32
	if len(scratch) < nw*per {
		pbuf = getBuf(nw * per)
		scratch = *pbuf
	}
	slots := make(chan int, nw)
	for i := range nw {
		slots <- i
	}
	parallelFor(kv.nHead, nw, func(h int) {
		slot := <-slots
		defer func() { slots <- slot }()
		s := scratch[slot*per : slot*per+per]
		p, qs := s[:ldv], s[ldv:ldv+dh]
		clear(p[nk:])
		kh := kv.k[2*h*nk*dh : 2*(h+1)*nk*dh]
		vh := kv.v[2*h*dh*ldv : 2*(h+1)*dh*ldv]
		for i := range nq {
			for c, x := range q[i*d+h*dh : i*d+h*dh+dh] {
				qs[c] = x * scale
			}
			dotsHalf(p[:nk], qs, kh, dh)
			sum := expSub(p[:nk], maxOf(p[:nk]))
			o := dst[i*d+h*dh : i*d+h*dh+dh]
			dotsHalf(o, p, vh, ldv)
			Scale(o, float32(1/sum))
		}
	})
	if pbuf != nil {
		putBuf(pbuf)
	}
}

// attendWide is Attend for many queries: each head's keys and values are
// widened to float32 once and the blocked attention path runs on them.
func (kv *HalfKV) attendWide(dst, q []float32, nq int) {
	d, nk, dh := kv.nHead*kv.dHead, kv.nk, kv.dHead
	buf := getBuf(2 * nk * dh)
	kw, vw := (*buf)[:nk*dh], (*buf)[nk*dh:2*nk*dh]
	for h := range kv.nHead {
		kv.Keys(h, kw)
		kv.Values(h, vw)
		attention(dst[h*dh:], d, q[h*dh:], d, kw, dh, vw, dh, nq, nk, 1, dh, false, nil)
	}
	putBuf(buf)
}

// narrowF16 sets dst (2·len(src) bytes) to src as little-endian halves,
// rounded to nearest even.
func narrowF16(dst []byte, src []float32) {
	n := len(src)
	dst = dst[:2*n]
	i := 0
	if f16simd && n >= 8 {
		i = n &^ 7
		narrowF16AVX2(&dst[0], &src[0], i)
	}
	for ; i < n; i++ {
		h := ggml.Float32ToFloat16(src[i])
		dst[2*i], dst[2*i+1] = byte(h), byte(h>>8)
	}
}
