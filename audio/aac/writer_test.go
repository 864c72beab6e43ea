package aac

// A bit writer and a small AAC-LC encoder of hand-made frames, for tests
// that need streams the fixtures do not hold: pulses, reserved values,
// unsupported elements, lying ADTS headers.

// bitWriter appends bits most significant first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) write(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.buf[w.n/8] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// code writes a codeword given as length<<24 | bits.
func (w *bitWriter) code(c uint32) { w.write(c&0xFFFFFF, uint(c>>24)) }

func (w *bitWriter) align() {
	for w.n%8 != 0 {
		w.write(0, 1)
	}
}

func (w *bitWriter) bytes() []byte { return w.buf }

// testICS describes a long-window channel stream coded with the escape
// codebook over its first maxSFB bands, all with scale factor globalGain.
type testICS struct {
	globalGain int
	maxSFB     int
	shape      uint32
	q          [frameLength]int32
	pulse      *pulseData // pulse offsets relative to the band start
	pulseStart int
	// tnsCoef, when set, gives one TNS filter over all bands with these
	// 4-bit coefficients.
	tnsCoef []uint32
}

// writeICSInfo writes a long-window ics_info.
func (s *testICS) writeICSInfo(w *bitWriter) {
	w.write(0, 1)       // reserved
	w.write(0, 2)       // ONLY_LONG_SEQUENCE
	w.write(s.shape, 1) // window_shape
	w.write(uint32(s.maxSFB), 6)
	w.write(0, 1) // predictor_data_present
}

// write writes the individual_channel_stream for sampling index sfi.
func (s *testICS) write(w *bitWriter, sfi int, commonWindow bool) {
	swb := bandTablesByIndex[sfi].long
	w.write(uint32(s.globalGain), 8)
	if !commonWindow {
		s.writeICSInfo(w)
	}
	// One section of codebook 11.
	if s.maxSFB > 0 {
		w.write(escHCB, 4)
		n := s.maxSFB
		for ; n >= 31; n -= 31 {
			w.write(31, 5)
		}
		w.write(uint32(n), 5)
	}
	for range s.maxSFB {
		w.code(scalefactorCodes[60])
	}
	if s.pulse != nil {
		w.write(1, 1)
		w.write(uint32(s.pulse.n-1), 2)
		w.write(uint32(s.pulseStart), 6)
		prev := 0
		for i := range s.pulse.n {
			w.write(uint32(s.pulse.offset[i]-prev), 5)
			prev = s.pulse.offset[i]
			w.write(uint32(s.pulse.amp[i]), 4)
		}
	} else {
		w.write(0, 1)
	}
	if s.tnsCoef != nil {
		w.write(1, 1) // tns_data_present
		w.write(1, 2) // n_filt
		w.write(1, 1) // coef_res: 4 bits
		w.write(uint32(s.maxSFB), 6)
		w.write(uint32(len(s.tnsCoef)), 5)
		w.write(0, 1) // direction
		w.write(0, 1) // coef_compress
		for _, c := range s.tnsCoef {
			w.write(c, 4)
		}
	} else {
		w.write(0, 1)
	}
	w.write(0, 1) // gain_control_data_present
	for k := 0; k < int(swb[s.maxSFB]); k += 2 {
		y, z := s.q[k], s.q[k+1]
		ay, az := min(abs32(y), 16), min(abs32(z), 16)
		w.code(spectralCodes[escHCB-1][17*ay+az])
		for _, v := range []int32{y, z} {
			if v != 0 {
				w.write(b2u(v < 0), 1)
			}
		}
		for _, v := range []int32{y, z} {
			if abs32(v) >= 16 {
				writeEscape(w, uint32(abs32(v)))
			}
		}
	}
}

func writeEscape(w *bitWriter, v uint32) {
	n := uint(0)
	for v>>(n+5) != 0 {
		n++
	}
	for range n {
		w.write(1, 1)
	}
	w.write(0, 1)
	w.write(v-1<<(n+4), n+4)
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// sceBlock returns a raw_data_block of one SCE and END.
func sceBlock(s *testICS, sfi int) []byte {
	var w bitWriter
	w.write(uint32(elemSCE), 3)
	w.write(0, 4)
	s.write(&w, sfi, false)
	w.write(uint32(elemEND), 3)
	w.align()
	return w.bytes()
}

// cpeBlock returns a raw_data_block of one CPE (separate windows) and END.
func cpeBlock(l, r *testICS, sfi int) []byte {
	var w bitWriter
	w.write(uint32(elemCPE), 3)
	w.write(0, 4)
	w.write(0, 1) // common_window
	l.write(&w, sfi, false)
	r.write(&w, sfi, false)
	w.write(uint32(elemEND), 3)
	w.align()
	return w.bytes()
}

// adtsFrame wraps raw_data_blocks in an ADTS header without CRC.
func adtsFrame(sfi, chanCfg int, blocks ...[]byte) []byte {
	n := 0
	for _, b := range blocks {
		n += len(b)
	}
	var w bitWriter
	w.write(0xFFF, 12)
	w.write(0, 1) // MPEG-4
	w.write(0, 2) // layer
	w.write(1, 1) // protection_absent
	w.write(1, 2) // LC
	w.write(uint32(sfi), 4)
	w.write(0, 1)
	w.write(uint32(chanCfg), 3)
	w.write(0, 4)
	w.write(uint32(adtsHeaderSize+n), 13)
	w.write(0x7FF, 11)
	w.write(uint32(len(blocks)-1), 2)
	out := w.bytes()
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

// adtsFrameCRC wraps raw_data_blocks in an ADTS header with CRC words
// (zero: the decoder does not check them).
func adtsFrameCRC(sfi, chanCfg int, blocks ...[]byte) []byte {
	n := 0
	for _, b := range blocks {
		n += len(b)
	}
	extra := 2
	if len(blocks) > 1 {
		extra = 2*(len(blocks)-1) + 2 + 2*len(blocks)
	}
	var w bitWriter
	w.write(0xFFF, 12)
	w.write(0, 1)
	w.write(0, 2)
	w.write(0, 1) // protection_absent = 0
	w.write(1, 2)
	w.write(uint32(sfi), 4)
	w.write(0, 1)
	w.write(uint32(chanCfg), 3)
	w.write(0, 4)
	w.write(uint32(adtsHeaderSize+extra+n), 13)
	w.write(0x7FF, 11)
	w.write(uint32(len(blocks)-1), 2)
	out := w.bytes()
	if len(blocks) == 1 {
		return append(append(out, 0, 0), blocks[0]...)
	}
	// raw_data_block_position of blocks 2…, then the header CRC.
	pos := 0
	for _, b := range blocks[:len(blocks)-1] {
		pos += len(b) + 2
		out = append(out, byte(pos>>8), byte(pos))
	}
	out = append(out, 0, 0)
	for _, b := range blocks {
		out = append(append(out, b...), 0, 0)
	}
	return out
}
