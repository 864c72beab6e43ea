package mp3

import "math"

// The hybrid filterbank's MDCT half: reordering of short blocks, alias
// reduction, the inverse MDCT with overlap-add and the frequency inversion
// of odd subbands, ISO/IEC 11172-3 2.4.3.4.10 (with Annex C's formulas).

// Subbands and their lines.
const (
	subbands      = 32
	subbandLines  = 18
	shortLines    = 6
	imdctLongSize = 36
)

// aliasCS and aliasCA are the alias-reduction butterfly coefficients
// cs_i = 1/√(1+c_i²), ca_i = c_i/√(1+c_i²).
var aliasCS, aliasCA = makeAliasCoefs()

func makeAliasCoefs() (cs, ca [8]float32) {
	c := [8]float64{-0.6, -0.535, -0.33, -0.185, -0.095, -0.041, -0.0142, -0.0037}
	for i, v := range c {
		d := math.Sqrt(1 + v*v)
		cs[i], ca[i] = float32(1/d), float32(v/d)
	}
	return cs, ca
}

// imdctWindows are the 36-point windows of block types 0, 1 and 3 (2 is
// unused: short blocks use shortWindow).
var imdctWindows = makeIMDCTWindows()

func makeIMDCTWindows() (w [4][imdctLongSize]float32) {
	for i := range imdctLongSize {
		w[blockNormal][i] = float32(math.Sin(math.Pi / 36 * (float64(i) + 0.5)))
	}
	for i := range imdctLongSize {
		switch {
		case i < 18:
			w[blockStart][i] = w[blockNormal][i]
		case i < 24:
			w[blockStart][i] = 1
		case i < 30:
			w[blockStart][i] = float32(math.Sin(math.Pi / 12 * (float64(i-18) + 0.5)))
		}
		switch {
		case i < 6:
		case i < 12:
			w[blockStop][i] = float32(math.Sin(math.Pi / 12 * (float64(i-6) + 0.5)))
		case i < 18:
			w[blockStop][i] = 1
		default:
			w[blockStop][i] = w[blockNormal][i]
		}
	}
	return w
}

// shortWindow is the 12-point window of short blocks.
var shortWindow = makeShortWindow()

func makeShortWindow() (w [12]float32) {
	for i := range w {
		w[i] = float32(math.Sin(math.Pi / 12 * (float64(i) + 0.5)))
	}
	return w
}

// imdctLongCos is cos(π/72·(2i + 1 + 18)·(2k + 1)) for outputs i < 36 and
// inputs k < 18; imdctShortCos the same for 12 outputs and 6 inputs.
var imdctLongCos, imdctShortCos = makeIMDCTCos()

func makeIMDCTCos() (l *[imdctLongSize][subbandLines]float32, s *[12][shortLines]float32) {
	l, s = new([imdctLongSize][subbandLines]float32), new([12][shortLines]float32)
	for i := range imdctLongSize {
		for k := range subbandLines {
			l[i][k] = float32(math.Cos(math.Pi / 72 * float64((2*i+1+18)*(2*k+1))))
		}
	}
	for i := range 12 {
		for k := range shortLines {
			s[i][k] = float32(math.Cos(math.Pi / 24 * float64((2*i+1+6)*(2*k+1))))
		}
	}
	return l, s
}

// reorder puts the short-block lines of xr, coded band by band and window
// by window, in frequency order with the three windows interleaved
// (line 3f + w), so that subband s holds lines 18s..18s+17.
func reorder(xr *[granuleLines]float32, lay *bandLayout) {
	var tmp [granuleLines]float32
	pos := 0
	for e := 0; e < len(lay.widths); {
		w := lay.widths[e]
		if e < lay.nLong {
			pos += w
			e++
			continue
		}
		for win := range 3 {
			for i := range w {
				tmp[pos+3*i+win] = xr[pos+win*w+i]
			}
		}
		pos += 3 * w
		e += 3
	}
	start := 0
	for _, w := range lay.widths[:lay.nLong] {
		start += w
	}
	copy(xr[start:], tmp[start:])
}

// reorderedExtent returns how many lines from the start may be non-zero
// after reorder, when nz may be before it: the end of the band (all three
// windows) that holds line nz-1.
func reorderedExtent(lay *bandLayout, nz int) int {
	pos := 0
	for e := 0; e < len(lay.widths) && pos < nz; {
		w := lay.widths[e]
		if e < lay.nLong {
			pos += w
			e++
			continue
		}
		pos += 3 * w
		e += 3
	}
	return min(pos, granuleLines)
}

// antialias applies the alias-reduction butterflies between the first n+1
// subbands (n boundaries).
func antialias(xr *[granuleLines]float32, n int) {
	for sb := range n {
		lo, hi := xr[18*sb+10:18*sb+18], xr[18*sb+18:18*sb+26]
		for i := range 8 {
			a, b := lo[7-i], hi[i]
			lo[7-i] = a*aliasCS[i] - b*aliasCA[i]
			hi[i] = b*aliasCS[i] + a*aliasCA[i]
		}
	}
}

// imdctLong transforms the 18 lines x of one subband with the window of
// blockType, adds the first half to overlap into out and keeps the second
// half in overlap. Of the 36 outputs y it computes 18: y[17-i] = -y[i] and
// y[35-i] = y[18+i] for i < 9.
func imdctLong(x []float32, blockType int, overlap, out *[subbandLines]float32) {
	x = x[:subbandLines]
	win := &imdctWindows[blockType]
	for i := range 9 {
		ca, cb := &imdctLongCos[i], &imdctLongCos[18+i]
		var a, b float32
		for k, v := range x {
			a += v * ca[k]
			b += v * cb[k]
		}
		out[i] = overlap[i] + a*win[i]
		out[17-i] = overlap[17-i] - a*win[17-i]
		overlap[i] = b * win[18+i]
		overlap[17-i] = b * win[35-i]
	}
}

// imdctShort transforms the three interleaved short windows of the 18
// lines x of one subband, overlapping them at 6, 12 and 18 of the 36-point
// block, then does the overlap-add like imdctLong.
func imdctShort(x []float32, overlap, out *[subbandLines]float32) {
	x = x[:subbandLines]
	var z [imdctLongSize]float32
	for w := range 3 {
		for i := range 12 {
			c := &imdctShortCos[i]
			var s float32
			for k := range shortLines {
				s += x[3*k+w] * c[k]
			}
			z[6+6*w+i] += s * shortWindow[i]
		}
	}
	for i := range subbandLines {
		out[i] = overlap[i] + z[i]
		overlap[i] = z[i+subbandLines]
	}
}
