package kernel

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Cache blocking parameters. kcMax bounds the depth of a packed k block (the
// B micro-panel kc×nr then stays in L1), mcMax the number of rows of a packed
// A block (kept in L2), bBudget the number of floats of B packed at once
// (kept in L3). They are variables so benchmarks can tune them.
var (
	kcMax   = 384
	mcMax   = 120
	bBudget = 1 << 21
	// smallM is the largest m handled by the unpacked dot/axpy paths; for
	// transposed B with k ≤ 512 the dot path stays ahead of packing B up to
	// smallMDots rows (measured on Zen 4).
	smallM     = 16
	smallMDots = 48
)

// useSmallPath reports whether the unpacked path should handle an m-row
// product (packing B costs about as much as m ≈ 16-48 rows of compute).
func useSmallPath(transB bool, m, k int) bool {
	if !transB {
		return m <= min(smallM, 4)
	}
	return m <= smallM || (m <= smallMDots && k <= 512)
}

// aSource is the A operand of the GEMM driver. It lets Conv1D feed an
// implicit im2col matrix into the same driver as a dense matrix.
type aSource interface {
	// pack packs logical rows [i0, i0+mc) and columns [p0, p0+kc) into
	// mr-row panels: dst[(i/mr)*kc*mr + p*mr + i%mr]; rows past mc in the
	// last panel are zero-filled. Values are scaled by the source's alpha.
	pack(dst []float32, i0, mc, p0, kc, mr int)
	// direct reports whether rows [i, i+rows) can be read in place: element
	// (i+r, p) is then base[off + r*lda + p], to be scaled by alpha.
	direct(i, rows int) (off int, ok bool)
	// layout returns the backing array, row stride and scale used by direct.
	layout() (base []float32, lda int, alpha float32)
}

// denseA is a row-major matrix scaled by alpha.
type denseA struct {
	a     []float32
	lda   int
	alpha float32
}

func (d *denseA) pack(dst []float32, i0, mc, p0, kc, mr int) {
	packPanels(dst, d.a, d.lda, i0, mc, p0, kc, mr, d.alpha)
}

func (d *denseA) direct(i, rows int) (int, bool) { return i * d.lda, true }

func (d *denseA) layout() ([]float32, int, float32) { return d.a, d.lda, d.alpha }

// bSource is the B operand of the GEMM driver: logical op(B) is k×n.
type bSource interface {
	// packPanel packs logical rows [k0, k0+kq) and columns [c0, c0+w) of
	// op(B) into one nr-wide panel dst[p*nr+j], zero-padding columns ≥ w.
	packPanel(dst []float32, k0, kq, c0, w, nr int)
}

// denseB is a row-major B (k×n) or, with trans, Bᵀ stored as n×k.
type denseB struct {
	b     []float32
	ldb   int
	trans bool
}

func (d *denseB) packPanel(dst []float32, k0, kq, c0, w, nr int) {
	if d.trans {
		packPanels(dst, d.b, d.ldb, c0, w, k0, kq, nr, 1)
	} else {
		packCols(dst, d.b, d.ldb, k0, kq, c0, w, nr)
	}
}

// workspace is per-goroutine GEMM scratch.
type workspace struct {
	a    []float32
	offs []int
	tmp  [maxMR * maxNR]float32
}

var wsPool = sync.Pool{New: func() any { return new(workspace) }}

func (ws *workspace) abuf(n int) []float32 {
	if cap(ws.a) < n {
		ws.a = make([]float32, n)
	}
	return ws.a[:n]
}

func (ws *workspace) offsets(n int) []int {
	if cap(ws.offs) < n {
		ws.offs = make([]int, n)
	}
	return ws.offs[:n]
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Gemm computes C = alpha·A·op(B) + beta·C, where A is m×k (row stride lda),
// op(B) is B (k×n, row stride ldb) if transB is false or Bᵀ for B stored as
// n×k (row stride ldb) if transB is true, and C is m×n (row stride ldc). All
// matrices are row-major. When beta is 0, C is not read (NaNs in C are
// ignored). Gemm uses up to Threads() goroutines for large products.
func Gemm(transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	checkGemm(transB, m, n, k, a, lda, b, ldb, c, ldc)
	gemm(transB, m, n, k, a, lda, b, ldb, c, ldc, alpha, beta, nil, 0)
}

// MatMulT computes dst = a·bᵀ where a is m×k, b is n×k and dst is m×n, all
// dense row-major. This is the layout of a linear layer: activations
// [tokens][in] times weights [out][in].
func MatMulT(dst, a, b []float32, m, n, k int) {
	checkLen("MatMulT: a", a, m*k)
	checkLen("MatMulT: b", b, n*k)
	checkLen("MatMulT: dst", dst, m*n)
	gemm(true, m, n, k, a, k, b, k, dst, n, 1, 0, nil, 0)
}

// MatMulTBias computes dst = a·bᵀ + bias, adding bias (length n) to every
// row; a is m×k, b is n×k, dst is m×n. The bias add is fused into the GEMM.
func MatMulTBias(dst, a, b, bias []float32, m, n, k int) {
	checkLen("MatMulTBias: a", a, m*k)
	checkLen("MatMulTBias: b", b, n*k)
	checkLen("MatMulTBias: dst", dst, m*n)
	checkLen("MatMulTBias: bias", bias, n)
	gemm(true, m, n, k, a, k, b, k, dst, n, 1, 0, bias[:n], 0)
}

// MatMulTBiasAdd computes dst += a·bᵀ + bias (bias may be nil): a is m×k,
// b is n×k, dst is m×n. It fuses a transformer residual connection
// (x += Linear(h)) into the GEMM, saving a pass over dst.
func MatMulTBiasAdd(dst, a, b, bias []float32, m, n, k int) {
	checkLen("MatMulTBiasAdd: a", a, m*k)
	checkLen("MatMulTBiasAdd: b", b, n*k)
	checkLen("MatMulTBiasAdd: dst", dst, m*n)
	if bias != nil {
		checkLen("MatMulTBiasAdd: bias", bias, n)
	}
	gemm(true, m, n, k, a, k, b, k, dst, n, 1, 1, bias, 0)
}

// MatMul computes dst = a·b where a is m×k, b is k×n and dst is m×n, all
// dense row-major (e.g. attention probabilities times values).
func MatMul(dst, a, b []float32, m, n, k int) {
	checkLen("MatMul: a", a, m*k)
	checkLen("MatMul: b", b, k*n)
	checkLen("MatMul: dst", dst, m*n)
	gemm(false, m, n, k, a, k, b, n, dst, n, 1, 0, nil, 0)
}

func checkLen(what string, s []float32, n int) {
	if len(s) != n {
		panic(fmt.Sprintf("kernel: %s has length %d, want %d", what, len(s), n))
	}
}

func checkMat(what string, s []float32, rows, cols, ld int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernel: %s: negative dimension %d×%d", what, rows, cols))
	}
	if ld < cols {
		panic(fmt.Sprintf("kernel: %s: leading dimension %d < %d columns", what, ld, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("kernel: %s: length %d < %d needed for %d×%d with stride %d", what, len(s), need, rows, cols, ld))
	}
}

func checkGemm(transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkMat("Gemm: a", a, m, k, lda)
	if transB {
		checkMat("Gemm: b", b, n, k, ldb)
	} else {
		checkMat("Gemm: b", b, k, n, ldb)
	}
	checkMat("Gemm: c", c, m, n, ldc)
}

// gemm is the unchecked entry point. bias (nil or length ≥ n) is added to
// every row. nw is the number of goroutines to use; 0 picks automatically.
func gemm(transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, bias []float32, nw int) {
	if m == 0 || n == 0 {
		return
	}
	accum := false
	switch beta {
	case 0:
	case 1:
		accum = true
	default:
		for i := 0; i < m; i++ {
			Scale(c[i*ldc:i*ldc+n], beta)
		}
		accum = true
	}
	if k == 0 || alpha == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if !accum {
				clear(row)
			}
			if bias != nil {
				Add(row, bias[:n])
			}
		}
		return
	}
	if nw <= 0 {
		rate := float64(gemmFlopsPerNs)
		if useSmallPath(transB, m, k) {
			rate = smallFlopsPerNs
		}
		nw = workersFor(2*float64(m)*float64(n)*float64(k)/rate, max(m, ceilDiv(n, 16)))
	}
	if useSmallPath(transB, m, k) {
		if transB {
			gemmDots(m, n, k, a, lda, b, ldb, c, ldc, alpha, accum, bias, nw)
		} else {
			gemmAxpy(m, n, k, a, lda, b, ldb, c, ldc, alpha, accum, bias, nw)
		}
		return
	}
	src := denseA{a: a, lda: lda, alpha: alpha}
	bs := denseB{b: b, ldb: ldb, trans: transB}
	j := gemmJob{a: &src, b: &bs, m: m, n: n, k: k, c: c, ldc: ldc, accum: accum, bias: bias}
	j.run(nw)
}

// gemmJob is one packed GEMM: C (+)= A·op(B) (+ bias).
type gemmJob struct {
	a       aSource
	b       bSource
	m, n, k int
	c       []float32
	ldc     int
	accum   bool
	bias    []float32
}

func (g *gemmJob) run(nw int) {
	mk := gemmKern
	mr, nr := mk.mr, mk.nr
	m, n, k := g.m, g.n, g.k

	nkb := ceilDiv(k, kcMax)
	kcb := ceilDiv(k, nkb)

	ncMax := bBudget / k / nr * nr
	if ncMax < nr {
		ncMax = nr
	}

	// Row blocking: a multiple of nw blocks of at most mcMax rows.
	mcLim := max(mcMax/mr*mr, mr)
	rb := ceilDiv(m, mcLim)
	if nw > 1 && rb%nw != 0 {
		rb += nw - rb%nw
	}
	mc := ceilDiv(ceilDiv(m, rb), mr) * mr
	rb = ceilDiv(m, mc)

	for jc := 0; jc < n; jc += ncMax {
		nc := min(ncMax, n-jc)
		panels := ceilDiv(nc, nr)
		pbuf := getBuf(panels * nr * k)
		pb := *pbuf

		// Pack B: all k blocks of a range of panels per task. Block q
		// starts at k0*panels*nr; panel jp of it at jp*kq*nr.
		packTasks := min(nw, panels)
		packB := func(t int) {
			p0, p1 := t*panels/packTasks, (t+1)*panels/packTasks
			for q := 0; q < nkb; q++ {
				k0 := q * kcb
				kq := min(kcb, k-k0)
				blk := pb[k0*panels*nr:]
				for jp := p0; jp < p1; jp++ {
					col := jc + jp*nr
					g.b.packPanel(blk[jp*kq*nr:(jp+1)*kq*nr], k0, kq, col, min(nr, n-col), nr)
				}
			}
		}

		cc := 1
		if rb < nw {
			cc = min(panels, ceilDiv(nw, rb))
		}
		var bias []float32
		if g.bias != nil {
			bias = g.bias[jc:]
		}
		compute := func(t int) {
			ib, ci := t/cc, t%cc
			i0 := ib * mc
			rows := min(mc, m-i0)
			pan0, pan1 := ci*panels/cc, (ci+1)*panels/cc
			ws := wsPool.Get().(*workspace)
			for q := 0; q < nkb; q++ {
				k0 := q * kcb
				kq := min(kcb, k-k0)
				flags := flagAccum
				if q == 0 {
					flags = 0
					if g.accum {
						flags = flagAccum
					}
					if bias != nil {
						flags |= flagBias
					}
				}
				gemmBlock(&mk, ws, g.a, i0, rows, k0, kq, pb[k0*panels*nr:], kq*nr, pan0, pan1, nc, g.c, i0*g.ldc+jc, g.ldc, flags, bias)
			}
			wsPool.Put(ws)
		}

		// One parallel section for both phases (each goroutine start costs
		// a thread wake-up): tasks are handed out in order, so every pack
		// task has been claimed before the first compute task, which waits
		// for them to finish.
		var packed atomic.Int64
		parallelFor(packTasks+rb*cc, nw, func(t int) {
			if t < packTasks {
				packB(t)
				packed.Add(1)
				return
			}
			for packed.Load() < int64(packTasks) {
				runtime.Gosched()
			}
			compute(t - packTasks)
		})
		putBuf(pbuf)
	}
}

// gemmBlock computes rows [i0, i0+rows) × k-range [k0, k0+kc) of A times
// the packed B panels [pan0, pan1) (panel stride bStride floats; the first kc
// rows of each panel are used), writing into c at offset cOff (row stride
// ldc) with the given flags. ncols is the number of valid columns counted
// from panel 0; bias, if flags&flagBias, is indexed from panel 0 as well.
// Full mr-row panels that the source can expose in place use the direct
// micro-kernel; the others are packed into ws.
func gemmBlock(mk *microKernel, ws *workspace, src aSource, i0, rows, k0, kc int, pb []float32, bStride, pan0, pan1, ncols int, c []float32, cOff, ldc, flags int, bias []float32) {
	mr, nr := mk.mr, mk.nr
	np := ceilDiv(rows, mr)
	offs := ws.offsets(np)
	var pa []float32
	for ip := 0; ip < np; ip++ {
		h := min(mr, rows-ip*mr)
		if mk.direct != nil && h == mr {
			if off, ok := src.direct(i0+ip*mr, mr); ok {
				offs[ip] = off + k0
				continue
			}
		}
		offs[ip] = -1
		if pa == nil {
			pa = ws.abuf(np * mr * kc)
		}
		src.pack(pa[ip*kc*mr:(ip+1)*kc*mr], i0+ip*mr, h, k0, kc, mr)
	}
	base, lda, alpha := src.layout()
	dflags := flags
	if alpha != 1 {
		dflags |= flagAlpha
	}

	for jp := pan0; jp < pan1; jp++ {
		j := jp * nr
		nrb := min(nr, ncols-j)
		bp := &pb[jp*bStride]
		var bptr *float32
		if flags&flagBias != 0 && nrb == nr {
			bptr = &bias[j]
		}
		for ip := 0; ip < np; ip++ {
			mrb := min(mr, rows-ip*mr)
			off := cOff + ip*mr*ldc + j
			full := mrb == mr && nrb == nr
			if o := offs[ip]; o >= 0 {
				if full {
					mk.direct(kc, &base[o], lda, bp, &c[off], ldc, dflags, bptr, alpha)
					continue
				}
				mk.direct(kc, &base[o], lda, bp, &ws.tmp[0], nr, dflags&flagAlpha, nil, alpha)
			} else {
				ap := &pa[ip*kc*mr]
				if full {
					mk.fn(kc, ap, bp, &c[off], ldc, flags, bptr)
					continue
				}
				mk.fn(kc, ap, bp, &ws.tmp[0], nr, 0, nil)
			}
			for r := 0; r < mrb; r++ {
				crow := c[off+r*ldc : off+r*ldc+nrb]
				trow := ws.tmp[r*nr : r*nr+nrb]
				for jj := range crow {
					v := trow[jj]
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

// packPanels packs rows [r0, r0+rows) × columns [p0, p0+kc) of the row-major
// matrix src (row stride ld), scaled by alpha, into w-row panels:
// dst[(r/w)*kc*w + p*w + r%w]. The last panel is zero-padded to w rows.
func packPanels(dst, src []float32, ld, r0, rows, p0, kc, w int, alpha float32) {
	for ip := 0; ip < rows; ip += w {
		h := min(w, rows-ip)
		d := dst[(ip/w)*kc*w : (ip/w+1)*kc*w]
		base := (r0+ip)*ld + p0
		if h == w && w == 16 && alpha == 1 {
			pack16(d, src, base, ld, kc)
			continue
		}
		if h == w && w == 32 && alpha == 1 && simd && kc >= 8 {
			pack32(d, src, base, ld, kc)
			continue
		}
		for r := 0; r < h; r++ {
			s := src[base+r*ld : base+r*ld+kc]
			for p, v := range s {
				d[p*w+r] = v * alpha
			}
		}
		for r := h; r < w; r++ {
			for p := 0; p < kc; p++ {
				d[p*w+r] = 0
			}
		}
	}
}

// pack32 packs 32 rows (kc ≥ 8) into a B panel dst[p*32+r] = src[base+r*ld+p]
// with 8×8 transposes, the last kc%8 columns element by element.
func pack32(d, src []float32, base, ld, kc int) {
	_ = src[base+31*ld+kc-1]
	_ = d[32*kc-1]
	p0 := kc &^ 7
	for r0 := 0; r0 < 32; r0 += 8 {
		transpose8AVX2(&d[r0], 32, &src[base+r0*ld], ld, p0/8)
	}
	for r := 0; r < 32; r++ {
		s := src[base+r*ld : base+r*ld+kc]
		for p := p0; p < kc; p++ {
			d[p*32+r] = s[p]
		}
	}
}

func pack16(d, src []float32, base, ld, kc int) {
	_ = src[base+15*ld+kc-1]
	_ = d[16*kc-1]
	p0 := 0
	if simd && kc >= 8 {
		p0 = kc &^ 7
		pack16TAVX2(&d[0], &src[base], ld, p0)
		if p0 == kc {
			return
		}
	}
	for r0 := 0; r0 < 16; r0 += 4 {
		s0 := src[base+r0*ld : base+r0*ld+kc]
		s1 := src[base+(r0+1)*ld : base+(r0+1)*ld+kc]
		s2 := src[base+(r0+2)*ld : base+(r0+2)*ld+kc]
		s3 := src[base+(r0+3)*ld : base+(r0+3)*ld+kc]
		dd := d[r0 : 16*kc]
		for p := p0; p < kc; p++ {
			o := p * 16
			e := dd[o : o+4 : o+4]
			e[0] = s0[p]
			e[1] = s1[p]
			e[2] = s2[p]
			e[3] = s3[p]
		}
	}
}

// packCols packs rows [p0, p0+kc) × columns [c0, c0+cols) of the row-major
// matrix src (row stride ld) into w-column panels: dst[(j/w)*kc*w + p*w + j%w],
// zero-padding the last panel to w columns.
func packCols(dst, src []float32, ld, p0, kc, c0, cols, w int) {
	for jp := 0; jp < cols; jp += w {
		h := min(w, cols-jp)
		d := dst[(jp/w)*kc*w : (jp/w+1)*kc*w]
		for p := 0; p < kc; p++ {
			s := (p0+p)*ld + c0 + jp
			copy(d[p*w:p*w+h], src[s:s+h])
			clear(d[p*w+h : p*w+w])
		}
	}
}
