package kernel

import (
	"fmt"
	"math"
	"testing"
)

// refAttentionRow computes output row i (all heads) of attention in float64,
// plus a componentwise error bound for the float32 evaluation:
// scores carry an absolute error Es ≤ γ_{d+2}·scale·max_j Σ|q||k|, each
// exp(s_j - max) a relative error ≤ 2Es + (|s_j-max|+4)u, and the weighted
// sum and normalisation a relative γ_{nk+8} of Σ_j p_j|v_jc|.
func refAttentionRow(i int, q []float32, ldq int, k []float32, ldk int, v []float32, ldv int, nq, nk, nHead, dHead int, causal bool) (out, bound []float64) {
	d := nHead * dHead
	out = make([]float64, d)
	bound = make([]float64, d)
	scale := 1 / math.Sqrt(float64(dHead))
	valid := nk
	if causal {
		valid = min(nk, i+nk-nq+1)
	}
	if valid <= 0 {
		return
	}
	s := make([]float64, valid)
	for h := 0; h < nHead; h++ {
		m, es := math.Inf(-1), 0.0
		for j := 0; j < valid; j++ {
			dotv, mag := 0.0, 0.0
			for p := 0; p < dHead; p++ {
				x := float64(q[i*ldq+h*dHead+p]) * float64(k[j*ldk+h*dHead+p])
				dotv += x
				mag += math.Abs(x)
			}
			s[j] = dotv * scale
			m = math.Max(m, s[j])
			es = math.Max(es, gamma(dHead+2)*mag*scale)
		}
		sum := 0.0
		for j := range s {
			sum += math.Exp(s[j] - m)
		}
		for c := 0; c < dHead; c++ {
			o, b := 0.0, 0.0
			for j := range s {
				p := math.Exp(s[j]-m) / sum
				vv := float64(v[j*ldv+h*dHead+c])
				o += p * vv
				b += p * math.Abs(vv) * (2*es + (m-s[j]+4)*u + gamma(nk+8))
			}
			out[h*dHead+c] = o
			bound[h*dHead+c] = 2*b + 1e-30
		}
	}
	return out, bound
}

type attnCase struct {
	nq, nk, nHead, dHead int
	causal               bool
	sample               int // rows to check (0 = all)
	ld                   int // extra row stride padding (tests AttentionLD)
}

func runAttnCase(t *testing.T, c attnCase, seed uint64) {
	t.Helper()
	r := newRand(seed)
	d := c.nHead * c.dHead
	ld := d + c.ld
	q := randSlice(r, max(c.nq*ld, 0))
	k := randSlice(r, c.nk*ld)
	v := randSlice(r, c.nk*ld)
	// Larger query magnitudes make the softmax peakier, like real models.
	for i := range q {
		q[i] *= 3
	}
	dst := make([]float32, c.nq*ld)
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	if c.ld == 0 {
		Attention(dst, q, k, v, c.nq, c.nk, c.nHead, c.dHead, c.causal, nil)
	} else {
		AttentionLD(dst, ld, q, ld, k, ld, v, ld, c.nq, c.nk, c.nHead, c.dHead, c.causal, nil)
	}
	rows := []int{}
	if c.sample == 0 || c.sample >= c.nq {
		for i := 0; i < c.nq; i++ {
			rows = append(rows, i)
		}
	} else {
		rows = append(rows, 0, c.nq-1)
		for len(rows) < c.sample {
			rows = append(rows, r.IntN(c.nq))
		}
	}
	for _, i := range rows {
		want, bound := refAttentionRow(i, q, ld, k, ld, v, ld, c.nq, c.nk, c.nHead, c.dHead, c.causal)
		for col := 0; col < d; col++ {
			got := float64(dst[i*ld+col])
			if dd := math.Abs(got - want[col]); !(dd <= bound[col]) {
				t.Fatalf("%+v: dst[%d][%d] = %g, want %g (|Δ|=%.3g > %.3g)", c, i, col, got, want[col], dd, bound[col])
			}
		}
	}
}

func TestAttention(t *testing.T) {
	cases := []attnCase{
		// Decoder path (nq ≤ 4): single token with/without cache.
		{nq: 1, nk: 1, nHead: 1, dHead: 8},
		{nq: 1, nk: 37, nHead: 3, dHead: 20, causal: true},
		{nq: 1, nk: 1500, nHead: 6, dHead: 64},
		{nq: 3, nk: 10, nHead: 2, dHead: 64, causal: true},
		{nq: 4, nk: 4, nHead: 6, dHead: 64, causal: true},
		{nq: 4, nk: 2, nHead: 2, dHead: 16, causal: true}, // rows with no visible key
		// Blocked path.
		{nq: 5, nk: 5, nHead: 1, dHead: 1},
		{nq: 17, nk: 17, nHead: 2, dHead: 7, causal: true},
		{nq: 33, nk: 65, nHead: 3, dHead: 16},
		{nq: 65, nk: 127, nHead: 2, dHead: 33, causal: true},              // KV-cache prefix
		{nq: 127, nk: 33, nHead: 2, dHead: 24, causal: true},              // nq > nk: leading rows see nothing
		{nq: 200, nk: 200, nHead: 6, dHead: 64, causal: true, sample: 50}, // decoder prefill
		{nq: 300, nk: 1000, nHead: 2, dHead: 64, sample: 40},              // several key blocks
		{nq: 1500, nk: 1500, nHead: 6, dHead: 64, sample: 8},              // Whisper tiny encoder
		// Strided operands.
		{nq: 2, nk: 50, nHead: 2, dHead: 32, causal: true, ld: 7},
		{nq: 70, nk: 90, nHead: 4, dHead: 16, causal: true, ld: 5},
	}
	paths(t, func(t *testing.T) {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%d", i), func(t *testing.T) { runAttnCase(t, c, uint64(i+1)) })
		}
	})
}

// TestAttentionBlockedMatchesSmall checks the decoder path against the
// blocked path on the same inputs, and small query blocks / key blocks.
func TestAttentionBlockedMatchesSmall(t *testing.T) {
	defer func(qb, sq, kc int) { attnQB, attnSmallQ, kcMax = qb, sq, kc }(attnQB, attnSmallQ, kcMax)
	attnQB, kcMax = 6, 40
	r := newRand(5)
	nq, nk, nh, dh := 13, 101, 3, 24
	q, k, v := randSlice(r, nq*nh*dh), randSlice(r, nk*nh*dh), randSlice(r, nk*nh*dh)
	for _, causal := range []bool{false, true} {
		a, b := make([]float32, nq*nh*dh), make([]float32, nq*nh*dh)
		attnSmallQ = 0
		Attention(a, q, k, v, nq, nk, nh, dh, causal, nil)
		attnSmallQ = 1000
		Attention(b, q, k, v, nq, nk, nh, dh, causal, nil)
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5 {
				t.Fatalf("causal=%v: element %d blocked %g small %g", causal, i, a[i], b[i])
			}
		}
		attnSmallQ = 0
		runAttnCase(t, attnCase{nq: nq, nk: nk, nHead: nh, dHead: dh, causal: causal}, 9)
	}
}

func TestAttentionScratch(t *testing.T) {
	r := newRand(6)
	for _, c := range [][4]int{{1, 40, 2, 16}, {50, 60, 2, 16}} {
		nq, nk, nh, dh := c[0], c[1], c[2], c[3]
		q, k, v := randSlice(r, nq*nh*dh), randSlice(r, nk*nh*dh), randSlice(r, nk*nh*dh)
		a, b := make([]float32, nq*nh*dh), make([]float32, nq*nh*dh)
		Attention(a, q, k, v, nq, nk, nh, dh, true, nil)
		scratch := make([]float32, AttentionScratchSize(nq, nk, nh, dh))
		Attention(b, q, k, v, nq, nk, nh, dh, true, scratch)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%v: scratch changes result at %d", c, i)
			}
		}
	}
	if n := AttentionScratchSize(0, 10, 1, 1); n != 0 {
		t.Fatalf("empty scratch size %d", n)
	}
	// nk == 0 zeroes the output; nq == 0 is a no-op.
	dst := []float32{1, 2}
	Attention(dst, []float32{1, 1}, nil, nil, 1, 0, 1, 2, false, nil)
	if dst[0] != 0 || dst[1] != 0 {
		t.Fatalf("nk=0: %v", dst)
	}
	Attention(nil, nil, nil, nil, 0, 0, 1, 2, false, nil)
}

func TestAttentionPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"q": func() {
			Attention(make([]float32, 4), make([]float32, 3), make([]float32, 4), make([]float32, 4), 1, 1, 2, 2, false, nil)
		},
		"v": func() {
			Attention(make([]float32, 4), make([]float32, 4), make([]float32, 4), make([]float32, 3), 1, 1, 2, 2, false, nil)
		},
		"heads": func() { Attention(nil, nil, nil, nil, 0, 0, 0, 2, false, nil) },
		"ld": func() {
			AttentionLD(make([]float32, 8), 3, make([]float32, 8), 4, make([]float32, 8), 4, make([]float32, 8), 4, 2, 2, 2, 2, false, nil)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestAttentionFusedQKV reads q, k and v out of one fused projection buffer
// [n][3·d] with AttentionLD and compares with Attention on separate copies.
func TestAttentionFusedQKV(t *testing.T) {
	paths(t, func(t *testing.T) {
		for _, n := range []int{3, 40} {
			r := newRand(uint64(n))
			nh, dh := 3, 16
			d := nh * dh
			qkv := randSlice(r, n*3*d)
			q, k, v := make([]float32, n*d), make([]float32, n*d), make([]float32, n*d)
			for i := 0; i < n; i++ {
				copy(q[i*d:], qkv[i*3*d:i*3*d+d])
				copy(k[i*d:], qkv[i*3*d+d:i*3*d+2*d])
				copy(v[i*d:], qkv[i*3*d+2*d:i*3*d+3*d])
			}
			want := make([]float32, n*d)
			Attention(want, q, k, v, n, n, nh, dh, true, nil)
			got := make([]float32, n*d)
			AttentionLD(got, d, qkv, 3*d, qkv[d:], 3*d, qkv[2*d:], 3*d, n, n, nh, dh, true, nil)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("n=%d: element %d: %g vs %g", n, i, got[i], want[i])
				}
			}
		}
	})
}
