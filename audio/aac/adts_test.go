package aac

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// decodeAll decodes an ADTS stream to its end and returns the frames per
// channel decoded and the error that ended it (nil at a clean end).
func decodeAll(data []byte) ([][]float32, error) {
	dec, err := NewADTSDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return audiotest.Drain(dec)
}

// frameEnds returns the offsets at which the frames of an ADTS stream end.
func frameEnds(tb testing.TB, data []byte) []int {
	var ends []int
	for off := 0; off < len(data); {
		h, err := parseADTSHeader(data[off : off+adtsHeaderSize])
		if err != nil {
			tb.Fatal(err)
		}
		off += h.frameLength
		ends = append(ends, off)
	}
	return ends
}

// sameOutput reports whether a and b hold the same samples.
func sameOutput(a, b [][]float32) bool {
	return slices.EqualFunc(a, b, slices.Equal[[]float32])
}

// TestTruncated cuts a stream at every offset of its first frames and at
// a stride through the rest: a cut inside a frame is ErrMalformed, a cut
// between frames a clean decode of the frames before it.
func TestTruncated(t *testing.T) {
	for _, name := range []string{"stereo44k-128k.aac", "surround24k.aac"} {
		data := audiotest.ReadFixture(t, name)
		ends := frameEnds(t, data)
		boundary := map[int]int{}
		for i, e := range ends {
			boundary[e] = i + 1
		}
		for cut := 0; cut < len(data); cut++ {
			if cut > 1200 && cut%61 != 0 && boundary[cut] == 0 {
				continue
			}
			out, err := decodeAll(data[:cut])
			if n, ok := boundary[cut]; ok {
				if err != nil || len(out[0]) != n*frameLength {
					t.Fatalf("%s cut at frame end %d: %d samples, %v; want %d frames", name, cut, len(out[0]), err, n)
				}
				continue
			}
			if !errors.Is(err, pcm.ErrMalformed) {
				t.Fatalf("%s cut at %d: %v, want ErrMalformed", name, cut, err)
			}
		}
	}
}

// TestCorrupted flips bits and bytes at every offset of the first frame
// of streams, and at every third of the next two: every decode must end, cleanly or with an error wrapping
// ErrMalformed, or ErrUnsupported where the flip turns a header into
// another profile or channel configuration, or a fill element into SBR
// data.
func TestCorrupted(t *testing.T) {
	for _, name := range []string{"stereo48k-96k.aac", "mono8k-32k.aac", "stereo16k-pce.aac", "surround24k.aac", "stereo44k-is-ms.aac"} {
		data := audiotest.ReadFixture(t, name)
		ends := frameEnds(t, data)
		data = data[:ends[2]]
		for off := range data {
			if off > ends[0] && off%3 != 0 {
				continue
			}
			for _, mask := range []byte{0xFF, 0x01 << (off % 8)} {
				bad := bytes.Clone(data)
				bad[off] ^= mask
				out, err := decodeAll(bad)
				if err != nil && !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
					t.Fatalf("%s: flip %#x at %d: %v", name, mask, off, err)
				}
				for _, ch := range out {
					for _, v := range ch {
						if v != v || v > 1e6 || v < -1e6 {
							t.Fatalf("%s: flip %#x at %d: sample %v", name, mask, off, v)
						}
					}
				}
			}
		}
	}
}

// TestLyingHeaders gives headers that claim absurd sizes and counts.
func TestLyingHeaders(t *testing.T) {
	data := audiotest.ReadFixture(t, "mono8k-32k.aac")
	first := frameEnds(t, data)[0]
	setLength := func(p []byte, n int) {
		p[3] = p[3]&^3 | byte(n>>11)
		p[4] = byte(n >> 3)
		p[5] = p[5]&0x1F | byte(n<<5)
	}
	cases := map[string]func() []byte{
		"frame longer than the file": func() []byte {
			p := bytes.Clone(data[:first])
			setLength(p, adtsMaxFrame)
			return p
		},
		"frame shorter than its header": func() []byte {
			p := bytes.Clone(data)
			setLength(p, 5)
			return p
		},
		"frame of its header only": func() []byte {
			p := bytes.Clone(data[:adtsHeaderSize])
			setLength(p, adtsHeaderSize)
			return p
		},
		"four raw_data_blocks in a one-block frame": func() []byte {
			p := bytes.Clone(data)
			p[6] |= 3
			return p
		},
		"ID3v2 tag of 256 MB": func() []byte {
			return append([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), data...)
		},
		"ID3v2 with a bad size": func() []byte {
			return append([]byte("ID3\x04\x00\x00\x80\x00\x00\x00"), data...)
		},
		"junk between frames": func() []byte {
			return append(append(bytes.Clone(data[:first]), "junk"...), data[first:]...)
		},
		"bytes after an ID3v1 tag": func() []byte {
			tag := append([]byte("TAG"), make([]byte, 125)...)
			return append(append(bytes.Clone(data), tag...), 0)
		},
		"truncated ID3v1 tag": func() []byte {
			return append(bytes.Clone(data), "TAG1234567"...)
		},
		"empty":     func() []byte { return nil },
		"sync only": func() []byte { return []byte{0xFF, 0xF1} },
		"reserved sampling index": func() []byte {
			p := bytes.Clone(data)
			p[2] = p[2]&^0x3C | 13<<2
			return p
		},
		"layer 1": func() []byte {
			p := bytes.Clone(data)
			p[1] |= 2
			return p
		},
	}
	for name, make := range cases {
		var err error
		alloc := audiotest.Allocated(func() { _, err = decodeAll(make()) })
		if !errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
		if alloc > 4<<20 {
			t.Errorf("%s: allocated %d bytes", name, alloc)
		}
	}
}

func TestUnsupported(t *testing.T) {
	data := audiotest.ReadFixture(t, "mono8k-32k.aac")
	first := frameEnds(t, data)[0]
	var s testICS
	s.globalGain, s.maxSFB = 100, 4
	sbr := func() []byte {
		var w bitWriter
		w.write(uint32(elemSCE), 3)
		w.write(0, 4)
		s.write(&w, 4, false)
		w.write(uint32(elemFIL), 3)
		w.write(2, 4)
		w.write(extSBRData, 4)
		w.write(0, 12)
		w.write(uint32(elemEND), 3)
		w.align()
		return adtsFrame(4, 1, w.bytes())
	}
	cce := func() []byte {
		var w bitWriter
		w.write(uint32(elemCCE), 3)
		w.write(0, 20)
		w.align()
		return adtsFrame(4, 1, w.bytes())
	}
	ssr := func() []byte {
		var w bitWriter
		w.write(uint32(elemSCE), 3)
		w.write(0, 4)
		empty := testICS{globalGain: 100}
		w.write(100, 8)
		empty.writeICSInfo(&w) // max_sfb 0: no sections
		w.write(0, 2)          // no pulses, no TNS
		w.write(1, 1)          // gain_control_data_present
		w.align()
		return adtsFrame(4, 1, append(w.bytes(), 0, 0, 0, 0))
	}
	profile := func(p byte) []byte {
		q := bytes.Clone(data)
		q[2] = q[2]&0x3F | p<<6
		return q
	}
	cases := map[string][]byte{
		"implicit HE-AAC (SBR fill element)": sbr(),
		"coupling channel element":           cce(),
		"AAC SSR gain control":               ssr(),
		"ADTS AAC Main":                      profile(0),
		"ADTS AAC SSR":                       profile(2),
		"ADTS AAC LTP":                       profile(3),
		"ADTS channel configuration 0 without a PCE": func() []byte {
			q := bytes.Clone(data)
			q[2] &^= 1
			q[3] &= 0x3F
			return q
		}(),
		"ADIF": append([]byte("ADIF"), make([]byte, 40)...),
		"LOAS": {0x56, 0xE0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"profile changes mid-stream": func() []byte {
			q := bytes.Clone(data)
			q[first+2] &= 0x3F
			return q
		}(),
	}
	for name, p := range cases {
		_, err := decodeAll(p)
		if !errors.Is(err, pcm.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
	if _, err := decodeAll(sbr()); err == nil || !bytes.Contains([]byte(err.Error()), []byte("HE-AAC")) {
		t.Errorf("implicit SBR: error %v does not name HE-AAC", err)
	}
}

// TestADTSVariants decodes the same blocks framed in other legal ways:
// with CRC words, several blocks per frame (with and without CRC), MPEG-2
// headers, an ID3v2 tag before and an ID3v1 tag after.
func TestADTSVariants(t *testing.T) {
	data := audiotest.ReadFixture(t, "stereo44k-128k.aac")
	want, err := decodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	blocks, h := splitADTS(t, data)
	frame := func(crc bool, bs ...[]byte) []byte {
		if crc {
			return adtsFrameCRC(h.samplingIndex, h.channelConfig, bs...)
		}
		return adtsFrame(h.samplingIndex, h.channelConfig, bs...)
	}
	variants := map[string][]byte{}
	var crc1, multi, multiCRC, mpeg2 []byte
	for i, b := range blocks {
		crc1 = append(crc1, frame(true, b)...)
		f := frame(false, b)
		f[1] |= 0x08
		mpeg2 = append(mpeg2, f...)
		if i%3 == 0 {
			end := min(i+3, len(blocks))
			multi = append(multi, frame(false, blocks[i:end]...)...)
			multiCRC = append(multiCRC, frame(true, blocks[i:end]...)...)
		}
	}
	variants["CRC"] = crc1
	variants["three blocks per frame"] = multi
	variants["three blocks per frame with CRC"] = multiCRC
	variants["MPEG-2"] = mpeg2
	id3v2 := append([]byte("ID3\x03\x00\x00\x00\x00\x02\x01"), make([]byte, 257)...)
	variants["ID3v2 tag"] = append(bytes.Clone(id3v2), data...)
	id3v2f := append([]byte("ID3\x04\x00\x10\x00\x00\x00\x05"), make([]byte, 15)...)
	variants["ID3v2 tag with footer"] = append(bytes.Clone(id3v2f), data...)
	variants["ID3v1 tag"] = append(bytes.Clone(data), append([]byte("TAG"), make([]byte, 125)...)...)
	for name, v := range variants {
		got, err := decodeAll(v)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !sameOutput(got, want) {
			t.Errorf("%s: output differs from the plain stream's", name)
		}
	}
	// Reading a byte at a time changes nothing.
	dec, err := NewADTSDecoder(iotest.OneByteReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := audiotest.Drain(dec)
	if err != nil || !sameOutput(got, want) {
		t.Errorf("one byte at a time: %v", err)
	}
}

// TestReaderErrors checks that the reader's own errors come through
// wrapped, not as ErrMalformed.
func TestReaderErrors(t *testing.T) {
	data := audiotest.ReadFixture(t, "mono16k-64k.aac")
	disk := errors.New("disk on fire")
	for _, n := range []int{0, 3, 9, 100, 2000, len(data) - 1} {
		r := io.MultiReader(bytes.NewReader(data[:n]), iotest.ErrReader(disk))
		dec, err := NewADTSDecoder(r)
		if err == nil {
			_, err = audiotest.Drain(dec)
		}
		if !errors.Is(err, disk) || errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("error after %d bytes: %v, want the reader's", n, err)
		}
	}
}

// TestNextAfterEnd checks that Next keeps returning its final result.
func TestNextAfterEnd(t *testing.T) {
	dec, err := NewADTSDecoder(bytes.NewReader(audiotest.ReadFixture(t, "mono8k-32k.aac")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audiotest.Drain(dec); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if b, err := dec.Next(); b != nil || err != io.EOF {
			t.Fatalf("after the end: %v, %v", b, err)
		}
	}
}
