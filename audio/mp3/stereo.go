package mp3

import "math"

// Joint stereo: mid/side and intensity stereo, ISO/IEC 11172-3
// 2.4.3.4.9 and 13818-3 2.4.3.2.

// isRatios are the MPEG-1 intensity gains (left, right) of intensity
// positions 0-6: tan(pos·π/12)/(1 + tan(pos·π/12)) and 1/(1 + tan(...)).
var isRatios = makeISRatios()

func makeISRatios() (t [7][2]float32) {
	for p := range 7 {
		if p == 6 {
			t[p] = [2]float32{1, 0}
			continue
		}
		r := math.Tan(float64(p) * math.Pi / 12)
		t[p] = [2]float32{float32(r / (1 + r)), float32(1 / (1 + r))}
	}
	return t
}

// lsfISGains are the MPEG-2 intensity gains: io^k for k = 0..31, with io
// = 2^(−1/4) (intensity_scale 0) or 2^(−1/2) (intensity_scale 1).
var lsfISGains = makeLSFISGains()

func makeLSFISGains() (t [2][32]float32) {
	for s := range 2 {
		for k := range 32 {
			t[s][k] = float32(math.Exp2(-float64(k) * float64(s+1) / 4))
		}
	}
	return t
}

// midSide turns mid/side lines into left/right: L = (M+S)/√2, R = (M−S)/√2.
func midSide(l, r []float32) {
	r = r[:len(l)]
	for i, m := range l {
		s := r[i]
		l[i] = (m + s) * math.Sqrt2 / 2
		r[i] = (m - s) * math.Sqrt2 / 2
	}
}

// jointStereo applies the stereo processing of a joint-stereo granule to
// the requantized lines of both channels. nz holds how many lines of each
// channel may be non-zero, and is updated. The intensity bands are those
// of the right channel's layout above its highest non-zero band (per
// window for short blocks); their positions are the right channel's
// scalefactors.
func jointStereo(h header, g *granuleInfo, lay *bandLayout, sf *scalefactors, xr *[2][granuleLines]float32, nz *[2]int) {
	ms := h.modeExt()&2 != 0
	intensity := h.modeExt()&1 != 0
	n := max(nz[0], nz[1])
	if !intensity {
		if ms {
			midSide(xr[0][:n], xr[1][:n])
		}
		nz[0], nz[1] = n, n
		return
	}
	// The highest band with a non-zero right line, per window (a long
	// band counts for all three).
	nb := len(lay.widths)
	top := [3]int{-1, -1, -1}
	pos := 0
	for e, w := range lay.widths {
		if pos < nz[1] {
			for _, v := range xr[1][pos : pos+w] {
				if v != 0 {
					top[window(lay, e)] = e
					break
				}
			}
		}
		pos += w
	}
	windows := 3
	if lay.nLong > 0 {
		m := max(top[0], top[1], top[2])
		top = [3]int{m, m, m}
		if lay.nLong == nb {
			windows = 1
		}
	}
	// Positions: the right scalefactors, except in the top band of each
	// window, which codes none: it takes the position of the band below
	// if that one is an intensity band, else the default.
	var isPos [maxBands]int
	var legal [maxBands]bool
	lsf := h.lsf()
	for e := range nb {
		isPos[e] = sf.v[e]
		if lsf {
			legal[e] = sf.max[e] == 0 || sf.v[e] != sf.max[e]
		} else {
			legal[e] = sf.v[e] < 7
		}
	}
	for w := range windows {
		itop := nb - windows + w
		prev := itop - windows
		if prev >= 0 && top[window(lay, itop)] >= prev {
			isPos[itop], legal[itop] = 0, true
			if !lsf {
				isPos[itop] = 3
			}
		} else if prev >= 0 {
			isPos[itop], legal[itop] = isPos[prev], legal[prev]
		}
	}
	scale := g.sfCompress & 1 // intensity_scale (MPEG-2), of the right channel
	pos = 0
	for e, w := range lay.widths {
		l, r := xr[0][pos:pos+w], xr[1][pos:pos+w]
		pos += w
		if e <= top[window(lay, e)] || !legal[e] {
			if ms {
				midSide(l, r)
			}
			continue
		}
		var kl, kr float32
		if !lsf {
			kl, kr = isRatios[isPos[e]][0], isRatios[isPos[e]][1]
		} else {
			p := isPos[e]
			kl, kr = 1, 1
			if p&1 != 0 {
				kl = lsfISGains[scale][(p+1)>>1]
			} else {
				kr = lsfISGains[scale][p>>1]
			}
		}
		for i, v := range l {
			l[i] = v * kl
			r[i] = v * kr
		}
	}
	nz[0], nz[1] = n, n
}

// window returns the window of band entry e of lay: 0 for a long band.
func window(lay *bandLayout, e int) int {
	if e < lay.nLong {
		return 0
	}
	return (e - lay.nLong) % 3
}
