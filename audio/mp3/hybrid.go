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

// imdctTwiddles are cos and sin((2n+1)π/72) for n < 9 (imdct36), and
// cos and sin((2n+1)π/24) for n < 3 (imdct12).
var imdctTwiddles = makeIMDCTTwiddles()

type twiddles struct {
	c36, s36 [9]float32
	c12, s12 [3]float32
}

func makeIMDCTTwiddles() (t twiddles) {
	for n := range 9 {
		a := float64(2*n+1) * math.Pi / 72
		t.c36[n], t.s36[n] = float32(math.Cos(a)), float32(math.Sin(a))
	}
	for n := range 3 {
		a := float64(2*n+1) * math.Pi / 24
		t.c12[n], t.s12[n] = float32(math.Cos(a)), float32(math.Sin(a))
	}
	return t
}

// reorder puts the short-block lines of xr, coded band by band and window
// by window, in frequency order with the three windows interleaved
// (line 3f + w), so that subband s holds lines 18s..18s+17. Only the bands
// below line n are moved: the lines from n on are zero. tmp is scratch.
func reorder(xr, tmp *[granuleLines]float32, lay *bandLayout, n int) {
	pos, start := 0, 0
	for e := 0; e < len(lay.widths) && pos < n; {
		w := lay.widths[e]
		if e < lay.nLong {
			pos += w
			start = pos
			e++
			continue
		}
		src := xr[pos : pos+3*w]
		dst := tmp[pos : pos+3*w]
		for i := range w {
			d := dst[3*i : 3*i+3 : 3*i+3]
			d[0], d[1], d[2] = src[i], src[w+i], src[2*w+i]
		}
		pos += 3 * w
		e += 3
	}
	if pos > start {
		copy(xr[start:pos], tmp[start:pos])
	}
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

// The inverse MDCT of n = 18 (or 6) lines X gives 2n outputs
//
//	y[i] = Σ_k X[k]·cos(π/(4n)·(2i + 1 + n)·(2k + 1)),
//
// which are the DCT-IV z[m] = Σ_k X[k]·cos(π/(4n)·(2m+1)·(2k+1)) of X
// unfolded: y[i] = z[i+n/2] for i < n/2, y[i] = −z[3n/2−1−i] for
// n/2 ≤ i < 3n/2 and y[i] = −z[i−3n/2] above. The DCT-IV takes two DCT-IIIs
// of n/2 points: with θ_m = (2m+1)π/(4n), the sum and difference of
// the cosines of the lines 2j−1 and 2j are 2cos(2jθ)·cos θ and
// 2sin(2jθ)·sin θ, so
//
//	z[m]     = cos θ_m·C[m] + sin θ_m·S[m]
//	z[n−1−m] = sin θ_m·C[m] − cos θ_m·S[m]    (m < n/2)
//
// where C = DCT-III(X[0], X[1]+X[2], X[3]+X[4], ...) and
// S[m] = (−1)^m·DCT-III(X[n−1], ..., X[3]−X[4], X[1]−X[2])[m], the
// DCT-III being Y[m] = Σ_j x[j]·cos(π·j·(2m+1)/n).

// dct3x9 computes in place the DCT-III Y[m] = Σ_j x[j]·cos(π·j·(2m+1)/18)
// of 9 points (the factorisation of minimp3, which is public domain).
func dct3x9(y *[9]float32) {
	const (
		c1 = 0.9396926207859084  // cos(π/9)
		c2 = 0.766044443118978   // cos(2π/9)
		c4 = 0.17364817766693041 // cos(4π/9)
		c3 = 0.8660254037844386  // cos(π/6)
		d1 = 0.984807753012208   // cos(π/18)
		d7 = 0.3420201433256688  // cos(7π/18)
		d5 = 0.6427876096865394  // cos(5π/18)
	)
	s0, s2, s4, s6, s8 := y[0], y[2], y[4], y[6], y[8]
	t0 := s0 + s6*0.5
	s0 -= s6
	t4 := (s4 + s2) * c1
	t2 := (s8 + s2) * c2
	s6 = (s4 - s8) * c4
	s4 += s8 - s2

	s2 = s0 - s4*0.5
	y4 := s4 + s0
	s8 = t0 - t2 + s6
	s0 = t0 - t4 + t2
	s4 = t0 + t4 - s6

	s1, s3, s5, s7 := y[1], y[3], y[5], y[7]
	s3 *= c3
	t0 = (s5 + s1) * d1
	t4 = (s5 - s7) * d7
	t2 = (s1 + s7) * d5
	s1 = (s1 - s5 - s7) * c3

	s5 = t0 - s3 - t2
	s7 = t4 - s3 - t0
	s3 = t4 + s3 - t2

	y[0] = s4 - s7
	y[1] = s2 + s1
	y[2] = s0 - s3
	y[3] = s8 + s5
	y[4] = y4
	y[5] = s8 - s5
	y[6] = s0 + s3
	y[7] = s2 - s1
	y[8] = s4 + s7
}

// imdctLong transforms the 18 lines x of one subband with the window of
// blockType, adds the first half to overlap into out and keeps the second
// half in overlap. Of the 36 outputs y it computes 18: y[17-i] = -y[i] and
// y[35-i] = y[18+i] for i < 9.
func imdctLong(x *[subbandLines]float32, blockType int, overlap, out *[subbandLines]float32) {
	var c, s [9]float32
	c[0] = x[0]
	for j := 1; j < 9; j++ {
		u, v := x[2*j-1], x[2*j]
		c[j] = u + v
		s[9-j] = u - v
	}
	s[0] = x[17]
	dct3x9(&c)
	dct3x9(&s)
	win := &imdctWindows[blockType]
	tw := &imdctTwiddles
	for i := range 9 {
		// z[9+i] and z[8-i] from m = 8-i.
		m := 8 - i
		cm, sm := c[m], s[m]
		if m&1 == 1 {
			sm = -sm
		}
		a := tw.s36[m]*cm - tw.c36[m]*sm    // y[i] = z[9+i]
		b := -(tw.c36[m]*cm + tw.s36[m]*sm) // y[18+i] = -z[8-i]
		out[i] = overlap[i] + a*win[i]
		out[17-i] = overlap[17-i] - a*win[17-i]
		overlap[i] = b * win[18+i]
		overlap[17-i] = b * win[35-i]
	}
}

// imdct12 returns the 12 outputs of the inverse MDCT of the 6 lines
// x[w], x[w+3], ..., x[w+15], windowed by the short window.
func imdct12(x *[subbandLines]float32, w int, y *[12]float32) {
	x0, x1, x2, x3, x4, x5 := x[w], x[w+3], x[w+6], x[w+9], x[w+12], x[w+15]
	// DCT-IIIs of 3 points: Y[m] = a + b·cos((2m+1)π/6) + c·cos((2m+1)π/3).
	const h = 0.8660254037844386 // cos(π/6)
	ca, cb, cc := x0, x1+x2, x3+x4
	sa, sb, sc := x5, x3-x4, x1-x2
	c0, c1, c2 := ca+cb*h+cc*0.5, ca-cc, ca-cb*h+cc*0.5
	s0, s1, s2 := sa+sb*h+sc*0.5, -(sa - sc), sa-sb*h+sc*0.5
	tw := &imdctTwiddles
	// z[m] and z[5-m] for m < 3.
	z0 := tw.c12[0]*c0 + tw.s12[0]*s0
	z5 := tw.s12[0]*c0 - tw.c12[0]*s0
	z1 := tw.c12[1]*c1 + tw.s12[1]*s1
	z4 := tw.s12[1]*c1 - tw.c12[1]*s1
	z2 := tw.c12[2]*c2 + tw.s12[2]*s2
	z3 := tw.s12[2]*c2 - tw.c12[2]*s2
	win := &shortWindow
	y[0], y[1], y[2] = z3*win[0], z4*win[1], z5*win[2]
	y[3], y[4], y[5] = -z5*win[3], -z4*win[4], -z3*win[5]
	y[6], y[7], y[8] = -z2*win[6], -z1*win[7], -z0*win[8]
	y[9], y[10], y[11] = -z0*win[9], -z1*win[10], -z2*win[11]
}

// imdctShort transforms the three interleaved short windows of the 18
// lines x of one subband, overlapping them at 6, 12 and 18 of the 36-point
// block, then does the overlap-add like imdctLong.
func imdctShort(x *[subbandLines]float32, overlap, out *[subbandLines]float32) {
	var a, b, c [12]float32
	imdct12(x, 0, &a)
	imdct12(x, 1, &b)
	imdct12(x, 2, &c)
	for i := range 6 {
		out[i] = overlap[i]
		out[6+i] = overlap[6+i] + a[i]
		out[12+i] = overlap[12+i] + a[6+i] + b[i]
		overlap[i] = b[6+i] + c[i]
		overlap[6+i] = c[6+i]
		overlap[12+i] = 0
	}
}
