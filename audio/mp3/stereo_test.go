package mp3

import (
	"math"
	"testing"
)

// TestIntensityStereo checks MPEG-1 and MPEG-2 intensity stereo on a
// synthetic long-block granule: the right channel is zero above band 5, so
// bands 6 and up take the left channel panned by the right channel's
// scalefactors; below, mid/side applies. The top band (21), which has no
// scalefactor, takes band 20's position.
func TestIntensityStereo(t *testing.T) {
	for _, lsf := range []bool{false, true} {
		h := header(0xFFFB9074) // MPEG-1 layer III 128 kbit/s 44.1 kHz, joint stereo, MS and IS
		rate := 0
		if lsf {
			h = header(0xFFF39074) // MPEG-2 22.05 kHz
			rate = 3
		}
		lay := &bandLayouts[rate][layoutLong]
		var xr [2][granuleLines]float32
		for i := range xr[0] {
			xr[0][i] = 1
		}
		end5 := longBoundary(rate, 6)
		for i := range end5 {
			xr[1][i] = 0.5
		}
		var sf scalefactors
		for e := range 21 {
			sf.v[e] = e % 6
			sf.max[e] = 15
		}
		sf.v[9] = 7 // illegal in MPEG-1: mid/side instead
		if lsf {
			sf.v[9] = 15 // illegal in MPEG-2 (the largest value of its width)
		}
		g := &granuleInfo{sfCompress: 1} // intensity_scale 1 for MPEG-2
		nz := [2]int{granuleLines, end5}
		jointStereo(h, g, lay, &sf, &xr, &nz)
		s := float32(math.Sqrt2 / 2)
		want := func(e int) (float32, float32) {
			switch {
			case e <= 5:
				return 1.5 * s, 0.5 * s
			case e == 9:
				return s, s
			}
			p := sf.v[e]
			if e == 21 {
				p = sf.v[20]
			}
			if !lsf {
				r := math.Tan(float64(p) * math.Pi / 12)
				if p == 6 {
					return 1, 0
				}
				return float32(r / (1 + r)), float32(1 / (1 + r))
			}
			k := math.Exp2(-float64((p+1)/2) / 2)
			if p%2 == 0 {
				return 1, float32(k)
			}
			return float32(k), 1
		}
		pos := 0
		for e, w := range lay.widths {
			l, r := want(e)
			if math.Abs(float64(xr[0][pos]-l)) > 1e-6 || math.Abs(float64(xr[1][pos+w-1]-r)) > 1e-6 {
				t.Errorf("lsf %v band %d: L %v R %v, want %v %v", lsf, e, xr[0][pos], xr[1][pos+w-1], l, r)
			}
			pos += w
		}
	}
}
