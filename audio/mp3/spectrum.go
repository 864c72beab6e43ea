package mp3

// granuleLines is the number of spectral lines of a granule of one channel.
const granuleLines = 576

// decodeSpectrum reads the Huffman-coded spectrum of granule g (the
// part after its scalefactors, up to bit `end` of r) and writes the
// requantized lines to xr. It returns how many lines from the start may be
// non-zero; xr beyond them is zeroed. Data that runs past `end` in the
// big-value regions, or a bit pattern that is no code of its table, is
// malformed; a last count1 quadruple that runs past `end` is dropped, as
// the reference decoder does.
func decodeSpectrum(r *bitReader, end int, g *granuleInfo, h header, lay *bandLayout, gains *[maxBands]float32, xr *[granuleLines]float32) (int, error) {
	// Region boundaries, in lines.
	rate := h.rateTable()
	var r1, r2 int
	switch {
	case g.blockType == blockShort:
		r1, r2 = 36, granuleLines
		if rate == 8 { // 8 kHz
			r1 = 72
		}
	case g.blockType != blockNormal:
		r1, r2 = longBoundary(rate, 8), granuleLines
	default:
		r1 = longBoundary(rate, g.region0Count+1)
		r2 = longBoundary(rate, min(g.region0Count+g.region1Count+2, 22))
	}
	bigEnd := g.bigValues * 2
	r1 = min(r1, bigEnd)
	r2 = min(max(r2, r1), bigEnd)

	band, bandEnd := 0, lay.widths[0]
	gain := gains[0]
	i := 0
	for reg, regEnd := range [3]int{r1, r2, bigEnd} {
		t := &huffman.pairs[g.tableSelect[reg]]
		if !t.used {
			return 0, malformed("granule uses Huffman table %d, which does not exist", g.tableSelect[reg])
		}
		if t.code == nil { // table 0: the region is all zero
			for ; i < regEnd; i += 2 {
				xr[i], xr[i+1] = 0, 0
			}
			for band < len(lay.widths)-1 && i >= bandEnd {
				band++
				bandEnd += lay.widths[band]
				gain = gains[band]
			}
			continue
		}
		for ; i < regEnd; i += 2 {
			if r.pos > end {
				return 0, malformed("Huffman data overruns its granule's part2_3_length")
			}
			v, ok := t.code.decode(r)
			if !ok {
				return 0, malformed("invalid Huffman code in table %d", g.tableSelect[reg])
			}
			for band < len(lay.widths)-1 && i >= bandEnd {
				band++
				bandEnd += lay.widths[band]
				gain = gains[band]
			}
			xr[i] = spectralValue(r, int(v>>4), t.linbits, gain)
			xr[i+1] = spectralValue(r, int(v&15), t.linbits, gain)
		}
	}
	if r.pos > end {
		return 0, malformed("Huffman data overruns its granule's part2_3_length")
	}

	// count1 region: quadruples of values in -1..1 until the data ends.
	q := &huffman.count1[g.count1Table]
	for i+4 <= granuleLines && r.pos < end {
		start := r.pos
		v, ok := q.decode(r)
		if !ok {
			return 0, malformed("invalid count1 Huffman code")
		}
		var vals [4]float32
		for k := range 4 {
			if v&(8>>k) != 0 {
				vals[k] = 1
				if r.bit() == 1 {
					vals[k] = -1
				}
			}
		}
		if r.pos > end {
			r.pos = start
			break
		}
		for k := range 4 {
			for band < len(lay.widths)-1 && i+k >= bandEnd {
				band++
				bandEnd += lay.widths[band]
				gain = gains[band]
			}
			xr[i+k] = vals[k] * gain
		}
		i += 4
	}
	clear(xr[i:])
	return i, nil
}

// spectralValue finishes one value x of a pair: its linbits extension when
// x is 15, its sign bit when non-zero, and requantization with gain.
func spectralValue(r *bitReader, x, linbits int, gain float32) float32 {
	if x == 0 {
		return 0
	}
	if x == 15 && linbits > 0 {
		x += int(r.read(linbits))
	}
	v := pow43[x] * gain
	if r.bit() == 1 {
		v = -v
	}
	return v
}
