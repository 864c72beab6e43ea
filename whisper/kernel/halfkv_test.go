package kernel

import (
	"fmt"
	"math"
	"testing"

	"github.com/xdna-worker/xdna-worker/ggml"
)

// roundedHalves returns s with every value rounded to half precision.
func roundedHalves(s []float32) []float32 {
	out := make([]float32, len(s))
	for i, x := range s {
		out[i] = ggml.Float16ToFloat32(ggml.Float32ToFloat16(x))
	}
	return out
}

// narrowF16 rounds as ggml_fp32_to_fp16 does (ggml.Float32ToFloat16) on
// both paths: ties, subnormals, overflow to ±Inf, signed zeros.
func TestNarrowF16MatchesGGML(t *testing.T) {
	r := newRand(31)
	src := randSlice(r, 1000)
	for i := range src {
		src[i] *= float32(math.Pow(2, float64(r.IntN(40)-20)))
	}
	src = append(src,
		0, float32(math.Copysign(0, -1)), 65504, 65520, 65519.99, -70000, 1e-8, -6e-8, 5.96e-8, 2.98e-8,
		float32(math.Inf(1)), float32(math.Inf(-1)),
		1+1.0/2048, 1+3.0/2048, 1+1.0/4096, 6.1035156e-05, 6.097555e-05)
	paths(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 9, 16, len(src)} {
			dst := make([]byte, 2*n+2)
			dst[2*n], dst[2*n+1] = 0xAA, 0x55
			narrowF16(dst[:2*n], src[:n])
			for i := range n {
				got := uint16(dst[2*i]) | uint16(dst[2*i+1])<<8
				if want := ggml.Float32ToFloat16(src[i]); got != want {
					t.Fatalf("n=%d: %g → %#04x, want %#04x", n, src[i], got, want)
				}
			}
			if dst[2*n] != 0xAA || dst[2*n+1] != 0x55 {
				t.Fatalf("n=%d: wrote past the end", n)
			}
		}
	})
}

// Keys and Values give back what Set stored, rounded to halves, whichever
// rows each Set call covered.
func TestHalfKVStoresRoundedRows(t *testing.T) {
	paths(t, func(t *testing.T) {
		const nk, nHead, dHead = 37, 3, 40
		d := nHead * dHead
		r := newRand(5)
		k, v := randSlice(r, nk*d), randSlice(r, nk*d)
		kv := NewHalfKV(nk, nHead, dHead)
		tmp := make([]float32, nk*d)
		for r0 := 0; r0 < nk; r0 += 10 {
			n := min(10, nk-r0)
			kv.Set(k[r0*d:(r0+n)*d], v[r0*d:(r0+n)*d], r0, n, tmp)
		}
		rk, rv := roundedHalves(k), roundedHalves(v)
		got := make([]float32, nk*dHead)
		for h := range nHead {
			kv.Keys(h, got)
			for j := range nk {
				for c := range dHead {
					if g, w := got[j*dHead+c], rk[j*d+h*dHead+c]; g != w {
						t.Fatalf("head %d key %d [%d] = %v, want %v", h, j, c, g, w)
					}
				}
			}
			kv.Values(h, got)
			for j := range nk {
				for c := range dHead {
					if g, w := got[j*dHead+c], rv[j*d+h*dHead+c]; g != w {
						t.Fatalf("head %d value %d [%d] = %v, want %v", h, j, c, g, w)
					}
				}
			}
		}
		if want := int64(2*nk*d + 2*d*64); kv.Bytes() != want {
			t.Fatalf("Bytes %d, want %d", kv.Bytes(), want)
		}
	})
}

// Attend is attention over the stored (rounded) keys and values: within
// Attention's error bound of the float64 reference on the rounded values,
// on the few-queries path and the widened path; and a query's result does
// not depend on how many queries come with it on the few-queries path.
func TestHalfKVAttendMatchesReference(t *testing.T) {
	paths(t, func(t *testing.T) {
		for _, c := range []struct{ nq, nk, nHead, dHead int }{
			{1, 1, 1, 8}, {1, 1500, 6, 64}, {3, 77, 2, 64}, {8, 100, 4, 32}, {9, 100, 4, 32}, {20, 300, 3, 24}, {5, 33, 2, 7},
		} {
			t.Run(fmt.Sprintf("nq%d_nk%d_h%d_d%d", c.nq, c.nk, c.nHead, c.dHead), func(t *testing.T) {
				d := c.nHead * c.dHead
				r := newRand(uint64(c.nq*1000 + c.nk))
				q, k, v := randSlice(r, c.nq*d), randSlice(r, c.nk*d), randSlice(r, c.nk*d)
				for i := range q {
					q[i] *= 4
				}
				kv := NewHalfKV(c.nk, c.nHead, c.dHead)
				kv.Set(k, v, 0, c.nk, make([]float32, c.nk*d))
				rk, rv := roundedHalves(k), roundedHalves(v)
				dst := make([]float32, c.nq*d)
				kv.Attend(dst, q, c.nq, nil)
				for i := range c.nq {
					want, bound := refAttentionRow(i, q, d, rk, d, rv, d, c.nq, c.nk, c.nHead, c.dHead, false)
					for j := range d {
						if e := math.Abs(float64(dst[i*d+j]) - want[j]); e > bound[j] {
							t.Fatalf("row %d col %d: %v, want %v (error %.3g > bound %.3g)", i, j, dst[i*d+j], want[j], e, bound[j])
						}
					}
				}
				if c.nq > halfSmallQ {
					return
				}
				scratch := make([]float32, kv.ScratchSize())
				one := make([]float32, d)
				for i := range c.nq {
					kv.Attend(one, q[i*d:(i+1)*d], 1, scratch)
					for j := range d {
						if one[j] != dst[i*d+j] {
							t.Fatalf("query %d alone: col %d = %v, with the others %v", i, j, one[j], dst[i*d+j])
						}
					}
				}
			})
		}
	})
}

func TestHalfKVChecks(t *testing.T) {
	kv := NewHalfKV(4, 2, 8)
	mustPanic(t, "Set past the end", "rows 3…5 of 4", func() { kv.Set(make([]float32, 32), make([]float32, 32), 3, 2, make([]float32, 32)) })
	mustPanic(t, "short q", "HalfKV.Attend: q", func() { kv.Attend(make([]float32, 16), make([]float32, 15), 1, nil) })
	mustPanic(t, "no heads", "NewHalfKV", func() { NewHalfKV(4, 0, 8) })
	mustPanic(t, "no keys", "nk=0", func() { NewHalfKV(0, 2, 8) })
}

func BenchmarkHalfKVAttend(b *testing.B) {
	for _, c := range []struct {
		name             string
		nq, nHead, dHead int
	}{{"tiny/q=1", 1, 6, 64}, {"base/q=1", 1, 8, 64}, {"base/q=5", 5, 8, 64}} {
		const nk = 1500
		d := c.nHead * c.dHead
		r := newRand(1)
		q, k, v := randSlice(r, c.nq*d), randSlice(r, nk*d), randSlice(r, nk*d)
		dst := make([]float32, c.nq*d)
		b.Run("half/"+c.name, func(b *testing.B) {
			kv := NewHalfKV(nk, c.nHead, c.dHead)
			kv.Set(k, v, 0, nk, make([]float32, nk*d))
			scratch := make([]float32, kv.ScratchSize())
			for b.Loop() {
				kv.Attend(dst, q, c.nq, scratch)
			}
		})
		b.Run("float32/"+c.name, func(b *testing.B) {
			scratch := make([]float32, AttentionScratchSize(c.nq, nk, c.nHead, c.dHead))
			for b.Loop() {
				Attention(dst, q, k, v, c.nq, nk, c.nHead, c.dHead, false, scratch)
			}
		})
	}
}
