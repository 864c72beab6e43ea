package aac

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
