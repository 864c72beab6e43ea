package kernel

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// dotsHalf (halves in place) and dotsWide (the same rows widened) give the
// same bits, for every row count, k with and without a tail past the last
// 32-element chunk, at odd byte addresses; both are within float32
// rounding of a float64 reference.
func TestDotsHalfMatchesWide(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, d := range []int{7, 32, 64, 100, 384, 392} {
			for _, n := range []int{1, 3, 8, 17} {
				ldk := d + 5
				h, f := randHalf(uint64(d*100+n), n*ldk)
				raw := make([]byte, 1+2*len(h)) // odd address
				for i, x := range h {
					binary.LittleEndian.PutUint16(raw[1+2*i:], x)
				}
				q := randSlice(r, d)
				got := make([]float32, n)
				dotsHalf(got, q, raw[1:], ldk)
				wide := make([]float32, n)
				dotsWide(wide, q, f, ldk)
				for j := range n {
					if math.Float32bits(got[j]) != math.Float32bits(wide[j]) {
						t.Fatalf("d=%d n=%d row %d: dotsHalf %v, dotsWide %v", d, n, j, got[j], wide[j])
					}
					var ref, abs float64
					for p := range d {
						ref += float64(q[p]) * float64(f[j*ldk+p])
						abs += math.Abs(float64(q[p]) * float64(f[j*ldk+p]))
					}
					if e := math.Abs(float64(got[j]) - ref); e > 2*float64(d)*u*abs+1e-30 {
						t.Fatalf("d=%d n=%d row %d: %v, float64 %v (error %g)", d, n, j, got[j], ref, e)
					}
				}
			}
		}
	})
}

// The assembly and the Go acc4 order agree to rounding (the assembly fuses
// each multiply-add).
func TestDotsAcc4AsmMatchesGo(t *testing.T) {
	if !f16simd {
		t.Skip("no AVX2/FMA/F16C")
	}
	r := rand.New(rand.NewPCG(5, 6))
	q, k := randSlice(r, 384), randSlice(r, 384*9)
	asm := make([]float32, 9)
	dotsWide(asm, q, k, 384)
	for j := range asm {
		g := dotAcc4Go(q, k[j*384:j*384+384])
		if math.Abs(float64(asm[j]-g)) > 1e-5*(1+math.Abs(float64(g))) {
			t.Fatalf("row %d: asm %v, Go %v", j, asm[j], g)
		}
	}
}
