package mp3

import (
	"testing"
)

// TestHuffmanTables checks the code lists against the properties of the
// standard's tables, and the lookup tables built from them: every code
// decodes to its value with its length, and every table is a complete
// prefix code (so no bit pattern is left undecodable) except where noted.
func TestHuffmanTables(t *testing.T) {
	lists := map[int][]uint32{
		1: huffCodes1[:], 2: huffCodes2[:], 3: huffCodes3[:], 5: huffCodes5[:], 6: huffCodes6[:],
		7: huffCodes7[:], 8: huffCodes8[:], 9: huffCodes9[:], 10: huffCodes10[:], 11: huffCodes11[:],
		12: huffCodes12[:], 13: huffCodes13[:], 15: huffCodes15[:], 16: huffCodes16[:], 24: huffCodes24[:],
		32: huffCodes32[:], 33: huffCodes33[:],
	}
	for n, codes := range lists {
		var table *huffTable
		switch n {
		case 32, 33:
			table = &huffman.count1[n-32]
		default:
			table = huffman.pairs[n].code
		}
		kraft := 0.0
		for i, c := range codes {
			l, code := int(c>>24), c&0xFFFFFF
			kraft += 1 / float64(uint64(1)<<l)
			var buf [8 + bitPad]byte
			v := uint64(code) << (64 - l)
			for k := range 8 {
				buf[k] = byte(v >> (56 - 8*k))
			}
			r := bitReader{buf: buf[:]}
			got, ok := table.decode(&r)
			size := map[int]int{1: 2, 2: 3, 3: 3, 5: 4, 6: 4, 7: 6, 8: 6, 9: 6, 10: 8, 11: 8, 12: 8}[n]
			if size == 0 {
				size = 16
			}
			want := uint32(i/size<<4 | i%size)
			if n >= 32 {
				want = uint32(i)
			}
			if !ok || got != want || r.pos != l {
				t.Errorf("table %d code %d: decoded %#x in %d bits (%v), want %#x in %d", n, i, got, r.pos, ok, want, l)
			}
		}
		if kraft != 1 {
			t.Errorf("table %d: Kraft sum %v, not a complete code", n, kraft)
		}
	}
	for _, n := range []int{4, 14} {
		if huffman.pairs[n].used {
			t.Errorf("table %d exists", n)
		}
	}
}

// TestBandLayouts checks that every layout covers the 576 lines of a
// granule, and the mixed layouts start with the long bands of two subbands
// (four at 8 kHz).
func TestBandLayouts(t *testing.T) {
	for r := range 9 {
		for k := range 3 {
			lay := bandLayouts[r][k]
			sum, long := 0, 0
			for e, w := range lay.widths {
				sum += w
				if e < lay.nLong {
					long += w
				}
			}
			if sum != granuleLines || len(lay.widths) > maxBands {
				t.Errorf("rate %d kind %d: %d lines in %d bands", r, k, sum, len(lay.widths))
			}
			if k == layoutMixed && long != mixedLongLines(r) {
				t.Errorf("rate %d mixed: %d long lines", r, long)
			}
		}
		s := 0
		for _, w := range shortWidths[r] {
			s += w
		}
		if s != 192 {
			t.Errorf("rate %d: short bands cover %d lines", r, s)
		}
	}
}

// TestHeader checks frame sizes of known headers.
func TestHeader(t *testing.T) {
	for _, c := range []struct {
		b                     [4]byte
		rate, size, spf, side int
	}{
		{[4]byte{0xFF, 0xFB, 0x90, 0x44}, 44100, 417, 1152, 32}, // MPEG-1 128k joint
		{[4]byte{0xFF, 0xFB, 0x92, 0xC4}, 44100, 418, 1152, 17}, // padded, mono
		{[4]byte{0xFF, 0xF3, 0x14, 0xC4}, 24000, 24, 576, 9},    // MPEG-2 8k mono
		{[4]byte{0xFF, 0xE3, 0x18, 0xC4}, 8000, 72, 576, 9},     // MPEG-2.5 8 kbit/s
		{[4]byte{0xFF, 0xFD, 0x90, 0x44}, 44100, 522, 1152, 32}, // layer II 160k (size only)
	} {
		h, ok := parseHeader(c.b[:])
		if !ok || h.sampleRate() != c.rate || h.frameSize() != c.size || h.samplesPerFrame() != c.spf || (h.layer() == 3 && h.sideInfoSize() != c.side) {
			t.Errorf("% x: ok %v rate %d size %d spf %d side %d", c.b, ok, h.sampleRate(), h.frameSize(), h.samplesPerFrame(), h.sideInfoSize())
		}
	}
	for _, b := range [][4]byte{
		{0xFF, 0xEB, 0x90, 0x44}, // reserved version
		{0xFF, 0xF9, 0x90, 0x44}, // reserved layer
		{0xFF, 0xFB, 0xF0, 0x44}, // bitrate index 15
		{0xFF, 0xFB, 0x9C, 0x44}, // reserved sampling frequency
		{0xFE, 0xFB, 0x90, 0x44}, // no sync
	} {
		if _, ok := parseHeader(b[:]); ok {
			t.Errorf("% x is not a valid header", b)
		}
	}
}
