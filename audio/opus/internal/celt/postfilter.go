package celt

// The pitch post-filter (RFC 6716 section 4.3.7.1; libopus celt/celt.c
// comb_filter, float build).

var combGains = [3][3]float32{
	{0.3066406250, 0.2170410156, 0.1296386719},
	{0.4638671875, 0.2680664062, 0},
	{0.7998046875, 0.1000976562, 0},
}

// combFilter filters n samples of buf from offset off into the same
// positions, cross-fading over the overlap from the filter (t0, g0,
// tapset0) to (t1, g1, tapset1). buf must hold off-maxPeriod-2 ≥ 0
// samples of history. It works in place, as libopus does (x == y).
func combFilter(buf []float32, off, t0, t1, n int, g0, g1 float32, tapset0, tapset1 int, overlapLen int) {
	if g0 == 0 && g1 == 0 {
		return
	}
	t0 = max(t0, combFilterMinPeriod)
	t1 = max(t1, combFilterMinPeriod)
	g00 := g0 * combGains[tapset0][0]
	g01 := g0 * combGains[tapset0][1]
	g02 := g0 * combGains[tapset0][2]
	g10 := g1 * combGains[tapset1][0]
	g11 := g1 * combGains[tapset1][1]
	g12 := g1 * combGains[tapset1][2]
	x1 := buf[off-t1+1]
	x2 := buf[off-t1]
	x3 := buf[off-t1-1]
	x4 := buf[off-t1-2]
	if g0 == g1 && t0 == t1 && tapset0 == tapset1 {
		overlapLen = 0
	}
	i := 0
	for ; i < overlapLen; i++ {
		x0 := buf[off+i-t1+2]
		f := float32(window[i] * window[i])
		xi := off + i
		buf[xi] = buf[xi] +
			float32(float32((1-f)*g00)*buf[xi-t0]) +
			float32(float32((1-f)*g01)*(buf[xi-t0+1]+buf[xi-t0-1])) +
			float32(float32((1-f)*g02)*(buf[xi-t0+2]+buf[xi-t0-2])) +
			float32(float32(f*g10)*x2) +
			float32(float32(f*g11)*(x1+x3)) +
			float32(float32(f*g12)*(x0+x4))
		x4 = x3
		x3 = x2
		x2 = x1
		x1 = x0
	}
	if g1 == 0 {
		return
	}
	// The constant filter.
	combFilterConst(buf[off+i:off+n], buf, off+i, t1, n-i, g10, g11, g12)
}
