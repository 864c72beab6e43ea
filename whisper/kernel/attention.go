package kernel

import (
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
)

// Attention tuning: query rows per task of the blocked path, and the largest
// nq handled by the per-query (decoder) path.
var (
	attnQB     = 48
	attnSmallQ = 4
)

// Attention computes multi-head scaled dot-product attention:
//
//	dst[i, h] = Σ_j softmax_j(q[i,h]·k[j,h] / √dHead) · v[j,h]
//
// q and dst are [nq][nHead·dHead], k and v are [nk][nHead·dHead] (head h
// occupies columns h·dHead … h·dHead+dHead-1 of every row). With causal set,
// query i may only attend to keys j ≤ i + (nk - nq), which is the usual causal
// mask when nq = nk and the KV-cache mask when nq new queries are appended to
// nk - nq cached keys; query rows with no visible key produce zeros.
//
// scratch may be nil; if it has at least AttentionScratchSize(nq, nk, nHead,
// dHead) floats it is used instead of internal pooled buffers. Work is split
// across heads and blocks of queries on up to Threads() goroutines.
func Attention(dst, q, k, v []float32, nq, nk, nHead, dHead int, causal bool, scratch []float32) {
	checkPositive("Attention", nHead, dHead)
	if nq < 0 || nk < 0 {
		panic(fmt.Sprintf("kernel: Attention: negative length nq=%d nk=%d", nq, nk))
	}
	d := nHead * dHead
	checkLen("Attention: q", q, nq*d)
	checkLen("Attention: k", k, nk*d)
	checkLen("Attention: v", v, nk*d)
	checkLen("Attention: dst", dst, nq*d)
	attention(dst, d, q, d, k, d, v, d, nq, nk, nHead, dHead, causal, scratch)
}

// AttentionLD is Attention for row-strided operands: row i of q starts at
// q[i*ldq], and likewise for k (ldk), v (ldv) and dst (ldd); each row holds
// at least nHead·dHead values. It lets q, k and v be read straight out of a
// fused QKV projection ([n][3·d] with ld = 3·d and the slices offset by 0, d
// and 2·d) or a KV cache with spare capacity per row.
func AttentionLD(dst []float32, ldd int, q []float32, ldq int, k []float32, ldk int, v []float32, ldv int, nq, nk, nHead, dHead int, causal bool, scratch []float32) {
	checkPositive("AttentionLD", nHead, dHead)
	if nq < 0 || nk < 0 {
		panic(fmt.Sprintf("kernel: AttentionLD: negative length nq=%d nk=%d", nq, nk))
	}
	d := nHead * dHead
	checkMat("AttentionLD: q", q, nq, d, ldq)
	checkMat("AttentionLD: k", k, nk, d, ldk)
	checkMat("AttentionLD: v", v, nk, d, ldv)
	checkMat("AttentionLD: dst", dst, nq, d, ldd)
	attention(dst, ldd, q, ldq, k, ldk, v, ldv, nq, nk, nHead, dHead, causal, scratch)
}

// attnPlan holds the scratch layout of the blocked attention path.
type attnPlan struct {
	qb, kPanels, vPanels, nkb, kcb int
	kSize, vSize, perWorker, nw    int
}

func planAttention(nq, nk, nHead, dHead int) attnPlan {
	mk := gemmKern
	var p attnPlan
	p.qb = max(attnQB/mk.mr, 1) * mk.mr
	p.qb = min(p.qb, ceilDiv(nq, mk.mr)*mk.mr)
	p.kPanels = ceilDiv(nk, mk.nr)
	p.vPanels = ceilDiv(dHead, mk.nr)
	p.nkb = max(ceilDiv(nk, kcMax), 1)
	p.kcb = ceilDiv(nk, p.nkb)
	p.kSize = p.kPanels * mk.nr * dHead
	p.vSize = p.vPanels * mk.nr * nk
	// S block and inverse row sums.
	p.perWorker = p.qb*nk + p.qb
	tasks := nHead * ceilDiv(nq, p.qb)
	p.nw = workersFor(4*float64(nq)*float64(nk)*float64(nHead*dHead)/gemmFlopsPerNs, tasks)
	return p
}

// AttentionScratchSize returns the number of float32s of scratch with which
// Attention (or AttentionLD) runs without taking buffers from its internal
// pool, given the current Threads() setting and CPU kernel.
func AttentionScratchSize(nq, nk, nHead, dHead int) int {
	if nq <= 0 || nk <= 0 {
		return 0
	}
	if nq <= attnSmallQ {
		return Threads() * (nk + dHead)
	}
	p := planAttention(nq, nk, nHead, dHead)
	return nHead*(p.kSize+p.vSize) + p.nw*p.perWorker
}

func attention(dst []float32, ldd int, q []float32, ldq int, k []float32, ldk int, v []float32, ldv int, nq, nk, nHead, dHead int, causal bool, scratch []float32) {
	if nq == 0 {
		return
	}
	if nk == 0 {
		for i := 0; i < nq; i++ {
			clear(dst[i*ldd : i*ldd+nHead*dHead])
		}
		return
	}
	scale := float32(1 / math.Sqrt(float64(dHead)))
	if nq <= attnSmallQ {
		attentionSmall(dst, ldd, q, ldq, k, ldk, v, ldv, nq, nk, nHead, dHead, causal, scale, scratch)
		return
	}
	attentionBlocked(dst, ldd, q, ldq, k, ldk, v, ldv, nq, nk, nHead, dHead, causal, scale, scratch)
}

// attentionSmall is the decoder path (a handful of new queries): per head and
// query, scores by dot products (eight keys at a time), softmax, and a
// weighted sum of value rows accumulated in registers.
func attentionSmall(dst []float32, ldd int, q []float32, ldq int, k []float32, ldk int, v []float32, ldv int, nq, nk, nHead, dHead int, causal bool, scale float32, scratch []float32) {
	nw := workersFor(4*float64(nq)*float64(nk)*float64(nHead*dHead)/smallFlopsPerNs, nHead)
	per := nk + dHead
	var pbuf *[]float32
	if len(scratch) < nw*per {
		pbuf = getBuf(nw * per)
		scratch = *pbuf
	}
	off := nk - nq
	// Each worker owns a slot of the scratch; heads are handed out
	// dynamically, so map goroutines to slots with a channel of slot ids.
	slots := make(chan int, nw)
	for i := 0; i < nw; i++ {
		slots <- i
	}
	parallelFor(nHead, nw, func(h int) {
		slot := <-slots
		defer func() { slots <- slot }()
		s := scratch[slot*per : slot*per+per]
		for i := 0; i < nq; i++ {
			o := dst[i*ldd+h*dHead : i*ldd+h*dHead+dHead]
			valid := nk
			if causal {
				valid = min(nk, i+off+1)
			}
			if valid <= 0 {
				clear(o)
				continue
			}
			qi := q[i*ldq+h*dHead : i*ldq+h*dHead+dHead]
			qs := s[nk : nk+dHead]
			for p, x := range qi {
				qs[p] = x * scale
			}
			sv := s[:valid]
			dots(sv, qs, k[h*dHead:], ldk)
			sum := expSub(sv, maxOf(sv))
			gemvT(o, sv, v[h*dHead:], ldv)
			Scale(o, float32(1/sum))
		}
	})
	if pbuf != nil {
		putBuf(pbuf)
	}
}

// attentionBlocked is the prefill/encoder path: K and V of every head are
// packed once into GEMM panels; then each task takes one head and a block of
// qb queries, computes the score block S = (Q·scale)·Kᵀ with the GEMM
// micro-kernel, applies the (masked) softmax row by row without normalising,
// computes P·V (reading P in place) straight into dst and finally divides each output row by its
// softmax sum.
func attentionBlocked(dst []float32, ldd int, q []float32, ldq int, k []float32, ldk int, v []float32, ldv int, nq, nk, nHead, dHead int, causal bool, scale float32, scratch []float32) {
	mk := gemmKern
	nr := mk.nr
	p := planAttention(nq, nk, nHead, dHead)
	need := nHead*(p.kSize+p.vSize) + p.nw*p.perWorker
	var pbuf *[]float32
	if len(scratch) < need {
		pbuf = getBuf(need)
		scratch = *pbuf
	}
	packedK := scratch[:nHead*p.kSize]
	packedV := scratch[nHead*p.kSize : nHead*(p.kSize+p.vSize)]
	work := scratch[nHead*(p.kSize+p.vSize):]

	// Tasks 0..nHead-1 pack K (as Bᵀ panels over dHead) and V (as B panels
	// over nk, in kcb-deep blocks) of one head; the (head, query block)
	// tasks that follow wait for their head's panels. One parallel section
	// avoids a second round of goroutine wake-ups.
	packHead := func(h int) {
		packPanels(packedK[h*p.kSize:(h+1)*p.kSize], k, ldk, 0, nk, h*dHead, dHead, nr, 1)
		pv := packedV[h*p.vSize : (h+1)*p.vSize]
		for b := 0; b < p.nkb; b++ {
			k0 := b * p.kcb
			kq := min(p.kcb, nk-k0)
			packCols(pv[k0*p.vPanels*nr:], v, ldv, k0, kq, h*dHead, dHead, nr)
		}
	}
	ready := make([]atomic.Bool, nHead)

	qBlocks := ceilDiv(nq, p.qb)
	off := nk - nq
	slots := make(chan int, p.nw)
	for i := 0; i < p.nw; i++ {
		slots <- i
	}
	parallelFor(nHead+nHead*qBlocks, p.nw, func(t int) {
		if t < nHead {
			packHead(t)
			ready[t].Store(true)
			return
		}
		t -= nHead
		for !ready[t%nHead].Load() {
			runtime.Gosched()
		}
		slot := <-slots
		defer func() { slots <- slot }()
		ws := wsPool.Get().(*workspace)
		defer wsPool.Put(ws)

		h, qbi := t%nHead, t/nHead
		i0 := qbi * p.qb
		rows := min(p.qb, nq-i0)
		wk := work[slot*p.perWorker : (slot+1)*p.perWorker]
		inv := wk[:p.qb]
		sBuf := wk[p.qb:]

		nv := nk
		if causal {
			nv = min(nk, i0+rows-1+off+1)
		}
		if nv <= 0 {
			for r := 0; r < rows; r++ {
				clear(dst[(i0+r)*ldd+h*dHead : (i0+r)*ldd+h*dHead+dHead])
			}
			return
		}
		ldS := nv
		S := sBuf[:rows*ldS]

		// S = (Q_h·scale)·K_hᵀ over the visible keys.
		qsrc := denseA{a: q[h*dHead:], lda: ldq, alpha: scale}
		gemmBlock(&mk, ws, &qsrc, i0, rows, 0, dHead, packedK[h*p.kSize:], dHead*nr, 0, ceilDiv(nv, nr), nv, S, 0, ldS, 0, nil)

		// Unnormalised softmax; masked entries become 0.
		for r := 0; r < rows; r++ {
			row := S[r*ldS : (r+1)*ldS]
			vr := nv
			if causal {
				vr = min(nk, i0+r+off+1)
			}
			if vr <= 0 {
				clear(row)
				inv[r] = 0
				continue
			}
			inv[r] = float32(1 / expSub(row[:vr], maxOf(row[:vr])))
			clear(row[vr:])
		}

		// O = P·V_h, accumulated over kcb-deep key blocks straight into dst.
		pvh := packedV[h*p.vSize:]
		ssrc := denseA{a: S, lda: ldS, alpha: 1}
		for b := 0; b < p.nkb; b++ {
			k0 := b * p.kcb
			if k0 >= nv {
				break
			}
			kq := min(p.kcb, nk-k0)
			flags := flagAccum
			if b == 0 {
				flags = 0
			}
			gemmBlock(&mk, ws, &ssrc, 0, rows, k0, min(kq, nv-k0), pvh[k0*p.vPanels*nr:], kq*nr, 0, p.vPanels, dHead, dst, i0*ldd+h*dHead, ldd, flags, nil)
		}
		for r := 0; r < rows; r++ {
			o := (i0+r)*ldd + h*dHead
			Scale(dst[o:o+dHead], inv[r])
		}
	})
	if pbuf != nil {
		putBuf(pbuf)
	}
}
