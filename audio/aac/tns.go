package aac

import "math"

// Largest TNS filter orders of AAC-LC.
const (
	tnsMaxOrderLong  = 12
	tnsMaxOrderShort = 7
)

// read reads tns_data.
func (t *tnsData) read(b *bitReader, in *icsInfo) error {
	nBits, lenBits, orderBits, maxOrder := uint(2), uint(6), uint(5), tnsMaxOrderLong
	if in.short() {
		nBits, lenBits, orderBits, maxOrder = 1, 4, 3, tnsMaxOrderShort
	}
	for w := range in.numWindows {
		t.nFilt[w] = int(b.read(nBits))
		if t.nFilt[w] == 0 {
			continue
		}
		res := 3 + int(b.read(1))
		for f := range t.nFilt[w] {
			ft := &t.filt[w][f]
			ft.length = int(b.read(lenBits))
			ft.order = int(b.read(orderBits))
			if ft.order > maxOrder {
				return malformed("TNS filter order %d exceeds %d", ft.order, maxOrder)
			}
			if ft.order == 0 {
				continue
			}
			ft.down = b.readBool()
			ft.compress = b.readBool()
			ft.coefRes = res
			n := uint(res)
			if ft.compress {
				n--
			}
			for i := range ft.order {
				v := int32(b.read(n)) << (32 - n) >> (32 - n) // sign-extend
				ft.coef[i] = int8(v)
			}
		}
	}
	return nil
}

// tnsFilter is one TNS filter: the bands it covers, its order and
// direction, and its coefficients as transmitted.
type tnsFilter struct {
	length, order int
	down          bool
	coefRes       int // 3 or 4 bits before compression
	compress      bool
	coef          [tnsMaxOrderLong]int8
}

// tnsData is the tns_data of a channel: up to 3 filters per long window,
// 1 per short window.
type tnsData struct {
	present bool
	nFilt   [8]int
	filt    [8][3]tnsFilter
}

// applyTNS runs the channel's temporal noise shaping filters over its
// spectrum (ISO/IEC 14496-3 subpart 4): each filter is an all-pole filter
// across the spectral lines of a range of bands, upwards or downwards.
func (d *Decoder) applyTNS(s *icStream) {
	if !s.tns.present {
		return
	}
	in := &s.info
	maxBands := d.swb.tnsLong
	if in.short() {
		maxBands = d.swb.tnsShort
	}
	limit := min(maxBands, in.maxSFB)
	var lpc [tnsMaxOrderLong + 1]float32
	for w := range in.numWindows {
		spec := s.spec[w*128 : w*128+128]
		if !in.short() {
			spec = s.spec[:]
		}
		bottom := in.numSWB
		for f := range s.tns.nFilt[w] {
			ft := &s.tns.filt[w][f]
			top := bottom
			bottom = max(top-ft.length, 0)
			if ft.order == 0 {
				continue
			}
			start := int(in.swb[min(bottom, limit)])
			end := int(in.swb[min(top, limit)])
			if end <= start {
				continue
			}
			ft.lpc(lpc[:ft.order+1])
			filterAllPole(spec[start:end], lpc[1:ft.order+1], ft.down)
		}
	}
}

// lpc converts the filter's transmitted reflection coefficients to the
// direct-form coefficients a[0..order], a[0] = 1.
func (ft *tnsFilter) lpc(a []float32) {
	var refl [tnsMaxOrderLong]float64
	half := float64(int(1) << (ft.coefRes - 1))
	for i := range ft.order {
		c := float64(ft.coef[i])
		if c >= 0 {
			refl[i] = math.Sin(c / ((half - 0.5) / (math.Pi / 2)))
		} else {
			refl[i] = math.Sin(c / ((half + 0.5) / (math.Pi / 2)))
		}
	}
	var cur, next [tnsMaxOrderLong + 1]float64
	cur[0] = 1
	for m := 1; m <= ft.order; m++ {
		k := refl[m-1]
		for i := 1; i < m; i++ {
			next[i] = cur[i] + k*cur[m-i]
		}
		for i := 1; i < m; i++ {
			cur[i] = next[i]
		}
		cur[m] = k
	}
	for i := range a {
		a[i] = float32(cur[i])
	}
}

// filterAllPole filters x in place, y[n] = x[n] − Σ a[i]·y[n−1−i], from
// its first line upwards or from its last downwards.
func filterAllPole(x []float32, a []float32, down bool) {
	n := len(x)
	order := len(a)
	if !down {
		for m := range n {
			y := x[m]
			for i := 0; i < order && i < m; i++ {
				y -= a[i] * x[m-1-i]
			}
			x[m] = y
		}
		return
	}
	for m := range n {
		p := n - 1 - m
		y := x[p]
		for i := 0; i < order && i < m; i++ {
			y -= a[i] * x[p+1+i]
		}
		x[p] = y
	}
}
