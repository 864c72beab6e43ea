package mp3

import "math"

// Requantization, ISO/IEC 11172-3 2.4.3.4.7.1:
//
//	xr = sign(is) · |is|^(4/3) · 2^((global_gain − 210 − 8·subblock_gain)/4)
//	        · 2^−(scalefac_multiplier · (scalefac + preflag·pretab))
//
// computed as a table of |is|^(4/3) and a table of 2^(q/4) for the whole
// exponent q in quarter steps.

// maxQuantized is the largest |is|: 15 plus 13 bits of linbits.
const maxQuantized = 15 + 1<<13 - 1

// pow43 is i^(4/3) for every quantized magnitude.
var pow43 = makePow43()

func makePow43() *[maxQuantized + 1]float32 {
	var t [maxQuantized + 1]float32
	for i := range t {
		t[i] = float32(math.Pow(float64(i), 4.0/3))
	}
	return &t
}

// Range of the gain exponent q: global_gain (0-255) − 210, less up to
// 8·7 of subblock gain and (15 + 3) << 2 of scalefactors.
const (
	minGainExp = -210 - 56 - 72 - 8
	maxGainExp = 255 - 210
)

// gainPow is 2^(q/4) for q in [minGainExp, maxGainExp], indexed by
// q − minGainExp.
var gainPow = makeGainPow()

func makeGainPow() *[maxGainExp - minGainExp + 1]float32 {
	var t [maxGainExp - minGainExp + 1]float32
	for i := range t {
		t[i] = float32(math.Exp2(float64(i+minGainExp) / 4))
	}
	return &t
}

// bandGains computes the gain of every scalefactor band entry of granule g
// with layout lay and scalefactors sf, for channel ch.
func bandGains(g *granuleInfo, lay *bandLayout, sf *scalefactors, gains *[maxBands]float32) {
	shift := 1 + g.sfScale
	for e := range lay.widths {
		q := g.globalGain - 210
		if e < lay.nLong {
			s := sf.v[e]
			if g.preflag {
				s += pretab[e]
			}
			q -= s << shift
		} else {
			w := (e - lay.nLong) % 3
			q -= 8*g.subblockGain[w] + sf.v[e]<<shift
		}
		gains[e] = gainPow[max(q, minGainExp)-minGainExp]
	}
}
