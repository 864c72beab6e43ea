package vorbis

import "slices"

// floor1MaxValues is the largest number of X values of a floor 1.
const floor1MaxValues = 65

// floor1 is a floor of type 1: a piecewise linear curve in dB, coded as Y
// values at fixed X positions.
type floor1 struct {
	partitionClass []uint8  // class of each partition
	classDims      [16]int  // Y values per partition of each class
	classSubBits   [16]uint // subclass bits of each class
	classMaster    [16]int  // master book of each class
	subBooks       [16][8]int
	multiplier     int
	rangeBits      uint  // bits of the first two Y values
	xs             []int // X of each value, in stream order
	sorted         []int // value indices in ascending X order
	low, high      []int // neighbours of each value (index ≥ 2)
}

// floor1Range is the Y range of each multiplier.
var floor1Range = [4]int{256, 128, 86, 64}

// readFloor1 reads a floor 1 configuration (section 7.2.2).
func readFloor1(br *bitReader, books []codebook) (*floor1, error) {
	f := &floor1{}
	f.partitionClass = make([]uint8, br.read(5))
	maxClass := -1
	for i := range f.partitionClass {
		f.partitionClass[i] = uint8(br.read(4))
		maxClass = max(maxClass, int(f.partitionClass[i]))
	}
	for c := 0; c <= maxClass; c++ {
		f.classDims[c] = int(br.read(3)) + 1
		f.classSubBits[c] = uint(br.read(2))
		if f.classSubBits[c] > 0 {
			f.classMaster[c] = int(br.read(8))
			if f.classMaster[c] >= len(books) {
				return nil, malformed("floor 1 master book %d of %d", f.classMaster[c], len(books))
			}
		}
		for j := range 1 << f.classSubBits[c] {
			f.subBooks[c][j] = int(br.read(8)) - 1
			if f.subBooks[c][j] >= len(books) {
				return nil, malformed("floor 1 subclass book %d of %d", f.subBooks[c][j], len(books))
			}
		}
	}
	f.multiplier = int(br.read(2)) + 1
	f.rangeBits = ilog(floor1Range[f.multiplier-1] - 1)
	xbits := uint(br.read(4))
	f.xs = append(make([]int, 0, floor1MaxValues), 0, 1<<xbits)
	for _, c := range f.partitionClass {
		for range f.classDims[c] {
			if len(f.xs) == floor1MaxValues {
				return nil, malformed("floor 1 of more than %d values", floor1MaxValues)
			}
			f.xs = append(f.xs, int(br.read(xbits)))
		}
	}
	if br.eop {
		return nil, errEOPSetup
	}
	f.sorted = make([]int, len(f.xs))
	for i := range f.sorted {
		f.sorted[i] = i
	}
	slices.SortFunc(f.sorted, func(a, b int) int { return f.xs[a] - f.xs[b] })
	for i := 1; i < len(f.sorted); i++ {
		if f.xs[f.sorted[i]] == f.xs[f.sorted[i-1]] {
			return nil, malformed("floor 1 has two values at X %d", f.xs[f.sorted[i]])
		}
	}
	f.low = make([]int, len(f.xs))
	f.high = make([]int, len(f.xs))
	for i := 2; i < len(f.xs); i++ {
		lo, hi := 0, 1 // X 0 and X 2^rangebits bound every other X
		for j := range i {
			if f.xs[j] < f.xs[i] && f.xs[j] > f.xs[lo] {
				lo = j
			}
			if f.xs[j] > f.xs[i] && f.xs[j] < f.xs[hi] {
				hi = j
			}
		}
		f.low[i], f.high[i] = lo, hi
	}
	return f, nil
}

// decode reads the floor of one channel into ys (section 7.2.3) and
// reports whether the channel is used. The end of the packet makes it
// unused.
func (f *floor1) decode(br *bitReader, books []codebook, st *channelFloor) bool {
	if !br.flag() {
		return false
	}
	ys := st.ys[:len(f.xs)]
	ys[0] = int(br.read(f.rangeBits))
	ys[1] = int(br.read(f.rangeBits))
	off := 2
	for _, class := range f.partitionClass {
		dims := f.classDims[class]
		cbits := f.classSubBits[class]
		csub := 1<<cbits - 1
		cval := 0
		if cbits > 0 {
			cval = books[f.classMaster[class]].decodeScalar(br)
		}
		for j := range dims {
			book := f.subBooks[class][cval&csub]
			cval >>= cbits
			ys[off+j] = 0
			if book >= 0 {
				ys[off+j] = books[book].decodeScalar(br)
			}
		}
		off += dims
	}
	return !br.eop
}

// apply multiplies the n values of v by the channel's floor curve
// (section 7.2.4).
func (f *floor1) apply(st *channelFloor, v []float32) {
	n := len(v)
	rng := floor1Range[f.multiplier-1]
	ys := st.ys[:len(f.xs)]
	final := st.final[:len(f.xs)]
	step2 := st.step2[:len(f.xs)]
	final[0], final[1] = ys[0], ys[1]
	step2[0], step2[1] = true, true
	for i := 2; i < len(f.xs); i++ {
		lo, hi := f.low[i], f.high[i]
		pred := renderPoint(f.xs[lo], final[lo], f.xs[hi], final[hi], f.xs[i])
		val := ys[i]
		highroom := rng - pred
		lowroom := pred
		room := 2 * min(highroom, lowroom)
		if val == 0 {
			step2[i] = false
			final[i] = pred
			continue
		}
		step2[lo], step2[hi], step2[i] = true, true, true
		switch {
		case val >= room && highroom > lowroom:
			final[i] = val - lowroom + pred
		case val >= room:
			final[i] = pred - val + highroom - 1
		case val&1 != 0:
			final[i] = pred - (val+1)/2
		default:
			final[i] = pred + val/2
		}
	}
	for i := range final {
		final[i] = max(0, min(rng-1, final[i]))
	}

	lx, ly := 0, final[f.sorted[0]]*f.multiplier
	for _, i := range f.sorted[1:] {
		if !step2[i] {
			continue
		}
		hx, hy := f.xs[i], final[i]*f.multiplier
		renderLine(lx, ly, hx, hy, v)
		lx, ly = hx, hy
		if lx >= n {
			return
		}
	}
	for x := lx; x < n; x++ {
		v[x] *= floor1InverseDB[ly]
	}
}

// renderPoint is the specification's render_point: the Y of x on the
// line from (x0, y0) to (x1, y1), in integers.
func renderPoint(x0, y0, x1, y1, x int) int {
	dy := y1 - y0
	adx := x1 - x0
	off := abs(dy) * (x - x0) / adx
	if dy < 0 {
		return y0 - off
	}
	return y0 + off
}

// renderLine multiplies v[x0:x1] (as far as v reaches) by the floor
// values of the specification's integer line from (x0, y0) to (x1, y1).
func renderLine(x0, y0, x1, y1 int, v []float32) {
	dy := y1 - y0
	adx := x1 - x0
	base := dy / adx
	sy := base + 1
	if dy < 0 {
		sy = base - 1
	}
	ady := abs(dy) - abs(base)*adx
	end := min(x1, len(v))
	if x0 >= end {
		return
	}
	y, err := y0, 0
	v[x0] *= floor1InverseDB[y]
	for x := x0 + 1; x < end; x++ {
		err += ady
		if err >= adx {
			err -= adx
			y += sy
		} else {
			y += base
		}
		v[x] *= floor1InverseDB[y]
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
