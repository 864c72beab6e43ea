package mp3

import (
	"math"
	"testing"
)

// The kernels with an assembly version (amd64, without the purego tag)
// must compute what their Go versions compute.

// TestSynthDotMatchesGo compares synthDot with synthDotGo (which sums in
// another order).
func TestSynthDotMatchesGo(t *testing.T) {
	var rows [17][32]float32
	for j := range rows {
		for i := range rows[j] {
			rows[j][i] = float32(math.Sin(float64(j*32+i))) * 1000
		}
	}
	for p := range 16 {
		var a, b [32]float32
		synthDotGo(&rows, p, &a)
		synthDot(&rows, p, &b)
		for i := range a {
			if d := math.Abs(float64(a[i] - b[i])); d > 1e-4*math.Max(1, math.Abs(float64(a[i]))) {
				t.Errorf("p %d out[%d]: %v vs %v", p, i, a[i], b[i])
			}
		}
	}
}

// TestDCT32 checks dct32 against the DCT-II's definition, and dct32x4
// against dct32 bit for bit.
func TestDCT32(t *testing.T) {
	var s [32][slotStride]float32
	for i := range s {
		for j := range s[i] {
			s[i][j] = float32(math.Sin(float64(i*20+j))) * 100
		}
	}
	var scratch dctScratch
	for tt := 0; tt < 18; tt += 4 {
		var a, b [32][4]float32
		for q := range 4 {
			dct32(&s, tt+q, &a, q)
		}
		dct32x4(&s, tt, &b, &scratch)
		if a != b {
			t.Errorf("t %d: %v\n%v", tt, a, b)
		}
		for k := range 32 {
			for q := range 4 {
				var want float64
				for n := range 32 {
					want += float64(s[n][tt+q]) * math.Cos(float64((2*n+1)*k)*math.Pi/64)
				}
				if math.Abs(want-float64(a[k][q])) > 1e-3 {
					t.Errorf("t %d k %d q %d: %v want %v", tt, k, q, a[k][q], want)
				}
			}
		}
	}
}
