package kernel

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// quantTypes are the block-quantized types the kernels read directly.
var quantTypes = []ggml.Type{ggml.Q8_0, ggml.Q4_0, ggml.Q4_1, ggml.Q5_0, ggml.Q5_1}

// qmat is a rows×cols quantized matrix built from known parts: element
// (r, c) is d·(q − off) (+ m for the _1 types), with q the integer quant.
type qmat struct {
	t          ggml.Type
	raw        []byte // the ggml blocks, starting at an odd address
	q          []int  // every element's quant, already minus the type's offset
	d, m       []float64
	rows, cols int
}

// newQmat writes random blocks in ggml's layout by hand, then checks them
// against ggml.Type.Decode, so the layout is ggml's and q, d, m are the
// blocks' exact contents.
func newQmat(tb testing.TB, t ggml.Type, rows, cols int, seed uint64) *qmat {
	tb.Helper()
	r := newRand(seed)
	nb := rows * cols / qk
	bb := t.BlockBytes()
	buf := make([]byte, 1+nb*bb)
	q := &qmat{t: t, raw: buf[1:], q: make([]int, rows*cols), d: make([]float64, nb), m: make([]float64, nb), rows: rows, cols: cols}
	half := func(b []byte, lo, hi float64) float64 {
		h := ggml.Float32ToFloat16(float32(lo + r.Float64()*(hi-lo)))
		binary.LittleEndian.PutUint16(b, h)
		return float64(ggml.Float16ToFloat32(h))
	}
	for b := 0; b < nb; b++ {
		blk := q.raw[b*bb : (b+1)*bb]
		q.d[b] = half(blk, 0.001, 0.05)
		x := q.q[b*qk : b*qk+qk]
		switch t {
		case ggml.Q8_0:
			for j := range x {
				x[j] = r.IntN(255) - 127
				blk[2+j] = byte(int8(x[j]))
			}
		case ggml.Q4_0, ggml.Q4_1:
			o := 2
			if t == ggml.Q4_1 {
				q.m[b] = half(blk[2:], -0.2, 0.2)
				o = 4
			}
			for j := range qk / 2 {
				lo, hi := r.IntN(16), r.IntN(16)
				blk[o+j] = byte(lo | hi<<4)
				x[j], x[j+16] = lo, hi
			}
			if t == ggml.Q4_0 {
				for j := range x {
					x[j] -= 8
				}
			}
		case ggml.Q5_0, ggml.Q5_1:
			o := 2
			if t == ggml.Q5_1 {
				q.m[b] = half(blk[2:], -0.2, 0.2)
				o = 4
			}
			var qh uint32
			for j := range qk / 2 {
				lo, hi := r.IntN(32), r.IntN(32)
				blk[o+4+j] = byte(lo&15 | (hi&15)<<4)
				qh |= uint32(lo>>4)<<j | uint32(hi>>4)<<(j+16)
				x[j], x[j+16] = lo, hi
			}
			binary.LittleEndian.PutUint32(blk[o:], qh)
			if t == ggml.Q5_0 {
				for j := range x {
					x[j] -= 16
				}
			}
		}
	}
	dec := make([]float32, rows*cols)
	if err := t.Decode(dec, q.raw); err != nil {
		tb.Fatal(err)
	}
	for i, v := range dec {
		b := i / qk
		want := float32(float32(q.q[i]) * float32(q.d[b]))
		if t == ggml.Q4_1 || t == ggml.Q5_1 {
			want = float32(want + float32(q.m[b]))
		}
		if v != want {
			tb.Fatalf("%v: element %d decodes to %g, built as %g", t, i, v, want)
		}
	}
	return q
}

func (q *qmat) weights(tb testing.TB) Weights {
	w, err := StoredWeights(q.t, q.raw, q.rows, q.cols)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// refActs quantizes one row as ggml's x86 quantize_row_q8_0/q8_1 do,
// written out from their definition independently of quantizeRows: per
// block, d = max|x|/127 (stored as half), q = round-half-even(x·127/max),
// s = half(d·Σq).
func refActs(x []float32) (q []int, d, s []float64) {
	for b := 0; b < len(x)/qk; b++ {
		var amax float32
		for _, v := range x[b*qk : b*qk+qk] {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax = a
			}
		}
		db := amax / 127
		id := float32(0)
		if amax != 0 {
			id = 127 / amax
		}
		sum := 0
		for _, v := range x[b*qk : b*qk+qk] {
			p := v * id
			f := math.Floor(float64(p))
			if diff := float64(p) - f; diff > 0.5 || diff == 0.5 && int64(f)%2 != 0 {
				f++
			}
			q = append(q, int(f))
			sum += int(f)
		}
		d = append(d, float64(roundHalf(db)))
		s = append(s, float64(roundHalf(db*float32(sum))))
	}
	return q, d, s
}

// refQuantDot is ggml's block dot in float64: Σ_b d_w·d_a·Σ q_w·q_a
// (+ m_w·s_a), and the sum of the terms' magnitudes for error bounds.
func refQuantDot(w *qmat, row int, q []int, d, s []float64) (float64, float64) {
	var sum, mag float64
	nb := w.cols / qk
	for b := 0; b < nb; b++ {
		wb := row*nb + b
		sumi := 0
		for j := 0; j < qk; j++ {
			sumi += w.q[wb*qk+j] * q[b*qk+j]
		}
		v := w.d[wb] * d[b] * float64(sumi)
		sum += v
		mag += math.Abs(v)
		if w.t == ggml.Q4_1 || w.t == ggml.Q5_1 {
			sum += w.m[wb] * s[b]
			mag += math.Abs(w.m[wb] * s[b])
		}
	}
	return sum, mag
}

// TestQuantizeRows checks the activation quantization on hand-made
// blocks: ties to even, the zero block, half-rounded scales and sums.
func TestQuantizeRows(t *testing.T) {
	x := make([]float32, 2*qk)
	x[0] = 127 // scale d = 1
	x[1], x[2], x[3], x[4] = 2.5, 3.5, -2.5, -0.5
	x[5] = 100.49
	// block 1 is all zeros
	qs, d, s := make([]int8, 2*qk), make([]float32, 2), make([]float32, 2)
	quantizeRows(qs, d, s, x, true)
	want := []int8{127, 2, 4, -2, 0, 100}
	for i, w := range want {
		if qs[i] != w {
			t.Errorf("q[%d] = %d, want %d", i, qs[i], w)
		}
	}
	if d[0] != 1 || d[1] != 0 || s[0] != 231 || s[1] != 0 {
		t.Errorf("d = %v, s = %v; want [1 0], [231 0]", d, s)
	}
	r := newRand(3)
	x = randSlice(r, 40*qk)
	for i := range x {
		x[i] *= float32(1 + i/qk) // blocks of different scales
	}
	qs, d, s = make([]int8, len(x)), make([]float32, 40), make([]float32, 40)
	quantizeRows(qs, d, s, x, true)
	rq, rd, rs := refActs(x)
	for i := range qs {
		if int(qs[i]) != rq[i] {
			t.Fatalf("q[%d] = %d, want %d", i, qs[i], rq[i])
		}
	}
	for b := range d {
		if float64(d[b]) != rd[b] || float64(s[b]) != rs[b] {
			t.Fatalf("block %d: d %g s %g, want %g %g", b, d[b], s[b], rd[b], rs[b])
		}
	}
}

// quantShapes are m×n×k products for the quantized paths: one row (the
// decoder), beams, the small path's limits and packed GEMMs, with n not a
// multiple of 16 and k not a multiple of the GEMM's k blocks.
var quantShapes = [][3]int{
	{1, 1, 32}, {1, 37, 64}, {1, 130, 384}, {2, 33, 96}, {5, 70, 128}, {11, 45, 64},
	{16, 17, 64}, {17, 40, 384}, {48, 20, 512}, {49, 19, 64}, {60, 35, 416},
	{130, 50, 800},
}

// TestLinearTQuant checks every quantized type on both paths against
// float64 references: the few-rows path against ggml's block dot of the
// quantized activations, the packed path against the exact product of the
// dequantized weights and the float32 activations. Weights start at an
// odd address. The assembly runs with and without VNNI (where the CPU has
// it), one activation row and groups of them.
func TestLinearTQuant(t *testing.T) {
	defer selectKernels(true)
	for _, typ := range quantTypes {
		for _, vnni := range []bool{true, false} {
			if vnni && !haveVNNI {
				continue
			}
			t.Run(fmt.Sprintf("%v/vnni=%v", typ, vnni), func(t *testing.T) {
				testLinearTQuant(t, typ, vnni)
			})
		}
	}
}

func testLinearTQuant(t *testing.T, typ ggml.Type, vnni bool) {
	gemmPaths(t, func(t *testing.T) {
		if f16simd {
			quantVNNI = vnni
		}
		for i, s := range quantShapes {
			m, n, k := s[0], s[1], s[2]
			r := newRand(uint64(100 + i))
			a := randSlice(r, m*k)
			wq := newQmat(t, typ, n, k, uint64(200+i))
			bias := randSlice(r, n)
			c := randSlice(r, m*n)
			c0 := append([]float32(nil), c...)
			accum := i%2 == 1
			if accum {
				LinearTAdd(c, a, wq.weights(t), bias, m, n, k)
			} else {
				LinearT(c, a, wq.weights(t), bias, m, n, k)
			}
			checkQuant(t, fmt.Sprint(s), wq, a, c, c0, bias, m, n, k, accum)
		}
	})
}

// checkQuant compares c with the reference of the path m×k takes.
func checkQuant(t *testing.T, name string, wq *qmat, a, c, c0, bias []float32, m, n, k int, accum bool) {
	t.Helper()
	small := useSmallPath(true, m, k)
	wide := make([]float32, n*k)
	if err := wq.t.Decode(wide, wq.raw); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < m; i++ {
		q, d, s := refActs(a[i*k : i*k+k])
		for j := 0; j < n; j++ {
			var ref, mag float64
			if small {
				ref, mag = refQuantDot(wq, j, q, d, s)
			} else {
				for p := 0; p < k; p++ {
					v := float64(a[i*k+p]) * float64(wide[j*k+p])
					ref += v
					mag += math.Abs(v)
				}
			}
			ref += float64(bias[j])
			mag += math.Abs(float64(bias[j]))
			if accum {
				ref += float64(c0[i*n+j])
				mag += math.Abs(float64(c0[i*n+j]))
			}
			if diff := math.Abs(float64(c[i*n+j]) - ref); !(diff <= 2*gamma(k+2)*mag+1e-30) {
				t.Fatalf("%s small=%v: c[%d,%d] = %.9g, want %.9g (|Δ| %.3g, Σ|terms| %.3g)", name, small, i, j, c[i*n+j], ref, diff, mag)
			}
		}
	}
}

// TestQuantAsmMatchesGo runs the block dots of every type with the Go
// code, the AVX2 and (where the CPU has it) the VNNI routines: they sum the
// same integers, so they agree to float32 rounding of the block sums.
func TestQuantAsmMatchesGo(t *testing.T) {
	if !haveAVX2FMA || !haveF16C {
		t.Skip("no AVX2/FMA/F16C")
	}
	defer selectKernels(true)
	for _, typ := range quantTypes {
		for i, s := range [][2]int{{1, 32}, {7, 64}, {16, 384}, {33, 1280}} {
			n, k := s[0], s[1]
			r := newRand(uint64(300 + i))
			wq := newQmat(t, typ, n, k, uint64(400+i))
			acts := quantizeActs(typ, randSlice(r, k), 1, k)
			qs, d, sm := acts.row(0)
			rb := typ.RowBytes(k)
			want := make([]float32, n)
			selectKernels(false)
			quantDots(typ, want, wq.raw, rb, qs, d, sm)
			for _, vnni := range []bool{false, true} {
				if vnni && !haveVNNI {
					continue
				}
				selectKernels(true)
				quantVNNI = vnni
				got := make([]float32, n)
				quantDots(typ, got, wq.raw, rb, qs, d, sm)
				for j := range got {
					_, mag := refQuantDot(wq, j, intsOf(qs), float64s(d), float64s(sm))
					if diff := math.Abs(float64(got[j] - want[j])); !(diff <= 2*gamma(k/qk+2)*mag) {
						t.Fatalf("%v %v vnni=%v: row %d asm %g go %g", typ, s, vnni, j, got[j], want[j])
					}
				}
			}
		}
	}
}

func intsOf(s []int8) []int {
	r := make([]int, len(s))
	for i, v := range s {
		r[i] = int(v)
	}
	return r
}

func float64s(s []float32) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		r[i] = float64(v)
	}
	return r
}

// TestQuantWeightsRows checks Len, Bytes, Slice and Widen of quantized
// weights against ggml.Type.Decode, bit for bit, at any element offset.
func TestQuantWeightsRows(t *testing.T) {
	const rows, cols = 5, 96
	for _, typ := range quantTypes {
		wq := newQmat(t, typ, rows, cols, 7)
		w := wq.weights(t)
		if w.Len() != rows*cols || w.Bytes() != int64(typ.RowBytes(rows*cols)) || w.Type() != typ {
			t.Fatalf("%v: Len %d Bytes %d Type %v", typ, w.Len(), w.Bytes(), w.Type())
		}
		all := make([]float32, rows*cols)
		if err := typ.Decode(all, wq.raw); err != nil {
			t.Fatal(err)
		}
		r := newRand(8)
		for range 50 {
			off := r.IntN(rows * cols)
			dst := make([]float32, r.IntN(rows*cols-off+1))
			w.Widen(dst, off)
			for i, v := range dst {
				if math.Float32bits(v) != math.Float32bits(all[off+i]) {
					t.Fatalf("%v: Widen(%d) element %d = %g, want %g", typ, off, i, v, all[off+i])
				}
			}
		}
		s := w.Slice(2*cols, 4*cols)
		if s.Len() != 2*cols || s.Bytes() != int64(typ.RowBytes(2*cols)) {
			t.Fatalf("%v: slice Len %d Bytes %d", typ, s.Len(), s.Bytes())
		}
		row := make([]float32, cols)
		s.Widen(row, cols)
		for i, v := range row {
			if v != all[3*cols+i] {
				t.Fatalf("%v: Slice then Widen element %d", typ, i)
			}
		}
		mustPanic(t, "unaligned slice", "whole blocks", func() { w.Slice(1, cols) })
		// 96 elements as 2 rows of k = 48: each row ends inside a block.
		mustPanic(t, "k not whole blocks", "multiple of 32", func() {
			LinearT(make([]float32, 2), make([]float32, 48), w.Slice(0, 96), nil, 1, 2, 48)
		})
	}
	if _, err := StoredWeights(ggml.Q8_0, make([]byte, 33), 1, 32); err == nil {
		t.Error("short data accepted")
	}
	if _, err := StoredWeights(ggml.Q8_0, make([]byte, 34), 2, 16); err == nil {
		t.Error("rows of half blocks accepted")
	}
	if _, err := StoredWeights(ggml.F32, make([]byte, 4), 1, 1); err == nil {
		t.Error("F32 accepted")
	}
}

// TestF16StoredOddAddress checks F16 weights read in place from an odd
// address against the same halves as a []uint16: identical results.
func TestF16StoredOddAddress(t *testing.T) {
	paths(t, func(t *testing.T) {
		for i, s := range [][3]int{{1, 50, 37}, {3, 40, 64}, {100, 33, 129}} {
			m, n, k := s[0], s[1], s[2]
			r := newRand(uint64(500 + i))
			a := randSlice(r, m*k)
			wh, _ := randHalf(uint64(600+i), n*k)
			raw := make([]byte, 1+2*n*k)
			for j, h := range wh {
				binary.LittleEndian.PutUint16(raw[1+2*j:], h)
			}
			w, err := StoredWeights(ggml.F16, raw[1:], n, k)
			if err != nil {
				t.Fatal(err)
			}
			got, want := make([]float32, m*n), make([]float32, m*n)
			LinearT(got, a, w, nil, m, n, k)
			LinearT(want, a, F16Weights(wh), nil, m, n, k)
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%v: element %d: %g vs %g", s, j, got[j], want[j])
				}
			}
			row := make([]float32, k)
			w.Widen(row, k)
			for j, v := range row {
				if v != ggml.Float16ToFloat32(wh[k+j]) {
					t.Fatalf("Widen element %d", j)
				}
			}
		}
	})
}

// TestQuantRowsIndependent checks that on the few-rows path a row's result
// does not depend on the rows computed with it (groups of activation rows
// and single rows sum the same terms in the same order): bit for bit.
func TestQuantRowsIndependent(t *testing.T) {
	paths(t, func(t *testing.T) {
		for _, typ := range quantTypes {
			const m, n, k = 11, 45, 128
			r := newRand(9)
			a := randSlice(r, m*k)
			w := newQmat(t, typ, n, k, 10).weights(t)
			all := make([]float32, m*n)
			LinearT(all, a, w, nil, m, n, k)
			one := make([]float32, n)
			for i := 0; i < m; i++ {
				LinearT(one, a[i*k:(i+1)*k], w, nil, 1, n, k)
				for j, v := range one {
					if math.Float32bits(v) != math.Float32bits(all[i*n+j]) {
						t.Fatalf("%v: row %d column %d: %g alone, %g with the others", typ, i, j, v, all[i*n+j])
					}
				}
			}
		}
	})
}
