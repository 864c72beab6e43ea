package flac

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// cutOffsets picks where to cut a file of n bytes whose frames start at
// the given offsets: every byte of the first 300 (the headers), around
// every frame boundary, and 100 more spread over the file.
func cutOffsets(n int, frames []int) []int {
	var offs []int
	for i := 0; i < min(n, 300); i++ {
		offs = append(offs, i)
	}
	for _, f := range frames {
		for d := -3; d <= 3; d++ {
			if f+d >= 0 && f+d < n {
				offs = append(offs, f+d)
			}
		}
	}
	for i := range 100 {
		offs = append(offs, n*i/100)
	}
	slices.Sort(offs)
	return slices.Compact(offs)
}

// TestTruncated cuts every fixture at many offsets: the decoder reports
// ErrMalformed, except where the cut falls exactly between frames (or
// right after the metadata), where it decodes the frames before the cut,
// as ffmpeg does.
func TestTruncated(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.flac")
	for _, path := range files {
		name := filepath.Base(path)
		data := audiotest.ReadFixture(t, name)
		frames := frameOffsets(t, data)
		_, full, err := decodeBytes(t, data)
		if err != nil {
			t.Fatal(err)
		}
		// samplesBefore[i] is the samples per channel before frame i.
		samplesBefore := map[int]int{}
		dec, _ := NewDecoder(bytes.NewReader(data))
		count := 0
		samplesBefore[frames[0]] = 0
		for i := 1; i < len(frames); i++ {
			b, _ := dec.Next()
			count += len(b[0])
			samplesBefore[frames[i]] = count
		}
		for _, cut := range cutOffsets(len(data), frames) {
			_, got, err := decodeBytes(t, data[:cut])
			want, boundary := samplesBefore[cut]
			switch {
			case boundary && err != nil:
				t.Errorf("%s cut at %d, a frame boundary: %v", name, cut, err)
			case boundary:
				for c := range got.ints {
					if !slices.Equal(got.ints[c], full.ints[c][:want]) {
						t.Errorf("%s cut at %d: channel %d differs from the whole file's first %d samples", name, cut, c, want)
					}
				}
			case err == nil:
				t.Errorf("%s cut at %d: decoded %d samples without error", name, cut, len(got.ints[0]))
			case !errors.Is(err, pcm.ErrMalformed):
				t.Errorf("%s cut at %d: %v, want ErrMalformed", name, cut, err)
			}
		}
	}
}

// TestCorrupted changes one byte at a time. In the frames every change is
// caught (CRC-16 catches every error burst of up to 16 bits); in the
// metadata the decoder may decode, or report malformed or unsupported
// audio, but never panic or return other errors.
func TestCorrupted(t *testing.T) {
	for _, name := range []string{"s16-44k-stereo.flac", "s24-96k-stereo.flac", "id3v2.flac", "variable-blocksize.flac", "s32-16k-stereo.flac"} {
		data := audiotest.ReadFixture(t, name)
		frames := frameOffsets(t, data)
		step := max(1, len(data)/400)
		for off := 0; off < len(data); off += step {
			for _, x := range []byte{[3]byte{0xFF, 0x01, 0x80}[off%3]} {
				bad := append([]byte(nil), data...)
				bad[off] ^= x
				_, _, err := decodeBytes(t, bad)
				switch {
				case off >= frames[0] && !errors.Is(err, pcm.ErrMalformed):
					t.Errorf("%s: byte %d ^ %#x (in the frames): %v, want ErrMalformed", name, off, x, err)
				case err != nil && !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported):
					t.Errorf("%s: byte %d ^ %#x: %v", name, off, x, err)
				}
			}
		}
	}
}

func TestLyingHeaders(t *testing.T) {
	x := signal(4096, 16, 5)
	base := func() *testStream {
		return &testStream{rate: 8000, channels: 1, bits: 16, total: -1, frames: []testFrame{mono(x, fixed(2))}}
	}
	const small = 1 << 20 // what a decoder of a tiny stream may allocate
	cases := []struct {
		name   string
		data   []byte
		ok     bool   // decodes
		budget uint64 // bytes it may allocate
	}{
		{"16 MB metadata block, file ends", append(base().encode()[:42], 0x81, 0xFF, 0xFF, 0xFF, 0, 0), false, small},
		{"256 MB ID3v2 tag", append([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), base().encode()...), false, small},
		{"vendor string of 4 GB", func() []byte {
			s := base()
			b := s.encode()
			blk := commentBlock([]string{"WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x4"}, true)
			copy(blk[4:8], []byte{0xFF, 0xFF, 0xFF, 0xFF})
			b[4] &^= 0x80
			return append(b[:42], append(blk, b[42:]...)...)
		}(), true, small},
		{"4 billion comment fields", func() []byte {
			s := base()
			b := s.encode()
			blk := commentBlock([]string{"A=b"}, true)
			copy(blk[12:16], []byte{0xFF, 0xFF, 0xFF, 0xFF})
			b[4] &^= 0x80
			return append(b[:42], append(blk, b[42:]...)...)
		}(), true, small},
		{"comment field of 4 GB", func() []byte {
			s := base()
			b := s.encode()
			blk := commentBlock([]string{"A=b"}, true)
			copy(blk[16:20], []byte{0xFF, 0xFF, 0xFF, 0x7F})
			b[4] &^= 0x80
			return append(b[:42], append(blk, b[42:]...)...)
		}(), true, small},
		{"2^36-1 total samples", func() []byte {
			s := base()
			s.total = 1<<36 - 1
			return s.encode()
		}(), true, small},
		{"largest blocks of 8 channels from a few bytes", func() []byte {
			s := &testStream{rate: 8000, channels: 8, bits: 32, total: -1}
			ch := make([][]int64, 8)
			subs := make([]subSpec, 8)
			for c := range ch {
				ch[c] = make([]int64, 65535)
				subs[c] = subSpec{kind: kindConstant}
			}
			s.frames = []testFrame{{samples: ch, subs: subs}}
			return s.encode()
		}(), true, 8 * 65535 * (8 + 4 + 1) * 5 / 4},
		{"megabytes of zero bits in a residual", func() []byte {
			b := base().encode()
			// Keep the header and warm-up of the frame; the rest is zeros.
			f := frameOffsets(t, b)[0]
			return append(b[:f+20], make([]byte, 3<<20)...)
		}(), false, small},
	}
	for _, tc := range cases {
		var err error
		a := audiotest.Allocated(func() { _, _, err = decodeBytes(t, tc.data) })
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.ok && !errors.Is(err, pcm.ErrMalformed):
			t.Errorf("%s: %v, want ErrMalformed", tc.name, err)
		}
		// decodeBytes keeps every sample it decodes: count those out.
		t.Logf("%s: allocated %d bytes besides the %d of the output", tc.name, a-min(a, outputBytes(tc.data)), outputBytes(tc.data))
		if a > tc.budget+outputBytes(tc.data) {
			t.Errorf("%s: allocated %d bytes, budget %d", tc.name, a, tc.budget)
		}
	}
}

// outputBytes is what decodeAll allocates to keep a stream's samples.
func outputBytes(data []byte) uint64 {
	dec, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return 0
	}
	n := uint64(0)
	for {
		b, err := dec.Next()
		if err != nil {
			break
		}
		n += uint64(len(b) * len(b[0]))
	}
	return n * 8 * 2 // float32 and int32, doubled by append's growth
}

func TestReaderErrorsPassThrough(t *testing.T) {
	disk := errors.New("disk on fire")
	data := audiotest.ReadFixture(t, "id3v2.flac")
	for _, n := range []int{0, 5, 12, 60, 200, len(data) / 2, len(data) - 1} {
		dec, err := NewDecoder(io.MultiReader(bytes.NewReader(data[:n]), iotest.ErrReader(disk)))
		if err == nil {
			_, err = decodeAll(t, dec)
		}
		if !errors.Is(err, disk) || errors.Is(err, pcm.ErrMalformed) {
			t.Errorf("reader failing after %d bytes: %v, want the reader's error only", n, err)
		}
	}
	// A reader that returns nothing, forever.
	_, err := NewDecoder(&stuckReader{})
	if !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("stuck reader: %v", err)
	}
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

// TestOneByteReads feeds a fixture one byte per Read.
func TestOneByteReads(t *testing.T) {
	data := audiotest.ReadFixture(t, "s16-44k-stereo.flac")
	_, want, err := decodeBytes(t, data)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(&oneByteReader{data})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeAll(t, dec)
	if err != nil {
		t.Fatal(err)
	}
	for c := range want.ints {
		if !slices.Equal(got.ints[c], want.ints[c]) {
			t.Fatalf("channel %d differs", c)
		}
	}
}

type oneByteReader struct{ data []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}

func TestTrailingData(t *testing.T) {
	data := audiotest.ReadFixture(t, "u8-8k-mono.flac") // STREAMINFO declares its total
	id3v1 := append([]byte("TAG"), make([]byte, 125)...)
	noTotal := func(b []byte) []byte {
		b = append([]byte(nil), b...)
		b[21] &^= 0x0F // total samples: the low 4 bits of byte 21 and bytes 22-25
		copy(b[22:26], []byte{0, 0, 0, 0})
		return b
	}
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"ID3v1 tag", append(slices.Clone(data), id3v1...), true},
		{"ID3v1 tag, no total", append(noTotal(data), id3v1...), true},
		{"junk after every declared sample", append(slices.Clone(data), "APETAGEX and more"...), true},
		{"zeros after every declared sample", append(slices.Clone(data), make([]byte, 1000)...), true},
		{"junk, no total", append(noTotal(data), "junk"...), false},
		{"one byte, no total", append(noTotal(data), 0xFF), false},
		{"ID3v1 tag and more, no total", append(append(noTotal(data), id3v1...), 0), false},
	}
	for _, tc := range cases {
		_, got, err := decodeBytes(t, tc.data)
		switch {
		case tc.ok && (err != nil || len(got.ints[0]) != 16000):
			t.Errorf("%s: %v, %d samples", tc.name, err, len(got.ints[0]))
		case !tc.ok && !errors.Is(err, pcm.ErrMalformed):
			t.Errorf("%s: %v, want ErrMalformed", tc.name, err)
		}
	}
}

func TestMD5(t *testing.T) {
	s := stereoStream()
	valid := s.encode()
	md5At := 8 + 18
	badSum := slices.Clone(valid)
	badSum[md5At+3] ^= 1
	// Off by default, as in ffmpeg.
	if _, _, err := decodeBytes(t, badSum); err != nil {
		t.Errorf("wrong signature without CheckMD5: %v", err)
	}
	dec, err := NewDecoder(bytes.NewReader(badSum), CheckMD5())
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for {
		_, err = dec.Next()
		if err != nil {
			break
		}
		blocks++
	}
	if blocks != 2 || !errors.Is(err, ErrMD5Mismatch) || !errors.Is(err, pcm.ErrMalformed) {
		t.Errorf("wrong signature: %d blocks, then %v; want both blocks, then ErrMD5Mismatch", blocks, err)
	}
	if _, again := dec.Next(); again != err {
		t.Errorf("the error is not sticky: %v", again)
	}
	// Without a signature nothing is checked; a stream cut after its first
	// frame (as ffmpeg -c copy -t cuts) is not checked either.
	s.noMD5 = true
	if _, err := decodeWith(t, s.encode(), CheckMD5()); err != nil {
		t.Errorf("no signature: %v", err)
	}
	cut := badSum[:frameOffsets(t, valid)[1]]
	if got, err := decodeWith(t, cut, CheckMD5()); err != nil || len(got.ints[0]) != 1152 {
		t.Errorf("cut stream: %v", err)
	}
	// A signature with an unknown total is checked.
	s.noMD5, s.total = false, 0
	noTotal := s.encode()
	noTotal[md5At] ^= 1
	if _, err := decodeWith(t, noTotal, CheckMD5()); !errors.Is(err, ErrMD5Mismatch) {
		t.Errorf("unknown total, wrong signature: %v", err)
	}
}

// decodeWith decodes data with options.
func decodeWith(t *testing.T, data []byte, opts ...Option) (decoded, error) {
	t.Helper()
	dec, err := NewDecoder(bytes.NewReader(data), opts...)
	if err != nil {
		return decoded{}, err
	}
	return decodeAll(t, dec)
}

func TestCRCs(t *testing.T) {
	check := []byte("123456789")
	if c := crc8(check); c != 0xF4 {
		t.Errorf("CRC-8 check value %#x, want 0xf4", c)
	}
	if c := crc16Update(0, check); c != 0xFEE8 {
		t.Errorf("CRC-16 check value %#x, want 0xfee8", c)
	}
	// Slicing by 8 against the bitwise definition.
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i*7 + i>>3)
	}
	for n := range 40 {
		var want uint16
		for _, b := range data[:n*25] {
			want ^= uint16(b) << 8
			for range 8 {
				if want&0x8000 != 0 {
					want = want<<1 ^ crc16Poly
				} else {
					want <<= 1
				}
			}
		}
		if got := crc16Update(0, data[:n*25]); got != want {
			t.Fatalf("CRC-16 of %d bytes: %#x, want %#x", n*25, got, want)
		}
	}
}

func TestUnaryLimit(t *testing.T) {
	br := newBitReader(bytes.NewReader(make([]byte, 100)))
	if q := br.unary(300); q <= 300 || br.err != nil {
		t.Errorf("unary over 800 zero bits with limit 300: %d, %v", q, br.err)
	}
	br = newBitReader(bytes.NewReader(make([]byte, 10)))
	br.unary(1000)
	if !errors.Is(br.err, pcm.ErrMalformed) {
		t.Errorf("unary at the end: %v", br.err)
	}
}

func TestSamplesBeforeNext(t *testing.T) {
	dec, err := NewDecoder(bytes.NewReader(audiotest.ReadFixture(t, "u8-8k-mono.flac")))
	if err != nil {
		t.Fatal(err)
	}
	if s := dec.Samples(); len(s) != 1 || len(s[0]) != 0 {
		t.Errorf("Samples before Next: %v", s)
	}
}
