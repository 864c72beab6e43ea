package aac

import (
	"math"
	"math/bits"
)

// maxBandWidth is the widest scale factor band, in lines.
const maxBandWidth = 96

// readSpectralData reads spectral_data and dequantizes it into s.spec, band
// by band: sign(q)·|q|^(4/3)·gain, after adding the pulses to q. Lines
// above max_sfb and in bands without spectral codebook are zero (noise
// and intensity bands are filled later).
func (d *Decoder) readSpectralData(b *bitReader, s *icStream, pulses *pulseData) error {
	in := &s.info
	spec := s.spec
	clear(spec[:])
	iq := &d.tables.iq
	var q [maxBandWidth]int32
	win := 0
	for g := range in.numGroups {
		for sfb := range in.maxSFB {
			i := bandIndex(g, sfb)
			cb := int(s.bandType[i])
			if cb == zeroHCB || cb > escHCB {
				continue
			}
			gain := s.gain[i]
			lo, hi := int(in.swb[sfb]), int(in.swb[sfb+1])
			for w := range in.groupLen[g] {
				base := (win + w) * 128
				if pulses.n == 0 {
					var err error
					var esc bool
					if b.pos, esc, err = d.tables.decodeBand(b.buf, b.pos, cb, spec[base+lo:base+hi], gain); err != nil {
						return err
					}
					if esc {
						d.used |= toolEscape
					}
					continue
				}
				band := q[:hi-lo]
				if err := d.readBand(b, cb, band); err != nil {
					return err
				}
				if pulses.n > 0 {
					pulses.apply(band, base+lo)
				}
				out := spec[base+lo : base+hi]
				for k, v := range band {
					switch {
					case v > 0:
						out[k] = iq[v] * gain
					case v < 0:
						out[k] = -iq[-v] * gain
					}
				}
			}
		}
		win += in.groupLen[g]
	}
	return nil
}

// readBand reads the quantized values of one band of one window with
// spectral codebook cb (1–11).
func (d *Decoder) readBand(b *bitReader, cb int, q []int32) error {
	book := &spectralBooks[cb-1]
	table := &d.tables.books.spectral[cb-1]
	values := d.tables.books.values[cb-1]
	if book.quad {
		for i := 0; i+4 <= len(q); i += 4 {
			v := values[table.decode(b)]
			for j := range 4 {
				x := int32(int8(v >> (8 * j)))
				if book.unsigned && x != 0 && b.readBool() {
					x = -x
				}
				q[i+j] = x
			}
		}
		return nil
	}
	for i := 0; i+2 <= len(q); i += 2 {
		v := values[table.decode(b)]
		y, z := int32(int8(v)), int32(int8(v>>8))
		if book.unsigned {
			ys, zs := y != 0 && b.readBool(), z != 0 && b.readBool()
			if cb == escHCB && (y == 16 || z == 16) {
				d.used |= toolEscape
				var err error
				if y == 16 {
					if y, err = readEscape(b); err != nil {
						return err
					}
				}
				if z == 16 {
					if z, err = readEscape(b); err != nil {
						return err
					}
				}
			}
			if ys {
				y = -y
			}
			if zs {
				z = -z
			}
		}
		q[i], q[i+1] = y, z
	}
	return nil
}

// readEscape reads the escape sequence of codebook 11: N one bits, a zero,
// and an (N+4)-bit word, for the value 2^(N+4) + word (at most 8191).
func readEscape(b *bitReader) (int32, error) {
	n := uint(0)
	for b.readBool() {
		n++
		if n > 8 {
			return 0, malformed("escape value exceeds 8191")
		}
	}
	return int32(1)<<(n+4) | int32(b.read(n+4)), nil
}

// decodeBand reads the quantized values of one band of one window with
// spectral codebook cb (1–11) from bit pos of buf, and writes them
// dequantized with gain to out. It returns the position after the band,
// and whether an escape was decoded. A codeword with its sign bits and
// escapes takes at most 56 bits (a 12-bit codeword of codebook 11, two sign
// bits and two 21-bit escapes), so it is decoded from one bitsAt; the
// signs are applied without branches. Bands with pulses take readBand.
func (t *decoderTables) decodeBand(buf []byte, pos int, cb int, out []float32, gain float32) (int, bool, error) {
	escaped := false
	book := &spectralBooks[cb-1]
	lut, root := t.books.signed[cb-1], t.books.spectral[cb-1].rootBits
	biased := t.books.biased[cb-1]
	small := &t.iqSmall
	iq := &t.iq
	// code returns the symbol, length and sign bits of the codeword at the
	// start of w.
	code := func(w uint64) (uint32, uint, uint) {
		e := lut[w>>(64-root)]
		if e&huffLink == 0 {
			return e >> huffValueShift & symbolMask, uint(e & huffLenMask), uint(e >> signShift)
		}
		e = lut[(e>>huffValueShift)+uint32(w<<root>>(64-uint(e&huffLenMask)))]
		return e >> huffValueShift & symbolMask, root + uint(e&huffLenMask), uint(e >> signShift)
	}
	switch {
	case book.quad && !book.unsigned:
		for i := 0; i+4 <= len(out); i += 4 {
			sym, n, _ := code(bitsAt(buf, pos))
			pos += int(n)
			v := biased[sym]
			o := (*[4]float32)(out[i : i+4])
			o[0] = small[v&0xFF] * gain
			o[1] = small[v>>8&0xFF] * gain
			o[2] = small[v>>16&0xFF] * gain
			o[3] = small[v>>24] * gain
		}
	case book.quad:
		for i := 0; i+4 <= len(out); i += 4 {
			w := bitsAt(buf, pos)
			sym, n, ns := code(w)
			pos += int(n + ns)
			w <<= n
			v := biased[sym]
			o := (*[4]float32)(out[i : i+4])
			for j := range 4 {
				m := v >> (8 * j) & 0xFF
				nz := oneIf(m != 16)
				o[j] = math.Float32frombits(math.Float32bits(small[m]*gain) ^ uint32(w>>63&nz)<<31)
				w <<= nz
			}
		}
	case !book.unsigned:
		for i := 0; i+2 <= len(out); i += 2 {
			sym, n, _ := code(bitsAt(buf, pos))
			pos += int(n)
			v := biased[sym]
			o := (*[2]float32)(out[i : i+2])
			o[0] = small[v&0xFF] * gain
			o[1] = small[v>>8&0xFF] * gain
		}
	default:
		for i := 0; i+2 <= len(out); i += 2 {
			w := bitsAt(buf, pos)
			sym, n, ns := code(w)
			pos += int(n + ns)
			w <<= n
			v := biased[sym]
			my, mz := v&0xFF, v>>8&0xFF
			ny := oneIf(my != 16)
			sy := w >> 63 & ny
			w <<= ny
			sz := w >> 63 & oneIf(mz != 16)
			w <<= ns - uint(ny)
			var y, z float32
			if my == 32 || mz == 32 { // escapes (codebook 11 only)
				escaped = true
				qy, qz := uint64(my)-16, uint64(mz)-16
				if qy == 16 {
					e, k, ok := escape(w)
					if !ok {
						return pos, escaped, malformed("escape value exceeds 8191")
					}
					qy, w, pos = e, w<<k, pos+int(k)
				}
				if qz == 16 {
					e, k, ok := escape(w)
					if !ok {
						return pos, escaped, malformed("escape value exceeds 8191")
					}
					qz, pos = e, pos+int(k)
				}
				y, z = iq[qy]*gain, iq[qz]*gain
			} else {
				y, z = small[my]*gain, small[mz]*gain
			}
			o := (*[2]float32)(out[i : i+2])
			o[0] = math.Float32frombits(math.Float32bits(y) ^ uint32(sy)<<31)
			o[1] = math.Float32frombits(math.Float32bits(z) ^ uint32(sz)<<31)
		}
	}
	return pos, escaped, nil
}

// escape decodes the escape sequence of codebook 11 at the start of w: N
// one bits, a zero, and an (N+4)-bit word, for the value 2^(N+4) + word
// (at most 8191). It returns the value and the bits it takes, or false if
// N exceeds 8.
func escape(w uint64) (uint64, uint, bool) {
	n := uint(bits.LeadingZeros64(^w))
	if n > 8 {
		return 0, 0, false
	}
	word := w << (n + 1) >> (64 - (n + 4))
	return 1<<(n+4) | word, 2*n + 5, true
}

// oneIf is 1 for true, 0 for false.
func oneIf(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
