package vorbis

import "math"

// floor0 is a floor of type 0: the frequency response of an LSP filter.
// No encoder has written it since 2000, but it is part of Vorbis I.
type floor0 struct {
	order       int
	rate        int
	barkMapSize int
	ampBits     uint
	ampOffset   int
	books       []int
	// bark maps each spectrum index to a Bark-scale bin, for the short
	// and the long block (section 6.2.3); cosBark is cos(ω) of each bin.
	bark    [2][]int32
	cosBark []float64
}

// readFloor0 reads a floor 0 configuration (section 6.2.2) for blocks of
// sizes bs[0] and bs[1].
func readFloor0(br *bitReader, books []codebook, bs [2]int) (*floor0, error) {
	f := &floor0{
		order:       int(br.read(8)),
		rate:        int(br.read(16)),
		barkMapSize: int(br.read(16)),
		ampBits:     uint(br.read(6)),
		ampOffset:   int(br.read(8)),
	}
	f.books = make([]int, br.read(4)+1)
	for i := range f.books {
		f.books[i] = int(br.read(8))
		if br.eop {
			return nil, errEOPSetup
		}
		if f.books[i] >= len(books) {
			return nil, malformed("floor 0 book %d of %d", f.books[i], len(books))
		}
		if books[f.books[i]].lookup == 0 {
			return nil, malformed("floor 0 book %d has no value mapping", f.books[i])
		}
	}
	if br.eop {
		return nil, errEOPSetup
	}
	if f.order < 1 || f.rate < 1 || f.barkMapSize < 1 {
		return nil, malformed("floor 0 of order %d, rate %d, Bark map size %d", f.order, f.rate, f.barkMapSize)
	}
	bark := func(x float64) float64 {
		return 13.1*math.Atan(0.00074*x) + 2.24*math.Atan(0.0000000185*x*x) + 0.0001*x
	}
	scale := float64(f.barkMapSize) / bark(0.5*float64(f.rate))
	for b, size := range bs {
		n := size / 2
		m := make([]int32, n)
		for i := range m {
			v := math.Floor(bark(float64(f.rate)*float64(i)/float64(2*n)) * scale)
			m[i] = int32(min(float64(f.barkMapSize-1), v))
		}
		f.bark[b] = m
	}
	f.cosBark = make([]float64, f.barkMapSize)
	for i := range f.cosBark {
		f.cosBark[i] = math.Cos(math.Pi * float64(i) / float64(f.barkMapSize))
	}
	return f, nil
}

// decode reads the amplitude and LSP coefficients of one channel (section
// 6.2.2) and reports whether the channel is used.
func (f *floor0) decode(br *bitReader, books []codebook, st *channelFloor) bool {
	amp := int(br.read(f.ampBits))
	if amp == 0 || br.eop {
		return false
	}
	k := int(br.read(ilog(len(f.books))))
	if br.eop || k >= len(f.books) {
		return false
	}
	book := &books[f.books[k]]
	coef := st.coef[:0]
	last := float32(0)
	for len(coef) < f.order {
		v := book.decodeVector(br)
		if v == nil {
			return false
		}
		for _, x := range v {
			if len(coef) < f.order {
				coef = append(coef, x+last)
			}
		}
		last += v[len(v)-1]
	}
	st.amp = amp
	st.coef = coef
	return true
}

// apply multiplies v by the channel's floor curve (section 6.2.3).
func (f *floor0) apply(st *channelFloor, v []float32) {
	m := f.bark[0]
	if len(v) != len(m) {
		m = f.bark[1]
	}
	var cosc [255]float64
	for j, c := range st.coef {
		cosc[j] = math.Cos(float64(c))
	}
	maxAmp := float64(uint64(1)<<f.ampBits - 1)
	for i := 0; i < len(v); {
		cw := f.cosBark[m[i]]
		p, q := 1.0, 1.0
		if f.order&1 != 0 {
			for j := 1; j < f.order; j += 2 {
				d := cosc[j] - cw
				p *= 4 * d * d
			}
			for j := 0; j < f.order; j += 2 {
				d := cosc[j] - cw
				q *= 4 * d * d
			}
			p *= 1 - cw*cw
			q /= 4
		} else {
			for j := 1; j < f.order; j += 2 {
				d := cosc[j] - cw
				p *= 4 * d * d
			}
			for j := 0; j < f.order; j += 2 {
				d := cosc[j] - cw
				q *= 4 * d * d
			}
			p *= (1 - cw) / 2
			q *= (1 + cw) / 2
		}
		val := float32(math.Exp(0.11512925 * (float64(st.amp)*float64(f.ampOffset)/(maxAmp*math.Sqrt(p+q)) - float64(f.ampOffset))))
		for cond := m[i]; i < len(v) && m[i] == cond; i++ {
			v[i] *= val
		}
	}
}
