package mp3

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// granuleLines is the number of spectral lines of a granule of one channel.
const granuleLines = 576

// decodeSpectrum reads the Huffman-coded spectrum of granule g (the
// part after its scalefactors, up to bit `end` of r) and writes the
// requantized lines to xr. It returns how many lines from the start may be
// non-zero; xr beyond them is zeroed. Data that runs past `end` in the
// big-value regions, or a bit pattern that is no code of its table, is
// malformed; a last count1 quadruple that runs past `end` is dropped, as
// the reference decoder does.
//
// The bits of a pair (a code of at most 19 bits, two linbits fields of at
// most 13 bits and two sign bits: 47 bits) or of a quadruple are all taken
// from one 64-bit load at the pair's first byte, which holds at least 57
// bits from the pair's first bit on.
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

	buf := r.buf
	pos := r.pos
	widths := lay.widths
	last := len(widths) - 1
	band, bandEnd := 0, widths[0]
	gain := gains[0]
	i := 0
	pow := pow43
	for reg, regEnd := range [3]int{r1, r2, bigEnd} {
		t := &huffman.pairs[g.tableSelect[reg]]
		if !t.used {
			return 0, malformed("granule uses Huffman table %d, which does not exist", g.tableSelect[reg])
		}
		// Runs of pairs in one scalefactor band (all band widths are even,
		// so no pair straddles two bands).
		for i < regEnd {
			for band < last && i >= bandEnd {
				band++
				bandEnd += widths[band]
				gain = gains[band]
			}
			run := min(regEnd, bandEnd)
			if t.code == nil { // table 0: the region is all zero
				clear(xr[i:run])
				i = run
				continue
			}
			lut, bits, lb := t.code.lut, uint(t.code.bits), uint(t.linbits)
			for ; i < run; i += 2 {
				if pos > end {
					return 0, malformed("Huffman data overruns its granule's part2_3_length")
				}
				w := binary.BigEndian.Uint64(buf[pos>>3:]) << (pos & 7)
				e := lut[w>>(64-bits)]
				n := uint(e >> 16 & 31)
				if e&huffPointer != 0 {
					e = lut[e&0xFFFF+uint32(w<<bits>>(64-n))]
					n = uint(e >> 16 & 31)
					if n == 0 {
						return 0, malformed("invalid Huffman code in table %d", g.tableSelect[reg])
					}
					n += bits
				} else if n == 0 {
					return 0, malformed("invalid Huffman code in table %d", g.tableSelect[reg])
				}
				// The pair's length is known from the lookup: the code, a
				// sign bit per nonzero value, linbits per 15.
				pos += int(n + uint(e>>8&3) + uint(e>>10&3)*lb)
				w <<= n
				// Signs without branches: a zero value takes no sign bit
				// (and pow43[0] is 0).
				x, y := uint(e>>4&15), uint(e&15)
				if x == 15 && lb > 0 {
					x += uint(w >> (64 - lb))
					w <<= lb
				}
				sx := b2u(x != 0)
				vx := math.Float32frombits(math.Float32bits(pow[x]*gain) ^ (uint32(w>>63)&uint32(sx))<<31)
				w <<= sx
				if y == 15 && lb > 0 {
					y += uint(w >> (64 - lb))
					w <<= lb
				}
				sy := b2u(y != 0)
				vy := math.Float32frombits(math.Float32bits(pow[y]*gain) ^ (uint32(w>>63)&uint32(sy))<<31)
				xr[i], xr[i+1] = vx, vy
			}
		}
	}
	if pos > end {
		return 0, malformed("Huffman data overruns its granule's part2_3_length")
	}

	// count1 region: quadruples of values in -1..1 until the data ends.
	q := &huffman.count1[g.count1Table]
	qlut, qbits := q.lut, uint(q.bits) // no code is longer than the root
	for i+4 <= granuleLines && pos < end {
		w := binary.BigEndian.Uint64(buf[pos>>3:]) << (pos & 7)
		e := qlut[w>>(64-qbits)]
		n := uint(e >> 16 & 31)
		if n == 0 {
			return 0, malformed("invalid count1 Huffman code")
		}
		// The value's nonzero lines take the sign bits that follow, in
		// order: count1Values maps the value and the next four bits.
		v := e & 15
		vals := &count1Values[v<<4|uint32(w<<n>>60)]
		n += uint(count1Signs[v])
		if pos+int(n) > end {
			break
		}
		pos += int(n)
		if i+4 <= bandEnd {
			o := (*[4]float32)(xr[i : i+4])
			o[0], o[1], o[2], o[3] = vals[0]*gain, vals[1]*gain, vals[2]*gain, vals[3]*gain
		} else {
			for k := range 4 {
				for band < last && i+k >= bandEnd {
					band++
					bandEnd += widths[band]
					gain = gains[band]
				}
				xr[i+k] = vals[k] * gain
			}
		}
		i += 4
	}
	r.pos = pos
	clear(xr[i:])
	return i, nil
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint {
	if b {
		return 1
	}
	return 0
}

// count1Values are the lines of a count1 quadruple: by its value vwxy
// (bit 3 for the first line) and the four bits that follow its code, the
// first of which is the sign of the first nonzero line, and so on.
var count1Values = func() (t [256][4]float32) {
	for v := range 16 {
		for s := range 16 {
			next := 3 // next sign bit of s
			for k := range 4 {
				if v&(8>>k) != 0 {
					t[v<<4|s][k] = 1
					if s>>next&1 == 1 {
						t[v<<4|s][k] = -1
					}
					next--
				}
			}
		}
	}
	return t
}()

// count1Signs is the number of sign bits of a count1 quadruple by value.
var count1Signs = func() (t [16]uint8) {
	for v := range 16 {
		t[v] = uint8(bits.OnesCount8(uint8(v)))
	}
	return t
}()
