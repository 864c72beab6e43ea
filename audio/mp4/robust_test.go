package mp4

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/xdna-worker/xdna-worker/audio/audiotest"
	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// maxTestFrames caps what a damaged file may decode to in these tests:
// ten times the longest fixture.
const maxTestFrames = 10 * 48000

// decodeCapped decodes b to its end, or to the first error, or until it
// has output max frames (then it returns an error saying so).
func decodeCapped(b []byte, max int) ([][]float32, error) {
	dec, err := NewDecoder(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out := make([][]float32, dec.Info().Channels())
	n := 0
	for {
		blk, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(blk) != len(out) {
			return out, fmt.Errorf("block of %d channels in a stream of %d", len(blk), len(out))
		}
		for c := range blk {
			if len(blk[c]) != len(blk[0]) || len(blk[c]) > pcm.MaxBlockFrames {
				return out, fmt.Errorf("ragged or oversized block")
			}
			out[c] = append(out[c], blk[c]...)
		}
		if n += len(blk[0]); n > max {
			return out, fmt.Errorf("more than %d frames", max)
		}
	}
}

// isPrefix reports whether every channel of a starts channel c of b.
func isPrefix(a, b [][]float32) bool {
	return slices.EqualFunc(a, b, func(x, y []float32) bool {
		return len(x) <= len(y) && slices.Equal(x, y[:len(x)])
	})
}

// TestTruncated cuts every fixture at many offsets. Each cut must give an
// error wrapping ErrMalformed, except where the cut loses nothing that the
// decoder needs (the output is then the whole decode) or falls between
// movie fragments (the output is then a prefix of the whole decode).
func TestTruncated(t *testing.T) {
	for _, f := range decodable {
		t.Run(f.name, func(t *testing.T) {
			b := audiotest.ReadFixture(t, f.name)
			whole, err := decodeCapped(b, maxTestFrames)
			if err != nil {
				t.Fatal(err)
			}
			n := 300
			if testing.Short() || raceEnabled {
				n = 100
			}
			step := max(1, len(b)/n)
			for cut := 0; cut < len(b); cut += step {
				out, err := decodeCapped(b[:cut], maxTestFrames)
				if err != nil {
					if !errors.Is(err, pcm.ErrMalformed) {
						t.Fatalf("cut at %d of %d: %v, want ErrMalformed", cut, len(b), err)
					}
					continue
				}
				full := len(out[0]) == len(whole[0]) && isPrefix(out, whole)
				if !full && !(f.fragmented && isPrefix(out, whole)) {
					t.Fatalf("cut at %d of %d: decoded %d frames without error, whole file %d", cut, len(b), len(out[0]), len(whole[0]))
				}
			}
		})
	}
}

// TestCorrupted overwrites bytes of every fixture at many offsets. Each
// damaged file must decode or fail with ErrMalformed or ErrUnsupported,
// never panic, and never decode to far more audio than the file holds.
func TestCorrupted(t *testing.T) {
	for _, f := range decodable {
		t.Run(f.name, func(t *testing.T) {
			b := audiotest.ReadFixture(t, f.name)
			n := 200
			if testing.Short() || raceEnabled {
				n = 40
			}
			step := max(1, len(b)/n)
			for off := 0; off < len(b); off += step {
				for _, v := range []byte{0x00, 0xFF, b[off] ^ 0x10} {
					c := bytes.Clone(b)
					c[off] = v
					_, err := decodeCapped(c, maxTestFrames)
					if err != nil && !errors.Is(err, pcm.ErrMalformed) && !errors.Is(err, pcm.ErrUnsupported) {
						t.Fatalf("byte %d set to %#x: %v", off, v, err)
					}
				}
			}
		})
	}
}

// patch returns a copy of b with the 4 bytes at the offset of the n-th
// (from 0) occurrence of typ plus delta set to v.
func patch(t *testing.T, b []byte, typ string, delta int, v uint32) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(typ))
	if i < 0 {
		t.Fatalf("no %s box", typ)
	}
	c := bytes.Clone(b)
	binary.BigEndian.PutUint32(c[i+delta:], v)
	return c
}

// TestLyingHeaders gives the decoder boxes whose counts and sizes are
// absurd. Each must fail with ErrMalformed, having allocated little.
func TestLyingHeaders(t *testing.T) {
	base := fixtureSpec(t, "aac-mono16k.m4a")
	base.edits = []editEntry{{1500, 1024, 1}}
	plain := build(base)
	frag := func() []byte { s := base; s.fragment = 4; return build(s) }()
	// Offsets after a box's type: +4 is version and flags, +8 the first
	// field.
	cases := []struct {
		name string
		file []byte
	}{
		{"stsz sample count 2^32-1", patch(t, plain, "stsz", 12, 0xFFFFFFFF)},
		{"stsz constant size, 2^32-1 samples", patch(t, patch(t, plain, "stsz", 8, 300), "stsz", 12, 0xFFFFFFFF)},
		{"stts entry count 2^32-1", patch(t, plain, "stts", 8, 0xFFFFFFFF)},
		{"stts of 2^64 time units", patch(t, patch(t, plain, "stts", 12, 0xFFFFFFFF), "stts", 16, 0xFFFFFFFF)},
		{"stts too short", patch(t, plain, "stts", 12, 3)},
		{"stsc entry count 2^32-1", patch(t, plain, "stsc", 8, 0xFFFFFFFF)},
		{"stsc first chunk 0", patch(t, plain, "stsc", 12, 0)},
		{"stsc 0 samples per chunk", patch(t, plain, "stsc", 16, 0)},
		{"stsc too few samples", patch(t, plain, "stsc", 16, 3)},
		{"stsc names description 7", patch(t, plain, "stsc", 20, 7)},
		{"stco entry count 2^32-1", patch(t, plain, "stco", 8, 0xFFFFFFFF)},
		{"stco offset past the end", patch(t, plain, "stco", 12, 0xFFFFFF00)},
		{"stsd entry count 0", patch(t, plain, "stsd", 8, 0)},
		{"mdhd timescale 0", patch(t, plain, "mdhd", 16, 0)},
		{"elst entry count 2^32-1", patch(t, plain, "elst", 8, 0xFFFFFFFF)},
		{"elst media time -5", patch(t, plain, "elst", 16, 0xFFFFFFFB)},
		{"moov size 2^32-1", patch(t, plain, "moov", -4, 0xFFFFFFFF)},
		{"moov size 3", patch(t, plain, "moov", -4, 3)},
		{"mdat size past the moov", patch(t, plain, "mdat", -4, 0x7FFFFFFF)},
		{"trak size past the moov", patch(t, plain, "trak", -4, 0x00FFFFFF)},
		{"stsz size 2^32-1", patch(t, plain, "stsz", -4, 0xFFFFFFFF)},
		{"sample of 2^31 bytes", patch(t, plain, "stsz", 16, 0x80000000)},
		{"esds descriptor size 2^28-1", patch(t, plain, "esds", 9, 0xFFFFFF7F)},
		{"trun sample count 2^32-1", patch(t, frag, "trun", 8, 0xFFFFFFFF)},
		{"trun data offset before the file", patch(t, frag, "trun", 12, 0x80000000)},
		{"trun data offset past the end", patch(t, frag, "trun", 12, 0x7FFFFFFF)},
		{"tfhd names description 5", patch(t, patch(t, frag, "tfhd", 4, tfhdBaseIsMoof|tfhdDescription), "tfhd", 12, 5)},
		{"moof size past the end", patch(t, frag, "moof", -4, 0x7FFFFFFF)},
		{"trun sample size 0", patch(t, frag, "trun", 20, 0)},
		{"64-bit box size 2^63-1", func() []byte {
			s := base
			s.mdatLarge = true
			c := build(s)
			i := bytes.Index(c, []byte("mdat"))
			binary.BigEndian.PutUint64(c[i+4:], 1<<63-1)
			return c
		}()},
		{"64-bit box size 9", func() []byte {
			s := base
			s.mdatLarge = true
			c := build(s)
			i := bytes.Index(c, []byte("mdat"))
			binary.BigEndian.PutUint64(c[i+4:], 9)
			return c
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := audiotest.Allocated(func() { _, err = decodeCapped(c.file, maxTestFrames) })
			wantMalformed(t, err)
			if n > maxDecoderAlloc {
				t.Errorf("allocated %d bytes, more than %d", n, maxDecoderAlloc)
			}
		})
	}
}

// maxDecoderAlloc bounds what making a decoder and decoding a file may
// allocate, whatever the file: the windows, the access unit buffer and the
// AAC decoder's state.
const maxDecoderAlloc = 1 << 20

// TestLongFileBoundedMemory decodes a file of 300,000 access units (a
// 3.3-hour 48 kHz AAC track has as many) whose sample tables are 1.2 MB,
// with a stand-in codec, and checks that the decoder allocates a small
// constant amount, not in proportion to the tables.
func TestLongFileBoundedMemory(t *testing.T) {
	const n = 300000
	s := spec{channels: 1, rate: 48000, asc: []byte{0x11, 0x88}, chunks: []int{1000, 999}, moovFirst: true}
	s.packets = make([][]byte, n)
	for i := range s.packets {
		s.packets[i] = []byte{byte(i)}
	}
	b := build(s)
	var (
		dec    *Decoder
		frames int
		err    error
	)
	alloc := audiotest.Allocated(func() {
		if dec, err = newDecoder(bytes.NewReader(b), openSilence); err == nil {
			frames, err = audiotest.Count(dec)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("decoding %d access units allocated %d bytes", n, alloc)
	if frames != n*1024 || dec.Info().Frames != n*1024 {
		t.Errorf("%d frames (Info %d), want %d", frames, dec.Info().Frames, n*1024)
	}
	if alloc > 256<<10 {
		t.Errorf("decoding %d access units allocated %d bytes", n, alloc)
	}
}

// failingReader fails with errDisk once more than limit bytes are read.
type failingReader struct {
	r     *bytes.Reader
	limit int64
	read  int64
}

var errDisk = errors.New("disk on fire")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.read+int64(len(p)) > f.limit {
		return 0, errDisk
	}
	n, err := f.r.Read(p)
	f.read += int64(n)
	return n, err
}

func (f *failingReader) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

// TestReaderErrorsPassThrough checks that errors of the reader come back
// wrapped, not as ErrMalformed, wherever they happen.
func TestReaderErrorsPassThrough(t *testing.T) {
	b := audiotest.ReadFixture(t, "aac-mono16k.m4a")
	for limit := int64(0); limit < int64(len(b)); limit += 97 {
		dec, err := NewDecoder(&failingReader{r: bytes.NewReader(b), limit: limit})
		for err == nil {
			_, err = dec.Next()
		}
		if errors.Is(err, io.EOF) {
			continue // everything was read before the limit
		}
		if !errors.Is(err, errDisk) || errors.Is(err, pcm.ErrMalformed) {
			t.Fatalf("failing after %d bytes: %v, want the reader's error", limit, err)
		}
	}
}

// TestUnsupported checks that codecs and features not decoded give
// ErrUnsupported naming them.
func TestUnsupported(t *testing.T) {
	for _, c := range []struct{ file, what string }{
		{"unsupported-opus.mp4", "Opus"},
		{"unsupported-flac.mp4", "FLAC"},
		{"unsupported-alac.m4a", "ALAC"},
		{"unsupported-ac3.mp4", "AC-3"},
		{"unsupported-mp2.mp4", "layer"},
		{"unsupported-pcm.mov", "PCM"},
	} {
		t.Run(c.file, func(t *testing.T) {
			_, err := NewDecoder(audiotest.Open(t, "testdata/"+c.file))
			wantUnsupported(t, err, c.what)
		})
	}
	base := fixtureSpec(t, "aac-mono16k.m4a")
	plain := build(base)
	retype := func(from, to string) []byte {
		c := bytes.Clone(plain)
		i := bytes.Index(c, []byte(from))
		copy(c[i:], to)
		return c
	}
	heaac := base
	heaac.asc = []byte{0x2B, 0x92, 0x08, 0x00} // object type 5 (SBR), 24 kHz core, 48 kHz output
	for _, c := range []struct {
		name, what string
		file       []byte
	}{
		{"AMR", "AMR-NB", retype("mp4a", "samr")},
		{"encrypted", "encrypted", retype("mp4a", "enca")},
		{"unknown codec", "unknown codec", retype("mp4a", "zzzz")},
		{"HE-AAC", "HE-AAC", build(heaac)},
		{"implicit SBR", "HE-AAC", func() []byte {
			// Access units of a fill element carrying SBR data (extension
			// type 0xD), then END: NewDecoder decodes the first one and
			// refuses the stream before any audio is returned.
			s := base
			s.packets = [][]byte{{0xC5, 0xA0, 0x01, 0xC0}, {0xC5, 0xA0, 0x01, 0xC0}}
			s.durations = []uint32{1024, 1024}
			return build(s)
		}()},
		{"compressed moov", "compressed movie", retype("mvhd", "cmov")},
		{"Vorbis object type", "Vorbis", func() []byte {
			c := bytes.Clone(plain)
			i := bytes.Index(c, []byte{0x04, 0x80, 0x80, 0x80})
			c[i+5] = otiVorbis
			return c
		}()},
		{"WAV", "not an MP4", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00")},
		{"Ogg", "not an MP4", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00")},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewDecoder(bytes.NewReader(c.file))
			wantUnsupported(t, err, c.what)
		})
	}
}

// TestNoSoundTrack checks files without audio to decode.
func TestNoSoundTrack(t *testing.T) {
	base := fixtureSpec(t, "aac-mono16k.m4a")
	plain := build(base)
	// The sound track's handler says video: no sound track at all.
	noSound := patch(t, plain, "hdlr", 12, uint32(code("vide")))
	_, err := NewDecoder(bytes.NewReader(noSound))
	wantMalformed(t, err)
	// A sound track with no samples decodes to nothing.
	empty := base
	empty.packets = nil
	empty.durations = nil
	dec, err := NewDecoder(bytes.NewReader(build(empty)))
	if err != nil {
		t.Fatal(err)
	}
	if dec.Info().Frames != 0 {
		t.Errorf("Info.Frames %d, want 0", dec.Info().Frames)
	}
	if _, err := dec.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("Next: %v, want io.EOF", err)
	}
	// Empty and tiny files.
	for _, b := range [][]byte{nil, {0, 0, 0}, []byte("\x00\x00\x00\x10ftyp")} {
		_, err := NewDecoder(bytes.NewReader(b))
		wantMalformed(t, err)
	}
}
